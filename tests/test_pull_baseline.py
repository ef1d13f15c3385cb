"""`schemagen pull --baseline`: an existing database joins the migration history without being touched."""

from __future__ import annotations

from pathlib import Path

import pytest
import sqlalchemy
from sqlalchemy import inspect, text

from tests import migrate_helpers
from tests.helpers import run_cli

db_url = migrate_helpers.db_url  # the fixture: a SQLite file, then a private PostgreSQL schema

EXISTING = [
    "CREATE TABLE authors (id INTEGER PRIMARY KEY, name VARCHAR(80) NOT NULL UNIQUE)",
    "CREATE TABLE books (id INTEGER PRIMARY KEY, author_id INTEGER NOT NULL REFERENCES authors (id)"
    " ON DELETE CASCADE, title TEXT NOT NULL, pages INTEGER)",
]


def _existing_database(url: str) -> None:
    engine = sqlalchemy.create_engine(url)
    with engine.begin() as connection:
        for statement in EXISTING:
            connection.execute(text(statement))
        connection.execute(text("INSERT INTO authors (id, name) VALUES (1, 'Le Guin')"))
        connection.execute(text("INSERT INTO books (id, author_id, title) VALUES (1, 1, 'The Dispossessed')"))
    engine.dispose()


def _rows(url: str) -> list[tuple[object, ...]]:
    engine = sqlalchemy.create_engine(url)
    with engine.connect() as connection:
        rows = [tuple(row) for row in connection.execute(text("SELECT id, author_id, title FROM books"))]
    engine.dispose()
    return rows


def test_pull_baseline_then_evolve(db_url: str, tmp_path: Path) -> None:
    _existing_database(db_url)
    spec = tmp_path / "specs" / "library.yaml"
    pulled = run_cli("pull", db_url, "--out", str(spec), "--baseline", cwd=tmp_path)
    assert pulled.returncode == 0, pulled.stdout + pulled.stderr
    (revision,) = (tmp_path / "migrations" / "library" / "versions").glob("*.py")
    assert "library: wrote" in pulled.stdout and "recorded as at it" in pulled.stdout
    engine = sqlalchemy.create_engine(db_url)
    with engine.connect() as connection:
        head = connection.execute(text("SELECT version_num FROM alembic_version_library")).scalar_one()
    engine.dispose()
    assert revision.name.startswith(head)  # stamped, not run: the tables were there already
    assert _rows(db_url) == [(1, 1, "The Dispossessed")]

    checked = run_cli("migrate", "--check", "--db", db_url, cwd=tmp_path)
    assert checked.returncode == 0, checked.stdout + checked.stderr

    # the next change goes through the ordinary loop, on the database that was pulled
    spec.write_text(spec.read_text("utf-8").replace("\n  books:\n    columns:\n",
                                                    "\n  books:\n    columns:\n      isbn: {type: varchar, length: 13}\n"),
                    "utf-8")
    written = run_cli("migrate", "-m", "isbn", "--db", db_url, cwd=tmp_path)
    assert written.returncode == 0, written.stdout + written.stderr
    upgraded = run_cli("upgrade", "--db", db_url, cwd=tmp_path)
    assert upgraded.returncode == 0, upgraded.stdout + upgraded.stderr
    engine = sqlalchemy.create_engine(db_url)
    assert "isbn" in {column["name"] for column in inspect(engine).get_columns("books")}
    engine.dispose()
    assert _rows(db_url) == [(1, 1, "The Dispossessed")]
    assert run_cli("migrate", "--check", "--db", db_url, cwd=tmp_path).returncode == 0

    # below the baseline lie tables the history never created: going there would drop the rows
    back = run_cli("downgrade", "-1", "--db", db_url, cwd=tmp_path)
    assert back.returncode == 0, back.stdout + back.stderr
    refused = run_cli("downgrade", "base", "--db", db_url, cwd=tmp_path)
    assert refused.returncode == 1, refused.stdout + refused.stderr
    assert "baseline of a database that existed before its migrations" in refused.stderr
    assert "Traceback" not in refused.stderr
    assert _rows(db_url) == [(1, 1, "The Dispossessed")]


