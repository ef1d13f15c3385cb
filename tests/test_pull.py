"""`schemagen pull`: spec -> database -> pull -> build gives the same database and the same relations,
on SQLite and PostgreSQL; what the spec language cannot hold is listed, never dropped silently."""

from __future__ import annotations

import importlib
import sys
import uuid
from collections.abc import Iterator
from pathlib import Path
from types import ModuleType
from typing import Any

import pytest
import sqlalchemy
from sqlalchemy.engine import Engine

import schemagen
from schemagen.catalog import Catalog
from schemagen.pull import Pulled, pull
from tests.conftest import drop_postgres_schema, postgres_engine, sqlite_engine
from tests.helpers import GOLDEN, GOLDEN_CASES, ROOT


@pytest.fixture(params=["sqlite", "postgresql"])
def engines(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[tuple[Engine, Engine]]:
    """Two empty databases of one kind: the original and the one built from the pulled spec."""
    if request.param == "sqlite":
        pair = (sqlite_engine(tmp_path / "original.db"), sqlite_engine(tmp_path / "pulled.db"))
        yield pair
        for engine in pair:
            engine.dispose()
        return
    schemas = [f"t_{uuid.uuid4().hex[:12]}" for _ in range(2)]
    created = [postgres_engine(schema) for schema in schemas]
    try:
        yield created[0], created[1]
    finally:
        for engine, schema in zip(created, schemas):
            engine.dispose()
            drop_postgres_schema(schema)


def package(tmp_path: Path, catalog: Catalog) -> ModuleType:
    folder = tmp_path / f"pkg_{uuid.uuid4().hex[:8]}"
    for name, text in schemagen.generate(catalog).items():
        (folder / catalog.package / name).parent.mkdir(parents=True, exist_ok=True)
        (folder / catalog.package / name).write_text(text, "utf-8")
    sys.path.insert(0, str(folder))
    try:
        for loaded in [m for m in sys.modules if m == catalog.package or m.startswith(catalog.package + ".")]:
            del sys.modules[loaded]
        return importlib.import_module(catalog.package)
    finally:
        sys.path.remove(str(folder))


def pulled_from(engine: Engine, **options: Any) -> Pulled:
    with engine.connect() as connection:
        return pull(connection, **options)


def database(engine: Engine) -> dict[str, Any]:
    """Everything reflection reports about a database's tables, in a form that compares by value."""
    inspector = sqlalchemy.inspect(engine)
    dialect = engine.dialect
    found: dict[str, Any] = {}
    if dialect.name == "postgresql":
        found["enums"] = sorted((e["name"], tuple(e["labels"])) for e in inspector.get_enums())  # type: ignore[attr-defined]
    for table in inspector.get_table_names():
        columns = [(c["name"], _type(c["type"], engine), c["nullable"], c.get("default"), c.get("comment"))
                   for c in inspector.get_columns(table)]
        found[table] = {
            "columns": columns,
            "pk": inspector.get_pk_constraint(table)["constrained_columns"],
            "fks": sorted((fk["name"] or "", tuple(fk["constrained_columns"]), fk["referred_table"],
                           tuple(fk["referred_columns"]), tuple(sorted(fk["options"].items())))
                          for fk in inspector.get_foreign_keys(table)),
            "uniques": sorted((u["name"] or "", tuple(u["column_names"])) for u in inspector.get_unique_constraints(table)),
            "indexes": sorted((i["name"] or "", tuple(map(str, i["column_names"])), bool(i["unique"]),
                               str(sorted((k, str(v)) for k, v in i.get("dialect_options", {}).items())))
                              for i in inspector.get_indexes(table)),
            "checks": sorted((c["name"] or "", c["sqltext"]) for c in inspector.get_check_constraints(table)),
            "comment": inspector.get_table_comment(table)["text"] if dialect.name == "postgresql" else None,
        }
    return found


def _type(type_: Any, engine: Engine) -> str:
    text = str(type_.compile(dialect=engine.dialect))
    # SQLite: the generated code declares arrays JSON and json columns TEXT (both hold JSON text); a
    # pulled JSON column cannot tell an array from a json value, and becomes a json column
    return "TEXT" if engine.dialect.name == "sqlite" and text == "JSON" else text


def relations(catalog: Catalog) -> set[tuple[Any, ...]]:
    """Each relation by what it does (kind, tables, key columns), not by its name."""
    found = set()
    for table in catalog.tables:
        for relation in table.relations:
            fk = relation.foreign_key
            link = relation.link
            found.add((table.name, relation.kind, relation.target, fk and (fk.table, fk.columns, fk.target_table),
                       relation.through, link and tuple((f.table, f.columns, f.target_table) for f in link)))
    return found


def round_trip(spec: schemagen.SpecFile, pair: tuple[Engine, Engine], tmp_path: Path) -> Catalog:
    original, rebuilt = pair
    catalog = schemagen.resolve(spec)
    package(tmp_path, catalog).Base.metadata.create_all(original)
    pulled = pulled_from(original)
    text = pulled.text()
    again = schemagen.parse_spec(text, f"{catalog.package}.yaml")
    assert again.spec == pulled.spec  # the written text reads back to exactly the spec pulled
    pulled_catalog = schemagen.resolve(again)
    package(tmp_path, pulled_catalog).Base.metadata.create_all(rebuilt)
    assert database(rebuilt) == database(original), _diff(database(original), database(rebuilt))
    assert relations(catalog) <= relations(pulled_catalog)
    return pulled_catalog


SPECS = [ROOT / "specs" / "life_ceo.yaml", *(GOLDEN / case / "spec.yaml" for case in GOLDEN_CASES)]


@pytest.mark.parametrize("path", SPECS, ids=[p.parent.name if p.name == "spec.yaml" else p.stem for p in SPECS])
def test_spec_database_pull_build_gives_the_same_database(path: Path, engines: tuple[Engine, Engine],
                                                          tmp_path: Path) -> None:
    round_trip(schemagen.load_spec(path), engines, tmp_path)


def _diff(a: dict[str, Any], b: dict[str, Any]) -> list[str]:
    out = []
    for table in sorted(set(a) | set(b)):
        if a.get(table) != b.get(table):
            if not isinstance(a.get(table), dict) or not isinstance(b.get(table), dict):
                out.append(f"{table}: {a.get(table)} != {b.get(table)}")
                continue
            for key in a[table]:
                if a[table][key] != b[table].get(key):
                    x, y = a[table][key], b[table].get(key)
                    if isinstance(x, list):
                        out.append(f"{table}.{key}: -{[i for i in x if i not in y]} +{[i for i in y if i not in x]}")
                    else:
                        out.append(f"{table}.{key}: {x} != {y}")
    return out
