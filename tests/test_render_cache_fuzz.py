"""A spec-level fuzzer for the render cache: after any chain of spec edits, a render that reuses the
cache writes, byte for byte, what a render with the cache off writes (every file), and a failing
render fails alike; every few steps the whole CLI (`schemagen build`) with the cache on and off too.

The edits are made on the spec as data (dumped to YAML): the hand-written edits of
tests/test_render_cache.py, and a structure-aware mutator that flips, bumps, deletes or transplants
any value of the spec from a pool of what the base specs hold at the same key (every column type,
rule, default, enum, shape, relation, index, check, option the bases use), and whole tables
transplanted between specs. Edits that make an invalid spec are skipped. Every base spec renders
into ONE cache folder under the same file name, so different specs (and packages) meet each other's
cache files.

Scale with SCHEMAGEN_RCFUZZ_STEPS (edits per base spec), SCHEMAGEN_RCFUZZ_SEED, SCHEMAGEN_RCFUZZ_CLI
(CLI comparison every N edits; 0: never).
"""

from __future__ import annotations

import copy
import filecmp
import gc
import os
import random
import subprocess
import sys
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest
import yaml

from schemagen.codegen import render_catalog
from schemagen.errors import SpecErrors
from tests import test_render_cache as hand

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT / "bench"))
import realistic

STEPS = int(os.environ.get("SCHEMAGEN_RCFUZZ_STEPS", "30"))
SEED = os.environ.get("SCHEMAGEN_RCFUZZ_SEED", "rc")
CLI_EVERY = int(os.environ.get("SCHEMAGEN_RCFUZZ_CLI", "0"))

Spec = dict[str, Any]
BASES: dict[str, Callable[[], Spec]] = {
    **{f"specs/{p.name}": (lambda p=p: hand._spec_of(p)) for p in sorted((ROOT / "specs").glob("*.yaml"))},
    **{f"valid/{p.name}": (lambda p=p: hand._spec_of(p))
       for p in sorted((ROOT / "tests" / "specs" / "valid").glob("*.yaml"))},
    **{f"golden/{p.parent.name}": (lambda p=p: hand._spec_of(p))
       for p in sorted((ROOT / "tests" / "golden").glob("*/spec.yaml"))
       # its enum values `3.1`/`3.10` do not survive a round trip through plain data (both floats 3.1)
       if p.parent.name != "names"},
    "realistic30": lambda: yaml.safe_load(realistic.make_spec(30)),
}
BIG = int(os.environ.get("SCHEMAGEN_RCFUZZ_BIG", "0"))  # also a realistic spec of this many tables
if BIG:
    BASES[f"realistic{BIG}"] = lambda: yaml.safe_load(realistic.make_spec(BIG))


def _pool() -> dict[str, list[Any]]:
    """Every value the base specs hold, by the key it is held under."""
    found: dict[str, list[Any]] = {}

    def walk(value: Any, key: str) -> None:
        found.setdefault(key, []).append(value)
        if isinstance(value, dict):
            for child, item in value.items():
                walk(item, str(child))
        elif isinstance(value, list):
            for item in value:
                walk(item, key + "[]")

    for make in BASES.values():
        spec = make()
        walk(spec, "")
    return found


POOL = _pool()
TABLES = [(name, table, spec) for make in BASES.values() for spec in [make()]
          for name, table in spec["tables"].items()]


def _places(value: Any, path: tuple[Any, ...] = ()) -> list[tuple[Any, ...]]:
    out = [path]
    if isinstance(value, dict):
        for key, item in value.items():
            out += _places(item, (*path, key))
    elif isinstance(value, list):
        for index, item in enumerate(value):
            out += _places(item, (*path, index))
    return out


def _at(spec: Any, path: tuple[Any, ...]) -> Any:
    for part in path:
        spec = spec[part]
    return spec


