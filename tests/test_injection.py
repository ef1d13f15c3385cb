"""No spec string can smuggle code into the output, and every one reads back exactly.

Each hostile value is put into every place a spec string reaches generated source: validation
messages, comments (table, column, shape field), defaults (column and shape field), patterns, enum
values, SQL server defaults, check expressions and partial-index conditions. The package is built,
compiled, checked black-stable and imported; nothing may run, and each value must come back as is.
"""

from __future__ import annotations

import builtins
import importlib
import inspect
import re
import sys
from typing import Any
from pathlib import Path

import pytest
import yaml
from pydantic import ValidationError
from sqlalchemy import select
from sqlalchemy.engine import Engine
from sqlalchemy.orm import Session

from schemagen.errors import SpecErrors
from schemagen.format import format_source
from schemagen.pipeline import generate

PAYLOAD = "__import__('builtins').__dict__.__setitem__('SCHEMAGEN_PWNED', True)"
HOSTILE = [
    '"', "'", '"""', "'''", '\\', '\\"', "\\'", 'a"b\'c', 'ends with a quote"', "trailing space ",
    "a\nb", "first\n  indented\n\ttabbed", "\r\n x", "\x00nul", "\u2028line separator\u2029", "\x85\x0b\x0c",
    "{{ 7 * 7 }}", "{% if true %}x{% endif %}", "{# comment #}", "${x} %s {0} {x}",
    f'"); {PAYLOAD}; ("', f"'''; {PAYLOAD} #", f'""" + {PAYLOAD} + """', f"\\'); {PAYLOAD} #",
    f"\n{PAYLOAD}\n", "# not a comment", "\U0001F600 ünïcödé 名前", "x" * 3000,
]
DATABASE_SAFE = [h for h in HOSTILE if "\x00" not in h]  # PostgreSQL text cannot hold NUL


def _spec(package: str, value: str, *, sql_positions: bool) -> str:
    # PostgreSQL cannot store NUL, so a spec with NUL in SQL text is an error (tested below); such
    # values go only where they stay in Python.
    in_sql = "\x00" not in value
    sql_text = value if in_sql else "plain"
    table: dict[str, object] = {
        "comment": sql_text,
        "columns": {
            "id": {"type": "serial", "primary_key": True},
            "t": {"type": "text", "default": sql_text, "comment": sql_text,
                  "validate": {"min_length": 1, "message": value}},
            "p": {"type": "text", "validate": {"pattern": "^" + re.escape(value) + "$", "message": value}},
            "j": {"type": "json", "schema": "Shape"},
        },
    }
    spec: dict[str, object] = {
        "package": package,
        "types": {"Shape": {"f": {"type": "str", "comment": value, "default": value}}},
        "tables": {"things": table},
    }
    if sql_positions:
        spec["enums"] = {"Mood": [_enum_value(sql_text), "other"]}
        columns = table["columns"]
        assert isinstance(columns, dict)
        columns["m"] = {"type": "enum", "enum": "Mood", "default": _enum_value(sql_text)}
        columns["s"] = {"type": "text", "default": {"sql": "1" + sql_text}}
        table["checks"] = [{"name": "hostile", "sql": "1" + sql_text}]
        table["indexes"] = [{"columns": ["t"], "where": "1" + sql_text}]
    return yaml.safe_dump(spec, allow_unicode=False, sort_keys=False)


def _enum_value(text: str) -> str:
    """PostgreSQL enum values hold at most 63 bytes (longer ones are a spec error)."""
    return text.encode()[:63].decode(errors="ignore")


def _build_and_import(tmp_path: Path, package: str, text: str):  # type: ignore[no-untyped-def]
    spec = tmp_path / f"{package}.yaml"
    spec.write_text(text)
    (output,) = generate([spec])
    root = tmp_path / "out"
    for relative, data in output.files.items():
        (root / relative).parent.mkdir(parents=True, exist_ok=True)
        (root / relative).write_bytes(data)
        if relative.endswith(".py"):
            source = data.decode()
            assert format_source(source, relative) == source, f"{relative} is not black-stable"
            assert not _payload_names(source), f"{relative} has payload names outside string literals"
    sys.path.insert(0, str(root))
    try:
        return importlib.import_module(package)
    finally:
        sys.path.remove(str(root))


