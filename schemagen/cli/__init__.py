"""The command line: `schemagen build`, `schemagen check`, `schemagen validate`, `schemagen pull`.

One module per command; each imports its stages only when it runs, so that `check` on an
up-to-date tree stays import-light.
"""

from __future__ import annotations

from schemagen.cli import build, check, pull, validate  # noqa: F401  (each registers its command)
from schemagen.cli.common import app

__all__ = ["app", "main"]


def main() -> None:
    app(prog_name="schemagen")


if __name__ == "__main__":
    main()
