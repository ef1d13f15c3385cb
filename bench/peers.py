"""Peers: schemagen next to LinkML, datamodel-code-generator and sqlacodegen (`make bench-peers`).

The peers live in their own virtualenv, bench/.peers-venv (created and filled here on first use,
from PyPI; their pins would clash with ours). For the synthetic workloads of 50 and 500 tables each
tool gets the equivalent input (bench/convert.py):

- LinkML `gen-pydantic` and `gen-sqla --sqla-style 2` on a LinkML schema;
- `datamodel-codegen` on a JSON Schema;
- `sqlacodegen` on a SQLite database created by `create_all` of schemagen's generated models;

and every tool, schemagen's cold build included, runs RUNS times as a whole process in this same
run. A peer that fails to install or to run is shown as such in the table, and the rest goes on.
"""

from __future__ import annotations

import os
import shutil
import statistics
import subprocess
import sys
import time
from dataclasses import dataclass, field
from pathlib import Path

import convert
import measure
import report
import workload
from measure import CommandFailed, Sample, Stats

BENCH = Path(__file__).resolve().parent
ROOT = BENCH.parent
VENV = BENCH / ".peers-venv"
WORK = BENCH / ".work" / "peers"
RESULTS = BENCH / "results"
PYTHON = sys.executable
PACKAGES = ("linkml", "datamodel-code-generator", "sqlacodegen")
SIZES = (50, 500)
RUNS = 3


def log(message: str) -> None:
    print(message, file=sys.stderr, flush=True)


@dataclass
class Tool:
    name: str
    package: str | None  # the peers-venv distribution it comes from; None for schemagen
    formatter: str  # what formats its output, as far as its defaults go
    results: dict[int, list[Sample]] = field(default_factory=dict)
    outputs: dict[int, int] = field(default_factory=dict)  # bytes written
    problems: dict[int, str] = field(default_factory=dict)


def install() -> dict[str, str]:
    """Create bench/.peers-venv and install the peers; package -> version, or the reason it failed."""
    status: dict[str, str] = {}
    if not (VENV / "bin" / "python").exists():
        log(f"creating {VENV.relative_to(ROOT)}")
        created = subprocess.run([PYTHON, "-m", "venv", "--clear", str(VENV)], capture_output=True, text=True,
                                 check=False)
        if created.returncode != 0:
            reason = "install failed: could not create the virtualenv: " + created.stderr.strip()[-200:]
            return dict.fromkeys(PACKAGES, reason)
    pip = [str(VENV / "bin" / "python"), "-m", "pip", "install", "--quiet"]
    missing = [package for package in PACKAGES if _version(package) is None]
    if missing:
        log(f"installing {', '.join(missing)} into {VENV.relative_to(ROOT)}")
        together = subprocess.run([*pip, *missing], capture_output=True, text=True, check=False)
        if together.returncode != 0:  # one bad peer must not keep out the others: try them one by one
            for package in missing:
                alone = subprocess.run([*pip, package], capture_output=True, text=True, check=False)
                if alone.returncode != 0:
                    status[package] = "install failed: " + (alone.stderr.strip().splitlines() or ["?"])[-1]
    for package in PACKAGES:
        version = _version(package)
        status.setdefault(package, version or "not installed")
    return status


def _version(package: str) -> str | None:
    probe = subprocess.run([str(VENV / "bin" / "python"), "-c",
                            f"import importlib.metadata as m; print(m.version({package!r}))"],
                           capture_output=True, text=True, check=False)
    return probe.stdout.strip() if probe.returncode == 0 else None


def _prepare(tables: int) -> tuple[Path, str]:
    """A folder holding the workload as a spec, a LinkML schema and a JSON Schema; and its package name."""
    package = f"synth{tables}"
    folder = WORK / package
    shutil.rmtree(folder, ignore_errors=True)
    folder.mkdir(parents=True)
    ((spec_name, spec_text),) = workload.make_specs(tables, package=package).items()
    (folder / spec_name).write_text(spec_text, encoding="utf-8")
    (folder / f"{package}.linkml.yaml").write_text(convert.to_linkml(spec_text), encoding="utf-8")
    (folder / f"{package}.schema.json").write_text(convert.to_json_schema(spec_text), encoding="utf-8")
    return folder, package


def _commands(folder: Path, package: str) -> dict[str, tuple[list[str], Path | None, Path]]:
    """Tool name -> (argv, file its stdout goes to or None, the file or folder it writes)."""
    peer = VENV / "bin"
    schema, json_schema = f"{package}.linkml.yaml", f"{package}.schema.json"
    return {
        "schemagen build (cold)": ([PYTHON, "-m", "schemagen", "build", f"{package}.yaml", "--out", "out"], None,
                                   folder / "out"),
        "LinkML gen-pydantic": ([str(peer / "gen-pydantic"), schema], folder / "linkml_pydantic.py",
                                folder / "linkml_pydantic.py"),
        "LinkML gen-sqla": ([str(peer / "gen-sqla"), "--sqla-style", "2", schema], folder / "linkml_sqla.py",
                            folder / "linkml_sqla.py"),
        "datamodel-codegen": ([str(peer / "datamodel-codegen"), "--input", json_schema, "--input-file-type",
                               "jsonschema", "--output-model-type", "pydantic_v2.BaseModel", "--output",
                               "datamodel.py"], None, folder / "datamodel.py"),
        "sqlacodegen": ([str(peer / "sqlacodegen"), f"sqlite:///{package}.db", "--outfile", "sqlacodegen.py"], None,
                        folder / "sqlacodegen.py"),
    }


