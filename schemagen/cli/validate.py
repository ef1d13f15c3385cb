"""`schemagen validate`: report spec errors, write nothing."""


from pathlib import Path

import typer

from schemagen.cli.common import EXIT_SPEC_ERROR, SpecsArgument, app, inputs
from schemagen.cli.ui import paint_errors, say, shout


@app.command()
def validate(specs: SpecsArgument = None) -> None:
    """Check specs for errors without generating anything."""
    from schemagen.errors import SpecErrors
    from schemagen.pipeline import check_specs

    files, _ = inputs(specs, Path("."))
    try:
        check_specs(files)
    except SpecErrors as exc:
        shout(paint_errors(exc.render()))
        raise typer.Exit(EXIT_SPEC_ERROR) from None
    say(f"{len(files)} spec(s) valid")
