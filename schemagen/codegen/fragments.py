"""Per-table fragments of a module, recorded so that a later build can reuse them (`render_cache.py`).

A table's fragment (its model class, its schemas, its relation entries and load specs) is text made from three kinds of input:

- the catalog objects it reads: `RecordingCatalog` notes each (its own table, FK targets, relation
  partners, enums, shapes), and the entry keeps their digests;
- the module's shared state it asks (`Imports.name`, a shared constant's name, ...): every call
  with its result, in order (`Imports.journal`, each import once; `Recorder` for the others);
- the module's import names the template reads (`n.Select`): `RecordingNames` notes them.

A later build reuses the text when every read object has the same digest now, and replaying the
calls on its shared state, in table order, gives every recorded result again (replaying also
makes the calls' effects, as rendering the table would). Every recorded call is idempotent: when a
replay stops at a call whose result differs, rendering the table afresh makes the same calls up to
it again without changing the state further, so the module ends as a cold build leaves it. Effects
that only write (flags, lists the module prints) are kept per table by the builder and merged in
table order, as a cold build makes them.
"""

from __future__ import annotations

import hashlib
import marshal
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from typing import Any, Protocol, TypeVar

from schemagen.catalog import Catalog, Table, TableLookups
from schemagen.catalog.records import Encoder
from schemagen.codegen.literals import Code

Made = TypeVar("Made")
_Made_co = TypeVar("_Made_co", covariant=True)
Call = tuple[str, str, tuple[Any, ...], tuple[tuple[str, Any], ...], Any]
"""(target, method, args, keyword args, result) of a call on a module's shared state."""


@dataclass(slots=True)
class Entry:
    """One table's fragment and everything it was made from."""

    reads: tuple[str, ...]
    """`kind name` of each catalog object read, sorted."""
    digest: str
    """Of the digests of what it read, as they were (`Digests.combined`)."""
    calls: list[Call]
    effects: dict[str, Any]
    """The builder's write-only effects, JSON data (shared between entries: never changed)."""
    names: dict[str, str] = field(default_factory=dict)
    """The import names the template read, with their values."""
    text: str = ""


def digest(value: object, encoder: Encoder) -> str:
    """sha256 of a catalog value's plain data (`Encoder`); of its `repr` where that data cannot be
    written (a value `Encoder` did not foresee): frozen dataclasses of tuples and plain values, whose
    repr is deterministic and complete too, only slower."""
    try:
        # version 0: no references nor interned-string marks, which would show objects' identity
        data = b"m" + marshal.dumps(encoder.plain(value), 0)
    except (ValueError, AttributeError):
        data = b"r" + repr(value).encode()
    return hashlib.sha256(data).hexdigest()[:24]


class Digests:
    """The digests of the catalog's objects, each made once a build (the catalog is frozen)."""

    def __init__(self, catalog: Catalog) -> None:
        self.catalog = catalog
        self.known: dict[str, str] = {}
        self.encoder = Encoder()

    def of(self, read: str) -> str:
        found = self.known.get(read)
        if found is None:
            found = self.known[read] = digest(self._value(read), self.encoder)
        return found

    def _value(self, read: str) -> object:
        kind, _, name = read.partition(" ")
        catalog = self.catalog
        if kind == "table":
            return catalog._tables.get(name)
        if kind == "enum":
            return catalog.enum(name)
        if kind == "shape":
            return catalog.shape(name)
        return getattr(catalog, name)

    def combined(self, reads: tuple[str, ...]) -> str:
        """One digest of the objects `reads` names, as they are now."""
        return hashlib.sha256("\0".join([self.of(read) for read in reads]).encode()).hexdigest()[:24]


class RecordingCatalog(TableLookups):
    """The catalog as one table's code sees it, noting each object read (as `kind name`)."""

    def __init__(self, catalog: Catalog, reads: set[str]) -> None:
        self._catalog = catalog
        self._reads = reads

    def table(self, name: str) -> Table:
        self._reads.add(f"table {name}")
        return self._catalog.table(name)

    def enum(self, name: str) -> Any:
        self._reads.add(f"enum {name}")
        return self._catalog.enum(name)

    def shape(self, name: str) -> Any:
        self._reads.add(f"shape {name}")
        return self._catalog.shape(name)

    def __getattr__(self, name: str) -> Any:
        # anything else (`tables`, `shapes`, `naming_convention`, ...) is read whole
        self._reads.add(f"attr {name}")
        return getattr(self._catalog, name)


class Recorder:
    """Forwards method calls to `target` and notes each with its result."""

    def __init__(self, label: str, target: object, calls: list[Call]) -> None:
        self._label = label
        self._target = target
        self._calls = calls

    def __getattr__(self, method: str) -> Callable[..., Any]:
        bound = getattr(self._target, method)
        label, calls = self._label, self._calls

        def recorded(*args: Any, **kwargs: Any) -> Any:
            result = bound(*args, **kwargs)
            calls.append((label, method, args, tuple(sorted(kwargs.items())) if kwargs else (), result))
            return result

        setattr(self, method, recorded)  # found directly from now on
        return recorded


