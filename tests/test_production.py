"""Issue 10: what real production schemas met. Each test builds a small spec that has the problem,
then uses the generated package on SQLite and PostgreSQL (the `engine` fixture) where it applies.

SQLAlchemy's warnings are errors in the whole suite (pyproject.toml), so `drop_all` warning about a
foreign-key cycle fails a test here.
"""

from __future__ import annotations

import datetime as dt
import importlib
import sys
import uuid
from collections.abc import Iterator
from decimal import Decimal
from pathlib import Path
from types import ModuleType

import pytest
import sqlalchemy
from sqlalchemy import select
from sqlalchemy.engine import Engine
from sqlalchemy.orm import Session

from schemagen.errors import SpecErrors
from schemagen.pipeline import generate
import schemagen
from tests.helpers import ROOT, import_generated, run_cli


def build(tmp_path: Path, text: str, package: str | None = None) -> ModuleType:
    """Build `text` as a package with a unique name into tmp_path and import it."""
    package = package or f"prod_{uuid.uuid4().hex[:10]}"
    spec = tmp_path / f"{package}.yaml"
    spec.write_text(f"package: {package}\n{text}", encoding="utf-8")
    (output,) = generate([spec])
    out = tmp_path / "out"
    for relative, data in output.files.items():
        (out / relative).parent.mkdir(parents=True, exist_ok=True)
        (out / relative).write_bytes(data)
    sys.path.insert(0, str(out))
    try:
        return importlib.import_module(package)
    finally:
        sys.path.remove(str(out))


def errors_of(tmp_path: Path, text: str) -> list[str]:
    spec = tmp_path / "broken.yaml"
    spec.write_text(f"package: broken\n{text}", encoding="utf-8")
    with pytest.raises(SpecErrors) as caught:
        generate([spec])
    return [f"{error.position.line}: {error.message} | {error.hint}" for error in caught.value.errors]


def models_source(tmp_path: Path, text: str) -> str:
    spec = tmp_path / "shown.yaml"
    spec.write_text(f"package: shown\n{text}", encoding="utf-8")
    (output,) = generate([spec])
    return output.files["shown/models.py"].decode()


# -- A plain integer key is the application's to set ----------------------------------------------

KEYS = """
tables:
  countries:
    columns:
      id: {type: integer, primary_key: true}
      name: text
  counters:
    columns:
      id: {type: serial, primary_key: true}
      n: smallint
"""


def test_plain_integer_key_is_not_auto_numbered(tmp_path: Path, engine: Engine) -> None:
    pkg = build(tmp_path, KEYS)
    assert pkg.Country.__table__.c.id.autoincrement is False
    pkg.Base.metadata.create_all(engine)
    with engine.begin() as connection:
        connection.execute(sqlalchemy.insert(pkg.Country.__table__).values(id=7, name="x"))
        assert connection.execute(sqlalchemy.text("SELECT id FROM countries")).scalar_one() == 7
        connection.execute(sqlalchemy.insert(pkg.Counter.__table__).values(n=1))  # serial numbers itself
    if engine.dialect.name == "postgresql":  # SQLite makes every INTEGER PRIMARY KEY a rowid
        with pytest.raises(sqlalchemy.exc.IntegrityError), engine.begin() as connection:
            connection.execute(sqlalchemy.text("INSERT INTO countries (name) VALUES ('no id')"))
        with engine.connect() as connection:
            default = connection.execute(sqlalchemy.text(
                "SELECT column_default FROM information_schema.columns WHERE table_name = 'countries' "
                "AND column_name = 'id' AND table_schema = current_schema()")).scalar_one()
        assert default is None  # no sequence behind it
    pkg.Base.metadata.drop_all(engine)


# -- `references:` on a `one:` relation takes effect ----------------------------------------------

TWO_WAYS = """
tables:
  users:
    columns:
      id: {type: serial, primary_key: true}
      current_post_id: {type: integer, references: posts.id, on_delete: set null}
    relations:
      current_post: {one: posts, fields: [current_post_id], references: [id]}
      pinned: {one: posts, references: [pinned_by]}
      posts: {many: posts, references: [author_id]}
  posts:
    columns:
      id: {type: serial, primary_key: true}
      author_id: {type: integer, nullable: false, references: users.id}
      pinned_by: {type: integer, references: users.id, unique: true}
    relations:
      author: {one: users, fields: [author_id]}
      pinner: {one: users, fields: [pinned_by]}
"""


