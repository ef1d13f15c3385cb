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

import atexit
import gc
import os
import sys
import threading
from typing import NoReturn

# each module registers its command(s); migrate registers sql, migrate, upgrade, downgrade and push
from schemagen.cli import build, check, diagram, init, json_schema, migrate, pull, reference, validate  # noqa: F401
from schemagen.cli.common import app, pause_collector_for_start_up, resume_collector

__all__ = ["app", "main", "run"]


def main(*, collector_enabled: bool | None = None) -> None:
    """Run the command line. `collector_enabled`: whether the garbage collector ran before the
    caller paused it to import this package (`python -m schemagen` does); else as it is now. The
    command itself runs with it so."""
    pause_collector_for_start_up(gc.isenabled() if collector_enabled is None else collector_enabled)
    try:
        app(prog_name="schemagen")
    finally:  # (a usage error, `--help` or `--version` ends the run before any command started)
        resume_collector()


def run(*, collector_enabled: bool | None = None) -> NoReturn:
    """The command line as a program (`python -m schemagen`, the `schemagen` script): `main`, then
    the process ends at once (`_exit`)."""
    try:
        main(collector_enabled=collector_enabled)
    except SystemExit as exc:
        _exit(exc.code)
    _exit(0)


def _exit(code: object) -> NoReturn:
    """End the process as `sys.exit(code)` would, without tearing the interpreter down: its atexit
    handlers run and its output is flushed, but its modules and objects are not freed one by one,
    which the end of the process does at once (after a cold build of bench/realistic.py 300, the
    teardown took 10-12 ms of the last core at work; the build's whole tail is ~100 ms). The normal
    way out where it does more: another thread to wait for, a profiler or tracer to report (cProfile,
    coverage), an exit code that is not a number (printed), output that cannot be flushed (a closed
    pipe: reported, exit code 120)."""
    # (CPython's own, underscore-named: where a Python has no such function, the normal way out)
    run_exit_functions = getattr(atexit, "_run_exitfuncs", None)
    if (not (code is None or isinstance(code, int)) or threading.active_count() > 1 or sys.gettrace() is not None
            or sys.getprofile() is not None or run_exit_functions is None or not _flushed()):
        raise SystemExit(code)
    run_exit_functions()  # (and forgotten: the normal way out would not run them twice)
    if not _flushed():
        raise SystemExit(code)
    os._exit(int(code or 0))


def _flushed() -> bool:
    try:
        for stream in (sys.stdout, sys.stderr):
            if stream is not None:
                stream.flush()
    except (OSError, ValueError):  # (ValueError: a stream closed)
        return False
    return True


if __name__ == "__main__":
    run()
