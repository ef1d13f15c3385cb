"""`type: interval` with `months: true`: months and years survive as months and years (issue 14).

The column's values are the generated `Interval` (PostgreSQL's own three parts: months, days,
microseconds). PostgreSQL keeps them in an INTERVAL, written as ISO 8601 text it casts and read
from its text of the value; SQLite keeps the ISO 8601 text. `date + Interval` is PostgreSQL's
calendar arithmetic; the schemas read ISO 8601 and PostgreSQL's spellings and dump ISO 8601.
"""

from __future__ import annotations

import datetime as dt
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path
from types import ModuleType
from decimal import Decimal
from typing import Any
from zoneinfo import ZoneInfo

import pytest
import sqlalchemy
from pydantic import ValidationError
from sqlalchemy.dialects.postgresql import INTERVAL
from sqlalchemy.engine import Engine
from sqlalchemy.orm import Session

import schemagen
from tests import migrate_helpers
from tests.conftest import private_postgres, sqlite_engine
from tests.helpers import import_generated

db_url = migrate_helpers.db_url  # the fixture: a SQLite file, then a private PostgreSQL schema

SPEC = """
package: interval_months
tables:
  plans:
    columns:
      id: {type: integer, primary_key: true}
      starts_at: timestamp
      every: {type: interval, months: true}
      everys: {type: interval, months: true, array: true}
      plain: interval
"""

# As PostgreSQL reads them, with months, days and time of either sign
STORED = ["1 mon", "1 year 2 mons 3 days 04:05:06.5", "-1 year -2 mons +3 days -04:05:06.5", "12 mons",
          "-1 mon +30 days", "2 years 3 mons -4 days +05:06:07", "@ 1 mon ago", "P1Y2M3DT4H5M6.5S",
          "P-1Y-2M3DT-4H-5M-6.5S", "1 day", "-1 days +02:00:00.25", "-00:00:00.000001", "100:00:00", "00:00:00",
          "2 weeks", "1 day -00:00:01", "1 mon -00:00:00.000001", "1.5 years", "1 decade 1 century",
          "178956970 years 7 mons 2147483647 days 2562047788:00:54.775807",
          "P-178956970Y-8M-2147483648DT-2562047788H-54.775808S"]
BASES = [dt.datetime(2024, 1, 31), dt.datetime(2023, 3, 31, 23, 59, 59, 999999), dt.datetime(2024, 2, 29, 12),
         dt.datetime(2000, 12, 31, 0, 0, 0, 1)]


@pytest.fixture(scope="module")
def plans(tmp_path_factory: pytest.TempPathFactory) -> ModuleType:
    return import_generated(tmp_path_factory.mktemp("months"), schemagen.resolve(schemagen.parse_spec(SPEC)))


@pytest.fixture
def postgres(plans: ModuleType) -> Iterator[Engine]:
    with private_postgres(plans.Base.metadata) as created:
        yield created


@pytest.fixture
def sqlite(plans: ModuleType, tmp_path: Path) -> Iterator[Engine]:
    created = sqlite_engine(tmp_path / "months.db")
    plans.Base.metadata.create_all(created)
    yield created
    created.dispose()


def _store(engine: Engine, values: list[str]) -> None:
    """Rows written by raw SQL, as another service would."""
    with engine.begin() as connection:
        for number, text in enumerate(values, 1):
            connection.exec_driver_sql("INSERT INTO plans (id, every) VALUES (%s, %s::interval)", (number, text))


def _iso_texts(engine: Engine) -> list[str]:
    """PostgreSQL's own ISO 8601 text of each stored value, by id."""
    with engine.connect() as connection:
        connection.exec_driver_sql("SET intervalstyle = iso_8601")
        return [row[0] for row in connection.exec_driver_sql("SELECT every::text FROM plans ORDER BY id")]


