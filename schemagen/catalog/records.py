"""`direct_init`: a frozen dataclass whose instances are made without a call per field.
(`Encoder`, below: records as plain data, for the render cache's digests.)

The `__init__` that `dataclass(frozen=True)` writes stores each field with `object.__setattr__`
(the class's own `__setattr__` refuses), one call per field. The catalog makes tens of thousands of
records (a 300-table spec: 4,500 columns of 32 fields, and their keys, relations, indexes and
checks), and on Python 3.11 those calls were a quarter of resolve's instructions. The `__init__`
made here stores all fields into the instance's `__dict__` at once. Nothing else changes: same
signature, defaults and default factories; assignment and deletion still raise
`FrozenInstanceError`; `repr`, `==`, `hash` and `dataclasses.replace` are dataclass's own.
"""

from __future__ import annotations

import re
from dataclasses import MISSING, fields, is_dataclass
from operator import itemgetter
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


class Encoder:
    """Catalog values as plain data that `marshal` writes (tuples, str, int, float, bool, None), for
    a digest: the same value gives the same data, any field that differs gives other data.

    `repr` of a record gives that too, but through a Python `__repr__` per record and a label per
    field (~3.5 us a column): digesting a 300-table catalog took ~30 ms. Here each record class gets
    one generated function that puts its fields, in order, into a tuple after its class's name;
    fields whose annotation names only plain types (`str`, `int | None`, `Literal[...]`,
    `tuple[str, ...]`) go in as they are, the others through `plain` (records, tuples of records,
    `Any`). Nothing is lost unseen: `marshal` refuses any value that is not exactly a plain type
    (a subclass, a Decimal, a record where the annotation promised a str), and the caller then
    digests `repr` instead."""

    _PLAIN_NAMES = frozenset({"str", "int", "float", "bool", "None", "Literal", "tuple"})

    def __init__(self) -> None:
        self._encoders: dict[type, Any] = {}

    def plain(self, value: Any) -> Any:
        kind = type(value)
        if kind is str or kind is bool or kind is int or value is None or kind is float:
            return value
        encoder = self._encoders.get(kind)
        if encoder is not None:
            return encoder(value, self.plain)
        if kind is tuple or kind is list:
            return (kind.__name__, *map(self.plain, value))
        if kind is dict:
            return ("dict", *((self.plain(key), self.plain(item)) for key, item in value.items()))
        if is_dataclass(kind):
            return self._encoder(kind)(value, self.plain)
        # anything else (Decimal, a mapping proxy, an enum): its type and repr, which name it whole
        return ("repr", f"{kind.__module__}.{kind.__qualname__}", repr(value))

    def _encoder(self, kind: type) -> Any:
        raw: list[str] = []
        encoded: list[str] = []
        for spec in fields(kind):
            annotation = spec.type if isinstance(spec.type, str) else "Any"
            words = set(re.findall(r"[A-Za-z_][A-Za-z_0-9]*", re.sub(r"'[^']*'|\"[^\"]*\"", "", annotation)))
            (raw if words <= self._PLAIN_NAMES else encoded).append(spec.name)
        # the plain fields in one C call (`itemgetter`: ~10 ns a field), the others one by one
        items = [repr(f"{kind.__module__}.{kind.__qualname__}")]
        items += ["raw(d)"] if raw else []
        # (`None` is common there: an optional record absent; kept without a call)
        items += [f"(v if (v := d[{name!r}]) is None else plain(v))" for name in encoded]
        source = (f"def encode(value, plain):\n"
                  f"    d = value.__dict__\n"
                  f"    return ({', '.join(items)},)\n")
        made: dict[str, Any] = {}
        exec(source, {"raw": itemgetter(*raw)} if raw else {}, made)  # noqa: S102 (field names only)
        encoder = self._encoders[kind] = made["encode"]
        return encoder
