"""Long class-body assignments, wrapped the way black wraps them, so black has nothing left to do.

Two shapes cover most long lines the templates write:

- `name: Annotation = call(arguments)`: black breaks after `call(`, with the arguments on one line
  when they fit, else one per line with a trailing comma;
- `name: Long[Annotation] | None = default` with a plain default: black puts the annotation in
  parentheses on a line of its own.

Anything else, or any part that would not fit, is left on one line for black (`format/` sends it).
`format/lines.py` recognises these layouts as black's own; tests compare every output with black's.
"""


from __future__ import annotations

from schemagen.codegen.literals import Code
from schemagen.format.style import (
    EMPTY_OR_PLAIN,
    PLAIN_VALUE,
    call_arguments,
    fits,
    has_top_level_union,
    line_length,
    prefers_value_split,
    subscript_items,
    unsplittable,
)

# Each distinct assignment is laid out once: its layout depends only on its parts, the indent and
# the line length. A large package repeats most of them (the same column in many tables).
_LAID_OUT: dict[tuple[str, str, str | None, int, int], Code] = {}
_LAID_OUT_SIZE = 100_000


class CallSource(Code):
    """`callee(argument, ...)` made with its parts at hand (`common.field_call` sets them): `assignment`
    lays a long line out from them instead of parsing the text back (`call_arguments`), which was
    ~8% of rendering models.py (a mapped column's line is too long more often than not)."""

    callee: str
    arguments: list[str]
    """Each top-level argument, as `call_arguments` would find it in the text."""


def _call_parts(source: str) -> tuple[str, list[str]] | None:
    if isinstance(source, CallSource) and source.callee.isidentifier():  # as `call_arguments` reads a callee
        return source.callee, source.arguments
    return call_arguments(source)


def assignment(name: str, annotation: str, default: str | None, indent: int) -> Code:
    """`name: annotation = default` as black lays it out at `indent` (continuation lines indented)."""
    key = (name, annotation, default, indent, line_length())
    known = _LAID_OUT.get(key)
    if known is None:
        if len(_LAID_OUT) >= _LAID_OUT_SIZE:
            _LAID_OUT.clear()
        known = _LAID_OUT[key] = _assignment(name, annotation, default, indent)
    return known


def _assignment(name: str, annotation: str, default: str | None, indent: int) -> Code:
    value = f" = {default}" if default else ""
    line = f"{name}: {annotation}{value}"
    if fits(indent, line) or not line.isascii():
        # Outside ASCII only an upper bound of black's width is known here, not whether black
        # would wrap the line at all: black decides (fmt.py sends it the line).
        return Code(line)
    inner, outer = " " * (indent + 4), " " * indent
    call = _call_parts(default) if default else None
    if call is not None and call[1]:
        callee, arguments = call
        head = f"{name}: {annotation} = {callee}("
        if fits(indent, head):
            joined = ", ".join(arguments)
            if fits(indent + 4, joined) and not joined.endswith(","):
                return Code(f"{head}\n{inner}{joined}\n{outer})")
            if all(fits(indent + 4, argument + ",") or unsplittable(argument) for argument in arguments):
                return Code(head + "\n" + "".join(f"{inner}{argument},\n" for argument in arguments) + outer + ")")
    subscript = subscript_items(annotation)
    if subscript is not None and len(subscript[1]) > 1 and (not default or EMPTY_OR_PLAIN.fullmatch(default)):
        # `name: Annotated[T, Field(...)] = {}`: black explodes the subscript, one item per line
        head, items = f"{name}: {subscript[0]}[", subscript[1]
        if (fits(indent, head) and not fits(indent + 4, ", ".join(items)) and fits(indent, f"]{value}")
                and all(fits(indent + 4, item + ",") or unsplittable(item) for item in items)):
            return Code(head + "\n" + "".join(f"{inner}{item},\n" for item in items) + outer + f"]{value}")
    if (default and PLAIN_VALUE.fullmatch(default) and has_top_level_union(annotation) and fits(indent + 4, annotation)
            and fits(indent, f"){value}") and not prefers_value_split(indent, name, annotation)):
        return Code(f"{name}: (\n{inner}{annotation}\n{outer}){value}")
    return Code(line)
