"""The `on_update: now` triggers, which Alembic does not see, followed by the migrations.

The models create them with their tables (`after_create` DDL), so the twin database has them; the
migrated database is compared with it by name and definition, as the database itself prints them
(`pg_get_functiondef`/`pg_get_triggerdef`, SQLite's stored text). Only schemagen's own triggers
(named `..._on_update_now`) are managed: a database's other triggers are never touched.
"""

from __future__ import annotations

from dataclasses import dataclass

from alembic.operations import ops
from sqlalchemy import Connection

from schemagen.names import ON_UPDATE_TRIGGER_SUFFIX


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


def add_operations(script: ops.MigrationScript, wanted: dict[str, Trigger], connection: Connection) -> None:
    """Add to `script` what makes the database's triggers the twin's: drops first (before any table
    goes), creations last (after every table is there), and the reverse in the downgrade. On SQLite a
    table the revision alters may be rebuilt, which loses its triggers: those are made again."""
    have = reflect(connection)
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


def _unqualified(sql: str, schema: str) -> str:
    return sql.replace(f"{_quoted(schema)}.", "").replace(f"{schema}.", "")


def _quoted(identifier: str) -> str:
    return '"' + identifier.replace('"', '""') + '"'
