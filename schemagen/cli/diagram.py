"""`schemagen diagram`: an entity-relationship diagram of one spec (Mermaid, Graphviz dot, or SVG)."""


import enum
import shutil
import subprocess
from pathlib import Path
from typing import Annotated, Optional

import typer

from schemagen.cli.common import EXIT_FAILURE, EXIT_SPEC_ERROR, app, fail, write_text_output
from schemagen.cli.ui import paint_errors, shout


class Format(str, enum.Enum):
    mermaid = "mermaid"
    dot = "dot"
    svg = "svg"


@app.command()
def diagram(
    spec: Annotated[Path, typer.Argument(help="the spec file")],
    format: Annotated[Format, typer.Option("--format", "-f", help="mermaid (GitHub renders it), dot, or svg "
                                           "(through Graphviz's dot)")] = Format.mermaid,
    out: Annotated[Optional[Path], typer.Option("--out", "-o", help="write to this file (default: print)")] = None,
) -> None:
    """An entity-relationship diagram: tables, key columns, foreign keys, cardinalities, many-to-many."""
    from schemagen.diagram import dot, mermaid
    from schemagen.errors import SpecErrors
    from schemagen.pipeline import catalogs

    if not spec.is_file():
        fail(f"no such spec file: {spec}", EXIT_SPEC_ERROR)
    try:
        ((_, _, catalog),) = catalogs([spec])
    except SpecErrors as exc:
        shout(paint_errors(exc.render()))
        raise typer.Exit(EXIT_SPEC_ERROR) from None
    if format is Format.mermaid:
        write_text_output(mermaid(catalog), out)
        return
    text = dot(catalog)
    if format is Format.svg:
        text = _svg(text)
    write_text_output(text, out)


def _svg(source: str) -> str:
    program = shutil.which("dot")
    if program is None:
        fail("--format svg needs Graphviz's `dot`, which is not installed (Debian/Ubuntu: `apt-get install "
             "graphviz`, macOS: `brew install graphviz`); `--format mermaid` or `--format dot` need nothing",
             EXIT_FAILURE)
    done = subprocess.run([program, "-Tsvg"], input=source, capture_output=True, text=True, timeout=120)
    if done.returncode != 0:
        fail(f"Graphviz's dot failed: {done.stderr.strip()}", EXIT_FAILURE)
    return done.stdout
