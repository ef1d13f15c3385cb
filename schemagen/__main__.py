"""`python -m schemagen`: the command line, with the collector paused from the first import on
(see `schemagen.cli.common.pause_collector_for_start_up`: importing typer and the commands is
where its passes cost the most)."""

import gc

collector_enabled = gc.isenabled()
gc.disable()

from schemagen.early import run_main as start_early  # noqa: E402

start_early()  # a cold build's specs loaded on the second core while the command line is imported

from schemagen.cli import main  # noqa: E402

main(collector_enabled=collector_enabled)
