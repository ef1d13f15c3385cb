"""The input boundary of the Insert and Update schemas, type by type, against the databases themselves.

- JSON's own types are never converted into one another (`true` is no integer, `1` no boolean,
  `1700000000` no timestamp); text that spells a value stays accepted, as JSON over HTTP sends it.
- Each SQL type's own limits (smallint..bigint ranges, float4's range and underflow, numeric
  digits, varchar length, the interval range SQLite can store) are checked at validation, and on
  PostgreSQL the schema accepts exactly what a flush of the same value accepts.
- An interval is read in PostgreSQL's own spelling; months and years are refused with a message,
  never turned into 30 or 365 days.
- Golden round trips per type on both databases: payload -> Insert -> row -> Select ->
  `model_dump(mode="json")` gives the expected JSON, which validates back to an equal Insert.
"""

from __future__ import annotations

import datetime as dt
import importlib
import json
import inspect
import decimal
import uuid
from collections.abc import Iterator
from pathlib import Path
from types import ModuleType
from typing import Any

import psycopg
import pytest
import sqlalchemy
from pydantic import ValidationError
from sqlalchemy.engine import Engine
from sqlalchemy.orm import Session

import schemagen
from tests.conftest import POSTGRES_URL, drop_postgres_schema, postgres_engine
from tests.helpers import import_generated

SPEC = """
package: boundary_kinds
enums:
  Mood: [calm, busy]
tables:
  every_kind:
    columns:
      id: {type: bigserial, primary_key: true}
      a_smallint: smallint
      an_integer: integer
      a_bigint: bigint
      a_boolean: boolean
      a_real: real
      a_double: double
      a_numeric: {type: numeric, precision: 10, scale: 2}
      a_plain_numeric: numeric
      a_varchar: {type: varchar, length: 5}
      a_char: {type: char, length: 3}
      a_text: text
      a_date: date
      a_time: time
      a_timestamp: timestamp
      a_timestamptz: {type: timestamp, timezone: true}
      an_interval: interval
      a_uuid: uuid
      a_jsonb: jsonb
      some_bytes: bytes
      a_mood: {type: enum, enum: Mood}
      integers: {type: integer, array: true}
      reals: {type: real, array: true}
      ruled: {type: integer, validate: {ge: 1, le: 10000000000}}
  accounts:
    columns:
      code: {type: varchar, length: 8, primary_key: true}
      class: {type: varchar, immutable: true, nullable: false}
      label: text
      created_at: {type: timestamp, default: now}
"""


@pytest.fixture(scope="module")
def kinds(tmp_path_factory: pytest.TempPathFactory) -> ModuleType:
    return import_generated(tmp_path_factory.mktemp("boundary"), schemagen.resolve(schemagen.parse_spec(SPEC)))


@pytest.fixture
def postgres(kinds: ModuleType) -> Iterator[Engine]:
    schema = f"t_{uuid.uuid4().hex[:12]}"
    created = postgres_engine(schema)  # fails under CI=true when PostgreSQL is down
    try:
        kinds.Base.metadata.create_all(created)
        yield created
    finally:
        created.dispose()
        drop_postgres_schema(schema)


def errors(schema: Any, payload: dict[str, Any]) -> list[tuple[tuple[Any, ...], str, str]]:
    try:
        schema.model_validate(payload)
    except ValidationError as exc:
        return [(e["loc"], e["type"], e["msg"]) for e in exc.errors()]
    return []


# -- JSON's own types are not converted into one another ------------------------------------------

CROSS_TYPE = [
    ("a_smallint", True, "int_type", "Input should be a valid integer"),
    ("an_integer", False, "int_type", "Input should be a valid integer"),
    ("a_bigint", True, "int_type", "Input should be a valid integer"),
    ("ruled", True, "int_type", "Input should be a valid integer"),
    ("a_real", True, "float_type", "Input should be a valid number"),
    ("a_double", False, "float_type", "Input should be a valid number"),
    ("a_boolean", 1, "bool_type", "Input should be a valid boolean"),
    ("a_boolean", 0, "bool_type", "Input should be a valid boolean"),
    ("a_boolean", 1.0, "bool_type", "Input should be a valid boolean"),
    ("a_timestamp", 1700000000, "datetime_type", "Input should be a valid datetime"),
    ("a_timestamptz", 1700000000.5, "datetime_type", "Input should be a valid datetime"),
    ("a_date", 86400, "date_type", "Input should be a valid date"),
    ("a_time", 36000, "time_type", "Input should be a valid time"),
    ("an_interval", 5, "time_delta_type", "Input should be a valid timedelta"),
    ("an_interval", 1.5, "time_delta_type", "Input should be a valid timedelta"),
    ("a_numeric", True, "decimal_type", "Decimal input should be an integer, float, string or Decimal object"),
    ("a_text", 5, "string_type", "Input should be a valid string"),
    ("a_uuid", 5, "uuid_type", "UUID input should be a string, bytes or UUID object"),
    ("integers", [1, True], "int_type", "Input should be a valid integer"),
]


