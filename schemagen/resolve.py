"""Stage 3, resolve: the typed spec -> the IR (names, Python and SQL types, relations).

Everything a template needs is decided here, and every cross-reference is checked here, so that a
spec that resolves always renders to code that imports and maps.
"""

from __future__ import annotations

import datetime
import decimal
import hashlib
import json
import math
import re
import unicodedata
import uuid
from dataclasses import dataclass, field
from typing import Any

from schemagen import ir, names
from schemagen.errors import SpecError, SpecErrors, SpecPath, did_you_mean, one_of
from schemagen.load import LoadedSpec, SourceFloat, SourceInt, as_text
from schemagen.spec import Column, Relation, ShapeField, Spec, Table

GENERATOR = "schemagen"

_INT_RANGES = {
    "smallint": (-(2**15), 2**15 - 1),
    "integer": (-(2**31), 2**31 - 1),
    "serial": (1, 2**31 - 1),
    "bigint": (-(2**63), 2**63 - 1),
    "bigserial": (1, 2**63 - 1),
}
_SERIAL = {"serial": "integer", "bigserial": "bigint"}
_DATE_LIKE = {"date", "time", "timestamp"}
_JSON = {"json", "jsonb"}
_TEXT = {"varchar", "char", "text"}
_NUMBER = {"smallint", "integer", "bigint", "serial", "bigserial", "real", "double", "numeric"}
_NOW_FUNCTION = {"date": "current_date", "time": "current_time", "timestamp": "now"}
_SHAPE_BUILTINS = {"str", "int", "float", "bool", "decimal", "date", "datetime", "time", "uuid", "any"}
_FK_ACTIONS = {"cascade", "set null", "restrict", "no action", "set default"}
_RULE_JSON = {"min_length", "max_length", "pattern", "ge", "gt", "le", "lt"}
_UUID_PATTERN = r"^[0-9a-fA-F]{8}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{12}$"
_MAX_SQL_NAME = 63  # PostgreSQL truncates identifiers beyond this
# Built-in PostgreSQL type names an enum's SQL type must not take.
_POSTGRES_TYPES = frozenset({
    "bigint", "bigserial", "bit", "bool", "boolean", "box", "bytea", "char", "character", "cidr", "circle",
    "date", "decimal", "float4", "float8", "inet", "int", "int2", "int4", "int8", "integer", "interval", "json",
    "jsonb", "line", "lseg", "macaddr", "money", "name", "numeric", "oid", "path", "point", "polygon", "real",
    "record", "serial", "smallint", "smallserial", "text", "time", "timestamp", "timestamptz", "timetz",
    "tsquery", "tsvector", "uuid", "varchar", "varbit", "xml", "regclass", "void", "trigger",
})


# ---------------------------------------------------------------------------------------------
# The resolved schema, before it is laid out per module.


@dataclass
class ResolvedColumn:
    key: str
    attr: str
    sql_name: str
    spec: Column
    path: SpecPath
    table: str
    nullable: bool = True
    primary_key: bool = False
    autoincrement: bool = False
    server_set: bool = False
    default_kind: str = ""  # "", literal, now, uuid, sql
    default_value: Any = None
    enum: str | None = None
    json_type: Any = None  # parsed type expression of a typed JSON column


@dataclass
class ForeignKey:
    table: str
    column: ResolvedColumn
    target_table: str
    target_column: ResolvedColumn


@dataclass
class ResolvedRelation:
    name: str
    attr: str
    table: str
    target: str
    kind: str  # many-to-one, one-to-one, one-to-many, many-to-many
    spec: Relation
    path: SpecPath
    fk: ForeignKey | None = None
    through: str | None = None
    link_fks: tuple[ForeignKey, ForeignKey] | None = None
    partner: ResolvedRelation | None = None
    overlaps: set[str] = field(default_factory=set)


@dataclass
class ResolvedTable:
    name: str
    class_name: str
    spec: Table
    path: SpecPath
    columns: dict[str, ResolvedColumn] = field(default_factory=dict)
    relations: dict[str, ResolvedRelation] = field(default_factory=dict)
    fks: list[ForeignKey] = field(default_factory=list)


@dataclass(frozen=True)
class TypeRef:
    """A parsed shape type expression: `list[X]`, `dict[str, X]`, a builtin or a named type."""

    kind: str  # builtin, named, list, dict
    name: str = ""
    item: TypeRef | None = None


_TOKEN = re.compile(r"\s*([^\W\d]\w*|\[|\]|,)")


def parse_type(text: str) -> TypeRef | None:
    tokens = []
    position = 0
    while position < len(text):
        match = _TOKEN.match(text, position)
        if not match:
            if text[position:].strip():
                return None
            break
        tokens.append(match.group(1))
        position = match.end()
    parsed, rest = _parse_tokens(tokens)
    return parsed if parsed is not None and not rest else None


def _parse_tokens(tokens: list[str]) -> tuple[TypeRef | None, list[str]]:
    if not tokens or not re.fullmatch(r"[^\W\d]\w*", tokens[0]):
        return None, tokens
    head, rest = tokens[0], tokens[1:]
    if head == "list" and rest[:1] == ["["]:
        item, rest = _parse_tokens(rest[1:])
        if item is None or rest[:1] != ["]"]:
            return None, rest
        return TypeRef("list", item=item), rest[1:]
    if head == "dict" and rest[:3] == ["[", "str", ","]:
        item, rest = _parse_tokens(rest[3:])
        if item is None or rest[:1] != ["]"]:
            return None, rest
        return TypeRef("dict", item=item), rest[1:]
    if head in _SHAPE_BUILTINS:
        return TypeRef("builtin", name=head), rest
    return TypeRef("named", name=head), rest


# ---------------------------------------------------------------------------------------------


def resolve(spec: Spec, loaded: LoadedSpec) -> ir.Package:
    """The IR for one spec, or SpecErrors listing every semantic problem found."""
    return Resolver(spec, loaded).run()


