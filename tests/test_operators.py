"""The database's own operators on generated array and JSON columns, next to a hand-written model.

On PostgreSQL the generated `Post.hashtags` (`text[]`) and `Post.reaction_counts` (`jsonb`) must
answer every array and JSONB operator exactly as plain `ARRAY(Text)` / `JSONB` columns do on the
same rows. On SQLite, which has no arrays, an array operator must fail when it runs, never return
an answer computed from JSON text; the JSON operators SQLite has (`["key"]`, `as_integer()`) must
agree with a plain `JSON` column.

Also here: what typed JSON does with values that do not fit its shape, however they are written.
"""

from __future__ import annotations

import json
from collections.abc import Callable
from typing import Any

import pytest
from pydantic import ValidationError
from sqlalchemy import JSON, Integer, Text, all_, any_, literal, select, text
from sqlalchemy.dialects import postgresql
from sqlalchemy.engine import Engine
from sqlalchemy.exc import CompileError, DBAPIError, StatementError
from sqlalchemy.orm import DeclarativeBase, Mapped, Session, mapped_column

from generated.life_ceo import (
    Base, Group, GroupInsert, Memory, MemoryContext, MemoryInsert, MemorySelect, Post, User, UserInsert,
)

ROWS = [
    (["travel", "food"], {"like": 2, "wow": 1}),
    (["food"], {"like": 5}),
    (["code", "travel", "music"], {}),
    ([], {"wow": 3}),
]


def _hand_written(engine: Engine) -> Any:
    """What an expert writes by hand for the same columns on this database."""
    pg = engine.dialect.name == "postgresql"

    class HandBase(DeclarativeBase):
        pass

    class HandPost(HandBase):
        __tablename__ = "hand_posts"
        id: Mapped[int] = mapped_column(Integer, primary_key=True)
        hashtags: Mapped[list[str]] = mapped_column(postgresql.ARRAY(Text) if pg else JSON)
        reaction_counts: Mapped[dict[str, int]] = mapped_column(postgresql.JSONB if pg else JSON)

    HandBase.metadata.create_all(engine)
    return HandPost


@pytest.fixture
def posts(engine: Engine) -> tuple[Engine, Any]:
    Base.metadata.create_all(engine)
    hand = _hand_written(engine)
    with Session(engine) as session:
        user = User(**UserInsert.model_validate({"email": "o@example.com", "password_hash": "x" * 20}).model_dump())
        session.add(user)
        session.flush()
        for index, (tags, reactions) in enumerate(ROWS, start=1):
            session.add(Post(id=index, author_id=user.id, content=f"post {index}", hashtags=tags,
                             reaction_counts=reactions))
            session.add(hand(id=index, hashtags=tags, reaction_counts=reactions))
        session.commit()
    return engine, hand


# operator -> (condition, the rows PostgreSQL returns)
ARRAY_OPERATORS: dict[str, tuple[Callable[[Any], Any], list[int]]] = {
    "contains": (lambda m: m.hashtags.contains(["travel"]), [1, 3]),
    "contained_by": (lambda m: m.hashtags.contained_by(["travel", "food", "code"]), [1, 2, 4]),
    "overlap": (lambda m: m.hashtags.overlap(["music", "food"]), [1, 2, 3]),
    "any_": (lambda m: literal("food") == any_(m.hashtags), [1, 2]),
    "all_": (lambda m: literal("food") == all_(m.hashtags), [2, 4]),
    "index": (lambda m: m.hashtags[1] == "travel", [1]),
    "slice": (lambda m: m.hashtags[2:3] == ["travel", "music"], [3]),
}
JSONB_OPERATORS: dict[str, tuple[Callable[[Any], Any], list[int]]] = {
    "has_key": (lambda m: m.reaction_counts.has_key("wow"), [1, 4]),
    "contains": (lambda m: m.reaction_counts.contains({"like": 2}), [1]),
    "contained_by": (lambda m: m.reaction_counts.contained_by({"like": 5, "wow": 3}), [2, 3, 4]),
    "astext": (lambda m: m.reaction_counts["like"].astext == "5", [2]),
}
REFUSED = (DBAPIError, StatementError, CompileError, NotImplementedError)
PORTABLE_JSON_OPERATORS: dict[str, Callable[[Any], Any]] = {
    "as_integer": lambda m: m.reaction_counts["like"].as_integer() >= 2,
    "as_string path": lambda m: m.reaction_counts[("wow",)].as_integer() == 3,
}


