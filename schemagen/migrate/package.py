"""The generated packages of a set of specs, imported so that their `Base.metadata` can be read.

The package is generated in memory by the pipeline (so it is the spec's, even when `generated/` is
stale), written to a private temporary folder and imported under a private module name: two
versions of one package can be loaded in one process, and the user's own import of it is untouched.
"""

from __future__ import annotations

import atexit
import functools
import hashlib
import importlib
import importlib.util
import shutil
import sys
import tempfile
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING

from sqlalchemy import MetaData

from schemagen.migrate.safety import Renames

if TYPE_CHECKING:
    from schemagen.catalog import Catalog
    from schemagen.output.manifest import Output

_ROOT = Path(tempfile.gettempdir())


@dataclass(frozen=True)
class Package:
    """One spec's generated package: its name, spec file, catalog and the models' metadata."""

    name: str
    spec_file: Path
    catalog: Catalog
    metadata: MetaData
    renames: Renames


def import_output(output: Output) -> MetaData:
    """`Base.metadata` of a generated package (files in memory), imported under a private name."""
    digest = hashlib.sha256()
    for path, data in sorted(output.files.items()):
        digest.update(path.encode() + b"\0" + data + b"\0")
    module_name = f"_schemagen_migrate_{output.package}_{digest.hexdigest()[:16]}"
    if module_name not in sys.modules:
        top = Path(tempfile.mkdtemp(prefix="schemagen-migrate-", dir=_ROOT))
        atexit.register(functools.partial(shutil.rmtree, top, ignore_errors=True))
        folder = top / module_name
        for path, data in output.files.items():
            target = folder / path.split("/", 1)[1]
            target.parent.mkdir(parents=True, exist_ok=True)
            target.write_bytes(data)
        spec = importlib.util.spec_from_file_location(module_name, folder / "__init__.py",
                                                      submodule_search_locations=[str(folder)])
        assert spec is not None and spec.loader is not None
        module = importlib.util.module_from_spec(spec)
        sys.modules[module_name] = module
        spec.loader.exec_module(module)
    models = importlib.import_module(f"{module_name}.models")
    metadata = models.Base.metadata
    assert isinstance(metadata, MetaData)
    return metadata


def load_packages(spec_files: list[Path], out_dir: Path) -> list[Package]:
    """Generate (cached formatting) and import the package of every spec; SpecErrors as the pipeline."""
    from schemagen.format.cache import FormatCache
    from schemagen.pipeline import catalogs, generate

    cache = FormatCache.for_output(out_dir)
    outputs = generate(spec_files, cache=cache)
    cache.save()
    by_package = {catalog.package: catalog for _, _, catalog in catalogs(spec_files)}
    return [Package(o.package, o.spec_file, by_package[o.package], import_output(o),
                    renames(o.spec_file, by_package[o.package])) for o in outputs]


def renames(spec_file: Path, catalog: Catalog) -> Renames:
    """The spec's `renamed_from:` declarations, by SQL name (the catalog knows each column's)."""
    from schemagen.api import load_spec

    spec = load_spec(spec_file).spec
    tables: dict[str, str] = {}
    columns: dict[tuple[str, str], str] = {}
    values: dict[str, dict[str, str]] = {}
    enum_columns: dict[str, list[tuple[str, str, bool]]] = {}
    for enum in catalog.enums:
        declared = spec.enums[enum.name].renamed_from
        if declared:
            used = [(t.name, c.sql_name, c.array) for t in catalog.tables for c in t.columns if c.enum == enum.name]
            values[enum.sql_name] = {old: new for new, old in declared.items()}
            enum_columns[enum.sql_name] = used
    for table_name, table in spec.tables.items():
        if table.renamed_from:
            tables[table_name] = table.renamed_from
        for key, column in table.columns.items():
            if column.renamed_from:
                columns[(table_name, catalog.table(table_name).column(key).sql_name)] = column.renamed_from
    return Renames(tables, columns, values, enum_columns)
