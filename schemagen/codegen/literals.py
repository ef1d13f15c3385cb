"""The injection boundary: the only ways a value from a spec reaches generated source.

`Code` marks text that is already Python source built by schemagen itself. A spec value becomes
source only through `literal()` (a `repr`-based literal) or `docstring()`; names become source only
after `names.py` has checked them. The template environment refuses anything that is not `Code`.
"""

from __future__ import annotations

import datetime
import decimal
import re
import uuid
from collections.abc import Sequence
from typing import Any, Callable

from schemagen.format.style import line_length


class Code(str):
    """A fragment of generated Python source, safe to paste into a template."""

    __slots__ = ()


def literal(value: Any, *, module: Callable[[str], str] | None = None) -> Code:
    """Python source for a plain value; `module` gives the local import name of a module it needs."""
    if type(value) is str:  # most values by far (a 300-table build asks for ~50,000)
        return string(value)
    local = module or (lambda name: name)
    if value is None or isinstance(value, bool):
        return Code(repr(value))
    if isinstance(value, int):
        return Code(repr(int(value)))
    if isinstance(value, float):
        return Code(_float(float(value)))
    if isinstance(value, str):
        return Code(string(value))
    if isinstance(value, decimal.Decimal):
        return Code(f"{local('decimal')}.Decimal({string(str(value))})")
    if isinstance(value, uuid.UUID):
        return Code(f"{local('uuid')}.UUID({string(str(value))})")
    if isinstance(value, (datetime.date, datetime.time, datetime.timedelta)):
        return Code(_datetime_literal(value, local("datetime")))
    if isinstance(value, list):
        return Code("[" + ", ".join(literal(item, module=module) for item in value) + "]")
    if isinstance(value, dict):
        items = ", ".join(f"{literal(str(k))}: {literal(v, module=module)}" for k, v in value.items())
        return Code("{" + items + "}")
    raise TypeError(f"no literal form for {type(value).__name__}")


def from_import(module: str, names: Sequence[str]) -> Code:
    """`from module import a, b` on one line if it fits, else one name per line as black writes it."""
    line = f"from {module} import {', '.join(names)}"
    if len(line) <= line_length():
        return Code(line)
    return Code(f"from {module} import (\n" + "".join(f"    {name},\n" for name in names) + ")")


def string(value: str) -> Code:
    """`repr(value)` with black's choice of quotes: double, unless that needs more backslashes.

    The rule is black's `normalize_string_quotes`, so generated lines are black-clean as written.
    """
    known = _STRINGS.get(value)
    if known is None:
        if len(_STRINGS) >= _STRINGS_SIZE:
            _STRINGS.clear()
        known = _STRINGS[value] = Code(_string(value))
    return known


# A large package asks for the same few strings many times (column names, defaults, messages).
_STRINGS: dict[str, Code] = {}
_STRINGS_SIZE = 100_000


def _string(value: str) -> str:
    source = repr(value)
    if source[0] == '"':
        return source  # repr chose double quotes: the text has a `'` and no `"`
    singles, doubles = value.count("'"), value.count('"')
    if doubles > singles:
        # double quotes would escape each `"` and spare each `\'`: more backslashes, so black keeps `'`
        return source
    # In repr's body every `'` is escaped (`\'`, its backslash right before it) and no `"` is: undo
    # the one and escape the other, which black prefers when that adds no backslash.
    return '"' + source[1:-1].replace("\\'", "'").replace('"', '\\"') + '"'


def _float(value: float) -> str:
    """`repr(value)` as black writes numbers: `1e16`, not `1e+16`."""
    text = repr(value)
    if text in ("inf", "-inf", "nan"):
        raise ValueError(f"no literal form for the float {text}")
    return text.replace("e+", "e")


def _datetime_literal(value: Any, module: str) -> str:
    # repr() gives `datetime.datetime(2024, 1, 2, tzinfo=datetime.timezone.utc)`; every reference to
    # the module takes its local import name.
    return re.sub(r"\bdatetime\.(?=(?:date|time|datetime|timedelta|timezone)\b)", module + ".", repr(value))


_DOC_ESCAPES = {
    "\\": "\\\\",
    '"': '\\"',
    "\r": "\\r",
    "\x00": "\\x00",
    "\u2028": "\\u2028",
    "\u2029": "\\u2029",
    "\t": "\\t",
    "\x0b": "\\x0b",
    "\x0c": "\\x0c",
    "\x1c": "\\x1c",
    "\x1d": "\\x1d",
    "\x1e": "\\x1e",
    "\x85": "\\x85",
}
_DOC_TRANSLATION = str.maketrans(_DOC_ESCAPES)  # one C pass a line instead of a lookup a character


def docstring(text: str, indent: int = 0) -> Code:
    """A triple-quoted docstring that `inspect.getdoc()` reads back as `text` (newlines kept).

    black rewrites docstrings (strips trailing spaces, pads a closing quote, indents the lines after
    the first to the docstring's own `indent`); escaping the few characters it would touch and
    writing that indentation keeps the content exact and the output as black leaves it.
    """
    escaped = text.translate(_DOC_TRANSLATION)  # one pass over the text: no escape is a newline
    lines = escaped.split("\n")
    if " \n" in escaped or escaped.endswith(" "):  # few docstrings have a line ending with a space
        lines = [line[:-1] + "\\x20" if line.endswith(" ") else line for line in lines]
    if lines[0].startswith(" "):  # black strips a docstring's leading space
        lines[0] = "\\x20" + lines[0][1:]
    if len(lines) > 1 and indent:  # continuation lines at the docstring's indent, blank ones empty
        prefix = " " * indent
        last = len(lines) - 1
        lines = [lines[0], *(prefix + line if line or number == last else "" for number, line in enumerate(lines[1:], 1))]
    body = "\n".join(lines)
    if body.endswith('\\"'):
        body = body[:-2] + "\\x22"
    if len(lines) > 1:  # closing quotes on a line of their own: black moves them there from a line too
        body += "\n" + " " * indent  # long, and never back, so this holds at every line length
    return Code(f'"""{body}"""')


def comment(text: str) -> Code:
    """A one-line `#` comment; anything that would end the line is escaped.

    `#` and `;` are escaped too: black reads `# fmt: off` (alone, after another `#`, or in a `;` list)
    as an order, and a trailing space would be stripped.
    """
    escaped = repr(text)[1:-1].replace("#", "\\x23").replace(";", "\\x3b")
    if escaped.endswith(" "):
        escaped = escaped[:-1] + "\\x20"
    return Code("# " + escaped)
