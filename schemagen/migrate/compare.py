"""What autogenerate compares, normalised by the database itself, and how types are rendered.

The "twin": an empty scratch database where `metadata.create_all` ran. Its reflection is what the
spec looks like to the database, in the database's own spelling (`(price >= 0)`, `'draft'::text`,
`INTEGER[]`), so comparing it with the reflection of the migrated database compares like with
like. Alembic alone compares server defaults and types only approximately, CHECK constraints and
partial-index predicates by name only, and PostgreSQL enum values not at all.
"""

from __future__ import annotations

import re
import sys
import warnings
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from typing import Any, Literal

from alembic.autogenerate.api import AutogenContext
from alembic.operations import ops
from alembic.runtime.migration import MigrationContext
from alembic.runtime.plugins import Plugin
from alembic.util import DispatchPriority, PriorityDispatchResult
from sqlalchemy import (CheckConstraint, Column, Computed, Connection, DefaultClause, Enum, Identity, Index,
                        MetaData, Table, inspect, text)
from sqlalchemy.dialects import postgresql
from sqlalchemy.engine import Dialect
from sqlalchemy.exc import SAWarning
from sqlalchemy import types as sa_types
from sqlalchemy.sql import sqltypes
from sqlalchemy.sql.naming import conv
from sqlalchemy.types import ARRAY, TypeDecorator, TypeEngine, UserDefinedType

from schemagen.migrate.dialects import verbatim

PLUGIN = "schemagen.twin"


@dataclass
class Twin:
    """The reflection of the spec's schema: per table its columns' types and defaults, checks, indexes."""

    types: dict[tuple[str, str], str] = field(default_factory=dict)
    defaults: dict[tuple[str, str], str | None] = field(default_factory=dict)
    checks: dict[str, dict[str, str]] = field(default_factory=dict)
    predicates: dict[str, dict[str, str | None]] = field(default_factory=dict)
    enums: dict[str, list[str]] = field(default_factory=dict)
    index_sql: dict[str, dict[str, str]] = field(default_factory=dict)
    generated: dict[tuple[str, str], tuple[str, bool]] = field(default_factory=dict)


def reflect_twin(connection: Connection, metadata: MetaData) -> Twin:
    """Create `metadata` on an empty database and read back what the database made of it."""
    metadata.create_all(connection)
    return reflect(connection, [t.name for t in metadata.sorted_tables])


def reflect(connection: Connection, tables: list[str]) -> Twin:
    from schemagen.migrate.generated import expressions

    twin = Twin()
    inspector = inspect(connection)
    dialect = connection.dialect
    for table in tables:
        for column in inspector.get_columns(table):
            twin.types[(table, column["name"])] = reflected_type_text(connection, table, column["name"], column["type"])
            twin.defaults[(table, column["name"])] = column.get("default")
        twin.checks[table] = {str(c["name"]): c["sqltext"] for c in inspector.get_check_constraints(table)
                              if c.get("name")}
        twin.predicates[table] = {str(i["name"]): predicate(i) for i in inspector.get_indexes(table)}
        twin.index_sql[table] = index_sql(connection, table)
        twin.generated.update({(table, name): found for name, found in expressions(connection, table).items()})
    if dialect.name == "postgresql":
        twin.enums = {e["name"]: list(e["labels"]) for e in inspector.get_enums()}  # type: ignore[attr-defined]
    return twin


def index_sql(connection: Connection, table: str) -> dict[str, str]:
    """SQLite: each index of `table` by its CREATE INDEX text (see `compare_sqlite_expression_indexes`)."""
    if connection.dialect.name != "sqlite":
        return {}
    rows = connection.exec_driver_sql("SELECT name, sql FROM sqlite_master WHERE type = 'index' AND tbl_name = ? "
                                      "AND sql IS NOT NULL", (table,))
    # Alembic renders a DESC column as the text `"created_at" DESC`, create_all as `created_at DESC`:
    # the same index to SQLite, whose identifiers ignore case
    return {str(name): re.sub(r'"([A-Za-z_][A-Za-z0-9_]*)"', r"\1", " ".join(str(sql).split())) for name, sql in rows}


@contextmanager
def quiet() -> Iterator[None]:
    """Silence the warnings about what this module compares itself: SQLite's expression indexes
    (`compare_sqlite_expression_indexes`) and types SQLAlchemy does not know (`reflected_type_text`)."""
    with warnings.catch_warnings():
        warnings.filterwarnings("ignore", "Skipped unsupported reflection of expression-based index", SAWarning)
        warnings.filterwarnings("ignore", "autogenerate skipping metadata-specified expression-based index")
        # a type SQLAlchemy has no class for is compared by its PostgreSQL spelling (`reflected_type_text`)
        warnings.filterwarnings("ignore", "Did not recognize type", SAWarning)
        yield


