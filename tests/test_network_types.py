"""PostgreSQL's network types, first-class: `inet`, `cidr` and `macaddr` (golden case `network`).

One Python value per type on both databases (SQLite stores the text): inet is an `IPv4Interface` or
`IPv6Interface` (an address without a prefix is a /32 or /128), cidr an `IPv4Network` or
`IPv6Network` (host bits refused, as PostgreSQL refuses them), macaddr text as PostgreSQL prints it.
"""

from __future__ import annotations

import importlib
import ipaddress
import subprocess
import sys
import uuid
from pathlib import Path
from types import ModuleType
from typing import Any

import pytest
import sqlalchemy
from pydantic import ValidationError
from sqlalchemy.engine import Engine
from sqlalchemy.orm import Session

import schemagen
from schemagen.pull import pull
from tests.conftest import drop_postgres_schema, postgres_engine
from tests.helpers import GOLDEN

V4, V6 = ipaddress.IPv4Interface, ipaddress.IPv6Interface
N4, N6 = ipaddress.IPv4Network, ipaddress.IPv6Network


@pytest.fixture(scope="module")
def net() -> ModuleType:
    folder = str(GOLDEN / "network" / "expected")
    if folder not in sys.path:
        sys.path.insert(0, folder)
    return importlib.import_module("golden_network")


def _errors(schema: Any, payload: dict[str, Any]) -> list[tuple[Any, ...]]:
    try:
        schema.model_validate(payload)
    except ValidationError as exc:
        return [(e["loc"], e["type"]) for e in exc.errors()]
    return []


def test_the_insert_schema_reads_each_type_as_postgresql_does(net: ModuleType) -> None:
    insert = net.HostInsert
    row = insert.model_validate({"address": "10.0.0.1", "network": "10.0.0.0/8", "mac": "08-00-2B-01-02-03",
                                 "aliases": ["::1", "192.168.1.5/24"], "routes": ["2001:db8::/32"],
                                 "macs": ["0800.2b01.0203", "08002b:010203"]})
    assert (row.address, row.network, row.mac) == (V4("10.0.0.1/32"), N4("10.0.0.0/8"), "08:00:2b:01:02:03")
    assert row.aliases == [V6("::1/128"), V4("192.168.1.5/24")] and row.routes == [N6("2001:db8::/32")]
    assert row.macs == ["08:00:2b:01:02:03"] * 2
    # JSON is text: the interface and network in their standard spelling
    assert row.model_dump(mode="json")["aliases"] == ["::1/128", "192.168.1.5/24"]
    assert _errors(insert, {"address": "10.0.0.256"}) == [(("address",), "ip_any_interface")]
    assert _errors(insert, {"address": "::1", "network": "10.0.0.1/8"}) == [(("network",), "ip_any_network")]
    assert _errors(insert, {"address": "::1", "mac": "08:00:2b:01:02"}) == [(("mac",), "macaddr_parsing")]
    assert _errors(insert, {"address": "::1", "routes": ["10.0.0.0/8", "10.0.0.1/8"]}) == [
        (("routes", 1), "ip_any_network")]
    properties = insert.model_json_schema()["properties"]
    assert properties["address"] == {"format": "ipvanyinterface", "title": "Address", "type": "string"}


def test_an_ipv6_zone_is_refused_as_postgresql_refuses_it(net: ModuleType) -> None:
    """`fe80::1%eth0` is a valid Python interface, but PostgreSQL's inet and cidr take no zone: a single
    value would be stored without it, an array's flush fails. The schemas refuse it (`ip_zone`)."""
    scoped = {"address": "fe80::1%eth0", "network": "fe80::%eth0/64", "aliases": ["::1", "fe80::1%1/64"],
              "routes": ["fe80::%eth0/64"]}
    assert sorted(_errors(net.HostInsert, scoped)) == [
        (("address",), "ip_zone"), (("aliases", 1), "ip_zone"), (("network",), "ip_zone"), (("routes", 0), "ip_zone")]
    assert sorted(_errors(net.HostUpdate, {key: scoped[key] for key in ("address", "aliases")})) == [
        (("address",), "ip_zone"), (("aliases", 1), "ip_zone")]
    try:
        net.HostInsert.model_validate({"address": "fe80::1%eth0"})
    except ValidationError as error:
        assert "without a zone (%eth0)" in str(error)
    row = net.HostInsert.model_validate({"address": "fe80::1", "network": "fe80::/64", "aliases": ["fe80::1/64"]})
    assert (row.address, row.network, row.aliases) == (V6("fe80::1/128"), N6("fe80::/64"), [V6("fe80::1/64")])
    schema = f"t_{uuid.uuid4().hex[:12]}"
    engine = postgres_engine(schema)  # fails under CI=true when PostgreSQL is down
    try:
        for text, kind in (("fe80::1%eth0", "inet"), ("fe80::1%1/64", "inet"), ("fe80::%eth0/64", "cidr")):
            with engine.connect() as connection, pytest.raises(sqlalchemy.exc.DataError):
                connection.execute(sqlalchemy.text(f"SELECT CAST(:v AS {kind})"), {"v": text})
    finally:
        engine.dispose()
        drop_postgres_schema(schema)


