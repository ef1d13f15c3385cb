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

import gc

# each module registers its command(s); migrate registers sql, migrate, upgrade, downgrade and push
from schemagen.cli import build, check, diagram, init, json_schema, migrate, pull, reference, validate  # noqa: F401
from schemagen.cli.common import app, pause_collector_for_start_up, resume_collector

__all__ = ["app", "main"]


def main(*, collector_enabled: bool | None = None) -> None:
    """Run the command line. `collector_enabled`: whether the garbage collector ran before the
    caller paused it to import this package (`python -m schemagen` does); else as it is now. The
    command itself runs with it so."""
    pause_collector_for_start_up(gc.isenabled() if collector_enabled is None else collector_enabled)
    try:
        app(prog_name="schemagen")
    finally:  # (a usage error, `--help` or `--version` ends the run before any command started)
        resume_collector()


if __name__ == "__main__":
    main()