def test_references_on_one_follows_the_other_tables_key(tmp_path: Path, engine: Engine) -> None:
    pkg = build(tmp_path, TWO_WAYS)
    info = pkg.RELATIONS["User"]
    assert info["pinned"].kind == "one-to-one" and info["pinned"].remote_columns == ("pinned_by",)
    assert info["pinned"].back_populates == "pinner"
    assert info["current_post"].local_columns == ("current_post_id",)
    assert info["current_post"].back_populates is None
    pkg.Base.metadata.create_all(engine)
    with Session(engine) as session:
        user = pkg.User()
        session.add(user)
        session.flush()
        post = pkg.Post(author_id=user.id, pinned_by=user.id)
        session.add(post)
        session.flush()
        user.current_post_id = post.id
        session.commit()
        session.expire_all()
        # relations load only when asked (lazy="raise"): ask for all of them
        user = session.scalars(select(pkg.User).options(
            *pkg.eager(pkg.User, {"pinned": True, "current_post": True, "posts": True}))).one()
        post = session.scalars(select(pkg.Post).options(
            *pkg.eager(pkg.Post, {"pinner": True, "author": True}))).one()
        assert user.pinned is post and user.current_post is post and user.posts == [post]
        assert post.pinner is user and post.author is user
    pkg.Base.metadata.drop_all(engine)


def test_references_on_one_that_does_not_fit_is_an_error(tmp_path: Path) -> None:
    errors = errors_of(tmp_path, TWO_WAYS.replace("references: [pinned_by]", "references: [author_id]")
                       .replace("fields: [current_post_id], references: [id]",
                                "fields: [current_post_id], references: [current_post_id]"))
    assert any("`fields: [current_post_id]` references `posts.id`, not `current_post_id`" in e for e in errors)
    assert any("relation `pinned` is one-to-one, but `posts.author_id` is not unique" in e for e in errors)
    errors = errors_of(tmp_path, TWO_WAYS.replace("references: [pinned_by]", "references: [id]"))
    assert errors == [
        "10: `id` is not a foreign key of `posts` to `users` | foreign keys there: `author_id`, `pinned_by`; on "
        "`one:`, `references:` names a foreign-key column of `posts` (the inverse of a one-to-one); to follow a "
        "foreign key of this table, name it with `fields:`"]


def test_fields_or_references_on_a_many_to_many_is_an_error(tmp_path: Path) -> None:
    # every key the user writes takes effect or is an error: on `through:` they picked nothing
    link = """
  tags:
    columns:
      id: {type: serial, primary_key: true}
  user_tags:
    primary_key: [user_id, tag_id]
    columns:
      user_id: {type: integer, references: users.id}
      tag_id: {type: integer, references: tags.id}
"""
    for key in ("references: [nonsense]", "fields: [user_id]"):
        spec = TWO_WAYS.replace("      posts: {many: posts, references: [author_id]}\n",
                                "      posts: {many: posts, references: [author_id]}\n"
                                f"      tags: {{many: tags, through: user_tags, {key}}}\n") + link
        errors = errors_of(tmp_path, spec)
        name = key.split(":")[0]
        assert errors == [f"12: `{name}` does not apply to a many-to-many relation (`through:`) | its sides are the "
                          "link table's foreign keys; when `user_tags` has several to one table, choose them with "
                          "`through_fields: [to_this_side, to_other_side]`"], errors
    both = TWO_WAYS.replace("      posts: {many: posts, references: [author_id]}\n",
                            "      posts: {many: posts, references: [author_id]}\n"
                            "      tags: {many: tags, through: user_tags, fields: [user_id], references: [id]}\n") + link
    assert [error.split(":")[0] + error.split("`")[1] for error in errors_of(tmp_path, both)] == \
        ["12fields", "12references"]  # both reported at once


# -- every table without a primary key is reported --------------------------------------------------


def test_every_table_without_a_primary_key_is_reported(tmp_path: Path) -> None:
    errors = errors_of(tmp_path, """
tables:
  logs:
    columns:
      at: {type: char, length: 2}
      gone: timestamp
    soft_delete: gone
  tokens:
    columns:
      token: text
      gone: timestamp
    soft_delete: gone
  fine:
    columns:
      id: {type: serial, primary_key: true}
      other_id: {type: integer, references: nothere.id}
""")
    # a table without a key is a Core table now; one that also soft-deletes is an error, each reported,
    # also beside an error of another stage (an unknown foreign-key target)
    assert any("names the unknown table `nothere`" in e for e in errors)
    assert sum("has no primary key" in e for e in errors) == 2
    assert any("table `logs` has no primary key" in e for e in errors)
    assert any("table `tokens` has no primary key" in e for e in errors)