@pytest.mark.parametrize(("column", "value", "error", "message"), CROSS_TYPE, ids=lambda v: repr(v)[:20])
@pytest.mark.parametrize("kind", ["Insert", "Update"])
def test_json_types_are_not_converted(kinds: ModuleType, kind: str, column: str, value: Any, error: str,
                                      message: str) -> None:
    schema = getattr(kinds, f"EveryKind{kind}")
    found = errors(schema, {column: value})
    assert [(e[1], e[2]) for e in found] == [(error, message)], found


def test_json_types_are_not_converted_from_json_text(kinds: ModuleType) -> None:
    """The same through `model_validate_json` (what a web framework may call on the raw body)."""
    for body in ('{"a_boolean": 1}', '{"an_integer": true}', '{"a_date": 86400}', '{"an_interval": 5}'):
        with pytest.raises(ValidationError):
            kinds.EveryKindInsert.model_validate_json(body)


SPELLED = [
    ("a_smallint", "123", 123),
    ("an_integer", 7.0, 7),  # JSON has one number type: 7.0 is the integer 7
    ("a_bigint", "-9223372036854775808", -(2**63)),
    ("a_real", "0.5", 0.5),
    ("a_real", 3, 3.0),
    ("a_double", "1e300", 1e300),
    ("a_boolean", "true", True),
    ("a_boolean", "false", False),
    ("a_numeric", "12.50", decimal.Decimal("12.50")),
    ("a_plain_numeric", "123456789012345678901234567890.123456789", decimal.Decimal("123456789012345678901234567890.123456789")),
    ("a_date", "2030-01-02", dt.date(2030, 1, 2)),
    ("a_time", "10:11:12.5", dt.time(10, 11, 12, 500000)),
    ("a_timestamp", "2030-01-02T03:04:05", dt.datetime(2030, 1, 2, 3, 4, 5)),
    ("a_timestamptz", "2030-01-02T03:04:05Z", dt.datetime(2030, 1, 2, 3, 4, 5, tzinfo=dt.timezone.utc)),
    ("an_interval", "1 day 02:00:00", dt.timedelta(days=1, hours=2)),
    ("an_interval", "P1DT2H", dt.timedelta(days=1, hours=2)),
    ("a_uuid", "12345678-1234-5678-1234-567812345678", uuid.UUID("12345678-1234-5678-1234-567812345678")),
    ("integers", ["1", 2], [1, 2]),
]


@pytest.mark.parametrize(("column", "value", "expected"), SPELLED, ids=lambda v: repr(v)[:24])
def test_text_that_spells_a_value_is_accepted(kinds: ModuleType, column: str, value: Any, expected: Any) -> None:
    for schema in (kinds.EveryKindInsert, kinds.EveryKindUpdate):
        got = getattr(schema.model_validate({column: value}), column)
        assert got == expected and type(got) is type(expected), (schema.__name__, got)


def test_enum_values_are_accepted_as_text(kinds: ModuleType) -> None:
    assert kinds.EveryKindInsert.model_validate({"a_mood": "busy"}).a_mood is kinds.Mood.BUSY
    assert errors(kinds.EveryKindInsert, {"a_mood": "sleepy"})[0][1] == "enum"


# -- interval: PostgreSQL's spelling, months and years refused ----------------------------------

MONTHS = ["1 mon", "2 mons", "1 month", "1 year", "3 years 2 days", "1 day 1 mon", "P1M", "P1Y", "P1Y2M3DT4H",
          "-P1M", "1 decade", "@ 1 mon ago"]


@pytest.mark.parametrize("text", MONTHS)
def test_months_and_years_are_refused_with_a_message(kinds: ModuleType, text: str) -> None:
    found = errors(kinds.EveryKindInsert, {"an_interval": text})
    assert [(e[1]) for e in found] == ["interval_months"], found
    assert "months and years have no fixed length, so they are not turned into days" in found[0][2]


