"""A text column that becomes inet, cidr or macaddr (and back) migrates with its values.

PostgreSQL needs `USING addr::inet` for such a change, which Alembic's renderer left out: the
revision failed, and it was refused as destructive first. SQLite stores these types as text: the
column's type does not change there, and no revision is written.
"""

from __future__ import annotations

from pathlib import Path

import pytest

from schemagen.migrate import commands
from schemagen.migrate.database import MigrateError
from tests import migrate_helpers
from tests.migrate_helpers import execute, project, rows, write_spec

db_url = migrate_helpers.db_url

SPEC = """
package: app
tables:
  hosts:
    columns:
      id: {type: integer, primary_key: true}
      addr: {type: %s}
      net: {type: %s}
      mac: {type: %s}
      aliases: {type: %s, array: true}
      seen: {type: %s, default: {sql: "'127.0.0.1'"}}
"""
TEXT = SPEC % ("text", "varchar", "text", "text", "text")
NETWORK = SPEC % ("inet", "cidr", "macaddr", "inet", "inet")
ROWS = ("INSERT INTO hosts (id, addr, net, mac, aliases) VALUES "
        "(1, '10.0.0.1', '10.0.0.0/8', '08:00:2b:01:02:03', {}), (2, '2001:db8::1/64', NULL, NULL, NULL)")


def _texts(url: str) -> list[tuple[object, ...]]:
    """PostgreSQL's text of each network value (`abbrev`: no /32 on a single address)."""
    return rows(url, "SELECT id, abbrev(addr), net::text, mac::text FROM hosts ORDER BY id")


def test_text_becomes_a_network_type_and_back_without_the_flag(db_url: str, tmp_path: Path) -> None:
    text = project(write_spec(tmp_path / "specs", TEXT), tmp_path / "m")
    assert commands.migrate(text, db_url, "one", allow_destructive=False).written is not None
    commands.upgrade(text, db_url)
    postgres = "postgresql" in db_url
    execute(db_url, ROWS.format("ARRAY['10.0.0.2', '::1/64']" if postgres else "'[\"10.0.0.2\", \"::1/64\"]'"))
    expected = [(1, "10.0.0.1", "10.0.0.0/8", "08:00:2b:01:02:03"), (2, "2001:db8::1/64", None, None)]
    network = project(write_spec(tmp_path / "specs", NETWORK), tmp_path / "m")
    written = commands.migrate(network, db_url, "two", allow_destructive=False).written
    if postgres:
        assert written is not None and "postgresql_using" in written.read_text("utf-8")
    commands.upgrade(network, db_url)
    if postgres:
        assert rows(db_url, "SELECT pg_typeof(addr)::text, pg_typeof(net)::text, pg_typeof(mac)::text, "
                            "pg_typeof(aliases)::text FROM hosts LIMIT 1") == [("inet", "cidr", "macaddr", "inet[]")]
        assert _texts(db_url) == expected
        assert rows(db_url, "SELECT aliases::text FROM hosts WHERE id = 1") == [("{10.0.0.2,::1/64}",)]
        # the default too (dropped for the change: PostgreSQL casts no text default to inet)
        execute(db_url, "INSERT INTO hosts (id) VALUES (3)")
        assert rows(db_url, "SELECT pg_typeof(seen)::text, seen::text FROM hosts WHERE id = 3") == [
            ("inet", "127.0.0.1/32")]
        execute(db_url, "DELETE FROM hosts WHERE id = 3")
    else:  # text both ways: the values stay as they are (the varchar column is rebuilt as TEXT)
        assert rows(db_url, "SELECT id, addr, net, mac FROM hosts ORDER BY id") == expected
    assert commands.plan(network, db_url, allow_destructive=False).upgrade.is_empty()
    commands.downgrade(network, db_url, "-1")  # the reverse: text as PostgreSQL printed each value
    assert rows(db_url, "SELECT id, addr, net, mac FROM hosts ORDER BY id") == expected
    commands.upgrade(network, db_url)
    back = project(write_spec(tmp_path / "specs", TEXT), tmp_path / "m")
    assert commands.migrate(back, db_url, "three", allow_destructive=False).written is not None
    commands.upgrade(back, db_url)
    assert rows(db_url, "SELECT id, addr, net, mac FROM hosts ORDER BY id") == expected
    assert commands.plan(back, db_url, allow_destructive=False).upgrade.is_empty()


@pytest.mark.parametrize("db_url", ["postgresql"], indirect=True)  # SQLite keeps the text: nothing to convert
def test_a_value_postgresql_cannot_convert_stops_the_migration_and_keeps_the_rows(tmp_path: Path,
                                                                                  db_url: str) -> None:
    text = project(write_spec(tmp_path / "specs", TEXT), tmp_path / "m")
    commands.migrate(text, db_url, "one", allow_destructive=False)
    commands.upgrade(text, db_url)
    execute(db_url, "INSERT INTO hosts (id, addr, mac) VALUES (1, '10.0.0.1', '08:00:2b:01:02:03'), "
                    "(2, 'router-1', NULL)")
    network = project(write_spec(tmp_path / "specs", NETWORK), tmp_path / "m")
    assert commands.migrate(network, db_url, "two", allow_destructive=False).written is not None
    with pytest.raises(MigrateError, match="invalid input syntax for type inet"):
        commands.upgrade(network, db_url)
    assert rows(db_url, "SELECT id, addr, pg_typeof(addr)::text FROM hosts ORDER BY id") == [
        (1, "10.0.0.1", "text"), (2, "router-1", "text")]


def test_push_converts_the_values_too(db_url: str, tmp_path: Path) -> None:
    text = project(write_spec(tmp_path / "specs", TEXT), tmp_path / "m")
    commands.push(text, db_url, allow_destructive=False)
    execute(db_url, "INSERT INTO hosts (id, addr, mac) VALUES (1, '10.0.0.1', '08002b010203')")
    network = project(write_spec(tmp_path / "specs", NETWORK), tmp_path / "m")
    commands.push(network, db_url, allow_destructive=False)
    cast = "::text" if "postgresql" in db_url else ""
    assert rows(db_url, f"SELECT addr{cast}, mac{cast} FROM hosts") == [
        ("10.0.0.1/32", "08:00:2b:01:02:03") if cast else ("10.0.0.1", "08002b010203")]
    assert commands.push(network, db_url, allow_destructive=False).is_empty()  # nothing left to change


@pytest.mark.parametrize("db_url", ["postgresql"], indirect=True)  # SQLite: text both ways
def test_a_cidr_becomes_an_inet_without_the_flag_but_not_back(tmp_path: Path, db_url: str) -> None:
    cidr = project(write_spec(tmp_path / "specs", NETWORK), tmp_path / "m")
    commands.migrate(cidr, db_url, "one", allow_destructive=False)
    commands.upgrade(cidr, db_url)
    execute(db_url, "INSERT INTO hosts (id, addr, net) VALUES (1, '10.0.0.1', '10.1.0.0/16')")
    inet = project(write_spec(tmp_path / "specs", NETWORK.replace("net: {type: cidr}", "net: {type: inet}")),
                   tmp_path / "m")
    assert commands.migrate(inet, db_url, "two", allow_destructive=False).written is not None
    commands.upgrade(inet, db_url)
    assert rows(db_url, "SELECT pg_typeof(net)::text, net::text FROM hosts") == [("inet", "10.1.0.0/16")]
    # an inet's host bits would be zeroed by cidr(inet): refused unless allowed
    with pytest.raises(MigrateError, match=r"hosts\.net \(INET -> CIDR\)"):
        commands.migrate(cidr, db_url, "three", allow_destructive=False)