def test_rows_with_months_read_as_months(plans: ModuleType, postgres: Engine) -> None:
    """Failed before: `1 mon` read as 30 days by psycopg, or (plain interval) raised on load."""
    _store(postgres, STORED)
    with Session(postgres) as session:
        read = session.scalars(sqlalchemy.select(plans.Plan).order_by(plans.Plan.id)).all()
        assert read[0].every == plans.types.Interval(months=1)
        dumped = [plans.PlanSelect.model_validate(p).model_dump(mode="json")["every"] for p in read]
    assert dumped[0] == "P1M"
    assert dumped == _iso_texts(postgres)  # exactly the database's three parts
    # a Core read gives the same values
    with postgres.connect() as connection:
        assert connection.scalars(sqlalchemy.select(plans.Plan.every).order_by(plans.Plan.id)).all() \
            == [p.every for p in read]
        connection.exec_driver_sql("SET intervalstyle = iso_8601")  # the other style PostgreSQL writes
        assert connection.scalars(sqlalchemy.select(plans.Plan.every).order_by(plans.Plan.id)).all() \
            == [p.every for p in read]


def test_written_back_unchanged_through_the_insert_schema(plans: ModuleType, postgres: Engine) -> None:
    _store(postgres, STORED)
    expected = _iso_texts(postgres)
    with Session(postgres) as session:
        for number, text in enumerate(expected, 100):
            payload = plans.PlanInsert.model_validate_json(f'{{"id": {number}, "every": "{text}"}}')
            assert plans.PlanInsert.model_validate_json(payload.model_dump_json()) == payload
            session.add(plans.Plan(**payload.model_dump()))
        session.commit()
    with postgres.connect() as connection:
        connection.exec_driver_sql("SET intervalstyle = iso_8601")
        written = [row[0] for row in connection.exec_driver_sql("SELECT every::text FROM plans WHERE id >= 100 "
                                                                "ORDER BY id")]
    assert written == expected


def test_calendar_arithmetic_is_postgresqls(plans: ModuleType, postgres: Engine) -> None:
    """`timestamp + interval` and `date + interval` in SQL equal `datetime/date + value` in Python."""
    _store(postgres, STORED[:-2])
    with Session(postgres) as session:
        values = [p.every for p in session.scalars(sqlalchemy.select(plans.Plan).order_by(plans.Plan.id))]
    with postgres.connect() as connection:
        for base in BASES:
            sql = connection.exec_driver_sql("SELECT %s::timestamp + every, %s::timestamp - every FROM plans "
                                             "ORDER BY id", (base, base)).all()
            assert sql == [(base + value, base - value) for value in values], base
        day = connection.exec_driver_sql("SELECT ('2024-01-31'::date + every)::date FROM plans WHERE id = 1")
        assert day.scalar_one() == dt.date(2024, 1, 31) + values[0] == dt.date(2024, 2, 29)
        aware = dt.datetime(2024, 3, 30, 12, tzinfo=dt.UTC)
        connection.exec_driver_sql("SET TIME ZONE 'UTC'")
        sql = connection.exec_driver_sql("SELECT %s::timestamptz + every FROM plans ORDER BY id", (aware,)).all()
        assert [row[0] for row in sql] == [aware + value for value in values]


