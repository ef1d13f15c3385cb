"""The fast cut (`format/lines.py`: plain lines passed by, neighbours looked up backwards, brackets
counted by splitting at quotes) held to the plain algorithm it replaced, line by line, on the
example specs, the edge cases of test_fmt.py and random modules of the shapes that matter (where
a statement starts: decorators, clauses, blank lines; docstrings, long lines, brackets in strings)."""

from __future__ import annotations

import functools
import random
import re

import pytest

from schemagen.format import layout, lines
from schemagen.format.style import laid_out_for
from tests.test_fmt import EDGE_CASES, SPECS, rendered

# the regexes the fast paths stand for: with a string's prefix letters
ONE_LINE_STRINGS = re.compile(r"""[rRbBuUfF]{0,2}(?:"[^"\\\n]*(?:\\.[^"\\\n]*)*"|'[^'\\\n]*(?:\\.[^'\\\n]*)*')|\#[^\n]*""")
SCAN = re.compile(r"""[rRbBuUfF]{0,2}(?:"[^"\\\n]*(?:\\.[^"\\\n]*)*"|'[^'\\\n]*(?:\\.[^'\\\n]*)*')|[()\[\]{},#]""")


def reference_cut_statements(source: str, chunks: list[tuple[int, str]]) -> list[tuple[str, list[lines.Part]]]:
    """`cut_statements` as it was: every logical line classified, each top-level chunk alone."""
    statements: list[tuple[str, list[lines.Part]]] = []
    chunk: list[lines._Line] = []
    seen = False
    number, chunk_line = 1, None
    limit = lines.line_length()

    def first_in_block() -> set[int]:
        first, previous = set(), None
        for index, line in enumerate(chunk):
            if not line.text.strip() or line.text.lstrip(" ").startswith("#"):
                continue
            if previous is not None and line.indent > previous:
                first.add(index)
            previous = line.indent
        return first

    def needs_whole(first: set[int]) -> bool:
        for index, line in enumerate(chunk):
            if (not lines._fits(line, limit) and lines._COMPOUND.match(line.text.lstrip(" "))
                    and layout.lay_out_header(line.text, line.indent) is None and not lines._exploded_header(line)):
                return True
            if line.multiline_string and not (index in first and lines._is_docstring(line)):
                return True
        return False

    def flush() -> None:
        nonlocal seen
        if not chunk:
            return
        text = "\n".join(line.text for line in chunk) + "\n"
        if chunk_line is not None:
            chunks.append((chunk_line, text))
        parts: list[lines.Part] = []
        head = chunk[0]
        if head.text.startswith("#"):
            parts.extend(line.text + "\n" for line in chunk)
        elif lines._is_docstring(head) and not seen:
            parts.append(head.text + "\n" if lines._proven_docstring(head)
                         else lines.Piece(lines.DOCSTRING, 0, head.text + "\n"))
            parts.extend(line.text + "\n" for line in chunk[1:])
        elif needs_whole(first := first_in_block()):
            trailing = len(chunk)
            while not chunk[trailing - 1].text.strip():
                trailing -= 1
            parts.append(lines.Piece(lines.TOP_LEVEL, 0, "".join(line.text + "\n" for line in chunk[:trailing])))
            parts.extend(line.text + "\n" for line in chunk[trailing:])
        else:
            parts.extend(lines._classify(line, index in first, limit) for index, line in enumerate(chunk))
        seen = seen or not head.text.startswith("#")
        statements.append((text, parts))
        chunk.clear()

    for line in lines._logical_lines(source):
        if line.indent == 0 and line.text.strip():
            last = next((previous for previous in reversed(chunk) if previous.text.strip()), None)
            continues = last is not None and (
                (last.indent == 0 and last.text.startswith("@")) or bool(re.match(r"(?:else|elif|except|finally)\b",
                                                                                   line.text)))
            if not continues:
                flush()
                chunk_line = number
        number += line.physical
        chunk.append(line)
    flush()
    return statements


def assert_cut_as_before(source: str) -> None:
    try:
        expected_chunks: list[tuple[int, str]] = []
        expected = reference_cut_statements(source, expected_chunks)
    except lines.FormatError as exc:
        with pytest.raises(lines.FormatError, match=re.escape(str(exc))):
            lines.cut_statements(source, [])
        return
    chunks: list[tuple[int, str]] = []
    got = lines.cut_statements(source, chunks)
    assert [text for text, _ in got] == [text for text, _ in expected], source
    assert [lines._merge_text(parts) for _, parts in got] == [lines._merge_text(parts) for _, parts in expected], source
    assert chunks == expected_chunks, source


@pytest.mark.parametrize("length", [60, 88])
def test_the_fast_cut_equals_the_line_by_line_cut_on_generated_modules(length: int) -> None:
    sources = [*EDGE_CASES.values(), *(source for spec in SPECS[:3] for source in rendered(spec).values())]
    with laid_out_for(length):
        for source in sources:
            assert_cut_as_before(source)


