"""black's rules as schemagen relies on them: line length, target, width, wrapping shapes.

The code generator writes black's canonical form directly (`codegen/literals.py`, `codegen/wrap.py`)
and the formatter proves lines black-clean (`format/lines.py`); both read black's rules from here,
so there is one line length and one way to count a line's width.
"""

from __future__ import annotations

import re
from bisect import bisect_right
from collections.abc import Iterator
from contextlib import contextmanager
from contextvars import ContextVar

# re-exported: the formatter reads them from here with the rest of black's rules
from schemagen.format_defaults import BLACK_VERSION as BLACK_VERSION, DEFAULT_LINE_LENGTH as DEFAULT_LINE_LENGTH

TARGET = "py311"


class FormatError(Exception):
    pass


_LINE_LENGTH: ContextVar[int] = ContextVar("schemagen_line_length", default=DEFAULT_LINE_LENGTH)


def line_length() -> int:
    """The line length the output is laid out for (the project's, see `settings.line_length`)."""
    return _LINE_LENGTH.get()


@contextmanager
def laid_out_for(length: int) -> Iterator[None]:
    """Generate and format for `length` columns inside the block."""
    token = _LINE_LENGTH.set(length)
    try:
        yield
    finally:
        _LINE_LENGTH.reset(token)


_PIECES = re.compile(r"""[rRbBuUfF]{0,2}(?:"[^"\\\n]*+(?:\\.[^"\\\n]*+)*+"|'[^'\\\n]*+(?:\\.[^'\\\n]*+)*+')|[()\[\]{}]|,""")
_CALL = re.compile(r"([A-Za-z_][\w.]*)\(")
PLAIN_VALUE = re.compile(r"""-?[\w.]+|"[^"\\\n]*+(?:\\.[^"\\\n]*+)*+"|'[^'\\\n]*+(?:\\.[^'\\\n]*+)*+'""")


def width(text: str) -> int:
    """Columns as black counts them, bounded from above for non-ASCII (wide characters count 2):
    the emitter's own layout decisions, kept as they were so that output does not change."""
    return len(text) if text.isascii() else 2 * len(text)


def str_width(text: str) -> int:
    """Columns exactly as black counts them (its `str_width`): 2 for an East Asian wide or
    full-width character, 1 for any other; where the formatter predicts what black does."""
    if text.isascii():
        return len(text)
    return len(text) + sum(1 for char in text if _wide(ord(char)))


def _wide(code: int) -> bool:
    index = bisect_right(_WIDE_STARTS, code) - 1
    return index >= 0 and code <= _WIDE[index][1]


# The ranges black 26.10.1 counts 2 columns wide (`black/_width_table.py`, generated from wcwidth
# 0.2.14 for Unicode 17.0.0; black counts every other character 1), copied so that a width is exact
# without black. tests/test_fmt.py holds the copy to black's table.
_WIDE = (
    (0x1100, 0x115f), (0x231a, 0x231b), (0x2329, 0x232a), (0x23e9, 0x23ec), (0x23f0, 0x23f0),
    (0x23f3, 0x23f3), (0x25fd, 0x25fe), (0x2614, 0x2615), (0x2630, 0x2637), (0x2648, 0x2653),
    (0x267f, 0x267f), (0x268a, 0x268f), (0x2693, 0x2693), (0x26a1, 0x26a1), (0x26aa, 0x26ab),
    (0x26bd, 0x26be), (0x26c4, 0x26c5), (0x26ce, 0x26ce), (0x26d4, 0x26d4), (0x26ea, 0x26ea),
    (0x26f2, 0x26f3), (0x26f5, 0x26f5), (0x26fa, 0x26fa), (0x26fd, 0x26fd), (0x2705, 0x2705),
    (0x270a, 0x270b), (0x2728, 0x2728), (0x274c, 0x274c), (0x274e, 0x274e), (0x2753, 0x2755),
    (0x2757, 0x2757), (0x2795, 0x2797), (0x27b0, 0x27b0), (0x27bf, 0x27bf), (0x2b1b, 0x2b1c),
    (0x2b50, 0x2b50), (0x2b55, 0x2b55), (0x2e80, 0x2e99), (0x2e9b, 0x2ef3), (0x2f00, 0x2fd5),
    (0x2ff0, 0x3029), (0x3030, 0x303e), (0x3041, 0x3096), (0x309b, 0x30ff), (0x3105, 0x312f),
    (0x3131, 0x318e), (0x3190, 0x31e5), (0x31ef, 0x321e), (0x3220, 0x3247), (0x3250, 0xa48c),
    (0xa490, 0xa4c6), (0xa960, 0xa97c), (0xac00, 0xd7a3), (0xf900, 0xfaff), (0xfe10, 0xfe19),
    (0xfe30, 0xfe52), (0xfe54, 0xfe66), (0xfe68, 0xfe6b), (0xff01, 0xff60), (0xffe0, 0xffe6),
    (0x16fe0, 0x16fe3), (0x16ff2, 0x16ff6), (0x17000, 0x18cd5), (0x18cff, 0x18d1e), (0x18d80, 0x18df2),
    (0x1aff0, 0x1aff3), (0x1aff5, 0x1affb), (0x1affd, 0x1affe), (0x1b000, 0x1b122), (0x1b132, 0x1b132),
    (0x1b150, 0x1b152), (0x1b155, 0x1b155), (0x1b164, 0x1b167), (0x1b170, 0x1b2fb), (0x1d300, 0x1d356),
    (0x1d360, 0x1d376), (0x1f004, 0x1f004), (0x1f0cf, 0x1f0cf), (0x1f18e, 0x1f18e), (0x1f191, 0x1f19a),
    (0x1f200, 0x1f202), (0x1f210, 0x1f23b), (0x1f240, 0x1f248), (0x1f250, 0x1f251), (0x1f260, 0x1f265),
    (0x1f300, 0x1f320), (0x1f32d, 0x1f335), (0x1f337, 0x1f37c), (0x1f37e, 0x1f393), (0x1f3a0, 0x1f3ca),
    (0x1f3cf, 0x1f3d3), (0x1f3e0, 0x1f3f0), (0x1f3f4, 0x1f3f4), (0x1f3f8, 0x1f3fa), (0x1f400, 0x1f43e),
    (0x1f440, 0x1f440), (0x1f442, 0x1f4fc), (0x1f4ff, 0x1f53d), (0x1f54b, 0x1f54e), (0x1f550, 0x1f567),
    (0x1f57a, 0x1f57a), (0x1f595, 0x1f596), (0x1f5a4, 0x1f5a4), (0x1f5fb, 0x1f64f), (0x1f680, 0x1f6c5),
    (0x1f6cc, 0x1f6cc), (0x1f6d0, 0x1f6d2), (0x1f6d5, 0x1f6d8), (0x1f6dc, 0x1f6df), (0x1f6eb, 0x1f6ec),
    (0x1f6f4, 0x1f6fc), (0x1f7e0, 0x1f7eb), (0x1f7f0, 0x1f7f0), (0x1f90c, 0x1f93a), (0x1f93c, 0x1f945),
    (0x1f947, 0x1f9ff), (0x1fa70, 0x1fa7c), (0x1fa80, 0x1fa8a), (0x1fa8e, 0x1fac6), (0x1fac8, 0x1fac8),
    (0x1facd, 0x1fadc), (0x1fadf, 0x1faea), (0x1faef, 0x1faf8), (0x20000, 0x2fffd), (0x30000, 0x3fffd),
)
_WIDE_STARTS = tuple(start for start, _ in _WIDE)


