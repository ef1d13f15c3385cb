"""Property: `schemagen.dump(spec)` is YAML that loads and validates back to an equal spec.

Over the random specs of `strategies.spec_plans()` (hostile names, every column kind, defaults of
every spelling), every spec checked in (the example, the golden cases, the valid catalogue, the
benchmark workload), the hostile strings of test_injection in every text position, and the
scalars YAML 1.2 core would read as something other than text. Dumping is deterministic: the dump
of the reloaded spec is the same text.
"""

from __future__ import annotations

import os
import sys
from pathlib import Path

import pytest
from hypothesis import given, settings

import schemagen
from schemagen.spec.model import Spec
from tests.helpers import GOLDEN, GOLDEN_CASES, ROOT
from tests.property.strategies import SpecPlan, spec_plans, to_yaml
from tests.test_injection import HOSTILE

sys.path.insert(0, str(ROOT / "bench"))
from workload import make_spec  # noqa: E402

PROFILE = os.environ.get("SCHEMAGEN_HYPOTHESIS_PROFILE", "default")
EXAMPLES = 300 if PROFILE == "long" else 60


def assert_round_trip(spec: Spec, name: str = "spec.yaml") -> str:
    text = schemagen.dump(spec)
    again = schemagen.parse_spec(text, name).spec
    assert again == spec, f"dump did not read back to the same spec:\n{text}"
    assert schemagen.dump(again) == text, "dumping the reloaded spec gave other text"
    return text


@settings(max_examples=EXAMPLES, deadline=None, derandomize=PROFILE == "default", database=None)
@given(plan=spec_plans())
def test_random_specs_dump_and_load_back_equal(plan: SpecPlan) -> None:
    spec = schemagen.parse_spec(to_yaml(plan.spec)).spec
    assert_round_trip(spec)


CHECKED_IN = [ROOT / "specs" / "life_ceo.yaml", *(GOLDEN / case / "spec.yaml" for case in GOLDEN_CASES),
              *sorted((ROOT / "tests" / "specs" / "valid").glob("*.yaml"))]


@pytest.mark.parametrize("spec_file", CHECKED_IN, ids=lambda p: p.parent.name if p.name == "spec.yaml" else p.stem)
def test_checked_in_specs_dump_and_load_back_equal(spec_file: Path) -> None:
    spec_file_ = schemagen.load_spec(spec_file)
    assert_round_trip(spec_file_.spec, spec_file.name)
    # and it is the same schema: the generated package is byte for byte the one of the original
    assert schemagen.generate(schemagen.parse_spec(schemagen.dump(spec_file_.spec), spec_file.name)) == \
        schemagen.generate(spec_file_)


def test_the_benchmark_workload_round_trips() -> None:
    assert_round_trip(schemagen.parse_spec(make_spec(40)).spec)


@pytest.mark.parametrize("index", range(len(HOSTILE)))
def test_hostile_strings_round_trip_in_every_text_position(index: int) -> None:
    hostile = HOSTILE[index].replace("\x00", "")  # NUL is refused by resolve, not by the language
    spec = Spec.model_validate({
        "package": "hostile",
        "enums": {"Kind": [hostile or "x", "plain"]},
        "types": {"Shape": {"note": {"type": "str", "comment": hostile, "default": hostile, "pattern": hostile}}},
        "tables": {"things": {
            "comment": hostile,
            "columns": {
                "id": {"type": "serial", "primary_key": True},
                "label": {"type": "text", "default": hostile, "comment": hostile, "column": hostile or "x",
                          "validate": {"message": hostile, "min_length": 1}},
                "data": {"type": "jsonb", "default": {hostile: [hostile, 1, 2.5, None, True]}},
            },
            "checks": [{"name": "c", "sql": hostile or "true"}],
            "indexes": [{"columns": ["label"], "where": hostile, "name": hostile or "ix"}],
        }},
    })
    assert_round_trip(spec)


@pytest.mark.parametrize("value", ["yes", "no", "on", "off", "y", "3.10", "012", "1e5", "-7", "+3", ".5", "null",
                                   "Null", "~", "", "true", "FALSE", "@home", "a: b", "a #b", "#x", "- x", "[x]",
                                   "{x}", "*alias", "&anchor", "!tag", "%x", "`x`", "'", '"', "x\ny", " lead",
                                   "trail ", "\t", "\x85", "\u2028", "ß", "日本", "-", "?", ":"])
def test_scalars_that_yaml_would_read_otherwise_are_quoted(value: str) -> None:
    spec = Spec.model_validate({
        "enums": {"Kind": [value or "v"]},
        "tables": {"t": {"comment": value, "columns": {
            "id": {"type": "serial", "primary_key": True},
            "note": {"type": "text", "default": value, "comment": value},
        }}},
    })
    text = assert_round_trip(spec)
    reloaded = schemagen.parse_spec(text).spec
    assert reloaded.tables["t"].columns["note"].default == value  # text, not a number, bool or null
    assert isinstance(reloaded.tables["t"].columns["note"].default, str)


def test_short_forms_and_key_order() -> None:
    text = schemagen.dump(schemagen.parse_spec(
        "tables:\n"
        "  users:\n"
        "    columns:\n"
        "      bio: text\n"
        "      id: {primary_key: true, type: serial}\n"
        "      email: {type: varchar, nullable: false, length: 255, unique: false}\n"
        "    unique: [[email, bio]]\n"
    ).spec)
    assert text == (
        "tables:\n"
        "  users:\n"
        "    columns:\n"
        "      bio: text\n"
        "      id: {type: serial, primary_key: true}\n"
        "      email: {type: varchar, nullable: false, length: 255}\n"
        "    unique:\n"
        "    - [email, bio]\n"
    )


@pytest.mark.parametrize("number", [1e-07, 1e16, 0.1, 2.5, -3.0, 123456789.125, 5e-324, 1.7976931348623157e308])
def test_floats_of_a_spec_built_in_memory_round_trip(number: float) -> None:
    """A float from Python (not YAML) has no spelling of its own: `repr` may drop the point (`1e-07`)."""
    spec = Spec.model_validate({"package": "p", "tables": {"t": {"columns": {
        "id": {"type": "serial", "primary_key": True},
        "x": {"type": "double", "default": number, "validate": {"le": number}},
    }}}})
    assert_round_trip(spec, "p.yaml")
