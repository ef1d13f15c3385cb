"""`schemagen build`: generate every spec's package into the output folder, all or nothing."""

from __future__ import annotations

import typer

from schemagen.cli.common import EXIT_FAILURE, OutOption, SpecsArgument, app, fail, generate_unless_fresh, shown


@app.command()
def build(specs: SpecsArgument = None, out: OutOption = None) -> None:
    """Generate the packages of all specs into the output folder (all or nothing)."""
    from schemagen.output.write import WriteConflict, apply, locked, plan, recover

    generated = generate_unless_fresh(specs, out, "build")
    if generated is None:
        return
    out_dir, outputs = generated.out_dir, generated.outputs
    try:
        with locked(out_dir):
            if recover(out_dir):
                typer.echo(f"rolled back an interrupted build in {out_dir}", err=True)
            result = plan(out_dir, outputs, generated.orphans)
            apply(result)
    except WriteConflict as exc:
        fail(str(exc), EXIT_FAILURE)
    except OSError as exc:
        fail(f"could not write {exc.filename or out_dir}: {exc.strerror}; nothing was changed", EXIT_FAILURE)
    generated.remember()
    for path in result.edited:
        typer.echo(f"replaced {shown(path)}, which had been edited by hand since schemagen wrote it", err=True)
    for path in sorted(result.writes):
        typer.echo(f"wrote {shown(path)}")
    for path in result.deletes:
        typer.echo(f"removed {shown(path)}")
    packages = ", ".join(o.package for o in outputs)
    typer.echo(f"{len(outputs)} package(s) ({packages}): {len(result.writes)} written, "
               f"{len(result.unchanged)} unchanged, {len(result.deletes)} removed")
