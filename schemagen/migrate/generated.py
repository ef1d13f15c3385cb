"""Generated columns through a migration: their expressions as the database holds them, and a
column whose expression changed made again.

SQLAlchemy reflects a SQLite generated column typed `NUMERIC(12, 2)` with an empty expression (see
`schemagen.sqlite_ddl`); a batch rebuild of its table then wrote `GENERATED ALWAYS AS ()`, which
SQLite refuses: its reflection is repaired from the CREATE statement.

Neither database can change a generated column's expression in place (PostgreSQL 15 has no `SET
EXPRESSION`) and Alembic does not compare them ("cannot be modified"), so a changed expression
migrated to nothing. The column is dropped and added again: its values are computed from the other
columns, so nothing of the rows is lost, and indexes over it are made again with it.

A column that stops being generated keeps its values on PostgreSQL 13+ (`DROP EXPRESSION`); SQLite
has no such statement, and there the column is made again empty, which asks for `--allow-destructive`.
"""

from __future__ import annotations

import re
from typing import Any

from alembic.autogenerate import renderers
from alembic.autogenerate.api import AutogenContext
from alembic.operations import ops
from alembic.util import PriorityDispatchResult
from sqlalchemy import CheckConstraint, Column, Connection, Index, Table, UniqueConstraint, inspect

from schemagen.migrate.compare import twin_of
from schemagen.sqlite_ddl import Expression, create_statement, repair_reflected, spaced, sqlite_expressions

def expressions(connection: Connection, table: str, schema: str | None = None) -> dict[str, Expression]:
    """Per generated column of `table`, its expression as the database holds it."""
    if connection.dialect.name == "sqlite":
        sql = create_statement(connection, table)
        return sqlite_expressions(sql) if sql else {}
    return {str(c["name"]): (spaced(str(c["computed"]["sqltext"])), bool(c["computed"].get("persisted")))
            for c in inspect(connection).get_columns(table, schema=schema) if c.get("computed")}


def repair_sqlite_reflection(inspector: Any, table: Table, column_info: dict[str, Any]) -> None:
    """Alembic's reflection hook: a SQLite generated column gets the expression its table holds."""
    if not column_info.get("computed"):
        return
    bind = inspector.bind
    if isinstance(bind, Connection):
        repair_reflected(bind, table.name, [column_info])
        return
    with bind.connect() as connection:
        repair_reflected(connection, table.name, [column_info])


def compare_generated_columns(context: AutogenContext, modify: ops.ModifyTableOps, schema: str | None,
                              table: str, conn_table: Table | None,
                              metadata_table: Table | None) -> PriorityDispatchResult:
    """A column whose expression (or being generated at all) changed is dropped and added again,
    with the indexes over it; both sides compared as the database spells them (the twin's)."""
    twin = twin_of(context)
    if twin is None or conn_table is None or metadata_table is None or context.connection is None:
        return PriorityDispatchResult.CONTINUE
    have = expressions(context.connection, table, schema)
    for column in metadata_table.columns:
        if column.name not in conn_table.c:
            continue  # a new column: Alembic adds it
        want = twin.generated.get((table, column.name))
        if want == have.get(column.name):
            continue
        postgres = context.connection.dialect.name == "postgresql"
        if want is None and postgres and (context.connection.dialect.server_version_info or (0,)) >= (13,):
            # the values stay; the way back (the column made generated again) is a recreation
            back = ops.ModifyTableOps(table, [], schema=schema)
            _recreate(back, schema, table, column, conn_table.c[column.name], metadata_table, checks=True)
            modify.ops.append(DropExpressionOp(table, column.name, back.ops, schema=schema))
            continue
        _recreate(modify, schema, table, conn_table.c[column.name], column, metadata_table, checks=postgres)
    return PriorityDispatchResult.CONTINUE


class DropExpressionOp(ops.AlterTableOp):
    """PostgreSQL 13+: a generated column becomes a plain one holding the values it has
    (`ALTER COLUMN ... DROP EXPRESSION`); its reverse makes it generated again (`_recreate`)."""

    def __init__(self, table: str, column: str, back: list[ops.MigrateOperation], *, schema: str | None) -> None:
        super().__init__(table, schema=schema)
        self.column, self.back = column, back

    def reverse(self) -> ops.MigrateOperation:
        # (Alembic renders a ModifyTableOps inside another in place)
        return ops.ModifyTableOps(self.table_name, list(self.back), schema=self.schema)

    def to_diff_tuple(self) -> tuple[Any, ...]:
        return ("drop_expression", self.table_name, self.column)


@renderers.dispatch_for(DropExpressionOp)
def _render_drop_expression(context: AutogenContext, op: DropExpressionOp) -> str:
    assert context.dialect is not None
    quote = context.dialect.identifier_preparer.quote
    table = quote(op.table_name) if op.schema is None else f"{quote(op.schema)}.{quote(op.table_name)}"
    statement = f"ALTER TABLE {table} ALTER COLUMN {quote(op.column)} DROP EXPRESSION"
    return f"# the column keeps the values it has\nop.execute({statement!r})"


def _recreate(modify: ops.ModifyTableOps, schema: str | None, table: str, old: Column[Any], new: Column[Any],
              metadata_table: Table, *, checks: bool) -> None:
    """`checks`: CHECK constraints over the column are made again too (PostgreSQL drops them with
    it; SQLite's table rebuild keeps them). `metadata_table`'s indexes and constraints are the ones
    over the column after `new` is in, `old.table`'s the ones dropped with `old`."""
    over = [i for i in sorted(metadata_table.indexes, key=lambda i: str(i.name))
            if any(new.name == c.name for c in i.columns) or _names(i, new.name)]
    reflected = {i.name: i for i in old.table.indexes}
    ordered = sorted(metadata_table.constraints, key=lambda c: str(c.name))
    constraints = [c for c in ordered if (isinstance(c, UniqueConstraint) and any(new.name == c.name for c in c.columns))
                   or (checks and isinstance(c, CheckConstraint) and _spells(str(c.sqltext), new.name))]
    reflected_constraints = {c.name: c for c in old.table.constraints
                             if isinstance(c, (UniqueConstraint, CheckConstraint))}
    modify.ops += [ops.DropIndexOp.from_index(reflected[i.name]) for i in over if i.name in reflected]
    modify.ops += [ops.DropConstraintOp.from_constraint(reflected_constraints[c.name]) for c in constraints
                   if c.name in reflected_constraints]
    modify.ops.append(ops.DropColumnOp.from_column_and_tablename(schema, table, old))
    modify.ops.append(ops.AddColumnOp.from_column_and_tablename(schema, table, new))
    modify.ops += [ops.AddConstraintOp.from_constraint(c) for c in constraints]
    modify.ops += [ops.CreateIndexOp.from_index(i) for i in over]


def _names(index: Index, column: str) -> bool:
    """An expression index that spells the column (`lower(total)`): dropped with it on PostgreSQL."""
    return any(_spells(str(e), column) for e in index.expressions if not isinstance(e, Column))


def _spells(sql: str, column: str) -> bool:
    return re.search(rf'(?<![\w"]){re.escape(column)}(?![\w"])', sql) is not None

