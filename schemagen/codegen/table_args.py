"""models.py, per table: `__table_args__` (named key, uniques, indexes, checks, comment) and the
`default: now` function elements; decided from the catalog, laid out by the models template."""

from __future__ import annotations

from schemagen.catalog import Catalog, Column, ForeignKey, Index, Table
from schemagen.codegen import ir
from schemagen.codegen.common import SQLALCHEMY, call, constant_name, item_call
from schemagen.codegen.imports import Imports
from schemagen.codegen.literals import Code, literal
from schemagen.format.style import fits


def table_args(imports: Imports, table: Table, catalog: Catalog) -> tuple[Code, ...]:
    """`__table_args__`: the named key, composite foreign keys, uniques, indexes, checks and the table's comment."""
    sql = {c.key: literal(column_ref(table, c)) for c in table.columns}
    sa = imports
    args: list[Code] = []
    if table.primary_key_given_name is not None:
        args.append(item_call(sa.name(SQLALCHEMY, "PrimaryKeyConstraint"), *(sql[c.key] for c in table.primary_key),
                         name=literal(table.primary_key_given_name), indent=8))
    for fk in table.foreign_keys:
        if len(fk.columns) > 1:  # one column's foreign key is the column's own `ForeignKey`
            args.append(foreign_key_item(imports, table, fk, catalog))
    for column in table.columns:
        if not column.named_in_table_args:
            continue
        if column.unique_name is not None:
            args.append(item_call(sa.name(SQLALCHEMY, "UniqueConstraint"), sql[column.key],
                                  name=literal(column.unique_name), indent=8))
        if column.index_name is not None:
            args.append(item_call(sa.name(SQLALCHEMY, "Index"), literal(column.index_name), sql[column.key],
                                  unique="True" if column.unique else None, indent=8))
    for unique in table.uniques:
        args.append(item_call(sa.name(SQLALCHEMY, "UniqueConstraint"), *(sql[c] for c in unique.columns),
                              name=literal(unique.given_name) if unique.given_name else None, indent=8))
    for index in table.indexes:
        args.append(index_item(imports, table, index))
    for check in table.checks:
        # a final name is marked so, or the convention would prefix it again
        name = call(sa.name("sqlalchemy.schema", "conv"), literal(check.name)) if check.name_is_final \
            else literal(check.given_name)
        code = item_call(sa.name(SQLALCHEMY, "CheckConstraint"), literal(check.sql), name=name, indent=8)
        if check.only_on is not None:
            code = Code(f"{code}.ddl_if(dialect={literal(check.only_on)})")
        args.append(code)
    if table.comment is not None:
        item = f"{literal('comment')}: {literal(table.comment)}"
        # too long for its line: exploded with a magic trailing comma, the layout black keeps
        args.append(Code("{" + item + "}" if fits(8, "{" + item + "},") else
                         "{\n" + " " * 12 + item + ",\n" + " " * 8 + "}"))
    return tuple(args)


def column_ref(table: Table, column: Column) -> str:
    """A column as a constraint names it: its SQL name, but a Core table's column by its key (`.c.<attr>`),
    which is how SQLAlchemy looks a constraint's column names up in `Table.c`."""
    return column.attr if table.core_name is not None else column.sql_name


def foreign_key_item(imports: Imports, table: Table, fk: ForeignKey, catalog: Catalog) -> Code:
    """A composite foreign key: `ForeignKeyConstraint([own columns], [target.columns], ...)`."""
    target = catalog.table(fk.target_table)
    own = "[" + ", ".join(literal(column_ref(table, table.column(key))) for key in fk.columns) + "]"
    referenced = "[" + ", ".join(literal(f"{target.name}.{target.column(key).sql_name}") for key in fk.target_columns) + "]"
    return item_call(imports.name(SQLALCHEMY, "ForeignKeyConstraint"), own, referenced,
                     ondelete=literal(fk.on_delete.upper()) if fk.on_delete else None,
                     onupdate=literal(fk.on_update.upper()) if fk.on_update else None,
                     name=literal(fk.given_name) if fk.given_name is not None else None,
                     use_alter="True" if fk.use_alter else None, indent=8)


