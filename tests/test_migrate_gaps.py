"""Migrations of what users of weekly schema changes hit: a SQLite table rebuild on a table with a
generated column, enum arrays on SQLite, push as one transaction, `%` in index expressions."""

from __future__ import annotations

import uuid
from pathlib import Path

import pytest
from sqlalchemy import inspect

from schemagen.migrate import commands
from schemagen.migrate.database import MigrateError, engine_for
from tests import migrate_helpers
from tests.conftest import POSTGRES_URL, drop_postgres_schema, postgres_engine
from tests.helpers import run_cli
from tests.migrate_helpers import project, rows, write_spec

db_url = migrate_helpers.db_url

GENERATED = """
package: app
tables:
  lines:
    columns:
      id: {type: integer, primary_key: true}
      qty: {type: integer, nullable: false}
      price: {type: integer, nullable: false}
      total: {type: integer, generated: {sql: qty * price, stored: STORED}}
      note: {type: varchar, length: 20}
"""


def test_a_table_rebuild_keeps_the_rows_of_a_table_with_generated_columns(db_url: str, tmp_path: Path) -> None:
    """SQLite rebuilds the table for a changed column (Alembic's batch copy); a generated column is
    computed by the new table, never copied into (SQLite: "cannot INSERT into generated column")."""
    for stored in ("true", "false") if "sqlite" in db_url else ("true",):  # PostgreSQL 15: stored only
        specs, url = tmp_path / stored / "specs", db_url.replace("app.db", f"app_{stored}.db")
        spec = ("dialect: sqlite\n" if stored == "false" else "") + GENERATED.replace("STORED", stored)
        first = project(write_spec(specs, spec), tmp_path / stored / "m")
        commands.migrate(first, url, "one", allow_destructive=False)
        commands.upgrade(first, url)
        engine = engine_for(url)
        with engine.begin() as connection:
            connection.exec_driver_sql("INSERT INTO lines (id, qty, price, note) VALUES (1, 2, 3, 'a'), (2, 4, 5, NULL)")
        engine.dispose()
        # a longer varchar and a NOT NULL: ALTER COLUMN, a rebuild on SQLite
        second = project(write_spec(specs, spec.replace("length: 20}", "length: 40, nullable: false, default: x}")),
                         tmp_path / stored / "m")
        engine = engine_for(url)
        with engine.begin() as connection:
            connection.exec_driver_sql("UPDATE lines SET note = 'b' WHERE note IS NULL")
        engine.dispose()
        assert commands.migrate(second, url, "two", allow_destructive=False).written is not None
        commands.upgrade(second, url)
        assert rows(url, "SELECT id, qty, price, total, note FROM lines ORDER BY id") == [(1, 2, 3, 6, "a"),
                                                                                            (2, 4, 5, 20, "b")]
        engine = engine_for(url)
        with engine.begin() as connection:  # still generated: computed for a new row and an update
            connection.exec_driver_sql("INSERT INTO lines (id, qty, price) VALUES (3, 7, 2)")
            connection.exec_driver_sql("UPDATE lines SET qty = 10 WHERE id = 1")
        engine.dispose()
        assert rows(url, "SELECT id, total FROM lines ORDER BY id") == [(1, 30), (2, 20), (3, 14)]
        if "sqlite" in url:  # the rebuilt table keeps the column order
            assert [name for (name,) in rows(url, "SELECT name FROM pragma_table_xinfo('lines')")] == [
                "id", "qty", "price", "total", "note"]
        assert commands.plan(second, url, allow_destructive=False).upgrade.is_empty()
        commands.downgrade(second, url, "-1")
        assert rows(url, "SELECT id, total FROM lines ORDER BY id") == [(1, 30), (2, 20), (3, 14)]


STATES = """
package: states_app
enums:
  State: [draft, live, gone]
tables:
  posts:
    columns:
      id: {type: integer, primary_key: true}
      state: {type: enum, enum: State, nullable: false, default: draft}
      history: {type: enum, enum: State, array: true}
"""
RENAMED = STATES.replace("State: [draft, live, gone]",
                         "State: {values: [draft, published, gone], renamed_from: {published: live}}")


def _histories(url: str) -> list[tuple[object, ...]]:
    return rows(url, "SELECT id, state, history FROM posts ORDER BY id")


def _seed(url: str, migration: commands.Project) -> None:
    engine = engine_for(url)
    with engine.begin() as connection:
        connection.execute(migration.metadata.tables["posts"].insert(), [
            {"id": 1, "state": "draft", "history": ["live", "draft", "live"]},
            {"id": 2, "state": "live", "history": ["gone"]}, {"id": 3, "state": "draft", "history": None},
            {"id": 4, "state": "draft", "history": []}])
    engine.dispose()