def type_text(type_: TypeEngine[Any], dialect: Dialect) -> str:
    return str(type_.compile(dialect=dialect))


def reflected_type_text(connection: Connection, table: str, column: str, type_: TypeEngine[Any]) -> str:
    """A reflected column's type as text. SQLAlchemy reflects a PostgreSQL type it has no class for
    (`public.citext` outside the search path, an extension's `vector(3)`) as NullType, which has no
    DDL: such a column is compared by the type as PostgreSQL prints it."""
    if not isinstance(type_, sqltypes.NullType) or connection.dialect.name != "postgresql":
        return type_text(type_, connection.dialect)
    spelled = connection.exec_driver_sql(
        "SELECT format_type(a.atttypid, a.atttypmod) FROM pg_attribute a "
        "WHERE a.attrelid = to_regclass(quote_ident(current_schema()) || '.' || quote_ident(%(table)s)) "
        "AND a.attname = %(column)s AND NOT a.attisdropped", {"table": table, "column": column}).scalar()
    return str(spelled)


def qualified_type_text(connection: Connection, table: str, column: str) -> str | None:
    """PostgreSQL: a column's type as PostgreSQL prints it where the type's schema is off the search
    path (`public.citext`, as the twin's scratch schema sees a type the spec names with its schema):
    on the database, whose search path has that schema, it reads `citext`, and SQLAlchemy reflects
    it as CITEXT, which a twin's `public.citext` is not. None elsewhere."""
    if connection.dialect.name != "postgresql":
        return None
    spelled = connection.exec_driver_sql(
        "SELECT CASE WHEN pg_type_is_visible(t.oid) AND t.typnamespace <> 'pg_catalog'::regnamespace "
        "THEN quote_ident(n.nspname) || '.' || format_type(a.atttypid, a.atttypmod) "
        "ELSE format_type(a.atttypid, a.atttypmod) END "
        "FROM pg_attribute a JOIN pg_type t ON t.oid = a.atttypid JOIN pg_namespace n ON n.oid = t.typnamespace "
        "WHERE a.attrelid = to_regclass(quote_ident(current_schema()) || '.' || quote_ident(%(table)s)) "
        "AND a.attname = %(column)s AND NOT a.attisdropped", {"table": table, "column": column}).scalar()
    return None if spelled is None else str(spelled)


def predicate(index: Any) -> str | None:
    options = index.get("dialect_options", {})
    where = options.get("postgresql_where", options.get("sqlite_where"))
    return None if where is None else str(getattr(where, "text", where))


def options(twin: Twin) -> dict[str, Any]:
    """`context.configure` arguments that compare through the twin and render database types."""

    def compare_type(context: MigrationContext, inspected: Any, metadata_column: Any, inspected_type: Any,
                     _metadata_type: Any) -> bool | None:
        wanted = twin.types.get((metadata_column.table.name, metadata_column.name))
        if wanted is None:
            return None
        assert context.connection is not None  # autogenerate compares against a database
        table, column = metadata_column.table.name, metadata_column.name
        return (wanted != reflected_type_text(context.connection, table, column, inspected_type)
                and wanted != qualified_type_text(context.connection, table, column))

    # server defaults are compared by this module's plugin (`compare_server_default` below): True
    # only lets Alembic's own comparators of identity and computed columns run
    return {"compare_type": compare_type, "compare_server_default": True,
            "render_item": render_item, "autogenerate_plugins": ["alembic.autogenerate.*", PLUGIN],
            "schemagen_twin": twin}


def unwrapped(sql: str | None) -> str | None:
    """An expression without parentheses around all of it: Alembic renders SQLite's function defaults
    as `(CURRENT_TIMESTAMP)`, which SQLite keeps as written, where create_all wrote `CURRENT_TIMESTAMP`."""
    while sql is not None and sql.startswith("(") and sql.endswith(")") and _closes_at_end(sql):
        sql = sql[1:-1].strip()
    return sql


def _closes_at_end(sql: str) -> bool:
    depth, quote = 0, ""
    for position, char in enumerate(sql):
        if quote:
            quote = "" if char == quote else quote
        elif char in "'\"":
            quote = char
        elif char == "(":
            depth += 1
        elif char == ")":
            depth -= 1
            if depth == 0 and position != len(sql) - 1:
                return False
    return depth == 0


