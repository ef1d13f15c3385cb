"""A cold `python -m schemagen build` of large specs has a child forked at start-up load them (storing
their parts) while the command line is imported (`schemagen/early.py`): the build then loads them
warm, and whatever happens to the child, the output and the errors are those of a build without it."""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
import time
import tomllib
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest

from schemagen import early, forked, pipeline
from schemagen.codegen import render, warm_up
from schemagen.format.cache import FormatCache
from schemagen.spec import incremental
from tests.helpers import ROOT, SHOP_SPEC

sys.path.insert(0, str(ROOT / "bench"))
from realistic import make_spec  # type: ignore[import-not-found]  # noqa: E402

needs_fork = pytest.mark.skipif(not forked.may_fork(), reason="needs os.fork and two cores (none here)")

REAL = make_spec(40)
SMALL = len(REAL.encode())  # the threshold the tests run with: REAL is large enough, SHOP_SPEC is not

# `python -m schemagen ARGS` with the early child's threshold at SMALL; in the child, PROBE_CHILD
# makes its load die, be killed, fail or be slow. Writes PROBE_OUT: whether a child was forked (its
# pid), and how many times this process loaded a spec's whole text (a cold load).
PROBE = """\
import json, os, runpy, signal, sys, time
from schemagen import early
from schemagen.spec import incremental
early.EARLY_SPEC_BYTES = int(os.environ["PROBE_BYTES"])
parent, mode, whole = os.getpid(), os.environ.get("PROBE_CHILD", ""), []
real_load, real_text = incremental.load_cached, incremental.load_text
def load_cached(file, raw, *more):
    if os.getpid() != parent:
        if mode == "die":
            os._exit(3)
        if mode == "kill":
            os.kill(os.getpid(), signal.SIGKILL)
        if mode == "raise":
            raise RuntimeError("in the child")
        if mode == "slow":
            time.sleep(float(os.environ.get("PROBE_SLEEP", "1.5")))
    return real_load(file, raw, *more)
def load_text(file, text):
    if os.getpid() == parent:
        whole.append(str(file))
    return real_text(file, text)
incremental.load_cached, incremental.load_text = load_cached, load_text
if os.environ.get("PROBE_FORK") == "sigint":  # Ctrl-C reaching the child the moment the fork returns
    real_fork = os.fork
    def fork():
        pid = real_fork()
        if pid == 0:
            os.kill(os.getpid(), signal.SIGINT)
            sum(range(1000))  # (bytecodes: where Python runs a pending signal's handler)
        return pid
    os.fork = fork
def report():
    with open(os.environ["PROBE_OUT"], "w") as out:
        json.dump({"child": early.child.pid if early.child else None, "whole": whole}, out)
real_start = early.start
def start(argv):
    real_start(argv)
    report()
early.start = start
import atexit
atexit.register(lambda: (json.dump({**json.load(open(os.environ["PROBE_OUT"])), "whole": whole},
                                   open(os.environ["PROBE_OUT"] + ".end", "w"))))
sys.argv[0] = "schemagen"
if os.environ.get("PROBE_SCRIPT"):  # as the installed script calls it
    from importlib.metadata import EntryPoint
    EntryPoint(name="schemagen", value=os.environ["PROBE_SCRIPT"], group="console_scripts").load()()
runpy.run_module("schemagen", run_name="__main__", alter_sys=True)
"""


class Run:
    def __init__(self, done: subprocess.CompletedProcess[str], probe: Path) -> None:
        self.code, self.stdout, self.stderr = done.returncode, done.stdout, done.stderr
        started = json.loads(probe.read_text())
        ended = json.loads(probe.with_name(probe.name + ".end").read_text())
        self.child: int | None = started["child"]
        self.whole: list[str] = ended["whole"]


def _run(project: Path, *args: str, child: str = "", threshold: int = SMALL, **env: str) -> Run:
    probe = project / "probe.json"
    for stale in (probe, probe.with_name(probe.name + ".end")):
        stale.unlink(missing_ok=True)
    full_env = {**os.environ, "PYTHONPATH": str(ROOT), "SCHEMAGEN_CACHE_DIR": str(project / "cache"),
                "PROBE_BYTES": str(threshold), "PROBE_CHILD": child, "PROBE_OUT": str(probe), **env}
    done = subprocess.run([sys.executable, "-c", PROBE, *args], cwd=project, env=full_env, capture_output=True,
                          text=True, timeout=300)
    return Run(done, probe)


def _tree(folder: Path) -> dict[str, bytes]:
    return {str(path.relative_to(folder)): path.read_bytes() for path in sorted(folder.rglob("*")) if path.is_file()}


def _gone(pid: int) -> bool:
    """The process no longer exists (reaped), or is a zombie of another parent."""
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return True
    try:
        return Path(f"/proc/{pid}/stat").read_text().split()[2] == "Z"
    except OSError:
        return True


