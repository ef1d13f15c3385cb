"""Stage 5, format: make rendered source black-clean, running black only where it has work to do.

The templates and `literals.py` emit black's canonical form line by line: double quotes, black's
spacing and blank lines, numbers as black writes them. What they leave to black is wrapping a
statement that does not fit in a line, and multi-line docstrings. So a module is cut into logical
lines, and each one is either

- proven: one physical line that fits (width counted as black counts it), kept as it is; or
- a piece for black: an over-long or multi-line statement, a docstring black would rewrite, or,
  when a compound statement's header is involved, the whole top-level statement around it.

Pieces are formatted by black in batches (one `format_str` call per batch, statements separated by
a marker line), spread over the machine's cores when there are enough of them, and remembered in a
content-addressed cache (`cache.py`), so an edit to one table re-formats one table's pieces.

Output is byte-identical to `format_source()` (black over the whole module): the tests compare the
two over the example spec, every golden case, the benchmark workloads and hypothesis-generated
specs. `format_source()` stays the reference and the verifier.
"""

from __future__ import annotations

import ast
import os
import re
from collections.abc import Iterator, Sequence
from dataclasses import dataclass
from typing import TYPE_CHECKING

from schemagen.wrap import PLAIN_VALUE, has_top_level_union, prefers_value_split

if TYPE_CHECKING:
    from schemagen.cache import FormatCache

LINE_LENGTH = 100
TARGET = "py311"
BLACK_VERSION = "26.10.1"  # pyproject.toml pins exactly this; the cache and manifests are keyed on it

# A piece of this many characters or more is worth a second process; below it, forking costs more.
PARALLEL_THRESHOLD = 60_000


class FormatError(Exception):
    pass


def black_mode() -> object:
    from black.mode import Mode, TargetVersion

    return Mode(
        target_versions={TargetVersion[TARGET.upper()]},
        line_length=LINE_LENGTH,
        string_normalization=True,
        is_pyi=False,
        magic_trailing_comma=True,
    )


def format_source(source: str, name: str) -> str:
    """black over the whole of `source`: the reference that `format_modules` must equal."""
    import black

    installed = getattr(black, "__version__", "?")
    if installed != BLACK_VERSION:
        raise FormatError(f"black {installed} is installed, but schemagen's output is black "
                          f"{BLACK_VERSION}'s: reinstall schemagen (pip install 'black=={BLACK_VERSION}')")
    try:
        return black.format_str(source, mode=black_mode())  # type: ignore[arg-type]
    except Exception as exc:  # black raises several types for code it cannot parse
        raise FormatError(f"black could not format {name}: {exc}") from exc


# Cutting a module into logical lines ---------------------------------------------------------

_TOKEN = re.compile(
    r"""
      (?P<string>[rRbBuUfF]{0,2}(?:
            \"\"\"(?:[^"\\]|\\.|"(?!""))*\"\"\"
          | '''(?:[^'\\]|\\.|'(?!''))*'''
          | "(?:[^"\\\n]|\\.)*"
          | '(?:[^'\\\n]|\\.)*'))
    | (?P<comment>\#[^\n]*)
    | (?P<open>[(\[{])
    | (?P<close>[)\]}])
    | (?P<newline>\n)
    """,
    re.VERBOSE | re.DOTALL,
)
_COMPOUND = re.compile(r"(?:class|def|async|if|elif|else|for|while|try|except|finally|with|match|case)\b|@")
_DOCSTRING = re.compile(r'"""(?:[^"\\\n]|\\[^\n])*"""')
_SIMPLE_DOC_BODY = re.compile(r"[^\s\"\\](?:.*[^\s\"\\])?|\\.*[^\s\"\\]")


@dataclass(frozen=True)
class _Line:
    """One logical line: `text` without its final newline, `indent` in spaces."""

    text: str
    indent: int
    physical: int
    multiline_string: bool


