"""The render cache: each table's rendered fragments, kept between builds (see `fragments.py`).

A rebuild after an edit to one table renders that table (and those that read it) again and takes
the other tables' text from here. The file lives in the cache folder (`$SCHEMAGEN_CACHE_DIR`, off
when it is set empty, as the format cache), one per package and spec, rewritten after each render
with exactly the entries that render made or used. It is keyed on the generator fingerprint (the
code and templates that shape output), Jinja's and Python's versions and the line length: another
key retires every entry. A file that is unreadable, truncated or altered (its digest no longer
matches) is ignored; the cache only ever saves time.
"""

from __future__ import annotations

import contextlib
import hashlib
import marshal
import sys
from collections.abc import Iterable, Mapping
from pathlib import Path
from typing import Any, NamedTuple

from schemagen.catalog import Catalog
from schemagen.codegen.fragments import Digests, Entry, TableFragments, plain
from schemagen.resources import keep_recent, mark_used, read_sealed, write_sealed

_FORMAT = b"schemagen render cache 2\n"
KEEP = 32  # packages whose fragments are kept, the most recently used (and any this process renders)
_RENDERED_HERE: set[Path] = set()
# the delta holds at most this many entries, or this share of them: past that the file is rewritten
_DELTA_LEAST = 64
_DELTA_SHARE = 8
# The modules' fragments in the order a build makes them (and the file keeps them), wherever they were
# made (`take`); others after them
NAMESPACES = ("models", "schemas", "nested", "relations", "loads")


def _rank(module: str) -> int:
    return NAMESPACES.index(module) if module in NAMESPACES else len(NAMESPACES)


def _jinja() -> bytes:
    # Jinja's `__init__.py` (it holds the version), found on `sys.path` without importing anything
    for folder in sys.path:
        with contextlib.suppress(OSError):
            return Path(folder or ".", "jinja2", "__init__.py").read_bytes()
    return b"missing"


def _key() -> str:
    from schemagen.fingerprint import generator_fingerprint
    from schemagen.format.style import line_length

    jinja = hashlib.sha256(_jinja()).hexdigest()[:16]
    return f"{generator_fingerprint()} jinja {jinja} python {sys.version} line {line_length()}"


def _module(data: Any) -> dict[str, Entry]:
    """A module's entries as `_stored` wrote them: its distinct calls, effects and import names once,
    each entry naming them by index (most tables make the same calls: fewer objects to read)."""
    calls, effects, names, entries = data
    if not all(isinstance(part, list) for part in (calls, effects, names)) or not isinstance(entries, dict):
        raise ValueError("not a module's entries")
    # the file's digest and key prove this code wrote it: only its outline is checked
    return {table: Entry(reads, digest, [calls[index] for index in call_ids], effects[effects_id], names[names_id], text)
            for table, (reads, digest, call_ids, effects_id, names_id, text) in entries.items()}


def _stored(entries: dict[str, Entry]) -> list[Any]:
    """`_module`'s data of `entries`."""
    calls: dict[Any, int] = {}
    effects: dict[str, tuple[int, dict[str, Any]]] = {}
    names: dict[str, tuple[int, dict[str, str]]] = {}
    out = {}
    seen: dict[int, int] = {}  # effects by identity first: reused entries share them (never changed)
    for table, entry in entries.items():
        call_ids = tuple([calls.setdefault(call, len(calls)) for call in entry.calls])
        effects_id = seen.get(id(entry.effects))
        if effects_id is None:
            effects_id = seen[id(entry.effects)] = effects.setdefault(repr(entry.effects), (len(effects), entry.effects))[0]
        names_id = names.setdefault(repr(entry.names), (len(names), entry.names))[0]
        out[table] = (entry.reads, entry.digest, call_ids, effects_id, names_id, entry.text)
    return [[plain(call) for call in calls], [value for _, value in effects.values()], [value for _, value in names.values()], out]


