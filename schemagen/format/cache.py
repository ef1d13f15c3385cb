"""A content-addressed cache of black's output for the pieces `format/` sends it.

A piece's formatted text depends only on the piece, black's version and the mode, so the key is a
hash of those and an entry can never be stale. The cache lives outside the project (it is not
output): `$SCHEMAGEN_CACHE_DIR`, else `$XDG_CACHE_HOME/schemagen`, else `~/.cache/schemagen`;
`SCHEMAGEN_CACHE_DIR=` (empty) turns it off. There is one file per output folder, rewritten after
each run with exactly the entries that run used, so it never grows past one build's pieces.
It also keeps each module's record of top-level statements (`format/reuse.py`), keyed on the module
and the line length, so that a rebuild cuts only the statements that changed.
A cache that cannot be read or written is ignored: it only ever saves time.
"""

from __future__ import annotations

import hashlib
import marshal
from collections.abc import Iterable, Mapping
from functools import lru_cache
from pathlib import Path

from schemagen.format.lines import Piece
from schemagen.format.reuse import Record, statement_key
from schemagen.resources import cache_root, keep_recent, mark_used, read_sealed, write_sealed
from schemagen.format.style import line_length, TARGET

_FORMAT = b"schemagen format cache 2\n"
KEEP = 32  # output folders whose cache is kept, the most recently used (and any this process formats)
_FORMATTED_HERE: set[Path] = set()

@lru_cache(maxsize=1)
def _formatter() -> str:
    # Keyed on the installed black and on the formatter's own code: a change in either retires every entry.
    from importlib.metadata import PackageNotFoundError, version

    try:
        installed = version("black")
    except PackageNotFoundError:
        installed = "missing"
    digest = hashlib.sha256()
    for path in sorted(Path(__file__).resolve().parent.glob("*.py")):
        if path.name != "cache.py":
            digest.update(path.name.encode() + b"\0" + path.read_bytes() + b"\0")
    return f"black {installed}, {TARGET}, formatter {digest.hexdigest()[:16]}"


_text_key = statement_key  # a statement parsed and a statement reused are known by the same key


def _is_record(value: object) -> bool:
    """A record as `reuse.py` writes it (a corrupt one is dropped, as a corrupt file is)."""
    return isinstance(value, list) and all(
        isinstance(entry, list) and len(entry) == 3 and isinstance(entry[0], int) and isinstance(entry[1], str)
        and (entry[2] is None or isinstance(entry[2], list) and all(
            isinstance(part, str) or isinstance(part, list) and len(part) == 3 and isinstance(part[0], str)
            and isinstance(part[1], int) and isinstance(part[2], str) for part in entry[2]))
        for entry in value)


def _key(piece: Piece) -> str:
    return hashlib.sha256(f"{line_length()}\0{piece.kind}\0{piece.depth}\0{piece.text}".encode()).hexdigest()[:40]


