"""The workload's spec in the peers' input languages: a LinkML schema and a JSON Schema.

Each converter accepts the subset of the spec language that bench/workload.py uses and raises
ValueError on anything else. The targets cannot say everything a spec says; the closest equivalent
is used and the gaps are listed here, so that the peer comparison is read for what it is:

- LinkML has no string-length slots: a varchar's length and `min_length` become a `pattern`
  (`^.{2,120}$`), and an email column only the email pattern. Only the `parent_id` side of each
  foreign key is declared (a `range` to the parent class, which gen-sqla turns into a foreign key);
  the `children` side is left out, since a multivalued reference becomes a link table there. Database
  defaults (`now`, `on_update`) have no LinkML counterpart.
- JSON Schema describes one object per table (every column); database-side behaviour (defaults set
  by the server, foreign keys, uniqueness, relations) has no counterpart and is left out.
"""

from __future__ import annotations

import json
from typing import Any

import yaml

EMAIL_PATTERN = r"^[^@\s]+@[^@\s]+\.[^@\s]+$"
SCALAR_SHAPE_TYPES = {"str": ("string", "string"), "int": ("integer", "integer"), "bool": ("boolean", "boolean"),
                      "float": ("float", "number")}  # spec shape type -> (LinkML range, JSON Schema type)


def class_name(table: str) -> str:
    """table_0001 -> Table0001, as schemagen names the workload's model classes."""
    return "".join(word.capitalize() for word in table.split("_"))


def _column(spec: Any) -> dict[str, Any]:
    return {"type": spec} if isinstance(spec, str) else dict(spec)


def _load(spec_text: str) -> dict[str, Any]:
    spec = yaml.safe_load(spec_text)
    unknown = set(spec) - {"package", "enums", "types", "tables"}
    if unknown:
        raise ValueError(f"spec keys {sorted(unknown)} are not supported by the converters")
    return dict(spec)


def _nullable(column: dict[str, Any]) -> bool:
    return bool(column.get("nullable", not column.get("primary_key", False)))


# -- LinkML ---------------------------------------------------------------------------------------

LINKML_RANGES = {"serial": "integer", "integer": "integer", "varchar": "string", "text": "string",
                 "numeric": "decimal", "timestamp": "datetime"}


def _linkml_slot(table: str, column: dict[str, Any]) -> dict[str, Any]:
    kind = column["type"]
    slot: dict[str, Any] = {}
    if "references" in column:
        slot["range"] = class_name(column["references"].split(".")[0])
    elif kind == "enum":
        slot["range"] = column["enum"]
    elif kind == "jsonb":
        slot.update(range=column["schema"], inlined=True)
    elif kind in LINKML_RANGES:
        slot["range"] = LINKML_RANGES[kind]
    else:
        raise ValueError(f"{table}: column type {kind} has no LinkML mapping here")
    if column.get("primary_key"):
        slot["identifier"] = True
    elif not _nullable(column):
        slot["required"] = True
    if column.get("array"):
        slot["multivalued"] = True
    rules = column.get("validate") or {}
    if rules.get("format") == "email":
        slot["pattern"] = EMAIL_PATTERN
    elif kind == "varchar":
        slot["pattern"] = f"^.{{{rules.get('min_length', 0)},{column['length']}}}$"
    if "ge" in rules:
        slot["minimum_value"] = rules["ge"]
    if "le" in rules:
        slot["maximum_value"] = rules["le"]
    if isinstance(column.get("default"), int) and not isinstance(column["default"], bool):
        slot["ifabsent"] = f"int({column['default']})"
    return slot