def _logical_lines(source: str) -> Iterator[_Line]:
    """The logical lines of `source`. Most physical lines hold one whole statement, so brackets are
    counted per line with C-speed string methods; a line with a triple quote (a docstring) is
    scanned token by token instead."""
    if source and not source.endswith("\n"):
        raise FormatError("source does not end with a newline")
    physical = source.split("\n")[:-1]
    offset = 0  # of physical[index] in source
    index = 0
    while index < len(physical):
        first, start, depth = index, offset, 0
        while True:
            if index == len(physical):
                raise FormatError("unbalanced brackets")
            line = physical[index]
            if '"""' in line or "'''" in line:
                scanned = _scan_one(source, start)
                yield scanned
                index = first + scanned.physical
                offset = start + len(scanned.text) + 1
                break
            bare = _ONE_LINE_STRINGS.sub("", line) if ('"' in line or "'" in line or "#" in line) else line
            depth += (bare.count("(") + bare.count("[") + bare.count("{")
                      - bare.count(")") - bare.count("]") - bare.count("}"))
            offset += len(line) + 1
            index += 1
            if depth == 0 and not line.endswith("\\"):
                text = "\n".join(physical[first:index])
                stripped = text.lstrip(" ")
                yield _Line(text, len(text) - len(stripped), index - first, False)
                break


_ONE_LINE_STRINGS = re.compile(r"""[rRbBuUfF]{0,2}(?:"(?:[^"\\\n]|\\.)*"|'(?:[^'\\\n]|\\.)*')|\#[^\n]*""")


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


def _width(text: str) -> int:
    # black counts East Asian wide characters as 2 columns; 2 per character bounds that from above
    return len(text) if text.isascii() else 2 * len(text)


def _fits(line: _Line) -> bool:
    return line.physical == 1 and _width(line.text) <= LINE_LENGTH


_OPENERS = {"(": ")", "[": "]", "{": "}"}
_NAME_END = re.compile(r"[\w\])]$")


def _balance(text: str) -> tuple[int, str]:
    """Net bracket count of one physical line (strings and comments skipped), and its last bracket."""
    bare = _ONE_LINE_STRINGS.sub("", text) if ('"' in text or "'" in text or "#" in text) else text
    net = bare.count("(") + bare.count("[") + bare.count("{") - bare.count(")") - bare.count("]") - bare.count("}")
    last = _LAST_BRACKET.search(bare)
    return net, last.group(1) if last else ""


_LAST_BRACKET = re.compile(r"([()\[\]{}])[^()\[\]{}]*$")


def _exploded(line: _Line) -> bool:
    """Whether a multi-line statement is in the form black keeps: every bracket that spans lines
    ends its first line, holds one item per line (each fitting) with a trailing comma, and closes
    alone on its own line; a magic trailing comma makes black leave exactly that."""
    physical = line.text.split("\n")
    if physical[-1].strip() not in (")", "]", "}"):
        return False
    if any(_width(text) > LINE_LENGTH or text != text.rstrip() for text in physical):
        return False
    stack: list[tuple[int, str, int]] = []  # (indent, closer, items) of each open bracket
    one_tuples: set[int] = set()  # depths of `(` that open a tuple, not a call
    for number, text in enumerate(physical):
        stripped = text.lstrip(" ")
        indent = len(text) - len(stripped)
        if stack and stripped[:1] in ")]}":
            opened_at, closer, items = stack.pop()
            expected = closer + ("," if stack else "")
            if stripped != expected or indent != opened_at or items == 0 or not physical[number - 1].endswith(","):
                return False
            if items == 1 and len(stack) in one_tuples:
                return False  # black does not count a one-tuple's comma as a magic trailing comma
            one_tuples.discard(len(stack))
            if stack:
                stack[-1] = (stack[-1][0], stack[-1][1], stack[-1][2] + 1)
            continue
        if number and (not stack or indent != stack[-1][0] + 4):
            return False
        net, last = _balance(stripped)
        if net == 1 and stripped[-1] == last and last in _OPENERS:
            head = stripped[:-1]
            if last == "[" and _NAME_END.search(head):
                return False  # a subscript: black ignores its trailing comma when it has one item
            if last == "(" and not _NAME_END.search(head):
                one_tuples.add(len(stack))
            stack.append((indent, _OPENERS[last], 0))
        elif net != 0 or (number and not stripped.endswith(",")):
            return False
        elif stack:
            stack[-1] = (stack[-1][0], stack[-1][1], stack[-1][2] + 1)
    return not stack and len(physical) > 1


_CALL_HEAD = re.compile(r"[^\W\d]\w*: .+ = [^\W\d]\w*\(")
_ANNOTATION_HEAD = re.compile(r"[^\W\d]\w*: \(")


