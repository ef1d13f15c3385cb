"""Fuzzing the loader and validator: any input either builds or fails with located SpecErrors.

`schemagen.pipeline.generate([path])` runs the whole pipeline (load, validate, resolve, layout,
render, format) on

(a) random YAML-ish text: YAML punctuation, indentation and tabs, anchors, aliases, tags, merge keys,
    directives and document markers, quotes, block scalars, unicode, NUL, BOM, very long lines, and
    spec words (`tables:`, `type: serial`, ...), written as UTF-8 or with invalid bytes;
(b) mutations of valid specs (from `strategies.spec_plans()` and of specs/life_ceo.yaml): a key
    deleted, a value replaced by a random scalar, list or mapping, a key renamed with a typo, a column
    type swapped, a line duplicated (duplicate keys), deleted or indented with a tab, invalid UTF-8
    inserted, the file truncated.

The only outcomes allowed are success or `schemagen.errors.SpecErrors` whose every error has a line
and a column >= 1 (and not past the end of the file) and a non-empty message, and whose `render()`
works. Any other exception is a bug.

Profiles (env `SCHEMAGEN_HYPOTHESIS_PROFILE`): `default` (a few hundred inputs, well under a minute)
and `long` (ten times as many).
"""

from __future__ import annotations

import copy
import os
import tempfile
from pathlib import Path
from typing import Any

import pytest
import yaml
from hypothesis import (
    HealthCheck,
    currently_in_test_context,
    event,
    example,
    given,
    note,
    settings,
)
from hypothesis import strategies as st
from hypothesis.database import DirectoryBasedExampleDatabase

from schemagen.errors import SpecErrors
from schemagen.pipeline import generate
from tests.property.strategies import COLUMN_TYPE_NAMES, spec_plans, to_yaml

ROOT = Path(__file__).resolve().parents[2]
LIFE_CEO = (ROOT / "specs" / "life_ceo.yaml").read_bytes()
PROFILE = os.environ.get("SCHEMAGEN_HYPOTHESIS_PROFILE", "default")
SCALE = {"default": 1, "long": 10}[PROFILE]

BASE = settings(
    deadline=None,
    derandomize=PROFILE == "default",  # reproducible in CI; the `long` profile explores
    database=None if PROFILE == "default" else DirectoryBasedExampleDatabase(str(ROOT / ".pytest_cache" / "hypothesis")),
    suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large, HealthCheck.large_base_example,
                           HealthCheck.filter_too_much],
    print_blob=True,
)


def check(raw: bytes) -> str:
    """Run the pipeline on `raw`; 'ok' or 'errors'; anything but SpecErrors propagates."""
    if currently_in_test_context():
        note(f"input ({len(raw)} bytes): {raw[:3000]!r}")
    with tempfile.TemporaryDirectory() as tmp:
        path = Path(tmp) / "spec.yaml"
        path.write_bytes(raw)
        try:
            generate([path])
        except SpecErrors as exc:
            assert exc.errors, "SpecErrors without errors"
            # lines as YAML and the error renderer count them (`\r`, U+2028, U+0085 break lines too)
            lines = len(raw.decode("utf-8", "replace").splitlines()) + 1
            for error in exc.errors:
                where = f"{error.position.line}:{error.position.column}: {error.message!r}"
                assert error.position.line >= 1 and error.position.column >= 1, f"bad position {where}"
                assert error.position.line <= lines + 1, f"position past the end of the file ({lines} lines): {where}"
                assert isinstance(error.message, str) and error.message.strip(), f"empty message at {where}"
            exc.render()  # what the CLI prints must not fail either
            if currently_in_test_context():
                event("outcome: SpecErrors")
            return "errors"
    if currently_in_test_context():
        event("outcome: built")
    return "ok"


# ---------------------------------------------------------------------------------------------
# (a) YAML-ish text

TOKENS = [
    "tables:", "columns:", "enums:", "types:", "package:", "dialect:", "relations:", "id:", "type: serial",
    "primary_key: true", "type: text", "type: enum", "enum: E", "references: t.id", "many: t", "one: t",
    "default:", "validate:", "schema: list[S]", "  ", "    ", "\n", "\n", "\n  ", "\t", "- ", ": ", ":", "{", "}",
    "[", "]", ",", "#", " # c", "&a ", "*a", "&anchor ", "*anchor", "<<: *a", "<<: ", "!!python/object/apply:os.system ",
    "!!str ", "!!int ", "!!binary ", "!custom ", "!<tag:yaml.org,2002:str> ", "---\n", "...\n", "--- ",
    "%YAML 1.2\n", "%YAML 1.1\n", "%TAG ! tag:example.com,2000:\n", "? ", "|\n", "|-\n  ", ">\n", ">+2\n",
    "'", "''", '"', '\\"', '"\\u0000"', '"\\x00"', '"\\ud800"', "%", "@", "`", "\x00", "\ufeff", "\u2028", "\u2029",
    "\x85", "\r\n", "\r", "\x0b", "\x1b", "é", "名前", "😀", "\U0010ffff", "0x10", "0o17", "012", "1e9999", "-.inf",
    ".nan", "~", "null", "yes", "no", "on", "3.10", "1_000", "2024-01-01", "=", "<<", "t", "x", "E", "S",
    "x" * 300,
]