# -- foreign-key cycles are broken deliberately ----------------------------------------------------

CYCLE = """
tables:
  users:
    columns:
      id: {type: serial, primary_key: true}
      current_post_id: {type: integer, references: posts.id, on_delete: set null}
  posts:
    columns:
      id: {type: serial, primary_key: true}
      author_id: {type: integer, nullable: false, references: users.id}
      reply_to: {type: integer, references: posts.id}
  a:
    columns:
      id: {type: serial, primary_key: true}
      b_id: {type: integer, references: b.id}
  b:
    columns:
      id: {type: serial, primary_key: true}
      c_id: {type: integer, references: c.id}
  c:
    columns:
      id: {type: serial, primary_key: true}
      a_id: {type: integer, references: a.id}
"""


def test_foreign_key_cycles_get_use_alter(tmp_path: Path, engine: Engine) -> None:
    pkg = build(tmp_path, CYCLE)
    altered = sorted(f"{fk.parent.table.name}.{fk.parent.name}" for table in pkg.Base.metadata.sorted_tables
                     for fk in table.foreign_keys if fk.use_alter)
    # the nullable key of the user closes the first cycle (the post's author is NOT NULL); the
    # three-table cycle is closed by its last key in spec order; a self reference needs no ALTER
    assert altered == ["c.a_id", "users.current_post_id"]
    pkg.Base.metadata.create_all(engine)
    with Session(engine) as session:
        user = pkg.User()
        session.add(user)
        session.flush()
        post = pkg.Post(author_id=user.id)
        session.add(post)
        session.flush()
        user.current_post_id = post.id
        session.commit()
    pkg.Base.metadata.drop_all(engine)  # SAWarning is an error: no cycle warning here
    assert not sqlalchemy.inspect(engine).get_table_names()


def test_cycle_breaking_is_deterministic(tmp_path: Path) -> None:
    first = models_source(tmp_path, CYCLE)
    assert first == models_source(tmp_path, CYCLE)
    assert first.count("use_alter=True") == 2


# -- `default: now` on a key column reads back its own row on SQLite ------------------------------

STAMPED = """
tables:
  readings:
    primary_key: [taken_at, sensor]
    columns:
      taken_at: {type: timestamp, default: now}
      sensor: {type: varchar, length: 10}
      at_time: {type: time, default: now}
      value: integer
  events:
    columns:
      at: {type: timestamp, timezone: true, default: now, primary_key: true}
      changed: {type: timestamp, on_update: now}
"""


def test_now_key_keeps_microseconds_and_finds_its_row(tmp_path: Path, engine: Engine) -> None:
    pkg = build(tmp_path, STAMPED)
    pkg.Base.metadata.create_all(engine)
    with Session(engine) as session:
        reading = pkg.Reading(sensor="s1", value=1)
        event = pkg.Event()
        session.add_all([reading, event])
        session.commit()
        key = (reading.taken_at, reading.sensor)
        assert isinstance(reading.at_time, dt.time)
        event_key = event.at
    with Session(engine) as session:
        found = session.get(pkg.Reading, key)
        assert found is not None and found.value == 1
        assert session.get(pkg.Event, event_key) is not None
        found.value = 2
        session.commit()
        assert found.taken_at == key[0]
    if engine.dialect.name == "sqlite":
        with engine.connect() as connection:
            stored = connection.execute(sqlalchemy.text("SELECT taken_at, at_time FROM readings")).one()
        assert len(stored[0]) == len("2024-01-31 09:30:00.123000") and len(stored[1]) == len("09:30:00.123000")
    pkg.Base.metadata.drop_all(engine)


# -- build removes the packages of deleted specs ---------------------------------------------------


