"""Enum types and values, which Alembic's autogenerate does not follow (alembic#278).

PostgreSQL: column types render with `create_type=False` (see `compare.render_type`); the types
themselves are created before the tables that use them, dropped after the last table using them
is gone; a new value is `ALTER TYPE ... ADD VALUE` in an autocommit block (no table rewrite); a
value declared renamed (`renamed_from:` on the enum) is `ALTER TYPE ... RENAME VALUE` (rows follow).
PostgreSQL cannot drop a value: removing one (with `--allow-destructive`) recreates the type (new
type, each column `ALTER ... TYPE ... USING col::text::type`, old type dropped), after a guard that
stops the upgrade, naming column, value and row count, while rows still hold a removed value.

SQLite has no enum type: a column is VARCHAR(longest value) and SQLAlchemy checks values in Python.
The history's values are what the revisions' `sa.Enum(...)` types said (`capture` reads them off
the DDL replayed on the scratch database); a change of values rewrites the columns' type (a batch
rebuild, so the next comparison sees the new values), a renamed value UPDATEs the rows holding the
old one, and a removed value gets the same guard as on PostgreSQL.
"""

from __future__ import annotations

import json
from collections.abc import Iterator
from contextlib import contextmanager
from typing import TYPE_CHECKING, Any

from alembic.autogenerate import renderers
from alembic.autogenerate.api import AutogenContext
from alembic.operations import ops
from alembic.util import DispatchPriority, PriorityDispatchResult
from alembic.ddl.base import AddColumn
from sqlalchemy import ARRAY, Connection, Enum, MetaData, event, inspect, literal_column, select
from sqlalchemy import column as sql_column
from sqlalchemy import table as sql_table
from sqlalchemy.dialects import postgresql
from sqlalchemy.engine import Dialect
from sqlalchemy.schema import CreateTable
from sqlalchemy.sql import sqltypes

if TYPE_CHECKING:
    from schemagen.migrate.safety import Renames

HISTORY = "schemagen_enums"  # connection.info key: SQLite's enum values as the revisions declared them


class CreateEnumOp(ops.MigrateOperation):
    def __init__(self, name: str, values: list[str]) -> None:
        self.name, self.values = name, values

    def reverse(self) -> DropEnumOp:
        return DropEnumOp(self.name, self.values)

    def to_diff_tuple(self) -> tuple[Any, ...]:
        return ("add_enum", self.name, tuple(self.values))


class DropEnumOp(ops.MigrateOperation):
    def __init__(self, name: str, values: list[str]) -> None:
        self.name, self.values = name, values

    def reverse(self) -> CreateEnumOp:
        return CreateEnumOp(self.name, self.values)

    def to_diff_tuple(self) -> tuple[Any, ...]:
        return ("remove_enum", self.name, tuple(self.values))


class AddEnumValuesOp(ops.MigrateOperation):
    def __init__(self, name: str, values: list[str], *, undo: bool = False, dialect: str = "postgresql") -> None:
        self.name, self.values, self.undo, self.dialect = name, values, undo, dialect

    def reverse(self) -> AddEnumValuesOp:
        return AddEnumValuesOp(self.name, self.values, undo=not self.undo, dialect=self.dialect)

    def to_diff_tuple(self) -> tuple[Any, ...]:
        return ("add_enum_values" if not self.undo else "keep_enum_values", self.name, tuple(self.values))


class RemoveEnumValuesOp(ops.MigrateOperation):
    """Values gone from an enum: refused by `safety.review` unless destructive changes are allowed."""

    def __init__(self, name: str, values: list[str], *, kept: list[str] | None = None,
                 columns: list[tuple[str, str, bool, str | None]] | None = None, dialect: str = "postgresql") -> None:
        self.name, self.values, self.kept, self.dialect = name, values, kept or [], dialect
        self.columns = columns or []  # (table, column, is an array, the column's default as SQL)

    def reverse(self) -> AddEnumValuesOp:
        return AddEnumValuesOp(self.name, self.values, dialect=self.dialect)

    def to_diff_tuple(self) -> tuple[Any, ...]:
        return ("remove_enum_values", self.name, tuple(self.values))


