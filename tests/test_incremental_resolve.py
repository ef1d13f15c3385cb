"""Resolving with the cache of an earlier resolve (`schemagen.resolver.incremental`) is a cold resolve:
the same catalog (its full `repr`), the same errors, after chains of random edits of every kind, and
no record shared between two tables (the code generator remembers columns by identity)."""

from __future__ import annotations

import copy
import gc
import random
import sys
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest
import yaml

from schemagen.catalog import Catalog
from schemagen.errors import SpecErrors
from schemagen.resolver import incremental, resolve
from schemagen.resolver.incremental import catalog_cached, resolve_cached, with_options
from schemagen.spec.incremental import load_cached
from schemagen.spec.load import load_spec_text
from schemagen.spec.validate import validate_spec
from tests import test_render_cache as render_edits
from tests.helpers import ROOT

sys.path.insert(0, str(ROOT / "bench"))
import realistic  # type: ignore[import-not-found]  # noqa: E402

Spec = dict[str, Any]
_DUMPER = getattr(yaml, "CSafeDumper", yaml.SafeDumper)
SMALL = sorted([*(ROOT / "specs").glob("*.yaml"), *(ROOT / "tests" / "specs" / "valid").glob("*.yaml")])


def _text(spec: Spec) -> str:
    """`spec` as YAML the incremental loader splits into parts (it takes no sequence in the column of a
    section's keys): each entry of a top-level mapping dumped on its own, a list in flow style."""
    def dump(value: Any, **options: Any) -> str:
        return yaml.dump(value, Dumper=_DUMPER, sort_keys=False, allow_unicode=True, width=100, **options)

    out = []
    for key, value in spec.items():
        if not isinstance(value, dict) or not value:
            out.append(dump({key: value}))
            continue
        out.append(f"{key}:\n")
        for name, entry in value.items():
            if isinstance(entry, dict) and entry:
                out.append("".join(f"  {line}" if line.strip() else line
                                   for line in dump({name: entry}).splitlines(keepends=True)))
            else:
                out.append(f"  {dump({name: entry}, default_flow_style=True).strip()[1:-1]}\n")
    return "".join(out)


def _columns(rng: random.Random, spec: Spec) -> tuple[Spec, str, Spec]:
    table = spec["tables"][rng.choice(list(spec["tables"]))]
    key = rng.choice(list(table["columns"]))
    column = table["columns"][key]
    column = table["columns"][key] = {"type": column} if isinstance(column, str) else column
    return table, key, column


# -- edits of leaf settings (the cache's fast path), some of them wrong ------------------------


def _leaf_edit(rng: random.Random, spec: Spec) -> None:
    table, _, column = _columns(rng, spec)
    change = rng.choice(["length", "length", "comment", "precision", "scale", "timezone", "validate", "validate",
                         "secret", "immutable", "table comment", "drop"])
    if change == "length":
        column["length"] = rng.choice([rng.randint(1, 400), 0, 3])  # 0: refused by the validator
    elif change == "comment":
        column["comment"] = rng.choice([f"edited {rng.random()}", "nul \x00 inside"])
    elif change == "precision":
        column["precision"] = rng.choice([3, 7, 12, 0])
    elif change == "scale":
        column["scale"] = rng.choice([2, 4, 30])
    elif change == "timezone":
        column["timezone"] = not column.get("timezone", False)
    elif change == "validate":
        column["validate"] = rng.choice([{"min_length": 2}, {"ge": 0, "message": "Not negative"},
                                         {"pattern": "^[a-z]+$"}, {"pattern": "(?=x)"}, {"max_length": 9},
                                         {"format": "email"}, {"min_length": 5, "max_length": 2}])
    elif change in ("secret", "immutable"):
        column[change] = not column.get(change, False)
    elif change == "table comment":
        table["comment"] = f"table edited {rng.random()}"
    else:
        for key in ("comment", "length", "validate", "precision", "scale"):
            column.pop(key, None)


def _char_length(rng: random.Random, spec: Spec) -> None:
    """A char column, its length changed: a foreign key compares it with the referenced column's."""
    chars = [(table, key) for table in spec["tables"].values() for key, column in table["columns"].items()
             if isinstance(column, dict) and column.get("type") == "char"]
    if not chars:
        table, key, column = _columns(rng, spec)
        column.clear()
        column.update({"type": "char", "length": 2, "unique": True})
        return
    table, key = rng.choice(chars)
    table["columns"][key]["length"] = rng.randint(1, 4)


def _soft_delete(rng: random.Random, spec: Spec) -> None:
    """A table that soft-deletes (its uniques hold among live rows), then edits of its leaves."""
    soft = [table for table in spec["tables"].values() if "soft_delete" in table]
    table = rng.choice(soft) if soft and rng.random() < 0.7 else spec["tables"][rng.choice(list(spec["tables"]))]
    if "soft_delete" in table:
        pass  # leaves only: answered from the cache
    elif "deleted_at" not in table["columns"]:
        table["columns"]["deleted_at"] = {"type": "timestamp"}
        table["soft_delete"] = "deleted_at"
        table["columns"]["code"] = {"type": "varchar", "length": 8, "unique": True}
    for _ in range(3):
        column = rng.choice([c for c in table["columns"].values() if isinstance(c, dict)])
        column["comment"] = f"soft {rng.random()}"