def _size(path: Path) -> int:
    if path.is_dir():
        return sum(child.stat().st_size for child in path.rglob("*") if child.is_file())
    return path.stat().st_size if path.exists() else 0


def _create_database(folder: Path, package: str) -> None:
    """The SQLite database sqlacodegen reads: `create_all` of schemagen's generated models."""
    code = (f"import {package}; from sqlalchemy import create_engine; "
            f"{package}.Base.metadata.create_all(create_engine('sqlite:///{package}.db'))")
    measure.run([PYTHON, "-c", code], cwd=folder, env={**os.environ, "PYTHONPATH": str(folder / "out")})


def measure_size(tools: dict[str, Tool], tables: int) -> None:
    folder, package = _prepare(tables)
    commands = _commands(folder, package)
    for name, (argv, stdout, written) in commands.items():
        tool = tools[name]
        if tool.problems.get(tables):
            continue
        samples: list[Sample] = []
        for run in range(RUNS):
            env = None
            if name.startswith("schemagen"):  # cold: an empty output folder and an empty format cache
                shutil.rmtree(folder / "out", ignore_errors=True)
                shutil.rmtree(folder / "format-cache", ignore_errors=True)
                env = {**os.environ, "SCHEMAGEN_CACHE_DIR": str(folder / "format-cache")}
            try:
                samples.append(measure.run(argv, cwd=folder, stdout=stdout, env=env))
            except (CommandFailed, OSError) as exc:
                tool.problems[tables] = f"FAILED: {exc}"
                log(f"N={tables} {name}: FAILED\n{exc}")
                break
            log(f"N={tables} {name} {run + 1}/{RUNS}: {measure.seconds(samples[-1].seconds)}, "
                f"{measure.mib(samples[-1].peak_kib)}")
        tool.results[tables] = samples
        tool.outputs[tables] = _size(written)
        if name.startswith("schemagen") and samples:
            _create_database(folder, package)


def peers_table(tools: dict[str, Tool]) -> str:
    rows = []
    for tables in SIZES:
        ours = tools["schemagen build (cold)"].results.get(tables) or []
        base = statistics.median(sample.seconds for sample in ours) if ours else 0.0
        for tool in tools.values():
            samples = tool.results.get(tables) or []
            if samples:
                stats = Stats(tuple(sample.seconds for sample in samples))
                median, spread = measure.timing(stats)
                peak = statistics.median(sample.peak_kib for sample in samples)
                rows.append([str(tables), tool.name, f"{stats.runs}/{RUNS}", median, spread,
                             measure.ratio(stats.median, base), measure.mib(peak),
                             f"{tool.outputs.get(tables, 0) / 1024:,.0f} KiB", tool.formatter])
            if tables in tool.problems:
                rows.append([str(tables), tool.name, f"{len(samples)}/{RUNS}", report.cell(tool.problems[tables]),
                             "", "", "", "", ""])
    return report.table(["tables", "tool", "runs", "median", "min–max", "× schemagen", "peak RSS", "output",
                         "formatted by"], rows, right=(0, 2, 3, 4, 5, 6, 7))


def main() -> int:
    start = time.perf_counter()
    load = report.load_average()
    shutil.rmtree(WORK, ignore_errors=True)
    status = install()
    tools = {
        "schemagen build (cold)": Tool("schemagen build (cold)", None, "black"),
        "LinkML gen-pydantic": Tool("LinkML gen-pydantic", "linkml", "none (black is opt-in)"),
        "LinkML gen-sqla": Tool("LinkML gen-sqla", "linkml", "none"),
        "datamodel-codegen": Tool("datamodel-codegen", "datamodel-code-generator", "black + isort (default)"),
        "sqlacodegen": Tool("sqlacodegen", "sqlacodegen", "none"),
    }
    for tool in tools.values():
        if tool.package and not (status[tool.package][:1].isdigit()):
            for tables in SIZES:
                tool.problems[tables] = f"not run: {tool.package} {status[tool.package]}"
    for tables in SIZES:
        measure_size(tools, tables)
    elapsed = time.perf_counter() - start
    command = "make bench-peers" if os.environ.get("MAKELEVEL") else "python bench/run.py --peers"
    versions = ", ".join(f"{package} {version}" for package, version in status.items())
    text = "".join([
        report.header("schemagen vs peers", command, load,
                      [f"peers (in bench/.peers-venv): {versions}", f"this run took {measure.seconds(elapsed)}"]),
        "\n## Generating the synthetic workload\n\n",
        peers_table(tools),
        "\nEach tool is run as a whole process, "
        f"{RUNS} times, on the equivalent input written by bench/convert.py (whose docstring lists what "
        "each input language cannot say); `× schemagen` divides by schemagen's cold-build median measured in "
        "this same run. sqlacodegen reads a SQLite database made by `create_all` of schemagen's models. "
        "schemagen writes models, Insert/Select/Update schemas and a relation map; gen-pydantic and "
        "datamodel-codegen write Pydantic models only; gen-sqla and sqlacodegen write SQLAlchemy models only. "
        "`output` is the size of what each wrote. gen-pydantic's output grows with the square of the table "
        "count here: every class repeats, in each attribute's `domain_of`, all the classes that have an "
        "attribute of that name.\n",
    ])
    path = RESULTS / f"{time.strftime('%Y-%m-%d')}-peers.md"
    report.write(path, text)
    print(text)
    log(f"wrote {path.relative_to(ROOT)} in {measure.seconds(elapsed)}")
    return 0