class Resolver:
    def __init__(self, spec: Spec, loaded: LoadedSpec) -> None:
        self.spec = spec
        self.loaded = loaded
        self.errors: list[SpecError] = []
        self.tables: dict[str, ResolvedTable] = {}
        self.enum_names: dict[str, str] = {}  # spec enum name -> SQL type name
        self.shape_order: list[str] = []
        self.public: dict[str, str] = {name: "a name the generated package defines itself"
                                        for name in names.PACKAGE_NAMES}

    def fail(self, path: SpecPath, message: str, hint: str = "", *, key: bool = False) -> None:
        self.errors.append(self.loaded.error(path, message, hint, key=key))

    def check(self) -> None:
        if self.errors:
            raise SpecErrors(self.errors)

    # -- names ----------------------------------------------------------------------------

    def run(self) -> ir.Package:
        package = self.spec.package or self.loaded.file.stem
        where: SpecPath = ("package",) if self.spec.package else ()
        suggestion = names.suggest_identifier(package, "models")
        if not names.is_identifier(package) or package in names.PYTHON_KEYWORDS or package.startswith("_"):
            if self.spec.package:
                self.fail(where, f"`{package}` cannot be a Python package name",
                          f"use lowercase letters, digits and `_`, e.g. `package: {suggestion}`")
            else:
                self.fail(where, f"the package name `{package}` comes from the file name and is not a Python "
                          "identifier", f"add `package: {suggestion}` to the spec, or rename the file")
        elif package in names.IMPORTED_MODULES:
            self.fail(where, f"package `{package}` would hide the module `{package}`, which the generated code "
                      "imports", f"choose another name, e.g. `package: {package}_models`")
        self.package = package
        self._enums()
        self._shapes()
        self._tables()
        self.check()
        self._foreign_keys()
        self.check()
        self._relations()
        self._table_rules()
        self.check()
        from schemagen.layout import build_package  # layout reads this module's resolved classes

        return build_package(self)

    def _claim(self, public: str, path: SpecPath, claim: str, owner: str) -> None:
        """Every public name of the package is unique across its modules.

        `claim` says how this part of the spec takes the name ("table `x` maps to the class"),
        `owner` names it as the earlier holder ("the model class of table `x`").
        """
        if public in self.public:
            fix = f"set `model:` on `{path[1]}`" if path[0] == "tables" else "rename one of them"
            self.fail(path, f"{claim} `{public}`, which is also {self.public[public]}", fix, key=True)
        else:
            self.public[public] = owner

    def _class_name_ok(self, name: str, path: SpecPath, what: str, *, key: bool = True) -> bool:
        if not names.is_identifier(name) or names.needs_mapping(name):
            self.fail(path, f"{what} `{name}` is not a valid class name",
                      f"use a PascalCase identifier, e.g. `{names.class_name(name) or 'Status'}`", key=key)
            return False
        if not name[:1].isupper():
            example = name[:1].upper() + name[1:] if "_" not in name else names.class_name(name + "s")
            hint = f"e.g. `model: {example}`" if path[-1] == "model" else f"e.g. `{example}`"
            self.fail(path, f"{what} `{name}` must be PascalCase (start with a capital letter)", hint, key=key)
            return False
        return True

    def _enums(self) -> None:
        sql_names: dict[str, str] = {}
        for name, values in self.spec.enums.items():
            path: SpecPath = ("enums", name)
            if not self._class_name_ok(name, path, "enum name"):
                continue
            self._claim(name, path, "enum", f"the enum `{name}`")
            sql = names.snake_case(name)
            if sql in sql_names:
                self.fail(path, f"enums `{name}` and `{sql_names[sql]}` both become the SQL type `{sql}`", key=True)
            sql_names[sql] = name
            self.enum_names[name] = sql
            if sql in _POSTGRES_TYPES:
                self.fail(path, f"enum `{name}` would be the SQL type `{sql}`, which is a PostgreSQL built-in type",
                          f"rename it, e.g. `{name}Kind`", key=True)
            if sql in {t.lower() for t in self.spec.tables}:
                self.fail(path, f"enum `{name}` would be the SQL type `{sql}`, the name PostgreSQL also gives the "
                          f"table `{sql}`", f"rename the enum, e.g. `{name}Kind`", key=True)
            if not values:
                self.fail(path, f"enum `{name}` has no values", "list at least one value")
            members: dict[str, str] = {}
            for index, value in enumerate(values):
                member = names.enum_member(value)
                if "\x00" in value:
                    self.fail((*path, index), f"a value of enum `{name}` holds a NUL character, which PostgreSQL "
                              "cannot store", "remove it")
                elif len(value.encode()) > _MAX_SQL_NAME:
                    self.fail((*path, index), f"a value of enum `{name}` is {len(value.encode())} bytes long; "
                              f"PostgreSQL enum values hold at most {_MAX_SQL_NAME}", "shorten it")
                elif value in values[:index]:
                    self.fail((*path, index), f"enum `{name}` lists the value `{value}` twice")
                elif member in members:
                    self.fail((*path, index), f"enum values `{members[member]}` and `{value}` of `{name}` both "
                              f"become the member name `{member}`", "make the values differ in letters or digits")
                members[member] = value

    def _shapes(self) -> None:
        known = set(self.spec.types) | set(self.spec.enums)
        deps: dict[str, set[str]] = {}
        for name, fields in self.spec.types.items():
            path: SpecPath = ("types", name)
            if not self._class_name_ok(name, path, "type name"):
                continue
            self._claim(name, path, "type", f"the type `{name}`")
            deps[name] = set()
            if not fields:
                self.fail(path, f"type `{name}` has no fields")
            for field_name, shape_field in fields.items():
                fpath = (*path, field_name)
                self._field_name_ok(field_name, fpath, "field")
                ref = parse_type(shape_field.type)
                if ref is None:
                    self.fail((*fpath, "type") if isinstance(self._raw_value(fpath), dict) else fpath,
                              f"`{shape_field.type}` is not a type expression",
                              f"use one of {one_of(sorted(_SHAPE_BUILTINS))}, a type or enum name, "
                              "`list[X]` or `dict[str, X]`")
                    continue
                for named in _named_types(ref):
                    if named not in known:
                        self.fail(fpath, f"field `{field_name}` of type `{name}` names the unknown type `{named}`"
                                  f"{did_you_mean(named, known | _SHAPE_BUILTINS)}",
                                  f"use one of {one_of(sorted(_SHAPE_BUILTINS))}, or a name from `types:` or "
                                  "`enums:`")
                    elif named in self.spec.types:
                        deps[name].add(named)
                if shape_field.enum is not None and ref != TypeRef("builtin", name="str"):
                    self.fail((*fpath, "enum"), f"`enum:` on a shape field needs `type: str`, not `{shape_field.type}`",
                              "or declare the values under `enums:` and write `type: EnumName`", key=True)
                self._shape_default(shape_field, ref, fpath)
        # Shapes are emitted so that each follows the shapes it uses (spec order otherwise).
        done: list[str] = []
        trail: list[str] = []  # "Shape.field" steps of the walk in progress

        def visit(name: str) -> None:
            if name in done:
                return
            entered = [step.split(".")[0] for step in trail]
            if name in entered:
                cycle = " -> ".join([*trail[entered.index(name):], name])
                self.fail(("types", name), f"type `{name}` refers to itself through its fields ({cycle})",
                          "recursive shapes are not supported; store the nested part as `any`", key=True)
                done.extend(entered[entered.index(name):])  # one report per cycle
                return
            for field_name, shape_field in self.spec.types.get(name, {}).items():
                ref = parse_type(shape_field.type)
                for dep in _named_types(ref) if ref is not None else []:
                    if dep in deps:
                        trail.append(f"{name}.{field_name}")
                        visit(dep)
                        trail.pop()
                        if self.errors and dep not in done:
                            return
            done.append(name)

        for name in deps:
            visit(name)
        self.shape_order = done

    def _shape_default(self, shape_field: ShapeField, ref: TypeRef, path: SpecPath) -> None:
        if "default" not in shape_field.model_fields_set or shape_field.default is None:
            return
        try:
            _check_json_default(shape_field.default, ref, self.spec)
        except ValueError as exc:
            self.fail((*path, "default"), f"default does not fit the type `{shape_field.type}`: {exc}")

    def _raw_value(self, path: SpecPath) -> Any:
        node: Any = self.loaded.data
        for part in path:
            try:
                node = node[part]
            except (KeyError, IndexError, TypeError):
                return None
        return node

    def _field_name_ok(self, key: str, path: SpecPath, what: str) -> bool:
        if not names.is_identifier(key):
            example = names.suggest_identifier(key, what)
            keep = "; set `column:` to keep the SQL name" if what == "column" else ""
            self.fail(path, f"{what} name `{key}` is not a valid Python identifier",
                      f"use letters, digits and `_`, not starting with a digit, e.g. `{example}`{keep}", key=True)
            return False
        if key.startswith("_"):
            self.fail(path, f"{what} name `{key}` starts with `_`, which Pydantic and SQLAlchemy keep for "
                      "themselves", f"name it `{key.lstrip('_') or 'value'}` and set `column: {key}`", key=True)
            return False
        return True

    # -- tables and columns ---------------------------------------------------------------

    def _tables(self) -> None:
        classes: dict[str, str] = {}
        sql_tables: dict[str, str] = {}
        for table_name, table in self.spec.tables.items():
            path: SpecPath = ("tables", table_name)
            problem = sql_name_problem(table_name)
            if problem:
                self.fail(path, f"`{table_name}` is not a usable SQL table name: {problem}", key=True)
                continue
            class_name = table.model or names.class_name(table_name)
            cpath = (*path, "model") if table.model else path
            if not self._class_name_ok(class_name, cpath, "model class name", key=not table.model):
                if not table.model:
                    self.errors[-1] = self.loaded.error(
                        path, f"table `{table_name}` gives no valid class name (`{class_name}`)",
                        "set `model: ClassName` on the table", key=True)
                continue
            if class_name in classes:
                self.fail(cpath, f"tables `{classes[class_name]}` and `{table_name}` both map to the class "
                          f"`{class_name}`", "set `model:` on one of them", key=True)
                continue
            if table_name.lower() in sql_tables:
                self.fail(path, f"tables `{sql_tables[table_name.lower()]}` and `{table_name}` differ only in case",
                          key=True)
            sql_tables[table_name.lower()] = table_name
            if table_name.lower().startswith("sqlite_"):
                self.fail(path, f"table name `{table_name}` starts with `sqlite_`, which SQLite keeps for itself",
                          "rename the table", key=True)
            classes[class_name] = table_name
            self._claim(class_name, path, f"table `{table_name}` maps to the class",
                        f"the model class of table `{table_name}`")
            for suffix in ("Insert", "Select", "Update"):
                self._claim(f"{class_name}{suffix}", path, f"the {suffix} schema of table `{table_name}` is",
                            f"the {suffix} schema of table `{table_name}`")
            resolved = ResolvedTable(table_name, class_name, table, path)
            self.tables[table_name] = resolved
            self._columns(resolved)

    def _columns(self, table: ResolvedTable) -> None:
        sql_names: dict[str, str] = {}
        attrs: dict[str, str] = {}
        pk_keys = set(table.spec.primary_key or ())
        for index, key in enumerate(table.spec.primary_key or ()):
            if key not in table.spec.columns:
                self.fail((*table.path, "primary_key", index), f"primary key column `{key}` is not a column of "
                          f"`{table.name}`{did_you_mean(key, table.spec.columns)}",
                          f"columns of `{table.name}`: {one_of(table.spec.columns)}")
        if table.spec.primary_key and any(c.primary_key for c in table.spec.columns.values()):
            self.fail((*table.path, "primary_key"), "give the primary key either as `primary_key: [...]` on the "
                      "table or as `primary_key: true` on columns, not both")
        for key, spec in table.spec.columns.items():
            path = (*table.path, "columns", key)
            if not self._field_name_ok(key, path, "column"):
                continue
            attr = names.attribute_name(unicodedata.normalize("NFKC", key))
            sql_name = spec.column if spec.column is not None else key
            problem = sql_name_problem(sql_name)
            if problem:
                self.fail((*path, "column") if spec.column is not None else path,
                          f"`{sql_name}` is not a usable SQL column name: {problem}", key=spec.column is None)
                continue
            if sql_name.lower() in sql_names:
                other = sql_names[sql_name.lower()]
                other_sql = table.spec.columns[other].column or other
                if other_sql == sql_name:
                    self.fail(path, f"columns `{other}` and `{key}` of table `{table.name}` both use the SQL name "
                              f"`{sql_name}`", "set `column:` on one of them", key=True)
                else:
                    self.fail(path, f"columns `{other}` and `{key}` of table `{table.name}` have SQL names that "
                              "differ only in case", "SQLite and unquoted SQL treat them as one name; rename one "
                              "of them or set `column:`", key=True)
            sql_names[sql_name.lower()] = key
            if attr in attrs:
                nfkc = " (Python reads identifiers in NFKC form)" if attr != names.attribute_name(key) else ""
                self.fail(path, f"columns `{attrs[attr]}` and `{key}` both become the attribute `{attr}`{nfkc}",
                          "rename one of them (set `column:` to keep its SQL name)", key=True)
            attrs[attr] = key
            column = ResolvedColumn(key, attr, sql_name, spec, path, table.name)
            column.primary_key = spec.primary_key or key in pk_keys
            column.nullable = (not column.primary_key) if spec.nullable is None else spec.nullable
            if column.primary_key and spec.nullable:
                self.fail((*path, "nullable"), "a primary key column cannot be nullable")
            self._column_type(column)
            self._column_default(column)
            table.columns[key] = column
        if not any(c.primary_key for c in table.columns.values()) and not self.errors:
            self.fail(table.path, f"table `{table.name}` has no primary key",
                      "add `primary_key: true` to a column or `primary_key: [a, b]` to the table", key=True)

    def _column_type(self, column: ResolvedColumn) -> None:
        spec, path = column.spec, column.path
        kind = spec.type
        if kind in _SERIAL:
            column.autoincrement = True
            column.server_set = True
            if not column.primary_key:
                self.fail((*path, "type"), f"`{kind}` is for auto-numbered primary keys",
                          f"use `{_SERIAL[kind]}` for a plain number column")
        if spec.length is not None and kind not in ("varchar", "char"):
            self.fail((*path, "length"), f"`length` applies to varchar and char, not `{kind}`")
        if kind == "char" and spec.length is None:
            self.fail(path, "`char` needs a `length`", "e.g. `{type: char, length: 2}`")
        if (spec.precision is not None or spec.scale is not None) and kind != "numeric":
            self.fail((*path, "precision" if spec.precision is not None else "scale"),
                      f"`precision` and `scale` apply to numeric, not `{kind}`")
        if kind == "numeric" and spec.scale is not None:
            if spec.precision is None:
                self.fail((*path, "scale"), "`scale` needs a `precision`")
            elif spec.scale > spec.precision:
                self.fail((*path, "scale"), f"scale {spec.scale} is larger than precision {spec.precision}")
        if spec.timezone and kind != "timestamp":
            self.fail((*path, "timezone"), f"`timezone` applies to timestamp columns, not `{kind}`",
                      "a time of day with an offset cannot be kept on SQLite; store a timestamp instead"
                      if kind == "time" else "")
        if kind == "json" and (spec.index or spec.unique):
            self.fail((*path, "index" if spec.index else "unique"), "a `json` column cannot be indexed or unique "
                      "(PostgreSQL has no comparison for json)", "use `jsonb`, which can be")
        if kind == "bytes" and spec.array:
            self.fail((*path, "array"), "`array: true` is not supported on `bytes` columns",
                      "store one value per row in a related table")
        if spec.array and (kind in _JSON or kind in _SERIAL):
            self.fail((*path, "array"), f"`array: true` is not supported on `{kind}` columns",
                      "store a list in a json column with `schema: list[...]` instead" if kind in _JSON else "")
        if spec.array and column.primary_key:
            self.fail((*path, "array"), "an array column cannot be a primary key")
        if kind == "enum":
            if spec.enum is None:
                self.fail(path, "an `enum` column needs `enum: EnumName`",
                          f"declared enums: {one_of(self.spec.enums)}" if self.spec.enums else "declare one under `enums:`")
            elif spec.enum not in self.spec.enums:
                self.fail((*path, "enum"), f"unknown enum `{spec.enum}`{did_you_mean(spec.enum, self.spec.enums)}",
                          f"declared enums: {one_of(self.spec.enums)}" if self.spec.enums else "declare it under `enums:`")
            else:
                column.enum = spec.enum
        elif spec.enum is not None:
            self.fail((*path, "enum"), f"`enum:` applies to columns of `type: enum`, not `{kind}`",
                      f"write `type: enum` to store values of `{spec.enum}`, or remove `enum:`")
        if spec.json_schema is not None:
            if kind not in _JSON:
                self.fail((*path, "schema"), f"`schema:` applies to json and jsonb columns, not `{kind}`")
            else:
                ref = parse_type(spec.json_schema)
                if ref is None:
                    self.fail((*path, "schema"), f"`{spec.json_schema}` is not a type expression",
                              "use a name from `types:`, `list[Name]`, `dict[str, X]` or a builtin such as `list[str]`")
                else:
                    known = set(self.spec.types) | set(self.spec.enums)
                    for named in _named_types(ref):
                        if named not in known:
                            self.fail((*path, "schema"), f"unknown type `{named}`"
                                      f"{did_you_mean(named, known | _SHAPE_BUILTINS)}",
                                      f"declared types: {one_of(self.spec.types)}" if self.spec.types
                                      else "declare it under `types:`")
                    column.json_type = ref
        if spec.on_update is not None and spec.on_update != "now" and spec.on_update not in _FK_ACTIONS:
            self.fail((*path, "on_update"), f"unknown `on_update` value `{spec.on_update}`"
                      f"{did_you_mean(spec.on_update, ['now', *_FK_ACTIONS])}",
                      "use `now` (timestamps) or a foreign-key action: " + one_of(sorted(_FK_ACTIONS)))
        if spec.on_update == "now" and kind not in _DATE_LIKE:
            self.fail((*path, "on_update"), f"`on_update: now` applies to date/time/timestamp columns, not `{kind}`")
        if spec.on_update in _FK_ACTIONS and spec.references is None:
            self.fail((*path, "on_update"), f"`on_update: {spec.on_update}` is a foreign-key action but the column "
                      "has no `references:`")
        if spec.on_delete is not None and spec.references is None:
            self.fail((*path, "on_delete"), "`on_delete` needs `references: table.column` on the same column")
        if spec.on_delete == "set null" and not column.nullable:
            self.fail((*path, "on_delete"), "`on_delete: set null` on a column that is not nullable",
                      "make the column `nullable: true` or choose another action")
        self._rules(column)

    def _rules(self, column: ResolvedColumn) -> None:
        rules, path, kind = column.spec.rules, (*column.path, "validate"), column.spec.type
        if rules is None:
            return
        textual = kind in _TEXT or (kind in ("uuid",) and False)
        for name in ("min_length", "max_length", "pattern", "format"):
            if getattr(rules, name) is not None and not textual and not (column.spec.array and name in (
                    "min_length", "max_length")):
                self.fail((*path, name), f"`{name}` applies to text columns (varchar, char, text), not `{kind}`")
        for name in ("ge", "gt", "le", "lt"):
            if getattr(rules, name) is not None and kind not in _NUMBER:
                self.fail((*path, name), f"`{name}` applies to number columns, not `{kind}`")
        if rules.pattern is not None:
            try:
                re.compile(rules.pattern)
            except re.error as exc:
                self.fail((*path, "pattern"), f"`pattern` is not a valid regular expression: {exc}")
        if (rules.min_length is not None and rules.max_length is not None and rules.min_length > rules.max_length):
            self.fail((*path, "min_length"), "`min_length` is larger than `max_length`")
        if rules.message is not None and all(getattr(rules, n) is None for n in (*_RULE_JSON, "format")):
            self.fail((*path, "message"), "`message` has no rule to report on", "add a rule such as `min_length`")

    def _column_default(self, column: ResolvedColumn) -> None:
        spec, path = column.spec, (*column.path, "default")
        if spec.on_update == "now":
            column.server_set = True
            if "default" not in spec.model_fields_set:  # set on insert too, as an update would
                column.default_kind = "now"
        if "default" not in spec.model_fields_set:
            return
        value = spec.default
        kind = spec.type
        if isinstance(value, dict) and set(value) == {"sql"}:
            if not isinstance(value["sql"], str) or not value["sql"].strip():
                empty = isinstance(value["sql"], str)
                self.fail(path, "`{sql: ...}` is empty" if empty else "`{sql: ...}` needs the SQL expression as text",
                          'write the SQL expression, e.g. `default: {sql: "now()"}`')
                return
            column.default_kind, column.default_value, column.server_set = "sql", value["sql"], True
            return
        if isinstance(value, dict) and set(value) == {"json"}:
            if kind not in _JSON:
                self.fail(path, "`{json: ...}` defaults apply to json and jsonb columns")
                return
            value = value["json"]
        elif value == "now" and kind in _DATE_LIKE and not spec.array:
            column.default_kind, column.server_set = "now", True
            return
        elif value == "uuid" and kind == "uuid" and not spec.array:
            column.default_kind, column.server_set = "uuid", True
            return
        if column.autoincrement:
            self.fail(path, f"`{kind}` columns are numbered by the database and take no default")
            return
        if value is None:
            if not column.nullable:
                self.fail(path, "`default: null` on a column that is not nullable",
                          "leave `default:` out (the value is then required on insert), or make the column nullable")
            return
        try:
            column.default_value = self._default_value(column, value)
            column.default_kind = "literal"
        except ValueError as exc:
            inside: SpecPath = getattr(exc, "where", ())
            if inside and isinstance(spec.default, dict) and set(spec.default) == {"json"}:
                inside = ("json", *inside)
            self.fail((*path, *inside), f"default {_show_value(value)} does not fit the "
                      f"`{kind}{'[]' if spec.array else ''}` column: {exc}", _default_hint(kind))

    def _default_value(self, column: ResolvedColumn, value: Any) -> Any:
        spec = column.spec
        if spec.type in _JSON:
            if column.json_type is not None:
                _check_json_default(value, column.json_type, self.spec)
            else:
                _check_json_default(value, TypeRef("builtin", name="any"), self.spec)
            return plain_json(value)
        if spec.array:
            if not isinstance(value, list):
                raise ValueError("an array column takes a list")
            return [self._scalar_default(column, item) for item in value]
        return self._scalar_default(column, value)

    def _scalar_default(self, column: ResolvedColumn, value: Any) -> Any:
        kind = column.spec.type
        if isinstance(value, (dict, list)):
            raise ValueError("expected a single value")
        if kind == "boolean":
            if not isinstance(value, bool):
                raise ValueError("expected true or false")
            return value
        if kind in _INT_RANGES:
            if isinstance(value, bool) or not isinstance(value, int):
                raise ValueError("expected a whole number")
            low, high = _INT_RANGES[kind]
            if not low <= value <= high:
                raise ValueError(f"out of range {low}..{high}")
            return int(value)
        if kind in ("real", "double"):
            if isinstance(value, bool) or not isinstance(value, (int, float)) or not math.isfinite(value):
                raise ValueError("expected a finite number")
            return float(value)
        if kind == "numeric":
            if isinstance(value, bool) or not isinstance(value, (int, float)):
                raise ValueError("expected a number")
            number = decimal.Decimal(as_text(value))
            if not number.is_finite():
                raise ValueError("expected a finite number")
            return number
        if kind in _TEXT:
            if not isinstance(value, (str, SourceInt, SourceFloat)) or isinstance(value, bool):
                raise ValueError("expected text (quote it)")
            text = str(as_text(value))
            if column.spec.length is not None and len(text) > column.spec.length:
                raise ValueError(f"longer than the column's length {column.spec.length}")
            return text
        if kind == "enum":
            text = str(as_text(value))
            values = self.spec.enums.get(column.enum or "", [])
            if text not in values:
                raise ValueError(f"`{text}` is not a value of `{column.enum}` ({', '.join(values)})")
            return text
        if kind == "uuid":
            try:
                return uuid.UUID(str(value))
            except ValueError:
                raise ValueError("expected a UUID such as `00000000-0000-0000-0000-000000000000`") from None
        if kind in _DATE_LIKE:
            try:
                return _parse_iso(kind, str(value))
            except ValueError:
                raise ValueError(f"expected an ISO {kind} such as "
                                 f"{ {'date': '2024-01-31', 'time': '09:30:00', 'timestamp': '2024-01-31T09:30:00'}[kind] }"
                                 " or `now`") from None
        raise ValueError(f"`{kind}` columns take no literal default; use `{{sql: ...}}`")

    # -- foreign keys and relations ----------------------------------------------------------

    def _foreign_keys(self) -> None:
        for table in self.tables.values():
            for column in table.columns.values():
                reference = column.spec.references
                if reference is None:
                    continue
                rpath = (*column.path, "references")
                target_name, dot, target_key = reference.rpartition(".")
                if not dot or not target_name:
                    self.fail(rpath, f"`references: {reference}` must name `table.column`", "e.g. `references: users.id`")
                    continue
                target = self.tables.get(target_name)
                if target is None:
                    self.fail(rpath, f"`references` names the unknown table `{target_name}`"
                              f"{did_you_mean(target_name, self.tables)}")
                    continue
                target_column = target.columns.get(target_key) or next(
                    (c for c in target.columns.values() if c.sql_name == target_key), None)
                if target_column is None:
                    self.fail(rpath, f"table `{target_name}` has no column `{target_key}`"
                              f"{did_you_mean(target_key, target.columns)}")
                    continue
                if _storage_type(column) != _storage_type(target_column):
                    self.fail(rpath, f"`{table.name}.{column.key}` is `{_type_words(column)}` but references "
                              f"`{target_name}.{target_column.key}` of type `{_type_words(target_column)}`",
                              f"make `{column.key}` `{_type_words(target_column, plain=True)}`")
                    continue
                if not (target_column.primary_key and sum(c.primary_key for c in target.columns.values()) == 1) \
                        and not target_column.spec.unique:
                    self.fail(rpath, f"`{target_name}.{target_column.key}` is neither the primary key nor unique, "
                              "so it cannot be referenced", f"add `unique: true` to `{target_name}.{target_column.key}`")
                    continue
                if column.spec.on_delete == "set default" and not column.default_kind:
                    self.fail((*column.path, "on_delete"), "`on_delete: set default` on a column without a default",
                              f"give `{column.key}` a `default:` that exists in `{target_name}.{target_column.key}`, "
                              "or choose another action")
                table.fks.append(ForeignKey(table.name, column, target_name, target_column))

    def _fks_between(self, source: str, target: str) -> list[ForeignKey]:
        return [fk for fk in self.tables[source].fks if fk.target_table == target]

    def _relations(self) -> None:
        for table in self.tables.values():
            for name, relation in table.spec.relations.items():
                path = (*table.path, "relations", name)
                if not self._field_name_ok(name, path, "relation"):
                    continue
                attr = names.attribute_name(name)
                if name in table.spec.columns or attr in {c.attr for c in table.columns.values()}:
                    self.fail(path, f"relation `{name}` has the same name as a column of `{table.name}`",
                              "rename the relation", key=True)
                    continue
                resolved = self._relation(table, name, attr, relation, path)
                if resolved is not None:
                    table.relations[name] = resolved
        self._pair_relations()

    def _relation(self, table: ResolvedTable, name: str, attr: str, spec: Relation, path: SpecPath) -> ResolvedRelation | None:
        if (spec.one is None) == (spec.many is None):
            both = spec.one is not None
            self.fail(path, f"relation `{name}` gives both `one:` and `many:`" if both
                      else f"relation `{name}` needs `one: table` or `many: table`",
                      "`one: T` follows a foreign key to a single row of `T`; `many: T` lists the rows of `T` that "
                      "point here")
            return None
        target_name = spec.one if spec.one is not None else spec.many
        assert target_name is not None
        tkey = "one" if spec.one is not None else "many"
        if target_name not in self.tables:
            self.fail((*path, tkey), f"relation `{name}` targets the unknown table `{target_name}`"
                      f"{did_you_mean(target_name, self.tables)}")
            return None
        target = self.tables[target_name]
        relation = ResolvedRelation(name, attr, table.name, target_name, "", spec, path)
        if spec.through is not None:
            if spec.one is not None:
                self.fail((*path, "through"), "`through:` goes with `many:` (a many-to-many relation)")
                return None
            return self._many_to_many(table, target, relation)
        if spec.through_fields is not None:
            self.fail((*path, "through_fields"), "`through_fields` needs `through: link_table`")
            return None
        if spec.one is not None:
            own = self._pick(self._fks_between(table.name, target_name), spec.fields, relation, "fields", local=True)
            if own is not None:
                relation.fk = own
                relation.kind = "one-to-one" if _is_unique(self.tables[table.name], own.column) else "many-to-one"
                return relation
            if spec.fields is not None or self._fks_between(table.name, target_name):
                return None
            inverse = self._pick(self._fks_between(target_name, table.name), spec.references, relation,
                                 "references", local=False)
            if inverse is None:
                if not self._fks_between(target_name, table.name) and spec.references is None:
                    self.fail((*path, "one"), f"relation `{name}`: no foreign key links `{table.name}` and "
                              f"`{target_name}`", f"add `references: {target_name}.<column>` to a column of "
                              f"`{table.name}`, or `references: {table.name}.<column>` to one of `{target_name}`")
                return None
            if not _is_unique(target, inverse.column):
                self.fail((*path, "one"), f"relation `{name}` is one-to-one, but `{target_name}.{inverse.column.key}` "
                          "is not unique, so there can be many", f"use `many: {target_name}`, or make "
                          f"`{target_name}.{inverse.column.key}` unique")
                return None
            relation.fk = inverse
            relation.kind = "one-to-one-inverse"
            return relation
        if spec.fields is not None and spec.references is None:
            candidates = [fk.column.key for fk in self._fks_between(target_name, table.name)]
            example = candidates[0] if candidates else f"{names.snake_case(table.class_name)}_id"
            self.fail((*path, "fields"), "on a `many:` relation, name the foreign-key columns of the other table "
                      "with `references:`", f"write `references: [{example}]` (the foreign key of `{target_name}` "
                      f"to `{table.name}`)")
            return None
        fk = self._pick(self._fks_between(target_name, table.name), spec.references, relation, "references",
                        local=False)
        if fk is None:
            if not self._fks_between(target_name, table.name) and spec.references is None:
                self.fail((*path, "many"), f"relation `{name}`: table `{target_name}` has no foreign key to "
                          f"`{table.name}`", f"add a column with `references: {table.name}.<column>` to "
                          f"`{target_name}`, or use `through:` for many-to-many")
            return None
        relation.fk = fk
        relation.kind = "one-to-many"
        return relation

    def _pick(self, fks: list[ForeignKey], chosen: list[str] | None, relation: ResolvedRelation, key: str,
              *, local: bool) -> ForeignKey | None:
        """The one foreign key a relation follows, chosen by column names when there are several."""
        path = relation.path
        owner = relation.table if local else relation.target
        if chosen is not None:
            if len(chosen) != 1:
                self.fail((*path, key), f"`{key}` lists {len(chosen)} columns; foreign keys here have one column",
                          f"write `{key}: [column]`")
                return None
            match = [fk for fk in fks if chosen[0] in (fk.column.key, fk.column.sql_name)]
            if not match:
                candidates = [fk.column.key for fk in fks]
                self.fail((*path, key), f"`{chosen[0]}` is not a foreign key of `{owner}` to "
                          f"`{relation.target if local else relation.table}`{did_you_mean(chosen[0], candidates)}",
                          f"foreign keys there: {one_of(candidates)}" if candidates else "")
                return None
            return match[0]
        if len(fks) > 1:
            self.fail(path, f"relation `{relation.name}` is ambiguous: `{owner}` has {len(fks)} foreign keys to "
                      f"`{relation.target if local else relation.table}` ({', '.join(fk.column.key for fk in fks)})",
                      f"choose one with `{key}: [{fks[0].column.key}]`", key=True)
            return None
        return fks[0] if fks else None

    def _many_to_many(self, table: ResolvedTable, target: ResolvedTable, relation: ResolvedRelation) -> ResolvedRelation | None:
        spec, path = relation.spec, relation.path
        link_name = spec.through
        assert link_name is not None
        link = self.tables.get(link_name)
        if link is None:
            self.fail((*path, "through"), f"`through` names the unknown table `{link_name}`"
                      f"{did_you_mean(link_name, self.tables)}")
            return None
        if spec.through_fields is not None:
            if len(spec.through_fields) != 2:
                self.fail((*path, "through_fields"), "`through_fields` names two columns of the link table: the "
                          "one pointing to this table, then the one pointing to the target")
                return None
            chosen: list[ForeignKey] = []
            for index, (column_key, side) in enumerate(zip(spec.through_fields, (table.name, target.name))):
                found = [fk for fk in link.fks if fk.column.key == column_key and fk.target_table == side]
                if not found:
                    options = [fk.column.key for fk in link.fks if fk.target_table == side]
                    self.fail((*path, "through_fields", index), f"`{column_key}` is not a foreign key of `{link_name}` "
                              f"to `{side}`", f"foreign keys of `{link_name}` to `{side}`: {one_of(options)}"
                              if options else f"`{link_name}` has no foreign key to `{side}`")
                    return None
                chosen.append(found[0])
            relation.link_fks = (chosen[0], chosen[1])
        else:
            near_all = self._fks_between(link_name, table.name)
            far_all = self._fks_between(link_name, target.name)
            if not near_all or not far_all:
                missing = table.name if not near_all else target.name
                self.fail((*path, "through"), f"link table `{link_name}` has no foreign key to `{missing}`",
                          f"`{link_name}` needs a column with `references: {missing}.<column>`")
                return None
            if len(near_all) != 1 or len(far_all) != 1 or table.name == target.name:
                both = near_all if table.name == target.name else near_all + far_all
                columns = [fk.column.key for fk in both]
                targets = f"`{table.name}`" if table.name == target.name else f"`{table.name}` and `{target.name}`"
                self.fail((*path, "through"), f"link table `{link_name}` has {len(columns)} foreign keys to {targets} "
                          f"({', '.join(columns)})", f"choose the sides with `through_fields: [{', '.join(columns[:2])}]`"
                          ": the column pointing to this row first")
                return None
            relation.link_fks = (near_all[0], far_all[0])
        relation.through = link_name
        relation.kind = "many-to-many"
        return relation

    def _pair_relations(self) -> None:
        every = [r for t in self.tables.values() for r in t.relations.values()]
        by_ends: dict[tuple[str, str], list[ResolvedRelation]] = {}
        for relation in every:  # a partner goes the other way between the same two tables
            by_ends.setdefault((relation.table, relation.target), []).append(relation)
        for relation in every:
            if relation.partner is not None:
                continue
            candidates = [other for other in by_ends.get((relation.target, relation.table), [])
                          if other is not relation and _partners(relation, other)]
            if len(candidates) == 1:
                relation.partner = candidates[0]
                candidates[0].partner = relation
            elif len(candidates) > 1:
                self.fail(relation.path, f"relation `{relation.name}` could pair with several relations "
                          f"({', '.join(f'{c.table}.{c.name}' for c in candidates)})",
                          "keep one relation per foreign key on each side", key=True)
        # A many-to-many relation writes the link table's foreign keys, as do relations that map the
        # link table itself; SQLAlchemy asks that such overlaps be named.
        for relation in every:
            if relation.kind != "many-to-many" or relation.link_fks is None:
                continue
            link_columns = {id(fk.column) for fk in relation.link_fks}
            for other in every:
                if other.fk is not None and id(other.fk.column) in link_columns:
                    relation.overlaps.add(other.attr)
                    other.overlaps.add(relation.attr)

    def _no_nul(self, path: SpecPath, text: str | None, what: str) -> None:
        if text is not None and "\x00" in text:
            self.fail(path, f"{what} holds a NUL character, which PostgreSQL cannot store", "remove it")

    def _table_rules(self) -> None:
        explicit_names: dict[str, SpecPath] = {}
        for table in self.tables.values():
            spec, path = table.spec, table.path
            self._no_nul((*path, "comment"), spec.comment, "the table comment")
            for resolved in table.columns.values():
                self._no_nul((*resolved.path, "comment"), resolved.spec.comment, "the column comment")
                if isinstance(resolved.default_value, str):
                    self._no_nul((*resolved.path, "default"), resolved.default_value, "the default")
            for index, check in enumerate(spec.checks):
                self._no_nul((*path, "checks", index, "sql"), check.sql, "the check")
            for index, idx in enumerate(spec.indexes):
                self._no_nul((*path, "indexes", index, "where"), idx.where, "the index condition")
            # Index and unique-constraint names share one namespace per database schema.
            given: list[tuple[str, int, str | None]] = [
                *(("unique", i, u.name) for i, u in enumerate(spec.unique)),
                *(("indexes", i, x.name) for i, x in enumerate(spec.indexes)),
            ]
            for kind, index, given_name in given:
                if given_name is None:
                    continue
                name_path = (*path, kind, index, "name")
                if given_name.lower() in {t.lower() for t in self.tables}:
                    self.fail(name_path, f"the name `{given_name}` is also a table name; PostgreSQL keeps indexes, "
                              "constraints and tables in one namespace", "rename the index or constraint")
                if given_name in explicit_names and explicit_names[given_name][:2] != path[:2]:
                    first = self.loaded.source.locate(explicit_names[given_name])
                    self.fail(name_path, f"the name `{given_name}` is also used by an index or constraint of "
                              f"table `{explicit_names[given_name][1]}` (line {first.line})",
                              "index and constraint names are shared by all tables of a schema; rename one")
                explicit_names.setdefault(given_name, name_path)
            auto_index = {key for key, column in table.columns.items() if column.spec.index}
            for index, idx in enumerate(spec.indexes):
                if idx.name is None and len(idx.columns) == 1 and idx.columns[0] in auto_index:
                    self.fail((*path, "indexes", index), f"column `{idx.columns[0]}` is indexed twice: by "
                              "`index: true` and by this index", "keep one of them")
            for index, pattern_column in enumerate(table.columns.values()):
                rules = pattern_column.spec.rules
                if rules is not None and rules.pattern is not None and not _rust_regex_ok(rules.pattern):
                    self.fail((*pattern_column.path, "validate", "pattern"), "`pattern` uses a feature Pydantic's "
                              "regular expressions do not have (look-around or back-references)",
                              "rewrite it without `(?=`, `(?!`, `(?<=`, `(?<!` or `\\1`")
            keys = set(table.columns)
            named: list[tuple[str, int, str | None]] = [
                *(("unique", i, u.name) for i, u in enumerate(spec.unique)),
                *(("indexes", i, x.name) for i, x in enumerate(spec.indexes)),
                *(("checks", i, c.name) for i, c in enumerate(spec.checks)),
            ]
            for kind, index, name in named:
                problem = sql_name_problem(name) if name is not None else ""
                if problem:
                    if "`.`" in problem:
                        problem = "it contains `.`"
                    self.fail((*path, kind, index, "name"), f"`{name}` is not a usable constraint name: {problem}",
                              f"use letters, digits and `_`, e.g. `{names.snake_case(name or '') or 'my_constraint'}`")
            for index, unique in enumerate(spec.unique):
                list_form = isinstance(self._raw_value((*path, "unique", index)), list)
                columns_path = (*path, "unique", index) if list_form else (*path, "unique", index, "columns")
                self._known_columns(table, unique.columns, columns_path, f"unique constraint {index + 1}")
            index_names: dict[str, SpecPath] = {}
            for index, idx in enumerate(spec.indexes):
                self._known_columns(table, idx.columns, (*path, "indexes", index, "columns"), f"index {index + 1}")
                if idx.name is not None:
                    name_path = (*path, "indexes", index, "name")
                    if idx.name in index_names:
                        first = self.loaded.source.locate(index_names[idx.name])
                        self.fail(name_path, f"index name `{idx.name}` is used twice (first at line {first.line}, "
                                  f"column {first.column})", "give each index its own name, or leave `name:` out")
                    index_names.setdefault(idx.name, name_path)
            for index, check in enumerate(spec.checks):
                if not check.sql.strip():
                    self.fail((*path, "checks", index, "sql"), "a check needs an SQL expression",
                              'write the condition every row must meet, e.g. `sql: "age >= 0"`')
            if spec.soft_delete is not None:
                column = table.columns.get(spec.soft_delete)
                spath = (*path, "soft_delete")
                if column is None:
                    self.fail(spath, f"`soft_delete` names the unknown column `{spec.soft_delete}`"
                              f"{did_you_mean(spec.soft_delete, keys)}", "add a nullable timestamp column, e.g. "
                              "`deleted_at: {type: timestamp}`")
                elif column.spec.type != "timestamp" or column.spec.array:
                    kind = column.spec.type + ("[]" if column.spec.array else "")
                    self.fail(spath, f"`soft_delete` column `{spec.soft_delete}` is a `{kind}` column; it must be a "
                              "nullable timestamp", f"make it `{spec.soft_delete}: {{type: timestamp}}`")
                elif not column.nullable:
                    self.fail(spath, f"`soft_delete` column `{spec.soft_delete}` is not nullable; it must be a "
                              "nullable timestamp", f"remove `nullable: false` from `{spec.soft_delete}`: rows whose "
                              f"`{spec.soft_delete}` is null are the live ones")

    def _known_columns(self, table: ResolvedTable, keys: list[str], path: SpecPath, what: str) -> None:
        for index, key in enumerate(keys):
            if key not in table.columns:
                self.fail((*path, index), f"`{key}` is not a column of `{table.name}`"
                          f"{did_you_mean(key, table.columns)}", f"columns of `{table.name}`: {one_of(table.columns)}")
            elif key in keys[:index]:
                self.fail((*path, index), f"{what} of table `{table.name}` lists the column `{key}` twice")


