"""Rules for what a migration may do: declared renames, destructive changes, NOT NULL on full tables."""

from __future__ import annotations

from dataclasses import dataclass, field

from alembic.operations import ops
from sqlalchemy import Connection

from schemagen.migrate.database import MigrateError


@dataclass(frozen=True)
class Renames:
    """`renamed_from:` declarations: tables {new: old} and columns {(table, new column): old column}."""

    tables: dict[str, str] = field(default_factory=dict)
    columns: dict[tuple[str, str], str] = field(default_factory=dict)


def review(script: ops.MigrationScript, renames: Renames, connection: Connection, *,
           allow_destructive: bool) -> None:
    """Check (and where needed rewrite) the operations autogenerate produced."""
