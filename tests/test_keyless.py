"""Tables without a primary key on SQLite and PostgreSQL (golden case `keyless`).

A table with neither a primary key nor such columns (`log_entries`) is a Core `Table` on the Base's
metadata, written and read by statements through its Insert and Select schemas.

A table with no primary key but NOT NULL columns unique together is mapped by those columns (the
mapper's `primary_key=`): the database has no primary key, the ORM identifies, updates and deletes
rows by them, and relations into and out of the table work as for any other.
"""

from __future__ import annotations

import importlib
import json
import subprocess
import sys
import time
import uuid
from pathlib import Path
from types import ModuleType

import pytest
import sqlalchemy
from sqlalchemy import insert, select, update
from sqlalchemy.engine import Engine
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

import schemagen
from tests.helpers import GOLDEN


@pytest.fixture(scope="module")
def pkg() -> ModuleType:
    folder = str(GOLDEN / "keyless" / "expected")
    if folder not in sys.path:
        sys.path.insert(0, folder)
    return importlib.import_module("golden_keyless")


def test_no_primary_key_in_the_database_the_mapper_key_in_the_orm(pkg: ModuleType, engine: Engine) -> None:
    pkg.Base.metadata.create_all(engine)
    inspector = sqlalchemy.inspect(engine)
    assert inspector.get_pk_constraint("tokens")["constrained_columns"] == []
    assert inspector.get_pk_constraint("memberships")["constrained_columns"] == []
    assert [c.name for c in sqlalchemy.inspect(pkg.Token).primary_key] == ["token"]
    assert [c.name for c in sqlalchemy.inspect(pkg.Membership).primary_key] == ["user_id", "team"]
    catalog = schemagen.resolve(schemagen.load_spec(GOLDEN / "keyless" / "spec.yaml"))
    assert catalog.table("tokens").mapper_key == ("token",) and catalog.table("tokens").primary_key == ()


def test_rows_written_read_updated_and_deleted_by_the_mapper_key(pkg: ModuleType, engine: Engine) -> None:
    pkg.Base.metadata.create_all(engine)
    with Session(engine) as session:
        user = pkg.User(**pkg.UserInsert.model_validate({"name": "ann"}).model_dump())
        session.add(user)
        session.flush()
        token = pkg.TokenInsert.model_validate({"token": "t1", "user_id": user.id})
        session.add_all([pkg.Token(**token.model_dump()), pkg.Token(token="t2", user=user),
                         pkg.Membership(user_id=user.id, team="red", role="lead"),
                         pkg.Membership(user_id=user.id, team="blue")])
        session.commit()
        user_id = user.id
    with Session(engine) as session:
        found = session.get(pkg.Token, "t1", options=pkg.eager(pkg.Token, {"user": True}))
        assert found is not None and found.user is not None and found.user.name == "ann"
        read = pkg.TokenSelect.model_validate(found)
        assert read.token == "t1" and read.expires_at is not None
        membership = session.get(pkg.Membership, (user_id, "red"))
        assert membership is not None and membership.role == "lead"
        for key, value in pkg.MembershipUpdate.model_validate({"role": "member"}).model_dump(exclude_unset=True).items():
            setattr(membership, key, value)
        session.delete(session.get(pkg.Membership, (user_id, "blue")))
        session.commit()
        rows = session.execute(select(pkg.Membership.team, pkg.Membership.role)).all()
        assert [tuple(row) for row in rows] == [("red", "member")]
        loaded = session.scalars(select(pkg.User).options(*pkg.eager(pkg.User, {"tokens": True}))).one()
        assert sorted(t.token for t in loaded.tokens) == ["t1", "t2"]
    with engine.connect() as connection, pytest.raises(IntegrityError):
        connection.execute(sqlalchemy.text("INSERT INTO memberships (user_id, team) VALUES (:u, 'red')"),
                           {"u": user_id})
    with Session(engine) as session:  # the foreign key's cascade reaches a table without a primary key
        session.execute(sqlalchemy.delete(pkg.Membership))
        session.execute(sqlalchemy.delete(pkg.User))
        session.commit()
        assert session.scalars(select(pkg.Token.token)).all() == []


def test_without_a_unique_not_null_set_it_is_a_core_table(pkg: ModuleType) -> None:
    catalog = schemagen.resolve(schemagen.load_spec(GOLDEN / "keyless" / "spec.yaml"))
    table = catalog.table("log_entries")
    assert table.core_name == "log_entries" and table.mapper_key == () and table.primary_key == ()
    assert isinstance(pkg.log_entries, sqlalchemy.Table) and pkg.log_entries is pkg.Base.metadata.tables["log_entries"]
    assert "log_entries" in pkg.__all__ and "LogEntry" not in pkg.__all__ and "LogEntryUpdate" not in pkg.__all__
    assert {"LogEntryInsert", "LogEntrySelect"} <= set(pkg.__all__)
    assert "LogEntry" not in pkg.MODELS and "LogEntry" not in pkg.RELATIONS  # no mapped class, no relations
    # the Python attribute is the column's key, the SQL name stays: `.c.message` is the column `msg`
    assert pkg.log_entries.c.message.name == "msg" and pkg.log_entries.c.class_.name == "class"
    assert pkg.log_entries.c.message.nullable is False and pkg.log_entries.c.user_id.nullable is True
    index = next(i for i in pkg.log_entries.indexes if i.name == "ix_log_entries_class_msg")
    assert [c.name for c in index.columns] == ["class", "msg"]  # named by key, created over the SQL names
    assert schemagen.resolve(schemagen.parse_spec("tables:\n  logs:\n    columns:\n      line: {type: text, "
                                                  "unique: true}\n", "x.yaml")).table("logs").core_name == "logs"


