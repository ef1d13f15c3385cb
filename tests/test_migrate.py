"""`schemagen sql`, `migrate`, `upgrade`, `push` on SQLite and PostgreSQL (schemagen.migrate)."""

from __future__ import annotations

import ast
import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest
import sqlalchemy
from sqlalchemy import inspect

from schemagen.migrate import commands
from schemagen.migrate.database import MigrateError
from schemagen.migrate.database import engine_for
from schemagen.migrate.ddl import ddl_script, ddl_statements
from tests.helpers import GOLDEN, ROOT, run_cli
from tests import migrate_helpers
from tests.migrate_helpers import project, write_spec

db_url = migrate_helpers.db_url  # the fixture: a SQLite file, then a private PostgreSQL schema

SPECS = [ROOT / "specs" / "life_ceo.yaml", *sorted(GOLDEN.glob("*/spec.yaml"))]
SPEC_IDS = [p.parent.name if p.name == "spec.yaml" else p.stem for p in SPECS]

NOTES = """\
package: notes_app
enums:
  Mood: [calm, busy]
types:
  Meta:
    source: str
tables:
  notes:
    columns:
      id: {type: serial, primary_key: true}
      title: {type: varchar, length: 80, nullable: false}
      mood: {type: enum, enum: Mood, default: calm}
      tags: {type: text, array: true}
      meta: {type: jsonb, schema: Meta}
      at: {type: timestamp, timezone: true, default: now}
    indexes:
      - {columns: [title], where: "title <> ''"}
    checks:
      - {name: title_length, sql: "length(title) > 0"}
"""


def _reflected(url: str) -> dict[str, list[str]]:
    engine = engine_for(url)
    try:
        with engine.connect() as connection:
            found = inspect(connection)
            return {table: sorted(c["name"] for c in found.get_columns(table)) for table in sorted(found.get_table_names())
                    if not table.startswith("alembic_version")}
    finally:
        engine.dispose()


@pytest.mark.parametrize("spec", SPECS, ids=SPEC_IDS)
def test_sql_is_the_schema_of_the_models_on_both_databases(spec: Path, db_url: str, tmp_path: Path) -> None:
    migration = project(spec, tmp_path / "migrations")
    dialect = db_url.split(":")[0].split("+")[0]
    assert ddl_script(migration.metadata, dialect) == ddl_script(migration.metadata, dialect)  # deterministic
    engine = engine_for(db_url)
    with engine.begin() as connection:
        for statement in ddl_statements(migration.metadata, dialect):
            connection.exec_driver_sql(statement)
    engine.dispose()
    expected = {t.name: sorted(c.name for c in t.columns) for t in migration.metadata.sorted_tables}
    assert _reflected(db_url) == dict(sorted(expected.items()))
    # what the DDL made is exactly what the models describe: nothing left to migrate against it
    assert commands.push(migration, db_url, allow_destructive=False).is_empty()


def test_sql_command_prints_ddl_in_dependency_order() -> None:
    result = run_cli("sql", "specs/life_ceo.yaml", "--dialect", "postgresql")
    assert result.returncode == 0, result.stderr
    text = result.stdout
    assert text.index("CREATE TYPE agent_type AS ENUM") < text.index("CREATE TABLE user_settings")
    assert text.index("CREATE TABLE users") < text.index("CREATE TABLE user_settings")
    assert "COMMENT ON TABLE users IS 'People using the platform.';" in text
    assert run_cli("sql", "specs/life_ceo.yaml", "--dialect", "postgresql").stdout == text


@pytest.mark.parametrize("spec", SPECS, ids=SPEC_IDS)
def test_migrate_upgrade_then_check_is_clean(spec: Path, db_url: str, tmp_path: Path) -> None:
    migration = project(spec, tmp_path / "migrations")
    planned = commands.migrate(migration, db_url, "init", allow_destructive=False)
    assert planned.written is not None
    commands.upgrade(migration, db_url)
    assert commands.plan(migration, db_url, allow_destructive=False).upgrade.is_empty()
    # an unchanged spec writes nothing
    assert commands.migrate(migration, db_url, "again", allow_destructive=False).written is None
    assert len(migration.env.revisions()) == 1
    expected = {t.name: sorted(c.name for c in t.columns) for t in migration.metadata.sorted_tables}
    assert _reflected(db_url) == dict(sorted(expected.items()))


