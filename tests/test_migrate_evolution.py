"""Migrations of what the first round left open (issue 13): identity columns and foreign-key cycles
(the `production` golden case), SQLite's expression indexes, black-clean revision files, and enum
values renamed and removed. Each test runs on SQLite and PostgreSQL."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

from schemagen.migrate import commands
from schemagen.migrate.database import engine_for
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
    result = subprocess.run([sys.executable, "-m", "black", "--check", "--line-length", "100", "--target-version",
                             "py311", str(migration.env.folder)], capture_output=True, text=True, timeout=120)
    assert result.returncode == 0, result.stderr
    assert "2 files would be left unchanged" in result.stderr
