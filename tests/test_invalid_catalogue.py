"""The catalogue of broken specs: each one with the exact text `schemagen validate` prints for it.

`tests/specs/invalid/<case>.yaml` is a broken spec and `<case>.expected` what
`schemagen validate <case>.yaml` prints on stderr, run from that folder; the exit code is 2 and
there is never a traceback. Specs that are bytes rather than text (not UTF-8, too large, ...) are
written by `GENERATED` below into a temporary folder; their `.expected` still lives in the catalogue.

Update the expected files with `SCHEMAGEN_UPDATE_SNAPSHOTS=1`, then review the diff as a user
would read the messages. The CLI runs in-process (typer's CliRunner, stderr kept apart from
stdout); one case also runs as a real `python -m schemagen` process to show both print the same.

The end of the file holds the valid side of the same coin: names that look dangerous but are fine
(`tests/specs/valid/reserved_names.yaml`), built, imported and used on SQLite and PostgreSQL.
"""

from __future__ import annotations

import importlib
import re
import sys
import traceback
import uuid
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest
import sqlalchemy
from sqlalchemy import select
from sqlalchemy.engine import Engine
from sqlalchemy.orm import Session
from typer.testing import CliRunner

from schemagen.cli import app
from schemagen.spec.load import MAX_SPEC_BYTES
from schemagen.pipeline import generate
from tests.helpers import ROOT, UPDATE_SNAPSHOTS, run_cli

INVALID = ROOT / "tests" / "specs" / "invalid"
VALID = ROOT / "tests" / "specs" / "valid"

_USERS = b"tables:\n  users:\n    columns:\n      id: {type: serial, primary_key: true}\n"


