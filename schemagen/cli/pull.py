"""`schemagen pull DB_URL`: write a spec for an existing PostgreSQL or SQLite database."""


import os
import sys
from pathlib import Path
from typing import TYPE_CHECKING, Annotated, Optional

import typer

from schemagen.cli.common import app, fail, shown

if TYPE_CHECKING:
    from schemagen.pull import Pulled

EXIT_PULL_FAILED = 1


@app.command()
def pull(
    database_url: Annotated[str, typer.Argument(metavar="DB_URL", help="postgresql+psycopg://user@host/db or "
                                                "sqlite:///path.db")],
    out: Annotated[Optional[Path], typer.Option("--out", "-o", help="the spec file to write (default: "
                                                "specs/<database>.yaml; `-` prints it)")] = None,
    tables: Annotated[Optional[list[str]], typer.Option("--tables", help="only these tables (repeat the option "
                                                        "or separate names with commas)")] = None,
    force: Annotated[bool, typer.Option("--force", help="overwrite the spec file if it exists")] = False,
    baseline: Annotated[bool, typer.Option("--baseline", help="also write the first migration revision (the "
                                           "pulled schema) and record the database as at it")] = False,
) -> None:
    """Reflect a database into a spec; what the spec language cannot hold is listed, never dropped silently."""
    from dataclasses import replace

    from schemagen.pull import comment_safe

    if baseline and out is not None and str(out) == "-":
        fail("--baseline needs the spec in a file (not --out -): the migrations are built from it", EXIT_PULL_FAILED)
    engine = _engine(database_url)
    if out is not None and str(out) != "-" and out.exists() and not force:
        fail(f"{shown(out)} exists; pass --force to overwrite it", EXIT_PULL_FAILED)
    pulled = _pull(engine, tables)
    target = out if out is not None else Path("specs") / f"{_package_name(pulled.database) or 'pulled'}.yaml"
    if out is None and target.exists() and not force:
        fail(f"{shown(target)} exists; pass --force to overwrite it, or choose another file with --out",
             EXIT_PULL_FAILED)
    stem = target.stem if str(target) != "-" else "pulled"
    if _package_name(stem) != stem:
        pulled = replace(pulled, spec=pulled.spec.model_copy(update={"package": _package_name(stem) or "pulled"}))
    text = pulled.text()
    for entry in pulled.lost:
        # a reason saying "not pulled" is not prefixed with it again; a renamed object is pulled
        lead = "pulled under another name" if entry.renamed else "not pulled"
        reason = entry.reason.removeprefix("not pulled: ")
        typer.echo(f"{lead}: {comment_safe(entry.subject)}: {comment_safe(reason)}", err=True)
    problems = _builds(text, target)
    if str(target) == "-":
        sys.stdout.write(text)
    else:
        _write(target, text, force)
        typer.echo(f"wrote {shown(target)}: {len(pulled.spec.tables)} table(s), {len(pulled.spec.enums)} enum(s); "
                   f"{len(pulled.lost)} item(s) listed as not pulled")
    if problems:
        fail(f"internal error, please report it: the pulled spec does not build:\n{problems}", EXIT_PULL_FAILED)
    if baseline:
        renamed = [entry for entry in pulled.lost if entry.renamed]
        if renamed:  # the database would be recorded as matching a spec that names these otherwise
            first = renamed[0]
            fail(f"--baseline: the database was not recorded as at a revision: the spec names {len(renamed)} "
                 f"object(s) otherwise than the database does ({comment_safe(first.subject)}: "
                 f"{comment_safe(first.reason)}{', ...' if len(renamed) > 1 else ''}), and a revision would drop "
                 "or make them under those names; rename them in the database, pull again", EXIT_PULL_FAILED)
        _baseline(target, database_url)