# Rendering: the generated TypeDecorators become the types the database has -------------------------

def public_type(type_: TypeEngine[Any]) -> TypeEngine[Any]:
    """A dialect's private implementation class (`_PGJSON`) as its public SQLAlchemy type."""
    for cls in type(type_).__mro__:
        if cls.__name__.startswith("_"):
            continue
        if getattr(postgresql, cls.__name__, None) is cls or getattr(sqltypes, cls.__name__, None) is cls:
            return type_ if cls is type(type_) else type_.adapt(cls)
    return type_


def render_type(type_: TypeEngine[Any], context: AutogenContext) -> str | None:
    """Source for a type, importing only sqlalchemy and its dialects; None: Alembic's own rendering."""
    dialect = context.dialect
    assert dialect is not None
    if isinstance(type_, TypeDecorator) and not type(type_).__module__.startswith("sqlalchemy."):
        # a `.with_variant(..., dialect)` (a timestamp's precision) is the type this database gets; SQLAlchemy
        # has no public accessor for it (Alembic's renderer reads the same mapping), and dialect_impl()
        # returns the driver's class, which drops the precision
        variant = getattr(type_, "_variant_mapping", {}).get(dialect.name)
        inner = public_type(variant if variant is not None else type_.load_dialect_impl(dialect))
        return render_type(inner, context) or _plain(inner, context)
    if isinstance(type_, Enum):
        values = ", ".join(repr(v) for v in type_.enums)
        if dialect.name == "postgresql":
            context.imports.add("from sqlalchemy.dialects import postgresql")
            return f"postgresql.ENUM({values}, name={type_.name!r}, create_type=False)"
        return f"sa.Enum({values}, name={type_.name!r})"
    if isinstance(type_, ARRAY):
        context.imports.add("from sqlalchemy.dialects import postgresql")
        item = render_type(type_.item_type, context) or _plain(type_.item_type, context)
        return f"postgresql.ARRAY({item})"
    if isinstance(type_, UserDefinedType) and hasattr(type_, "get_col_spec"):
        # a pass-through type of a PostgreSQL spec has the type SQLite stores it as (`Text()` for
        # `citext`): a revision for SQLite says that type, as Alembic would name the generated class
        # through the package's module, which the revision does not import
        variant = getattr(type_, "_variant_mapping", {}).get(dialect.name)
        if variant is not None:
            return render_type(variant, context) or _plain(public_type(variant), context)
        # a pass-through type (`type: {sql: macaddr}`): the dialect's own class for that name
        known = getattr(dialect, "ischema_names", {}).get(str(type_.get_col_spec()).lower())
        if known is not None:
            return render_type(known(), context) or _plain(public_type(known()), context)
        qualified = _QUALIFIED_TYPE.fullmatch(str(type_.get_col_spec()))
        if qualified is not None and dialect.name == "postgresql":
            # an extension's type named with its schema (`public.citext`, as pull writes it): SQLAlchemy's
            # DOMAIN is the one public class that prints a schema-qualified type name as it is;
            # create_type=False, so it only names the type in the column's DDL
            context.imports.add("from sqlalchemy.dialects import postgresql")
            return (f"postgresql.DOMAIN({qualified.group(2)!r}, sa.Text(), schema={qualified.group(1)!r}, "
                    f"create_type=False)")
        if dialect.name == "postgresql":
            # a name SQLAlchemy does not know (`pg_lsn`, `vector(1536)`, `time(0) with time zone`): DOMAIN
            # again, with quote=False so that it prints the type exactly as the spec writes it;
            # Alembic alone would name the generated class through the package, which the revision
            # does not import
            context.imports.add("from sqlalchemy.dialects import postgresql")
            return f"postgresql.DOMAIN({str(type_.get_col_spec())!r}, sa.Text(), create_type=False, quote=False)"
    return None


_QUALIFIED_TYPE = re.compile(r"([a-z_][a-z0-9_]*)\.([a-z_][a-z0-9_]*)")


def _plain(type_: TypeEngine[Any], context: AutogenContext) -> str:
    """SQLAlchemy's repr of a type, each class named through `sa.` or `postgresql.`."""
    outer = type(type_)

    def prefixed(match: re.Match[str]) -> str:
        name = match.group(1)
        generic = getattr(sa_types, name, None)
        if generic is not None and (match.start() > 0 or generic is outer):
            return f"sa.{name}("
        context.imports.add("from sqlalchemy.dialects import postgresql")
        return f"postgresql.{name}("

    return re.sub(r"(?<![\w.'\"])([A-Z][A-Za-z0-9_]*)\(", prefixed, repr(type_))


