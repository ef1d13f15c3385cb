"""schemas.py: per table the Insert, Select and Update Pydantic schemas, with the spec's rules."""

from __future__ import annotations

import datetime
from collections.abc import Callable
from typing import Any, cast

from schemagen import names
from schemagen.catalog import Catalog, Column, Table
from schemagen.codegen import ir
from schemagen.codegen.common import (
    PYDANTIC,
    TypeExpressions,
    call,
    single_annotated,
    tuple_display,
)
from schemagen.codegen.fragments import (
    Call,
    Entry,
    Recorder,
    RecordingCatalog,
    TableFragments,
    fragment_texts,
)
from schemagen.codegen.imports import Imports
from schemagen.codegen.literals import Code, docstring, literal
from schemagen.codegen.render import environment
from schemagen.codegen.schema_aliases import ColumnAliases
from schemagen.codegen.write_matrix import fixed_on_update, in_update, refused_on_update
from schemagen.format.style import fits

_RULES = ("min_length", "max_length", "pattern", "ge", "gt", "le", "lt")
_TIGHTER = {"ge": max, "gt": max, "min_length": max, "le": min, "lt": min, "max_length": min}
_SIZED = frozenset({"varchar", "char", "numeric"})  # limits set per column: no shared alias
_FLOAT4_MAX = 3.4028234663852886e38
_INTERVAL_RANGE = (datetime.timedelta(days=-719162), datetime.timedelta(days=2932896, seconds=86399, microseconds=999999))
# Per type (or pass-through Python type): the shared `_Exact` marker refusing JSON's other types,
# with Pydantic's own error type. Text stays accepted: JSON over HTTP spells these values as text.
_EXACT = {
    **dict.fromkeys(("smallint", "integer", "bigint", "serial", "bigserial", "int"), ("_INT", '_Exact("int_type", bool)')),
    **dict.fromkeys(("real", "double", "float"), ("_FLOAT", '_Exact("float_type", bool)')),
    **dict.fromkeys(("boolean", "bool"), ("_BOOL", '_Exact("bool_type", int, float)')),
    "date": ("_DATE", '_Exact("date_type", bool, int, float)'),
    "time": ("_TIME", '_Exact("time_type", bool, int, float)'),
    **dict.fromkeys(("timestamp", "datetime"), ("_DATETIME", '_Exact("datetime_type", bool, int, float)')),
    "interval": ("_INTERVAL", '_Exact("time_delta_type", bool, int, float, text=_interval)'),
}

# `_with_the_rest`: the refusals found before validating, reported with what validating the rest finds
_WITH_THE_REST = (("typing", "Self"), (PYDANTIC, "ModelWrapValidatorHandler"), ("pydantic_core", "ErrorDetails"),
                  ("typing", "get_args"), ("pydantic_core", "core_schema"))
