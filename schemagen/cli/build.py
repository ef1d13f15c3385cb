"""`schemagen build`: generate every spec's package into the output folder, all or nothing."""


from pathlib import Path
from typing import Annotated

import typer

from schemagen.cli.common import (
    EXIT_FAILURE, OutOption, QuietOption, SpecsArgument, VerboseOption, app, fail, generate_unless_fresh, shown,
    verbosity,
)
from schemagen.cli.ui import elapsed, paint, plural, say, shout


WatchOption = Annotated[bool, typer.Option("--watch", "-w", help="build, then rebuild on every spec change until "
                                          "Ctrl-C")]


@app.command()
def build(specs: SpecsArgument = None, out: OutOption = None, watch: WatchOption = False, quiet: QuietOption = False,
          verbose: VerboseOption = False) -> None:
    """Generate the packages of all specs into the output folder (all or nothing)."""
    verbosity(quiet, verbose)
    if watch:
        from schemagen.cli.watch import watch_and_build

        watch_and_build(specs, out)
        return
    build_once(specs, out)


def build_once(specs: list[Path] | None, out: Path | None) -> None:
    """One build; a spec error or a failed write ends it with `typer.Exit` (after printing why)."""
    from schemagen.output.write import WriteConflict, apply, locked, plan, recover

    generated = generate_unless_fresh(specs, out, "build")
    if generated is None:
        return
    out_dir, outputs = generated.out_dir, generated.outputs
    try:
        with locked(out_dir):
            if recover(out_dir):
                shout(f"rolled back an interrupted build in {out_dir}")
            result = plan(out_dir, outputs, generated.orphans)
            apply(result)
    except WriteConflict as exc:
        fail(str(exc), EXIT_FAILURE)
    except OSError as exc:
        fail(f"could not write {exc.filename or out_dir}: {exc.strerror}; nothing was changed", EXIT_FAILURE)
    generated.remember()
    for path in result.edited:
        shout(f"replaced {shown(path)}, which had been edited by hand since schemagen wrote it")
    for path in sorted(result.writes):
        say(f"{paint('wrote', 'green')} {shown(path)}")
    for path in result.deletes:
        say(f"{paint('removed', 'yellow')} {shown(path)}")
    for path in sorted(result.unchanged):
        say(f"unchanged {shown(path)}", level=1)
    packages = f"{plural(len(outputs), 'package')} ({', '.join(o.package for o in outputs)})"
    tables = plural(sum(o.tables for o in outputs), "table")
    say(paint(f"built {packages}, {tables}: {len(result.writes)} written, {len(result.unchanged)} unchanged, "
              f"{len(result.deletes)} removed in {elapsed()}", "green", bold=True))