class RenderCache:
    """The fragments one catalog's last render left, and those this render makes or uses."""

    def __init__(self, path: Path | None, catalog: Catalog) -> None:
        self.path = path
        self.digests = Digests(catalog)
        self.base: dict[str, dict[str, Entry]] = {}
        """The entries of the file itself, `path`."""
        self.base_sha256 = ""
        self.stored: dict[str, dict[str, Entry]] = {}
        """The entries to reuse: the file's, and over them those of its delta (`path` + `.delta`)."""
        self.modules: dict[str, TableFragments] = {}
        """The fragments of the modules rendered here."""
        self.serialized: dict[str, tuple[TableFragments, Serialized]] = {}
        """`made_in`'s serializing of the fragments rendered here (`modules`), to reuse in `save`."""
        self.taken: dict[str, Serialized] = {}
        """The entries another process made (`take`)."""
        self.key = _key()
        if path is not None:
            _RENDERED_HERE.add(path)
            self.base, self.base_sha256 = self._read(path, "")
            delta, _ = self._read(_delta(path), self.base_sha256) if self.base_sha256 else ({}, "")
            self.stored = {module: {**entries, **delta.get(module, {})} for module, entries in self.base.items()}
            for module, entries in delta.items():
                self.stored.setdefault(module, entries)

    @classmethod
    def for_catalog(cls, catalog: Catalog) -> RenderCache | None:
        from schemagen.resources import cache_root

        root = cache_root()
        if root is None:
            return None
        name = hashlib.sha256(f"{catalog.package}\0{catalog.source}".encode()).hexdigest()[:24]
        return cls(root / "render" / f"{name}.bin", catalog)

    def _read(self, path: Path, base: str) -> tuple[dict[str, dict[str, Entry]], str]:
        """The entries of a file and its digest; a delta's only over the file of digest `base`."""
        sealed = read_sealed(path, _FORMAT, self.key)
        if sealed is None or sealed[0].get("base", "") != base:
            return {}, ""
        header, body = sealed
        try:
            modules, offset = {}, 0
            for module, size in header["modules"]:
                # trusted: its digest matched
                modules[str(module)] = _module(marshal.loads(body[offset:offset + size]))
                offset += size
        except (ValueError, KeyError, TypeError, AttributeError, EOFError, IndexError):
            return {}, ""
        return (modules, str(header["sha256"])) if offset == len(body) else ({}, "")

    def fragments(self, module: str, *, fresh: bool = False) -> TableFragments:
        """The fragments of `module` (`fresh`: none reused, all made again)."""
        made = self.modules[module] = TableFragments({} if fresh else self.stored.get(module, {}), self.digests)
        return made

    def made_in(self, modules: Iterable[str]) -> dict[str, Serialized]:
        """This render's entries of `modules` (fragment namespaces) as `save` writes them, for `take`
        in another process (a forked child's, handed to its parent): serialized here, where they
        were made, so that each process serializes its own half. The child's answer is then bytes:
        serializing costs the child what pickling its entries did (~20 ms CPU on real300), and the
        parent no longer unpickles them (9 ms, now 4) only to serialize them again. Kept here too:
        `save` then reuses them."""
        out = {}
        for module in modules:
            fragments = self.modules[module]
            done = self.serialized.get(module)
            if done is None or done[0] is not fragments:
                entries = fragments.made
                changed = self._changed(module, entries)
                whole = _serialize(entries)
                done = self.serialized[module] = (fragments, Serialized(
                    len(entries), entries == self.stored.get(module), len(changed), whole,
                    whole if len(changed) == len(entries) else _serialize(changed)))
            out[module] = done[1]
        return out

    def take(self, made: Mapping[str, tuple[int, bool, int, bytes | None, bytes | None]]) -> None:
        """`made_in`'s entries, made by another process over the same cache as read: kept as if made
        here (each as a `Serialized`, or the plain tuple of one that marshal carried)."""
        for module, entries in made.items():
            self.modules.pop(module, None)
            self.taken[module] = Serialized(*entries)

    def save(self) -> None:
        """Keep this render's entries; errors only cost time. Where few differ from the file's, only
        those are written, to the delta beside it (a rebuild after an edit writes a few tables, not
        all); else the file is written whole, with exactly this render's entries."""
        if self.path is None:
            return
        # the modules serialized already (`made_in`, here or in another process), and the others
        done = {module: serialized for module, (fragments, serialized) in self.serialized.items()
                if self.modules.get(module) is fragments}
        done.update(self.taken)
        local = {module: fragments.made for module, fragments in self.modules.items() if module not in done}
        order = sorted([*local, *done], key=_rank)
        if set(order) == set(self.stored) and all(
                done[module].reused if module in done else local[module] == self.stored[module] for module in order):
            mark_used(self.path)
            return  # everything reused: the files hold it already
        changed = {module: self._changed(module, entries) for module, entries in local.items()}
        count = sum(map(len, changed.values())) + sum(part.changed for part in done.values())
        tables = sum(map(len, local.values())) + sum(part.tables for part in done.values())
        if self.base_sha256 and count <= max(_DELTA_LEAST, tables // _DELTA_SHARE):
            delta = [(module, done[module].delta if module in done else _serialize(changed[module])) for module in order]
            self._write(_delta(self.path), delta, self.base_sha256)
            mark_used(self.path)
        elif self._write(self.path, [(module, done[module].whole if module in done else _serialize(local[module]))
                                     for module in order], ""):
            with contextlib.suppress(OSError):
                _delta(self.path).unlink()
            # (the file of a package or spec that moved or went is left behind: the oldest go)
            for old in keep_recent(self.path.parent, "*.bin", KEEP, _RENDERED_HERE):
                with contextlib.suppress(OSError):
                    _delta(old).unlink()

    def _changed(self, module: str, entries: dict[str, Entry]) -> dict[str, Entry]:
        """The entries the file itself lacks (made now, or read from its delta)."""
        base = self.base.get(module, {})
        return {table: entry for table, entry in entries.items() if entry is not base.get(table)}

    def _write(self, path: Path, modules: list[tuple[str, bytes | None]], base: str) -> bool:
        if any(data is None for _, data in modules):
            return False  # not plain data: a bug, but the cache only ever saves time
        header: dict[str, Any] = {"modules": [[module, len(data or b"")] for module, data in modules]}
        if base:
            header["base"] = base
        return write_sealed(path, _FORMAT, self.key, header, [data for _, data in modules if data])


class Serialized(NamedTuple):
    """One module's entries of a render, as `save` writes them (`made_in`)."""

    tables: int
    """Entries made or reused."""
    reused: bool
    """Exactly the entries stored (the file's and its delta's)."""
    changed: int
    """Entries the file lacks."""
    whole: bytes | None
    """All, serialized (`_serialize`); None where that failed."""
    delta: bytes | None
    """Those the file lacks, serialized."""


def _serialize(entries: dict[str, Entry]) -> bytes | None:
    """A module's entries as the file holds them; None when they are not plain data (a bug)."""
    try:
        return marshal.dumps(_stored(entries))
    except ValueError:
        return None


def _delta(path: Path) -> Path:
    return path.with_name(path.name + ".delta")
