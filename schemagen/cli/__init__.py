"""The command line: `schemagen build`, `check`, `validate`, the database (`sql`, `migrate`, `pull`, ...) and tools.

One module per command; each imports its stages only when it runs, so that `check` on an
up-to-date tree stays import-light.

The modules that declare commands (and `common`, whose callback takes the global options) do not
use `from __future__ import annotations`: typer reads every command's annotations on each run, and
annotations kept as strings are then compiled and evaluated twice per parameter (~3 % of the
instructions of a no-op build over the 13 commands), while evaluated when the module runs they
come from its bytecode cache.
"""

from __future__ import annotations

# each module registers its command(s); migrate registers sql, migrate, upgrade, downgrade and push
from schemagen.cli import build, check, diagram, init, json_schema, migrate, pull, reference, validate  # noqa: F401
from schemagen.cli.common import app

__all__ = ["app", "main"]


def main() -> None:
    app(prog_name="schemagen")


if __name__ == "__main__":
    main()
