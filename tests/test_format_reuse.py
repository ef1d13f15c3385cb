"""Reusing the previous build's cut statements (`format/reuse.py`) gives exactly what a full cut gives.

Every edit here is held to `lines.cut` over the whole edited module: output parts, the statements
sent to the parse check, and the record kept for the next build. The record is keyed on the line
length and the cache file on the formatter's code, so changing either cuts everything again.
"""

from __future__ import annotations

import marshal
import random
import time
from pathlib import Path
from typing import Any

import pytest

from schemagen import format as fmt
from schemagen.format import cache as cache_module
from schemagen.format.cache import FormatCache
from schemagen.format.reuse import statement_key
from schemagen.format.lines import cut, cut_statements
from schemagen.format.reuse import cut_reusing
from schemagen.format.style import laid_out_for
from schemagen.resources import read_sealed, write_sealed
from tests.helpers import ROOT
from tests.test_fmt import rendered

SOURCES = rendered(ROOT / "specs" / "life_ceo.yaml")
MODELS = next(source for name, source in SOURCES.items() if name.endswith("models.py"))
STATEMENTS = [text for text, _ in cut_statements(MODELS)]


def _fresh_record(source: str) -> list[list[object]]:
    _, record = cut_reusing(source, None, [], [])
    return record


def _edited(replace: dict[int, str]) -> str:
    return "".join(replace.get(index, text) for index, text in enumerate(STATEMENTS))


def _class_indexes() -> list[int]:
    return [index for index, text in enumerate(STATEMENTS) if text.startswith("class ")]


