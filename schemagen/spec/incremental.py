"""Loading a spec again after an edit, composing only the parts of it that changed.

Composing and building a 300-table spec takes ~110 ms, nearly all of it for tables an edit did not
touch. A *part* is a top-level entry of a spec (`package: shop`), or an entry of a top-level block
mapping (one table of `tables:`, one enum, one shape): the lines from its key to the next key at
its level or above, comments and blank lines included. Composed on its own, a part is exactly
what it is inside the whole file, with its lines counted from its first (`_split` says why, and
refuses the texts where that is not shown). The cache keeps the built value of each part of a
spec's last load, by a digest of the part's text; a load takes the values of the parts it holds
and composes the others. The marks of a reused part (only an error's position needs them) are made
from its text when first asked for, and moved to its line.

Anything not shown safe (tabs, line breaks other than `\\n`, a line that is not a key where only
keys can be, a key given twice, anchors that cross parts...) and any error load the whole text as
`load_spec_text` does, so results and errors are always a cold load's. The first load of a spec
is a cold load that also stores its parts, once it has checked that its keys sit where the split
put them. The cache lives in schemagen's cache folder, one file per spec path, keyed on the
loader's code, PyYAML and Python (`_key`), and sealed by a sha256 of its body
(`resources.read_sealed`); a cache that cannot be used only costs time.
"""

from __future__ import annotations

import hashlib
import marshal
import re
import sys
from collections.abc import Callable
from functools import lru_cache, partial
from pathlib import Path
from typing import Any

import yaml

from schemagen.catalog.records import record
from schemagen.errors import SpecPath
from schemagen.resources import keep_recent, mark_used, read_sealed, spec_store, write_sealed
from schemagen.spec.load import LoadedSpec, Mark, SourceMap, SpecPart, decode_spec, load_part, load_text
from schemagen.spec.scalars import SourceFloat, SourceInt

_MAGIC = b"schemagen spec parts 1\n"
KEEP = 32  # spec files whose parts are kept beyond those this process loads, the most recently used
# A project of more spec files than KEEP would evict its own first files while it writes its last
# ones, and miss them in every build: a store this process loaded is never evicted by it.
_LOADED_HERE: set[Path] = set()
# Line breaks other than `\n` would make YAML's line numbers differ from the split's; a tab may be
# indentation (an error whose position must stay a cold load's); a BOM inside the text likewise.
_UNSAFE = "\t\r\x85\u2028\u2029\ufeff"  # (`in`, one character at a time, is 10 times faster than a regex)
_TOP_LINE = re.compile(r"\n(?=[^ \n#])")  # a line that starts in column 0 and is not a comment
_KEY = re.compile(r"(\w+):(?=[ \n]|\Z)")  # a plain key and its `:`
_HEADER = re.compile(r"(\w+):(?:[ ]+(?:#[^\n]*)?)?(?:\n|\Z)")  # `tables:`, nothing (but a comment) after it
_CONTENT = re.compile(r"\n( +)(?=[^ \n#])")  # an indented line that is not blank or a comment
_PREAMBLE = re.compile(r"(?:^|\n) *[^ \n#]")


@lru_cache(maxsize=8)
def _shallower(column: int) -> re.Pattern[str]:
    """Lines indented 1 to `column` spaces that are not blank or comments."""
    return re.compile(rf"\n( {{1,{column}}})(?=[^ \n#])")


@record
class _Part:
    """A top-level entry, or an entry of a section, and its text."""

    prefix: SpecPath  # () for a top-level entry, (name,) for an entry of top-level mapping `name`
    key: str
    text: str
    line: int  # of its key, 0-based
    column: int
    digest: str


@record
class _Section:
    """A top-level key whose block mapping is split into parts."""

    key: str
    line: int
    parts: list[_Part]