def test_build_removes_a_package_whose_spec_is_gone_and_check_fails_on_it(tmp_path: Path) -> None:
    specs, out = tmp_path / "specs", tmp_path / "generated"
    specs.mkdir()
    table = "tables:\n  t:\n    columns:\n      id: {type: serial, primary_key: true}\n"
    (specs / "keep.yaml").write_text(table)
    (specs / "gone.yaml").write_text(table)
    (specs / "renamed.yaml").write_text("package: before\n" + table)
    assert run_cli("build", str(specs), "--out", str(out)).returncode == 0
    (out / "gone" / "mine.txt").write_text("a user's file")  # never schemagen's to delete
    (specs / "gone.yaml").unlink()
    (specs / "renamed.yaml").write_text("package: after\n" + table)
    partial = run_cli("check", str(specs / "keep.yaml"), "--out", str(out))
    # checked alone, keep.yaml shows the package of the deleted spec, not that of a spec still there
    assert partial.returncode == 1 and f"orphaned: {out / 'gone'}/" in partial.stdout
    assert "before" not in partial.stdout
    check = run_cli("check", str(specs), "--out", str(out))
    assert check.returncode == 1, check.stdout + check.stderr
    assert f"orphaned: {out / 'gone'}/" in check.stdout and f"orphaned: {out / 'before'}/" in check.stdout
    build_result = run_cli("build", str(specs), "--out", str(out))
    assert build_result.returncode == 0, build_result.stderr
    assert f"removed {out / 'gone' / 'models.py'}" in build_result.stdout
    assert sorted(p.name for p in out.iterdir() if not p.name.startswith(".")) == ["after", "gone", "keep"]
    assert [p.name for p in (out / "gone").iterdir()] == ["mine.txt"]
    assert not (out / "before").exists()
    assert run_cli("check", str(specs), "--out", str(out)).returncode == 0
    # a spec built alone leaves the packages of the other specs in its folder alone
    (specs / "other.yaml").write_text(table)
    assert run_cli("build", str(specs), "--out", str(out)).returncode == 0
    assert run_cli("build", str(specs / "keep.yaml"), "--out", str(out)).returncode == 0
    assert (out / "other" / "models.py").is_file()


# -- language additions -----------------------------------------------------------------------------

NUMBERED = """
enums:
  ModelType: {values: [chat, embed], sql_name: model_kind}
tables:
  accounts:
    primary_key_name: accounts_pkey
    columns:
      id: {type: integer, primary_key: true}
      number: {type: serial}
      ticket: {type: bigint, identity: always}
      balance: {type: numeric, precision: 12, scale: 2, nullable: false, default: "0.00"}
      rate: {type: numeric, default: "1.50"}
      kind: {type: enum, enum: ModelType, default: chat}
  entries:
    columns:
      id: {type: bigint, identity: by default, primary_key: true}
      account_id: {type: integer, references: accounts.id, foreign_key_name: entries_account_fkey, nullable: false}
"""


@pytest.fixture
def pg(tmp_path: Path) -> Iterator[Engine]:
    from tests.conftest import drop_postgres_schema, postgres_engine

    schema = f"t_{uuid.uuid4().hex[:12]}"
    created = postgres_engine(schema)
    try:
        yield created
    finally:
        created.dispose()
        drop_postgres_schema(schema)


def test_numbered_columns_outside_the_key_names_and_decimal_defaults_on_postgresql(tmp_path: Path, pg: Engine) -> None:
    pkg = build(tmp_path, NUMBERED)
    assert "number" not in pkg.AccountInsert.model_fields and "ticket" not in pkg.AccountInsert.model_fields
    assert pkg.AccountInsert.model_fields["balance"].default == Decimal("0.00")
    assert str(pkg.AccountInsert.model_fields["balance"].default) == "0.00"  # the spelling, exactly
    pkg.Base.metadata.create_all(pg)
    with Session(pg) as session:
        first, second = pkg.Account(id=5), pkg.Account(id=6)
        session.add_all([first, second])
        session.flush()
        assert (first.number, second.number) == (1, 2) and (first.ticket, second.ticket) == (1, 2)
        assert str(first.balance) == "0.00" and str(first.rate) == "1.50"
        entry = pkg.Entry(account_id=5)
        session.add(entry)
        session.commit()
        assert entry.id == 1
    with pytest.raises(sqlalchemy.exc.DBAPIError), pg.begin() as connection:  # GENERATED ALWAYS
        connection.execute(sqlalchemy.text("INSERT INTO accounts (id, ticket) VALUES (7, 99)"))
    with pg.begin() as connection:
        connection.execute(sqlalchemy.text("INSERT INTO accounts (id) VALUES (8)"))
        row = connection.execute(sqlalchemy.text("SELECT number, balance::text, kind::text FROM accounts "
                                                 "WHERE id = 8")).one()
        assert tuple(row) == (3, "0.00", "chat")
        names = set(connection.execute(sqlalchemy.text(
            "SELECT conname FROM pg_constraint WHERE conname IN ('accounts_pkey', 'entries_account_fkey')")).scalars())
        assert names == {"accounts_pkey", "entries_account_fkey"}
        assert connection.execute(sqlalchemy.text(
            "SELECT count(*) FROM pg_type WHERE typname = 'model_kind' AND typnamespace = "
            "(SELECT oid FROM pg_namespace WHERE nspname = current_schema())")).scalar_one() == 1  # other schemas may have one
    pkg.Base.metadata.drop_all(pg)


