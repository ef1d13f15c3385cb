"""Cutting only what changed: a module's statements cut in the previous build are reused as they were.

An edit to one table changes one class in `models.py` and a few in `schemas.py`; the rest of each
module is text the previous build already cut (and parse-checked). The format cache keeps, for each
module, the record of its top-level statements in order: each one's length, a hash of its text, and
its parts when they differ from its text (lines laid out, pieces for black). A new source is
matched against the record statement by statement; changed text is cut afresh, together with the
unchanged statement on each side of it, because whether a top-level line starts a statement or
continues the one before it (a decorator, an `else:`) depends on its neighbour. What `cut` does with a statement depends only on its text,
the module's text before it (only whether a statement came first: a module docstring) and the line
length, which keys the record; the formatter's code keys the whole cache (`cache._formatter`).
Statements between two changes are found again at the start of a top-level line (`_matched`), and
two statements that followed each other in any order the record had still meet as they did: one
ended where another started, and neither the end of a statement nor the start of the next one
depends on which statement is on the other side (only a decorator or an `else:` would).
A record that does not fit the new source (a changed region that does not cut alone) costs a full
cut, never a different result: the tests hold reused cuts to full ones.
"""

from __future__ import annotations

import hashlib
import re
from typing import Any

from schemagen.format.lines import Part, Piece, _merge_text, cut_statements
from schemagen.format.style import FormatError

# [length, hash of the text, parts or None when they are the text unchanged (a piece is
# [kind, depth, text])]: one statement as JSON keeps it
Entry = list[Any]
Record = list[Entry]


def statement_key(text: str) -> str:
    return hashlib.sha256(text.encode()).hexdigest()[:40]


def _entry(text: str, parts: list[Part]) -> Entry:
    merged = _merge_text(parts)
    if merged == [text]:
        return [len(text), statement_key(text), None]
    stored: list[str | list[str | int]] = [p if isinstance(p, str) else [p.kind, p.depth, p.text] for p in merged]
    return [len(text), statement_key(text), stored]


def _parts(entry: Entry, text: str) -> list[Part]:
    stored = entry[2]
    if stored is None:
        return [text]
    return [p if isinstance(p, str) else Piece(str(p[0]), int(p[1]), str(p[2])) for p in stored]


def _matches(entry: Entry, source: str, start: int, end: int) -> bool:
    return 0 <= start and end <= len(source) and end - start == entry[0] and (
        statement_key(source[start:end]) == entry[1])


def cut_reusing(source: str, record: Record | None, chunks: list[tuple[int, str]],
                reused: list[str]) -> tuple[list[Part], Record]:
    """`source` cut as `lines.cut` cuts it, and its new record; the statements that changed since
    `record` go to `chunks` (with their first line) for the parse check, the keys of those reused
    to `reused`."""
    if not record:
        return _fresh(source, chunks, 0, len(source), False, 0)
    spans = _matched(source, record)
    kept = [(index, begin, end) for number, (index, begin, end) in enumerate(spans) if _keeps(source, spans, number)]
    parts: list[Part] = []
    new_record: Record = []
    found: list[tuple[int, str]] = []
    offset, seen = 0, False  # seen: a statement that is no comment came before (`cut_statements`)
    try:
        for index, begin, end in [*kept, (-1, len(source), len(source))]:
            if offset < begin:  # changed text (with its neighbours): cut alone
                region_parts, region = _fresh(source, found, offset, begin, seen, source.count("\n", 0, offset))
                parts.extend(region_parts)
                new_record.extend(region)
                for entry in region:
                    seen = seen or not source.startswith("#", offset)
                    offset += entry[0]
            if index < 0:
                break
            entry = record[index]
            parts.extend(_parts(entry, source[begin:end]))
            new_record.append(entry)
            reused.append(str(entry[1]))
            seen = seen or not source.startswith("#", begin)
            offset = end
    except FormatError:  # a changed region that does not cut alone: cut it all, as `cut` would
        del reused[:]
        return _fresh(source, chunks, 0, len(source), False, 0)
    chunks.extend(found)
    return parts, new_record


def _keeps(source: str, spans: list[tuple[int, int, int]], number: int) -> bool:
    """Whether a statement found unchanged is reused: not when changed text touches it (whether a
    line at the edge starts a statement or continues the one before depends on both), nor a string
    statement (a module docstring or not, depending on what came before it)."""
    index, begin, end = spans[number]
    before = spans[number - 1][2] if number else 0
    after = spans[number + 1][1] if number + 1 < len(spans) else len(source)
    if begin != before or end != after:
        return False
    if source[begin : begin + 1] not in ("'", '"'):
        return True
    # a string statement after the very same text as before
    return index == number and all(spans[k][2] == spans[k + 1][1] for k in range(number)) and spans[0][1] == 0


_LINE_START = re.compile(r"\n(?=[^ \n])")
_LOOKAHEAD = 8  # top-level lines inside one statement (a bracket closed at column 0) tried as its end


def _matched(source: str, record: Record) -> list[tuple[int, int, int]]:
    """(index in `record`, start, end) of the statements of `record` found in `source`, in the order
    of both: those at the start and at the end first, then those in between at the start of a line."""
    count = len(record)
    first, start = 0, 0  # statements [0, first) match, source[:start] is theirs
    while first < count and _matches(record[first], source, start, start + record[first][0]):
        start += record[first][0]
        first += 1
    last, end = count, len(source)  # statements [last, count) match, source[end:] is theirs
    while last > first and _matches(record[last - 1], source, end - record[last - 1][0], end):
        end -= record[last - 1][0]
        last -= 1
    spans = []
    offset = 0
    for index in range(first):
        spans.append((index, offset, offset + record[index][0]))
        offset += record[index][0]
    by_length: dict[int, dict[str, list[int]]] = {}
    for index in range(first, last):
        by_length.setdefault(record[index][0], {}).setdefault(record[index][1], []).append(index)
    bounds = [start, *(match.end() for match in _LINE_START.finditer(source, start, end)), end]
    position, next_index = 0, first
    while position < len(bounds) - 1 and next_index < last:
        begin, found = bounds[position], None
        for ahead in range(position + 1, min(position + 1 + _LOOKAHEAD, len(bounds))):
            candidates = by_length.get(bounds[ahead] - begin)
            if candidates is None:
                continue
            indexes = candidates.get(statement_key(source[begin : bounds[ahead]]), ())
            found = next((index for index in indexes if index >= next_index), None)
            if found is not None:
                spans.append((found, begin, bounds[ahead]))
                position, next_index = ahead, found + 1
                break
        if found is None:
            position += 1
    offset = end
    for index in range(last, count):
        spans.append((index, offset, offset + record[index][0]))
        offset += record[index][0]
    return spans


def cut_region(source: str, start: int, end: int, lines_before: int, chunks: list[tuple[int, str]]
               ) -> tuple[list[Part], Record]:
    """The statements of `source[start:end]` (after `lines_before` lines) cut as `cut_reusing` cuts
    them in the whole of a module it has no record of, and their record; `start` is 0 or where a
    statement starts that is no string (then whether one that is no comment came before makes no
    difference to it)."""
    return _fresh(source, chunks, start, end, start > 0, lines_before)


def _fresh(source: str, chunks: list[tuple[int, str]], start: int, end: int, after_statement: bool,
           lines_before: int) -> tuple[list[Part], Record]:
    found: list[tuple[int, str]] = []
    statements = cut_statements(source[start:end], found, after_statement=after_statement)
    chunks.extend((line + lines_before, text) for line, text in found)
    parts = [part for _, statement in statements for part in statement]
    return parts, [_entry(text, statement) for text, statement in statements]
