"""Lifecycle policies declared once and enforced by the database (SQLite and PostgreSQL):
`soft_delete:` makes uniques hold among live rows, so a deleted row's unique values can be taken
again; `generated:` columns are the database's to compute, read back with every write."""

from __future__ import annotations

import datetime
from decimal import Decimal
from pathlib import Path
from typing import Any

import pydantic
import pytest
import sqlalchemy
from sqlalchemy.engine import Engine
from sqlalchemy.orm import Session

import schemagen
from schemagen.migrate import commands
from schemagen.migrate.database import engine_for
from tests import migrate_helpers
from tests.helpers import import_generated, run_cli
from tests.migrate_helpers import project, write_spec

SPEC = """\
package: lifecycle
tables:
  accounts:
    columns:
      id: {type: integer, primary_key: true}
      email: {type: text, unique: true}
      handle: {type: text, unique: true, index: true}
      org: integer
      slug: text
      code: {type: text, unique: true}
      deleted_at: timestamp
    soft_delete: deleted_at
    unique: [[org, slug]]
    indexes:
      - {columns: [slug], unique: true, where: "org IS NULL", name: ix_accounts_orgless_slug}
  invites:
    columns:
      id: {type: integer, primary_key: true}
      code: {type: text, references: accounts.code}
"""


@pytest.fixture(scope="module")
def package(tmp_path_factory: pytest.TempPathFactory) -> Any:
    return import_generated(tmp_path_factory.mktemp("lifecycle"), schemagen.resolve(schemagen.parse_spec(SPEC)))


def _insert(engine: Engine, package: Any, **values: Any) -> None:
    with engine.begin() as connection:  # raw Core: the database alone decides
        connection.execute(sqlalchemy.insert(package.Base.metadata.tables["accounts"]).values(**values))


@pytest.mark.parametrize("values", [{"email": "a@x"}, {"handle": "ann"}, {"org": 1, "slug": "s"}])
def test_a_deleted_rows_unique_values_can_be_taken_again(engine: Engine, package: Any,
                                                         values: dict[str, Any]) -> None:
    package.Base.metadata.create_all(engine)
    _insert(engine, package, id=1, **values)
    with pytest.raises(sqlalchemy.exc.IntegrityError):  # unique among live rows
        _insert(engine, package, id=2, **values)
    with engine.begin() as connection:
        connection.exec_driver_sql("UPDATE accounts SET deleted_at = CURRENT_TIMESTAMP WHERE id = 1")
    _insert(engine, package, id=2, **values)
    with pytest.raises(sqlalchemy.exc.IntegrityError):
        _insert(engine, package, id=3, **values)


UNIQUES = """
package: uniques
tables:
  owners:
    columns:
      id: {type: serial, primary_key: true}
    relations:
      thing: {one: things}
  things:
    columns:
      id: {type: serial, primary_key: true}
      code: {type: text, unique: true}
      owner_id: {type: integer, nullable: true, references: owners.id, unique: true}
      deleted_at: {type: timestamp, nullable: true}
    unique: [[code]]
    soft_delete: deleted_at
"""


@pytest.fixture
def uniques(engine: Engine, tmp_path: Path) -> Any:
    package = import_generated(tmp_path, schemagen.resolve(schemagen.parse_spec(UNIQUES)))
    package.Base.metadata.create_all(engine)
    with engine.begin() as connection:
        connection.exec_driver_sql("INSERT INTO owners (id) VALUES (1)")
        connection.exec_driver_sql("INSERT INTO things (id, code, owner_id, deleted_at) "
                                   "VALUES (1, 'a', 1, CURRENT_TIMESTAMP)")
    return package


def test_a_column_unique_twice_over_is_one_partial_index(engine: Engine, uniques: Any) -> None:
    # `unique: true` and `unique: [[code]]` say one thing: two partial indexes of one name failed to create
    indexes = {index["name"]: index["unique"] for index in sqlalchemy.inspect(engine).get_indexes("things")}
    assert indexes.get("uq_things_code") == 1
    with engine.begin() as connection:
        connection.exec_driver_sql("INSERT INTO things (id, code) VALUES (2, 'a')")  # the first is deleted


