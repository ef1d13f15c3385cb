"""`schemagen check`: exit 0 when the output folder is what build would write, 1 with a diff."""

from __future__ import annotations

import typer

from schemagen.cli.common import EXIT_STALE, OutOption, SpecsArgument, app, inputs, proven_fresh, run_pipeline


@app.command()
def check(specs: SpecsArgument = None, out: OutOption = None) -> None:
    """Exit 0 when the output folder is exactly what build would write, else 1 with a diff."""
    from schemagen.output.fresh import MANIFEST, remember
    from schemagen.output.write import differences, locked, recover

    files, out_dir = inputs(specs, out)
    if proven_fresh(files, out_dir, "check"):
        return
    from schemagen.format.cache import FormatCache

    cache = FormatCache.for_output(out_dir)
    outputs = run_pipeline(files, cache)
    cache.save()
    if out_dir.is_dir():
        with locked(out_dir):
            if recover(out_dir):
                typer.echo(f"rolled back an interrupted build in {out_dir}", err=True)
            diffs = differences(out_dir, outputs)
    else:
        diffs = differences(out_dir, outputs)
    if diffs:
        for diff in diffs:
            typer.echo(diff, nl=False)
        command = "schemagen build " + " ".join(map(str, specs or [])) + (f" --out {out}" if out else "")
        typer.echo(f"\n{len(diffs)} generated file(s) out of date in {out_dir}. Run `{command.strip()}` to update.",
                   err=True)
        raise typer.Exit(EXIT_STALE)
    remember(out_dir, {o.package: o.files[f"{o.package}/{MANIFEST}"] for o in outputs})
    typer.echo(f"{out_dir} is up to date ({sum(len(o.files) for o in outputs)} files, {len(outputs)} package(s))")
