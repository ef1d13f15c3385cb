"""What the module builders share: Python type expressions of columns and shapes, JSON defaults as
source, and small source helpers. Every function returns source text built from catalog names and
`literal()`; nothing here reads the spec."""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

from schemagen import names
from schemagen.catalog import Catalog, Column, TypeRef
from schemagen.catalog.kinds import SHAPE_BUILTINS
from schemagen.codegen.imports import Imports
from schemagen.codegen.literals import Code, literal
from schemagen.codegen.wrap import CallSource
from schemagen.format.style import fits, unsplittable

SQLALCHEMY = "sqlalchemy"
ORM = "sqlalchemy.orm"
PYDANTIC = "pydantic"
TYPES = ".types"
ENUMS = ".enums"  # the enums alone: no Pydantic
MODELS = ".models"

def call(function: str, *args: str, **kwargs: str | None) -> Code:
    return Code(f"{function}({', '.join(_arguments(args, kwargs))})")


def field_call(function: str, *args: str, **kwargs: str | None) -> CallSource:
    """`call(...)` as the value of a class-body assignment (`mapped_column(...)`), its arguments
    kept for `wrap.assignment` to lay a long line out from."""
    arguments = _arguments(args, kwargs)
    made = CallSource(f"{function}({', '.join(arguments)})")
    made.callee, made.arguments = function, arguments
    return made


def _arguments(args: tuple[str, ...], kwargs: dict[str, str | None]) -> list[str]:
    parts = list(args)
    for key, value in kwargs.items():
        if value is not None:
            parts.append(f"{key}={value}")
    return parts


def item_call(function: str, *args: str, indent: int, **kwargs: str | None) -> Code:
    """`call(...)` as an item of an exploded display at `indent`: on one line when it fits with its
    comma, else one argument per line with a magic trailing comma (black keeps both as they are)."""
    parts = _arguments(args, kwargs)
    one_line = Code(f"{function}({', '.join(parts)})")
    if fits(indent, one_line + ",") or not all(fits(indent + 4, part + ",") or unsplittable(part) for part in parts):
        return one_line
    inner = " " * (indent + 4)
    return Code(f"{function}(\n" + "".join(f"{inner}{part},\n" for part in parts) + " " * indent + ")")


def single_annotated(annotation: str, annotated: str) -> bool:
    """True for `Annotated[...]` as a whole (not `Annotated[...] | None`)."""
    if not annotation.startswith(annotated + "["):
        return False
    depth = 0
    for position, char in enumerate(annotation):
        if char == "[":
            depth += 1
        elif char == "]":
            depth -= 1
            if depth == 0:
                return position == len(annotation) - 1
    return False


def constant_name(words: str) -> str:
    return "_" + names.snake_case(words).upper()


def tuple_display(items: Iterable[Code]) -> Code:
    """A tuple display as black writes it: `(a,)` for one item, `(a, b)` for more."""
    listed = list(items)
    return Code(f"({listed[0]},)" if len(listed) == 1 else f"({', '.join(listed)})")


def keyword_tuple(keyword: str, items: Iterable[Code], indent: int) -> Code:
    """A tuple display as the value of `keyword=` on a line at `indent`: exploded one item per line
    (magic trailing comma) when two or more items do not fit on that line, as black keeps them."""
    listed = list(items)
    display = tuple_display(listed)
    if len(listed) < 2 or fits(indent, f"{keyword}={display},"):
        return display
    inner = " " * (indent + 4)
    return Code("(\n" + "".join(f"{inner}{item},\n" for item in listed) + " " * indent + ")")


def one_line_tuple(items: tuple[Code, ...], prefix: str) -> Code | None:
    """`(item,)` if there is one item and the line fits; black writes a longer tuple exploded."""
    if len(items) != 1:
        return None
    line = tuple_display(items)
    return line if fits(4, prefix + line) else None


def qualified(dotted: str, imports: Imports) -> str:
    """`decimal.Decimal` through the module's import of `decimal` (aliased when a name takes it)."""
    if dotted == "typing.Any":
        return imports.name("typing", "Any")
    if " | " in dotted:  # a union: `ipaddress.IPv4Network | ipaddress.IPv6Network`
        return " | ".join(qualified(part, imports) for part in dotted.split(" | "))
    if "." in dotted:
        module, attribute = dotted.split(".")
        return f"{imports.module(module)}.{attribute}"
    return dotted