def test_a_unique_foreign_key_stays_unique_over_all_rows(engine: Engine, uniques: Any) -> None:
    # `owners.thing` is one row: a deleted thing and a live one of the same owner would be two
    with pytest.raises(sqlalchemy.exc.IntegrityError), engine.begin() as connection:
        connection.exec_driver_sql("INSERT INTO things (id, code, owner_id) VALUES (2, 'b', 1)")


def test_a_column_a_foreign_key_points_at_stays_unique_over_all_rows(engine: Engine, package: Any) -> None:
    package.Base.metadata.create_all(engine)
    _insert(engine, package, id=1, code="c1", deleted_at=sqlalchemy.func.current_timestamp())
    with pytest.raises(sqlalchemy.exc.IntegrityError):
        _insert(engine, package, id=2, code="c1")


def test_an_index_with_its_own_predicate_keeps_it(package: Any) -> None:
    indexes = {index.name: index for index in package.Base.metadata.tables["accounts"].indexes}
    where = {name: str(index.dialect_options["postgresql"]["where"]) for name, index in indexes.items()}
    assert where == {"uq_accounts_email": "\"deleted_at\" IS NULL", "ix_accounts_handle": "\"deleted_at\" IS NULL",
                     "uq_accounts_org_slug": "\"deleted_at\" IS NULL", "ix_accounts_orgless_slug": "org IS NULL"}


GOLDEN_SPEC = Path(__file__).parent / "golden" / "lifecycle" / "spec.yaml"


@pytest.fixture(scope="module")
def golden(tmp_path_factory: pytest.TempPathFactory) -> Any:
    catalog = schemagen.resolve(schemagen.load_spec(GOLDEN_SPEC))
    return import_generated(tmp_path_factory.mktemp("golden_lifecycle"), catalog)


def test_a_generated_column_is_computed_by_the_database_and_read_only(engine: Engine, golden: Any) -> None:
    golden.Base.metadata.create_all(engine)
    assert set(golden.LineInsert.model_fields) == set(golden.LineUpdate.model_fields) == {"price", "quantity"}
    for schema in (golden.LineInsert, golden.LineUpdate):  # never written by the app: refused, not dropped
        with pytest.raises(pydantic.ValidationError) as refused:
            schema.model_validate({"price": "2.50", "quantity": 3, "total": 1})
        assert [(e["loc"], e["type"]) for e in refused.value.errors()] == [(("total",), "server_set_field")]
    with Session(engine, expire_on_commit=False) as session:
        line = golden.Line(**golden.LineInsert.model_validate({"price": "2.50", "quantity": 3}).model_dump())
        session.add(line)
        session.commit()
        # back with the INSERT (RETURNING): readable after commit without IO
        assert golden.LineSelect.model_validate(line).model_dump(mode="json") == {
            "id": line.id, "price": "2.50", "quantity": 3, "total": "7.50", "label": "x3"}
        golden.LineUpdate.model_validate({"quantity": 4}).apply_to(line)
        session.commit()
        assert (line.total, line.label) == (Decimal("10.00"), "x4")
    with engine.begin() as connection:  # raw SQL: the database recomputes it
        connection.exec_driver_sql("UPDATE lines SET quantity = 10")
        assert connection.exec_driver_sql("SELECT total, label FROM lines").one() == (Decimal("25.00"), "x10")
        with pytest.raises(sqlalchemy.exc.DatabaseError):
            connection.exec_driver_sql("UPDATE lines SET total = 1")


