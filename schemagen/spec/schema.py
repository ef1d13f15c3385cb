"""The spec language's JSON Schema, as editors read it, derived from `schemagen.spec.model`.

`Spec.model_json_schema()` is the whole structure (validation accepts exactly what it accepts,
tests/property/test_json_schema.py); this adds the draft it follows, a title and each key's example
(`schemagen.spec.examples`). `schemagen json-schema` prints it; docs/schemagen.schema.json is a copy.
"""

from __future__ import annotations

import json
from collections.abc import Iterator
from functools import cache
from pathlib import Path
from typing import Any

from schemagen.spec.examples import EXAMPLES
from schemagen.spec.model import Spec

DRAFT = "https://json-schema.org/draft/2020-12/schema"
REGENERATE = "make docs"
"""The one command that rewrites every file derived from the spec models (the schema and the reference)."""


@cache
def example_value(text: str) -> Any:
    """An example's YAML text as the spec loader reads it."""
    from schemagen.spec.load import load_spec_text

    return load_spec_text(Path("example.yaml"), f"value: {text}\n".encode()).data["value"]


def object_schema(schema: dict[str, Any]) -> dict[str, Any] | None:
    """The mapping form of a model's schema (a model with a short form is `anyOf: [short, mapping]`)."""
    if "properties" in schema:
        return schema
    for option in schema.get("anyOf", ()):
        if "properties" in option:
            return option  # type: ignore[no-any-return]
    return None


def models(schema: dict[str, Any]) -> Iterator[tuple[str, dict[str, Any]]]:
    """(title, mapping schema) of the spec and of every model it uses."""
    yield "Spec", schema
    for title, definition in schema["$defs"].items():
        found = object_schema(definition)
        if found is not None:
            yield title, found


def json_schema() -> dict[str, Any]:
    schema = Spec.model_json_schema()
    for title, node in models(schema):
        for key, prop in node["properties"].items():
            text = EXAMPLES.get(title, {}).get(key)
            if text is not None:
                prop["examples"] = [example_value(text)]
    return {"$schema": DRAFT, **schema, "title": "schemagen spec (version 1)"}


def json_schema_text() -> str:
    """The schema as written to a file: sorted keys where pydantic sorts them, two-space indents, UTF-8."""
    return json.dumps(json_schema(), indent=2, ensure_ascii=False) + "\n"
