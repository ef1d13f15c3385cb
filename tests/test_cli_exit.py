"""`python -m schemagen` ends without the interpreter's teardown (`schemagen.cli.run`), and otherwise
as `sys.exit` would: exit code, atexit handlers, output; the normal way out where it does more."""

from __future__ import annotations

import os
import subprocess
import sys
import textwrap
from pathlib import Path

from tests.helpers import ROOT

_SCRIPT = """
import atexit, os, sys
class TornDown:
    def __del__(self, write=os.write):  # (the module, torn down, may have lost `os`)
        write(1, b"torn down\\n")
sys.modules["torn_down"] = TornDown()  # freed by the interpreter's teardown (it empties sys.modules)
atexit.register(lambda: print("atexit ran"))  # (buffered: flushed after the handlers)
{setup}
sys.argv = ["schemagen", *{args!r}]
from schemagen.cli import {entry}
{entry}()
"""


def _run(args: list[str], setup: str = "", cwd: Path = ROOT, entry: str = "run") -> subprocess.CompletedProcess[str]:
    script = _SCRIPT.format(setup=textwrap.dedent(setup), args=args, entry=entry)
    env = {**os.environ, "PYTHONPATH": str(ROOT)}
    env.pop("PYTHONUNBUFFERED", None)  # (stdout, a pipe, is then buffered: as for most callers)
    return subprocess.run([sys.executable, "-c", script], cwd=cwd, env=env, capture_output=True, text=True,
                          timeout=300)


def test_a_command_ends_without_the_teardown_after_the_atexit_handlers() -> None:
    done = _run(["--version"])
    assert done.returncode == 0, done.stderr
    assert done.stdout.startswith("schemagen ") and "atexit ran" in done.stdout
    assert "torn down" not in done.stdout


def test_the_exit_code_of_a_failed_command_is_kept(tmp_path: Path) -> None:
    (tmp_path / "specs").mkdir()
    (tmp_path / "specs" / "bad.yaml").write_text("tables:\n  t:\n    columns:\n      id: {type: nope}\n")
    done = _run(["build"], cwd=tmp_path)
    assert done.returncode == 2 and "unknown column type `nope`" in done.stderr
    assert "atexit ran" in done.stdout and "torn down" not in done.stdout


def test_another_thread_is_waited_for_as_by_the_normal_way_out() -> None:
    done = _run(["--version"], setup="""
        import threading, time
        threading.Thread(target=lambda: (time.sleep(0.5), os.write(1, b"thread done\\n"))).start()
    """)
    assert done.returncode == 0
    assert "thread done" in done.stdout and "torn down" in done.stdout


def test_a_profiler_still_reports() -> None:
    done = _run(["--version"], setup="sys.setprofile(lambda *args: None)")
    assert done.returncode == 0 and "torn down" in done.stdout


def test_a_python_without_cpythons_exit_function_ends_the_normal_way() -> None:
    done = _run(["--version"], setup="del atexit._run_exitfuncs")
    assert done.returncode == 0, done.stderr
    assert "atexit ran" in done.stdout and "torn down" in done.stdout and "Traceback" not in done.stderr


def test_output_that_cannot_be_flushed_ends_as_it_would_normally() -> None:
    # stdout, a pipe nobody reads, once the atexit handlers run: what they print cannot be flushed
    setup = """
        def broken():
            read, write = os.pipe()
            os.close(read)
            os.dup2(write, 1)
        atexit.register(broken)  # (runs before the handler that prints)
    """
    normal, done = _run(["--version"], setup, entry="main"), _run(["--version"], setup)
    assert normal.returncode == done.returncode == 120
    assert "BrokenPipeError" in normal.stderr and "BrokenPipeError" in done.stderr
