"""`schemagen check`: exit 0 when the output folder is what build would write, 1 with a diff."""


import typer

from schemagen.cli.common import (
    EXIT_STALE, OutOption, QuietOption, SpecsArgument, VerboseOption, app, generate_unless_fresh, verbosity,
)
from schemagen.cli.ui import elapsed, paint, paint_diff, plural, say, shout


@app.command()
def check(specs: SpecsArgument = None, out: OutOption = None, quiet: QuietOption = False,
          verbose: VerboseOption = False) -> None:
    """Exit 0 when the output folder is exactly what build would write, else 1 with a diff."""
    verbosity(quiet, verbose)
    from schemagen.output.write import differences, locked, recover

    generated = generate_unless_fresh(specs, out, "check")
    if generated is None:
        return
    out_dir, outputs = generated.out_dir, generated.outputs
    generated.cache.save()
    if out_dir.is_dir():
        with locked(out_dir):
            if recover(out_dir):
                shout(f"rolled back an interrupted build in {out_dir}")
            diffs = differences(out_dir, outputs, generated.orphans)
    else:
        diffs = differences(out_dir, outputs, generated.orphans)
    if diffs:
        for diff in diffs:
            shout(paint_diff(diff), err=False)
        command = "schemagen build " + " ".join(map(str, specs or [])) + (f" --out {out}" if out else "")
        shout(f"\n{paint(f'{len(diffs)} generated file(s) out of date', 'red', err=True, bold=True)} in {out_dir}. "
              f"Run `{command.strip()}` to update.")
        raise typer.Exit(EXIT_STALE)
    generated.remember()
    packages = f"{plural(len(outputs), 'package')} ({', '.join(o.package for o in outputs)})"
    say(f"{out_dir} is up to date ({sum(len(o.files) for o in outputs)} files, {packages}) in {elapsed()}")