yamlish_text = st.lists(
    st.one_of(st.sampled_from(TOKENS), st.text(max_size=5)), max_size=60,
).map("".join)


@st.composite
def yamlish_bytes(draw: Any) -> bytes:
    text: str = draw(yamlish_text)
    raw = text.encode("utf-8", "surrogatepass")
    if draw(st.integers(0, 9)) == 0:
        position = draw(st.integers(0, len(raw)))
        bad: bytes = draw(st.sampled_from([b"\xff", b"\xc3", b"\xed\xa0\x80", b"\xf8\x88\x80\x80\x80", b"\xe2\x82"]))
        raw = raw[:position] + bad + raw[position:]
    return raw


@settings(BASE, max_examples=300 * SCALE)
@given(raw=yamlish_bytes())
@example(raw=b"")
@example(raw=b"\xef\xbb\xbf")
@example(raw=b"tables:\n  t:\n    columns:\n      id: {type: serial, primary_key: true}\n")
@example(raw=b"[" * 50_000)
@example(raw=b"a: " + b"[" * 2_000 + b"]" * 2_000)
@example(raw=b"a: &a [" + b"*a, " * 1000 + b"]")
@example(raw=b"tables:\n" + b"  t" + b"x" * 1_100_000 + b":\n")
@example(raw=b"tables: !!python/object/apply:os.system ['echo hi']\n")
@example(raw=b"\x00")
@example(raw=b"tables:\n\t t: {}\n")
@example(raw=b"--- a\n--- b\n")
@example(raw=b"tables:\n  t:\n    columns:\n      id: {type: serial, primary_key: true}\n" + b"\xff")
def test_yamlish_text_gives_success_or_located_errors(raw: bytes) -> None:
    check(raw)


# ---------------------------------------------------------------------------------------------
# (b) mutations of valid specs


def _paths(node: Any, prefix: tuple[Any, ...] = ()) -> list[tuple[Any, ...]]:
    """Every key path into a loaded spec (mappings and lists), parents before children."""
    found = [prefix] if prefix else []
    if isinstance(node, dict):
        for key, value in node.items():
            found += _paths(value, (*prefix, key))
    elif isinstance(node, list):
        for index, value in enumerate(node):
            found += _paths(value, (*prefix, index))
    return found


def _parent(root: Any, path: tuple[Any, ...]) -> Any:
    node = root
    for part in path[:-1]:
        node = node[part]
    return node


random_scalars = st.one_of(
    st.none(), st.booleans(), st.integers(-(2**70), 2**70), st.floats(allow_nan=False, allow_infinity=False),
    st.text(max_size=12), st.sampled_from(["", "now", "uuid", "serial", "t.id", "list[", "dict[str, ]", "yes", "3.10",
                                           "a.b.c", "users.id", "cascade", "true", "null", "{sql: x}"]),
)
def _containers(inner: st.SearchStrategy[Any]) -> st.SearchStrategy[Any]:
    return st.one_of(st.lists(inner, max_size=3), st.dictionaries(st.text(max_size=6), inner, max_size=3))


random_values = st.recursive(random_scalars, _containers, max_leaves=5)


def _typo(draw: Any, key: str) -> str:
    if not key:
        return "x"
    index = draw(st.integers(0, len(key) - 1))
    kind = draw(st.sampled_from(["drop", "double", "swap", "change", "case", "space"]))
    if kind == "drop":
        return key[:index] + key[index + 1:] or "_"
    if kind == "double":
        return key[:index] + key[index] + key[index:]
    if kind == "swap" and len(key) > 1:
        index = min(index, len(key) - 2)
        return key[:index] + key[index + 1] + key[index] + key[index + 2:]
    if kind == "case":
        return key.swapcase()
    if kind == "space":
        return key + " "
    letter: str = draw(st.sampled_from("aeiouxz_1-."))
    return key[:index] + letter + key[index + 1:]


