"""The templates compiled on the second core while large specs load, for a build whose cache lacks them.

A cold cache (a CI runner's, a fresh install's) compiles the templates while rendering: about
180 ms of CPU for all thirteen (callgrind: 1.0 G instructions), on the critical path of both halves
of a two-core build (339 tables: 606 M instructions in this process, 369 M in the child). Loading,
validating and resolving the specs before that (about 350 ms at 339 tables) keep one core busy and
leave the other idle: `compiled_aside` has a forked child (`forked.py`) compile every template into
jinja's bytecode cache then, and rendering loads them from it (7 ms for all).

The child only ever saves time. Its files appear whole or not at all (jinja writes each to a
temporary file and renames it); when it fails, is killed or cannot write, rendering compiles what
is missing as it would without it.
"""

from __future__ import annotations

import hashlib
import os
import pickle
import posixpath
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

from schemagen import early
from schemagen.codegen.render import BYTECODE_FILE, bytecode_folder, environment
from schemagen.forked import Forked, may_fork
from schemagen.resources import templates_dir


def template_names() -> list[str]:
    """Every template, the opt-in files' too (a later build may want them)."""
    return sorted(path.name for path in templates_dir().glob("*.jinja"))


def templates_compiled() -> bool:
    """The bytecode cache holds every template's code for its current source, or there is no cache
    to fill: read without importing jinja (about 1 ms), as jinja's `FileSystemBytecodeCache` names
    and checks its files: by the sha1 of "name|filename", holding the sha1 of the source."""
    folder = bytecode_folder()
    if folder is None:
        return True
    templates = os.fspath(templates_dir())
    for name in template_names():
        filename = posixpath.join(templates, name)  # as jinja's FileSystemLoader joins them
        try:
            with open(filename, encoding="utf-8") as template:
                checksum = hashlib.sha1(template.read().encode("utf-8")).hexdigest()
            with open(folder / (BYTECODE_FILE % hashlib.sha1(f"{name}|{filename}".encode()).hexdigest()), "rb") as code:
                head = code.read(256)  # jinja's magic, then the pickled checksum
        except OSError:
            return False
        if pickle.dumps(checksum, 2) not in head:
            return False
    return True


def compile_templates() -> None:
    """Every template compiled into the bytecode cache (the child's work)."""
    for name in template_names():
        environment().get_template(name)


# Specs of fewer bytes load and resolve before the child is done (it takes 210 ms of CPU: jinja's
# import, then every template), and waiting for it costs more than compiling here (the fork itself
# costs this process about 28 ms of copy-on-write faults at 339 tables). Measured, CPU of
# the critical path of a cold build without / with the child, bench/realistic.py specs: 18 tables
# (30 KB) 666 / 706 ms, 70 tables (121 KB) 782 / 808, 110 tables (200 KB) 987 / 972, 170 tables
# (300 KB) 1312 / 1193, 339 tables (596 KB) 1909 / 1825 and 1920 / 1870.
ASIDE_SPEC_BYTES = 256 * 1024


def _spec_bytes(spec_files: list[Path]) -> int:
    total = 0
    for spec_file in spec_files:
        try:
            total += spec_file.stat().st_size
        except OSError:
            pass  # loading reports it
    return total


@contextmanager
def compiled_aside(spec_files: list[Path]) -> Iterator[None]:
    """Around a block that loads `spec_files`: a child compiles the templates meanwhile when the
    cache lacks them and the specs are large enough to hide it (none where `forked.may_fork` says
    no, nor in a process that made its environment already: it keeps its templates, compiled
    once). Waited for when the block ends (normally long done), so that rendering finds them;
    killed and reaped when the block fails."""
    early_child = early.taken(spec_files)  # forked at start-up, it compiles them after loading (`schemagen.early`)
    child = None
    if (early_child is None and _spec_bytes(spec_files) >= ASIDE_SPEC_BYTES and may_fork()
            and environment.cache_info().currsize == 0 and not templates_compiled()):
        child = Forked.start(compile_templates)
    try:
        yield
        if child is not None:
            child.value()  # None when it failed: rendering compiles what is missing
        if early_child is not None:
            early_child.done()
    finally:
        if child is not None:
            child.end()
        if early_child is not None:
            early.release()
