"""Foreign keys of the pulled tables: one column's as the column's `references:` (with its actions and,
where it is not the convention's, `foreign_key_name:`), several columns' (and a second key on a
column that already has one) as the table's `foreign_keys:`."""

from __future__ import annotations

from typing import Any

from schemagen import names
from schemagen.catalog.kinds import FOREIGN_KEY_ACTIONS
from schemagen.pull.tables import Link, Lost, PulledTable, named


def foreign_keys(tables: dict[str, PulledTable], lost: list[Lost], dialect: str) -> None:
    """Every foreign key to pulled columns that are the target's primary key or unique together."""
    if dialect == "sqlite":
        _sqlite_big_keys(tables)
    for table in tables.values():
        used: set[str] = set()  # columns holding a `references:` already
        kept: set[tuple[tuple[str, ...], str]] = set()
        for fk in table.raw.foreign_keys:
            subject = f"foreign key `{fk.get('name') or ''}` of `{table.name}`"
            reason = _unkeepable(table, fk, tables, kept)
            if reason:
                lost.append(Lost(subject, f"not pulled: {reason}"))
                continue
            columns, target_columns = tuple(fk["constrained_columns"]), tuple(fk["referred_columns"])
            target = tables[fk["referred_table"]]
            kept.add((columns, target.name))
            actions = _actions(table, columns, fk.get("options") or {}, subject, lost)
            given = fk.get("name")
            expected = named(f"fk_{table.name}_{'_'.join(columns)}_{target.name}", dialect)
            if given and names.sql_name_problem(given):
                lost.append(Lost(subject, f"the spec names it `{expected}`: {names.sql_name_problem(given)}"))
                given = None
            own_name = given if given and given != expected else None
            column = table.columns[columns[0]]
            if len(columns) == 1 and columns[0] not in used and not (
                    "on_update" in actions and "on_update" in column.options):
                used.add(columns[0])
                column.options["references"] = f"{target.name}.{target.key(target_columns[0])}"
                column.options.update(actions)
                if own_name:
                    column.options["foreign_key_name"] = own_name
            else:
                entry: dict[str, Any] = {"columns": [table.key(c) for c in columns],
                                         "references": {"table": target.name,
                                                        "columns": [target.key(c) for c in target_columns]},
                                         **actions}
                if own_name:
                    entry["name"] = own_name
                table.options.setdefault("foreign_keys", []).append(entry)
            table.links.append(Link(table.name, columns, target.name, target_columns))


def _actions(table: PulledTable, columns: tuple[str, ...], options: dict[str, Any], subject: str,
             lost: list[Lost]) -> dict[str, str]:
    """`on_delete`/`on_update` other than NO ACTION, where the spec can say them; DEFERRABLE, INITIALLY
    and MATCH listed."""
    actions: dict[str, str] = {}
    for key, option in (("on_delete", "ondelete"), ("on_update", "onupdate")):
        action = str(options.get(option) or "").lower()
        if action not in FOREIGN_KEY_ACTIONS or action == "no action":
            continue
        if action == "set default" and any("default" not in table.columns[c].options for c in columns):
            lost.append(Lost(subject, f"{option} SET DEFAULT on a column without a default: not kept"))
            continue
        if action == "set null" and len(columns) > 1 and any(
                c in table.primary_key or table.columns[c].options.get("nullable") is False for c in columns):
            lost.append(Lost(subject, f"{option} SET NULL on a column that is NOT NULL: not kept"))
            continue
        actions[key] = action
    for option in ("deferrable", "initially", "match"):
        if options.get(option):
            lost.append(Lost(subject, f"{option.upper()} {options[option]} is not kept"))
    return actions


def _sqlite_big_keys(tables: dict[str, PulledTable]) -> None:
    """SQLite's INTEGER PRIMARY KEY holds 64 bits: it is `bigserial` where only bigint columns reference it."""
    referencing: dict[tuple[str, str], set[str]] = {}
    for table in tables.values():
        for fk in table.raw.foreign_keys:
            if len(fk["constrained_columns"]) == 1 and fk["constrained_columns"][0] in table.columns:
                column = table.columns[fk["constrained_columns"][0]]
                end = (fk["referred_table"], fk["referred_columns"][0])
                referencing.setdefault(end, set()).add(column.type if not column.options.get("array") else "")
    for (name, column_name), kinds in referencing.items():
        target = tables.get(name)
        if target is not None and column_name in target.columns and kinds == {"bigint"}:
            if target.columns[column_name].type == "serial":
                target.columns[column_name].options["type"] = "bigserial"


def _unkeepable(table: PulledTable, fk: dict[str, Any], tables: dict[str, PulledTable],
                kept: set[tuple[tuple[str, ...], str]]) -> str:
    columns, targets = fk["constrained_columns"], fk["referred_columns"]
    if fk.get("referred_schema"):
        return f"it references the table `{fk['referred_table']}` of the schema `{fk['referred_schema']}`"
    target = tables.get(fk["referred_table"])
    if target is None:
        return f"the table `{fk['referred_table']}` it references is not pulled"
    if not columns or len(columns) != len(targets) or len(set(columns)) != len(columns) \
            or any(c not in table.columns for c in columns) or any(t not in target.columns for t in targets):
        return "a column it links is not pulled"
    if (tuple(columns), target.name) in kept:
        return f"({', '.join(columns)}) reference `{target.name}` by another foreign key, and the spec holds one"
    if not (len(targets) == 1 and target.sole_key(targets[0]) or frozenset(targets) in target.unique_sets):
        together = "together " if len(targets) > 1 else ""
        return f"`{target.name}` ({', '.join(targets)}) is {together}neither the primary key nor unique"
    for column, referenced in zip(columns, targets):
        if table.columns[column].storage() != target.columns[referenced].storage():
            return f"`{column}` and `{target.name}.{referenced}` have different types in the spec language"
    return ""
