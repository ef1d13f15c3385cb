"""The models' metadata as one database sees it.

A spec for PostgreSQL may be tested on SQLite: the models then carry indexes and CHECKs made for
one database only (`ddl_if`, decided by the catalog: an expression index by a PostgreSQL method, a
regex CHECK, an array's item count spelled per database). `create_all` honours that, but a revision
does not: Alembic renders every constraint of a table into `op.create_table`. So autogenerate
compares against a copy holding only what this database gets (the twin database is made from the
models' own metadata, whose tables also carry their DDL listeners).

On PostgreSQL Alembic writes a revision's SQL expressions (a computed column, a CHECK, a server
default, a partial index's predicate) as the live driver's dialect compiles them, which doubles
every `%` (psycopg's placeholders): the revision would state `n %% 7`, which SQLAlchemy doubles
again when it runs. Those expressions (and, in the operations only, an expression index's parts)
are handed to Alembic as `Verbatim` text, compiled as written.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from alembic.operations import ops
from sqlalchemy import CheckConstraint, Column, Computed, DefaultClause, MetaData, TextClause, text
from sqlalchemy.ext.compiler import compiles
from sqlalchemy.sql.compiler import SQLCompiler

if TYPE_CHECKING:
    from schemagen.catalog import Catalog


class Verbatim(TextClause):
    """SQL text compiled exactly as written: no `%` doubled for a driver's placeholders, no binds."""

    inherit_cache = True


@compiles(Verbatim)
def _compile_verbatim(element: Verbatim, _compiler: SQLCompiler, **_: Any) -> str:
    return element.text


def verbatim(sql: Any) -> Any:
    """SQL text holding a `%` as `Verbatim` text; anything else (a plain string default) as it is."""
    return Verbatim(sql.text) if type(sql) is TextClause and "%" in sql.text else sql


def metadata_for(metadata: MetaData, catalog: Catalog | None, dialect: str) -> MetaData:
    """`metadata` without the indexes and CHECKs the catalog makes on another database only, its
    SQL texts holding a `%` as `Verbatim` (see above)."""
    stripped = _stripped(metadata, catalog, dialect)
    if not any("%" in text for text in _texts(stripped)):
        return stripped
    copy = stripped if stripped is not metadata else _copied(metadata)
    for table in copy.tables.values():
        for column in table.columns:
            if isinstance(column.computed, Computed):
                column.computed.sqltext = verbatim(column.computed.sqltext)
            if isinstance(column.server_default, DefaultClause):
                column.server_default.arg = verbatim(column.server_default.arg)
        for constraint in table.constraints:
            if isinstance(constraint, CheckConstraint):
                constraint.sqltext = verbatim(constraint.sqltext)
        for index in table.indexes:
            for options in (index.dialect_options["postgresql"], index.dialect_options["sqlite"]):
                if options.get("where") is not None:
                    options["where"] = verbatim(options["where"])
    return copy


def verbatim_operations(operations: list[ops.MigrateOperation]) -> None:
    """The SQL texts of `operations` holding a `%` as `Verbatim`: those the database's reflection
    gave (what a downgrade makes again: a dropped table, column or CHECK, a former default). The
    models' own objects are met here only as `metadata_for`'s copy, or without a `%` (left alone)."""
    for operation in operations:
        if isinstance(operation, ops.ModifyTableOps):
            verbatim_operations(operation.ops)
        elif isinstance(operation, ops.CreateTableOp):
            for item in operation.columns:
                _verbatim_item(item)
        elif isinstance(operation, ops.AddColumnOp):
            _verbatim_item(operation.column)
        elif isinstance(operation, ops.AlterColumnOp):
            for default in (operation.modify_server_default, operation.existing_server_default):
                if isinstance(default, DefaultClause):
                    default.arg = verbatim(default.arg)
        elif isinstance(operation, ops.CreateCheckConstraintOp):
            condition = operation.condition
            operation.condition = verbatim(text(condition) if isinstance(condition, str) else condition)
        elif isinstance(operation, ops.CreateIndexOp):
            # an expression index's parts, the models' or the reflection's: Alembic compares them as the
            # dialect compiles them on both sides (`%%` each), so they are made Verbatim only here, a
            # new list (the models' index keeps its own)
            operation.columns = [_index_part(part) for part in operation.columns]
            for key in ("postgresql_where", "sqlite_where"):
                if key in operation.kw:
                    operation.kw[key] = verbatim(operation.kw[key])


def _index_part(part: Any) -> Any:
    """An index part as `verbatim` makes it; a reflected expression comes wrapped (Alembic's element
    that ties a text to its table, made again around any text when the index is built)."""
    inner = getattr(part, "text", None)
    return Verbatim(inner.text) if isinstance(inner, TextClause) and "%" in inner.text else verbatim(part)


def _verbatim_item(item: Any) -> None:
    if isinstance(item, Column):
        if isinstance(item.computed, Computed):
            item.computed.sqltext = verbatim(item.computed.sqltext)
        if isinstance(item.server_default, DefaultClause):
            item.server_default.arg = verbatim(item.server_default.arg)
    elif isinstance(item, CheckConstraint):
        item.sqltext = verbatim(item.sqltext)


def _texts(metadata: MetaData) -> list[str]:
    found: list[str] = []
    for table in metadata.tables.values():
        found += [str(getattr(c.computed.sqltext, "text", "")) for c in table.columns if isinstance(c.computed, Computed)]
        found += [str(getattr(c.server_default.arg, "text", "")) for c in table.columns
                  if isinstance(c.server_default, DefaultClause)]
        found += [str(getattr(c.sqltext, "text", "")) for c in table.constraints if isinstance(c, CheckConstraint)]
        found += [str(getattr(i.dialect_options[d].get("where"), "text", "")) for i in table.indexes
                  for d in ("postgresql", "sqlite")]
    return found


def _copied(metadata: MetaData) -> MetaData:
    copy = MetaData(naming_convention=metadata.naming_convention)
    for table in metadata.sorted_tables:
        table.to_metadata(copy)
    return copy


def _stripped(metadata: MetaData, catalog: Catalog | None, dialect: str) -> MetaData:
    if catalog is None:
        return metadata
    elsewhere = {(table.name, index.name) for table in catalog.tables for index in table.indexes
                 if index.postgresql_only and dialect != "postgresql"}
    # an array's item count is one name with one spelling per database: told apart by their SQL
    checks_elsewhere = {(table.name, check.name, check.sql) for table in catalog.tables for check in table.checks
                        if check.only_on not in (None, dialect)}
    if not elsewhere and not checks_elsewhere:
        return metadata
    copy = _copied(metadata)
    for table in copy.tables.values():
        for index in [i for i in table.indexes if (table.name, str(i.name)) in elsewhere]:
            table.indexes.discard(index)
        for check in [c for c in table.constraints
                      if isinstance(c, CheckConstraint)
                      and (table.name, str(c.name), str(c.sqltext)) in checks_elsewhere]:
            table.constraints.discard(check)
    return copy
