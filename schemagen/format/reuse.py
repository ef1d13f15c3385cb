"""Cutting only what changed: a module's statements cut in the previous build are reused as they were.

An edit to one table changes one class in `models.py` and a few in `schemas.py`; the rest of each
module is text the previous build already cut (and parse-checked). The format cache keeps, for each
module, the record of its top-level statements in order: each one's length, a hash of its text, and
its parts when they differ from its text (lines laid out, pieces for black). A new source is
matched against the record from both ends, statement by statement; what lies between the first and
the last statement that differ is cut afresh, together with one unchanged statement on each side,
because whether a top-level line starts a statement or continues the one before it (a decorator,
an `else:`) depends on its neighbour. What `cut` does with a statement depends only on its text,
the module's text before it (only whether a statement came first: a module docstring) and the line
length, which keys the record; the formatter's code keys the whole cache (`cache._formatter`).
A record that does not fit the new source (a changed region that does not cut alone) costs a full
cut, never a different result: the tests hold reused cuts to full ones.
"""

from __future__ import annotations

import hashlib
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
    count = len(record)
    first, start = 0, 0  # statements [0, first) match, source[:start] is theirs
    while first < count and _matches(record[first], source, start, start + record[first][0]):
        start += record[first][0]
        first += 1
    last, end = count, len(source)  # statements [last, count) match, source[end:] is theirs
    while last > first and _matches(record[last - 1], source, end - record[last - 1][0], end):
        end -= record[last - 1][0]
        last -= 1
    if first == count and start == len(source):
        record_parts = []
        offset = 0
        for entry in record:
            length = entry[0]
            record_parts.extend(_parts(entry, source[offset : offset + length]))
            reused.append(str(entry[1]))
            offset += length
        return record_parts, record
    if first > 0:  # the neighbours of the change are cut again with it (see the module's docstring)
        first -= 1
        start -= record[first][0]
    if last < count:
        end += record[last][0]
        last += 1
    if start >= end:  # statements only removed: the two around the gap still decide where they meet
        return _fresh(source, chunks, 0, len(source), False, 0)
    after_statement = False
    offset = 0
    for entry in record[:first]:
        after_statement = after_statement or not source.startswith("#", offset)
        offset += entry[0]
    try:
        region_parts, region = _fresh(source, chunks, start, end, after_statement, source.count("\n", 0, start))
    except FormatError:  # a changed region that does not cut alone: cut it all, as `cut` would
        del chunks[:]
        return _fresh(source, chunks, 0, len(source), False, 0)
    parts: list[Part] = []
    offset = 0
    for entry in record[:first]:
        length = entry[0]
        parts.extend(_parts(entry, source[offset : offset + length]))
        reused.append(str(entry[1]))
        offset += length
    parts.extend(region_parts)
    offset = end
    for entry in record[last:]:
        length = entry[0]
        parts.extend(_parts(entry, source[offset : offset + length]))
        reused.append(str(entry[1]))
        offset += length
    return parts, record[:first] + region + record[last:]


def _fresh(source: str, chunks: list[tuple[int, str]], start: int, end: int, after_statement: bool,
           lines_before: int) -> tuple[list[Part], Record]:
    found: list[tuple[int, str]] = []
    statements = cut_statements(source[start:end], found, after_statement=after_statement)
    chunks.extend((line + lines_before, text) for line, text in found)
    parts = [part for _, statement in statements for part in statement]
    return parts, [_entry(text, statement) for text, statement in statements]
