"""enums.py: each enum as a `str` Enum; types.py: each typed-JSON shape as a Pydantic model, `Interval`
when used, and the enums again.

The enums have a module of their own, without Pydantic, so that importing the models (which use the
enums) imports no Pydantic: a shape's Pydantic model is imported when a column first checks a value.
"""

from __future__ import annotations

from schemagen.catalog import Catalog
from schemagen.codegen import ir
from schemagen.codegen.common import ENUMS, PYDANTIC, TypeExpressions, call
from schemagen.codegen.imports import Imports
from schemagen.codegen.literals import Code, docstring, literal


def enums_module(catalog: Catalog) -> ir.EnumsModule:
    imports = Imports({enum.name for enum in catalog.enums})
    enums = _enums(catalog, imports)
    return ir.EnumsModule(imports.render(), imports.locals(), enums)


def _enums(catalog: Catalog, imports: Imports) -> tuple[ir.EnumClass, ...]:
    enums = []
    for enum in catalog.enums:
        imports.module("enum")
        members = tuple(ir.EnumMember(Code(member), literal(value)) for member, value in zip(enum.members, enum.values))
        enums.append(ir.EnumClass(Code(enum.name), docstring(f"Values of the `{enum.name}` enum.", 4), members))
    return tuple(enums)


def types_module(catalog: Catalog) -> ir.TypesModule:
    taken = {field.attr for shape in catalog.shapes for field in shape.fields}
    taken |= {enum.name for enum in catalog.enums} | {shape.name for shape in catalog.shapes}  # its own classes
    imports = Imports(taken)
    types = TypeExpressions(catalog, imports, untyped_json="any")
    enums = _enums(catalog, Imports())
    for enum in catalog.enums:  # re-exported: `from <package>.types import <Enum>` as before
        imports.name(ENUMS, enum.name, exact=True)
    shapes = []
    for shape in catalog.shapes:
        fields = []
        needs_by_name = False
        for shape_field in shape.fields:
            annotation = types.shape_type(shape_field.type, module="")
            if shape_field.choices is not None:
                annotation = f"{imports.name('typing', 'Literal')}[{', '.join(literal(v) for v in shape_field.choices)}]"
            constraints = {rule: literal(value) for rule, value in shape_field.constraints}
            field_args: dict[str, str | None] = {}
            if shape_field.attr != shape_field.key:
                field_args["alias"] = literal(shape_field.key)
                needs_by_name = True
            if shape_field.comment is not None:
                field_args["description"] = literal(shape_field.comment)
            if constraints:
                annotation = (f"{imports.name('typing', 'Annotated')}[{annotation}, "
                              f"{call(imports.name(PYDANTIC, 'Field'), **constraints)}]")
            if shape_field.nullable:
                annotation += " | None"
            default: str | None = None
            if shape_field.has_default:
                default = types.json_literal(shape_field.default, shape_field.type, module="")
            elif shape_field.nullable:
                default = "None"
            if field_args:
                default = call(imports.name(PYDANTIC, "Field"), *([f"default={default}"] if default else []),
                               **field_args)
            fields.append(ir.Field(Code(shape_field.attr), Code(annotation), Code(default) if default else None))
        # frozen: SQLAlchemy does not see a change made inside a value, so a value cannot be changed
        # in place, only replaced; revalidated: a value handed to a column is checked whole again;
        # built when it first checks a value, not when the models are imported
        config: dict[str, str | None] = {"extra": literal("forbid"), "frozen": "True",
                                         "revalidate_instances": literal("always"), "defer_build": "True"}
        if needs_by_name:
            config["validate_by_name"] = "True"
            config["serialize_by_alias"] = "True"
        imports.name(PYDANTIC, "BaseModel")
        fields.insert(0, ir.Field(Code("model_config"), Code(""), call(imports.name(PYDANTIC, "ConfigDict"), **config)))
        shapes.append(ir.ShapeClass(Code(shape.name), docstring(f"Shape of the `{shape.name}` JSON values.", 4),
                                    tuple(fields)))
    interval = any(column.months for table in catalog.tables for column in table.columns)
    if interval:  # what `Interval` in templates/types.py.jinja uses
        for module, name in _INTERVAL_IMPORTS:
            if name:
                imports.name(module, name)
            else:
                imports.module(module)
    exported = [enum.name for enum in catalog.enums] + [shape.name for shape in catalog.shapes]
    exported += ["Interval"] if interval else []
    return ir.TypesModule(imports.render(), imports.locals(), enums, tuple(literal(name) for name in sorted(exported)),
                          tuple(shapes), interval)


_INTERVAL_IMPORTS = (("calendar", ""), ("datetime", ""), ("decimal", ""), ("re", ""), ("typing", "Any"),
                     ("typing", "overload"), (PYDANTIC, "GetCoreSchemaHandler"), (PYDANTIC, "GetJsonSchemaHandler"),
                     ("pydantic_core", "core_schema"), ("pydantic_core", "PydanticCustomError"))