MACS = ["08:00:2b:01:02:03", "08-00-2B-01-02-03", "08002b:010203", "08002b-010203", "0800.2b01.0203",
        "0800-2b01-0203", "08002b010203", "8:0:2b:1:2:3", "  08:00:2b:01:02:03 ", "08:00:2b:01:02", "08:00-2b:01:02:03",
        "0800.2b01-0203", "08002b01020", "08:00:2b:01:02:03:04", "zz:00:2b:01:02:03", "", "08002b010203\x00"]


def test_macaddr_and_cidr_accept_what_postgresql_accepts_and_spell_it_alike(net: ModuleType) -> None:
    """Every spelling the schema takes is one PostgreSQL takes, stored as PostgreSQL prints it; a
    network with host bits is refused by both (PostgreSQL: `invalid cidr value`)."""
    schema = f"t_{uuid.uuid4().hex[:12]}"
    engine = postgres_engine(schema)  # fails under CI=true when PostgreSQL is down
    try:
        stricter = []  # what PostgreSQL's sscanf-based reading takes and the schema refuses
        with engine.connect() as connection:
            for text in MACS:
                try:
                    with connection.begin_nested():
                        printed = connection.execute(sqlalchemy.text("SELECT CAST(:v AS macaddr)::text"),
                                                     {"v": text}).scalar()
                except sqlalchemy.exc.DBAPIError:
                    printed = None
                ours = None if _errors(net.HostInsert, {"address": "::1", "mac": text}) else \
                    net.HostInsert.model_validate({"address": "::1", "mac": text}).mac
                if ours is not None:  # never one PostgreSQL refuses, never spelt otherwise
                    assert ours == printed, (text, ours, printed)
                elif printed is not None:
                    stricter.append(text)
            # a last group of one digit (`%2x` reads `0`): the schema asks for all twelve
            assert stricter == ["08002b01020"]
            for text in ("10.0.0.1/8", "2001:db8::1/32"):
                with pytest.raises(sqlalchemy.exc.DataError, match="invalid cidr value"):
                    with connection.begin_nested():
                        connection.execute(sqlalchemy.text("SELECT CAST(:v AS cidr)"), {"v": text})
                assert _errors(net.HostInsert, {"address": "::1", "network": text}) == [(("network",),
                                                                                        "ip_any_network")]
    finally:
        engine.dispose()
        drop_postgres_schema(schema)


def test_values_round_trip_on_both_databases_raw_sql_included(net: ModuleType, engine: Engine) -> None:
    net.Base.metadata.create_all(engine)
    payload = {"address": "2001:db8::5/64", "network": "192.168.0.0/16", "mac": "0800.2B01.0203",
               "aliases": ["10.0.0.1"], "routes": ["10.0.0.0/8", "::/0"], "macs": ["08-00-2b-01-02-03"]}
    postgres = engine.dialect.name == "postgresql"
    raw = ("INSERT INTO hosts (address, network, mac, aliases, routes, macs) VALUES ('10.9.8.7', '10.0.0.0/8', "
           "'08002B010203', " + ("ARRAY['::1', '1.2.3.4/24']::inet[], ARRAY['10.1.0.0/16']::cidr[], "
                                  "ARRAY['0800-2b01-0203']::macaddr[])" if postgres else
                                  "'[\"::1\", \"1.2.3.4/24\"]', '[\"10.1.0.0/16\"]', '[\"0800-2b01-0203\"]')"))
    with Session(engine, expire_on_commit=False) as session:
        written = net.Host(**net.HostInsert.model_validate(payload).model_dump())
        session.add(written)
        session.commit()
        assert net.HostSelect.model_validate(written).seen_from == V4("127.0.0.1/32")  # the SQL default, returned
        session.execute(sqlalchemy.text(raw))
        session.commit()
    with Session(engine) as session:
        rows = {row.id: net.HostSelect.model_validate(row) for row in session.scalars(sqlalchemy.select(net.Host))}
    first, second = rows[written.id], next(row for key, row in rows.items() if key != written.id)
    assert (first.address, first.network, first.mac) == (V6("2001:db8::5/64"), N4("192.168.0.0/16"),
                                                         "08:00:2b:01:02:03")
    assert (first.aliases, first.routes, first.macs) == ([V4("10.0.0.1/32")], [N4("10.0.0.0/8"), N6("::/0")],
                                                         ["08:00:2b:01:02:03"])
    assert (second.address, second.network, second.mac) == (V4("10.9.8.7/32"), N4("10.0.0.0/8"), "08:00:2b:01:02:03")
    assert (second.aliases, second.routes, second.macs) == ([V6("::1/128"), V4("1.2.3.4/24")], [N4("10.1.0.0/16")],
                                                            ["08:00:2b:01:02:03"])
    assert second.model_dump(mode="json")["address"] == "10.9.8.7/32"
    # queried by value: the same on both databases
    with Session(engine) as session:
        found = session.scalars(sqlalchemy.select(net.Host.id).where(net.Host.address == V4("10.9.8.7/32"))).all()
    assert found == [second.id]