def test_core_table_written_and_read_through_core_and_raw_sql(pkg: ModuleType, engine: Engine) -> None:
    pkg.Base.metadata.create_all(engine)
    log = pkg.log_entries
    inspector = sqlalchemy.inspect(engine)
    assert inspector.get_pk_constraint("log_entries")["constrained_columns"] == []
    request = uuid.uuid4()
    with Session(engine) as session:
        user = pkg.User(name="ann")
        session.add(user)
        session.flush()
        payload = [pkg.LogEntryInsert.model_validate({"message": "hello", "class": "auth", "user_id": user.id,
                                                      "context": {"ip": "::1"}, "request_id": str(request)}),
                   pkg.LogEntryInsert(message="twice"), pkg.LogEntryInsert(message="twice")]
        session.execute(insert(log), [entry.model_dump() for entry in payload])
        session.commit()
        user_id = user.id
    with engine.begin() as connection:  # raw SQL by the SQL names, the database's defaults fill the rest
        connection.execute(sqlalchemy.text('INSERT INTO log_entries (msg, "class") VALUES (\'raw\', \'sql\')'))
    with Session(engine) as session:
        rows = session.execute(select(log).order_by(log.c.message, log.c.at)).all()
        read = [pkg.LogEntrySelect.model_validate(row._mapping) for row in rows]
        assert [r.message for r in read] == ["hello", "raw", "twice", "twice"]  # no identity: duplicates kept
        assert [pkg.LogEntrySelect.model_validate(row) for row in rows] == read  # the Row itself (attributes)
        hello = read[0]
        assert (hello.class_, hello.user_id, hello.context, hello.request_id, hello.level) == \
            ("auth", user_id, {"ip": "::1"}, request, "info")
        assert hello.at is not None and hello.seen_at is not None
        assert read[1].level == "info" and read[1].class_ == "sql" and read[1].at is not None
        assert hello.model_dump(by_alias=True)["class"] == "auth"
        found = session.execute(select(log.c.message).where(log.c.class_ == "auth")).scalar_one()
        assert found == "hello"
        joined = session.execute(select(pkg.User.name, log.c.message).join(log, log.c.user_id == pkg.User.id)).one()
        assert tuple(joined) == ("ann", "hello")
        before = hello.seen_at
        session.execute(update(log).where(log.c.message == "hello").values(level="warn"))  # Core: `onupdate`
        session.commit()
        moved = session.execute(select(log.c.seen_at).where(log.c.message == "hello")).scalar_one()
        assert moved is not None and moved >= before
    time.sleep(0.01)
    with engine.begin() as connection:  # a raw SQL update moves `on_update: now` too (the trigger)
        connection.execute(sqlalchemy.text("UPDATE log_entries SET level = 'error' WHERE msg = 'hello'"))
        after = connection.execute(select(log.c.seen_at).where(log.c.message == "hello")).scalar_one()
        assert after > moved
    for bad in ("UPDATE log_entries SET level = 'loud'",  # the table's CHECK
                "UPDATE log_entries SET level = 'x'"):  # the `validate: {min_length: 3}` rule's CHECK
        with engine.connect() as connection, pytest.raises(IntegrityError):
            connection.execute(sqlalchemy.text(bad))
    with engine.connect() as connection, pytest.raises(IntegrityError):  # a unique nullable column stays unique
        connection.execute(insert(log), [{"message": "again", "request_id": request}])
    with engine.begin() as connection:  # the foreign key stays: `on_delete: set null`
        connection.execute(sqlalchemy.delete(pkg.Token))
        connection.execute(sqlalchemy.delete(pkg.User))
        assert connection.execute(select(log.c.user_id).where(log.c.message == "hello")).scalar_one() is None


def test_core_table_in_the_typescript_and_erd_outputs() -> None:
    folder = GOLDEN / "keyless" / "expected" / "golden_keyless"
    types = (folder / "types.ts").read_text("utf-8")
    assert "export interface LogEntrySelect" in types and "export interface LogEntryInsert" in types
    assert "LogEntryUpdate" not in types and "export interface TokenUpdate" in types
    schemas = json.loads((folder / "schemas.json").read_text("utf-8"))
    assert {"LogEntrySelect", "LogEntryInsert"} <= set(schemas) and "LogEntryUpdate" not in schemas
    assert schemas["LogEntrySelect"]["properties"]["class"]["anyOf"] is not None
    erd = (folder / "ERD.md").read_text("utf-8")
    assert '"log_entries" {' in erd and '"users" |o..o{ "log_entries" : "user_id"' in erd