def fits(indent: int, text: str) -> bool:
    return indent + width(text) <= _LINE_LENGTH.get()


# Possessive (`*+`): a string's run of plain characters ends at a quote, backslash or newline, none
# of which the run could give back to what follows, so backtracking into it never finds a match;
# without them, every long string that is no `"key": ` (most) was rescanned character by character
# (`unsplittable` was 7% of the time of cutting a 300-table package, now 1%).
_STRING = r'"[^"\\\n]*+(?:\\.[^"\\\n]*+)*+"|\'[^\'\\\n]*+(?:\\.[^\'\\\n]*+)*+\''
_UNSPLITTABLE = re.compile(rf"(?:[^\W\d]\w*=|(?:{_STRING}): )?(?:{_STRING})")


def unsplittable(item: str) -> bool:
    """Whether black leaves `item` on its line however long it is: a string literal, alone, as a
    keyword argument (`comment="..."`) or as a mapping value (`"comment": "..."`). black's stable
    style neither splits strings nor wraps such values in parentheses."""
    return _UNSPLITTABLE.fullmatch(item) is not None




def call_arguments(source: str) -> tuple[str, list[str]] | None:
    """(`callee`, top-level arguments) when `source` is exactly `callee(...)`, else None."""
    return _bracketed(source, _CALL, ")")


def subscript_items(source: str) -> tuple[str, list[str]] | None:
    """(`Name`, top-level items) when `source` is exactly `Name[a, b, ...]`, else None."""
    return _bracketed(source, _SUBSCRIPT, "]")


def _bracketed(source: str, opening: re.Pattern[str], closing: str) -> tuple[str, list[str]] | None:
    match = opening.match(source)
    if match is None or not source.endswith(closing):
        return None
    depth, start, items = 0, match.end(), []
    for token in _PIECES.finditer(source, match.end() - 1):
        text = token.group()
        if text in "([{":
            depth += 1
        elif text in ")]}":
            depth -= 1
            if depth == 0 and token.end() != len(source):
                return None  # `callee(...)` is only the start, e.g. `f(x).y(z)`
        elif text == "," and depth == 1:
            items.append(source[start : token.start()].strip())
            start = token.end()
    last = source[start:-1].strip()
    if last:
        items.append(last)
    return match.group(1), items


_SUBSCRIPT = re.compile(r"([A-Za-z_][\w.]*)\[")
EMPTY_OR_PLAIN = re.compile(r"""\{\}|\[\]|\(\)|-?[\w.]+|"[^"\\\n]*+(?:\\.[^"\\\n]*+)*+"|'[^'\\\n]*+(?:\\.[^'\\\n]*+)*+'""")
"""A default black never splits: a plain value or an empty display."""


def has_top_level_union(source: str) -> bool:
    """Whether `|` joins parts of `source` outside any bracket (black then keeps its parentheses)."""
    depth = 0
    for token in _PIECES_AND_BARS.finditer(source):
        text = token.group()
        if text in "([{":
            depth += 1
        elif text in ")]}":
            depth -= 1
        elif text == "|" and depth == 0:
            return True
    return False


_PIECES_AND_BARS = re.compile(r"""[rRbBuUfF]{0,2}(?:"[^"\\\n]*+(?:\\.[^"\\\n]*+)*+"|'[^'\\\n]*+(?:\\.[^'\\\n]*+)*+')|[()\[\]{}|]""")


def prefers_value_split(indent: int, name: str, annotation: str) -> bool:
    """Whether black splits after `= (` instead, putting the value alone in parentheses (a layout
    left to black): it does whenever `name: annotation = (` fits, since the parentheses it puts
    around an annotation count as brackets (black's `_prefer_split_rhs_oop_over_rhs`)."""
    return indent + str_width(f"{name}: {annotation} = (") <= _LINE_LENGTH.get()
