"""The intermediate representation: everything the templates lay out, already decided.

The module builders of `schemagen.codegen` make it from the catalog; templates only place these
pieces. Every text field is `Code` (Python source made by schemagen); nothing here is a raw spec string.
"""

from __future__ import annotations

from collections.abc import Mapping

from schemagen.catalog.records import record
from schemagen.codegen.literals import Code


@record
class Module:
    """Common part of every generated module: its import blocks and the local names it binds."""

    imports: tuple[Code, ...]
    names: Mapping[str, Code]


# types.py -------------------------------------------------------------------------------------


@record
class EnumMember:
    name: Code
    value: Code


@record
class EnumClass:
    name: Code
    docstring: Code
    members: tuple[EnumMember, ...]


@record
class Field:
    """A class-body line `name: annotation = default` (default may be empty)."""

    name: Code
    annotation: Code
    default: Code | None = None
    comment: Code | None = None


@record
class ShapeClass:
    name: Code
    docstring: Code
    fields: tuple[Field, ...]


@record
class EnumsModule(Module):
    """enums.py: the enums alone, so that the models import no Pydantic (types.py re-exports them)."""

    enums: tuple[EnumClass, ...]


@record
class TypesModule(Module):
    enums: tuple[EnumClass, ...]
    exported: tuple[Code, ...]
    """`__all__`: the enums it re-exports from enums.py, and its own classes."""
    shapes: tuple[ShapeClass, ...]
    interval: bool = False
    """`Interval`, the values of `months: true` interval columns."""


# models.py ------------------------------------------------------------------------------------


@record
class SoftDelete:
    attribute: Code
    model: Code


@record
class TableEvent:
    """`event.listen(Model.__table__, event, ddl)`: DDL the table's creation or drop runs too."""

    listen: Code
    event: Code
    ddl: Code


@record
class ModelClass:
    name: Code
    docstring: Code
    table_name: Code
    table_args: tuple[Code, ...]
    table_args_line: Code | None  # `(arg,)` when a single argument fits on the line
    mapper_args: Code | None
    columns: tuple[Field, ...]
    relations: tuple[Field, ...]
    soft_delete: SoftDelete | None
    table_events: tuple[TableEvent, ...] = ()
    table_ref: Code = Code("")
    """The table in expressions: `User.__table__`, or a Core table's own name."""
    core_name: Code | None = None
    """A table without a mapped class: `core_name = Table(...)`, `columns` as its `Column(...)` items
    (in `default`), `table_args` its constraints, `core_comment` its `comment=`."""
    core_comment: Code | None = None


@record
class NowFunction:
    """`default: now` on a timestamp or time column: the database's function, and on SQLite the
    current time to the microsecond in the text form SQLAlchemy stores there."""

    name: Code
    function_prefix: Code
    python_type: Code
    sql_type: Code
    generic: Code
    sqlite: Code


@record
class AdapterFunction:
    """`name()`: the one Pydantic `TypeAdapter` of `py_type`, made when a column first checks a value
    (imports: the shapes the type names, imported then too)."""

    name: Code
    py_type: Code
    imports: tuple[Code, ...]
    declares_py_type: bool
    """The header declares `TypeAdapter[py_type]`; else `TypeAdapter[Any]`, where the header would
    not fit its line (the column type that calls it is typed by the column's annotation, not by this)."""


@record
class ModelsModule(Module):
    base_name: Code
    naming_convention: Code
    mapper_args: Code
    constants: tuple[Field, ...]
    uses_json_type: bool
    uses_jsonb_type: bool
    uses_array_type: bool
    uses_enum_values: bool
    uses_aware_datetime: bool
    uses_interval_type: bool
    uses_scaleless_numeric: bool
    fragments: tuple[Code, ...]
    """Each table's class (`ModelClass` through templates/model.py.jinja), in table order."""
    now_functions: tuple[NowFunction, ...] = ()
    column_types: tuple[Field, ...] = ()
    """Column types shared by a column and its SQL DEFAULT (an array's), defined after `constants`."""
    uses_array_defaults: bool = False
    uses_next_number: bool = False
    uses_sql_type: bool = False
    uses_ddl_text: bool = False
    class_aliases: tuple[Field, ...] = ()
    """`_Box = Box`, for relation annotations inside a class whose own attribute is named `Box`."""
    uses_interval_array: bool = False
    uses_months_interval: bool = False
    """`_MonthsIntervalOf`: `months: true` interval columns (`_MonthsIntervalArrayOf` their arrays)."""
    uses_months_array: bool = False
    network_types: tuple[Code, ...] = ()
    """The template's classes of PostgreSQL's network types the module uses (`_Inet`, `_Cidr`, `_MacAddr`)."""
    checked_reads: tuple[Code, ...] = ()
    """`_reads_checked(Memory, "context")`: the models whose typed JSON and interval columns are checked on load."""
    adapters: tuple[AdapterFunction, ...] = ()