# PostgreSQL's own output (IntervalStyle postgres and postgres_verbose) and common input forms
INTERVALS = ["1 day", "2 days", "1 day 02:00:00", "-1 days +02:00:00", "02:00:00", "-02:00:00", "100:00:00",
             "00:00:00.5", "1 day 00:00:00.000001", "3 hours 30 mins", "1.5 days", "2 weeks", "90 secs",
             "@ 1 day 2 hours", "@ 3 hours ago", "1 day 2 hours 3 minutes 4 seconds", "PT1M", "P2W", "P1DT2H3M4.5S",
             "10 ms", "7 us", "1 DAY", "-3 days -04:05:06"]


def test_interval_spellings_read_as_postgresql_reads_them(kinds: ModuleType, postgres: Engine) -> None:
    with psycopg.connect(POSTGRES_URL.replace("postgresql+psycopg", "postgresql")) as connection:
        for text in INTERVALS:
            expected = connection.execute("SELECT %s::interval", (text,)).fetchone()[0]  # type: ignore[index]
            assert kinds.EveryKindInsert.model_validate({"an_interval": text}).an_interval == expected, text


def test_a_month_is_not_thirty_days_on_postgresql(postgres: Engine) -> None:
    """Why a month cannot become days: PostgreSQL's month is calendar arithmetic."""
    with postgres.connect() as connection:
        month, days = connection.exec_driver_sql(
            "SELECT (date '2024-01-31' + interval '1 mon')::date, (date '2024-01-31' + interval '30 days')::date"
        ).one()
    assert (month, days) == (dt.date(2024, 2, 29), dt.date(2024, 3, 1))


# -- each type's own limits, as PostgreSQL enforces them -------------------------------------------

LIMITS: list[tuple[str, Any]] = [
    ("a_smallint", 32767), ("a_smallint", 32768), ("a_smallint", -32768), ("a_smallint", -32769),
    ("an_integer", 2**31 - 1), ("an_integer", 2**31), ("an_integer", -(2**31)), ("an_integer", -(2**31) - 1),
    ("a_bigint", 2**63 - 1), ("a_bigint", 2**63), ("a_bigint", -(2**63)), ("a_bigint", -(2**63) - 1),
    ("ruled", 2**31),
    ("a_real", 1e39), ("a_real", -1e39), ("a_real", 3.4e38), ("a_real", -3.4e38), ("a_real", 1e-46),
    ("a_real", -1e-46), ("a_real", 1e-44), ("a_real", 1.5e-45), ("a_real", 0.0), ("a_real", 1e300),
    ("reals", [1.0, 1e39]),
    ("a_double", 1e308), ("a_double", -1e308),
    ("a_numeric", decimal.Decimal("99999999.99")), ("a_numeric", decimal.Decimal("100000000.00")),
    ("a_numeric", decimal.Decimal("-99999999.99")),
    ("a_varchar", "abcde"), ("a_varchar", "abcdef"),
    ("a_char", "abc"), ("a_char", "abcd"),
    ("an_interval", dt.timedelta(days=10000)),
    ("a_text", "a\x00b"), ("a_varchar", "ab\x00"), ("a_char", "a\x00b"), ("a_text", "a\x01b"),
]


@pytest.mark.parametrize(("column", "value"), LIMITS, ids=lambda v: repr(v)[:24])
def test_the_schema_accepts_what_postgresql_stores(kinds: ModuleType, postgres: Engine, column: str,
                                                   value: Any) -> None:
    """The same value through the Insert schema and, unchecked, through a flush on PostgreSQL."""
    schema_accepts = not errors(kinds.EveryKindInsert, {column: value})
    with Session(postgres) as session:
        session.add(kinds.EveryKind(**{column: value}))
        try:
            session.flush()
            database_accepts = True
        except sqlalchemy.exc.DBAPIError:
            database_accepts = False
    assert schema_accepts == database_accepts, (column, value, errors(kinds.EveryKindInsert, {column: value}))


