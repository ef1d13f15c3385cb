"""Migrations of what the first round left open (issue 13): identity columns and foreign-key cycles
(the `production` golden case), SQLite's expression indexes, black-clean revision files, and enum
values renamed and removed. Each test runs on SQLite and PostgreSQL."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import pytest

from schemagen.migrate import commands
from schemagen.migrate.database import MigrateError, engine_for
from tests import migrate_helpers
from tests.helpers import GOLDEN
from tests.migrate_helpers import project, write_spec

db_url = migrate_helpers.db_url

PRODUCTION = GOLDEN / "production" / "spec.yaml"


def test_identity_columns_and_a_foreign_key_cycle_go_up_down_and_up(db_url: str, tmp_path: Path) -> None:
    migration = project(PRODUCTION, tmp_path / "migrations")
    written = commands.migrate(migration, db_url, "init", allow_destructive=False).written
    assert written is not None
    text = written.read_text("utf-8")
    if "postgresql" in db_url:
        # the key of the users <-> posts cycle is added once both tables exist, and dropped first on the way down
        assert "sa.Identity(always=True)" in text
        assert text.index('op.create_table(\n        "posts"') < text.index("op.create_foreign_key(")
        downgrade = text[text.index("def downgrade"):]
        assert downgrade.index("op.drop_constraint(") < downgrade.index("op.drop_table(")
    for _ in range(2):
        commands.upgrade(migration, db_url)
        assert commands.plan(migration, db_url, allow_destructive=False).upgrade.is_empty()
        commands.downgrade(migration, db_url, "base")
        assert commands.current(migration, db_url) is None
    commands.upgrade(migration, db_url)
    if "postgresql" in db_url:  # identity columns outside the key are PostgreSQL's (the spec language says so)
        engine = engine_for(db_url)
        with engine.begin() as connection:
            connection.exec_driver_sql("INSERT INTO users (id, email) VALUES (1, 'a@example.com')")
            connection.exec_driver_sql("INSERT INTO posts (author_id, title) VALUES (1, 'one')")
            assert connection.exec_driver_sql("SELECT id, ticket FROM posts").fetchall() == [(1, 1)]
        engine.dispose()


EXPRESSIONS = """\
package: exprs_app
tables:
  people:
    columns:
      id: {type: integer, primary_key: true}
      email: {type: varchar, length: 80, nullable: false}
      seen: {type: integer}
    indexes:
      - {columns: [{expr: "lower(email)"}], unique: true, name: ix_people_email}
      - {columns: [{column: seen, order: desc}, email], name: ix_people_seen}
"""


def test_a_changed_expression_index_or_column_order_migrates(db_url: str, tmp_path: Path) -> None:
    specs = tmp_path / "specs"
    first = project(write_spec(specs, EXPRESSIONS), tmp_path / "m")
    commands.migrate(first, db_url, "one", allow_destructive=False)
    commands.upgrade(first, db_url)
    assert commands.plan(first, db_url, allow_destructive=False).upgrade.is_empty()
    changed = EXPRESSIONS
    for before, after in [("lower(email)", "upper(email)"), ("order: desc", "order: asc")]:
        changed = changed.replace(before, after)
        second = project(write_spec(specs, changed), tmp_path / "m")
        written = commands.migrate(second, db_url, after, allow_destructive=False).written
        assert written is not None, after
        text = written.read_text("utf-8")
        assert "drop_index(" in text and "create_index(" in text, text
        commands.upgrade(second, db_url)
        assert commands.plan(second, db_url, allow_destructive=False).upgrade.is_empty()
        commands.downgrade(second, db_url, "-1")
        commands.upgrade(second, db_url)
        assert commands.plan(second, db_url, allow_destructive=False).upgrade.is_empty()


def test_revision_files_and_env_are_black_clean(db_url: str, tmp_path: Path) -> None:
    migration = project(PRODUCTION, tmp_path / "migrations")
    written = commands.migrate(migration, db_url, "init", allow_destructive=False).written
    assert written is not None
    result = subprocess.run([sys.executable, "-m", "black", "--check", "--line-length", "88", "--target-version",
                             "py311", str(migration.env.folder)], capture_output=True, text=True, timeout=120)
    assert result.returncode == 0, result.stderr
    assert "2 files would be left unchanged" in result.stderr


STATES = """\
package: states_app
enums:
  State: [draft, live, gone]
