"""The catalog the resolver produces, pinned by a digest of its full `repr` for every spec at hand.

Generated code covers most of the catalog, but not every field (migrations, diagrams and `pull` read
others), so a change to the resolver that should not change what it produces (a faster resolve) is
checked here against the catalogs it produced before. A deliberate change to the catalog updates the
digests: `SCHEMAGEN_UPDATE_SNAPSHOTS=1`, then review why each one changed.
"""

from __future__ import annotations

import hashlib
import json
import sys
from pathlib import Path
from typing import Any

import pytest

from schemagen.catalog import Catalog
from schemagen.resolver import resolve
from schemagen.spec.load import load_spec_text
from schemagen.spec.validate import validate_spec
from tests.helpers import GOLDEN, GOLDEN_CASES, ROOT, UPDATE_SNAPSHOTS

DIGESTS = Path(__file__).with_name("catalog_digests.json")
REALISTIC_TABLES = 300

SPECS = {
    **{f"specs/{p.name}": p for p in sorted((ROOT / "specs").glob("*.yaml"))},
    **{f"tests/specs/valid/{p.name}": p for p in sorted((ROOT / "tests" / "specs" / "valid").glob("*.yaml"))},
    **{f"tests/golden/{case}": GOLDEN / case / "spec.yaml" for case in GOLDEN_CASES},
}


def _catalog(file: Path, raw: bytes) -> Catalog:
    loaded = load_spec_text(file, raw)
    return resolve(validate_spec(loaded), loaded)


def _digest(catalog: Catalog) -> str:
    return hashlib.sha256(repr(catalog).encode()).hexdigest()


def _realistic_spec() -> str:
    sys.path.insert(0, str(ROOT / "bench"))
    try:
        from realistic import make_spec  # type: ignore[import-not-found]
    finally:
        sys.path.remove(str(ROOT / "bench"))
    return str(make_spec(REALISTIC_TABLES))


def _digests() -> dict[str, str]:
    found = {name: _digest(_catalog(path, path.read_bytes())) for name, path in SPECS.items()}
    found[f"bench/realistic.py {REALISTIC_TABLES}"] = _digest(_catalog(Path("real.yaml"), _realistic_spec().encode()))
    return found


def test_the_resolver_produces_the_pinned_catalogs() -> None:
    found = _digests()
    if UPDATE_SNAPSHOTS:
        DIGESTS.write_text(json.dumps(found, indent=2, sort_keys=True) + "\n", "utf-8")
    if not DIGESTS.is_file():
        pytest.fail(f"no {DIGESTS.name}; create it with SCHEMAGEN_UPDATE_SNAPSHOTS=1")
    pinned = json.loads(DIGESTS.read_text("utf-8"))
    changed = sorted(name for name in found.keys() | pinned.keys() if found.get(name) != pinned.get(name))
    assert not changed, (f"the catalog of {changed} changed; if that is meant, regenerate the digests with "
                         "SCHEMAGEN_UPDATE_SNAPSHOTS=1 and say why in the commit")


def test_records_are_the_frozen_dataclasses_they_declare() -> None:
    """`catalog.records.record` changes only how a record is made and stored: what the dataclass promises holds."""
    import dataclasses

    from schemagen import catalog

    column = catalog.Column("email", "email", "email", "text", unique=True)
    assert column == catalog.Column(key="email", attr="email", sql_name="email", type="text", unique=True)
    assert (column.nullable, column.unique, column.generated_stored) == (True, True, True)  # the defaults
    with pytest.raises(dataclasses.FrozenInstanceError):
        column.key = "other"  # type: ignore[misc]
    with pytest.raises(dataclasses.FrozenInstanceError):
        del column.attr  # type: ignore[misc]
    assert dataclasses.replace(column, key="mail").key == "mail" and column.key == "email"
    assert hash(catalog.TypeRef("named", "Address")) == hash(catalog.TypeRef("named", "Address"))
    with pytest.raises(TypeError, match="missing 3 required positional arguments"):
        catalog.Column("email")  # type: ignore[call-arg]
    first, second = (catalog.Catalog("p", "p.yaml", "sqlite", (), (), ()) for _ in range(2))
    assert first.naming_convention == catalog.NAMING_CONVENTION and first == second  # the default factory's value
    assert repr(column).startswith("Column(key='email', attr='email', sql_name='email', type='text', array=False")


def test_a_record_is_what_dataclass_makes_of_the_same_class() -> None:
    """`record` writes `__repr__`, `__eq__`, `__hash__`, `__setattr__`, `__delattr__` and the class's
    docstring itself: each gives what `dataclass(frozen=True)`'s gives, on a base record and on one
    derived from it."""
    import dataclasses
    import inspect

    from schemagen.catalog.records import record

    def declare(decorate: Any) -> tuple[Any, Any]:
        @decorate
        class Base:
            name: str
            parts: tuple[int, ...] = ()
            extra: list[str] = dataclasses.field(default_factory=list, compare=False, repr=False)

        @decorate
        class Derived(Base):
            """A documented one."""

            weight: float = 1.0

        @decorate
        class One:
            value: float

        return Base, Derived, One

    made, declared = declare(record), declare(dataclasses.dataclass(frozen=True))
    for ours, theirs in zip(made, declared):
        assert ours.__doc__ == theirs.__doc__.replace(theirs.__qualname__, ours.__qualname__)
        assert str(inspect.signature(ours)) == str(inspect.signature(theirs))
        assert [(f.name, f.compare, f.repr) for f in dataclasses.fields(ours)] == \
            [(f.name, f.compare, f.repr) for f in dataclasses.fields(theirs)]
        assert ours.__match_args__ == theirs.__match_args__
    nan = float("nan")  # (equal to itself only as the same object in a tuple, as dataclass compares fields)
    assert made[2](nan) == made[2](nan) and hash(made[2](nan)) == hash(declared[2](nan))
    for ours, theirs in ((made[0]("a", (1, 2), ["x"]), declared[0]("a", (1, 2), ["x"])),
                         (made[1]("a", weight=nan), declared[1]("a", weight=nan))):
        assert repr(ours) == repr(theirs).replace(type(theirs).__qualname__, type(ours).__qualname__)
        assert hash(ours) == hash(theirs)
        twin = dataclasses.replace(ours, extra=["other"])  # (`extra` is not compared or shown)
        assert twin == ours and twin is not ours and hash(twin) == hash(ours)
        assert dataclasses.replace(ours, name="b") != ours
        assert ours.__eq__(("a", (1, 2))) is NotImplemented
        for change in (lambda value: setattr(value, "name", "b"), lambda value: setattr(value, "other", 1),
                       lambda value: delattr(value, "name")):
            with pytest.raises(dataclasses.FrozenInstanceError) as ours_raised:
                change(ours)
            with pytest.raises(dataclasses.FrozenInstanceError) as theirs_raised:
                change(theirs)
            assert str(ours_raised.value) == str(theirs_raised.value)
    assert made[0]("a") != made[1]("a")  # (a derived record is another class)


@pytest.mark.parametrize("method", ["__repr__", "__eq__", "__hash__", "__init__"])
def test_a_record_refuses_a_method_it_would_replace(method: str) -> None:
    # a dataclass keeps a `__repr__` (or `__eq__`, ...) its class defines; a record would replace it
    from schemagen.catalog.records import record

    namespace: dict[str, Any] = {"__annotations__": {"name": "str"}, method: lambda self, *args: None}
    with pytest.raises(TypeError, match=f"Own: a record makes .*{method}"):
        record(type("Own", (), namespace))