# What the template's code for each boundary helper imports
_HELPER_IMPORTS: dict[str, tuple[tuple[str, str], ...]] = {
    "server_set": (("typing", "ClassVar"), ("typing", "Any"), (PYDANTIC, "model_validator"),
                   (PYDANTIC, "ValidationError"), ("pydantic_core", "PydanticCustomError"),
                   ("pydantic_core", "InitErrorDetails"), *_WITH_THE_REST),
    "db_default": (("typing", "ClassVar"), ("typing", "Any"), (PYDANTIC, "model_validator"),
                   (PYDANTIC, "model_serializer"), (PYDANTIC, "SerializerFunctionWrapHandler"),
                   (PYDANTIC, "ValidationError"), ("pydantic_core", "PydanticCustomError"),
                   ("pydantic_core", "InitErrorDetails"), (PYDANTIC, "GetJsonSchemaHandler"),
                   ("pydantic_core", "CoreSchema"), *_WITH_THE_REST),
    "exact": (("typing", "Any"), (PYDANTIC, "GetCoreSchemaHandler"), ("pydantic_core", "core_schema"),
              ("pydantic_core", "PydanticKnownError"), ("collections.abc", "Callable")),
    "check": (("typing", "Any"), (PYDANTIC, "GetCoreSchemaHandler"), ("pydantic_core", "core_schema"),
              ("collections.abc", "Callable")),
    "interval": (("pydantic_core", "PydanticCustomError"), ("re", ""), ("datetime", ""), ("decimal", "")),
    "_float4": (("struct", ""), ("pydantic_core", "PydanticCustomError")),
    "_naive_time": (("datetime", ""), ("pydantic_core", "PydanticCustomError")),
    "_no_nul": (("pydantic_core", "PydanticCustomError"),),
    "_no_nul_jsonb": (("pydantic_core", "PydanticCustomError"), ("pydantic_core", "to_jsonable_python"),
                      ("typing", "Any")),
    "_macaddr": (("pydantic_core", "PydanticCustomError"), ("re", "")),
    "_no_zone": (("pydantic_core", "PydanticCustomError"), ("typing", "TypeVar")),
    "_float_json": (("math", ""), ("typing", "Literal")),
    # `format: email`: EmailStr's core schema, made at import (see `_EMAIL` in schemas.py.jinja)
    "email": ((PYDANTIC, "EmailStr"), (PYDANTIC, "TypeAdapter"), ("copy", "")),
}
_FLOATS = frozenset({"real", "double"})
# Per type the check run after Pydantic's own validation (text types: `_no_nul`), and its shared marker
_CHECKS = {"real": "_float4", "time": "_naive_time", "macaddr": "_macaddr", "inet": "_no_zone", "cidr": "_no_zone",
           "jsonb": "_no_nul_jsonb"}
_MARKERS = frozenset({*(name for name, _ in _EXACT.values()),
                      *(f"{check.upper()}_CHECK" for check in ("_no_nul", *_CHECKS.values()))})


def _insert_schema(table: Table, fields: tuple[ir.Field, ...], helpers: set[str]) -> ir.SchemaClass:
    """`XInsert`: a server-set column given is refused, not dropped; one whose default the database
    (or the ORM) fills in is optional, and not dumped when the payload left it out."""
    server_set = _keys([c for c in table.columns if c.server_set])
    db_default = [c for c in table.columns if _db_default(c)]
    helpers.update(name for name, used in (("server_set", server_set), ("db_default", db_default)) if used)
    not_null = tuple(literal(c.attr) for c in db_default if not c.nullable)
    defaults = tuple(literal(c.attr) for c in db_default)
    return ir.SchemaClass(
        Code(f"{table.class_name}Insert"), Code("_Insert"),
        docstring(f"Fields to insert a row into `{table.name}`; giving a server-set column is refused.", 4),
        fields, not_null, _set_display("_not_null", not_null),
        server_set=server_set, server_set_set=_set_display("_server_set", server_set),
        db_default=defaults, db_default_set=_set_display("_db_default", defaults),
    )


def _db_default(column: Column) -> bool:
    """Optional on insert with a default the database (or the ORM: uuid4) fills in when it is left out."""
    return not column.server_set and column.default is not None and column.default.kind != "literal"


def _leaves_out(secrets: list[str]) -> str:
    if not secrets:
        return ""
    names = [f"`{key}`" for key in secrets]
    listed = names[0] if len(names) == 1 else f"{', '.join(names[:-1])} and {names[-1]}"
    return f"\n\nLeaves out the secret column{'s' if len(names) > 1 else ''} {listed}."


def _fixed_doc(keys: list[str]) -> str:
    if not keys:
        return ""
    names = [f"`{key}`" for key in keys]
    listed = names[0] if len(names) == 1 else f"{', '.join(names[:-1])} and {names[-1]}"
    return f"\n\n{listed} cannot be changed: an update that gives {'it' if len(names) == 1 else 'them'} is refused."


