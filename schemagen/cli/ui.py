"""How the commands talk: verbosity (`--quiet`, `--verbose`), colour, and the time a command took.

Colour only goes to a terminal, and never when `NO_COLOR` is set (https://no-color.org) or `CI` is
(CI logs keep escape codes as text). `--quiet` drops the lines that report success; errors, hints
and `check`'s diff are always printed.
"""

from __future__ import annotations

import os
import sys
import time
from dataclasses import dataclass, field

import typer


@dataclass
class _State:
    verbosity: int = 0  # -1 quiet, 0 normal, 1 verbose
    started: float = field(default_factory=time.perf_counter)


STATE = _State()


def configure(*, quiet: bool, verbose: bool) -> None:
    STATE.verbosity = -1 if quiet else 1 if verbose else 0
    STATE.started = time.perf_counter()


def set_verbosity(*, quiet: bool, verbose: bool) -> None:
    STATE.verbosity = -1 if quiet else 1 if verbose else 0


def restart_clock() -> None:
    STATE.started = time.perf_counter()


def elapsed() -> str:
    return f"{time.perf_counter() - STATE.started:.2f} s"


def colour_allowed(err: bool = False) -> bool:
    stream = sys.stderr if err else sys.stdout
    if os.environ.get("NO_COLOR") or os.environ.get("CI"):
        return False
    return hasattr(stream, "isatty") and stream.isatty()


def paint(text: str, colour: str, *, err: bool = False, bold: bool = False) -> str:
    """`text` in `colour` when this stream may have colour, else unchanged."""
    return typer.style(text, fg=colour, bold=bold) if colour_allowed(err) else text


def say(message: str, *, level: int = 0, err: bool = False) -> None:
    """Print a report line: level 0 unless `--quiet`, level 1 only with `--verbose`."""
    if STATE.verbosity >= level:
        typer.echo(message, err=err, color=colour_allowed(err))


def shout(message: str, *, err: bool = True) -> None:
    """Print a line whatever the verbosity (errors, diffs)."""
    typer.echo(message, err=err, nl=not message.endswith("\n"), color=colour_allowed(err))


def paint_errors(rendered: str) -> str:
    """Spec errors as `SpecErrors.render()` writes them, the `error:` and `hint:` words coloured."""
    if not colour_allowed(err=True):
        return rendered
    return (rendered.replace(": error: ", ": " + typer.style("error", fg="red", bold=True) + ": ")
            .replace("\n  hint: ", "\n  " + typer.style("hint", fg="cyan") + ": "))


def paint_diff(diff: str) -> str:
    if not colour_allowed():
        return diff
    lines = []
    for line in diff.splitlines(keepends=True):
        if line.startswith(("+++", "---")):
            lines.append(typer.style(line, bold=True))
        elif line.startswith("+"):
            lines.append(typer.style(line, fg="green"))
        elif line.startswith("-"):
            lines.append(typer.style(line, fg="red"))
        elif line.startswith("@@"):
            lines.append(typer.style(line, fg="cyan"))
        else:
            lines.append(line)
    return "".join(lines)


def plural(count: int, noun: str) -> str:
    return f"{count} {noun}{'' if count == 1 else 's'}"
