"""`schemagen reference`: the spec language's reference (Markdown), rendered from the spec models."""


from pathlib import Path
from typing import Annotated, Optional

import typer

from schemagen.cli.common import app, write_text_output


@app.command()
def reference(
    out: Annotated[Optional[Path], typer.Option("--out", "-o", help="write to this file (default: print)")] = None,
) -> None:
    """Print (or write) the reference of every spec key: type, default, meaning, example."""
    from schemagen.spec.reference import render_reference

    write_text_output(render_reference(), out)
