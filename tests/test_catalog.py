"""The catalog against real databases: the names it gives constraints are the names the database
has, and the column-kind table reads a database's types back as the spec types that made them.
"""

from __future__ import annotations

import warnings
from pathlib import Path
from typing import Any

import pytest
import sqlalchemy
from sqlalchemy.engine import Engine

import schemagen
from schemagen import names
from schemagen.catalog import Catalog
from schemagen.catalog.kinds import KINDS, DatabaseType, from_database
from tests.helpers import import_generated, GOLDEN, GOLDEN_CASES, ROOT


LONG = "a_table_name_long_enough_that_constraint_names_pass_63_chars"
NAMES_SPEC = f"""
package: catalog_names
tables:
  owners:
    columns:
      id: {{type: serial, primary_key: true}}
      code: {{type: varchar, length: 10, unique: true, index: true}}
  {LONG}:
    columns:
      id: {{type: serial, primary_key: true}}
      owner_with_a_long_column_name: {{type: integer, references: owners.id}}
      a: integer
      b: integer
    unique: [[a, b], {{columns: [b], name: b_once}}]
    indexes: [{{columns: [a]}}, {{columns: [a, b], name: ix_named, unique: true}}]
    checks: [{{name: a_below_b_and_this_name_is_long_as_well, sql: "a < b"}}]
"""

SPECS = [ROOT / "specs" / "life_ceo.yaml", *(GOLDEN / case / "spec.yaml" for case in GOLDEN_CASES)]


def _expected_names(catalog: Catalog, dialect: str) -> dict[str, dict[str, set[str]]]:
    shown = names.sqlalchemy_cut if dialect == "postgresql" else (lambda name: name)
    out: dict[str, dict[str, set[str]]] = {}
    for table in catalog.tables:
        out[table.name] = {
            "pk": {shown(table.primary_key_name) if table.primary_key_name else None},  # None: no key (keyless)
            "fk": {shown(fk.name) for fk in table.foreign_keys},
            "unique": {shown(u.name) for u in table.uniques} | {shown(c.unique_name) for c in table.columns if c.unique_name},
            # SQLite reflects no expression index, and gets none PostgreSQL alone could build
            "index": {i.name for i in table.indexes if dialect == "postgresql" or all(
                part.expr is None for part in i.parts)} | {shown(c.index_name) for c in table.columns if c.index_name},
            "check": {shown(c.name) for c in table.checks if c.only_on in (None, dialect)},
        }
    return out


def _reflected_names(engine: Engine, tables: list[str]) -> dict[str, dict[str, set[str]]]:
    inspector = sqlalchemy.inspect(engine)
    out: dict[str, dict[str, set[str]]] = {}
    with warnings.catch_warnings():  # SQLite's, for the expression indexes left out of the expected names
        warnings.filterwarnings("ignore", "Skipped unsupported reflection of expression-based index",
                                sqlalchemy.exc.SAWarning)
        for table in tables:
            unique_indexes = {i["name"] for i in inspector.get_indexes(table) if i.get("duplicates_constraint")}
            out[table] = {
                "pk": {inspector.get_pk_constraint(table)["name"]},
                "fk": {fk["name"] for fk in inspector.get_foreign_keys(table)},
                "unique": {u["name"] for u in inspector.get_unique_constraints(table)},
                "index": {i["name"] for i in inspector.get_indexes(table)} - unique_indexes,
                "check": {c["name"] for c in inspector.get_check_constraints(table)},
            }
    return out


@pytest.mark.parametrize("source", ["long_names", *(p.parent.name if p.name == "spec.yaml" else p.stem for p in SPECS)])
def test_constraint_names_are_the_names_in_the_database(source: str, engine: Engine, tmp_path: Path) -> None:
    if source == "long_names":
        catalog = schemagen.resolve(schemagen.parse_spec(NAMES_SPEC))
    else:
        path = next(p for p in SPECS if (p.parent.name if p.name == "spec.yaml" else p.stem) == source)
        catalog = schemagen.resolve(schemagen.load_spec(path))
    package = import_generated(tmp_path, catalog)
    package.Base.metadata.create_all(engine)
    expected = _expected_names(catalog, engine.dialect.name)
    reflected = _reflected_names(engine, [t.name for t in catalog.tables])
    assert reflected == expected
    if source == "long_names":  # the long names really were shortened, as PostgreSQL needs
        assert any(len(name) > 63 for name in expected[LONG]["fk"] | expected[LONG]["check"]) == (
            engine.dialect.name == "sqlite")


# The column kinds, read back ------------------------------------------------------------------

