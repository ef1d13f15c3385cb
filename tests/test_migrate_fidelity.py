"""Migrations that keep what a revision could lose: SQL holding `%` (doubled on PostgreSQL by the
driver's placeholders), SQLite's on_update triggers across a rename's downgrade, SQLite's
expression and DESC indexes across a table rebuild, and the trigger under `recursive_triggers`.
Each test runs on SQLite and PostgreSQL where the defect can happen."""

from __future__ import annotations

from pathlib import Path

import pytest
from sqlalchemy import text
from sqlalchemy.exc import IntegrityError

from schemagen.migrate import commands
from schemagen.migrate.database import engine_for
from tests import migrate_helpers
from tests.migrate_helpers import project, write_spec

db_url = migrate_helpers.db_url

PERCENT = """\
package: pct_app
tables:
  stats:
    comment: "counts in %s per 100%"
    columns:
      id: {type: integer, primary_key: true}
      n: {type: integer, nullable: false}
      m: {type: integer, generated: {sql: n % 7}}
      pct: {type: text, validate: {pattern: '^[0-9]+%$'}, comment: "share in %s"}
      label: {type: text, default: {sql: "'100%'"}}
      extra: {type: integer}
"""


def test_sql_with_percent_signs_reaches_the_database_as_written(db_url: str, tmp_path: Path) -> None:
    specs = tmp_path / "specs"
    # first the table without the CHECK, so that the revision adds it with op.create_check_constraint too
    # (SQLite gets no regex CHECK: a new column makes that revision)
    plain = PERCENT.replace(", validate: {pattern: '^[0-9]+%$'}", "").replace("      extra: {type: integer}\n", "")
    for number, spec in enumerate([plain, PERCENT]):
        migration = project(write_spec(specs, spec), tmp_path / "m")
        written = commands.migrate(migration, db_url, f"r{number}", allow_destructive=False).written
        assert written is not None
        assert "%%" not in written.read_text("utf-8")
        commands.upgrade(migration, db_url)
        assert commands.plan(migration, db_url, allow_destructive=False).upgrade.is_empty()
    engine = engine_for(db_url)
    try:
        with engine.begin() as connection:
            connection.execute(text("INSERT INTO stats (id, n, pct) VALUES (1, 23, :pct)"), {"pct": "50%"})
            assert connection.exec_driver_sql("SELECT m, pct, label FROM stats").one() == (2, "50%", "100%")
        if "postgresql" in db_url:
            # the CHECK holds the `%` of the pattern
            with engine.connect() as connection, pytest.raises(IntegrityError, match="ck_stats_pct"):
                connection.exec_driver_sql("INSERT INTO stats (id, n, pct) VALUES (2, 1, '50')")
            with engine.connect() as connection:
                comments = connection.exec_driver_sql(
                    "SELECT obj_description('stats'::regclass), col_description('stats'::regclass, 4)").one()
                assert comments == ("counts in %s per 100%", "share in %s")
    finally:
        engine.dispose()
    if "sqlite" in db_url:
        return  # (SQLite's rebuild of a table with a generated column on the way down: see the report)
    for _ in range(2):  # down to the table without the CHECK (which the downgrade drops as it is) and up again
        commands.downgrade(migration, db_url, "-1")
        assert "%%" not in _catalogue(db_url) and "~" not in _catalogue(db_url)
        commands.upgrade(migration, db_url)
        assert "%%" not in _catalogue(db_url) and "%$" in _catalogue(db_url)
    # a changed default: the downgrade sets the former one, as the database spelled it
    third = project(write_spec(specs, PERCENT.replace("'100%'", "'0%'")), tmp_path / "m")
    written = commands.migrate(third, db_url, "r2", allow_destructive=False).written
    assert written is not None and "%%" not in written.read_text("utf-8")
    commands.upgrade(third, db_url)
    assert "'0%'" in _catalogue(db_url)
    commands.downgrade(third, db_url, "-1")
    assert "'100%'" in _catalogue(db_url) and "%%" not in _catalogue(db_url)


def _catalogue(url: str) -> str:
    """The database's own text of its CHECKs, defaults and generated columns."""
    engine = engine_for(url)
    try:
        with engine.connect() as connection:
            if "postgresql" in url:
                rows = connection.exec_driver_sql(
                    "SELECT pg_get_constraintdef(oid) FROM pg_constraint WHERE conrelid = 'stats'::regclass "
                    "UNION ALL SELECT pg_get_expr(adbin, adrelid) FROM pg_attrdef WHERE adrelid = 'stats'::regclass")
            else:
                rows = connection.exec_driver_sql("SELECT sql FROM sqlite_master WHERE tbl_name = 'stats'")
            return "\n".join(str(row[0]) for row in rows)
    finally:
        engine.dispose()


STAMPED = """\
package: stamped_app
tables:
  notes:
    columns:
      id: {type: integer, primary_key: true}
      body: {type: text}
      modified: {type: timestamp, on_update: now}
"""


