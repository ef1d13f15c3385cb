"""Rules for what a migration may do: declared renames, destructive changes, NOT NULL on full tables.

Alembic's autogenerate sees a rename as a drop and an add, and applies anything it finds. Here
the operations it produced are reviewed before a revision is written or a push applied:
- renames declared with `renamed_from:` are applied to the scratch database before comparing, and
  become rename operations at the start of the revision (rows kept);
- an operation that loses data (a dropped table or column, a narrowed type, a dropped foreign key,
  removed enum values) is refused with every `table.column` it touches, unless allowed; a drop and
  an add of the same type is pointed at `renamed_from:`;
- a new NOT NULL column without a database default is added nullable, backfilled from a literal
  ORM default when it has one, checked for missing values, then set NOT NULL; making a column
  NOT NULL checks for NULL rows first, with a message that names the column.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from typing import Any

from alembic.autogenerate import renderers
from alembic.autogenerate.api import AutogenContext
from alembic.operations import Operations, ops
from alembic.runtime.migration import MigrationContext
from sqlalchemy import Column, Computed, Connection, Enum, ForeignKey, ForeignKeyConstraint, inspect
from sqlalchemy.engine import Dialect

from schemagen.migrate.casts import add_casts, converts
from schemagen.migrate.cycles import defer_cycle_keys
from schemagen.migrate.database import MigrateError


@dataclass(frozen=True)
class Renames:
    """`renamed_from:` declarations: tables {new: old} and columns {(table, new column): old column}."""

    tables: dict[str, str] = field(default_factory=dict)
    columns: dict[tuple[str, str], str] = field(default_factory=dict)
    enum_values: dict[str, dict[str, str]] = field(default_factory=dict)
    """Per SQL enum type: {old value: new value}."""
    enum_columns: dict[str, list[tuple[str, str, bool]]] = field(default_factory=dict)
    """Per SQL enum type with renamed values: its (table, column, is an array) uses."""


class RequireFilledOp(ops.MigrateOperation):
    """Stop the migration, naming the column, when rows hold NULL where NOT NULL comes next."""

    def __init__(self, table: str, column: str, new: bool) -> None:
        self.table, self.column, self.new = table, column, new

    def reverse(self) -> ops.MigrateOperation:
        return ops.UpgradeOps([])

    def to_diff_tuple(self) -> tuple[Any, ...]:
        return ("require_filled", self.table, self.column)


class BackfillOp(ops.MigrateOperation):
    """Give existing rows a column's default before it becomes NOT NULL: a new column's literal, or
    (`sql`) an existing column's server default as the database has it."""

    def __init__(self, table: str, column: str, value: Any, *, sql: bool = False) -> None:
        self.table, self.column, self.value, self.sql = table, column, value, sql

    def reverse(self) -> ops.MigrateOperation:
        return ops.UpgradeOps([])

    def to_diff_tuple(self) -> tuple[Any, ...]:
        return ("backfill", self.table, self.column, self.value)


@renderers.dispatch_for(RequireFilledOp)
def _render_require(_context: AutogenContext, op: RequireFilledOp) -> str:
    why = ("is a new NOT NULL column without a default" if op.new else "becomes NOT NULL")
    message = (f"{op.table}.{op.column} {why}, but %d existing row(s) have no value: give it a `default:` in the "
               f"spec, or fill it in this revision before this step")
    return (f"missing = op.get_bind().execute(sa.select(sa.func.count()).select_from(sa.table({op.table!r}))"
            f".where(sa.column({op.column!r}).is_(None))).scalar()\n"
            f"if missing:\n    raise RuntimeError({message!r} % missing)")


@renderers.dispatch_for(BackfillOp)
def _render_backfill(_context: AutogenContext, op: BackfillOp) -> str:
    value = f"sa.text({op.value!r})" if op.sql else repr(op.value)
    return (f"op.execute(sa.table({op.table!r}, sa.column({op.column!r})).update()"
            f".where(sa.column({op.column!r}).is_(None)).values({{{op.column!r}: {value}}}))")


@renderers.dispatch_for(ops.RenameTableOp)
def _render_rename_table(context: AutogenContext, op: ops.RenameTableOp) -> str:
    # autogenerate never makes this operation, so Alembic has no renderer for it
    return f"op.rename_table({op.table_name!r}, {op.new_table_name!r})"


