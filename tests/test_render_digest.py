"""The digest of catalog records the render cache compares (`fragments.digest`, `records.Encoder`):
complete (a change to any field of any record changes it), and a function of the value only (not of
the objects' identity, the process's hash seed, or whether the spec came from the spec-parts cache)."""

from __future__ import annotations

import copy
import dataclasses
import json
import os
import subprocess
import sys
from decimal import Decimal
from pathlib import Path
from typing import Any

import pytest

from schemagen.catalog import Catalog, Column, Default, Table
from schemagen.catalog.records import Encoder
from schemagen.codegen.fragments import digest
from schemagen.resolver import resolve
from schemagen.spec.load import load_spec_text
from schemagen.spec.validate import validate_spec

ROOT = Path(__file__).resolve().parent.parent
SPECS = [ROOT / "specs" / "life_ceo.yaml", *sorted((ROOT / "tests" / "specs" / "valid").glob("*.yaml"))]


def _catalog(path: Path) -> Catalog:
    loaded = load_spec_text(path, path.read_bytes())
    return resolve(validate_spec(loaded), loaded)


def _of(value: object) -> str:
    return digest(value, Encoder())


def _other(value: Any) -> Any:
    """A value unlike `value`, as close to it as can be (a flag flipped, a number plus one, ...)."""
    if isinstance(value, bool):
        return not value
    if isinstance(value, (int, float, Decimal)):
        return value + 1
    if isinstance(value, str):
        return value + "x"
    if value is None:
        return "x"
    if isinstance(value, tuple):
        return value[:-1] if value else ("x",)
    if isinstance(value, list):
        return [*value, "x"]
    if isinstance(value, dict):
        return {**value, "x": 1}
    if dataclasses.is_dataclass(value):  # a record inside a record: one of its own fields changed
        first = dataclasses.fields(value)[0].name
        return dataclasses.replace(value, **{first: _other(getattr(value, first))})
    raise AssertionError(f"no other value for {value!r}")


def _records(catalog: Catalog) -> list[object]:
    """Every record of each class the catalog holds, by walking it."""
    found: list[object] = []

    def walk(value: Any) -> None:
        if dataclasses.is_dataclass(value):
            found.append(value)
            for spec in dataclasses.fields(value):
                walk(getattr(value, spec.name))
        elif isinstance(value, (tuple, list)):
            for item in value:
                walk(item)
    walk(catalog.tables)
    walk(catalog.enums)
    walk(catalog.shapes)
    return found


@pytest.mark.parametrize("path", SPECS, ids=[path.name for path in SPECS])
def test_any_field_changed_changes_the_digest(path: Path) -> None:
    """Each field of each record (tables, columns, keys, relations, indexes, checks, defaults,
    rules, enums, shapes), changed alone with `dataclasses.replace`: another digest, for the record
    and for the table holding it."""
    catalog = _catalog(path)
    checked = 0
    for record in _records(catalog):
        before = _of(record)
        assert _of(dataclasses.replace(record)) == before == _of(copy.deepcopy(record))
        for spec in dataclasses.fields(record):  # type: ignore[arg-type]
            changed = dataclasses.replace(record, **{spec.name: _other(getattr(record, spec.name))})  # type: ignore[type-var]
            assert _of(changed) != before, (type(record).__name__, spec.name)
            checked += 1
    for table in catalog.tables:  # a change deep inside a table changes the table's digest
        for index, column in enumerate(table.columns):
            for spec in dataclasses.fields(Column):
                changed = dataclasses.replace(column, **{spec.name: _other(getattr(column, spec.name))})
                columns = table.columns[:index] + (changed,) + table.columns[index + 1:]
                assert _of(dataclasses.replace(table, columns=columns)) != _of(table), (table.name, spec.name)
        for spec in dataclasses.fields(Table):
            assert _of(dataclasses.replace(table, **{spec.name: _other(getattr(table, spec.name))})) != _of(table)
    assert checked > 50


def test_values_of_other_types_are_other_values() -> None:
    """`1`, `True`, `1.0`, `"1"`, `Decimal(1)`, `[1]`, `(1,)`, `{1: 1}` as a default: all distinct."""
    values = [1, True, 1.0, "1", Decimal(1), Decimal("1.0"), [1], (1,), {1: 1}, {"1": 1}, None, 0, False, "", [], ()]
    digests = {_of(Default("literal", value, value)) for value in values}
    assert len(digests) == len(values)


_SCRIPT = """
import json, sys
from pathlib import Path
from schemagen.catalog.records import Encoder
from schemagen.codegen.fragments import digest
from schemagen.resolver import resolve
from schemagen.spec.validate import validate_spec
from schemagen.spec.{module} import {load}
path = Path(sys.argv[1])
raw = path.read_bytes()
for _ in range({times}):
    loaded = {load}(path, raw)
print(json.dumps([digest(table, Encoder()) for table in resolve(validate_spec(loaded), loaded).tables]))
"""


def test_the_digest_is_the_same_in_another_process(tmp_path: Path) -> None:
    """Across processes (other hash seeds), and loaded cold or from the spec-parts cache (the
    objects are shared otherwise: marshal's interned strings and references would show it)."""
    path = ROOT / "specs" / "life_ceo.yaml"
    outputs = set()
    for seed, (module, load, times) in enumerate([("load", "load_spec_text", 1), ("incremental", "load_cached", 2),
                                                  ("load", "load_spec_text", 1)]):
        env = {**os.environ, "PYTHONHASHSEED": str(seed + 1), "PYTHONPATH": str(ROOT),
               "SCHEMAGEN_CACHE_DIR": str(tmp_path / "cache")}
        script = _SCRIPT.format(module=module, load=load, times=times)
        result = subprocess.run([sys.executable, "-c", script, str(path)], env=env, capture_output=True, text=True, check=True)
        outputs.add(result.stdout)
    assert len(outputs) == 1 and len(json.loads(outputs.pop())) == len(_catalog(path).tables)
