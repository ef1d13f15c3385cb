"""The opt-in extras of a package that describe it to other tools: `schemas.json` and `ERD.md`.

`schemas.json` is the JSON Schema of every table's Select (serialization mode), Insert and Update
(validation mode) schema, and of each Select with a relation loaded (`UserWithMemories`), exactly as Pydantic gives it: rather than a second copy of Pydantic's rules
(formats, constraints, the generated schemas' own `__get_pydantic_json_schema__` hooks), the build
imports the package it has just generated and asks Pydantic. The package is imported from a
temporary folder under a private name, so neither the user's installed copy of the package nor
anything on `sys.path` is imported, and the modules are dropped again afterwards. Only SQLAlchemy and
Pydantic (which the generated code needs anyway) are imported. The file is deterministic for given
versions of those two; a newer Pydantic may describe a schema differently, and `check` then says so.
"""

from __future__ import annotations

import importlib
import importlib.util
import json
import sys
import tempfile
from pathlib import Path

from schemagen.catalog import Catalog

SCHEMAS_JSON = "schemas.json"
ERD_MD = "ERD.md"
_KINDS = (("Select", "serialization"), ("Insert", "validation"), ("Update", "validation"))


class ExtrasError(Exception):
    """The generated package could not be imported, or Pydantic could not describe a schema."""


def extras(catalog: Catalog, python: dict[str, str]) -> dict[str, str]:
    """The opt-in files of a package, by file name, from its formatted modules (by file name)."""
    files = {}
    if catalog.typescript:
        files[SCHEMAS_JSON] = schemas_json(catalog, python)
    if catalog.erd:
        files[ERD_MD] = erd_markdown(catalog)
    return files


def schemas_json(catalog: Catalog, python: dict[str, str]) -> str:
    """The JSON Schema of each Select, Insert and Update schema of the package whose formatted
    modules `python` holds (by file name), as Pydantic's `model_json_schema` gives it."""
    from schemagen.codegen.typescript import loaded_schema_names  # (opt-in: most builds never load it)

    name = f"_schemagen_wire_{catalog.package}"
    with tempfile.TemporaryDirectory(prefix="schemagen-wire-") as folder:
        root = Path(folder) / name
        root.mkdir()
        for file_name, source in python.items():
            (root / file_name).write_text(source, "utf-8")
        spec = importlib.util.spec_from_file_location(name, root / "__init__.py",
                                                      submodule_search_locations=[str(root)])
        assert spec is not None and spec.loader is not None
        package = importlib.util.module_from_spec(spec)
        sys.modules[name] = package
        found: dict[str, object] = {}
        current = "the import"
        try:
            spec.loader.exec_module(package)
            schemas = importlib.import_module(f"{name}.schemas")
            for table in catalog.tables:
                for kind, mode in _KINDS[:2] if table.core_name is not None else _KINDS:  # Core: no Update
                    current = f"{table.class_name}{kind}"
                    found[current] = getattr(schemas, current).model_json_schema(mode=mode)
            for current in loaded_schema_names(catalog):
                found[current] = getattr(schemas, current).model_json_schema(mode="serialization")
        except Exception as exc:  # the user's environment (a missing or broken library), reported, not a traceback
            raise ExtrasError(f"`typescript: true` in {catalog.source}: schemas.json needs the generated package "
                              f"imported and described by Pydantic, which failed at {current}: "
                              f"{type(exc).__name__}: {exc}") from exc
        finally:
            for module in [module for module in sys.modules if module == name or module.startswith(name + ".")]:
                del sys.modules[module]
    return json.dumps(found, indent=2, ensure_ascii=False) + "\n"


def erd_markdown(catalog: Catalog) -> str:
    """ERD.md: the package's entity-relationship diagram as a Mermaid block (GitHub draws it)."""
    from schemagen.codegen.literals import Code
    from schemagen.codegen.render import environment
    from schemagen.diagram import mermaid

    return environment().get_template("ERD.md.jinja").render(
        source=Code(catalog.source), package=Code(catalog.package), diagram=Code(mermaid(catalog).rstrip()))
