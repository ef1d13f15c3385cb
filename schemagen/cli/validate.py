"""`schemagen validate`: report spec errors, write nothing."""

from __future__ import annotations

from pathlib import Path

import typer

from schemagen.cli.common import EXIT_SPEC_ERROR, SpecsArgument, app, inputs
from schemagen.errors import SpecErrors


@app.command()
def validate(specs: SpecsArgument = None) -> None:
    """Check specs for errors without generating anything."""
    from schemagen.pipeline import check_specs

    files, _ = inputs(specs, Path("."))
    try:
        check_specs(files)
    except SpecErrors as exc:
        typer.echo(exc.render(), err=True)
        raise typer.Exit(EXIT_SPEC_ERROR) from None
    typer.echo(f"{len(files)} spec(s) valid")
