"""The catalog: one spec, resolved, as plain immutable data.

`schemagen.resolver` builds it and checks every cross-reference on the way; everything after it
(the code generator, and tools such as DDL, migrations or diagrams) reads the catalog and never the
spec. Names are final here: SQL names as the database sees them, Python attribute and class names
as the generated code writes them, constraint names after the naming convention. Order is spec
order everywhere except `shapes`, which lists each shape after the shapes it uses.

Every record is a frozen dataclass. Default values are data as JSON has it (lists, mappings), so a
catalog compares by value but is not hashable; treat those values as read-only too.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import field
from functools import cached_property
from types import MappingProxyType
from typing import Any, Literal

from schemagen.catalog.kinds import KINDS, ColumnKind
from schemagen.catalog.records import record

__all__ = [
    "NAMING_CONVENTION", "Catalog", "Check", "Column", "Default", "Enum", "ForeignKey", "Index", "IndexPart", "Relation",
    "RelationKind", "Rules", "Shape", "ShapeField", "Table", "TableLookups", "TypeRef", "UniqueConstraint",
]

RelationKind = Literal["many-to-one", "one-to-one", "one-to-one-inverse", "one-to-many", "many-to-many"]
DefaultKind = Literal["literal", "now", "uuid", "sql"]

# SQLAlchemy's naming convention for the generated metadata; the final names below follow it (where
# one would pass PostgreSQL's 63 bytes, the resolver names the constraint itself: `names.constraint_name`).
NAMING_CONVENTION: Mapping[str, str] = {
    "ix": "ix_%(table_name)s_%(column_0_N_name)s",
    "uq": "uq_%(table_name)s_%(column_0_N_name)s",
    "ck": "ck_%(table_name)s_%(constraint_name)s",
    "fk": "fk_%(table_name)s_%(column_0_N_name)s_%(referred_table_name)s",
    "pk": "pk_%(table_name)s",
}


@record
class TypeRef:
    """A shape type expression: `list[X]`, `dict[str, X]`, a builtin (`str`, `any`) or a named type."""

    kind: Literal["builtin", "named", "list", "dict"]
    name: str = ""
    item: TypeRef | None = None

    def named(self) -> list[str]:
        """The enum and shape names the expression uses."""
        if self.kind == "named":
            return [self.name]
        return self.item.named() if self.item is not None else []


@record
class Rules:
    """A column's `validate:` rules; `message` replaces Pydantic's text for all of them."""

    min_length: int | None = None
    max_length: int | None = None
    pattern: str | None = None
    format: Literal["email", "url", "uuid"] | None = None
    ge: int | float | None = None
    gt: int | float | None = None
    le: int | float | None = None
    lt: int | float | None = None
    message: str | None = None


@record
class Default:
    """`literal`: `value` is the Python value (plain JSON data for json columns); `sql`: `value` is
    the SQL expression; `now`: the database's current date/time; `uuid`: a fresh uuid4 per row."""

    kind: DefaultKind
    value: Any = None
    python: Any = None
    """The value the generated Python code holds: `value`, but for json columns with decimals, dates,
    times and UUIDs of typed fields parsed (`value` stays the JSON the database gets)."""


@record
class Column:
    key: str
    """The spec's key: what Insert/Update schemas accept and `by_alias` dumps give."""
    attr: str
    """The Python attribute (`class_` for `class`)."""
    sql_name: str
    type: str
    array: bool = False
    nullable: bool = True
    primary_key: bool = False
    autoincrement: bool = False
    identity: Literal["always", "by default"] | None = None
    """Numbered by PostgreSQL as an identity column (`identity:`, or `serial` outside the key)."""
    server_set: bool = False
    """Only the database (or the ORM) writes it: numbered, generated, or `server_set: true`. Left out of
    the Insert and Update schemas, which refuse it when given. A column with a default and no such flag
    is optional on insert instead (its default applies when it is left out); one with `on_update: now`
    is left out of the Update schema only."""
    unique: bool = False
    index: bool = False
    unique_name: str | None = None
    """The name of the constraint `unique: true` makes (`uq_<table>_<column>`); none with `index: true`,
    which makes the index unique instead."""
    index_name: str | None = None
    """The name of the index `index: true` makes (`ix_<table>_<column>`)."""
    named_in_table_args: bool = False
    """`unique_name`/`index_name` are schemagen's own (the convention's would pass PostgreSQL's 63
    bytes): the model declares them by name in `__table_args__`, not with `unique=`/`index=`."""
    length: int | None = None
    precision: int | None = None
    scale: int | None = None
    timezone: bool = False
    months: bool = False
    """An interval keeping months and years: values are the generated `Interval`, not `timedelta`."""
    enum: str | None = None
    json_type: TypeRef | None = None
    default: Default | None = None
    on_update_now: bool = False
    comment: str | None = None
    rules: Rules | None = None
    immutable: bool = False
    """Left out of the Update schema: set when the row is inserted, never changed (`immutable: true`)."""
    secret: bool = False
    """Left out of the Select schema: written through Insert/Update, never read back through the API."""
    generated: str | None = None
    """`generated: {sql: ...}`: the expression the database computes the column from (server-set)."""
    generated_stored: bool = True
    sql_type: str | None = None
    """A pass-through type (`type: sql`): the SQL type as the spec writes it (`citext`)."""
    python_type: str | None = None
    """A pass-through type: the Python type of its values (`str`, `int`, ... as `SHAPE_BUILTINS` names them)."""

    @property
    def kind(self) -> ColumnKind:
        return KINDS[self.type]