def _split(text: str) -> list[_Part | _Section] | None:
    """The top-level entries of `text` as parts, or sections of parts; None when it cannot be shown
    that each part composes on its own to what it is in the whole text.

    Parts are cut before lines that start with a plain key in the column of their level: col 0
    at the top, the first entry's column within a section, where every line that is not blank
    or a comment is indented at least that much. A part ends where the next line in that column
    or left of it starts. Inside a part, a block scalar, plain scalar or nested block collection
    cannot reach such a line (they hold only lines indented further), so the part holds the
    whole value. A quoted scalar or flow collection can, but then the part alone ends inside it
    and fails to compose, and the whole text is loaded instead; the same goes for an alias to
    another part's anchor, and for tags (only local ones pass, `%TAG` is not a key). Composed on
    its own, a part sees the same characters with the same indentation, and the end of the text
    where the next key stood; in both cases every block it opened closes there.
    """
    if any(character in text for character in _UNSAFE):
        return None
    starts = [match.end() for match in _TOP_LINE.finditer(text)]
    if text[:1] not in ("", " ", "\n", "#"):
        starts.insert(0, 0)
    if not starts or _PREAMBLE.search(text, 0, starts[0]):
        return None
    entries: list[_Part | _Section] = []
    line = text.count("\n", 0, starts[0])
    for start, end in zip(starts, [*starts[1:], len(text)]):
        key = _KEY.match(text, start)
        if key is None:
            return None
        header = _HEADER.match(text, start)
        first = _CONTENT.search(text, header.end() - 1, end) if header is not None else None
        if first is None or _KEY.match(text, first.end()) is None:
            entries.append(_part((), key.group(1), text[start:end], line, 0))
        else:
            first_line = line + text.count("\n", start, first.start() + 1)
            section = _section(text, key.group(1), line, (first.start() + 1, first_line), end, len(first.group(1)))
            if section is None:
                return None
            entries.append(section)
        line += text.count("\n", start, end)
    return entries


def _section(text: str, key: str, line: int, first: tuple[int, int], end: int, column: int) -> _Section | None:
    """The entries of a top-level block mapping: `first` is the offset and line of its first key,
    `end` where the mapping's lines end, `column` its keys' column."""
    start, at = first
    starts = [start]
    for match in _shallower(column).finditer(text, start, end):
        if len(match.group(1)) != column or _KEY.match(text, match.end()) is None:
            return None
        starts.append(match.start() + 1)
    parts = []
    for part_start, part_end in zip(starts, [*starts[1:], end]):
        name = _KEY.match(text, part_start + column)
        assert name is not None  # checked above (the first by the caller)
        parts.append(_part((key,), name.group(1), text[part_start:part_end], at, column))
        at += text.count("\n", part_start, part_end)
    return _Section(key, line, parts)


def _part(prefix: SpecPath, key: str, text: str, line: int, column: int) -> _Part:
    return _Part(prefix, key, text, line, column, hashlib.sha256(text.encode()).hexdigest()[:32])


def _parts(entries: list[_Part | _Section]) -> list[_Part]:
    return [part for entry in entries for part in (entry.parts if isinstance(entry, _Section) else [entry])]


def load_cached(file: Path, raw: bytes, writes: list[Callable[[], None]] | None = None) -> LoadedSpec:
    """`load_spec_text(file, raw)`, taking the unchanged parts of the spec's last load from the cache.
    The cache's new parts are written at once, or, given `writes`, left there for the caller to run
    later (a cold build runs them on its second core's time: see `pipeline.generate`)."""
    text = decode_spec(file, raw)
    store, key = _store(file), _key()
    entries = _split(text) if store is not None and key is not None else None
    if store is None or key is None or entries is None:
        return load_text(file, text)[0]
    parts = _parts(entries)
    blobs: list[bytes | memoryview] | Callable[[], list[bytes | memoryview]] | None
    held = _read(store, key)
    _LOADED_HERE.add(store)
    if 2 * sum(part.digest in held for part in parts) < len(parts):
        # mostly new parts (a first load, a file rewritten): one pass over the whole text costs less
        # than composing them one by one, and shows that its keys are where the split put them
        loaded, numbers = load_text(file, text)
        blobs = _blobs_of_whole(loaded, entries, numbers, held)
    else:
        assembled = _assemble(file, entries, held)
        if assembled is None:
            return load_text(file, text)[0]  # its errors, or (a split it disproves) its result
        loaded, blobs = assembled
    if blobs is not None:  # (None: the split is not shown to be the text's)
        loaded.parts = {(*part.prefix, part.key): SpecPart(part.text, part.column, part.digest) for part in parts}
        if [part.digest for part in parts] != list(held):
            write = partial(_write, store, key, parts, blobs)
            if writes is None:
                write()
            else:
                writes.append(write)
        elif held:
            mark_used(store)
    return loaded


