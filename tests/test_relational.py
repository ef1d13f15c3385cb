"""Relational queries in Drizzle's shape: `eager(Model, {"rel": True | {"with", "where", "order_by",
"limit"}})` on SQLite and PostgreSQL, sync and async: the rows each level loads, top-N per parent in
SQL, soft-deleted rows left out, one statement per level whatever the number of parents, and
relations that refuse to load lazily (`lazy="raise"`)."""

from __future__ import annotations

import asyncio
import datetime
import subprocess
import sys
import uuid
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
import sqlalchemy
from sqlalchemy import event, insert, select
from sqlalchemy.engine import Engine
from sqlalchemy.ext.asyncio import AsyncEngine, async_sessionmaker, create_async_engine
from sqlalchemy.orm import Session

from generated.life_ceo import Base, Comment, LifeCeoConversation, Memory, Post, Tag, User, eager
from generated.life_ceo.relations import UserLoad
from tests.conftest import POSTGRES_URL, ROOT, drop_postgres_schema, postgres_engine

DELETED = datetime.datetime(2026, 1, 1)


def _seed(connection: sqlalchemy.Connection, users: int) -> None:
    """`users` users; each has 5 memories (the 2nd soft-deleted), 2 conversations, 2 posts with 3 tags
    each and a comment thread, and follows every other user."""
    Base.metadata.create_all(connection)
    connection.execute(insert(User), [
        {"id": u, "email": f"u{u}@example.com", "username": f"user{u}", "password_hash": "x" * 8}
        for u in range(1, users + 1)
    ])
    connection.execute(insert(Memory), [
        {"id": u * 10 + m, "user_id": u, "content": f"memory {m} of {u}", "importance": (m * 3) % 5 + 1,
         "deleted_at": DELETED if m == 2 else None}
        for u in range(1, users + 1) for m in range(1, 6)
    ])
    connection.execute(insert(LifeCeoConversation), [
        {"user_id": u, "agent_type": "business", "title": f"chat {c}"} for u in range(1, users + 1) for c in (1, 2)
    ])
    connection.execute(insert(Tag), [{"id": t, "name": f"tag{t}", "order": t} for t in range(1, 5)])
    connection.execute(insert(Post), [
        {"id": u * 10 + p, "author_id": u, "content": f"post {p}"} for u in range(1, users + 1) for p in (1, 2)
    ])
    post_tags = Base.metadata.tables["post_tags"]
    connection.execute(insert(post_tags), [
        {"post_id": u * 10 + p, "tag_id": t} for u in range(1, users + 1) for p in (1, 2) for t in (1, 2, 3)
    ])
    connection.execute(insert(Comment), [
        {"id": u * 100 + c, "post_id": u * 10 + 1, "author_id": u, "body": f"c{c}",
         "parent_id": None if c == 1 else u * 100 + 1}
        for u in range(1, users + 1) for c in range(1, 5)
    ])
    follows = Base.metadata.tables["follows"]
    rows = [{"follower_id": a, "followee_id": b} for a in range(1, users + 1) for b in range(1, users + 1) if a != b]
    if rows:
        connection.execute(insert(follows), rows)


class Statements:
    """Counts the SQL statements an engine runs (the ones a query sends, not a connection's set-up)."""

    def __init__(self, engine: Engine) -> None:
        self.seen: list[str] = []
        event.listen(engine, "before_cursor_execute", self._seen)

    def _seen(self, _conn: Any, _cursor: Any, statement: str, *_args: Any) -> None:
        self.seen.append(statement)


def _session(engine: Engine, users: int) -> tuple[Session, Statements]:
    with engine.begin() as connection:
        _seed(connection, users)
    return Session(engine, expire_on_commit=False), Statements(engine)


LOAD: UserLoad = {
    "conversations": True,
    "memories": {"where": Memory.importance > 1, "order_by": Memory.id.desc(), "limit": 2},
    "posts": {"order_by": Post.id, "with": {"tags": {"order_by": Tag.id.desc(), "limit": 2}}},
}


def _check_shape(users: list[User]) -> None:
    for user in users:
        assert [c.title for c in sorted(user.conversations, key=lambda c: c.id)] == ["chat 1", "chat 2"]
        # importance of memory m is (3m % 5) + 1: m=1 -> 4, 2 -> 2 (deleted), 3 -> 5, 4 -> 3, 5 -> 1
        assert [m.id for m in user.memories] == [user.id * 10 + 4, user.id * 10 + 3]
        assert [p.id for p in user.posts] == [user.id * 10 + 1, user.id * 10 + 2]
        for post in user.posts:
            assert [t.id for t in post.tags] == [3, 2]