class RenameEnumValueOp(ops.MigrateOperation):
    """A value declared renamed: the type's label (PostgreSQL), or the rows holding it (SQLite)."""

    def __init__(self, name: str, old: str, new: str, columns: list[tuple[str, str, bool]], dialect: str) -> None:
        self.name, self.old, self.new, self.columns, self.dialect = name, old, new, columns, dialect

    def reverse(self) -> RenameEnumValueOp:
        return RenameEnumValueOp(self.name, self.new, self.old, self.columns, self.dialect)

    def to_diff_tuple(self) -> tuple[Any, ...]:
        return ("rename_enum_value", self.name, self.old, self.new)


def _values(values: list[str]) -> str:
    return ", ".join(repr(v) for v in values)


@renderers.dispatch_for(CreateEnumOp)
def _render_create(context: AutogenContext, op: CreateEnumOp) -> str:
    context.imports.add("from sqlalchemy.dialects import postgresql")
    return f"postgresql.ENUM({_values(op.values)}, name={op.name!r}).create(op.get_bind())"


@renderers.dispatch_for(DropEnumOp)
def _render_drop(context: AutogenContext, op: DropEnumOp) -> str:
    context.imports.add("from sqlalchemy.dialects import postgresql")
    return f"postgresql.ENUM(name={op.name!r}).drop(op.get_bind())"


@renderers.dispatch_for(AddEnumValuesOp)
def _render_add_values(context: AutogenContext, op: AddEnumValuesOp) -> str:
    if op.dialect != "postgresql":
        return f"pass  # {op.name} takes {_values(op.values)} again (the column type's change follows)"
    if op.undo:
        return f"pass  # PostgreSQL cannot drop enum values: the type {op.name} keeps {_values(op.values)}"
    dialect: Dialect = postgresql.dialect()  # type: ignore[no-untyped-call]
    quote = sqltypes.String().literal_processor(dialect)  # type: ignore[no-untyped-call]
    assert quote is not None
    name = dialect.identifier_preparer.quote(op.name)
    lines = ["with op.get_context().autocommit_block():"]
    lines += [f"    op.execute({f'ALTER TYPE {name} ADD VALUE IF NOT EXISTS {quote(value)}'!r})" for value in op.values]
    return "\n".join(lines)


def _quote(value: str) -> str:
    quote = sqltypes.String().literal_processor(postgresql.dialect())  # type: ignore[no-untyped-call]
    assert quote is not None
    return str(quote(value))


def _ident(name: str) -> str:
    return str(postgresql.dialect().identifier_preparer.quote(name))  # type: ignore[no-untyped-call]


@renderers.dispatch_for(RemoveEnumValuesOp)
def _render_remove_values(context: AutogenContext, op: RemoveEnumValuesOp) -> str:
    lines = [f"# {op.name} loses {_values(op.values)}: stop while rows still hold one (never a silent loss)"]
    for table, column, array, _default in op.columns:
        test = f"sa.cast(sa.column({column!r}), sa.Text()).in_({op.values!r})"
        if array and op.dialect == "sqlite":  # JSON text: any element among the removed values
            test = _sqlite_array_holds(table, column, op.values)
        elif array:  # any element among the removed values: the arrays overlap
            context.imports.add("from sqlalchemy.dialects import postgresql")
            test = (f"sa.cast(sa.column({column!r}), postgresql.ARRAY(sa.Text())).op('&&')"
                    f"(sa.cast(sa.literal({op.values!r}), postgresql.ARRAY(sa.Text())))")
        message = (f"{table}.{column}: %d row(s) hold a value removed from {op.name} ({', '.join(op.values)}); "
                   "change them in this revision before this step, or keep the values in the spec")
        lines += [f"held = op.get_bind().execute(sa.select(sa.func.count()).select_from(sa.table({table!r}))"
                  f".where({test})).scalar()",
                  f"if held:\n    raise RuntimeError({message!r} % held)"]
    if op.dialect != "postgresql":
        return "\n".join(lines)
    context.imports.add("from sqlalchemy.dialects import postgresql")
    old = f"{op.name}__old"
    lines.append(f"op.execute({f'ALTER TYPE {_ident(op.name)} RENAME TO {_ident(old)}'!r})")
    lines.append(f"postgresql.ENUM({_values(op.kept)}, name={op.name!r}).create(op.get_bind())")
    for table, column, array, default in op.columns:
        new_type = f"postgresql.ENUM({_values(op.kept)}, name={op.name!r}, create_type=False)"
        using = f"{_ident(column)}::text{'[]' if array else ''}::{_ident(op.name)}{'[]' if array else ''}"
        if array:
            new_type = f"postgresql.ARRAY({new_type})"
        if default is not None:
            lines.append(f"op.alter_column({table!r}, {column!r}, server_default=None)")
        lines.append(f"op.alter_column({table!r}, {column!r}, type_={new_type}, postgresql_using={using!r})")
        if default is not None:
            lines.append(f"op.alter_column({table!r}, {column!r}, server_default=sa.text({default!r}))")
    lines.append(f"postgresql.ENUM(name={old!r}).drop(op.get_bind())")
    return "\n".join(lines)