def plain(call: Call) -> Call:
    """The call in plain values (a `Code` is a str subclass): the cache file holds only plain data."""
    label, method, args, kwargs, result = call

    def value(item: Any) -> Any:
        return str(item) if isinstance(item, str) else item

    return label, method, tuple(map(value, args)), tuple((key, value(item)) for key, item in kwargs), value(result)


def replay(calls: list[Call], targets: Mapping[str, object], imported: set[Call]) -> bool:
    """Make the recorded calls again, in order; False at the first whose result differs now.
    `imported`: the import calls replayed before in this module, which would give the same again
    and change nothing (see `Imports.journal`)."""
    for call in calls:
        if call in imported:
            continue
        label, method, args, kwargs, result = call
        if getattr(targets[label], method)(*args, **dict(kwargs)) != result:
            return False
        if label == "imports":
            imported.add(call)
    return True


class RecordingNames:
    """A module's import names (`n` in the templates), noting those a fragment reads."""

    def __init__(self, names: Mapping[str, Code]) -> None:
        self._names = names
        self.read: dict[str, str] = {}

    def __getitem__(self, name: str) -> Code:
        value = self._names[name]
        self.read[name] = str(value)
        return value

    def __getattr__(self, name: str) -> Code:
        if name.startswith("__"):
            raise AttributeError(name)
        try:
            return self[name]
        except KeyError:
            raise AttributeError(name) from None


class Builder(Protocol[_Made_co]):
    """What a module builder gives `TableFragments.fragment`."""

    def make(self, table: Table) -> _Made_co:
        """The table's IR, made on the builder's shared state."""

    def isolate(self, reads: set[str], calls: list[Call]) -> Callable[[], dict[str, Any]]:
        """Make the builder record what the next table reads and asks, with its write-only effects
        kept apart; the function returned puts the builder back and gives those effects."""

    def merge(self, effects: dict[str, Any]) -> None:
        """Apply a table's write-only effects, in table order as a cold build makes them."""


class TableFragments:
    """One module's fragments in one build: the reusable entries of the last build, and this build's."""

    def __init__(self, stored: Mapping[str, Entry], digests: Digests | None) -> None:
        self.stored = stored
        self.digests = digests
        self.made: dict[str, Entry] = {}
        self.imported: set[Call] = set()

    def fragment(self, builder: Builder[Made], table: Table, targets: Mapping[str, object]
                 ) -> tuple[Entry, Made | None]:
        """The table's entry: the last build's, its calls replayed on `targets` (the builder's
        shared state, by label) and its effects merged; else made afresh (its IR given with it,
        to render once the module's import names are known)."""
        entry = self.reusable(table)
        if entry is not None and replay(entry.calls, targets, self.imported):
            builder.merge(entry.effects)
            self.made[table.name] = entry
            return entry, None
        reads: set[str] = set()
        calls: list[Call] = []
        restore = builder.isolate(reads, calls)
        try:
            made = builder.make(table)
        finally:
            effects = restore()
        builder.merge(effects)
        return self.record(table, reads, calls, effects), made

    def reusable(self, table: Table) -> Entry | None:
        """The last build's entry of `table` if what it read is unchanged (its calls still to replay)."""
        entry = self.stored.get(table.name)
        if entry is None or self.digests is None or self.digests.combined(entry.reads) != entry.digest:
            return None
        return entry

    def record(self, table: Table, reads: set[str], calls: list[Call], effects: dict[str, Any]) -> Entry:
        assert self.digests is not None
        reads.add(f"table {table.name}")
        ordered = tuple(sorted(reads))
        entry = Entry(ordered, self.digests.combined(ordered), calls, effects)
        self.made[table.name] = entry
        return entry


def fragment_texts(pending: list[tuple[Entry | None, Any]], names: Mapping[str, Code],
                   render: Callable[[Any, Any], str]) -> tuple[Code, ...] | None:
    """The text of each table's fragment, once the module's import names are final: a reused entry's
    own (None if it read a name whose value changed), the others rendered from their IR (and kept in
    their entries with the names they read)."""
    texts = []
    for entry, made in pending:
        if made is None:
            assert entry is not None
            if any(names.get(name) != value for name, value in entry.names.items()):
                return None
            texts.append(Code(entry.text))
        elif entry is None:
            texts.append(Code(render(made, names)))
        else:
            recording = RecordingNames(names)
            entry.text = render(made, recording)
            entry.names = recording.read
            texts.append(Code(entry.text))
    return tuple(texts)