def _payload_names(source: str) -> list[str]:
    """Names from the payload that appear as code (outside string literals and comments)."""
    import io
    import tokenize

    return [
        token.string
        for token in tokenize.generate_tokens(io.StringIO(source).readline)
        if token.type == tokenize.NAME and token.string in ("__import__", "__setitem__", "__dict__")
    ]


@pytest.mark.parametrize("index", range(len(HOSTILE)))
def test_hostile_value_reaches_output_only_as_a_literal(index: int, tmp_path: Path) -> None:
    value = HOSTILE[index]
    sql_text = value if "\x00" not in value else "plain"
    package = f"hostile_{index}"
    module = _build_and_import(tmp_path, package, _spec(package, value, sql_positions=True))
    assert not hasattr(builtins, "SCHEMAGEN_PWNED"), "a spec string was executed"

    table = module.Thing.__table__
    assert table.comment == sql_text
    assert table.c.t.comment == sql_text
    # A docstring is for people: black may re-indent it, but every word comes back as written.
    # (the comment comes first, then the model's write matrix, where a hostile default is shown too)
    doc = (inspect.getdoc(module.Thing) or "").split("What each column takes on insert and update")[0]
    assert doc.split() == sql_text.split()
    assert module.ThingInsert.model_fields["t"].default == sql_text
    with pytest.raises(ValidationError) as caught:
        module.ThingInsert.model_validate({"t": "", "p": value + "zz"})
    assert [error["msg"] for error in caught.value.errors()] == [value, value]
    if "\x00" in value:  # PostgreSQL's text cannot hold it: refused before a flush would fail
        assert errors_of(module.ThingInsert, {"p": value}) == ["string_nul"]
    else:
        assert module.ThingInsert.model_validate({"p": value}).p == value
    assert module.Shape.model_fields["f"].description == value
    assert module.Shape().f == value
    assert [member.value for member in module.Mood] == [_enum_value(sql_text), "other"]
    assert module.ThingInsert.model_fields["m"].default.value == _enum_value(sql_text)
    assert table.c.s.server_default.arg.text == "1" + sql_text
    (check,) = [c for c in table.constraints if c.name and "hostile" in str(c.name)]
    assert check.sqltext.text == "1" + sql_text
    (index_,) = table.indexes
    assert index_.dialect_options["postgresql"]["where"].text == "1" + sql_text


def errors_of(schema: Any, payload: dict[str, Any]) -> list[str]:
    try:
        schema.model_validate(payload)
    except ValidationError as error:
        return [e["type"] for e in error.errors()]
    return []


@pytest.mark.parametrize("position", ["comment", "default", "enum"])
def test_nul_in_sql_text_is_a_spec_error(position: str, tmp_path: Path) -> None:
    column: dict[str, object] = {"type": "text"}
    spec: dict[str, object] = {"tables": {"things": {"columns": {"id": {"type": "serial", "primary_key": True},
                                                                  "t": column}}}}
    if position == "enum":
        spec["enums"] = {"Mood": ["a\x00b"]}
    else:
        column[position] = "a\x00b"
    path = tmp_path / "nul.yaml"
    path.write_text(yaml.safe_dump(spec))
    with pytest.raises(SpecErrors) as caught:
        generate([path])
    assert "NUL" in caught.value.render()


@pytest.mark.parametrize("index", range(len(DATABASE_SAFE)))
def test_hostile_defaults_and_comments_survive_the_database(index: int, tmp_path: Path, engine: Engine) -> None:
    value = DATABASE_SAFE[index]
    package = f"hostile_db_{index}_{engine.dialect.name}"
    module = _build_and_import(tmp_path, package, _spec(package, value, sql_positions=False))
    module.Base.metadata.create_all(engine)
    with Session(engine) as session:
        session.add(module.Thing(p=value))
        session.add(module.Thing(**module.ThingInsert.model_validate({"p": value, "j": {}}).model_dump()))
        session.commit()
    with Session(engine) as session:
        rows = session.scalars(select(module.Thing).order_by(module.Thing.id)).all()
        assert [row.t for row in rows] == [value, value]  # the first from the database's DEFAULT
        assert rows[1].j is not None and rows[1].j.f == value
    assert not hasattr(builtins, "SCHEMAGEN_PWNED")
