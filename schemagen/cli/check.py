"""`schemagen check`: exit 0 when the output folder is what build would write, 1 with a diff."""

from __future__ import annotations

import typer

from schemagen.cli.common import EXIT_STALE, OutOption, SpecsArgument, app, generate_unless_fresh


@app.command()
def check(specs: SpecsArgument = None, out: OutOption = None) -> None:
    """Exit 0 when the output folder is exactly what build would write, else 1 with a diff."""
    from schemagen.output.write import differences, locked, recover

    generated = generate_unless_fresh(specs, out, "check")
    if generated is None:
        return
    out_dir, outputs = generated.out_dir, generated.outputs
    generated.cache.save()
    if out_dir.is_dir():
        with locked(out_dir):
            if recover(out_dir):
                typer.echo(f"rolled back an interrupted build in {out_dir}", err=True)
            diffs = differences(out_dir, outputs, generated.orphans)
    else:
        diffs = differences(out_dir, outputs, generated.orphans)
    if diffs:
        for diff in diffs:
            typer.echo(diff, nl=False)
        command = "schemagen build " + " ".join(map(str, specs or [])) + (f" --out {out}" if out else "")
        typer.echo(f"\n{len(diffs)} generated file(s) out of date in {out_dir}. Run `{command.strip()}` to update.",
                   err=True)
        raise typer.Exit(EXIT_STALE)
    generated.remember()
    typer.echo(f"{out_dir} is up to date ({sum(len(o.files) for o in outputs)} files, {len(outputs)} package(s))")
