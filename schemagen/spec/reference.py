"""docs/spec-reference.md: every key of the spec language with its type, default, meaning and an
example, rendered from the JSON Schema of the spec models (`schemagen.spec.schema`), so the
reference never says something the models do not."""

from __future__ import annotations

import json
from typing import Any

from schemagen.spec.examples import EXAMPLES
from schemagen.spec.schema import REGENERATE, json_schema, models

_TEXT = ["string", "number", "boolean"]  # `Text`: whatever the user typed, kept as text


def render_reference() -> str:
    schema = json_schema()
    found = dict(models(schema))
    lines = [
        "# Spec reference",
        "",
        "<!-- Generated from schemagen/spec/model.py by `schemagen reference`; do not edit. "
        f"Regenerate with `{REGENERATE}`. -->",
        "",
        "Every key of the spec language (version 1), section by section. *Type* is what YAML value the key",
        "takes, *default* what leaving it out means (*required*: it may not be left out). The JSON Schema",
        "with the same descriptions is `docs/schemagen.schema.json` (`schemagen json-schema`).",
        "",
        "Sections: " + ", ".join(f"[{_heading(title)}](#{_anchor(title)})" for title in _order(found)) + ".",
    ]
    for title in _order(found):
        lines += _section(title, found[title], schema)
    return "\n".join(lines) + "\n"


def _order(found: dict[str, dict[str, Any]]) -> list[str]:
    """Spec first, then each model after the one that first uses it (breadth first, in key order)."""
    order, queue = ["Spec"], ["Spec"]
    while queue:
        for prop in found[queue.pop(0)]["properties"].values():
            for ref in _refs(prop):
                if ref in found and ref not in order:
                    order.append(ref)
                    queue.append(ref)
    return order + sorted(set(found) - set(order))


def _refs(node: Any) -> list[str]:
    if isinstance(node, dict):
        own = [node["$ref"].rsplit("/", 1)[-1]] if "$ref" in node else []
        return own + [ref for value in node.values() for ref in _refs(value)]
    if isinstance(node, list):
        return [ref for value in node for ref in _refs(value)]
    return []


_HEADINGS = {"Spec": "The spec file", "SqlDefault": "default: {sql: ...}", "JsonDefault": "default: {json: ...}",
             "ShapeField": "Shape field", "UniqueConstraint": "Unique constraint"}


def _heading(title: str) -> str:
    return _HEADINGS.get(title, title)


def _anchor(title: str) -> str:
    return "".join(ch for ch in _heading(title).lower().replace(" ", "-") if ch.isalnum() or ch in "-_")


def _section(title: str, node: dict[str, Any], schema: dict[str, Any]) -> list[str]:
    definition = schema if title == "Spec" else schema["$defs"][title]
    lines = ["", f"## {_heading(title)}", "", _cell(definition.get("description", "")), ""]
    lines += ["| key | type | default | meaning | example |", "|---|---|---|---|---|"]
    required = set(node.get("required", ()))
    for key, prop in node["properties"].items():
        default = "*required*" if key in required else _default(prop)
        example = EXAMPLES.get(title, {}).get(key)
        shown = f"`{key}: {example}`" if example is not None else ""
        lines.append(f"| `{key}` | {_type(prop)} | {default} | {_cell(prop.get('description', ''))} | "
                     f"{_cell(shown)} |")
    return lines


def _default(prop: dict[str, Any]) -> str:
    if "default" not in prop or prop["default"] is None:
        return "none"
    return f"`{json.dumps(prop['default'])}`"


def _type(prop: dict[str, Any]) -> str:
    """A short human description of a JSON Schema node."""
    if "$ref" in prop:
        title = prop["$ref"].rsplit("/", 1)[-1]
        return f"[{_heading(title)}](#{_anchor(title)})"
    options = prop.get("anyOf") or prop.get("oneOf")
    if options:
        kinds = list(dict.fromkeys(_type(option) for option in options if option.get("type") != "null"))
        if kinds == ["whole number", "number"]:
            return "number"
        return " or ".join(kinds)
    if "enum" in prop:
        return "one of " + ", ".join(f"`{value}`" for value in prop["enum"])
    if "not" in prop:
        return "a literal"
    kind = prop.get("type")
    if kind == _TEXT:
        return "text"
    if kind == "boolean":
        return "`true`/`false`"
    if kind in ("integer", "number"):
        limits = [f"≥ {prop['minimum']}" for _ in [1] if "minimum" in prop and kind == "integer"]
        limits += [f"≤ {prop['maximum']}" for _ in [1] if "maximum" in prop and kind == "integer"]
        noun = "whole number" if kind == "integer" else "number"
        return f"{noun} ({', '.join(limits)})" if limits else noun
    if kind == "string":
        return "text"
    if kind == "array":
        return f"list of {_type(prop.get('items', {}))}"
    if kind == "object":
        return f"mapping of name to {_type(prop.get('additionalProperties', {}))}"
    return "any YAML value"


def _cell(text: str) -> str:
    return text.replace("|", "\\|").replace("\n", " ")