def test_migration_files_import_only_alembic_and_sqlalchemy_and_run_alone(db_url: str, tmp_path: Path) -> None:
    spec = write_spec(tmp_path / "specs", NOTES)
    migration = project(spec, tmp_path / "migrations")
    written = commands.migrate(migration, db_url, "init", allow_destructive=False).written
    assert written is not None
    tree = ast.parse(written.read_text("utf-8"))
    imported = {alias.name.split(".")[0] for node in ast.walk(tree) if isinstance(node, ast.Import)
                for alias in node.names}
    imported |= {(node.module or "").split(".")[0] for node in ast.walk(tree) if isinstance(node, ast.ImportFrom)}
    assert imported == {"alembic", "sqlalchemy"}
    env_tree = ast.parse((migration.env.folder / "env.py").read_text("utf-8"))
    assert {(n.module or "").split(".")[0] for n in ast.walk(env_tree) if isinstance(n, ast.ImportFrom)} <= {
        "alembic", "sqlalchemy"}
    # plain Alembic in a fresh interpreter, neither schemagen nor the generated package importable
    script = ("import sys\n"
              "class Blocked:\n"
              "    def find_spec(self, name, *args):\n"
              "        if name.split('.')[0] in ('schemagen', 'notes_app') or name.startswith('_schemagen'):\n"
              "            raise ImportError(name)\n"
              "sys.meta_path.insert(0, Blocked())\n"
              "from alembic.config import Config\nfrom alembic import command\n"
              f"config = Config(); config.set_main_option('script_location', {str(migration.env.folder)!r})\n"
              "command.upgrade(config, 'head')\n"
              "assert not [m for m in sys.modules if 'schemagen' in m or 'notes_app' in m]\n")
    result = subprocess.run([sys.executable, "-I", "-c", script], cwd=tmp_path, capture_output=True, text=True,
                            env={"SCHEMAGEN_DATABASE_URL": db_url, "PATH": "/usr/bin:/bin"}, timeout=120)
    assert result.returncode == 0, result.stderr
    assert _reflected(db_url) == {"notes": ["at", "id", "meta", "mood", "tags", "title"]}
    assert commands.plan(migration, db_url, allow_destructive=False).upgrade.is_empty()
    assert "postgresql.ENUM(" in written.read_text() or "sa.Enum(" in written.read_text()


def test_a_json_shape_edit_writes_no_migration(tmp_path: Path) -> None:
    url = f"sqlite:///{tmp_path / 'app.db'}"
    spec = write_spec(tmp_path / "specs", NOTES)
    assert commands.migrate(project(spec, tmp_path / "m"), url, "init", allow_destructive=False).written
    spec.write_text(NOTES.replace("    source: str\n", "    source: str\n    weight: {type: int, default: 1}\n"))
    assert commands.migrate(project(spec, tmp_path / "m"), url, "shape", allow_destructive=False).written is None


def test_cli_loop_on_the_default_sqlite_database(tmp_path: Path) -> None:
    write_spec(tmp_path / "specs", NOTES)
    first = run_cli("migrate", "-m", "init", cwd=tmp_path)
    assert first.returncode == 0, first.stderr
    assert "notes_app: wrote" in first.stdout and (tmp_path / "migrations" / "notes_app" / "env.py").is_file()
    again = run_cli("migrate", "-m", "again", cwd=tmp_path)
    assert "notes_app: no changes, no revision written" in again.stdout
    assert run_cli("migrate", "--check", cwd=tmp_path).returncode == 0
    assert run_cli("upgrade", cwd=tmp_path).returncode == 0
    assert (tmp_path / "schemagen.db").is_file()
    spec = (tmp_path / "specs" / "app.yaml")
    spec.write_text(NOTES.replace("      at: {type", "      body: text\n      at: {type"))
    stale = run_cli("migrate", "--check", cwd=tmp_path)
    assert stale.returncode == 1 and "add_column" in stale.stdout and "body" in stale.stdout
    assert run_cli("migrate", "-m", "body", cwd=tmp_path).returncode == 0
    assert run_cli("upgrade", cwd=tmp_path).returncode == 0
    assert run_cli("migrate", "--check", cwd=tmp_path).returncode == 0
    assert run_cli("downgrade", "--", "-1", cwd=tmp_path).returncode == 0
    engine = sqlalchemy.create_engine(f"sqlite:///{tmp_path / 'schemagen.db'}")
    with engine.connect() as connection:
        assert "body" not in {c["name"] for c in inspect(connection).get_columns("notes")}
    engine.dispose()


