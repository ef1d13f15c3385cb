"""examples/api under uvicorn on loopback, on SQLite and PostgreSQL, driven with httpx: CRUD, PATCH
with the Update schema's semantics, 422 bodies with the spec's messages, stable OpenAPI names, and
nested list endpoints whose SQL statement count does not grow with the number of rows (no N+1)."""

from __future__ import annotations

import uuid
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import httpx
import pytest
from sqlalchemy import event

from examples.api.app import create_app, engine_of
from examples.api.serve import serving
from tests.conftest import POSTGRES_URL, drop_postgres_schema, postgres_engine


class Server:
    def __init__(self, url: str, app: Any) -> None:
        self.client = httpx.Client(base_url=url, timeout=30)
        self.statements: list[str] = []
        event.listen(engine_of(app).sync_engine, "before_cursor_execute", self._seen)

    def _seen(self, _conn: Any, _cursor: Any, statement: str, *_args: Any) -> None:
        self.statements.append(statement)

    def counted(self, method: str, path: str, **kwargs: Any) -> tuple[httpx.Response, int]:
        before = len(self.statements)
        response = self.client.request(method, path, **kwargs)
        return response, len(self.statements) - before


@pytest.fixture(params=["sqlite", "postgresql"])
def server(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[Server]:
    if request.param == "sqlite":
        app = create_app(f"sqlite+aiosqlite:///{tmp_path / 'api.db'}")
        with serving(app) as url:
            yield Server(url, app)
        return
    schema = f"api_{uuid.uuid4().hex[:12]}"
    postgres_engine(schema).dispose()  # creates the schema (and fails under CI=true when PostgreSQL is down)
    try:
        app = create_app(POSTGRES_URL.replace("+psycopg:", "+psycopg_async:") if "+psycopg:" in POSTGRES_URL
                         else POSTGRES_URL, connect_args={"options": f"-csearch_path={schema}"})
        with serving(app) as url:
            yield Server(url, app)
    finally:
        drop_postgres_schema(schema)


def _user(server: Server, n: int) -> dict[str, Any]:
    response = server.client.post("/users", json={"email": f"u{n}@example.com", "username": f"user{n}",
                                                   "password_hash": "long-enough"})
    assert response.status_code == 201, response.text
    body: dict[str, Any] = response.json()
    return body


def test_crud_and_patch(server: Server) -> None:
    user = _user(server, 1)
    assert "password_hash" not in user and user["timezone"] == "UTC" and user["created_at"]
    assert server.client.get(f"/users/{user['id']}").json() == user
    patched = server.client.patch(f"/users/{user['id']}", json={"bio": "Analyst"}).json()
    assert patched["bio"] == "Analyst" and patched["username"] == "user1"  # left out: kept
    cleared = server.client.patch(f"/users/{user['id']}", json={"bio": None}).json()
    assert cleared["bio"] is None  # null clears a nullable column
    refused = server.client.patch(f"/users/{user['id']}", json={"email": None})
    assert refused.status_code == 422 and refused.json()["detail"][0]["type"] == "null_not_allowed"
    memory = server.client.post("/memories", json={"user_id": user["id"], "content": "first"}).json()
    assert memory["importance"] == 5 and memory["type"] == "note"
    assert [m["id"] for m in server.client.get("/memories").json()] == [memory["id"]]
    assert server.client.delete(f"/memories/{memory['id']}").status_code == 204
    assert server.client.get(f"/memories/{memory['id']}").status_code == 404
    assert server.client.delete(f"/users/{user['id']}").status_code == 204
    assert server.client.get("/users").json() == []


def test_422_bodies_carry_the_spec_messages(server: Server) -> None:
    response = server.client.post("/users", json={"email": "nope", "username": "ab", "password_hash": "short"})
    assert response.status_code == 422
    messages = {tuple(e["loc"]): e["msg"] for e in response.json()["detail"]}
    assert messages == {
        ("body", "email"): "Invalid email format",
        ("body", "username"): "Username must be at least 3 characters",
        ("body", "password_hash"): "Password must be at least 8 characters",
    }
    user = _user(server, 1)
    response = server.client.patch(f"/users/{user['id']}", json={"bio": "x" * 501})
    assert response.status_code == 422 and response.json()["detail"][0]["msg"] == "Bio must be at most 500 characters"
    # a misspelt key is refused by name, never an empty update that answers 200
    response = server.client.patch(f"/users/{user['id']}", json={"boi": "Analyst"})
    assert response.status_code == 422
    assert [(e["loc"], e["type"]) for e in response.json()["detail"]] == [(["body", "boi"], "extra_forbidden")]


def test_nested_lists_cost_the_same_statements_for_more_rows(server: Server) -> None:
    counts = []
    for round_ in range(2):
        for n in range(round_ * 10, round_ * 10 + 10):
            user = _user(server, n)
            for m in range(3):
                server.client.post("/memories", json={"user_id": user["id"], "content": f"m{m}"})
            server.client.post("/conversations", json={"user_id": user["id"], "agent_type": "health"})
        response, statements = server.counted("GET", "/feed/users", params={"limit": 100, "memories": 2})
        users = response.json()
        assert len(users) == (round_ + 1) * 10 and all(len(u["memories"]) == 2 for u in users)
        assert [m["content"] for m in users[0]["memories"]] == ["m2", "m1"]  # latest first, 2 per user
        response, joined = server.counted("GET", "/feed/conversations", params={"limit": 100})
        assert len(response.json()) == (round_ + 1) * 10 and response.json()[0]["user"]["username"] == "user0"
        counts.append((statements, joined))
    assert counts[0] == counts[1], counts  # 10 or 20 users: the same statements
    assert counts[0] == (2, 1), counts  # users + their memories; conversations joined with their users


def test_openapi_component_names_are_stable_and_unique(server: Server) -> None:
    schemas = server.client.get("/openapi.json").json()["components"]["schemas"]
    names = sorted(schemas)
    assert len(names) == len(set(names))
    for expected in ("UserInsert", "UserSelect", "UserUpdate", "UserWithMemories", "MemorySelect",
                     "LifeCeoConversationWithUser", "HTTPValidationError"):
        assert expected in names, names
    assert not [name for name in names if name.endswith(("-Input", "-Output"))], names