def test_array_items_are_stored_and_queried_as_single_values_are(net: ModuleType, engine: Engine) -> None:
    """An array's item is stored in the spelling of a single value (PostgreSQL's print form: `10.0.0.1`,
    not `10.0.0.1/32`), so an item compared in SQL, or read by raw SQL, is the same on both databases."""
    net.Base.metadata.create_all(engine)
    postgres = engine.dialect.name == "postgresql"
    with Session(engine) as session:
        session.add(net.Host(**net.HostInsert.model_validate({
            "address": "10.0.0.1", "aliases": ["10.0.0.1", "2001:db8::1", "192.168.1.5/24"],
            "routes": ["10.0.0.1/32", "2001:db8::/32"], "macs": ["08-00-2B-01-02-03"]}).model_dump()))
        # written by another client, each in PostgreSQL's print form
        session.execute(sqlalchemy.text(
            "INSERT INTO hosts (address, aliases) VALUES ('10.9.9.9', "
            + ("ARRAY['10.9.9.9']::inet[])" if postgres else "'[\"10.9.9.9\"]')")))
        session.commit()
        items = ("SELECT array_to_string(aliases, ' '), array_to_string(routes, ' '), array_to_string(macs, ' ') "
                 "FROM hosts WHERE address = '10.0.0.1'" if postgres else
                 "SELECT (SELECT group_concat(value, ' ') FROM json_each(h.aliases))"
                 ", (SELECT group_concat(value, ' ') FROM json_each(h.routes))"
                 ", (SELECT group_concat(value, ' ') FROM json_each(h.macs)) FROM hosts h WHERE address = '10.0.0.1'")
        assert tuple(session.execute(sqlalchemy.text(items)).one()) == (
            "10.0.0.1 2001:db8::1 192.168.1.5/24", "10.0.0.1/32 2001:db8::/32", "08:00:2b:01:02:03")
        host = net.Host
        for condition, expected in (
                (host.aliases[1] == V4("10.0.0.1/32"), ["10.0.0.1"]),
                (host.aliases[2] == ipaddress.ip_interface("2001:db8::1"), ["10.0.0.1"]),
                (host.aliases[1] == V4("10.9.9.9/32"), ["10.9.9.9"]),
                (host.aliases.contains([V4("10.9.9.9/32")]), ["10.9.9.9"]),
                (host.aliases.contains([V4("192.168.1.5/24"), V4("10.0.0.1/32")]), ["10.0.0.1"]),
                (host.routes.contains([N4("10.0.0.1/32")]), ["10.0.0.1"]),
                (host.macs.contains(["08:00:2b:01:02:03"]), ["10.0.0.1"])):
            found = session.scalars(sqlalchemy.select(host.address).where(condition)).all()
            assert [str(address.ip) for address in found] == expected, (engine.dialect.name, str(condition))
    with Session(engine) as session:  # read back: either spelling
        read = {net.HostSelect.model_validate(row).address: row.aliases for row in session.scalars(sqlalchemy.select(host))}
    assert read == {V4("10.0.0.1/32"): [V4("10.0.0.1/32"), V6("2001:db8::1/128"), V4("192.168.1.5/24")],
                    V4("10.9.9.9/32"): [V4("10.9.9.9/32")]}


# IPv6 addresses holding an IPv4 one, which Python writes in hex words and PostgreSQL dotted
# (`::ffff:102:304` against `::ffff:1.2.3.4`), and their neighbours PostgreSQL writes in hex
EMBEDDED = ["::ffff:1.2.3.4", "::1.2.3.4", "::ffff:0.0.0.0", "::ffff:0:1.2.3.4", "::0.0.0.2", "::1", "::",
            "::ffff:0", "::1:0:0", "64:ff9b::1.2.3.4", "1::ffff:1.2.3.4", "::fffe:1.2.3.4", "2001:db8::1",
            "::ffff:1.2.3.0/120", "::1.2.3.4/120", "::ffff:1.2.3.4/96", "10.0.0.1", "10.0.0.1/8"]


