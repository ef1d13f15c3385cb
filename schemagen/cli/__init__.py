"""The command line: `schemagen build`, `check`, `validate`, the database (`sql`, `migrate`, `pull`, ...) and tools.

One module per command; each imports its stages only when it runs, so that `check` on an
up-to-date tree stays import-light.
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
