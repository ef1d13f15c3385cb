"""A build whose cache lacks the compiled templates has a forked child compile them while the specs
load (`codegen/warm_up.py`): rendering then loads them, and whatever happens to the child, the
output is that of a build in one process."""

from __future__ import annotations

import os
import shutil
import signal
import sys
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import jinja2
import pytest

from schemagen import forked, pipeline
from schemagen.codegen import render, warm_up
from schemagen.errors import SpecErrors
from schemagen.format.cache import FormatCache
from schemagen.output.manifest import MANIFEST
from tests.helpers import ROOT

sys.path.insert(0, str(ROOT / "bench"))
from realistic import make_spec  # type: ignore[import-not-found]  # noqa: E402

pytestmark = pytest.mark.skipif(not forked.may_fork(), reason="needs os.fork and two cores (none here)")

REAL = make_spec(70)
ASIDE_SPEC_BYTES = warm_up.ASIDE_SPEC_BYTES


@pytest.fixture(autouse=True)
def no_environment_yet() -> Iterator[None]:
    """Each build as in a new process: the environment (and the cache folder it holds) made afresh."""
    render.environment.cache_clear()
    yield
    render.environment.cache_clear()


class _Build:
    """`pipeline.generate` of one spec over `cache_dir`: its files, the warm-up children it started,
    and the templates this process compiled."""

    def __init__(self, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
        self.tmp_path, self.monkeypatch = tmp_path, monkeypatch
        self.spec = tmp_path / "specs" / "real.yaml"
        self.spec.parent.mkdir()
        self.spec.write_text(REAL, "utf-8")
        self.children: list[int] = []
        self.compiled: list[str] = []
        children, compiled, parent = self.children, self.compiled, os.getpid()

        class Counted(forked.Forked):
            @classmethod
            def start(cls, work: Callable[[], Any]) -> forked.Forked | None:
                child = super().start(work)
                if child is not None:
                    children.append(child.pid)
                return child

        real_compile = jinja2.Environment.compile

        def compile(self: jinja2.Environment, source: str, name: str | None = None, *args: Any) -> Any:
            if os.getpid() == parent:
                compiled.append(str(name))
            return real_compile(self, source, name, *args)

        monkeypatch.setattr(warm_up, "Forked", Counted)
        monkeypatch.setattr(warm_up, "ASIDE_SPEC_BYTES", len(REAL.encode()))  # large enough here
        monkeypatch.setattr(jinja2.Environment, "compile", compile)

    def __call__(self, cache_dir: Path | None) -> dict[str, bytes]:
        self.children.clear()
        self.compiled.clear()
        render.environment.cache_clear()
        self.monkeypatch.setenv("SCHEMAGEN_CACHE_DIR", str(cache_dir) if cache_dir is not None else "")
        with pipeline.collector_paused():
            outputs = pipeline.generate([self.spec], cache=FormatCache(None))
        return {path: data for output in outputs for path, data in output.files.items()}


@pytest.fixture
def build(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> _Build:
    return _Build(tmp_path, monkeypatch)


@pytest.fixture
def in_one_process(build: _Build, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> dict[str, bytes]:
    with monkeypatch.context() as patch:
        patch.setenv("SCHEMAGEN_JOBS", "1")
        files = build(tmp_path / "one")
    assert build.children == [] and build.compiled  # no child: this process compiled the templates
    return files


def _no_child_left() -> None:
    with pytest.raises(ChildProcessError):
        os.waitpid(-1, os.WNOHANG)  # reaped, not even a zombie


def test_a_cold_build_compiles_the_templates_aside_and_a_rebuild_does_not(
        build: _Build, in_one_process: dict[str, bytes], tmp_path: Path) -> None:
    assert build(tmp_path / "cache") == in_one_process
    assert len(build.children) == 1 and build.compiled == []  # rendering loaded what the child compiled
    assert warm_up.templates_compiled()
    _no_child_left()
    assert build(tmp_path / "cache") == in_one_process
    assert build.children == [] and build.compiled == []


def test_templates_compiled_finds_the_files_as_jinja_does(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("SCHEMAGEN_CACHE_DIR", str(tmp_path / "cache"))
    assert not warm_up.templates_compiled()
    warm_up.compile_templates()
    assert warm_up.templates_compiled()
    assert all(_jinja_loads(name) for name in warm_up.template_names())
    first, second = sorted((tmp_path / "cache" / "templates").iterdir())[:2]
    first.write_bytes(second.read_bytes())  # another template's code: jinja compiles this one again
    assert not warm_up.templates_compiled()
    assert not all(_jinja_loads(name) for name in warm_up.template_names())


def _jinja_loads(name: str) -> bool:
    """Jinja finds the template's code for its current source in the bytecode cache."""
    env = render.environment()
    assert env.bytecode_cache is not None and env.loader is not None
    source, filename, _ = env.loader.get_source(env, name)
    return env.bytecode_cache.get_bucket(env, name, filename, source).code is not None


def test_a_changed_template_is_compiled_again(build: _Build, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    templates = tmp_path / "templates"
    shutil.copytree(render.templates_dir(), templates)
    for module in (render, warm_up):
        monkeypatch.setattr(module, "templates_dir", lambda: templates)
    before = build(tmp_path / "cache")
    assert len(build.children) == 1 and build.compiled == []
    init = templates / "__init__.py.jinja"
    init.write_text(init.read_text("utf-8") + "CHANGED = 1\n", "utf-8")
    assert not warm_up.templates_compiled()
    after = build(tmp_path / "cache")
    assert len(build.children) == 1 and build.compiled == []
    assert after["real/__init__.py"] == before["real/__init__.py"] + b"CHANGED = 1\n"
    unchanged = [path for path in before if not path.endswith(("__init__.py", MANIFEST))]
    assert [after[path] for path in unchanged] == [before[path] for path in unchanged]


def _unwritable(parent: int) -> Callable[..., None]:
    real = jinja2.FileSystemBytecodeCache.dump_bytecode

    def dump_bytecode(self: jinja2.FileSystemBytecodeCache, bucket: Any) -> None:
        if os.getpid() != parent:
            raise PermissionError(13, "Permission denied", self.directory)
        real(self, bucket)

    return dump_bytecode


@pytest.mark.parametrize("failure", ["raises", "killed", "exits", "read-only"])
def test_when_the_child_fails_rendering_compiles_the_templates(
        build: _Build, in_one_process: dict[str, bytes], tmp_path: Path, monkeypatch: pytest.MonkeyPatch,
        failure: str) -> None:
    parent = os.getpid()
    if failure == "read-only":
        monkeypatch.setattr(jinja2.FileSystemBytecodeCache, "dump_bytecode", _unwritable(parent))
    else:
        work = {"raises": lambda: 1 / 0, "killed": lambda: os.kill(os.getpid(), signal.SIGKILL),
                "exits": lambda: os._exit(0)}[failure]
        monkeypatch.setattr(warm_up, "compile_templates", work)
    assert build(tmp_path / "cache") == in_one_process
    assert len(build.children) == 1 and build.compiled  # here, as without a child
    assert all(_jinja_loads(name) for name in build.compiled)  # and saved, whole: no temporary file left
    assert [path.name for path in (tmp_path / "cache" / "templates").iterdir() if not path.name.endswith(".cache")] == []
    _no_child_left()


def test_no_child_without_a_usable_cache_nor_with_one_core(build: _Build, in_one_process: dict[str, bytes],
                                                            tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    (tmp_path / "in the way").mkdir()
    (tmp_path / "in the way" / "templates").write_text("a file where the folder goes")
    assert build(tmp_path / "in the way") == in_one_process
    assert build.children == []
    assert build(None) == in_one_process  # SCHEMAGEN_CACHE_DIR set empty: no cache
    assert build.children == []
    monkeypatch.setenv("SCHEMAGEN_JOBS", "1")
    assert build(tmp_path / "jobs-1") == in_one_process
    assert build.children == []


def test_no_child_where_the_environment_is_made_already(build: _Build, tmp_path: Path,
                                                          monkeypatch: pytest.MonkeyPatch) -> None:
    # a process that rendered already (the API's, `watch`) holds its templates compiled: a child
    # filling the cache would not help it
    monkeypatch.setenv("SCHEMAGEN_CACHE_DIR", str(tmp_path / "cache"))
    (tmp_path / "large.yaml").write_text(REAL, "utf-8")
    render.environment()
    with warm_up.compiled_aside([tmp_path / "large.yaml"]):
        pass
    assert not warm_up.templates_compiled()


def test_a_spec_error_ends_the_child(build: _Build, tmp_path: Path) -> None:
    build.spec.write_text(REAL.replace("type: varchar", "type: no_such_type", 1), "utf-8")
    with pytest.raises(SpecErrors):
        build(tmp_path / "cache")
    assert len(build.children) == 1
    _no_child_left()


def test_specs_too_small_to_hide_the_child_go_without(build: _Build, in_one_process: dict[str, bytes], tmp_path: Path,
                                                       monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(warm_up, "ASIDE_SPEC_BYTES", ASIDE_SPEC_BYTES)  # as measured: loading a smaller spec ends first
    assert len(REAL.encode()) < ASIDE_SPEC_BYTES
    assert build(tmp_path / "small") == in_one_process
    assert build.children == [] and build.compiled
    build.spec.write_text(REAL + "#" * ASIDE_SPEC_BYTES + "\n", "utf-8")  # as many bytes as a large spec
    build(tmp_path / "large")
    assert len(build.children) == 1 and build.compiled == []
