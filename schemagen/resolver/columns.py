"""Tables and their columns: SQL and Python names, primary keys, types and their options, rules."""

from __future__ import annotations

import unicodedata

from schemagen import names
from schemagen.catalog.kinds import (
    AUTO_NUMBERED,
    FOREIGN_KEY_ACTIONS,
    INTEGER,
    JSON,
    KINDS,
    NUMBERS,
    TEMPORAL,
    TEXT,
    kinds_of,
)
from schemagen.errors import SpecPath, did_you_mean, one_of
from schemagen.resolver.context import Context, ResolvedColumn, ResolvedTable, kind_of
from schemagen.resolver.defaults import column_default
from schemagen.resolver.shapes import BUILTINS, parse_type

_FK_ACTIONS = set(FOREIGN_KEY_ACTIONS)
_JSON = kinds_of(JSON)
_TEXT = kinds_of(TEXT)
_TEMPORAL = kinds_of(TEMPORAL)
_RULES = ("min_length", "max_length", "pattern", "ge", "gt", "le", "lt")


def tables(ctx: Context) -> None:
    classes: dict[str, str] = {}
    sql_tables: dict[str, str] = {}
    for table_name, table in ctx.spec.tables.items():
        path: SpecPath = ("tables", table_name)
        problem = names.sql_name_problem(table_name)
        if problem:
            ctx.fail(path, f"`{table_name}` is not a usable SQL table name: {problem}", key=True)
            continue
        class_name = table.model or names.class_name(table_name)
        cpath = (*path, "model") if table.model else path
        if not ctx.class_name_ok(class_name, cpath, "model class name", key=not table.model):
            if not table.model:
                ctx.errors[-1] = ctx.error(
                    path, f"table `{table_name}` gives no valid class name (`{class_name}`)",
                    "set `model: ClassName` on the table", key=True)
            continue
        if class_name in classes:
            ctx.fail(cpath, f"tables `{classes[class_name]}` and `{table_name}` both map to the class "
                     f"`{class_name}`", "set `model:` on one of them", key=True)
            continue
        if table_name.lower() in sql_tables:
            ctx.fail(path, f"tables `{sql_tables[table_name.lower()]}` and `{table_name}` differ only in case",
                     key=True)
        sql_tables[table_name.lower()] = table_name
        if table_name.lower().startswith("sqlite_"):
            ctx.fail(path, f"table name `{table_name}` starts with `sqlite_`, which SQLite keeps for itself",
                     "rename the table", key=True)
        classes[class_name] = table_name
        ctx.claim(class_name, path, f"table `{table_name}` maps to the class",
                    f"the model class of table `{table_name}`")
        for suffix in ("Insert", "Select", "Update"):
            ctx.claim(f"{class_name}{suffix}", path, f"the {suffix} schema of table `{table_name}` is",
                        f"the {suffix} schema of table `{table_name}`")
        for suffix in ("Load", "LoadMany", "LoadOne"):
            ctx.claim(f"{class_name}{suffix}", path, f"the {suffix} spec of table `{table_name}` is",
                        f"the {suffix} spec of table `{table_name}`")
        resolved = ResolvedTable(table_name, class_name, table, path)
        ctx.tables[table_name] = resolved
        resolve_columns(ctx, resolved)


