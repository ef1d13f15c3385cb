"""Reflected tables as spec tables: columns, keys, foreign keys, uniques, indexes, checks and comments,
and a note for everything the language cannot hold."""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from typing import Any

from schemagen import names
from schemagen.pull.columns import PulledColumn, auto_numbered, column_default, column_keys, column_type
from schemagen.pull.reflect import RawTable
from schemagen.pull.rules import in_list


_IDENTITY_LIMITS = {"smallint": 2**15 - 1, "integer": 2**31 - 1, "bigint": 2**63 - 1}  # an identity's MAXVALUE
_NULL = re.compile(r"(?i)\(?NULL\)?(::[\w .\[\]()]+)?|")  # no default, as PostgreSQL may spell it


@dataclass
class Lost:
    """Something in the database the spec does not hold (or holds differently), and why."""

    subject: str
    reason: str

    @property
    def renamed(self) -> bool:
        """Pulled under a name the database does not have: a revision would make it under that name."""
        return self.reason.startswith("the spec names it")


@dataclass
class Link:
    """A foreign key the spec keeps: `table.columns -> target.target_columns` (SQL names, paired in order)."""

    table: str
    columns: tuple[str, ...]
    target: str
    target_columns: tuple[str, ...]


@dataclass
class PulledTable:
    name: str
    columns: dict[str, PulledColumn]
    """By SQL name, in the database's order."""
    primary_key: list[str]
    comment: str | None
    raw: RawTable
    options: dict[str, Any] = field(default_factory=dict)
    """Table-level spec options besides columns (`unique`, `indexes`, `checks`, `primary_key`, ...)."""
    links: list[Link] = field(default_factory=list)
    unique_sets: list[frozenset[str]] = field(default_factory=list)
    """Column sets (SQL names) that are unique, for finding link tables."""

    def key(self, sql_name: str) -> str:
        return self.columns[sql_name].key

    @property
    def core(self) -> bool:
        """No primary key and no unique NOT NULL column set: the spec makes it a Core table (no relations)."""
        return not self.primary_key and not _row_keys(self.raw)

    def sole_key(self, sql_name: str) -> bool:
        return self.primary_key == [sql_name]


def pull_table(raw: RawTable, dialect: str, enum_names: dict[str, str], enum_values: dict[str, list[str]],
               lost: list[Lost]) -> PulledTable | None:
    """The table's columns and key; None (with the reason in `lost`) when the spec cannot hold it."""
    subject = f"table `{raw.name}`"
    problem = names.sql_name_problem(raw.name)
    if problem:
        lost.append(Lost(subject, f"not pulled: its name cannot be used ({problem})"))
        return None
    if raw.partitioned_by:
        lost.append(Lost(subject, f"partitioned by {raw.partitioned_by}: pulled as a plain table"))
    referencing = {fk["constrained_columns"][0] for fk in raw.foreign_keys if len(fk["constrained_columns"]) == 1}
    kept: list[dict[str, Any]] = []
    seen: dict[str, str] = {}
    for reflected in raw.columns:
        name = reflected["name"]
        where = f"column `{raw.name}.{name}`"
        problem = names.sql_name_problem(name) or (f"its name differs only in case from `{seen[name.lower()]}`"
                                                   if name.lower() in seen else "")
        if problem:
            lost.append(Lost(where, f"not pulled: its name cannot be used ({problem})"))
            continue
        seen[name.lower()] = name
        kept.append(reflected)
    keys = column_keys([c["name"] for c in kept])
    columns: dict[str, PulledColumn] = {}
    for reflected in kept:
        name = reflected["name"]
        where = f"column `{raw.name}.{name}`"
        typed = column_type(reflected, enum_names)
        if isinstance(typed, str):
            lost.append(Lost(where, f"not pulled: {typed}"))
            continue
        options, notes = typed
        if dialect == "sqlite" and options["type"] == "json":
            options["type"] = "jsonb"  # SQLite has one JSON: the kind that may be indexed and unique
        column = PulledColumn(name, keys[name], options, notes)
        _finish_column(column, reflected, raw, dialect, enum_values, name in referencing)
        columns[name] = column
    missing = [name for name in raw.primary_key if name not in columns]
    if missing:
        lost.append(Lost(subject, f"not pulled: its primary key column `{missing[0]}` could not be pulled"))
        return None
    table = PulledTable(raw.name, columns, list(raw.primary_key), raw.comment, raw)
    for column in columns.values():
        lost.extend(Lost(f"column `{raw.name}.{column.sql_name}`", note) for note in column.notes)
    return table


