"""One rule, two enforcers: `validate:` rules SQL can express are also CHECK constraints.

For each rule, a value the Insert schema refuses is refused by the database when raw SQL writes
it, and a value the schema takes is taken (on SQLite and PostgreSQL): the two enforcers agree.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pydantic
import pytest
import sqlalchemy
from sqlalchemy.engine import Engine

import schemagen
from tests.helpers import import_generated

SPEC = """\
package: rulechecks
tables:
  people:
    columns:
      id: {type: integer, primary_key: true}
      handle: {type: varchar, length: 40, validate: {min_length: 3, max_length: 12}}
      code: {type: text, validate: {pattern: '^[A-Z]{2}[0-9]+$'}}
      age: {type: integer, validate: {ge: 18, lt: 130}}
      score: {type: real, validate: {gt: -0.5, le: 0.75}}
      ratio: {type: real, validate: {le: 0.1, lt: 1}}
      tags: {type: text, array: true, validate: {min_length: 1, max_length: 3}}
      note: {type: text, validate: {min_length: 2, in_database: false}}
      line: {type: text, validate: {pattern: '^a.b$'}}
      dotted: {type: text, validate: {pattern: '^[.]x\\.$'}}
"""

# (column, a value the rule refuses, a value it takes)
CASES: list[tuple[str, Any, Any]] = [
    ("handle", "ab", "abc"),
    ("handle", "a" * 13, "a" * 12),
    ("age", 17, 18),
    ("age", 130, 129),
    ("score", -0.5, -0.25),
    ("score", 0.8, 0.75),
    ("ratio", 0.2, 0.1),  # float4 0.1 is above the double 0.1: compared as float4
    ("ratio", 0.2, 0.0999999),
    ("tags", [], ["a"]),
    ("tags", ["a", "b", "c", "d"], ["a", "b", "c"]),
]
POSTGRESQL_ONLY = [  # SQLite has no regular expressions
    ("code", "ab12", "AB12"),
    ("line", "a\nb", "axb"),  # Rust's `.` is no newline, PostgreSQL's is: the CHECK says `[^\n]`
    ("dotted", "ax.", ".x."),  # a `.` in brackets or escaped stays a dot
]


@pytest.fixture(scope="module")
def package(tmp_path_factory: pytest.TempPathFactory) -> Any:
    return import_generated(tmp_path_factory.mktemp("rulechecks"), schemagen.resolve(schemagen.parse_spec(SPEC)))


def _raw_insert(engine: Engine, package: Any, column: str, value: Any) -> None:
    """INSERT through Core with the column's own type (arrays as ARRAY or JSON), no schema involved."""
    table = package.Base.metadata.tables["people"]
    with engine.begin() as connection:
        connection.execute(sqlalchemy.insert(table).values(id=1, **{column: value}))
        connection.execute(sqlalchemy.delete(table))


@pytest.mark.parametrize(("column", "refused", "taken"), CASES + POSTGRESQL_ONLY)
def test_the_database_refuses_what_the_schema_refuses(engine: Engine, package: Any, column: str, refused: Any,
                                                      taken: Any) -> None:
    package.Base.metadata.create_all(engine)
    with pytest.raises(pydantic.ValidationError):
        package.PeopleInsert.model_validate({"id": 1, column: refused})
    package.PeopleInsert.model_validate({"id": 1, column: taken})
    _raw_insert(engine, package, column, taken)
    if (column, refused, taken) in POSTGRESQL_ONLY and engine.dialect.name == "sqlite":
        _raw_insert(engine, package, column, refused)  # no regular expressions: the schema's alone there
        return
    with pytest.raises(sqlalchemy.exc.IntegrityError, match="(?i)check"):
        _raw_insert(engine, package, column, refused)


def test_a_rule_left_to_the_schema_is_not_in_the_database(engine: Engine, package: Any) -> None:
    package.Base.metadata.create_all(engine)
    with pytest.raises(pydantic.ValidationError):
        package.PeopleInsert.model_validate({"id": 1, "note": "x"})
    _raw_insert(engine, package, "note", "x")
    names = {c["name"] for c in sqlalchemy.inspect(engine).get_check_constraints("people")}
    assert not any(name.startswith("ck_people_note") for name in names)
    assert {"ck_people_age_ge_18", "ck_people_age_lt_130", "ck_people_score_gt_neg0_5",
            "ck_people_handle_min_length_3", "ck_people_tags_max_length_3"} <= names


