"""`python -m schemagen`: the command line, with the collector paused from the first import on
(see `schemagen.cli.common.pause_collector_for_start_up`: importing typer and the commands is
where its passes cost the most), ended without the interpreter's teardown (`schemagen.cli.run`)."""

import gc

collector_enabled = gc.isenabled()
gc.disable()

from schemagen.cli import run  # noqa: E402

run(collector_enabled=collector_enabled)