def _ids(engine: Engine, model: Any, condition: Any) -> list[int]:
    with Session(engine) as session:
        return list(session.scalars(select(model.id).where(condition).order_by(model.id)))


# the operators SQLite answers from the JSON list (`json_each`), and PostgreSQL's rows for their negation
ANSWERED_ON_SQLITE = {"contains": [2, 4], "contained_by": [3], "overlap": [4], "index": [2, 3]}


@pytest.mark.parametrize("name", ARRAY_OPERATORS)
def test_array_operators_are_postgresqls(name: str, posts: tuple[Engine, Any]) -> None:
    engine, hand = posts
    operator, expected = ARRAY_OPERATORS[name]
    if engine.dialect.name == "postgresql":
        assert _ids(engine, Post, operator(Post)) == _ids(engine, hand, operator(hand)) == expected
        if name in ANSWERED_ON_SQLITE:
            assert _ids(engine, Post, ~operator(Post)) == _ids(engine, hand, ~operator(hand)) == ANSWERED_ON_SQLITE[name]
        return
    if name in ANSWERED_ON_SQLITE:  # SQLite has no arrays: the same answer, from the JSON list
        assert _ids(engine, Post, operator(Post)) == expected
        assert _ids(engine, Post, ~operator(Post)) == ANSWERED_ON_SQLITE[name]
        return
    with pytest.raises(REFUSED):  # never an answer computed from JSON text
        _ids(engine, Post, operator(Post))


@pytest.mark.parametrize("name", ANSWERED_ON_SQLITE)
def test_array_operators_treat_null_as_postgresql_does(name: str, engine: Engine) -> None:
    """A NULL array is neither in nor out: the row is left out of a test and of its negation."""
    Base.metadata.create_all(engine)
    with Session(engine) as session:
        session.add(Group(**GroupInsert.model_validate({"name": "no tags"}).model_dump()))
        session.add(Group(**GroupInsert.model_validate({"name": "tags", "tags": ["a"], "member_ids": [3, 1]}).model_dump()))
        session.commit()
    test = {
        "contains": lambda: Group.tags.contains(["a"]),
        "contained_by": lambda: Group.tags.contained_by(["a", "b"]),
        "overlap": lambda: Group.tags.overlap(["a"]),
        "index": lambda: Group.tags[1] == "a",
    }[name]
    assert _ids(engine, Group, test()) == [2]
    assert _ids(engine, Group, ~test()) == []


def test_array_items_keep_their_type_on_both_databases(engine: Engine) -> None:
    Base.metadata.create_all(engine)
    with Session(engine) as session:
        session.add(Group(**GroupInsert.model_validate({"name": "g", "member_ids": [3, 1, 2]}).model_dump()))
        session.commit()
        assert session.scalars(select(Group.member_ids[1])).all() == [3]
        assert session.scalars(select(Group.member_ids[4])).all() == [None]  # past the end
        assert session.scalars(select(Group.member_ids[0])).all() == [None]  # PostgreSQL counts from 1
        assert _ids(engine, Group, Group.member_ids[2] + 1 == 2) == [1]
        assert _ids(engine, Group, Group.member_ids.contains([2, 3])) == [1]
        assert _ids(engine, Group, Group.member_ids.contains([2, 4])) == []
        with pytest.raises(StatementError, match="groups.member_ids"):  # the other list is checked too
            _ids(engine, Group, Group.member_ids.contains(["x"]))


@pytest.mark.parametrize("name", JSONB_OPERATORS)
def test_jsonb_operators_are_postgresqls(name: str, posts: tuple[Engine, Any]) -> None:
    engine, hand = posts
    operator, expected = JSONB_OPERATORS[name]
    if engine.dialect.name == "postgresql":
        assert _ids(engine, Post, operator(Post)) == _ids(engine, hand, operator(hand)) == expected
        return
    try:  # SQLite: PostgreSQL's answer (it has `->>`), or a refusal; never another answer
        found = _ids(engine, Post, operator(Post))
    except REFUSED:
        return
    assert found == expected


@pytest.mark.parametrize("name", PORTABLE_JSON_OPERATORS)
def test_json_operators_both_databases_have_agree_with_a_plain_json_column(name: str, posts: tuple[Engine, Any]) -> None:
    engine, hand = posts
    operator = PORTABLE_JSON_OPERATORS[name]
    found = _ids(engine, Post, operator(Post))
    assert found and found == _ids(engine, hand, operator(hand))