def test_aware_arithmetic_where_the_clock_changes_is_postgresqls(plans: ModuleType, postgres: Engine) -> None:
    """`timestamptz + interval` in a session of the datetime's zone: months and days move the local
    time, each step's local time read as PostgreSQL reads it (a time the clock skips or repeats: the
    smaller offset), then the time moves the instant. Failed before, an hour off: a repeated local
    time took the first offset, and after the months a skipped one kept its wall time for the days.
    A random search (1.2 million sums in six zones) found no other difference."""
    Interval = plans.types.Interval
    berlin = ZoneInfo("Europe/Berlin")  # 2024: 02:00-03:00 skipped on March 31, repeated on October 27
    cases = [(dt.datetime(2024, 1, 31, 2, 30, tzinfo=berlin), Interval(months=2, days=1)),  # skipped, then days
             (dt.datetime(2024, 1, 31, 2, 30, tzinfo=berlin), Interval(months=2, hours=1)),
             (dt.datetime(2024, 10, 26, 2, 30, tzinfo=berlin), Interval(days=1)),  # repeated
             (dt.datetime(2024, 9, 27, 2, 30, tzinfo=berlin), Interval(months=1, microseconds=1)),
             (dt.datetime(2024, 11, 27, 2, 30, tzinfo=berlin), Interval(months=-1, days=1)),
             (dt.datetime(2024, 10, 27, 2, 30, fold=1, tzinfo=berlin), Interval(hours=1)),  # an instant: as it is
             (dt.datetime(2024, 3, 31, 2, 30, tzinfo=berlin), Interval(days=1)),  # skipped: fold=0's instant
             (dt.datetime(2024, 4, 30, 2, 30, tzinfo=berlin), Interval(months=-1, days=-1, hours=-25))]
    with postgres.connect() as connection:
        connection.exec_driver_sql("SET TIME ZONE 'Europe/Berlin'")
        for base, value in cases:
            sql = connection.exec_driver_sql("SELECT %s::timestamptz + %s::interval, %s::timestamptz - %s::interval",
                                             (base, str(value), base, str(value))).one()
            assert (base + value, base - value) == tuple(sql), (base, value)
            assert (base + value).tzinfo is berlin


def test_sqlite_keeps_months_as_iso_text(plans: ModuleType, sqlite: Engine) -> None:
    Interval = plans.types.Interval
    value = Interval(years=-1, months=-2, days=3, microseconds=-14706500000)
    with Session(sqlite) as session:
        session.add(plans.Plan(id=1, every=value, everys=[Interval(months=1), Interval(days=30)]))
        session.commit()
    with sqlite.begin() as connection:
        assert connection.exec_driver_sql("SELECT every, everys FROM plans").one() == (
            "P-1Y-2M3DT-4H-5M-6.5S", '["P1M", "P30D"]')
        # written by raw SQL, in either spelling
        connection.exec_driver_sql("INSERT INTO plans (id, every) VALUES (2, '1 mon'), (3, 'P1M'), (4, 'soon')")
    with Session(sqlite) as session:
        assert session.get(plans.Plan, 1).every == value  # type: ignore[union-attr]
        assert session.get(plans.Plan, 1).everys == [Interval(months=1), Interval(days=30)]  # type: ignore[union-attr]
        assert session.get(plans.Plan, 2).every == session.get(plans.Plan, 3).every == Interval(months=1)  # type: ignore[union-attr]
        assert plans.PlanSelect.model_validate(session.get(plans.Plan, 3)).model_dump(mode="json")["every"] == "P1M"
        with pytest.raises(ValidationError) as raised:
            session.get(plans.Plan, 4)
    assert raised.value.title == "plans.every where id=4"
    assert [e["type"] for e in raised.value.errors()] == ["interval_type"]
    with sqlite.connect() as connection:  # compared as the text stored: another writer's '1 mon' is not 'P1M'
        found = connection.scalars(sqlalchemy.select(plans.Plan.id).where(plans.Plan.every == Interval(months=1)))
        assert found.all() == [3]


def test_arrays_of_months_on_postgresql(plans: ModuleType, postgres: Engine) -> None:
    Interval = plans.types.Interval
    with postgres.begin() as connection:
        connection.exec_driver_sql("INSERT INTO plans (id, everys) VALUES (1, ARRAY['1 mon', '-1 days +02:00:00.25']"
                                   "::interval[]), (2, NULL)")
    with Session(postgres) as session:
        assert session.get(plans.Plan, 1).everys == [  # type: ignore[union-attr]
            Interval(months=1), Interval(days=-1, hours=2, microseconds=250000)]
        assert session.get(plans.Plan, 2).everys is None  # type: ignore[union-attr]
        session.add(plans.Plan(id=3, everys=[Interval(years=1, days=-1), Interval()]))
        session.commit()
    with postgres.connect() as connection:
        connection.exec_driver_sql("SET intervalstyle = iso_8601")
        assert connection.exec_driver_sql("SELECT everys::text FROM plans WHERE id = 3").scalar_one() \
            == "{P1Y-1D,PT0S}"