def resolve_columns(ctx: Context, table: ResolvedTable) -> None:
    """One table's columns resolved into `table` (their names, types and checks; a spec error for each problem)."""
    sql_names: dict[str, str] = {}
    attrs: dict[str, str] = {}
    pk_keys = set(table.spec.primary_key or ())
    # more than one key column: SQLite numbers none of them (SQLAlchemy refuses its DDL for a serial one)
    composite_key = len(pk_keys | {key for key, c in table.spec.columns.items() if c.primary_key}) > 1
    for index, key in enumerate(table.spec.primary_key or ()):
        if key not in table.spec.columns:
            ctx.fail((*table.path, "primary_key", index), f"primary key column `{key}` is not a column of "
                     f"`{table.name}`{did_you_mean(key, table.spec.columns)}",
                     f"columns of `{table.name}`: {one_of(table.spec.columns)}")
    if table.spec.primary_key and any(c.primary_key for c in table.spec.columns.values()):
        ctx.fail((*table.path, "primary_key"), "give the primary key either as `primary_key: [...]` on the "
                 "table or as `primary_key: true` on columns, not both")
    for key, spec in table.spec.columns.items():
        path = (*table.path, "columns", key)
        if not ctx.field_name_ok(key, path, "column"):
            continue
        attr = names.attribute_name(unicodedata.normalize("NFKC", key))
        sql_name = spec.column if spec.column is not None else key
        problem = names.sql_name_problem(sql_name)
        if problem:
            ctx.fail((*path, "column") if spec.column is not None else path,
                     f"`{sql_name}` is not a usable SQL column name: {problem}", key=spec.column is None)
            continue
        if sql_name.lower() in sql_names:
            other = sql_names[sql_name.lower()]
            other_sql = table.spec.columns[other].column or other
            if other_sql == sql_name:
                ctx.fail(path, f"columns `{other}` and `{key}` of table `{table.name}` both use the SQL name "
                         f"`{sql_name}`", "set `column:` on one of them", key=True)
            else:
                ctx.fail(path, f"columns `{other}` and `{key}` of table `{table.name}` have SQL names that "
                         "differ only in case", "SQLite and unquoted SQL treat them as one name; rename one "
                         "of them or set `column:`", key=True)
        sql_names[sql_name.lower()] = key
        if attr in attrs:
            nfkc = " (Python reads identifiers in NFKC form)" if attr != names.attribute_name(key) else ""
            ctx.fail(path, f"columns `{attrs[attr]}` and `{key}` both become the attribute `{attr}`{nfkc}",
                     "rename one of them (set `column:` to keep its SQL name)", key=True)
        attrs[attr] = key
        column = ResolvedColumn(key, attr, sql_name, spec, path, table.name)
        column.primary_key = spec.primary_key or key in pk_keys
        numbered = spec.identity is not None or spec.type in AUTO_NUMBERED  # never null
        column.nullable = not (column.primary_key or numbered) if spec.nullable is None else spec.nullable
        if numbered and not column.primary_key and spec.nullable:
            ctx.fail((*path, "nullable"), "a column the database numbers is never null", "remove `nullable: true`")
        if column.primary_key and spec.nullable:
            ctx.fail((*path, "nullable"), "a primary key column cannot be nullable")
        _column_type(ctx, column, composite_key)
        column_default(ctx, column)
        table.columns[key] = column
    # Decided from the spec, not the columns resolved so far: a key column with an error of its own
    # still declares the key, and every table without one is reported, whatever else is wrong.
    if not table.spec.primary_key and not any(c.primary_key for c in table.spec.columns.values()):
        table.mapper_key = _mapper_key(table)
        if not table.mapper_key:  # no row identity at all: a Core table (written and read by statements)
            table.core_name = names.core_table_name(table.name, table.class_name)
            ctx.claim(table.core_name, table.path, f"table `{table.name}` (no primary key) is the Core table",
                      f"the Core table of `{table.name}`")
            if table.spec.soft_delete is not None:  # here, not with the other soft_delete checks: those
                # run only once the foreign keys resolve; aside, so that theirs are reported too
                ctx.fail_aside((*table.path, "soft_delete"), f"`soft_delete` needs a mapped class, and table "
                         f"`{table.name}` has no primary key nor unique NOT NULL columns (a Core table)",
                         "give the table a primary key or a unique NOT NULL column, or leave `soft_delete` out")


def _mapper_key(table: ResolvedTable) -> list[str]:
    """A table without a primary key is mapped by the first set of columns that are NOT NULL and
    unique together, in spec order: a `unique: true` column, a unique constraint, a unique index
    over plain columns with no condition. The ORM identifies its rows by them (`session.get`)."""
    def not_null(keys: list[str]) -> bool:
        return all(key in table.columns and not table.columns[key].nullable for key in keys)

    candidates = [[key] for key, column in table.columns.items() if column.spec.unique]
    candidates += [list(unique.columns) for unique in table.spec.unique]
    candidates += [[part for part in index.columns if isinstance(part, str)] for index in table.spec.indexes
                   if index.unique and index.where is None and index.using in (None, "btree")
                   and all(isinstance(part, str) for part in index.columns)]
    return next((keys for keys in candidates if keys and not_null(keys)), [])