def test_on_update_now_moves_with_raw_sql_updates_too(engine: Engine, golden: Any) -> None:
    golden.Base.metadata.create_all(engine)
    long_ago = datetime.datetime(2000, 1, 2, 3, 4, 5, tzinfo=datetime.timezone.utc)
    with engine.begin() as connection:
        connection.execute(sqlalchemy.insert(golden.Account.__table__).values(
            id=1, email="a@example.com", updated_at=long_ago, seen_on=long_ago.date(), seen_at=long_ago.time()))
    with engine.begin() as connection:  # another writer, knowing nothing of the ORM
        connection.exec_driver_sql("UPDATE accounts SET slug = 'moved' WHERE id = 1")
    with Session(engine) as session:
        account = session.get(golden.Account, 1)
        assert account is not None
        assert account.updated_at > long_ago + datetime.timedelta(days=365)
        assert account.seen_on > long_ago.date() and account.seen_at != long_ago.time()
        moved = account.updated_at
        # an UPDATE that sets the column itself keeps its value
        session.execute(sqlalchemy.update(golden.Account).values(updated_at=long_ago).where(golden.Account.id == 1))
        session.commit()
        session.expire_all()
        assert session.get(golden.Account, 1).updated_at == long_ago  # type: ignore[union-attr]
        assert moved > long_ago
    golden.Base.metadata.drop_all(engine)
    if engine.dialect.name == "postgresql":  # the trigger's function goes with its table
        with engine.connect() as connection:
            left = connection.exec_driver_sql(
                "SELECT proname FROM pg_proc WHERE proname LIKE '%%on_update_now'"
                " AND pronamespace = current_schema()::regnamespace").all()
            assert left == []


def test_raw_update_returning_sees_the_trigger_on_postgresql_only(engine: Engine, golden: Any) -> None:
    """A documented difference: SQLite's trigger runs AFTER the UPDATE, and its RETURNING reports the
    row as the statement left it, before any trigger (SQLite's triggers cannot change NEW); PostgreSQL's
    runs BEFORE and its RETURNING sees the time. The row itself moves on both."""
    golden.Base.metadata.create_all(engine)
    long_ago = datetime.datetime(2000, 1, 2, 3, 4, 5, tzinfo=datetime.timezone.utc)
    with engine.begin() as connection:
        connection.execute(sqlalchemy.insert(golden.Account.__table__).values(
            id=1, email="a@example.com", updated_at=long_ago, seen_on=long_ago.date(), seen_at=long_ago.time()))
    with engine.begin() as connection:  # raw SQL (a Core update() would set the column itself: `onupdate`)
        before = connection.exec_driver_sql("SELECT updated_at FROM accounts").scalar_one()
        returned = connection.exec_driver_sql(
            "UPDATE accounts SET slug = 'moved' WHERE id = 1 RETURNING updated_at").scalar_one()
        stored = connection.exec_driver_sql("SELECT updated_at FROM accounts").scalar_one()
    assert stored != before
    assert returned == (before if engine.dialect.name == "sqlite" else stored), (engine.dialect.name, returned)
    golden.Base.metadata.drop_all(engine)


db_url = migrate_helpers.db_url  # the fixture: a SQLite file, then a private PostgreSQL schema

NOTES = """\
package: notes_app
tables:
  notes:
    columns:
      id: {type: integer, primary_key: true}
      body: text
"""
NOTES_TOUCHED = NOTES + "      touched_at: {type: timestamp, nullable: false, default: now, on_update: now}\n"


def _touched_moves(url: str) -> bool:
    """Whether a raw SQL update moves `touched_at` (the trigger is there)."""
    engine = engine_for(url)
    try:
        with engine.begin() as connection:
            connection.exec_driver_sql("DELETE FROM notes")
            connection.exec_driver_sql("INSERT INTO notes (id, body, touched_at) VALUES (1, 'a', '2000-01-01')")
            connection.exec_driver_sql("UPDATE notes SET body = 'b'")
            return str(connection.exec_driver_sql("SELECT touched_at FROM notes").scalar_one())[:4] != "2000"
    finally:
        engine.dispose()


def test_the_on_update_trigger_comes_and_goes_with_the_migrations(db_url: str, tmp_path: Path) -> None:
    migrations = tmp_path / "migrations"
    versions = [NOTES, NOTES_TOUCHED, NOTES_TOUCHED.replace(", on_update: now", ""), NOTES_TOUCHED]
    for number, text in enumerate(versions):
        spec = write_spec(tmp_path / "specs", text)
        migration = project(spec, migrations)
        planned = commands.migrate(migration, db_url, f"v{number}", allow_destructive=False)
        assert planned.written is not None
        commands.upgrade(migration, db_url)
        assert commands.plan(migration, db_url, allow_destructive=False).upgrade.is_empty()  # --check is clean
        if "touched_at" in text:
            assert _touched_moves(db_url) == ("on_update" in text)
    # a stairway: down to nothing, then up one revision at a time, each in step with its spec
    commands.downgrade(migration, db_url, "base")
    for text in versions:
        commands.upgrade(migration, db_url, "+1")
        if "touched_at" in text:
            assert _touched_moves(db_url) == ("on_update" in text)
    assert commands.plan(migration, db_url, allow_destructive=False).upgrade.is_empty()


