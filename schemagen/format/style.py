"""black's rules as schemagen relies on them: line length, target, width, wrapping shapes.

The code generator writes black's canonical form directly (`codegen/literals.py`, `codegen/wrap.py`)
and the formatter proves lines black-clean (`format/lines.py`); both read black's rules from here,
so there is one line length and one way to count a line's width.
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from contextlib import contextmanager
from contextvars import ContextVar

DEFAULT_LINE_LENGTH = 88  # black's and ruff's default, used when the project sets none
TARGET = "py311"
BLACK_VERSION = "26.10.1"  # pyproject.toml pins exactly this; the cache is keyed on it


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


_PIECES = re.compile(r"""[rRbBuUfF]{0,2}(?:"(?:[^"\\\n]|\\.)*"|'(?:[^'\\\n]|\\.)*')|[()\[\]{}]|,""")
_CALL = re.compile(r"([A-Za-z_][\w.]*)\(")
PLAIN_VALUE = re.compile(r"""-?[\w.]+|"(?:[^"\\\n]|\\.)*"|'(?:[^'\\\n]|\\.)*'""")


def width(text: str) -> int:
    """Columns as black counts them, bounded from above for non-ASCII (wide characters count 2)."""
    return len(text) if text.isascii() else 2 * len(text)


def fits(indent: int, text: str) -> bool:
    return indent + width(text) <= _LINE_LENGTH.get()


_STRING = r'"(?:[^"\\\n]|\\.)*"|\'(?:[^\'\\\n]|\\.)*\''
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
EMPTY_OR_PLAIN = re.compile(r"""\{\}|\[\]|\(\)|-?[\w.]+|"(?:[^"\\\n]|\\.)*"|'(?:[^'\\\n]|\\.)*'""")
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


_PIECES_AND_BARS = re.compile(r"""[rRbBuUfF]{0,2}(?:"(?:[^"\\\n]|\\.)*"|'(?:[^'\\\n]|\\.)*')|[()\[\]{}|]""")


def prefers_value_split(indent: int, name: str, annotation: str) -> bool:
    """Whether black splits after `= (` instead, putting the value alone in parentheses (a layout
    left to black): it does whenever `name: annotation = (` fits, since the parentheses it puts
    around an annotation count as brackets (black's `_prefer_split_rhs_oop_over_rhs`)."""
    return indent + width(f"{name}: {annotation} = (") <= _LINE_LENGTH.get()
