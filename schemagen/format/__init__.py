"""Stage 5, format: lay rendered source out for the project's line length (`style.line_length()`).

Over-long statements, def headers and assignments are laid out by `format/layout.py` (exploded at a
bracket with magic trailing commas, which black and ruff keep at any line length), what it declines
by `format/rhs.py` (black's own right-hand and delimiter splits, ported), and the templates' own
helper code is written for 79 columns in forms both keep at any length. black is no dependency of
schemagen: it stays an optional fallback (used only when importable, and only the pinned version) for
statements of other shapes than codegen writes; no spec of the repository needs it, and a build that
needs none never imports it (tests/test_no_black.py). What follows describes that fallback.

The templates and `literals.py` emit black's canonical form line by line: double quotes, black's
spacing and blank lines, numbers as black writes them. What they leave to black is wrapping a
statement that does not fit in a line, and multi-line docstrings. So a module is cut into logical
lines, and each one is either

- proven: one physical line that fits (width counted as black counts it), kept as it is; or
- a piece for black: an over-long or multi-line statement, a docstring black would rewrite, or,
  when a compound statement's header is involved, the whole top-level statement around it.

Pieces are formatted by black in batches (one `format_str` call per batch, statements separated by
a marker line), spread over the machine's cores when there are enough of them, and remembered in a
content-addressed cache (`format/cache.py`), so an edit to one table re-formats one table's pieces.

Output is black-stable: `format_source()` (black over the whole module) changes nothing of it; the
tests check that over the example spec, every golden case, the benchmark workloads and
hypothesis-generated specs. It is not always what black makes of the rendered source: where
`layout.py` explodes a call with a magic trailing comma, black keeps that layout even where it
would have joined the call's arguments on one line (`model_config = ConfigDict(...)`).
"""

from __future__ import annotations

import symtable
from itertools import pairwise
from typing import TYPE_CHECKING

from schemagen.format.aside import parse_aside
from schemagen.format.black import format_pieces, format_source
from schemagen.format.lines import Part, Piece, _merge_text, cut, indent_block
from schemagen.format.reuse import Record, cut_reusing, cut_region
from schemagen.format.style import BLACK_VERSION, line_length, FormatError

if TYPE_CHECKING:
    from schemagen.format.cache import FormatCache

__all__ = ["BLACK_VERSION", "line_length", "FormatError", "InvalidSource", "format_modules", "format_source",
           "format_statements", "statement_bounds"]


class InvalidSource(FormatError):
    """Rendered source that is not valid Python: a template bug, reported with the line."""

    def __init__(self, name: str, line: int, message: str, text: str) -> None:
        super().__init__(f"{name} line {line}: {message}\n{text}")
        self.name, self.line, self.message, self.text = name, line, message, text


def _parse_check(name: str, chunks: list[tuple[int, str]], cache: FormatCache | None) -> None:
    """Every top-level statement parses; statements parsed in an earlier run are known good.

    `symtable` parses with Python's own parser (its messages and line numbers) and checks scopes,
    but builds no Python objects for the syntax tree, as `ast.parse` does (a quarter cheaper)."""
    for first_line, text in chunks:
        key = cache.unparsed_key(text) if cache is not None else ""
        if key is None:
            continue
        try:
            symtable.symtable(text, name, "exec")
        except SyntaxError as exc:
            line = first_line + (exc.lineno or 1) - 1
            raise InvalidSource(name, line, exc.msg, (exc.text or "").rstrip()) from None
        if cache is not None:
            cache.parsed_key(key)


def _cut_all(sources: dict[str, str], cache: FormatCache | None, aside: dict[str, str]
             ) -> tuple[dict[str, list[Part]], list[tuple[str, list[tuple[int, str]]]]]:
    """Each module cut, and parse-checked unless it is `aside` (checked by a child): then its
    statements are returned unchecked."""
    cut_sources: dict[str, list[Part]] = {}
    unchecked: list[tuple[str, list[tuple[int, str]]]] = []
    for name, source in sources.items():
        chunks: list[tuple[int, str]] = []
        reused: list[str] = []
        record = None
        try:
            if cache is None:
                cut_sources[name] = cut(source, chunks)
            else:  # only the statements changed since the last build are cut (and parse-checked)
                parts, record = cut_reusing(source, cache.record(name), chunks, reused)
                cut_sources[name] = _merge_text(parts)
        except FormatError as exc:
            _check_all(unchecked, cache)  # an earlier module's error first, as without the child
            _parse_check(name, [(1, source)], None)  # Python's own message and line, if it has one
            raise InvalidSource(name, 1, str(exc), "") from None
        if name in aside:
            unchecked.append((name, chunks))
        else:
            _parse_check(name, chunks, cache)
        if cache is not None and record is not None:
            cache.keep_record(name, record, reused)
    return cut_sources, unchecked


