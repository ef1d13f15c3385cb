"""Cutting a rendered module into logical lines: each one proven black-clean, or a piece for black.

A line is kept as written when it is one physical line that fits (width counted as black counts
it), a block exploded one item per line with magic trailing commas, one of the two wrapped layouts
of `codegen/wrap.py`, or a plain one-line docstring. What is left becomes a `Piece`.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from itertools import accumulate
from typing import Any

from schemagen.format.layout import lay_out, lay_out_header
from schemagen.format.logical import _alone, _bare, _has_bracket, _Line, _spanning
from schemagen.format.logical import _logical_lines as _logical_lines  # (tests and bench/stages.py use it from here)
from schemagen.format.logical import _logical_lines_by_tokens as _logical_lines_by_tokens
from schemagen.format.rhs import split
from schemagen.format.style import (
    line_length,
    PLAIN_VALUE,
    EMPTY_OR_PLAIN,
    FormatError,
    has_top_level_union,
    prefers_value_split,
    str_width,
    unsplittable,
)

_COMPOUND = re.compile(r"(?:class|def|async|if|elif|else|for|while|try|except|finally|with|match|case)\b|@")
# `"""`, then characters other than a quote, backslash or newline, a backslash and the character
# after it, or a quote not followed by two more, then `"""`: runs of the first kind taken whole and
# possessively (each character allows one of the three kinds only, so nothing is ever given back),
# not one alternation a character (five times as fast over a package's docstrings)
_DOCSTRING = re.compile(r'"""[^"\\\n]*+(?:(?:\\[^\n]|"(?!""))[^"\\\n]*+)*+"""')
_SIMPLE_DOC_BODY = re.compile(r"[^\s\"\\](?:.*[^\s\"\\])?|\\.*[^\s\"\\]")


def _fits(line: _Line, limit: int) -> bool:
    return line.physical == 1 and (len(line.text) <= limit if line.text.isascii() else str_width(line.text) <= limit)


_OPENERS = {"(": ")", "[": "]", "{": "}"}
_NAME_END = re.compile(r"[\w\])]$")


def _balance(text: str) -> tuple[int, str]:
    """Net bracket count of one physical line (strings and comments skipped), and its last bracket."""
    known = _BALANCES.get(text)
    if known is None:
        if len(_BALANCES) >= _LAID_OUT_SIZE:
            _BALANCES.clear()
        known = _BALANCES[text] = _balance_of(text)
    return known


# the lines of exploded statements recur even more than whole lines (`nullable=False,`, `),`)
_BALANCES: dict[str, tuple[int, str]] = {}


def _balance_of(text: str) -> tuple[int, str]:
    if not _has_bracket(text):
        return 0, ""
    bare = _bare(text)
    net = bare.count("(") + bare.count("[") + bare.count("{") - bare.count(")") - bare.count("]") - bare.count("}")
    last = _LAST_BRACKET.search(bare)
    return net, last.group(1) if last else ""


_LAST_BRACKET = re.compile(r"([()\[\]{}])[^()\[\]{}]*$")
_TRAILER = re.compile(r"""\.[^\W\d]\w*\((?:[^()\[\]{}"'\\]|"[^"\\\n]*")*\)""")


def _exploded(line: _Line) -> bool:
    """Whether a multi-line statement is in the form black keeps: every bracket that spans lines
    ends its first line, holds one item per line (each fitting) with a trailing comma, and closes
    alone on its own line (an outermost subscript may close as `] = default`, a plain value or an
    empty display: `name: Annotated[T, Field(...)] = {}`); a magic trailing comma makes black leave
    exactly that."""
    physical = line.text.split("\n")
    closing = physical[-1].strip()
    if closing not in (")", "]", "}") and not (closing.startswith("] = ") and EMPTY_OR_PLAIN.fullmatch(closing[4:])):
        return False
    limit = line_length()
    if any(text != text.rstrip() or (len(text) > limit if text.isascii() else str_width(text) > limit) and not (
            text.endswith(",") and unsplittable(text.strip()[:-1])) for text in physical):
        return False  # a line too long is an item black cannot split (a long string)
    # per bracket: [indent, closer, items, an item spans lines] (lists: the items counted in place)
    stack: list[list[Any]] = []
    one_tuples: set[int] = set()  # depths of `(` that open a tuple, not a call
    last_number = len(physical) - 1
    for number, text in enumerate(physical):
        stripped = text.lstrip(" ")
        indent = len(text) - len(stripped)
        if stack and stripped[:1] in ")]}":
            opened_at, closer, items, block = stack.pop()
            expected = closer + ("," if stack else "")
            if not stack and number == last_number and closer == "]" and len(stack) in one_tuples:
                expected = closing  # `] = default` after a subscript (checked above)
            if stripped != expected and stack and closer == ")" and len(stack) not in one_tuples:
                # a call's trailer after its closing bracket (`).ddl_if(dialect="postgresql"),`)
                trailer = _TRAILER.fullmatch(stripped[1:-1]) if stripped.endswith(",") else None
                expected = stripped if trailer is not None else expected
            if stripped != expected or indent != opened_at or items == 0 or not physical[number - 1].endswith(","):
                return False
            # black does not count the comma of a one-tuple or one-item subscript as magic, but it
            # cannot join a one-tuple whose item spans lines itself either, nor one too long joined
            if items == 1 and len(stack) in one_tuples and not (block and closer == ")"):
                joined = physical[0] + "".join(text.strip() for text in physical[1:])
                if stack or len(physical) != 3 or closer != ")" or str_width(joined) <= line_length():
                    return False
            one_tuples.discard(len(stack))
            if stack:
                top = stack[-1]
                top[2] += 1
                top[3] = True
            continue
        if number and (not stack or indent != stack[-1][0] + 4):
            return False
        net, last = _BALANCES.get(stripped) or _balance(stripped)
        if net == 1 and stripped[-1] == last and last in _OPENERS:
            head = stripped[:-1]
            in_import = last == "(" and head.rstrip().endswith(" import")  # magic there, from one name
            if (last == "(" and not _NAME_END.search(head) and not in_import) or (
                    last == "[" and _NAME_END.search(head)):
                one_tuples.add(len(stack))  # a tuple or a subscript: its trailing comma is magic from 2 items
            stack.append([indent, _OPENERS[last], 0, False])
        elif net != 0 or (number and not stripped.endswith(",")):
            return False
        elif stack:
            stack[-1][2] += 1
    return not stack and len(physical) > 1


_CALL_HEAD = re.compile(r"[^\W\d]\w*(?:: .+)? = [^\W\d][\w.]*\(")
_ANNOTATION_HEAD = re.compile(r"[^\W\d]\w*: \(")


def _black_wrapped(line: _Line) -> bool:
    """Whether a three-line statement is laid out as black lays out the too-long one-liner it
    stands for (the two shapes `wrap.py` writes): `name: T = call(` + arguments + `)`, or
    `name: (` + annotation with a top-level `|` + `) = plain default`."""
    if line.physical != 3:
        return False  # (before splitting: a long statement's text is long, RELATIONS is 400 KB at 300 tables)
    physical = line.text.split("\n")
    if any(str_width(text) > line_length() or text != text.rstrip() for text in physical):
        return False
    indent = line.indent
    first, body, last = (text[indent:] for text in physical)
    if not body.startswith("    ") or body[4:5] in (" ", "") or physical[2][:indent].strip():
        return False
    body = body[4:]
    if _balance(body)[0] != 0 or body.endswith(","):
        return False
    if _CALL_HEAD.fullmatch(first) and last == ")":
        net, opener = _balance(first)
        return net == 1 and opener == "(" and str_width(physical[0] + body + ")") > line_length()
    if _ANNOTATION_HEAD.fullmatch(first) and last.startswith(") = ") and PLAIN_VALUE.fullmatch(last[4:]):
        one_line = f"{first[:-1]}{body}{last[1:]}"
        return (has_top_level_union(body) and indent + str_width(one_line) > line_length()
                and not prefers_value_split(indent, first[:-3], body))
    return False


def _is_docstring(line: _Line) -> bool:
    return line.text.lstrip(" ").startswith('"""')


def _proven_docstring(line: _Line) -> bool:
    """A one-line docstring black leaves alone: no edge whitespace, quote or odd backslash; or a
    multi-line one in the form black gives it (`_proven_multiline_docstring`)."""
    text = line.text.lstrip(" ")
    if line.physical > 1:
        return _proven_multiline_docstring(line)
    if not _DOCSTRING.fullmatch(text):  # black wraps no docstring: one too long for its line stays
        return False
    body = text[3:-3]
    return bool(body) and _SIMPLE_DOC_BODY.fullmatch(body) is not None and not _odd_trailing_backslashes(body)


_MULTILINE_DOCSTRING = re.compile(r'"""(?:[^"\\\t]|\\[^\s]|"(?!""))*"""', re.DOTALL)


def _proven_multiline_docstring(line: _Line) -> bool:
    """A multi-line docstring as black writes it (its `fix_multiline_docstring`): the first line
    stripped, every other line at the docstring's indent exactly (the smallest indent of the lines
    with text is that indent), no trailing whitespace, blank lines empty, and the closing quotes
    after text or alone at the indent; no tab, no backslash before a line end or a space, no
    character other than `\n` that `str.splitlines` breaks at."""
    indent = line.indent
    text = line.text[indent:]
    if indent % 4 or not _one_string(text):
        return False
    body = text[3:-3]
    lines = body.split("\n")
    if (body + ".").splitlines() != (body + ".").split("\n") or len(lines) < 2:  # (a final "\n" too)
        return False
    first, rest, prefix = lines[0], lines[1:], " " * indent
    if first != first.strip() or first.startswith('"'):
        return False  # (an empty first line black keeps: it strips that line, and only that line)
    with_text = [part for part in rest if part.strip()]
    if not with_text or not any(part[indent : indent + 1] not in (" ", "") for part in with_text):
        return False  # no line sets the indent, or every line is indented further (black takes it off)
    for number, part in enumerate(rest, 1):
        if part.strip():
            if not part.startswith(prefix) or part != part.rstrip():
                return False
        elif part != (prefix if number == len(lines) - 1 else ""):
            return False
    last = lines[-1]
    if last.strip():  # the closing quotes after text: black moves them when the line gets too long
        return not last.endswith('"') and not _odd_trailing_backslashes(last) and len(last) + 3 <= line_length()
    return True


def _one_string(text: str) -> bool:
    """`_MULTILINE_DOCSTRING.fullmatch(text)`, without the regex for the common case: no backslash
    and no tab, so the string is what lies between its first triple quote and the next one."""
    if "\\" in text or "\t" in text:
        return _MULTILINE_DOCSTRING.fullmatch(text) is not None
    return len(text) >= 6 and text.startswith('"""') and text.endswith('"""') and '"""' not in text[3:-1]


def _odd_trailing_backslashes(body: str) -> bool:
    return (len(body) - len(body.rstrip("\\"))) % 2 == 1


# Pieces: what black must see ------------------------------------------------------------------

STATEMENT, DOCSTRING, TOP_LEVEL = "statement", "docstring", "top-level"


@dataclass(frozen=True)
class Piece:
    """Source black must format: a simple statement or docstring at `depth`, or a top-level chunk."""

    kind: str
    depth: int
    text: str  # dedented to its own depth for statements and docstrings


Part = str | Piece


def cut(source: str, chunks: list[tuple[int, str]] | None = None) -> list[Part]:
    """`source` as proven text (kept) and pieces (for black), in order; each top-level statement
    is also added to `chunks` with its first line number, when given."""
    return _merge_text([part for _, parts in cut_statements(source, chunks) for part in parts])


def cut_statements(source: str, chunks: list[tuple[int, str]] | None = None, *,
                   after_statement: bool = False) -> list[tuple[str, list[Part]]]:
    """`cut`, top-level statement by statement: each one's source text (with the comments and blank
    lines after it) and its parts. `after_statement`: `source` is the rest of a module after a
    statement, so a string at its start is no module docstring (`format/reuse.py` cuts a module's
    changed statements alone).

    Most lines are plain (`_code`): a logical line alone, kept as written wherever it stands. Only
    the others are looked at one by one (`_Statement.odd`); a statement of plain lines alone is kept
    whole, and what a line's neighbours decide (where a statement starts, whether a string opens a
    block) is looked up backwards from the few lines it matters to."""
    if source and not source.endswith("\n"):
        raise FormatError("source does not end with a newline")
    physical = source.split("\n")
    physical.pop()
    # offsets[index] + index: where physical[index] starts in source
    offsets = list(accumulate(map(len, physical), initial=0))
    statement = _Statement(source, physical, offsets, line_length())
    statements: list[tuple[str, list[Part]]] = []
    statement_seen = after_statement
    codes, spanning = statement.codes, statement.spanning
    nets: dict[str, int] = {}  # by line text: its net bracket count (`_spanning`)
    code_of = codes.get
    limit = statement.limit
    resume = 0  # the first physical line not yet taken by a logical line
    for index, line in enumerate(physical):
        if index < resume:
            continue
        code = code_of(line)
        if code is None:
            code = codes[line] = _code(line, limit)
        if code & _PLAIN_OR_TOP == _PLAIN:
            continue  # (most lines)
        if code & _TOP and not statement.continued_by(index, code):
            if index > statement.first:
                statement_seen = statement.flush(index, chunks, statement_seen, statements)
            statement.start(index)
        if code & _PLAIN:
            continue
        if code & _ALONE:
            statement.odd.append((tuple.__new__(_Line, (line, code >> _INDENT, 1, False)), index))
            continue
        logical, resume, _ = _spanning(source, physical, index, offsets[index] + index, nets)
        spanning[resume - 1] = logical
        statement.odd.append((logical, index))
    if len(physical) > statement.first:
        statement.flush(len(physical), chunks, statement_seen, statements)
    return statements


# What a physical line is to `cut_statements` (`_code`): bits, and its indent above them
_ALONE = 1  # a logical line by itself
_PLAIN = 2  # alone, and kept as written wherever it stands: it fits (or is blank or a comment), no docstring
_BLANK = 4  # nothing but whitespace
_COMMENT = 8  # a comment (after its indent)
_TOP = 16  # at column 0, not blank: starts a top-level statement, or continues one (`_CLAUSE_LINE`)
_CLAUSE_LINE = 32  # another clause of a compound statement (`else:`, `except ...:`)
_DECORATOR = 64  # a decorator at column 0: the statement goes on after it
_INDENT = 7
_PLAIN_OR_TOP = _PLAIN | _TOP
_CLAUSE = re.compile(r"(?:else|elif|except|finally)\b")


def _code(line: str, limit: int) -> int:
    indent = _alone(line)
    stripped = line.lstrip(" ")
    blank = not line.strip()
    comment = stripped.startswith("#")
    code = (_BLANK if blank else 0) | (_COMMENT if comment else 0)
    if indent >= 0:
        code |= _ALONE
        # what `_classify` keeps as it is and `_needs_whole` passes by, whatever the lines around it
        if not stripped.startswith('"""') and (
                blank or comment or (len(line) <= limit if line.isascii() else str_width(line) <= limit)):
            code |= _PLAIN
    else:
        indent = len(line) - len(stripped)  # (a line that goes on has a bracket, quote or backslash)
    if indent == 0 and not blank:
        code |= _TOP
        if _CLAUSE.match(line):
            code |= _CLAUSE_LINE
        if line.startswith("@"):
            code |= _DECORATOR
    return code | indent << _INDENT


class _Statement:
    """The top-level statement `cut_statements` is at: its first physical line, and its logical
    lines that are not plain (`odd`, each with the index of its first physical line)."""

    def __init__(self, source: str, physical: list[str], offsets: list[int], limit: int) -> None:
        self.source, self.physical, self.offsets, self.limit = source, physical, offsets, limit
        self.codes: dict[str, int] = {}  # by line text: what `_code` says of it
        self.spanning: dict[int, _Line] = {}  # logical lines of several physical lines, by their last
        self.first = 0
        self.top = False  # the statement starts with a top-level line (not: blank lines before the first)
        self.odd: list[tuple[_Line, int]] = []

    def start(self, index: int) -> None:
        self.first, self.top, self.odd = index, True, []

    def offset(self, index: int) -> int:
        return self.offsets[index] + index

    def _before(self, index: int) -> tuple[_Line | None, int, int]:
        """The logical line that ends just before physical line `index` within the statement: the
        line if it spans physical lines (else None), the code of its first physical line, and the
        index of that line; (None, 0, -1) at the statement's start."""
        if index <= self.first:
            return None, 0, -1
        logical = self.spanning.get(index - 1)
        if logical is None:
            return None, self.codes[self.physical[index - 1]], index - 1
        first = index - logical.physical
        return logical, self.codes[self.physical[first]], first

    def continued_by(self, index: int, code: int) -> bool:
        """Whether the top-level line at `index` belongs to the statement before it: what follows a
        decorator, or another clause (`else:`, `except ...:`) of the same compound statement."""
        logical, before, at = self._before(index)
        while at >= 0 and logical is None and before & _BLANK:
            logical, before, at = self._before(at)
        if at < 0:
            return False
        return bool(before & _DECORATOR or code & _CLAUSE_LINE)

    def _first_in_block(self, line: _Line, index: int) -> bool:
        """Whether the logical line at `index` opens an indented block (where a string is a
        docstring): it is indented further than the statement's line before it that is not blank
        nor a comment."""
        logical, before, at = self._before(index)
        while at >= 0:
            if logical is None:
                if not before & (_BLANK | _COMMENT):
                    return line.indent > before >> _INDENT
            elif not logical.text.lstrip(" ").startswith("#"):
                return line.indent > logical.indent
            logical, before, at = self._before(at)
        return False

    def flush(self, end: int, chunks: list[tuple[int, str]] | None, statement_seen: bool,
              statements: list[tuple[str, list[Part]]]) -> bool:
        """The statement, which ends before physical line `end`, cut and added to `statements`;
        whether a statement has been seen (other than comments) after it."""
        begin = self.offset(self.first)
        text = self.source[begin : self.offset(end)]
        if chunks is not None and self.top:
            chunks.append((self.first + 1, text))
        parts: list[Part] = self._parts(text, end, statement_seen) if self.odd else [text]
        statements.append((text, parts))
        return statement_seen or not text.startswith("#")

    def _parts(self, text: str, end: int, statement_seen: bool) -> list[Part]:
        if text.startswith("#"):
            return [text]  # a top-level comment and blank lines
        limit, source = self.limit, self.source
        odd = self.odd
        head, head_index = odd[0]
        if head_index == self.first and _is_docstring(head) and not statement_seen:
            after = self.offset(head_index + head.physical)
            parts: list[Part] = [head.text + "\n" if _proven_docstring(head) else Piece(DOCSTRING, 0, head.text + "\n")]
            if after < self.offset(end):
                parts.append(source[after : self.offset(end)])
            return parts
        first_in_block = [False] * len(odd)
        for number, (line, index) in enumerate(odd):
            # where a string is a docstring matters only to a docstring or a multi-line string
            if line.multiline_string or _is_docstring(line):
                first_in_block[number] = self._first_in_block(line, index)
        if _needs_whole(odd, first_in_block, limit):
            last = end  # the statement without the blank lines after it
            while last > self.first and self.spanning.get(last - 1) is None and (
                    self.codes[self.physical[last - 1]] & _BLANK):
                last -= 1
            cut_at = self.offset(last)
            parts = [Piece(TOP_LEVEL, 0, source[self.offset(self.first) : cut_at])]
            if cut_at < self.offset(end):
                parts.append(source[cut_at : self.offset(end)])
            return parts
        parts = []
        kept: list[str] = []  # text since the last piece
        position = self.offset(self.first)
        for number, (line, index) in enumerate(odd):
            begin = self.offset(index)
            if begin > position:
                kept.append(source[position:begin])
            position = self.offset(index + line.physical)
            part = _classify(line, first_in_block[number], limit)
            if isinstance(part, str):
                kept.append(part)
            else:
                if kept:
                    parts.append("".join(kept))
                    kept = []
                parts.append(part)
        if position < self.offset(end):
            kept.append(source[position : self.offset(end)])
        if kept:
            parts.append("".join(kept))
        return parts


def _needs_whole(odd: list[tuple[_Line, int]], first_in_block: list[bool], limit: int) -> bool:
    """Whether black must see the whole top-level statement: a compound header does not fit, or a
    multi-line string is not a docstring (black's view of either depends on what surrounds it).
    Only the statement's lines that are not plain are given (neither can be said of the others)."""
    for number, (line, _) in enumerate(odd):
        if (not _fits(line, limit) and _COMPOUND.match(line.text.lstrip(" "))
                and lay_out_header(line.text, line.indent) is None and not _exploded_header(line)):
            return True
        if line.multiline_string and not (first_in_block[number] and _is_docstring(line)):
            return True
    return False


def _exploded_header(line: _Line) -> bool:
    """Whether a multi-line `def` header is in the form `lay_out_header` writes (one parameter a
    line, magic trailing comma), which black and ruff keep at any line length."""
    physical = line.text.split("\n")
    if len(physical) < 3 or not physical[0].endswith("(") or line.multiline_string:
        return False
    inner = " " * (line.indent + 4)
    params = physical[1:-1]
    if any(not p.startswith(inner) or p[len(inner)] == " " or not p.endswith(",") for p in params):
        return False
    joined = physical[0] + ", ".join(p[len(inner) : -1] for p in params) + physical[-1].lstrip(" ")
    return lay_out_header(joined, line.indent) == line.text


def _classify(line: _Line, first_in_block: bool, limit: int) -> Part:
    text = line.text
    if first_in_block and _is_docstring(line):
        if _proven_docstring(line):
            return text + "\n"
        return Piece(DOCSTRING, line.indent // 4, text[line.indent :] + "\n")  # inner lines as they are
    if _fits(line, limit) or not text.strip() or text.lstrip(" ").startswith("#") and line.physical == 1:
        return text + "\n"  # (blank lines and comments: black keeps both as the templates write them)
    depth = line.indent // 4
    key = (text, limit)
    known = _LAID_OUT.get(key)
    if known is None:
        if len(_LAID_OUT) >= _LAID_OUT_SIZE:
            _LAID_OUT.clear()
        known = _LAID_OUT[key] = _lay_out_line(line, depth)
    return known


# What `_lay_out_line` made of a line, by its text and the line length (all it depends on): in a
# large package most long lines recur (the same column in many tables), each laid out once.
_LAID_OUT: dict[tuple[str, int], Part] = {}
_LAID_OUT_SIZE = 100_000


def _lay_out_line(line: _Line, depth: int) -> Part:
    """A statement that is no docstring and is not one physical line that fits: kept, laid out, or
    a piece for black."""
    text = line.text
    if line.physical > 1 and not line.multiline_string and (
            _black_wrapped(line) or _exploded(line) or _exploded_header(line)):
        return text + "\n"
    laid = None
    header = _COMPOUND.match(text.lstrip(" ")) is not None
    if line.physical == 1:
        laid = lay_out_header(text, line.indent) if header else lay_out(text, line.indent)
    if laid is None and not header and not line.multiline_string:
        laid = split(text, line.indent)  # what black itself would write, where `lay_out` declines
    if laid is not None:
        return laid + "\n"
    return Piece(STATEMENT, depth, _dedent(text, line.indent))


def _dedent(text: str, indent: int) -> str:
    prefix = " " * indent
    return "\n".join(part[indent:] if part.startswith(prefix) else part for part in text.split("\n")) + "\n"


def indent_block(text: str, depth: int) -> str:
    prefix = "    " * depth
    return "".join(prefix + line if line.strip() else line for line in text.splitlines(keepends=True))


def _merge_text(parts: list[Part]) -> list[Part]:
    """Runs of proven text joined into one string each (pieces stay as they are)."""
    merged: list[Part] = []
    run: list[str] = []
    for part in parts:
        if isinstance(part, str):
            run.append(part)
            continue
        if run:
            merged.append("".join(run))
            run = []
        merged.append(part)
    if run:
        merged.append("".join(run))
    return merged