def _sqlite_array_holds(table: str, column: str, values: list[str]) -> str:
    """The rendered condition: the row's JSON array (SQLite) holds one of `values` (bound as JSON)."""
    items = f"json_each({_sqlite_ident(table)}.{_sqlite_ident(column)})"
    condition = f"EXISTS (SELECT 1 FROM {items} AS item WHERE item.value IN (SELECT value FROM json_each(:values)))"
    return f"sa.text({condition!r}).bindparams(values={json.dumps(values)!r})"


def _sqlite_ident(name: str) -> str:
    return '"' + name.replace('"', '""') + '"'


def sqlite_array_rename(table: str, column: str, old: str, new: str) -> Any:
    """SQLite: the UPDATE that renames `old` to `new` inside each row's JSON array, order kept."""
    from sqlalchemy import text

    target = f"{_sqlite_ident(table)}.{_sqlite_ident(column)}"
    return text(
        f"UPDATE {_sqlite_ident(table)} SET {_sqlite_ident(column)} = (SELECT json_group_array(CASE WHEN item.value "
        f"= :old AND item.type = 'text' THEN :new ELSE item.value END) FROM (SELECT value, type FROM json_each({target}) "
        f"ORDER BY key) AS item) WHERE EXISTS (SELECT 1 FROM json_each({target}) AS item WHERE item.value = :old "
        f"AND item.type = 'text')").bindparams(old=old, new=new)


@renderers.dispatch_for(RenameEnumValueOp)
def _render_rename_value(_context: AutogenContext, op: RenameEnumValueOp) -> str:
    if op.dialect == "postgresql":
        return f"op.execute({f'ALTER TYPE {_ident(op.name)} RENAME VALUE {_quote(op.old)} TO {_quote(op.new)}'!r})"
    lines = []
    for table, column, array in op.columns:
        if array:  # the JSON array's items (`sqlite_array_rename`, written out: a revision imports no schemagen)
            update = str(sqlite_array_rename(table, column, op.old, op.new))
            lines.append(f"op.execute(sa.text({update!r}).bindparams(old={op.old!r}, new={op.new!r}))")
        else:
            lines.append(f"op.execute(sa.table({table!r}, sa.column({column!r})).update()"
                         f".where(sa.column({column!r}) == {op.old!r}).values({{{column!r}: {op.new!r}}}))")
    return "\n".join(lines)


@contextmanager
def capture(connection: Connection) -> Iterator[None]:
    """SQLite: record the values of every enum type the replayed revisions' DDL declares."""
    found: dict[str, list[str]] = connection.info.setdefault(HISTORY, {})

    def seen(_conn: Any, element: Any, *_args: Any) -> None:
        columns = (element.element.columns if isinstance(element, CreateTable)
                   else [element.column] if isinstance(element, AddColumn) else [])
        for column in columns:
            if isinstance(column.type, Enum) and column.type.name:
                found[column.type.name] = list(column.type.enums)

    event.listen(connection, "before_execute", seen)
    try:
        yield
    finally:
        event.remove(connection, "before_execute", seen)


