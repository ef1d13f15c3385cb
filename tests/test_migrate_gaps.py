"""Migrations of what users of weekly schema changes hit: a SQLite table rebuild on a table with a
generated column, enum arrays on SQLite, push as one transaction, `%` in index expressions."""

from __future__ import annotations

from pathlib import Path

from schemagen.migrate import commands
from schemagen.migrate.database import engine_for
from tests import migrate_helpers
from tests.migrate_helpers import project, write_spec

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


def _rows(url: str, sql: str) -> list[tuple[object, ...]]:
    engine = engine_for(url)
    with engine.connect() as connection:
        rows = [tuple(row) for row in connection.exec_driver_sql(sql)]
    engine.dispose()
    return rows


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
        assert _rows(url, "SELECT id, qty, price, total, note FROM lines ORDER BY id") == [(1, 2, 3, 6, "a"),
                                                                                            (2, 4, 5, 20, "b")]
        engine = engine_for(url)
        with engine.begin() as connection:  # still generated: computed for a new row and an update
            connection.exec_driver_sql("INSERT INTO lines (id, qty, price) VALUES (3, 7, 2)")
            connection.exec_driver_sql("UPDATE lines SET qty = 10 WHERE id = 1")
        engine.dispose()
        assert _rows(url, "SELECT id, total FROM lines ORDER BY id") == [(1, 30), (2, 20), (3, 14)]
        if "sqlite" in url:  # the rebuilt table keeps the column order
            assert [name for (name,) in _rows(url, "SELECT name FROM pragma_table_xinfo('lines')")] == [
                "id", "qty", "price", "total", "note"]
        assert commands.plan(second, url, allow_destructive=False).upgrade.is_empty()
        commands.downgrade(second, url, "-1")
        assert _rows(url, "SELECT id, total FROM lines ORDER BY id") == [(1, 30), (2, 20), (3, 14)]
