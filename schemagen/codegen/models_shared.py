"""models.py's module-level definitions that several tables' columns share: constants, column types,
`TypeAdapter` functions.

Each table asks for them through `SharedTypes`' methods alone, which hand back the name to write:
the render cache (`fragments.py`) notes these calls and replays them, so each one must return what
it returned before when asked again with the same arguments (they are idempotent).
"""

from __future__ import annotations

import re

from schemagen.catalog import Catalog
from schemagen.codegen import ir
from schemagen.codegen.common import TYPES, constant_name
from schemagen.codegen.imports import member_sort_key
from schemagen.codegen.literals import Code, from_import
from schemagen.format.style import fits


class SharedTypes:
    def __init__(self, catalog: Catalog) -> None:
        self.constants: dict[str, ir.Field] = {}
        self.column_types: dict[str, ir.Field] = {}
        """Column types shared by a column and its SQL DEFAULT, and the identity columns' `_NextNumber`s."""
        self.adapters: dict[str, ir.AdapterFunction] = {}  # by the Python type they check
        self.shapes = frozenset({shape.name for shape in catalog.shapes} | {"Interval"})
        # a link table written both by a many-to-many relation and as a mapped class of its own
        self.overlapping = frozenset(r.through for t in catalog.tables for r in t.relations if r.through and r.overlaps)

    def constant(self, name: str, value: str) -> str:
        """A module-level constant, shared by equal values; different values never share a name."""
        # e.g. `TypeAdapter(Any)` and the shape `Any` both give `_ANY_ADAPTER`
        return _shared(self.constants, name, value)

    def is_constant(self, expression: str) -> bool:
        return expression in self.constants

    def column_type(self, name: str, value: str) -> str:
        """A module-level column type, after the other constants (it may use them)."""
        return _shared(self.column_types, name, value)

    def next_number(self, base: str, annotation: str, default: str) -> str:
        """An identity column's `_NextNumber`, among the column types."""
        name, number = base, 1
        while name in self.column_types and self.column_types[name].default != default:
            number += 1  # `a_b.c` and `a.b_c` make one constant name
            name = f"{base}_{number}"
        self.column_types[name] = ir.Field(Code(name), Code(annotation), Code(default))
        return name

    def overlaps(self, table: str) -> bool:
        return table in self.overlapping

    def adapter(self, py_type: str) -> str:
        """One function per Python type, named after it; the shapes it names are imported in it (from
        types.py, which imports Pydantic)."""
        found = self.adapters.get(py_type)
        if found is None:
            unqualified = re.sub(r"\b\w+\.", "", py_type)  # `ipaddress.IPv4Interface`: `ipv4_interface`
            words = unqualified.replace("[", " ").replace("]", " ").replace(",", " ")
            name = base = constant_name(words).lower() + "_adapter"
            taken = {adapter.name for adapter in self.adapters.values()}
            number = 1
            while name in taken:
                number += 1
                name = f"{base}_{number}"
            named = sorted(set(re.findall(r"\b[A-Za-z_]\w*", py_type)) & self.shapes, key=member_sort_key)
            imports = (Code("    " + from_import(TYPES, named).replace("\n", "\n    ")),) if named else ()
            # black would wrap a longer header's return annotation in parentheses: `Any` keeps it one line
            declares = fits(0, f'def {name}() -> "TypeAdapter[{py_type}]":')
            found = self.adapters[py_type] = ir.AdapterFunction(Code(name), Code(py_type), imports, declares)
        return str(found.name)


def _shared(fields: dict[str, ir.Field], name: str, value: str) -> str:
    """`name = value` in `fields`, shared by equal values; a different value gets `name_2`, `name_3`, ..."""
    base, number = name, 1
    while name in fields and fields[name].default != value:
        number += 1
        name = f"{base}_{number}"
    fields.setdefault(name, ir.Field(Code(name), Code(""), Code(value)))
    return name
