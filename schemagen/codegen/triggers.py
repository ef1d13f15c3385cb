"""models.py: `on_update: now` kept by the database too, so raw SQL updates move the time.

The ORM sets the column on every update it writes (`onupdate`); a trigger does the same for every
other writer (raw SQL, another service, a migration script) whenever the UPDATE leaves the column as
it was (on SQLite: an UPDATE that sets some other column, see `on_update_triggers`). The triggers
hang on the model's table (`after_create`/`after_drop` DDL), so `create_all` makes them and
`schemagen migrate` finds them on the twin database like any other object.
"""

from __future__ import annotations

from schemagen import names
from schemagen.catalog import Table
from schemagen.codegen import ir
from schemagen.codegen.imports import Imports
from schemagen.codegen.literals import Code, literal


_POSTGRESQL_NOW = {"timestamp": "now()", "date": "CURRENT_DATE", "time": "LOCALTIME"}
# the text forms SQLAlchemy stores on SQLite (see `_Now`)
_SQLITE_NOW = {"timestamp": "strftime('%Y-%m-%d %H:%M:%f000', 'now')", "date": "date('now')",
               "time": "strftime('%H:%M:%f000', 'now')"}


def on_update_triggers(imports: Imports, table: Table) -> tuple[ir.TableEvent, ...]:
    """The DDL listeners of a table's `on_update: now` columns (one on creation, one on drop): one
    trigger for all of them, on PostgreSQL (a function and its trigger) and SQLite. One, because on
    SQLite a trigger's own UPDATE fires the table's other triggers: one per column would move each
    other's columns."""
    columns = [column for column in table.columns if column.on_update_now]
    if not columns:
        return ()
    name, quoted_table = _quoted(names.on_update_trigger_name(table.name)), _quoted(table.name)
    kept = [(_quoted(column.sql_name), column.type if column.type in _SQLITE_NOW else "timestamp")
            for column in columns]
    body = " ".join(f"IF NEW.{c} IS NOT DISTINCT FROM OLD.{c} THEN NEW.{c} := {_POSTGRESQL_NOW[kind]}; END IF;"
                    for c, kind in kept)
    function = (f"CREATE OR REPLACE FUNCTION {name}() RETURNS trigger LANGUAGE plpgsql AS $$BEGIN {body} "
                "RETURN NEW; END$$")
    trigger = f"CREATE TRIGGER {name} BEFORE UPDATE ON {quoted_table} FOR EACH ROW EXECUTE FUNCTION {name}()"
    unchanged = " OR ".join(f"NEW.{c} IS OLD.{c}" for c, _ in kept)
    moved = ", ".join(f"{c} = CASE WHEN NEW.{c} IS OLD.{c} THEN {_SQLITE_NOW[kind]} ELSE NEW.{c} END"
                      for c, kind in kept)
    # the row by its key (a column may be named `rowid`); a table without one by its mapper key
    key = [column.sql_name for column in table.columns if column.primary_key] or [
        table.column(k).sql_name for k in table.mapper_key]
    row = " AND ".join(f"{_quoted(c)} = NEW.{_quoted(c)}" for c in key) if key else "rowid = NEW.rowid"
    # only an UPDATE that sets another column fires it: never its own UPDATE, which sets these alone,
    # so that `PRAGMA recursive_triggers=ON` cannot make it fire itself (a column the writer set, or
    # a time equal to the last one, leaves its WHEN true). An UPDATE setting only these is the writer's.
    others = [_quoted(column.sql_name) for column in table.columns
              if not column.on_update_now and column.generated is None]
    of = f" OF {', '.join(others)}" if others else ""
    sqlite = (f"CREATE TRIGGER {name} AFTER UPDATE{of} ON {quoted_table} FOR EACH ROW WHEN {unchanged} "
              f"BEGIN UPDATE {quoted_table} SET {moved} WHERE {row}; END")
    return (_event(imports, "after_create", postgresql=(function, trigger), sqlite=(sqlite,)),
            _event(imports, "after_drop", postgresql=(f"DROP FUNCTION IF EXISTS {name}()",)))


def _quoted(identifier: str) -> str:
    return '"' + identifier.replace('"', '""') + '"'


def _event(imports: Imports, event: str, **statements: tuple[str, ...]) -> ir.TableEvent:
    # one listener for the event, holding each database's statements (`_DDLOn`)
    by_dialect = ", ".join(f"{dialect}=({', '.join(literal(sql) for sql in sqls)},)"
                           for dialect, sqls in statements.items())
    return ir.TableEvent(Code(imports.name("sqlalchemy.event", "listen")), literal(event),
                         Code(f"_DDLOn({by_dialect})"))