def _assemble(file: Path, entries: list[_Part | _Section], held: dict[str, memoryview]
              ) -> tuple[LoadedSpec, list[bytes | memoryview]] | None:
    """The load from the parts: cached values, the others composed; None on any error."""
    data: dict[str, Any] = {}
    source = SourceMap()
    blobs: list[bytes | memoryview] = []

    def take(part: _Part, into: dict[str, Any]) -> bool:
        if part.key in into:
            return False  # a duplicate key: the whole text's load says where the first one is
        blob: bytes | memoryview | None = held.get(part.digest)
        if blob is not None:
            try:
                into[part.key] = _value(blob)
            except (ValueError, EOFError, TypeError, IndexError, KeyError):
                return False
        else:
            composed = load_part(file, part.text, part.column, len(part.prefix))
            if composed is None or composed.key != part.key:
                return False
            into[part.key] = composed.value
            blob = _blob(composed.value, [number[1:] for number in composed.numbers])
        blobs.append(blob)
        source.deferred[(*part.prefix, part.key)] = partial(_fill, file, part)
        return True

    for entry in entries:
        if isinstance(entry, _Part):
            if not take(entry, data):
                return None
            continue
        if entry.key in data:
            return None
        mapping: dict[str, Any] = {}
        data[entry.key] = mapping
        source.keys[(entry.key,)] = Mark(entry.line, 0)
        first = entry.parts[0]
        source.values[(entry.key,)] = Mark(first.line, first.column)  # a block mapping starts at its first key
        if not all(take(part, mapping) for part in entry.parts):
            return None
    first_line = entries[0].line
    source.values[()] = Mark(first_line, 0)
    return LoadedSpec(file, data, source), blobs


def _fill(file: Path, part: _Part, source: SourceMap) -> None:
    """The marks of a part, made from its text and moved to its place in the file."""
    composed = load_part(file, part.text, part.column, len(part.prefix))
    if composed is None:  # cannot happen: the part composed when it was stored
        return
    for into, marks in ((source.values, composed.source.values), (source.keys, composed.source.keys)):
        for path, mark in marks.items():
            into[(*part.prefix, *path)] = Mark(mark.line + part.line, mark.column)


def _blobs_of_whole(loaded: LoadedSpec, entries: list[_Part | _Section], numbers: list[SpecPath],
                    held: dict[str, memoryview]) -> Callable[[], list[bytes | memoryview]] | None:
    """What makes the parts' blobs from a load of the whole text, once its keys are shown to be the
    split's, at the split's lines and columns; None when they are not. (Made only when the cache is
    written, which a cold build defers: the value must not change meanwhile, and nothing does change
    a loaded spec's data.)"""
    data, keys = loaded.data, loaded.source.keys
    if list(data) != [entry.key for entry in entries]:
        return None
    found: dict[SpecPath, list[SpecPath]] = {}
    split = {entry.key for entry in entries if isinstance(entry, _Section)}
    for path in numbers:
        found.setdefault(path[:2] if path[0] in split else path[:1], []).append(path)
    blobs: list[tuple[bytes | memoryview | None, Any, list[SpecPath]]] = []
    for entry in entries:
        mark = keys[(entry.key,)]
        if (mark.line, mark.column) != (entry.line, 0):
            return None
        if isinstance(entry, _Section):
            mapping = data[entry.key]
            if not isinstance(mapping, dict) or list(mapping) != [part.key for part in entry.parts]:
                return None
        for part in entry.parts if isinstance(entry, _Section) else [entry]:
            place = (*part.prefix, part.key)
            mark = keys[place]
            if (mark.line, mark.column) != (part.line, part.column):
                return None
            value = data[part.prefix[0]][part.key] if part.prefix else data[part.key]
            blobs.append((held.get(part.digest), value, [path[len(place):] for path in found.get(place, [])]))
    return lambda: [blob if blob is not None else _blob(value, numbers) for blob, value, numbers in blobs]


