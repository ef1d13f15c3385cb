"""What the schemas write as JSON and read back from it, where Pydantic's defaults would lose data.

- bytes are base64 text (Pydantic's default, UTF-8, fails on binary data): written in the URL-safe
  alphabet, read in either, and the JSON Schema says `base64url`; raw bytes still validate.
- infinity and NaN, which PostgreSQL stores in real/double columns, are written by name by the
  Select schemas (Pydantic's default writes null or a bare NaN); Insert and Update refuse them.
- Insert and Update refuse a key they do not know, at that key; Select ignores one (a row read may
  hold more columns than the schema shows).
"""

from __future__ import annotations

import base64
import hashlib
import json
import math
from types import ModuleType
from typing import Any

import jsonschema
import pytest
from pydantic import ValidationError
from sqlalchemy.engine import Engine
from sqlalchemy.orm import Session

import schemagen
from tests.helpers import import_generated

SPEC = """
package: wire_json
types:
  Note: {text: str}
tables:
  files:
    columns:
      id: {type: serial, primary_key: true}
      title: {type: text, nullable: false}
      blob: bytes
      ratio: real
      score: double
      ratios: {type: real, array: true}
      class: text
      note: {type: jsonb, schema: Note}
"""
# a SHA-256 digest is no UTF-8, and these bytes need `-` and `_` in the URL-safe alphabet
BINARY = hashlib.sha256(b"x").digest() + b"\xfb\xff\xbf"


@pytest.fixture(scope="module")
def wire(tmp_path_factory: pytest.TempPathFactory) -> ModuleType:
    return import_generated(tmp_path_factory.mktemp("wire"), schemagen.resolve(schemagen.parse_spec(SPEC)))


def errors(schema: Any, payload: dict[str, Any]) -> list[tuple[tuple[Any, ...], str, str]]:
    try:
        schema.model_validate(payload)
    except ValidationError as exc:
        return [(e["loc"], e["type"], e["msg"]) for e in exc.errors()]
    return []


def _stored(wire: ModuleType, engine: Engine, **values: Any) -> Any:
    """A row written through the model (as another writer would), read back by a new session."""
    wire.Base.metadata.create_all(engine)
    with Session(engine) as session:
        row = wire.File(title="t", **values)
        session.add(row)
        session.commit()
        key = row.id
    with Session(engine) as session:
        return wire.FileSelect.model_validate(session.get(wire.File, key))


def test_binary_data_round_trips_through_json_as_base64(wire: ModuleType, engine: Engine) -> None:
    read = _stored(wire, engine, blob=BINARY)
    assert read.blob == BINARY
    dumped = read.model_dump(mode="json")
    urlsafe = base64.urlsafe_b64encode(BINARY).decode()
    assert "-" in urlsafe and "_" in urlsafe
    assert dumped["blob"] == urlsafe
    assert json.loads(read.model_dump_json()) == dumped
    # JSON back in: the Select schema (a client reading it) and the Insert schema (writing it again)
    assert wire.FileSelect.model_validate_json(read.model_dump_json()) == read
    payload = {key: dumped[key] for key in ("title", "blob")}
    assert wire.FileInsert.model_validate_json(json.dumps(payload)).blob == BINARY
    assert wire.FileInsert.model_validate(payload).blob == BINARY  # a parsed body, as FastAPI has it
    # the standard alphabet is read too; text that is no base64 is refused at its key
    standard = base64.b64encode(BINARY).decode()
    assert "+" in standard and "/" in standard
    assert wire.FileUpdate.model_validate_json(json.dumps({"blob": standard})).blob == BINARY
    assert [e[:2] for e in errors(wire.FileInsert, {"title": "t", "blob": "not base64!"})] == [
        (("blob",), "bytes_invalid_encoding")]
    # Python code hands raw bytes, as a model attribute holds them
    assert wire.FileInsert.model_validate({"title": "t", "blob": BINARY}).blob == BINARY
    for schema, mode in ((wire.FileSelect, "serialization"), (wire.FileInsert, "validation")):
        blob = schema.model_json_schema(mode=mode)["properties"]["blob"]
        assert {"type": "string", "format": "base64url"} in blob["anyOf"]


def test_infinity_and_nan_read_back_are_written_by_name(wire: ModuleType, engine: Engine) -> None:
    # SQLite keeps infinity but stores NaN as NULL: NaN only where the database keeps it
    nan = [float("nan")] if engine.dialect.name == "postgresql" else []
    read = _stored(wire, engine, ratio=float("inf"), score=float("-inf"), ratios=[1.5, float("inf"), *nan])
    dumped = read.model_dump(mode="json")
    names = ["NaN"] if nan else []
    assert (dumped["ratio"], dumped["score"], dumped["ratios"]) == ("Infinity", "-Infinity", [1.5, "Infinity", *names])
    assert json.loads(read.model_dump_json()) == dumped
    json.dumps(dumped, allow_nan=False)  # strict JSON, as a client parses it
    by_key = read.model_dump(mode="json", by_alias=True)  # as FastAPI sends it
    jsonschema.Draft202012Validator(wire.FileSelect.model_json_schema(mode="serialization")).validate(by_key)
    again = wire.FileSelect.model_validate_json(read.model_dump_json())
    assert (again.ratio, again.score, again.ratios[:2]) == (math.inf, -math.inf, [1.5, math.inf])
    assert all(math.isnan(value) for value in again.ratios[2:])
    # writing them is refused, in JSON as in Python
    for value in ("Infinity", "-Infinity", "NaN"):
        assert errors(wire.FileInsert, {"title": "t", "ratio": value})[0][:2] == (("ratio",), "finite_number")
    assert wire.FileSelect.model_validate({"id": 1, "title": "t", "blob": None, "ratio": 0.5,
                                           "score": None, "ratios": None, "class_": None,
                                           "note": None}).model_dump(mode="json")["ratio"] == 0.5


def test_unknown_keys_are_refused_by_insert_and_update_at_the_key(wire: ModuleType) -> None:
    extra = "Extra inputs are not permitted"
    assert errors(wire.FileUpdate, {"titel": "x"}) == [(("titel",), "extra_forbidden", extra)]
    assert errors(wire.FileInsert, {"title": "x", "ratio": 0.5, "ration": 1}) == [
        (("ration",), "extra_forbidden", extra)]
    # a column's key and its attribute are both known
    assert wire.FileInsert.model_validate({"title": "x", "class": "a"}).class_ == "a"
    assert wire.FileUpdate.model_validate({"class_": "b"}).changes() == {"class_": "b"}
    for schema in (wire.FileInsert, wire.FileUpdate):
        assert schema.model_json_schema()["additionalProperties"] is False


def test_select_reads_rows_with_more_than_it_shows(wire: ModuleType, engine: Engine) -> None:
    read = _stored(wire, engine, note=wire.Note(text="n"))  # from_attributes: an ORM object
    assert read.title == "t" and read.note == wire.Note(text="n")
    row = {**read.model_dump(), "rank": 3}  # a wider Core row (`select(files, rank)`)
    assert wire.FileSelect.model_validate(row) == read
    assert "additionalProperties" not in wire.FileSelect.model_json_schema(mode="serialization")