def test_the_schemas_take_what_postgresql_takes(plans: ModuleType, postgres: Engine) -> None:
    """Each spelling the Insert schema reads is the interval PostgreSQL reads from it; what it refuses,
    PostgreSQL refuses, or would turn into days."""
    accepted = ["1 mon", "2 years 3 mons -4 days +05:06:07", "@ 1 mon ago", "P1Y2M3DT4H5M6.5S",
                "P-1Y-2M3DT-4H-5M-6.5S", "3 hours 30 mins", "@ 2 hours ago", "1.5 days", "P1W", "PT36H",
                "2147483647 mons", "-2147483648 days"]
    with postgres.connect() as connection:
        connection.exec_driver_sql("SET intervalstyle = iso_8601")
        for text in accepted:
            value = plans.PlanInsert.model_validate({"id": 1, "every": text}).every
            assert str(value) == connection.exec_driver_sql("SELECT %s::interval::text", (text,)).scalar_one(), text
    refused = {30: "interval_type", 1.5: "interval_type", True: "interval_type", "P": "interval_type",
               "1.5 mons": "interval_month_fraction", "P0.5M": "interval_month_fraction",
               "2147483648 mons": "interval_range", "-2147483649 days": "interval_range"}
    for value, kind in refused.items():
        with pytest.raises(ValidationError) as raised:
            plans.PlanInsert.model_validate({"id": 1, "every": value})
        assert [e["type"] for e in raised.value.errors()] == [kind], value
    for too_big in ("2147483648 mons", "-2147483649 days"):
        with pytest.raises(sqlalchemy.exc.DataError), postgres.connect() as connection:
            connection.exec_driver_sql("SELECT %s::interval", (too_big,))
    schema = plans.PlanInsert.model_json_schema()["properties"]["every"]
    assert schema["anyOf"][0] == {"type": "string", "format": "duration"}
    # Pydantic's own spelling of a negative timedelta (a sign before the P) reads too
    assert plans.PlanInsert.model_validate({"id": 1, "every": "-P1DT2H"}).every == plans.types.Interval(days=-1, hours=-2)
    # python mode: an Interval or a timedelta (its days as days)
    assert plans.PlanInsert(id=1, every=dt.timedelta(days=1, hours=2)).every == plans.types.Interval(days=1, hours=2)


def test_plain_interval_keeps_refusing_months(plans: ModuleType) -> None:
    with pytest.raises(ValidationError, match="interval_months"):
        plans.PlanInsert.model_validate({"id": 1, "plain": "1 mon"})
    assert plans.PlanInsert.model_validate({"id": 1, "plain": "1 day"}).plain == dt.timedelta(days=1)


def test_interval_values(plans: ModuleType) -> None:
    Interval = plans.types.Interval
    value = Interval(months=14, days=-3, microseconds=-1)
    assert repr(value) == "Interval(months=14, days=-3, microseconds=-1)" and repr(Interval()) == "Interval()"
    assert str(value) == "P1Y2M-3DT-0.000001S" and str(Interval()) == "PT0S"
    assert -value == Interval(months=-14, days=3, microseconds=1) and value - value == Interval() and not Interval()
    assert value + Interval(days=3) == Interval(months=14, microseconds=-1)
    assert Interval(months=1) != Interval(days=30)  # PostgreSQL's `=` says equal; their parts differ
    assert hash(Interval(years=1)) == hash(Interval(months=12))
    assert dt.date(2024, 1, 31) + Interval(months=1) == dt.date(2024, 2, 29)
    assert dt.date(2024, 3, 31) - Interval(months=1, days=1) == dt.date(2024, 2, 28)
    with pytest.raises(ValueError, match="no date"):
        dt.date(2024, 1, 31) + Interval(hours=1)
    with pytest.raises(AttributeError):
        value.months = 1
    with pytest.raises(TypeError):
        1 + value  # type: ignore[operator]
    import pickle
    assert pickle.loads(pickle.dumps(value)) == value


