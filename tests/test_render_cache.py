"""The render cache (`schemagen/codegen/render_cache.py`): a render that reuses the last build's
per-table fragments gives, byte for byte, what a cold render gives, through random chains of edits
(columns, tables, relations and foreign keys, enums, shapes, table order, names that take an
import's name); a corrupted cache file is ignored, and the cache turns off as the format cache does."""

from __future__ import annotations

import copy
import gc
import random
import sys
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest
import yaml

from schemagen import names
from schemagen.catalog import Catalog
from schemagen.codegen import build_package, render_catalog
from schemagen.codegen.render_cache import RenderCache
from schemagen.errors import SpecErrors
from schemagen.resolver import resolve
from schemagen.spec.load import load_spec_text
from schemagen.spec.validate import validate_spec

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT / "bench"))
import realistic

Spec = dict[str, Any]
_DUMPER = getattr(yaml, "CSafeDumper", yaml.SafeDumper)  # libyaml's: a 300-table spec is dumped per edit


def _catalog(spec: Spec, folder: Path) -> Catalog:
    path = folder / "spec.yaml"
    raw = yaml.dump(spec, Dumper=_DUMPER, sort_keys=False).encode()
    path.write_bytes(raw)
    loaded = load_spec_text(path, raw)
    return resolve(validate_spec(loaded), loaded)


# -- edits: each changes `spec` in place (a change the validator refuses is skipped) ------------


def _table(rng: random.Random, spec: Spec) -> tuple[str, Spec]:
    name = rng.choice(list(spec["tables"]))
    return name, spec["tables"][name]


def _column(rng: random.Random, spec: Spec) -> tuple[Spec, str]:
    _, table = _table(rng, spec)
    return table, rng.choice(list(table["columns"]))


def _change_column(rng: random.Random, spec: Spec) -> None:
    table, key = _column(rng, spec)
    column = table["columns"][key]
    column = table["columns"][key] = {"type": column} if isinstance(column, str) else column
    if column.get("primary_key") or "references" in column:
        column["comment"] = f"edited {rng.random()}"
        return
    change = rng.choice(["type", "length", "nullable", "default", "comment"])
    if change == "type":
        column.clear()
        column.update(rng.choice([{"type": "text"}, {"type": "integer"}, {"type": "boolean", "default": True},
                                  {"type": "varchar", "length": rng.randint(5, 90)}, {"type": "date"},
                                  {"type": "jsonb"}, {"type": "numeric", "precision": 9, "scale": 2},
                                  {"type": "text", "array": True, "default": ["a"]}, {"type": "interval"},
                                  {"type": "timestamp", "timezone": True, "default": "now"}]))
    elif change == "length" and column.get("type") == "varchar":
        column["length"] = rng.randint(5, 400)
    elif change == "nullable":
        column["nullable"] = not column.get("nullable", True)
    elif change == "default":
        if "default" in column:
            del column["default"]
        elif column.get("type") in ("text", "varchar"):
            column["default"] = f"d{rng.randint(0, 9)}"
    else:
        column["comment"] = f"edited {rng.random()}"


def _add_column(rng: random.Random, spec: Spec) -> None:
    _, table = _table(rng, spec)
    # some names take the name of something models.py or schemas.py imports
    name = rng.choice(["extra", "uuid", "datetime", "decimal", "func", "text", "select", "enum", "json"])
    name = name if name not in table["columns"] else f"{name}_{rng.randint(0, 999)}"
    enums = list(spec.get("enums") or {})
    shapes = list(spec.get("types") or {})
    table["columns"][name] = rng.choice(
        [{"type": "text"}, {"type": "integer", "array": True, "default": [1, 2]}, {"type": "jsonb"},
         {"type": "timestamp", "default": "now", "on_update": "now"}, {"type": "bigint", "identity": "always"}]
        + ([{"type": "enum", "enum": rng.choice(enums)}] if enums else [])
        + ([{"type": "jsonb", "schema": rng.choice(shapes)}] if shapes else []))


def _remove_column(rng: random.Random, spec: Spec) -> None:
    table, key = _column(rng, spec)
    del table["columns"][key]


