"""`schemagen build`: generate every spec's package into the output folder, all or nothing."""

from __future__ import annotations

import typer

from schemagen.cli.common import EXIT_FAILURE, OutOption, SpecsArgument, app, fail, inputs, proven_fresh, run_pipeline, shown


@app.command()
def build(specs: SpecsArgument = None, out: OutOption = None) -> None:
    """Generate the packages of all specs into the output folder (all or nothing)."""
    from schemagen.output.fresh import MANIFEST, remember
    from schemagen.output.write import WriteConflict, apply, locked, plan, recover

    files, out_dir = inputs(specs, out)
    if proven_fresh(files, out_dir, "build"):
        return
    from schemagen.format.cache import FormatCache

    cache = FormatCache.for_output(out_dir)
    outputs = run_pipeline(files, cache)
    try:
        with locked(out_dir):
            if recover(out_dir):
                typer.echo(f"rolled back an interrupted build in {out_dir}", err=True)
            result = plan(out_dir, outputs)
            apply(result)
    except WriteConflict as exc:
        fail(str(exc), EXIT_FAILURE)
    except OSError as exc:
        fail(f"could not write {exc.filename or out_dir}: {exc.strerror}; nothing was changed", EXIT_FAILURE)
    cache.save()
    remember(out_dir, {o.package: o.files[f"{o.package}/{MANIFEST}"] for o in outputs})
    for path in result.edited:
        typer.echo(f"replaced {shown(path)}, which had been edited by hand since schemagen wrote it", err=True)
    for path in sorted(result.writes):
        typer.echo(f"wrote {shown(path)}")
    for path in result.deletes:
        typer.echo(f"removed {shown(path)}")
    packages = ", ".join(o.package for o in outputs)
    typer.echo(f"{len(outputs)} package(s) ({packages}): {len(result.writes)} written, "
               f"{len(result.unchanged)} unchanged, {len(result.deletes)} removed")