def to_linkml(spec_text: str) -> str:
    """A LinkML schema (YAML text) with a class per table and per JSON shape, and the enums."""
    spec = _load(spec_text)
    name = spec["package"]
    classes: dict[str, Any] = {}
    for shape, fields in (spec.get("types") or {}).items():
        attributes = {}
        for field, raw in fields.items():
            field_spec = _column(raw)
            kind = field_spec["type"]
            attribute: dict[str, Any] = {"range": SCALAR_SHAPE_TYPES[kind][0] if kind in SCALAR_SHAPE_TYPES else kind}
            if kind not in SCALAR_SHAPE_TYPES:
                attribute["inlined"] = True
            if not field_spec.get("nullable"):
                attribute["required"] = True
            for rule, slot in (("pattern", "pattern"), ("ge", "minimum_value"), ("le", "maximum_value")):
                if rule in field_spec:
                    attribute[slot] = field_spec[rule]
            attributes[field] = attribute
        classes[shape] = {"attributes": attributes}
    for table, table_spec in spec["tables"].items():
        columns = {key: _column(value) for key, value in table_spec["columns"].items()}
        entry: dict[str, Any] = {"attributes": {key: _linkml_slot(table, column) for key, column in columns.items()}}
        if table_spec.get("comment"):
            entry["description"] = table_spec["comment"]
        unique = [key for key, column in columns.items() if column.get("unique")]
        if unique:
            entry["unique_keys"] = {f"{table}_{key}_key": {"unique_key_slots": [key]} for key in unique}
        classes[class_name(table)] = entry
    schema = {
        "id": f"https://example.org/{name}",
        "name": name,
        "prefixes": {"linkml": "https://w3id.org/linkml/", name: f"https://example.org/{name}/"},
        "default_prefix": name,
        "default_range": "string",
        "imports": ["linkml:types"],
        "enums": {enum: {"permissible_values": {value: {} for value in values}}
                  for enum, values in (spec.get("enums") or {}).items()},
        "classes": classes,
    }
    return yaml.safe_dump(schema, sort_keys=False, allow_unicode=True)


# -- JSON Schema ----------------------------------------------------------------------------------


def _json_type(table: str, column: dict[str, Any]) -> dict[str, Any]:
    kind = column["type"]
    rules = column.get("validate") or {}
    schema: dict[str, Any]
    if kind in ("serial", "integer"):
        schema = {"type": "integer"}
    elif kind in ("varchar", "text"):
        schema = {"type": "string"}
        if kind == "varchar" and "length" in column:
            schema["maxLength"] = column["length"]
    elif kind == "numeric":
        schema = {"type": "number"}
    elif kind == "timestamp":
        schema = {"type": "string", "format": "date-time"}
    elif kind == "enum":
        schema = {"$ref": f"#/$defs/{column['enum']}"}
    elif kind == "jsonb":
        schema = {"$ref": f"#/$defs/{column['schema']}"}
    else:
        raise ValueError(f"{table}: column type {kind} has no JSON Schema mapping here")
    for rule, keyword in (("min_length", "minLength"), ("max_length", "maxLength"), ("ge", "minimum"),
                          ("le", "maximum"), ("pattern", "pattern")):
        if rule in rules:
            schema[keyword] = rules[rule]
    if rules.get("format") == "email":
        schema["format"] = "email"
    return {"type": "array", "items": schema} if column.get("array") else schema


def to_json_schema(spec_text: str) -> str:
    """A JSON Schema (2020-12) whose `$defs` hold an object per table and per JSON shape, and the enums."""
    spec = _load(spec_text)
    enums = spec.get("enums") or {}
    defs: dict[str, Any] = {enum: {"type": "string", "enum": values} for enum, values in enums.items()}
    for shape, fields in (spec.get("types") or {}).items():
        properties: dict[str, Any] = {}
        required = []
        for field, raw in fields.items():
            field_spec = _column(raw)
            kind = field_spec["type"]
            prop: dict[str, Any] = ({"type": SCALAR_SHAPE_TYPES[kind][1]} if kind in SCALAR_SHAPE_TYPES
                                    else {"$ref": f"#/$defs/{kind}"})
            for rule, keyword in (("pattern", "pattern"), ("ge", "minimum"), ("le", "maximum")):
                if rule in field_spec:
                    prop[keyword] = field_spec[rule]
            if field_spec.get("nullable"):
                prop = {"anyOf": [prop, {"type": "null"}], "default": None}
            else:
                required.append(field)
            properties[field] = prop
        defs[shape] = {"type": "object", "properties": properties, "required": required, "additionalProperties": False}
    for table, table_spec in spec["tables"].items():
        properties = {}
        required = []
        for key, raw in table_spec["columns"].items():
            column = _column(raw)
            prop = _json_type(table, column)
            if _nullable(column):
                prop = {"anyOf": [prop, {"type": "null"}]}
            default = column.get("default")
            if default is not None and default != "now":
                prop["default"] = default
            if not _nullable(column) and default is None:
                required.append(key)
            properties[key] = prop
        entry = {"type": "object", "title": class_name(table), "properties": properties, "required": required}
        if table_spec.get("comment"):
            entry["description"] = table_spec["comment"]
        defs[class_name(table)] = entry
    tables = [class_name(table) for table in spec["tables"]]
    root = {
        "$schema": "https://json-schema.org/draft/2020-12/schema",
        "title": class_name(spec["package"]),
        "type": "object",
        "properties": {table: {"$ref": f"#/$defs/{table}"} for table in tables},
        "$defs": defs,
    }
    return json.dumps(root, indent=2) + "\n"
