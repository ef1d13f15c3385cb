"""A seeded fuzzer for the incremental spec load: random text-level mutations of real specs, each
loaded through `load_cached` (the cache carrying over from edit to edit, reverts included) and cold;
the outcomes (data with each scalar's type and spelling, every mark, load errors, validate+resolve
errors) must be equal. `SCHEMAGEN_FUZZ_CASES` (default 40 sequences) and `SCHEMAGEN_FUZZ_SEED` set
its size and seed; a failure names the seed, case and step, and the texts are in the assertion."""

from __future__ import annotations

import os
import random
import sys
from collections.abc import Callable
from pathlib import Path

import pytest

from schemagen.spec.incremental import load_cached
from schemagen.spec.load import load_spec_text
from tests.helpers import ROOT
from tests.test_incremental_load import REAL, SPECS, _outcome

sys.path.insert(0, str(ROOT / "bench"))
from realistic import make_spec  # type: ignore[import-not-found]

CASES = int(os.environ.get("SCHEMAGEN_FUZZ_CASES", "40"))
SEED = int(os.environ.get("SCHEMAGEN_FUZZ_SEED", "20261206"))
STEPS = 5  # edits per sequence
BASES = [*(spec.read_text() for spec in SPECS), make_spec(40), REAL[: REAL.index("\n  ", 40_000)] + "\n"]

_SYNTAX = [": ", "- ", "? ", "|", ">", "&a ", "*a", "!", "#", " #", "'", '"', "{", "}", "[", "]", ",",
           "|2", ">-", "|+", "---", "...", "%YAML 1.2", "\u00e9", "\u4e2d", "\U0001f600", "  ", ":", "\\"]


def _key_lines(lines: list[str]) -> list[int]:
    """Lines where a part starts, or likely starts (a key at column 0 or 2): edits are aimed there."""
    return [n for n, line in enumerate(lines) if line[:1].isalpha() or (line[:2] == "  " and line[2:3].isalpha())]


def _pick(lines: list[str], rng: random.Random) -> int:
    near = _key_lines(lines)
    if near and rng.random() < 0.6:
        return min(len(lines) - 1, max(0, rng.choice(near) + rng.randint(-2, 1)))
    return rng.randrange(len(lines))


def insert_line(lines: list[str], rng: random.Random) -> None:
    new = rng.choice(["", "# c", "  # c", " " * rng.randint(0, 8) + "# odd", "   ", "x: 1", "  y: 2",
                      "  zz:", "    - a", '"tables":', "'enums': {}", "tables:", "  users:", "...",
                      "---", "? k", "  : v", "    description: |2", "      text", "    note: >-",
                      "    multi: 'a", "    b'", '    q: "x', '  y"', "  plain words", "    continued",
                      "      id: {type: int,", "      }", "  [", "  ]", "&anchor x: 1", "*anchor",
                      "    d: |+", "", "z: \u00fc\u00f1\u00ee", "  k: v   ", "  k:", "\u00e9t\u00e9: 1"])
    lines.insert(_pick(lines, rng) if lines else 0, new + "\n")


def delete_line(lines: list[str], rng: random.Random) -> None:
    if lines:
        del lines[_pick(lines, rng)]


def duplicate_lines(lines: list[str], rng: random.Random) -> None:
    if lines:
        start = _pick(lines, rng)
        chunk = lines[start:start + rng.randint(1, 6)]
        at = _pick(lines, rng)
        lines[at:at] = chunk


def reindent(lines: list[str], rng: random.Random) -> None:
    if lines:
        n = _pick(lines, rng)
        stripped = lines[n].lstrip(" ")
        lines[n] = " " * max(0, len(lines[n]) - len(stripped) + rng.choice([-4, -2, -1, 1, 2, 4])) + stripped


def split_line(lines: list[str], rng: random.Random) -> None:
    if lines:
        n = _pick(lines, rng)
        line = lines[n].rstrip("\n")
        cut = rng.randint(0, len(line))
        lines[n:n + 1] = [line[:cut] + "\n", " " * rng.choice([0, 2, 4, 6, 8]) + line[cut:] + "\n"]


def merge_lines(lines: list[str], rng: random.Random) -> None:
    if len(lines) > 1:
        n = min(_pick(lines, rng), len(lines) - 2)
        lines[n:n + 2] = [lines[n].rstrip("\n") + rng.choice(["", " ", " # "]) + lines[n + 1].lstrip(" ")]


