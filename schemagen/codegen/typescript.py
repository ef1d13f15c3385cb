"""types.ts: the JSON form of every table's Select, Insert and Update schema as TypeScript types.

The types describe what crosses the wire, as Pydantic's JSON mode writes and reads it (and as the
generated `schemas.json` says): dates, times, timestamps and intervals are ISO 8601 strings,
decimals, UUIDs and bytes strings, enums unions of their values, typed JSON its shapes. Keys are the
spec's (the schemas' aliases, as FastAPI dumps them). Exactness is the point: a Select field is
always present and `| null` only where the column is nullable; an Insert field may be left out
(`?`) only where the schema has a default (a literal default, or null for a nullable column); an
Update interface holds exactly the Update schema's fields (`write_matrix.in_update`: no key, immutable
or server-set column), each may be left out, and takes `null` only where the column is nullable.

A shape is read back with every field (Pydantic writes defaults too) but may be sent without the
fields that have defaults: such a shape gets a second type, `<Shape>Input`, for Insert and Update.
"""

from __future__ import annotations

import json
import re
from dataclasses import dataclass

from schemagen import names
from schemagen.catalog import Catalog, Column, Shape, Table, TypeRef
from schemagen.codegen.literals import Code
from schemagen.codegen.write_matrix import in_update

_IDENTIFIER = re.compile(r"[A-Za-z_$][A-Za-z0-9_$]*\Z")
# Pydantic's JSON form of each Python type (mode="json"); `any` is any JSON value
_WIRE = {
    "str": "string", "int": "number", "float": "number", "bool": "boolean", "decimal": "string",
    "date": "string", "datetime": "string", "time": "string", "uuid": "string", "bytes": "string",
}
_COLUMN_WIRE = {
    "serial": "number", "bigserial": "number", "smallint": "number", "integer": "number", "bigint": "number",
    "real": "number", "double": "number", "numeric": "string", "boolean": "boolean", "varchar": "string",
    "char": "string", "text": "string", "date": "string", "time": "string", "timestamp": "string",
    "interval": "string", "uuid": "string", "bytes": "string", "inet": "string", "cidr": "string", "macaddr": "string",
}


@dataclass(frozen=True)
class TsField:
    key: Code
    optional: bool
    type: Code
    doc: Code | None = None

    @property
    def mark(self) -> Code:
        return Code("?" if self.optional else "")


@dataclass(frozen=True)
class TsInterface:
    name: Code
    doc: Code
    fields: tuple[TsField, ...]
    extends: Code | None = None

    @property
    def heritage(self) -> Code:
        return Code(f" extends {self.extends}" if self.extends is not None else "")


@dataclass(frozen=True)
class TsAlias:
    name: Code
    doc: Code
    type: Code


@dataclass(frozen=True)
class TsModule:
    header: Code
    json_value: TsAlias | None
    enums: tuple[TsAlias, ...]
    shapes: tuple[TsInterface, ...]
    tables: tuple[TsInterface, ...]


def _doc(text: str) -> Code:
    # `*/` would end the comment early
    return Code("/** " + " ".join(text.replace("*/", "*\\/").split()) + " */")


def _string(value: str) -> str:
    return json.dumps(value, ensure_ascii=False)


def _key(key: str) -> Code:
    return Code(key if _IDENTIFIER.match(key) else _string(key))


def _wire_kind(column: Column) -> str:
    """`float` for a real/double column (or a pass-through float), `bytes` for binary ones."""
    kind = column.python_type if column.type == "sql" else column.type
    return {"real": "float", "double": "float"}.get(kind or "", kind or "")


def _field_doc(column: Column) -> Code | None:
    about = [column.comment] if column.comment else []
    if _wire_kind(column) == "bytes":
        # Pydantic's base64: its URL-safe alphabet when written, either alphabet read
        about.append("(bytes as base64 text: URL-safe alphabet `-_`, padded with `=`; `+/` also accepted)")
    return _doc(" ".join(about)) if about else None


def _array(item: str) -> str:
    return f"({item})[]" if "|" in item else f"{item}[]"