def _foreign_key_setting(rng: random.Random, spec: Spec) -> None:
    """A setting of a column with `references:` or a target's key (not leaves: seen by other tables)."""
    _, _, column = _columns(rng, spec)
    if "references" in column:
        column["on_delete"] = rng.choice(["cascade", "set null", "restrict"])
    else:
        column["unique"] = not column.get("unique", False)


EDITS: list[Callable[[random.Random, Spec], None]] = [
    *render_edits.EDITS, *[_leaf_edit] * 14, _char_length, _char_length, _soft_delete, _soft_delete, _soft_delete,
    _foreign_key_setting,
]


def _outcome(run: Callable[[], Catalog]) -> Any:
    try:
        catalog = run()
    except SpecErrors as errors:
        return [str(error) for error in errors.errors]
    columns = [column for table in catalog.tables for column in table.columns]
    assert len({id(column) for column in columns}) == len(columns), "a column record shared by two tables"
    return repr(catalog)


def _chain(spec: Spec, folder: Path, edits: int, seed: int, monkeypatch: pytest.MonkeyPatch) -> tuple[int, int]:
    """Resolve after each of `edits` random edits, with the cache and cold; the number of edits
    made, and of resolves the cache answered without a whole resolve."""
    monkeypatch.setenv("SCHEMAGEN_CACHE_DIR", str(folder / "cache"))
    whole = []

    def counted(*args: Any) -> Catalog:
        whole.append(1)
        return resolve(*args)

    monkeypatch.setattr(incremental, "resolve", counted)
    rng = random.Random(seed)
    path = folder / "spec.yaml"

    options: dict[str, bool] = {}  # the project's (`typescript`, `erd`), changed now and then

    def cached() -> Catalog:
        loaded = load_cached(path, path.read_bytes())
        if rng.random() < 0.2:  # as `schemagen.api` would: validated first
            return resolve_cached(with_options(validate_spec(loaded), options), loaded)
        return catalog_cached(loaded, options)  # as the pipeline does

    def cold() -> Catalog:
        loaded = load_spec_text(path, path.read_bytes())
        return resolve(with_options(validate_spec(loaded), options), loaded)

    gc.disable()
    try:
        path.write_text(_text(spec))
        assert load_cached(path, path.read_bytes()).parts is not None  # split into parts: the cache applies
        assert _outcome(cached) == _outcome(cold)
        made = answered = 0
        for attempt in range(edits * 3):
            if made == edits:
                break
            edit = rng.choice(EDITS)
            if rng.random() < 0.05:
                options = {"typescript": True} if not options else {}
            changed = copy.deepcopy(spec)
            try:
                edit(rng, changed)
            except (KeyError, TypeError, AttributeError, IndexError, ValueError):
                continue  # an edit that does not apply to this spec
            path.write_text(_text(changed))
            before = len(whole)
            expected = _outcome(cold)
            assert _outcome(cached) == expected, f"attempt {attempt} ({edit.__name__}, seed {seed})"
            made += 1
            answered += len(whole) == before
            if not isinstance(expected, list):
                spec = changed  # an edit with errors is undone (the next starts from the last good spec)
        return made, answered
    finally:
        gc.enable()


@pytest.mark.parametrize("path", SMALL, ids=[path.name for path in SMALL])
def test_small_specs_resolve_as_cold_after_edits(path: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    spec = yaml.safe_load(path.read_text())
    made, _ = _chain(spec, tmp_path, 30, 3, monkeypatch)
    assert made >= 20


def test_real300_resolves_as_cold_after_edits(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    (text,) = realistic.make_specs(300).values()
    made, answered = _chain(yaml.safe_load(text), tmp_path, 16, 11, monkeypatch)
    assert made >= 14
    assert answered >= 2  # leaf edits were answered from the cache (the test would prove nothing otherwise)


def test_leaf_edits_are_answered_from_the_cache_validating_the_changed_table_only(tmp_path: Path,
                                                                monkeypatch: pytest.MonkeyPatch) -> None:
    spec = yaml.safe_load(realistic.make_specs(20)["real.yaml"])
    made, answered = _chain(spec, tmp_path, 0, 5, monkeypatch)
    assert (made, answered) == (0, 0)
    table = next(iter(spec["tables"].values()))
    column = next(c for c in table["columns"].values() if isinstance(c, dict) and c.get("type") == "varchar")
    column["length"] = 77
    column["comment"] = "longer now"
    path = tmp_path / "spec.yaml"
    path.write_text(_text(spec))
    calls = []
    monkeypatch.setattr(incremental, "resolve", lambda *args: calls.append(args) or resolve(*args))
    monkeypatch.setattr(incremental, "validate_spec", lambda *args: calls.append(args) or validate_spec(*args))
    loaded = load_cached(path, path.read_bytes())
    catalog = catalog_cached(loaded)
    assert calls == []  # neither the whole spec validated nor a whole resolve
    again = catalog_cached(load_cached(path, path.read_bytes()))  # nothing changed since
    assert calls == [] and repr(again) == repr(catalog)
    cold = load_spec_text(path, path.read_bytes())
    assert repr(catalog) == repr(resolve(validate_spec(cold), cold))
