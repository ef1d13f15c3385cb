"""The generated package under `AsyncSession` (aiosqlite and psycopg's async driver), and the same
writes in a sync session counted statement by statement: after any write through the generated
schemas and helpers and a commit with `expire_on_commit=False`, reading the row back through its
Select schema does no IO (in async code, IO on attribute access is `MissingGreenlet`).
"""

from __future__ import annotations

import asyncio
import uuid
from collections.abc import AsyncIterator, Iterator
from pathlib import Path
from typing import Any

import pytest
import sqlalchemy
from sqlalchemy import event, select
from sqlalchemy.engine import Engine
from sqlalchemy.ext.asyncio import AsyncEngine, AsyncSession, async_sessionmaker, create_async_engine
from sqlalchemy.orm import Session

from generated.life_ceo import (
    Base,
    Memory,
    MemoryInsert,
    MemorySelect,
    MemoryUpdate,
    User,
    UserInsert,
    UserSelect,
    UserUpdate,
    eager,
)
from tests.conftest import POSTGRES_URL, drop_postgres_schema, postgres_engine

USER = {"email": "ada@example.com", "username": "ada", "password_hash": "a-long-enough-hash"}


@pytest.fixture(params=["sqlite", "postgresql"])
def async_engine(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[AsyncEngine]:
    if request.param == "sqlite":
        url = f"sqlite+aiosqlite:///{tmp_path / 'async.db'}"
        engine = create_async_engine(url)
        yield engine
        asyncio.run(engine.dispose())
        return
    schema = f"a_{uuid.uuid4().hex[:12]}"
    postgres_engine(schema).dispose()  # creates the schema (and fails under CI=true when PostgreSQL is down)
    engine = create_async_engine(POSTGRES_URL, connect_args={"options": f"-csearch_path={schema}"})
    try:
        yield engine
    finally:
        asyncio.run(engine.dispose())
        drop_postgres_schema(schema)


async def _session(engine: AsyncEngine) -> AsyncIterator[AsyncSession]:
    async with engine.begin() as connection:
        await connection.run_sync(Base.metadata.create_all)
    async with async_sessionmaker(engine, expire_on_commit=False)() as session:
        yield session


async def _writes_then_reads(engine: AsyncEngine) -> dict[str, Any]:
    seen: dict[str, Any] = {}
    async for session in _session(engine):
        user = User(**UserInsert.model_validate(USER).model_dump())
        session.add(user)
        await session.commit()
        seen["user"] = UserSelect.model_validate(user)  # id, created_at, updated_at: set by the database

        memory = Memory(**MemoryInsert.model_validate({"user_id": user.id, "content": "first"}).model_dump())
        session.add(memory)
        await session.commit()
        seen["inserted"] = MemorySelect.model_validate(memory)

        MemoryUpdate.model_validate({"content": "second"}).apply_to(memory)
        await session.commit()
        seen["updated"] = MemorySelect.model_validate(memory)  # `updated_at` (on_update: now) came back

        memory.soft_delete()
        await session.commit()
        seen["deleted"] = MemorySelect.model_validate(memory)  # the database's time, fetched with the UPDATE
        memory.restore()
        await session.commit()
        seen["restored"] = MemorySelect.model_validate(memory)

        UserUpdate.model_validate({"bio": "Analyst"}).apply_to(user)
        await session.commit()
        seen["user_updated"] = UserSelect.model_validate(user)
        loaded = await session.scalars(select(User).where(User.id == user.id).options(*eager(User, {"memories": True})))
        seen["memories"] = [m.content for m in loaded.one().memories]  # soft-deleted ones left out
        stored = (await session.execute(select(Memory.content, Memory.deleted_at))).one()
        seen["stored"] = tuple(stored)
    return seen


def test_writes_through_the_generated_code_need_no_io_afterwards_under_async_session(
        async_engine: AsyncEngine) -> None:
    seen = asyncio.run(_writes_then_reads(async_engine))
    assert seen["inserted"].content == "first" and seen["inserted"].created_at is not None
    assert seen["updated"].content == "second"
    assert seen["updated"].updated_at >= seen["inserted"].updated_at
    assert seen["deleted"].deleted_at is not None
    assert seen["restored"].deleted_at is None
    assert seen["user_updated"].bio == "Analyst" and seen["user_updated"].updated_at >= seen["user"].updated_at
    assert seen["memories"] == ["second"]
    assert seen["stored"] == ("second", None)


def test_the_same_writes_in_a_sync_session_read_back_without_a_statement(engine: Engine) -> None:
    Base.metadata.create_all(engine)
    statements: list[str] = []
    event.listen(engine, "before_cursor_execute", lambda *args: statements.append(str(args[2])))
    with Session(engine, expire_on_commit=False) as session:
        user = User(**UserInsert.model_validate(USER).model_dump())
        memory = Memory(content="first", user=user)
        session.add_all([user, memory])
        session.commit()
        for write in (lambda: MemoryUpdate.model_validate({"content": "second"}).apply_to(memory),
                      memory.soft_delete, memory.restore,
                      lambda: UserUpdate.model_validate({"first_name": "Ada"}).apply_to(user)):
            write()
            session.commit()
            before = len(statements)
            MemorySelect.model_validate(memory)
            UserSelect.model_validate(user)
            assert statements[before:] == [], "reading the row back ran SQL"
    assert any("RETURNING" in statement for statement in statements if statement.startswith("UPDATE"))


def test_the_postgresql_async_engine_is_the_one_ci_uses() -> None:
    """The async tests above reach the same server as the sync ones (no silent skip)."""
    url = sqlalchemy.engine.make_url(POSTGRES_URL)
    assert url.get_backend_name() == "postgresql" and url.get_driver_name() == "psycopg"