tables:
  posts:
    columns:
      id: {type: integer, primary_key: true}
      state: {type: enum, enum: State, nullable: false, default: draft}
"""
SEEDED = [{"id": 1, "state": "draft"}, {"id": 2, "state": "live"}, {"id": 3, "state": "gone"}]


def _states(url: str) -> list[tuple[object, ...]]:
    engine = engine_for(url)
    with engine.connect() as connection:
        rows = [tuple(r) for r in connection.exec_driver_sql("SELECT id, CAST(state AS TEXT) FROM posts ORDER BY id")]
    engine.dispose()
    return rows


def _seed(migration: commands.Project, url: str) -> None:
    engine = engine_for(url)
    with engine.begin() as connection:
        connection.execute(migration.metadata.tables["posts"].insert(), SEEDED)
    engine.dispose()


def test_a_renamed_enum_value_keeps_rows_and_downgrades(db_url: str, tmp_path: Path) -> None:
    specs = tmp_path / "specs"
    first = project(write_spec(specs, STATES), tmp_path / "m")
    commands.migrate(first, db_url, "one", allow_destructive=False)
    commands.upgrade(first, db_url)
    _seed(first, db_url)
    renamed = STATES.replace("State: [draft, live, gone]",
                             "State: {values: [draft, published, gone], renamed_from: {published: live}}")
    second = project(write_spec(specs, renamed), tmp_path / "m")
    written = commands.migrate(second, db_url, "rename", allow_destructive=False).written
    assert written is not None
    text = written.read_text("utf-8")
    if "postgresql" in db_url:
        assert "ALTER TYPE state RENAME VALUE 'live' TO 'published'" in text
    else:
        assert '.where(sa.column("state") == "live")' in text and '.values({"state": "published"})' in text
    commands.upgrade(second, db_url)
    assert _states(db_url) == [(1, "draft"), (2, "published"), (3, "gone")]
    assert commands.plan(second, db_url, allow_destructive=False).upgrade.is_empty()  # left in the spec: no-op
    commands.downgrade(second, db_url, "-1")
    assert _states(db_url) == [(1, "draft"), (2, "live"), (3, "gone")]
    commands.upgrade(second, db_url)
    assert _states(db_url) == [(1, "draft"), (2, "published"), (3, "gone")]


def test_a_removed_enum_value_needs_the_flag_and_never_loses_rows_silently(db_url: str, tmp_path: Path) -> None:
    specs = tmp_path / "specs"
    first = project(write_spec(specs, STATES), tmp_path / "m")
    commands.migrate(first, db_url, "one", allow_destructive=False)
    commands.upgrade(first, db_url)
    _seed(first, db_url)
    second = project(write_spec(specs, STATES.replace("[draft, live, gone]", "[draft, live]")), tmp_path / "m")
    with pytest.raises(MigrateError, match=r"enum state loses gone \(used by posts.state;[\s\S]*--allow-destructive"):
        commands.migrate(second, db_url, "drop gone", allow_destructive=False)
    written = commands.migrate(second, db_url, "drop gone", allow_destructive=True).written
    assert written is not None
    # a row still holds `gone`: the upgrade stops, naming it, and nothing changes
    with pytest.raises(MigrateError, match=r"posts.state: 1 row\(s\) hold a value removed from state \(gone\)"):
        commands.upgrade(second, db_url)
    assert commands.current(second, db_url) == second.env.revisions()[0]
    assert _states(db_url) == [(1, "draft"), (2, "live"), (3, "gone")]
    engine = engine_for(db_url)
    with engine.begin() as connection:
        connection.exec_driver_sql("UPDATE posts SET state = 'live' WHERE id = 3")
    engine.dispose()
    commands.upgrade(second, db_url)
    assert _states(db_url) == [(1, "draft"), (2, "live"), (3, "live")]
    assert commands.plan(second, db_url, allow_destructive=False).upgrade.is_empty()
    if "postgresql" in db_url:
        engine = engine_for(db_url)
        with engine.connect() as connection:
            labels = connection.exec_driver_sql("SELECT unnest(enum_range(NULL::state))::text").scalars().all()
            assert labels == ["draft", "live"]
            with pytest.raises(Exception, match="invalid input value for enum state"):
                connection.exec_driver_sql("INSERT INTO posts (id, state) VALUES (9, 'gone')")
        engine.dispose()
    commands.downgrade(second, db_url, "-1")  # the value is back; the rows keep what they hold
    assert _states(db_url) == [(1, "draft"), (2, "live"), (3, "live")]
    commands.upgrade(second, db_url)


def test_postgresql_enum_arrays_are_guarded_and_recast_when_a_value_goes(tmp_path: Path) -> None:
    """PostgreSQL's native enum arrays (SQLite stores an array as JSON text: no enum type to remake)."""
    import uuid

    from tests.conftest import POSTGRES_URL, drop_postgres_schema, postgres_engine

    schema = f"m_{uuid.uuid4().hex[:12]}"
    postgres_engine(schema).dispose()
    url = f"{POSTGRES_URL}?options=-csearch_path%3D{schema}"
    try:
        specs = tmp_path / "specs"
        spec = STATES + "      history: {type: enum, enum: State, array: true}\n"
        first = project(write_spec(specs, spec), tmp_path / "m")
        commands.migrate(first, url, "one", allow_destructive=False)
        commands.upgrade(first, url)
        engine = engine_for(url)
        with engine.begin() as connection:
            connection.execute(first.metadata.tables["posts"].insert(),
                               [{"id": 1, "state": "draft", "history": ["live", "gone"]}])
        second = project(write_spec(specs, spec.replace("[draft, live, gone]", "[draft, live]")), tmp_path / "m")
        written = commands.migrate(second, url, "two", allow_destructive=True).written
        assert written is not None and 'postgresql_using="history::text[]::state[]"' in written.read_text("utf-8")
        with pytest.raises(MigrateError, match=r"posts.history: 1 row\(s\) hold a value removed from state"):
            commands.upgrade(second, url)
        with engine.begin() as connection:
            connection.exec_driver_sql("UPDATE posts SET history = ARRAY['live']::state[]")
        commands.upgrade(second, url)
        with engine.connect() as connection:
            assert connection.exec_driver_sql("SELECT history::text[] FROM posts").scalar() == ["live"]
        engine.dispose()
        assert commands.plan(second, url, allow_destructive=False).upgrade.is_empty()
    finally:
        drop_postgres_schema(schema)


