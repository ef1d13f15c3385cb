"""Import cost of a generated package next to the hand-written equivalent, at real sizes.

`python bench/import_cost.py [TABLES ...]` (default 50 500) builds the synthetic workload of each
size (bench/workload.py) with schemagen, writes the hand-written module (bench/handwritten.py) twice,
as written (schemas built at import) and with `defer_build=True` added to every schema's config
(what an expert tuning import time writes), and times in fresh processes, alternating, medians of
ROUNDS:

- models only: `from pkg.models import <a model>`, next to a hand-written module of the same
  enums and models alone (which, holding plain JSON, needs no Pydantic import);
- the whole package with every schema built: import everything, then build every Insert, Select
  and Update schema (`model_rebuild(force=True)` where the build was deferred);
- the first validation of one deferred schema (the cost a request pays for the deferred build), in
  a process where no schema was built yet and in one where another schema already was.

Prints a Markdown table.
"""

from __future__ import annotations

import os
import statistics
import subprocess
import sys
import tempfile
from pathlib import Path

BENCH = Path(__file__).resolve().parent
ROOT = BENCH.parent
sys.path.insert(0, str(BENCH))

import handwritten  # noqa: E402
import workload  # noqa: E402

ROUNDS = 5
PYTHON = sys.executable

TIMER = """
import time, sys
start = time.perf_counter()
{code}
print(f"{{(time.perf_counter() - start) * 1000:.1f}}")
"""


def _schemas(module: str) -> str:
    return (f"import {module} as m\n"
            "from pydantic import BaseModel\n"
            "for name in dir(m):\n"
            "    value = getattr(m, name)\n"
            "    if isinstance(value, type) and issubclass(value, BaseModel) and name.endswith(('Insert', 'Select', 'Update')):\n"
            "        value.model_rebuild(force=True)\n")


def _time(code: str, cwd: Path) -> float:
    out = subprocess.run([PYTHON, "-c", TIMER.format(code=code)], cwd=cwd, capture_output=True, text=True,
                         check=True, env={**os.environ, "PYTHONPATH": str(cwd)})
    return float(out.stdout.strip().splitlines()[-1])


def measure(tables: int) -> list[tuple[str, float]]:
    folder = Path(tempfile.mkdtemp(prefix=f"import-{tables}-"))
    package = f"imp{tables}"
    spec = folder / f"{package}.yaml"
    spec.write_text(workload.make_spec(tables, package=package), "utf-8")
    subprocess.run([PYTHON, "-m", "schemagen", "build", str(spec), "--out", str(folder)], check=True,
                   capture_output=True, cwd=ROOT)
    hand = handwritten.make_module(spec.read_text("utf-8"))
    (folder / f"{package}_hand.py").write_text(hand, "utf-8")
    (folder / f"{package}_hand_models.py").write_text(
        handwritten.make_module(spec.read_text("utf-8"), models_only=True), "utf-8")
    deferred = hand.replace('ConfigDict(extra="forbid")', 'ConfigDict(extra="forbid", defer_build=True)')
    deferred = deferred.replace("ConfigDict(from_attributes=True)", "ConfigDict(from_attributes=True, defer_build=True)")
    for kind in ("Insert", "Update"):
        deferred = deferred.replace(f"{kind}(BaseModel):\n", f"{kind}(BaseModel):\n    model_config = ConfigDict(defer_build=True)\n")
    (folder / f"{package}_deferred.py").write_text(deferred, "utf-8")
    model = handwritten.class_name(workload.table_name(tables // 2))
    other = handwritten.class_name(workload.table_name(tables // 2 + 1))
    payload = ("{'name': 'Ada Lovelace', 'email': 'ada@example.com', 'score': 1, 'price': '1.50', "
               "'status': 'draft', 'tags': ['a'], 'settings': None}")
    cases = {
        "generated: models only": f"from {package}.models import {model}",
        "hand-written: models only (no Pydantic)": f"from {package}_hand_models import {model}",
        "hand-written (schemas built at import)": f"import {package}_hand",
        "generated: whole package, every schema built": _schemas(package),
        "hand-written with defer_build: every schema built": _schemas(f"{package}_deferred"),
        "generated: first validation of a deferred schema": (
            f"from {package} import {model}Insert\nstart = time.perf_counter()\n"
            f"{model}Insert.model_validate({payload})"),
        "generated: first validation of another, after one": (
            f"from {package} import {model}Insert, {other}Insert\n{other}Insert.model_validate({payload})\n"
            f"start = time.perf_counter()\n{model}Insert.model_validate({payload})"),
    }
    for code in cases.values():  # once untimed: bytecode caches
        _time(code, folder)
    samples: dict[str, list[float]] = {name: [] for name in cases}
    for _ in range(ROUNDS):
        for name, code in cases.items():
            samples[name].append(_time(code, folder))
    return [(name, statistics.median(values)) for name, values in samples.items()]


def main() -> None:
    sizes = [int(arg) for arg in sys.argv[1:]] or [50, 500]
    print("| tables | what | median |\n|---:|---|---:|")
    for tables in sizes:
        for name, ms in measure(tables):
            print(f"| {tables} | {name} | {ms:.0f} ms |")


if __name__ == "__main__":
    main()