def _edits() -> dict[str, str]:
    classes = _class_indexes()
    middle = classes[len(classes) // 2]
    text = STATEMENTS[middle]
    first_line, rest = text.split("\n", 1)
    # a column line made too long for one line, so that the layout rules rewrite it
    long_line = "    extra_column_with_a_long_name: Mapped[str] = mapped_column(" + ", ".join(
        f'"argument number {n}"' for n in range(6)) + ")\n"
    return {
        "one class edited": _edited({middle: text.replace("\n", "\n    # edited\n", 1)}),
        "a long line added": _edited({middle: first_line + "\n" + long_line + rest}),
        "a class removed": _edited({middle: ""}),
        "a class inserted": _edited({middle: text.replace("class ", "class Copy", 1) + text}),
        "the first statement edited": _edited({0: STATEMENTS[0].replace("\n", "\n# edited\n", 1)}),
        "the last statement edited": _edited({len(STATEMENTS) - 1: STATEMENTS[-1] + "x = 1\n"}),
        "two classes edited far apart": _edited({classes[1]: STATEMENTS[classes[1]] + "# a\n",
                                                 classes[-2]: STATEMENTS[classes[-2]] + "# b\n"}),
        # the statement after the edit now continues it: a decorator, then an `else:` clause
        "a decorator before an unchanged class": _edited({middle - 1: STATEMENTS[middle - 1] + "@decorated\n"}),
        "an if whose next statement becomes its else": _edited({
            middle - 1: STATEMENTS[middle - 1] + "if FLAG:\n    x = 1\n",
            middle: "else:\n    x = 2\n" + STATEMENTS[middle]}),
        "a module docstring after the header": _edited({0: STATEMENTS[0] + '"""Now a module docstring ."""\n'}),
        "brackets left open in a class": _edited({middle: text.replace("\n", "\n    x = (\n", 1)}),
    }


@pytest.mark.parametrize("edit", sorted(_edits()))
def test_a_reused_cut_equals_a_full_cut(edit: str) -> None:
    edited = _edits()[edit]
    record = _fresh_record(MODELS)
    full_chunks: list[tuple[int, str]] = []
    try:
        expected = cut(edited, full_chunks)
    except fmt.FormatError:
        with pytest.raises(fmt.FormatError):
            cut_reusing(edited, record, [], [])
        return
    chunks: list[tuple[int, str]] = []
    reused: list[str] = []
    parts, new_record = cut_reusing(edited, record, chunks, reused)
    assert fmt._merge_text(parts) == expected
    assert new_record == _fresh_record(edited)
    assert set(chunks) <= set(full_chunks)  # the changed statements, at their own line numbers
    assert len(chunks) + len(reused) == len(full_chunks)
    assert len(chunks) < len(full_chunks) / 4  # and not everything cut again


def test_an_unchanged_module_is_not_cut_again(monkeypatch: pytest.MonkeyPatch) -> None:
    record = _fresh_record(MODELS)

    def no_cut(*args: object, **kwargs: object) -> object:
        raise AssertionError("cut again")

    monkeypatch.setattr("schemagen.format.reuse.cut_statements", no_cut)
    chunks: list[tuple[int, str]] = []
    parts, again = cut_reusing(MODELS, record, chunks, [])
    assert fmt._merge_text(parts) == cut(MODELS) and again == record and not chunks


def _format_with(cache_path: Path, sources: dict[str, str], length: int) -> dict[str, str]:
    cache = FormatCache(cache_path)
    with laid_out_for(length):
        out = fmt.format_modules(sources, cache)
    cache.save()
    return out


def _held(path: Path) -> dict[str, Any]:
    """What a format cache file holds (sealed, its digest checked)."""
    sealed = read_sealed(path, cache_module._FORMAT, cache_module._formatter())
    assert sealed is not None
    data = marshal.loads(sealed[1])
    assert isinstance(data, dict)
    return data


def test_a_line_length_change_cuts_everything_again(tmp_path: Path) -> None:
    path = tmp_path / "format.bin"
    _format_with(path, SOURCES, 88)
    for length in (60, 100):
        with laid_out_for(length):
            assert all(FormatCache(path).record(name) is None for name in SOURCES)
            uncached = fmt.format_modules(SOURCES)
        assert _format_with(path, SOURCES, length) == uncached
    # the file keeps the last build's records only, under its line length
    assert {key.split(" ", 1)[0] for key in _held(path)["modules"]} == {"100"}


def test_a_formatter_change_retires_the_records(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    path = tmp_path / "format.bin"
    _format_with(path, SOURCES, 88)
    assert all(FormatCache(path).record(name) is not None for name in SOURCES)
    cache_module._formatter.cache_clear()
    monkeypatch.setattr(cache_module, "_formatter", lambda: "another formatter")
    assert all(FormatCache(path).record(name) is None for name in SOURCES)


def test_a_corrupt_record_is_dropped(tmp_path: Path) -> None:
    path = tmp_path / "format.bin"
    _format_with(path, SOURCES, 88)
    data = _held(path)
    name = next(iter(data["modules"]))
    data["modules"][name] = [[1, "abc", [["statement", "not a depth", "x"]]]]
    assert write_sealed(path, cache_module._FORMAT, cache_module._formatter(), {}, [marshal.dumps(data)])
    with laid_out_for(88):
        assert FormatCache(path).record(name.split(" ", 1)[1]) is None


def test_builds_through_the_cache_equal_uncached_ones_over_a_sequence_of_edits(tmp_path: Path) -> None:
    path = tmp_path / "format.bin"
    name = next(name for name in SOURCES if name.endswith("models.py"))
    for edit, edited in sorted(_edits().items()):
        if edit == "brackets left open in a class":
            continue
        sources = {**SOURCES, name: edited}
        try:
            expected = fmt.format_modules(sources)
        except fmt.FormatError:
            continue  # an edit that is not Python (a bare `else:` after a decorator): both refuse it
        assert _format_with(path, sources, 88) == expected, edit
        saved = _held(path)["modules"]
        assert set(saved) == {f"88 {module}" for module in sources}  # this build's modules, no more


def test_a_string_statement_after_the_first_statement_is_no_module_docstring() -> None:
    # black rewrites a module docstring's padding, not that of a string statement further down: a
    # changed region that starts at such a string must not be cut as the start of a module
    middle = _class_indexes()[len(_class_indexes()) // 2]
    before = _edited({middle: STATEMENTS[middle] + '"""  padded  """\n' + '"""one"""\n'})
    after = _edited({middle: STATEMENTS[middle] + '"""  padded  """\n' + '"""two"""\n'})
    parts, record = cut_reusing(after, _fresh_record(before), [], [])
    assert fmt._merge_text(parts) == cut(after)
    assert record == _fresh_record(after)


_SNIPPETS = ["# a comment\n", "@decorated\n", "else:\n    x = 2\n", "if FLAG:\n    x = 1\n", '"""A string ."""\n',
             "x = (\n    1,\n)\n", "\n", "class Extra:\n    y: int = 1\n\n\n", "x = (\n"]


@pytest.mark.parametrize("seed", range(40))
def test_random_edits_cut_as_a_full_cut(seed: int) -> None:
    """Several statements removed, duplicated, moved, changed or replaced by snippets that change
    where statements start and end (decorators, clauses, strings, open brackets), at once."""
    rng = random.Random(seed)
    name = rng.choice(sorted(SOURCES))
    statements = [text for text, _ in cut_statements(SOURCES[name])]
    before = "".join(statements)
    for _ in range(rng.randint(1, 4)):
        at = rng.randrange(len(statements))
        kind = rng.choice(["remove", "duplicate", "move", "change", "snippet"])
        if kind == "remove" and len(statements) > 1:
            statements.pop(at)
        elif kind == "duplicate":
            statements.insert(at, statements[at])
        elif kind == "move":
            statements.insert(rng.randrange(len(statements)), statements.pop(at))
        elif kind == "change":
            statements[at] = statements[at].replace("\n", "\n    z = 3\n", 1) if "\n " in statements[at] else (
                statements[at] + "# changed\n")
        else:
            statements.insert(at, rng.choice(_SNIPPETS))
    edited = "".join(statements)
    record = _fresh_record(before)
    full_chunks: list[tuple[int, str]] = []
    try:
        expected = cut(edited, full_chunks)
    except fmt.FormatError:
        with pytest.raises(fmt.FormatError):
            cut_reusing(edited, record, [], [])
        return
    chunks: list[tuple[int, str]] = []
    reused: list[str] = []
    parts, new_record = cut_reusing(edited, record, chunks, reused)
    assert fmt._merge_text(parts) == expected
    assert new_record == _fresh_record(edited)
    assert set(chunks) <= set(full_chunks) and len(chunks) + len(reused) == len(full_chunks)


def test_a_string_statement_that_becomes_the_module_docstring_is_cut_again() -> None:
    before = '# header\n\nx = 1\n"""  padded  """\ny = 2\n'
    after = '# header\n\n"""  padded  """\ny = 2\n'  # `x = 1` removed: the string is now the docstring
    parts, record = cut_reusing(after, _fresh_record(before), [], [])
    assert fmt._merge_text(parts) == cut(after) != [after]
    assert record == _fresh_record(after)


def test_the_caches_of_output_folders_gone_are_removed_the_oldest_first(tmp_path: Path,
                                                                          monkeypatch: pytest.MonkeyPatch) -> None:
    """One file per output folder: those of folders that moved or went were kept for ever. Past
    `KEEP`, the least recently used go; never one this process uses."""
    from schemagen.format import cache as format_cache

    monkeypatch.setenv("SCHEMAGEN_CACHE_DIR", str(tmp_path / "cache"))
    monkeypatch.setattr(format_cache, "KEEP", 2)
    made = []
    for index in range(4):
        monkeypatch.setattr(format_cache, "_FORMATTED_HERE", set())  # another process each
        time.sleep(0.05)  # (file times are as coarse as the kernel's clock tick)
        cache = FormatCache.for_output(tmp_path / f"out_{index}")
        cache.parsed(f"x = {index}\n")
        cache.remember({})
        cache.save()
        assert cache.path is not None and cache.path.is_file()
        made.append(cache.path)
        if index == 1:  # the first folder's cache, unchanged, is used again
            time.sleep(0.05)
            again = FormatCache.for_output(tmp_path / "out_0")
            again.parsed_before("x = 0\n")
            again.remember({})
            again.save()
    assert sorted((tmp_path / "cache").glob("format-*.bin")) == sorted([made[0], made[2], made[3]])


def test_a_save_removes_the_files_of_the_json_format_before(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """The cache was JSON (`format-*.json`) before it was sealed marshal: a file of that format is
    never read again, and goes at the first save."""
    monkeypatch.setenv("SCHEMAGEN_CACHE_DIR", str(tmp_path / "cache"))
    (tmp_path / "cache").mkdir()
    (tmp_path / "cache" / "format-0123456789abcdef01234567.json").write_text("{}", "utf-8")
    cache = FormatCache.for_output(tmp_path / "out")
    cache.parsed("x = 1\n")
    cache.remember({})
    cache.save()
    assert [path.name for path in (tmp_path / "cache").iterdir()] == [cache.path.name if cache.path else ""]


def test_a_statement_parsed_is_known_by_the_key_it_was_checked_under(tmp_path: Path, monkeypatch: pytest.MonkeyPatch
                                                                    ) -> None:
    """The parse check hashes a statement once: `unparsed_key` gives the key `parsed_key` keeps
    (the statement's, as `parsed` keeps it), and None once a saved run parsed it (kept again)."""
    monkeypatch.setenv("SCHEMAGEN_CACHE_DIR", str(tmp_path / "cache"))
    cache = FormatCache.for_output(tmp_path / "out")
    key = cache.unparsed_key("x = 1\n")
    assert key is not None and cache.parsed_now == set()
    cache.parsed_key(key)
    cache.parsed("y = 2\n")
    cache.remember({})
    cache.save()
    again = FormatCache.for_output(tmp_path / "out")
    assert again.unparsed_key("x = 1\n") is None and again.parsed_before("y = 2\n")
    assert again.unparsed_key("z = 3\n") == statement_key("z = 3\n")
    assert again.parsed_now == {key, statement_key("y = 2\n")} and key == statement_key("x = 1\n")