BEFORE = [(1, "draft", '["live","draft","live"]'), (2, "live", '["gone"]'), (3, "draft", None), (4, "draft", "[]")]
AFTER = [(1, "draft", '["published","draft","published"]'), (2, "published", '["gone"]'), (3, "draft", None),
         (4, "draft", "[]")]


def _seeded_states(tmp_path: Path) -> tuple[str, Path]:
    """A SQLite database at the first revision of STATES, with its rows; the URL and the specs folder."""
    url = f"sqlite:///{tmp_path / 'app.db'}"
    specs = tmp_path / "specs"
    first = project(write_spec(specs, STATES), tmp_path / "m")
    commands.migrate(first, url, "one", allow_destructive=False)
    commands.upgrade(first, url)
    _seed(url, first)
    return url, specs


def test_sqlite_enum_arrays_follow_a_renamed_value_and_downgrade(tmp_path: Path) -> None:
    """SQLite keeps an enum array as JSON text: a renamed value is renamed inside each array (order kept)."""
    url, specs = _seeded_states(tmp_path)
    second = project(write_spec(specs, RENAMED), tmp_path / "m")
    assert commands.migrate(second, url, "rename", allow_destructive=False).written is not None
    commands.upgrade(second, url)
    assert _histories(url) == AFTER
    assert commands.plan(second, url, allow_destructive=False).upgrade.is_empty()
    commands.downgrade(second, url, "-1")
    assert _histories(url) == BEFORE
    commands.upgrade(second, url)
    assert _histories(url) == AFTER


def test_sqlite_enum_arrays_are_guarded_when_a_value_goes(tmp_path: Path) -> None:
    url, specs = _seeded_states(tmp_path)
    engine = engine_for(url)
    with engine.begin() as connection:  # no scalar holds `gone` any more: only an array does
        connection.exec_driver_sql("UPDATE posts SET state = 'draft'")
    engine.dispose()
    second = project(write_spec(specs, STATES.replace("[draft, live, gone]", "[draft, live]")), tmp_path / "m")
    assert commands.migrate(second, url, "drop gone", allow_destructive=True).written is not None
    with pytest.raises(MigrateError, match=r"posts.history: 1 row\(s\) hold a value removed from state \(gone\)"):
        commands.upgrade(second, url)
    assert commands.current(second, url) == second.env.revisions()[0]
    engine = engine_for(url)
    with engine.begin() as connection:
        connection.exec_driver_sql("""UPDATE posts SET history = '["live"]' WHERE id = 2""")
    engine.dispose()
    commands.upgrade(second, url)
    assert commands.plan(second, url, allow_destructive=False).upgrade.is_empty()


def test_sqlite_push_renames_inside_enum_arrays_and_guards_them(tmp_path: Path) -> None:
    url = f"sqlite:///{tmp_path / 'app.db'}"
    specs = tmp_path / "specs"
    first = project(write_spec(specs, STATES), tmp_path / "m")
    commands.push(first, url, allow_destructive=False)
    _seed(url, first)
    second = project(write_spec(specs, RENAMED), tmp_path / "m")
    assert not commands.push(second, url, allow_destructive=False).is_empty()
    assert _histories(url) == AFTER
    engine = engine_for(url)
    with engine.begin() as connection:  # `gone` only in an array
        connection.exec_driver_sql("UPDATE posts SET state = 'draft'")
    engine.dispose()
    third = project(write_spec(specs, RENAMED.replace("published, gone]", "published]")), tmp_path / "m")
    with pytest.raises(MigrateError, match=r"posts.history: 1 row\(s\) hold a value removed from state \(gone\)"):
        commands.push(third, url, allow_destructive=True)


ARTICLES = """
package: articles
tables:
  articles:
    columns:
      id: {type: integer, primary_key: true}
      title: text
      body: text
"""


def test_a_failing_push_leaves_the_database_as_it_was_renames_included(db_url: str, tmp_path: Path) -> None:
    """PostgreSQL's DDL is transactional: a push is one transaction there (SQLite's always was)."""
    specs = tmp_path / "specs"
    first = project(write_spec(specs, ARTICLES), tmp_path / "m")
    commands.push(first, db_url, allow_destructive=False)
    engine = engine_for(db_url)
    with engine.begin() as connection:
        connection.exec_driver_sql("INSERT INTO articles (id, title, body) VALUES (1, 'a', NULL)")
    engine.dispose()
    second = project(write_spec(specs, ARTICLES.replace("title: text", "headline: {type: text, renamed_from: title}")
                                .replace("body: text", "body: {type: text, nullable: false}")), tmp_path / "m")
    with pytest.raises(MigrateError, match="articles.body"):
        commands.push(second, db_url, allow_destructive=False)
    assert rows(db_url, "SELECT id, title, body FROM articles") == [(1, "a", None)]  # `title`: not renamed
    engine = engine_for(db_url)
    with engine.begin() as connection:
        connection.exec_driver_sql("UPDATE articles SET body = 'b'")
    engine.dispose()
    assert not commands.push(second, db_url, allow_destructive=False).is_empty()
    assert rows(db_url, "SELECT id, headline, body FROM articles") == [(1, "a", "b")]
    assert commands.push(second, db_url, allow_destructive=False).is_empty()


