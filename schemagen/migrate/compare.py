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
from dataclasses import dataclass, field
from typing import Any, Literal

from alembic.autogenerate.api import AutogenContext
from alembic.operations import ops
from alembic.runtime.migration import MigrationContext
from alembic.runtime.plugins import Plugin
from alembic.util import PriorityDispatchResult
from sqlalchemy import CheckConstraint, Column, Connection, Enum, MetaData, Table, inspect
from sqlalchemy.dialects import postgresql
from sqlalchemy.engine import Dialect
from sqlalchemy import types as sa_types
from sqlalchemy.sql import sqltypes
from sqlalchemy.sql.naming import conv
from sqlalchemy.types import ARRAY, TypeDecorator, TypeEngine

PLUGIN = "schemagen.twin"


@dataclass
class Twin:
    """The reflection of the spec's schema: per table its columns' types and defaults, checks, indexes."""

    types: dict[tuple[str, str], str] = field(default_factory=dict)
    defaults: dict[tuple[str, str], str | None] = field(default_factory=dict)
    checks: dict[str, dict[str, str]] = field(default_factory=dict)
    predicates: dict[str, dict[str, str | None]] = field(default_factory=dict)
    enums: dict[str, list[str]] = field(default_factory=dict)


def reflect_twin(connection: Connection, metadata: MetaData) -> Twin:
    """Create `metadata` on an empty database and read back what the database made of it."""
    metadata.create_all(connection)
    return reflect(connection, [t.name for t in metadata.sorted_tables])


def reflect(connection: Connection, tables: list[str]) -> Twin:
    twin = Twin()
    inspector = inspect(connection)
    dialect = connection.dialect
    for table in tables:
        for column in inspector.get_columns(table):
            twin.types[(table, column["name"])] = type_text(column["type"], dialect)
            twin.defaults[(table, column["name"])] = column.get("default")
        twin.checks[table] = {str(c["name"]): c["sqltext"] for c in inspector.get_check_constraints(table)
                              if c.get("name")}
        twin.predicates[table] = {str(i["name"]): predicate(i) for i in inspector.get_indexes(table)}
    if dialect.name == "postgresql":
        twin.enums = {e["name"]: list(e["labels"]) for e in inspector.get_enums()}  # type: ignore[attr-defined]
    return twin


def type_text(type_: TypeEngine[Any], dialect: Dialect) -> str:
    return str(type_.compile(dialect=dialect))


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
        return wanted != type_text(inspected_type, context.dialect)

    def compare_server_default(_context: MigrationContext, inspected: Any, metadata_column: Any,
                               inspected_default: str | None, _metadata_default: Any, _rendered: Any) -> bool:
        key = (metadata_column.table.name, metadata_column.name)
        return key in twin.defaults and unwrapped(twin.defaults[key]) != unwrapped(inspected_default)

    return {"compare_type": compare_type, "compare_server_default": compare_server_default,
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
        return render_type(public_type(type_.load_dialect_impl(dialect)), context) or _plain(
            public_type(type_.load_dialect_impl(dialect)), context)
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
    return None


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

def _twin_of(context: AutogenContext) -> Twin | None:
    found = context.opts.get("schemagen_twin")
    return found if isinstance(found, Twin) else None


def compare_checks_and_predicates(context: AutogenContext, modify: ops.ModifyTableOps, schema: str | None,
                                  table: str, conn_table: Table | None,
                                  metadata_table: Table | None) -> PriorityDispatchResult:
    """CHECK constraints by name and expression; partial indexes by predicate (both as reflected)."""
    twin = _twin_of(context)
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
                CheckConstraint(have[name], name=conv(name), table=scratch)))
    for name in sorted(want):
        if have.get(name) != want[name]:
            modify.ops.append(ops.AddConstraintOp.from_constraint(
                CheckConstraint(want[name], name=conv(name), table=scratch)))
    touched = {getattr(op, "index_name", None) for op in modify.ops}
    have_where = {str(i["name"]): predicate(i) for i in inspector.get_indexes(table, schema=schema)}
    for index in sorted(metadata_table.indexes, key=lambda i: str(i.name)):
        name = str(index.name)
        if name in have_where and name not in touched and have_where[name] != twin.predicates[table].get(name):
            modify.ops.append(ops.DropIndexOp(name, table, schema=schema))
            modify.ops.append(ops.CreateIndexOp.from_index(index))
    return PriorityDispatchResult.CONTINUE


def setup(plugin: Plugin) -> None:
    """Alembic's plugin entry: this module's comparators."""
    from schemagen.migrate import enums

    plugin.add_autogenerate_comparator(compare_checks_and_predicates, "table")
    enums.setup_comparators(plugin)


def register() -> None:
    """Register the plugin once per process (Alembic keeps plugins in a global registry)."""
    try:
        Plugin.setup_plugin_from_module(sys.modules[__name__], PLUGIN)
    except ValueError:  # registered already
        pass