class TypeExpressions:
    """Python types and values for one module's imports."""

    def __init__(self, catalog: Catalog, imports: Imports, *, untyped_json: str) -> None:
        self.catalog = catalog
        self.imports = imports
        self.untyped_json = untyped_json  # "any" (models: typing.Any) or "json_value" (schemas: JsonValue)
        self.shape_values = False  # whether a value is a shape instance (a Pydantic model), made on import
        self.py_types: dict[int, str] = {}  # see `column_py_type`

    def shape_type(self, ref: TypeRef, *, module: str) -> str:
        """Python type for a shape type expression, importing named types from `module`."""
        if ref.kind == "list":
            assert ref.item is not None
            return f"list[{self.shape_type(ref.item, module=module)}]"
        if ref.kind == "dict":
            assert ref.item is not None
            return f"dict[str, {self.shape_type(ref.item, module=module)}]"
        if ref.kind == "named":
            return ref.name if module == "" else self.imports.name(self._home(module, ref.name), ref.name, exact=True)
        return qualified(SHAPE_BUILTINS[ref.name], self.imports)

    def _home(self, module: str, name: str) -> str:
        """The module a named type is imported from: enums from enums.py, which needs no Pydantic."""
        return ENUMS if module == TYPES and self.catalog.enum(name) is not None else module

    def column_py_type(self, column: Column) -> str:
        """The Python type of one value of the column (an item, for arrays). Made once per column
        (kept by identity: the catalog keeps each alive): asked again (schemas.py's Insert and
        Select fields), it would only repeat the first call's imports, which give the same names."""
        known = self.py_types.get(id(column))
        if known is None:
            known = self.py_types[id(column)] = self._column_py_type(column)
        return known

    def _column_py_type(self, column: Column) -> str:
        imports = self.imports
        if column.type == "enum":
            assert column.enum is not None
            return imports.name(ENUMS, column.enum, exact=True)
        if column.type in ("json", "jsonb"):
            if column.json_type is None:
                if self.untyped_json == "any":
                    return imports.name("typing", "Any")
                json_value = imports.name(PYDANTIC, "JsonValue")
                if column.nullable:
                    return json_value
                # JsonValue includes None; a NOT NULL column takes any JSON value but null.
                return f"dict[str, {json_value}] | list[{json_value}] | str | int | float | bool"
            return self.shape_type(column.json_type, module=TYPES)
        if column.type == "interval" and column.months:  # months kept: the package's own value type
            return imports.name(TYPES, "Interval", exact=True)
        if column.type == "sql":  # a pass-through type
            assert column.python_type is not None
            return "bytes" if column.python_type == "bytes" else qualified(SHAPE_BUILTINS[column.python_type], imports)
        return qualified(column.kind.python, imports)

    def value_type(self, column: Column) -> str:
        item = self.column_py_type(column)
        return f"list[{item}]" if column.array else item

    def enum_member(self, enum: str, value: Any, *, module: str) -> str:
        enum_class = enum if module == "" else self.imports.name(self._home(module, enum), enum, exact=True)
        return f"{enum_class}.{names.enum_member(str(value))}"

    def json_literal(self, value: Any, ref: TypeRef | None, *, module: str) -> str:
        """A JSON default as Python source, with enum values as members."""
        if value is None:
            return "None"
        if ref is not None and ref.kind == "named" and self.catalog.enum(ref.name) is not None:
            return self.enum_member(ref.name, value, module=module)
        if ref is not None and ref.kind == "list" and isinstance(value, list):
            return "[" + ", ".join(self.json_literal(v, ref.item, module=module) for v in value) + "]"
        if ref is not None and ref.kind == "dict" and isinstance(value, dict):
            return "{" + ", ".join(f"{literal(str(k))}: {self.json_literal(v, ref.item, module=module)}"
                                   for k, v in value.items()) + "}"
        shape = self.catalog.shape(ref.name) if ref is not None and ref.kind == "named" else None
        if shape is not None and isinstance(value, dict):
            # A shape default is built (and so checked) when the module is imported.
            types = {field.key: field.type for field in shape.fields}
            items = [f"{literal(str(key))}: {self.json_literal(item, types.get(key), module=module)}"
                     for key, item in value.items()]
            self.shape_values = True
            shape_class = shape.name if module == "" else self.imports.name(module, shape.name, exact=True)
            return f"{shape_class}.model_validate({{{', '.join(items)}}})"
        return literal(value, module=self.imports.module)


    def column_default(self, column: Column) -> str:
        """A column's literal default as a Python value (an Insert field's default, an array's factory)."""
        assert column.default is not None
        value = column.default.value
        if column.type in ("json", "jsonb"):
            return self.json_literal(column.default.python, column.json_type, module=TYPES)
        if column.type == "enum":
            assert column.enum is not None
            if column.array:
                return "[" + ", ".join(self.enum_member(column.enum, v, module=TYPES) for v in value) + "]"
            return self.enum_member(column.enum, value, module=TYPES)
        return literal(value, module=self.imports.module)