def _set_display(name: str, items: tuple[Code, ...]) -> Code:
    """The set of `name = frozenset(...)` in black's layouts: on the line, on a line of its own, or
    exploded one item per line."""
    display = "{" + ", ".join(items) + "}"
    if fits(4, f"{name} = frozenset({display})"):
        return Code(display)
    if fits(8, display):
        return Code(f"\n        {display}\n    ")
    return Code("\n        {\n" + "".join(f"            {item},\n" for item in items) + "        },\n    ")


def _keys(columns: list[Column]) -> tuple[Code, ...]:
    """The keys a payload may name the columns by: the spec's and the attribute's."""
    return tuple(literal(name) for name in dict.fromkeys(n for c in columns for n in (c.key, c.attr)))


def _own_limits(column: Column) -> dict[str, Any]:
    """What the column's SQL type itself holds, as Field constraints: a value the database
    would refuse (or silently round, pad or cut) is refused at validation, in Pydantic's words."""
    kind, limits = column.type, dict[str, Any]()
    if kind == "char" and column.length:
        # PostgreSQL pads a shorter value with spaces and SQLite does not: only full values fit
        limits["min_length"] = column.length
    if kind in ("varchar", "char") and column.length:
        limits["max_length"] = column.length
    value_range = column.kind.value_range
    if value_range is not None:
        limits["ge"], limits["le"] = value_range
    if kind == "real":
        limits["ge"], limits["le"] = -_FLOAT4_MAX, _FLOAT4_MAX
    if kind in ("real", "double"):
        # JSON has no infinity or NaN (they would be written back as null) and SQLite stores NaN as NULL
        limits["allow_inf_nan"] = False
    if kind == "interval" and not column.months:
        # SQLite keeps an interval as a datetime from 1970-01-01, which must stay within years 1 to 9999
        limits["ge"], limits["le"] = _INTERVAL_RANGE
    if kind == "numeric" and column.precision is not None:
        limits["max_digits"] = column.precision
        # numeric(p) without a scale keeps no fraction (scale 0), as PostgreSQL does
        limits["decimal_places"] = column.scale or 0
    return limits


def _kind_name(column: Column) -> str:
    """The name of the alias a column checked by its type alone shares (`_Integer`, `_Timestamptz`)."""
    if column.type == "sql":
        return f"_{(column.python_type or '').capitalize()}"
    return f"_{column.type.capitalize()}" + ("tz" if column.type == "timestamp" and column.timezone else "")


def _column_aliases(catalog: Catalog) -> ColumnAliases:
    """The column aliases, clear of the module's other underscore names: markers, enums and shapes
    (imported under their own names), and every kind's alias (`_Text`) whichever column asks first."""
    kinds = {_kind_name(column) for table in catalog.tables for column in table.columns}
    return ColumnAliases({e.name for e in catalog.enums} | {s.name for s in catalog.shapes} | kinds | _MARKERS)


def _float_read(imports: Imports) -> ir.Field:
    """The Select type of a float: infinity and NaN (which PostgreSQL stores) written in JSON by name."""
    annotated, serializer = imports.name("typing", "Annotated"), imports.name(PYDANTIC, "PlainSerializer")
    alias = f'{annotated}[float, {serializer}(_float_json, when_used="json")]'
    return ir.Field(Code("_FloatRead"), Code(""), Code(alias))


def schemas_module(catalog: Catalog, fragments: tuple[TableFragments, TableFragments] | None = None,
                   ) -> ir.SchemasModule | None:
    """schemas.py's IR, each table's schemas rendered; `fragments` (the render cache): the tables'
    schemas and their nested Select schemas. None when they gave schemas whose import names differ now."""
    return _Schemas(catalog, fragments).module()


_FLAGS = ("uses_rules", "uses_url", "uses_as_stored", "uses_update")


def _render_schemas(schemas: list[ir.SchemaClass], names: Any) -> str:
    return environment().get_template("schema.py.jinja").render(schemas=schemas, n=names)