# schemas.py -----------------------------------------------------------------------------------


@record
class SchemaClass:
    name: Code
    base: Code
    docstring: Code
    fields: tuple[Field, ...]
    not_null: tuple[Code, ...] = ()
    not_null_set: Code = Code("{}")
    """`{"a", "b"}`, or exploded one name per line when too long for `_not_null = frozenset(...)`."""
    fixed: tuple[Code, ...] = ()
    """Update schemas: the keys of the columns an update may not change (primary key, `immutable`)."""
    fixed_set: Code = Code("{}")
    server_set: tuple[Code, ...] = ()
    """The keys of server-set columns (numbered, generated, `server_set: true`; in Update also
    `on_update: now`): refused when given."""
    server_set_set: Code = Code("{}")
    db_default: tuple[Code, ...] = ()
    """Insert schemas: the attributes of columns whose default the database (or the ORM) fills in when
    they are left out; such a field left out is not dumped."""
    db_default_set: Code = Code("{}")


@record
class SchemasModule(Module):
    uses_rules: bool
    uses_update_base: bool
    uses_url_format: bool
    fragments: tuple[Code, ...]
    """Each table's schemas (`SchemaClass` through templates/schema.py.jinja), then each table's nested ones."""
    ranges: tuple[Field, ...] = ()
    """`_Integer = Annotated[int, Field(ge=..., le=...)]`: one alias per integer type whose range fields check."""
    uses_as_stored: bool = False
    """Select fields of typed JSON show a value as the database holds it (`_AsStored`)."""
    uses_nested: bool = False
    """The module has nested read schemas (`UserWithMemories`) and their base `_Loaded`."""
    markers: tuple[Field, ...] = ()
    """`_INT = _Exact("int_type", bool)`: per type the shared marker refusing JSON's other types."""
    helpers: frozenset[str] = frozenset()
    """The boundary helpers the module uses: `exact` (`_Exact`), `interval`, `_float4`, `_naive_time`."""
    checked: tuple[Field, ...] = ()
    """`_UserEmail = Annotated[str, Field(max_length=255), _Rules(...), _NO_NUL]`: the checked type of a
    column with limits or rules of its own, shared by every Insert and Update field checked alike."""


# relations.py ---------------------------------------------------------------------------------


@record
class RelationEntry:
    name: Code
    kind: Code
    target: Code
    target_table: Code
    local_columns: Code
    remote_columns: Code
    through: Code
    through_columns: Code
    back_populates: Code


@record
class ModelRelations:
    model: Code
    key: Code
    entries: tuple[RelationEntry, ...]


@record
class LoadSpec:
    """One model's load specs: `XLoad` (its relations), `XLoadMany`/`XLoadOne` (options of a relation to it)."""

    model: Code
    model_key: Code
    load: Code
    load_key: Code
    many: Code
    many_key: Code
    one: Code
    one_key: Code
    relations: tuple[tuple[Code, Code], ...]
    """(relation attribute, the type of its value as a string literal: `"bool | MemoryLoadMany"`)."""
    soft_delete: Code | None
    """The literal attribute name of the soft-delete column, if the table has one."""


@record
class RelationsModule(Module):
    models: tuple[ModelRelations, ...]
    """The models (their entries only in `relation_fragments`)."""
    loads: tuple[LoadSpec, ...] = ()
    eager_load: Code = Code("")
    """The type of `eager()`'s `load` in its implementation (with one model, that model's load spec)."""
    relation_fragments: tuple[Code, ...] = ()
    """Each model's entry of `RELATIONS` (`ModelRelations` through templates/relation_entries.py.jinja)."""
    load_fragments: tuple[Code, ...] = ()
    """Each model's load spec classes (`LoadSpec` through templates/load_spec.py.jinja)."""


# __init__.py ----------------------------------------------------------------------------------


@record
class InitModule(Module):
    models: tuple[Code, ...]
    relations: tuple[Code, ...]
    schemas: tuple[Code, ...]
    types: tuple[Code, ...]
    exported: tuple[Code, ...]
    homes: tuple[tuple[Code, tuple[Code, ...]], ...]
    """(module literal, name literals) of every exported name, for the lazy imports."""


@record
class Package:
    name: str
    header: Code
    enums: EnumsModule
    types: TypesModule
    models: ModelsModule
    schemas: SchemasModule
    relations: RelationsModule
    init: InitModule