def _blob(value: Any, numbers: list[SpecPath]) -> bytes:
    """`value` as `marshal` stores it, with its numbers (at `numbers`) written as their text."""
    if numbers == [()]:
        return marshal.dumps((value.text, (((), isinstance(value, SourceFloat)),)))
    swapped = []
    for path in numbers:  # swapped for their text in place, and back: copying the tree would cost more
        container = _at(value, path[:-1])
        number = container[path[-1]]
        container[path[-1]] = number.text
        swapped.append((container, path[-1], number))
    try:
        return marshal.dumps((value, tuple((path, isinstance(number, SourceFloat))
                                           for path, (_, _, number) in zip(numbers, swapped))))
    finally:
        for container, step, number in swapped:
            container[step] = number


def _value(blob: bytes | memoryview) -> Any:
    value, numbers = marshal.loads(blob)
    for path, is_float in numbers:
        kind = SourceFloat if is_float else SourceInt
        if not path:
            return kind(value)
        container = _at(value, path[:-1])
        container[path[-1]] = kind(container[path[-1]])
    return value


def _at(value: Any, path: SpecPath) -> Any:
    for step in path:
        value = value[step]
    return value


def _store(file: Path) -> Path | None:
    return spec_store("spec-parts", file)


@lru_cache(maxsize=1)
def _key() -> str | None:
    """What a part's value depends on besides its text: the loader's code (this module, `load.py`
    and `scalars.py`), PyYAML and libyaml, and Python (whose `marshal` format the blobs are in).
    Narrower than the generator fingerprint, as the format cache's key is: a template's edit does
    not change a load, and hashing all of schemagen costs more than a load from the cache. None
    (no cache) where the source files are not there to hash (a zip import, a frozen app)."""
    digest = hashlib.sha256()
    try:
        for module in ("incremental.py", "load.py", "scalars.py"):
            digest.update(module.encode() + b"\0" + Path(__file__).with_name(module).read_bytes() + b"\0")
    except OSError:
        return None
    libyaml = getattr(getattr(yaml, "_yaml", None), "get_version_string", lambda: "none")()
    return f"loader {digest.hexdigest()[:32]}, pyyaml {yaml.__version__}, libyaml {libyaml}, python {sys.version}"


def _read(store: Path, key: str) -> dict[str, memoryview]:
    """The parts the cache holds for this spec: their blobs by digest, in the order stored."""
    sealed = read_sealed(store, _MAGIC, key)
    if sealed is None:
        return {}
    header, body = sealed
    held: dict[str, memoryview] = {}
    offset = 0
    try:
        for digest, size in header["parts"]:
            if not isinstance(digest, str) or not isinstance(size, int) or size < 0:
                return {}
            held[digest] = body[offset:offset + size]
            offset += size
    except (KeyError, TypeError, ValueError):
        return {}
    return held if offset == len(body) else {}


def _write(store: Path, key: str, parts: list[_Part],
           made: list[bytes | memoryview] | Callable[[], list[bytes | memoryview]]) -> None:
    blobs = made() if callable(made) else made
    if not write_sealed(store, _MAGIC, key, {"parts": [[part.digest, len(blob)] for part, blob in zip(parts, blobs)]},
                        blobs):
        return
    keep_recent(store.parent, "*.bin", KEEP, _LOADED_HERE)