def test_typed_code_using_intervals_checks(plans: ModuleType, tmp_path: Path) -> None:
    """Code using the column and `Interval` is typed for mypy --strict and pyright strict."""
    package = Path(plans.__file__).parent
    user = tmp_path / "user_code.py"
    user.write_text(f"""import datetime

from {plans.__name__}.models import Plan
from {plans.__name__}.schemas import PlanSelect
from {plans.__name__}.types import Interval


def due(plan: Plan, start: datetime.date, at: datetime.datetime) -> tuple[datetime.date, datetime.datetime]:
    every: Interval | None = plan.every
    step = every if every is not None else Interval(months=1)
    later: datetime.datetime = at + step - Interval(days=1)
    return start + step, later


def dumped(plan: Plan) -> str | None:
    value = PlanSelect.model_validate(plan).every
    return None if value is None else str(value + Interval(years=1))
""", "utf-8")
    paths = {"PYTHONPATH": str(package.parent)}
    mypy = subprocess.run([sys.executable, "-m", "mypy", "--strict", "--no-incremental", "--cache-dir", "/dev/null",
                           str(user)], capture_output=True, text=True, env={**_env(), **paths}, timeout=600)
    assert mypy.returncode == 0, mypy.stdout + mypy.stderr
    config = tmp_path / "pyrightconfig.json"
    config.write_text(f'{{"typeCheckingMode": "strict", "pythonVersion": "3.11", "extraPaths": ["{package.parent}"]}}')
    pyright = subprocess.run([str(Path(sys.executable).with_name("pyright")), "--pythonpath", sys.executable,
                              "--project", str(config), str(user)], capture_output=True, text=True, timeout=600)
    assert pyright.returncode == 0 and "0 errors" in pyright.stdout, pyright.stdout + pyright.stderr


def _env() -> dict[str, Any]:
    import os

    return dict(os.environ)


PLAIN = """\
package: months_app
tables:
  plans:
    columns:
      id: {type: integer, primary_key: true}
      every: interval
"""


def test_migrating_between_timedelta_and_months(db_url: str, tmp_path: Path) -> None:
    """PostgreSQL: one SQL type (INTERVAL), so no DDL either way, and rows keep their months. SQLite:
    a datetime from 1970-01-01 becomes ISO 8601 text, a storage change the migration refuses (the
    rows would be kept as datetimes that read as no interval) rather than losing them."""
    from schemagen.migrate import commands
    from schemagen.migrate.database import MigrateError
    from tests.migrate_helpers import project, write_spec

    specs = tmp_path / "specs"
    first = project(write_spec(specs, PLAIN), tmp_path / "m")
    commands.migrate(first, db_url, "one", allow_destructive=False)
    commands.upgrade(first, db_url)
    months = project(write_spec(specs, PLAIN.replace("every: interval", "every: {type: interval, months: true}")),
                     tmp_path / "m")
    if db_url.startswith("sqlite"):
        with pytest.raises(MigrateError, match=r"plans\.every \(DATETIME -> TEXT\)") as refused:
            commands.migrate(months, db_url, "two", allow_destructive=False)
        assert "stored values are not converted" in str(refused.value)
        return
    assert commands.migrate(months, db_url, "two", allow_destructive=False).upgrade.is_empty()
    engine = sqlalchemy.create_engine(db_url)
    try:
        with engine.begin() as connection:
            connection.exec_driver_sql("INSERT INTO plans VALUES (1, '1 mon 2 days')")
            every = months.metadata.tables["plans"].c.every  # read through the generated column type
            assert str(connection.scalars(sqlalchemy.select(every)).one()) == "P1M2D"
    finally:
        engine.dispose()
    back = project(write_spec(specs, PLAIN), tmp_path / "m")
    assert commands.migrate(back, db_url, "three", allow_destructive=False).upgrade.is_empty()


# SQL operators: a hand-written INTERVAL table holding the same values is what the columns must match
class _Hand(sqlalchemy.orm.DeclarativeBase):
    pass