def test_limits_speak_pydantic(kinds: ModuleType) -> None:
    insert = kinds.EveryKindInsert
    # Pydantic writes the bound out in full digits (3.4028234663852886e38, float4's largest)
    assert errors(insert, {"a_real": 1e39}) == [
        (("a_real",), "less_than_equal", f"Input should be less than or equal to 34028234663852886{'0' * 22}")]
    assert errors(insert, {"a_real": "-1e39"}) == [
        (("a_real",), "greater_than_equal", f"Input should be greater than or equal to -34028234663852886{'0' * 22}")]
    assert errors(insert, {"a_real": 1e-46})[0][1] == "real_underflow"
    assert errors(insert, {"reals": [1.0, 1e39]})[0][:2] == (("reals", 1), "less_than_equal")
    assert errors(insert, {"ruled": 2**31})[0][2] == "Input should be less than or equal to 2147483647"
    assert errors(insert, {"ruled": 0})[0][2] == "Input should be greater than or equal to 1"
    for column in ("a_real", "a_double"):
        for value in ("inf", "-Infinity", "NaN", float("nan")):
            assert errors(insert, {column: value})[0][1:] == ("finite_number", "Input should be a finite number")
    assert errors(insert, {"an_interval": dt.timedelta(days=3000000)})[0][1] == "less_than_equal"
    nul = "String should not contain the NUL character (\\x00): PostgreSQL's text cannot hold it"
    assert errors(insert, {"a_text": "a\x00b"}) == [(("a_text",), "string_nul", nul)]
    assert errors(kinds.EveryKindUpdate, {"a_varchar": "\x00"}) == [(("a_varchar",), "string_nul", nul)]


def test_the_limits_show_in_the_json_schema(kinds: ModuleType) -> None:
    properties = kinds.EveryKindInsert.model_json_schema()["properties"]
    assert {"type": "integer", "minimum": -32768, "maximum": 32767} in properties["a_smallint"]["anyOf"]
    assert {"type": "integer", "minimum": 1, "maximum": 2147483647} in properties["ruled"]["anyOf"]
    assert {"type": "number", "minimum": -3.4028234663852886e38, "maximum": 3.4028234663852886e38} in \
        properties["a_real"]["anyOf"]
    assert {"type": "boolean"} in properties["a_boolean"]["anyOf"]


def test_an_interval_beyond_what_sqlite_stores_is_refused(kinds: ModuleType, tmp_path: Path) -> None:
    """SQLite keeps an interval as a datetime from 1970-01-01: the flush of a longer one fails."""
    from tests.conftest import sqlite_engine

    engine = sqlite_engine(tmp_path / "i.db")
    kinds.Base.metadata.create_all(engine)
    too_long = dt.timedelta(days=2932897)
    assert errors(kinds.EveryKindInsert, {"an_interval": too_long})[0][1] == "less_than_equal"
    with Session(engine) as session, pytest.raises(sqlalchemy.exc.StatementError, match="out of range"):
        session.add(kinds.EveryKind(an_interval=too_long))
        session.flush()
    longest = kinds.EveryKindInsert.model_validate({"an_interval": "2932896 days 23:59:59.999999"}).an_interval
    with Session(engine) as session:
        session.add(kinds.EveryKind(an_interval=longest))
        session.commit()
        assert session.scalars(sqlalchemy.select(kinds.EveryKind.an_interval)).one() == longest
    engine.dispose()


# -- golden round trips, both databases -------------------------------------------------------------

PAYLOAD: dict[str, Any] = {
    "a_smallint": "-32768", "an_integer": 2147483647, "a_bigint": "9223372036854775807", "a_boolean": "true",
    "a_real": "0.5", "a_double": 0.1, "a_numeric": "12345678.50", "a_plain_numeric": "1234.5678",
    "a_varchar": "héllo", "a_char": "abc", "a_text": "line\nbreak ✓", "a_date": "2030-01-02",
    "a_time": "10:11:12.5", "a_timestamp": "2030-01-02T03:04:05.123456", "a_timestamptz": "2030-01-02T03:04:05.5Z",
    "an_interval": "-1 days +02:00:00.25", "a_uuid": "12345678-1234-5678-1234-567812345678",
    "a_jsonb": {"a": [1, "x", None, True, 1.5]}, "some_bytes": "+/+/AP8=", "a_mood": "busy",
    "integers": [1, "2", -3], "reals": [0.25, "-1.5"], "ruled": "10",
}
# What the Select schema dumps as JSON for it: every value in its exact form
EXPECTED_JSON: dict[str, Any] = {
    "a_smallint": -32768, "an_integer": 2147483647, "a_bigint": 9223372036854775807, "a_boolean": True,
    "a_real": 0.5, "a_double": 0.1, "a_numeric": "12345678.50", "a_plain_numeric": "1234.5678",
    "a_varchar": "héllo", "a_char": "abc", "a_text": "line\nbreak ✓", "a_date": "2030-01-02",
    "a_time": "10:11:12.500000", "a_timestamp": "2030-01-02T03:04:05.123456",
    "a_timestamptz": "2030-01-02T03:04:05.500000Z", "an_interval": "-PT21H59M59.75S",
    "a_uuid": "12345678-1234-5678-1234-567812345678", "a_jsonb": {"a": [1, "x", None, True, 1.5]},
    "some_bytes": "-_-_AP8=", "a_mood": "busy", "integers": [1, 2, -3], "reals": [0.25, -1.5], "ruled": 10,
}


