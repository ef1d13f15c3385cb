"""Engines for the target database and for scratch databases, and the lock an upgrade holds.

SQLite: pysqlite does not begin a transaction before DDL, so the engines here emit `BEGIN
EXCLUSIVE` themselves: a whole run of migrations is one transaction (SQLite's DDL is
transactional), and a second writer waits for it. Foreign keys stay off on these connections, so a
batch table rebuild never cascades into child rows; `PRAGMA foreign_key_check` runs before commit.

PostgreSQL: scratch databases are private schemas of the target database, dropped afterwards.
An upgrade holds a session advisory lock keyed by the version table, so two upgrades never run
their revisions at once.
"""

from __future__ import annotations

import hashlib
import tempfile
import uuid
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

from sqlalchemy import Connection, Engine, create_engine, event, func, pool, select
from sqlalchemy.engine import make_url


class MigrateError(Exception):
    """A refusal or failure the command line reports as one message, without a traceback."""


def dialect_of(url: str) -> str:
    try:
        name = make_url(url).get_backend_name()
    except Exception as exc:  # SQLAlchemy's ArgumentError for a URL it cannot parse
        raise MigrateError(f"not a database URL: {url!r} ({exc})") from None
    if name not in ("postgresql", "sqlite"):
        raise MigrateError(f"unsupported database {name!r}: schemagen migrates PostgreSQL and SQLite")
    return name


def engine_for(url: str, *, search_path: str | None = None) -> Engine:
    """An engine with the behaviour described above (`search_path`: a PostgreSQL schema to use)."""
    if dialect_of(url) == "sqlite":
        engine = create_engine(url, poolclass=pool.NullPool, connect_args={"timeout": 120})

        @event.listens_for(engine, "connect")
        def _no_pysqlite_transactions(dbapi_connection: Any, _record: Any) -> None:
            dbapi_connection.isolation_level = None  # we emit BEGIN ourselves
            dbapi_connection.execute("PRAGMA foreign_keys=OFF")

        @event.listens_for(engine, "begin")
        def _begin_exclusive(connection: Connection) -> None:
            connection.exec_driver_sql("BEGIN EXCLUSIVE")

        return engine
    engine = create_engine(url, poolclass=pool.NullPool)
    if search_path is not None:

        @event.listens_for(engine, "connect")
        def _search_path(dbapi_connection: Any, _record: Any) -> None:
            quoted = engine.dialect.identifier_preparer.quote_identifier(search_path)
            with dbapi_connection.cursor() as cursor:
                cursor.execute(f"SET search_path TO {quoted}")
            dbapi_connection.commit()

    return engine


@contextmanager
def scratch_database(url: str) -> Iterator[Engine]:
    """An empty database of the same kind as `url`, never the database at `url` itself."""
    if dialect_of(url) == "sqlite":
        with tempfile.TemporaryDirectory(prefix="schemagen-scratch-") as folder:
            engine = engine_for(f"sqlite:///{Path(folder) / 'scratch.db'}")
            try:
                yield engine
            finally:
                engine.dispose()
        return
    schema = f"schemagen_scratch_{uuid.uuid4().hex[:16]}"
    admin = create_engine(url, poolclass=pool.NullPool)
    quoted = admin.dialect.identifier_preparer.quote_identifier(schema)
    try:
        with admin.begin() as connection:
            connection.exec_driver_sql(f"CREATE SCHEMA {quoted}")
    except Exception as exc:
        admin.dispose()
        raise MigrateError(f"cannot create a scratch schema in {make_url(url).render_as_string()}: {exc}") from None
    engine = engine_for(url, search_path=schema)
    try:
        yield engine
    finally:
        engine.dispose()
        with admin.begin() as connection:
            connection.exec_driver_sql(f"DROP SCHEMA IF EXISTS {quoted} CASCADE")
        admin.dispose()


def foreign_key_problems(connection: Connection) -> list[str]:
    """SQLite rows whose foreign keys point nowhere (after a table rebuild), as `table row N -> parent`."""
    if connection.dialect.name != "sqlite":
        return []
    rows = connection.exec_driver_sql("PRAGMA foreign_key_check").fetchall()
    return [f"{row[0]} row {row[1]} -> {row[2]}" for row in rows]


@contextmanager
def upgrade_lock(connection: Connection, version_table: str) -> Iterator[None]:
    """On PostgreSQL a session advisory lock for the run (a second upgrade waits for the first).

    SQLite needs none: the whole run is one `BEGIN EXCLUSIVE` transaction (see `engine_for`).
    """
    if connection.dialect.name != "postgresql":
        yield
        return
    key = int.from_bytes(hashlib.sha256(f"schemagen:{version_table}".encode()).digest()[:8], "big", signed=True)
    connection.execute(select(func.pg_advisory_lock(key)))
    connection.commit()  # the lock is the session's; Alembic starts its own transactions
    try:
        yield
    finally:
        if connection.in_transaction():
            connection.rollback()
        connection.execute(select(func.pg_advisory_unlock(key)))
        connection.commit()


__all__ = ["MigrateError", "dialect_of", "engine_for", "foreign_key_problems", "scratch_database",
           "upgrade_lock"]
