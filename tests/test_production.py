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
from pathlib import Path
from types import ModuleType

import pytest
import sqlalchemy
from sqlalchemy.engine import Engine
from sqlalchemy.orm import Session

from schemagen.errors import SpecErrors
from schemagen.pipeline import generate
from tests.helpers import run_cli


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


# -- every table without a primary key is reported --------------------------------------------------


def test_every_table_without_a_primary_key_is_reported(tmp_path: Path) -> None:
    errors = errors_of(tmp_path, """
tables:
  logs:
    columns:
      at: {type: char}
  tokens:
    columns:
      token: text
  fine:
    columns:
      id: {type: serial, primary_key: true}
""")
    assert sum("has no primary key" in e for e in errors) == 2
    assert any("table `logs` has no primary key" in e for e in errors)
    assert any("table `tokens` has no primary key" in e for e in errors)
    assert any("`char` needs a `length`" in e for e in errors)


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