class _Schemas:
    def __init__(self, catalog: Catalog, fragments: tuple[TableFragments, TableFragments] | None) -> None:
        self.catalog = catalog
        tables = catalog.tables
        taken = {c.attr for t in tables for c in t.columns} | {r.attr for t in tables for r in t.relations}
        taken |= {f"{t.class_name}{kind}" for t in tables for kind in ("Insert", "Select", "Update")}
        # imported from .types under their own names
        taken |= {e.name for e in catalog.enums} | {s.name for s in catalog.shapes}
        self.imports = Imports(taken)
        self.types = TypeExpressions(catalog, self.imports, untyped_json="json_value")
        self.uses_rules = False
        self.uses_url = False
        self.uses_as_stored = False
        self.ranges: dict[str, ir.Field] = {}
        self.markers: dict[str, ir.Field] = {}
        self.helpers: set[str] = set()
        self.checked: dict[int, str] = {}  # see `checked_type`
        self.uses_update = False
        self.fragments = fragments
        self.owner = ""  # the class name of the table whose schemas are made: its columns' aliases' names
        self.aliases = _column_aliases(catalog)

    def table_fragment(self, table: Table, *, nested: bool) -> tuple[Entry | None, list[ir.SchemaClass] | None]:
        """The table's cache entry and its schemas (None: reused), or its schemas alone without a
        cache. `nested`: its nested Select schemas instead."""
        recording = _Recording(self, nested)
        if self.fragments is None:
            return None, recording.make(table)
        return self.fragments[nested].fragment(recording, table, {"imports": self.imports, "aliases": self.aliases})

    def module(self) -> ir.SchemasModule | None:
        imports = self.imports
        imports.name(PYDANTIC, "BaseModel")
        imports.name(PYDANTIC, "ConfigDict")
        pending = [self.table_fragment(table, nested=False) for table in self.catalog.tables]
        imports.name("typing", "ClassVar")  # the nested schemas' `_relations`
        nested = [self.table_fragment(table, nested=True) for table in self.catalog.tables]
        uses_nested = any(table.relations for table in self.catalog.tables)
        uses_update = self.uses_update
        if uses_update:
            imports.name("typing", "ClassVar")
            imports.name("typing", "Any")
            imports.name(PYDANTIC, "model_validator")
            imports.name("pydantic_core", "PydanticCustomError")
            imports.name("typing", "Self")
            imports.name(PYDANTIC, "ModelWrapValidatorHandler")
            imports.name(PYDANTIC, "ValidationError")
            imports.name(PYDANTIC, "GetJsonSchemaHandler")
            imports.name("pydantic_core", "CoreSchema")
            imports.name("pydantic_core", "InitErrorDetails")
            for module, name in _WITH_THE_REST:
                imports.name(module, name)
        if self.uses_rules:
            imports.name("typing", "Annotated")
            imports.name("typing", "Any")
            imports.name(PYDANTIC, "Field")
            imports.name(PYDANTIC, "GetCoreSchemaHandler")
            imports.name("pydantic_core", "core_schema")
        if self.uses_as_stored:
            imports.name("typing", "Any")
            imports.name(PYDANTIC, "BaseModel")
            imports.name(PYDANTIC, "ValidationError")
            imports.name(PYDANTIC, "ValidatorFunctionWrapHandler")
            imports.name(PYDANTIC, "WrapValidator")
        if self.uses_url:
            imports.name(PYDANTIC, "AnyUrl")
            imports.name(PYDANTIC, "TypeAdapter")
        for helper in sorted(self.helpers):
            for module_name, name in _HELPER_IMPORTS.get(helper, ()):
                if name:
                    imports.name(module_name, name)
                else:
                    imports.module(module_name)
        if uses_nested:
            imports.name("sqlalchemy", "inspect")
            imports.name("sqlalchemy.exc", "InvalidRequestError")
        names = imports.locals()
        texts = fragment_texts(pending + nested, names, _render_schemas)
        if texts is None:
            return None
        return ir.SchemasModule(imports.render(), names, self.uses_rules, uses_update, self.uses_url,
                                texts, tuple(self.ranges[name] for name in sorted(self.ranges)),
                                uses_as_stored=self.uses_as_stored, uses_nested=uses_nested,
                                markers=tuple(self.markers[name] for name in sorted(self.markers)),
                                helpers=frozenset(self.helpers), checked=self.aliases.fields())

    def table_schemas(self, table: Table) -> list[ir.SchemaClass]:
        """The Insert, Select and Update schemas of one table."""
        self.owner = table.class_name
        schemas: list[ir.SchemaClass] = []
        writable = [c for c in table.columns if not c.server_set]
        insert_fields = tuple(self.insert_field(c) for c in writable)
        core = table.core_name is not None
        select_fields = tuple(self.select_field(c, core=core) for c in table.columns if not c.secret)
        # a key or an `immutable: true` column is written once: an update that names it is refused
        fixed_columns = [c for c in table.columns if fixed_on_update(c)]
        updatable = [c for c in table.columns if in_update(c)]
        update_fields = tuple(self.update_field(c) for c in updatable)
        aliased = any(c.attr != c.key for c in writable)
        config_insert = self.config_field(validate_by_name="True") if aliased else ()
        schemas.append(_insert_schema(table, config_insert + insert_fields, self.helpers))
        schemas.append(ir.SchemaClass(
            Code(f"{table.class_name}Select"), Code("_Select"),
            docstring((f"A row of `{table.name}` as read back; validates Core rows (`row._mapping`, or the "
                       "`Row` itself: `from_attributes`)." if core else
                       f"A row of `{table.name}` as read back; validates ORM objects (`from_attributes`).")
                      + _leaves_out([c.key for c in table.columns if c.secret]), 4),
            select_fields,
        ))
        if core:  # no row identity to update by: statements with their own WHERE
            return schemas
        not_null = tuple(literal(c.attr) for c in updatable if not c.nullable)
        fixed = _keys(fixed_columns)
        server_set_update = _keys([c for c in table.columns if refused_on_update(c) and c not in fixed_columns])
        if server_set_update:
            self.helpers.add("server_set")
        self.uses_update = True
        schemas.append(ir.SchemaClass(
            Code(f"{table.class_name}Update"), Code("_PartialUpdate"),
            docstring(f"A partial update of a `{table.name}` row: only the fields given are changed."
                      + _fixed_doc([c.key for c in fixed_columns]), 4),
            (self.config_field(validate_by_name="True") if any(c.attr != c.key for c in updatable) else ())
            + update_fields,
            not_null,
            _set_display("_not_null", not_null),
            fixed,
            _set_display("_fixed", fixed),
            server_set_update,
            _set_display("_server_set", server_set_update),
        ))
        return schemas

    def config_field(self, **config: str) -> tuple[ir.Field, ...]:
        return (ir.Field(Code("model_config"), Code(""), call(self.imports.name(PYDANTIC, "ConfigDict"), **config)),)

    def checked_type(self, column: Column) -> str:
        """The Insert/Update annotation of one column (no `| None`): type plus all its rules. Made once
        per column (kept by identity: the catalog keeps each alive): Update asking again after Insert
        would only repeat the first call's side effects (imports, helpers, aliases, flags) unchanged."""
        if (known := self.checked.get(id(column))) is None:
            annotation, annotated = self._checked_type(column)
            # with metadata of its own: the module-level alias of that annotation (see `ColumnAliases`)
            known = self.aliases.name(annotation, self.owner, column.attr) if annotated else annotation
            self.checked[id(column)] = known
        return known

    def _checked_type(self, column: Column) -> tuple[str, bool]:
        """The annotation, and whether it has an `Annotated[...]` of its own (not a kind's alias)."""
        imports, kind = self.imports, column.type
        item = self.types.column_py_type(column)
        if kind == "timestamp":
            # an offset on a plain timestamp is dropped (SQLite) or applied (PostgreSQL's session zone),
            # and a timestamptz without one is read in the session's zone: both refused
            item = imports.name(PYDANTIC, "AwareDatetime" if column.timezone else "NaiveDatetime")
        if kind in ("inet", "cidr"):  # one error for either family; a network's host bits are refused, as by PostgreSQL
            item = imports.name(PYDANTIC, "IPvAnyInterface" if kind == "inet" else "IPvAnyNetwork")
        own = _own_limits(column)
        exact = self.exact_marker(column)
        rules = column.rules
        constraints: dict[str, Any] = dict(own)
        rule_args: dict[str, str] = {}
        list_constraints: dict[str, str] = {}
        if rules is not None:
            for rule in _RULES:
                value = getattr(rules, rule)
                if value is None:
                    continue
                if column.array and rule in ("min_length", "max_length"):
                    list_constraints[rule] = literal(value)
                else:
                    rule_args[rule] = literal(value)
            if rules.format is not None:
                rule_args["format"] = literal(rules.format)
        if rule_args and rules is not None and rules.message is None and "format" not in rule_args:
            # Without a message the rules are plain constraints: one Field, the tighter bound winning.
            for rule in rule_args:
                value = getattr(rules, rule)
                tighter = _TIGHTER.get(rule)
                constraints[rule] = value if rule not in constraints or tighter is None else tighter(
                    value, constraints[rule])
            rule_args = {}

        def field() -> str:
            return imports.name(PYDANTIC, "Field")

        def field_call(values: dict[str, Any]) -> str:
            return call(field(), **{key: literal(value, module=imports.module) for key, value in values.items()})

        after = self.after_checks(column)
        has_metadata = False
        if own == constraints and not rule_args and (own or exact or after) and kind not in _SIZED \
                and kind not in ("json", "jsonb"):  # a JSON column's type is its own (a shape, a list, ...)
            # only the type's own limits: one shared alias per type instead of a Field per column
            item = self.kind_alias(column, item, lambda: field_call(own) if own else "", after, exact)
        else:
            metadata = []
            if constraints:
                metadata.append(field_call(constraints))
            if rule_args:
                self.uses_rules = True
                self.uses_url = self.uses_url or (rules is not None and rules.format == "url")
                if rules is not None and rules.format == "email":
                    self.helpers.add("email")
                message = literal(rules.message) if rules is not None and rules.message is not None else "None"
                metadata.append(call("_Rules", message, **dict(rule_args)))
            metadata.extend(after)
            if exact:
                metadata.append(exact)
            if metadata:
                item = f"{imports.name('typing', 'Annotated')}[{item}, {', '.join(metadata)}]"
                has_metadata = True
        if not column.array:
            return item, has_metadata
        array = f"list[{item}]"
        if list_constraints:
            has_metadata = True
            annotated = imports.name("typing", "Annotated")
            list_message = rules.message if rules is not None else None
            if list_message is not None:
                self.uses_rules = True
                array = f"{annotated}[{array}, {call('_Rules', literal(list_message), **list_constraints)}]"
            else:
                array = f"{annotated}[{array}, {call(field(), **list_constraints)}]"
        return array, has_metadata

    def after_checks(self, column: Column) -> list[str]:
        # a pass-through text type (citext, ...) refuses NUL as PostgreSQL's own text types do
        text_like = column.type in ("varchar", "char", "text") or (column.type == "sql" and column.python_type == "str")
        check = "_no_nul" if text_like else _CHECKS.get(column.type)
        if check is None:
            return []
        self.helpers.update((check, "check"))
        # one shared `_Check` per function, not an `AfterValidator` per field (see `_Check`)
        marker = f"{check.upper()}_CHECK"  # not `_MACADDR`: macaddr.py.jinja's pattern
        self.markers[marker] = ir.Field(Code(marker), Code(""), Code(f"_Check({check})"))
        return [marker]

    def exact_marker(self, column: Column) -> str:
        """The shared `_Exact` instance refusing JSON's other types for this column, or ''."""
        python = column.python_type if column.type == "sql" else column.type
        marker = _EXACT.get(python or "")
        if marker is None or column.months:  # `Interval` refuses numbers itself
            return ""
        self.helpers.add("exact")
        if marker[0] == "_INTERVAL":
            self.helpers.add("interval")
        self.markers[marker[0]] = ir.Field(Code(marker[0]), Code(""), Code(marker[1]))
        return marker[0]

    def kind_alias(self, column: Column, item: str, own: Callable[[], str], after: list[str], exact: str) -> str:
        name = _kind_name(column)
        if name not in self.ranges:  # made by the first column of the kind (others' `own` would repeat its imports)
            metadata = ", ".join(part for part in (own(), *after, exact) if part)
            annotated = self.imports.name("typing", "Annotated")
            self.ranges[name] = ir.Field(Code(name), Code(""), Code(f"{annotated}[{item}, {metadata}]"))
        return name

    def with_field_info(self, annotation: str, extra: dict[str, str | None]) -> str:
        """Aliases and flags go in `Annotated[...]` so the default stays a plain, well-typed value."""
        if not extra:
            return annotation
        field_info = call(self.imports.name(PYDANTIC, "Field"), **extra)
        annotated = self.imports.name("typing", "Annotated")
        if single_annotated(annotation, annotated):
            return f"{annotation[:-1]}, {field_info}]"
        return f"{annotated}[{annotation}, {field_info}]"

    def insert_field(self, column: Column) -> ir.Field:
        annotation = self.checked_type(column)
        default: str | None = None
        if column.default is not None and column.default.kind == "literal":
            default = self.types.column_default(column)
        elif column.nullable or _db_default(column):
            default = "None"  # a database default: `None` stands for "left out" (`_db_default`)
        if column.nullable or _db_default(column):
            annotation += " | None"
        annotation = self.with_field_info(annotation, _alias_args(column, select=False))
        return ir.Field(Code(column.attr), Code(annotation), Code(default) if default is not None else None)

    def select_field(self, column: Column, *, core: bool = False) -> ir.Field:
        if column.type in _FLOATS or (column.type == "sql" and column.python_type == "float"):
            self.helpers.add("_float_json")
            self.ranges.setdefault("_FloatRead", _float_read(self.imports))
            annotation = "list[_FloatRead]" if column.array else "_FloatRead"
        else:
            annotation = self.types.value_type(column)
        annotation += " | None" if column.nullable else ""
        if column.json_type is not None and any(self.catalog.shape(name) for name in column.json_type.named()):
            # what the column read is shown as stored, even where it breaks a rule for writing
            self.uses_as_stored = True
            annotation = f"{self.imports.name('typing', 'Annotated')}[{annotation}, _AsStored]"
        extra = _alias_args(column, select=True)
        if core and column.sql_name != column.attr:  # a Core row is keyed by the columns' SQL names
            extra = {"validation_alias": literal(column.sql_name), **extra}
        annotation = self.with_field_info(annotation, extra)
        return ir.Field(Code(column.attr), Code(annotation), None)

    def update_field(self, column: Column) -> ir.Field:
        annotation = self.with_field_info(self.checked_type(column) + " | None", _alias_args(column, select=False))
        return ir.Field(Code(column.attr), Code(annotation), Code("None"))