def _row_keys(raw: RawTable) -> list[list[str]]:
    """The column sets of a table without a primary key that can identify its rows (as the spec maps
    such a table): unique by a constraint or a whole-table unique index, every column NOT NULL."""
    required = {column["name"] for column in raw.columns if not column.get("nullable", True)}
    found = [list(unique["column_names"]) for unique in raw.uniques]
    found += [list(index["column_names"]) for index in raw.indexes if index.get("unique") and not _where(index)
              and None not in index["column_names"]]
    return [columns for columns in found if columns and set(columns) <= required]


def _finish_column(column: PulledColumn, reflected: dict[str, Any], raw: RawTable, dialect: str,
                   enum_values: dict[str, list[str]], referencing: bool) -> None:
    options, name = column.options, column.sql_name
    sole = raw.primary_key == [name]
    if auto_numbered(reflected, options, dialect, sole, referencing):
        options["type"] = "serial" if options["type"] == "integer" else "bigserial"
    elif reflected.get("identity") and options["type"] in _IDENTITY_LIMITS and not options.get("array"):
        identity = reflected["identity"]
        options["identity"] = "always" if identity.get("always") else "by default"
        numbering = {"start": identity.get("start"), "increment": identity.get("increment"),
                     "minvalue": identity.get("minvalue"), "maxvalue": identity.get("maxvalue"),
                     "cycle": identity.get("cycle")}
        if numbering != {"start": 1, "increment": 1, "minvalue": 1, "cycle": False,
                         "maxvalue": _IDENTITY_LIMITS[options["type"]]}:
            column.notes.append("an identity column numbered other than from 1 by 1: the spec's starts at 1")
    else:
        if reflected.get("identity"):
            column.notes.append("an identity column: pulled without its numbering")
        default = reflected.get("default")
        if default is not None and not _NULL.fullmatch(str(default).strip()):
            options["default"] = column_default(str(default), options, enum_values, dialect)
    if name in raw.primary_key:
        if len(raw.primary_key) == 1:
            options["primary_key"] = True
        if reflected.get("nullable") and options["type"] not in ("serial", "bigserial"):
            column.notes.append("a key column that may hold NULL (as SQLite allows): the spec makes it NOT NULL")
    elif not reflected.get("nullable", True):
        options["nullable"] = False
    if name in raw.on_update_now:
        options["on_update"] = "now"
    computed = reflected.get("computed")
    if computed and not str(computed.get("sqltext") or "").strip():
        # SQLAlchemy reads no expression from some SQLite tables (a type with a comma, `AS (...)` alone)
        column.notes.append("a generated column whose expression could not be read: pulled as a plain column")
    elif computed:
        options.pop("default", None)
        generated: dict[str, Any] = {"sql": str(computed.get("sqltext"))}
        if computed.get("persisted") is False:
            generated["stored"] = False
        options["generated"] = generated
    if column.key != name:
        options["column"] = name
    if reflected.get("comment") is not None:
        options["comment"] = reflected["comment"]
    options_in_order = ("type", "primary_key", "nullable", "unique", "index", "default", "on_update", "generated",
                        "identity", "column", "comment", "length", "precision", "scale", "timezone", "months", "array",
                        "enum")
    column.options = {key: options[key] for key in options_in_order if key in options}


def named(name: str, dialect: str) -> str:
    """A convention-made name as the database gets it: PostgreSQL's shortened, SQLite's in full (but
    where schemagen names it itself, on both)."""
    return names.constraint_name(name)[0] if dialect == "sqlite" else names.postgresql_constraint_name(name)