@record
class ForeignKey:
    table: str
    columns: tuple[str, ...]
    """Column keys in `table`."""
    target_table: str
    target_columns: tuple[str, ...]
    on_delete: str | None = None
    on_update: str | None = None
    name: str = ""
    """The constraint name after the naming convention."""
    given_name: str | None = None
    """The name the model writes out (then `name` is the same): `foreign_key_name:` as the spec gives
    it, or schemagen's own where the convention's would pass PostgreSQL's 63 bytes."""
    use_alter: bool = False
    """Closes a cycle of foreign keys between tables: created by ALTER TABLE after the tables (and
    dropped before them), so the tables can be created and dropped in a fixed order."""


@record
class Relation:
    name: str
    attr: str
    table: str
    target: str
    kind: RelationKind
    """`one-to-one-inverse`: the one-to-one seen from the table the foreign key points at."""
    foreign_key: ForeignKey | None = None
    """The foreign key followed (not many-to-many)."""
    through: str | None = None
    link: tuple[ForeignKey, ForeignKey] | None = None
    """Many-to-many: the link table's foreign key to this table, then the one to the target."""
    through_fields: tuple[str, str] | None = None
    """Many-to-many: the link columns, when the spec names them."""
    partner: str | None = None
    """The relation on `target` that is the other side of this one (`back_populates`)."""
    overlaps: tuple[str, ...] = ()
    """Attributes of relations that write the same foreign-key columns."""
    lazy: str = "raise"
    """The loader when the query did not load the relation: raise, select, selectin or joined."""


@record
class UniqueConstraint:
    columns: tuple[str, ...]
    given_name: str | None = None
    """The name the model writes out: as the spec gives it, or schemagen's own where the convention's
    would pass PostgreSQL's 63 bytes."""
    name: str = ""
    """The name in the database: as given, else after the naming convention."""


@record
class IndexPart:
    """One part of an index: a column (its key) or an SQL expression, with its order and operator class."""

    column: str | None = None
    expr: str | None = None
    descending: bool = False
    ops: str | None = None
    """The PostgreSQL operator class (the index's own `ops:` when the part names none)."""


@record
class Index:
    columns: tuple[str, ...]
    """The keys of the columns the index names, in order (expressions left out)."""
    name: str
    unique: bool = False
    where: str | None = None
    parts: tuple[IndexPart, ...] = ()
    """Every part in order; a part that is a plain column is `IndexPart(column=key)`."""
    using: str | None = None
    """The PostgreSQL index method (`gin`, `gist`, ...); None is btree. SQLite makes a plain index."""
    postgresql_only: bool = False
    """Created on PostgreSQL only: an expression indexed by a PostgreSQL method or operator class,
    which SQLite could not create (a spec for PostgreSQL, tested on SQLite)."""


@record
class Check:
    given_name: str
    sql: str
    name: str = ""
    """The name in the database, after the naming convention (`ck_<table>_<given>`)."""
    name_is_final: bool = False
    """`name` is schemagen's own (the convention's would pass PostgreSQL's 63 bytes): the model
    writes it out marked as final, so the convention is not applied to it again."""
    only_on: Literal["postgresql", "sqlite"] | None = None
    """Created on this database only: the rule's SQL is that database's (`cardinality` for an array on
    PostgreSQL, `json_array_length` for the same array stored as JSON on SQLite, a regex on PostgreSQL)."""
    from_rule: bool = False
    """Made from a column's `validate:` rule (`validate_in_database`), not written under `checks:`."""


