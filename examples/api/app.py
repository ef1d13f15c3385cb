"""A FastAPI app over the generated `life_ceo` package (specs/life_ceo.yaml -> generated/life_ceo).

Per resource (users, memories, conversations): create (the Insert schema), read, PATCH (the Update
schema: a field left out is kept, `null` clears a nullable one), delete, and a paged list; list
endpoints that return nested relations with a per-parent limit, loaded with `eager()` in one
statement per level. Bodies that break the spec's rules get 422 with the spec's own messages.

    uvicorn examples.api.app:app --host 127.0.0.1   # SQLite in ./api.db, or set DATABASE_URL
"""

import os
from collections.abc import AsyncIterator, Callable
from contextlib import asynccontextmanager
from typing import Annotated, Any

from fastapi import APIRouter, Depends, FastAPI, HTTPException, Query, Response
from pydantic import BaseModel
from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncEngine, AsyncSession, async_sessionmaker, create_async_engine

from generated.life_ceo import (
    Base,
    LifeCeoConversation,
    LifeCeoConversationInsert,
    LifeCeoConversationSelect,
    LifeCeoConversationUpdate,
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
from generated.life_ceo.schemas import LifeCeoConversationWithUser, UserWithMemories


def create_app(url: str, **engine_options: Any) -> FastAPI:
    engine = create_async_engine(url, **engine_options)
    # the session factory: nothing a commit wrote expires, so responses are built without IO
    sessions = async_sessionmaker(engine, expire_on_commit=False)

    @asynccontextmanager
    async def lifespan(_app: FastAPI) -> AsyncIterator[None]:
        async with engine.begin() as connection:
            await connection.run_sync(Base.metadata.create_all)
        yield
        await engine.dispose()

    app = FastAPI(title="life_ceo", lifespan=lifespan, separate_input_output_schemas=False)
    app.state.engine = engine

    async def session() -> AsyncIterator[AsyncSession]:
        async with sessions() as opened:
            yield opened

    db = Depends(session)
    crud(app, "/users", User, UserInsert, UserSelect, UserUpdate, db)
    crud(app, "/memories", Memory, MemoryInsert, MemorySelect, MemoryUpdate, db)
    crud(app, "/conversations", LifeCeoConversation, LifeCeoConversationInsert, LifeCeoConversationSelect,
         LifeCeoConversationUpdate, db)

    @app.get("/feed/users", response_model=list[UserWithMemories])
    async def users_with_memories(
        session: Annotated[AsyncSession, db],
        limit: Annotated[int, Query(ge=1, le=100)] = 20,
        memories: Annotated[int, Query(ge=0, le=50)] = 5,
    ) -> Any:
        """Users with their latest `memories` memories each (soft-deleted ones left out)."""
        load = eager(User, {"memories": {"order_by": Memory.id.desc(), "limit": memories}})
        rows = await session.scalars(select(User).order_by(User.id).limit(limit).options(*load))
        return [UserWithMemories.model_validate(row) for row in rows]

    @app.get("/feed/conversations", response_model=list[LifeCeoConversationWithUser])
    async def conversations_with_user(
        session: Annotated[AsyncSession, db], limit: Annotated[int, Query(ge=1, le=100)] = 20
    ) -> Any:
        """Conversations with their user (joined into the same statement)."""
        query = select(LifeCeoConversation).order_by(LifeCeoConversation.id).limit(limit)
        rows = await session.scalars(query.options(*eager(LifeCeoConversation, {"user": True})))
        return [LifeCeoConversationWithUser.model_validate(row) for row in rows]

    return app


def crud(app: FastAPI, prefix: str, model: type[Base], insert: type[BaseModel], read: type[BaseModel],
         update: type[Any], db: Any) -> None:
    """Create, read, PATCH, delete and list for one table; `model`'s primary key is `id`."""
    router = APIRouter(prefix=prefix, tags=[model.__name__])
    key: Callable[[], Any] = lambda: model.id  # type: ignore[attr-defined]  # noqa: E731

    async def found(session: AsyncSession, row_id: int) -> Any:
        row = await session.get(model, row_id)
        if row is None:
            raise HTTPException(404, f"no {model.__name__} {row_id}")
        return row

    @router.post("", response_model=read, status_code=201)
    async def create(body: insert, session: Annotated[AsyncSession, db]) -> Any:  # type: ignore[valid-type]
        row = model(**body.model_dump())  # type: ignore[attr-defined]
        session.add(row)
        await session.commit()
        return read.model_validate(row)

    @router.get("/{row_id}", response_model=read)
    async def get(row_id: int, session: Annotated[AsyncSession, db]) -> Any:
        return read.model_validate(await found(session, row_id))

    @router.patch("/{row_id}", response_model=read)
    async def patch(row_id: int, body: update, session: Annotated[AsyncSession, db]) -> Any:  # type: ignore[valid-type]
        row = await found(session, row_id)
        body.apply_to(row)  # type: ignore[attr-defined]
        await session.commit()
        return read.model_validate(row)

    @router.delete("/{row_id}", status_code=204)
    async def delete(row_id: int, session: Annotated[AsyncSession, db]) -> Response:
        await session.delete(await found(session, row_id))
        await session.commit()
        return Response(status_code=204)

    @router.get("", response_model=list[read])  # type: ignore[valid-type]
    async def list_rows(
        session: Annotated[AsyncSession, db],
        limit: Annotated[int, Query(ge=1, le=100)] = 20,
        offset: Annotated[int, Query(ge=0)] = 0,
    ) -> Any:
        rows = await session.scalars(select(model).order_by(key()).limit(limit).offset(offset))
        return [read.model_validate(row) for row in rows]

    app.include_router(router)


def engine_of(app: FastAPI) -> AsyncEngine:
    engine: AsyncEngine = app.state.engine
    return engine


app = create_app(os.environ.get("DATABASE_URL", "sqlite+aiosqlite:///api.db"))