def unique_sets(table: PulledTable) -> None:
    """The column sets the database keeps unique (constraints and whole-table unique indexes)."""
    found = [frozenset(table.primary_key)]
    found += [frozenset(u["column_names"]) for u in table.raw.uniques]
    found += [frozenset(i["column_names"]) for i in table.raw.indexes
              if i.get("unique") and None not in i["column_names"] and not _where(i)]
    table.unique_sets = [s for s in found if s <= set(table.columns)]


def _where(index: dict[str, Any]) -> str | None:
    options = index.get("dialect_options") or {}
    where = options.get("postgresql_where") or options.get("sqlite_where")
    return str(where) if where is not None else None


def constraints(table: PulledTable, referenced: set[str], lost: list[Lost], dialect: str) -> None:
    """Uniques, indexes and checks; `referenced` holds the columns foreign keys point at, which the
    spec must mark `unique: true` themselves."""
    name, columns = table.name, table.columns
    if len(table.primary_key) > 1:
        table.options["primary_key"] = [table.key(c) for c in table.primary_key]
    key_name = table.raw.primary_key_name
    if key_name and key_name != named(f"pk_{name}", dialect):
        if names.sql_name_problem(key_name):
            lost.append(Lost(f"primary key `{key_name}` of `{name}`", f"the spec names it `{named(f'pk_{name}', dialect)}`"))
        else:
            table.options["primary_key_name"] = key_name
    uniques: list[dict[str, Any]] = []
    named_alone: set[str] = set()  # columns unique by a constraint of their own, named otherwise than `unique: true`
    for unique in table.raw.uniques:
        cols = unique["column_names"]
        subject = f"unique constraint `{unique.get('name') or ''}` of `{name}`"
        if (unique.get("dialect_options") or {}).get("postgresql_nulls_not_distinct"):
            lost.append(Lost(subject, "NULLS NOT DISTINCT is not kept: two rows may hold NULL"))
        if any(c not in columns for c in cols):
            lost.append(Lost(subject, "not pulled: a column of it is not pulled"))
            continue
        full = f"uq_{name}_{'_'.join(cols)}"
        # SQLite takes the long name as it is
        conventional = {None, full, names.constraint_name(full)[0], names.postgresql_constraint_name(full)}
        given = unique.get("name")
        if given is not None and names.sql_name_problem(given):
            problem = names.sql_name_problem(given)
            lost.append(Lost(subject, f"the spec names it `{named(full, dialect)}`: {problem}"))
            given = None
        if len(cols) == 1 and given in conventional and not columns[cols[0]].options.get("unique"):
            columns[cols[0]].options["unique"] = True
            continue
        entry: dict[str, Any] = {"columns": [table.key(c) for c in cols]}
        if given not in conventional:  # (a foreign key may point at the column of a named one)
            entry["name"] = given
            if len(cols) == 1:
                named_alone.add(cols[0])
        uniques.append(entry)
    indexes = _indexes(table, referenced, lost)
    checks: list[dict[str, Any]] = []
    check_names: set[str] = set()  # the names in the database, so no two checks get one
    for number, check in enumerate(table.raw.checks, start=1):
        given = check.get("name")
        sql = str(check["sqltext"])
        made: dict[str, Any] = {"sql": in_list(sql) if dialect == "postgresql" else sql}
        short = given[len(f"ck_{name}_"):] if given and given.startswith(f"ck_{name}_") else None
        if given in check_names:
            given = None
        if short and given and not names.sql_name_problem(short) and named(f"ck_{name}_{short}", dialect) == given:
            made["name"] = short
        elif given and not names.sql_name_problem(given):
            # any other name is kept as it is: a migration drops and creates the check by it
            made["name"], made["exact_name"] = given, True
        else:
            short = f"check_{number}"
            given = named(f"ck_{name}_{short}", dialect)
            if check.get("name"):
                lost.append(Lost(f"check `{check['name']}` of `{name}`", f"the spec names it `{given}`"))
            made["name"] = short
        check_names.add(given)
        checks.append({"name": made.pop("name"), **made})
    for key, value in (("unique", uniques), ("indexes", indexes), ("checks", checks)):
        if value:
            table.options[key] = value
    for referenced_column in referenced:
        if not table.sole_key(referenced_column) and referenced_column not in named_alone:
            columns[referenced_column].options.setdefault("unique", True)