def _column_type(ctx: Context, column: ResolvedColumn, composite_key: bool) -> None:
    spec, path = column.spec, column.path
    kind = kind_of(spec)
    if kind in AUTO_NUMBERED:
        column.autoincrement = True
        column.server_set = True
        if not column.primary_key:
            column.identity = "by default"  # numbered by PostgreSQL as an identity column
        if ctx.spec.dialect == "sqlite" and (not column.primary_key or composite_key):
            # (a serial part of a composite key stays SERIAL on PostgreSQL: an identity there would
            # make every database created before ask for a migration PostgreSQL refuses)
            where = "in a composite primary key" if column.primary_key else "outside the key"
            ctx.fail((*path, "type"), f"SQLite numbers only its INTEGER PRIMARY KEY: an auto-numbered column "
                     f"{where} (`{kind}`) needs PostgreSQL",
                     "make it the primary key alone, or target PostgreSQL (`dialect: postgresql`)"
                     if column.primary_key else
                     "make it the primary key, or target PostgreSQL (`dialect: postgresql`)")
    if spec.identity is not None:
        if kind in AUTO_NUMBERED or KINDS[kind].family != INTEGER or spec.array:
            ctx.fail((*path, "identity"), f"`identity` applies to smallint, integer and bigint columns, not "
                     f"`{kind}{'[]' if spec.array else ''}`",
                     f"`{kind}` is numbered already" if kind in AUTO_NUMBERED else
                     "an identity column holds whole numbers: use `integer` or `bigint`")
        elif ctx.spec.dialect == "sqlite":
            ctx.fail((*path, "identity"), "SQLite has no identity columns (it numbers only its INTEGER PRIMARY "
                     "KEY)", "use `type: serial` on the primary key, or target PostgreSQL (`dialect: postgresql`)")
        else:
            column.identity = spec.identity
            column.server_set = True
    if spec.generated is not None:
        _generated(ctx, column, kind)
    options = KINDS[kind].options
    if spec.length is not None and "length" not in options:
        ctx.fail((*path, "length"), f"`length` applies to varchar and char, not `{kind}`")
    if kind == "char" and spec.length is None:
        ctx.fail(path, "`char` needs a `length`", "e.g. `{type: char, length: 2}`")
    if spec.precision is not None and "fraction" in options:
        if spec.precision > 6:
            ctx.fail((*path, "precision"), f"`precision` of a `{kind}` column is the number of digits of the "
                     f"seconds' fraction, 0 to 6, not {spec.precision}", "e.g. `precision: 3` for milliseconds")
    elif (spec.precision is not None or spec.scale is not None) and not {"precision", "fraction"} & options:
        ctx.fail((*path, "precision" if spec.precision is not None else "scale"),
                 f"`precision` and `scale` apply to numeric, not `{kind}`",
                 "`precision` also sets the seconds' digits of timestamp and time columns" if spec.precision
                 is not None else "")
    elif kind == "numeric" and spec.precision == 0:
        ctx.fail((*path, "precision"), f"`precision` of column `{column.key}` of table `{column.table}` must be at "
                 "least 1, not `0`",
                 "`precision` is the total number of digits, e.g. `{type: numeric, precision: 10, scale: 2}`")
    if spec.scale is not None and "fraction" in options:
        ctx.fail((*path, "scale"), f"`scale` applies to numeric, not `{kind}`",
                 "a timestamp's or time's `precision` is already the digits after the point")
    if kind == "numeric" and spec.scale is not None:
        if spec.precision is None:
            ctx.fail((*path, "scale"), "`scale` needs a `precision`")
        elif spec.scale > spec.precision:
            ctx.fail((*path, "scale"), f"scale {spec.scale} is larger than precision {spec.precision}")
    if spec.timezone and "timezone" not in options:
        ctx.fail((*path, "timezone"), f"`timezone` applies to timestamp columns, not `{kind}`",
                 "a time of day with an offset cannot be kept on SQLite; store a timestamp instead"
                 if kind == "time" else "")
    if spec.months and "months" not in options:
        ctx.fail((*path, "months"), f"`months` applies to interval columns, not `{kind}`",
                 "`{type: interval, months: true}` keeps months and years as PostgreSQL does")
    elif spec.months and "Interval" in {*ctx.spec.enums, *ctx.spec.types, *map(names.class_name, ctx.spec.tables)}:
        ctx.fail((*path, "months"), "a `months: true` column's values are the generated `Interval` class, and "
                 "`Interval` is already the name of an enum, a type or a table's class", "rename that one")
    if kind == "json" and (spec.index or spec.unique):
        ctx.fail((*path, "index" if spec.index else "unique"), "a `json` column cannot be indexed or unique "
                 "(PostgreSQL has no comparison for json)", "use `jsonb`, which can be")
    if kind == "bytes" and spec.array:
        ctx.fail((*path, "array"), "`array: true` is not supported on `bytes` columns",
                 "store one value per row in a related table")
    if spec.array and (kind in _JSON or kind in AUTO_NUMBERED):
        ctx.fail((*path, "array"), f"`array: true` is not supported on `{kind}` columns",
                 "store a list in a json column with `schema: list[...]` instead" if kind in _JSON else "")
    if spec.array and column.primary_key:
        ctx.fail((*path, "array"), "an array column cannot be a primary key")
    if kind == "enum":
        if spec.enum is None:
            ctx.fail(path, "an `enum` column needs `enum: EnumName`",
                     f"declared enums: {one_of(ctx.spec.enums)}" if ctx.spec.enums else "declare one under `enums:`")
        elif spec.enum not in ctx.spec.enums:
            ctx.fail((*path, "enum"), f"unknown enum `{spec.enum}`{did_you_mean(spec.enum, ctx.spec.enums)}",
                     f"declared enums: {one_of(ctx.spec.enums)}" if ctx.spec.enums else "declare it under `enums:`")
        else:
            column.enum = spec.enum
    elif spec.enum is not None:
        ctx.fail((*path, "enum"), f"`enum:` applies to columns of `type: enum`, not `{kind}`",
                 f"write `type: enum` to store values of `{spec.enum}`, or remove `enum:`")
    if spec.json_schema is not None:
        if "schema" not in options:
            ctx.fail((*path, "schema"), f"`schema:` applies to json and jsonb columns, not `{kind}`")
        else:
            ref = parse_type(spec.json_schema)
            if ref is None:
                ctx.fail((*path, "schema"), f"`{spec.json_schema}` is not a type expression",
                         "use a name from `types:`, `list[Name]`, `dict[str, X]` or a builtin such as `list[str]`")
            else:
                known = set(ctx.spec.types) | set(ctx.spec.enums)
                for named in ref.named():
                    if named not in known:
                        ctx.fail((*path, "schema"), f"unknown type `{named}`"
                                 f"{did_you_mean(named, known | BUILTINS)}",
                                 f"declared types: {one_of(ctx.spec.types)}" if ctx.spec.types
                                 else "declare it under `types:`")
                column.json_type = ref
    if spec.on_update == "now" and kind not in _TEMPORAL:
        ctx.fail((*path, "on_update"), f"`on_update: now` applies to date/time/timestamp columns, not `{kind}`")
    if spec.on_update in _FK_ACTIONS and spec.references is None:
        ctx.fail((*path, "on_update"), f"`on_update: {spec.on_update}` is a foreign-key action but the column "
                 "has no `references:`")
    if spec.on_delete is not None and spec.references is None:
        ctx.fail((*path, "on_delete"), "`on_delete` needs `references: table.column` on the same column")
    if spec.on_delete == "set null" and not column.nullable:
        ctx.fail((*path, "on_delete"), "`on_delete: set null` on a column that is not nullable",
                 "make the column `nullable: true` or choose another action")
    _rules(ctx, column)


