"""`direct_init`: a frozen dataclass whose instances are made without a call per field.

The `__init__` that `dataclass(frozen=True)` writes stores each field with `object.__setattr__`
(the class's own `__setattr__` refuses), one call per field. The catalog makes tens of thousands of
records (a 300-table spec: 4,500 columns of 32 fields, and their keys, relations, indexes and
checks), and on Python 3.11 those calls were a quarter of resolve's instructions. The `__init__`
made here stores all fields into the instance's `__dict__` at once. Nothing else changes: same
signature, defaults and default factories; assignment and deletion still raise
`FrozenInstanceError`; `repr`, `==`, `hash` and `dataclasses.replace` are dataclass's own.
"""

from __future__ import annotations

from dataclasses import MISSING, fields, is_dataclass
from typing import Any, TypeVar

R = TypeVar("R")

_FACTORY_DEFAULT = object()  # marks "not given" where a default factory makes the value


def direct_init(cls: type[R]) -> type[R]:
    """Put on top of `@dataclass(frozen=True)`: replaces the generated `__init__` (see the module)."""
    if not is_dataclass(cls) or not cls.__dataclass_params__.frozen:  # type: ignore[attr-defined]
        raise TypeError(f"{cls.__name__}: direct_init goes on a frozen dataclass")
    if hasattr(cls, "__post_init__"):
        raise TypeError(f"{cls.__name__}: direct_init calls no __post_init__")
    params: list[str] = []
    values: list[str] = []
    namespace: dict[str, Any] = {"_FACTORY_DEFAULT": _FACTORY_DEFAULT}
    for spec in fields(cls):
        name = spec.name
        if not spec.init or spec.kw_only:
            raise TypeError(f"{cls.__name__}.{name}: direct_init makes plain positional-or-keyword fields only")
        if spec.default is not MISSING:
            namespace[f"_default_{name}"] = spec.default
            params.append(f"{name}=_default_{name}")
            values.append(f"{name!r}: {name}")
        elif spec.default_factory is not MISSING:
            namespace[f"_factory_{name}"] = spec.default_factory
            params.append(f"{name}=_FACTORY_DEFAULT")
            values.append(f"{name!r}: _factory_{name}() if {name} is _FACTORY_DEFAULT else {name}")
        else:
            params.append(name)
            values.append(f"{name!r}: {name}")
    source = (f"def __init__(self, {', '.join(params)}):\n"
              f"    self.__dict__.update({{{', '.join(values)}}})\n")
    made: dict[str, Any] = {}
    exec(source, namespace, made)  # noqa: S102 (field names only: dataclass checked them as identifiers)
    init = made["__init__"]
    init.__qualname__ = f"{cls.__qualname__}.__init__"
    init.__module__ = cls.__module__
    init.__annotations__ = dict(cls.__init__.__annotations__)
    cls.__init__ = init  # type: ignore[method-assign]
    return cls
