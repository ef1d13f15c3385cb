"""The focused golden packages work on SQLite and PostgreSQL: awkward names and every relation form."""

from __future__ import annotations

import importlib
import sys
from types import ModuleType

import pytest
import sqlalchemy
from sqlalchemy import select
from sqlalchemy.engine import Engine
from sqlalchemy.orm import Session

from tests.helpers import GOLDEN, GOLDEN_CASES


def _golden(case: str) -> ModuleType:
    folder = str(GOLDEN / case / "expected")
    if folder not in sys.path:
        sys.path.insert(0, folder)
    return importlib.import_module(f"golden_{case}")


@pytest.mark.parametrize("case", GOLDEN_CASES)
def test_tables_create_on_both_databases(case: str, engine: Engine) -> None:
    package = _golden(case)
    package.Base.metadata.create_all(engine)
    assert set(sqlalchemy.inspect(engine).get_table_names()) == set(package.Base.metadata.tables)


def test_reserved_and_keyword_names_round_trip(engine: Engine) -> None:
    names = _golden("names")
    names.Base.metadata.create_all(engine)
    with Session(engine) as session:
        group = names.Group(**names.GroupInsert.model_validate({"user": "abc"}).model_dump())
        session.add(group)
        session.flush()
        payload = {"class": "first", "from": "2024-02-29", "metadata": {"k": [1, None]}, "select": False,
                   "type": "on", "relationship": "x", "json": {"schema": "s", "json": 2}, "schema": "public",
                   "model_name": "m", "copy": "c", "group": group.id}
        order = names.Order(**names.OrderInsert.model_validate(payload).model_dump())
        session.add(order)
        session.commit()
        order_id = order.id
    with Session(engine) as session:
        row = session.get(names.Order, order_id, options=names.eager(names.Order, {"in_group": True}))
        assert row is not None
        read = names.OrderSelect.model_validate(row)
        assert read.class_ == "first" and str(read.from_) == "2024-02-29" and read.metadata_ == {"k": [1, None]}
        assert read.type is names.Kind.ON and read.text == "it's \"quoted\"" and read.func == 7
        assert read.json_ is not None and read.json_.schema_ == "s" and read.json_.json_ == 2
        assert read.uuid is not None and read.datetime is not None
        assert row.in_group is not None and row.in_group.user == "abc"
        dumped = read.model_dump(by_alias=True, mode="json")
        assert dumped["class"] == "first" and dumped["json"] == {"schema": "s", "json": 2}
        raw = session.execute(sqlalchemy.text('SELECT "class", "from", "schema_name", "type" FROM "order"')).one()
        assert tuple(raw)[0] == "first" and tuple(raw)[2] == "public" and tuple(raw)[3] == "on"


def test_every_relation_form_loads_both_ways(engine: Engine) -> None:
    rel = _golden("relations")
    rel.Base.metadata.create_all(engine)
    with Session(engine) as session:
        boss, ann, bob = rel.Person(name="boss"), rel.Person(name="ann"), rel.Person(name="bob")
        ann.manager = boss
        bob.manager = boss
        ann.profile = rel.Profile(bio="hi")
        ann.following.append(bob)
        boss.followers.extend([ann, bob])
        session.add_all([boss, ann, bob, rel.Message(sender=ann, recipient=bob, body="yo")])
        team = rel.Team(name="core", members=[ann, boss])
        session.add(team)
        session.commit()
    with Session(engine) as session:
        everything = {"manager": True, "reports": True, "profile": {"with": {"person": True}}, "following": True,
                      "followers": True, "sent": {"with": {"recipient": True, "sender": True}}, "received": True,
                      "teams": True}
        by_name = {p.name: p for p in session.scalars(select(rel.Person).options(*rel.eager(rel.Person, everything)))}
        boss, ann, bob = by_name["boss"], by_name["ann"], by_name["bob"]
        assert {p.name for p in boss.reports} == {"ann", "bob"} and ann.manager is boss
        assert ann.profile is not None and ann.profile.person is ann and bob.profile is None
        assert [p.name for p in ann.following] == ["bob", "boss"] or {p.name for p in ann.following} == {"bob", "boss"}
        assert {p.name for p in boss.followers} == {"ann", "bob"} and {p.name for p in bob.followers} == {"ann"}
        assert [m.body for m in ann.sent] == ["yo"] and [m.body for m in bob.received] == ["yo"]
        assert ann.sent[0].recipient is bob and ann.sent[0].sender is ann
        team_row = session.scalars(select(rel.Team).options(*rel.eager(rel.Team, {"members": True}))).one()
        assert {p.name for p in team_row.members} == {"ann", "boss"}
        assert [t.name for t in ann.teams] == ["core"]
        info = rel.RELATIONS["Person"]
        assert info["manager"].kind == "many-to-one" and info["reports"].kind == "one-to-many"
        assert info["profile"].kind == "one-to-one" and info["following"].through == "follows"
        assert info["following"].through_columns == ("follower_id", "followee_id")
        session.delete(ann)
        session.commit()
        assert session.scalars(select(rel.Profile)).all() == []
        assert session.scalars(select(rel.Message)).all() == []
