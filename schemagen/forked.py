"""Work for the machine's second core: a function run in a forked child, its value piped back.

A large cold build spends most of its time generating and formatting modules that do not need each
other, and this process holds everything they need (the catalog, the caches read): a forked child
sees it all, copy-on-write, without any of it being sent. So the child computes one half while this
process computes the other; the child sends its value back pickled, and exits.

The child's value is only ever an offer. When the child fails in any way (an exception, a crash, a
kill, a truncated or garbled answer) `Forked.value()` answers None and the caller does the work
itself, so that errors, their messages and their lines are exactly those of a build without a
child. The caller must always end the child (`end()` on its way out, which kills it if need be and
reaps it), also when it is interrupted.

There is no child where there is no `os.fork`, one core, or another thread in this process: a child
forked beside a thread may find a lock that thread held, and hang (the API can be called from an
app's threads).

A child may also offer part of its work to this process (`Shared`): items both take, the child from
the front and this process from the back once its own half is done, so that both finish together
whichever half turned out the longer.
"""

from __future__ import annotations

import contextlib
import os
import pickle
import signal
import struct
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
    def start(cls, work: Callable[[], Any], shared: Shared | None = None) -> Forked | None:
        """The child started, or None when there can be none (see `may_fork`); `shared`: the items
        the child may offer (see `Shared`)."""
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
            if shared is not None:
                shared.in_child()
            _child(work, read, write)  # never returns
        os.close(write)
        if shared is not None:
            shared.in_parent()
        return cls(pid, read)

    def value(self) -> Any | None:
        """The child's value (waiting for it); None when it failed in any way. A whole answer is
        taken as soon as it is read: the child, exiting, is reaped by `end()` (an exit takes 10-20 ms
        after a large build, for the other core to spend unmapping its memory while this one goes on)."""
        with os.fdopen(self.pipe, "rb") as pipe:
            self.pipe = -1
            framed = pipe.read()
        # (the child writes a frame only whole, and then exits at once: a whole frame is a success)
        if len(framed) < _LENGTH or int.from_bytes(framed[:_LENGTH], "big") != len(framed) - _LENGTH:
            return None
        try:
            return pickle.loads(framed[_LENGTH:])  # trusted: this process's own child wrote it
        except Exception:
            return None

    def end(self) -> None:
        """The child killed (if it is still at work) and reaped: call it on every way out, after `value()` too."""
        end_child(self.pid, self.pipe)
        self.pid, self.pipe = 0, -1


def end_child(pid: int, pipe: int) -> None:
    """A forked child's end of the pipe closed (-1: none), the child killed if still at work, and
    reaped (0: no child)."""
    if pipe >= 0:
        os.close(pipe)
    if pid:
        with contextlib.suppress(OSError):
            os.kill(pid, signal.SIGKILL)
        with contextlib.suppress(ChildProcessError):
            os.waitpid(pid, 0)


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


_ENDS = struct.Struct("=IIQ")  # the next item from the front, the last one taken from the back, the offer's length


class Shared:
    """Work items a forked child offers its parent (made before the fork: `Forked.start(work, shared)`).

    The child publishes the items' data (`offer`) and takes items from the front (`take_front`); the
    parent, once its own half is done, reads the data (`offered`) and takes items from the back
    (`take_back`). Each process writes only its own end in memory both see, and reads the other's
    as it was a moment ago, never ahead: when both take the last item at once it is done twice (both
    make the same of it), and no item is left undone. The data goes through shared memory, not a
    pipe, so that the child need not wait for the parent to read it."""

    CAPACITY = 256 << 20
    """Bytes of data an offer may hold (address space only: pages are used as they are written)."""

    def __init__(self) -> None:
        import mmap  # (only a cold build of many tables needs it: not at every start)

        self.memory = mmap.mmap(-1, _ENDS.size + self.CAPACITY)  # MAP_SHARED: seen by the child too
        self.ready_read, self.ready_write = os.pipe()  # one byte once the offer is in memory
        self.front = self.back = 0  # this process's own end
        self.used = _ENDS.size  # in the child: the memory written so far

    @classmethod
    def create(cls) -> Shared | None:
        """The shared memory and its pipe, or None when the system refuses them (then nothing is offered)."""
        try:
            return cls()
        except (OSError, ValueError, OverflowError):
            return None

    def in_child(self) -> None:
        os.close(self.ready_read)
        self.ready_read = -1

    def in_parent(self) -> None:
        os.close(self.ready_write)
        self.ready_write = -1

    def offer(self, data: bytes, count: int) -> bool:
        """In the child, before any `put`: `count` items, described by `data`, offered (False: too
        large, not offered)."""
        if self.put(data) is None:
            self.decline()
            return False
        _ENDS.pack_into(self.memory, 0, 0, count, len(data))
        os.write(self.ready_write, b"1")  # (a system call: the memory written before it is seen after it)
        self.decline()
        return True

    def put(self, data: bytes) -> tuple[int, int] | None:
        """In the child: `data` written where the parent can read it (`get`), after what was written
        before; None when it does not fit. (Large data reaches the parent through memory in one copy,
        where a pipe would take a switch between the processes for each 64 KiB.)"""
        if self.used + len(data) > len(self.memory):
            return None
        start = self.used
        self.memory[start : start + len(data)] = data
        self.used += len(data)
        return start, self.used

    def get(self, span: tuple[int, int]) -> bytes | None:
        """In the parent: what the child `put` at `span`, once it has said so; None for a span out of bounds."""
        start, end = span
        if not _ENDS.size <= start <= end <= len(self.memory):
            return None
        return bytes(self.memory[start:end])

    def decline(self) -> None:
        """In the child: nothing (more) to offer; the parent stops waiting for an offer."""
        if self.ready_write >= 0:
            os.close(self.ready_write)
            self.ready_write = -1

    def take_front(self) -> int | None:
        """In the child: the next item from the front, None once the parent has taken the rest."""
        if self.front >= _ENDS.unpack_from(self.memory, 0)[1]:
            return None
        taken = self.front
        self.front += 1
        struct.pack_into("=I", self.memory, 0, self.front)
        return taken

    def offered(self) -> bytes | None:
        """In the parent: the offer's data, waiting until the child has made it or declined (None)."""
        try:
            if os.read(self.ready_read, 1) != b"1":
                return None
        except OSError:
            return None
        _, self.back, length = _ENDS.unpack_from(self.memory, 0)
        return bytes(self.memory[_ENDS.size : _ENDS.size + length])

    def take_back(self) -> int | None:
        """In the parent: the next item from the back, None once the child has taken the rest."""
        if self.back <= _ENDS.unpack_from(self.memory, 0)[0]:
            return None
        self.back -= 1
        struct.pack_into("=I", self.memory, 4, self.back)
        return self.back

    def close(self) -> None:
        """In the parent, on every way out."""
        for end in (self.ready_read, self.ready_write):
            if end >= 0:
                os.close(end)
        self.ready_read = self.ready_write = -1
        self.memory.close()