def _partners(a: ResolvedRelation, b: ResolvedRelation) -> bool:
    if a.target != b.table or b.target != a.table:
        return False
    if a.kind == "many-to-many" or b.kind == "many-to-many":
        return (a.kind == b.kind == "many-to-many" and a.through == b.through and a.link_fks is not None
                and b.link_fks is not None and a.link_fks[0] is b.link_fks[1] and a.link_fks[1] is b.link_fks[0])
    if a.fk is None or a.fk is not b.fk:
        return False
    owner = {"many-to-one", "one-to-one"}
    return (a.kind in owner) != (b.kind in owner)


def _is_unique(table: ResolvedTable, column: ResolvedColumn) -> bool:
    if column.spec.unique:
        return True
    pk = [c for c in table.columns.values() if c.primary_key]
    if pk == [column]:
        return True
    return any(u.columns == [column.key] for u in table.spec.unique) or any(
        i.unique and i.columns == [column.key] and i.where is None for i in table.spec.indexes)


def _storage_type(column: ResolvedColumn) -> tuple[Any, ...]:
    kind = _SERIAL.get(column.spec.type, column.spec.type)
    return (kind, column.spec.array, column.enum, column.spec.length if kind == "char" else None)


def _type_words(column: ResolvedColumn, *, plain: bool = False) -> str:
    kind = column.spec.type if not plain else _SERIAL.get(column.spec.type, column.spec.type)
    return kind + ("[]" if column.spec.array else "")


