"""The parse check of a cold build, run in a forked child while this process cuts the modules.

Parsing every top-level statement (`format._parse_check`) costs about as much as cutting the
modules, and neither needs the other's result until the end, so on a machine with a second core a
child process parses each new module whole while the parent cuts. The child answers one byte: all
parsed, or not. Only the answer is used: on "not" (a template bug) the parent checks statement by
statement as it does without a child, so the error, its message and its line are the same either way.

Where there is no `os.fork`, one core, too little new source to pay for a process, or another thread
in this process (a child forked beside a thread may find a lock that thread held, and hang: the API
can be called from an app's threads), there is no child and the caller checks as before.
"""

from __future__ import annotations

import os
import symtable
import threading
from collections.abc import Callable, Mapping

from schemagen.format.black import _cores

# below this much new source the check takes less than a fork, a child's exit and a pipe
_ASIDE_BYTES = 512 * 1024


def parse_aside(sources: Mapping[str, str]) -> Callable[[], bool] | None:
    """A started child parsing `sources` whole, and the call that waits for its answer (True: every
    module parsed); None when no child is started."""
    if not hasattr(os, "fork") or sum(len(source) for source in sources.values()) < _ASIDE_BYTES or _cores() < 2:
        return None
    if threading.active_count() > 1:
        return None
    read, write = os.pipe()
    try:
        pid = os.fork()
    except OSError:
        os.close(read)
        os.close(write)
        return None
    if pid == 0:  # the child: no cleanup of the parent's (atexit, buffered output) may run here
        parsed = False
        try:
            os.close(read)
            for name, source in sources.items():
                symtable.symtable(source, name, "exec")
            parsed = True
        finally:
            try:
                os.write(write, b"1" if parsed else b"0")
            finally:
                os._exit(0)
    os.close(write)

    def answer() -> bool:
        with os.fdopen(read, "rb") as pipe:
            said = pipe.read(1)
        os.waitpid(pid, 0)
        return said == b"1"

    return answer
