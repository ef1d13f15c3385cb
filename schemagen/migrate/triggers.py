"""The `on_update: now` triggers, which Alembic does not see, followed by the migrations; and on
SQLite the indexes a table rebuild loses.

The models create them with their tables (`after_create` DDL), so the twin database has them; the
migrated database is compared with it by name and definition, as the database itself prints them
(`pg_get_functiondef`/`pg_get_triggerdef`, SQLite's stored text). Only schemagen's own triggers
(named `..._on_update_now`) are managed: a database's other triggers are never touched.

Alembic's batch mode rebuilds a SQLite table from its reflection, which skips expression indexes
and reads a DESC column as ascending: the table's indexes that are more than plain columns are
made again from the database's own text after the rebuild, on both ways.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from alembic.operations import ops
from sqlalchemy import Connection

from schemagen.names import ON_UPDATE_TRIGGER_SUFFIX

_PLAIN_PART = re.compile(r'\s*("[^"]+"|\w+)(\s+ASC)?\s*', re.IGNORECASE)


@dataclass(frozen=True)
class Trigger:
    table: str
    create: tuple[str, ...]
    drop: tuple[str, ...]


def reflect(connection: Connection) -> dict[str, Trigger]:
    """schemagen's triggers in the connection's database (its current schema on PostgreSQL), by name."""
    found: dict[str, Trigger] = {}
    if connection.dialect.name == "postgresql":
        rows = connection.exec_driver_sql(
            "SELECT t.tgname, c.relname, pg_get_functiondef(t.tgfoid), pg_get_triggerdef(t.oid), p.proname "
            "FROM pg_trigger t JOIN pg_class c ON c.oid = t.tgrelid JOIN pg_proc p ON p.oid = t.tgfoid "
            "WHERE NOT t.tgisinternal AND c.relnamespace = current_schema()::regnamespace").all()
        schema = connection.exec_driver_sql("SELECT current_schema()").scalar_one()
        for name, table, function, trigger, function_name in rows:
            if name.endswith(ON_UPDATE_TRIGGER_SUFFIX):
                # PostgreSQL qualifies the names with the schema: made again in the migrated
                # database's own schema (its search path), so compared and written without it
                function, trigger = (_unqualified(function, schema), _unqualified(trigger, schema))
                found[name] = Trigger(table, (function, trigger), (
                    f"DROP TRIGGER IF EXISTS {_quoted(name)} ON {_quoted(table)}",
                    f"DROP FUNCTION IF EXISTS {_quoted(function_name)}()"))
    elif connection.dialect.name == "sqlite":
        rows = connection.exec_driver_sql("SELECT name, tbl_name, sql FROM sqlite_master WHERE type = 'trigger'").all()
        for name, table, sql in rows:
            if name.endswith(ON_UPDATE_TRIGGER_SUFFIX):
                found[name] = Trigger(table, (sql,), (f"DROP TRIGGER IF EXISTS {_quoted(name)}",))
    return found


def reflect_rebuild_losses(connection: Connection) -> dict[str, dict[str, str]]:
    """SQLite: per table, the CREATE INDEX text of each index a rebuild loses (an expression, a DESC
    column, a predicate), by name; nothing on another database."""
    if connection.dialect.name != "sqlite":
        return {}
    found: dict[str, dict[str, str]] = {}
    rows = connection.exec_driver_sql("SELECT name, tbl_name, sql FROM sqlite_master WHERE type = 'index' "
                                      "AND sql IS NOT NULL").all()
    for name, table, sql in rows:
        if not all(_PLAIN_PART.fullmatch(part) for part in _parts(str(sql))):
            found.setdefault(str(table), {})[str(name)] = str(sql)
    return found


def _parts(sql: str) -> list[str]:
    """The parts of `CREATE INDEX name ON table (parts) [WHERE ...]`; a predicate is a part of its own."""
    opening = sql.index("(", sql.upper().index(" ON "))
    parts, depth, start = [], 0, opening + 1
    for position in range(opening, len(sql)):
        char = sql[position]
        depth += {"(": 1, ")": -1}.get(char, 0)
        if depth == 1 and char == ",":
            parts.append(sql[start:position])
            start = position + 1
        elif depth == 0:
            parts.append(sql[start:position])
            return parts + ([sql[position + 1:]] if sql[position + 1:].strip() else [])
    return parts


def _rebuild_operations(indexes: dict[str, dict[str, str]], tables: set[str]) -> list[ops.MigrateOperation]:
    return [ops.ExecuteSQLOp(sql) for table in sorted(tables) for name, create in sorted(indexes.get(table, {}).items())
            for sql in (f"DROP INDEX IF EXISTS {_quoted(name)}", create)]


def add_operations(script: ops.MigrationScript, wanted: dict[str, Trigger], connection: Connection,
                   have: dict[str, Trigger] | None = None,
                   indexes: tuple[dict[str, dict[str, str]], dict[str, dict[str, str]]] = ({}, {})) -> None:
    """Add to `script` what makes the database's triggers the twin's: drops first (before any table
    goes), creations last (after every table is there), and the reverse in the downgrade. On SQLite a
    table the revision alters may be rebuilt, which loses its triggers: those are made again, both
    ways. Run after the renames are in the script (`safety.review`), so that a downgrade makes the
    triggers once the renames back rebuilt their tables; `have`: the triggers before the renames
    (the scratch database's rename rebuilt the table without them), else the connection's;
    `indexes`: the wanted and the had indexes a rebuild loses (`reflect_rebuild_losses`)."""
    have = reflect(connection) if have is None else have
    upgrade, downgrade = script.upgrade_ops_list[-1], script.downgrade_ops_list[-1]
    altered = {op.table_name for op in upgrade.ops if isinstance(op, ops.ModifyTableOps) and op.ops}
    rebuilt = altered if connection.dialect.name == "sqlite" else set()
    gone = sorted(name for name, trigger in have.items()
                  if wanted.get(name) != trigger or trigger.table in rebuilt)
    made = sorted(name for name, trigger in wanted.items()
                  if have.get(name) != trigger or trigger.table in rebuilt)
    upgrade.ops[:0] = [ops.ExecuteSQLOp(sql) for name in gone for sql in have[name].drop]
    upgrade.ops += [ops.ExecuteSQLOp(sql) for name in made for sql in wanted[name].create]
    downgrade.ops[:0] = [ops.ExecuteSQLOp(sql) for name in made for sql in wanted[name].drop]
    downgrade.ops += [ops.ExecuteSQLOp(sql) for name in gone for sql in have[name].create]
    # the tables as the downgrade names them, after its renames back
    old_names = {op.new_table_name: op.table_name for op in upgrade.ops if isinstance(op, ops.RenameTableOp)}
    upgrade.ops += _rebuild_operations(indexes[0], rebuilt)
    downgrade.ops += _rebuild_operations(indexes[1], {old_names.get(table, table) for table in rebuilt})


def _unqualified(sql: str, schema: str) -> str:
    return sql.replace(f"{_quoted(schema)}.", "").replace(f"{schema}.", "")


def _quoted(identifier: str) -> str:
    return '"' + identifier.replace('"', '""') + '"'
