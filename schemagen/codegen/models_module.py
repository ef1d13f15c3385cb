"""models.py: the declarative Base, one mapped class per table, the column types they need."""

from __future__ import annotations

import datetime
import decimal
import json
import re
import uuid
from collections.abc import Callable
from typing import Any, cast

from schemagen.catalog import Catalog, Column, Table
from schemagen.catalog.kinds import INTEGER
from schemagen.codegen import ir
from schemagen.codegen.common import (
    ENUMS,
    ORM,
    PYDANTIC,
    SQLALCHEMY,
    TYPES,
    TypeExpressions,
    call,
    constant_name,
    field_call,
    one_line_tuple,
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
from schemagen.codegen.models_shared import SharedTypes
from schemagen.codegen.relationships import relationship_field
from schemagen.codegen.render import environment
from schemagen.codegen.table_args import next_number, now_function
from schemagen.codegen.table_args import table_args as build_table_args
from schemagen.codegen.triggers import on_update_triggers
from schemagen.codegen.write_matrix import matrix as write_matrix

# Server-set values (defaults, `onupdate`, a soft delete's time) come back with the INSERT or UPDATE
# (RETURNING), instead of being expired and loaded on next access: IO an AsyncSession cannot do.
_EAGER_DEFAULTS = '{"eager_defaults": True}'


def models_module(catalog: Catalog, fragments: TableFragments | None = None) -> ir.ModelsModule | None:
    """models.py's IR, each table's class rendered; None when `fragments` (the render cache) gave a
    class whose import names differ now (the caller renders the module again without them)."""
    return _Models(catalog, fragments).module()


_FLAGS = ("uses_json_type", "uses_jsonb_type", "uses_array_type", "uses_enum_values", "uses_aware_datetime",
          "uses_interval_type", "uses_interval_array", "uses_months_interval", "uses_months_array",
          "uses_scaleless_numeric", "uses_array_defaults", "uses_next_number", "uses_sql_type", "uses_ddl_text")


def _render_model(model: ir.ModelClass, names: Any) -> str:
    return environment().get_template("model.py.jinja").render(model=model, n=names, base_name=Code("Base"))


# The SQLAlchemy type a pass-through column is stored as on SQLite, by its Python type.
_PASS_THROUGH_STORAGE = {
    "str": "Text", "int": "BigInteger", "float": "Double", "bool": "Boolean", "decimal": "Numeric", "date": "Date",
    "datetime": "DateTime", "time": "Time", "uuid": "Uuid", "bytes": "LargeBinary",
}


def _where(table: Table, column: Column) -> Code:
    """The column as the errors of values that do not fit its type name it."""
    return literal(f"{table.name}.{column.sql_name}")


def _numbered_by_default(table: Table, column: Column) -> bool:
    """Whether SQLAlchemy would make this key auto-numbered (SERIAL on PostgreSQL) unless told not
    to: the single integer primary key without a foreign key. Only serial, bigserial and identity
    columns number themselves; a plain integer key is the application's to set."""
    return (column.primary_key and not column.autoincrement and column.identity is None and column.kind.family == INTEGER
            and len(table.primary_key) == 1 and table.foreign_key_of(column) is None)


# PostgreSQL's network types: the template's class for each (text on SQLite, the same values read back)
_NETWORK = {"inet": "_Inet", "cidr": "_Cidr", "macaddr": "_MacAddr"}


def _network_flags(network: set[Code]) -> dict[str, bool]:
    """The helper flags of the network types used: their base class, `ipaddress`, the MAC address reading."""
    return {"network": bool(network), "ip": bool(network - {"_MacAddr"}), "macaddr": "_MacAddr" in network}


# What each runtime helper of templates/models.py.jinja imports, by the flag that asks for it
# (a module alone where the name is empty).
_TYPE_DECORATOR = (("typing", "Any"), ("sqlalchemy.engine", "Dialect"), ("sqlalchemy.types", "TypeDecorator"),
                   ("sqlalchemy.types", "TypeEngine"))
_HELPER_IMPORTS: dict[str, tuple[tuple[str, str], ...]] = {
    # `_DDLText`, the triggers' statements (SQLAlchemy's own `DDL` has no type annotations)
    "ddl_text": (("sqlalchemy.schema", "ExecutableDDLElement"), ("sqlalchemy.sql.compiler", "DDLCompiler"),
                 ("sqlalchemy.ext.compiler", "compiles"), ("typing", "Any"), (SQLALCHEMY, "Connection")),
    "typed": (*_TYPE_DECORATOR, ("typing", "TypeVar"), (PYDANTIC, "TypeAdapter"), (PYDANTIC, "ValidationError"),
              ("sqlalchemy.dialects.postgresql", ""), ("collections.abc", "Callable"), ("functools", "cache")),
    # an array's storage outside PostgreSQL, and its operators compiled per database
    "array": ((SQLALCHEMY, "JSON"), (SQLALCHEMY, "Boolean"), (SQLALCHEMY, "ColumnElement"), (SQLALCHEMY, "literal"),
              ("sqlalchemy.sql.functions", "FunctionElement"), ("sqlalchemy.sql.compiler", "SQLCompiler"),
              ("sqlalchemy.ext.compiler", "compiles"), (SQLALCHEMY, "type_coerce")),
    "json": ((SQLALCHEMY, "cast"), (SQLALCHEMY, "Text"), (SQLALCHEMY, "type_coerce"),
             ("sqlalchemy.dialects.postgresql", "JSONB"), (PYDANTIC, "BaseModel"), ("pydantic_core", "SchemaValidator"),
             ("collections.abc", "Callable")),
    # `_reads_checked`: mapped classes with typed JSON or array columns (a Core table's rows are no objects)
    "checked_reads": ((SQLALCHEMY, "event"), (ORM, "InstanceState")),
    "enum": (("enum", ""),),
    "numeric": (*_TYPE_DECORATOR, ("decimal", ""), (SQLALCHEMY, "Numeric")),
    "sql_type": (("typing", "Any"), ("sqlalchemy.types", "UserDefinedType")),
    "aware": (("datetime", ""), (SQLALCHEMY, "DateTime"), ("sqlalchemy.engine", "Dialect"),
              ("sqlalchemy.types", "TypeDecorator")),
    # `_IntervalOf`: read from PostgreSQL's text of the interval, months refused
    "interval": (*_TYPE_DECORATOR, ("datetime", ""), ("decimal", ""), ("re", ""), (SQLALCHEMY, "Interval"),
                 (SQLALCHEMY, "ColumnElement"), (PYDANTIC, "ValidationError"), ("pydantic_core", "PydanticCustomError"),
                 ("pydantic_core", "InitErrorDetails"), ("sqlalchemy.sql.functions", "FunctionElement"), ("sqlalchemy.sql.compiler", "SQLCompiler"),
                 ("sqlalchemy.ext.compiler", "compiles")),
    # `_IntervalOps`: PostgreSQL's interval operators, none on SQLite (both interval types)
    "interval_ops": (("sqlalchemy.sql", "operators"), ("sqlalchemy.sql.operators", "OperatorType"),
                     ("sqlalchemy.sql.operators", "OperatorClass"), ("sqlalchemy.exc", "CompileError"),
                     (SQLALCHEMY, "Date"), (SQLALCHEMY, "DateTime"), (SQLALCHEMY, "Time"), ("decimal", ""),
                     ("datetime", ""), (SQLALCHEMY, "BinaryExpression"), (SQLALCHEMY, "Interval")),
    # `_MonthsIntervalOf`: PostgreSQL's INTERVAL (ISO 8601 text on SQLite) of `Interval`s, cast both ways
    "months": (*_TYPE_DECORATOR, (SQLALCHEMY, "Text"), (SQLALCHEMY, "ColumnElement"), (SQLALCHEMY, "BindParameter"),
               ("sqlalchemy.dialects.postgresql", "INTERVAL"), (PYDANTIC, "ValidationError"),
               ("pydantic_core", "PydanticCustomError"), ("pydantic_core", "InitErrorDetails"),
               ("sqlalchemy.sql.functions", "FunctionElement"), ("sqlalchemy.sql.compiler", "SQLCompiler"),
               ("sqlalchemy.ext.compiler", "compiles")),
    "network": (*_TYPE_DECORATOR, ("typing", "TypeVar"), (SQLALCHEMY, "Text"), ("sqlalchemy.dialects.postgresql", "")),
    "ip": (("ipaddress", ""),), "macaddr": (("re", ""),),
    # `_located` keeps the errors that are not Pydantic's own
    "located": (("typing", "get_args"), (PYDANTIC, "ValidationError")),
}


def _mapper_args(table: Table, overlapping: bool) -> Code | None:
    # A link table written both by a many-to-many relation (through `secondary`) and as a mapped
    # class of its own may see its rows already deleted by the other writer or the database.
    extra = []
    if overlapping and table.relations:
        extra.append('"confirm_deleted_rows": False')
    if table.mapper_key:  # no primary key in the database: the ORM identifies rows by these
        extra.append(f'"primary_key": [{", ".join(literal(table.column(key).attr) for key in table.mapper_key)}]')
    if extra:
        return Code(_EAGER_DEFAULTS[:-1] + ", " + ", ".join(extra) + "}")  # its own replace the Base's
    return None


class _Models:
    uses_json_type: bool
    uses_jsonb_type: bool
    uses_array_type: bool
    uses_enum_values: bool
    uses_aware_datetime: bool
    uses_interval_type: bool  # `_IntervalOf`
    uses_interval_array: bool  # `_IntervalArrayOf`
    uses_months_interval: bool  # `_MonthsIntervalOf`
    uses_months_array: bool  # `_MonthsIntervalArrayOf`
    uses_scaleless_numeric: bool
    uses_array_defaults: bool
    uses_next_number: bool
    uses_sql_type: bool  # timestamp, time: `default: now` / `on_update: now` columns
    uses_ddl_text: bool  # `on_update: now` triggers

    def __init__(self, catalog: Catalog, fragments: TableFragments | None) -> None:
        self.catalog = catalog
        tables = catalog.tables
        taken = {c.attr for t in tables for c in t.columns}
        taken |= {r.attr for t in tables for r in t.relations}
        taken |= {"Base", *(t.class_name for t in tables)}  # class names this module defines
        taken |= {t.core_name for t in tables if t.core_name is not None}  # and its Core tables
        # imported from .types under their own names
        taken |= {e.name for e in catalog.enums} | {s.name for s in catalog.shapes}
        # the package's own `Interval` (months: true), from .types: SQLAlchemy's is imported aliased
        taken |= {"Interval"} if any(c.months for t in tables for c in t.columns) else set()
        self.imports = Imports(taken)
        self.types = TypeExpressions(catalog, self.imports, untyped_json="any")
        self.shared = SharedTypes(catalog)
        self.fragments = fragments
        self.class_aliases: dict[str, str] = {}  # class -> the alias annotations use where it is hidden
        for flag in _FLAGS:
            setattr(self, flag, False)
        self.now_kinds: set[str] = set()
        self.checked_attrs: dict[str, list[str]] = {}  # model class -> attributes whose reads are checked

    def module(self) -> ir.ModelsModule | None:
        imports = self.imports
        for module_name in ("DeclarativeBase", "Mapped", "mapped_column"):
            imports.name(ORM, module_name)
        imports.name("sqlalchemy.ext.asyncio", "AsyncAttrs")
        imports.name(SQLALCHEMY, "MetaData")
        if any(table.core_name is not None for table in self.catalog.tables):
            for name in ("Table", "Column", "TypedColumns", "Named"):
                imports.name(SQLALCHEMY, name)
        pending = [_table_fragment(self, table) for table in self.catalog.tables]
        network = {Code(_NETWORK[c.type]) for t in self.catalog.tables for c in t.columns if c.type in _NETWORK}
        flags = {
            "typed": self.uses_json_type or self.uses_array_type, "array": self.uses_array_type,
            "json": self.uses_json_type, "enum": self.uses_enum_values, "numeric": self.uses_scaleless_numeric,
            "sql_type": self.uses_sql_type, "aware": self.uses_aware_datetime,
            "ddl_text": self.uses_ddl_text, "checked_reads": bool(self.checked_attrs),
            "interval": self.uses_interval_type, "months": self.uses_months_interval,
            "interval_ops": self.uses_interval_type or self.uses_months_interval, **_network_flags(network),
            "located": self.uses_json_type or self.uses_array_type or self.uses_interval_type or self.uses_months_interval,
        }
        _import_helpers(imports, flags, pydantic_on_import=self.uses_months_interval or self.types.shape_values)
        now_functions = tuple(now_function(self.imports, kind) for kind in ("timestamp", "time") if kind in self.now_kinds)
        names = imports.locals()
        texts = fragment_texts(pending, names, _render_model)
        if texts is None:
            return None
        return ir.ModelsModule(
            imports=imports.render(), names=names, base_name=Code("Base"),
            naming_convention=Code("{" + ", ".join(f"{literal(k)}: {literal(v)}"
                                                   for k, v in self.catalog.naming_convention.items()) + "}"),
            mapper_args=Code(_EAGER_DEFAULTS),
            constants=tuple(self.shared.constants[k] for k in sorted(self.shared.constants)),
            uses_json_type=self.uses_json_type, uses_jsonb_type=self.uses_jsonb_type,
            uses_array_type=self.uses_array_type, uses_enum_values=self.uses_enum_values,
            uses_aware_datetime=self.uses_aware_datetime, uses_interval_type=self.uses_interval_type,
            uses_interval_array=self.uses_interval_array, uses_months_interval=self.uses_months_interval,
            uses_months_array=self.uses_months_array, uses_scaleless_numeric=self.uses_scaleless_numeric,
            network_types=tuple(sorted(network)),
            fragments=texts,
            now_functions=now_functions,
            column_types=tuple(self.shared.column_types[k] for k in sorted(self.shared.column_types)),
            uses_array_defaults=self.uses_array_defaults,
            uses_next_number=self.uses_next_number,
            uses_sql_type=self.uses_sql_type, uses_ddl_text=self.uses_ddl_text,
            class_aliases=tuple(ir.Field(Code(alias), Code(""), Code(name))
                                for name, alias in sorted(self.class_aliases.items())),
            checked_reads=tuple(Code(call("_reads_checked", model, *(literal(a) for a in attrs)))
                                for model, attrs in self.checked_attrs.items()),
            adapters=tuple(sorted(self.shared.adapters.values(), key=lambda adapter: adapter.name)),
        )

    def model(self, table: Table) -> ir.ModelClass:
        model = self.model_class(table)
        if model.table_events:
            self.uses_ddl_text = True
        return model

    # -- column types --------------------------------------------------------------------------

    def enum_sql_type(self, enum_name: str) -> str:
        self.uses_enum_values = True
        enum = self.catalog.enum(enum_name)
        assert enum is not None
        enum_class = self.imports.name(ENUMS, enum.name, exact=True)
        # Bound to the metadata, so the type is created even when only arrays use it.
        value = call(self.imports.name(SQLALCHEMY, "Enum"), enum_class, name=literal(enum.sql_name),
                     values_callable="_enum_values", validate_strings="True", metadata="Base.metadata")
        return self.shared.constant(constant_name(enum.name) + "_ENUM", value)

    def type_instance(self, expression: str) -> str:
        """`Text` -> `Text()`; calls and shared instances (such as an enum's constant) stay as they are."""
        if not re.fullmatch(r"[\w.]+", expression) or self.shared.is_constant(expression):
            return expression
        return expression + "()"

    def sql_type(self, table: Table, column: Column, *, item: bool = False, core: bool = False) -> str:
        kind = column.type
        if column.array and not item:
            self.uses_array_type = True
            if not core:  # a Core table's rows are not loaded objects to check
                self.checked_attrs.setdefault(table.class_name, []).append(column.attr)
            item_type = self.type_instance(self.sql_type(table, column, item=True))
            adapter = self.shared.adapter(f"list[{self.types.column_py_type(column)}]")
            months = kind == "interval" and column.months
            self.uses_months_array = self.uses_months_array or months
            self.uses_interval_array = self.uses_interval_array or (kind == "interval" and not months)
            array_type = "_ArrayOf" if kind != "interval" else "_MonthsIntervalArrayOf" if months else "_IntervalArrayOf"
            return call(array_type, item_type, adapter, _where(table, column))

        def sa(name: str) -> str:
            return self.imports.name(SQLALCHEMY, name)

        if kind == "sql":  # passed through as written; on SQLite, stored as its Python type's usual type
            assert column.sql_type is not None and column.python_type is not None
            self.uses_sql_type = True
            stored = call(sa(_PASS_THROUGH_STORAGE[column.python_type]))
            return f"{call('_SQLType', literal(column.sql_type))}.with_variant({stored}, {literal('sqlite')})"
        if kind == "bigserial" or (kind in ("bigint", "smallint") and column.identity is not None and not item
                                   and column.primary_key and len(table.primary_key) == 1):
            # SQLite numbers only an INTEGER PRIMARY KEY (its rowid): a numbered key is one there
            base = sa("SmallInteger" if kind == "smallint" else "BigInteger")
            return f"{base}().with_variant({sa('Integer')}(), {literal('sqlite')})"
        if kind == "real":
            return f"{sa('REAL')}[float]()"  # `REAL` alone is `REAL[Unknown]` to pyright: its Python type is open
        if kind == "interval":
            if not item and not core:  # loading a row holding what it cannot read raises, naming the row
                self.checked_attrs.setdefault(table.class_name, []).append(column.attr)
            self.uses_months_interval = self.uses_months_interval or column.months
            self.uses_interval_type = self.uses_interval_type or not column.months
            return call("_MonthsIntervalOf" if column.months else "_IntervalOf", _where(table, column))
        if kind in _NETWORK:  # PostgreSQL's own type, text elsewhere
            return _NETWORK[kind] + "()"
        if column.kind.sqlalchemy:
            return sa(column.kind.sqlalchemy)
        if kind == "numeric" and column.scale is None and not item:
            self.uses_scaleless_numeric = True
            return call("_ScalelessNumeric", str(column.precision)) if column.precision else "_ScalelessNumeric"
        if kind == "numeric":
            args = [str(v) for v in (column.precision, column.scale) if v is not None]
            return call(sa("Numeric"), *args) if args else sa("Numeric")
        if kind == "varchar":
            return call(sa("String"), str(column.length)) if column.length else sa("String")
        if kind == "char":
            return call(sa("CHAR"), str(column.length))
        if kind == "timestamp" and column.timezone and column.precision is None:
            self.uses_aware_datetime = True
            return "_AwareDateTime" if not item else "_AwareDateTime()"
        if kind in ("timestamp", "time") and column.precision is not None:
            # the seconds' digits: PostgreSQL's own type; SQLite keeps what it is given
            pg_type = self.imports.name("sqlalchemy.dialects.postgresql", "TIMESTAMP" if kind == "timestamp" else "TIME")
            generic = "DateTime" if kind == "timestamp" else "Time"
            base = "_AwareDateTime()" if column.timezone else f"{sa(generic)}()"
            if column.timezone:
                self.uses_aware_datetime = True
            variant = call(pg_type, timezone="True" if column.timezone else None, precision=str(column.precision))
            return f"{base}.with_variant({variant}, {literal('postgresql')})"
        if kind in ("timestamp", "time"):
            return sa("DateTime" if kind == "timestamp" else "Time")
        if kind == "enum":
            assert column.enum is not None
            return self.enum_sql_type(column.enum)
        # json and jsonb: typed or not, values pass through one adapter-backed type
        self.uses_json_type = True
        if not item and not core:  # a Core table's rows are not loaded objects to check
            self.checked_attrs.setdefault(table.class_name, []).append(column.attr)
        adapter = self.shared.adapter(self.types.column_py_type(column))
        self.uses_jsonb_type = self.uses_jsonb_type or kind == "jsonb"
        return call("_JSONBOf" if kind == "jsonb" else "_JSONOf", adapter, _where(table, column))

    # -- classes -------------------------------------------------------------------------------

    def core_table(self, table: Table) -> ir.ModelClass:
        """A table without a primary key nor unique NOT NULL columns: a Core `Table` on the Base's
        metadata (create_all, migrations and DDL see it like any other), written and read by statements."""
        assert table.core_name is not None
        columns = tuple(self.orm_column(table, column, core=True) for column in table.columns)
        doc = _paragraph(table.comment) or f"The `{table.name}` table (no primary key: a Core table, no mapped class)."
        doc += "\n\nWhat each column takes on insert, and gives when read (no Update schema):\n\n" + write_matrix(table)
        table_args = build_table_args(self.imports, table, self.catalog)
        if table.comment is not None:
            table_args = table_args[:-1]  # the comment is the last item: `comment=` here
        return ir.ModelClass(
            name=Code(f"_{table.class_name}Columns"), docstring=docstring(doc, 4), table_name=literal(table.name),
            table_args=table_args, table_args_line=None, mapper_args=None, columns=columns, relations=(),
            soft_delete=None, table_events=on_update_triggers(self.imports, table), table_ref=Code(table.core_name),
            core_name=Code(table.core_name),
            core_comment=literal(table.comment) if table.comment is not None else None,
        )

    def model_class(self, table: Table) -> ir.ModelClass:
        if table.core_name is not None:
            return self.core_table(table)
        imports = self.imports
        columns = tuple(self.orm_column(table, column) for column in table.columns)
        relations = tuple(relationship_field(self.catalog, self.imports, table, relation, self.class_aliases)
                          for relation in table.relations)
        soft_delete = None
        if table.soft_delete is not None:
            imports.name(SQLALCHEMY, "Select")
            imports.name(SQLALCHEMY, "select")
            imports.name("typing", "Self")
            imports.name(SQLALCHEMY, "func")
            soft_delete = ir.SoftDelete(Code(table.column(table.soft_delete).attr), Code(table.class_name))
        doc = _paragraph(table.comment) or f"A row of the `{table.name}` table."
        doc += "\n\nWhat each column takes on insert and update, and gives when read:\n\n" + write_matrix(table)
        table_args = build_table_args(self.imports, table, self.catalog)
        return ir.ModelClass(
            name=Code(table.class_name),
            docstring=docstring(doc, 4),
            table_name=literal(table.name),
            table_args=table_args,
            table_args_line=one_line_tuple(table_args, "__table_args__ = "),
            mapper_args=_mapper_args(table, self.shared.overlaps(table.name)),
            columns=columns,
            relations=relations,
            soft_delete=soft_delete,
            table_events=on_update_triggers(self.imports, table),
            table_ref=Code(f"{table.class_name}.__table__"),
        )

    def orm_column(self, table: Table, column: Column, *, core: bool = False) -> ir.Field:
        """`attr: Mapped[...] = mapped_column(...)`; for a Core table, its `Column(...)` (in `default`)."""
        imports = self.imports
        # a Core table's columns are typed by `TypedColumns` (`log_entries.c.message` is a `Column[str]`)
        annotation = f"{imports.name(SQLALCHEMY if core else ORM, 'Named' if core else 'Mapped')}" \
            f"[{self.types.value_type(column)}{' | None' if column.nullable else ''}]"
        args: list[str] = []
        if column.sql_name != column.attr or core:
            args.append(literal(column.sql_name))
        sql_type = self.sql_type(table, column, core=core)
        if core:  # an instance: a bare generic class (`Uuid`) leaves the Column's Python type open to pyright
            sql_type = self.type_instance(sql_type)
        default_kind = column.default.kind if column.default is not None else ""
        array_type = None
        if column.array and default_kind == "literal":  # one type instance, also typing its SQL DEFAULT
            array_type = sql_type = self.column_type(constant_name(f"{table.name} {column.sql_name}") + "_TYPE",
                                                     sql_type)
        if column.nullable and default_kind and (default_kind in ("literal", "sql") or not column.server_set) \
                and not column.array and not sql_type.startswith(("_JSONOf", "_JSONBOf")):
            # An explicit None must be stored as NULL, not replaced by the server default.
            sql_type = f"{self.type_instance(sql_type)}.evaluates_none()"
        args.append(sql_type)
        fk = table.foreign_key_of(column)
        if fk is not None:
            target = self.catalog.table(fk.target_table).column(fk.target_columns[0])
            args.append(call(
                imports.name(SQLALCHEMY, "ForeignKey"),
                literal(f"{fk.target_table}.{target.sql_name}"),
                ondelete=literal(fk.on_delete.upper()) if fk.on_delete else None,
                onupdate=literal(fk.on_update.upper()) if fk.on_update else None,
                name=literal(fk.given_name) if fk.given_name is not None else None,
                use_alter="True" if fk.use_alter else None,
            ))
        args += _numbered_or_computed(imports, column)
        kwargs: dict[str, str | None] = {
            "primary_key": "True" if column.primary_key else None,
            "autoincrement": "True" if column.autoincrement and column.identity is None else "False"
            if _numbered_by_default(table, column) else None,
            "unique": "True" if column.unique and not column.named_in_table_args else None,
            "index": "True" if column.index and not column.named_in_table_args else None,
        }
        kwargs.update(_orm_defaults(imports, self.types, self.now_kinds, column, array_type))
        if column.identity is not None and (not column.primary_key or len(table.primary_key) > 1):
            # (a part of a composite key too: SQLite numbers no such column)
            constant = next_number(imports, table, column)
            self.uses_next_number = True
            kwargs["default"] = self.shared.next_number(constant.name, constant.annotation, str(constant.default))
        if table.soft_delete == column.key:
            # `soft_delete()` assigns `func.now()`: fetch the time it became with the UPDATE
            kwargs["server_onupdate"] = f"{imports.name(SQLALCHEMY, 'FetchedValue')}()"
        if column.comment is not None:
            kwargs["comment"] = literal(column.comment)
        if core:  # keyed by the attribute (`log_entries.c.message`), as the Insert schema dumps it
            kwargs = {"nullable": "False" if not column.nullable else None, **kwargs}
            return ir.Field(Code(column.attr), Code(annotation), field_call(imports.name(SQLALCHEMY, "Column"), *args,
                                                                            **kwargs))
        return ir.Field(Code(column.attr), Code(annotation),
                        field_call(imports.name(ORM, "mapped_column"), *args, **kwargs))

    def column_type(self, name: str, value: str) -> str:
        """A module-level column type, after the other constants (it may use them)."""
        self.uses_array_defaults = True
        return self.shared.column_type(name, value)


def _table_fragment(models: _Models, table: Table) -> tuple[Entry | None, ir.ModelClass | None]:
    """The table's cache entry and its class (None: reused), or its class alone without a cache."""
    if models.fragments is None:
        return None, models.model(table)
    return models.fragments.fragment(_Recording(models), table, {"imports": models.imports, "shared": models.shared})


class _Recording:
    """`_Models` as the render cache drives it (`fragments.Builder`): a table's reads and calls on
    the shared state recorded, its write-only effects (flags, `now` kinds, checked attributes,
    class aliases) made afresh to keep, then merged."""

    def __init__(self, models: _Models) -> None:
        self.models = models

    def make(self, table: Table) -> ir.ModelClass:
        return self.models.model(table)

    def isolate(self, reads: set[str], calls: list[Call]) -> Callable[[], dict[str, Any]]:
        models = self.models
        real = models.catalog, models.imports, models.types, models.shared
        flags = {flag: getattr(models, flag) for flag in _FLAGS}
        kept = models.now_kinds, models.checked_attrs, models.class_aliases
        for flag in _FLAGS:
            setattr(models, flag, False)
        models.now_kinds, models.checked_attrs, models.class_aliases = set(), {}, {}
        models.catalog = cast(Catalog, RecordingCatalog(models.catalog, reads))
        models.imports.journal, models.imports.journaled = calls, set()
        models.shared = cast(SharedTypes, Recorder("shared", models.shared, calls))
        models.types = TypeExpressions(models.catalog, models.imports, untyped_json="any")

        def restore() -> dict[str, Any]:
            effects = {"flags": [flag for flag in _FLAGS if getattr(models, flag)], "now": sorted(models.now_kinds),
                       "checked": list(models.checked_attrs.items()), "aliases": list(models.class_aliases.items()),
                       "shape_values": models.types.shape_values}
            models.imports.journal = None
            models.catalog, models.imports, models.types, models.shared = real
            for flag, value in flags.items():
                setattr(models, flag, value)
            models.now_kinds, models.checked_attrs, models.class_aliases = kept
            return effects

        return restore

    def merge(self, effects: dict[str, Any]) -> None:
        models = self.models
        for flag in effects["flags"]:
            setattr(models, flag, True)
        models.now_kinds.update(effects["now"])
        for model, attrs in effects["checked"]:
            models.checked_attrs.setdefault(model, []).extend(attrs)
        for name, alias in effects["aliases"]:
            models.class_aliases.setdefault(name, alias)
        models.types.shape_values = models.types.shape_values or effects["shape_values"]


def _orm_defaults(imports: Imports, types: TypeExpressions, now_kinds: set[str], column: Column,
                  array_type: str | None = None) -> dict[str, str | None]:
    """`default=`, `server_default=` and `onupdate=` of a column (its `now` function noted in `now_kinds`)."""
    out: dict[str, str | None] = {}
    if column.default is None and not column.on_update_now:
        return out  # most columns

    def func() -> str:
        return imports.name(SQLALCHEMY, "func")

    def now() -> str:
        if column.type in ("timestamp", "time"):  # SQLite's own has whole seconds (see `_Now`)
            now_kinds.add(column.type)
            return "_Now()" if column.type == "timestamp" else "_CurrentTime()"
        return f"{func()}.{column.kind.now_function or 'now'}()"

    default = column.default
    if default is not None and default.kind == "now":
        out["server_default"] = now()
    elif default is not None and default.kind == "uuid":
        out["default"] = f"{imports.module('uuid')}.uuid4"
    elif default is not None and default.kind == "sql":
        out["server_default"] = call(imports.name(SQLALCHEMY, "text"), literal(default.value))
    elif default is not None and default.kind == "literal":
        value = default.value
        if column.array:
            out["default"] = "list" if not value else f"lambda: {types.column_default(column)}"
            if array_type is not None:  # the same list as the SQL DEFAULT, for raw SQL inserts
                out["server_default"] = call(imports.name(SQLALCHEMY, "literal"),
                                             types.column_default(column), array_type)
        elif column.type in ("json", "jsonb"):
            out["server_default"] = literal(json.dumps(value, ensure_ascii=False, separators=(",", ":")))
        elif column.type == "boolean":
            out["server_default"] = f"{imports.name(SQLALCHEMY, 'true' if value else 'false')}()"
        elif isinstance(value, (int, float, decimal.Decimal)):
            out["server_default"] = call(imports.name(SQLALCHEMY, "text"), literal(str(value)))
        elif isinstance(value, datetime.datetime):
            out["server_default"] = literal(value.isoformat(sep=" "))
        elif isinstance(value, (datetime.date, datetime.time)):
            out["server_default"] = literal(value.isoformat())
        elif isinstance(value, (uuid.UUID, str)):
            out["server_default"] = literal(str(value))
    if column.on_update_now:
        out["onupdate"] = now()
    return out


def _numbered_or_computed(imports: Imports, column: Column) -> list[str]:
    """`Computed(...)` of a generated column, `Identity(...)` of an identity column."""
    if column.generated is not None:
        return [call(imports.name(SQLALCHEMY, "Computed"), literal(column.generated),
                     persisted="True" if column.generated_stored else "False")]
    if column.identity is not None:
        return [call(imports.name(SQLALCHEMY, "Identity"), always="True" if column.identity == "always" else None)]
    return []


def _import_helpers(imports: Imports, flags: dict[str, bool], *, pydantic_on_import: bool) -> None:
    """The imports of the helper code the template writes for each flag that is on.

    Unless something Pydantic is used on import (`pydantic_on_import`: a months interval's values
    are `Interval`s, made by Pydantic's rules; a shape default is a shape instance), the models
    import no Pydantic: its names are for type checkers, the shapes `Any` at run time.
    """
    for flag in (flag for flag, used in flags.items() if used):
        for module_name, name in _HELPER_IMPORTS[flag]:
            if name:
                imports.name(module_name, name)
            else:
                imports.module(module_name)
    if not pydantic_on_import:
        imports.for_type_checkers({PYDANTIC, "pydantic_core", TYPES}, {TYPES})


def _paragraph(comment: str | None) -> str | None:
    """A table's comment as the docstring's first paragraph: without the blank lines it may end with (a
    YAML `|` block ends with a newline), which would stand between it and the next paragraph."""
    if comment is None:
        return None
    lines = comment.split("\n")
    while len(lines) > 1 and not lines[-1].strip():
        lines.pop()
    return "\n".join(lines)
