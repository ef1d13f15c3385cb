"""Run-time cost of generated code vs hand-written code, in one fresh process; prints JSON.

`python bench/runtime_cost.py GENERATED_PACKAGE HANDWRITTEN_MODULE TABLE DB_DIR`, with both importable
(run.py sets PYTHONPATH). Measures, for one table (class name TABLE, e.g. Table0025):

- validation throughput of `<TABLE>Insert.model_validate` on valid payloads, and separately on
  invalid ones (each breaks one rule that has a spec message: the generated schema answers with the
  spec's message, the hand-written one with Pydantic's default);
- ORM insert throughput on SQLite: build model objects from validated data, `session.add_all`,
  `commit`, in batches; the same data for both.

The two sides run alternately, several rounds each, and the median round is reported, so that a
machine that slows down during the run affects both alike.
"""

from __future__ import annotations

import importlib
import json
import statistics
import sys
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

from pydantic import BaseModel, ValidationError
from sqlalchemy import create_engine
from sqlalchemy.orm import Session

ROUNDS = 9
ROUND_SECONDS = 0.4
PAYLOADS = 300
ORM_BATCH = 2000


def valid_payload(i: int) -> dict[str, Any]:
    return {
        "name": f"Name {i}",
        "email": f"user{i}@example.com",
        "score": i % 1001,
        "price": f"{i % 100000}.{i % 100:02d}",
        "status": ("draft", "active", "archived")[i % 3],
        "tags": [f"tag{i % 7}", "bench"],
        "settings": {"enabled": i % 2 == 0, "limit": 1 + i % 50,
                     "address": {"street": f"{i} Main St", "city": "Springfield", "postal_code": "AB 123"}},
    }


def invalid_payload(i: int) -> dict[str, Any]:
    """A valid payload with one rule broken; the rule alternates between three that have messages."""
    payload = valid_payload(i)
    field, value = (("name", "x"), ("email", "not-an-email"), ("score", 5000))[i % 3]
    payload[field] = value
    return payload


def _throughput(call: Callable[[Any], object], items: list[Any]) -> float:
    """Calls per second of `call` over `items`, repeated for at least ROUND_SECONDS."""
    done = 0
    start = time.perf_counter()
    while True:
        for item in items:
            call(item)
        done += len(items)
        elapsed = time.perf_counter() - start
        if elapsed >= ROUND_SECONDS:
            return done / elapsed


def _rejecting(schema: type[BaseModel]) -> Callable[[Any], object]:
    def validate(payload: Any) -> object:
        try:
            schema.model_validate(payload)
        except ValidationError as exc:
            return exc
        raise AssertionError(f"{schema.__name__} accepted an invalid payload: {payload}")

    return validate


def _error_places(schema: type[BaseModel], payloads: list[dict[str, Any]]) -> list[tuple[object, ...]]:
    places: list[tuple[object, ...]] = []
    for payload in payloads:
        try:
            schema.model_validate(payload)
            places.append(())
        except ValidationError as exc:
            places.append(tuple(error["loc"] for error in exc.errors()))
    return places


def _alternate(measures: dict[str, Callable[[], float]]) -> dict[str, float]:
    """Median of ROUNDS rounds of each measure, the measures taking turns."""
    results: dict[str, list[float]] = {name: [] for name in measures}
    for _ in range(ROUNDS):
        for name, measure in measures.items():
            results[name].append(measure())
    return {name: statistics.median(values) for name, values in results.items()}


class Side:
    """One implementation of the table: its Insert schema, model class and metadata."""

    def __init__(self, module_name: str, table: str, db_file: Path) -> None:
        module = importlib.import_module(module_name)
        self.insert: type[BaseModel] = getattr(module, f"{table}Insert")
        self.model: type[Any] = getattr(module, table)
        self.engine = create_engine(f"sqlite:///{db_file}")
        self.model.metadata.create_all(self.engine)
        self.next_row = 0

    def insert_rows(self) -> float:
        """Rows per second for one batch of ORM inserts (validated data prepared beforehand)."""
        first, self.next_row = self.next_row, self.next_row + ORM_BATCH
        rows = [self.insert.model_validate(valid_payload(i)).model_dump() for i in range(first, self.next_row)]
        start = time.perf_counter()
        with Session(self.engine) as session:
            session.add_all([self.model(**values) for values in rows])
            session.commit()
        return ORM_BATCH / (time.perf_counter() - start)


def _first_message(schema: type[BaseModel], payload: dict[str, Any]) -> str:
    try:
        schema.model_validate(payload)
    except ValidationError as exc:
        return str(exc.errors()[0]["msg"])
    return "(accepted)"


def measure(generated: str, handwritten: str, table: str, db_dir: Path) -> dict[str, dict[str, float | str]]:
    sides = {"generated": Side(generated, table, db_dir / "generated.db"),
             "handwritten": Side(handwritten, table, db_dir / "handwritten.db")}
    valid = [valid_payload(i) for i in range(PAYLOADS)]
    invalid = [invalid_payload(i) for i in range(PAYLOADS)]
    places = {name: _error_places(side.insert, invalid) for name, side in sides.items()}
    if places["generated"] != places["handwritten"]:
        raise AssertionError("the two Insert schemas reject different fields; the comparison would be unfair")

    def validating(side: Side, items: list[dict[str, Any]]) -> Callable[[], float]:
        return lambda: _throughput(side.insert.model_validate, items)

    def rejecting(side: Side) -> Callable[[], float]:
        return lambda: _throughput(_rejecting(side.insert), invalid)

    valid_rates = _alternate({name: validating(side, valid) for name, side in sides.items()})
    invalid_rates = _alternate({name: rejecting(side) for name, side in sides.items()})
    insert_rates = _alternate({name: side.insert_rows for name, side in sides.items()})
    return {name: {"valid_per_s": valid_rates[name], "invalid_per_s": invalid_rates[name],
                   "rows_per_s": insert_rates[name], "name_error": _first_message(side.insert, invalid[0])}
            for name, side in sides.items()}


if __name__ == "__main__":
    generated_module, handwritten_module, table_class, folder = sys.argv[1:5]
    print(json.dumps(measure(generated_module, handwritten_module, table_class, Path(folder))))