@st.composite
def mutated_data(draw: Any, data: Any) -> bytes:
    """One structural mutation of a loaded spec, dumped back to YAML."""
    data = copy.deepcopy(data)
    paths = _paths(data)
    if not paths:
        return to_yaml(data).encode()
    path = draw(st.sampled_from(paths))
    parent = _parent(data, path)
    last = path[-1]
    kind = draw(st.sampled_from(["delete", "value", "value", "typo", "type", "wrap", "empty"]))
    if kind == "delete":
        del parent[last]
    elif kind == "value":
        parent[last] = draw(random_values)
    elif kind == "typo" and isinstance(parent, dict):
        value = parent.pop(last)
        parent[_typo(draw, str(last))] = value
    elif kind == "type":
        parent[last] = draw(st.sampled_from(COLUMN_TYPE_NAMES + ("varchr", "jsonb[]", "Serial", "int", "")))
    elif kind == "wrap":
        parent[last] = draw(st.sampled_from([[parent[last]], {"x": parent[last]}, {"type": parent[last]}]))
    else:
        parent[last] = draw(st.sampled_from([{}, [], None, ""]))
    return to_yaml(data).encode()


@st.composite
def mutated_text(draw: Any, raw: bytes) -> bytes:
    """One text-level mutation: duplicate/delete/indent a line, insert bad bytes, truncate."""
    lines = raw.split(b"\n")
    kind = draw(st.sampled_from(["duplicate", "delete", "tab", "bytes", "truncate", "swap", "dedent", "comment"]))
    index = draw(st.integers(0, max(0, len(lines) - 1)))
    if kind == "duplicate":  # a duplicated `key: value` line is a duplicate key
        lines.insert(index, lines[index])
    elif kind == "delete":
        del lines[index]
    elif kind == "tab":
        lines[index] = b"\t" + lines[index]
    elif kind == "swap" and len(lines) > 1:
        other = draw(st.integers(0, len(lines) - 1))
        lines[index], lines[other] = lines[other], lines[index]
    elif kind == "dedent":
        lines[index] = lines[index].lstrip(b" ")
    elif kind == "comment":
        lines[index] = b"# " + lines[index]
    out = b"\n".join(lines)
    if kind == "bytes":
        position = draw(st.integers(0, len(out)))
        out = out[:position] + draw(st.sampled_from([b"\xff", b"\xc3(", b"\x80", b"\xed\xa0\x80", b"\x00"])) + out[position:]
    elif kind == "truncate":
        out = out[:draw(st.integers(0, len(out)))]
    return out


@st.composite
def mutated_specs(draw: Any) -> bytes:
    plan = draw(spec_plans(max_tables=3))
    raw: bytes = draw(mutated_data(plan.spec)) if draw(st.booleans()) else draw(mutated_text(plan.yaml().encode()))
    return raw


@settings(BASE, max_examples=100 * SCALE)
@given(raw=mutated_specs())
def test_mutated_random_specs_give_success_or_located_errors(raw: bytes) -> None:
    check(raw)


_LIFE_CEO_DATA = yaml.safe_load(LIFE_CEO)


@settings(BASE, max_examples=15 * SCALE)
@given(raw=st.one_of(mutated_data(_LIFE_CEO_DATA), mutated_text(LIFE_CEO)))
def test_mutated_life_ceo_gives_success_or_located_errors(raw: bytes) -> None:
    check(raw)


# (c) spec-shaped data: mappings keyed by the spec's own words, with values of any shape

SPEC_WORDS = [
    "package", "dialect", "enums", "types", "tables", "columns", "type", "primary_key", "nullable", "unique", "index",
    "default", "on_update", "column", "comment", "references", "on_delete", "length", "precision", "scale",
    "timezone", "array", "enum", "schema", "validate", "min_length", "max_length", "pattern", "format", "ge", "gt",
    "le", "lt", "message", "model", "indexes", "checks", "soft_delete", "relations", "one", "many", "through",
    "fields", "through_fields", "references", "name", "sql", "where", "json", "columns", "id", "t", "u", "x", "E",
    "S", "users", "users.id", "t.id",
]
def _word_containers(inner: st.SearchStrategy[Any]) -> st.SearchStrategy[Any]:
    keys = st.one_of(st.sampled_from(SPEC_WORDS), st.text(max_size=4))
    return st.one_of(st.lists(inner, max_size=3), st.dictionaries(keys, inner, max_size=4))


_word_values = st.recursive(st.one_of(random_scalars, st.sampled_from(SPEC_WORDS + list(COLUMN_TYPE_NAMES))),
                            _word_containers, max_leaves=30)
spec_shaped = st.dictionaries(st.sampled_from(["package", "dialect", "enums", "types", "tables", "x"]), _word_values,
                              min_size=1, max_size=5).map(lambda data: to_yaml(data).encode())


@settings(BASE, max_examples=150 * SCALE)
@given(raw=spec_shaped)
def test_spec_shaped_data_gives_success_or_located_errors(raw: bytes) -> None:
    check(raw)


def test_life_ceo_itself_builds() -> None:
    assert check(LIFE_CEO) == "ok"


@pytest.mark.parametrize("raw", [b"\xff\xfe" + "tables: {}".encode("utf-16-le"), b"tables: [" + b"\n" * 10])
def test_odd_encodings(raw: bytes) -> None:
    check(raw)