LINES = [
    "", "    ", "x = 1", "    y = 2", "        z = f(a, b)", "@decorator", "@dec(1)", "def f():", "class A(B):",
    "    def g(self):", "else:", "elif x:", "except E:", "finally:", "try:", "if x:", "# comment", "    # indented comment",
    '"""Doc."""', '    """Doc."""', '        """Doc."""', '    """Two', "    lines.", '    """', "x = (", "    1,", "    2,", ")",
    "    y = [", '        "]",', "    ]", 'x = "(" + ")"', "x = '('", 'x = "a" # (', "s = r'\\'(' + \"x\"",
    "x = f(" + ", ".join(f"argument_{i}" for i in range(12)) + ")",
    "    x: Mapped[int] = mapped_column(" + ", ".join(f"k{i}={i}" for i in range(15)) + ")",
    "def long(" + ", ".join(f"p{i}: int" for i in range(12)) + ") -> None:",
    "x = 1 \\", "    + 2", 'x = """a', 'b"""', "    pass", "    return x", "漢字 = '漢字漢字漢字漢字漢字漢字漢字漢字漢字漢字漢字漢字漢字漢字漢字漢字漢字漢字漢字漢字'",
]


@pytest.mark.parametrize("seed", range(6))
def test_the_fast_cut_equals_the_line_by_line_cut_on_random_modules(seed: int) -> None:
    rng = random.Random(seed)
    with laid_out_for(rng.choice([60, 79, 88, 120])):
        for _ in range(400):
            source = "".join(rng.choice(LINES) + "\n" for _ in range(rng.randint(0, 14)))
            assert_cut_as_before(source)


def test_brackets_outside_strings_are_counted_as_the_string_regex_counts_them() -> None:
    rng = random.Random(3)
    alphabet = "()[]{}\"'#\\rbfuRBFU x,=:"
    samples = [line for spec in SPECS[:3] for source in rendered(spec).values() for line in source.split("\n")]
    samples += ["".join(rng.choice(alphabet) for _ in range(rng.randint(0, 14))) for _ in range(50_000)]
    for line in samples:
        expected, got = ONE_LINE_STRINGS.sub("", line), lines._bare(line)
        assert [expected.count(b) for b in "()[]{}"] == [got.count(b) for b in "()[]{}"], line
        assert lines._LAST_BRACKET.findall(expected)[-1:] == lines._LAST_BRACKET.findall(got)[-1:], line


def test_the_layout_scan_finds_the_tokens_the_scan_with_string_prefixes_finds() -> None:
    rng = random.Random(4)
    alphabet = "()[]{}\"'#\\rbfuRBFU x,=:"

    def tokens(pattern: re.Pattern[str], text: str) -> list[tuple[int, int, str]]:
        # string tokens by their end only: `_last_bracket` never looks at their start or text
        return [(-1 if match.group()[-1] in "\"'" else match.start(), match.end(),
                 "" if match.group()[-1] in "\"'" else match.group()) for match in pattern.finditer(text)]

    for _ in range(50_000):
        text = "".join(rng.choice(alphabet) for _ in range(rng.randint(0, 14)))
        assert tokens(SCAN, text) == tokens(layout._SCAN, text), text
        assert layout._last_bracket_of(text) == _last_bracket_with(SCAN, text), text


def _last_bracket_with(pattern: re.Pattern[str], text: str) -> tuple[int, int, list[int]] | None:
    saved = layout._SCAN
    layout._SCAN = pattern
    try:
        return layout._last_bracket_of(text)
    finally:
        layout._SCAN = saved


@functools.cache
def _spec_lines() -> list[str]:
    return sorted({line for spec in SPECS for source in rendered(spec).values() for line in source.split("\n")})


def _backtracking(pattern: re.Pattern[str]) -> re.Pattern[str]:
    """`pattern` with its possessive quantifiers made plain (`*+` -> `*`, `++` -> `+`)."""
    return re.compile(re.sub(r"(?<=[*+?}])\+", "", pattern.pattern), pattern.flags)


@pytest.mark.parametrize("name", ["layout._SCAN", "layout._STRING_OR_BRACKET", "layout._STRING", "lines._DOCSTRING",
                                  "logical._STRINGS_AND_COMMENT", "style.EMPTY_OR_PLAIN", "style.PLAIN_VALUE",
                                  "style._PIECES", "style._PIECES_AND_BARS", "style._UNSPLITTABLE"])
def test_possessive_string_patterns_match_as_their_backtracking_forms(name: str) -> None:
    """The string patterns take their runs possessively (no rescan of a long string when what
    follows fails): each must match exactly where its backtracking form matches, on random text of
    quotes, backslashes, brackets and newlines and on every line of the example specs' modules."""
    from schemagen.format import logical, style

    module_name, _, attribute = name.partition(".")
    pattern = getattr({"layout": layout, "lines": lines, "logical": logical, "style": style}[module_name], attribute)
    assert "*+" in pattern.pattern
    plain = _backtracking(pattern)
    alphabet = ['"', "'", "\\", "\n", "a", " ", ":", "=", "(", ")", "[", "]", "{", "}", ",", "#", "r", '"""', "b_", "."]
    rng = random.Random(name)
    texts = ["".join(rng.choice(alphabet) for _ in range(rng.randint(0, 16))) for _ in range(20_000)]
    texts += _spec_lines()
    for text in texts:
        for method in ("fullmatch", "match", "search"):
            found, expected = getattr(pattern, method)(text), getattr(plain, method)(text)
            assert (found and found.span()) == (expected and expected.span()), (method, text)
        assert [m.span() for m in pattern.finditer(text)] == [m.span() for m in plain.finditer(text)], text