def test_every_type_round_trips_exactly(kinds: ModuleType, engine: Engine) -> None:
    kinds.Base.metadata.create_all(engine)
    written = kinds.EveryKindInsert.model_validate(PAYLOAD)
    with Session(engine) as session:
        row = kinds.EveryKind(**written.model_dump())
        session.add(row)
        session.commit()
        key = row.id
    with Session(engine) as session:
        read = kinds.EveryKindSelect.model_validate(session.get(kinds.EveryKind, key))
    dumped = read.model_dump(mode="json")
    assert dumped.pop("id") == key
    assert dumped == EXPECTED_JSON
    # the JSON read back validates to what was written, value for value and type for type
    again = kinds.EveryKindInsert.model_validate(dumped)
    assert again == written
    assert {k: type(v) for k, v in again} == {k: type(v) for k, v in written}
    assert type(again.a_numeric) is decimal.Decimal and type(again.a_plain_numeric) is decimal.Decimal
    assert kinds.EveryKindSelect.model_validate({**dumped, "id": key}) == read


# -- time zones: never dropped or applied without a word -----------------------------------------

ZONES = [
    ("a_timestamp", "2030-01-02T03:04:05+02:00", "timezone_naive", "Input should not have timezone info"),
    ("a_timestamp", "2030-01-02T03:04:05Z", "timezone_naive", "Input should not have timezone info"),
    ("a_timestamptz", "2030-01-02T03:04:05", "timezone_aware", "Input should have timezone info"),
    ("a_time", "10:11:12+02:00", "timezone_naive", "Input should not have timezone info"),
]


@pytest.mark.parametrize(("column", "value", "error", "message"), ZONES, ids=lambda v: repr(v)[:24])
def test_a_zone_the_column_cannot_keep_is_refused(kinds: ModuleType, column: str, value: str, error: str,
                                                  message: str) -> None:
    for schema in (kinds.EveryKindInsert, kinds.EveryKindUpdate):
        assert errors(schema, {column: value}) == [((column,), error, message)]


def test_without_the_zone_rules_the_databases_disagree(kinds: ModuleType, engine: Engine) -> None:
    """What the rules prevent: the same unchecked values stored differently by the two databases
    (an offset on a plain timestamp dropped by SQLite, applied through the session zone by PostgreSQL)."""
    kinds.Base.metadata.create_all(engine)
    given = dt.datetime(2030, 1, 2, 3, 4, 5, tzinfo=dt.timezone(dt.timedelta(hours=2)))
    with Session(engine) as session:
        if engine.dialect.name == "postgresql":
            session.execute(sqlalchemy.text("SET TIME ZONE 'America/New_York'"))
        session.add(kinds.EveryKind(a_timestamp=given))
        session.flush()
        stored = session.scalars(sqlalchemy.select(kinds.EveryKind.a_timestamp)).one()
    expected = dt.datetime(2030, 1, 2, 3, 4, 5) if engine.dialect.name == "sqlite" else dt.datetime(2030, 1, 1, 20, 4, 5)
    assert stored == expected


# -- what an update may change ------------------------------------------------------------------------


def test_an_update_refuses_the_key_and_immutable_columns(kinds: ModuleType) -> None:
    update = kinds.AccountUpdate
    assert set(update.model_fields) == {"label", "created_at"}  # a default is no ban on changing it
    found = errors(update, {"code": "B", "class": "gold", "label": "x"})
    message = "cannot be changed once the row is inserted"
    assert found == [(("class",), "immutable_field", f"class {message}"), (("code",), "immutable_field",
                                                                          f"code {message}")]
    # by attribute name too (`class_`), and on the serial key of the other table
    assert errors(update, {"class_": "gold"}) == [(("class_",), "immutable_field", f"class_ {message}")]
    assert errors(kinds.EveryKindUpdate, {"id": 1}) == [(("id",), "immutable_field", f"id {message}")]
    assert update.model_validate({"label": "x"}).changes() == {"label": "x"}
    # the insert takes them
    assert kinds.AccountInsert.model_validate({"code": "A", "class": "gold"}).class_ == "gold"
    assert "`code` and `class` cannot be changed" in (update.__doc__ or "")