def test_pull_baseline_needs_a_spec_file(db_url: str, tmp_path: Path) -> None:
    _existing_database(db_url)
    refused = run_cli("pull", db_url, "--out", "-", "--baseline", cwd=tmp_path)
    assert refused.returncode == 1 and "--baseline needs the spec in a file" in refused.stderr
    assert "Traceback" not in refused.stderr


INDEXED = """\
package: indexed
tables:
  docs:
    columns:
      id: {type: integer, primary_key: true}
      email: {type: varchar, length: 80, nullable: false}
      title: {type: text, nullable: false}
      tags: {type: text, array: true}
      meta: {type: jsonb}
      code: {type: text}
      at: {type: timestamp, timezone: true}
    indexes:
      - {columns: [{expr: "lower(email)"}], unique: true, name: ix_docs_email_lower}
      - {columns: [tags], using: gin}
      - {columns: [meta], using: gin, ops: jsonb_path_ops}
      - {columns: [{expr: "to_tsvector('english', title)"}], using: gist, name: ix_docs_search}
      - {columns: [code], using: hash}
      - {columns: [code], using: spgist, name: ix_docs_code_spgist}
      - {columns: [at], using: brin, name: ix_docs_at_brin}
      - {columns: [{column: at, order: desc}, id]}
      - {columns: [{column: title, ops: text_pattern_ops}], name: ix_docs_title_prefix, where: "code IS NOT NULL"}
"""


def test_pulled_index_methods_operator_classes_orders_and_expressions_round_trip(tmp_path: Path) -> None:
    """PostgreSQL: spec -> database -> pull -> build -> `migrate --check` clean, the indexes kept as spec."""
    import uuid

    from tests.conftest import POSTGRES_URL, drop_postgres_schema, postgres_engine

    schema = f"p_{uuid.uuid4().hex[:12]}"
    postgres_engine(schema).dispose()
    url = f"{POSTGRES_URL}?options=-csearch_path%3D{schema}"
    try:
        (tmp_path / "first" / "specs").mkdir(parents=True)
        (tmp_path / "first" / "specs" / "indexed.yaml").write_text(INDEXED, "utf-8")
        assert run_cli("push", "--db", url, cwd=tmp_path / "first").returncode == 0
        spec = tmp_path / "specs" / "indexed.yaml"
        pulled = run_cli("pull", url, "--out", str(spec), "--baseline", cwd=tmp_path)
        assert pulled.returncode == 0, pulled.stdout + pulled.stderr
        assert "index" not in pulled.stderr, pulled.stderr  # nothing about an index listed as lost
        import schemagen

        pulled_indexes = [index.model_dump(exclude_defaults=True)
                          for index in schemagen.load_spec(spec).spec.tables["docs"].indexes]
        expected = [
            {"columns": [{"expr": "lower(email::text)"}], "unique": True, "name": "ix_docs_email_lower"},
            {"columns": ["tags"], "using": "gin"},
            {"columns": [{"column": "meta", "ops": "jsonb_path_ops"}], "using": "gin"},
            {"columns": [{"expr": "to_tsvector('english'::regconfig, title)"}], "using": "gist",
             "name": "ix_docs_search"},
            {"columns": ["code"], "using": "hash"},
            {"columns": ["code"], "using": "spgist", "name": "ix_docs_code_spgist"},
            {"columns": ["at"], "using": "brin", "name": "ix_docs_at_brin"},
            {"columns": [{"column": "at", "order": "desc"}, "id"]},
            {"columns": [{"column": "title", "ops": "text_pattern_ops"}], "name": "ix_docs_title_prefix",
             "where": "(code IS NOT NULL)"},
        ]
        assert sorted(map(repr, pulled_indexes)) == sorted(map(repr, expected))
        checked = run_cli("migrate", "--check", "--db", url, cwd=tmp_path)
        assert checked.returncode == 0, checked.stdout + checked.stderr
        # the spec as pulled applied to the database it came from: nothing to change
        pushed = run_cli("push", "--db", url, cwd=tmp_path)
        assert pushed.returncode == 0 and "indexed: already matches the spec" in pushed.stdout, (
            pushed.stdout + pushed.stderr)
    finally:
        drop_postgres_schema(schema)


