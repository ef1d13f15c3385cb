"""schemas.py: per table the Insert, Select and Update Pydantic schemas, with the spec's rules."""

from __future__ import annotations

from schemagen.catalog import Catalog, Column
from schemagen.codegen import ir
from schemagen import names
from schemagen.codegen.common import PYDANTIC, TypeExpressions, call, single_annotated, tuple_display
from schemagen.format.style import fits
from schemagen.codegen.imports import Imports
from schemagen.codegen.literals import Code, docstring, literal

_RULES = ("min_length", "max_length", "pattern", "ge", "gt", "le", "lt")


def _leaves_out(secrets: list[str]) -> str:
    if not secrets:
        return ""
    names = [f"`{key}`" for key in secrets]
    listed = names[0] if len(names) == 1 else f"{', '.join(names[:-1])} and {names[-1]}"
    return f"\n\nLeaves out the secret column{'s' if len(names) > 1 else ''} {listed}."


def schemas_module(catalog: Catalog) -> ir.SchemasModule:
    return _Schemas(catalog).module()


class _Schemas:
    def __init__(self, catalog: Catalog) -> None:
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

    def module(self) -> ir.SchemasModule:
        imports = self.imports
        uses_update = False
        imports.name(PYDANTIC, "BaseModel")
        imports.name(PYDANTIC, "ConfigDict")
        schemas = []
        for table in self.catalog.tables:
            writable = [c for c in table.columns if not c.server_set]
            insert_fields = tuple(self.insert_field(c) for c in writable)
            select_fields = tuple(self.select_field(c) for c in table.columns if not c.secret)
            update_fields = tuple(self.update_field(c) for c in writable)
            aliased = any(c.attr != c.key for c in writable)
            config_insert = self.config_field(validate_by_name="True") if aliased else ()
            schemas.append(ir.SchemaClass(
                Code(f"{table.class_name}Insert"), Code("_Insert"),
                docstring(f"Fields to insert a row into `{table.name}`; server-set columns are left out."),
                config_insert + insert_fields,
            ))
            schemas.append(ir.SchemaClass(
                Code(f"{table.class_name}Select"), Code("_Select"),
                docstring(f"A row of `{table.name}` as read back; validates ORM objects (`from_attributes`)."
                          + _leaves_out([c.key for c in table.columns if c.secret])),
                select_fields,
            ))
            not_null = tuple(literal(c.attr) for c in writable if not c.nullable)
            not_null_set = "{" + ", ".join(not_null) + "}"
            if not fits(4, f"_not_null = frozenset({not_null_set})"):
                # black's layouts: the set on a line of its own, else exploded one name per line
                not_null_set = (f"\n        {not_null_set}\n    " if fits(8, not_null_set) else "\n        {\n"
                                + "".join(f"            {name},\n" for name in not_null) + "        },\n    ")
            uses_update = True
            schemas.append(ir.SchemaClass(
                Code(f"{table.class_name}Update"), Code("_PartialUpdate"),
                docstring(f"A partial update of a `{table.name}` row: only the fields given are changed."),
                config_insert + update_fields,
                not_null,
                Code(not_null_set),
            ))
        nested = self.nested_schemas()
        schemas.extend(nested)
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
        if self.uses_rules:
            imports.name("typing", "Annotated")
            imports.name("typing", "Any")
            imports.name(PYDANTIC, "Field")
            imports.name(PYDANTIC, "GetCoreSchemaHandler")
            imports.name("pydantic_core", "core_schema")
            imports.name(PYDANTIC, "EmailStr")
        if self.uses_as_stored:
            imports.name("typing", "Any")
            imports.name(PYDANTIC, "BaseModel")
            imports.name(PYDANTIC, "ValidationError")
            imports.name(PYDANTIC, "ValidatorFunctionWrapHandler")
            imports.name(PYDANTIC, "WrapValidator")
        if self.uses_url:
            imports.name(PYDANTIC, "AnyUrl")
            imports.name(PYDANTIC, "TypeAdapter")
        if nested:
            imports.name("sqlalchemy", "inspect")
            imports.name("sqlalchemy.exc", "InvalidRequestError")
        return ir.SchemasModule(imports.render(), imports.locals(), self.uses_rules, uses_update, self.uses_url,
                                tuple(schemas), tuple(self.ranges[name] for name in sorted(self.ranges)),
                                uses_as_stored=self.uses_as_stored, uses_nested=bool(nested))

    def nested_schemas(self) -> list[ir.SchemaClass]:
        """Per relation, the Select schema with that relation loaded: `UserWithMemories`."""
        found = []
        class_var = self.imports.name("typing", "ClassVar")
        for table in self.catalog.tables:
            for relation in table.relations:
                target = self.catalog.table(relation.target)
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
                              f"`eager({table.class_name}, {spec})` loads it."),
                    (ir.Field(Code("_relations"), Code(f"{class_var}[tuple[str, ...]]"),
                              tuple_display([literal(relation.attr)])),
                     ir.Field(Code(relation.attr), Code(annotation))),
                ))
        return found

    def config_field(self, **config: str) -> tuple[ir.Field, ...]:
        return (ir.Field(Code("model_config"), Code(""), call(self.imports.name(PYDANTIC, "ConfigDict"), **config)),)

    def checked_type(self, column: Column) -> str:
        """The Insert/Update annotation of one column (no `| None`): type plus all its rules."""
        imports, kind = self.imports, column.type
        item = self.types.column_py_type(column)
        item_constraints: dict[str, str] = {}
        if kind == "char" and column.length:
            # PostgreSQL pads a shorter value with spaces and SQLite does not: only full values fit
            item_constraints["min_length"] = str(column.length)
        if kind in ("varchar", "char") and column.length:
            item_constraints["max_length"] = str(column.length)
        value_range = column.kind.value_range
        if value_range is not None:
            item_constraints["ge"], item_constraints["le"] = str(value_range[0]), str(value_range[1])
        if kind == "numeric" and column.precision is not None:
            item_constraints["max_digits"] = str(column.precision)
            # numeric(p) without a scale keeps no fraction (scale 0), as PostgreSQL does
            item_constraints["decimal_places"] = str(column.scale or 0)
        rules = column.rules
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

        def field() -> str:
            return imports.name(PYDANTIC, "Field")

        annotated = imports.name("typing", "Annotated") if (item_constraints or rule_args or list_constraints) else ""
        metadata = []
        if rule_args and rules is not None and rules.message is None and "format" not in rule_args:
            # Without a message the rules are plain constraints: one Field, the tighter bound winning.
            merged = {**item_constraints, **rule_args}
            if "max_length" in item_constraints and "max_length" in rule_args:
                merged["max_length"] = str(min(int(item_constraints["max_length"]), int(rule_args["max_length"])))
            item_constraints, rule_args = merged, {}
        if value_range is not None and item_constraints == {"ge": str(value_range[0]), "le": str(value_range[1])}:
            # only the type's own range: one shared alias instead of a Field per column
            item = self.range_alias(kind, item, call(field(), **item_constraints))
            item_constraints = {}
        if item_constraints:
            metadata.append(call(field(), **item_constraints))
        if rule_args:
            self.uses_rules = True
            self.uses_url = self.uses_url or (rules is not None and rules.format == "url")
            message = literal(rules.message) if rules is not None and rules.message is not None else "None"
            metadata.append(call("_Rules", message, **dict(rule_args)))
        if metadata:
            item = f"{annotated}[{item}, {', '.join(metadata)}]"
        if not column.array:
            return item
        array = f"list[{item}]"
        if list_constraints:
            list_message = rules.message if rules is not None else None
            if list_message is not None:
                self.uses_rules = True
                array = f"{annotated}[{array}, {call('_Rules', literal(list_message), **list_constraints)}]"
            else:
                array = f"{annotated}[{array}, {call(field(), **list_constraints)}]"
        return array

    def range_alias(self, kind: str, item: str, bounds: str) -> str:
        name = f"_{kind.capitalize()}"
        annotated = self.imports.name("typing", "Annotated")
        self.ranges.setdefault(name, ir.Field(Code(name), Code(""), Code(f"{annotated}[{item}, {bounds}]")))
        return name

    def alias_args(self, column: Column, *, select: bool) -> dict[str, str | None]:
        """The field's aliases, and its `comment:` as the description (JSON Schema, OpenAPI)."""
        described = {"description": literal(column.comment)} if column.comment is not None else {}
        if column.attr == column.key:
            return described
        if select:
            return {"serialization_alias": literal(column.key), **described}
        return {"validation_alias": literal(column.key), "serialization_alias": literal(column.key), **described}

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
        elif column.nullable:
            default = "None"
        if column.nullable:
            annotation += " | None"
        annotation = self.with_field_info(annotation, self.alias_args(column, select=False))
        return ir.Field(Code(column.attr), Code(annotation), Code(default) if default is not None else None)

    def select_field(self, column: Column) -> ir.Field:
        annotation = self.types.value_type(column) + (" | None" if column.nullable else "")
        if column.json_type is not None and any(self.catalog.shape(name) for name in column.json_type.named()):
            # what the column read is shown as stored, even where it breaks a rule for writing
            self.uses_as_stored = True
            annotation = f"{self.imports.name('typing', 'Annotated')}[{annotation}, _AsStored]"
        annotation = self.with_field_info(annotation, self.alias_args(column, select=True))
        return ir.Field(Code(column.attr), Code(annotation), None)

    def update_field(self, column: Column) -> ir.Field:
        annotation = self.with_field_info(self.checked_type(column) + " | None", self.alias_args(column, select=False))
        return ir.Field(Code(column.attr), Code(annotation), Code("None"))