def _named_types(ref: TypeRef) -> list[str]:
    if ref.kind == "named":
        return [ref.name]
    return _named_types(ref.item) if ref.item is not None else []


def plain_json(value: Any) -> Any:
    """YAML-loaded JSON data with numbers as plain int/float."""
    if isinstance(value, dict):
        return {str(k): plain_json(v) for k, v in value.items()}
    if isinstance(value, list):
        return [plain_json(v) for v in value]
    if isinstance(value, bool) or value is None or isinstance(value, str):
        return value
    if isinstance(value, int):
        return int(value)
    if isinstance(value, float):
        if not math.isfinite(value):
            raise ValueError("JSON has no infinity or NaN")
        return float(value)
    return value


class JsonDefaultError(ValueError):
    """A JSON default that does not fit its type; `where` is the path inside the default."""

    def __init__(self, message: str, where: SpecPath = ()) -> None:
        super().__init__(message)
        self.where = where


def _check_json_default(value: Any, ref: TypeRef, spec: Spec, where: SpecPath = (), label: str = "") -> None:
    """Raise JsonDefaultError when a YAML default cannot be a value of the type expression."""
    if ref.kind in ("list", "dict"):
        assert ref.item is not None
        if not isinstance(value, list if ref.kind == "list" else dict):
            raise JsonDefaultError(f"{f'`{label}` ' if label else ''}expected a {ref.kind == 'list' and 'list' or 'mapping'}",
                                   where)
        items = enumerate(value) if isinstance(value, list) else value.items()
        for key, item in items:
            _check_json_default(item, ref.item, spec, (*where, key), f"{label}[{key!r}]" if label else "")
        return
    if ref.kind == "named":
        if ref.name in spec.enums:
            if as_text(value) not in spec.enums[ref.name]:
                raise JsonDefaultError(f"`{value}` is not a value of `{ref.name}`", where)
            return
        shape = spec.types.get(ref.name)
        if shape is None:
            return
        if not isinstance(value, dict):
            raise JsonDefaultError(f"expected a mapping for `{ref.name}`", where)
        for key in value:
            if key not in shape:
                raise JsonDefaultError(f"`{ref.name}` has no field `{key}`{did_you_mean(key, shape)}", (*where, key))
        for key, shape_field in shape.items():
            sub = parse_type(shape_field.type)
            if key in value:
                if value[key] is None:
                    if not shape_field.nullable and sub != TypeRef("builtin", name="any"):
                        raise JsonDefaultError(f"`{ref.name}.{key}` cannot be null", (*where, key))
                elif sub is not None:
                    _check_json_default(value[key], sub, spec, (*where, key), f"{ref.name}.{key}")
            elif "default" not in shape_field.model_fields_set and not shape_field.nullable:
                raise JsonDefaultError(f"`{ref.name}.{key}` is required", where)
        return
    if value is not None and not _fits_builtin(ref.name, value):
        expects = f"`{label}` expects" if label else "expected"
        raise JsonDefaultError(f"{expects} {ref.name}, got {_show_value(value)}", where)
    try:
        plain_json(value)
    except ValueError as exc:
        raise JsonDefaultError(str(exc), where) from None


