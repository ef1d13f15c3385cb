"""Work for the machine's second core: a function run in a forked child, its value piped back.

A large cold build spends most of its time generating and formatting modules that do not need each
other, and this process holds everything they need (the catalog, the caches read): a forked child
sees it all, copy-on-write, without any of it being sent. So the child computes one half while this
process computes the other; the child sends its value back pickled, and exits.

The child's value is only ever an offer. When the child fails in any way (an exception, a crash, a
kill, a truncated or garbled answer) `Forked.value()` answers None and the caller does the work
itself, so that errors, their messages and their lines are exactly those of a build without a
child. The caller must always end the child (`value()`, or `end()` on its way out, which kills and
reaps it), also when it is interrupted.

There is no child where there is no `os.fork`, one core, or another thread in this process: a child
forked beside a thread may find a lock that thread held, and hang (the API can be called from an
app's threads).
"""

from __future__ import annotations

import os
import pickle
import signal
import threading
from collections.abc import Callable
from typing import Any

_LENGTH = 8  # bytes of the frame's length, before the pickled value


def cores() -> int:
    """The cores this process may run on, at most `SCHEMAGEN_JOBS` (the processes a build may use:
    set to 1 on a runner whose cores other jobs share, no child is forked)."""
    available = len(os.sched_getaffinity(0)) if hasattr(os, "sched_getaffinity") else (os.cpu_count() or 1)
    configured = os.environ.get("SCHEMAGEN_JOBS", "")
    return min(available, int(configured)) if configured.isdigit() and int(configured) > 0 else available


def may_fork() -> bool:
    """A child could run on another core, and forking is safe here (no other thread)."""
    return hasattr(os, "fork") and cores() >= 2 and threading.active_count() == 1


class Forked:
    """A child computing `work()` beside this process."""

    def __init__(self, pid: int, pipe: int) -> None:
        self.pid, self.pipe = pid, pipe

    @classmethod
    def start(cls, work: Callable[[], Any]) -> Forked | None:
        """The child started, or None when there can be none (see `may_fork`)."""
        if not may_fork():
            return None
        read, write = os.pipe()
        try:
            pid = os.fork()
        except OSError:
            os.close(read)
            os.close(write)
            return None
        if pid == 0:
            _child(work, read, write)  # never returns
        os.close(write)
        return cls(pid, read)

    def value(self) -> Any | None:
        """The child's value (waiting for it), the child reaped; None when it failed in any way."""
        with os.fdopen(self.pipe, "rb") as pipe:
            self.pipe = -1
            framed = pipe.read()
        status = self._reap()
        if status != 0 or len(framed) < _LENGTH or int.from_bytes(framed[:_LENGTH], "big") != len(framed) - _LENGTH:
            return None
        try:
            return pickle.loads(framed[_LENGTH:])  # trusted: this process's own child wrote it
        except Exception:
            return None

    def end(self) -> None:
        """The child killed and reaped, unless `value()` did that already (call it on every way out:
        an interrupted `value()` leaves it to this)."""
        if self.pipe >= 0:
            os.close(self.pipe)
            self.pipe = -1
        if self.pid:
            try:
                os.kill(self.pid, signal.SIGKILL)
            except OSError:
                pass
            self._reap()

    def _reap(self) -> int:
        """The child's exit code (-1: not known); the child no longer ours once it is known."""
        try:
            _, status = os.waitpid(self.pid, 0)
        except ChildProcessError:
            self.pid = 0
            return -1
        self.pid = 0
        return os.waitstatus_to_exitcode(status)


def _child(work: Callable[[], Any], read: int, write: int) -> None:
    """Run in the child: `work()`'s value framed into the pipe, then exit. No cleanup of the parent's
    (atexit handlers, buffered output, `finally` blocks up the stack) may run here: os._exit always."""
    code = 1
    try:
        os.close(read)
        data = pickle.dumps(work(), protocol=pickle.HIGHEST_PROTOCOL)
        with os.fdopen(write, "wb") as pipe:
            pipe.write(len(data).to_bytes(_LENGTH, "big") + data)
        code = 0
    except BaseException:  # any failure: the parent does the work itself
        pass
    finally:
        os._exit(code)
