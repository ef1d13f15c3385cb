"""`python -m schemagen` and the `schemagen` script (`entry`): the command line, with the collector
paused from the first import on (see `schemagen.cli.common.pause_collector_for_start_up`: importing
typer and the commands is where its passes cost the most), a cold build's specs loaded by a child
meanwhile (`schemagen.early`), ended without the interpreter's teardown (`schemagen.cli.run`).

The script's entry point is here, not in `schemagen.cli`: importing that module imports typer and
every command, which is what the early child's fork must come before."""

import gc
from typing import NoReturn


def entry() -> NoReturn:
    collector_enabled = gc.isenabled()
    gc.disable()

    from schemagen.early import run_main as start_early

    start_early()  # a cold build's specs loaded on the second core while the command line is imported

    from schemagen.cli import run

    run(collector_enabled=collector_enabled)


if __name__ == "__main__":
    entry()
