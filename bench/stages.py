"""Per-stage timings of one build, in-process: `python bench/stages.py OUT_DIR SPEC...` prints JSON.

Calls the pipeline's stage functions directly, in the order `schemagen build` runs them, and times
each with `time.perf_counter`; the run.py driver starts a fresh interpreter for each workload so that
no caches are warm. A workload of several spec files adds up the times of its files. The write stage
writes into OUT_DIR (which should be empty) through `write.plan` and `write.apply`, like a cold build.
"""

from __future__ import annotations

import hashlib
import json
import sys
import time
from pathlib import Path

STAGES = ("import", "load", "validate", "resolve", "render", "compile", "format", "write")


def measure(out_dir: Path, spec_files: list[Path]) -> dict[str, float]:
    clock = time.perf_counter
    times = dict.fromkeys(STAGES, 0.0)

    start = clock()
    from schemagen import __version__
    from schemagen.fmt import format_source
    from schemagen.load import load_spec
    from schemagen.pipeline import MANIFEST, Output
    from schemagen.render import render_package
    from schemagen.resolve import resolve
    from schemagen.validate import validate_spec
    from schemagen.write import apply, plan

    times["import"] = clock() - start

    outputs: list[Output] = []
    source_bytes = 0
    for spec_file in spec_files:
        start = clock()
        loaded = load_spec(spec_file)
        loaded_at = clock()
        spec = validate_spec(loaded)
        validated_at = clock()
        package = resolve(spec, loaded)
        resolved_at = clock()
        sources = render_package(package)
        rendered_at = clock()
        times["load"] += loaded_at - start
        times["validate"] += validated_at - loaded_at
        times["resolve"] += resolved_at - validated_at
        times["render"] += rendered_at - resolved_at

        files: dict[str, bytes] = {}
        for name, source in sources.items():
            path = f"{package.name}/{name}"
            if name.endswith(".py"):
                start = clock()
                compile(source, path, "exec", dont_inherit=True)
                compiled_at = clock()
                source = format_source(source, path)
                times["compile"] += compiled_at - start
                times["format"] += clock() - compiled_at
            files[path] = source.encode("utf-8")
            source_bytes += len(files[path])
        manifest = {  # as pipeline._render writes it; negligible next to the stages above
            "generator": f"schemagen {__version__}",
            "spec": spec_file.name,
            "files": {path.split("/", 1)[1]: hashlib.sha256(data).hexdigest() for path, data in sorted(files.items())},
        }
        files[f"{package.name}/{MANIFEST}"] = (json.dumps(manifest, indent=2, sort_keys=True) + "\n").encode()
        outputs.append(Output(package.name, spec_file, dict(sorted(files.items()))))

    start = clock()
    apply(plan(out_dir, outputs))
    times["write"] = clock() - start
    return {**times, "generated_bytes": float(source_bytes)}


if __name__ == "__main__":
    print(json.dumps(measure(Path(sys.argv[1]), [Path(arg) for arg in sys.argv[2:]])))
