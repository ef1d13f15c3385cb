"""Logical lines of a rendered module: where each statement starts and ends, found per physical
line with string methods where that is safe, token by token where strings go on over lines
(`_logical_lines_by_tokens` is the reference the tests hold the fast splitter to)."""

from __future__ import annotations

import re
from collections.abc import Iterator
from typing import NamedTuple

from schemagen.format.style import FormatError

_TOKEN = re.compile(
    r"""
      (?P<string>[rRbBuUfF]{0,2}(?:
            \"\"\"(?:[^"\\]|\\.|"(?!""))*\"\"\"
          | '''(?:[^'\\]|\\.|'(?!''))*'''
          | "[^"\\\n]*(?:\\.[^"\\\n]*)*"
          | '[^'\\\n]*(?:\\.[^'\\\n]*)*'))
    | (?P<comment>\#[^\n]*)
    | (?P<open>[(\[{])
    | (?P<close>[)\]}])
    | (?P<newline>\n)
    """,
    re.VERBOSE | re.DOTALL,
)


class _Line(NamedTuple):
    """One logical line: `text` without its final newline, `indent` in spaces (a named tuple: a
    module has tens of thousands, and a frozen dataclass costs several times more to make)."""

    text: str
    indent: int
    physical: int
    multiline_string: bool


def _logical_lines(source: str) -> Iterator[_Line]:
    """The logical lines of `source`. Most physical lines hold one whole statement, so brackets are
    counted per line with C-speed string methods (once per distinct line text: most recur, every
    table has an `id`); a line with a triple quote (a docstring) is scanned token by token instead,
    unless it is a one-line docstring with no other quote or backslash."""
    if source and not source.endswith("\n"):
        raise FormatError("source does not end with a newline")
    physical = source.split("\n")[:-1]
    whole: dict[str, int] = {}  # by line text: its indent if it is a logical line alone, else -1
    nets: dict[str, int] = {}  # net bracket count by line text, for the lines that are not
    new = tuple.__new__  # (a named tuple's own `__new__` is a Python function: a call more a line)
    offset = 0  # of physical[index] in source
    index = 0
    count = len(physical)
    while index < count:
        line = physical[index]
        indent = whole.get(line)
        if indent is None:
            indent = whole[line] = _alone(line)
        if indent >= 0:
            yield new(_Line, (line, indent, 1, False))
            offset += len(line) + 1
            index += 1
            continue
        logical, index, offset = _spanning(source, physical, index, offset, nets)
        yield logical


def _spanning(source: str, physical: list[str], index: int, offset: int, nets: dict[str, int]
              ) -> tuple[_Line, int, int]:
    """The logical line that starts at `physical[index]` (at `offset` in `source`) and is not that
    physical line alone, with the index and offset of the line after it."""
    first, start, depth = index, offset, 0
    count = len(physical)
    while True:
        if index == count:
            raise FormatError("unbalanced brackets")
        line = physical[index]
        if '"""' in line or "'''" in line:
            scanned = _docstring(physical, index) if index == first else None
            scanned = scanned or _scan_one(source, start)
            return scanned, first + scanned.physical, start + len(scanned.text) + 1
        net = nets.get(line)
        if net is None:
            net = nets[line] = _net(line)
        depth += net
        offset += len(line) + 1
        index += 1
        if depth == 0 and not line.endswith("\\"):
            text = line if index - first == 1 else "\n".join(physical[first:index])
            return tuple.__new__(_Line, (text, len(text) - len(text.lstrip(" ")), index - first, False)), index, offset


def _net(line: str) -> int:
    if not _has_bracket(line):
        return 0
    bare = _bare(line)
    return (bare.count("(") + bare.count("[") + bare.count("{")
            - bare.count(")") - bare.count("]") - bare.count("}"))


