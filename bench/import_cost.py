"""Import cost of a generated package next to the hand-written equivalent, at real sizes.

`python bench/import_cost.py [TABLES ...]` (default 50 500) builds the synthetic workload of each
size (bench/workload.py) with schemagen, writes the hand-written module (bench/handwritten.py) twice,
as written (schemas built at import) and with `defer_build=True` added to every schema's config
(what an expert tuning import time writes), and times in fresh processes, alternating, medians of
ROUNDS:

- models only: `from pkg.models import <a model>`, next to a hand-written module of the same
  enums and models alone (which, holding plain JSON, needs no Pydantic import);
- each hand-written case also async-ready (`AsyncAttrs` on `Base`, which imports
  `sqlalchemy.ext.asyncio` and greenlet): the generated `Base` always has it (issue 9), so that is
  the feature-equivalent baseline; the plain one is kept for comparison with earlier figures;
- the whole package with every schema built: import everything, then build every Insert, Select
  and Update schema (`model_rebuild(force=True)` where the build was deferred);
- the package imported with no schema built (`import pkg.models, pkg.schemas`; the generated schemas
  module makes EmailStr's schema at import, which imports email-validator), next to the hand-written
  module with `defer_build`, as written and with email-validator imported with it (what an expert
  who wants no stall on the first request writes);
- the first validation of one deferred schema (the cost a request pays for the deferred build), in
  a process where no schema was built yet and in one where another schema already was.

Prints a Markdown table. The machine this runs on is often shared: wall times then swing by 2x, so
`--callgrind` counts the instructions of each case instead (one run each under valgrind's callgrind,
repeatable to a fraction of a percent; about 50x slower). Either way each case runs once first, so
that every module is imported from its bytecode cache, even where PYTHONDONTWRITEBYTECODE is set, and the first validation is the count of
import plus validation less the count of the import alone. `--realistic N` adds bench/realistic.py's
workload of N tables (issue 9's case is 385), generated only: there is no hand-written equivalent of
that workload here.
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
import realistic  # noqa: E402
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


def _env(cwd: Path) -> dict[str, str]:
    env = {**os.environ, "PYTHONPATH": str(cwd)}
    # Bytecode caches written (by the warm-up run) and read, as an installed app has them: with a
    # shell's PYTHONDONTWRITEBYTECODE every run compiles every module, which weighs source size.
    env.pop("PYTHONDONTWRITEBYTECODE", None)
    return env


def _instructions(code: str, cwd: Path) -> float:
    """Instructions the process executes (valgrind's callgrind), in millions."""
    out = subprocess.run(["valgrind", "--tool=callgrind", "--callgrind-out-file=/dev/null", PYTHON, "-c", code],
                         cwd=cwd, capture_output=True, text=True, check=True, env=_env(cwd))
    refs = [line for line in out.stderr.splitlines() if "refs:" in line][-1]
    return int(refs.split("refs:")[1].replace(",", "").strip()) / 1e6


def _time(code: str, cwd: Path) -> float:
    out = subprocess.run([PYTHON, "-c", TIMER.format(code=code)], cwd=cwd, capture_output=True, text=True,
                         check=True, env=_env(cwd))
    return float(out.stdout.strip().splitlines()[-1])


def _build(spec_text: str, folder: Path, package: str) -> None:
    spec = folder / f"{package}.yaml"
    spec.write_text(spec_text, "utf-8")
    subprocess.run([PYTHON, "-m", "schemagen", "build", str(spec), "--out", str(folder)], check=True,
                   capture_output=True, cwd=ROOT)


PAYLOAD = ("{'name': 'Ada Lovelace', 'email': 'ada@example.com', 'score': 1, 'price': '1.50', "
           "'status': 'draft', 'tags': ['a'], 'settings': None}")


def _first_validation(module: str, model: str, other: str | None = None) -> str:
    warm = f"{other}Insert.model_validate({PAYLOAD})\n" if other else ""
    names = f"{model}Insert, {other}Insert" if other else f"{model}Insert"
    return f"from {module} import {names}\n{warm}start = time.perf_counter()\n{model}Insert.model_validate({PAYLOAD})"


def _deferred(hand: str) -> str:
    """The hand-written module with `defer_build=True` in every schema's config."""
    deferred = hand.replace('ConfigDict(extra="forbid")', 'ConfigDict(extra="forbid", defer_build=True)')
    deferred = deferred.replace("ConfigDict(from_attributes=True)", "ConfigDict(from_attributes=True, defer_build=True)")
    for kind in ("Insert", "Update"):
        deferred = deferred.replace(f"{kind}(BaseModel):\n", f"{kind}(BaseModel):\n    model_config = ConfigDict(defer_build=True)\n")
    return deferred


def _email_warmed(deferred: str) -> str:
    """The deferred module as an expert who wants no stall on the first request writes it:
    email-validator imported with the module (its import, ~100 ms, is what an email field's first
    build pays), as the generated schemas module does it."""
    line = "from pydantic import BaseModel, ConfigDict, EmailStr, Field\n"
    assert line in deferred
    return deferred.replace(line, line + "import email_validator  # noqa: F401  (warmed at import)\n")


def synthetic_cases(tables: int) -> tuple[Path, dict[str, str]]:
    folder = Path(tempfile.mkdtemp(prefix=f"import-{tables}-"))
    package = f"imp{tables}"
    spec_text = workload.make_spec(tables, package=package)
    _build(spec_text, folder, package)
    hand = handwritten.make_module(spec_text)
    (folder / f"{package}_hand.py").write_text(hand, "utf-8")
    (folder / f"{package}_hand_models.py").write_text(handwritten.make_module(spec_text, models_only=True), "utf-8")
    (folder / f"{package}_hand_async_models.py").write_text(
        handwritten.make_module(spec_text, models_only=True, async_ready=True), "utf-8")
    async_hand = handwritten.make_module(spec_text, async_ready=True)
    deferred = _deferred(hand)
    (folder / f"{package}_deferred.py").write_text(deferred, "utf-8")
    (folder / f"{package}_async_deferred.py").write_text(_deferred(async_hand), "utf-8")
    (folder / f"{package}_async_warmed.py").write_text(_email_warmed(_deferred(async_hand)), "utf-8")
    model = handwritten.class_name(workload.table_name(tables // 2))
    other = handwritten.class_name(workload.table_name(tables // 2 + 1))
    return folder, {
        "generated: models only": f"from {package}.models import {model}",
        "hand-written: models only (no Pydantic)": f"from {package}_hand_models import {model}",
        "hand-written async-ready (AsyncAttrs): models only (no Pydantic)": f"from {package}_hand_async_models import {model}",
        "hand-written (schemas built at import)": f"import {package}_hand",
        "generated: models and schemas imported, no schema built": f"import {package}.models, {package}.schemas",
        "hand-written async-ready with defer_build: imported, no schema built": f"import {package}_async_deferred",
        "hand-written async-ready with defer_build, email-validator warmed: imported, no schema built": (
            f"import {package}_async_warmed"),
        "generated: whole package, every schema built": _schemas(package),
        "hand-written with defer_build: every schema built": _schemas(f"{package}_deferred"),
        "hand-written async-ready with defer_build: every schema built": _schemas(f"{package}_async_deferred"),
        "generated: first validation of a deferred schema": _first_validation(package, model),
        "hand-written with defer_build: first validation": _first_validation(f"{package}_deferred", model),
        "hand-written async-ready with defer_build, email-validator warmed: first validation": (
            _first_validation(f"{package}_async_warmed", model)),
        "generated: first validation of another, after one": _first_validation(package, model, other),
        "hand-written with defer_build: first validation of another, after one": (
            _first_validation(f"{package}_deferred", model, other)),
    }


def realistic_cases(tables: int) -> tuple[Path, dict[str, str]]:
    folder = Path(tempfile.mkdtemp(prefix=f"import-real{tables}-"))
    package = f"real{tables}"
    (name, spec_text), = realistic.make_specs(tables, package=package).items()
    _build(spec_text, folder, package)
    model = "".join(word.capitalize() for word in realistic.table_name(tables // 2).split("_"))
    payload = "{'name': 'Ada'}"
    return folder, {
        "generated: models only": f"from {package}.models import {model}",
        "generated: models, mappers configured": (
            f"from {package}.models import {model}\nfrom sqlalchemy.orm import configure_mappers\nconfigure_mappers()"),
        "generated: models and schemas imported, no schema built": f"import {package}.models, {package}.schemas",
        "hand-written async-ready with defer_build: imported, no schema built": f"import {package}_async_deferred",
        "hand-written async-ready with defer_build, email-validator warmed: imported, no schema built": (
            f"import {package}_async_warmed"),
        "generated: whole package, every schema built": _schemas(package),
        "generated: first validation of a deferred schema": (
            f"from {package} import {model}Insert\nstart = time.perf_counter()\n"
            f"try:\n    {model}Insert.model_validate({payload})\nexcept ValueError:\n    pass  # built and run: what counts\n"),
    }


def measure(folder: Path, cases: dict[str, str], callgrind: bool) -> list[tuple[str, float]]:
    """(case, ms) medians of ROUNDS timed runs; with `callgrind`, (case, million instructions)."""
    for code in cases.values():  # once untimed: bytecode caches
        _time(code, folder)
    if callgrind:
        counts = []
        for name, code in cases.items():
            if "start = " in code:  # the validation alone: less the same process without it
                before = code.partition("start = time.perf_counter()\n")[0]
                counts.append((name, _instructions(code.replace("start = time.perf_counter()\n", ""), folder)
                               - _instructions(before, folder)))
            else:
                counts.append((name, _instructions(code, folder)))
        return counts
    samples: dict[str, list[float]] = {name: [] for name in cases}
    for _ in range(ROUNDS):
        for name, code in cases.items():
            samples[name].append(_time(code, folder))
    return [(name, statistics.median(values)) for name, values in samples.items()]


def main() -> None:
    args = sys.argv[1:]
    callgrind = "--callgrind" in args
    only = [a.split("=", 1)[1] for a in args if a.startswith("--only=")]  # case names containing this
    real = [int(args[i + 1]) for i, a in enumerate(args) if a == "--realistic"]
    sizes = [int(a) for i, a in enumerate(args) if a.isdigit() and (i == 0 or args[i - 1] != "--realistic")]
    if not sizes and not real:
        sizes = [50, 500]
    unit = "million instructions" if callgrind else "median ms"
    print(f"| tables | what | {unit} |\n|---:|---|---:|")
    work = [(f"{n}", *synthetic_cases(n)) for n in sizes] + [(f"{n} realistic", *realistic_cases(n)) for n in real]
    for label, folder, cases in work:
        cases = {name: code for name, code in cases.items() if not only or any(o in name for o in only)}
        for name, value in measure(folder, cases, callgrind):
            print(f"| {label} | {name} | {value:,.1f} |" if callgrind else f"| {label} | {name} | {value:.0f} ms |",
                  flush=True)


if __name__ == "__main__":
    main()