def _add_table(rng: random.Random, spec: Spec) -> None:
    target_name, target = _table(rng, spec)
    name = f"added_{rng.randint(0, 99999)}"
    key_type = {"serial": "integer", "bigserial": "bigint", "uuid": "uuid", "integer": "integer"}
    pk = next((k for k, c in target["columns"].items() if isinstance(c, dict) and c.get("primary_key")), None)
    columns: Spec = {"id": {"type": "serial", "primary_key": True}, "label": {"type": "varchar", "length": 40}}
    table: Spec = {"columns": columns}
    pk_type = target["columns"][pk].get("type") if pk is not None else None
    if pk is not None and pk_type in key_type:
        columns["owner_id"] = {"type": key_type[pk_type], "references": f"{target_name}.{pk}", "on_delete": "cascade"}
        table["relations"] = {"owner": {"one": target_name, "fields": ["owner_id"]}}
    tables = list(spec["tables"].items())
    tables.insert(rng.randint(0, len(tables)), (name, table))
    spec["tables"] = dict(tables)


def _unreferenced(rng: random.Random, spec: Spec) -> str:
    """A table no other table names (by a foreign key or a relation), so that it can go."""
    named = set()
    for table in spec["tables"].values():
        for column in table["columns"].values():
            if isinstance(column, dict) and "references" in column:
                named.add(str(column["references"]).split(".")[0])
        for relation in (table.get("relations") or {}).values():
            named.update(str(relation.get(key)) for key in ("one", "many", "through") if key in relation)
    free = [name for name in spec["tables"] if name not in named]
    return rng.choice(free) if free else _table(rng, spec)[0]


def _remove_table(rng: random.Random, spec: Spec) -> None:
    del spec["tables"][_unreferenced(rng, spec)]


def _rename_table(rng: random.Random, spec: Spec) -> None:
    name = _unreferenced(rng, spec)
    new = f"renamed_{rng.randint(0, 99999)}"
    spec["tables"] = {new if key == name else key: value for key, value in spec["tables"].items()}


def _add_relation(rng: random.Random, spec: Spec) -> None:
    # a foreign key column and its relation (the target gains the relation's other side)
    _, table = _table(rng, spec)
    target_name, target = _table(rng, spec)
    pk = next((k for k, c in target["columns"].items() if isinstance(c, dict) and c.get("primary_key")), None)
    if pk is None:
        return
    pk_type = {"serial": "integer", "bigserial": "bigint"}.get(target["columns"][pk]["type"], target["columns"][pk]["type"])
    column = f"link_{rng.randint(0, 9999)}_id"
    table["columns"][column] = {"type": pk_type, "references": f"{target_name}.{pk}",
                                "on_delete": rng.choice(["cascade", "set null"])}
    table.setdefault("relations", {})[f"to_{column}"] = {"one": target_name, "fields": [column]}


def _shadow_class(rng: random.Random, spec: Spec) -> None:
    """A column named like the class of a relation's target (`Box` beside `box: {one: box}`): the
    relation's annotation then names a module-level alias (`_Box_ = Box`)."""
    _, table = _table(rng, spec)
    targets = [relation.get("one") or relation.get("many") for relation in (table.get("relations") or {}).values()]
    if targets and all(targets):
        table["columns"][names.class_name(str(rng.choice(targets)))] = {"type": "text"}


def _remove_relation(rng: random.Random, spec: Spec) -> None:
    _, table = _table(rng, spec)
    if table.get("relations"):
        del table["relations"][rng.choice(list(table["relations"]))]


def _change_enum(rng: random.Random, spec: Spec) -> None:
    enums = spec.get("enums")
    if not enums:
        spec["enums"] = {"Mood": ["calm", "busy"]}
        return
    name = rng.choice(list(enums))
    values = list(enums[name]) if isinstance(enums[name], list) else None
    if values is not None:
        enums[name] = values + [f"extra_{rng.randint(0, 99)}"] if rng.random() < 0.7 else values[:-1]


def _change_shape(rng: random.Random, spec: Spec) -> None:
    shapes = spec.get("types")
    if not shapes:
        spec["types"] = {"Point": {"x": "float", "y": "float"}}
        return
    name = rng.choice(list(shapes))
    shapes[name][f"field_{rng.randint(0, 99)}"] = rng.choice(["str", "int", {"type": "str", "nullable": True}])