def test_a_postgresql_spec_on_the_default_sqlite_database_is_one_line_naming_the_url(tmp_path: Path) -> None:
    # A forgotten URL ran a spec with PostgreSQL SQL against ./schemagen.db: sqlite3's traceback
    write_spec(tmp_path / "specs", "package: arrays\ntables:\n  items:\n    columns:\n"
               "      id: {type: integer, primary_key: true}\n"
               "      tags: {type: bigint, array: true, default: {sql: \"'{}'::bigint[]\"}}\n")
    for command in (["migrate", "--check"], ["migrate", "-m", "init"], ["push"]):
        result = run_cli(*command, cwd=tmp_path)
        assert result.returncode == 1 and "Traceback" not in result.stderr, result.stderr
        (line,) = result.stderr.splitlines()
        assert "arrays: the spec's schema cannot be made on sqlite: unrecognized token" in line, line
        assert "no database URL was given" in line and "--db, $SCHEMAGEN_DATABASE_URL" in line, line
    assert not (tmp_path / "migrations" / "arrays" / "versions").exists() or not any(
        (tmp_path / "migrations" / "arrays" / "versions").glob("*.py"))


def _evolve(db_url: str, tmp_path: Path, before: str, after: str, *, allow: bool = False,
            rows: list[dict[str, object]] | None = None) -> tuple[Any, Any]:
    specs = tmp_path / "specs"
    first = project(write_spec(specs, before), tmp_path / "m")
    commands.migrate(first, db_url, "one", allow_destructive=False)
    commands.upgrade(first, db_url)
    if rows:
        engine = engine_for(db_url)
        with engine.begin() as connection:
            table = first.metadata.tables["items"]
            connection.execute(table.insert(), rows)
        engine.dispose()
    second = project(write_spec(specs, after), tmp_path / "m")
    return second, commands.migrate(second, db_url, "two", allow_destructive=allow)


ITEMS = """\
package: items_app
tables:
  items:
    columns:
      id: {type: serial, primary_key: true}
      name: {type: varchar, length: 40, nullable: false}
      note: {type: text}
"""


def test_destructive_changes_are_refused_with_every_column_listed(db_url: str, tmp_path: Path) -> None:
    after = ITEMS.replace("      note: {type: text}\n", "      name2: {type: varchar, length: 10}\n") + """\
  gone:
    columns:
      id: {type: serial, primary_key: true}
"""
    with pytest.raises(MigrateError) as refused:
        _evolve(db_url, tmp_path, ITEMS + "  old:\n    columns:\n      id: {type: serial, primary_key: true}\n"
                "      label: text\n", after.replace("name2: {type: varchar, length: 10}",
                                                   "name2: {type: varchar, length: 10}\n      name: {type: varchar, length: 20}").replace(
                    "      name: {type: varchar, length: 40, nullable: false}\n", ""))
    message = str(refused.value)
    for lost in ("old.id", "old.label", "items.note", "items.name (VARCHAR(40) -> VARCHAR(20))"):
        assert lost in message
    assert "--allow-destructive" in message
    assert len(list((tmp_path / "m" / "items_app" / "versions").glob("*.py"))) == 1  # nothing written


def test_a_drop_and_add_of_one_type_points_at_renamed_from(db_url: str, tmp_path: Path) -> None:
    with pytest.raises(MigrateError) as refused:
        _evolve(db_url, tmp_path, ITEMS, ITEMS.replace("note: {type: text}", "remark: {type: text}"))
    assert "did you mean `renamed_from: note` on `remark`?" in str(refused.value)


