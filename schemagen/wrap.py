"""Long class-body assignments, wrapped the way black wraps them, so black has nothing left to do.

Two shapes cover most long lines the templates write:

- `name: Annotation = call(arguments)`: black breaks after `call(`, with the arguments on one line
  when they fit, else one per line with a trailing comma;
- `name: Long[Annotation] | None = default` with a plain default: black puts the annotation in
  parentheses on a line of its own.

Anything else, or any part that would not fit, is left on one line for black (`fmt.py` sends it).
`fmt.py` recognises these layouts as black's own; tests compare every output with black's.
"""

from __future__ import annotations

import re

from schemagen.literals import LINE_LENGTH, Code

_PIECES = re.compile(r"""[rRbBuUfF]{0,2}(?:"(?:[^"\\\n]|\\.)*"|'(?:[^'\\\n]|\\.)*')|[()\[\]{}]|,""")
_CALL = re.compile(r"([A-Za-z_]\w*)\(")
PLAIN_VALUE = re.compile(r"""-?[\w.]+|"(?:[^"\\\n]|\\.)*"|'(?:[^'\\\n]|\\.)*'""")


def width(text: str) -> int:
    """Columns as black counts them, bounded from above for non-ASCII (wide characters count 2)."""
    return len(text) if text.isascii() else 2 * len(text)


def fits(indent: int, text: str) -> bool:
    return indent + width(text) <= LINE_LENGTH


def call_arguments(source: str) -> tuple[str, list[str]] | None:
    """(`callee`, top-level arguments) when `source` is exactly `callee(...)`, else None."""
    match = _CALL.match(source)
    if match is None or not source.endswith(")"):
        return None
    depth, start, arguments = 0, match.end(), []
    for token in _PIECES.finditer(source, match.end() - 1):
        text = token.group()
        if text in "([{":
            depth += 1
        elif text in ")]}":
            depth -= 1
            if depth == 0 and token.end() != len(source):
                return None  # `callee(...)` is only the start, e.g. `f(x).y(z)`
        elif text == "," and depth == 1:
            arguments.append(source[start : token.start()].strip())
            start = token.end()
    last = source[start:-1].strip()
    if last:
        arguments.append(last)
    return match.group(1), arguments


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
    return indent + width(f"{name}: {annotation} = (") <= LINE_LENGTH


def assignment(name: str, annotation: str, default: str | None, indent: int) -> Code:
    """`name: annotation = default` as black lays it out at `indent` (continuation lines indented)."""
    value = f" = {default}" if default else ""
    line = f"{name}: {annotation}{value}"
    if fits(indent, line) or not line.isascii():
        # Outside ASCII only an upper bound of black's width is known here, not whether black
        # would wrap the line at all: black decides (fmt.py sends it the line).
        return Code(line)
    inner, outer = " " * (indent + 4), " " * indent
    call = call_arguments(default) if default else None
    if call is not None and call[1]:
        callee, arguments = call
        head = f"{name}: {annotation} = {callee}("
        if fits(indent, head):
            joined = ", ".join(arguments)
            if fits(indent + 4, joined) and not joined.endswith(","):
                return Code(f"{head}\n{inner}{joined}\n{outer})")
            if all(fits(indent + 4, argument + ",") for argument in arguments):
                return Code(head + "\n" + "".join(f"{inner}{argument},\n" for argument in arguments) + outer + ")")
    if (default and PLAIN_VALUE.fullmatch(default) and has_top_level_union(annotation) and fits(indent + 4, annotation)
            and fits(indent, f"){value}") and not prefers_value_split(indent, name, annotation)):
        return Code(f"{name}: (\n{inner}{annotation}\n{outer}){value}")
    return Code(line)