def _too_large() -> bytes:
    padding = b"# " + b"x" * 97 + b"\n"
    return _USERS + padding * (MAX_SPEC_BYTES // len(padding) + 1)


GENERATED: dict[str, Callable[[], bytes]] = {
    # Latin-1 `é` in a comment: not UTF-8.
    "yaml_not_utf8": lambda: _USERS + b'      name: {type: text, comment: "caf\xe9"}\n',
    # Saved as UTF-16 (with its byte order mark) by an editor.
    "yaml_utf16": lambda: _USERS.decode().encode("utf-16"),
    # A NUL byte inside a value.
    "yaml_nul_byte": lambda: _USERS + b"      bio: {type: text, comment: te\x00xt}\n",
    # One byte over the limit would do; this is a little more.
    "yaml_too_large": _too_large,
    # 1,200 nested flow lists, one bracket per line (deeper than any YAML parser should go).
    "yaml_nesting_too_deep": lambda: b"tables:\n" + b"  [\n" * 1200 + b"  ]\n" * 1200,
    # 600 nested lists in a column's comment: within libyaml's limit, deeper than Python's recursion
    # limit lets a walk of the value go (it was a bare RecursionError).
    "spec_nesting_too_deep": lambda: _USERS + b"      bio: {type: text, comment: " + b"[" * 600 + b"]" * 600 + b"}\n",
}

CASES = sorted({p.stem for p in INVALID.glob("*.yaml")} | set(GENERATED))

# Cases whose message is complete without a hint, each with the reason.
NO_HINT = {
    # The message says what to do, or names the one right spelling.
    "default_on_serial": "`serial` columns take no default: the fix is to remove it",
    "nullable_primary_key": "remove `nullable: true`; nothing else to suggest",
    "enum_value_twice": "remove the second value",
    "primary_key_twice": "the message names both ways to write it",
    "through_fields_without_through": "the message names the key to add",
    "through_on_one": "the message names the form to use",
    "scale_larger_than_precision": "both numbers are shown; lower one or raise the other",
    "scale_without_precision": "the message names the key to add",
    "min_length_larger_than_max_length": "swap or fix one of the two",
    "timezone_on_date": "the message names the types it applies to",
    "length_on_text": "the message names the types it applies to",
    "rule_on_wrong_type": "the message names the types it applies to",
    "on_update_now_on_text": "the message names the types it applies to",
    "on_delete_without_references": "the message names the key to add",
    "json_schema_on_text": "the message names the types it applies to",
    "shape_default_wrong_type": "the message says what was expected and what was found",
    "through_fields_one_column": "the message explains both columns",
    "index_column_twice": "remove the repeated column",
    "array_primary_key": "the message says what is not allowed; drop one of the two",
    "array_on_serial_primary_key": "both messages say what is not allowed",
    "yaml_nesting_too_deep": "rare, and the message says what is wrong",
    "identity_with_default": "remove the default: nothing else to suggest",
    # A did-you-mean in the message is the hint.
    "relation_unknown_table": "did-you-mean in the message",
    "through_missing_table": "did-you-mean in the message",
    "fk_missing_table": "did-you-mean in the message",
    "fk_missing_column": "did-you-mean in the message",
    # A name that cannot be used, with the reason in the message.
    "column_sql_name_with_dot": "the reason is in the message; any name without `.` works",
    "table_name_with_dot": "the reason is in the message; any name without `.` works",
    "table_name_empty": "the message says the name is empty",
}

try:
    _RUNNER = CliRunner(mix_stderr=False)  # type: ignore[call-arg]  # Click < 8.2 mixes stderr in by default
except TypeError:
    _RUNNER = CliRunner()  # Click >= 8.2 always keeps stderr apart

_FIRST_LINE = re.compile(r"^(?P<file>[^\n:]+):(?P<line>\d+):(?P<column>\d+): error: ", re.MULTILINE)


def _write_generated(name: str, folder: Path) -> None:
    (folder / f"{name}.yaml").write_bytes(GENERATED[name]())


def _validate(name: str, folder: Path, monkeypatch: pytest.MonkeyPatch) -> tuple[int | None, str, str, str]:
    monkeypatch.chdir(folder)
    result = _RUNNER.invoke(app, ["validate", f"{name}.yaml"])
    crash = ""
    if result.exception is not None and not isinstance(result.exception, SystemExit):
        crash = "".join(traceback.format_exception(result.exception))
    return result.exit_code, result.stdout, result.stderr, crash


@pytest.mark.parametrize("name", CASES)
def test_broken_spec_prints_its_expected_error(name: str, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    folder = INVALID
    if name in GENERATED:
        folder = tmp_path
        _write_generated(name, folder)
    code, stdout, stderr, crash = _validate(name, folder, monkeypatch)
    assert not crash, f"{name} crashed instead of reporting a spec error:\n{crash}"
    expected_file = INVALID / f"{name}.expected"
    if UPDATE_SNAPSHOTS:
        expected_file.write_text(stderr, encoding="utf-8")
    assert expected_file.is_file(), f"no {expected_file.name}; create it with SCHEMAGEN_UPDATE_SNAPSHOTS=1"
    expected = expected_file.read_text(encoding="utf-8")
    assert "Traceback" not in stderr + stdout
    assert stderr == expected, (
        f"`schemagen validate {name}.yaml` printed something else than {expected_file.name}\n"
        f"--- printed (exit {code})\n{stderr}--- expected\n{expected}")
    assert code == 2, f"exit code {code}, stdout: {stdout!r}"
    assert stdout == ""


@pytest.mark.parametrize("name", CASES)
def test_expected_file_is_well_formed(name: str) -> None:
    expected_file = INVALID / f"{name}.expected"
    assert expected_file.is_file(), f"no {expected_file.name}"
    text = expected_file.read_text(encoding="utf-8")
    first = _FIRST_LINE.match(text)
    assert first is not None, f"{expected_file.name} must start with `{name}.yaml:<line>:<column>: error: `"
    assert first["file"] == f"{name}.yaml"
    assert all(m["file"] == f"{name}.yaml" for m in _FIRST_LINE.finditer(text))
    count = len(_FIRST_LINE.findall(text))
    assert text.endswith(f"{count} error{'s' if count != 1 else ''} found; nothing was written.\n")
    if name in NO_HINT:
        assert "\n  hint: " not in text, f"{name} has a hint now: take it off the NO_HINT list"
    else:
        assert "\n  hint: " in text, f"{expected_file.name} has no hint: add one, or list it in NO_HINT with a reason"


def test_catalogue_is_complete() -> None:
    assert len(CASES) >= 70
    orphans = {p.stem for p in INVALID.glob("*.expected")} - set(CASES)
    assert not orphans, f"expected files without a spec: {sorted(orphans)}"
    assert not set(NO_HINT) - set(CASES), f"NO_HINT names unknown cases: {sorted(set(NO_HINT) - set(CASES))}"
    assert not set(GENERATED) & {p.stem for p in INVALID.glob("*.yaml")}


def test_the_real_command_prints_the_same() -> None:
    """CliRunner in-process and `python -m schemagen` in a process give the same bytes."""
    name = "fk_missing_table"
    result = run_cli("validate", f"{name}.yaml", cwd=INVALID)
    assert result.returncode == 2
    assert result.stdout == ""
    assert result.stderr == (INVALID / f"{name}.expected").read_text(encoding="utf-8")


# ---------------------------------------------------------------------------------------------
# Not errors: YAML 1.1 traps and names that Python, SQLAlchemy, Pydantic or SQL reserve.


_BASE = _USERS.decode()


def test_yaml_11_traps_are_read_as_typed(tmp_path: Path) -> None:
    spec = tmp_path / "traps.yaml"
    spec.write_text("enums:\n  Answer: [yes, no, on, off, 3.10, 012]\n" + _BASE
                    + "      a: {type: enum, enum: Answer, default: 3.10}\n")
    (output,) = generate([spec])
    enums_py = output.files["traps/enums.py"].decode()
    for value in ('"yes"', '"no"', '"on"', '"off"', '"3.10"', '"012"'):
        assert value in enums_py
    assert "Answer.V_3_10" in output.files["traps/schemas.py"].decode()


def _import_generated(spec: Path, tmp_path: Path, package: str) -> Any:
    """Build `spec` as `package` into tmp_path, put it on sys.path and import it."""
    text = spec.read_text(encoding="utf-8")
    text = re.sub(r"(?m)^package: .*$", f"package: {package}", text)
    copy = tmp_path / f"{package}.yaml"
    copy.write_text(text, encoding="utf-8")
    (output,) = generate([copy])
    for relative, data in output.files.items():
        target = tmp_path / "out" / relative
        target.parent.mkdir(parents=True, exist_ok=True)
        target.write_bytes(data)
    sys.path.insert(0, str(tmp_path / "out"))
    try:
        return importlib.import_module(package)
    finally:
        sys.path.remove(str(tmp_path / "out"))


RESERVED_ATTRIBUTES = {
    "class": "class_", "from": "from_", "import": "import_", "metadata": "metadata_", "registry": "registry_",
    "query": "query_", "model_config": "model_config_", "model_fields": "model_fields_", "model_x": "model_x_",
}


def test_reserved_names_map_to_attributes_and_round_trip(engine: Engine, tmp_path: Path) -> None:
    package = f"reserved_names_{uuid.uuid4().hex[:8]}"
    names = _import_generated(VALID / "reserved_names.yaml", tmp_path, package)
    User, Order, Group, Select = names.User, names.Order, names.Group, names.Select
    assert [User.__tablename__, Order.__tablename__, Group.__tablename__, Select.__tablename__] == [
        "user", "order", "group", "select"]
    columns = User.__table__.c
    for key, attr in RESERVED_ATTRIBUTES.items():
        assert key in columns, key
        assert getattr(User, attr).property.columns[0] is columns[key], (key, attr)
    # SQL reserved words and soft keywords stay as they are.
    assert {"user", "group", "select"} <= set(Order.__mapper__.columns.keys())
    assert {"from_", "import_", "where"} <= set(Select.__mapper__.columns.keys())
    # The declarative and Pydantic names keep their meaning.
    assert isinstance(User.metadata, sqlalchemy.MetaData) and User.metadata is names.Base.metadata
    assert "model_config_" in names.UserSelect.model_fields
    assert isinstance(names.UserSelect.model_config, dict)

    names.Base.metadata.create_all(engine)
    payload = {"class": "gold", "from": "2024-02-29", "import": "sys", "metadata": {"k": [1, None]},
               "registry": 3, "query": "q", "model_config": True, "model_fields": "f", "model_x": "12.50"}
    with Session(engine) as session:
        group = Group(**names.GroupInsert.model_validate({"order": "first"}).model_dump())
        user = User(**names.UserInsert.model_validate(payload).model_dump())
        session.add_all([group, user])
        session.flush()
        order = Order(**names.OrderInsert.model_validate(
            {"user": user.id, "group": group.id, "select": False}).model_dump())
        other = Select(**names.SelectInsert.model_validate(
            {"from": "here", "import_": "there", "where": "w"}).model_dump())
        session.add_all([order, other])
        session.commit()
        user_id = user.id
    with Session(engine) as session:
        load = {"orders": {"with": {"owner": True, "in_group": True}}}
        row = session.scalars(select(User).where(User.class_ == "gold").options(*names.eager(User, load))).one()
        read = names.UserSelect.model_validate(row)
        assert (read.class_, str(read.from_), read.import_) == ("gold", "2024-02-29", "sys")
        assert read.metadata_ == {"k": [1, None]}
        assert (read.registry_, read.query_, read.model_config_, read.model_fields_) == (3, "q", True, "f")
        assert str(read.model_x_) == "12.50"
        dumped = read.model_dump(by_alias=True, mode="json")
        assert {k: dumped[k] for k in ("class", "from", "import", "model_config")} == {
            "class": "gold", "from": "2024-02-29", "import": "sys", "model_config": True}
        assert [o.select for o in row.orders] == [False]
        assert row.orders[0].owner is row and row.orders[0].in_group is not None
        assert row.orders[0].in_group.order == "first"
        selected = session.scalars(select(Select)).one()
        assert (selected.from_, selected.import_, selected.where) == ("here", "there", "w")
        raw = session.execute(sqlalchemy.text(
            'SELECT "class", "from", "import", "metadata", "registry", "query", "model_config" FROM "user" '
            "WHERE id = :id"), {"id": user_id}).one()
        assert (raw[0], raw[2], raw[4], raw[5], bool(raw[6])) == ("gold", "sys", 3, "q", True)
        defaults = User(**names.UserInsert.model_validate({"class": "plain"}).model_dump())
        session.add(defaults)
        session.commit()
        session.refresh(defaults)
        assert (defaults.import_, defaults.registry_, defaults.model_config_) == ("os", 7, False)


@pytest.mark.parametrize("package", ["model_registry", "registry", "query"])
def test_package_names_reserved_only_for_attributes_are_valid(package: str, tmp_path: Path) -> None:
    """`model_*`, `registry`, `query` are mapped when they name a column; a package may use them."""
    spec = tmp_path / f"{package}.yaml"
    spec.write_text(_BASE, encoding="utf-8")
    (output,) = generate([spec])
    assert output.package == package


# Class names equal to names the generated modules import (`Integer`, `Text`, `Mapped`, `Date`,
# `Enum`, shapes `Field` and `BaseModel`): the README promises that a generated name keeps its name
# and the import is aliased instead. (`RelationInfo`, `Base`, `MODELS`... are names the package
# defines itself; a table mapping to one of them is a spec error, in the catalogue.)
SHADOWING_SPEC = """\
package: {package}
enums:
  Mood: [ok, bad]
types:
  Field:
    name: str
  BaseModel:
    name: str
tables:
  integer:
    columns:
      id: {{type: serial, primary_key: true}}
  text:
    columns:
      id: {{type: serial, primary_key: true}}
  mapped:
    columns:
      id: {{type: serial, primary_key: true}}
  date:
    columns:
      id: {{type: serial, primary_key: true}}
  enum:
    columns:
      id: {{type: serial, primary_key: true}}
  things:
    columns:
      id: {{type: serial, primary_key: true}}
      n: integer
      t: text
      d: date
      mood: {{type: enum, enum: Mood}}
      f: {{type: json, schema: Field}}
      b: {{type: json, schema: BaseModel}}
      integer_id: {{type: integer, references: integer.id}}
    relations:
      parent: {{one: integer}}
"""


def test_class_names_equal_to_generated_imports_work(engine: Engine, tmp_path: Path) -> None:
    package = f"shadowing_{uuid.uuid4().hex[:8]}"
    spec = tmp_path / "shadowing.yaml"
    spec.write_text(SHADOWING_SPEC.format(package=package), encoding="utf-8")
    module = _import_generated(spec, tmp_path, package)
    names = {name: getattr(module, name) for name in module.__all__}  # each imported on first use
    for public in ("Integer", "Text", "Mapped", "Date", "Enum", "Thing", "Field", "BaseModel"):
        assert public in names, public
    names["Base"].metadata.create_all(engine)
    payload = {"n": 1, "t": "x", "d": "2024-01-31", "mood": "ok", "f": {"name": "f"}, "b": {"name": "b"}}
    with Session(engine) as session:
        parent = names["Integer"]()
        session.add(parent)
        session.flush()
        insert = names["ThingInsert"].model_validate({**payload, "integer_id": parent.id})
        thing = names["Thing"](**insert.model_dump())
        session.add(thing)
        session.commit()
    with Session(engine) as session:
        row = session.scalars(select(names["Thing"]).options(*names["eager"](names["Thing"], {"parent": True}))).one()
        read = names["ThingSelect"].model_validate(row)
        assert (read.n, read.t, str(read.d), read.f.name, read.b.name) == (1, "x", "2024-01-31", "f", "b")
        assert row.parent is not None
