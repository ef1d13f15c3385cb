"""What is derived from the spec models stays in step with them: the JSON Schema editors read, the
spec reference, and one validated example for every key."""

from __future__ import annotations

import copy
import json
from pathlib import Path
from typing import Any

import jsonschema
import pytest

from schemagen.spec.examples import EXAMPLES
from schemagen.spec.model import Spec
from schemagen.spec.schema import REGENERATE, example_value, json_schema, models
from tests.helpers import ROOT, run_cli

SCHEMA_FILE = ROOT / "docs" / "schemagen.schema.json"
REFERENCE_FILE = ROOT / "docs" / "spec-reference.md"
STALE = f"is stale: the spec models changed. Run `{REGENERATE}` and commit the result."


@pytest.mark.parametrize(("command", "path"), [("json-schema", SCHEMA_FILE), ("reference", REFERENCE_FILE)])
def test_the_checked_in_copy_is_what_the_command_prints(command: str, path: Path) -> None:
    printed = run_cli(command)
    assert printed.returncode == 0, printed.stderr
    assert path.read_text("utf-8") == printed.stdout, f"{path.relative_to(ROOT)} {STALE}"


def test_the_command_writes_a_file_and_says_when_it_is_unchanged(tmp_path: Path) -> None:
    target = tmp_path / "nested" / "schema.json"
    first = run_cli("json-schema", "--out", str(target))
    assert first.returncode == 0 and first.stderr == f"wrote {target}\n"
    assert target.read_text("utf-8") == SCHEMA_FILE.read_text("utf-8")
    second = run_cli("json-schema", "--out", str(target))
    assert second.returncode == 0 and second.stderr == f"unchanged {target}\n"


def test_every_key_has_a_description_and_an_example_that_is_valid_where_it_stands() -> None:
    schema = json_schema()
    assert schema["$schema"] == "https://json-schema.org/draft/2020-12/schema"
    jsonschema.Draft202012Validator.check_schema(schema)
    seen: set[tuple[str, str]] = set()
    for title, node in models(schema):
        for key, prop in node["properties"].items():
            seen.add((title, key))
            assert prop.get("description"), f"{title}.{key} has no description in schemagen/spec/model.py"
            assert key in EXAMPLES.get(title, {}), f"{title}.{key}: add an example to schemagen/spec/examples.py"
            value = example_value(EXAMPLES[title][key])
            assert prop["examples"] == [json.loads(json.dumps(value))]
            data = _in_place(title, key, value)
            Spec.model_validate(data)  # the model accepts it ...
            errors = list(jsonschema.Draft202012Validator(schema).iter_errors(data))
            assert not errors, f"{title}.{key}: {errors[0].message}"  # ... and so does the schema
    unused = {(title, key) for title, keys in EXAMPLES.items() for key in keys} - seen
    assert not unused, f"examples for keys the spec language does not have: {sorted(unused)}"


_BASE: dict[str, Any] = {"tables": {"t": {"columns": {"id": {"type": "serial", "primary_key": True}}}}}


def _in_place(title: str, key: str, value: Any) -> dict[str, Any]:
    """A minimal spec with `key: value` where a key of model `title` stands."""
    data = copy.deepcopy(_BASE)
    table = data["tables"]["t"]
    starts: dict[str, dict[str, Any]] = {"Spec": data, "Table": table, "ShapeField": {"type": "str"},
                                         "UniqueConstraint": {"columns": ["id"]}, "Index": {"columns": ["id"]},
                                         "Check": {"name": "c", "sql": "1 = 1"}}
    node = starts.get(title, {"type": "text"} if title == "Column" else {})
    node[key] = value
    lists = {"UniqueConstraint": "unique", "Index": "indexes", "Check": "checks"}
    if title == "Column":
        table["columns"]["c"] = node
    elif title == "Rules":
        table["columns"]["c"] = {"type": "text", "validate": node}
    elif title in ("SqlDefault", "JsonDefault"):
        table["columns"]["c"] = {"type": "jsonb", "default": node}
    elif title == "ShapeField":
        data["types"] = {"Shape": {"f": node}}
    elif title in lists:
        table[lists[title]] = [node]
    elif title == "Relation":
        table["relations"] = {"r": node}
    return data


def test_the_reference_lists_every_key_with_its_example() -> None:
    text = REFERENCE_FILE.read_text("utf-8")
    for title, keys in EXAMPLES.items():
        for key, example in keys.items():
            assert f"| `{key}` |" in text and f"`{key}: {example}`" in text, (title, key)
    assert "| `length` | whole number (≥ 1, ≤ 10485760) | none | Most characters (varchar, char). | `length: 255` |" in text
    assert "| `tables` | mapping of name to [Table](#table) | *required* |" in text