KINDS_SPEC = """
package: catalog_kinds
enums:
  Mood: [calm, busy]
tables:
  every_kind:
    columns:
      id: {type: bigserial, primary_key: true}
      a_smallint: smallint
      an_integer: integer
      a_bigint: bigint
      a_boolean: boolean
      a_real: real
      a_double: double
      a_numeric: {type: numeric, precision: 10, scale: 2}
      a_plain_numeric: numeric
      a_varchar: {type: varchar, length: 40}
      an_unbounded_varchar: varchar
      a_char: {type: char, length: 3}
      a_text: text
      a_date: date
      a_time: time
      a_timestamp: timestamp
      a_timestamptz: {type: timestamp, timezone: true}
      an_interval: interval
      months_interval: {type: interval, months: true}
      a_uuid: uuid
      a_json: json
      a_jsonb: jsonb
      some_bytes: bytes
      a_mood: {type: enum, enum: Mood}
      texts: {type: text, array: true}
      integers: {type: integer, array: true}
      moods: {type: enum, enum: Mood, array: true}
"""

# What each column reads back as on PostgreSQL: the spec type and options that made it.
ON_POSTGRESQL: dict[str, DatabaseType] = {
    "id": DatabaseType("bigint"),  # auto-numbering is the column's default, not its type
    "a_smallint": DatabaseType("smallint"), "an_integer": DatabaseType("integer"), "a_bigint": DatabaseType("bigint"),
    "a_boolean": DatabaseType("boolean"), "a_real": DatabaseType("real"), "a_double": DatabaseType("double"),
    "a_numeric": DatabaseType("numeric", (("precision", 10), ("scale", 2))), "a_plain_numeric": DatabaseType("numeric"),
    "a_varchar": DatabaseType("varchar", (("length", 40),)), "an_unbounded_varchar": DatabaseType("varchar"),
    "a_char": DatabaseType("char", (("length", 3),)), "a_text": DatabaseType("text"), "a_date": DatabaseType("date"),
    "a_time": DatabaseType("time"), "a_timestamp": DatabaseType("timestamp"),
    "a_timestamptz": DatabaseType("timestamp", (("timezone", True),)),
    # an INTERVAL may hold months (another writer's): it reads back as `months: true`, plain or not
    "an_interval": DatabaseType("interval", (("months", True),)),
    "months_interval": DatabaseType("interval", (("months", True),)),
    "a_uuid": DatabaseType("uuid"), "a_json": DatabaseType("json"), "a_jsonb": DatabaseType("jsonb"),
    "some_bytes": DatabaseType("bytes"), "a_mood": DatabaseType("enum", (), "mood", ("calm", "busy")),
    "texts": DatabaseType("text", (("array", True),)), "integers": DatabaseType("integer", (("array", True),)),
    "moods": DatabaseType("enum", (("array", True),), "mood", ("calm", "busy")),
}
# SQLite keeps a declared type name only: these kinds are stored under another kind's name.
SQLITE_STORED_AS = {"id": "integer", "a_uuid": "char", "an_interval": "timestamp", "months_interval": "text",
                    "a_mood": "varchar", "a_json": "text", "a_jsonb": "text",
                    "texts": "json", "integers": "json", "moods": "json", "an_unbounded_varchar": "varchar",
                    "a_timestamptz": "timestamp"}


def test_every_spec_type_has_a_kind() -> None:
    from schemagen.spec.model import COLUMN_TYPES

    # every type name of the language, and `sql`: the kind of a pass-through `{sql: ..., python: ...}`
    assert set(KINDS) == set(COLUMN_TYPES) | {"sql"}


def test_database_types_read_back_as_the_spec_types_that_made_them(engine: Engine, tmp_path: Path) -> None:
    package = import_generated(tmp_path, schemagen.resolve(schemagen.parse_spec(KINDS_SPEC)))
    package.Base.metadata.create_all(engine)
    columns: dict[str, Any] = {c["name"]: c["type"] for c in sqlalchemy.inspect(engine).get_columns("every_kind")}
    read = {name: from_database(type_) for name, type_ in columns.items()}
    if engine.dialect.name == "postgresql":
        assert read == ON_POSTGRESQL
        return
    for name, expected in ON_POSTGRESQL.items():
        found = read[name]
        assert found is not None, name
        if name in SQLITE_STORED_AS:
            assert found.kind == SQLITE_STORED_AS[name], (name, found)
        else:
            assert found == expected, (name, found)


def test_the_api_takes_a_spec_files_path_and_says_what_it_takes_otherwise() -> None:
    """`generate(Path(...))` crashed with an AttributeError deep in the resolver; a path is read as
    `load_spec` reads it, and anything else it cannot take is a TypeError that names what it takes."""
    path = ROOT / "specs" / "life_ceo.yaml"
    assert schemagen.generate(path) == schemagen.generate(schemagen.load_spec(path))
    with pytest.raises(TypeError, match=r"not str: read a spec with schemagen.load_spec\(path\)"):
        schemagen.generate(str(path))  # type: ignore[arg-type]
