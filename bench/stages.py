"""Per-stage timings of one build, in-process: `python bench/stages.py OUT_DIR SPEC...` prints JSON.

Calls the pipeline's stage functions directly, in the order `schemagen build` runs them, and times
each with `time.perf_counter`; the run.py driver starts a fresh interpreter for each workload, and the
format cache is off, so this is a cold build. A workload of several spec files adds up the times of
its files. The write stage writes into OUT_DIR (which should be empty) through `write.plan` and
`write.apply`, like a cold build.

Stages after render: `cut` splits each module into lines proven black-clean and pieces for black,
and parses each top-level statement (the syntax check); `black` formats the pieces (batched, over
the machine's cores when that pays). With `--reference`, `black, whole modules` also times black over
every whole module, the way schemagen formatted before pieces: the build does not run it.
"""

from __future__ import annotations

import gc
import json
import sys
import time
from pathlib import Path

STAGES = ("import", "load", "validate", "resolve", "render", "cut", "black", "write")
REFERENCE = "black, whole modules"


def measure(out_dir: Path, spec_files: list[Path], *, reference: bool = False) -> dict[str, float]:
    clock = time.perf_counter
    times = dict.fromkeys(STAGES, 0.0)

    start = clock()
    from schemagen import fmt
    from schemagen.load import load_spec_text, read_spec
    from schemagen.pipeline import Output, _output
    from schemagen.fresh import spec_inputs
    from schemagen.render import render_package
    from schemagen.resolve import resolve
    from schemagen.validate import validate_spec
    from schemagen.write import apply, plan

    times["import"] = clock() - start
    gc.disable()  # as the CLI does while it generates (see cli._generate)

    rendered: dict[str, str] = {}
    packages = []
    for spec_file in spec_files:
        start = clock()
        raw = read_spec(spec_file)
        loaded = load_spec_text(spec_file, raw)
        loaded_at = clock()
        spec = validate_spec(loaded)
        validated_at = clock()
        package = resolve(spec, loaded)
        resolved_at = clock()
        for name, source in render_package(package).items():
            rendered[f"{package.name}/{name}"] = source
        rendered_at = clock()
        times["load"] += loaded_at - start
        times["validate"] += validated_at - loaded_at
        times["resolve"] += resolved_at - validated_at
        times["render"] += rendered_at - resolved_at
        packages.append((spec_file, package, spec_inputs(spec_file, raw)))

    python = {path: source for path, source in rendered.items() if path.endswith(".py")}
    start = clock()
    parts = {}
    for path, source in python.items():
        chunks: list[tuple[int, str]] = []
        parts[path] = fmt.cut(source, chunks)
        fmt._parse_check(path, chunks, None)
    cut_at = clock()
    pieces = [part for module in parts.values() for part in module if isinstance(part, fmt.Piece)]
    formatted = fmt.format_pieces(pieces)
    times["cut"] = cut_at - start
    times["black"] = clock() - cut_at
    sources = dict(rendered)
    for path, module in parts.items():
        sources[path] = "".join(p if isinstance(p, str) else fmt._indent(formatted[p], p.depth) for p in module)

    outputs: list[Output] = [_output(spec_file, package, sources, inputs) for spec_file, package, inputs in packages]
    start = clock()
    apply(plan(out_dir, outputs))
    times["write"] = clock() - start
    result = {**times, "generated_bytes": float(sum(len(s.encode()) for s in sources.values())),
              "pieces": float(len(pieces)), "distinct_pieces": float(len(set(pieces))),
              "logical_lines": float(sum(len(list(fmt._logical_lines(s))) for s in python.values()))}
    if reference:
        start = clock()
        whole = {path: fmt.format_source(source, path) for path, source in python.items()}
        result[REFERENCE] = clock() - start
        assert all(whole[path] == sources[path] for path in python), "pieces and whole-module black differ"
    return result


if __name__ == "__main__":
    arguments = sys.argv[1:]
    with_reference = "--reference" in arguments
    arguments = [arg for arg in arguments if arg != "--reference"]
    print(json.dumps(measure(Path(arguments[0]), [Path(arg) for arg in arguments[1:]], reference=with_reference)))
