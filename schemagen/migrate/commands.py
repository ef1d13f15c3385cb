"""The operations behind `schemagen migrate`, `upgrade`, `downgrade` and `push`, for one package.

`migrate` never reads the developer's data: it replays the existing revisions on an empty scratch
database of the target's kind and lets Alembic's autogenerate compare that with the spec (with
the comparisons of `compare.py` and the rules of `safety.py`).
"""

from __future__ import annotations

import re
from collections.abc import Callable, Iterator
from contextlib import ExitStack, contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Any

from alembic import command
from alembic.autogenerate import produce_migrations, render_python_code
from alembic.operations import Operations, ops
from alembic.runtime.migration import MigrationContext
from sqlalchemy import Connection, MetaData
from sqlalchemy.exc import SQLAlchemyError

from schemagen.format import format_source
from schemagen.migrate import compare, enums, safety, triggers
from schemagen.migrate.database import (MigrateError, dialect_of, engine_for, foreign_key_problems,
                                        scratch_database, upgrade_lock)
from schemagen.migrate.dialects import metadata_for, verbatim_operations
from schemagen.migrate.environment import Environment

if TYPE_CHECKING:
    from schemagen.catalog import Catalog


Renamed = tuple[list[ops.MigrateOperation], list[ops.MigrateOperation]]


@dataclass(frozen=True)
class Project:
    """One package's migration setting: its metadata, environment, the rename declarations."""

    package: str
    metadata: MetaData
    env: Environment
    renames: safety.Renames
    catalog: Catalog | None = None
    """The package's catalog: which indexes and CHECKs are for one database only."""

    def metadata_on(self, dialect: str) -> MetaData:
        """The models' metadata as a database of `dialect` gets it."""
        return metadata_for(self.metadata, self.catalog, dialect)


@dataclass(frozen=True)
class Planned:
    """What `migrate` found: the Alembic operations and their source (empty when nothing changed)."""

    upgrade: ops.UpgradeOps
    code: str
    written: Path | None = None


def _check_dialect(project: Project, url: str) -> str:
    dialect = dialect_of(url)
    written = project.env.dialect()
    if written is not None and written != dialect:
        raise MigrateError(f"{project.env.folder} holds revisions for {written}, but the database is {dialect}; "
                           "use a migrations folder per database (`--migrations` or [tool.schemagen] migrations)")
    return dialect


@contextmanager
def _compared(project: Project, url: str) -> Iterator[tuple[Connection, dict[str, Any], Renamed]]:
    """A scratch database at the head of the history (renames applied) and the autogenerate options."""
    compare.register()
    with ExitStack() as stack:
        stack.enter_context(compare.quiet())
        twin_engine = stack.enter_context(scratch_database(url))
        with twin_engine.begin() as connection:
            # the models' own metadata: `create_all` keeps to each item's database and runs the
            # tables' DDL listeners (triggers), which a copy would not carry
            twin = _twin(connection, project)
            wanted_triggers = triggers.reflect(connection)
            wanted_indexes = triggers.reflect_rebuild_losses(connection)
        engine = stack.enter_context(scratch_database(url))
        connection = stack.enter_context(engine.connect())
        if project.env.exists() and project.env.revisions():
            with enums.capture(connection):
                command.upgrade(project.env.config(connection), "head")
        if connection.in_transaction():
            connection.commit()
        # before the renames: SQLite's rebuild drops them
        history_triggers, history_indexes = triggers.reflect(connection), triggers.reflect_rebuild_losses(connection)
        renamed = safety.apply_renames(connection, project.renames)
        if connection.in_transaction():
            connection.commit()
        options = {**compare.options(twin), "target_metadata": project.metadata_on(dialect_of(url)),
                   "version_table": project.env.version_table, "schemagen_renames": project.renames,
                   "schemagen_triggers": wanted_triggers, "schemagen_history_triggers": history_triggers,
                   "schemagen_rebuild_indexes": (wanted_indexes, history_indexes)}
        yield connection, options, renamed


def _complete(script: ops.MigrationScript, renamed: Renamed, connection: Connection, options: dict[str, Any],
              *, allow_destructive: bool) -> None:
    """What autogenerate leaves to schemagen: the safety rules and renames, then the triggers and the
    indexes a SQLite rebuild loses (after the renames, see `triggers.add_operations`), SQL texts as written."""
    safety.review(script, renamed, connection, allow_destructive=allow_destructive)
    triggers.add_operations(script, options["schemagen_triggers"], connection, options["schemagen_history_triggers"],
                            options["schemagen_rebuild_indexes"])
    for operations in (script.upgrade_ops_list[-1], script.downgrade_ops_list[-1]):
        verbatim_operations(operations.ops)


