"""The Python API: the pipeline's stages for tools and tests, each raising the `SpecErrors` the CLI prints.

    import schemagen

    spec = schemagen.load_spec("specs/shop.yaml")      # load + validate: a SpecFile
    catalog = schemagen.resolve(spec)                  # the frozen Catalog
    files = schemagen.generate(catalog)                # {"models.py": "...", ...}, black-formatted
    text = schemagen.dump(spec.spec)                   # the spec written back as YAML

A spec built in memory (`schemagen.Spec.model_validate({...})`) can be resolved and generated too;
its errors then carry their spec path but no file position.
"""

from __future__ import annotations

from dataclasses import dataclass
from os import PathLike
from pathlib import Path

from schemagen.catalog import Catalog
from schemagen.spec.load import LoadedSpec
from schemagen.spec.model import Spec


@dataclass(frozen=True)
class SpecFile:
    """A validated spec and where it came from (the positions its errors point at)."""

    path: Path
    spec: Spec
    source: LoadedSpec


def load_spec(path: str | Path) -> SpecFile:
    """Read, load and validate one spec file."""
    from schemagen.spec.load import load_spec as load
    from schemagen.spec.validate import validate_spec

    loaded = load(Path(path))
    return SpecFile(loaded.file, validate_spec(loaded), loaded)


def parse_spec(text: str, path: str | Path = "spec.yaml") -> SpecFile:
    """Load and validate spec text as if read from `path` (which names the package by default)."""
    from schemagen.spec.load import load_spec_text
    from schemagen.spec.validate import validate_spec

    loaded = load_spec_text(Path(path), text.encode("utf-8"))
    return SpecFile(loaded.file, validate_spec(loaded), loaded)


def resolve(spec: SpecFile | Spec | PathLike[str]) -> Catalog:
    """The catalog of a spec (or of the spec file at a path); every cross-reference checked."""
    from schemagen.resolver import resolve as resolve_spec

    if isinstance(spec, PathLike):
        spec = load_spec(Path(spec))
    if isinstance(spec, SpecFile):
        return resolve_spec(spec.spec, spec.source)
    if not isinstance(spec, Spec):
        raise TypeError(f"expected a SpecFile, Spec, Catalog or a spec file's Path, not {type(spec).__name__}: "
                        "read a spec with schemagen.load_spec(path) or schemagen.parse_spec(text)")
    return resolve_spec(spec)


def generate(source: SpecFile | Spec | Catalog | PathLike[str], *, line_length: int = 88) -> dict[str, str]:
    """The files of the generated package by name (`models.py`, ...), laid out for `line_length`
    columns (black's default unless given); nothing is written."""
    from schemagen.format.style import laid_out_for
    from schemagen.pipeline import collector_paused, package_sources

    from schemagen.wire import extras

    with collector_paused():
        catalog = source if isinstance(source, Catalog) else resolve(source)
        with laid_out_for(line_length):
            files = package_sources([catalog], None, prefixed=False)
        files.update(extras(catalog, {name: text for name, text in files.items() if name.endswith(".py")}))
    return files


def dump(spec: Spec) -> str:
    """The spec as YAML that `load_spec` reads back to an equal spec."""
    from schemagen.spec.dump import dump as dump_spec

    return dump_spec(spec)
