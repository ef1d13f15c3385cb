"""Loading a spec with the cache of an earlier load (`schemagen.spec.incremental`) is a cold load:
the same data (each number's type and spelling too), the same mark at every path, and the same
errors byte for byte (YAML's, and the validator's and resolver's, which locate through the marks),
whatever the edit since the cached load and however the cache was damaged."""

from __future__ import annotations

import random
import sys
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import pytest

from schemagen.errors import Position, SpecErrors
from schemagen.resolver import resolve
from schemagen.spec import incremental
from schemagen.spec.incremental import load_cached
from schemagen.spec.load import LoadedSpec, load_spec_text
from schemagen.spec.scalars import SourceFloat, SourceInt
from schemagen.spec.validate import validate_spec
from tests.helpers import ROOT

sys.path.insert(0, str(ROOT / "bench"))
from realistic import make_spec  # type: ignore[import-not-found]  # noqa: E402

SPECS = sorted([*(ROOT / "specs").glob("*.yaml"), *(ROOT / "tests" / "specs" / "valid").glob("*.yaml")])
INVALID = sorted((ROOT / "tests" / "specs" / "invalid").glob("*.yaml"))


@pytest.fixture(autouse=True)
def _cache(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Iterator[Path]:
    folder = tmp_path / "cache"
    monkeypatch.setenv("SCHEMAGEN_CACHE_DIR", str(folder))
    yield folder


def _strict(value: Any) -> Any:
    """`value` with each scalar's type (and a number's spelling) made part of it."""
    if isinstance(value, dict):
        return {key: _strict(item) for key, item in value.items()}
    if isinstance(value, list):
        return [_strict(item) for item in value]
    if isinstance(value, (SourceInt, SourceFloat)):
        return type(value).__name__, value.text, value
    return type(value).__name__, value


def _positions(loaded: LoadedSpec) -> tuple[dict[Any, Position], dict[Any, Position]]:
    source = loaded.source.complete()
    return ({path: Position(mark.line + 1, mark.column + 1) for path, mark in source.values.items()},
            {path: Position(mark.line + 1, mark.column + 1) for path, mark in source.keys.items()})


def _outcome(load: Callable[[Path, bytes], LoadedSpec], file: Path, raw: bytes, downstream: bool) -> Any:
    """What a load gives: its errors; or its data, the errors of validating and resolving it (located
    before any other use of its marks), then all its marks."""
    try:
        loaded = load(file, raw)
    except SpecErrors as exc:
        return "load", exc.errors, str(exc)
    later: Any = None
    try:
        if downstream:
            spec = validate_spec(loaded)
            later = "resolved", resolve(spec, loaded).package
    except SpecErrors as exc:
        later = exc.errors
    return "loaded", _strict(loaded.data), later, _positions(loaded)


def _same(file: Path, text: str, *, expect_error: bool | None = None, downstream: bool = True) -> None:
    raw = text.encode("utf-8")
    cold = _outcome(load_spec_text, file, raw, downstream)
    warm = _outcome(load_cached, file, raw, downstream)
    assert warm == cold
    if expect_error is not None:
        assert (cold[0] == "load") is expect_error, cold[:3]


def _load_count(monkeypatch: pytest.MonkeyPatch) -> list[str]:
    """The texts of the parts composed on their own from now on."""
    composed: list[str] = []
    original = incremental.load_part  # type: ignore[attr-defined]

    def counting(file: Path, text: str, column: int, nested_in: int = 0) -> Any:
        composed.append(text)
        return original(file, text, column, nested_in)

    monkeypatch.setattr(incremental, "load_part", counting)
    return composed


REAL = make_spec(300)
SMALL = make_spec(30)  # where the cache, not the size, is under test


# --- edits: each takes the text and a random source, and returns the edited text --------------------


def _lines(text: str) -> list[str]:
    return text.splitlines(keepends=True)


def _table_spans(text: str) -> list[tuple[int, int]]:
    """(first, end) line ranges of the entries under `tables:`."""
    lines = _lines(text)
    inside, starts, end = False, [], len(lines)
    for number, line in enumerate(lines):
        if line[:1] not in (" ", "#", "\n", ""):
            if inside:
                end = number
                break
            inside = line.startswith("tables:")
        elif inside and line.startswith("  ") and line[2:3] not in (" ", "#", "\n"):
            starts.append(number)
    return list(zip(starts, [*starts[1:], end]))


def change_value(text: str, rng: random.Random) -> str:
    lines = _lines(text)
    candidates = [n for n, line in enumerate(lines) if "length: " in line or "nullable: false" in line]
    if not candidates:
        candidates = [n for n, line in enumerate(lines) if ": " in line and not line.lstrip().startswith("#")]
    number = rng.choice(candidates)
    line = lines[number]
    if "length: " in line:
        lines[number] = line.replace("length: ", "length: 1", 1)
    elif "nullable: false" in line:
        lines[number] = line.replace("nullable: false", "nullable: true", 1)
    else:
        lines[number] = line.rstrip("\n") + "x\n" if not line.rstrip().endswith((":", "|", "{", "[", ",")) else line
    return "".join(lines)


def add_column(text: str, rng: random.Random) -> str:
    lines = _lines(text)
    numbers = [n for n, line in enumerate(lines) if line.strip() == "columns:"]
    if not numbers:
        return text
    number = rng.choice(numbers)
    indent = len(lines[number]) - len(lines[number].lstrip()) + 2
    lines.insert(number + 1, " " * indent + f"added_{rng.randrange(1000)}: {{type: integer, nullable: true}}\n")
    return "".join(lines)


def remove_column(text: str, rng: random.Random) -> str:
    lines = _lines(text)
    numbers = [n + 1 for n, line in enumerate(lines) if line.strip() == "columns:"
               and n + 2 < len(lines) and lines[n + 1].rstrip().endswith("}")]
    if not numbers:
        return text
    del lines[rng.choice(numbers)]
    return "".join(lines)


def add_lines(text: str, rng: random.Random) -> str:
    lines = _lines(text)
    number = rng.randrange(len(lines) + 1)
    added = rng.choice(["\n", "\n\n\n", "# a comment\n", "    # an indented comment\n", "   \n", "#\n# two\n"])
    lines.insert(number, added)
    return "".join(lines)


def remove_lines(text: str, rng: random.Random) -> str:
    lines = _lines(text)
    numbers = [n for n, line in enumerate(lines) if not line.strip() or line.lstrip().startswith("#")]
    for number in sorted(rng.sample(numbers, min(len(numbers), rng.randint(1, 3))), reverse=True):
        del lines[number]
    return "".join(lines)


def rename_table(text: str, rng: random.Random) -> str:
    spans = _table_spans(text)
    if not spans:
        return text
    lines = _lines(text)
    first, _ = rng.choice(spans)
    name, rest = lines[first].split(":", 1)
    lines[first] = f"{name}_renamed:{rest}"
    return "".join(lines)


def edit_block_comment(text: str, rng: random.Random) -> str:
    lines = _lines(text)
    numbers = [n + 1 for n, line in enumerate(lines[:-1]) if line.rstrip().endswith(("comment: |", "comment: >"))]
    if not numbers:
        return add_lines(text, rng)
    number = rng.choice(numbers)
    lines[number] = lines[number].rstrip("\n") + rng.choice([" edited", "", " # not a comment", ":"]) + "\n"
    if rng.random() < 0.5:
        lines.insert(number + 1, "\n")  # a blank line inside the block scalar
    return "".join(lines)


def reorder_tables(text: str, rng: random.Random) -> str:
    spans = _table_spans(text)
    if len(spans) < 2:
        return text
    lines = _lines(text)
    (a_first, a_end), (b_first, b_end) = sorted(rng.sample(spans, 2))
    if not lines[b_end - 1].endswith("\n"):
        return text
    swapped = lines[:a_first] + lines[b_first:b_end] + lines[a_end:b_first] + lines[a_first:a_end] + lines[b_end:]
    return "".join(swapped)


def _in_a_table(text: str, rng: random.Random, make: Callable[[str, int], str]) -> str:
    """`make(line, indent)` inserted as the second line of a random table (or at the end)."""
    spans = _table_spans(text)
    lines = _lines(text)
    if not spans:
        return text + make("", 0)
    first, _ = rng.choice(spans)
    lines.insert(first + 1, make(lines[first], 4))
    return "".join(lines)


ERRORS: dict[str, Callable[[str, random.Random], str]] = {
    "unclosed flow mapping": lambda text, rng: _in_a_table(text, rng, lambda _, i: " " * i + "comment: {a: b\n"),
    "unclosed quote": lambda text, rng: _in_a_table(text, rng, lambda _, i: " " * i + 'comment: "open\n'),
    "tab": lambda text, rng: _in_a_table(text, rng, lambda _, i: "\t" * (i // 2) + "comment: x\n"),
    "bad value": lambda text, rng: _in_a_table(text, rng, lambda _, i: " " * i + "soft_delete: perhaps\n"),
    "unknown key": lambda text, rng: _in_a_table(text, rng, lambda _, i: " " * i + "colums: {}\n"),
    "anchor and alias": lambda text, rng: _in_a_table(text, rng, lambda _, i: " " * i + "comment: &c x\n")
    + "  alias_table:\n    comment: *c\n",
    "alias to nothing": lambda text, rng: _in_a_table(text, rng, lambda _, i: " " * i + "comment: *nothing\n"),
    "merge key": lambda text, rng: _in_a_table(text, rng, lambda _, i: " " * i + "<<: {comment: x}\n"),
    "tag": lambda text, rng: _in_a_table(text, rng, lambda _, i: " " * i + "comment: !secret x\n"),
    "standard tag": lambda text, rng: _in_a_table(text, rng, lambda _, i: " " * i + "comment: !!str 12\n"),
    "second document": lambda text, rng: text + "---\npackage: other\n",
    "duplicate table": lambda text, rng: text + "".join(_lines(text)[slice(*(_table_spans(text) or [(0, 0)])[0])]),
    "duplicate section": lambda text, rng: text + "tables:\n  extra: {columns: {id: {type: serial, primary_key: true}}}\n",
    "bad indentation": lambda text, rng: _in_a_table(text, rng, lambda _, i: " " * (i - 1) + "comment: x\n"),
    "key at the table column": lambda text, rng: _in_a_table(text, rng, lambda _, i: "  - item\n"),
    "keep chomping": lambda text, rng: _in_a_table(text, rng, lambda _, i: " " * i + "comment: |+\n"
                                                   + " " * (i + 2) + "kept\n\n\n"),
    "quoted continuation": lambda text, rng: _in_a_table(text, rng, lambda _, i: " " * i + 'comment: "one\n'
                                                         + "  two: three\"\n"),
    "flow at the top": lambda text, rng: text.replace("\nenums:\n", "\nenums: {Mood: [happy, sad],\n  Other: [a]}\nold_enums:\n", 1),
    "crlf": lambda text, rng: text.replace("\n", "\r\n"),
    "bom": lambda text, rng: "\ufeff" + text,
    "control character": lambda text, rng: _in_a_table(text, rng, lambda _, i: " " * i + "comment: a\x07b\n"),
    "empty": lambda text, rng: "",
    "comments only": lambda text, rng: "# nothing\n",
    "a list": lambda text, rng: "- a\n- b\n",
    "indented top": lambda text, rng: "".join("  " + line for line in _lines(text)),
    "directive": lambda text, rng: "%YAML 1.1\n---\n" + text,
    "no final newline": lambda text, rng: text.rstrip("\n"),
    "unicode key": lambda text, rng: _in_a_table(text, rng, lambda _, i: " " * i + "commént: x\n"),
}

EDITS: list[Callable[[str, random.Random], str]] = [
    change_value, add_column, remove_column, add_lines, remove_lines, rename_table, edit_block_comment,
    reorder_tables,
]


def _edits(text: str, seed: int, count: int) -> Iterator[tuple[str, str]]:
    rng = random.Random(seed)
    for index in range(count):
        edit = EDITS[index % len(EDITS)]
        edited = edit(text, rng)
        if rng.random() < 0.3:  # and a second edit elsewhere
            edited = rng.choice(EDITS)(edited, rng)
        yield edit.__name__, edited
    for name, error in ERRORS.items():
        yield name, error(text, rng)


# --- the tests ------------------------------------------------------------------------------------


@pytest.mark.parametrize("spec", SPECS, ids=lambda path: path.name)
def test_every_spec_loads_as_cold_from_an_empty_a_full_and_an_older_cache(spec: Path, tmp_path: Path) -> None:
    text = spec.read_text("utf-8")
    file = tmp_path / spec.name
    _same(file, text, expect_error=False)  # an empty cache: a cold load that stores the parts
    _same(file, text, expect_error=False)  # every part from the cache
    for name, edited in _edits(text, seed=len(text), count=24):
        _same(file, edited)  # the parts of `text` cached
        _same(file, text)  # the parts of `edited` cached (or those of `text` still, when it failed)
        assert name


def test_the_realistic_300_table_spec_after_edits(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    file = tmp_path / "real.yaml"
    _same(file, REAL, expect_error=False)
    assembled: list[bool] = []
    original = incremental._assemble

    def assemble(*args: Any) -> Any:
        assembled.append(True)
        return original(*args)

    monkeypatch.setattr(incremental, "_assemble", assemble)
    # (validating and resolving 300 tables is slow: only where the edit is a validation error)
    checked = {"bad value", "unknown key", "anchor and alias", "tab", "duplicate table", "keep chomping",
               "quoted continuation", "unclosed flow mapping", "no final newline"}
    for name, edited in _edits(REAL, seed=300, count=8):
        if name in ERRORS and name not in checked:
            continue
        load_cached(file, REAL.encode())
        _same(file, edited, downstream=name in ("bad value", "unknown key"))
    assert len(assembled) >= 8  # the edits were loaded from parts, not all as a whole


def test_an_edit_composes_only_the_part_it_changed(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    file = tmp_path / "real.yaml"
    load_cached(file, REAL.encode())
    composed = _load_count(monkeypatch)
    edited = REAL.replace("length: 200", "length: 201", 1)
    assert edited != REAL
    lines_above = "# a new first line\n\n"  # and every part moved two lines down
    loaded = load_cached(file, (lines_above + edited).encode())
    assert len(composed) == 1 and "length: 201" in composed[0]
    assert _strict(loaded.data) == _strict(load_spec_text(file, (lines_above + edited).encode()).data)
    lines = (lines_above + edited).splitlines()
    slug = lines.index("      slug: {type: varchar, length: 120, unique: true}", lines.index("  order_0002:")) + 1
    assert loaded.source.locate(("tables", "order_0002", "columns", "slug", "length")) == Position(slug, 37)
    composed.clear()
    load_cached(file, (lines_above + edited).encode())
    assert composed == []


def test_parts_that_look_alike_in_two_places_are_kept_apart(tmp_path: Path) -> None:
    text = ("package: twins\nenums:\n  Mood: [a, b]\ntypes:\n  Mood:\n    x: int\n"
            "tables:\n  t:\n    columns:\n      id: {type: serial, primary_key: true}\n      n: {type: integer, default: 012}\n"
            "  u:\n    columns:\n      id: {type: serial, primary_key: true}\n      n: {type: integer, default: 012}\n")
    file = tmp_path / "twins.yaml"
    for _ in range(3):
        _same(file, text)


@pytest.mark.parametrize("damage", ["flip a byte", "truncate", "empty", "garbage", "another key"])
def test_a_damaged_cache_is_ignored(damage: str, tmp_path: Path, _cache: Path,
                                    monkeypatch: pytest.MonkeyPatch) -> None:
    file = tmp_path / "small.yaml"
    load_cached(file, SMALL.encode())
    (stored,) = (_cache / "spec-parts").iterdir()
    data = stored.read_bytes()
    if damage == "flip a byte":  # inside a part's value: `sha256` no longer matches
        at = data.index(b"account_0000") + 3
        data = data[:at] + bytes([data[at] ^ 0x20]) + data[at + 1:]
    elif damage == "truncate":
        data = data[: len(data) // 2]
    elif damage == "empty":
        data = b""
    elif damage == "garbage":
        data = data[:40] + b"\xff" * 100 + data[140:]
    else:
        monkeypatch.setattr(incremental, "_key", lambda: "another loader")
    stored.write_bytes(data)
    edited = SMALL.replace("length: 200", "length: 202", 1)
    _same(file, edited, expect_error=False)
    stored.write_bytes(data)
    composed = _load_count(monkeypatch)
    load_cached(file, edited.encode())
    assert len(composed) == 0  # a cold load of the whole text, which stored the parts again
    load_cached(file, SMALL.encode())
    assert len(composed) == 1


def test_a_cache_with_a_valid_seal_but_foreign_parts_is_not_trusted_blindly(tmp_path: Path, _cache: Path) -> None:
    """A part is known by the digest of its text: the cache of one spec cannot lend another its values."""
    one, other = tmp_path / "one.yaml", tmp_path / "other.yaml"
    load_cached(one, SMALL.encode())
    (stored,) = (_cache / "spec-parts").iterdir()
    _same(other, SMALL.replace("account_0000", "account_x"))
    stored.rename(next(path for path in (_cache / "spec-parts").iterdir() if path != stored))
    _same(other, SMALL.replace("account_0000", "account_x"))


def test_without_a_cache_folder_it_is_a_cold_load(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("SCHEMAGEN_CACHE_DIR", "")
    composed = _load_count(monkeypatch)
    _same(tmp_path / "small.yaml", SMALL, expect_error=False)
    _same(tmp_path / "small.yaml", SMALL, expect_error=False)
    assert composed == []


@pytest.mark.parametrize("spec", INVALID[::7], ids=lambda path: path.name)
def test_invalid_specs_fail_as_cold_after_any_cached_load(spec: Path, tmp_path: Path) -> None:
    file = tmp_path / spec.name
    raw = spec.read_bytes()
    text = raw.decode("utf-8", errors="replace")
    _same(file, text)
    _same(file, text)
    _same(file, text.replace("\n", "\n\n", 3))


def test_the_cache_keeps_the_parts_of_the_most_recently_written_specs(tmp_path: Path, _cache: Path,
                                                                      monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(incremental, "KEEP", 2)
    text = (ROOT / "specs" / "life_ceo.yaml").read_bytes()
    for name in ("a", "b", "c", "d"):
        monkeypatch.setattr(incremental, "_LOADED_HERE", set())  # each in a process of its own
        load_cached(tmp_path / f"{name}.yaml", text)
    # the two most recently used besides the one this process loaded
    assert len(list((_cache / "spec-parts").iterdir())) == 2 + 1
    composed = _load_count(monkeypatch)
    load_cached(tmp_path / "c.yaml", text.replace(b"package: life_ceo", b"package: life"))
    assert len(composed) == 1