def test_a_descending_index_is_pulled_with_its_order(db_url: str, tmp_path: Path) -> None:
    """SQLite's reflection drops DESC (pull reads it from `pragma_index_xinfo`); PostgreSQL reports it."""
    engine = sqlalchemy.create_engine(db_url)
    with engine.begin() as connection:
        connection.execute(text("CREATE TABLE events (id INTEGER NOT NULL PRIMARY KEY, at INTEGER, kind TEXT)"))
        connection.execute(text("CREATE INDEX ix_events_recent ON events (at DESC, kind)"))
    engine.dispose()
    spec = tmp_path / "specs" / "events.yaml"
    pulled = run_cli("pull", db_url, "--out", str(spec), "--baseline", cwd=tmp_path)
    assert pulled.returncode == 0, pulled.stdout + pulled.stderr
    assert "{columns: [{column: at, order: desc}, kind], name: ix_events_recent}" in spec.read_text("utf-8")
    checked = run_cli("migrate", "--check", "--db", db_url, cwd=tmp_path)
    assert checked.returncode == 0, checked.stdout + checked.stderr
    pushed = run_cli("push", "--db", db_url, cwd=tmp_path)
    assert pushed.returncode == 0 and "events: already matches the spec" in pushed.stdout, pushed.stdout


@pytest.mark.parametrize("case", ["composite", "keyless", "lifecycle", "numbered", "production"])
def test_pulled_language_features_baseline_with_migrate_check_clean(case: str, db_url: str, tmp_path: Path,
                                                                   request: pytest.FixtureRequest) -> None:
    """spec -> database (`push`) -> `pull --baseline` -> `migrate --check` clean and `push` with nothing to do:
    composite foreign keys, tables keyed by a unique NOT NULL set, `validate:` CHECKs and `soft_delete:`,
    identity columns, time precision, key names and pass-through types come back as the spec that makes
    that database."""
    from tests.helpers import GOLDEN
    from tests.test_pull import NUMBERED, PULL_GAPS

    gap = PULL_GAPS.get(f"{case}-{'sqlite' if db_url.startswith('sqlite') else 'postgresql'}")
    if gap is not None:
        request.applymarker(pytest.mark.xfail(strict=True, reason=gap))

    sqlite = db_url.startswith("sqlite")
    if case in ("numbered", "production") and sqlite:
        pytest.skip("identity columns are PostgreSQL's (the SQLite half of this spec is in test_pull.py)")
    text = NUMBERED if case == "numbered" else (GOLDEN / case / "spec.yaml").read_text("utf-8")
    package = "numbered" if case == "numbered" else f"golden_{case}"
    (tmp_path / "first" / "specs").mkdir(parents=True)
    (tmp_path / "first" / "specs" / f"{package}.yaml").write_text(("dialect: sqlite\n" if sqlite else "") + text,
                                                                   "utf-8")
    pushed = run_cli("push", "--db", db_url, cwd=tmp_path / "first")
    assert pushed.returncode == 0, pushed.stdout + pushed.stderr
    spec = tmp_path / "specs" / f"{package}.yaml"
    pulled = run_cli("pull", db_url, "--out", str(spec), "--baseline", cwd=tmp_path)
    assert pulled.returncode == 0, pulled.stdout + pulled.stderr
    written = spec.read_text("utf-8")
    expected = {"composite": "foreign_keys:", "keyless": "tokens:", "lifecycle": "soft_delete: deleted_at",
                "numbered": "identity: always", "production": "type: macaddr"}[case]
    assert expected in written and "alembic_version" not in written, written
    checked = run_cli("migrate", "--check", "--db", db_url, cwd=tmp_path)
    assert checked.returncode == 0, checked.stdout + checked.stderr
    again = run_cli("push", "--db", db_url, cwd=tmp_path)
    if sqlite and case == "lifecycle":  # known gap: SQLite keeps an array as JSON, pulled back as a jsonb (TEXT)
        assert again.returncode == 1 and "  - accounts.tags (JSON -> TEXT)\nrerun" in again.stderr, again.stderr
        return
    assert again.returncode == 0 and f"{package}: already matches the spec" in again.stdout, again.stdout + again.stderr


