"""Property: for random valid specs, spec -> SQLite database -> pull -> build gives the same database.

The specs come from `strategies.spec_plans()` (hostile names, every column kind, defaults, keys,
indexes, relations); the comparison is `tests.test_pull.database`, everything reflection reports.
"""

from __future__ import annotations

import tempfile
from pathlib import Path

from hypothesis import HealthCheck, given, note, settings

import schemagen
from tests.conftest import sqlite_engine
from tests.property.strategies import SpecPlan, spec_plans
from tests.test_pull import round_trip


@settings(max_examples=20, deadline=None, suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large])
@given(spec_plans(max_tables=4))
def test_pull_round_trips_random_specs_on_sqlite(plan: SpecPlan) -> None:
    text = plan.yaml()
    note(text)
    with tempfile.TemporaryDirectory() as folder:
        tmp = Path(folder)
        pair = (sqlite_engine(tmp / "original.db"), sqlite_engine(tmp / "pulled.db"))
        try:
            round_trip(schemagen.parse_spec(text, "pull_property.yaml"), pair, tmp)
        finally:
            for engine in pair:
                engine.dispose()
