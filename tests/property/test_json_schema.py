"""The JSON Schema of the spec language says exactly what validation accepts.

`schemagen.spec.schema.json_schema()` (`Spec.model_json_schema()` with examples: what editors use) is checked with the `jsonschema` library against
`validate_spec` on the same loaded data: the two must agree on every input that is YAML, whether
the validator accepts it or not. Inputs: the spec-shaped data and the mutations of valid specs the
loader fuzzer draws, the catalogue of broken specs (a spec broken in structure fails both; one
broken in meaning, such as an unknown table, passes both, since cross-references are resolve's),
every valid spec checked in, and random valid specs. Semantics checked later by resolve (a `char`
without `length`, a `serial` that is not a key) are outside the structure and pass both.
"""

from __future__ import annotations

import math
from pathlib import Path
from typing import Any

import jsonschema
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from schemagen.errors import SpecErrors
from schemagen.spec.load import load_spec_text
from schemagen.spec.schema import json_schema
from schemagen.spec.validate import validate_spec
from tests.helpers import GOLDEN, GOLDEN_CASES, ROOT
from tests.property.strategies import spec_plans, to_yaml
from tests.property.test_fuzz_loader import BASE, LIFE_CEO, SCALE, _LIFE_CEO_DATA, mutated_data, mutated_specs, spec_shaped

VALIDATOR = jsonschema.Draft202012Validator(json_schema())  # the schema editors get (with examples)


def _json_data(value: Any) -> Any:
    """Loaded YAML as the JSON a JSON Schema validator sees (an editor reads YAML the same way)."""
    if isinstance(value, float) and not math.isfinite(value):
        return value
    return value


def verdicts(raw: bytes) -> tuple[bool, bool, str] | None:
    """(validate accepts, the schema accepts, why) for YAML input; None when it is not a loadable spec."""
    try:
        loaded = load_spec_text(Path("spec.yaml"), raw)
    except SpecErrors:
        return None
    try:
        validate_spec(loaded)
        accepted, why = True, ""
    except SpecErrors as exc:
        accepted, why = False, exc.errors[0].message
    errors = sorted(VALIDATOR.iter_errors(loaded.data), key=lambda e: list(e.absolute_path))
    schema_says = not errors
    if errors and not why:
        why = f"schema: {errors[0].message} at {list(errors[0].absolute_path)}"
    return accepted, schema_says, why


def assert_agree(raw: bytes) -> None:
    found = verdicts(raw)
    if found is None:
        return
    accepted, schema_says, why = found
    assert accepted == schema_says, (f"validate {'accepts' if accepted else 'rejects'} but the JSON Schema "
                                     f"{'accepts' if schema_says else 'rejects'} ({why}):\n{raw.decode(errors='replace')}")


@settings(BASE, max_examples=150 * SCALE)
@given(raw=spec_shaped)
def test_spec_shaped_data(raw: bytes) -> None:
    assert_agree(raw)


@settings(BASE, max_examples=100 * SCALE)
@given(raw=st.one_of(mutated_specs(), mutated_data(_LIFE_CEO_DATA)))
def test_mutated_specs(raw: bytes) -> None:
    assert_agree(raw)


@settings(BASE, max_examples=40 * SCALE)
@given(plan=spec_plans())
def test_random_valid_specs_pass_the_schema(plan: Any) -> None:
    raw = to_yaml(plan.spec).encode()
    assert verdicts(raw) == (True, True, "")


CATALOGUE = sorted((ROOT / "tests" / "specs" / "invalid").glob("*.yaml"))
VALID = [ROOT / "specs" / "life_ceo.yaml", *(GOLDEN / case / "spec.yaml" for case in GOLDEN_CASES),
         *sorted((ROOT / "tests" / "specs" / "valid").glob("*.yaml"))]


@pytest.mark.parametrize("spec_file", CATALOGUE, ids=lambda p: p.stem)
def test_the_catalogue_of_broken_specs(spec_file: Path) -> None:
    assert_agree(spec_file.read_bytes())


@pytest.mark.parametrize("spec_file", VALID, ids=lambda p: p.parent.name if p.name == "spec.yaml" else p.stem)
def test_checked_in_specs_pass_the_schema(spec_file: Path) -> None:
    assert verdicts(spec_file.read_bytes()) == (True, True, "")


def test_structural_mistakes_fail_the_schema() -> None:
    """A few of the catalogue's structural cases, named, so the intent survives edits to the catalogue."""
    base = LIFE_CEO.decode()
    for broken in [
        base.replace("type: serial", "type: serail", 1),  # unknown type
        base.replace("primary_key: true", "primary_key: yes", 1),  # YAML 1.1 boolean: text, not a flag
        base.replace("length: 255", 'length: "255"', 1),  # a quoted number
        base.replace("on_delete: cascade", "on_delete: delete", 1),  # unknown action
        base.replace("tables:", "tabels:", 1),  # unknown top-level key
    ]:
        assert broken != base
        assert verdicts(broken.encode()) == (False, False, verdicts(broken.encode())[2])  # type: ignore[index]