@pytest.mark.parametrize("users", [3, 12])
def test_nested_load_one_statement_per_level(engine: Engine, users: int) -> None:
    session, statements = _session(engine, users)
    with session:
        found = session.scalars(select(User).order_by(User.id).options(*eager(User, LOAD))).all()
        _check_shape(list(found))
        # users; conversations; memories; posts; their tags: whatever the number of users
        assert len(statements.seen) == 5, statements.seen
        ranked = [s for s in statements.seen if "row_number() OVER (PARTITION BY" in s]
        assert len(ranked) == 2, ranked  # memories (by user_id) and tags (by the link's post_id)


def test_soft_deleted_rows_are_left_out_unless_asked(engine: Engine) -> None:
    session, _ = _session(engine, 2)
    with session:
        users = session.scalars(select(User).order_by(User.id).options(*eager(User, {"memories": True}))).all()
        assert [sorted(m.id for m in u.memories) for u in users] == [[11, 13, 14, 15], [21, 23, 24, 25]]
        session.expunge_all()
        users = session.scalars(
            select(User).order_by(User.id).options(*eager(User, {"memories": {"with_deleted": True}}))
        ).all()
        assert [sorted(m.id for m in u.memories) for u in users] == [[11, 12, 13, 14, 15], [21, 22, 23, 24, 25]]
        session.expunge_all()
        # the window ranks only the rows that are loaded: the soft-deleted one takes no place
        users = session.scalars(select(User).order_by(User.id).options(
            *eager(User, {"memories": {"order_by": [Memory.id], "limit": 2}}))).all()
        assert [[m.id for m in u.memories] for u in users] == [[11, 13], [21, 23]]


def test_to_one_nested_and_self_references(engine: Engine) -> None:
    session, statements = _session(engine, 3)
    with session:
        memories = session.scalars(select(Memory).order_by(Memory.id).options(
            *eager(Memory, {"user": {"with": {"following": {"order_by": User.id, "limit": 1}}}}))).all()
        assert [m.user.id for m in memories[:5]] == [1, 1, 1, 1, 1]
        assert [f.id for f in memories[0].user.following] == [2]
        assert [f.id for f in memories[-1].user.following] == [1]
        assert len(statements.seen) == 2, statements.seen  # memories joined with users; following
        comments = session.scalars(select(Comment).where(Comment.parent_id.is_(None)).order_by(Comment.id).options(
            *eager(Comment, {"children": {"order_by": Comment.id.desc(), "limit": 2, "with": {"parent": True}}}))).all()
        assert [[c.id for c in top.children] for top in comments] == [[104, 103], [204, 203], [304, 303]]
        assert all(child.parent is top for top in comments for child in top.children)


def test_a_foreign_key_to_a_unique_column(engine: Engine) -> None:
    session, _ = _session(engine, 1)
    with session:
        user = session.scalars(select(User)).one()
        audit_log = Base.metadata.tables["audit_log"]
        session.execute(insert(audit_log), [
            {"actor_public_id": user.public_id, "action": f"a{i}", "table_name": "users"} for i in range(3)])
        session.expunge_all()
        user = session.scalars(select(User).options(
            *eager(User, {"audit_entries": {"order_by": sqlalchemy.desc(audit_log.c.id), "limit": 2}}))).one()
        assert [e.action for e in user.audit_entries] == ["a2", "a1"]


def test_relations_refuse_lazy_loading(engine: Engine) -> None:
    session, statements = _session(engine, 1)
    with session:
        user = session.scalars(select(User)).one()
        before = len(statements.seen)
        with pytest.raises(sqlalchemy.exc.InvalidRequestError, match="'User.memories' is not available due to lazy='raise'"):
            _ = user.memories
        assert len(statements.seen) == before


def test_mistakes_name_what_is_known() -> None:
    spec: Any = {"memoriez": True}
    with pytest.raises(KeyError, match="User has no relation 'memoriez'; it has: conversations, settings"):
        eager(User, spec)
    with pytest.raises(TypeError, match=r"Memory.user takes with, not 'limit'"):
        eager(Memory, {"user": {"limit": 1}} if True else {})  # type: ignore[dict-item]
    with pytest.raises(ValueError, match="limit must be a whole number >= 0, not -1"):
        eager(User, {"memories": {"limit": -1}})
    with pytest.raises(TypeError, match="User.memories takes True or a mapping of options, not 3"):
        eager(User, {"memories": 3})  # type: ignore[typeddict-item]
    assert eager(User, {"memories": False}) == []