def _parse_iso(kind: str, text: str) -> datetime.date | datetime.time | datetime.datetime:
    if kind == "date":
        return datetime.date.fromisoformat(text)
    if kind == "time":
        return datetime.time.fromisoformat(text)
    return datetime.datetime.fromisoformat(text)


def _fits_builtin(name: str, value: Any) -> bool:
    """Whether a YAML value is a valid default for a shape field of a builtin type."""
    if isinstance(value, bool):
        return name in ("bool", "any")
    if name in ("date", "datetime", "time", "uuid"):
        try:
            if name == "uuid":
                uuid.UUID(str(value))
            else:
                _parse_iso({"datetime": "timestamp"}.get(name, name), str(value))
        except ValueError:
            return False
        return isinstance(value, str)
    if name == "decimal":
        try:
            return isinstance(value, (int, float, str)) and decimal.Decimal(str(as_text(value))).is_finite()
        except decimal.InvalidOperation:
            return False
    kinds: dict[str, tuple[type, ...]] = {"str": (str,), "int": (int,), "float": (int, float), "bool": (bool,)}
    return name == "any" or isinstance(value, kinds[name])


def _show_value(value: Any) -> str:
    if isinstance(value, (dict, list)):
        return json.dumps(plain_json(value))[:60]
    return f"`{as_text(value)}`"


