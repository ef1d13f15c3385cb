"""A spec through five versions on SQLite and PostgreSQL: rows survive every step, `migrate --check`
is clean after each, and every revision passes the stairway (up one, down one, up again)."""

from __future__ import annotations

from pathlib import Path

from schemagen.migrate import commands
from tests import migrate_helpers
from tests.migrate_helpers import execute, project, rows, write_spec

db_url = migrate_helpers.db_url  # the fixture: a SQLite file, then a private PostgreSQL schema

V1 = """\
package: blog
enums:
  Status: [draft, live]
tables:
  authors:
    columns:
      id: {type: serial, primary_key: true}
      name: {type: varchar, length: 40, nullable: false}
      bio: text
"""
# add a table with an FK (cascade) and an enum column; add a column with a default
V2 = V1 + """\
      rank: {type: integer, nullable: false, default: 0}
  posts:
    columns:
      id: {type: serial, primary_key: true}
      author_id: {type: integer, nullable: false, references: authors.id, on_delete: cascade}
      title: {type: text, nullable: false}
      status: {type: enum, enum: Status, default: draft}
"""
# add an index and an enum value
V3 = V2.replace("[draft, live]", "[draft, live, archived]") + """\
    indexes:
      - {columns: [title]}
"""
# rename a column; make a column NOT NULL (its rows are filled)
V4 = V3.replace("      title: {type: text, nullable: false}", "      headline: {type: text, nullable: false, "
                "renamed_from: title}").replace("columns: [title]", "columns: [headline]").replace(
    "      bio: text", "      bio: {type: text, nullable: false}")
# drop a column (allowed with the flag)
V5 = V4.replace("      rank: {type: integer, nullable: false, default: 0}\n", "")
VERSIONS = [V1, V2, V3, V4, V5]


def test_history_keeps_rows_and_every_revision_passes_the_stairway(db_url: str, tmp_path: Path) -> None:
    specs, migrations = tmp_path / "specs", tmp_path / "migrations"
    for step, text in enumerate(VERSIONS, start=1):
        current = project(write_spec(specs, text), migrations)
        written = commands.migrate(current, db_url, f"v{step}", allow_destructive=step == 5).written
        assert written is not None, step
        commands.upgrade(current, db_url)
        assert commands.plan(current, db_url, allow_destructive=False).upgrade.is_empty(), step
        assert commands.migrate(current, db_url, "again", allow_destructive=False).written is None
        if step == 1:
            execute(db_url, "INSERT INTO authors (name, bio) VALUES ('ada', 'math')")
        if step == 2:
            assert rows(db_url, "SELECT name, rank FROM authors") == [("ada", 0)]  # the default filled it
            execute(db_url, "INSERT INTO posts (author_id, title) VALUES (1, 'engines')")
        if step == 3:
            execute(db_url, "INSERT INTO posts (author_id, title, status) VALUES (1, 'notes', 'archived')")
        title = "headline" if step >= 4 else "title"
        if step >= 2:
            # on SQLite, rebuilding `authors` (step 4) must not cascade-delete its posts
            assert rows(db_url, f"SELECT author_id, {title} FROM posts ORDER BY id") == (
                [(1, "engines")] + ([(1, "notes")] if step >= 3 else []))
        assert rows(db_url, "SELECT name, bio FROM authors") == [("ada", "math")]
    if "postgresql" in db_url:
        assert rows(db_url, "SELECT unnest(enum_range(NULL::status))::text") == [
            ("draft",), ("live",), ("archived",)]
    revisions = current.env.revisions()
    assert len(revisions) == 5
    # the stairway, on an empty database: up one, down one, up again, for every revision
    commands.downgrade(current, db_url, "base")
    assert rows(db_url, "SELECT count(*) FROM " + current.env.version_table) == [(0,)]
    for revision in revisions:
        commands.upgrade(current, db_url, revision)
        commands.downgrade(current, db_url, "-1")
        commands.upgrade(current, db_url, revision)
        assert commands.current(current, db_url) == revision
    assert commands.plan(current, db_url, allow_destructive=False).upgrade.is_empty()