def _black_wrapped(line: _Line) -> bool:
    """Whether a three-line statement is laid out as black lays out the too-long one-liner it
    stands for (the two shapes `wrap.py` writes): `name: T = call(` + arguments + `)`, or
    `name: (` + annotation with a top-level `|` + `) = plain default`."""
    physical = line.text.split("\n")
    if len(physical) != 3 or not line.text.isascii():  # "too long for one line" needs exact widths
        return False
    if any(len(text) > LINE_LENGTH or text != text.rstrip() for text in physical):
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
        return net == 1 and opener == "(" and _width(physical[0] + body + ")") > LINE_LENGTH
    if _ANNOTATION_HEAD.fullmatch(first) and last.startswith(") = ") and PLAIN_VALUE.fullmatch(last[4:]):
        one_line = f"{first[:-1]}{body}{last[1:]}"
        return (has_top_level_union(body) and indent + _width(one_line) > LINE_LENGTH
                and not prefers_value_split(indent, first[:-3], body))
    return False


def _is_docstring(line: _Line) -> bool:
    return line.text.lstrip(" ").startswith('"""')


def _proven_docstring(line: _Line) -> bool:
    """A one-line docstring black leaves alone: no edge whitespace, quote or odd backslash."""
    text = line.text.lstrip(" ")
    if not _fits(line) or not _DOCSTRING.fullmatch(text):
        return False
    body = text[3:-3]
    return bool(body) and _SIMPLE_DOC_BODY.fullmatch(body) is not None and not _odd_trailing_backslashes(body)


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
    parts: list[Part] = []
    chunk: list[_Line] = []
    statement_seen = False
    line_number = 1

    def flush() -> None:
        nonlocal statement_seen
        if not chunk:
            return
        head = chunk[0]
        if head.text.startswith("#"):
            parts.extend(line.text + "\n" for line in chunk)  # a top-level comment and blank lines
        elif _is_docstring(head) and not statement_seen:
            parts.append(head.text + "\n" if _proven_docstring(head) else Piece(DOCSTRING, 0, head.text + "\n"))
            parts.extend(line.text + "\n" for line in chunk[1:])
        elif _needs_whole(chunk):
            trailing = len(chunk)
            while not chunk[trailing - 1].text.strip():
                trailing -= 1
            parts.append(Piece(TOP_LEVEL, 0, "".join(line.text + "\n" for line in chunk[:trailing])))
            parts.extend(line.text + "\n" for line in chunk[trailing:])
        else:
            first_in_block = _first_in_block(chunk)
            parts.extend(_classify(line, index in first_in_block) for index, line in enumerate(chunk))
        statement_seen = statement_seen or not head.text.startswith("#")
        chunk.clear()

    for line in _logical_lines(source):
        if line.indent == 0 and line.text.strip() and not _continues(chunk, line):
            flush()
            if chunks is not None:
                chunks.append((line_number, ""))
        if chunks is not None and chunks:
            chunks[-1] = (chunks[-1][0], chunks[-1][1] + line.text + "\n")
        line_number += line.physical
        chunk.append(line)
    flush()
    return _merge_text(parts)


_CLAUSE = re.compile(r"(?:else|elif|except|finally)\b")


def _continues(chunk: Sequence[_Line], line: _Line) -> bool:
    """Whether a top-level line belongs to the statement before it: what follows a decorator, or
    another clause (`else:`, `except ...:`) of the same compound statement."""
    last = next((previous for previous in reversed(chunk) if previous.text.strip()), None)
    if last is None:
        return False
    return (last.indent == 0 and last.text.startswith("@")) or bool(_CLAUSE.match(line.text))


def _needs_whole(chunk: Sequence[_Line]) -> bool:
    """Whether black must see the whole top-level statement: a compound header does not fit, or a
    multi-line string is not a docstring (black's view of either depends on what surrounds it)."""
    first_in_block = _first_in_block(chunk)
    for index, line in enumerate(chunk):
        if not _fits(line) and _COMPOUND.match(line.text.lstrip(" ")):
            return True
        if line.multiline_string and not (index in first_in_block and _is_docstring(line)):
            return True
    return False