class _HandPlan(_Hand):
    __tablename__ = "hand_plans"
    id: sqlalchemy.orm.Mapped[int] = sqlalchemy.orm.mapped_column(primary_key=True)
    starts_at: sqlalchemy.orm.Mapped[dt.datetime | None] = sqlalchemy.orm.mapped_column(sqlalchemy.DateTime)
    every: sqlalchemy.orm.Mapped[dt.timedelta | None] = sqlalchemy.orm.mapped_column(INTERVAL)
    plain: sqlalchemy.orm.Mapped[dt.timedelta | None] = sqlalchemy.orm.mapped_column(INTERVAL)


_AT = sqlalchemy.cast(sqlalchemy.literal(dt.datetime(2024, 1, 31, 12)), sqlalchemy.DateTime)
_DAY = sqlalchemy.cast(sqlalchemy.literal(dt.date(2024, 1, 31)), sqlalchemy.Date)
# each operator, given the column and a constant interval (the column's own value type)
OPERATORS: dict[str, Any] = {
    "c + c": lambda c, v: c + c, "c - c": lambda c, v: c - c, "-c": lambda c, v: -c,
    "c + v": lambda c, v: c + v, "v + c": lambda c, v: v + c, "c - v": lambda c, v: c - v,
    "c * 2": lambda c, v: c * 2, "2 * c": lambda c, v: 2 * c, "c * 1.5": lambda c, v: c * 1.5,
    "c * Decimal": lambda c, v: c * Decimal("0.25"), "c / 2": lambda c, v: c / 2, "c / 1.5": lambda c, v: c / 1.5,
    "(c + c) * 3": lambda c, v: (c + c) * 3, "c * 3 + c": lambda c, v: c * 3 + c,
    "timestamp + c": lambda c, v: _AT + c, "timestamp - c": lambda c, v: _AT - c, "c + timestamp": lambda c, v: c + _AT,
    "date + c": lambda c, v: _DAY + c, "c + datetime": lambda c, v: c + dt.datetime(2024, 1, 31, 12),
    "datetime - c": lambda c, v: dt.datetime(2024, 1, 31, 12) - c, "datetime + c": lambda c, v: dt.datetime(2024, 1, 31, 12) + c,
    # another operand first, compiled by its type: a column, a function, a literal of SQLAlchemy's
    # own Interval, a number; Core's column (`table.c`) as well as the ORM's attribute
    "column + c": lambda c, v: c.class_.starts_at + c, "column - c": lambda c, v: c.class_.starts_at - c,
    "function + c": lambda c, v: sqlalchemy.func.coalesce(_AT, _AT) + c,
    "timedelta literal + c": lambda c, v: sqlalchemy.literal(dt.timedelta(days=1, hours=2)) + c,
    "timedelta literal - c": lambda c, v: sqlalchemy.literal(dt.timedelta(days=1, hours=2)) - c,
    "1.5 * c": lambda c, v: 1.5 * c, "Decimal * c": lambda c, v: Decimal("0.25") * c,
    "core column + c": lambda c, v: c.class_.__table__.c.starts_at + c.class_.__table__.c[c.key],
    "core 2 * c": lambda c, v: 2 * c.class_.__table__.c[c.key],
    "core timestamp - c": lambda c, v: _AT - c.class_.__table__.c[c.key],
}
TIMESTAMPS = {"timestamp + c", "timestamp - c", "c + timestamp", "date + c", "c + datetime", "datetime - c",
              "datetime + c", "column + c", "column - c", "function + c", "core column + c", "core timestamp - c"}
MONTHS_ROWS = ["1 mon 2 days 03:04:05", "-1 year +3 days -00:00:01.5", "36:00:00", "0", "1 year 11 mons"]
PLAIN_ROWS = ["2 days 03:04:05", "-36:00:00.25", "0", "1 day -00:00:01"]


def _threshold(name: str, interval: Any) -> Any:
    """A value to compare the expression's result to in a WHERE: a timestamp, or the interval given."""
    return dt.datetime(2024, 2, 1) if name in TIMESTAMPS else interval


def _ids(engine: Engine, table: Any, condition: Any) -> list[int]:
    with Session(engine) as session:
        return list(session.scalars(sqlalchemy.select(table.id).where(condition).order_by(table.id)))


