"""Two checkouts of schemagen side by side in one run, on the realistic workload (bench/realistic.py).

    python bench/ab.py ROUNDS TREE_A TREE_B [--tables N]

Each round builds with both trees, in alternating order (so a machine growing busier or quieter
favours neither): a cold build (empty output folder and cache), the bench's one-column edit and a
rebuild, then a no-op rebuild. Each tree runs as `python -m schemagen` with `PYTHONPATH=TREE`, so
compile both trees first (`python -m compileall -q TREE/schemagen`) when `PYTHONDONTWRITEBYTECODE` is
set. Printed: per round, then the medians per tree, the fastest cold build, and the CPU time of the
cold builds (every process of the build: `RUSAGE_CHILDREN`). On a machine whose cores other work
shares, wall times move by tens of percent from run to run; compare medians over many rounds, and
instruction counts (valgrind's callgrind) for small differences.
"""

from __future__ import annotations

import argparse
import os
import resource
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))

import realistic  # noqa: E402
from run import middle_edit  # noqa: E402  (the bench's one-column edit)


def _build(tree: str, folder: Path) -> tuple[float, float]:
    """Wall and CPU seconds of one `schemagen build`."""
    env = {**os.environ, "PYTHONPATH": tree, "SCHEMAGEN_CACHE_DIR": str(folder / "cache")}
    before = resource.getrusage(resource.RUSAGE_CHILDREN)
    start = time.perf_counter()
    done = subprocess.run([sys.executable, "-m", "schemagen", "build", "specs", "--out", "out"], cwd=folder,
                          env=env, capture_output=True, text=True)
    wall = time.perf_counter() - start
    after = resource.getrusage(resource.RUSAGE_CHILDREN)
    if done.returncode:
        sys.exit(f"{tree}: the build failed (exit {done.returncode}):\n{done.stdout[-500:]}{done.stderr[-2000:]}")
    return wall, after.ru_utime + after.ru_stime - before.ru_utime - before.ru_stime


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("rounds", type=int)
    parser.add_argument("trees", nargs=2, metavar="TREE")
    parser.add_argument("--tables", type=int, default=300, help="tables of the realistic spec (default 300)")
    args = parser.parse_args()
    spec = realistic.make_spec(args.tables)
    work = Path(tempfile.mkdtemp(prefix="schemagen-ab-"))
    times: dict[str, dict[str, list[float]]] = {tree: {"cold": [], "cold cpu": [], "edit": [], "no-op": []}
                                                for tree in args.trees}
    try:
        for round_ in range(args.rounds):
            for tree in args.trees if round_ % 2 == 0 else args.trees[::-1]:
                folder = work / str(args.trees.index(tree))
                shutil.rmtree(folder, ignore_errors=True)
                (folder / "specs").mkdir(parents=True)
                (folder / "specs" / "app.yaml").write_text(spec, "utf-8")
                wall, cpu = _build(tree, folder)
                times[tree]["cold"].append(wall)
                times[tree]["cold cpu"].append(cpu)
                middle_edit([folder / "specs" / "app.yaml"]).apply()
                times[tree]["edit"].append(_build(tree, folder)[0])
                times[tree]["no-op"].append(_build(tree, folder)[0])
            print(f"round {round_ + 1}: " + "; ".join(
                f"{tree}: cold {times[tree]['cold'][-1] * 1000:.0f} ms, edit {times[tree]['edit'][-1] * 1000:.0f} ms"
                for tree in args.trees), flush=True)
    finally:
        shutil.rmtree(work, ignore_errors=True)
    for tree in args.trees:
        medians = {measure: statistics.median(values) * 1000 for measure, values in times[tree].items()}
        print(f"{tree}: cold {medians['cold']:.0f} ms (fastest {min(times[tree]['cold']) * 1000:.0f}), "
              f"cold CPU {medians['cold cpu']:.0f} ms, edit {medians['edit']:.0f} ms, no-op {medians['no-op']:.0f} ms")
    first, second = (statistics.median(times[tree]["cold"]) for tree in args.trees)
    print(f"cold build, {args.trees[1]} / {args.trees[0]}: {second / first:.2f}x; load average {os.getloadavg()}")


if __name__ == "__main__":
    main()