def _check_all(unchecked: list[tuple[str, list[tuple[int, str]]]], cache: FormatCache | None) -> None:
    for name, chunks in unchecked:
        _parse_check(name, chunks, cache)


def format_modules(sources: dict[str, str], cache: FormatCache | None = None, *, aside: bool = True) -> dict[str, str]:
    """Each source checked to parse and made black-clean (`format_source` changes nothing of it).
    `aside`: the parse check of new modules may run in a child (not when another process of this
    build already keeps the second core busy)."""
    # modules cut whole (no record of an earlier build) are parsed by a child meanwhile, if it pays
    new = {name: source for name, source in sources.items() if cache is None or cache.record(name) is None}
    answer = parse_aside(new) if aside else None
    try:
        cut_sources, unchecked = _cut_all(sources, cache, new if answer is not None else {})
    except BaseException:
        if answer is not None:
            answer()  # (the child reaped)
        raise
    if answer is not None and not answer():
        _check_all(unchecked, cache)  # the error, its message and line as the statements give them
    elif cache is not None:
        for _, chunks in unchecked:
            for _, text in chunks:
                cache.parsed(text)
    formatted = _formatted_pieces([part for parts in cut_sources.values() for part in parts], cache)
    if cache is not None:
        cache.remember(formatted)
    return {name: _joined(parts, formatted) for name, parts in cut_sources.items()}


def _formatted_pieces(parts: list[Part], cache: FormatCache | None) -> dict[Piece, str]:
    pieces = [part for part in parts if isinstance(part, Piece)]
    known = cache.lookup(pieces) if cache is not None else {}
    formatted = dict(known)
    formatted.update(format_pieces([piece for piece in pieces if piece not in known]))
    return formatted


def _joined(parts: list[Part], formatted: dict[Piece, str]) -> str:
    return "".join(part if isinstance(part, str) else indent_block(formatted[part], part.depth) for part in parts)


# A module's statements are formatted in regions of about this many characters (`statement_bounds`):
# a few milliseconds each, so that two processes sharing a module's regions finish within one.
REGION_CHARS = 16_384
_CLASS_START = "\n\n\nclass "


def statement_bounds(source: str, size: int = REGION_CHARS) -> list[tuple[int, int, int]]:
    """`source` cut into regions of about `size` characters: (start, end, lines before the start)
    of each, in order. Each region but the first starts with a top-level `class` after two blank
    lines. Such a line starts a statement of a valid module, unless it follows a decorator or lies
    in a multi-line string: then the region before it does not parse, and `format_statements`
    fails on it."""
    starts = [0]
    while (found := source.find(_CLASS_START, starts[-1] + size)) >= 0:
        starts.append(found + 3)
    regions, lines = [], 0
    for start, end in pairwise([*starts, len(source)]):
        regions.append((start, end, lines))
        lines += source.count("\n", start, end)
    return regions


def format_statements(name: str, source: str, region: tuple[int, int, int], cache: FormatCache | None
                      ) -> tuple[str, Record]:
    """A region of module `name` (one of its `statement_bounds`), parse-checked and formatted as
    `format_modules` formats it within the whole module, and its part of the module's record in
    the format cache (`format/reuse.py`): the module's regions, formatted anywhere, make the module
    and its record joined in order. For a module the cache holds no record of (what
    `format_modules` cuts whole): the cache keeps what it parsed and formatted."""
    start, end, lines_before = region
    chunks: list[tuple[int, str]] = []
    parts, record = cut_region(source, start, end, lines_before, chunks)
    _parse_check(name, chunks, cache)
    formatted = _formatted_pieces(parts, cache)
    if cache is not None:
        earlier = cache.used
        cache.remember(formatted)  # this region's pieces, and the run's before it
        if earlier:
            cache.add((set(), {}, earlier))
    return _joined(parts, formatted), record
