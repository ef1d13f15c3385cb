"""Generated columns through weekly schema changes: a changed expression migrates (the column is
made again, its index with it, no row lost), a table rebuild keeps a generated column whose type
holds a comma (SQLite's reflection lost its expression), and becoming or ceasing to be generated
asks for the destructive flag (but on PostgreSQL, where ceasing to be generated keeps the values)."""

from __future__ import annotations

import warnings
from pathlib import Path

import pytest

from schemagen.migrate import commands
from schemagen.migrate.database import MigrateError
from schemagen.sqlite_ddl import sqlite_expressions
from tests import migrate_helpers
from tests.migrate_helpers import execute, project, rows, write_spec

db_url = migrate_helpers.db_url

SPEC = """
package: app
tables:
  lines:
    columns:
      id: {type: integer, primary_key: true}
      price: {type: numeric, precision: 10, scale: 2, nullable: false}
      qty: {type: integer, nullable: false}
      total: {type: numeric, precision: 12, scale: 2, generated: {sql: price * qty}, comment: "price, times qty"}
      note: {type: varchar, length: 20}
    indexes:
      - {columns: [total], name: ix_lines_total}
    unique: [[qty, total]]
    checks: [{name: positive, sql: total >= 0}]
"""


def _totals(url: str) -> list[tuple[object, ...]]:
    return [(i, float(str(t))) for i, t in rows(url, "SELECT id, total FROM lines ORDER BY id")]


def _migrated(tmp_path: Path, url: str, spec: str, message: str, *, allow_destructive: bool = False
              ) -> commands.Project:
    migration = project(write_spec(tmp_path / "specs", spec), tmp_path / "m")
    with warnings.catch_warnings():
        warnings.simplefilter("error")  # Alembic's "Computed default ... cannot be modified" included
        assert commands.migrate(migration, url, message, allow_destructive=allow_destructive).written is not None
    commands.upgrade(migration, url)
    return migration


def _index_names(url: str) -> set[str]:
    if "sqlite" in url:
        return {name for (name,) in rows(url, "SELECT name FROM sqlite_master WHERE type = 'index' "
                                               "AND tbl_name = 'lines' AND sql IS NOT NULL")}
    return {name for (name,) in rows(url, "SELECT indexname FROM pg_indexes WHERE tablename = 'lines' "
                                           "AND schemaname = current_schema()")} - {"pk_lines"}


def test_a_changed_expression_makes_the_column_again_and_keeps_every_row(db_url: str, tmp_path: Path) -> None:
    _migrated(tmp_path, db_url, SPEC, "one")
    execute(db_url, "INSERT INTO lines (id, price, qty, note) VALUES (1, 2.50, 4, 'a'), (2, 1.25, 2, NULL)")
    changed = _migrated(tmp_path, db_url, SPEC.replace("sql: price * qty}", "sql: price * qty * 2}"), "two")
    assert _totals(db_url) == [(1, 20.0), (2, 5.0)]
    assert rows(db_url, "SELECT id, price, qty, note FROM lines ORDER BY id")[0][3] == "a"
    assert _index_names(db_url) >= {"ix_lines_total"}
    execute(db_url, "INSERT INTO lines (id, price, qty) VALUES (3, 1, 3)")  # computed for a new row too
    with pytest.raises(Exception, match="ck_lines_positive|CHECK"):  # the check over it is there again
        execute(db_url, "INSERT INTO lines (id, price, qty) VALUES (4, -1, 3)")
    with pytest.raises(Exception, match="uq_lines_qty_total|UNIQUE"):  # and the unique
        execute(db_url, "INSERT INTO lines (id, price, qty) VALUES (5, 1, 3)")
    assert _totals(db_url)[2] == (3, 6.0)
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        assert commands.plan(changed, db_url, allow_destructive=False).upgrade.is_empty()
    commands.downgrade(changed, db_url, "-1")
    assert _totals(db_url) == [(1, 10.0), (2, 2.5), (3, 3.0)]
    assert _index_names(db_url) >= {"ix_lines_total"}