def test_numbered_columns_of_a_postgresql_spec_on_a_sqlite_test_database(tmp_path: Path) -> None:
    # SQLite numbers only an INTEGER PRIMARY KEY: a bigint identity key becomes one there, and a
    # numbered column outside the key gets the largest value plus one from SQLAlchemy's inserts
    pkg = build(tmp_path, NUMBERED)
    engine = sqlalchemy.create_engine(f"sqlite:///{tmp_path / 'numbered.db'}")
    pkg.Base.metadata.create_all(engine)
    with Session(engine) as session:
        accounts = [pkg.Account(id=n) for n in (5, 6, 7)]
        for account in accounts:  # one INSERT each: rows of one statement would share a number (README)
            session.add(account)
            session.flush()
        assert [(a.number, a.ticket) for a in accounts] == [(1, 1), (2, 2), (3, 3)]
        entries = [pkg.Entry(account_id=5), pkg.Entry(account_id=6)]
        session.add_all(entries)
        session.commit()
        assert [e.id for e in entries] == [1, 2]
    with engine.begin() as connection:
        connection.execute(sqlalchemy.insert(pkg.Account.__table__).values(id=8))  # Core inserts too
        assert connection.execute(sqlalchemy.text("SELECT number FROM accounts WHERE id = 8")).scalar_one() == 4
    engine.dispose()


def test_names_enum_sql_name_and_decimal_defaults_on_sqlite(tmp_path: Path) -> None:
    text = NUMBERED.replace("      number: {type: serial}\n", "").replace(
        "      ticket: {type: bigint, identity: always}\n", "").replace(
        "      id: {type: bigint, identity: by default, primary_key: true}", "      id: {type: serial, primary_key: true}")
    pkg = build(tmp_path, "dialect: sqlite\n" + text)
    engine = sqlalchemy.create_engine(f"sqlite:///{tmp_path / 'names.db'}")
    pkg.Base.metadata.create_all(engine)
    with engine.begin() as connection:
        connection.execute(sqlalchemy.text("INSERT INTO accounts (id) VALUES (1)"))
        assert connection.execute(sqlalchemy.text("SELECT balance FROM accounts")).scalar_one() == 0
        assert connection.execute(sqlalchemy.text("SELECT kind FROM accounts")).scalar_one() == "chat"
        ddl = " ".join(connection.execute(sqlalchemy.text("SELECT sql FROM sqlite_master")).scalars())
    assert "CONSTRAINT accounts_pkey PRIMARY KEY" in ddl and "CONSTRAINT entries_account_fkey" in ddl
    assert pkg.ModelType.__name__ == "ModelType"
    engine.dispose()


PRECISE = """
tables:
  events:
    columns:
      id: {type: serial, primary_key: true}
      at: {type: timestamp, precision: 3, default: now}
      at_tz: {type: timestamp, timezone: true, precision: 0}
      during: {type: time, precision: 2}
"""


def test_timestamp_and_time_precision(tmp_path: Path, engine: Engine) -> None:
    pkg = build(tmp_path, PRECISE)
    pkg.Base.metadata.create_all(engine)
    value = dt.datetime(2024, 1, 31, 9, 30, 0, 123456, tzinfo=dt.timezone.utc)
    with Session(engine) as session:
        event = pkg.Event(at_tz=value, during=dt.time(9, 30, 0, 987654))
        session.add(event)
        session.commit()
        session.expire_all()
        if engine.dialect.name == "postgresql":
            assert event.at.microsecond % 1000 == 0
            assert event.at_tz == value.replace(microsecond=0)
            assert event.during == dt.time(9, 30, 0, 990000)
            with engine.connect() as connection:
                types = dict(connection.execute(sqlalchemy.text(
                    "SELECT column_name, datetime_precision FROM information_schema.columns WHERE table_name = "
                    "'events' AND table_schema = current_schema() AND column_name <> 'id'")).all())
            assert types == {"at": 3, "at_tz": 0, "during": 2}
        else:  # SQLite keeps what it is given
            assert event.at_tz == value and event.during == dt.time(9, 30, 0, 987654)
    pkg.Base.metadata.drop_all(engine)


