"""Catalog records as `marshal` data and back, for the resolve cache (`resolver/incremental.py`).

`pickle` rebuilds a record through `copyreg` and a `__setstate__` per object: reading back a
300-table catalog that way costs about 40% of resolving it. Here a record is the tuple of its
fields, in order, and each record class gets one generated function that rebuilds it with a single
constructor call (`record`'s `__init__`, which stores the fields at once), decoding only the fields whose
annotation names a record (`Column | None`, `tuple[Relation, ...]`); every other field is stored as
it is, and those of any value (`Default.python`: a `Decimal`, a date) pickled when not plain
data. `marshal` refuses any other value that is not exactly a plain type (an int subclass inside
a list): `dump` then pickles the records. Records come back as new objects,
one per place, as a resolve makes them (no record is shared between two tables).
"""

from __future__ import annotations

import marshal
import pickle
import re
from dataclasses import fields
from typing import Any

from schemagen import catalog

_RECORDS: dict[str, type] = {name: getattr(catalog, name) for name in (
    "TypeRef", "Rules", "Default", "Column", "ForeignKey", "Relation", "UniqueConstraint", "IndexPart", "Index",
    "Check", "Table", "Enum", "ShapeField", "Shape")}
_WORD = re.compile(r"[A-Za-z_][A-Za-z_0-9]*")


def _record_field(annotation: str) -> tuple[str, bool] | None:
    """(the record class a field holds, whether it holds a tuple of them); None for a plain field."""
    named = [word for word in _WORD.findall(annotation) if word in _RECORDS]
    if not named:
        return None
    if len(set(named)) != 1:
        raise TypeError(f"a field holding several record classes: {annotation}")
    return named[0], annotation.startswith("tuple[")


_AS_IS = frozenset((str, int, float, bool, type(None), list, dict))


def _any_out(value: Any) -> Any:
    """A field of any value: JSON data as it is, anything else (a `Decimal`, a date, a tuple) pickled
    into a 1-tuple (as it is, a tuple would not come back a tuple of the same items)."""
    return value if type(value) in _AS_IS else (pickle.dumps(value, protocol=pickle.HIGHEST_PROTOCOL),)


def _any_in(value: tuple[bytes]) -> Any:
    return pickle.loads(value[0])  # noqa: S301 (our own sealed cache file)


def _codecs() -> tuple[dict[type, Any], dict[type, Any]]:
    """The encoder and decoder of every record class, generated from its fields' annotations."""
    encoders: dict[type, Any] = {}
    decoders: dict[type, Any] = {}
    namespace: dict[str, Any] = {"encoders": encoders, "decoders": decoders, "any_out": _any_out, "any_in": _any_in,
                                 "new": object.__new__}
    for name, kind in _RECORDS.items():
        namespace[name] = kind
        out: list[str] = []
        fixes: list[str] = []  # the fields decoded after the plain copy
        for index, spec in enumerate(fields(kind)):
            annotation = spec.type if isinstance(spec.type, str) else "Any"
            held = _record_field(annotation)
            value = f"d[{spec.name!r}]"
            if held is None and "Any" in _WORD.findall(annotation):
                out.append(f"any_out({value})")
                fixes.append(f"if type(v := t[{index}]) is tuple: d[{spec.name!r}] = any_in(v)")
            elif held is None:
                out.append(value)
            elif held[1]:
                out.append(f"None if (v := {value}) is None else tuple([encoders[{held[0]}](x) for x in v])")
                fixes.append(f"if (v := t[{index}]) is not None: "
                             f"d[{spec.name!r}] = tuple([decoders[{held[0]}](x) for x in v])")
            else:
                out.append(f"None if (v := {value}) is None else encoders[{held[0]}](v)")
                fixes.append(f"if (v := t[{index}]) is not None: d[{spec.name!r}] = decoders[{held[0]}](v)")
        namespace[f"names_{name}"] = tuple(spec.name for spec in fields(kind))
        # (the fields stored at once, as a record's `__init__` does, then the few that hold records)
        source = (f"def encode_{name}(value):\n"
                  f"    d = value.__dict__\n"
                  f"    return ({', '.join(out)},)\n"
                  f"def decode_{name}(t):\n"
                  f"    record = new({name})\n"
                  f"    d = record.__dict__\n"
                  f"    d.update(zip(names_{name}, t))\n"
                  + "".join(f"    {fix}\n" for fix in fixes) +
                  "    return record\n")
        exec(source, namespace)  # noqa: S102 (field and class names only)
        encoders[kind] = namespace[f"encode_{name}"]
        decoders[kind] = namespace[f"decode_{name}"]
    return encoders, decoders


_ENCODERS, _DECODERS = _codecs()


def dump(records: tuple[Any, ...]) -> bytes:
    """Records of one class as bytes: `marshal` data, or a pickle where a field holds a value that
    `marshal` cannot keep exactly (an int subclass inside a default's JSON)."""
    encode = _ENCODERS[type(records[0])] if records else None
    try:
        return b"m" + marshal.dumps(tuple([encode(record) for record in records]) if encode is not None else ())
    except ValueError:
        return b"p" + pickle.dumps(records, protocol=pickle.HIGHEST_PROTOCOL)


def load(kind: type, data: bytes | memoryview) -> tuple[Any, ...]:
    """The records `dump` wrote (all of class `kind`)."""
    if data[:1] == b"p":
        return pickle.loads(data[1:])  # type: ignore[no-any-return]  # noqa: S301 (our own sealed cache file)
    decode = _DECODERS[kind]
    return tuple([decode(item) for item in marshal.loads(data[1:])])