def test_declared_renames_keep_rows_and_are_no_ops_afterwards(db_url: str, tmp_path: Path) -> None:
    after = ITEMS.replace("  items:\n", "  things:\n    renamed_from: items\n").replace(
        "note: {type: text}", "remark: {type: text, renamed_from: note}")
    second, planned = _evolve(db_url, tmp_path, ITEMS, after, rows=[{"name": "a", "note": "kept"}])
    assert planned.written is not None and 'rename_table("items", "things")' in planned.written.read_text()
    commands.upgrade(second, db_url)
    engine = engine_for(db_url)
    with engine.connect() as connection:
        assert connection.exec_driver_sql("SELECT name, remark FROM things").fetchall() == [("a", "kept")]
    engine.dispose()
    assert commands.plan(second, db_url, allow_destructive=False).upgrade.is_empty()
    assert commands.migrate(second, db_url, "three", allow_destructive=False).written is None


def test_a_new_not_null_column_on_a_table_with_rows(db_url: str, tmp_path: Path) -> None:
    with_default = ITEMS + "      size: {type: integer, nullable: false, default: 3}\n"
    second, _ = _evolve(db_url, tmp_path, ITEMS, with_default, rows=[{"name": "a"}])
    commands.upgrade(second, db_url)
    engine = engine_for(db_url)
    with engine.connect() as connection:
        assert connection.exec_driver_sql("SELECT size FROM items").scalar() == 3
    engine.dispose()
    without = with_default + "      code: {type: varchar, length: 5, nullable: false}\n"
    third = project(write_spec(tmp_path / "specs", without), tmp_path / "m")
    written = commands.migrate(third, db_url, "three", allow_destructive=False).written
    assert written is not None and "nullable=True" in written.read_text()
    with pytest.raises(MigrateError, match=r"items.code is a new NOT NULL column without a default, "
                                                    r"but 1 existing row\(s\) have no value"):
        commands.upgrade(third, db_url)
    assert commands.current(third, db_url) == third.env.revisions()[-2]  # rolled back to the previous revision
    engine = engine_for(db_url)
    with engine.begin() as connection:
        connection.exec_driver_sql("DELETE FROM items")
    engine.dispose()
    commands.upgrade(third, db_url)
    assert commands.plan(third, db_url, allow_destructive=False).upgrade.is_empty()


def test_changed_check_and_partial_index_predicate_migrate(db_url: str, tmp_path: Path) -> None:
    before = ITEMS + ("    indexes:\n      - {columns: [name], where: \"note IS NULL\"}\n"
                      "    checks:\n      - {name: name_set, sql: \"length(name) > 0\"}\n")
    after = before.replace("note IS NULL", "note IS NOT NULL").replace("length(name) > 0", "length(name) > 1")
    second, planned = _evolve(db_url, tmp_path, before, after, rows=[{"name": "ab"}])
    assert planned.written is not None
    text = planned.written.read_text()
    assert "> 1" in text and "IS NOT NULL" in text  # in the database's own spelling
    commands.upgrade(second, db_url)
    assert commands.plan(second, db_url, allow_destructive=False).upgrade.is_empty()


def test_push_applies_the_spec_with_the_same_guard(db_url: str, tmp_path: Path) -> None:
    first = project(write_spec(tmp_path / "specs", ITEMS), tmp_path / "m")
    assert not commands.push(first, db_url, allow_destructive=False).is_empty()
    assert commands.push(first, db_url, allow_destructive=False).is_empty()
    second = project(write_spec(tmp_path / "specs", ITEMS.replace("      note: {type: text}\n", "")), tmp_path / "m")
    with pytest.raises(MigrateError, match="items.note"):
        commands.push(second, db_url, allow_destructive=False)
    commands.push(second, db_url, allow_destructive=True)
    assert _reflected(db_url) == {"items": ["id", "name"]}