def _first_in_block(chunk: Sequence[_Line]) -> set[int]:
    """Indexes of the lines that open an indented block (where a string is a docstring)."""
    first: set[int] = set()
    previous_indent: int | None = None
    for index, line in enumerate(chunk):
        if not line.text.strip() or line.text.lstrip(" ").startswith("#"):
            continue
        if previous_indent is not None and line.indent > previous_indent:
            first.add(index)
        previous_indent = line.indent
    return first


def _classify(line: _Line, first_in_block: bool) -> Part:
    text = line.text
    if not text.strip() or text.lstrip(" ").startswith("#") and line.physical == 1:
        return text + "\n"  # blank lines and comments: black keeps both as the templates write them
    depth = line.indent // 4
    if first_in_block and _is_docstring(line):
        if _proven_docstring(line):
            return text + "\n"
        return Piece(DOCSTRING, depth, text[line.indent :] + "\n")  # inner lines as they are
    if _fits(line) or (line.physical > 1 and not line.multiline_string and (_black_wrapped(line) or _exploded(line))):
        return text + "\n"
    return Piece(STATEMENT, depth, _dedent(text, line.indent))


def _dedent(text: str, indent: int) -> str:
    prefix = " " * indent
    return "\n".join(part[indent:] if part.startswith(prefix) else part for part in text.split("\n")) + "\n"


def _indent(text: str, depth: int) -> str:
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


# Formatting pieces with black, in batches -----------------------------------------------------

_CUT = "__schemagen_cut__"


def _statement_batch(depth: int, texts: Sequence[str]) -> str:
    opening = "".join("    " * level + "if True:\n" for level in range(depth))
    marker = "    " * depth + _CUT + "\n"
    return opening + marker + "".join(_indent(text, depth) + marker for text in texts)


def _split_statements(depth: int, formatted: str) -> list[str]:
    marker = "    " * depth + _CUT
    lines = formatted.splitlines(keepends=True)[depth:]
    pieces: list[str] = []
    current: list[str] = []
    for line in lines:
        if line.rstrip("\n") == marker:
            pieces.append("".join(current))
            current = []
        elif line.strip():  # black may add a blank line after an import; a statement has none
            current.append(line[4 * depth :])
    return pieces[1:]


def _docstring_batch(depth: int, texts: Sequence[str]) -> str:
    wrappers = "".join("    " * level + "if True:\n" for level in range(depth))
    return "".join(wrappers + "    " * depth + text for text in texts)


def _split_docstrings(depth: int, formatted: str) -> list[str]:
    pieces: list[list[str]] = []
    skip = 0
    for line in formatted.splitlines(keepends=True):
        if line == "if True:\n":
            pieces.append([])
            skip = depth - 1
            continue
        if skip:
            skip -= 1
            continue
        pieces[-1].append(line[4 * depth :] if line.strip() else line)
    return ["".join(piece) for piece in pieces]


def _top_level_batch(texts: Sequence[str]) -> str:
    return "".join(text + "\n\n" + _CUT + "\n\n\n" for text in texts)


def _split_top_level(depth: int, formatted: str) -> list[str]:
    pieces = re.split(rf"^{_CUT}\n", formatted, flags=re.MULTILINE)[:-1]
    return [piece.strip("\n") + "\n" for piece in pieces]


def _format_group(kind: str, depth: int, texts: Sequence[str]) -> list[str]:
    """black over one batch of same-kind pieces; one formatted text per piece."""
    if kind == DOCSTRING and depth == 0:  # only a module's first statement is its docstring
        return [format_source(text, "a module docstring") for text in texts]
    if kind == STATEMENT:
        batch, split = _statement_batch(depth, texts), _split_statements
    elif kind == DOCSTRING:
        batch, split = _docstring_batch(depth, texts), _split_docstrings
    else:
        batch, split = _top_level_batch(texts), _split_top_level
    formatted = split(depth, format_source(batch, f"{len(texts)} {kind} piece(s)"))
    if len(formatted) != len(texts):
        raise FormatError(f"black returned {len(formatted)} {kind} pieces for {len(texts)}")
    return formatted


def _format_many(jobs: list[tuple[str, int, list[str]]]) -> list[list[str]]:
    return [_format_group(kind, depth, texts) for kind, depth, texts in jobs]