def test_a_changed_rule_is_a_changed_name() -> None:
    def names(spec: str) -> set[str]:
        catalog = schemagen.resolve(schemagen.parse_spec(spec))
        return {check.name for check in catalog.table("people").checks}

    before = names(SPEC)
    after = names(SPEC.replace("ge: 18", "ge: 21"))
    assert before - after == {"ck_people_age_ge_18"} and after - before == {"ck_people_age_ge_21"}


def test_a_pattern_check_written_otherwise_is_renamed() -> None:
    """`.` became `[^\\n]` in the CHECK: a database holding the old CHECK gets a migration (a new name)."""
    import hashlib

    checks = {check.sql: check.name for check in schemagen.resolve(schemagen.parse_spec(SPEC)).table("people").checks}
    line = checks["\"line\" ~ '^a[^\\n]b$'"]
    assert line != f"ck_people_line_pattern_{hashlib.sha256(b'^a.b$').hexdigest()[:8]}"
    code = checks["\"code\" ~ '^[A-Z]{2}[0-9]+$'"]  # no `.`: the name it always had
    assert code == f"ck_people_code_pattern_{hashlib.sha256(b'^[A-Z]{2}[0-9]+$').hexdigest()[:8]}"


def test_the_spec_can_leave_every_rule_to_the_schemas() -> None:
    catalog = schemagen.resolve(schemagen.parse_spec("validate_in_database: false\n" + SPEC))
    assert catalog.table("people").checks == ()
    on_for_one = SPEC.replace("min_length: 2, in_database: false", "min_length: 2, in_database: true")
    catalog = schemagen.resolve(schemagen.parse_spec("validate_in_database: false\n" + on_for_one))
    assert [check.name for check in catalog.table("people").checks] == ["ck_people_note_min_length_2"]


def test_a_pattern_postgresql_reads_differently_stays_with_the_schema() -> None:
    spec = SPEC.replace("'^[A-Z]{2}[0-9]+$'", r"'^[A-Z]+\b'")  # \b: a backspace to PostgreSQL
    catalog = schemagen.resolve(schemagen.parse_spec(spec))
    assert not any(check.name.startswith("ck_people_code") for check in catalog.table("people").checks)


@pytest.mark.parametrize("pattern", [r"^[[:alpha:]]+$", r"^[^[:digit:]]$", r"^\p{Greek}+$"])
def test_posix_classes_build_quietly_and_stay_with_the_schema(pattern: str, tmp_path: Path) -> None:
    """`[[:alpha:]]` is ASCII letters to Pydantic (Rust's regex) and the locale's letters (`é` too) to
    PostgreSQL: no CHECK. Python's `re`, which runs no pattern, neither warns nor refuses (`\\p{..}`)."""
    import warnings

    spec = SPEC.replace("'^[A-Z]{2}[0-9]+$'", f"'{pattern}'")  # YAML's single quotes keep backslashes
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        catalog = schemagen.resolve(schemagen.parse_spec(spec))
        package = import_generated(tmp_path, catalog)
    assert not any(check.name.startswith("ck_people_code") for check in catalog.table("people").checks)
    if "alpha" in pattern:
        assert package.PeopleInsert.model_validate({"id": 1, "code": "abc"}).code == "abc"
        with pytest.raises(pydantic.ValidationError):
            package.PeopleInsert.model_validate({"id": 1, "code": "é"})


def test_raw_sql_is_held_to_the_rule_in_the_example_package(engine: Engine, tmp_path: Path) -> None:
    import generated.life_ceo as life_ceo  # the checked-in package, as an app imports it

    life_ceo.Base.metadata.create_all(engine)
    with engine.begin() as connection, pytest.raises(sqlalchemy.exc.IntegrityError,
                                                     match="ck_users_username_min_length_3"):
        connection.exec_driver_sql(
            "INSERT INTO users (public_id, username, email, password_hash, first_name, last_name) "
            "VALUES ('0123456789abcdef0123456789abcdef', 'ab', 'a@example.com', 'password', 'A', 'B')")
