"""Per-stage timings of one build, in-process: `python bench/stages.py OUT_DIR SPEC...` prints JSON.

Calls the pipeline's stage functions directly, in the order `schemagen build` runs them, and times
each with `time.perf_counter`; the run.py driver starts a fresh interpreter for each workload, and the
format cache is off, so this is a cold build. A workload of several spec files adds up the times of
its files. The write stage writes into OUT_DIR (which should be empty) through
`schemagen.output.write.plan` and `apply`, like a cold build (not the freshness record that
`build` also leaves in the cache, `schemagen.output.fresh.remember`).

`resolve` returns the frozen Catalog (`schemagen.resolver`); `render` is
`schemagen.codegen.render_catalog`, which builds the package's IR from the catalog and renders the
templates, so it includes what the old `resolve` did past the catalog; with an empty render cache,
which it fills as a cold build does.

Stages after render: `cut` splits each module into lines proven black-clean and pieces for black
(`schemagen.format.lines.cut`), and parses each top-level statement (the syntax check,
`schemagen.format._parse_check`); `black` formats the pieces (`schemagen.format.black.format_pieces`,
batched, over the machine's cores when that pays). With `--reference`, `black, whole modules` also times black over
every whole module, the way schemagen formatted before pieces: the build does not run it.
"""

from __future__ import annotations

import gc
import json
import os
import sys
import tempfile
import time
from pathlib import Path

STAGES = ("import", "load", "validate", "resolve", "render", "cut", "black", "write")
REFERENCE = "black, whole modules"


def measure(out_dir: Path, spec_files: list[Path], *, reference: bool = False) -> dict[str, float]:
    clock = time.perf_counter
    times = dict.fromkeys(STAGES, 0.0)

    start = clock()
    from schemagen.codegen import render_catalog
    from schemagen.codegen.render import environment
    from schemagen.format import _parse_check
    from schemagen.format.black import format_pieces, format_source
    from schemagen.format.style import DEFAULT_LINE_LENGTH
    from schemagen.format.lines import Piece, _logical_lines, cut, indent_block
    from schemagen.output.manifest import Output
    from schemagen.output.write import apply, plan
    from schemagen.pipeline import _output
    from schemagen.resolver import resolve
    from schemagen.spec.load import load_spec_text, read_spec
    from schemagen.spec.validate import validate_spec

    times["import"] = clock() - start
    # The templates compiled as a build finds them (Jinja's bytecode cache); the render cache empty,
    # as a cold build finds it (`render` includes writing it).
    environment()
    os.environ["SCHEMAGEN_CACHE_DIR"] = tempfile.mkdtemp(prefix="stages-render-cache-")
    gc.disable()  # as the CLI does while it generates (see cli.common.run_pipeline)

    rendered: dict[str, str] = {}
    catalogs = []
    for spec_file in spec_files:
        start = clock()
        raw = read_spec(spec_file)
        loaded = load_spec_text(spec_file, raw)
        loaded_at = clock()
        spec = validate_spec(loaded)
        validated_at = clock()
        catalog = resolve(spec, loaded)
        resolved_at = clock()
        for name, source in render_catalog(catalog).items():
            rendered[f"{catalog.package}/{name}"] = source
        rendered_at = clock()
        times["load"] += loaded_at - start
        times["validate"] += validated_at - loaded_at
        times["resolve"] += resolved_at - validated_at
        times["render"] += rendered_at - resolved_at
        catalogs.append((spec_file, raw, catalog))

    python = {path: source for path, source in rendered.items() if path.endswith(".py")}
    start = clock()
    parts = {}
    for path, source in python.items():
        chunks: list[tuple[int, str]] = []
        parts[path] = cut(source, chunks)
        _parse_check(path, chunks, None)
    cut_at = clock()
    pieces = [part for module in parts.values() for part in module if isinstance(part, Piece)]
    formatted = format_pieces(pieces)
    times["cut"] = cut_at - start
    times["black"] = clock() - cut_at
    sources = dict(rendered)
    for path, module in parts.items():
        sources[path] = "".join(p if isinstance(p, str) else indent_block(formatted[p], p.depth) for p in module)

    outputs: list[Output] = [_output(spec_file, raw, catalog, sources, DEFAULT_LINE_LENGTH, None)
                             for spec_file, raw, catalog in catalogs]
    start = clock()
    apply(plan(out_dir, outputs))
    times["write"] = clock() - start
    result = {**times, "generated_bytes": float(sum(len(s.encode()) for s in sources.values())),
              "pieces": float(len(pieces)), "distinct_pieces": float(len(set(pieces))),
              "black_logical_lines": float(sum(len(list(_logical_lines(p.text))) for p in pieces)),
              "logical_lines": float(sum(len(list(_logical_lines(s))) for s in python.values()))}
    if reference:
        start = clock()
        whole = {path: format_source(source, path) for path, source in python.items()}
        result[REFERENCE] = clock() - start
        # black keeps what layout.py explodes (magic trailing commas) where it would have joined the
        # rendered line, so the two may differ; what must hold is that black changes nothing of ours
        assert all(format_source(sources[path], path) == sources[path] for path in python), "not black-stable"
        assert whole.keys() == python.keys()
    return result


if __name__ == "__main__":
    arguments = sys.argv[1:]
    with_reference = "--reference" in arguments
    arguments = [arg for arg in arguments if arg != "--reference"]
    print(json.dumps(measure(Path(arguments[0]), [Path(arg) for arg in arguments[1:]], reference=with_reference)))