def test_a_spec_of_core_tables_only_builds_imports_and_type_checks(tmp_path: Path) -> None:
    spec = ("package: only_logs\nenums:\n  Level: {values: [a, b]}\ntables:\n  events:\n    columns:\n"
            "      kind: {type: text, nullable: false}\n      payload: jsonb\n"
            "      at: {type: timestamp, default: now, on_update: now}\n"
            # every type as a `Column[...]` of the `TypedColumns` its annotation names (pyright: generic classes)
            "      a: {type: uuid, unique: true}\n      b: {type: numeric, precision: 10, scale: 2}\n      c: numeric\n"
            "      d: bigint\n      e: boolean\n      f: date\n      g: time\n      h: {type: timestamp, timezone: true}\n"
            "      i: real\n      j: double\n      k: bytes\n      l: {type: enum, enum: Level}\n"
            "      m: {type: text, array: true}\n      n: interval\n      o: {type: char, length: 2}\n")
    files = schemagen.generate(schemagen.parse_spec(spec, "only_logs.yaml"))
    package = tmp_path / "only_logs"
    package.mkdir()
    for name, text in files.items():
        (package / name).write_text(text, "utf-8")
    result = subprocess.run([sys.executable, "-m", "mypy", "--strict", "--no-incremental", "--cache-dir", "/dev/null",
                             "only_logs"], cwd=tmp_path, capture_output=True, text=True, timeout=600)
    assert result.returncode == 0, result.stdout + result.stderr
    pyright = subprocess.run([str(Path(sys.executable).with_name("pyright")), "--pythonpath", sys.executable,
                              str(package)], cwd=tmp_path, capture_output=True, text=True, timeout=600)
    assert pyright.returncode == 0 and "0 errors" in pyright.stdout, pyright.stdout + pyright.stderr
    checked = tmp_path / "typed_columns.py"  # `.c.<attr>` is typed by the column's Python type
    checked.write_text("from only_logs import events\nreveal_type(events.c.kind)\nreveal_type(events.c.a)\n", "utf-8")
    revealed = subprocess.run([sys.executable, "-m", "mypy", "--strict", "--no-incremental", "--cache-dir", "/dev/null",
                               "typed_columns.py"], cwd=tmp_path, capture_output=True, text=True, timeout=600)
    assert 'Revealed type is "sqlalchemy.sql.schema.Column[str]"' in revealed.stdout, revealed.stdout
    assert 'Revealed type is "sqlalchemy.sql.schema.Column[uuid.UUID | None]"' in revealed.stdout, revealed.stdout
    code = ("import sqlalchemy as sa, only_logs as p\n"
            "e = sa.create_engine('sqlite://'); p.Base.metadata.create_all(e)\n"
            "with e.begin() as c:\n"
            "    c.execute(sa.insert(p.events), [p.EventInsert(kind='a', payload=[1]).model_dump()])\n"
            "    row = c.execute(sa.select(p.events)).one()\n"
            "print(p.EventSelect.model_validate(row._mapping).payload, p.MODELS, p.eager)\n")
    ran = subprocess.run([sys.executable, "-c", code], cwd=tmp_path, capture_output=True, text=True, timeout=120)
    assert ran.returncode == 0 and ran.stdout.startswith("[1] {}"), ran.stdout + ran.stderr


@pytest.mark.parametrize(("spec", "message"), [
    ("tables:\n  logs:\n    soft_delete: gone\n    columns:\n      line: text\n      gone: timestamp\n",
     "`soft_delete` needs a mapped class, and table `logs` has no primary key nor unique NOT NULL columns"),
    ("tables:\n  users:\n    columns:\n      id: {type: serial, primary_key: true}\n    relations:\n"
     "      logs: {many: logs}\n  logs:\n    columns:\n      user_id: {type: integer, references: users.id}\n",
     "relation `logs`: table `logs` has no primary key nor unique NOT NULL columns, so it is a Core table"),
    ("tables:\n  a:\n    columns:\n      id: {type: serial, primary_key: true}\n    relations:\n"
     "      bs: {many: b, through: links}\n  b:\n    columns:\n      id: {type: serial, primary_key: true}\n"
     "  links:\n    columns:\n      a_id: {type: integer, references: a.id}\n"
     "      b_id: {type: integer, references: b.id}\n",
     "cannot go from, to or through it"),
    # a key name with no key to name, mapped by a unique column or not: it was dropped unseen
    ("tables:\n  logs:\n    primary_key_name: logs_pkey\n    columns:\n      line: text\n",
     "`primary_key_name` names the primary key, and table `logs` has none"),
    ("tables:\n  tokens:\n    primary_key_name: tokens_pkey\n    columns:\n"
     "      token: {type: text, unique: true, nullable: false}\n",
     "`primary_key_name` names the primary key, and table `tokens` has none"),
])
def test_what_a_core_table_cannot_have_is_a_spec_error(spec: str, message: str) -> None:
    with pytest.raises(schemagen.SpecErrors) as raised:
        schemagen.resolve(schemagen.parse_spec(spec, "x.yaml"))
    assert message in str(raised.value)