def _generated(ctx: Context, column: ResolvedColumn, kind: str) -> None:
    """A generated column is the database's to compute: nothing may write it or number it."""
    spec, path = column.spec, (*column.path, "generated")
    column.server_set = True
    given = [key for key, field in (("primary_key", "primary_key"), ("default", "default"), ("identity", "identity"),
                                    ("on_update", "on_update"), ("references", "references"), ("validate", "rules"),
                                    ("array", "array"))
             if field in spec.model_fields_set and getattr(spec, field) is not None and getattr(spec, field) is not False]
    if kind in AUTO_NUMBERED:
        given.insert(0, "type")
    for key in given:
        ctx.fail((*column.path, key), f"`{key}` cannot be combined with `generated:`: the database computes the "
                 "column from the row's other columns", f"remove `{key}`, or `generated:`")
    assert spec.generated is not None
    if not spec.generated.stored and ctx.spec.dialect == "postgresql":
        ctx.fail((*path, "stored"), "PostgreSQL 15 computes generated columns on write only (`stored: true`)",
                 "remove `stored: false`, or target SQLite (`dialect: sqlite`)")


def _rules(ctx: Context, column: ResolvedColumn) -> None:
    rules = column.spec.rules
    if rules is None:
        return
    path, kind = (*column.path, "validate"), kind_of(column.spec)
    textual = kind in _TEXT
    for name in ("min_length", "max_length", "pattern", "format"):
        if getattr(rules, name) is not None and not textual and not (column.spec.array and name in (
                "min_length", "max_length")):
            ctx.fail((*path, name), f"`{name}` applies to text columns (varchar, char, text), not `{kind}`")
    for name in ("ge", "gt", "le", "lt"):
        if getattr(rules, name) is not None and kind not in NUMBERS:
            ctx.fail((*path, name), f"`{name}` applies to number columns, not `{kind}`")
    if (rules.min_length is not None and rules.max_length is not None and rules.min_length > rules.max_length):
        ctx.fail((*path, "min_length"), "`min_length` is larger than `max_length`")
    if rules.message is not None and all(getattr(rules, n) is None for n in (*_RULES, "format")):
        ctx.fail((*path, "message"), "`message` has no rule to report on", "add a rule such as `min_length`")