def _reorder(rng: random.Random, spec: Spec) -> None:
    tables = list(spec["tables"].items())
    moved = tables.pop(rng.randrange(len(tables)))
    tables.insert(rng.randint(0, len(tables)), moved)
    spec["tables"] = dict(tables)


# Columns checked alike share one module-level alias in schemas.py (`_PartialCode = Annotated[...]`),
# named after the first column (in table order) that has it; these names make clashing alias names:
# `partial.update` -> `_PartialUpdate` (a template name), `a_b.c` and `a.b_c` -> `_ABC`
_CHECKED = [{"type": "varchar", "length": 20, "validate": {"min_length": 2, "message": "Too short"}},
            {"type": "varchar", "length": 33}, {"type": "text", "validate": {"format": "email"}},
            {"type": "integer", "validate": {"ge": 0, "message": "Not negative"}}]
_ALIAS_COLUMNS = ["update", "stored", "c", "b_c", "code", "email"]
_ALIAS_TABLES = ["partial", "a", "a_b", "aa_b"]


def _add_checked(rng: random.Random, spec: Spec) -> None:
    """A column checked like others (in other tables): it shares their alias, or names it if first."""
    _, table = _table(rng, spec)
    name = rng.choice(_ALIAS_COLUMNS)
    table["columns"][name if name not in table["columns"] else f"{name}_{rng.randint(0, 9)}"] = \
        copy.deepcopy(rng.choice(_CHECKED))


def _checked_columns(spec: Spec) -> list[tuple[Spec, str]]:
    return [(table, key) for table in spec["tables"].values() for key, column in table["columns"].items()
            if column in _CHECKED]


def _change_checked(rng: random.Random, spec: Spec) -> None:
    """The first column with an alias (its name), or another, removed or checked otherwise."""
    found = _checked_columns(spec)
    if not found:
        _add_checked(rng, spec)
        return
    table, key = found[0] if rng.random() < 0.6 else rng.choice(found)
    if rng.random() < 0.5:
        del table["columns"][key]
    else:
        table["columns"][key] = copy.deepcopy(rng.choice(_CHECKED))


def _rename_to_alias_name(rng: random.Random, spec: Spec) -> None:
    """A table renamed so that its columns' aliases take (or clash with) a template or alias name."""
    name, new = _unreferenced(rng, spec), rng.choice(_ALIAS_TABLES)
    if new not in spec["tables"]:
        spec["tables"] = {new if key == name else key: value for key, value in spec["tables"].items()}


EDITS: list[Callable[[random.Random, Spec], None]] = [
    _change_column, _change_column, _add_column, _remove_column, _add_table, _remove_table, _rename_table,
    _add_relation, _shadow_class, _remove_relation, _change_enum, _change_shape, _reorder,
    _add_checked, _add_checked, _change_checked, _rename_to_alias_name,
]


def _assert_same(cached: dict[str, str], cold: dict[str, str], step: str) -> None:
    assert cached.keys() == cold.keys(), step
    for name, text in cold.items():
        assert cached[name] == text, f"{name} differs from a cold render after {step}"


def _chain(spec: Spec, folder: Path, edits: int, seed: int, monkeypatch: pytest.MonkeyPatch) -> int:
    """Render after each of `edits` random edits, cached and cold; the number of edits made."""
    monkeypatch.setenv("SCHEMAGEN_CACHE_DIR", str(folder / "cache"))
    rng = random.Random(seed)
    gc.disable()  # as the CLI generates: collecting the catalogs' objects over and over triples the time
    try:
        return _edits(spec, folder, edits, rng, seed)
    finally:
        gc.enable()


def _edits(spec: Spec, folder: Path, edits: int, rng: random.Random, seed: int) -> int:
    render_catalog(_catalog(spec, folder))  # fills the cache
    made = attempts = 0
    while made < edits and attempts < edits * 6:
        attempts += 1
        edit = rng.choice(EDITS)
        changed = copy.deepcopy(spec)
        try:
            edit(rng, changed)
            catalog = _catalog(changed, folder)
        except (SpecErrors, KeyError, TypeError, AttributeError):
            continue  # an edit the spec refuses, or one that does not apply to this spec
        spec = changed
        made += 1
        cached = render_catalog(catalog)
        cold = render_catalog(catalog, cached=False)
        _assert_same(cached, cold, f"edit {made} ({edit.__name__}, seed {seed})")
    return made


