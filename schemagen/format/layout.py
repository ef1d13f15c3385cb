"""Laying out a statement too long for its line, the way black and ruff keep it: exploded.

A one-line statement that does not fit is broken at its last bracket (black's "right hand
split"): the head up to and including the opening bracket stays on the first line, each item of
the bracket goes on a line of its own, one level deeper, with a trailing comma, and the closing
bracket returns to the statement's indent. The trailing comma is "magic" to both formatters: they
keep a bracket so exploded at any line length, and an item that fits is never joined with its
neighbours. An item that still does not fit is laid out the same way, one level deeper; a string
literal (alone, as a keyword argument or as a mapping value) stays long, as both formatters leave it.

Only shapes whose result both formatters are known to keep are laid out; anything else returns
None (the caller then falls back). The tests run black and `ruff format` over every generated file.
"""

from __future__ import annotations

import re

from schemagen.format.style import line_length, unsplittable, width

_SCAN = re.compile(r"""[rRbBuUfF]{0,2}(?:"(?:[^"\\\n]|\\.)*"|'(?:[^'\\\n]|\\.)*')|[()\[\]{},#]""")
_OPEN = {"(": ")", "[": "]", "{": "}"}
_NAME_END = re.compile(r"[\w\])]$")
_KEYWORD_END = re.compile(r"(?<![\w.])(?:return|in|if|else|and|or|not|is|lambda|yield|await|assert|del|import)$")


def _last_bracket(text: str) -> tuple[int, int, list[int]] | None:
    """(opening offset, closing offset, offsets of the commas directly inside) of the last
    top-level bracket pair of `text`, which must end `text` (but for a trailing comma); None when
    `text` has a comment, unbalanced brackets or does not end with a bracket."""
    stack: list[tuple[int, str]] = []
    last: tuple[int, int, list[int]] | None = None
    commas: list[list[int]] = []
    for token in _SCAN.finditer(text):
        value, start = token.group(), token.start()
        if value == "#":
            return None
        if value in _OPEN:
            stack.append((start, _OPEN[value]))
            commas.append([])
        elif value in ")]}":
            if not stack or stack[-1][1] != value:
                return None
            opened, _ = stack.pop()
            inside = commas.pop()
            if not stack:
                last = (opened, start, inside)
        elif value == "," and stack:
            commas[-1].append(start)
    if stack or last is None:
        return None
    rest = text[last[1] + 1 :]
    if rest not in ("", ","):
        return None
    return last


_OPERATOR = re.compile(r"[-+*/%|&^@<>~]|[=!<>]=|:=|\b(?:if|else|and|or|not|in|is|lambda|await)\b")
_COMPREHENSION = re.compile(r"\b(?:for|lambda)\b")
_STRING_OR_BRACKET = re.compile(r"""[rRbBuUfF]{0,2}(?:"(?:[^"\\\n]|\\.)*"|'(?:[^'\\\n]|\\.)*')|[()\[\]{}]""")


def _outer(item: str) -> str:
    """`item` without its strings and without what its brackets hold."""
    depth, kept, start = 0, [], 0
    for token in _STRING_OR_BRACKET.finditer(item):
        if depth == 0:
            kept.append(item[start : token.start()])
        value = token.group()
        if value in "([{":
            depth += 1
        elif value in ")]}":
            depth -= 1
        start = token.end()
    if depth == 0:
        kept.append(item[start:])
    return " ".join(kept)


def explode(text: str, indent: int) -> list[str] | None:
    """The physical lines (without indent of the first, with their own indent after) of `text`
    laid out at `indent`, or None when this module does not know how the formatters keep it."""
    if indent + width(text) <= line_length():
        return [text]
    found = _last_bracket(text)
    if found is None:
        core = text[:-1] if text.endswith(",") else text
        return [text] if unsplittable(core) else None
    opened, closed, commas = found
    head, tail = text[: opened + 1], text[closed:]
    if indent + width(head) > line_length() or not head.strip() or head.count('"""') or head.count("'''"):
        return None
    outer = _outer(head[:-1])
    if _OPERATOR.search(outer.replace("->", " ")) or " ." in outer:
        return None  # the formatters split at an operator, or a method chain at its dots, first
    bounds = [opened, *commas, closed]
    items = [text[bounds[i] + 1 : bounds[i + 1]].strip() for i in range(len(bounds) - 1)]
    if items and not items[-1]:
        items.pop()  # the body already ended with a comma
    if not items or any(not item or _COMPREHENSION.search(_outer(item)) for item in items):
        return None  # an empty item, or a comprehension or lambda whose commas are not the bracket's
    bracket = text[opened]
    before = head[:-1]
    named = _NAME_END.search(before) is not None and _KEYWORD_END.search(before) is None
    if len(items) == 1 and (bracket == "[" and named or bracket == "(" and not named):
        return None  # a one-item subscript or a parenthesised expression: the comma is not magic there
    inner = " " * (indent + 4)
    lines = [head]
    for item in items:
        laid = explode(item + ",", indent + 4)
        if laid is None:
            return None
        lines.append(inner + laid[0])
        lines.extend(laid[1:])
    lines.append(" " * indent + tail)
    return lines


def lay_out(text: str, indent: int) -> str | None:
    """`text` (one logical line, indented by `indent`) laid out to fit, or None."""
    if "\n" in text:
        return None
    laid = explode(text[indent:], indent)
    if laid is None:
        return None
    return " " * indent + "\n".join(laid)
