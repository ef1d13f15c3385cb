"""A content-addressed cache of black's output for the pieces `format/` sends it.

A piece's formatted text depends only on the piece, black's version and the mode, so the key is a
hash of those and an entry can never be stale. The cache lives outside the project (it is not
output): `$SCHEMAGEN_CACHE_DIR`, else `$XDG_CACHE_HOME/schemagen`, else `~/.cache/schemagen`;
`SCHEMAGEN_CACHE_DIR=` (empty) turns it off. There is one file per output folder, rewritten after
each run with exactly the entries that run used, so it never grows past one build's pieces.
A cache that cannot be read or written is ignored: it only ever saves time.
"""

from __future__ import annotations

import contextlib
import hashlib
import json
import os
import tempfile
from collections.abc import Iterable, Mapping
from functools import lru_cache
from pathlib import Path

from schemagen.format.lines import Piece
from schemagen.resources import cache_root
from schemagen.format.style import line_length, TARGET

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


def _text_key(text: str) -> str:
    return hashlib.sha256(text.encode()).hexdigest()[:40]


def _key(piece: Piece) -> str:
    return hashlib.sha256(f"{line_length()}\0{piece.kind}\0{piece.depth}\0{piece.text}".encode()).hexdigest()[:40]


class FormatCache:
    def __init__(self, path: Path | None) -> None:
        self.path = path
        self.entries: dict[str, str] = {}
        self.used: dict[str, str] | None = None
        self.parsed_keys: set[str] = set()
        self.parsed_now: set[str] = set()
        if path is None:
            return
        try:
            data = json.loads(path.read_text("utf-8"))
        except (OSError, ValueError):
            return
        if isinstance(data, dict) and data.get("formatter") == _formatter() and isinstance(data.get("pieces"), dict):
            self.entries = {k: v for k, v in data["pieces"].items() if isinstance(k, str) and isinstance(v, str)}
            parsed = data.get("parsed")
            self.parsed_keys = {k for k in parsed if isinstance(k, str)} if isinstance(parsed, list) else set()

    @classmethod
    def for_output(cls, out_dir: Path) -> FormatCache:
        root = cache_root()
        if root is None:
            return cls(None)
        folder = hashlib.sha256(str(out_dir.resolve()).encode()).hexdigest()[:24]
        return cls(root / f"format-{folder}.json")

    def lookup(self, pieces: Iterable[Piece]) -> dict[Piece, str]:
        found = {}
        for piece in pieces:
            text = self.entries.get(_key(piece))
            if text is not None:
                found[piece] = text
        return found

    def parsed_before(self, statement: str) -> bool:
        key = _text_key(statement)
        if key in self.parsed_keys:
            self.parsed_now.add(key)
            return True
        return False

    def parsed(self, statement: str) -> None:
        """A top-level statement that parsed as Python: no need to parse it again."""
        self.parsed_now.add(_text_key(statement))

    def remember(self, formatted: Mapping[Piece, str]) -> None:
        """This run's pieces: what `save()` will keep."""
        self.used = {_key(piece): text for piece, text in formatted.items()}

    def save(self) -> None:
        """Keep exactly this run's pieces on disk (after the run's own writes); errors only cost time."""
        entries = self.used
        if self.path is None or entries is None or (entries == self.entries and self.parsed_now == self.parsed_keys):
            return
        try:
            self.path.parent.mkdir(parents=True, exist_ok=True)
            handle, temporary = tempfile.mkstemp(dir=self.path.parent, prefix=".format-", suffix=".tmp")
        except OSError:
            return
        try:
            with os.fdopen(handle, "w", encoding="utf-8") as stream:
                json.dump({"formatter": _formatter(), "pieces": entries, "parsed": sorted(self.parsed_now)}, stream,
                          sort_keys=True)
            os.replace(temporary, self.path)
        except OSError:
            with contextlib.suppress(OSError):
                os.unlink(temporary)
            return
        self.entries = entries
        self.parsed_keys = set(self.parsed_now)