def render_item(kind: str, obj: Any, context: AutogenContext) -> str | Literal[False]:
    if kind == "type" and isinstance(obj, TypeEngine):
        return render_type(obj, context) or False
    return False


# Comparisons Alembic does not make --------------------------------------------------------------

def twin_of(context: AutogenContext) -> Twin | None:
    found = context.opts.get("schemagen_twin")
    return found if isinstance(found, Twin) else None


def compare_checks_and_predicates(context: AutogenContext, modify: ops.ModifyTableOps, schema: str | None,
                                  table: str, conn_table: Table | None,
                                  metadata_table: Table | None) -> PriorityDispatchResult:
    """CHECK constraints by name and expression; partial indexes by predicate (both as reflected)."""
    twin = twin_of(context)
    if twin is None or conn_table is None or metadata_table is None or table not in twin.checks:
        return PriorityDispatchResult.CONTINUE
    inspector = context.inspector
    have = {str(c["name"]): c["sqltext"] for c in inspector.get_check_constraints(table, schema=schema)
            if c.get("name")}
    want = twin.checks[table]
    # the constraints go on a throwaway table: the models' metadata is never changed
    scratch = Table(table, MetaData(), *(Column(c.name, c.type) for c in metadata_table.columns), schema=schema)
    for name in sorted(have):
        if want.get(name) != have[name]:
            modify.ops.append(ops.DropConstraintOp.from_constraint(
                CheckConstraint(verbatim(text(have[name])), name=conv(name), table=scratch)))
    # created from the spec's own text: the text the database prints (PostgreSQL's casts) can print
    # with other casts once stored again, and the database would never match the spec
    written = {str(c.name): str(getattr(c.sqltext, "text", c.sqltext)) for c in metadata_table.constraints
               if isinstance(c, CheckConstraint) and c.name is not None}
    for name in sorted(want):
        if have.get(name) != want[name]:
            modify.ops.append(ops.AddConstraintOp.from_constraint(
                CheckConstraint(verbatim(text(written.get(name, want[name]))), name=conv(name), table=scratch)))
    touched = {getattr(op, "index_name", None) for op in modify.ops}
    reflected = {str(i["name"]): i for i in inspector.get_indexes(table, schema=schema)}
    for index in sorted(metadata_table.indexes, key=lambda i: str(i.name)):
        name = str(index.name)
        if name in reflected and name not in touched \
                and predicate(reflected[name]) != twin.predicates[table].get(name):
            # dropped as it is, so that the downgrade creates it again as it was
            modify.ops.append(ops.DropIndexOp.from_index(_index_as_reflected(reflected[name], conn_table, schema)))
            modify.ops.append(ops.CreateIndexOp.from_index(index))
    return PriorityDispatchResult.CONTINUE


def compare_server_default(context: AutogenContext, alter: ops.AlterColumnOp, _schema: str | None, table: str,
                           column: str, conn_column: Column[Any], metadata_column: Column[Any]
                           ) -> PriorityDispatchResult:
    """A plain server default (`DEFAULT expr`) against the twin's, both as the database spells them.

    Identity and computed columns are Alembic's (its own comparators read their options): a
    callable `compare_server_default` option would run before those and fail on them, reading
    `.arg` of an `Identity` (alembic#775), so this comparison is a plugin that leaves them alone."""
    twin = twin_of(context)
    have, want = conn_column.server_default, metadata_column.server_default
    if twin is None or (have is None and want is None):  # (Alembic's reflection hides a serial's nextval())
        return PriorityDispatchResult.CONTINUE
    if isinstance(want, Identity) and not (context.dialect is not None and context.dialect.supports_identity_columns):
        return PriorityDispatchResult.STOP  # SQLite keeps no identity (a key numbers itself): nothing to compare
    if any(isinstance(d, Computed) for d in (have, want)):
        return PriorityDispatchResult.STOP  # compared by `generated.compare_generated_columns`
    if not all(d is None or isinstance(d, DefaultClause) for d in (have, want)):
        return PriorityDispatchResult.CONTINUE
    key = (table, column)
    inspected = None if not isinstance(have, DefaultClause) else str(getattr(have.arg, "text", have.arg))
    if key in twin.defaults and unwrapped(twin.defaults[key]) != unwrapped(inspected):
        alter.modify_server_default = want
    return PriorityDispatchResult.STOP  # decided: Alembic's approximate textual comparison would differ