def _hand_texts(engine: Engine, expression: Any) -> list[Any]:
    """The hand-written column's results: PostgreSQL's ISO 8601 text of an interval, a timestamp as it is."""
    with engine.connect() as connection:
        connection.exec_driver_sql("SET intervalstyle = iso_8601")
        if isinstance(expression.type._type_affinity(), sqlalchemy.Interval):  # noqa: SLF001
            expression = sqlalchemy.cast(expression, sqlalchemy.Text)
        return list(connection.scalars(sqlalchemy.select(expression).order_by(_HandPlan.id)))


@pytest.mark.filterwarnings("ignore:Type object <class 'sqlalchemy.dialects.postgresql.types.INTERVAL'>")
@pytest.mark.parametrize("name", OPERATORS)
def test_sql_operators_are_postgresqls_interval_operators(plans: ModuleType, postgres: Engine, name: str) -> None:
    """Failed before: `every + every` compiled to `||` (no such operator for intervals), `every * 2` bound
    the 2 as an interval, `plain * 2` cast the 2 to an interval (PostgreSQL refuses both)."""
    Interval, Plan, operator = plans.types.Interval, plans.Plan, OPERATORS[name]
    _Hand.metadata.create_all(postgres)
    with postgres.begin() as connection:
        for number, (every, plain) in enumerate(zip(MONTHS_ROWS, PLAIN_ROWS + ["0"], strict=True), 1):
            for table in ("plans", "hand_plans"):
                connection.exec_driver_sql(f"INSERT INTO {table} (id, starts_at, every, plain) VALUES (%s, "
                                           "%s, %s::interval, %s::interval)", (number, BASES[number % 4], every, plain))
    constant = Interval(months=1, days=-2, hours=5)
    with Session(postgres) as session:
        every = session.scalars(sqlalchemy.select(operator(Plan.every, constant)).order_by(Plan.id)).all()
    expected = _hand_texts(postgres, operator(_HandPlan.every, sqlalchemy.cast(str(constant), INTERVAL)))
    assert [str(value) if isinstance(value, Interval) else value for value in every] == expected
    assert all(isinstance(value, Interval if isinstance(value, Interval) else dt.datetime) for value in every)
    if name in TIMESTAMPS:
        assert isinstance(operator(Plan.every, constant).type, sqlalchemy.DateTime)
    else:  # read back as the column's own values
        assert all(isinstance(value, Interval) for value in every)
    # a plain interval (timedelta) column: the same as the hand-written one
    constant_delta = dt.timedelta(days=-2, hours=5)
    with Session(postgres) as session:
        plain = session.scalars(sqlalchemy.select(operator(Plan.plain, constant_delta)).order_by(Plan.id)).all()
    with postgres.connect() as connection:
        hand = connection.scalars(sqlalchemy.select(operator(_HandPlan.plain, constant_delta))
                                  .order_by(_HandPlan.id)).all()
    assert plain == hand
    # in a WHERE: the same rows as the hand-written columns'
    day = dt.timedelta(days=1)
    hand_ids = _ids(postgres, _HandPlan, operator(_HandPlan.every, sqlalchemy.cast(str(constant), INTERVAL))
                    > _threshold(name, day))
    assert _ids(postgres, Plan, operator(Plan.every, constant) > _threshold(name, Interval(days=1))) == hand_ids
    hand_ids = _ids(postgres, _HandPlan, operator(_HandPlan.plain, constant_delta) > _threshold(name, day))
    assert _ids(postgres, Plan, operator(Plan.plain, constant_delta) > _threshold(name, day)) == hand_ids


