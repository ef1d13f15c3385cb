"""Relations inferred from the pulled foreign keys: many-to-one (one-to-one when the key is unique) on
the referencing table, one-to-many (or the one-to-one's other side) back, and many-to-many through
link tables, those with columns of their own too. Names never collide with each other or with a
column's key or attribute; every relation names the foreign key it follows when there is a choice."""

from __future__ import annotations

from typing import Any

from schemagen import names
from schemagen.pull.columns import unique_name
from schemagen.pull.tables import Link, PulledTable


def infer(tables: dict[str, PulledTable]) -> dict[str, dict[str, dict[str, Any]]]:
    """Per table name: relation name -> the relation's spec options."""
    taken: dict[str, set[str]] = {}
    for table in tables.values():
        claimed: set[str] = set()
        for column in table.columns.values():
            claimed.update({column.key, names.attribute_name(column.key)})
        taken[table.name] = claimed
    out: dict[str, dict[str, dict[str, Any]]] = {name: {} for name in tables}

    def add(table: str, base: str, relation: dict[str, Any]) -> None:
        out[table][unique_name(_identifier(base), taken[table])] = relation

    def free(table: str, name: str) -> bool:
        return name not in taken[table] and names.attribute_name(name) not in taken[table]

    # a Core table (no key to map its rows by) has no relations, into it or out of it
    links = [link for table in tables.values() for link in table.links
             if not table.core and not tables[link.target].core]
    for link in links:
        source, target = tables[link.table], tables[link.target]
        keys = [source.key(column) for column in link.columns]
        follows = _follows(source.key(_naming_column(link)), target)
        unique = frozenset(link.columns) in source.unique_sets
        several = sum(1 for other in links if (other.table, other.target) == (link.table, link.target)) > 1
        own: dict[str, Any] = {"one": target.name}
        if several:
            own["fields"] = keys
        add(source.name, follows, own)
        # the other side: `one:` for a one-to-one, `many:` otherwise; where the target has foreign keys
        # of its own to the source, `references:` says which key a `one:` is the inverse of
        back: dict[str, Any]
        own_way = any((other.table, other.target) == (link.target, link.table) for other in links)
        if unique and link.table != link.target:
            back = {"one": source.name}
            base = _snake(names.class_name(source.name)) or "row"
        else:
            back = {"many": source.name}
            base = _snake(source.name) or "rows"
        if several or link.table == link.target or (unique and own_way):  # which key a `one:` inverts
            back["references"] = keys
            base = f"{base}_by_{follows}"
        add(target.name, base, back)
    for table in (table for table in tables.values() if not table.core):
        for near, far in _link_pairs(table):
            _many_to_many(tables, table, near, far, links, add, free)
    return {name: relations for name, relations in out.items() if relations}


def _many_to_many(tables: dict[str, PulledTable], link_table: PulledTable, near: Link, far: Link, links: list[Link],
                  add: Any, free: Any) -> None:
    """`many: far.target, through: link_table` on near.target, and the reverse on far.target."""
    for this, other in ((near, far), (far, near)):
        relation: dict[str, Any] = {"many": other.target, "through": link_table.name}
        to_this = sum(1 for link in links if link.table == link_table.name and link.target == this.target)
        to_other = sum(1 for link in links if link.table == link_table.name and link.target == other.target)
        if this.target == other.target or to_this > 1 or to_other > 1:
            relation["through_fields"] = [link_table.key(this.columns[0]), link_table.key(other.columns[0])]
            base = f"{_follows(link_table.key(other.columns[0]), tables[other.target])}_via_{_snake(link_table.name)}"
        else:
            base = _snake(other.target) or "rows"
            if not free(this.target, _identifier(base)):
                base = f"{base}_via_{_snake(link_table.name)}"
        add(this.target, base, relation)


def _link_pairs(table: PulledTable) -> list[tuple[Link, Link]]:
    """Pairs of this table's foreign keys that make it a link table: their two columns are together
    its key or unique, or they are its only two foreign keys and its other columns are its own key."""
    singles = [link for link in table.links if len(link.columns) == 1]  # composite keys link no many-to-many
    if len(table.links) == 2 == len(singles) and singles[0].columns != singles[1].columns:
        linked = {link.columns[0] for link in singles}
        if set(table.columns) - linked <= set(table.primary_key) and not linked & set(table.primary_key):
            return [(singles[0], singles[1])]
    pairs: list[tuple[Link, Link]] = []
    for index, first in enumerate(singles):
        for second in singles[index + 1:]:
            if first.columns != second.columns and frozenset([*first.columns, *second.columns]) in table.unique_sets:
                pairs.append((first, second))
    return pairs


def _naming_column(link: Link) -> str:
    """The column a relation over `link` is named after: its only one, else the first whose name is not
    the one it references (`order_id` of `(tenant_id, order_id) -> (tenant_id, id)`), else the last."""
    differing = [column for column, target in zip(link.columns, link.target_columns) if column != target]
    return differing[0] if differing else link.columns[-1]


def _follows(column_key: str, target: PulledTable) -> str:
    """The name of the relation a foreign-key column follows: `author_id` -> `author`."""
    lower = column_key.lower()
    for suffix in ("_id", "id", "_fk", "_key"):
        if lower.endswith(suffix) and len(column_key) > len(suffix) and column_key[:-len(suffix)].strip("_"):
            return column_key[:-len(suffix)].rstrip("_")
    return f"{column_key}_{_snake(names.class_name(target.name)) or 'row'}"


def _snake(name: str) -> str:
    return names.snake_case(name)


def _identifier(base: str) -> str:
    """A relation name from `base`: an identifier, not `_`-led, not one Python or a library reserves."""
    candidate = names.suggest_identifier(base, "relation") if not names.is_identifier(base) else base
    candidate = candidate.lstrip("_") or "relation"
    if not names.is_identifier(candidate):
        candidate = "relation"
    if names.needs_mapping(candidate):
        candidate = f"{candidate}_relation"
    return candidate