def held_values(connection: Connection, metadata: MetaData, renames: Renames) -> None:
    """SQLite `push` (no history): the enum values are the spec's plus any other value rows hold, so
    that a removed value still in use is caught like one removed from the history (and a value
    declared renamed whose old name rows hold is renamed)."""
    found: dict[str, list[str]] = connection.info.setdefault(HISTORY, {})
    inspector = inspect(connection)
    existing = {table: {column["name"] for column in inspector.get_columns(table)}
                for table in inspector.get_table_names()}
    for name, values in _wanted(metadata).items():
        held: list[str] = []
        for table in metadata.sorted_tables:
            # the rows are read before the push renames: under the names they have now
            held_in = table.name if table.name in existing else renames.tables.get(table.name, table.name)
            for column in table.columns:
                query: Any = None
                held_as = column.name if column.name in existing.get(held_in, ()) else \
                    renames.columns.get((table.name, column.name), column.name)
                if held_as not in existing.get(held_in, ()):  # a column this push adds: no rows hold it
                    continue
                if isinstance(column.type, Enum) and column.type.name == name:
                    query = select(literal_column(_ident(held_as))).distinct().select_from(sql_table(held_in))
                elif _array_of(column.type, name):  # JSON text: each item
                    from sqlalchemy import text

                    query = text(f"SELECT DISTINCT item.value FROM {_sqlite_ident(held_in)}, json_each("
                                 f"{_sqlite_ident(held_in)}.{_sqlite_ident(held_as)}) AS item "
                                 "WHERE item.type = 'text'")
                if query is not None:
                    held += [str(v) for v in connection.execute(query).scalars()
                             if v is not None and str(v) not in values + held]
        pending = {new for old, new in renames.enum_values.get(name, {}).items() if old in held}
        found[name] = [v for v in values if v not in pending] + sorted(held)


def history_values(connection: Connection) -> dict[str, list[str]]:
    """The enum types' values at the head of the history: PostgreSQL's, or SQLite's as captured."""
    if connection.dialect.name == "postgresql":
        return {e["name"]: list(e["labels"]) for e in inspect(connection).get_enums()}  # type: ignore[attr-defined]
    return dict(connection.info.get(HISTORY, {}))


def rename_enum_values(connection: Connection, renames: Renames, tables: set[str]
                       ) -> tuple[list[ops.MigrateOperation], list[ops.MigrateOperation]]:
    """Values declared renamed that the history still has under the old name: renamed on the
    connection's database, and the (upgrade, downgrade) operations that do it in a revision."""
    dialect = connection.dialect.name
    have = history_values(connection)
    up: list[ops.MigrateOperation] = []
    down: list[ops.MigrateOperation] = []
    for name, renamed in sorted(renames.enum_values.items()):
        # (columns the database has: a column added by this change holds no rows to rename)
        columns = [c for c in renames.enum_columns.get(name, []) if c[0] in tables
                   and c[1] in {column["name"] for column in inspect(connection).get_columns(c[0])}]
        for old, new in sorted(renamed.items()):
            if old not in have.get(name, []) or new in have.get(name, []):
                continue
            op = RenameEnumValueOp(name, old, new, columns, dialect)
            if dialect == "postgresql":
                connection.exec_driver_sql(f"ALTER TYPE {_ident(name)} RENAME VALUE {_quote(old)} TO {_quote(new)}")
            else:  # rows of the database renamed too (`push`; a scratch database has none)
                for table, column, array in columns:
                    connection.execute(sqlite_array_rename(table, column, old, new) if array else
                                       sql_table(table, sql_column(column)).update()
                                       .where(sql_column(column) == old).values({column: new}))
            up.append(op)
            down.insert(0, op.reverse())
    return up, down


def _used_by(context: AutogenContext, name: str) -> list[tuple[str, str, bool]]:
    """The (table, column, is an array) of the migrated database whose type is the enum `name`."""
    found = []
    for table in sorted(context.inspector.get_table_names()):
        for column in context.inspector.get_columns(table):
            type_ = column["type"]
            item = type_.item_type if isinstance(type_, ARRAY) else type_
            if isinstance(item, Enum) and item.name == name:
                found.append((table, column["name"], isinstance(type_, ARRAY)))
    return found


def _array_of(type_: Any, name: str) -> bool:
    """Whether a column type is an array of the enum `name` (the generated `_ArrayOf`, or ARRAY)."""
    item = getattr(type_, "item_type", None)
    return not isinstance(type_, Enum) and isinstance(item, Enum) and item.name == name