def test_a_type_from_outside_pg_catalog_is_pulled_with_its_schema_and_migrates(db_url: str, tmp_path: Path) -> None:
    # An extension's type (citext, installed in `public`) is what this stands for: a type the language
    # has no name for, living in a schema of the database. migrate builds its scratch copies in a schema
    # of its own with only that schema on the search path: the bare name did not resolve there (a
    # traceback), the name with its schema did reflect as NullType (a traceback), and the revision named
    # the generated package's private class (a NameError in the file)
    if db_url.startswith("sqlite"):
        pytest.skip("PostgreSQL's types and schemas")
    engine = sqlalchemy.create_engine(db_url)
    with engine.begin() as connection:
        schema = connection.execute(text("SELECT current_schema()")).scalar_one()
        connection.execute(text("CREATE TYPE pair AS (a integer, b integer)"))
        connection.execute(text("CREATE TABLE points (id INTEGER PRIMARY KEY, at pair NOT NULL, trail pair[])"))
    engine.dispose()
    spec = tmp_path / "specs" / "points.yaml"
    pulled = run_cli("pull", db_url, "--out", str(spec), "--baseline", cwd=tmp_path)
    assert pulled.returncode == 0, pulled.stdout + pulled.stderr
    written = spec.read_text("utf-8")
    assert f"at: {{type: {{sql: {schema}.pair, python: str}}, nullable: false}}" in written, written
    assert f"trail: {{type: {{sql: {schema}.pair, python: str}}, array: true}}" in written, written  # was not an array
    (revision,) = (tmp_path / "migrations" / "points" / "versions").glob("*.py")
    source = revision.read_text("utf-8")
    assert "_schemagen" not in source, source
    assert " ".join(source.split()).count(f'postgresql.DOMAIN( "pair", sa.Text(), schema="{schema}", create_type=False') == 2
    assert "postgresql.ARRAY( postgresql.DOMAIN(" in " ".join(source.split()), source
    checked = run_cli("migrate", "--check", "--db", db_url, cwd=tmp_path)
    assert checked.returncode == 0 and "the migrations cover the spec" in checked.stdout, checked.stdout + checked.stderr


def test_a_pulled_check_keeps_its_name_so_the_first_migration_changing_it_runs(db_url: str, tmp_path: Path) -> None:
    # The language prefixed every check's name with `ck_<table>_`: the spec renamed the database's
    # `payments_provider_check`, --baseline recorded the database as matching anyway, and the first
    # revision changing the check dropped `ck_payments_payments_provider_check`, which does not exist
    engine = sqlalchemy.create_engine(db_url)
    with engine.begin() as connection:
        connection.execute(text("CREATE TABLE payments (id INTEGER PRIMARY KEY, provider VARCHAR(20) NOT NULL "
                                "CONSTRAINT payments_provider_check CHECK (provider IN ('stripe', 'paypal', 'manual')))"))
        connection.execute(text("INSERT INTO payments (id, provider) VALUES (1, 'stripe')"))
    engine.dispose()
    spec = tmp_path / "specs" / "shop.yaml"
    pulled = run_cli("pull", db_url, "--out", str(spec), "--baseline", cwd=tmp_path)
    assert pulled.returncode == 0, pulled.stdout + pulled.stderr
    assert "payments_provider_check" not in pulled.stderr, pulled.stderr  # nothing renamed, nothing to list
    written = spec.read_text("utf-8")
    assert "name: payments_provider_check" in written and "exact_name: true" in written, written
    checked = run_cli("migrate", "--check", "--db", db_url, cwd=tmp_path)
    assert checked.returncode == 0, checked.stdout + checked.stderr

    assert written.count("''manual''") == 1, written  # (the condition is a quoted YAML string)
    spec.write_text(written.replace("''manual''", "''manual'', ''adyen''"), "utf-8")
    migrated = run_cli("migrate", "-m", "adyen", "--db", db_url, cwd=tmp_path)
    assert migrated.returncode == 0, migrated.stdout + migrated.stderr
    upgraded = run_cli("upgrade", "--db", db_url, cwd=tmp_path)
    assert upgraded.returncode == 0, upgraded.stdout + upgraded.stderr
    engine = sqlalchemy.create_engine(db_url)
    with engine.begin() as connection:
        connection.execute(text("INSERT INTO payments (id, provider) VALUES (2, 'adyen')"))
    assert [c["name"] for c in inspect(engine).get_check_constraints("payments")] == ["payments_provider_check"]
    engine.dispose()
    assert run_cli("migrate", "--check", "--db", db_url, cwd=tmp_path).returncode == 0