class _TypeScript:
    def __init__(self, catalog: Catalog) -> None:
        self.catalog = catalog
        taken = {enum.name for enum in catalog.enums} | {shape.name for shape in catalog.shapes}
        taken |= {f"{table.class_name}{kind}" for table in catalog.tables for kind in ("Select", "Insert", "Update")}
        self.json_value = next(name for name in ("JsonValue", "JsonValue_", "JsonValue__") if name not in taken)
        self.uses_json_value = False
        self.inputs: dict[str, str] = {}
        """Shapes sent in another form than they are read: their input type's name."""
        for shape in catalog.shapes:  # each after the shapes it uses
            if any(field.has_default or field.nullable or self.differs(field.type) for field in shape.fields):
                name = f"{shape.name}Input"
                while name in taken:
                    name += "_"
                taken.add(name)
                self.inputs[shape.name] = name

    def differs(self, ref: TypeRef) -> bool:
        return any(name in self.inputs for name in ref.named())

    def ref_type(self, ref: TypeRef, *, sent: bool) -> str:
        if ref.kind == "list":
            assert ref.item is not None
            return _array(self.ref_type(ref.item, sent=sent))
        if ref.kind == "dict":
            assert ref.item is not None
            return f"{{ [key: string]: {self.ref_type(ref.item, sent=sent)} }}"
        if ref.kind == "named":
            return self.inputs.get(ref.name, ref.name) if sent else ref.name
        if ref.name == "any":
            self.uses_json_value = True
            return self.json_value
        return _WIRE[ref.name]

    def item_type(self, column: Column, *, sent: bool) -> str:
        if column.type == "enum":
            assert column.enum is not None
            return column.enum
        if column.type in ("json", "jsonb"):
            if column.json_type is not None:
                return self.ref_type(column.json_type, sent=sent)
            self.uses_json_value = True
            if column.nullable:
                return self.json_value
            # a NOT NULL column takes any JSON value but null
            value = self.json_value
            return f"{{ [key: string]: {value} }} | {value}[] | string | number | boolean"
        if not sent and _wire_kind(column) == "float":
            # as read back: infinity and NaN, which PostgreSQL stores, come by name (writes refuse them)
            return 'number | "Infinity" | "-Infinity" | "NaN"'
        if column.type == "sql":
            assert column.python_type is not None
            return _WIRE[column.python_type]
        return _COLUMN_WIRE[column.type]

    def column_type(self, column: Column, *, sent: bool) -> Code:
        item = self.item_type(column, sent=sent)
        value = _array(item) if column.array else item
        # JsonValue already takes null
        return Code(f"{value} | null" if column.nullable and value != self.json_value else value)

    def shape(self, shape: Shape, *, sent: bool) -> TsInterface:
        fields = []
        for field in shape.fields:
            value = (" | ".join(_string(choice) for choice in field.choices) if field.choices is not None
                     else self.ref_type(field.type, sent=sent))
            fields.append(TsField(_key(field.key), sent and (field.has_default or field.nullable),
                                  Code(f"{value} | null" if field.nullable else value),
                                  _doc(field.comment) if field.comment else None))
        name = self.inputs[shape.name] if sent else shape.name
        doc = (f"`{shape.name}` as sent: fields with a default may be left out." if sent
               else f"`{shape.name}` as read back: every field is present.")
        return TsInterface(Code(name), _doc(doc), tuple(fields))

    def module(self, header: str) -> TsModule:
        catalog = self.catalog
        enums = tuple(TsAlias(Code(enum.name), _doc(f"Values of the `{enum.name}` enum."),
                              Code(" | ".join(_string(value) for value in enum.values))) for enum in catalog.enums)
        shapes = []
        for shape in catalog.shapes:
            shapes.append(self.shape(shape, sent=False))
            if shape.name in self.inputs:
                shapes.append(self.shape(shape, sent=True))
        tables = []
        for table in catalog.tables:
            about = f" {table.comment}" if table.comment else ""
            writable = [column for column in table.columns if not column.server_set]

            def field(column: Column, optional: bool, sent: bool) -> TsField:
                return TsField(_key(column.key), optional, self.column_type(column, sent=sent), _field_doc(column))

            tables.append(TsInterface(
                Code(f"{table.class_name}Select"), _doc(f"A row of `{table.name}` as read back.{about}"),
                tuple(field(c, False, False) for c in table.columns if not c.secret)))
            tables.append(TsInterface(
                Code(f"{table.class_name}Insert"),
                _doc(f"A new row of `{table.name}`: columns the database fills in are left out."),
                tuple(field(c, c.nullable or c.default is not None, True) for c in writable)))
            if table.core_name is not None:  # a Core table has no Update schema
                continue
            tables.append(TsInterface(
                Code(f"{table.class_name}Update"),
                _doc(f"A change to a `{table.name}` row: a field left out keeps its value; `null` clears a "
                     "nullable one."),
                tuple(field(c, True, True) for c in table.columns if in_update(c))))
        for table in catalog.tables:
            tables.extend(self.loaded(table))
        json_value = None
        if self.uses_json_value:
            name = self.json_value
            json_value = TsAlias(Code(name), _doc("Any JSON value."), Code(
                f"string | number | boolean | null | {name}[] | {{ [key: string]: {name} }}"))
        return TsModule(Code(header), json_value, enums, tuple(shapes), tuple(tables))


    def loaded(self, table: Table) -> list[TsInterface]:
        """Per relation, the Select type with that relation loaded (the `UserWithMemories` schemas)."""
        found = []
        for relation in table.relations:
            target = f"{self.catalog.table(relation.target).class_name}Select"
            # as schemas.py types the field: the same cases in the same order
            value = target
            if relation.kind in ("one-to-many", "many-to-many"):
                value = f"{target}[]"
            elif relation.kind == "one-to-one-inverse" or (
                    relation.foreign_key is not None and table.column(relation.foreign_key.columns[0]).nullable):
                value += " | null"
            found.append(TsInterface(
                Code(names.nested_schema_name(table.class_name, relation.attr)),
                _doc(f"`{table.class_name}Select` with `{relation.attr}` loaded."),
                (TsField(_key(relation.attr), False, Code(value)),), Code(f"{table.class_name}Select")))
        return found


def loaded_schema_names(catalog: Catalog) -> list[str]:
    """The names of the nested read schemas, in the order types.ts and schemas.json list them."""
    return [names.nested_schema_name(table.class_name, relation.attr)
            for table in catalog.tables for relation in table.relations]


def typescript_module(catalog: Catalog) -> TsModule:
    header = (f"// Generated by schemagen from {catalog.source}. Do not edit: change the spec and run "
              "`schemagen build`.")
    return _TypeScript(catalog).module(" ".join(header.split("\n")))