class FormatCache:
    def __init__(self, path: Path | None) -> None:
        self.path = path
        self.entries: dict[str, str] = {}
        self.used: dict[str, str] | None = None
        self.parsed_keys: set[str] = set()
        self.parsed_now: set[str] = set()
        self.modules: dict[str, Record] = {}
        self.modules_now: dict[str, Record] = {}
        if path is None:
            return
        _FORMATTED_HERE.add(path)
        sealed = read_sealed(path, _FORMAT, _formatter())
        try:
            data = marshal.loads(sealed[1]) if sealed is not None else None  # trusted: its digest matched
        except (ValueError, EOFError, TypeError):
            return
        if isinstance(data, dict) and isinstance(data.get("pieces"), dict):
            self.entries = {k: v for k, v in data["pieces"].items() if isinstance(k, str) and isinstance(v, str)}
            parsed = data.get("parsed")
            self.parsed_keys = {k for k in parsed if isinstance(k, str)} if isinstance(parsed, list) else set()
            modules = data.get("modules")
            if isinstance(modules, dict):
                self.modules = {k: v for k, v in modules.items() if isinstance(k, str) and _is_record(v)}

    @classmethod
    def for_output(cls, out_dir: Path) -> FormatCache:
        root = cache_root()
        if root is None:
            return cls(None)
        folder = hashlib.sha256(str(out_dir.resolve()).encode()).hexdigest()[:24]
        return cls(root / f"format-{folder}.bin")

    def lookup(self, pieces: Iterable[Piece]) -> dict[Piece, str]:
        found = {}
        for piece in pieces:
            text = self.entries.get(_key(piece))
            if text is not None:
                found[piece] = text
        return found

    def parsed_before(self, statement: str) -> bool:
        return self.unparsed_key(statement) is None

    def unparsed_key(self, statement: str) -> str | None:
        """None for a statement that parsed in an earlier run (kept as parsed in this one), else its
        key for `parsed_key` once it parses: hashed once for both (a cold build hashes every
        statement of the package, 4 MB at 300 tables)."""
        key = _text_key(statement)
        if key in self.parsed_keys:
            self.parsed_now.add(key)
            return None
        return key

    def parsed(self, statement: str) -> None:
        """A top-level statement that parsed as Python: no need to parse it again."""
        self.parsed_now.add(_text_key(statement))

    def parsed_key(self, key: str) -> None:
        """`parsed`, by the key `unparsed_key` gave."""
        self.parsed_now.add(key)

    def record(self, module: str) -> Record | None:
        """The statements of `module` as the previous build cut them for this line length."""
        return self.modules.get(f"{line_length()} {module}")

    def keep_record(self, module: str, record: Record, reused: list[str]) -> None:
        """`module`'s statements as this build cut them; `reused` statements parsed before."""
        self.modules_now[f"{line_length()} {module}"] = record
        self.parsed_now.update(reused)

    def remember(self, formatted: Mapping[Piece, str]) -> None:
        """This run's pieces: what `save()` will keep."""
        self.used = {_key(piece): text for piece, text in formatted.items()}

    def progress(self) -> tuple[set[str], dict[str, Record], dict[str, str] | None]:
        """What this run keeps so far (statements parsed, modules' records, pieces), to hand to `add`."""
        return set(self.parsed_now), dict(self.modules_now), None if self.used is None else dict(self.used)

    def add(self, progress: tuple[set[str], dict[str, Record], dict[str, str] | None]) -> None:
        """Keep also what another part of the same run kept (`progress`, over other modules, maybe in
        a forked child): `save()` then keeps what one run over all the modules would."""
        parsed, modules, used = progress
        self.parsed_now.update(parsed)
        self.modules_now.update(modules)
        if used is not None:
            self.used = {**(self.used or {}), **used}

    def save(self) -> None:
        """Keep exactly this run's pieces on disk (after the run's own writes); errors only cost time."""
        entries = self.used
        if self.path is None or entries is None:
            return
        if entries == self.entries and self.parsed_now == self.parsed_keys and self.modules_now == self.modules:
            mark_used(self.path)
            return
        # marshal, not JSON: ~7 times as fast to write and to read (real300: 1.9 MB, 1.5 ms instead of
        # 11 ms to write, 9 ms to read); version 0 and the keys sorted, so that the same entries are
        # the same bytes, however this run came by them (its own, or a forked child's)
        try:
            body = marshal.dumps({"pieces": dict(sorted(entries.items())), "parsed": sorted(self.parsed_now),
                                  "modules": dict(sorted(self.modules_now.items()))}, 0)
        except ValueError:  # not plain data: a bug, but the cache only ever saves time
            return
        if not write_sealed(self.path, _FORMAT, _formatter(), {}, [body]):
            return
        # (the cache of an output folder that moved or went is left behind: the oldest go)
        keep_recent(self.path.parent, "format-*.bin", KEEP, _FORMATTED_HERE)
        keep_recent(self.path.parent, "format-*.json", 0)  # the format before this one: never read
        self.entries = entries
        self.parsed_keys = set(self.parsed_now)
        self.modules = dict(self.modules_now)