def _baseline(spec: Path, url: str) -> None:
    """The first revision creates what was pulled; the database, which has it already, is stamped at it."""
    from schemagen.cli.migrate import guarded, projects
    from schemagen.migrate import commands

    (project,) = projects([spec], None)
    if project.env.exists() and commands.current(project, url) is not None:
        fail(f"{shown(project.env.folder)} already has revisions and the database is at one; --baseline "
             "starts a history, it does not add to one", EXIT_PULL_FAILED)
    planned = guarded(lambda: commands.migrate(project, url, "baseline: the database as pulled",
                                               allow_destructive=False))
    if planned.written is not None:
        commands.refuse_downgrade(planned.written)
    guarded(lambda: commands.stamp(project, url))
    written = shown(planned.written) if planned.written is not None else "no revision (nothing to create)"
    typer.echo(f"{project.package}: wrote {written}; the database is recorded as at it")


def _engine(url: str) -> object:
    from sqlalchemy import create_engine
    from sqlalchemy.engine import make_url
    from sqlalchemy.exc import ArgumentError, NoSuchModuleError

    try:
        parsed = make_url(url)
    except ArgumentError:
        fail("DB_URL is not a database URL (e.g. postgresql+psycopg://user@localhost/shop or sqlite:///shop.db)",
             EXIT_PULL_FAILED)
    backend = parsed.get_backend_name()
    if backend not in ("postgresql", "sqlite"):
        fail(f"pull reads PostgreSQL and SQLite databases, not {backend}", EXIT_PULL_FAILED)
    if backend == "sqlite":
        database = parsed.database or ""
        if database in ("", ":memory:") or not Path(database).is_file():
            fail(f"no SQLite database file at {database or '(none given)'}", EXIT_PULL_FAILED)
    try:
        return create_engine(parsed)
    except (NoSuchModuleError, ImportError) as exc:
        fail(f"cannot open {parsed.render_as_string(hide_password=True)}: {exc}", EXIT_PULL_FAILED)


def _pull(engine: object, tables: list[str] | None) -> "Pulled":
    from sqlalchemy.engine import Engine
    from sqlalchemy.exc import DBAPIError, SQLAlchemyError

    from schemagen.pull import pull

    assert isinstance(engine, Engine)
    where = engine.url.render_as_string(hide_password=True)
    try:
        with engine.connect() as connection:
            return pull(connection, tables=tables)
    except DBAPIError as exc:
        reason = str(exc.orig).strip().splitlines()[0] if exc.orig is not None else type(exc).__name__
        fail(f"could not read {where}: {reason}", EXIT_PULL_FAILED)
    except SQLAlchemyError as exc:
        fail(f"could not read {where}: {str(exc).splitlines()[0]}", EXIT_PULL_FAILED)
    except (LookupError, ValueError) as exc:
        fail(str(exc), EXIT_PULL_FAILED)
    finally:
        engine.dispose()


def _package_name(name: str) -> str:
    """`name` if it can name the generated package, else a close identifier that can ('' if none)."""
    from schemagen import names

    ok = (names.is_identifier(name) and name not in names.PYTHON_KEYWORDS and not name.startswith("_")
          and name not in names.IMPORTED_MODULES)
    if ok:
        return name
    candidate = names.suggest_identifier(name, "db").lstrip("_")
    if candidate in names.IMPORTED_MODULES:
        candidate += "_db"
    return candidate if names.is_identifier(candidate) and candidate not in names.PYTHON_KEYWORDS else ""


def _builds(text: str, target: Path) -> str:
    """The errors of the pulled spec read back and resolved ('' when it builds), as `build` would show them."""
    import schemagen
    from schemagen.errors import SpecErrors

    try:
        schemagen.resolve(schemagen.parse_spec(text, target if str(target) != "-" else "pulled.yaml"))
    except SpecErrors as exc:
        return exc.render()
    return ""


def _write(target: Path, text: str, force: bool) -> None:
    """Create the file (never replacing one unless `force`; then through a temporary file and a rename)."""
    data = text.encode("utf-8")
    try:
        target.parent.mkdir(parents=True, exist_ok=True)
        if not force:
            with open(target, "xb") as stream:
                stream.write(data)
            return
        temporary = target.with_name(f".{target.name}.pull-tmp")
        temporary.write_bytes(data)
        os.replace(temporary, target)
    except FileExistsError:
        fail(f"{shown(target)} exists; pass --force to overwrite it", EXIT_PULL_FAILED)
    except OSError as exc:
        fail(f"could not write {shown(target)}: {exc.strerror}", EXIT_PULL_FAILED)
