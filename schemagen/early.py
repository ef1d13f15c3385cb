"""A cold `schemagen build` (or `check`) of large specs: their load started on the second core at once.

Before a command runs, `python -m schemagen` imports typer, Pydantic and the commands (about
200 ms), and then loads the specs on the same core (a cold load of a 339-table spec: 130-240 ms).
Neither needs the other. `start` forks a child from the small process `__main__` is before those
imports; the child loads the specs the command line names (`load_cached`: that writes their parts
to the cache), says so on a pipe, then compiles the templates into jinja's bytecode cache (what
`codegen.warm_up.compiled_aside` forks a child for otherwise), and exits. When this process comes to
loading the same files (`wait_loaded`), it waits for the child's word and loads them from the parts
the child stored: a warm load (44 ms at 339 tables).

The child only ever saves time, never changes a result: the parts cache is checked by digests and
each file is written whole (`resources.write_sealed`), so a load from it is the cold load's, and
the templates' files likewise. A child that fails, is killed or was told of other files (the
command line is read here before typer reads it, and may be read otherwise) leaves this process
to load and report as it would without it. The child never prints: its standard streams are
/dev/null, SIGINT ends it silently (Ctrl-C reaches the whole process group), and it always ends
with `os._exit`. This process kills and reaps it on its way out (`end`).

There is a child only for a `build` or `check` whose specs can be named exactly from the command
line and ./pyproject.toml (`spec_files`), large enough to pay (`EARLY_SPEC_BYTES`), whose parts are
not in the cache yet (a rebuild loads them warm already), and where `forked.may_fork` allows one.
"""

from __future__ import annotations

import os
import signal
import sys
from pathlib import Path

# Specs of fewer bytes load in a few tens of milliseconds: little to take off this process, and the
# child's second job (the templates) would be waited for, as `codegen.warm_up.ASIDE_SPEC_BYTES` says;
# this is that threshold, not measured apart (on a machine whose cores other jobs share, wall-clock
# differences of this size drown in noise). Measured at 339 tables (596 KB), callgrind: this
# process runs 2.34 G instructions before the two-core fork instead of 3.05 G.
EARLY_SPEC_BYTES = 256 * 1024

_LOADED = b"L"

_GLOBAL_FLAGS = frozenset({"-q", "--quiet", "-v", "--verbose"})
_COMMAND_FLAGS = frozenset({"-q", "--quiet", "-v", "--verbose"})
_OUT = ("-o", "--out")


class Early:
    """The child loading `files` (in this order)."""

    def __init__(self, pid: int, pipe: int, files: list[Path]) -> None:
        self.pid, self.pipe, self.files = pid, pipe, files
        self.loaded = False  # its word read (or its end: then this process loads)

    def wait_loaded(self, files: list[Path]) -> None:
        """Wait until the child has loaded `files` (or failed), when those are what it loads."""
        if self.loaded or files != self.files:
            return
        self.loaded = True
        try:
            os.read(self.pipe, 1)  # its word, or b"" once it ended without it: both let this process load
        except OSError:
            pass

    def done(self) -> None:
        """Wait until the child has ended (its templates compiled, or it failed), then reap it."""
        try:
            while os.read(self.pipe, 4096):
                pass
        except OSError:
            pass
        self.end()

    def end(self) -> None:
        """The child killed (if still at work) and reaped; call it on every way out."""
        from schemagen.forked import end_child

        end_child(self.pid, self.pipe)
        self.pid, self.pipe = 0, -1


child: Early | None = None
"""The early child of this process, while there is one."""


def taken(files: list[Path]) -> Early | None:
    """The early child, for a build loading `files`: it compiles the templates, so that no other
    child need be forked for them (the caller ends it: `Early.done`, `Early.end`, then `release`);
    None when there is none, or it loads other files (then it is ended at once: its templates would
    be waited for behind a load of no use)."""
    global child
    if child is not None and files != child.files:
        release()
    return child


def release() -> None:
    """The early child ended and forgotten (reaped: see `Early.end`)."""
    global child
    if child is not None:
        child.end()
        child = None


def wait_loaded(files: list[Path]) -> None:
    """Before loading `files`: the early child's load of them done, when it loads them."""
    if child is not None:
        child.wait_loaded(files)