# Typed JSON: every value written is checked whole ---------------------------------------------


def _memory(session: Session) -> Memory:
    user = User(**UserInsert.model_validate({"email": "m@example.com", "password_hash": "x" * 20}).model_dump())
    session.add(user)
    session.flush()
    memory = Memory(**MemoryInsert.model_validate({
        "user_id": user.id, "content": "c", "context": {"mood": 5, "people": [], "extra": {}}}).model_dump())
    session.add(memory)
    session.commit()
    return memory


def test_a_shape_value_cannot_be_changed_in_place(engine: Engine) -> None:
    """SQLAlchemy would not see the change and the commit would silently lose it: it is refused."""
    Base.metadata.create_all(engine)
    with Session(engine) as session:
        memory = _memory(session)
        assert memory.context is not None
        with pytest.raises(ValidationError, match="frozen"):
            memory.context.mood = 9  # type: ignore[misc]
        memory.context = memory.context.model_copy(update={"mood": 9})  # the way to change it
        session.commit()
        session.expire_all()
        assert memory.context == MemoryContext(mood=9, people=[], extra={})


@pytest.mark.parametrize("value", [
    "copy",  # a shape instance made by model_copy(update=...), which Pydantic does not validate
    "constructed",  # one made by model_construct, which validates nothing
    "mapping",  # plain data
])
def test_a_value_outside_the_shape_fails_the_flush_naming_the_column(value: str, engine: Engine) -> None:
    Base.metadata.create_all(engine)
    with Session(engine) as session:
        memory = _memory(session)
        assert memory.context is not None
        bad: Any = {
            "copy": lambda: memory.context.model_copy(update={"mood": 99}),  # type: ignore[union-attr]
            "constructed": lambda: MemoryContext.model_construct(mood=99, people=[], extra={}),
            "mapping": lambda: {"mood": 99, "people": [], "extra": {}},
        }[value]()
        memory.context = bad
        with pytest.raises(StatementError) as caught:
            session.commit()
        assert isinstance(caught.value.orig, ValidationError)
        assert "1 validation error for memories.context" in str(caught.value.orig)
        assert "mood" in str(caught.value.orig) and "less than or equal to 10" in str(caught.value.orig)


def test_an_array_value_that_does_not_fit_fails_the_flush_naming_the_column(engine: Engine) -> None:
    Base.metadata.create_all(engine)
    with Session(engine) as session:
        session.add(Group(**GroupInsert.model_validate({"name": "g"}).model_dump()))
        session.commit()
        group = session.scalars(select(Group)).one()
        group.member_ids = ["not a number"]  # type: ignore[list-item]
        with pytest.raises(StatementError) as caught:
            session.commit()
        assert isinstance(caught.value.orig, ValidationError)
        assert "validation error for groups.member_ids" in str(caught.value.orig)


# Typed JSON: reads show what another writer stored -------------------------------------------


def _store_raw(engine: Engine, memory_id: int, stored: dict[str, Any]) -> None:
    """Another service, or an older version of the app, writes the column with plain SQL."""
    with engine.begin() as connection:
        connection.execute(text("UPDATE memories SET context = :value WHERE id = :id"),
                           {"value": json.dumps(stored), "id": memory_id})


def test_a_value_outside_the_write_rules_is_read_as_stored(engine: Engine) -> None:
    Base.metadata.create_all(engine)
    with Session(engine) as session:
        memory_id = _memory(session).id
    stored = {"mood": 999, "location": {"lat": 100, "lng": 0, "alt": 12}, "people": ["a"], "extra": {},
              "weather": "rain"}
    _store_raw(engine, memory_id, stored)
    with Session(engine) as session:
        (memory,) = session.scalars(select(Memory)).all()  # one bad row does not fail the query
        assert memory.context is not None and memory.context.mood == 999
        assert memory.context.model_extra == {"weather": "rain"}  # unknown keys are kept, not dropped
        assert memory.context.location is not None and memory.context.location.model_extra == {"alt": 12}
        shown = MemorySelect.model_validate(memory).model_dump(mode="json")["context"]
        assert shown["mood"] == 999 and shown["location"] == {"lat": 100, "lng": 0}
        # writing it back is a write: every rule applies, and unknown keys are refused, never dropped
        memory.context = memory.context.model_copy(update={"mood": 3})
        with pytest.raises(StatementError) as caught:
            session.commit()
        message = str(caught.value.orig)
        assert "for memories.context" in message and "weather" in message and "location.alt" in message