def insert_syntax(lines: list[str], rng: random.Random) -> None:
    if lines:
        n = _pick(lines, rng)
        line = lines[n].rstrip("\n")
        cut = rng.randint(0, len(line))
        lines[n] = line[:cut] + rng.choice(_SYNTAX) + line[cut:] + "\n"


def quote_a_key(lines: list[str], rng: random.Random) -> None:
    keys = [n for n in _key_lines(lines) if ":" in lines[n]]
    if keys:
        n = rng.choice(keys)
        indent = len(lines[n]) - len(lines[n].lstrip(" "))
        key, rest = lines[n][indent:].split(":", 1)
        quote = rng.choice(['"', "'"])
        lines[n] = " " * indent + quote + key + quote + ":" + rest


def trailing_spaces(lines: list[str], rng: random.Random) -> None:
    if lines:
        n = _pick(lines, rng)
        lines[n] = lines[n].rstrip("\n") + " " * rng.randint(1, 3) + ("\n" if lines[n].endswith("\n") else "")


def drop_final_newline(lines: list[str], rng: random.Random) -> None:
    if lines and lines[-1].endswith("\n"):
        lines[-1] = lines[-1][:-1]


def span_a_boundary(lines: list[str], rng: random.Random) -> None:
    """A multi-line scalar (quoted, plain or block) opened just before a part's key line."""
    keys = [n for n in _key_lines(lines) if n > 0]
    if keys:
        n = rng.choice(keys)
        opener = rng.choice(['    s: "open', "    s: 'open", "    s: plain", "    s: |2", "    s: >-",
                             "    s: [a,", "    s: {a: 1,", "s: |", "  s: |1", "    s: |+"])
        lines.insert(n, opener + "\n")


@pytest.fixture(autouse=True)
def _cache(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("SCHEMAGEN_CACHE_DIR", str(tmp_path / "cache"))


def rename_a_key(lines: list[str], rng: random.Random) -> None:
    keyed = [n for n, line in enumerate(lines) if ":" in line and not line.lstrip().startswith("#")]
    if keyed:
        n = rng.choice(keyed)
        lines[n] = lines[n].replace(":", rng.choice(["x:", "_2:", ""]), 1)


def anchor_and_alias(lines: list[str], rng: random.Random) -> None:
    """An anchor on a key or value, and its alias (as a value or a key) in another part."""
    deep = [n for n, line in enumerate(lines) if line.startswith("    ") and ":" in line and "#" not in line]
    if len(deep) > 1:
        first, second = sorted(rng.sample(deep, 2))
        indent = len(lines[first]) - len(lines[first].lstrip(" "))
        if rng.random() < 0.5:
            lines[first] = " " * indent + "&a " + lines[first].lstrip(" ")
        else:
            key, value = lines[first].split(":", 1)
            lines[first] = key + ": &a" + value if value.strip() else key + ": &a x\n"
        indent = len(lines[second]) - len(lines[second].lstrip(" "))
        lines.insert(second + 1, " " * indent + rng.choice(["*a : 1", "note: *a", "*a :"]) + "\n")


MUTATIONS: list[Callable[[list[str], random.Random], None]] = [
    insert_line, delete_line, duplicate_lines, reindent, split_line, merge_lines, insert_syntax,
    quote_a_key, trailing_spaces, drop_final_newline, span_a_boundary, rename_a_key, rename_a_key,
    anchor_and_alias]


def _mutate(text: str, rng: random.Random) -> str:
    lines = text.splitlines(keepends=True)
    for _ in range(rng.choice([1, 1, 1, 2, 3])):
        rng.choice(MUTATIONS)(lines, rng)
    return "".join(lines)


@pytest.mark.parametrize("chunk", range(4))
def test_random_edits_load_as_cold(chunk: int, tmp_path: Path) -> None:
    for case in range(chunk, CASES, 4):
        rng = random.Random(f"{SEED}-{case}")
        file = tmp_path / f"spec{case % 3}.yaml"  # the same paths again: later cases meet older caches
        downstream = rng.random() < 0.5
        history = [rng.choice(BASES)]
        for step in range(STEPS):
            text = rng.choice(history[:-1]) if len(history) > 1 and rng.random() < 0.2 else _mutate(history[-1], rng)
            history.append(text)
            raw = text.encode("utf-8")
            warm = _outcome(load_cached, file, raw, downstream)
            cold = _outcome(load_spec_text, file, raw, downstream)
            assert warm == cold, (SEED, case, step, history[-2:])
