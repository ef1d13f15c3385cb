"""The schemagen benchmark: `make bench` runs `python bench/run.py`; `make bench-peers` adds `--peers`.

Prints Markdown tables and writes them to bench/results/<date>.md (the peers suite to
<date>-peers.md), replacing a file of the same day. What is measured:

1. whole-process timings and peak memory of `schemagen build` (cold, no-op, after one edit) and
   `schemagen check` (up to date, after one edit) on specs/life_ceo.yaml and synthetic workloads
   of 50, 500 and 2000 tables, next to the time Python takes to start and load the same YAML;
2. a per-stage breakdown of one build of each workload, in-process (bench/stages.py);
3. the run-time cost of the generated code against the same models written by hand
   (bench/handwritten.py, bench/runtime_cost.py);
4. with --peers, LinkML, datamodel-code-generator and sqlacodegen on equivalent inputs (bench/peers.py).

The runs happen in cycles (cold build, stage breakdown on the first cycle, no-op rebuild, check,
edit + rebuild, edit undone, edit + check + rebuild), smallest workload first: a cheap workload gets all its cycles at once, a
costly one one cycle, and the costly ones' further cycles come last (see `run_cycles`). A time
budget (--budget, default 570 s, so that `make bench` ends within 10 minutes) bounds the whole: a
step whose estimated time no longer fits is skipped and the table says so, with the estimate. With
a slow schemagen the large workloads get fewer runs, or none; `--budget 0` runs everything.
"""

from __future__ import annotations

import argparse
import json
import os
import re
import shutil
import statistics
import sys
import time
from collections.abc import Sequence
from dataclasses import dataclass, field
from pathlib import Path

import handwritten
import measure
import realistic
import report
import workload
from measure import CommandFailed, Sample, Stats

BENCH = Path(__file__).resolve().parent
ROOT = BENCH.parent
WORK = BENCH / ".work"
RESULTS = BENCH / "results"
PYTHON = sys.executable
SCHEMAGEN = [PYTHON, "-m", "schemagen"]

COLD = "cold build"
NOOP = "no-op rebuild"
EDIT_BUILD = "rebuild after 1 edit"
CHECK = "check, up to date"
CHECK_STALE = "check after 1 edit (exit 1)"
CHECKED_BUILD = "rebuild after that check"
COMMANDS = (COLD, NOOP, EDIT_BUILD, CHECK, CHECK_STALE, CHECKED_BUILD)  # in the order of the table
BASELINE = "baseline: start Python, load the YAML"
BASELINE_CODE = "import sys, yaml\nfor f in sys.argv[1:]:\n    yaml.load(open(f), Loader=yaml.CSafeLoader)"
BASELINE_RUNS = 5
SAFETY = 1.1  # estimates are scaled by this before they are held against the budget
CHEAP_SHARE = 0.15  # a workload whose remaining runs fit in this share of the budget gets them at once
RUNTIME_TABLES = 50
IMPORT_RUNS = 9

REFERENCE_TABLES = 50  # stage breakdowns time whole-module black too, up to this size
TABLE_KEY = re.compile(r"^  ([A-Za-z_]\w*):\s*(?:#.*)?$")
LENGTH = re.compile(r"(?<![\w])length: (\d+)")  # not min_length/max_length


def log(message: str) -> None:
    print(message, file=sys.stderr, flush=True)


@dataclass(frozen=True)
class Edit:
    """A one-column change: a varchar/char `length:` raised by one in a table near the middle."""

    file: Path
    original: str
    edited: str
    description: str

    def apply(self) -> None:
        self.file.write_text(self.edited, encoding="utf-8")

    def undo(self) -> None:
        self.file.write_text(self.original, encoding="utf-8")