@pytest.fixture
def project(tmp_path: Path) -> Path:
    (tmp_path / "specs").mkdir()
    (tmp_path / "specs" / "real.yaml").write_text(REAL, "utf-8")
    return tmp_path


@pytest.fixture(scope="module")
def reference(tmp_path_factory: pytest.TempPathFactory) -> dict[str, bytes]:
    """real.yaml's output, built without any child."""
    folder = tmp_path_factory.mktemp("reference")
    (folder / "specs").mkdir()
    (folder / "specs" / "real.yaml").write_text(REAL, "utf-8")
    done = _run(folder, "build", "--out", "out", SCHEMAGEN_JOBS="1")
    assert done.code == 0, done.stderr
    assert done.child is None
    return _tree(folder / "out")


@needs_fork
def test_the_childs_load_makes_the_build_load_warm(project: Path, reference: dict[str, bytes]) -> None:
    done = _run(project, "build", "--out", "out")
    assert done.code == 0, done.stderr
    assert done.child is not None and _gone(done.child)
    assert done.whole == []  # the parts were in the cache when this process loaded: no whole-text load
    assert _tree(project / "out") == reference
    assert list((project / "cache" / "spec-parts").glob("*.bin"))


@needs_fork
def test_the_installed_script_forks_the_child_too(project: Path, reference: dict[str, bytes]) -> None:
    """The `schemagen` script's entry point (pyproject's) comes before typer's import, as `-m` does."""
    script = tomllib.loads((ROOT / "pyproject.toml").read_text("utf-8"))["project"]["scripts"]["schemagen"]
    done = _run(project, "build", "--out", "out", PROBE_SCRIPT=script)
    assert done.code == 0, done.stderr
    assert done.child is not None and _gone(done.child)
    assert done.whole == []
    assert _tree(project / "out") == reference


@needs_fork
def test_without_the_child_the_build_loads_cold(project: Path, reference: dict[str, bytes]) -> None:
    """(the test above would pass without the child if the load were warm anyway)"""
    done = _run(project, "build", "--out", "out", threshold=SMALL + 1)
    assert done.code == 0, done.stderr
    assert done.child is None
    assert done.whole == ["specs/real.yaml"]
    assert _tree(project / "out") == reference


@needs_fork
@pytest.mark.parametrize("child", ["die", "kill", "raise", "slow"])
def test_a_child_that_fails_or_is_slow_changes_nothing(project: Path, reference: dict[str, bytes],
                                                       child: str) -> None:
    done = _run(project, "-q", "build", "specs", "-o", "out", child=child, PROBE_SLEEP="2")
    assert done.code == 0, done.stderr
    assert (done.stdout, done.stderr) == ("", "")
    assert done.child is not None and _gone(done.child)
    assert _tree(project / "out") == reference
    assert done.whole == ([] if child == "slow" else ["specs/real.yaml"])


@needs_fork
def test_a_spec_error_is_reported_as_without_the_child(project: Path) -> None:
    broken = REAL.replace("tables:\n", "tables:\n  bad: [\n", 1)  # a flow sequence never closed
    (project / "specs" / "real.yaml").write_text(broken, "utf-8")
    with_child = _run(project, "build", "--out", "out")
    assert with_child.child is not None and _gone(with_child.child)
    without = _run(project, "build", "--out", "out", SCHEMAGEN_JOBS="1")
    assert without.child is None
    assert with_child.code == without.code == 2
    assert with_child.stderr == without.stderr and "real.yaml" in with_child.stderr
    assert with_child.stdout == without.stdout
    assert not (project / "out").exists()


@needs_fork
def test_ctrl_c_leaves_no_process_and_no_traceback(project: Path) -> None:
    probe = project / "probe.json"
    env = {**os.environ, "PYTHONPATH": str(ROOT), "SCHEMAGEN_CACHE_DIR": str(project / "cache"),
           "PROBE_BYTES": str(SMALL), "PROBE_CHILD": "slow", "PROBE_SLEEP": "30", "PROBE_OUT": str(probe)}
    process = subprocess.Popen([sys.executable, "-c", PROBE, "build"], cwd=project, env=env, stdout=subprocess.PIPE,
                               stderr=subprocess.PIPE, text=True, start_new_session=True)
    deadline = time.monotonic() + 60
    while not probe.exists() or not probe.read_text():
        assert time.monotonic() < deadline and process.poll() is None
        time.sleep(0.05)
    pid = json.loads(probe.read_text())["child"]
    assert pid is not None
    time.sleep(1.0)  # the build is waiting for the child's load (the child sleeps in it)
    os.killpg(process.pid, signal.SIGINT)  # Ctrl-C: the terminal signals the whole group
    stdout, stderr = process.communicate(timeout=60)
    assert process.returncode != 0
    assert "Traceback" not in stderr + stdout
    assert _gone(pid)
    assert not (project / "out").exists() and not (project / "generated").exists()


