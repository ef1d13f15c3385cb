"""`record`: a frozen dataclass made with less generated code, whose instances are made without a
call per field. (`Encoder`, below: records as plain data, for the render cache's digests.)

The `__init__` that `dataclass(frozen=True)` writes stores each field with `object.__setattr__`
(the class's own `__setattr__` refuses), one call per field. The catalog makes tens of thousands of
records (a 300-table spec: 4,500 columns of 32 fields, and their keys, relations, indexes and
checks), and on Python 3.11 those calls were a quarter of resolve's instructions. The `__init__`
made here stores all fields into the instance's `__dict__` at once.

`dataclass` writes each method it adds as source text and compiles it (six per frozen class), and
every build imports the records before it can start: importing `schemagen.catalog` took 103 M
instructions, the catalog and the code generator (whose IR is records too) 318 M. `__repr__`,
`__eq__`, `__hash__`, `__setattr__` and `__delattr__` are the same for every record but for the
names of its fields, so here they are functions over those names (`attrgetter`), compiled once;
only `__init__` is written per record: 32 M and 159 M. Nothing else changes: same signature,
defaults and default factories, docstring, `repr` text, equality and hash values; assignment and
deletion raise the same `FrozenInstanceError`; `dataclasses.fields` and `replace` work as on any
dataclass.
"""

from __future__ import annotations

import inspect
import re
from collections.abc import Callable
from dataclasses import MISSING, Field, FrozenInstanceError, dataclass, field, fields, is_dataclass
from operator import attrgetter, itemgetter
from reprlib import recursive_repr
from typing import Any, TypeVar, dataclass_transform

R = TypeVar("R")


class _FactoryDefault:
    """Marks "not given" where a default factory makes the value; shown as dataclass shows its own."""

    def __repr__(self) -> str:
        return "<factory>"


_FACTORY_DEFAULT = _FactoryDefault()


_METHODS = frozenset({"__init__", "__repr__", "__eq__", "__hash__", "__setattr__", "__delattr__"})
"""The methods a record makes."""


@dataclass_transform(frozen_default=True, field_specifiers=(field, Field))
def record(cls: type[R]) -> type[R]:
    """`@dataclass(frozen=True)`, made as the module says."""
    if hasattr(cls, "__post_init__"):
        raise TypeError(f"{cls.__name__}: a record calls no __post_init__")
    # (a dataclass keeps a method the class defines; `_add_methods` would replace it unseen)
    own = sorted(_METHODS & set(vars(cls)))
    if own:
        raise TypeError(f"{cls.__name__}: a record makes {', '.join(own)} itself; declare it with @dataclass")
    documented = bool(cls.__doc__)
    if not documented:
        cls.__doc__ = cls.__name__  # (else dataclass writes one from the signature of an `__init__` not there yet)
    # made unfrozen, so that it writes no methods; frozen by `_add_methods` (so `dataclasses` sees an
    # unfrozen dataclass: a plain `@dataclass(frozen=True)` may not derive from a record, a record may)
    dataclass(init=False, repr=False, eq=False)(cls)  # (the same class, with its fields)
    made: Any = cls
    specs = fields(made)
    made.__init__ = _direct_init(made, specs)
    _add_methods(made, specs)
    if not documented:  # the text dataclass writes
        made.__doc__ = made.__name__ + _signature_text(specs)
    return cls


def _signature_text(specs: tuple[Field[Any], ...]) -> str:
    """`str(inspect.signature(...))` of dataclass's `__init__` (its defaults, `<factory>`), without the return."""
    params = []
    for spec in specs:
        text = f"{spec.name}: {inspect.formatannotation(spec.type)}"
        if spec.default is not MISSING:
            text += f" = {spec.default!r}"
        elif spec.default_factory is not MISSING:
            text += " = <factory>"
        params.append(text)
    return f"({', '.join(params)})"


def _direct_init(cls: type, specs: tuple[Field[Any], ...]) -> Callable[..., None]:
    params: list[str] = []
    values: list[str] = []
    namespace: dict[str, Any] = {"_FACTORY_DEFAULT": _FACTORY_DEFAULT}
    for spec in specs:
        name = spec.name
        if not spec.init or spec.kw_only:
            raise TypeError(f"{cls.__name__}.{name}: a record has plain positional-or-keyword fields only")
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
    init: Callable[..., None] = made["__init__"]
    init.__qualname__ = f"{cls.__qualname__}.__init__"
    init.__module__ = cls.__module__
    init.__annotations__ = {**{spec.name: spec.type for spec in specs}, "return": None}
    return init


def _values_of(names: tuple[str, ...]) -> Callable[[Any], tuple[Any, ...]]:
    """A function giving the values of these attributes as a tuple (`attrgetter` of one name gives the value)."""
    if len(names) == 1:
        get = attrgetter(names[0])
        return lambda value: (get(value),)
    return attrgetter(*names) if names else lambda value: ()


def _add_methods(cls: type[Any], specs: tuple[Field[Any], ...]) -> None:
    """`__repr__`, `__eq__`, `__hash__`, `__setattr__` and `__delattr__` as dataclass writes them for
    a frozen dataclass."""
    shown = tuple(spec.name for spec in specs if spec.repr)
    compared = _values_of(tuple(spec.name for spec in specs if spec.compare))
    hashed = _values_of(tuple(spec.name for spec in specs if (spec.compare if spec.hash is None else spec.hash)))
    names = frozenset(spec.name for spec in specs)

    @recursive_repr()
    def __repr__(self: Any) -> str:
        return f"{self.__class__.__qualname__}({', '.join(f'{name}={getattr(self, name)!r}' for name in shown)})"

    def __eq__(self: Any, other: Any) -> Any:
        if other.__class__ is self.__class__:
            return compared(self) == compared(other)
        return NotImplemented

    def __hash__(self: Any) -> int:
        return hash(hashed(self))

    def __setattr__(self: Any, name: str, value: Any) -> None:
        if type(self) is cls or name in names:
            raise FrozenInstanceError(f"cannot assign to field {name!r}")
        super(cls, self).__setattr__(name, value)

    def __delattr__(self: Any, name: str) -> None:
        if type(self) is cls or name in names:
            raise FrozenInstanceError(f"cannot delete field {name!r}")
        super(cls, self).__delattr__(name)

    for method in (__repr__, __eq__, __hash__, __setattr__, __delattr__):
        method.__qualname__ = f"{cls.__qualname__}.{method.__name__}"
        method.__module__ = cls.__module__
        setattr(cls, method.__name__, method)


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
