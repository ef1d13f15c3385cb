"""Shared fixtures: real databases (SQLite always, PostgreSQL on 127.0.0.1:5432) and paths."""

from __future__ import annotations

import os
import sys
import tempfile
import uuid
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

import pytest
import sqlalchemy
from sqlalchemy import event
from sqlalchemy.engine import Engine

ROOT = Path(__file__).resolve().parent.parent
if str(ROOT) not in sys.path:
    sys.path.insert(0, str(ROOT))

# The formatter's cache goes to a folder of this test run, never the user's ~/.cache; tests that
# need it off or elsewhere set SCHEMAGEN_CACHE_DIR themselves.
os.environ.setdefault("SCHEMAGEN_CACHE_DIR", tempfile.mkdtemp(prefix="schemagen-test-cache-"))

POSTGRES_URL = os.environ.get("SCHEMAGEN_TEST_POSTGRES", "postgresql+psycopg://postgres@127.0.0.1:5432/test")


def sqlite_engine(path: Path | None = None) -> Engine:
    engine = sqlalchemy.create_engine(f"sqlite:///{path}" if path else "sqlite://")

    @event.listens_for(engine, "connect")
    def _foreign_keys(connection, _record):  # type: ignore[no-untyped-def]
        # SQLite ignores ON DELETE/ON UPDATE actions unless this is on, per connection.
        connection.execute("PRAGMA foreign_keys=ON")

    return engine


def postgres_engine(schema: str) -> Engine:
    """An engine whose connections use a fresh schema, so tests never see each other's tables."""
    admin = sqlalchemy.create_engine(POSTGRES_URL)
    try:
        with admin.begin() as connection:
            connection.exec_driver_sql(f'CREATE SCHEMA "{schema}"')
    except sqlalchemy.exc.OperationalError as exc:
        admin.dispose()
        message = f"PostgreSQL is not reachable at {POSTGRES_URL}: {exc.orig}"
        if os.environ.get("CI") == "true":
            pytest.fail(message)
        pytest.skip(message)
    admin.dispose()
    return sqlalchemy.create_engine(POSTGRES_URL, connect_args={"options": f"-csearch_path={schema}"})


def drop_postgres_schema(schema: str) -> None:
    admin = sqlalchemy.create_engine(POSTGRES_URL)
    with admin.begin() as connection:
        connection.exec_driver_sql(f'DROP SCHEMA IF EXISTS "{schema}" CASCADE')
    admin.dispose()


@contextmanager
def private_postgres(metadata: sqlalchemy.MetaData | None = None) -> Iterator[Engine]:
    """An engine on a private PostgreSQL schema, dropped afterwards; `metadata`'s tables created in it.
    Fails (never skips) under CI=true when PostgreSQL is down."""
    schema = f"t_{uuid.uuid4().hex[:12]}"
    created = postgres_engine(schema)
    try:
        if metadata is not None:
            metadata.create_all(created)
        yield created
    finally:
        created.dispose()
        drop_postgres_schema(schema)


@pytest.fixture(params=["sqlite", "postgresql"])
def engine(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[Engine]:
    """The same test on SQLite (a file) and on PostgreSQL (a private schema)."""
    if request.param == "sqlite":
        created = sqlite_engine(tmp_path / "test.db")
        yield created
        created.dispose()
        return
    with private_postgres() as created:
        yield created
