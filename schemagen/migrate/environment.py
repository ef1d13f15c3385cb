"""One Alembic environment per generated package: `migrations/<package>/`, created on first use.

The environment's `env.py` imports only Alembic and SQLAlchemy. schemagen runs Alembic with a
connection and its autogenerate options in `config.attributes`; run alone (`alembic -c ...`), the
environment reads the database URL from `sqlalchemy.url` or `SCHEMAGEN_DATABASE_URL`. Each package
keeps its revisions in its own version table (`alembic_version_<package>`), so several packages
can share one database. An existing `env.py` is never overwritten.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from alembic.config import Config
from alembic.script import ScriptDirectory

ENV_PY = '''\
"""Alembic environment of the `{package}` package, created by schemagen (`schemagen migrate`)."""

import os

from alembic import context
from sqlalchemy import create_engine, pool

VERSION_TABLE = "{version_table}"
DIALECT = "{dialect}"  # the database these revisions were written for

config = context.config
# schemagen passes the connection and its autogenerate options; plain `alembic` uses the URL
options = config.attributes.get("schemagen_options", {{}})


def run(connection):
    settings = {{
        "version_table": VERSION_TABLE,
        "render_as_batch": connection.dialect.name == "sqlite",
        "transaction_per_migration": connection.dialect.name != "sqlite",
        **options,
    }}
    context.configure(connection=connection, **settings)
    with context.begin_transaction():
        context.run_migrations()


if context.is_offline_mode():
    context.configure(
        url=config.get_main_option("sqlalchemy.url") or os.environ["SCHEMAGEN_DATABASE_URL"],
        version_table=VERSION_TABLE,
        literal_binds=True,
    )
    with context.begin_transaction():
        context.run_migrations()
elif "connection" in config.attributes:
    run(config.attributes["connection"])
else:
    url = config.get_main_option("sqlalchemy.url") or os.environ["SCHEMAGEN_DATABASE_URL"]
    with create_engine(url, poolclass=pool.NullPool).connect() as connection:
        run(connection)
        connection.commit()
'''

SCRIPT_MAKO = '''\
"""${message}

Revision ID: ${up_revision}
Revises: ${down_revision | comma,n}
Create Date: ${create_date}

"""
from alembic import op
import sqlalchemy as sa
${imports if imports else ""}

revision = ${repr(up_revision)}
down_revision = ${repr(down_revision)}
branch_labels = ${repr(branch_labels)}
depends_on = ${repr(depends_on)}


def upgrade() -> None:
    ${upgrades if upgrades else "pass"}


def downgrade() -> None:
    ${downgrades if downgrades else "pass"}
'''


@dataclass(frozen=True)
class Environment:
    """The Alembic environment of one package."""

    package: str
    folder: Path

    @property
    def version_table(self) -> str:
        return f"alembic_version_{self.package}"

    def exists(self) -> bool:
        return (self.folder / "env.py").is_file()

    def dialect(self) -> str | None:
        """The database the revisions were written for (None before the first revision)."""
        if not self.exists():
            return None
        text = (self.folder / "env.py").read_text("utf-8")
        found = re.search(r"^DIALECT = ['\"](postgresql|sqlite)['\"]", text, re.M)
        return found.group(1) if found else None

    def create(self, dialect: str) -> None:
        """Write env.py, script.py.mako and versions/ (kept as they are when present)."""
        (self.folder / "versions").mkdir(parents=True, exist_ok=True)
        if not (self.folder / "env.py").exists():
            from schemagen.format import format_source  # black's form at the project's line length

            text = ENV_PY.format(package=self.package, dialect=dialect, version_table=self.version_table)
            (self.folder / "env.py").write_text(format_source(text, "env.py"), "utf-8")
        if not (self.folder / "script.py.mako").exists():
            (self.folder / "script.py.mako").write_text(SCRIPT_MAKO, "utf-8")

    def config(self, connection: Any = None, options: dict[str, Any] | None = None) -> Config:
        """An Alembic config for this environment, with a connection and autogenerate options."""
        config = Config()
        config.set_main_option("script_location", str(self.folder))
        config.set_main_option("path_separator", "os")
        if connection is not None:
            config.attributes["connection"] = connection
        config.attributes["schemagen_options"] = dict(options or {})
        return config

    def script(self) -> ScriptDirectory:
        return ScriptDirectory.from_config(self.config())

    def revisions(self) -> list[str]:
        """Revision ids from base to head (one line of history)."""
        if not self.exists():
            return []
        return [rev.revision for rev in reversed(list(self.script().walk_revisions()))]