def test_enum_types_follow_their_use_and_values_are_added_in_place(db_url: str, tmp_path: Path) -> None:
    with_enum = ITEMS.replace("tables:", "enums:\n  Size: [s, m]\ntables:") + \
        "      size: {type: enum, enum: Size, default: s}\n"
    second, planned = _evolve(db_url, tmp_path, ITEMS, with_enum, rows=[{"name": "a"}])
    commands.upgrade(second, db_url)
    wider = with_enum.replace("[s, m]", "[s, m, l]")
    third = project(write_spec(tmp_path / "specs", wider), tmp_path / "m")
    written = commands.migrate(third, db_url, "three", allow_destructive=False).written
    commands.upgrade(third, db_url)
    assert commands.plan(third, db_url, allow_destructive=False).upgrade.is_empty()
    engine = engine_for(db_url)
    with engine.begin() as connection:
        connection.exec_driver_sql("UPDATE items SET size = 'l'")
        assert connection.exec_driver_sql("SELECT name, size FROM items").fetchall() == [("a", "l")]
    engine.dispose()
    if "postgresql" in db_url:
        assert planned.written is not None and 'postgresql.ENUM("s", "m", name="size").create(' in (
            planned.written.read_text())
        assert written is not None and "ALTER TYPE size ADD VALUE IF NOT EXISTS 'l'" in written.read_text()
        assert "autocommit_block()" in written.read_text()
        # the downgrade's note reads as a sentence (it said "'l' stay in size")
        assert "pass  # PostgreSQL cannot drop enum values: the type size keeps 'l'" in written.read_text()
    with pytest.raises(MigrateError, match=r"enum size loses l \(used by items.size;[\s\S]*--allow-destructive"):
        commands.migrate(project(write_spec(tmp_path / "specs", with_enum), tmp_path / "m"), db_url, "four",
                         allow_destructive=False)
    # the last column of the type goes: so does the type (PostgreSQL)
    fourth = project(write_spec(tmp_path / "specs", ITEMS), tmp_path / "m")
    with pytest.raises(MigrateError, match="items.size"):
        commands.migrate(fourth, db_url, "four", allow_destructive=False)
    written = commands.migrate(fourth, db_url, "four", allow_destructive=True).written
    assert written is not None
    commands.upgrade(fourth, db_url)
    if "postgresql" in db_url:
        assert 'postgresql.ENUM(name="size").drop(' in written.read_text()
        engine = engine_for(db_url)
        with engine.connect() as connection:
            assert connection.exec_driver_sql("SELECT count(*) FROM pg_type t JOIN pg_namespace n ON "
                                              "n.oid = t.typnamespace WHERE typname = 'size' AND "
                                              "nspname = current_schema()").scalar() == 0
        engine.dispose()
    assert commands.plan(fourth, db_url, allow_destructive=False).upgrade.is_empty()


def test_making_a_column_not_null_with_null_rows_fails_clearly(db_url: str, tmp_path: Path) -> None:
    second, _ = _evolve(db_url, tmp_path, ITEMS, ITEMS.replace("note: {type: text}", "note: {type: text, "
                                                                                      "nullable: false}"),
                        rows=[{"name": "a", "note": None}])
    with pytest.raises(MigrateError, match=r"items.note becomes NOT NULL, but 1 existing row\(s\) have no value"):
        commands.upgrade(second, db_url)
    assert commands.current(second, db_url) == second.env.revisions()[0]


@pytest.mark.parametrize("had_default", [False, True], ids=["default-given-now", "default-kept"])
def test_a_column_made_not_null_with_a_default_fills_its_null_rows_with_it(db_url: str, tmp_path: Path,
                                                                           had_default: bool) -> None:
    # the default the column gets (or already has) is what an existing NULL becomes, as for a new NOT
    # NULL column; the upgrade used to stop, telling the user to add the `default:` the spec has
    with_default = ITEMS.replace("note: {type: text}", "note: {type: text, default: \"it's\"}")
    second, _ = _evolve(db_url, tmp_path, with_default if had_default else ITEMS,
                        with_default.replace("default:", "nullable: false, default:"),
                        rows=[{"name": "a", "note": None}, {"name": "b", "note": "kept"}])
    commands.upgrade(second, db_url)
    engine = engine_for(db_url)
    with engine.connect() as connection:
        rows = connection.exec_driver_sql("SELECT name, note FROM items ORDER BY name").all()
    engine.dispose()
    assert [tuple(row) for row in rows] == [("a", "it's"), ("b", "kept")]
    assert commands.plan(second, db_url, allow_destructive=False).upgrade.is_empty()


def test_a_dropped_and_created_table_of_one_shape_points_at_renamed_from(db_url: str, tmp_path: Path) -> None:
    with pytest.raises(MigrateError, match=r"table `goods` replaces `items`: did you mean `renamed_from: items`"):
        _evolve(db_url, tmp_path, ITEMS, ITEMS.replace("  items:", "  goods:"))


