"""schemagen: one YAML data model -> SQLAlchemy models, Pydantic schemas and relation maps.

The Python API (see `schemagen.api`): `load_spec`, `parse_spec`, `resolve`, `generate`, `dump`,
and the types `SpecFile`, `Spec`, `Catalog` and `SpecErrors`. Names are imported on first use, so
that `import schemagen` (and `schemagen check`) stays light.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

__version__ = "0.1.0"

if TYPE_CHECKING:
    from schemagen.api import SpecFile, dump, generate, load_spec, parse_spec, resolve
    from schemagen.catalog import Catalog
    from schemagen.errors import SpecError, SpecErrors
    from schemagen.spec.model import Spec

__all__ = ["Catalog", "Spec", "SpecError", "SpecErrors", "SpecFile", "dump", "generate", "load_spec", "parse_spec",
           "resolve"]

_HOMES = {
    "SpecFile": "schemagen.api", "dump": "schemagen.api", "generate": "schemagen.api", "load_spec": "schemagen.api",
    "parse_spec": "schemagen.api", "resolve": "schemagen.api", "Catalog": "schemagen.catalog",
    "SpecError": "schemagen.errors", "SpecErrors": "schemagen.errors", "Spec": "schemagen.spec.model",
}


def __getattr__(name: str) -> Any:
    if name in _HOMES:
        import importlib

        value = getattr(importlib.import_module(_HOMES[name]), name)
        globals()[name] = value
        return value
    raise AttributeError(f"module 'schemagen' has no attribute {name!r}")