def test_two_upgrades_at_once_apply_each_revision_once(db_url: str, tmp_path: Path) -> None:
    import os
    import subprocess
    import sys
    import time

    from tests.helpers import ROOT

    spec = write_spec(tmp_path / "specs", V2)
    current = project(spec, tmp_path / "migrations")
    written = commands.migrate(current, db_url, "v1", allow_destructive=False).written
    assert written is not None
    # a slow revision, so that the second upgrade starts while the first is inside it
    text = written.read_text().replace("def upgrade() -> None:\n", "def upgrade() -> None:\n    import time\n\n"
                                       "    time.sleep(2)\n")
    written.write_text(text)
    command = [sys.executable, "-m", "schemagen", "upgrade", "--spec", str(spec), "--db", db_url,
               "--migrations", str(tmp_path / "migrations")]
    started = time.monotonic()
    runs = [subprocess.Popen(command, cwd=ROOT, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True,
                             env=dict(os.environ)) for _ in range(2)]
    results = [(run.wait(timeout=300), run.stderr.read() if run.stderr else "") for run in runs]
    assert [code for code, _ in results] == [0, 0], results
    assert time.monotonic() - started >= 2
    assert rows(db_url, f"SELECT version_num FROM {current.env.version_table}") == [(current.env.revisions()[-1],)]
    assert commands.plan(current, db_url, allow_destructive=False).upgrade.is_empty()


def test_an_upgrade_killed_midway_leaves_the_previous_revision(db_url: str, tmp_path: Path) -> None:
    import os
    import signal
    import subprocess
    import sys
    import time

    from tests.helpers import ROOT

    specs, migrations = tmp_path / "specs", tmp_path / "migrations"
    first = project(write_spec(specs, V1), migrations)
    commands.migrate(first, db_url, "v1", allow_destructive=False)
    commands.upgrade(first, db_url)
    execute(db_url, "INSERT INTO authors (name, bio) VALUES ('ada', 'math')")
    second = project(write_spec(specs, V2.replace("length: 40", "length: 80")), migrations)
    written = commands.migrate(second, db_url, "v2", allow_destructive=False).written
    assert written is not None
    # stop for a while after the revision's first operations ran, and be killed there
    text = written.read_text()
    marker = "    # ### end Alembic commands ###"
    inside = tmp_path / "inside"
    written.write_text(text.replace(marker, f"    import pathlib, time\n\n    pathlib.Path({str(inside)!r}).touch()\n"
                                            "    time.sleep(30)\n" + marker, 1))
    run = subprocess.Popen([sys.executable, "-m", "schemagen", "upgrade", "--spec", str(specs / "app.yaml"),
                            "--db", db_url, "--migrations", str(migrations)], cwd=ROOT, env=dict(os.environ),
                           stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    deadline = time.monotonic() + 60
    while time.monotonic() < deadline and not inside.exists():
        time.sleep(0.1)
    assert inside.exists()  # the revision's operations ran; it sleeps before its end
    run.send_signal(signal.SIGKILL)
    run.wait(timeout=30)
    assert commands.current(second, db_url) == first.env.revisions()[0]
    assert rows(db_url, "SELECT name, bio FROM authors") == [("ada", "math")]
    tables = {row[0] for row in rows(db_url, "SELECT name FROM sqlite_master WHERE type = 'table'" if "sqlite" in
                                      db_url else "SELECT tablename FROM pg_tables WHERE schemaname = current_schema()")}
    assert "posts" not in tables and not any(t.startswith("_alembic_tmp") for t in tables)
    written.write_text(text)
    commands.upgrade(second, db_url)
    assert commands.plan(second, db_url, allow_destructive=False).upgrade.is_empty()
    assert rows(db_url, "SELECT name, rank FROM authors") == [("ada", 0)]