INDEXED = """
tables:
  documents:
    columns:
      id: {type: serial, primary_key: true}
      email: {type: varchar, length: 200}
      title: text
      code: text
      tags: {type: text, array: true}
      metadata: jsonb
      created_at: {type: timestamp, default: now}
    indexes:
      - {columns: [{expr: "lower(email)"}], unique: true}
      - {columns: [{column: created_at, order: desc}, title]}
      - {columns: [tags], using: gin}
      - {columns: [metadata], using: gin, ops: jsonb_path_ops}
      - {columns: [{expr: "to_tsvector('english', title)"}], using: gin, name: ix_documents_search}
      - {columns: [{column: code, ops: text_pattern_ops}]}
      - {columns: [code], using: hash, name: ix_documents_code_hash}
      - {columns: [created_at], using: brin, name: ix_documents_created_brin}
"""


def test_index_methods_orders_operator_classes_and_expressions(tmp_path: Path, engine: Engine) -> None:
    pkg = build(tmp_path, INDEXED)
    pkg.Base.metadata.create_all(engine)
    with engine.connect() as connection:
        if engine.dialect.name == "postgresql":
            rows = connection.execute(sqlalchemy.text(
                "SELECT indexname, indexdef FROM pg_indexes WHERE tablename = 'documents' "
                "AND schemaname = current_schema()")).all()
        else:
            rows = connection.execute(sqlalchemy.text(
                "SELECT name, sql FROM sqlite_master WHERE type = 'index' AND sql IS NOT NULL")).all()
    defs = {name: sql for name, sql in rows}
    assert "lower(" in defs["ix_documents_lower_email"] and "UNIQUE" in defs["ix_documents_lower_email"]
    assert "created_at\" DESC" in defs["ix_documents_created_at_title"] or \
        "created_at DESC" in defs["ix_documents_created_at_title"]
    if engine.dialect.name == "postgresql":
        assert "USING gin (tags)" in defs["ix_documents_tags"]
        assert "USING gin (metadata jsonb_path_ops)" in defs["ix_documents_metadata"]
        assert "USING gin (to_tsvector('english'::regconfig, title))" in defs["ix_documents_search"]
        assert "code text_pattern_ops" in defs["ix_documents_code"]
        assert "USING hash (code)" in defs["ix_documents_code_hash"]
        assert "USING brin (created_at)" in defs["ix_documents_created_brin"]
    else:  # a PostgreSQL spec tested on SQLite: plain indexes, and none SQLite could not create
        assert "ix_documents_search" not in defs
        assert {"ix_documents_tags", "ix_documents_metadata", "ix_documents_code_hash"} <= set(defs)
    with pytest.raises(sqlalchemy.exc.IntegrityError), Session(engine) as session:
        session.add_all([pkg.Document(email="A@example.com"), pkg.Document(email="a@example.com")])
        session.commit()
    pkg.Base.metadata.drop_all(engine)


def test_index_features_sqlite_lacks_are_errors_when_the_spec_targets_sqlite(tmp_path: Path) -> None:
    errors = errors_of(tmp_path, "dialect: sqlite\n" + INDEXED)
    assert sum("SQLite has only btree indexes" in e for e in errors) == 5
    assert sum("SQLite has no operator classes" in e for e in errors) == 2
    sqlite_ok = INDEXED.split("      - {columns: [tags]")[0]
    build(tmp_path, "dialect: sqlite\n" + sqlite_ok)  # expressions and orders SQLite has


LONG_COMMENT = ("Records what the business calls an account. Rows are written by the account service\n"
                "and read by reporting; keep the \"retention\" rules in mind: \\ back slash,\n\n"
                "  an indented line, and a last line that ends here.")


def test_long_multi_line_comments_reach_docstrings_and_the_database(tmp_path: Path, engine: Engine) -> None:
    from schemagen.format.lines import Piece, cut

    quoted = LONG_COMMENT.replace("\\", "\\\\").replace('"', '\\"').replace("\n", "\\n")
    text = f"""
tables:
  accounts:
    comment: "{quoted}"
    columns:
      id: {{type: serial, primary_key: true}}
      note: {{type: text, comment: "{quoted}"}}
"""
    pkg = build(tmp_path, text)
    import inspect

    # the comment, exactly, then the table's write matrix
    doc, matrix = (inspect.getdoc(pkg.Account) or "").split("\n\nWhat each column takes on insert and update", 1)
    assert doc == inspect.cleandoc(LONG_COMMENT) and matrix.startswith(", and gives when read:\n\n| column")
    assert pkg.Account.__table__.comment == LONG_COMMENT
    assert pkg.Account.__table__.c.note.comment == LONG_COMMENT
    source = models_source(tmp_path, text)
    assert not [part for part in cut(source) if isinstance(part, Piece) and "Records" in part.text], \
        "the comments are written in black's layout, not left to black"
    if engine.dialect.name == "postgresql":
        pkg.Base.metadata.create_all(engine)
        with engine.connect() as connection:
            stored = connection.execute(sqlalchemy.text(
                "SELECT obj_description('accounts'::regclass), col_description('accounts'::regclass, 2)")).one()
        assert tuple(stored) == (LONG_COMMENT, LONG_COMMENT)
        pkg.Base.metadata.drop_all(engine)