def apply_renames(connection: Connection, renames: Renames) -> tuple[list[ops.MigrateOperation],
                                                                     list[ops.MigrateOperation]]:
    """Rename on the scratch database what the spec declares renamed and the history still has under
    its old name; the (upgrade, downgrade) operations that do the same in a revision."""
    operations = Operations(MigrationContext.configure(connection))
    batch = connection.dialect.name == "sqlite"
    up: list[ops.MigrateOperation] = []
    down: list[ops.MigrateOperation] = []
    tables = set(inspect(connection).get_table_names())
    for new, old in sorted(renames.tables.items()):
        if old in tables and new not in tables:
            operations.rename_table(old, new)
            up.append(ops.RenameTableOp(old, new))
            down.insert(0, ops.RenameTableOp(new, old))
            tables = (tables - {old}) | {new}
    for (table, new), old in sorted(renames.columns.items()):
        if table not in tables:
            continue
        columns = {c["name"] for c in inspect(connection).get_columns(table)}
        if old in columns and new not in columns:
            if batch:
                with operations.batch_alter_table(table) as batch_op:
                    batch_op.alter_column(old, new_column_name=new)
            else:
                operations.alter_column(table, old, new_column_name=new)
            up.append(ops.ModifyTableOps(table, [ops.AlterColumnOp(table, old, modify_name=new)]))
            down.insert(0, ops.ModifyTableOps(table, [ops.AlterColumnOp(table, new, modify_name=old)]))
    from schemagen.migrate.enums import rename_enum_values

    values_up, values_down = rename_enum_values(connection, renames, tables)
    return up + values_up, values_down + down


_INTEGERS = ["SMALLINT", "INTEGER", "BIGINT"]


def _type(type_: Any, dialect: Dialect) -> str:
    return str(type_.compile(dialect=dialect)).upper()


def widens(old: str, new: str) -> bool:
    """True when every value of type `old` fits type `new` unchanged."""
    if old == new or new in ("TEXT", "VARCHAR"):
        return old == new or old.startswith(("VARCHAR", "CHAR", "TEXT"))
    if old in _INTEGERS and new in _INTEGERS:
        return _INTEGERS.index(new) >= _INTEGERS.index(old)
    sized = re.fullmatch(r"(VARCHAR)\((\d+)\)", old), re.fullmatch(r"(VARCHAR)\((\d+)\)", new)
    if sized[0] and sized[1]:
        return int(sized[1].group(2)) >= int(sized[0].group(2))
    numeric = re.fullmatch(r"NUMERIC\((\d+), (\d+)\)", old), re.fullmatch(r"NUMERIC\((\d+), (\d+)\)", new)
    if numeric[0] and numeric[1]:
        (p1, s1), (p2, s2) = (map(int, m.groups()) for m in numeric)  # type: ignore[union-attr]
        return s2 == s1 and p2 >= p1
    return False


def review(script: ops.MigrationScript, renamed: tuple[list[ops.MigrateOperation], list[ops.MigrateOperation]],
           connection: Connection, *, allow_destructive: bool) -> None:
    """Check, then rewrite, the operations autogenerate produced (see the module's docstring)."""
    from schemagen.migrate.enums import RemoveEnumValuesOp

    upgrade = script.upgrade_ops_list[-1]
    downgrade = script.downgrade_ops_list[-1]
    dialect = connection.dialect
    lost: list[str] = []
    hints: list[str] = []
    dropped_tables = {op.table_name: op for op in upgrade.ops if isinstance(op, ops.DropTableOp)}
    created_tables = {op.table_name: op for op in upgrade.ops if isinstance(op, ops.CreateTableOp)}
    for name, dropped in dropped_tables.items():
        columns = dropped.to_table().columns
        lost += [f"{name}.{c.name}" for c in columns]
        shape = sorted(_type(c.type, dialect) for c in columns)
        for new, created in created_tables.items():
            if sorted(_type(c.type, dialect) for c in created.to_table().columns) == shape:
                hints.append(f"table `{new}` replaces `{name}`: did you mean `renamed_from: {name}` on `{new}`?")
    for op in upgrade.ops:
        if isinstance(op, RemoveEnumValuesOp):
            where = ", ".join(f"{t}.{c}" for t, c, _, _ in op.columns) or "no column"
            lost.append(f"enum {op.name} loses {', '.join(op.values)} (used by {where}; the upgrade stops while "
                        "rows hold one)")
        if not isinstance(op, ops.ModifyTableOps):
            continue
        added = [o for o in op.ops if isinstance(o, ops.AddColumnOp)]
        added_fks = {tuple(o.local_cols) for o in op.ops if isinstance(o, ops.CreateForeignKeyOp)}
        for inner in op.ops:
            if isinstance(inner, ops.DropColumnOp):
                again = [a.column for a in added if a.column.name == inner.column_name]
                if _computed(inner.to_column()) and all(_computed(c) for c in again):
                    continue  # its values are computed from the row's other columns (again, when added again)
                lost.append(f"{op.table_name}.{inner.column_name}"
                            + (" (no longer generated: its values are not kept)" if again else ""))
                old_type = _type(inner.to_column().type, dialect)
                hints += [f"column `{op.table_name}.{a.column.name}` replaces `{inner.column_name}`: did you mean "
                          f"`renamed_from: {inner.column_name}` on `{a.column.name}`?"
                          for a in added if _type(a.column.type, dialect) == old_type and not again]
            elif isinstance(inner, ops.AlterColumnOp) and isinstance(inner.modify_type, Enum):
                pass  # values: a removed one is a RemoveEnumValuesOp above, the length follows the values
            elif isinstance(inner, ops.AlterColumnOp) and inner.modify_type is not None:
                old, new = _type(inner.existing_type, dialect), _type(inner.modify_type, dialect)
                if not widens(old, new) and not (dialect.name == "postgresql" and converts(old, new)):
                    lost.append(f"{op.table_name}.{inner.column_name} ({old} -> {new})")
                if "_MonthsIntervalOf" in {type(inner.modify_type).__name__, type(inner.existing_type).__name__}:
                    hints.append(f"`{op.table_name}.{inner.column_name}`: SQLite stores an interval as a datetime "
                                 "from 1970-01-01, and one with `months: true` as ISO 8601 text; the stored values "
                                 "are not converted: add a new column and copy the values in your own code")
            elif isinstance(inner, ops.DropConstraintOp) and inner.constraint_type == "foreignkey":
                constraint = inner.to_constraint()
                assert isinstance(constraint, ForeignKeyConstraint)
                local = tuple(constraint.column_keys)
                if local not in added_fks:
                    lost.append(f"{op.table_name}.{', '.join(local)} (foreign key {inner.constraint_name} dropped)")
    if lost and not allow_destructive:
        text = "\n".join(f"  - {item}" for item in lost)
        hint = "".join(f"\n  {h}" for h in hints)
        raise MigrateError(f"refusing a change that loses data in:\n{text}{hint}\n"
                           "rerun with --allow-destructive to accept it")
    upgrade.ops[:] = renamed[0] + _safe_not_null(upgrade.ops, created_tables)
    downgrade.ops.extend(renamed[1])
    add_casts(upgrade.ops, dialect)
    add_casts(downgrade.ops, dialect)
    defer_cycle_keys(upgrade, downgrade, dialect)