def index_item(imports: Imports, table: Table, index: Index) -> Code:
    """An `Index(...)` item of `__table_args__`: plain columns by name, ordered columns and
    expressions as SQL text, operator classes and the method as PostgreSQL options."""
    sa = imports
    parts: list[str] = []
    ops: dict[str, str] = {}
    for part in index.parts:
        if part.expr is None and not part.descending:
            assert part.column is not None
            sql_name = column_ref(table, table.column(part.column))
            parts.append(literal(sql_name))
            if part.ops:
                ops[sql_name] = part.ops
            continue
        if part.expr is not None:
            target = f"({part.expr})"
        else:
            assert part.column is not None
            target = '"' + table.column(part.column).sql_name.replace('"', '""') + '"'
        target += f" {part.ops}" if part.ops else ""
        parts.append(call(sa.name(SQLALCHEMY, "text"), literal(target + (" DESC" if part.descending else ""))))
    kwargs: dict[str, str | None] = {"unique": "True" if index.unique else None}
    if index.using is not None:
        kwargs["postgresql_using"] = literal(index.using)
    if ops:
        kwargs["postgresql_ops"] = "{" + ", ".join(f"{literal(k)}: {literal(v)}" for k, v in ops.items()) + "}"
    if index.where is not None:
        clause = call(sa.name(SQLALCHEMY, "text"), literal(index.where))
        kwargs.update(postgresql_where=clause, sqlite_where=clause)
    code = item_call(sa.name(SQLALCHEMY, "Index"), literal(index.name), *parts, indent=8, **kwargs)
    if index.postgresql_only:  # SQLite (a test database) could not create it
        code = Code(f"{code}.ddl_if(dialect={literal('postgresql')})")
    return code


def now_function(imports: Imports, kind: str) -> ir.NowFunction:
    """The `_Now` or `_CurrentTime` function element of `default: now` on timestamp or time columns."""
    imports.name("sqlalchemy.sql.functions", "FunctionElement")
    imports.name("sqlalchemy.ext.compiler", "compiles")
    imports.name("sqlalchemy.sql.compiler", "SQLCompiler")
    imports.name("typing", "Any")
    datetime_module = imports.module("datetime")
    func = imports.name(SQLALCHEMY, "func")
    if kind == "timestamp":
        return ir.NowFunction(Code("_Now"), Code("_now"), Code(f"{datetime_module}.datetime"),
                              Code(imports.name(SQLALCHEMY, "DateTime")), Code(f"{func}.now"),
                              literal("strftime('%Y-%m-%d %H:%M:%f000', 'now')"))
    return ir.NowFunction(Code("_CurrentTime"), Code("_current_time"), Code(f"{datetime_module}.time"),
                          Code(imports.name(SQLALCHEMY, "Time")), Code(f"{func}.current_time"),
                          literal("strftime('%H:%M:%f000', 'now')"))


def next_number(imports: Imports, table: Table, column: Column) -> ir.Field:
    """The module constant a numbered column outside the key takes as `default=`: `DEFAULT` on
    PostgreSQL (its identity numbers it), the largest value plus one on SQLite, which numbers only
    its INTEGER PRIMARY KEY (a PostgreSQL schema's test database)."""
    for module_name, name in (("sqlalchemy.sql.functions", "FunctionElement"), ("sqlalchemy.ext.compiler", "compiles"),
                              ("sqlalchemy.sql.compiler", "SQLCompiler"), ("typing", "Any"), (SQLALCHEMY, "BigInteger")):
        imports.name(module_name, name)

    def quoted(name: str) -> str:
        return '"' + name.replace('"', '""') + '"'

    query = f"(SELECT coalesce(max({quoted(column.sql_name)}), 0) + 1 FROM {quoted(table.name)})"
    name = constant_name(f"{table.name} {column.sql_name}") + "_NEXT"
    return ir.Field(Code(name), Code(""), Code(call("_NextNumber", call(imports.name(SQLALCHEMY, "text"), literal(query)))))