def test_pull_baseline_refuses_a_database_the_spec_names_otherwise(db_url: str, tmp_path: Path) -> None:
    # A name the spec cannot hold (a `.` in it) is pulled under the convention's: recorded as at a
    # revision, the database would be said to match a spec whose next revisions drop and make
    # `ck_prices_check_1`, which it does not have
    engine = sqlalchemy.create_engine(db_url)
    with engine.begin() as connection:
        connection.execute(text('CREATE TABLE prices (id INTEGER PRIMARY KEY, amount INTEGER NOT NULL, '
                                'CONSTRAINT "amount.positive" CHECK (amount > 0))'))
    engine.dispose()
    spec = tmp_path / "specs" / "shop.yaml"
    pulled = run_cli("pull", db_url, "--out", str(spec), "--baseline", cwd=tmp_path)
    assert pulled.returncode != 0, pulled.stdout + pulled.stderr
    assert "pulled under another name: check `amount.positive` of `prices`: the spec names it `ck_prices_check_1`" \
        in pulled.stderr, pulled.stderr
    assert "--baseline: the database was not recorded as at a revision: the spec names 1 object(s) otherwise" \
        in pulled.stderr and "Traceback" not in pulled.stderr, pulled.stderr
    assert spec.is_file() and not (tmp_path / "migrations").exists()
    engine = sqlalchemy.create_engine(db_url)
    assert not any(name.startswith("alembic_version") for name in inspect(engine).get_table_names())
    engine.dispose()


def test_a_referenced_unique_constraint_keeps_its_name(db_url: str, tmp_path: Path) -> None:
    # A unique constraint a foreign key points at was the column's `unique: true`, which the spec names
    # `uq_authors_code`: now a named `unique:` entry, which a reference may point at
    engine = sqlalchemy.create_engine(db_url)
    with engine.begin() as connection:
        connection.execute(text("CREATE TABLE authors (id INTEGER PRIMARY KEY, code VARCHAR(8) NOT NULL, "
                                "CONSTRAINT authors_code_key UNIQUE (code))"))
        connection.execute(text("CREATE TABLE books (id INTEGER PRIMARY KEY, author_code VARCHAR(8) "
                                "REFERENCES authors (code))"))
    engine.dispose()
    spec = tmp_path / "specs" / "library.yaml"
    pulled = run_cli("pull", db_url, "--out", str(spec), "--baseline", cwd=tmp_path)
    assert pulled.returncode == 0 and "authors_code_key" not in pulled.stderr, pulled.stdout + pulled.stderr
    written = spec.read_text("utf-8")
    assert "unique:\n    - {columns: [code], name: authors_code_key}" in written, written
    assert "references: authors.code" in written, written
    checked = run_cli("migrate", "--check", "--db", db_url, cwd=tmp_path)
    assert checked.returncode == 0, checked.stdout + checked.stderr
    engine = sqlalchemy.create_engine(db_url)
    assert [u["name"] for u in inspect(engine).get_unique_constraints("authors")] == ["authors_code_key"]
    engine.dispose()