SERVER_SET = """
package: boundary_server_set
tables:
  ledgers:
    columns:
      id: {type: serial, primary_key: true}
      price: {type: integer, nullable: false}
      doubled: {type: integer, generated: {sql: price * 2}}
      number: {type: bigint, identity: always}
      token: {type: uuid, default: uuid, server_set: true}
      stamp: {type: text, default: {sql: "'x'"}, server_set: true}
      created_at: {type: timestamp, default: now, server_set: true}
      updated_at: {type: timestamp, on_update: now}
      note: text
"""


def test_server_set_columns_given_in_a_payload_are_refused(tmp_path: Path) -> None:
    """Never silently dropped: each is an error located at its field, in Insert and in Update.
    `on_update: now` is the database's on update only: an insert may give it (an imported row)."""
    module = import_generated(tmp_path, schemagen.resolve(schemagen.parse_spec(SERVER_SET)))
    server_set = ["created_at", "doubled", "number", "stamp", "token"]
    payload = {key: None for key in [*server_set, "updated_at"]} | {"price": 3, "note": "n"}
    message = "is set by the database (or the ORM), not by a payload; leave it out"
    assert errors(module.LedgerUpdate, payload) == [((key,), "server_set_field", f"{key} {message}")
                                                    for key in sorted([*server_set, "updated_at"])]
    assert errors(module.LedgerInsert, {**payload, "id": 1}) == [
        ((key,), "server_set_field", f"{key} {message}") for key in sorted([*server_set, "id"])]
    # the key stays the primary key's refusal in an update; left out, every payload passes
    assert [e[1] for e in errors(module.LedgerUpdate, {"id": 1})] == ["immutable_field"]
    assert module.LedgerUpdate.model_validate({"price": 3, "note": None}).changes() == {"price": 3, "note": None}
    assert module.LedgerInsert.model_validate({"price": 3}).price == 3
    when = dt.datetime(2020, 1, 2, 3, 4, 5)
    assert module.LedgerInsert.model_validate({"price": 3, "updated_at": when}).model_dump()["updated_at"] == when


def test_a_refused_field_is_reported_with_every_other_error(tmp_path: Path) -> None:
    """A refusal (server-set, immutable, null) does not hide what else is wrong: a typo, a value of
    the wrong type, a missing required field and a rule's own error come in the same answer."""
    module = import_generated(tmp_path, schemagen.resolve(schemagen.parse_spec(
        SERVER_SET.replace("note: text", "note: {type: text, validate: {max_length: 3}}"))))
    found = errors(module.LedgerUpdate, {"id": 1, "created_at": None, "pirce": 3, "price": "x", "note": "long"})
    assert [(loc, kind) for loc, kind, _ in found] == [
        (("created_at",), "server_set_field"), (("id",), "immutable_field"), (("price",), "int_parsing"),
        (("note",), "string_too_long"), (("pirce",), "extra_forbidden")]
    assert found[3][2] == "String should have at most 3 characters"
    found = errors(module.LedgerInsert, {"token": None, "note": "n", "extra": 1})
    assert [(loc, kind) for loc, kind, _ in found] == [
        (("token",), "server_set_field"), (("price",), "missing"), (("extra",), "extra_forbidden")]
    # the errors are Pydantic's own: a framework renders them as it renders any other (FastAPI's 422)
    with pytest.raises(ValidationError) as raised:
        module.LedgerInsert.model_validate({"token": None})
    assert raised.value.title == "LedgerInsert" and raised.value.error_count() == 2
    assert raised.value.errors()[1]["url"].endswith("/missing")


def test_server_set_needs_a_default_to_set_from() -> None:
    text = SERVER_SET.replace("note: text", "note: {type: text, server_set: true}")
    with pytest.raises(schemagen.SpecErrors) as found:
        schemagen.resolve(schemagen.parse_spec(text))
    assert "`server_set: true` needs a `default:`" in str(found.value)