def _default_hint(kind: str) -> str:
    if kind in _DATE_LIKE:
        return "use `now`, an ISO literal, or `{sql: ...}`"
    if kind == "uuid":
        return "use `uuid` for a generated value, a UUID literal, or `{sql: ...}`"
    return "use a literal of the column's type, or `{sql: ...}` for an SQL expression"


def sql_literal(value: Any) -> str:
    return "'" + str(value).replace("'", "''") + "'"


def _rust_regex_ok(pattern: str) -> bool:
    """Pydantic checks `pattern` with Rust's regex engine, which lacks look-around and back-references."""
    from pydantic_core import SchemaError, SchemaValidator, core_schema

    try:
        SchemaValidator(core_schema.str_schema(pattern=pattern))
    except SchemaError:
        return False
    return True


def sql_name_problem(name: str) -> str:
    """Why a table or column name cannot be used in SQL, or ''."""
    if not name.strip():
        return "it is empty"
    if len(name.encode()) > _MAX_SQL_NAME:
        return f"it is longer than {_MAX_SQL_NAME} bytes, where PostgreSQL cuts names off"
    if "." in name:
        return "`.` separates table and column in references"
    if any(not ch.isprintable() for ch in name):
        return "it holds a control character"
    return ""


def truncate_name(name: str) -> str:
    if len(name) <= _MAX_SQL_NAME:
        return name
    digest = hashlib.sha256(name.encode()).hexdigest()[:8]
    return f"{name[: _MAX_SQL_NAME - 9]}_{digest}"