def test_the_realistic_benchmark_workload_builds_and_creates_on_both_databases(tmp_path: Path, engine: Engine) -> None:
    sys.path.insert(0, str(ROOT / "bench"))
    try:
        import realistic
    finally:
        sys.path.remove(str(ROOT / "bench"))
    text = realistic.make_spec(40, package="unused").split("\n", 1)[1]
    pkg = build(tmp_path, text)
    assert sum(len(relations) for relations in pkg.RELATIONS.values()) > 100
    pkg.Base.metadata.create_all(engine)
    pkg.Base.metadata.drop_all(engine)  # cycles broken by use_alter: no warning (warnings are errors)


LITERAL_DEFAULTS = """
enums:
  Mood: [calm, busy]
tables:
  profiles:
    columns:
      id: {type: serial, primary_key: true}
      tags: {type: text, array: true, nullable: false, default: ["a", "it's", "say \\"hi\\"", "back\\\\slash", "{x,y}"]}
      none: {type: text, array: true, default: []}
      scores: {type: integer, array: true, default: [1, -2, 3]}
      moods: {type: enum, enum: Mood, array: true, default: [busy, calm]}
      days: {type: date, array: true, default: ["2024-01-31"]}
      flags: {type: boolean, array: true, default: [true, false]}
      settings: {type: jsonb, nullable: false, default: {theme: dark, sizes: [1, 2], note: "it's"}}
      raw: {type: json, default: [1, "two", null]}
"""


def test_array_and_json_literal_defaults_are_sql_defaults(tmp_path: Path, engine: Engine) -> None:
    pkg = build(tmp_path, LITERAL_DEFAULTS)
    pkg.Base.metadata.create_all(engine)
    with engine.begin() as connection:
        connection.execute(sqlalchemy.text("INSERT INTO profiles (id) VALUES (100)"))  # raw SQL: no ORM default
    with Session(engine) as session:
        row = session.get(pkg.Profile, 100)
        assert row is not None
        assert row.tags == ["a", "it's", 'say "hi"', "back\\slash", "{x,y}"] and row.none == []
        assert row.scores == [1, -2, 3] and row.moods == [pkg.Mood.BUSY, pkg.Mood.CALM]
        assert row.days == [dt.date(2024, 1, 31)] and row.flags == [True, False]
        assert row.settings == {"theme": "dark", "sizes": [1, 2], "note": "it's"} and row.raw == [1, "two", None]
        orm = pkg.Profile()
        session.add(orm)
        session.commit()
        assert orm.tags == row.tags and orm.scores == [1, -2, 3]
    pkg.Base.metadata.drop_all(engine)


PASS_THROUGH = """
tables:
  hosts:
    columns:
      id: {type: serial, primary_key: true}
      mac: {type: {sql: macaddr, python: str}, unique: true, nullable: false}
      score: {type: {sql: "numeric(5, 1)", python: decimal}}
      search: {type: {sql: tsvector, python: str}}
      addresses: {type: {sql: macaddr, python: str}, array: true, default: []}
      seen: {type: {sql: "timestamp(0)", python: datetime}, array: true}
  visits:
    columns:
      id: {type: serial, primary_key: true}
      mac: {type: {sql: macaddr, python: str}, references: hosts.mac}
"""