DEFAULTS = """
package: boundary_defaults
tables:
  imports:
    columns:
      id: {type: uuid, primary_key: true, default: uuid}
      title: {type: text, nullable: false}
      created_at: {type: timestamp, nullable: false, default: now}
      seen_at: {type: timestamp, timezone: true, default: now}
      label: {type: varchar, length: 10, nullable: false, default: {sql: "'from db'"}}
      maybe: {type: text, default: {sql: "'from db'"}}
      ref: {type: uuid, default: uuid}
      updated_at: {type: timestamp, on_update: now}
"""


@pytest.fixture(scope="module")
def defaults(tmp_path_factory: pytest.TempPathFactory) -> ModuleType:
    return import_generated(tmp_path_factory.mktemp("defaults"), schemagen.resolve(schemagen.parse_spec(DEFAULTS)))


def test_a_default_is_optional_on_insert_and_a_value_given_is_stored(defaults: ModuleType, engine: Engine) -> None:
    """`default: now`, `uuid` and `{sql: ...}`: left out, the default applies; given, the value is
    stored (a backfilled row keeps its time and key); the values come back without IO."""
    model, insert, select = defaults.Import, defaults.ImportInsert, defaults.ImportSelect
    defaults.Base.metadata.create_all(engine)
    key, ref = uuid.uuid4(), uuid.uuid4()
    old, seen = dt.datetime(2019, 5, 6, 7, 8, 9), dt.datetime(2019, 5, 6, 7, 8, 9, tzinfo=dt.timezone.utc)
    given = insert.model_validate({"id": str(key), "title": "old", "created_at": old.isoformat(),
                                   "seen_at": seen.isoformat(), "label": "mine", "maybe": None, "ref": str(ref),
                                   "updated_at": old.isoformat()})
    left_out = insert.model_validate({"title": "new"})
    assert left_out.model_dump() == {"title": "new"}  # nothing dumped for the database to overrule
    assert left_out.model_dump(by_alias=True, mode="json") == {"title": "new"}
    with Session(engine, expire_on_commit=False) as session:
        rows = [model(**given.model_dump()), model(**left_out.model_dump())]
        session.add_all(rows)
        session.commit()
        assert all(not sqlalchemy.inspect(row).unloaded for row in rows)  # RETURNING: no IO afterwards
        first, second = (select.model_validate(row) for row in rows)
    assert (first.id, first.created_at, first.label, first.maybe, first.ref, first.updated_at) == (
        key, old, "mine", None, ref, old)
    assert first.seen_at is not None and first.seen_at.astimezone(dt.timezone.utc) == seen
    assert isinstance(second.id, uuid.UUID) and second.id != key and isinstance(second.ref, uuid.UUID)
    assert isinstance(second.created_at, dt.datetime) and second.seen_at is not None
    assert (second.label, second.maybe) == ("from db", "from db") and second.updated_at is not None
    with Session(engine) as session:  # read again from the database
        stored = {row.title: row for row in session.scalars(sqlalchemy.select(model))}
        assert (stored["old"].id, stored["old"].created_at, stored["old"].maybe) == (key, old, None)
        assert stored["new"].label == "from db"


def test_a_default_column_takes_its_type_and_refuses_null_when_not_nullable(defaults: ModuleType) -> None:
    insert, update = defaults.ImportInsert, defaults.ImportUpdate
    # a plain timestamp refuses an offset, a timestamptz needs one: as on every timestamp column
    assert errors(insert, {"title": "t", "created_at": "2020-01-01T00:00:00+02:00"})[0][1] == "timezone_naive"
    assert errors(insert, {"title": "t", "seen_at": "2020-01-01T00:00:00"})[0][1] == "timezone_aware"
    assert errors(insert, {"title": "t", "id": "nope"})[0][1] == "uuid_parsing"
    assert errors(insert, {"title": "t", "label": "x" * 11})[0][1] == "string_too_long"
    null = "cannot be null; leave it out for its default"
    assert errors(insert, {"title": "t", "created_at": None, "label": None}) == [
        (("created_at",), "null_not_allowed", f"created_at {null}"), (("label",), "null_not_allowed", f"label {null}")]
    assert insert.model_validate({"title": "t", "maybe": None, "ref": None}).model_dump() == {
        "title": "t", "maybe": None, "ref": None}
    # the JSON Schema: optional, no default of its own, not nullable where the column is NOT NULL
    properties = insert.model_json_schema()["properties"]
    assert insert.model_json_schema()["required"] == ["title"]
    assert properties["created_at"] == {"format": "date-time", "title": "Created At", "type": "string"}
    assert "default" not in properties["maybe"] and {"type": "null"} in properties["maybe"]["anyOf"]
    # an update changes them like any column, but for the key and the `on_update: now` column
    assert update.model_validate({"created_at": "2020-01-01T00:00:00"}).changes() == {
        "created_at": dt.datetime(2020, 1, 1)}
    assert [e[1] for e in errors(update, {"id": str(uuid.uuid4()), "updated_at": None})] == [
        "server_set_field", "immutable_field"]


