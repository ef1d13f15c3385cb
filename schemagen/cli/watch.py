"""`schemagen build --watch`: build, then rebuild whenever a spec file changes, until Ctrl-C.

A spec error or a failed write is printed and the watch goes on; the next save builds again.
"""

from __future__ import annotations

import signal
import threading
import time
from pathlib import Path

import typer

from schemagen.cli.build import build_once
from schemagen.cli.common import shown, spec_places

SPEC_SUFFIXES = (".yaml", ".yml")


def watch_and_build(specs: list[Path] | None, out: Path | None) -> None:
    from watchfiles import Change, watch

    places = spec_places(specs)
    folders = {p.resolve() for p in places if p.is_dir()}
    files = {p.resolve() for p in places if not p.is_dir()}

    def relevant(change: Change, path: str) -> bool:
        found = Path(path)
        return found in files or (found.suffix in SPEC_SUFFIXES and found.parent in folders)

    # Ctrl-C (SIGINT) lets a running build finish, then ends the watch with exit code 0
    stop = threading.Event()
    signal.signal(signal.SIGINT, lambda *_: stop.set())
    _attempt(specs, out)
    watched = sorted({str(f) for f in folders} | {str(f.parent) for f in files})
    typer.echo(f"watching {', '.join(map(str, places))} for changes (Ctrl-C stops)")
    for changes in watch(*watched, watch_filter=relevant, stop_event=stop, debounce=400):
        for change, path in sorted(changes, key=lambda c: c[1]):
            typer.echo(f"{shown(Path(path))} {change.name}")
        _attempt(specs, out)
        if not stop.is_set():
            typer.echo("watching for changes (Ctrl-C stops)")
    typer.echo("stopped watching")


def _attempt(specs: list[Path] | None, out: Path | None) -> None:
    started = time.perf_counter()
    try:
        build_once(specs, out)
    except typer.Exit as exc:
        if exc.exit_code == 0:
            return
        typer.echo(f"build failed (exit {exc.exit_code}) after {time.perf_counter() - started:.2f} s; "
                   "fix the spec and save: the watch goes on", err=True)
        return
    typer.echo(f"built in {time.perf_counter() - started:.2f} s")
