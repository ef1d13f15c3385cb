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
from collections.abc import Iterable
from pathlib import Path
from typing import Any

from schemagen.catalog import Catalog
from schemagen.codegen.fragments import Digests, Entry, TableFragments, plain
from schemagen.resources import keep_recent, mark_used, read_sealed, write_sealed

_FORMAT = b"schemagen render cache 1\n"
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
        self.ready: dict[str, tuple[dict[str, Entry], list[Any]]] = {}
        """Modules' entries (the very dict of `modules[module].made`) and the file's data of them, made
        ahead of `save` (`settle`, `take`) while another core still works."""
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
            modules = marshal.loads(body)  # trusted: its digest matched
            return {module: _module(data) for module, data in modules.items()}, str(header["sha256"])
        except (ValueError, KeyError, TypeError, AttributeError, EOFError, IndexError):
            return {}, ""

    def fragments(self, module: str, *, fresh: bool = False) -> TableFragments:
        """The fragments of `module` (`fresh`: none reused, all made again)."""
        made = self.modules[module] = TableFragments({} if fresh else self.stored.get(module, {}), self.digests)
        return made

    def made_in(self, modules: Iterable[str]) -> dict[str, tuple[list[str], list[Any]]]:
        """This render's entries of `modules` (fragment namespaces), for `take` in another process
        (a forked child's, handed to its parent) in plain data (marshal's: three times quicker to
        write and read than pickling the entries): each module's tables in order, and the entries
        not reused as they were read (the other process has those, and `save` tells them by identity)
        as the file keeps them."""
        out = {}
        for module in modules:
            stored = self.stored.get(module, {})
            made = self.modules[module].made
            out[module] = (list(made), _stored({table: entry for table, entry in made.items()
                                                 if entry is not stored.get(table)}))
        return out

    def take(self, made: dict[str, tuple[list[str], list[Any]]]) -> None:
        """`made_in`'s entries, made by another process over the same cache as read: kept as if made here."""
        for module, (tables, data) in made.items():
            stored = self.stored.get(module, {})
            new = _module(data)
            fragments = self.modules[module] = TableFragments(stored, self.digests)
            fragments.made = {table: new[table] if table in new else stored[table] for table in tables}
            if len(new) == len(tables):  # all made anew: the data is the file's, as `save` would make it
                self.ready[module] = (fragments.made, data)

    def settle(self, modules: Iterable[str]) -> None:
        """The file's data of `modules`' entries made now, for `save`: a build on two cores makes it
        while the other core still works, instead of after."""
        for module in modules:
            made = self.modules[module].made
            self.ready[module] = (made, _stored(made))

    def save(self) -> None:
        """Keep this render's entries; errors only cost time. Where few differ from the file's, only
        those are written, to the delta beside it (a rebuild after an edit writes a few tables, not
        all); else the file is written whole, with exactly this render's entries."""
        if self.path is None:
            return
        made = {module: self.modules[module].made for module in sorted(self.modules, key=_rank)}
        if made == self.stored:
            mark_used(self.path)
            return  # everything reused: the files hold it already
        changed = {module: {table: entry for table, entry in entries.items()
                            if entry is not self.base.get(module, {}).get(table)} for module, entries in made.items()}
        count = sum(len(entries) for entries in changed.values())
        if self.base_sha256 and count <= max(_DELTA_LEAST, sum(map(len, made.values())) // _DELTA_SHARE):
            self._write(_delta(self.path), changed, self.base_sha256)
            mark_used(self.path)
        elif self._write(self.path, made, ""):
            with contextlib.suppress(OSError):
                _delta(self.path).unlink()
            # (the file of a package or spec that moved or went is left behind: the oldest go)
            for old in keep_recent(self.path.parent, "*.bin", KEEP, _RENDERED_HERE):
                with contextlib.suppress(OSError):
                    _delta(old).unlink()

    def _write(self, path: Path, modules: dict[str, dict[str, Entry]], base: str) -> bool:
        def data(module: str, entries: dict[str, Entry]) -> list[Any]:
            made, ready = self.ready.get(module, (None, []))
            return ready if made is entries else _stored(entries)

        try:
            body = marshal.dumps({module: data(module, entries) for module, entries in modules.items()})
        except ValueError:  # not plain data: a bug, but the cache only ever saves time
            return False
        return write_sealed(path, _FORMAT, self.key, {"base": base} if base else {}, [body])


def _delta(path: Path) -> Path:
    return path.with_name(path.name + ".delta")
