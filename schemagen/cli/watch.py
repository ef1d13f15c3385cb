"""`schemagen build --watch`: build, then rebuild whenever a spec file changes, until Ctrl-C.

A spec error or a failed write is printed and the watch goes on; the next save builds again.
"""

from __future__ import annotations

import signal
import threading
from pathlib import Path

import typer

from schemagen.cli.build import build_once
from schemagen.cli.common import EXIT_SPEC_ERROR, collect_what_generating_left, fail, shown, spec_places
from schemagen.cli.ui import elapsed, restart_clock, say, shout

SPEC_SUFFIXES = (".yaml", ".yml")


def watch_and_build(specs: list[Path] | None, out: Path | None) -> None:
    from watchfiles import Change, watch

    places = spec_places(specs)
    missing = [p for p in places if not p.exists()]
    if missing:
        fail(f"no such spec file or folder to watch: {', '.join(map(str, missing))}", EXIT_SPEC_ERROR)
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
    ready = False
    # yield_on_timeout: the first (empty) yield comes once the watcher is in place, so "watching" is
    # printed only when a save will be seen
    for changes in watch(*watched, watch_filter=relevant, stop_event=stop, debounce=400, rust_timeout=300,
                         yield_on_timeout=True):
        if not ready:
            ready = True
            say(f"watching {', '.join(map(str, places))} for changes (Ctrl-C stops)")
        if not changes:
            continue
        for change, path in sorted(changes, key=lambda c: c[1]):
            say(f"{shown(Path(path))} {change.name}")
        _attempt(specs, out)
        if not stop.is_set():
            say("watching for changes (Ctrl-C stops)")
    say("stopped watching")


def _attempt(specs: list[Path] | None, out: Path | None) -> None:
    """One build; its summary line says how long it took."""
    restart_clock()
    try:
        build_once(specs, out)
    except typer.Exit as exc:
        if exc.exit_code:
            shout(f"build failed (exit {exc.exit_code}) after {elapsed()}; fix the spec and save: the watch goes on")
    finally:
        collect_what_generating_left()  # now that the build has said how it went
