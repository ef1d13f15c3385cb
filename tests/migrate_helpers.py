"""Helpers of the migration tests: database URLs on both databases, projects from spec text."""

from __future__ import annotations

import uuid
from collections.abc import Iterator
from pathlib import Path

import pytest

from schemagen.migrate.commands import Project
from schemagen.migrate.database import engine_for
from schemagen.migrate.environment import Environment
from schemagen.migrate.package import load_packages
from tests.conftest import POSTGRES_URL, drop_postgres_schema, postgres_engine


@pytest.fixture(params=["sqlite", "postgresql"])
def db_url(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[str]:
    """A database URL: a SQLite file, or a private PostgreSQL schema (dropped afterwards)."""
    if request.param == "sqlite":
        yield f"sqlite:///{tmp_path / 'app.db'}"
        return
    schema = f"m_{uuid.uuid4().hex[:12]}"
    postgres_engine(schema).dispose()  # creates the schema; fails under CI=true without a server
    try:
        yield f"{POSTGRES_URL}?options=-csearch_path%3D{schema}"
    finally:
        drop_postgres_schema(schema)


def project(spec: Path, migrations: Path) -> Project:
    """The migration project of one spec file (its package generated and imported in memory)."""
    (package,) = load_packages([spec], spec.parent / "generated")
    return Project(package.name, package.metadata, Environment(package.name, migrations / package.name),
                   package.renames, package.catalog)


def write_spec(folder: Path, text: str) -> Path:
    folder.mkdir(parents=True, exist_ok=True)
    path = folder / "app.yaml"
    path.write_text(text, "utf-8")
    return path


def rows(url: str, sql: str) -> list[tuple[object, ...]]:
    """The rows a raw SQL query returns, on a connection of its own."""
    engine = engine_for(url)
    with engine.connect() as connection:
        found = [tuple(row) for row in connection.exec_driver_sql(sql)]
    engine.dispose()
    return found


def execute(url: str, *statements: str) -> None:
    """Raw SQL statements, in one transaction of their own."""
    engine = engine_for(url)
    with engine.begin() as connection:
        for statement in statements:
            connection.exec_driver_sql(statement)
    engine.dispose()
