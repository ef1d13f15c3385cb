"""Read a database with SQLAlchemy's `inspect()`: its tables as the inspector reports them, and the
objects the spec language has no place for (views, triggers, functions, domains, partitions), so
that `pull` can list them instead of dropping them silently.

Names in the database are untrusted: every query here passes them as bound parameters.
"""

from __future__ import annotations

import re

import warnings
from dataclasses import dataclass, field
from typing import Any

from sqlalchemy import inspect, text
from sqlalchemy.engine import Connection
from sqlalchemy.exc import SAWarning

from schemagen import names
from schemagen.sqlite_ddl import repair_reflected


@dataclass
class RawTable:
    """One table as the inspector reports it (SQLAlchemy's reflection dictionaries, unchanged)."""

    name: str
    columns: list[dict[str, Any]]
    primary_key: list[str]
    foreign_keys: list[dict[str, Any]]
    uniques: list[dict[str, Any]]
    indexes: list[dict[str, Any]]
    checks: list[dict[str, Any]]
    comment: str | None
    primary_key_name: str | None = None
    partitioned_by: str | None = None
    """PostgreSQL: the partition key of a partitioned table (`RANGE (day)`)."""
    on_update_now: set[str] = field(default_factory=set)
    """Columns schemagen's `<table>_on_update_now` trigger sets on update: `on_update: now`."""


@dataclass
class RawDatabase:
    dialect: str
    name: str
    """The database's name (the file stem on SQLite), for the default spec file name."""
    tables: list[RawTable]
    enums: list[tuple[str, list[str]]] = field(default_factory=list)
    others: list[tuple[str, str]] = field(default_factory=list)
    """What the language cannot hold, found in the database: (object, why it is not pulled)."""


def read(connection: Connection, only: list[str] | None = None) -> RawDatabase:
    """Everything `pull` needs from the database `connection` is connected to (its default schema)."""
    inspector: Any = inspect(connection)  # the dialect's inspector (PostgreSQL's has get_enums)
    dialect = connection.dialect.name
    schema = inspector.default_schema_name
    raw = RawDatabase(dialect, _database_name(connection), [])
    # a stable order (PostgreSQL reports them as stored); Alembic's version tables are the migration
    # history's bookkeeping (`alembic_version_<package>`, `schemagen migrate`'s), not the schema's
    names = sorted(name for name in inspector.get_table_names() if not _version_table(inspector, name))
    partitions: dict[str, str] = {}
    partition_keys: dict[str, str] = {}
    if dialect == "postgresql":
        partitions, partition_keys = _postgres_partitions(connection, schema)
        raw.others.extend(_postgres_objects(connection, schema, inspector))
        raw.enums = [(enum["name"], list(enum["labels"])) for enum in inspector.get_enums(schema=schema)]
    elif dialect == "sqlite":
        raw.others.extend(_sqlite_objects(connection))
    for view in sorted(inspector.get_view_names()):
        raw.others.append((f"view `{view}`", "views are not in the spec language"))
    if only is not None:
        wanted = _wanted(only, names)
        names = [name for name in names if name in wanted]
    for name in names:
        if name in partitions:
            raw.others.append((f"table `{name}`", f"a partition of `{partitions[name]}`: partitions are not in the "
                               "spec language (the parent is pulled as a plain table)"))
            continue
        with warnings.catch_warnings(record=True) as caught:  # said, not raised: the table is still read
            warnings.simplefilter("always", SAWarning)
            raw.tables.append(_table(inspector, name, partition_keys.get(name)))
        for warning in caught:
            if issubclass(warning.category, SAWarning):
                raw.others.append((f"table `{name}`", f"reflection warned: {warning.message}"))
            else:
                warnings.warn_explicit(warning.message, warning.category, warning.filename, warning.lineno)
        for column in raw.tables[-1].columns:
            column["type_text"] = _type_text(column["type"], connection)
        if dialect == "postgresql":
            _postgres_pass_through(connection, schema, raw.tables[-1])
        if dialect == "sqlite":
            _sqlite_declared_types(connection, raw.tables[-1])
            _sqlite_constraint_names(raw.tables[-1])
            _sqlite_index_orders(connection, raw.tables[-1])
    ours = _on_update_triggers(connection)
    for table in raw.tables:
        table.on_update_now = ours.get(table.name, set())
    return raw


# the column each `on_update: now` trigger sets, in the text schemagen writes it with (codegen.triggers)
_SETS_COLUMN = {"postgresql": re.compile(r'NEW\.("(?:[^"]|"")+") := '),
                "sqlite": re.compile(r'("(?:[^"]|"")+") = CASE WHEN NEW\.')}


