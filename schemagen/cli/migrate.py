"""`schemagen sql`, `migrate`, `upgrade`, `downgrade`, `push`: the schema into databases (schemagen.migrate)."""


import os
from pathlib import Path
from collections.abc import Callable
from typing import TYPE_CHECKING, Annotated, Any, Literal, Optional, TypeVar

import typer

from schemagen.cli.common import (EXIT_FAILURE, EXIT_STALE, SpecsArgument, app, fail, inputs, project_line_length,
                                   project_settings)

if TYPE_CHECKING:
    from schemagen.migrate.commands import Project

T = TypeVar("T")

DbOption = Annotated[Optional[str], typer.Option("--db", help="database URL (default: $SCHEMAGEN_DATABASE_URL, "
                                                 "[tool.schemagen] database_url, sqlite:///schemagen.db)")]
SpecOption = Annotated[Optional[list[Path]], typer.Option("--spec", "-s", help="spec files or folders "
                                                          "(default: specs/)")]
MigrationsOption = Annotated[Optional[Path], typer.Option("--migrations", help="folder of the Alembic environments "
                                                          "(default: migrations/, or [tool.schemagen] migrations)")]
DestructiveOption = Annotated[bool, typer.Option("--allow-destructive", help="allow changes that lose data")]


def database_url(db: str | None) -> str:
    """--db, then $SCHEMAGEN_DATABASE_URL, then [tool.schemagen] database_url, then ./schemagen.db."""
    found = db or os.environ.get("SCHEMAGEN_DATABASE_URL") or project_settings().get("database_url")
    return str(found) if found else _default_url()


def _default_url() -> str:
    return f"sqlite:///{Path('schemagen.db').resolve()}"


def projects(specs: list[Path] | None, migrations: Path | None) -> "list[Project]":
    from schemagen.errors import SpecErrors
    from schemagen.migrate.commands import Project
    from schemagen.migrate.environment import Environment
    from schemagen.migrate.package import load_packages

    files, out_dir = inputs(specs, None)
    folder = migrations or Path(str(project_settings().get("migrations", "migrations")))
    try:
        packages = load_packages(files, out_dir)
    except SpecErrors as exc:
        typer.echo(exc.render(), err=True)
        raise typer.Exit(2) from None
    return [Project(p.name, p.metadata, Environment(p.name, folder / p.name), p.renames, p.catalog) for p in packages]


def guarded(function: Callable[[], T], url: str | None = None) -> T:
    """Run a migrate command, reporting a refusal as one message and exit 1 (no traceback); when
    `url` is the default one, the message says so (a forgotten URL is the likely cause)."""
    from schemagen.migrate.database import MigrateError

    try:
        return function()
    except MigrateError as exc:
        hint = ""
        if url is not None and url == _default_url():
            hint = (" (no database URL was given, so this was the default SQLite file schemagen.db: give the URL "
                    "with --db, $SCHEMAGEN_DATABASE_URL or [tool.schemagen] database_url)")
        fail(str(exc) + hint, EXIT_STALE)


@app.command()
def sql(specs: SpecsArgument = None,
        dialect: Annotated[Literal["postgresql", "sqlite"], typer.Option(help="the database")] = "postgresql",
        ) -> None:
    """Print the DDL that creates the specs' schemas (enum types, tables, indexes, comments)."""
    from schemagen.migrate.ddl import ddl_script

    for project in projects(specs, None):
        typer.echo(f"-- {project.package}\n\n{ddl_script(project.metadata, dialect)}", nl=False)


@app.command()
def migrate(message: Annotated[Optional[str], typer.Option("-m", "--message", help="the revision's message")] = None,
            spec: SpecOption = None, db: DbOption = None, migrations: MigrationsOption = None,
            allow_destructive: DestructiveOption = False,
            check: Annotated[bool, typer.Option("--check", help="exit 1 when the spec needs a migration")] = False,
            ) -> None:
    """Write an Alembic revision per package for what changed in the spec (nothing when nothing did)."""
    from schemagen.migrate import commands

    url = database_url(db)
    missing = 0
    for project in projects(spec, migrations):
        if check:
            planned = guarded(lambda: commands.plan(project, url, allow_destructive=True), url)
            if not planned.upgrade.is_empty():
                missing += 1
                typer.echo(f"{project.package}: the migrations in {project.env.folder} do not cover the spec; "
                           f"missing:\n{planned.code}")
            else:
                typer.echo(f"{project.package}: the migrations cover the spec")
            continue
        if not message:
            fail("a message is needed: schemagen migrate -m MESSAGE", EXIT_FAILURE)
        from schemagen.format.style import laid_out_for  # (here: a build that finds its output fresh needs no formatter)

        with laid_out_for(project_line_length()):  # revisions in the project's line length, as generated code
            planned = guarded(lambda: commands.migrate(project, url, message, allow_destructive=allow_destructive),
                              url)
        if planned.written is None:
            typer.echo(f"{project.package}: no changes, no revision written")
        else:
            typer.echo(f"{project.package}: wrote {planned.written}")
    if missing:
        raise typer.Exit(EXIT_STALE)


@app.command()
def upgrade(revision: Annotated[str, typer.Argument(help="target revision")] = "head", spec: SpecOption = None,
            db: DbOption = None, migrations: MigrationsOption = None) -> None:
    """Apply the revisions up to REVISION (default: head) to the database."""
    from schemagen.migrate import commands

    url = database_url(db)
    for project in projects(spec, migrations):
        guarded(lambda: commands.upgrade(project, url, revision), url)
        typer.echo(f"{project.package}: at {commands.current(project, url) or 'base'}")


@app.command(context_settings={"ignore_unknown_options": True})  # `downgrade -1` is a revision, no option
def downgrade(revision: Annotated[str, typer.Argument(help="target revision (`base`: none, `-1`: one back)")],
              spec: SpecOption = None, db: DbOption = None, migrations: MigrationsOption = None) -> None:
    """Undo revisions down to REVISION."""
    from schemagen.migrate import commands

    url = database_url(db)
    for project in projects(spec, migrations):
        guarded(lambda: commands.downgrade(project, url, revision), url)
        typer.echo(f"{project.package}: at {commands.current(project, url) or 'base'}")


@app.command()
def push(spec: SpecOption = None, db: DbOption = None, migrations: MigrationsOption = None,
         allow_destructive: DestructiveOption = False) -> None:
    """Apply the spec straight to a development database, without a revision."""
    from schemagen.migrate import commands

    url = database_url(db)
    # (the migrations folder names the version table push locks, and must be this database's)
    for project in projects(spec, migrations):
        applied = guarded(lambda: commands.push(project, url, allow_destructive=allow_destructive), url)
        typer.echo(f"{project.package}: " + ("already matches the spec" if applied.is_empty()
                                             else f"{_changes(applied)} change(s) applied"))


def _changes(applied: Any) -> int:
    """Operations applied, renames (which Alembic gives no diff tuple) counted one each."""
    count = 0
    for op in applied.ops:
        inner = getattr(op, "ops", None)
        count += _changes(op) if inner is not None else 1
    return count