def compare_sqlite_expression_indexes(context: AutogenContext, modify: ops.ModifyTableOps, schema: str | None,
                                      table: str, conn_table: Table | None,
                                      metadata_table: Table | None) -> PriorityDispatchResult:
    """SQLite's expression indexes (a function, a DESC column) by their CREATE INDEX text: SQLite's
    reflection skips them and Alembic leaves out the ones of the models, new tables' too."""
    twin = twin_of(context)
    if twin is None or metadata_table is None or context.connection is None or table not in twin.index_sql:
        return PriorityDispatchResult.CONTINUE
    reflected: set[str] = set()
    have: dict[str, str] = {}
    if conn_table is not None:
        reflected = {str(i["name"]) for i in context.inspector.get_indexes(table, schema=schema)}
        have = index_sql(context.connection, table)
    want = twin.index_sql[table]
    expressions = {str(i.name) for i in metadata_table.indexes if not all(isinstance(e, Column) for e in i.expressions)}
    ordered = {name for name, sql in have.items() if re.search(r"\bDESC\b", sql, re.I)}  # reflected as if ASC
    decided = expressions | ordered | (set(have) - reflected)
    # Alembic compares a reflected DESC index as if plain (SQLite's reflection loses the order): the text decides
    modify.ops[:] = [op for op in modify.ops if not (isinstance(op, (ops.CreateIndexOp, ops.DropIndexOp))
                                                     and op.index_name in decided)]
    for name in sorted(decided):
        if have.get(name) == want.get(name):
            continue
        if name in have:  # from the index as it is, so that the downgrade can create it again
            modify.ops.append(ops.DropIndexOp.from_index(_index_from_sql(name, table, have[name], metadata_table)))
        modify.ops += [ops.CreateIndexOp.from_index(i) for i in metadata_table.indexes if i.name == name]
    return PriorityDispatchResult.CONTINUE


def _index_from_sql(name: str, table: str, sql: str, metadata_table: Table) -> Index:
    """An index SQLite holds as `CREATE [UNIQUE] INDEX name ON table (parts) [WHERE predicate]`."""
    opening = sql.index("(", sql.index(" ON "))
    depth, end = 0, opening
    for end in range(opening, len(sql)):
        depth += {"(": 1, ")": -1}.get(sql[end], 0)
        if depth == 0:
            break
    where = sql[end + 1:].strip()
    predicate: dict[str, Any] = {"sqlite_where": text(where[len("WHERE "):])} if where.upper().startswith(
        "WHERE ") else {}
    index = Index(name, text(sql[opening + 1:end]), unique=sql.upper().startswith("CREATE UNIQUE"), **predicate)
    Table(table, MetaData(), *(Column(c.name, c.type) for c in metadata_table.columns), index)
    return index


def _index_as_reflected(reflected: Any, conn_table: Table, schema: str | None) -> Index:
    """The database's index (columns, uniqueness, predicate) on a throwaway copy of its table."""
    current = Table(conn_table.name, MetaData(), *(Column(c.name, c.type) for c in conn_table.columns), schema=schema)
    where = predicate(reflected)
    clause = text(where) if where is not None else None
    return Index(str(reflected["name"]), *(current.c[c] for c in reflected["column_names"] if c is not None),
                 unique=bool(reflected.get("unique")), postgresql_where=clause, sqlite_where=clause)


def setup(plugin: Plugin) -> None:
    """Alembic's plugin entry: this module's comparators."""
    from schemagen.migrate import enums, generated

    plugin.add_autogenerate_comparator(compare_checks_and_predicates, "table")
    plugin.add_autogenerate_comparator(generated.compare_generated_columns, "table")
    plugin.add_autogenerate_comparator(compare_sqlite_expression_indexes, "table", qualifier="sqlite",
                                       priority=DispatchPriority.LAST)  # after Alembic's index comparison
    plugin.add_autogenerate_comparator(compare_server_default, "column", "server_default",
                                       priority=DispatchPriority.FIRST)
    enums.setup_comparators(plugin)


def register() -> None:
    """Register the plugin once per process (Alembic keeps plugins in a global registry)."""
    try:
        Plugin.setup_plugin_from_module(sys.modules[__name__], PLUGIN)
    except ValueError:  # registered already
        pass