def _mutate(rng: random.Random, spec: Spec) -> None:
    """One change anywhere in the spec, with a value of the right flavour where one is needed."""
    path = rng.choice(_places(spec)[1:])
    parent, key = _at(spec, path[:-1]), path[-1]
    value = parent[key]
    pool_key = str(key) if not isinstance(key, int) else str(path[-2]) + "[]"
    choice = rng.random()
    if choice < 0.15 and isinstance(parent, dict) and len(parent) > 1:
        del parent[key]
    elif choice < 0.25 and isinstance(parent, list) and len(parent) > 1:
        parent.pop(key) if rng.random() < 0.5 else parent.insert(rng.randrange(len(parent)), copy.deepcopy(value))
    elif isinstance(value, bool):
        parent[key] = not value
    elif isinstance(value, int):
        parent[key] = max(0, value + rng.choice([-3, -1, 1, 2, 50]))
    elif isinstance(value, str) and rng.random() < 0.3:
        parent[key] = value + rng.choice(["x", "_2", " edited", "s"])
    elif isinstance(value, dict) and rng.random() < 0.5:
        # a key this kind of mapping has elsewhere (`validate`, `default`, `sql_name`, `comment` ...)
        siblings = [other for other in POOL.get(pool_key, []) if isinstance(other, dict)]
        if siblings:
            donor = rng.choice(siblings)
            if donor:
                extra = rng.choice(list(donor))
                value[extra] = copy.deepcopy(donor[extra])
    elif POOL.get(pool_key):
        parent[key] = copy.deepcopy(rng.choice(POOL[pool_key]))


# Columns the base specs do not have: pass-through types, months, precisions, identities, flags
EXTRA_COLUMNS: list[Spec] = [
    {"type": {"sql": "citext", "python": "str"}}, {"type": {"sql": "macaddr8", "python": "str"}, "array": True},
    {"type": {"sql": "money", "python": "decimal"}, "nullable": False}, {"type": {"sql": "int4", "python": "int"}},
    {"type": "interval", "months": True}, {"type": "interval", "months": True, "array": True},
    {"type": "time", "precision": 3}, {"type": "timestamp", "timezone": True, "precision": 0},
    {"type": "integer", "identity": "by default"}, {"type": "smallint", "identity": "always"},
    {"type": "bigserial"}, {"type": "text", "secret": True}, {"type": "text", "immutable": True},
    {"type": "varchar", "length": 12, "unique": True}, {"type": "text", "index": True},
    {"type": "timestamp", "server_set": True, "default": "now"}, {"type": "uuid", "default": "uuid"},
    {"type": "real", "array": True}, {"type": "double", "default": 1.5}, {"type": "bytes"},
    {"type": "char", "length": 3, "validate": {"pattern": "^[A-Z]+$", "message": "caps"}},
    {"type": "text", "validate": {"format": "url"}}, {"type": "text", "validate": {"format": "uuid"}},
    {"type": "text", "array": True, "validate": {"min_length": 1, "max_length": 3}},
    {"type": "integer", "validate": {"gt": 0, "lt": 10}}, {"type": "numeric", "precision": 5},
    {"type": "numeric", "precision": 8, "scale": 3, "validate": {"ge": 0}},
    {"type": "numeric", "precision": 12, "scale": 2, "generated": {"sql": "1 + 1"}},
    {"type": "jsonb", "schema": "list[str]", "default": ["a"]}, {"type": "json", "schema": "dict[str, int]"},
    {"type": "boolean", "nullable": False, "default": False}, {"type": "date", "default": "2024-01-02"},
    {"type": "inet", "array": True}, {"type": "macaddr"}, {"type": "cidr", "nullable": False},
]


def _transplant_column(rng: random.Random, spec: Spec) -> None:
    """A column definition of any base spec (any type, rules, default) put in a table, new or replacing."""
    _, table = hand._table(rng, spec)
    _, donor, _ = rng.choice(TABLES)
    name, column = rng.choice(list(donor["columns"].items()))
    if rng.random() < 0.4:
        name, column = rng.choice(["extra", "Box", "select", "uuid", "copy", "re"]), rng.choice(EXTRA_COLUMNS)
    if rng.random() < 0.5 and table["columns"]:
        name = rng.choice(list(table["columns"]))
    table["columns"][name] = copy.deepcopy(column)


def _transplant_table(rng: random.Random, spec: Spec) -> None:
    """A whole table of another spec, with the tables, enums and types of that spec it may need."""
    name, table, donor = rng.choice(TABLES)
    spec["tables"][name] = copy.deepcopy(table)
    for section in ("enums", "types"):
        for key, value in (donor.get(section) or {}).items():
            spec.setdefault(section, {}).setdefault(key, copy.deepcopy(value))
    for other in donor["tables"]:  # the tables it names: only where missing
        if other not in spec["tables"] and rng.random() < 0.8:
            spec["tables"][other] = copy.deepcopy(donor["tables"][other])


