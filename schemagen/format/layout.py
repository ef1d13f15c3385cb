"""Laying out a statement too long for its line, the way black and ruff keep it: exploded.

A one-line statement that does not fit is broken at its last bracket (black's "right hand
split"): the head up to and including the opening bracket stays on the first line, each item of
the bracket goes on a line of its own, one level deeper, with a trailing comma, and the closing
bracket returns to the statement's indent. The trailing comma is "magic" to both formatters: they
keep a bracket so exploded at any line length, and an item that fits is never joined with its
neighbours. An item that still does not fit is laid out the same way, one level deeper; a string
literal (alone, as a keyword argument or as a mapping value) stays long, as both formatters leave it.

Only shapes whose result both formatters are known to keep are laid out; anything else returns
None (the caller then falls back). One exception to "at any line length": a keyword argument's
one-tuple of a string too long for a line of its own (its comma is not magic) is exploded only in a
statement black itself splits one item a line everywhere (`strict`), so the result is black's own
for this line length, as `format/rhs.py` would give it. The tests run black and `ruff format` over
every generated file.
"""

from __future__ import annotations

import re

from schemagen.format.style import line_length, unsplittable, width

# The string patterns of format/ take their runs of plain characters possessively (`*+`): a run ends
# at a quote, backslash or newline, none of which it could give back to what follows, so giving back
# never finds a match; without it a quote that opens no string (an apostrophe in a docstring's line)
# had the run rescanned character by character.
# A string's prefix letters (`rb"..."`) are left out: `_last_bracket` skips strings and looks only at
# where the other tokens are, which is the same without them, and a match that starts with a quote
# or a bracket is found about twice as fast.
_SCAN = re.compile(r""""[^"\\\n]*+(?:\\.[^"\\\n]*+)*+"|'[^'\\\n]*+(?:\\.[^'\\\n]*+)*+'|[()\[\]{},#]""")
_OPEN = {"(": ")", "[": "]", "{": "}"}
_NAME_END = re.compile(r"[\w\])]$")
_KEYWORD_END = re.compile(r"(?<![\w.])(?:return|in|if|else|and|or|not|is|lambda|yield|await|assert|del|import)$")


def _last_bracket(text: str) -> tuple[int, int, list[int]] | None:
    """(opening offset, closing offset, offsets of the commas directly inside) of the last
    top-level bracket pair of `text`, which must end `text` (but for a trailing comma); None when
    `text` has a comment, unbalanced brackets or does not end with a bracket. Remembered by text:
    `lay_out` often explodes a line twice (`strict` after the first declined), each time asking
    this of the same items (callers do not change the list)."""
    known = _LAST_BRACKETS.get(text, _UNKNOWN)
    if known is _UNKNOWN:
        if len(_LAST_BRACKETS) >= _REMEMBERED:
            _LAST_BRACKETS.clear()
        known = _LAST_BRACKETS[text] = _last_bracket_of(text)
    return known  # type: ignore[return-value]


_UNKNOWN = object()
_REMEMBERED = 20_000
_LAST_BRACKETS: dict[str, object] = {}


def _last_bracket_of(text: str) -> tuple[int, int, list[int]] | None:
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


def _comprehension(item: str) -> bool:
    """`_COMPREHENSION` outside the strings and brackets of `item`; a word of `_outer(item)` is a
    word of `item` (its parts are joined by spaces), so an item without the letters (most) has none
    and needs no `_outer` (a long string item costs a scan)."""
    return ("for" in item or "lambda" in item) and _COMPREHENSION.search(_outer(item)) is not None
_STRING_OR_BRACKET = re.compile(r"""[rRbBuUfF]{0,2}(?:"[^"\\\n]*+(?:\\.[^"\\\n]*+)*+"|'[^'\\\n]*+(?:\\.[^'\\\n]*+)*+')|[()\[\]{}]""")


def _outer(item: str) -> str:
    """`item` without its strings and without what its brackets hold (remembered, as `_last_bracket`)."""
    known = _OUTERS.get(item)
    if known is None:
        if len(_OUTERS) >= _REMEMBERED:
            _OUTERS.clear()
        known = _OUTERS[item] = _outer_of(item)
    return known


_OUTERS: dict[str, str] = {}


def _outer_of(item: str) -> str:
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