def _spec_of(path: Path) -> Spec:
    loaded = yaml.safe_load(path.read_text())
    assert isinstance(loaded, dict)
    return loaded


SMALL = sorted([*(ROOT / "specs").glob("*.yaml"), *(ROOT / "tests" / "specs" / "valid").glob("*.yaml")])


@pytest.mark.parametrize("path", SMALL, ids=[path.name for path in SMALL])
@pytest.mark.parametrize("seed", [1, 2])
def test_small_specs_render_as_cold_after_edits(path: Path, seed: int, tmp_path: Path,
                                               monkeypatch: pytest.MonkeyPatch) -> None:
    spec = _spec_of(path)
    if seed == 2:
        spec["typescript"] = True  # types.ts too
    assert _chain(spec, tmp_path, 25, seed, monkeypatch) >= 12


def test_real300_renders_as_cold_after_edits(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    (text,) = realistic.make_specs(300).values()
    spec = yaml.safe_load(text)
    assert _chain(spec, tmp_path, 10, 7, monkeypatch) >= 8


def test_one_column_edit_renders_only_its_table_again(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("SCHEMAGEN_CACHE_DIR", str(tmp_path / "cache"))
    spec = yaml.safe_load(realistic.make_specs(60)["real.yaml"])
    catalog = _catalog(spec, tmp_path)
    render_catalog(catalog)
    table = list(spec["tables"])[5]
    spec["tables"][table]["columns"]["note"] = {"type": "varchar", "length": 77}
    catalog = _catalog(spec, tmp_path)
    cache = RenderCache.for_catalog(catalog)
    assert cache is not None
    build_package(catalog, cache)
    for module, fragments in cache.modules.items():
        stored = cache.stored[module]
        again = sorted(name for name, entry in fragments.made.items() if entry is not stored.get(name))
        # the table edited, and those whose fragments read it (models: the tables whose keys reference it)
        assert table in again or module == "nested", module
        assert len(again) <= 12, (module, again)


def _primed(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> tuple[Catalog, Path]:
    monkeypatch.setenv("SCHEMAGEN_CACHE_DIR", str(tmp_path / "cache"))
    catalog = _catalog(_spec_of(ROOT / "specs" / "life_ceo.yaml"), tmp_path)
    render_catalog(catalog)
    (path,) = (tmp_path / "cache" / "render").glob("*.bin")
    return catalog, path


@pytest.mark.parametrize("damage", ["flip", "truncate", "garbage", "wrong shape"])
def test_a_damaged_cache_file_is_ignored(damage: str, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    import hashlib
    import marshal

    catalog, path = _primed(tmp_path, monkeypatch)
    cold = render_catalog(catalog, cached=False)
    data = path.read_bytes()
    header, _, body = data.partition(b"\n")[2].partition(b"\n")
    prefix = data[: data.index(b"\n") + 1]
    if damage == "flip":
        index = len(data) - 200
        path.write_bytes(data[:index] + bytes([data[index] ^ 1]) + data[index + 1:])
    elif damage == "truncate":
        path.write_bytes(data[: len(data) // 2])
    elif damage == "garbage":
        path.write_bytes(b"\x00\xff" * 100)
    else:  # a digest that matches, over entries of the wrong shape: still not used
        import json

        bad = marshal.dumps({name: ["x", 1] for name in [t.name for t in catalog.tables]})
        key = json.loads(header)["key"]
        path.write_bytes(prefix + json.dumps({"key": key, "sha256": hashlib.sha256(bad).hexdigest(),
                                              "modules": [["models", len(bad)]]}).encode() + b"\n" + bad)
    assert body
    cache = RenderCache.for_catalog(catalog)
    assert cache is not None and cache.stored == {}
    _assert_same(render_catalog(catalog), cold, damage)


def test_an_entry_made_from_other_text_is_not_reused(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """An entry's text is trusted only with the file's digest: a file rewritten with a changed
    fragment but the old digest is refused whole."""
    catalog, path = _primed(tmp_path, monkeypatch)
    cold = render_catalog(catalog, cached=False)
    data = path.read_bytes()
    table = catalog.tables[0].class_name.encode()
    path.write_bytes(data.replace(b"class " + table + b"(", b"class Hacked(", 1))
    _assert_same(render_catalog(catalog), cold, "a changed fragment")


def test_the_cache_turns_off_as_the_format_cache_does(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("SCHEMAGEN_CACHE_DIR", "")
    catalog = _catalog(_spec_of(ROOT / "specs" / "life_ceo.yaml"), tmp_path)
    assert RenderCache.for_catalog(catalog) is None
    _assert_same(render_catalog(catalog), render_catalog(catalog, cached=False), "cache off")
    assert not (tmp_path / "cache").exists()


def test_a_delta_applies_only_to_its_file(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """After an edit the changed tables go to a delta beside the file; a damaged delta, or one
    written over another file, is ignored (the file's own entries still serve)."""
    _, path = _primed(tmp_path, monkeypatch)
    spec = _spec_of(ROOT / "specs" / "life_ceo.yaml")
    table = next(iter(spec["tables"].values()))
    table["columns"]["added_note"] = {"type": "text"}
    edited = _catalog(spec, tmp_path)
    cold = render_catalog(edited, cached=False)
    _assert_same(render_catalog(edited), cold, "the edit")
    delta = path.with_name(path.name + ".delta")
    assert delta.is_file()
    _assert_same(render_catalog(edited), cold, "the edit, from the file and its delta")
    delta.write_bytes(delta.read_bytes()[:-10])
    _assert_same(render_catalog(edited), cold, "a truncated delta")
    render_catalog(edited)  # a delta again
    assert delta.is_file()
    import hashlib
    import json

    data = path.read_bytes()
    prefix, header = data[: data.index(b"\n") + 1], json.loads(data.split(b"\n")[1])
    body = b""  # another file, valid but empty: the delta is not over it
    path.write_bytes(prefix + json.dumps({"key": header["key"], "sha256": hashlib.sha256(body).hexdigest(),
                                          "modules": []}).encode() + b"\n" + body)
    cache = RenderCache.for_catalog(edited)
    assert cache is not None and cache.base_sha256 and cache.stored == {}
    _assert_same(render_catalog(edited), cold, "a delta over another file")


def _alike_spec() -> Spec:
    checked, sized, email, count = (copy.deepcopy(column) for column in _CHECKED)
    return {"package": "alike", "tables": {
        "partial": {"columns": {"id": {"type": "serial", "primary_key": True}, "update": checked,
                                "code": copy.deepcopy(checked)}},
        "others": {"columns": {"id": {"type": "serial", "primary_key": True}, "label": copy.deepcopy(checked),
                               "mail": email}},
        "a_b": {"columns": {"id": {"type": "serial", "primary_key": True}, "c": sized}},
        "a": {"columns": {"id": {"type": "serial", "primary_key": True}, "b_c": count,
                          "mail": copy.deepcopy(email)}},
    }}


def _move_first(spec: Spec, name: str) -> None:
    spec["tables"] = {name: spec["tables"][name], **spec["tables"]}


def _rename(spec: Spec, old: str, new: str) -> None:
    spec["tables"] = {new if key == old else key: value for key, value in spec["tables"].items()}


ALIAS_STEPS: list[tuple[str, Callable[[Spec], None]]] = [
    ("the first user of an alias removed", lambda spec: spec["tables"]["partial"]["columns"].pop("update")),
    ("its table removed", lambda spec: spec["tables"].pop("partial")),
    ("the clashing names' order changed", lambda spec: _move_first(spec, "a")),
    ("a table renamed", lambda spec: _rename(spec, "others", "things")),
    ("its class renamed: its alias takes a template name", lambda spec: spec["tables"]["things"].update(model="As")),
    ("a column whose alias takes a template name", lambda spec: spec["tables"]["things"]["columns"].update(
        stored=copy.deepcopy(_CHECKED[3]))),
    ("an alias's first user checked otherwise", lambda spec: spec["tables"]["a"]["columns"].update(
        b_c=copy.deepcopy(_CHECKED[1]))),
    ("a shared column added before the others", lambda spec: spec["tables"].update(
        {"first": {"columns": {"id": {"type": "serial", "primary_key": True}, "c": copy.deepcopy(_CHECKED[1])}}})
        or _move_first(spec, "first")),
    ("back to the start", lambda spec: spec.update(_alike_spec())),
]


def test_column_aliases_render_as_cold_after_edits(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """schemas.py's column aliases are shared between tables and named after their first user:
    removing, reordering, renaming or re-checking that user renames the alias in the other tables."""
    monkeypatch.setenv("SCHEMAGEN_CACHE_DIR", str(tmp_path / "cache"))
    spec = _alike_spec()
    catalog = _catalog(spec, tmp_path)
    schemas = render_catalog(catalog)["schemas.py"]
    # the aliases this test is about: shared, and clear of the template's `_PartialUpdate` and of each other
    assert {"_PartialUpdate2 = ", "_ABC = ", "_ABC2 = "} <= {line[:line.index("=") + 2]
                                                           for line in schemas.splitlines() if " = " in line}
    assert schemas.count("_PartialUpdate2 = ") == 1 and "label: _PartialUpdate2" in schemas
    for step, edit in ALIAS_STEPS:
        edit(spec)
        catalog = _catalog(spec, tmp_path)
        _assert_same(render_catalog(catalog), render_catalog(catalog, cached=False), step)


@pytest.mark.parametrize("blocked", ["root is a file", "render is a file", "read-only"])
def test_a_cache_folder_that_cannot_be_used_only_costs_time(blocked: str, tmp_path: Path,
                                                            monkeypatch: pytest.MonkeyPatch) -> None:
    """The render cache's file cannot be written (or read): the render is a cold one, twice."""
    import tempfile

    catalog = _catalog(_spec_of(ROOT / "specs" / "life_ceo.yaml"), tmp_path)
    cold = render_catalog(catalog, cached=False)
    root = tmp_path / "cache"
    monkeypatch.setenv("SCHEMAGEN_CACHE_DIR", str(root))
    if blocked == "root is a file":
        root.write_text("")
    elif blocked == "render is a file":
        root.mkdir()
        (root / "render").write_text("")
    else:  # root may write anywhere: a folder refusing new files, as a read-only one does
        def refused(*args: Any, **kwargs: Any) -> Any:
            raise PermissionError("read-only")

        monkeypatch.setattr(tempfile, "mkstemp", refused)
    for step in ("first", "second"):
        _assert_same(render_catalog(catalog), cold, f"{blocked}, {step}")
    assert not list(root.glob("render/*.bin")) if root.is_dir() else True


def test_the_files_of_packages_gone_are_removed_the_oldest_first(tmp_path: Path,
                                                                  monkeypatch: pytest.MonkeyPatch) -> None:
    """One file per package and spec path: those of specs that moved or went (every temporary
    folder's) were kept for ever. Past `KEEP`, the least recently used go, with their deltas; never
    one this process renders."""
    from schemagen.codegen import render_cache

    monkeypatch.setenv("SCHEMAGEN_CACHE_DIR", str(tmp_path / "cache"))
    monkeypatch.setattr(render_cache, "KEEP", 2)
    folder = tmp_path / "cache" / "render"
    base = _spec_of(ROOT / "specs" / "life_ceo.yaml")
    made = []
    for index in range(4):
        monkeypatch.setattr(render_cache, "_RENDERED_HERE", set())  # another process each
        time.sleep(0.05)  # (file times are as coarse as the kernel's clock tick)
        spec = {**copy.deepcopy(base), "package": f"package_{index}"}
        catalog = _catalog(spec, tmp_path)
        render_catalog(catalog)
        cache = RenderCache.for_catalog(catalog)
        assert cache is not None and cache.path is not None
        made.append(cache.path)
        if index == 1:  # a delta beside its file; then the first package, unchanged, is used again
            next(iter(spec["tables"].values()))["columns"]["added_note"] = {"type": "text"}
            render_catalog(_catalog(spec, tmp_path))
            assert [path.name for path in folder.glob("*.delta")] == [made[1].name + ".delta"]
            time.sleep(0.05)
            render_catalog(_catalog({**copy.deepcopy(base), "package": "package_0"}, tmp_path))
    assert sorted(folder.iterdir()) == sorted([made[0], made[2], made[3]])