def test_push_adds_enum_values_and_uses_them_at_once(db_url: str, tmp_path: Path) -> None:
    """PostgreSQL: a new enum value is usable only once committed, so push adds it before its one transaction."""
    specs = tmp_path / "specs"
    first = project(write_spec(specs, STATES), tmp_path / "m")
    commands.push(first, db_url, allow_destructive=False)
    _seed(db_url, first)
    second = project(write_spec(specs, RENAMED.replace("published, gone]", "published, gone, archived]")
                                + "      fallback: {type: enum, enum: State, nullable: false, default: archived}\n"),
                     tmp_path / "m")
    assert not commands.push(second, db_url, allow_destructive=False).is_empty()
    assert rows(db_url, "SELECT id, CAST(state AS TEXT), CAST(fallback AS TEXT) FROM posts ORDER BY id") == [
        (1, "draft", "archived"), (2, "published", "archived"), (3, "draft", "archived"), (4, "draft", "archived")]
    assert commands.push(second, db_url, allow_destructive=False).is_empty()


NUMBERS = """
package: numbers
tables:
  numbers:
    columns:
      id: {type: integer, primary_key: true}
      n: {type: integer, nullable: false}
    indexes:
      - {columns: [{expr: "(n % 7)"}], name: ix_numbers_mod}
"""


def _index_sql(url: str) -> str | None:
    if "sqlite" in url:
        found = rows(url, "SELECT sql FROM sqlite_master WHERE name = 'ix_numbers_mod'")
    else:
        found = rows(url, "SELECT indexdef FROM pg_indexes WHERE indexname = 'ix_numbers_mod'")
    return str(found[0][0]) if found else None


def test_an_expression_index_with_a_percent_is_written_once(db_url: str, tmp_path: Path) -> None:
    """psycopg's placeholders: Alembic alone writes `n %% 7` into the revision, which runs as `%%`."""
    specs = tmp_path / "specs"
    first = project(write_spec(specs, NUMBERS), tmp_path / "m")
    written = commands.migrate(first, db_url, "one", allow_destructive=False).written
    assert written is not None and "%%" not in written.read_text("utf-8"), written.read_text("utf-8")
    commands.upgrade(first, db_url)
    made = _index_sql(db_url)
    assert made is not None and "% 7" in made and "%%" not in made, made
    assert commands.plan(first, db_url, allow_destructive=False).upgrade.is_empty()
    second = project(write_spec(specs, NUMBERS.split("    indexes:")[0]), tmp_path / "m")
    written = commands.migrate(second, db_url, "drop it", allow_destructive=True).written
    assert written is not None and "%%" not in written.read_text("utf-8"), written.read_text("utf-8")
    commands.upgrade(second, db_url)
    assert _index_sql(db_url) is None
    commands.downgrade(second, db_url, "-1")  # made again from the database's own text
    assert _index_sql(db_url) == made


PASS_THROUGH = """
package: app
tables:
  hosts:
    columns:
      id: {type: serial, primary_key: true}
      mac: {type: {sql: macaddr8, python: str}, nullable: false}
      search: {type: {sql: tsvector, python: str}}
      lsn: {type: {sql: pg_lsn, python: str}}
      opens: {type: {sql: "time(0) with time zone", python: str}}
"""


def test_pass_through_columns_of_a_postgresql_spec_migrate_on_both_databases(db_url: str, tmp_path: Path) -> None:
    """Alembic alone names the generated class of a pass-through type through the package's module,
    which the revision does not import (NameError on upgrade): SQLite gets the type it stores it as,
    PostgreSQL the type as written, also where SQLAlchemy has no class of that name (pg_lsn)."""
    first = project(write_spec(tmp_path / "specs", PASS_THROUGH), tmp_path / "m")
    written = commands.migrate(first, db_url, "hosts", allow_destructive=False).written
    assert written is not None
    source = written.read_text("utf-8")
    assert "_schemagen" not in source and "_SQLType" not in source, source
    commands.upgrade(first, db_url)
    assert commands.plan(first, db_url, allow_destructive=False).upgrade.is_empty()
    if "sqlite" in db_url:
        assert 'sa.Column("mac", sa.Text(), nullable=False)' in source
    else:
        assert rows(db_url, "SELECT udt_name FROM information_schema.columns WHERE table_name = 'hosts' "
                    "AND column_name <> 'id' AND table_schema = current_schema() "
                    "ORDER BY column_name") == [("pg_lsn",), ("macaddr8",), ("timetz",), ("tsvector",)]
        assert 'postgresql.DOMAIN("pg_lsn", sa.Text(), create_type=False, quote=False)' in source
    commands.downgrade(first, db_url, "base")
    engine = engine_for(db_url)
    assert "hosts" not in inspect(engine).get_table_names()
    engine.dispose()


