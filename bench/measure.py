"""Measuring whole processes: wall time and the peak memory of that one process.

`run` starts a command and reaps it with `os.wait4`, which returns the rusage of exactly that child
(`ru_maxrss`, its own peak resident set), unlike `getrusage(RUSAGE_CHILDREN)`, whose maxrss is the
largest of all children ever waited for. Output goes to a file, never a pipe, so a chatty command
(a `check` printing a large diff) cannot block on a full pipe while we wait.
"""

from __future__ import annotations

import os
import statistics
import subprocess
import tempfile
import time
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path


@dataclass(frozen=True)
class Sample:
    seconds: float
    peak_kib: int  # ru_maxrss of the process itself (KiB on Linux)
    exit_code: int
    output: str  # stdout and stderr, interleaved


class CommandFailed(Exception):
    """A measured command exited with a code other than the one expected."""

    def __init__(self, command: Sequence[str], sample: Sample, expected: int) -> None:
        tail = "\n".join(sample.output.strip().splitlines()[-15:])
        super().__init__(f"`{' '.join(command)}` exited {sample.exit_code}, expected {expected}:\n{tail}")
        self.sample = sample


def run(command: Sequence[str], *, cwd: Path, env: dict[str, str] | None = None, expect: int | None = 0,
        stdout: Path | None = None) -> Sample:
    """Run `command` to completion; raise CommandFailed unless it exits with `expect` (None: any).

    The command's output is kept in the sample, except its stdout when `stdout` names a file for it
    (for generators that print the code they generate).
    """
    with tempfile.TemporaryFile("w+b") as log, open(stdout or os.devnull, "wb") as out:
        start = time.perf_counter()
        process = subprocess.Popen(command, cwd=cwd, env=env, stdin=subprocess.DEVNULL,
                                   stdout=out if stdout else log, stderr=log)
        _, status, usage = os.wait4(process.pid, 0)
        seconds = time.perf_counter() - start
        process.returncode = os.waitstatus_to_exitcode(status)  # reaped here: tell Popen it is done
        log.seek(0)
        output = log.read().decode("utf-8", "replace")
    sample = Sample(seconds, usage.ru_maxrss, process.returncode, output)
    if expect is not None and sample.exit_code != expect:
        raise CommandFailed(command, sample, expect)
    return sample


@dataclass(frozen=True)
class Stats:
    """Median and spread of a list of measurements."""

    values: tuple[float, ...]

    @property
    def runs(self) -> int:
        return len(self.values)

    @property
    def median(self) -> float:
        return statistics.median(self.values)

    @property
    def low(self) -> float:
        return min(self.values)

    @property
    def high(self) -> float:
        return max(self.values)


def seconds(value: float) -> str:
    """A duration with about three significant digits."""
    if value >= 100:
        return f"{value:.0f} s"
    if value >= 10:
        return f"{value:.1f} s"
    if value >= 1:
        return f"{value:.2f} s"
    return f"{value * 1000:.0f} ms" if value >= 0.01 else f"{value * 1000:.1f} ms"


def timing(stats: Stats) -> tuple[str, str]:
    """(median, "min–max") of durations; the spread is '—' for a single run."""
    spread = "—" if stats.runs == 1 else f"{seconds(stats.low)}–{seconds(stats.high)}"
    return seconds(stats.median), spread


def rate(value: float) -> str:
    """A throughput such as validations/s, with thousands separators."""
    return f"{value:,.0f}/s" if value >= 100 else f"{value:.1f}/s"


def ratio(numerator: float, denominator: float) -> str:
    return f"{numerator / denominator:.2f}×" if denominator else "—"


def mib(kib: float) -> str:
    return f"{kib / 1024:.0f} MiB"