def test_sqlite_rebuilds_keep_children_and_check_foreign_keys(tmp_path: Path) -> None:
    url = f"sqlite:///{tmp_path / 'app.db'}"
    parents = ITEMS + ("  parts:\n    columns:\n      id: {type: serial, primary_key: true}\n"
                       "      item_id: {type: integer, references: items.id, on_delete: cascade}\n")
    first = project(write_spec(tmp_path / "specs", parents), tmp_path / "m")
    commands.migrate(first, url, "one", allow_destructive=False)
    commands.upgrade(first, url)
    engine = engine_for(url)  # foreign keys are off on these connections: the orphan goes in
    with engine.begin() as connection:
        connection.exec_driver_sql("INSERT INTO items (name) VALUES ('a')")
        connection.exec_driver_sql("INSERT INTO parts (item_id) VALUES (1)")
        connection.exec_driver_sql("INSERT INTO parts (item_id) VALUES (99)")
    engine.dispose()
    second = project(write_spec(tmp_path / "specs", parents.replace("length: 40", "length: 80")), tmp_path / "m")
    written = commands.migrate(second, url, "two", allow_destructive=False).written
    assert written is not None and 'batch_alter_table("items"' in written.read_text()
    with pytest.raises(MigrateError, match=r"rows would point to missing parents, nothing was changed: parts row 2"):
        commands.upgrade(second, url)
    assert commands.current(second, url) == second.env.revisions()[0]
    engine = engine_for(url)
    with engine.begin() as connection:
        connection.exec_driver_sql("DELETE FROM parts WHERE item_id = 99")
    engine.dispose()
    commands.upgrade(second, url)
    engine = engine_for(url)
    with engine.connect() as connection:  # the rebuild of `items` cascaded into no child
        assert connection.exec_driver_sql("SELECT id, item_id FROM parts").fetchall() == [(1, 1)]
    engine.dispose()


def test_a_dropped_foreign_key_is_destructive_and_a_changed_action_is_not(db_url: str, tmp_path: Path) -> None:
    parents = ITEMS + ("  parts:\n    columns:\n      id: {type: serial, primary_key: true}\n"
                       "      item_id: {type: integer, references: items.id, on_delete: cascade}\n")
    second, planned = _evolve(db_url, tmp_path, parents, parents.replace("on_delete: cascade", "on_delete: set null"))
    assert planned.written is not None
    commands.upgrade(second, db_url)
    assert commands.plan(second, db_url, allow_destructive=False).upgrade.is_empty()
    third = project(write_spec(tmp_path / "specs", parents.replace(
        ", references: items.id, on_delete: cascade", "")), tmp_path / "m")
    with pytest.raises(MigrateError, match=r"parts.item_id \(foreign key fk_parts_item_id_items dropped\)"):
        commands.migrate(third, db_url, "three", allow_destructive=False)


def test_cli_refuses_destructive_changes_and_keeps_an_existing_env(tmp_path: Path) -> None:
    spec = write_spec(tmp_path / "specs", ITEMS)
    (tmp_path / "pyproject.toml").write_text('[tool.schemagen]\nmigrations = "db/migrations"\n'
                                             f'database_url = "sqlite:///{tmp_path / "dev.db"}"\n')
    assert run_cli("migrate", "-m", "one", cwd=tmp_path).returncode == 0
    env_py = tmp_path / "db" / "migrations" / "items_app" / "env.py"
    env_py.write_text(env_py.read_text() + "# the team's own line\n")
    assert run_cli("upgrade", cwd=tmp_path).returncode == 0 and (tmp_path / "dev.db").is_file()
    spec.write_text(ITEMS.replace("      note: {type: text}\n", ""))
    refused = run_cli("migrate", "-m", "two", cwd=tmp_path)
    assert refused.returncode == 1
    assert "refusing a change that loses data in:\n  - items.note\n" in refused.stderr
    assert "Traceback" not in refused.stderr
    assert run_cli("migrate", "-m", "two", "--allow-destructive", cwd=tmp_path).returncode == 0
    assert env_py.read_text().endswith("# the team's own line\n")
    assert run_cli("upgrade", cwd=tmp_path).returncode == 0
    assert run_cli("migrate", "--check", cwd=tmp_path).returncode == 0
    other = run_cli("upgrade", "--db", "postgresql+psycopg://nobody@127.0.0.1:1/none", cwd=tmp_path)
    assert other.returncode == 1 and "holds revisions for sqlite, but the database is postgresql" in other.stderr