def test_sqlite_stores_addresses_as_postgresql_prints_them(net: ModuleType, tmp_path: Path) -> None:
    """Failed before: SQLite's text of `::ffff:1.2.3.4` was Python's `::ffff:102:304`, so a row another
    client wrote in PostgreSQL's spelling was missed by `==`, a silently wrong answer."""
    from sqlalchemy.dialects import sqlite

    inet, cidr = net.Host.__table__.c.address.type, net.Host.__table__.c.network.type
    schema = f"t_{uuid.uuid4().hex[:12]}"
    engine = postgres_engine(schema)  # fails under CI=true when PostgreSQL is down
    try:
        with engine.connect() as connection:
            for text in EMBEDDED:
                address = ipaddress.ip_interface(text)
                printed = connection.execute(sqlalchemy.text("SELECT concat(CAST(:v AS inet)), "
                                                             "concat(CAST(:n AS cidr))"),
                                             {"v": text, "n": str(address.network)}).one()
                ours = (inet.process_bind_param(address, sqlite.dialect()),
                        cidr.process_bind_param(address.network, sqlite.dialect()))
                assert ours == tuple(printed), text
    finally:
        engine.dispose()
        drop_postgres_schema(schema)
    lite = sqlalchemy.create_engine(f"sqlite:///{tmp_path / 'hosts.db'}")
    net.Base.metadata.create_all(lite)
    with Session(lite) as session:
        session.execute(sqlalchemy.text("INSERT INTO hosts (id, address, network) VALUES "
                                        "(7, '::ffff:1.2.3.4', '::ffff:1.2.3.0/120')"))
        host = net.Host
        found = session.scalars(sqlalchemy.select(host.id).where(
            host.address == ipaddress.ip_interface("::ffff:1.2.3.4"),
            host.network.in_([ipaddress.ip_network("::ffff:1.2.3.0/120")]))).all()
    lite.dispose()
    assert found == [7]


def test_a_database_with_network_types_pulls_them_as_such(net: ModuleType) -> None:
    schema = f"t_{uuid.uuid4().hex[:12]}"
    engine = postgres_engine(schema)
    try:
        net.Base.metadata.create_all(engine)
        with engine.begin() as connection:
            connection.exec_driver_sql("CREATE TABLE legacy (id integer PRIMARY KEY, origin inet, block cidr, "
                                       "hw macaddr NOT NULL, hw8 macaddr8)")
        with engine.connect() as connection:
            pulled = pull(connection)
        columns = pulled.spec.tables["legacy"].columns
        assert (columns["origin"].type, columns["block"].type, columns["hw"].type) == ("inet", "cidr", "macaddr")
        hosts = pulled.spec.tables["hosts"].columns
        assert (hosts["aliases"].type, hosts["aliases"].array, hosts["routes"].type) == ("inet", True, "cidr")
        assert (columns["hw8"].type.sql, columns["hw8"].type.python) == ("macaddr8", "str")  # still passed through
        assert not [entry.subject for entry in pulled.lost if "legacy" in entry.subject]
        catalog = schemagen.resolve(schemagen.parse_spec(pulled.text(), "pulled.yaml"))
        assert catalog.table("hosts").column("address").type == "inet"
    finally:
        engine.dispose()
        drop_postgres_schema(schema)


def test_code_using_them_type_checks(net: ModuleType, tmp_path: Path) -> None:
    """mypy --strict and pyright strict on an application using the three types."""
    (tmp_path / "app.py").write_text('''
import ipaddress

from golden_network import Host, HostInsert, HostSelect


def build(address: str) -> Host:
    return Host(**HostInsert.model_validate({"address": address}).model_dump())


def network_of(row: Host) -> ipaddress.IPv4Network | ipaddress.IPv6Network:
    return row.address.network


def prefix(row: HostSelect) -> int:
    routes: list[ipaddress.IPv4Network | ipaddress.IPv6Network] = row.routes or []
    mac: str | None = row.mac
    return row.address.network.prefixlen + len(routes) + len(mac or "")
''', "utf-8")
    path = str(GOLDEN / "network" / "expected")
    mypy = subprocess.run([sys.executable, "-m", "mypy", "--strict", "--no-incremental", "--cache-dir", "/dev/null",
                           "app.py"], cwd=tmp_path, capture_output=True, text=True, timeout=600,
                          env={"MYPYPATH": path, "PATH": "/usr/bin:/bin"})
    assert mypy.returncode == 0, mypy.stdout + mypy.stderr
    (tmp_path / "pyrightconfig.json").write_text(
        '{"typeCheckingMode": "strict", "pythonVersion": "3.11", "extraPaths": ["' + path + '"]}', "utf-8")
    pyright = subprocess.run([str(Path(sys.executable).with_name("pyright")), "--pythonpath", sys.executable,
                              "app.py"], cwd=tmp_path, capture_output=True, text=True, timeout=600)
    assert pyright.returncode == 0 and "0 errors" in pyright.stdout, pyright.stdout + pyright.stderr