def test_a_rebuild_keeps_a_generated_column_whose_type_has_a_comma(db_url: str, tmp_path: Path) -> None:
    """NUMERIC(12, 2): SQLAlchemy's SQLite reflection read the expression as empty, and the rebuilt
    table said `GENERATED ALWAYS AS ()`, which SQLite refused."""
    _migrated(tmp_path, db_url, SPEC, "one")
    execute(db_url, "INSERT INTO lines (id, price, qty, note) VALUES (1, 2.50, 4, 'a')")
    # NOT NULL with a default: ALTER COLUMN, a table rebuild on SQLite
    wider = _migrated(tmp_path, db_url, SPEC.replace("length: 20}", "length: 40, nullable: false, default: x}"),
                      "two")
    assert _totals(db_url) == [(1, 10.0)]
    execute(db_url, "UPDATE lines SET qty = 5 WHERE id = 1")
    assert _totals(db_url) == [(1, 12.5)]
    assert commands.plan(wider, db_url, allow_destructive=False).upgrade.is_empty()


@pytest.mark.parametrize("change", ["becomes generated", "is no longer generated"])
def test_a_column_that_becomes_or_stops_being_generated_needs_the_flag(db_url: str, tmp_path: Path,
                                                                       change: str) -> None:
    """Except on PostgreSQL, where a column that stops being generated keeps its values (`DROP EXPRESSION`)."""
    plain = SPEC.replace(", generated: {sql: price * qty}", "")
    before, after = (plain, SPEC) if change == "becomes generated" else (SPEC, plain)
    _migrated(tmp_path, db_url, before, "one")
    execute(db_url, "INSERT INTO lines (id, price, qty) VALUES (1, 2, 3)")
    second = project(write_spec(tmp_path / "specs", after), tmp_path / "m")
    kept = change == "is no longer generated" and "postgresql" in db_url
    if not kept:
        with pytest.raises(MigrateError, match=r"lines\.total"):
            commands.migrate(second, db_url, "two", allow_destructive=False)
    assert commands.migrate(second, db_url, "two", allow_destructive=not kept).written is not None
    commands.upgrade(second, db_url)
    if change == "becomes generated" or kept:
        assert _totals(db_url) == [(1, 6.0)]
    else:  # made again as a plain column: the message said its values are not kept
        assert rows(db_url, "SELECT id, total FROM lines") == [(1, None)]
    assert commands.plan(second, db_url, allow_destructive=False).upgrade.is_empty()
    if kept:  # a plain column now: written as any other, and generated again by the downgrade
        execute(db_url, "UPDATE lines SET total = 7 WHERE id = 1")
        assert _totals(db_url) == [(1, 7.0)]
        commands.downgrade(second, db_url, "-1")
        assert _totals(db_url) == [(1, 6.0)]
        assert _index_names(db_url) >= {"ix_lines_total"}
        with pytest.raises(Exception, match="ck_lines_positive"):
            execute(db_url, "INSERT INTO lines (id, price, qty) VALUES (4, -1, 3)")


def test_push_keeps_the_values_of_a_column_no_longer_generated_on_postgresql(db_url: str, tmp_path: Path) -> None:
    first = project(write_spec(tmp_path / "specs", SPEC), tmp_path / "m")
    commands.push(first, db_url, allow_destructive=False)
    execute(db_url, "INSERT INTO lines (id, price, qty) VALUES (1, 2, 3)")
    plain = project(write_spec(tmp_path / "specs", SPEC.replace(", generated: {sql: price * qty}", "")), tmp_path / "m")
    if "sqlite" in db_url:
        with pytest.raises(MigrateError, match=r"lines\.total"):
            commands.push(plain, db_url, allow_destructive=False)
        return
    commands.push(plain, db_url, allow_destructive=False)
    assert _totals(db_url) == [(1, 6.0)]
    assert commands.push(plain, db_url, allow_destructive=False).is_empty()


def test_sqlite_expressions_are_read_with_quotes_parentheses_and_commas() -> None:
    sql = '''CREATE TABLE "odd, table" (
        id INTEGER NOT NULL, -- a comment, with (parentheses
        "a ""b""" NUMERIC(12, 2) GENERATED ALWAYS AS (coalesce(x, ')', "y,z") * 2) STORED,
        [c] TEXT AS (lower('AS (')) VIRTUAL,
        d INTEGER AS (1 + (2 * 3)),
        /* a block, comment */ e TEXT DEFAULT 'as (x)',
        CONSTRAINT ck CHECK (id > 0), UNIQUE (id, d)
    )'''
    assert sqlite_expressions(sql) == {
        'a "b"': ("coalesce(x, ')', \"y,z\") * 2", True),
        "c": ("lower('AS (')", False),
        "d": ("1 + (2 * 3)", False),
    }