def format_pieces(pieces: Sequence[Piece], *, workers: int | None = None) -> dict[Piece, str]:
    """black's output for each distinct piece, spread over `workers` processes when it pays."""
    unique = sorted(set(pieces), key=lambda piece: (piece.kind, piece.depth, piece.text))
    if not unique:
        return {}
    groups: dict[tuple[str, int], list[Piece]] = {}
    for piece in unique:
        groups.setdefault((piece.kind, piece.depth), []).append(piece)
    size = sum(len(piece.text) for piece in unique)
    count = workers or _configured_workers()
    if count is None:  # as many as the cores, but only where each gets enough work to pay for a fork
        count = max(1, min(_cores(), size // (PARALLEL_THRESHOLD // 2) if size >= PARALLEL_THRESHOLD else 1))
    count = min(count, len(unique))
    # Deal each group's pieces round-robin into `count` shares of about the same size.
    shares: list[list[tuple[str, int, list[str]]]] = [[] for _ in range(count)]
    members: list[list[list[Piece]]] = [[] for _ in range(count)]
    for (kind, depth), group in groups.items():
        for share in range(count):
            chosen = group[share::count]
            if chosen:
                shares[share].append((kind, depth, [piece.text for piece in chosen]))
                members[share].append(chosen)
    if count == 1:
        results = [_format_many(shares[0])]
    else:
        results = _in_processes(shares)
    out: dict[Piece, str] = {}
    for share_members, share_results in zip(members, results):
        for chosen, formatted in zip(share_members, share_results):
            out.update(zip(chosen, formatted))
    return out


def _configured_workers() -> int | None:
    configured = os.environ.get("SCHEMAGEN_JOBS", "")
    return int(configured) if configured.isdigit() and int(configured) > 0 else None


def _cores() -> int:
    return len(os.sched_getaffinity(0)) if hasattr(os, "sched_getaffinity") else (os.cpu_count() or 1)


def _in_processes(shares: list[list[tuple[str, int, list[str]]]]) -> list[list[list[str]]]:
    import multiprocessing
    from concurrent.futures import ProcessPoolExecutor

    import black  # noqa: F401  (imported once here, inherited by the forked workers)

    context = multiprocessing.get_context("fork")
    with ProcessPoolExecutor(max_workers=len(shares) - 1, mp_context=context) as pool:
        futures = [pool.submit(_format_many, share) for share in shares[1:]]
        first = _format_many(shares[0])  # this process takes a share too
        return [first, *(future.result() for future in futures)]


class InvalidSource(FormatError):
    """Rendered source that is not valid Python: a template bug, reported with the line."""

    def __init__(self, name: str, line: int, message: str, text: str) -> None:
        super().__init__(f"{name} line {line}: {message}\n{text}")
        self.name, self.line, self.message, self.text = name, line, message, text


def _parse_check(name: str, chunks: list[tuple[int, str]], cache: FormatCache | None) -> None:
    """Every top-level statement parses; statements parsed in an earlier run are known good."""
    for first_line, text in chunks:
        if cache is not None and cache.parsed_before(text):
            continue
        try:
            compile(text, name, "exec", flags=ast.PyCF_ONLY_AST, dont_inherit=True)
        except SyntaxError as exc:
            line = first_line + (exc.lineno or 1) - 1
            raise InvalidSource(name, line, exc.msg, (exc.text or "").rstrip()) from None
        if cache is not None:
            cache.parsed(text)


def format_modules(sources: dict[str, str], cache: FormatCache | None = None) -> dict[str, str]:
    """Each source checked to parse and made black-clean; equal, byte for byte, to `format_source`."""
    cut_sources = {}
    for name, source in sources.items():
        chunks: list[tuple[int, str]] = []
        try:
            cut_sources[name] = cut(source, chunks)
        except FormatError as exc:
            _parse_check(name, [(1, source)], None)  # Python's own message and line, if it has one
            raise InvalidSource(name, 1, str(exc), "") from None
        _parse_check(name, chunks, cache)
    pieces = [part for parts in cut_sources.values() for part in parts if isinstance(part, Piece)]
    known = cache.lookup(pieces) if cache is not None else {}
    formatted = dict(known)
    formatted.update(format_pieces([piece for piece in pieces if piece not in known]))
    if cache is not None:
        cache.remember(formatted)
    out = {}
    for name, parts in cut_sources.items():
        out[name] = "".join(
            part if isinstance(part, str) else _indent(formatted[part], part.depth) for part in parts
        )
    return out
