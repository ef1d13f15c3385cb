"""The parse check of a cold build, run in a forked child while this process cuts the modules.

Parsing every top-level statement (`format._parse_check`) costs about as much as cutting the
modules, and neither needs the other's result until the end, so on a machine with a second core a
child process (`schemagen/forked.py`) parses each new module whole while the parent cuts. Only its
answer is used, all parsed or not: on "not" (a template bug, or a child that failed) the parent
checks statement by statement as it does without a child, so the error, its message and its line
are the same either way.

Where there can be no child (`forked.may_fork`), or there is too little new source to pay for a
process, there is none and the caller checks as before. A build that already runs half its modules
in a child (`pipeline._on_two_cores`) keeps both cores busy without this one.
"""

from __future__ import annotations

import symtable
from collections.abc import Callable, Mapping

from schemagen.forked import Forked

# below this much new source the check takes less than a fork, a child's exit and a pipe
_ASIDE_BYTES = 512 * 1024


def parse_aside(sources: Mapping[str, str]) -> Callable[[], bool] | None:
    """A started child parsing `sources` whole, and the call that waits for its answer (True: every
    module parsed) and reaps it; None when no child is started."""
    if sum(len(source) for source in sources.values()) < _ASIDE_BYTES:
        return None
    child = Forked.start(lambda: _parses(sources))
    if child is None:
        return None

    def answer() -> bool:
        try:
            return child.value() is True
        finally:
            child.end()

    return answer


def _parses(sources: Mapping[str, str]) -> bool:
    for name, source in sources.items():
        symtable.symtable(source, name, "exec")  # a SyntaxError: no answer, the parent checks
    return True
