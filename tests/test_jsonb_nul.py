"""A NUL character in JSON (issue 14): PostgreSQL's jsonb refuses `\\u0000` in any string or key, at
any depth ("unsupported Unicode escape sequence" at flush), while `json` keeps the text as it is.
The Insert and Update schemas refuse exactly what a jsonb flush refuses (type `string_nul`, as
for text), on both databases (one rule), and take what json takes."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path
from types import ModuleType
from typing import Any

import pytest
import sqlalchemy
from pydantic import ValidationError
from sqlalchemy.engine import Engine
from sqlalchemy.orm import Session

import schemagen
from tests.conftest import private_postgres, sqlite_engine
from tests.helpers import import_generated

SPEC = """
package: jsonb_nul
types:
  Item:
    name: str
    tags: {type: "dict[str, str]", nullable: true}
tables:
  docs:
    columns:
      id: {type: integer, primary_key: true}
      data: jsonb
      required: {type: jsonb, nullable: false, default: {json: {}}}
      items: {type: jsonb, schema: "list[Item]"}
      loose: json
      shaped: {type: json, schema: "list[Item]"}
"""

# (column, value, where the NUL is) for jsonb; json keeps each of them
WITH_NUL: list[tuple[str, Any, str]] = [
    ("data", "a\x00b", "the value"),
    ("data", {"k\x00": 1}, "a key of the value"),
    ("data", {"a": [{"b": ["x", "y\x00"]}]}, "a[0].b[1]"),
    ("required", ["\x00"], "[0]"),
    ("items", [{"name": "ok"}, {"name": "n\x00"}], "[1].name"),
    ("items", [{"name": "ok", "tags": {"t\x00": "v"}}], "a key of [0].tags"),
]


@pytest.fixture(scope="module")
def docs(tmp_path_factory: pytest.TempPathFactory) -> ModuleType:
    return import_generated(tmp_path_factory.mktemp("nul"), schemagen.resolve(schemagen.parse_spec(SPEC)))


@pytest.fixture(params=["sqlite", "postgresql"])
def engine(request: pytest.FixtureRequest, docs: ModuleType, tmp_path: Path) -> Iterator[Engine]:
    if request.param == "sqlite":
        created = sqlite_engine(tmp_path / "nul.db")
        docs.Base.metadata.create_all(created)
        yield created
        created.dispose()
        return
    with private_postgres(docs.Base.metadata) as created:
        yield created


@pytest.mark.parametrize(("column", "value", "where"), WITH_NUL)
def test_jsonb_refuses_nul_as_postgresql_does(docs: ModuleType, column: str, value: Any, where: str) -> None:
    """Failed before: the Insert schema took the value and PostgreSQL's flush refused it."""
    for schema, payload in ((docs.DocInsert, {"id": 1, column: value}), (docs.DocUpdate, {column: value})):
        with pytest.raises(ValidationError) as raised:
            schema.model_validate(payload)
        (error,) = raised.value.errors()
        assert (error["type"], error["loc"]) == ("string_nul", (column,))
        assert error["msg"].endswith(f"PostgreSQL's jsonb cannot hold: {where}")


@pytest.fixture
def postgres(docs: ModuleType) -> Iterator[Engine]:
    with private_postgres(docs.Base.metadata) as created:
        yield created


def test_postgresql_refuses_what_the_schema_refuses(docs: ModuleType, postgres: Engine) -> None:
    """The schema's refusal (the same on both databases, above) is PostgreSQL's own."""
    engine = postgres
    for number, (column, value, _) in enumerate(WITH_NUL, 1):
        kept = dict(docs.DocInsert.model_validate({"id": number}).model_dump())
        with pytest.raises(sqlalchemy.exc.DataError, match="unsupported Unicode escape sequence"), \
                Session(engine) as session:
            session.add(docs.Doc(**{**kept, column: value}))
            session.commit()


def test_json_keeps_nul_on_both_databases(docs: ModuleType, engine: Engine) -> None:
    """`json` stores its text as given: a NUL escape is kept, and reads back."""
    values = {"loose": {"k\x00": ["a\x00b"]}, "shaped": [{"name": "n\x00", "tags": {"t\x00": "v\x00"}}]}
    payload = docs.DocInsert.model_validate({"id": 1, **values})
    with Session(engine) as session:
        session.add(docs.Doc(**payload.model_dump()))
        session.commit()
    with Session(engine) as session:
        read = docs.DocSelect.model_validate(session.get(docs.Doc, 1)).model_dump(mode="json")
    assert {key: read[key] for key in values} == values


def test_values_without_nul_are_written_on_both_databases(docs: ModuleType, engine: Engine) -> None:
    clean = {"data": {"a": ["b", 1, None]}, "required": {"k": "v"}, "items": [{"name": "x", "tags": {"t": "u"}}]}
    payload = docs.DocInsert.model_validate({"id": 1, **clean})
    with Session(engine) as session:
        session.add(docs.Doc(**payload.model_dump()))
        session.commit()
    with Session(engine) as session:
        read = docs.DocSelect.model_validate(session.get(docs.Doc, 1)).model_dump(mode="json")
    assert {key: read[key] for key in clean} == clean