def test_push_renames_and_removes_enum_values_with_the_same_guard(db_url: str, tmp_path: Path) -> None:
    specs = tmp_path / "specs"
    first = project(write_spec(specs, STATES), tmp_path / "m")
    commands.push(first, db_url, allow_destructive=False)
    _seed(first, db_url)
    renamed = STATES.replace("State: [draft, live, gone]",
                             "State: {values: [draft, published, gone], renamed_from: {published: live}}")
    second = project(write_spec(specs, renamed), tmp_path / "m")
    assert not commands.push(second, db_url, allow_destructive=False).is_empty()
    assert _states(db_url) == [(1, "draft"), (2, "published"), (3, "gone")]
    assert commands.push(second, db_url, allow_destructive=False).is_empty()  # left in the spec: nothing
    third = project(write_spec(specs, renamed.replace("published, gone]", "published]")), tmp_path / "m")
    with pytest.raises(MigrateError, match=r"enum state loses gone[\s\S]*--allow-destructive"):
        commands.push(third, db_url, allow_destructive=False)
    with pytest.raises(MigrateError, match=r"posts.state: 1 row\(s\) hold a value removed from state \(gone\)"):
        commands.push(third, db_url, allow_destructive=True)
    assert _states(db_url) == [(1, "draft"), (2, "published"), (3, "gone")]
    engine = engine_for(db_url)
    with engine.begin() as connection:
        connection.exec_driver_sql("DELETE FROM posts WHERE id = 3")
    engine.dispose()
    commands.push(third, db_url, allow_destructive=True)
    assert commands.push(third, db_url, allow_destructive=False).is_empty()
    assert _states(db_url) == [(1, "draft"), (2, "published")]