def _wanted(metadata: MetaData) -> dict[str, list[str]]:
    found: dict[str, list[str]] = {}
    for table in metadata.sorted_tables:
        for column in table.columns:
            type_ = column.type
            item = getattr(type_, "item_type", type_) if not isinstance(type_, Enum) else type_
            if isinstance(item, Enum) and item.name:
                found[item.name] = list(item.enums)
    return found


def compare_enums(context: AutogenContext, upgrade_ops: ops.UpgradeOps, _schemas: Any) -> PriorityDispatchResult:
    """Enum types and values of the twin (the spec) against the migrated database."""
    twin = context.opts.get("schemagen_twin")
    if twin is None or context.dialect is None or context.connection is None:
        return PriorityDispatchResult.CONTINUE
    if context.dialect.name == "sqlite":
        _compare_sqlite(context, upgrade_ops)
        return PriorityDispatchResult.CONTINUE
    have = history_values(context.connection)
    want: dict[str, list[str]] = twin.enums
    first: list[ops.MigrateOperation] = []
    last: list[ops.MigrateOperation] = []
    for name, values in sorted(want.items()):
        if name not in have:
            first.append(CreateEnumOp(name, values))
            continue
        added = [v for v in values if v not in have[name]]
        removed = [v for v in have[name] if v not in values]
        if removed:  # the type is made again with the spec's values (added ones too)
            columns = [(t, c, array, twin.defaults.get((t, c))) for t, c, array in _used_by(context, name)]
            first.append(RemoveEnumValuesOp(name, removed, kept=values, columns=columns))
        elif added:
            first.append(AddEnumValuesOp(name, added))
    last += [DropEnumOp(name, values) for name, values in sorted(have.items()) if name not in want]
    upgrade_ops.ops[:0] = first
    upgrade_ops.ops.extend(last)
    return PriorityDispatchResult.CONTINUE


def _compare_sqlite(context: AutogenContext, upgrade_ops: ops.UpgradeOps) -> None:
    """Changed values: the guard for removed ones, and each column's type rewritten (see the module)."""
    assert context.connection is not None and context.metadata is not None
    metadata = context.metadata if isinstance(context.metadata, MetaData) else context.metadata[0]
    have = history_values(context.connection)
    renames = context.opts.get("schemagen_renames")
    existing = set(context.inspector.get_table_names())
    first: list[ops.MigrateOperation] = []
    for name, values in sorted(_wanted(metadata).items()):
        if name not in have or have[name] == values:
            continue
        renamed = getattr(renames, "enum_values", {}).get(name, {})
        columns = [(t.name, c.name) for t in metadata.sorted_tables if t.name in existing for c in t.columns
                   if isinstance(c.type, Enum) and c.type.name == name]
        arrays = [(t.name, c.name) for t in metadata.sorted_tables if t.name in existing for c in t.columns
                  if _array_of(c.type, name)]  # JSON text on SQLite: no column type to rewrite
        removed = [v for v in have[name] if v not in values and v not in renamed]
        if removed:
            guarded: list[tuple[str, str, bool, str | None]] = [(t, c, False, None) for t, c in columns]
            guarded += [(t, c, True, None) for t, c in arrays]
            first.append(RemoveEnumValuesOp(name, removed, kept=values, columns=guarded, dialect="sqlite"))
        for table, column in columns:
            modify = next((op for op in upgrade_ops.ops if isinstance(op, ops.ModifyTableOps)
                           and op.table_name == table), None)
            if modify is None:
                modify = ops.ModifyTableOps(table, [])
                upgrade_ops.ops.append(modify)
            if any(isinstance(o, ops.AlterColumnOp) and o.column_name == column and o.modify_type is not None
                   for o in modify.ops):
                continue
            metadata_column = metadata.tables[table].c[column]
            modify.ops.append(ops.AlterColumnOp(table, column, modify_type=metadata_column.type,
                                                existing_type=Enum(*have[name], name=name),
                                                existing_nullable=metadata_column.nullable))
    upgrade_ops.ops[:0] = first


def setup_comparators(plugin: Any) -> None:
    plugin.add_autogenerate_comparator(compare_enums, "schema", priority=DispatchPriority.LAST)