def _twin(connection: Connection, project: Project) -> compare.Twin:
    """The spec's schema as the scratch database makes it; a spec whose SQL that database cannot run
    (PostgreSQL's casts on SQLite, say) is one message, not the driver's traceback."""
    try:
        return compare.reflect_twin(connection, project.metadata)
    except SQLAlchemyError as exc:
        first = str(getattr(exc, "orig", None) or exc).strip().splitlines()[0]
        missing = re.fullmatch(r'type "([a-z_][a-z0-9_]*)" does not exist', first)
        if missing is not None and connection.dialect.name == "postgresql":
            # an extension's type (citext) lives in a schema the scratch schema's search path leaves out
            users = _columns_of_type(project.metadata, missing.group(1), connection)
            spelled = users[0][1] if users else missing.group(1)
            where = f" (column {', '.join(column for column, _ in users)})" if users else ""
            raise MigrateError(
                f"{project.package}: the spec's schema cannot be made on postgresql: {first}{where} on the "
                f"scratch schema's search path; if it is an extension's type, name it with its schema, "
                f"`{{sql: public.{spelled}, python: ...}}` (or the schema the extension is in); else check "
                "its spelling") from None
        raise MigrateError(f"{project.package}: the spec's schema cannot be made on {connection.dialect.name}: "
                           f"{first}; is its SQL (a default, check or index) for another database?") from None


def _columns_of_type(metadata: MetaData, name: str, connection: Connection) -> list[tuple[str, str]]:
    """(`table.column`, the type as the spec writes it, `vector(1536)`) of the columns whose SQL type
    is `name` (or an array of it)."""
    found = []
    for table in metadata.sorted_tables:
        for column in table.columns:
            try:
                spelled = str(column.type.compile(dialect=connection.dialect))
            except Exception:  # (a type this dialect cannot print is not the one missing)
                continue
            if re.match(rf"{re.escape(name)}\b", spelled, re.IGNORECASE):
                found.append((f"{table.name}.{column.name}", spelled.removesuffix("[]")))
    return found


def plan(project: Project, url: str, *, allow_destructive: bool) -> Planned:
    """The operations that bring the history to the spec (checked by `safety`), not written."""
    _check_dialect(project, url)
    with _compared(project, url) as (connection, options, renamed):
        context = MigrationContext.configure(connection, opts=options)
        script = produce_migrations(context, options["target_metadata"])
        _complete(script, renamed, connection, options, allow_destructive=allow_destructive)
        upgrade = script.upgrade_ops_list[-1]
        code = "" if upgrade.is_empty() else render_python_code(
            upgrade, render_as_batch=connection.dialect.name == "sqlite", render_item=compare.render_item,
            migration_context=context)
        return Planned(upgrade, code)


def migrate(project: Project, url: str, message: str, *, allow_destructive: bool) -> Planned:
    """Write the next revision when the spec differs from the history; nothing when it does not."""
    dialect = _check_dialect(project, url)
    planned = plan(project, url, allow_destructive=allow_destructive)
    if planned.upgrade.is_empty():
        return planned
    project.env.create(dialect)
    with _compared(project, url) as (connection, options, renamed):

        def directives(context: MigrationContext, _revision: Any, scripts: list[ops.MigrationScript]) -> None:
            for script in scripts:
                _complete(script, renamed, connection, options, allow_destructive=allow_destructive)

        config = project.env.config(connection, {**options, "process_revision_directives": directives})
        written = command.revision(config, message=message, autogenerate=True)
    found = getattr(written, "path", None)
    path = Path(found) if found else None
    if path is not None:  # black's form, as the generated package's (Alembic's rendering is not)
        path.write_text(format_source(path.read_text("utf-8"), path.name), "utf-8")
    return Planned(planned.upgrade, planned.code, path)


def _run(project: Project, url: str, action: Callable[[Connection], None]) -> None:
    """Run Alembic against the target under the upgrade lock; SQLite: one transaction, FKs checked."""
    _check_dialect(project, url)
    engine = engine_for(url)
    try:
        # (a SQLite rebuild reflects the table, whose expression indexes `triggers` makes again)
        with compare.quiet(), engine.connect() as connection, upgrade_lock(connection, project.env.version_table):
            if connection.dialect.name == "sqlite":
                with connection.begin():
                    action(connection)
                    problems = foreign_key_problems(connection)
                    if problems:
                        raise MigrateError("rows would point to missing parents, nothing was changed: "
                                           + "; ".join(problems[:20]))
            else:
                action(connection)
    except (SQLAlchemyError, RuntimeError) as exc:
        first = str(getattr(exc, "orig", None) or exc).strip().splitlines()[0]
        raise MigrateError(f"the database refused the migration, which was rolled back: {first}") from None
    finally:
        engine.dispose()


def upgrade(project: Project, url: str, revision: str = "head") -> None:
    if not project.env.exists():
        raise MigrateError(f"no migrations in {project.env.folder}: run `schemagen migrate -m MESSAGE` first")
    _run(project, url, lambda connection: command.upgrade(project.env.config(connection), revision))


_BASELINE_DOWNGRADE = '''def downgrade() -> None:
    # The database held all of this before this revision recorded it (`schemagen pull --baseline`):
    # going below it would drop the tables and their rows, which this history never created.
    raise RuntimeError(
        "this is the baseline of a database that existed before its migrations: downgrading "
        "past it would drop its tables and their data; drop them by hand if that is meant"
    )
'''