@pytest.fixture(params=["sqlite", "postgresql"])
def async_engine(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[tuple[AsyncEngine, Engine]]:
    """An async engine and a sync one on the same database (the sync one seeds it)."""
    if request.param == "sqlite":
        path = tmp_path / "async.db"
        engine = create_async_engine(f"sqlite+aiosqlite:///{path}")
        sync = sqlalchemy.create_engine(f"sqlite:///{path}")
        yield engine, sync
        sync.dispose()
        asyncio.run(engine.dispose())
        return
    schema = f"r_{uuid.uuid4().hex[:12]}"
    sync = postgres_engine(schema)  # creates the schema (and fails under CI=true when PostgreSQL is down)
    engine = create_async_engine(POSTGRES_URL, connect_args={"options": f"-csearch_path={schema}"})
    try:
        yield engine, sync
    finally:
        sync.dispose()
        asyncio.run(engine.dispose())
        drop_postgres_schema(schema)


def test_async_session_loads_the_same(async_engine: tuple[AsyncEngine, Engine]) -> None:
    engine, sync = async_engine
    with sync.begin() as connection:
        _seed(connection, 4)
    statements = Statements(engine.sync_engine)

    async def load() -> list[User]:
        async with async_sessionmaker(engine, expire_on_commit=False)() as session:
            found = await session.scalars(select(User).order_by(User.id).options(*eager(User, LOAD)))
            return list(found.all())

    users = asyncio.run(load())
    _check_shape(users)  # after the session closed: everything was loaded, nothing is lazy
    assert len(statements.seen) == 5, statements.seen


SNIPPET = '''
from life_ceo import Group, Memory, User, eager
from sqlalchemy.orm.interfaces import ORMOption

ok: list[ORMOption] = eager(User, {"conversations": True, "memories": {
    "where": Memory.importance > 1, "order_by": [Memory.id.desc()], "limit": 10, "with": {"user": True}}})
bad_top = eager(Group, {"projectz": True})
bad_nested = eager(User, {"memories": {"with": {"usr": True}}})
bad_option = eager(Memory, {"user": {"limit": 3}})
bad_limit = eager(User, {"memories": {"limit": "ten"}})
'''


def test_mypy_rejects_misspelt_relations_and_misplaced_options(tmp_path: Path) -> None:
    snippet = tmp_path / "snippet.py"
    snippet.write_text(SNIPPET, "utf-8")
    result = subprocess.run(
        [sys.executable, "-m", "mypy", "--strict", "--no-incremental", "--cache-dir", "/dev/null", str(snippet)],
        cwd=ROOT / "generated", capture_output=True, text=True, timeout=600,
    )
    errors = [line.split(": error: ")[0].rsplit(":", 1)[-1] for line in result.stdout.splitlines() if ": error: " in line]
    assert errors == ["7", "8", "9", "10"], result.stdout  # the good load spec (line 5) passes
    assert 'No overload variant of "eager" matches argument types "type[Group]"' in result.stdout


def test_nested_read_schemas_read_what_was_loaded(engine: Engine) -> None:
    from generated.life_ceo import schemas

    session, statements = _session(engine, 2)
    with session:
        users = session.scalars(select(User).order_by(User.id).options(
            *eager(User, {"memories": {"order_by": Memory.id, "limit": 2}}))).all()
        before = len(statements.seen)
        read = schemas.UserWithMemories.model_validate(users[0])
        assert [m.id for m in read.memories] == [11, 13] and read.email == "u1@example.com"
        assert "password_hash" not in read.model_dump()  # secret columns stay out, nested too
        assert len(statements.seen) == before  # no IO
        with pytest.raises(sqlalchemy.exc.InvalidRequestError) as refused:
            schemas.UserWithConversations.model_validate(users[0])
        assert str(refused.value) == ("UserWithConversations reads User.conversations, which the query did not "
                                      "load: load it with eager(User, {'conversations': True})")
        assert len(statements.seen) == before
        memory = session.scalars(select(Memory).where(Memory.id == 11).options(*eager(Memory, {"user": True}))).one()
        assert schemas.MemoryWithUser.model_validate(memory).user.id == 1
    # stable, unique names in a JSON Schema / OpenAPI document
    definitions = schemas.UserWithMemories.model_json_schema()["$defs"]
    assert "MemorySelect" in definitions and schemas.UserWithMemories.model_json_schema()["title"] == "UserWithMemories"