def spec_files(argv: list[str]) -> list[Path] | None:
    """The spec files a `build`/`check` command line (`argv`, without the program) will load, as
    `cli.common.inputs` finds them; None for any other command, and wherever it is not certain
    (an option not known here, `--watch`, `--help`, a missing path: the command decides)."""
    args = iter(argv)
    verb = None
    for arg in args:
        if arg in _GLOBAL_FLAGS:
            continue
        verb = arg
        break
    if verb not in ("build", "check"):
        return None
    places: list[Path] = []
    options = True
    for arg in args:
        if options and arg == "--":
            options = False
        elif options and arg in _COMMAND_FLAGS:
            continue
        elif options and arg in _OUT:
            if next(args, None) is None:
                return None
        elif options and (arg.startswith("--out=") or (arg.startswith("-o") and len(arg) > 2)):
            continue
        elif options and arg.startswith("-") and arg != "-":
            return None
        else:
            places.append(Path(arg))
    if not places:
        configured = _configured_places()
        if configured is None:
            return None
        places = configured
    if not all(place.exists() for place in places):
        return None
    from schemagen.spec.files import find_specs

    return find_specs(places) or None


def _configured_places() -> list[Path] | None:
    """`cli.common.spec_places` without arguments: `specs` of `[tool.schemagen]` in ./pyproject.toml, else specs/."""
    if not os.path.exists("pyproject.toml"):
        return [Path("specs")]
    import tomllib

    try:
        with open("pyproject.toml", "rb") as stream:
            data = tomllib.load(stream)
    except (OSError, tomllib.TOMLDecodeError):
        return [Path("specs")]
    try:
        section = data.get("tool", {}).get("schemagen", {})
    except AttributeError:  # (`tool` not a table: the command's own reading decides what that means)
        return None
    configured = section.get("specs", ["specs"]) if isinstance(section, dict) else ["specs"]
    return [Path(str(p)) for p in (configured if isinstance(configured, list) else [configured])]


def _pays(files: list[Path]) -> bool:
    """The specs are large, and some of them have no parts in the cache (a cold load)."""
    from schemagen.resources import spec_store

    total = 0
    for file in files:
        try:
            total += file.stat().st_size
        except OSError:
            return False  # (loading reports it)
    if total < EARLY_SPEC_BYTES:
        return False
    stores = [spec_store("spec-parts", file) for file in files]
    return any(store is not None and not store.exists() for store in stores)


def start(argv: list[str]) -> None:
    """The early child forked, when the command line is a build of specs that pay for it."""
    global child
    if child is not None:
        return
    try:
        files = spec_files(argv)
        if files is None or not _pays(files):
            return
        from schemagen.forked import may_fork

        if not may_fork():
            return
        # The loader imported before the fork: this process needs it as soon, and the child then
        # starts loading at once, without importing it again beside this process's imports (at
        # 339 tables its load started 100 ms after the fork, on a loaded machine, importing it).
        import schemagen.spec.incremental  # noqa: F401

        read, write = os.pipe()
    except Exception:  # (anything unforeseen here: the command runs as without a child)
        return
    # Ctrl-C is held back until each side is ready for it: in the child, until SIGINT ends it
    # silently (a KeyboardInterrupt before that would unwind it through this process's own code,
    # printing a second traceback); here, until the child is known, so that it is ended with this
    # process however Ctrl-C ends it.
    blocked = signal.pthread_sigmask(signal.SIG_BLOCK, {signal.SIGINT})
    try:
        try:
            pid = os.fork()
        except OSError:
            os.close(read)
            os.close(write)
            return
        if pid == 0:
            _child(files, read, write, blocked)  # never returns
        os.close(write)
        child = Early(pid, read, files)
        import atexit

        atexit.register(release)  # (a command that never loads: a fresh build, an error, `--help`)
    finally:
        signal.pthread_sigmask(signal.SIG_SETMASK, blocked)


def _child(files: list[Path], read: int, write: int, mask: set[int | signal.Signals]) -> None:
    """In the child (SIGINT blocked; `mask`: the signals blocked before): load `files` (storing
    their parts), say so, compile the templates, exit. Silent whatever happens (a spec error is
    this process's to report), and never returns."""
    code = 1
    try:
        signal.signal(signal.SIGINT, signal.SIG_DFL)  # Ctrl-C: ended at once, no traceback
        signal.pthread_sigmask(signal.SIG_SETMASK, mask)
        os.close(read)
        null = os.open(os.devnull, os.O_RDWR)
        for stream in (0, 1, 2):  # (nor does it hold the caller's pipes open after this process ended)
            os.dup2(null, stream)
        os.close(null)
        from schemagen.spec.incremental import load_cached
        from schemagen.spec.load import read_spec

        for file in files:
            load_cached(file, read_spec(file))
        os.write(write, _LOADED)
        from schemagen.codegen.warm_up import compile_templates, templates_compiled

        if not templates_compiled():
            compile_templates()
        code = 0
    except BaseException:  # any failure: this process loads and compiles what is missing
        pass
    finally:
        os._exit(code)


def run_main() -> None:
    """`python -m schemagen`'s first step (see `start`): `sys.argv` read before anything heavy is imported."""
    start(sys.argv[1:])