def middle_edit(spec_files: Sequence[Path]) -> Edit:
    """Raise the first `length:` of the middle one of the tables that have one, across all files."""
    candidates: list[tuple[Path, int, str, re.Match[str]]] = []
    for file in spec_files:
        lines = file.read_text(encoding="utf-8").splitlines(keepends=True)
        in_tables, table, found = False, "", False
        for number, line in enumerate(lines):
            if not line.strip() or line.lstrip().startswith("#"):
                continue
            if not line.startswith(" "):
                in_tables = line.startswith("tables:")
            elif in_tables and (key := TABLE_KEY.match(line)):
                table, found = key.group(1), False
            elif in_tables and table and not found and (match := LENGTH.search(line)):
                candidates.append((file, number, table, match))
                found = True
    if not candidates:
        raise ValueError(f"no `length:` to edit in {', '.join(map(str, spec_files))}")
    file, number, table, match = candidates[len(candidates) // 2]
    original = file.read_text(encoding="utf-8")
    lines = original.splitlines(keepends=True)
    old = int(match.group(1))
    lines[number] = lines[number][: match.start(1)] + str(old + 1) + lines[number][match.end(1):]
    return Edit(file, original, "".join(lines),
                f"{file.name}:{number + 1}: table `{table}`, `length: {old}` -> `{old + 1}`")


@dataclass
class Workload:
    name: str
    tables: int
    runs: int  # cycles wanted
    folder: Path
    spec_files: list[Path]  # inside folder/specs
    edit: Edit
    samples: dict[str, list[Sample]] = field(default_factory=lambda: {command: [] for command in COMMANDS})
    notes: dict[str, str] = field(default_factory=dict)  # command or "stages" -> why runs are missing
    baseline: list[Sample] = field(default_factory=list)
    stages: dict[str, float] | None = None
    generated: tuple[int, int, int] | None = None  # files, lines, bytes of a cold build
    failed: bool = False

    @property
    def specs_arg(self) -> list[str]:
        return [str(path.relative_to(self.folder)) for path in self.spec_files]

    def median(self, command: str) -> float | None:
        values = [sample.seconds for sample in self.samples[command]]
        return statistics.median(values) if values else None


def make_workloads(only: set[str] | None) -> list[Workload]:
    """Write every workload's specs into bench/.work/<name>/specs (a fresh folder each run)."""
    shutil.rmtree(WORK, ignore_errors=True)
    life_ceo = ROOT / "specs" / "life_ceo.yaml"
    sources: list[tuple[str, int, int, dict[str, str]]] = [
        ("life_ceo", _count_tables(life_ceo), 5, {life_ceo.name: life_ceo.read_text(encoding="utf-8")}),
        ("synth50", 50, 5, workload.make_specs(50, package="synth50")),
        ("synth500", 500, 3, workload.make_specs(500, package="synth500")),
        ("synth2000", 2000, 2, workload.make_specs(2000, package="synth2000")),
        ("real300", 0, 3, realistic.make_specs(300, package="real300")),
    ]
    workloads = []
    for name, tables, runs, specs in sources:
        if only and name not in only:
            continue
        folder = WORK / name
        if not tables:
            tables = sum(realistic.table_count(text) for text in specs.values())
        (folder / "specs").mkdir(parents=True)
        files = []
        for file_name, text in specs.items():
            path = folder / "specs" / file_name
            path.write_text(text, encoding="utf-8")
            files.append(path)
        workloads.append(Workload(name, tables, runs, folder, files, middle_edit(files)))
    return workloads


def _count_tables(spec: Path) -> int:
    import yaml

    return len(yaml.safe_load(spec.read_text(encoding="utf-8"))["tables"])


class Budget:
    """Seconds left for this run; None means no limit."""

    def __init__(self, seconds: float | None) -> None:
        self.start = time.perf_counter()
        self.seconds = seconds

    @property
    def elapsed(self) -> float:
        return time.perf_counter() - self.start

    @property
    def left(self) -> float | None:
        return None if self.seconds is None else self.seconds - self.elapsed

    def refuses(self, estimate: float) -> str | None:
        """Why a step of about `estimate` seconds must be skipped, or None if it fits."""
        left = self.left
        if left is None or estimate * SAFETY <= left:
            return None
        return (f"budget: a run needs ~{measure.seconds(estimate)} (+{SAFETY - 1:.0%} margin), "
                f"{measure.seconds(max(left, 0))} was left")


class Bench:
    def __init__(self, workloads: list[Workload], budget: Budget) -> None:
        self.workloads = workloads
        self.budget = budget
        self.startup = 0.5  # seconds to start `python -m schemagen`; measured in warm_up
        self.runtime: dict[str, object] = {}

    # -- whole processes ---------------------------------------------------------------------

    def warm_up(self) -> None:
        """Compile schemagen's bytecode (others may have just edited it) and time a bare start."""
        measure.run([*SCHEMAGEN, "--help"], cwd=WORK)
        self.startup = min(measure.run([*SCHEMAGEN, "--help"], cwd=WORK).seconds for _ in range(3))

    def baselines(self) -> None:
        for wl in self.workloads:
            command = [PYTHON, "-c", BASELINE_CODE, *wl.specs_arg]
            wl.baseline = [measure.run(command, cwd=wl.folder) for _ in range(BASELINE_RUNS)]
            log(f"{wl.name}: {BASELINE}: {measure.seconds(statistics.median(s.seconds for s in wl.baseline))}")

    def estimate(self, wl: Workload, command: str) -> float:
        """Seconds one run of `command` will take: all of them generate everything, like a cold build."""
        for known in (wl.samples[command], wl.samples[COLD]):
            if known:
                return max(sample.seconds for sample in known)
        measured = [other for other in self.workloads if other.samples[COLD]]
        if not measured:
            return self.startup
        reference = max(measured, key=lambda other: other.tables)
        per_table = max(0.0, (reference.median(COLD) or 0.0) - self.startup) / reference.tables
        return self.startup + per_table * wl.tables

    def timed(self, wl: Workload, command: str, verb: str, expect: int) -> bool:
        """One measured run of `schemagen <verb>` on the workload; False if skipped or failed."""
        refusal = self.budget.refuses(self.estimate(wl, command))
        if refusal:
            wl.notes.setdefault(command, refusal)
            log(f"{wl.name}: {command}: {refusal}")
            return False
        argv = [*SCHEMAGEN, verb, *wl.specs_arg, "--out", "out"]
        cache = wl.folder / "format-cache"
        if command == COLD:  # a cold build starts with an empty format cache too
            shutil.rmtree(cache, ignore_errors=True)
        try:
            sample = measure.run(argv, cwd=wl.folder, expect=expect, env={**os.environ, "SCHEMAGEN_CACHE_DIR": str(cache)})
        except CommandFailed as exc:
            wl.notes[command] = f"FAILED: {exc}"
            wl.failed = True
            log(f"{wl.name}: {command}: FAILED\n{exc}")
            return False
        if command == NOOP and " 0 written" not in sample.output:
            wl.notes[command] = "FAILED: the rebuild of an up-to-date tree wrote files: " + sample.output[-300:]
            wl.failed = True
            return False
        wl.samples[command].append(sample)
        done = len(wl.samples[command])
        log(f"{wl.name}: {command} {done}/{wl.runs}: {measure.seconds(sample.seconds)}, "
            f"{measure.mib(sample.peak_kib)} [{measure.seconds(self.budget.elapsed)} elapsed]")
        return True

    def cycle(self, wl: Workload) -> None:
        """Cold build, (stage breakdown), no-op rebuild, check, edit + rebuild, edit + check + rebuild."""
        shutil.rmtree(wl.folder / "out", ignore_errors=True)
        if not self.timed(wl, COLD, "build", 0):
            return
        if wl.generated is None:
            wl.generated = _tree_size(wl.folder / "out")
        if wl.stages is None:
            self.stage_breakdown(wl)
        if not (self.timed(wl, NOOP, "build", 0) and self.timed(wl, CHECK, "check", 0)):
            return
        # A build straight after the edit generates: the outputs memo (schemagen/output/memo.py) holds
        # only the unedited spec's. A build after a failed check of the same edit takes the check's
        # outputs from the memo: a real workflow too, but not generation, so it is its own row.
        wl.edit.apply()
        try:
            if not self.timed(wl, EDIT_BUILD, "build", 0):
                return
        finally:
            wl.edit.undo()
        if not self.untimed_build(wl):
            return
        wl.edit.apply()
        try:
            if self.timed(wl, CHECK_STALE, "check", 1):
                self.timed(wl, CHECKED_BUILD, "build", 0)
        finally:
            wl.edit.undo()

    def untimed_build(self, wl: Workload) -> bool:
        """The tree built from the unedited spec again (the next step needs it current)."""
        argv = [*SCHEMAGEN, "build", *wl.specs_arg, "--out", "out", "-q"]
        try:
            measure.run(argv, cwd=wl.folder, env={**os.environ, "SCHEMAGEN_CACHE_DIR": str(wl.folder / "format-cache")})
        except CommandFailed as exc:
            wl.notes[CHECK_STALE] = f"FAILED: restoring the tree: {exc}"
            wl.failed = True
            return False
        return True

    def stage_breakdown(self, wl: Workload) -> None:
        refusal = self.budget.refuses(self.estimate(wl, COLD))
        if refusal:
            wl.notes.setdefault("stages", refusal)
            return
        out = wl.folder / "stages-out"
        shutil.rmtree(out, ignore_errors=True)
        try:
            reference = ["--reference"] if wl.tables <= REFERENCE_TABLES else []
            sample = measure.run([PYTHON, str(BENCH / "stages.py"), *reference, str(out), *wl.specs_arg],
                                 cwd=wl.folder)
        except CommandFailed as exc:
            wl.notes["stages"] = f"FAILED: {exc}"
            return
        wl.stages = json.loads(sample.output.strip().splitlines()[-1])
        log(f"{wl.name}: stage breakdown: " + ", ".join(f"{k} {v:.2f}" for k, v in wl.stages.items()
                                                       if k != "generated_bytes"))

    def run_cycles(self) -> None:
        """Cheap workloads get all their runs at once; the others first one cycle each, then the rest.

        Smallest first. A workload is cheap when its remaining cycles are estimated at no more than
        CHEAP_SHARE of the budget: with a slow schemagen the common small specs still get precise
        numbers, and each large workload gets one run of every command before any gets a second.
        """
        deferred = []
        for wl in self.workloads:
            self.cycle(wl)
            remaining = self.estimate_cycle(wl) * (wl.runs - 1)
            if self.budget.seconds is None or remaining <= CHEAP_SHARE * self.budget.seconds:
                self.more_cycles(wl)
            else:
                deferred.append(wl)
        for wl in deferred:
            self.more_cycles(wl)

    def more_cycles(self, wl: Workload) -> None:
        while not wl.failed and COLD not in wl.notes and len(wl.samples[COLD]) < wl.runs:
            self.cycle(wl)

    def estimate_cycle(self, wl: Workload) -> float:
        return sum(self.estimate(wl, command) for command in COMMANDS)

    # -- run-time cost of the generated code -------------------------------------------------

    def runtime_cost(self) -> None:
        """Generated vs hand-written code for the 50-table workload: import, validation, ORM insert."""
        folder = WORK / "runtime"
        specs = workload.make_specs(RUNTIME_TABLES, package=f"synth{RUNTIME_TABLES}")
        ((spec_name, spec_text),) = specs.items()
        (folder / "generated").mkdir(parents=True)
        (folder / "handwritten").mkdir()
        (folder / "db").mkdir()
        (folder / spec_name).write_text(spec_text, encoding="utf-8")
        measure.run([*SCHEMAGEN, "build", spec_name, "--out", "generated"], cwd=folder)
        generated = f"synth{RUNTIME_TABLES}"
        plain = f"synth{RUNTIME_TABLES}_handwritten"
        (folder / "handwritten" / f"{plain}.py").write_text(handwritten.make_module(spec_text), encoding="utf-8")
        path = os.pathsep.join([str(folder / "generated"), str(folder / "handwritten")])
        env = {**os.environ, "PYTHONPATH": path}

        imports = {
            "baseline": "import pydantic, sqlalchemy.orm, sqlalchemy.dialects.postgresql, email_validator",
            # every name of the package (its __init__ imports each on first use); schemas build on first use
            "generated": f"from {generated} import *",
            "handwritten": f"import {plain}",
        }
        samples: dict[str, list[Sample]] = {name: [] for name in imports}
        for code in imports.values():  # once untimed: write the bytecode caches
            measure.run([PYTHON, "-c", code], cwd=folder, env=env)
        for _ in range(IMPORT_RUNS):
            for name, code in imports.items():
                samples[name].append(measure.run([PYTHON, "-c", code], cwd=folder, env=env))
        log("import: " + ", ".join(f"{name} {measure.seconds(statistics.median(s.seconds for s in runs))}"
                                   for name, runs in samples.items()))
        table = handwritten.class_name(workload.table_name(RUNTIME_TABLES // 2))
        result = measure.run([PYTHON, str(BENCH / "runtime_cost.py"), generated, plain, table, str(folder / "db")],
                             cwd=folder, env=env)
        self.runtime = {"imports": samples, "table": table,
                        "throughput": json.loads(result.output.strip().splitlines()[-1])}
        log(f"runtime: {self.runtime['throughput']}")


def _tree_size(folder: Path) -> tuple[int, int, int]:
    files = [path for path in folder.rglob("*") if path.is_file()]
    data = [path.read_bytes() for path in files]
    return len(files), sum(chunk.count(b"\n") for chunk in data), sum(len(chunk) for chunk in data)


# -- the report ---------------------------------------------------------------------------------


def workloads_table(workloads: list[Workload]) -> str:
    rows = []
    for wl in workloads:
        size = sum(path.stat().st_size for path in wl.spec_files)
        generated = "—" if wl.generated is None else (
            f"{wl.generated[0]} files, {wl.generated[1]:,} lines, {wl.generated[2] / 1024:,.0f} KiB")
        rows.append([wl.name, str(wl.tables), str(len(wl.spec_files)), f"{size / 1024:,.0f} KiB", generated,
                     report.cell(wl.edit.description)])
    return report.table(["workload", "tables", "spec files", "spec size", "generated (cold build)",
                         "the one edit"], rows, right=(1, 2, 3))


def timings_table(workloads: list[Workload]) -> str:
    rows = []
    for wl in workloads:
        base = Stats(tuple(sample.seconds for sample in wl.baseline))
        median, spread = measure.timing(base)
        peak = statistics.median(sample.peak_kib for sample in wl.baseline)
        rows.append([wl.name, BASELINE, f"{base.runs}/{BASELINE_RUNS}", median, spread, "1.00×", measure.mib(peak), ""])
        for command in COMMANDS:
            samples = wl.samples[command]
            note = wl.notes.get(command, "")
            if len(samples) < wl.runs and not note:
                note = "not run: its cycle stopped at an earlier step"
            row = [wl.name, command, f"{len(samples)}/{wl.runs}", "—", "", "", "", report.cell(note)]
            if samples:
                stats = Stats(tuple(sample.seconds for sample in samples))
                row[3:5] = measure.timing(stats)
                row[5] = measure.ratio(stats.median, base.median)
                row[6] = measure.mib(statistics.median(sample.peak_kib for sample in samples))
            rows.append(row)
    return report.table(["workload", "command", "runs", "median", "min–max", "× baseline", "peak RSS",
                         "why runs are missing"], rows, right=(2, 3, 4, 5, 6))


TARGETS = ((COLD, 1.5), (EDIT_BUILD, 0.6))
BLACK_SHARE = 0.05


def targets_table(workloads: list[Workload]) -> str:
    rows = []
    for wl in workloads:
        if not wl.name.startswith("real"):
            continue
        for command, target in TARGETS:
            median = wl.median(command)
            shown = measure.seconds(median) if median is not None else wl.notes.get(command, "not run")
            met = "" if median is None else ("yes" if median <= target else "no")
            rows.append([wl.name, command, shown, f"<= {target} s", met])
        stages = wl.stages or {}
        if stages.get("logical_lines"):
            share = stages.get("black_logical_lines", 0.0) / stages["logical_lines"]
            rows.append([wl.name, "black sees (logical lines)", f"{share:.1%} ({stages.get('black_logical_lines', 0):,.0f}"
                         f" / {stages['logical_lines']:,.0f})", f"< {BLACK_SHARE:.0%}",
                         "yes" if share < BLACK_SHARE else "no"])
    if not rows:
        return "(no realistic workload in this run)\n"
    return report.table(["workload", "measure", "this run (median)", "target", "met"], rows, right=(2,))


def stages_table(workloads: list[Workload]) -> str:
    from stages import REFERENCE, STAGES

    columns = [wl for wl in workloads if wl.stages is not None]
    rows = []
    for stage in STAGES:
        row = [stage]
        for wl in columns:
            assert wl.stages is not None
            total = sum(wl.stages[name] for name in STAGES)
            row.append(f"{measure.seconds(wl.stages[stage])} ({100 * wl.stages[stage] / total:.0f}%)")
        rows.append(row)
    rows.append(["total, in-process", *(measure.seconds(sum((wl.stages or {})[name] for name in STAGES))
                                        for wl in columns)])
    rows.append(["cold build, whole process (median)", *(measure.seconds(wl.median(COLD) or 0.0) for wl in columns)])
    rows.append(["pieces sent to black (distinct) / logical lines", *(
        f"{(wl.stages or {}).get('pieces', 0):,.0f} ({(wl.stages or {}).get('distinct_pieces', 0):,.0f}) / "
        f"{(wl.stages or {}).get('logical_lines', 0):,.0f}" for wl in columns)])
    rows.append([f"for comparison: {REFERENCE} (not run by build)", *(
        measure.seconds(wl.stages[REFERENCE]) if wl.stages and REFERENCE in wl.stages else "—" for wl in columns)])
    text = report.table(["stage", *(wl.name for wl in columns)], rows, right=tuple(range(1, len(columns) + 1)))
    missing = [f"{wl.name}: {wl.notes.get('stages', 'not run (no cold build)')}" for wl in workloads
               if wl.stages is None]
    return text + "".join(f"\n{report.cell(line)}\n" for line in missing)


def runtime_table(runtime: dict[str, object]) -> str:
    imports = runtime["imports"]
    throughput = runtime["throughput"]
    assert isinstance(imports, dict) and isinstance(throughput, dict)
    wall = {name: Stats(tuple(sample.seconds for sample in samples)) for name, samples in imports.items()}
    peak = {name: statistics.median(sample.peak_kib for sample in samples) for name, samples in imports.items()}
    base = wall["baseline"].median
    gen, hand = wall["generated"], wall["handwritten"]
    rows = [
        ["`import` of the package, whole process (median, min–max)", _timed(gen), _timed(hand),
         measure.ratio(gen.median, hand.median)],
        [f"same, minus the bare import of the libraries ({measure.seconds(base)})",
         measure.seconds(gen.median - base), measure.seconds(hand.median - base),
         measure.ratio(gen.median - base, hand.median - base)],
        ["peak RSS after the import", measure.mib(peak["generated"]), measure.mib(peak["handwritten"]),
         measure.ratio(peak["generated"], peak["handwritten"])],
    ]
    labels = {"valid_per_s": "Insert validations, valid payloads", "invalid_per_s":
              "Insert validations, invalid payloads (1 rule broken)", "rows_per_s": "ORM inserts on SQLite (rows/s)"}
    for key, label in labels.items():
        generated, written = throughput["generated"][key], throughput["handwritten"][key]
        rows.append([label, measure.rate(generated), measure.rate(written), measure.ratio(generated, written)])
    rows.append(["the error for `name: \"x\"`", report.cell(f"\"{throughput['generated']['name_error']}\""),
                 report.cell(f"\"{throughput['handwritten']['name_error']}\""), ""])
    return report.table(["measure", "generated", "hand-written", "generated / hand-written"], rows,
                        right=(1, 2, 3))


def _timed(stats: Stats) -> str:
    median, spread = measure.timing(stats)
    return f"{median} ({spread})"


def render(workloads: list[Workload], bench: Bench, command: str, load: str, budget: float | None,
           elapsed: float) -> str:
    limit = "none" if budget is None else f"{budget:.0f} s"
    parts = [
        report.header("schemagen benchmark", command, load,
                      [f"time budget: {limit}; this run took {measure.seconds(elapsed)}; load average at its "
                       f"end: {report.load_average()} (other work on the machine inflates timings)",
                       f"schemagen is run as `{Path(PYTHON).name} -m schemagen ...` in a fresh process each time; "
                       "peak RSS is that process's own `ru_maxrss` (from `os.wait4`)"]),
        "\n## Workloads\n\n",
        workloads_table(workloads),
        "\nSynthetic tables (bench/workload.py) have 10-11 columns each: serial key, varchars with rules and "
        "messages, integer with a range rule, numeric, enum, text array, typed JSON, two timestamps set by the "
        "database, and a foreign key to the previous table with relations both ways. schemagen refuses spec "
        "files over 1 MiB, so synth2000 is two spec files (two packages) of 1000 tables.\n",
        "\n## Whole-process timings\n\n",
        timings_table(workloads),
        "\nA cycle: cold build into an empty folder, no-op rebuild, `check` on the up-to-date tree, the one "
        "edit and a rebuild straight after it (it generates; the format cache holds the unedited build's "
        "statements), the edit undone and the tree rebuilt (untimed), the edit again, `check` (exit 1, prints "
        "the diff), rebuild (it takes the outputs that check generated from the cache). `× baseline` compares with starting Python and "
        "loading the same YAML with `yaml.CSafeLoader`. `runs` is done/wanted; peak RSS is the median.\n",
        "\n## Targets of issue 10 (realistic workload, same run)\n\n",
        targets_table(workloads),
        "\nreal300 is bench/realistic.py: 300 tables shaped like translated Drizzle/Prisma schemas (plus "
        "their link tables), about 1,000 relations, long multi-line comments, composite keys, indexes of every "
        "kind. `black sees` counts the logical lines sent to black over all logical lines of the generated "
        "modules (bench/stages.py, cache off).\n",
        "\n## Where the time goes (one in-process run per workload)\n\n",
        stages_table(workloads),
        "\nbench/stages.py calls spec.load (read_spec, load_spec_text), spec.validate_spec, resolver.resolve "
        "(to the Catalog), codegen.render_catalog (IR and templates), format.lines.cut plus the per-statement "
        "parse check (`cut`), format.black.format_pieces (`black`, on the pieces only, cache off) and "
        "output.write plan/apply in a fresh interpreter; `import` is importing those modules. The last row "
        "times black over every "
        "whole module, which is how schemagen formatted before (and what the tests still compare with), "
        f"for workloads of up to {REFERENCE_TABLES} tables.\n",
    ]
    if bench.runtime:
        parts += [
            f"\n## Run-time cost of generated code (synth{RUNTIME_TABLES}, table {bench.runtime['table']})\n\n",
            runtime_table(bench.runtime),
            "\nHand-written: the same models as one plain module (bench/handwritten.py): plain `mapped_column` "
            "types, `JSON().with_variant(ARRAY/JSONB)` holding plain dicts, Pydantic models with `Field` "
            "constraints and default messages, no relation map; its schemas are built at import. Generated: every "
            "name of the package (`from pkg import *`: models, relations, types, and the schema classes, each "
            "built on its first validation; bench/import_cost.py compares with every schema built). Validation: `XInsert.model_validate` of 300 distinct "
            "payloads; ORM: `session.add_all` of 2000 objects built from validated data, then `commit`, to a "
            "SQLite file. Medians of 9 alternating rounds (bench/runtime_cost.py ROUNDS).\n",
        ]
    return "".join(parts)


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n", 1)[0])
    parser.add_argument("--budget", type=float, default=570.0,
                        help="seconds the whole run may take (0: no limit); default 570")
    parser.add_argument("--only", nargs="+", metavar="WORKLOAD",
                        help="run only these workloads (life_ceo, synth50, synth500, synth2000, real300)")
    parser.add_argument("--no-runtime", action="store_true", help="skip the run-time cost of generated code")
    parser.add_argument("--peers", action="store_true", help="run the peers comparison instead (bench/peers.py)")
    args = parser.parse_args(argv)
    if args.peers:
        import peers

        return peers.main()

    arguments = sys.argv[1:] if argv is None else list(argv)
    command = "make bench" if os.environ.get("MAKELEVEL") else " ".join(["python bench/run.py", *arguments])
    load = report.load_average()
    budget = Budget(args.budget or None)
    workloads = make_workloads(set(args.only) if args.only else None)
    bench = Bench(workloads, budget)
    # Installed, schemagen runs from bytecode caches (pip writes them, or Python on the first run). A
    # shell's PYTHONDONTWRITEBYTECODE would make every measured process compile every schemagen module
    # again (about 90 ms of a real300 build), a cost no user pays: warm_up writes the caches, the runs
    # read them (bench/import_cost.py does the same).
    os.environ.pop("PYTHONDONTWRITEBYTECODE", None)
    # The schemagen measured is this checkout's, whose commit the header names, also where the
    # interpreter has another one installed (an editable install of another worktree).
    os.environ["PYTHONPATH"] = os.pathsep.join([str(ROOT), *filter(None, [os.environ.get("PYTHONPATH")])])
    bench.warm_up()
    bench.baselines()
    if not args.no_runtime:
        bench.runtime_cost()
    bench.run_cycles()
    text = render(workloads, bench, command, load, budget.seconds, budget.elapsed)
    path = RESULTS / f"{time.strftime('%Y-%m-%d')}.md"
    report.write(path, text)
    print(text)
    log(f"wrote {path.relative_to(ROOT)} in {measure.seconds(budget.elapsed)}")
    return 1 if any(wl.failed for wl in workloads) else 0


if __name__ == "__main__":
    sys.exit(main())
