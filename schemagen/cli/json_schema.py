"""`schemagen json-schema`: the spec language's JSON Schema, for editors (completion, tooltips, inline errors)."""


from pathlib import Path
from typing import Annotated, Optional

import typer

from schemagen.cli.common import app, write_text_output


@app.command("json-schema")
def json_schema(
    out: Annotated[Optional[Path], typer.Option("--out", "-o", help="write to this file (default: print)")] = None,
) -> None:
    """Print (or write) the JSON Schema of the spec language, every key described."""
    from schemagen.spec.schema import json_schema_text

    write_text_output(json_schema_text(), out)