def _bare(line: str) -> str:
    """`line` with the same brackets as outside its strings (single-line, any prefix) and comment:
    between pairs of double quotes when it has no other quote, comment or backslash (most lines);
    else by the regex without its string prefixes, letters that hold no bracket (found about twice
    as fast: each match starts with a quote or `#`)."""
    if '"' not in line and "'" not in line and "#" not in line:
        return line
    if "'" not in line and "#" not in line and "\\" not in line:
        pieces = line.split('"')
        if len(pieces) % 2:  # (an even number of quotes: each string is one piece)
            return "".join(pieces[::2])
    return _STRINGS_AND_COMMENT.sub("", line)


_STRINGS_AND_COMMENT = re.compile(r""""[^"\\\n]*+(?:\\.[^"\\\n]*+)*+"|'[^'\\\n]*+(?:\\.[^'\\\n]*+)*+'|\#[^\n]*""")


def _has_bracket(line: str) -> bool:
    """Whether `line` has a bracket: six searches for one character each (memchr) are many times
    cheaper than a regex character class, which tests each character in turn (most lines have none)."""
    return "(" in line or ")" in line or "[" in line or "]" in line or "{" in line or "}" in line


def _docstring(physical: list[str], index: int) -> _Line | None:
    """The multi-line docstring that starts at `physical[index]`, when it has no other double
    quote than its six and no backslash (what `_scan_one` would find, without a token scan)."""
    line = physical[index]
    stripped = line.lstrip(" ")
    if not stripped.startswith('"""') or line.count('"') != 3 or "\\" in line or "'''" in line:
        return None
    end = index + 1
    while end < len(physical):
        line = physical[end]
        if "\\" in line or "'''" in line:
            return None
        quotes = line.count('"')
        if quotes == 3 and line.endswith('"""'):
            text = "\n".join(physical[index : end + 1])
            return _Line(text, len(physical[index]) - len(stripped), end + 1 - index, True)
        if quotes:
            return None
        end += 1
    return None


def _alone(line: str) -> int:
    """The indent of a physical line that is a whole logical line by itself (brackets balanced, no
    continuation, no string that goes on: a one-line docstring has its six double quotes and no
    other, and no backslash), else -1."""
    if line.endswith("\\") or "'''" in line:
        return -1
    stripped = line.lstrip(" ")
    if '"""' in line:
        if (line.count('"') != 6 or "\\" in line or not stripped.startswith('"""')
                or not line.endswith('"""') or len(stripped) < 6):
            return -1
    elif _net(line):
        return -1
    return len(line) - len(stripped)




def _scan_end(source: str, start: int) -> int:
    """Offset of the newline that ends the logical line starting at `start` (token by token)."""
    depth = 0
    for match in _TOKEN.finditer(source, start):
        kind = match.lastgroup
        if kind == "newline":
            if not depth and source[match.start() - 1 : match.start()] != "\\":
                return match.start()
        elif kind == "open":
            depth += 1
        elif kind == "close":
            depth -= 1
    raise FormatError("unbalanced brackets or an unterminated string")


def _scan_one(source: str, start: int) -> _Line:
    end = _scan_end(source, start)
    text = source[start:end]
    stripped = text.lstrip(" ")
    multiline = any("\n" in match.group() for match in _TOKEN.finditer(text) if match.lastgroup == "string")
    return _Line(text, len(text) - len(stripped), text.count("\n") + 1, multiline)


def _logical_lines_by_tokens(source: str) -> Iterator[_Line]:
    """The reference splitter (token by token over everything); the tests hold the fast one to it."""
    depth = 0
    start = 0
    multiline = False
    for match in _TOKEN.finditer(source):
        kind = match.lastgroup
        if kind == "newline":
            if depth or source[match.start() - 1 : match.start()] == "\\":
                continue
            text = source[start : match.start()]
            stripped = text.lstrip(" ")
            yield _Line(text, len(text) - len(stripped), text.count("\n") + 1, multiline)
            start = match.end()
            multiline = False
        elif kind == "open":
            depth += 1
        elif kind == "close":
            depth -= 1
        elif kind == "string" and "\n" in match.group():
            multiline = True
    if start < len(source):
        raise FormatError("source does not end with a newline")
    if depth:
        raise FormatError("unbalanced brackets")