def test_an_extensions_type_named_without_its_schema_says_how_to_name_it(db_url: str, tmp_path: Path) -> None:
    """The scratch schema's search path is that schema alone: `citext` does not resolve there, and the
    message was 'is its SQL (a default, check or index) for another database?'."""
    text = "package: app\ntables:\n  users:\n    columns:\n      id: {type: serial, primary_key: true}\n" \
           "      email: {type: {sql: citext, python: str}}\n"
    first = project(write_spec(tmp_path / "specs", text), tmp_path / "m")
    if "sqlite" in db_url:  # stored as text there
        assert commands.migrate(first, db_url, "users", allow_destructive=False).written is not None
        return
    with pytest.raises(MigrateError) as caught:
        commands.migrate(first, db_url, "users", allow_destructive=False)
    assert 'type "citext" does not exist (column users.email)' in str(caught.value)
    assert "name it with its schema, `{sql: public.citext, python: ...}`" in str(caught.value)
    sized = text.replace("email: {type: {sql: citext", "embedding: {type: {sql: vector(3)")
    second = project(write_spec(tmp_path / "specs", sized), tmp_path / "m")
    with pytest.raises(MigrateError) as caught:
        commands.migrate(second, db_url, "users", allow_destructive=False)
    assert "(column users.embedding)" in str(caught.value)
    assert "`{sql: public.vector(3), python: ...}`" in str(caught.value)  # its size kept


def test_push_takes_the_migrations_folder_its_message_names(tmp_path: Path) -> None:
    """A migrations folder holding another database's revisions stops `push` with advice to pass
    `--migrations`, which push itself did not take."""
    specs = write_spec(tmp_path / "specs", GENERATED.replace("STORED", "true"))
    sqlite_url = f"sqlite:///{tmp_path / 'app.db'}"
    written = run_cli("migrate", "-m", "one", "--spec", str(specs), "--db", sqlite_url, cwd=tmp_path)
    assert written.returncode == 0, written.stdout + written.stderr
    schema = f"m_{uuid.uuid4().hex[:12]}"
    postgres_engine(schema).dispose()  # fails under CI=true without a server
    postgresql_url = f"{POSTGRES_URL}?options=-csearch_path%3D{schema}"
    try:
        refused = run_cli("push", "--spec", str(specs), "--db", postgresql_url, cwd=tmp_path)
        assert refused.returncode != 0 and "`--migrations`" in refused.stderr, refused.stdout + refused.stderr
        pushed = run_cli("push", "--spec", str(specs), "--db", postgresql_url,
                         "--migrations", str(tmp_path / "pg-migrations"), cwd=tmp_path)
        assert pushed.returncode == 0 and "app: 1 change(s) applied" in pushed.stdout, pushed.stdout + pushed.stderr
        assert rows(postgresql_url, "SELECT count(*) FROM lines") == [(0,)]
    finally:
        drop_postgres_schema(schema)


def test_a_type_named_with_its_schema_is_pushed_once(tmp_path: Path) -> None:
    """The scratch schema's search path leaves the type's schema out, so its twin spells the type
    `schema.citext`; the database's search path has it, and SQLAlchemy reflects it there as CITEXT:
    push compared the two spellings and refused a second push of the same spec ('loses data:
    CITEXT -> SCHEMA.CITEXT'). The type is one of the test schema's own, named as the extension's
    (`CREATE EXTENSION citext` is one per database, shared with the other tests)."""
    schema = f"m_{uuid.uuid4().hex[:12]}"
    postgres_engine(schema).dispose()  # fails under CI=true without a server
    url = f"{POSTGRES_URL}?options=-csearch_path%3D{schema}"
    try:
        migrate_helpers.execute(url, f'CREATE TYPE "{schema}".citext AS (value text)')
        text = (f"package: app\ndialect: postgresql\ntables:\n  users:\n    columns:\n"
                f"      id: {{type: serial, primary_key: true}}\n"
                f"      email: {{type: {{sql: {schema}.citext, python: str}}}}\n"
                f"      emails: {{type: {{sql: {schema}.citext, python: str}}, array: true}}\n")
        first = project(write_spec(tmp_path / "specs", text), tmp_path / "m")
        assert not commands.push(first, url, allow_destructive=False).is_empty()
        assert commands.push(first, url, allow_destructive=False).is_empty()
    finally:
        drop_postgres_schema(schema)