def _on_update_triggers(connection: Connection) -> dict[str, set[str]]:
    """The columns of each table that schemagen's `..._on_update_now` trigger keeps current."""
    dialect = connection.dialect.name
    if dialect == "postgresql":
        rows = _rows(connection, """
            SELECT t.tgname, c.relname, pg_get_functiondef(t.tgfoid) FROM pg_trigger t
            JOIN pg_class c ON c.oid = t.tgrelid WHERE NOT t.tgisinternal
            AND c.relnamespace = current_schema()::regnamespace""")
    elif dialect == "sqlite":
        rows = _rows(connection, "SELECT name, tbl_name, sql FROM sqlite_master WHERE type = 'trigger'")
    else:
        return {}
    found: dict[str, set[str]] = {}
    for name, table, sql in rows:
        if name == names.on_update_trigger_name(table):
            found[table] = {quoted[1:-1].replace('""', '"') for quoted in _SETS_COLUMN[dialect].findall(sql)}
    return found




def _version_table(inspector: Any, name: str) -> bool:
    """Alembic's version table: named `alembic_version` or `alembic_version_...`, with one column, `version_num`."""
    if name != "alembic_version" and not name.startswith("alembic_version_"):
        return False
    return [column["name"] for column in inspector.get_columns(name)] == ["version_num"]


def _wanted(only: list[str], names: list[str]) -> set[str]:
    """The tables `--tables` names: each value a table name, else a comma-separated list of them."""
    wanted: set[str] = set()
    for value in only:
        parts = [value] if value in names else [part.strip() for part in value.split(",") if part.strip()]
        missing = [part for part in parts if part not in names]
        if missing:
            raise LookupError(f"the database has no table {', '.join(f'`{part}`' for part in missing)}")
        wanted.update(parts)
    return wanted


def _table(inspector: Any, name: str, partitioned_by: str | None) -> RawTable:
    try:
        comment = inspector.get_table_comment(name).get("text")
    except NotImplementedError:  # SQLite keeps no comments
        comment = None
    key = inspector.get_pk_constraint(name)
    columns = inspector.get_columns(name)
    repair_reflected(inspector.bind, name, columns)
    return RawTable(
        name=name,
        columns=columns,
        primary_key=list(key.get("constrained_columns") or []),
        primary_key_name=key.get("name") if key.get("constrained_columns") else None,
        foreign_keys=inspector.get_foreign_keys(name),
        uniques=inspector.get_unique_constraints(name),
        indexes=inspector.get_indexes(name),
        checks=inspector.get_check_constraints(name),
        comment=comment,
        partitioned_by=partitioned_by,
    )


def _type_text(type_: Any, connection: Connection) -> str:
    """The column's type as the database spells it (`TIME WITH TIME ZONE`), for messages."""
    try:
        return str(type_.compile(dialect=connection.dialect))
    except Exception:  # a type reflection found but cannot compile (NullType on SQLite)
        return type(type_).__name__


def _postgres_pass_through(connection: Connection, schema: str | None, table: RawTable) -> None:
    """Each column whose type (an array's item type) the language has no name for gets `pass_through`:
    the spec's `{sql, python}` for it, or why there is none."""
    from sqlalchemy.types import ARRAY

    from schemagen.catalog.kinds import from_database
    from schemagen.pull.passthrough import pass_through, read_types

    spelled: dict[str, tuple[str, int, bool]] | None = None
    for column in table.columns:
        type_ = column["type"]
        if from_database(type_.item_type if isinstance(type_, ARRAY) else type_) is not None:
            continue
        spelled = read_types(connection, schema, table.name) if spelled is None else spelled
        if column["name"] in spelled:
            type_name, oid, array = spelled[column["name"]]
            column["pass_through"] = pass_through(connection, type_name, oid)
            column["pass_through_array"] = array


def _sqlite_declared_types(connection: Connection, table: RawTable) -> None:
    """SQLite keeps any type name a table declares and reflection guesses a type from its letters
    (`GEOMETRY` would read as NUMERIC): a name SQLAlchemy does not know is a type the spec lacks."""
    import re

    from sqlalchemy.types import NullType

    declared = {name: str(type_ or "") for name, type_ in _rows(
        connection, "SELECT name, type FROM pragma_table_xinfo(:table)", table=table.name)}
    known = getattr(connection.dialect, "ischema_names", {})
    for column in table.columns:
        spelled = declared.get(column["name"], "")
        base = re.match(r"[\w ]*", spelled)
        column["type_text"] = spelled or "(none declared)"
        if base is None or base.group(0).strip().upper() not in known:
            column["type"] = NullType()