def _moves(url: str, column: str) -> bool:
    """Whether a raw SQL update moves the on_update column (the trigger's work)."""
    engine = engine_for(url)
    try:
        with engine.begin() as connection:
            connection.exec_driver_sql("DELETE FROM notes")
            connection.exec_driver_sql(f"INSERT INTO notes (id, body, {column}) VALUES (1, 'a', '2000-01-01 00:00:00')")
            connection.exec_driver_sql("UPDATE notes SET body = 'b' WHERE id = 1")
            moved = connection.exec_driver_sql(f"SELECT {column} FROM notes").scalar_one()
            connection.exec_driver_sql("DELETE FROM notes")
        return not str(moved).startswith("2000")
    finally:
        engine.dispose()


def test_a_renamed_on_update_column_keeps_its_trigger_both_ways(db_url: str, tmp_path: Path) -> None:
    specs = tmp_path / "specs"
    first = project(write_spec(specs, STAMPED), tmp_path / "m")
    commands.migrate(first, db_url, "one", allow_destructive=False)
    commands.upgrade(first, db_url)
    assert _moves(db_url, "modified")
    renamed = STAMPED.replace("modified: {type: timestamp, on_update: now}",
                              "updated_at: {type: timestamp, on_update: now, renamed_from: modified}")
    second = project(write_spec(specs, renamed), tmp_path / "m")
    assert commands.migrate(second, db_url, "two", allow_destructive=False).written is not None
    for _ in range(2):
        commands.upgrade(second, db_url)
        assert _moves(db_url, "updated_at")
        assert commands.plan(second, db_url, allow_destructive=False).upgrade.is_empty()
        commands.downgrade(second, db_url, "-1")
        assert _moves(db_url, "modified")


def _indexes(url: str) -> dict[str, str]:
    engine = engine_for(url)
    try:
        with engine.connect() as connection:
            rows = connection.exec_driver_sql("SELECT name, sql FROM sqlite_master WHERE type = 'index' "
                                              "AND tbl_name = 'people' AND sql IS NOT NULL").all()
            return {str(name): " ".join(str(sql).split()) for name, sql in rows}
    finally:
        engine.dispose()


def test_a_sqlite_table_rebuild_keeps_expression_and_desc_indexes(tmp_path: Path) -> None:
    url = f"sqlite:///{tmp_path / 'app.db'}"
    from tests.test_migrate_evolution import EXPRESSIONS

    specs = tmp_path / "specs"
    first = project(write_spec(specs, EXPRESSIONS), tmp_path / "m")
    commands.migrate(first, url, "one", allow_destructive=False)
    commands.upgrade(first, url)
    before = _indexes(url)
    assert "lower(email)" in before["ix_people_email"] and "DESC" in before["ix_people_seen"]
    # a type change: Alembic rebuilds the table (a copy from its reflection)
    second = project(write_spec(specs, EXPRESSIONS.replace("seen: {type: integer}", "seen: {type: bigint}")),
                     tmp_path / "m")
    assert commands.migrate(second, url, "two", allow_destructive=False).written is not None
    for _ in range(2):
        commands.upgrade(second, url)
        assert _indexes(url) == before
        assert commands.plan(second, url, allow_destructive=False).upgrade.is_empty()
        commands.downgrade(second, url, "-1")
        assert _indexes(url) == before


TWO_STAMPS = """\
package: twostamps_app
tables:
  notes:
    columns:
      id: {type: integer, primary_key: true}
      body: {type: text}
      modified: {type: timestamp, on_update: now}
      touched: {type: timestamp, on_update: now}
"""


def test_the_sqlite_on_update_trigger_never_fires_itself_with_recursive_triggers(tmp_path: Path) -> None:
    url = f"sqlite:///{tmp_path / 'app.db'}"
    migration = project(write_spec(tmp_path / "specs", TWO_STAMPS), tmp_path / "m")
    commands.migrate(migration, url, "one", allow_destructive=False)
    commands.upgrade(migration, url)
    engine = engine_for(url)
    try:
        with engine.begin() as connection:
            connection.exec_driver_sql("PRAGMA recursive_triggers = ON")
            connection.exec_driver_sql("INSERT INTO notes (id, body, modified, touched) "
                                       "VALUES (1, 'a', '2000-01-01 00:00:00', '2000-01-01 00:00:00')")
            # one of the two set by the writer: kept; the other moved
            connection.exec_driver_sql("UPDATE notes SET body = 'b', modified = '2001-01-01 00:00:00'")
            modified, touched = connection.exec_driver_sql("SELECT modified, touched FROM notes").one()
            assert str(modified).startswith("2001") and not str(touched).startswith("2000")
            # updates within one millisecond: the time the trigger writes equals the one there
            for body in ("c", "d", "e", "f"):
                connection.exec_driver_sql(f"UPDATE notes SET body = '{body}'")
            assert connection.exec_driver_sql("SELECT body FROM notes").scalar_one() == "f"
            # an UPDATE of the stamps alone is the writer's
            connection.exec_driver_sql("UPDATE notes SET touched = '2002-01-01 00:00:00'")
            assert str(connection.exec_driver_sql("SELECT touched FROM notes").scalar_one()).startswith("2002")
    finally:
        engine.dispose()
