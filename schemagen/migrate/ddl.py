"""`schemagen sql`: the DDL that creates a package's schema, compiled by SQLAlchemy for one dialect.

`MetaData.create_all` runs against a mock engine of the dialect, so the statements and their order
are exactly what `create_all` would execute: enum types first (PostgreSQL), tables in dependency
order, then their indexes and comments.
"""

from __future__ import annotations

from typing import Any

from sqlalchemy import MetaData, create_mock_engine
from sqlalchemy.sql.base import Executable
from sqlalchemy.sql.ddl import CreateIndex, ExecutableDDLElement

DIALECTS = {"postgresql": "postgresql+psycopg://", "sqlite": "sqlite://"}


def ddl_statements(metadata: MetaData, dialect: str) -> list[str]:
    """Each DDL statement (no terminator) that creates `metadata` on an empty database of `dialect`."""
    recorded: list[tuple[str | None, str]] = []

    def record(statement: Executable, *_: Any, **__: Any) -> None:
        assert isinstance(statement, ExecutableDDLElement)
        index = str(statement.element.name) if isinstance(statement, CreateIndex) else None
        text = str(statement.compile(dialect=engine.dialect)).strip()
        if engine.dialect.paramstyle in ("format", "pyformat"):
            # compiled for a driver that reads `%` as a placeholder (`%%`); a script states the SQL itself
            text = text.replace("%%", "%")
        recorded.append((index, text))

    engine = create_mock_engine(DIALECTS[dialect], record)
    metadata.create_all(engine, checkfirst=False)
    # a table's indexes come as a set: each run of CREATE INDEX is put in name order
    statements: list[str] = []
    run: list[tuple[str, str]] = []
    for index, text in [*recorded, (None, "")]:
        if index is not None:
            run.append((index, text))
            continue
        statements += [t for _, t in sorted(run)]
        run = []
        if text:
            statements.append(text)
    return statements


def ddl_script(metadata: MetaData, dialect: str) -> str:
    """The statements as one SQL script, each ended by `;` and separated by a blank line."""
    return "".join(f"{statement};\n\n" for statement in ddl_statements(metadata, dialect))