def refuse_downgrade(revision: Path) -> None:
    """A baseline revision's downgrade refuses: its tables and rows were there before the history."""
    text = revision.read_text("utf-8")
    head, found, _ = text.partition("def downgrade() -> None:\n")
    if not found:
        raise MigrateError(f"{revision}: no `def downgrade() -> None:` to replace")
    revision.write_text(format_source(head + _BASELINE_DOWNGRADE, revision.name), "utf-8")


def downgrade(project: Project, url: str, revision: str) -> None:
    if not project.env.exists():
        raise MigrateError(f"no migrations in {project.env.folder}")
    _run(project, url, lambda connection: command.downgrade(project.env.config(connection), revision))


def stamp(project: Project, url: str, revision: str = "head") -> None:
    """Record the database as at `revision` without running it (a database that already has the schema)."""
    _run(project, url, lambda connection: command.stamp(project.env.config(connection), revision))


def current(project: Project, url: str) -> str | None:
    engine = engine_for(url)
    try:
        with engine.connect() as connection:
            context = MigrationContext.configure(connection, opts={"version_table": project.env.version_table})
            return context.get_current_revision()
    finally:
        engine.dispose()


def push(project: Project, url: str, *, allow_destructive: bool) -> ops.UpgradeOps:
    """Apply the difference between the database at `url` and the spec directly (no revision)."""
    dialect = dialect_of(url)
    compare.register()
    with compare.quiet(), scratch_database(url) as twin_engine, twin_engine.begin() as twin_connection:
        twin = _twin(twin_connection, project)
        wanted_triggers = triggers.reflect(twin_connection)
        wanted_indexes = triggers.reflect_rebuild_losses(twin_connection)
    applied: list[ops.UpgradeOps] = []

    def action(connection: Connection) -> None:
        options = {**compare.options(twin), "target_metadata": project.metadata_on(dialect),
                   "version_table": project.env.version_table, "schemagen_renames": project.renames}
        if dialect == "sqlite":
            enums.held_values(connection, project.metadata, project.renames)
        if dialect == "postgresql":
            # One transaction, so that a failing step leaves the database as it was, renames included;
            # only new enum values cannot be in it (usable once committed): added first, on their own
            added = [op for op in compared(connection, options)[1].ops
                     if isinstance(op, enums.AddEnumValuesOp) and not op.undo]
            connection.rollback()
            if added:
                run_operations(connection, options, ops.UpgradeOps(added), commit=True)
            applied.append(ops.UpgradeOps(added))
        renamed, upgrade_ops = compared(connection, options)
        applied.append(ops.UpgradeOps([*renamed, *upgrade_ops.ops]))
        late = any(isinstance(op, enums.AddEnumValuesOp) and not op.undo for op in upgrade_ops.ops)
        if dialect != "sqlite" and late:  # (a value whose name a rename frees: its autocommit block commits)
            connection.commit()
        if not upgrade_ops.is_empty():
            run_operations(connection, options, upgrade_ops, commit=False)
        if dialect != "sqlite" and connection.in_transaction():
            connection.commit()

    def compared(connection: Connection, options: dict[str, Any]) -> tuple[list[ops.MigrateOperation],
                                                                           ops.UpgradeOps]:
        """The declared renames, done on the database, and the operations that bring it to the spec."""
        renamed, _ = safety.apply_renames(connection, project.renames)  # on the database: not again below
        context = MigrationContext.configure(connection, opts=options)
        with compare.quiet():
            script = produce_migrations(context, options["target_metadata"])
        safety.review(script, ([], []), connection, allow_destructive=allow_destructive)
        triggers.add_operations(script, wanted_triggers, connection, None,
                                (wanted_indexes, triggers.reflect_rebuild_losses(connection)))
        verbatim_operations(script.upgrade_ops_list[-1].ops)
        return renamed, script.upgrade_ops_list[-1]

    def run_operations(connection: Connection, options: dict[str, Any], upgrade_ops: ops.UpgradeOps, *,
                       commit: bool) -> None:
        context = MigrationContext.configure(connection, opts=options)
        code = render_python_code(upgrade_ops, render_as_batch=dialect == "sqlite",
                                  render_item=compare.render_item, migration_context=context)
        if commit and connection.in_transaction():
            connection.commit()
        context = MigrationContext.configure(connection, opts=options)
        with context.begin_transaction():
            run_code(code, Operations(context))

    _run(project, url, action)
    return ops.UpgradeOps([op for upgrade_ops in applied for op in upgrade_ops.ops])


def run_code(code: str, operations: Operations) -> None:
    """Run rendered migration code (the body of an `upgrade()`) with `op` bound to `operations`."""
    import textwrap

    import sqlalchemy
    from sqlalchemy.dialects import postgresql

    source = "def upgrade():\n" + textwrap.indent(textwrap.dedent(code), "    ")
    namespace: dict[str, Any] = {"op": operations, "sa": sqlalchemy, "postgresql": postgresql}
    exec(compile(source, "<schemagen push>", "exec"), namespace)  # noqa: S102 - code rendered by Alembic
    namespace["upgrade"]()