def _nested_schemas(catalog: Catalog, imports: Imports, table: Table) -> list[ir.SchemaClass]:
    """Per relation of `table`, its Select schema with that relation loaded: `UserWithMemories`."""
    found = []
    class_var = imports.name("typing", "ClassVar")
    for relation in table.relations:
        target = catalog.table(relation.target)
        annotation = f"{target.class_name}Select"
        if relation.kind in ("one-to-many", "many-to-many"):
            annotation = f"list[{annotation}]"
        elif relation.kind == "one-to-one-inverse" or (
                relation.foreign_key is not None
                and any(table.column(key).nullable for key in relation.foreign_key.columns)):
            annotation += " | None"
        spec = "{'" + relation.attr + "': True}"  # an attribute: a checked identifier
        found.append(ir.SchemaClass(
            Code(names.nested_schema_name(table.class_name, relation.attr)),
            Code(f"{table.class_name}Select, _Loaded"),
            docstring(f"`{table.class_name}Select` with `{relation.attr}`, as "
                      f"`eager({table.class_name}, {spec})` loads it.", 4),
            (ir.Field(Code("_relations"), Code(f"{class_var}[tuple[str, ...]]"),
                      tuple_display([literal(relation.attr)])),
             ir.Field(Code(relation.attr), Code(annotation))),
        ))
    return found