def test_pass_through_types(tmp_path: Path, engine: Engine) -> None:
    pkg = build(tmp_path, PASS_THROUGH)
    assert pkg.HostInsert.model_fields["mac"].annotation is str
    pkg.Base.metadata.create_all(engine)
    with Session(engine) as session:
        host = pkg.Host(**pkg.HostInsert.model_validate({"mac": "08:00:2b:01:02:03", "score": "2.5",
                                                         "search": "quick fox", "addresses": ["08:00:2b:01:02:05", "08:00:2b:01:02:06"],
                                                         "seen": ["2024-01-31T09:30:00"]}).model_dump())
        session.add(pkg.Host(mac="08:00:2b:01:02:04"))  # the array's default, [], from the database
        session.add(host)
        session.add(pkg.Visit(mac="08:00:2b:01:02:03"))
        session.commit()
        session.expire_all()
        read = pkg.HostSelect.model_validate(host)
        assert read.mac == "08:00:2b:01:02:03" and read.score == Decimal("2.5")
        # arrays of pass-through types: the database's array type on PostgreSQL, a JSON list on SQLite
        assert read.addresses == ["08:00:2b:01:02:05", "08:00:2b:01:02:06"] and read.seen == [dt.datetime(2024, 1, 31, 9, 30)]
        other = session.scalars(sqlalchemy.select(pkg.Host).where(pkg.Host.mac == "08:00:2b:01:02:04")).one()
        assert other.addresses == [] and other.seen is None
        if engine.dialect.name == "postgresql":  # the database's own type: its equality, its text form
            assert session.scalar(sqlalchemy.select(pkg.Host.id).where(pkg.Host.mac == "08002B010203")) == host.id
            assert read.search == "'fox' 'quick'"
            with engine.connect() as connection:
                types = dict(connection.execute(sqlalchemy.text(
                    "SELECT column_name, udt_name FROM information_schema.columns WHERE table_name = 'hosts' "
                    "AND table_schema = current_schema()")).all())
            assert (types["mac"], types["score"], types["search"]) == ("macaddr", "numeric", "tsvector")
            assert (types["addresses"], types["seen"]) == ("_macaddr", "_timestamp")
    pkg.Base.metadata.drop_all(engine)


def test_a_numbered_column_outside_the_key_builds_without_other_constants(tmp_path: Path) -> None:
    # regression: the `_<TABLE>_<COLUMN>_NEXT` constants were written only when the module had others
    spec = ("package: numbered_alone\ntables:\n  accounts:\n    columns:\n"
            "      id: {type: integer, primary_key: true}\n      number: {type: integer, identity: always}\n")
    package = import_generated(tmp_path, schemagen.resolve(schemagen.parse_spec(spec)))
    assert package.Account.__table__.c.number.identity is not None


COMPOSITE_NUMBERED = """
tables:
  marks:
    primary_key: [tenant, id]
    columns:
      tenant: integer
      id: {type: bigint, identity: always}
      note: text
"""


def test_an_identity_column_in_a_composite_key(tmp_path: Path, engine: Engine) -> None:
    # SQLite numbers no part of a composite key: numbered as a column outside the key is (an identity
    # on PostgreSQL, SQLAlchemy's inserts on a SQLite test database); the key was NULL there before
    pkg = build(tmp_path, COMPOSITE_NUMBERED)
    assert sorted(pkg.MarkInsert.model_fields) == ["note", "tenant"]
    pkg.Base.metadata.create_all(engine)
    with Session(engine) as session:
        marks = [pkg.Mark(tenant=1), pkg.Mark(tenant=1), pkg.Mark(tenant=2)]
        for mark in marks:
            session.add(mark)
            session.flush()
        session.commit()
        assert [mark.id for mark in marks] == [1, 2, 3]
    with Session(engine) as session:
        found = session.get(pkg.Mark, (1, 2))
        assert found is not None and found.tenant == 1
    pkg.Base.metadata.drop_all(engine)


SERIAL_IN_COMPOSITE = """
tables:
  lines:
    primary_key: [tenant, id]
    columns:
      tenant: integer
      id: serial
"""


def test_a_serial_column_in_a_composite_key(tmp_path: Path, pg: Engine) -> None:
    # SERIAL on PostgreSQL, as before (databases made so compare clean); SQLite cannot number it
    pkg = build(tmp_path, SERIAL_IN_COMPOSITE)
    pkg.Base.metadata.create_all(pg)
    with Session(pg) as session:
        lines = [pkg.Line(tenant=1), pkg.Line(tenant=1)]
        session.add_all(lines)
        session.commit()
        assert sorted(line.id for line in lines) == [1, 2]
    with pg.connect() as connection:
        default = connection.execute(sqlalchemy.text(
            "SELECT column_default FROM information_schema.columns WHERE table_name = 'lines' "
            "AND column_name = 'id' AND table_schema = current_schema()")).scalar_one()
    assert default.startswith("nextval(")
    pkg.Base.metadata.drop_all(pg)
    errors = errors_of(tmp_path, "dialect: sqlite\n" + SERIAL_IN_COMPOSITE)
    assert errors == ["9: SQLite numbers only its INTEGER PRIMARY KEY: an auto-numbered column in a composite "
                      "primary key (`serial`) needs PostgreSQL | make it the primary key alone, or target "
                      "PostgreSQL (`dialect: postgresql`)"], errors