def test_a_column_comment_is_the_fields_description_in_the_schemas(golden: Any) -> None:
    total = 'The line\'s total: "price * quantity",\nkept by the database.'
    assert golden.LineSelect.model_json_schema()["properties"]["total"]["description"] == total
    price = "Unit price, in the order's currency"
    for schema in (golden.LineInsert, golden.LineUpdate, golden.LineSelect):
        assert schema.model_json_schema()["properties"]["price"]["description"] == price
    assert golden.Line.__table__.c.total.comment == total  # and the SQL COMMENT


def test_the_sqlite_trigger_finds_the_row_by_its_key_not_a_column_named_rowid(tmp_path: Path) -> None:
    spec = ("package: rowid_app\ntables:\n  t:\n    columns:\n      id: {type: integer, primary_key: true}\n"
            "      rowid: text\n      n: integer\n      touched: {type: timestamp, on_update: now}\n")
    package = import_generated(tmp_path, schemagen.resolve(schemagen.parse_spec(spec)))
    engine = sqlalchemy.create_engine(f"sqlite:///{tmp_path / 'rowid.db'}")
    package.Base.metadata.create_all(engine)
    with engine.begin() as connection:
        connection.exec_driver_sql("INSERT INTO t (id, rowid, n, touched) VALUES (1, 'same', 1, '2000-01-01'), "
                                   "(2, 'same', 2, '2000-01-01')")
        connection.exec_driver_sql("UPDATE t SET n = 10 WHERE id = 1")
        touched = dict(connection.exec_driver_sql("SELECT id, touched FROM t").all())
    engine.dispose()
    assert not touched[1].startswith("2000") and touched[2].startswith("2000")


def test_sql_states_a_percent_sign_once(tmp_path: Path) -> None:
    spec = ("package: percent_app\ntables:\n  t:\n    columns:\n      id: {type: integer, primary_key: true}\n"
            "      n: integer\n      m: {type: integer, generated: {sql: n % 7}}\n"
            "      pct: {type: text, validate: {pattern: '^[0-9]+%$'}, comment: '50% off'}\n")
    path = tmp_path / "percent.yaml"
    path.write_text(spec, "utf-8")
    script = run_cli("sql", str(path), "--dialect", "postgresql")
    assert script.returncode == 0, script.stderr
    assert "n % 7" in script.stdout and "'^[0-9]+%$'" in script.stdout and "'50% off'" in script.stdout
    assert "%%" not in script.stdout


ACCOUNTS = """\
package: accounts_app
tables:
  accounts:
    columns:
      id: {type: integer, primary_key: true}
      handle: text
      email: {type: text, unique: true, index: true}
      deleted_at: timestamp
    indexes:
      - {columns: [handle], unique: true, name: ux_handle}
"""


def test_a_predicate_the_migration_changes_comes_back_on_the_way_down(db_url: str, tmp_path: Path) -> None:
    migrations = tmp_path / "migrations"
    for number, text in enumerate([ACCOUNTS, ACCOUNTS + "    soft_delete: deleted_at\n"]):
        migration = project(write_spec(tmp_path / "specs", text), migrations)
        assert commands.migrate(migration, db_url, f"v{number}", allow_destructive=False).written is not None
        commands.upgrade(migration, db_url)
    engine = engine_for(db_url)

    def indexes() -> dict[str, tuple[list[str], bool]]:
        with engine.connect() as connection:
            found = sqlalchemy.inspect(connection).get_indexes("accounts")
        return {str(i["name"]): (list(i["column_names"]), bool(i["unique"])) for i in found}

    try:
        assert indexes()["ux_handle"] == (["handle"], True)
        commands.downgrade(migration, db_url, "-1")  # the partial index back to a plain unique one
        assert indexes()["ux_handle"] == (["handle"], True)
        commands.upgrade(migration, db_url)
        assert commands.plan(migration, db_url, allow_destructive=False).upgrade.is_empty()
    finally:
        engine.dispose()