def _computed(column: Column[Any]) -> bool:
    return isinstance(column.server_default, Computed)


def _safe_not_null(operations: list[ops.MigrateOperation],
                   created: dict[str, ops.CreateTableOp]) -> list[ops.MigrateOperation]:
    result: list[ops.MigrateOperation] = []
    for op in operations:
        if not isinstance(op, ops.ModifyTableOps) or op.table_name in created:
            result.append(op)
            continue
        kept: list[ops.MigrateOperation] = []
        after: list[ops.MigrateOperation] = []
        for inner in op.ops:
            if isinstance(inner, ops.AlterColumnOp) and inner.modify_nullable is False:
                default = _server_default(inner)
                if default is not None:  # rows without a value get the default the column has (or gets now)
                    result.append(BackfillOp(op.table_name, inner.column_name, default, sql=True))
                result.append(RequireFilledOp(op.table_name, inner.column_name, new=False))
            if (isinstance(inner, ops.AddColumnOp) and not inner.column.nullable
                    and inner.column.server_default is None):
                column = inner.column
                nullable = Column(column.name, column.type, *[ForeignKey(fk.target_fullname, ondelete=fk.ondelete,
                                                                         onupdate=fk.onupdate)
                                                              for fk in column.foreign_keys],
                                  nullable=True, comment=column.comment)
                kept.append(ops.AddColumnOp(op.table_name, nullable))
                python_default = column.default
                if python_default is not None and python_default.is_scalar and isinstance(
                        python_default.arg, (str, int, float, bool)):  # type: ignore[attr-defined]
                    after.append(BackfillOp(op.table_name, column.name,
                                            python_default.arg))  # type: ignore[attr-defined]
                after.append(RequireFilledOp(op.table_name, column.name, new=True))
                after.append(ops.ModifyTableOps(op.table_name, [ops.AlterColumnOp(
                    op.table_name, column.name, modify_nullable=False, existing_type=column.type,
                    existing_nullable=True)]))
                continue
            kept.append(inner)
        if kept:
            result.append(ops.ModifyTableOps(op.table_name, kept, schema=op.schema))
        result += after
    return result


def _server_default(op: ops.AlterColumnOp) -> str | None:
    """The SQL of the server default a column keeps or gets in `op`, if it has one."""
    default = op.modify_server_default if op.modify_server_default is not False else op.existing_server_default
    default = getattr(default, "arg", default)  # a DefaultClause holds its text or TextClause in .arg
    if isinstance(default, str):
        return "'" + default.replace("'", "''") + "'"  # Alembic's (and SQLAlchemy's) reading of a plain string
    text = getattr(default, "text", None)
    return text if isinstance(text, str) else None
