"""Tables without a primary key on SQLite and PostgreSQL (golden case `keyless`).

A table with no primary key but NOT NULL columns unique together is mapped by those columns (the
mapper's `primary_key=`): the database has no primary key, the ORM identifies, updates and deletes
rows by them, and relations into and out of the table work as for any other.
"""

from __future__ import annotations

import importlib
import sys
from types import ModuleType

import pytest
import sqlalchemy
from sqlalchemy import select
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


def test_without_a_unique_not_null_set_it_is_still_an_error() -> None:
    with pytest.raises(schemagen.SpecErrors) as raised:
        schemagen.resolve(schemagen.parse_spec("tables:\n  logs:\n    columns:\n      line: {type: text, unique: true}\n", "x.yaml"))
    assert "table `logs` has no primary key, and no unique NOT NULL columns" in str(raised.value)