def _table_level(rng: random.Random, spec: Spec) -> None:
    """A table-level key (`soft_delete`, `indexes`, `checks`, `comment`, `unique`, ...) taken from another table."""
    _, table = hand._table(rng, spec)
    _, donor, _ = rng.choice(TABLES)
    keys = [key for key in donor if key != "columns"]
    if keys:
        key = rng.choice(keys)
        table[key] = copy.deepcopy(donor[key])
        if key == "soft_delete" and donor[key] in donor["columns"]:
            table["columns"][donor[key]] = copy.deepcopy(donor["columns"][donor[key]])


def _enum_edit(rng: random.Random, spec: Spec) -> None:
    """An enum added (used by a column), removed, its values or `sql_name` changed, an enum column's default."""
    enums = spec.setdefault("enums", {})
    choice = rng.random()
    if choice < 0.3 or not enums:
        name = rng.choice(["Mood", "Status", "Kind", "Select", "Box", "Any"])
        enums[name] = rng.choice([["a", "b"], {"values": ["in-progress", "done"], "sql_name": f"{name.lower()}_kind"}])
        _, table = hand._table(rng, spec)
        table["columns"][rng.choice(["mood", "kind", "status"])] = rng.choice(
            [{"type": "enum", "enum": name}, {"type": "enum", "enum": name, "array": True},
             {"type": "enum", "enum": name, "nullable": False, "default": "b"}])
        return
    name = rng.choice(list(enums))
    if choice < 0.45:
        del enums[name]
    elif isinstance(enums[name], dict):
        enums[name]["sql_name"] = enums[name].get("sql_name", "x") + "_2" if rng.random() < 0.5 else None
        enums[name] = {key: value for key, value in enums[name].items() if value is not None}
    else:
        values = list(enums[name])
        rng.shuffle(values)
        enums[name] = values if rng.random() < 0.5 else {"values": values, "sql_name": f"{name.lower()}_t"}


def _shape_default(rng: random.Random, spec: Spec) -> None:
    """A typed JSON column with a shape default (a shape instance, so models.py imports Pydantic on
    import), an array of shapes, or such a column's default dropped."""
    shapes = spec.setdefault("types", {})
    shapes.setdefault("Point", {"x": "float", "y": {"type": "float", "nullable": True}})
    _, table = hand._table(rng, spec)
    table["columns"][rng.choice(["where", "at", "point"])] = rng.choice([
        {"type": "jsonb", "schema": "Point", "default": {"x": 1.5, "y": None}},
        {"type": "json", "schema": "Point", "nullable": False, "default": {"x": 2}},
        {"type": "jsonb", "schema": "list[Point]", "default": [{"x": 1}]},
        {"type": "jsonb", "schema": "Point"}])


def _option(rng: random.Random, spec: Spec) -> None:
    key = rng.choice(["typescript", "erd", "dialect"])
    if key == "dialect":
        spec["dialect"] = rng.choice(["postgresql", "sqlite"])
    else:
        spec[key] = not spec.get(key, False)


def _model_name(rng: random.Random, spec: Spec) -> None:
    _, table = hand._table(rng, spec)
    table["model"] = rng.choice(["Thing", "As", "Box", "JSON", "Select", "Base", "UserSelect", "Partial"])


def _back(rng: random.Random, spec: Spec) -> None:
    """(The spec is an earlier one of the chain, taken as it was.)"""


EDITS: list[Callable[[random.Random, Spec], None]] = [
    *hand.EDITS, _mutate, _mutate, _mutate, _mutate, _mutate, _transplant_column, _transplant_column,
    _transplant_table, _table_level, _table_level, _enum_edit, _shape_default, _option, _model_name,
]


def _outcome(catalog: Any, cached: bool) -> dict[str, str] | str:
    try:
        return render_catalog(catalog, cached=cached)
    except Exception as exc:  # noqa: BLE001 (a failing render must fail alike with the cache on and off)
        return f"{type(exc).__name__}: {exc}"


def _cli(spec_file: Path, out: Path, cache: str) -> tuple[int, str]:
    env = {**os.environ, "SCHEMAGEN_CACHE_DIR": cache, "PYTHONPATH": str(ROOT)}
    done = subprocess.run([sys.executable, "-m", "schemagen", "build", str(spec_file), "--out", str(out), "-q"],
                          check=False, capture_output=True, text=True, env=env, cwd=spec_file.parent, timeout=300)
    return done.returncode, done.stderr.replace(str(out), "OUT")