_METHODS = ("btree", "hash", "gin", "gist", "brin", "spgist")  # the spec's `using:` (spec.model.IndexMethod)


def _index_parts(index: dict[str, Any], table: PulledTable) -> list[Any] | str:
    """The spec's `columns:` of an index (a key, or `{column|expr, order, ops}`), or why it cannot be."""
    cols: list[str | None] = index["column_names"]
    expressions: list[str | None] = list(index.get("expressions") or cols)
    sorting = index.get("column_sorting") or {}
    ops = (index.get("dialect_options") or {}).get("postgresql_ops") or {}
    parts: list[Any] = []
    for position, column in enumerate(cols):
        expr = expressions[position] if column is None else None
        if column is None and not expr:
            return "it indexes an expression the database does not show"
        if column is not None and column not in table.columns:
            return "a column of it is not pulled"
        subject = column if column is not None else expr
        order = sorting.get(subject, ())
        if any(o in ("nulls_first", "nulls_last") for o in order):
            return "it orders NULLs other than by default, which the spec cannot say"
        part: dict[str, Any] = {"column": table.key(column)} if column is not None else {"expr": expr}
        if "desc" in order:
            part["order"] = "desc"
        if ops.get(subject):
            part["ops"] = ops[subject]
        parts.append(part if len(part) > 1 or "expr" in part else part["column"])
    return parts


def _indexes(table: PulledTable, referenced: set[str], lost: list[Lost]) -> list[dict[str, Any]]:
    name, columns = table.name, table.columns
    indexes: list[dict[str, Any]] = []
    for index in table.raw.indexes:
        if index.get("duplicates_constraint"):
            continue  # the unique constraint above
        subject = f"index `{index.get('name') or ''}` of `{name}`"
        cols: list[str | None] = index["column_names"]
        options = index.get("dialect_options") or {}
        using = options.get("postgresql_using")
        parts = _index_parts(index, table)
        reason = (parts if isinstance(parts, str)
                  else f"it uses {using}, which the spec's `using:` does not name" if using not in (None, *_METHODS)
                  else "it has INCLUDE columns" if options.get("postgresql_include")
                  else "")
        if reason or isinstance(parts, str):
            lost.append(Lost(subject, f"not pulled: {reason}"))
            continue
        if options.get("postgresql_nulls_not_distinct"):
            lost.append(Lost(subject, "NULLS NOT DISTINCT is not kept: two rows may hold NULL"))
        plain = [c for c in cols if c is not None]
        simple = len(plain) == len(cols) and all(isinstance(p, str) for p in parts) and using in (None, "btree")
        where = _where(index)
        given = index.get("name")
        full = f"ix_{name}_{'_'.join(plain)}"
        conventional = names.truncate_name(full)  # `index: true` names it in full, `indexes:` shortened
        unique = bool(index.get("unique"))
        if given not in (None, full) and names.sql_name_problem(given):
            lost.append(Lost(subject, f"the spec names it `{conventional}`: {names.sql_name_problem(given)}"))
            given = conventional
        if simple and len(plain) == 1 and where is None and given in (full, conventional, names.postgresql_constraint_name(full)):
            column = columns[plain[0]]
            if not column.options.get("index") and not column.options.get("unique"):
                column.options["index"] = True
                if unique:
                    column.options["unique"] = True
                continue
        if simple and len(plain) == 1 and unique and where is None and plain[0] in referenced \
                and not columns[plain[0]].options.get("unique"):
            columns[plain[0]].options.update({"unique": True, "index": True})
            lost.append(Lost(subject, f"the spec names it `{conventional}`"))
            continue
        entry: dict[str, Any] = {"columns": parts}
        if unique:
            entry["unique"] = True
        if using not in (None, "btree"):
            entry["using"] = using
        # an expression's default name is the generator's, not derived here: such an index keeps its own
        if given and (given != conventional or len(plain) < len(cols)
                      or len(plain) == 1 and columns[plain[0]].options.get("index")):
            entry["name"] = given
        if where is not None:
            entry["where"] = where
        indexes.append(entry)
    return indexes