def explode(text: str, indent: int, strict: bool = False) -> list[str] | None:
    """The physical lines (without indent of the first, with their own indent after) of `text`
    laid out at `indent`, or None when this module does not know how the formatters keep it.
    `strict`: only brackets black too splits one item a line, each with its comma, from the line
    written whole (two items or more, or a trailing comma, that do not fit on one line, as its
    delimiter split does), and then a long one-tuple too (`_long_one_tuple`)."""
    if indent + width(text) <= line_length():
        return [text]
    core = text[:-1] if text.endswith(",") else text
    if unsplittable(core):  # a long string (most items too long here): it has no bracket to split at
        return [text]
    found = _last_bracket(text)
    if found is None:
        return None
    return _exploded_at(text, found, indent, strict)


def _exploded_at(text: str, found: tuple[int, int, list[int]], indent: int, strict: bool = False
                 ) -> list[str] | None:
    """`text` split at the bracket pair `found`, one item a line."""
    opened, closed, commas = found
    head, tail = text[: opened + 1], text[closed:]
    if indent + width(head) > line_length() or not head.strip() or head.count('"""') or head.count("'''"):
        return None
    outer = _outer(head[:-1])
    if _OPERATOR.search(outer.replace("->", " ")) or " ." in outer:
        return None  # the formatters split at an operator, or a method chain at its dots, first
    bounds = [opened, *commas, closed]
    items = [text[bounds[i] + 1 : bounds[i + 1]].strip() for i in range(len(bounds) - 1)]
    ended_with_comma = bool(items) and not items[-1]
    if ended_with_comma:
        items.pop()  # the body already ended with a comma
    if not items or any(not item or _comprehension(item) for item in items):
        return None  # an empty item, or a comprehension or lambda whose commas are not the bracket's
    bracket = text[opened]
    before = head[:-1]
    named = _NAME_END.search(before) is not None and _KEYWORD_END.search(before) is None
    if len(items) == 1 and (bracket == "[" and named or bracket == "(" and not named) and not (
            strict and _long_one_tuple(head, items[0], commas, indent)):
        return None  # a one-item subscript or a parenthesised expression: the comma is not magic there
    if strict and (len(items) == 1 and not ended_with_comma or indent + 4 + width(", ".join(items)) <= line_length()):
        return None
    inner = " " * (indent + 4)
    lines = [head]
    for item in items:
        laid = explode(item + ",", indent + 4, strict)
        if laid is None:
            return None
        lines.append(inner + laid[0])
        lines.extend(laid[1:])
    lines.append(" " * indent + tail)
    return lines


_KEYWORD_TUPLE = re.compile(r"[^\W\d]\w*=\(")
_STRING = re.compile(r"""[rRbBuUfF]{0,2}(?:"[^"\\\n]*+(?:\\.[^"\\\n]*+)*+"|'[^'\\\n]*+(?:\\.[^'\\\n]*+)*+')""")


def _long_one_tuple(head: str, item: str, commas: list[int], indent: int) -> bool:
    """Whether `name=(item,)` is a keyword argument's one-tuple of a string too long for a line of
    its own: its comma is not magic, but nothing can join a line that long, so black explodes it
    at this line length as any bracket (`listen(..., _DDLOn(..., sqlite=('CREATE TRIGGER ...',)))`)."""
    return (bool(commas) and _KEYWORD_TUPLE.fullmatch(head) is not None and _STRING.fullmatch(item) is not None
            and indent + 4 + width(item) + 1 > line_length())


def _top_level(text: str, separator: str) -> list[int]:
    """Offsets of `separator` in `text` outside strings and brackets."""
    found: list[int] = []
    depth, start = 0, 0
    for token in [*_STRING_OR_BRACKET.finditer(text), None]:
        end = token.start() if token is not None else len(text)
        if depth == 0:
            at = text.find(separator, start, end)
            while at != -1:
                found.append(at)
                at = text.find(separator, at + len(separator), end)
        if token is None:
            break
        value = token.group()
        depth += 1 if value in "([{" else -1 if value in ")]}" else 0
        start = token.end()
    return found


def _ends_in_subscript(value: str) -> bool:
    """Whether `value` ends with a subscript (`list[...]`): black then splits at that bracket, or keeps
    the parentheses when a delimiter (a dot) is outside it; which, `rhs.py` works out."""
    found = _last_bracket(value)
    return found is not None and value[found[0]] == "[" and _NAME_END.search(value[: found[0]]) is not None


