"""Reading intervals that another writer stored: months never silently become days.

psycopg reads PostgreSQL's `1 mon` as `timedelta(days=30)`, and a month is not 30 days
(`2024-01-31 + 1 mon` is 2024-02-29, `+ 30 days` 2024-03-01). The generated column type reads
PostgreSQL's text of the interval instead: a value without months reads exactly, in either
IntervalStyle `postgres` or `iso_8601`; a value holding months or years reads as unreadable, and
loading its row raises, naming the table, the column and the row's primary key.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterator
from pathlib import Path
from types import ModuleType

import pytest
import sqlalchemy
from pydantic import ValidationError
from sqlalchemy.engine import Engine
from sqlalchemy.orm import Session

import schemagen
from tests.conftest import private_postgres, sqlite_engine
from tests.helpers import import_generated

SPEC = """
package: interval_reads
tables:
  plans:
    columns:
      id: {type: integer, primary_key: true}
      label: text
      every: interval
      everys: {type: interval, array: true}
"""

# Held exactly by a timedelta: what psycopg reads, our column type reads too
WITHOUT_MONTHS = ["1 day", "-1 days +02:00:00.25", "3 days 04:05:06.5", "-00:00:00.000001", "100:00:00",
                  "-3 days -04:05:06", "00:00:00", "2 weeks", "1 day -00:00:01"]
WITH_MONTHS = ["1 mon", "1 year 2 mons 3 days 04:05:06.5", "-1 year -2 mons +3 days -04:05:06.5", "12 mons",
               "-1 mon +30 days"]


@pytest.fixture(scope="module")
def plans(tmp_path_factory: pytest.TempPathFactory) -> ModuleType:
    return import_generated(tmp_path_factory.mktemp("intervals"), schemagen.resolve(schemagen.parse_spec(SPEC)))


@pytest.fixture
def postgres(plans: ModuleType) -> Iterator[Engine]:
    with private_postgres(plans.Base.metadata) as created:
        yield created


def _store(engine: Engine, values: list[str]) -> None:
    """Rows written by raw SQL, as another service would."""
    with engine.begin() as connection:
        for number, text in enumerate(values, 1):
            connection.exec_driver_sql("INSERT INTO plans (id, every) VALUES (%s, %s::interval)", (number, text))


def test_intervals_without_months_read_exactly(plans: ModuleType, postgres: Engine) -> None:
    _store(postgres, WITHOUT_MONTHS)
    with postgres.connect() as connection:
        by_driver = connection.exec_driver_sql("SELECT id, every FROM plans ORDER BY id").all()
    with Session(postgres) as session:
        read = session.scalars(sqlalchemy.select(plans.Plan).order_by(plans.Plan.id)).all()
        assert [(p.id, p.every) for p in read] == [tuple(row) for row in by_driver]
        dumped = [plans.PlanSelect.model_validate(p).model_dump(mode="json")["every"] for p in read]
    assert dumped[:3] == ["P1D", "-PT21H59M59.75S", "P3DT4H5M6.5S"]
    # ... and written back unchanged, through the Insert schema
    with Session(postgres) as session:
        for number, text in enumerate(dumped, 100):
            session.add(plans.Plan(id=number, **plans.PlanInsert.model_validate({"id": number, "every": text})
                                   .model_dump(exclude={"id"})))
        session.commit()
    with postgres.connect() as connection:
        pairs = connection.exec_driver_sql("SELECT a.every = b.every FROM plans a JOIN plans b ON b.id = a.id + 99").all()
    assert pairs == [(True,)] * len(WITHOUT_MONTHS)


@pytest.mark.parametrize("style", ["iso_8601", "postgres"])
def test_either_interval_style_reads_alike(plans: ModuleType, postgres: Engine, style: str) -> None:
    """psycopg itself reads only IntervalStyle `postgres`; the text of `iso_8601` reads as well."""
    _store(postgres, WITHOUT_MONTHS)
    with postgres.connect() as connection:
        expected = [row[0] for row in connection.exec_driver_sql("SELECT every FROM plans ORDER BY id")]
        connection.exec_driver_sql(f"SET intervalstyle = {style}")
        read = connection.scalars(sqlalchemy.select(plans.Plan.every).order_by(plans.Plan.id)).all()
    assert read == expected


def test_another_style_is_named(plans: ModuleType, postgres: Engine) -> None:
    _store(postgres, ["1 day"])
    with postgres.connect() as connection:
        connection.exec_driver_sql("SET intervalstyle = sql_standard")
        value = connection.scalars(sqlalchemy.select(plans.Plan.every)).one()
    with pytest.raises(ValidationError, match="IntervalStyle postgres or iso_8601"):
        value.total_seconds()


@pytest.mark.parametrize("text", WITH_MONTHS)
def test_months_are_never_read_as_days(plans: ModuleType, postgres: Engine, text: str) -> None:
    _store(postgres, ["1 day", text])
    with Session(postgres) as session:
        assert session.get(plans.Plan, 1).every == dt.timedelta(days=1)  # type: ignore[union-attr]
        with pytest.raises(ValidationError) as raised:
            session.get(plans.Plan, 2)
    error = raised.value
    assert error.title == "plans.every where id=2"
    with postgres.connect() as connection:
        stored = connection.exec_driver_sql("SELECT every::text FROM plans WHERE id = 2").scalar_one()
    assert [(e["type"], e["input"]) for e in error.errors()] == [("interval_months", stored)]
    assert "months and years have no fixed length" in str(error)
    # a Core read does not fail the whole query: the value raises where it is used
    with postgres.connect() as connection:
        rows = connection.execute(sqlalchemy.select(plans.Plan.id, plans.Plan.every).order_by(plans.Plan.id)).all()
        assert rows[0].every == dt.timedelta(days=1)
        with pytest.raises(ValidationError, match="interval_months"):
            rows[1].every.total_seconds()
        # the row keeps its month: calendar arithmetic in the database is untouched
        if text == "1 mon":
            day = connection.exec_driver_sql("SELECT ('2024-01-31'::date + every)::date FROM plans WHERE id = 2")
            assert day.scalar_one() == dt.date(2024, 2, 29)


def test_arrays_of_intervals_read_alike(plans: ModuleType, postgres: Engine) -> None:
    with postgres.begin() as connection:
        connection.exec_driver_sql("INSERT INTO plans (id, everys) VALUES (1, ARRAY['1 day', '-1 days +02:00:00.25']"
                                   "::interval[]), (2, ARRAY['1 day', '1 mon']::interval[]), (3, NULL)")
    with Session(postgres) as session:
        assert session.get(plans.Plan, 1).everys == [  # type: ignore[union-attr]
            dt.timedelta(days=1), dt.timedelta(hours=-22, seconds=0.25)]
        assert session.get(plans.Plan, 3).everys is None  # type: ignore[union-attr]
        with pytest.raises(ValidationError) as raised:
            session.get(plans.Plan, 2)
    assert raised.value.title == "plans.everys where id=2"
    assert [(e["type"], e["input"]) for e in raised.value.errors()] == [("interval_months", "1 mon")]
    with Session(postgres) as session:  # written back through the ORM unchanged
        session.add(plans.Plan(id=4, everys=[dt.timedelta(minutes=-1)]))
        session.commit()
    with postgres.connect() as connection:
        assert connection.scalars(sqlalchemy.select(plans.Plan.everys).where(plans.Plan.id == 4)).one() == [
            dt.timedelta(minutes=-1)]


def test_sqlite_keeps_intervals_as_it_did(plans: ModuleType, tmp_path: Path) -> None:
    """SQLite stores an interval as a datetime from 1970-01-01 (SQLAlchemy's `Interval`): no months."""
    engine = sqlite_engine(tmp_path / "i.db")
    plans.Base.metadata.create_all(engine)
    with Session(engine) as session:
        session.add(plans.Plan(id=1, every=dt.timedelta(days=-1, hours=2, microseconds=250000),
                               everys=[dt.timedelta(days=2)]))
        session.commit()
    with engine.connect() as connection:
        assert connection.exec_driver_sql("SELECT every FROM plans").scalar_one() == "1969-12-31 02:00:00.250000"
        assert connection.scalars(sqlalchemy.select(plans.Plan.every)).one() == dt.timedelta(hours=-22, seconds=0.25)
        assert connection.scalars(sqlalchemy.select(plans.Plan.everys)).one() == [dt.timedelta(days=2)]
    engine.dispose()