class _Recording:
    """`_Schemas` as the render cache drives it (`fragments.Builder`): a table's reads, import calls
    and column alias calls recorded, its write-only effects (flags, helpers, range aliases, markers)
    made afresh to keep, then merged."""

    def __init__(self, schemas: _Schemas, nested: bool) -> None:
        self.schemas = schemas
        self.nested = nested

    def make(self, table: Table) -> list[ir.SchemaClass]:
        schemas = self.schemas
        return _nested_schemas(schemas.catalog, schemas.imports, table) if self.nested else schemas.table_schemas(table)

    def isolate(self, reads: set[str], calls: list[Call]) -> Callable[[], dict[str, Any]]:
        schemas = self.schemas
        real = schemas.catalog, schemas.imports, schemas.types, schemas.aliases
        kept = schemas.helpers, schemas.ranges, schemas.markers, {flag: getattr(schemas, flag) for flag in _FLAGS}
        schemas.helpers, schemas.ranges, schemas.markers = set(), {}, {}
        for flag in _FLAGS:
            setattr(schemas, flag, False)
        schemas.catalog = cast(Catalog, RecordingCatalog(schemas.catalog, reads))
        schemas.imports.journal, schemas.imports.journaled = calls, set()
        # module-level state shared with the other tables: each call recorded with its result
        schemas.aliases = cast(ColumnAliases, Recorder("aliases", schemas.aliases, calls))
        schemas.types = TypeExpressions(schemas.catalog, schemas.imports, untyped_json="json_value")

        def restore() -> dict[str, Any]:
            effects = {"flags": [flag for flag in _FLAGS if getattr(schemas, flag)], "helpers": sorted(schemas.helpers),
                       "ranges": [[name, str(f.annotation), str(f.default)] for name, f in schemas.ranges.items()],
                       "markers": [[name, str(f.default)] for name, f in schemas.markers.items()]}
            schemas.imports.journal = None
            schemas.catalog, schemas.imports, schemas.types, schemas.aliases = real
            schemas.helpers, schemas.ranges, schemas.markers, flags = kept
            for flag, value in flags.items():
                setattr(schemas, flag, value)
            return effects

        return restore

    def merge(self, effects: dict[str, Any]) -> None:
        schemas = self.schemas
        for flag in effects["flags"]:
            setattr(schemas, flag, True)
        schemas.helpers.update(effects["helpers"])
        for name, annotation, default in effects["ranges"]:
            schemas.ranges.setdefault(name, ir.Field(Code(name), Code(annotation), Code(default)))
        for name, default in effects["markers"]:
            schemas.markers[name] = ir.Field(Code(name), Code(""), Code(default))


def _alias_args(column: Column, *, select: bool) -> dict[str, str | None]:
    """The field's aliases, and its `comment:` as the description (JSON Schema, OpenAPI)."""
    described: dict[str, str | None] = {"description": literal(column.comment)} if column.comment is not None \
        else {}
    if column.attr == column.key:
        return described
    if select:
        return {"serialization_alias": literal(column.key), **described}
    return {"validation_alias": literal(column.key), "serialization_alias": literal(column.key), **described}