def _same_trees(left: Path, right: Path) -> list[str]:
    compared = filecmp.dircmp(left, right)
    differ = [*compared.left_only, *compared.right_only, *compared.diff_files, *compared.funny_files]
    for name in compared.common_files:  # dircmp compares shallowly: look at the bytes
        if (left / name).read_bytes() != (right / name).read_bytes():
            differ.append(name)
    for name in compared.common_dirs:
        differ += [f"{name}/{item}" for item in _same_trees(left / name, right / name)]
    return differ


def _fuzz(base: str, folder: Path, cache: Path, monkeypatch: pytest.MonkeyPatch) -> int:
    monkeypatch.setenv("SCHEMAGEN_CACHE_DIR", str(cache))
    rng = random.Random(f"{SEED}-{base}")
    spec = BASES[base]()
    history = [spec]
    made = attempts = clis = 0
    while made < STEPS and attempts < STEPS * 8:
        attempts += 1
        edit = rng.choice(EDITS)
        changed = copy.deepcopy(spec)
        try:
            if rng.random() < 0.08:  # back to an earlier spec: the cache holds later entries
                changed, edit = copy.deepcopy(rng.choice(history)), _back
            edit(rng, changed)
            catalog = hand._catalog(changed, folder)
        except (SpecErrors, KeyError, TypeError, AttributeError, IndexError, ValueError):
            continue
        spec = changed
        history.append(spec)
        made += 1
        KEPT[edit.__name__] = KEPT.get(edit.__name__, 0) + 1
        where = f"{base} edit {made} ({edit.__name__}, seed {SEED})"
        cached, cold = _outcome(catalog, True), _outcome(catalog, False)
        if isinstance(cold, str) or isinstance(cached, str):
            assert cached == cold, where
        else:
            hand._assert_same(cached, cold, where)
        if CLI_EVERY and made % CLI_EVERY == 0:
            on, off = _cli(folder / "spec.yaml", folder / "on", str(cache)), _cli(folder / "spec.yaml", folder / "off", "")
            assert on == off, where
            clis += 1
            if on[0] == 0:
                assert _same_trees(folder / "on", folder / "off") == [], where
    print(f"{base}: {made} edits kept of {attempts}, {clis} CLI builds compared")
    return made


KEPT: dict[str, int] = {}  # edits kept, by kind (shown with `pytest -s`)


@pytest.fixture(scope="module")
def shared_cache(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return tmp_path_factory.mktemp("rcfuzz-cache")


@pytest.mark.parametrize("base", list(BASES))
def test_edit_chains_render_as_with_the_cache_off(base: str, tmp_path: Path, shared_cache: Path,
                                                   monkeypatch: pytest.MonkeyPatch) -> None:
    gc.disable()  # as the CLI generates
    try:
        made = _fuzz(base, tmp_path, shared_cache, monkeypatch)
    finally:
        gc.enable()
    print(sorted(KEPT.items()))
    assert made >= STEPS // 3, made


def test_a_cache_written_under_another_key_is_not_used(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """A render cache an older schemagen (another generator fingerprint, Jinja, Python or line length)
    wrote, even one whose every entry still matches the catalog, gives none of its text."""
    from schemagen.codegen import render_cache

    monkeypatch.setenv("SCHEMAGEN_CACHE_DIR", str(tmp_path / "cache"))
    catalog = hand._catalog(hand._spec_of(ROOT / "specs" / "life_ceo.yaml"), tmp_path)
    cold = render_catalog(catalog, cached=False)
    real_key = render_cache._key
    monkeypatch.setattr(render_cache, "_key", lambda: "an older schemagen")
    render_catalog(catalog)
    cache = render_cache.RenderCache.for_catalog(catalog)
    assert cache is not None and cache.path is not None and cache.stored
    for entries in cache.stored.values():
        for entry in entries.values():
            entry.text = entry.text.replace("class ", "class Old")
    assert cache._write(cache.path, [(module, render_cache._serialize(entries))
                                     for module, entries in cache.stored.items()], "")
    # the test's power: under its own key the file is used, altered text and all
    assert "class Old" in render_catalog(catalog)["models.py"]
    monkeypatch.setattr(render_cache, "_key", real_key)
    hand._assert_same(render_catalog(catalog), cold, "a cache of another key")
