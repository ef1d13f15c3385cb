"""The results file: a header describing the machine and the run, then Markdown tables."""

from __future__ import annotations

import datetime
import os
import platform
import subprocess
from collections.abc import Sequence
from importlib import metadata
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent


def table(headers: Sequence[str], rows: Sequence[Sequence[str]], *, right: Sequence[int] = ()) -> str:
    """A Markdown table, columns padded so that it also reads well in a terminal.

    `right` lists the columns to right-align (numbers); cells must not contain `|` or newlines.
    """
    cells = [list(headers), *[list(row) for row in rows]]
    widths = [max(len(row[i]) for row in cells) for i in range(len(headers))]

    def line(row: list[str]) -> str:
        padded = [cell.rjust(widths[i]) if i in right else cell.ljust(widths[i]) for i, cell in enumerate(row)]
        return "| " + " | ".join(padded) + " |"

    rule = "|" + "|".join(("-" * (w + 1) + ":") if i in right else ("-" * (w + 2)) for i, w in enumerate(widths)) + "|"
    return "\n".join([line(cells[0]), rule, *(line(row) for row in cells[1:])]) + "\n"


def cell(text: str) -> str:
    """Text made safe for a table cell: one line, no pipes, at most 160 characters."""
    flat = " ".join(text.replace("|", "/").split())
    return flat if len(flat) <= 160 else flat[:157] + "..."


def _cpu_model() -> str:
    try:
        for line in Path("/proc/cpuinfo").read_text().splitlines():
            if line.startswith("model name"):
                return line.split(":", 1)[1].strip()
    except OSError:
        pass
    return platform.processor() or "unknown"


def _memory() -> str:
    try:
        for line in Path("/proc/meminfo").read_text().splitlines():
            if line.startswith("MemTotal:"):
                return f"{int(line.split()[1]) / 1024 / 1024:.0f} GiB"
    except (OSError, ValueError, IndexError):
        pass
    return "unknown"


def _git() -> str:
    def git(*args: str) -> str:
        return subprocess.run(["git", *args], cwd=ROOT, capture_output=True, text=True, check=False).stdout.strip()

    commit = git("rev-parse", "--short", "HEAD") or "unknown"
    dirty = git("status", "--porcelain", "--", "schemagen", "templates")
    return f"{commit}" + (" + uncommitted changes in schemagen/ or templates/" if dirty else "")


def _version(package: str) -> str:
    try:
        return metadata.version(package)
    except metadata.PackageNotFoundError:
        return "not installed"


def load_average() -> str:
    return " ".join(f"{value:.2f}" for value in os.getloadavg())


def header(title: str, command: str, load: str, extra: Sequence[str] = ()) -> str:
    """The date, machine, software and command of this run, as a Markdown preamble.

    `load` is the load average when the run started (other work on the machine skews timings).
    """
    lines = [
        f"# {title} — {datetime.date.today().isoformat()}",
        "",
        f"- machine: {os.cpu_count()} CPUs (nproc {len(os.sched_getaffinity(0))}), {_cpu_model()}, {_memory()} RAM, "
        f"{platform.system()} {platform.release()}",
        f"- python: {platform.python_implementation()} {platform.python_version()}; "
        f"SQLAlchemy {_version('sqlalchemy')}, Pydantic {_version('pydantic')}, black {_version('black')}, "
        f"PyYAML {_version('pyyaml')}",
        f"- schemagen: {_version('schemagen')} at git {_git()}",
        f"- command: `{command}`",
        f"- load average when the run started: {load} (1, 5, 15 min)",
        *[f"- {line}" for line in extra],
    ]
    return "\n".join(lines) + "\n"


def write(path: Path, text: str) -> None:
    """Replace `path` with `text` (a same-day file is overwritten)."""
    path.parent.mkdir(parents=True, exist_ok=True)
    temporary = path.with_name(path.name + ".tmp")
    temporary.write_text(text, encoding="utf-8")
    os.replace(temporary, path)
