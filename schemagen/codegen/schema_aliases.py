"""schemas.py's module-level aliases of the columns' checked types (`_UserEmail = Annotated[...]`).

One alias per distinct annotation with metadata, shared by every table's Insert and Update fields
checked alike: module-level state that several tables share, so tables ask for a name through
`ColumnAliases.name` alone. The render cache (`fragments.py`) records these calls with their
results and replays them on reuse; a call asked again with the same arguments returns what it
returned before (idempotent), and a result that differs now (the first table using the alias was
removed or renamed, a name became taken) makes the table render afresh.
"""

from __future__ import annotations

from schemagen.codegen import ir
from schemagen.codegen.literals import Code

# The module-level names of schemas.py.jinja and its includes (tests/test_schemas_validation.py checks
# this list against them): never a column's alias, as `_AsStored` would be for class `As`'s `stored`
TEMPLATE_NAMES = frozenset({
    "_AsStored", "_URL", "_JSON_SCHEMA_KEYS", "_FORMATS", "_HEX", "_UUID_PATTERN", "_PLAIN_SCHEMAS", "_EMAIL",
    "_Rules", "_Exact", "_Check", "_MICROSECONDS", "_MONTH_UNITS", "_INTERVAL_PART", "_INTERVAL_CLOCK", "_IpValue",
    "_PYDANTIC_ERRORS", "_Insert", "_Select", "_Loaded", "_PartialUpdate", "_FloatRead", "_MAC_SPACE", "_MAC_HEX",
    "_MAC_TAIL", "_MAC_GROUPS", "_MAC_SIX", "_MAC_FOUR", "_MAC_RUN", "_MAC_ANY", "_MACADDR",
})


class ColumnAliases:
    """One module-level alias per distinct annotation with metadata, named after the first column
    (in table order) that has it: its `Field`, `_Rules` and `Annotated` objects are made once at
    import, not per field."""

    def __init__(self, taken: set[str]) -> None:
        """`taken`: the module's other underscore names (markers, kinds' aliases, enums, shapes)."""
        self.taken = taken | TEMPLATE_NAMES
        self.by_annotation: dict[str, ir.Field] = {}

    def name(self, annotation: str, owner: str, attr: str) -> str:
        """The alias of `annotation`, made for `owner`'s (a class name) `attr` if it is the first."""
        known = self.by_annotation.get(annotation)
        if known is None:
            base = "_" + owner + "".join(word[:1].upper() + word[1:] for word in attr.split("_"))
            name, number = base, 1
            while name in self.taken:
                number += 1
                name = f"{base}{number}"
            self.taken.add(name)
            known = self.by_annotation[annotation] = ir.Field(Code(name), Code(""), Code(annotation))
        return str(known.name)

    def fields(self) -> tuple[ir.Field, ...]:
        return tuple(self.by_annotation.values())