def _sqlite_index_orders(connection: Connection, table: RawTable) -> None:
    """SQLAlchemy's SQLite reflection drops a column's DESC: read it from `pragma_index_xinfo`."""
    for index in table.indexes:
        descending = {str(name): ("desc",) for name, desc in _rows(
            connection, "SELECT name, desc FROM pragma_index_xinfo(:index) WHERE key = 1 AND name IS NOT NULL",
            index=index["name"]) if desc}
        if descending:
            index["column_sorting"] = {**(index.get("column_sorting") or {}), **descending}


def _sqlite_constraint_names(table: RawTable) -> None:
    """SQLAlchemy reads SQLite's constraint names from the CREATE TABLE text and leaves a `"` in a
    quoted name doubled (`uq_quo""te`): undo that."""
    for found in (*table.uniques, *table.checks, *table.foreign_keys):
        if found.get("name"):
            found["name"] = found["name"].replace('""', '"')


def _database_name(connection: Connection) -> str:
    url = connection.engine.url
    database = url.database or ""
    if connection.dialect.name == "sqlite":
        from pathlib import PurePath

        return PurePath(database).stem if database and database != ":memory:" else ""
    return database


def _rows(connection: Connection, sql: str, **params: Any) -> list[Any]:
    return list(connection.execute(text(sql), params))


def _postgres_partitions(connection: Connection, schema: str | None) -> tuple[dict[str, str], dict[str, str]]:
    children = _rows(connection, """
        SELECT c.relname, p.relname FROM pg_inherits i
        JOIN pg_class c ON c.oid = i.inhrelid JOIN pg_class p ON p.oid = i.inhparent
        JOIN pg_namespace n ON n.oid = c.relnamespace WHERE n.nspname = :schema""", schema=schema)
    keys = _rows(connection, """
        SELECT c.relname, pg_get_partkeydef(c.oid) FROM pg_class c
        JOIN pg_namespace n ON n.oid = c.relnamespace WHERE n.nspname = :schema AND c.relkind = 'p'""",
                 schema=schema)
    return {child: parent for child, parent in children}, {name: key for name, key in keys}


def _postgres_objects(connection: Connection, schema: str | None, inspector: Any) -> list[tuple[str, str]]:
    found: list[tuple[str, str]] = []
    for view in sorted(inspector.get_materialized_view_names()):
        found.append((f"materialized view `{view}`", "materialized views are not in the spec language"))
    for domain in sorted(inspector.get_domains(schema=schema), key=lambda d: str(d["name"])):
        checks = "; ".join(str(c.get("check", "")) for c in domain.get("constraints", []))
        found.append((f"domain `{domain['name']}`", f"domains are not in the spec language (over "
                      f"{domain['type']}{', check ' + checks if checks else ''}); its columns get the base type"))
    triggers = _rows(connection, """
        SELECT t.tgname, c.relname FROM pg_trigger t JOIN pg_class c ON c.oid = t.tgrelid
        JOIN pg_namespace n ON n.oid = c.relnamespace WHERE n.nspname = :schema AND NOT t.tgisinternal
        ORDER BY c.relname, t.tgname""", schema=schema)
    for trigger, table in triggers:
        if trigger != names.on_update_trigger_name(table):  # schemagen's own is `on_update: now`
            found.append((f"trigger `{trigger}` on `{table}`", "triggers are not in the spec language"))
    functions = _rows(connection, """
        SELECT p.proname, pg_get_function_identity_arguments(p.oid), p.prokind FROM pg_proc p
        JOIN pg_namespace n ON n.oid = p.pronamespace WHERE n.nspname = :schema
        AND NOT EXISTS (SELECT 1 FROM pg_depend d WHERE d.objid = p.oid AND d.deptype = 'e')
        ORDER BY p.proname, 2""", schema=schema)
    ours = {names.on_update_trigger_name(table) for _, table in triggers}
    for name, arguments, kind in functions:
        if name in ours and not arguments:
            continue
        what = {"p": "procedure", "a": "aggregate", "w": "window function"}.get(kind, "function")
        found.append((f"{what} `{name}({arguments})`", "functions and procedures are not in the spec language"))
    sequences = _rows(connection, """
        SELECT c.relname FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace
        WHERE n.nspname = :schema AND c.relkind = 'S'
        AND NOT EXISTS (SELECT 1 FROM pg_depend d WHERE d.objid = c.oid AND d.deptype IN ('a', 'i'))
        ORDER BY c.relname""", schema=schema)
    for (sequence,) in sequences:
        found.append((f"sequence `{sequence}`", "a sequence no column owns is not in the spec language"))
    return found


def _sqlite_objects(connection: Connection) -> list[tuple[str, str]]:
    triggers = _rows(connection, "SELECT name, tbl_name FROM sqlite_master WHERE type = 'trigger' ORDER BY tbl_name, "
                                 "name")
    return [(f"trigger `{name}` on `{table}`", "triggers are not in the spec language") for name, table in triggers
            if name != names.on_update_trigger_name(table)]