def _assignment(text: str, indent: int) -> list[str] | None:
    """`target = value` too long for its line, when the value's own brackets cannot take the split:
    the value alone in parentheses (black's own choice, kept by both formatters), else the
    annotation exploded (`name: Annotated[` ... `] = value`, or a union in parentheses, one
    operand a line, its first exploded), which the magic trailing comma keeps."""
    equals = _top_level(text, " = ")
    if len(equals) != 1 or text.endswith(","):
        return None
    target, value = text[: equals[0]], text[equals[0] + 3 :]
    inner, limit = " " * (indent + 4), line_length()
    if _top_level(value, ",") or _OPERATOR.search(_outer(value)) or _comprehension(value):
        return None
    if indent + width(target + " = (") <= limit and value[:1] not in _OPEN and not _ends_in_subscript(value):
        laid = explode(value, indent + 4)
        if laid is not None and (len(laid) > 1 or indent + 4 + width(value) <= limit):
            return [target + " = (", inner + laid[0], *laid[1:], " " * indent + ")"]
    colon = _top_level(target, ": ")
    if len(colon) != 1 or indent + width(f") = {value}") > limit:
        return None
    name, annotation = target[: colon[0]], target[colon[0] + 2 :]
    parts = [part.strip() for part in _split(annotation, _top_level(annotation, " | "), 3)]
    if len(parts) > 1:
        found = _last_bracket(parts[0])
        if found is None or parts[0][found[0]] != "[" or not found[2] or not parts[0].endswith("]"):
            return None
        first = _exploded_at(parts[0], found, indent + 4)  # even if it fits: its magic comma keeps it so
        if first is None or any(indent + 6 + width(part) > limit for part in parts[1:]):
            return None
        return [f"{name}: (", inner + first[0], *first[1:], *(f"{inner}| {part}" for part in parts[1:]),
                " " * indent + f") = {value}"]
    found = _last_bracket(annotation)
    if found is None or annotation[found[0]] != "[" or not annotation.endswith("]") or not found[2]:
        return None
    laid = _exploded_at(f"{name}: {annotation}", (found[0] + len(name) + 2, found[1] + len(name) + 2, [
        comma + len(name) + 2 for comma in found[2]]), indent)
    if laid is None:
        return None
    return [*laid[:-1], " " * indent + f"] = {value}"]


def _split(text: str, offsets: list[int], width_: int) -> list[str]:
    bounds = [0, *offsets, len(text)]
    return [text[bounds[i] + (width_ if i else 0) : bounds[i + 1]] for i in range(len(bounds) - 1)]


_DEF = re.compile(r"(?:(?:async )?def|class) [^\W\d]\w*\(")


def lay_out_header(text: str, indent: int) -> str | None:
    """A `def` (or `class`) header too long for its line, split at its parameters (or bases), as
    both formatters split it: at its first bracket, one item a line with a magic trailing comma;
    None for any other compound header."""
    if "\n" in text or not text.isascii():
        return None
    body = text[indent:]
    match = _DEF.match(body)
    if match is None:
        return None
    opened = match.end() - 1
    depth, closed = 0, -1
    for token in _STRING_OR_BRACKET.finditer(body, opened):
        value = token.group()
        if value in "([{":
            depth += 1
        elif value in ")]}":
            depth -= 1
            if depth == 0:
                closed = token.start()
                break
    if closed < 0:
        return None
    tail = body[closed:]
    if _STRING_OR_BRACKET.search(tail.replace(")", "", 1)) and indent + width(tail) > line_length():
        return None
    if indent + width(tail) > line_length() or "#" in tail or not tail.rstrip().endswith((":", ": ...")):
        return None
    inside = body[opened + 1 : closed]
    params = [part.strip() for part in _split(inside, _top_level(inside, ","), 1)]
    if params and not params[-1]:
        params.pop()
    if not params or any(not p or _comprehension(p) or indent + 4 + width(p) + 1 > line_length()
                         for p in params):
        return None
    inner = " " * (indent + 4)
    return "\n".join([" " * indent + body[: opened + 1], *(f"{inner}{p}," for p in params), " " * indent + tail])


def lay_out(text: str, indent: int) -> str | None:
    """`text` (one logical line, indented by `indent`) laid out to fit, or None."""
    if "\n" in text or not text.isascii():
        return None  # outside ASCII only an upper bound of the formatters' width is known here
    body = text[indent:]
    laid = explode(body, indent)
    if laid is None and ",)" in body:  # a long one-tuple, where black splits as `explode` would
        laid = explode(body, indent, strict=True)
    if laid is None and not body.startswith(("return ", "del ", "assert ", "raise ", "yield ")):
        laid = _assignment(body, indent)
    if laid is None:
        return None
    return " " * indent + "\n".join(laid)