@needs_fork
def test_ctrl_c_as_the_child_is_forked_ends_it_silently(project: Path, reference: dict[str, bytes]) -> None:
    """A SIGINT the child gets before it could take it (here: right after the fork) ends it at once
    (a KeyboardInterrupt would unwind it through the command line's code, printing a traceback);
    this process then loads as without it."""
    done = _run(project, "-q", "build", "specs", "-o", "out", PROBE_FORK="sigint")
    assert done.code == 0, done.stderr
    assert (done.stdout, done.stderr) == ("", "")
    assert done.child is not None and _gone(done.child)
    assert done.whole == ["specs/real.yaml"]
    assert _tree(project / "out") == reference


@needs_fork
@pytest.mark.parametrize("args, env", [
    (["build", "--out", "out"], {"SCHEMAGEN_JOBS": "1"}),
    (["validate", "specs"], {}),
    (["build", "--no-such-option"], {}),
    (["--help"], {}),
])
def test_no_child_where_it_cannot_pay_or_cannot_be_sure(project: Path, args: list[str], env: dict[str, str]) -> None:
    done = _run(project, *args, **env)
    assert done.child is None


@needs_fork
def test_no_child_for_small_specs(tmp_path: Path) -> None:
    (tmp_path / "specs").mkdir()
    (tmp_path / "specs" / "shop.yaml").write_text(SHOP_SPEC, "utf-8")
    done = _run(tmp_path, "build", threshold=early.EARLY_SPEC_BYTES)
    assert done.code == 0, done.stderr
    assert done.child is None


@needs_fork
def test_no_child_once_the_parts_are_cached(project: Path, reference: dict[str, bytes]) -> None:
    """A rebuild (an edit, a fresh tree) loads them from the cache itself."""
    assert _run(project, "build", "--out", "out", SCHEMAGEN_JOBS="1").code == 0
    (project / "specs" / "real.yaml").write_text(REAL.replace("length: 200", "length: 201", 1), "utf-8")
    done = _run(project, "build", "--out", "out")
    assert done.code == 0, done.stderr
    assert done.child is None


def test_the_spec_files_are_those_the_command_line_loads(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.chdir(tmp_path)
    (tmp_path / "specs").mkdir()
    for name in ("b.yaml", "a.yml", "notes.txt"):
        (tmp_path / "specs" / name).write_text("package: x\n")
    (tmp_path / "one.yaml").write_text("package: y\n")
    default = [Path("specs/a.yml"), Path("specs/b.yaml")]
    assert early.spec_files(["build"]) == default
    assert early.spec_files(["-q", "check", "-o", "out", "--verbose"]) == default
    assert early.spec_files(["build", "one.yaml", "--out=out", "specs"]) == [Path("one.yaml"), *default]
    assert early.spec_files(["build", "-oout", "--", "one.yaml"]) == [Path("one.yaml")]
    assert early.spec_files(["build", "missing.yaml"]) is None
    assert early.spec_files(["build", "--out"]) is None
    assert early.spec_files(["diagram"]) is None
    assert early.spec_files(["build", "-w"]) is None
    (tmp_path / "pyproject.toml").write_text('[tool.schemagen]\nspecs = "one.yaml"\n')
    assert early.spec_files(["build"]) == [Path("one.yaml")]
    (tmp_path / "pyproject.toml").write_text("[tool.black]\nline-length = 100\n")
    assert early.spec_files(["build"]) == default


@needs_fork
def test_the_childs_templates_are_waited_for_and_it_is_reaped(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """In this process: `pipeline.generate` of the child's files forks no other child for the
    templates, and reaps the early one; a build of other files ends it at once."""
    monkeypatch.chdir(tmp_path)
    monkeypatch.setenv("SCHEMAGEN_CACHE_DIR", str(tmp_path / "cache"))
    monkeypatch.setattr(early, "EARLY_SPEC_BYTES", SMALL)
    (tmp_path / "specs").mkdir()
    spec = tmp_path / "specs" / "real.yaml"
    spec.write_text(REAL, "utf-8")
    render.environment.cache_clear()
    cold: list[Path] = []
    real_text = incremental.load_text
    monkeypatch.setattr(incremental, "load_text", lambda file, text: cold.append(file) or real_text(file, text))
    started: list[object] = []

    class Counted(forked.Forked):
        @classmethod
        def start(cls, work: Callable[[], Any], shared: forked.Shared | None = None) -> forked.Forked | None:
            started.append(work)
            return super().start(work, shared)

    monkeypatch.setattr(warm_up, "Forked", Counted)
    try:
        early.start(["build"])
        child = early.child
        assert child is not None and child.files == [Path("specs/real.yaml")]
        pid = child.pid
        with pipeline.collector_paused():
            pipeline.generate([Path("specs/real.yaml")], cache=FormatCache(None))
        assert early.child is None and _gone(pid)
        assert cold == [] and started == []  # loaded warm; no warm-up child forked
        early.start(["build", str(spec)])  # (the parts are cached now: no child)
        assert early.child is None
    finally:
        early.release()
        render.environment.cache_clear()