@record
class Table:
    name: str
    class_name: str
    columns: tuple[Column, ...]
    relations: tuple[Relation, ...] = ()
    foreign_keys: tuple[ForeignKey, ...] = ()
    uniques: tuple[UniqueConstraint, ...] = ()
    indexes: tuple[Index, ...] = ()
    checks: tuple[Check, ...] = ()
    comment: str | None = None
    soft_delete: str | None = None
    """The key of the nullable timestamp column that marks a row deleted."""
    primary_key_given_name: str | None = None
    """The key's name as the model writes it out: `primary_key_name:` as the spec gives it, or
    schemagen's own where `pk_<table>` would pass PostgreSQL's 63 bytes."""
    mapper_key: tuple[str, ...] = ()
    """A table without a primary key: the keys of the NOT NULL columns, unique together, that the ORM
    identifies its rows by (SQLAlchemy's mapper `primary_key=`); the database has no primary key."""
    core_name: str | None = None
    """A table without a primary key and no such columns: no mapped class, but a Core `Table` bound to
    this module-level name in models.py (`log_entries`), with Insert and Select schemas and no Update."""

    @cached_property
    def by_key(self) -> dict[str, Column]:
        return {column.key: column for column in self.columns}

    def column(self, key: str) -> Column:
        return self.by_key[key]

    @property
    def primary_key(self) -> tuple[Column, ...]:
        return tuple(column for column in self.columns if column.primary_key)

    @property
    def primary_key_name(self) -> str | None:
        """None for a table without a primary key (mapped by `mapper_key`)."""
        if not self.primary_key:
            return None
        return self.primary_key_given_name or f"pk_{self.name}"

    def foreign_key_of(self, column: Column) -> ForeignKey | None:
        return next((fk for fk in self.foreign_keys if fk.columns == (column.key,)), None)


@record
class Enum:
    name: str
    sql_name: str
    values: tuple[str, ...]
    members: tuple[str, ...]
    """The Python member name of each value (`in-progress` -> `IN_PROGRESS`)."""


@record
class ShapeField:
    key: str
    attr: str
    type: TypeRef
    choices: tuple[str, ...] | None = None
    """`enum:` on a `str` field: the only values allowed."""
    nullable: bool = False
    has_default: bool = False
    default: Any = None
    """The default as a Python value: decimals, dates, times and UUIDs parsed, enum values as text."""
    comment: str | None = None
    constraints: tuple[tuple[str, Any], ...] = ()
    """(`min_length`, 3), (`pattern`, ...): Pydantic constraints, in spec order."""


@record
class Shape:
    name: str
    fields: tuple[ShapeField, ...]


class TableLookups:
    """Questions about tables answered through `table()` alone, so that a view of the catalog
    that notes each table read (the render cache's) answers them the same way."""

    def table(self, name: str) -> Table:
        raise NotImplementedError

    def foreign_keys_between(self, source: str, target: str) -> list[ForeignKey]:
        return [fk for fk in self.table(source).foreign_keys if fk.target_table == target]

    def partner(self, relation: Relation) -> Relation | None:
        if relation.partner is None:
            return None
        return next(r for r in self.table(relation.target).relations if r.name == relation.partner)


@record
class Catalog(TableLookups):
    package: str
    source: str
    """The spec file's name, for the generated files' header."""
    dialect: str
    enums: tuple[Enum, ...]
    shapes: tuple[Shape, ...]
    tables: tuple[Table, ...]
    naming_convention: Mapping[str, str] = field(default_factory=lambda: MappingProxyType(NAMING_CONVENTION))
    typescript: bool = False
    """Also generate `types.ts` and `schemas.json` (the spec's `typescript: true`)."""
    erd: bool = False
    """Also generate `ERD.md` (the spec's `erd: true`)."""

    @cached_property
    def _tables(self) -> dict[str, Table]:
        return {table.name: table for table in self.tables}

    @cached_property
    def _enums(self) -> dict[str, Enum]:
        return {enum.name: enum for enum in self.enums}

    @cached_property
    def _shapes(self) -> dict[str, Shape]:
        return {shape.name: shape for shape in self.shapes}

    def table(self, name: str) -> Table:
        return self._tables[name]

    def enum(self, name: str) -> Enum | None:
        return self._enums.get(name)

    def shape(self, name: str) -> Shape | None:
        return self._shapes.get(name)