# -- the write matrix: printed in each model's docstring, and true ---------------------------------


def _matrix_cases() -> list[tuple[str, str]]:
    from tests.helpers import GOLDEN, GOLDEN_CASES, ROOT

    specs = [("life_ceo", (ROOT / "specs" / "life_ceo.yaml").read_text("utf-8")), ("boundary", SPEC)]
    return specs + [(case, (GOLDEN / case / "spec.yaml").read_text("utf-8")) for case in GOLDEN_CASES]


@pytest.mark.parametrize(("name", "text"), _matrix_cases(), ids=lambda v: v if len(v) < 40 else "spec")
def test_the_write_matrix_says_what_the_schemas_do(name: str, text: str, tmp_path: Path) -> None:
    from schemagen.codegen.typescript import typescript_module
    from schemagen.codegen.write_matrix import matrix, refused_on_update, rows

    catalog = schemagen.resolve(schemagen.parse_spec(text))
    package = import_generated(tmp_path, catalog)
    for table in catalog.tables:
        if table.core_name is not None:  # a Core table: the matrix on its `TypedColumns`, no Update schema
            columns = getattr(importlib.import_module(f"{package.__name__}.models"), f"_{table.class_name}Columns")
            assert matrix(table) in (inspect.getdoc(columns) or ""), table.name
            assert not hasattr(package, table.class_name) and f"{table.class_name}Update" not in package.__all__
        else:
            assert matrix(table) in (inspect.getdoc(getattr(package, table.class_name)) or ""), table.name
        insert, select = (getattr(package, f"{table.class_name}{kind}") for kind in ("Insert", "Select"))
        update = getattr(package, f"{table.class_name}Update", None)
        if update is not None:  # types.ts's Update interface: exactly the Update schema's fields
            interface = next(i for i in typescript_module(catalog).tables if i.name == f"{table.class_name}Update")
            assert [json.loads(f.key) if f.key.startswith('"') else f.key for f in interface.fields] == \
                [next(c.key for c in table.columns if c.attr == name) for name in update.model_fields], table.name
        for column, (_, on_insert, on_update, on_select) in zip(table.columns, rows(table)):
            field = insert.model_fields.get(column.attr)
            if on_insert == "required":
                assert field is not None and field.is_required(), (table.name, column.key)
            elif on_insert.startswith("optional"):
                assert field is not None and not field.is_required(), (table.name, column.key)
            else:  # server-set: giving it is refused, never silently dropped
                assert field is None and column.key in insert._server_set, (table.name, column.key)
                assert errors(insert, {column.key: None})[0][:2] == ((column.key,), "server_set_field")
            in_update = update is not None and column.attr in update.model_fields
            if update is None:
                pass
            elif on_update in ("refused (primary key)", "refused (immutable)"):
                assert not in_update and column.key in update._fixed, (table.name, column.key)
                assert errors(update, {column.key: None})[0][1] == "immutable_field"
            elif on_update.startswith("refused"):
                assert refused_on_update(column) and not in_update and column.key in update._server_set, \
                    (table.name, column.key)
                assert errors(update, {column.key: None})[0][:2] == ((column.key,), "server_set_field")
            elif on_update.startswith("optional"):
                assert in_update and (column.attr in update._not_null) == on_update.endswith("null refused")
            else:
                assert not in_update and column.key not in update._fixed, (table.name, column.key)
            if on_select == "left out (secret)":
                assert column.attr not in select.model_fields
            else:
                annotation = select.model_fields[column.attr].annotation
                assert (type(None) in getattr(annotation, "__args__", ())) == (on_select == "may be null"), \
                    (table.name, column.key, annotation)


def test_the_readme_shows_the_example_specs_matrix() -> None:
    from schemagen.codegen.write_matrix import matrix
    from tests.helpers import ROOT

    catalog = schemagen.resolve(schemagen.parse_spec((ROOT / "specs" / "life_ceo.yaml").read_text("utf-8")))
    assert "\n" + matrix(catalog.table("order")) + "\n" in (ROOT / "README.md").read_text("utf-8")