@pytest.mark.parametrize("name", OPERATORS)
def test_sqlite_refuses_interval_arithmetic(plans: ModuleType, sqlite: Engine, name: str) -> None:
    """Failed before: SQLite concatenated or added the stored text and dates, a silently wrong answer."""
    Interval, Plan, operator = plans.types.Interval, plans.Plan, OPERATORS[name]
    with Session(sqlite) as session:
        session.add(plans.Plan(id=1, every=Interval(months=1), plain=dt.timedelta(days=1)))
        session.commit()
        for column, constant in ((Plan.every, Interval(days=1)), (Plan.plain, dt.timedelta(days=1))):
            expression = operator(column, constant)
            for statement in (sqlalchemy.select(expression),
                              sqlalchemy.select(Plan.id).where(expression > _threshold(name, constant))):
                with pytest.raises(sqlalchemy.exc.CompileError,
                                   match=rf"^plans\.{column.key}: sqlite has no interval arithmetic"):
                    session.execute(statement)


@pytest.mark.parametrize("name", ["id % c", "id // c", "c // id", "c % 2"])
def test_sqlite_refuses_floor_division_and_modulo_of_intervals(plans: ModuleType, sqlite: Engine, name: str) -> None:
    """Failed before: `id % plain > 0` found the row, `id // plain > 0` none: numbers from the stored text."""
    Plan = plans.Plan
    operator = {"id % c": lambda c: Plan.id % c, "id // c": lambda c: Plan.id // c, "c // id": lambda c: c // Plan.id,
                "c % 2": lambda c: c % 2}[name]
    with Session(sqlite) as session:
        session.add(Plan(id=1, every=plans.types.Interval(months=1), plain=dt.timedelta(days=1)))
        session.commit()
        for column in (Plan.every, Plan.plain):
            with pytest.raises(sqlalchemy.exc.CompileError,
                               match=rf"^plans\.{column.key}: sqlite has no interval arithmetic"):
                session.execute(sqlalchemy.select(Plan.id).where(operator(column) > 0))


def test_sqlite_comparisons_keep_working(plans: ModuleType, sqlite: Engine) -> None:
    Interval, Plan = plans.types.Interval, plans.Plan
    with Session(sqlite) as session:
        session.add_all([Plan(id=1, every=Interval(months=1), plain=dt.timedelta(days=1)),
                         Plan(id=2, every=Interval(days=30), plain=dt.timedelta(hours=1))])
        session.commit()
        assert session.scalars(sqlalchemy.select(Plan.id).where(Plan.every == Interval(months=1))).all() == [1]
        assert session.scalars(sqlalchemy.select(Plan.id).where(Plan.every != Interval(months=1))).all() == [2]
        assert session.scalars(sqlalchemy.select(Plan.id).where(
            Plan.every.in_([Interval(days=30), Interval(years=1)]))).all() == [2]
        assert session.scalars(sqlalchemy.select(Plan.id).where(Plan.plain == dt.timedelta(hours=1))).all() == [2]
        assert session.scalars(sqlalchemy.select(Plan.id).where(Plan.plain > dt.timedelta(hours=2))).all() == [1]


def test_sqlite_refusal_survives_another_generated_package(plans: ModuleType, sqlite: Engine,
                                                           tmp_path: Path) -> None:
    """Each generated package registers SQLite's compile hook for binary expressions, the last one
    replacing the others: the first package's interval columns must still be refused."""
    other = import_generated(tmp_path, schemagen.resolve(schemagen.parse_spec(
        "package: interval_other\ntables:\n  waits:\n    columns:\n      id: {type: integer, primary_key: true}\n"
        "      every: interval\n      at: timestamp\n")))
    with Session(sqlite) as session:
        for expression in (plans.Plan.starts_at + plans.Plan.every, 2 * plans.Plan.plain):
            with pytest.raises(sqlalchemy.exc.CompileError, match=r"^plans\.(every|plain): sqlite has no interval"):
                session.execute(sqlalchemy.select(expression))
    waits = sqlalchemy.select(other.Wait.at + other.Wait.every)
    with pytest.raises(sqlalchemy.exc.CompileError, match=r"^waits\.every: sqlite has no interval"):
        waits.compile(dialect=sqlite.dialect)
    # other arithmetic compiles as SQLAlchemy compiles it
    assert str(sqlalchemy.select(plans.Plan.id + 1).compile(dialect=sqlite.dialect)).startswith(
        "SELECT plans.id + ?")
