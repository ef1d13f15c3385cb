"""The write matrix of a table: per column, what an insert, an update and a read do with it.

Printed in each model's docstring and in the README; tests check it against the generated Insert,
Update and Select schemas, so the table says what the schemas do.
"""

from __future__ import annotations

from schemagen.catalog import Column, Table
import json
from typing import Any

HEADER = ("column", "insert", "update", "select")


def _spelled(value: Any) -> str:
    """A default as the spec writes it (no double quotes, which a docstring would escape)."""
    try:
        text = repr(value) if isinstance(value, str) else json.dumps(value, ensure_ascii=False)
    except TypeError:  # a Decimal, a date
        text = str(value)
    return f"`{text.replace(chr(34), chr(39))}`" if len(text) <= 24 else "(the spec's)"


def insert_cell(column: Column) -> str:
    default = column.default
    if column.generated is not None:
        return "computed by the database"
    if column.autoincrement or column.identity is not None:
        return "numbered by the database"
    by = {"now": "now", "sql": "its default", "uuid": "uuid4"}.get(default.kind if default is not None else "")
    if column.server_set:
        if default is not None and default.kind == "uuid":
            return "set by the ORM (uuid4)"
        return f"set by the database ({by})" if by is not None else "set by the database"
    if default is not None and default.kind == "literal":
        return f"optional, default {_spelled(default.value)}"
    if default is not None and default.kind == "uuid":
        return "optional, default uuid4 (the ORM's)"
    if by is not None:  # the database's default when left out; a value given is stored
        return f"optional, default {by} (the database's)" if by == "now" else "optional, the database's default"
    if column.nullable:
        return "optional, default null"
    return "required"


def update_cell(column: Column) -> str:
    if column.primary_key:
        return "refused (primary key)"
    if column.immutable:
        return "refused (immutable)"
    if column.generated is not None:
        return "refused (computed)"
    if column.server_set:
        return "refused (server-set)"
    if column.on_update_now:
        return "refused (set to now)"
    return "optional; null clears it" if column.nullable else "optional; null refused"


def refused_on_update(column: Column) -> bool:
    """Left out of the Update schema and refused there as the database's: server-set, or set to now."""
    return column.server_set or column.on_update_now


def fixed_on_update(column: Column) -> bool:
    """Written once: a key or an `immutable: true` column; the Update schema refuses it (`immutable_field`)."""
    return column.primary_key or column.immutable


def in_update(column: Column) -> bool:
    """A field of the Update schema (and of the TypeScript Update interface): every other column is refused."""
    return not (column.server_set or fixed_on_update(column) or refused_on_update(column))


def select_cell(column: Column) -> str:
    if column.secret:
        return "left out (secret)"
    return "may be null" if column.nullable else "never null"


def rows(table: Table) -> list[tuple[str, str, str, str]]:
    return [(f"`{c.key}`", insert_cell(c), update_cell(c), select_cell(c)) for c in table.columns]


def matrix(table: Table) -> str:
    """The table as aligned Markdown; a Core table's without the update column (it has no Update schema)."""
    kept = (0, 1, 3) if table.core_name is not None else (0, 1, 2, 3)
    header, body = tuple(HEADER[i] for i in kept), [tuple(row[i] for i in kept) for row in rows(table)]
    widths = [max(len(row[i]) for row in [header, *body]) for i in range(len(kept))]

    def line(cells: tuple[str, ...]) -> str:
        return "| " + " | ".join(cell.ljust(width) for cell, width in zip(cells, widths)) + " |"

    rule = "|" + "|".join("-" * (width + 2) for width in widths) + "|"
    return "\n".join([line(header), rule, *(line(row) for row in body)])