def test_a_value_of_the_wrong_json_type_fails_the_read_naming_table_column_and_key(engine: Engine) -> None:
    Base.metadata.create_all(engine)
    with Session(engine) as session:
        memory_id = _memory(session).id
    _store_raw(engine, memory_id, {"mood": "very good", "people": "a", "extra": {}})
    with Session(engine) as session:
        with pytest.raises(ValidationError) as caught:
            session.scalars(select(Memory)).all()
        assert f"2 validation errors for memories.context where id={memory_id}" in str(caught.value)
        assert {error["loc"] for error in caught.value.errors()} == {("mood",), ("people",)}
        # the row is not left half-loaded in the session: the next query fails the same way
        with pytest.raises(ValidationError, match=f"for memories.context where id={memory_id}"):
            session.get(Memory, memory_id)


def test_a_refresh_of_a_value_of_the_wrong_json_type_names_the_row(engine: Engine) -> None:
    Base.metadata.create_all(engine)
    with Session(engine) as session:
        memory = _memory(session)
        memory_id = memory.id
        _store_raw(engine, memory_id, {"mood": 5, "people": {"not": "a list"}, "extra": {}})
        with pytest.raises(ValidationError, match=f"1 validation error for memories.context where id={memory_id}"):
            session.refresh(memory)


def test_a_column_of_the_wrong_json_type_selected_alone_raises_when_used(engine: Engine) -> None:
    """Selected as a column there is no row to name: the query gives a value that raises when used."""
    Base.metadata.create_all(engine)
    with Session(engine) as session:
        memory_id = _memory(session).id
    _store_raw(engine, memory_id, {"mood": [1], "people": [], "extra": {}})
    with Session(engine) as session:
        (value,) = session.scalars(select(Memory.context)).all()
        with pytest.raises(ValidationError, match="1 validation error for memories.context"):
            print(value.mood)
        with pytest.raises(ValidationError, match="for memories.context"):
            bool(value)
        with pytest.raises(ValidationError) as caught:  # nor does a schema take it
            MemorySelect.model_validate({"id": memory_id, "context": value})
        assert ("context",) in {error["loc"] for error in caught.value.errors()}


def test_selecting_an_element_gives_the_element(engine: Engine) -> None:
    """`select(column["key"])` is a value inside the column, not another whole shape."""
    Base.metadata.create_all(engine)
    with Session(engine) as session:
        _memory(session)
        assert session.scalars(select(Memory.context["mood"])).all() == [5]
        assert session.scalars(select(Memory.context["people"])).all() == [[]]
        assert session.scalars(select(Memory.context[("mood",)])).all() == [5]
        assert session.scalars(select(Memory.id).where(Memory.context["mood"].astext == "5")).all() == [1]


def test_an_array_item_of_the_wrong_type_fails_the_read_naming_table_column_and_key(engine: Engine) -> None:
    """An array written by plain SQL with an item its type does not take (a NULL among texts)."""
    Base.metadata.create_all(engine)
    with Session(engine) as session:
        user = User(**UserInsert.model_validate({"email": "o@example.com", "password_hash": "x" * 20}).model_dump())
        session.add(user)
        session.flush()
        session.add(Post(id=7, author_id=user.id, content="post", hashtags=["a"]))
        session.commit()
    stored = "ARRAY['a', NULL]::text[]" if engine.dialect.name == "postgresql" else """'["a", null]'"""
    with engine.begin() as connection:
        connection.execute(text(f"UPDATE posts SET hashtags = {stored} WHERE id = 7"))
    with Session(engine) as session:
        with pytest.raises(ValidationError) as caught:
            session.scalars(select(Post)).all()
        assert "1 validation error for posts.hashtags where id=7" in str(caught.value)
        assert [error["loc"] for error in caught.value.errors()] == [(1,)]
        # the row is not left half-loaded in the session: the next query fails the same way
        with pytest.raises(ValidationError, match="for posts.hashtags where id=7"):
            session.get(Post, 7)
        (value,) = session.scalars(select(Post.hashtags)).all()  # selected alone: raises when used
        with pytest.raises(ValidationError, match="1 validation error for posts.hashtags"):
            list(value)
