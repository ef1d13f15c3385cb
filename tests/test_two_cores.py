"""A large cold build generates and formats half of each package in a forked child (`pipeline._on_two_cores`,
`forked.py`): the output, the errors and what the caches keep must be those of a build in one process."""

from __future__ import annotations

import importlib
import json
import marshal
import os
import signal
import sys
import threading
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest

import schemagen
from schemagen import forked, pipeline
from schemagen.format import FormatError, InvalidSource, format_modules, format_statements, statement_bounds
from schemagen.format.cache import FormatCache
from tests.helpers import ROOT, run_cli

sys.path.insert(0, str(ROOT / "bench"))
from realistic import make_spec  # type: ignore[import-not-found]  # noqa: E402

pytestmark = pytest.mark.skipif(not forked.may_fork(), reason="needs os.fork and two cores (none here)")

REAL = make_spec(70)  # realistic, and above the threshold of a second core
VALID = sorted((ROOT / "tests" / "specs" / "valid").glob("*.yaml"))


def _spec(folder: Path, text: str, name: str = "real.yaml") -> Path:
    folder.mkdir(parents=True, exist_ok=True)
    spec = folder / name
    spec.write_text(text, "utf-8")
    return spec


class _Forks:
    """Counts the children `_on_two_cores` starts (and forces `pipeline._pays` either way, unless None)."""

    def __init__(self, monkeypatch: pytest.MonkeyPatch, two_cores: bool | None) -> None:
        self.started: list[int] = []
        started = self.started

        class Counted(forked.Forked):
            @classmethod
            def start(cls, work: Callable[[], Any], shared: forked.Shared | None = None) -> forked.Forked | None:
                child = super().start(work, shared)
                if child is not None:
                    started.append(child.pid)
                return child

        monkeypatch.setattr(pipeline, "Forked", Counted)
        if two_cores is not None:
            monkeypatch.setattr(pipeline, "_pays", lambda *_: two_cores)


def _build(spec: Path, cache_dir: Path, monkeypatch: pytest.MonkeyPatch, two_cores: bool | None,
           options: dict[str, bool] | None = None) -> tuple[dict[str, bytes], int]:
    """The build's files, its caches saved as `schemagen build` saves them; and the children it forked."""
    monkeypatch.setenv("SCHEMAGEN_CACHE_DIR", str(cache_dir))
    with monkeypatch.context() as patch:
        forks = _Forks(patch, two_cores)
        cache = FormatCache.for_output(cache_dir.parent / "out")  # one output folder: one cache file name
        with pipeline.collector_paused():
            outputs = pipeline.generate([spec], cache=cache, options=options)
        cache.save()
    return {path: data for output in outputs for path, data in output.files.items()}, len(forks.started)


def _caches(cache_dir: Path) -> dict[str, object]:
    """The format cache's files, and the render cache's entries: as each file holds them, in order.
    (marshal marks an object met twice by identity: an entry made in the child and one made here
    are written alike only up to those marks; and so are the digests that name a delta's base.)"""
    found: dict[str, object] = {}
    for path in sorted(cache_dir.rglob("*")):
        if path.is_file() and path.name.startswith("format-"):
            found[path.name] = path.read_bytes()
        elif path.is_file() and path.parent.name == "render":
            magic, header, body = path.read_bytes().split(b"\n", 2)
            fields = json.loads(header)
            modules, offset = [], 0
            for module, size in fields["modules"]:
                modules.append((module, repr(marshal.loads(body[offset:offset + size]))))
                offset += size
            found[f"render/{path.name}"] = (magic, fields["key"], "base" in fields, modules)
    return found


@pytest.mark.parametrize("spec_text", [REAL, *(path.read_text("utf-8") for path in VALID)],
                         ids=["real70", *(path.stem for path in VALID)])
def test_two_cores_make_what_one_makes_and_leave_the_same_caches(tmp_path: Path, monkeypatch: pytest.MonkeyPatch,
                                                                  spec_text: str) -> None:
    spec = _spec(tmp_path / "specs", spec_text)
    one, forks = _build(spec, tmp_path / "one", monkeypatch, False)
    assert forks == 0
    two, forks = _build(spec, tmp_path / "two", monkeypatch, True)
    assert forks == 1
    assert two == one
    caches = _caches(tmp_path / "one")
    assert any(name.startswith("render/") for name in caches) and any(name.startswith("format-") for name in caches)
    assert _caches(tmp_path / "two") == caches  # the format cache byte for byte, the render cache's entries
    # and what they give a rebuild after an edit: the same files as a cold build of the edited spec
    edited = spec_text.replace("columns:\n", "columns:\n      added_now: {type: integer}\n", 1)
    _spec(tmp_path / "specs", edited)
    again_one, _ = _build(spec, tmp_path / "one", monkeypatch, None)
    again_two, _ = _build(spec, tmp_path / "two", monkeypatch, None)
    cold, _ = _build(spec, tmp_path / "cold", monkeypatch, False)
    assert again_one == again_two == cold != one
    assert _caches(tmp_path / "one") == _caches(tmp_path / "two")


def test_two_cores_make_the_opt_in_files_too(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    spec = _spec(tmp_path / "specs", REAL)
    options = {"typescript": True, "erd": True}
    one, _ = _build(spec, tmp_path / "one", monkeypatch, False, options)
    two, forks = _build(spec, tmp_path / "two", monkeypatch, True, options)
    assert forks == 1 and two == one
    assert list(two) == list(one) and "real/types.ts" in two


def test_a_large_cold_build_uses_the_second_core_and_a_rebuild_after_an_edit_does_not(
        tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    spec = _spec(tmp_path / "specs", REAL)
    _, forks = _build(spec, tmp_path / "cache", monkeypatch, None)
    assert forks == 1
    _spec(tmp_path / "specs", REAL.replace("columns:\n", "columns:\n      added_now: {type: integer}\n", 1))
    _, forks = _build(spec, tmp_path / "cache", monkeypatch, None)
    assert forks == 0  # the format cache holds the child's modules: reused, not worth a fork
    small = _spec(tmp_path / "small", VALID[0].read_text("utf-8"))
    _, forks = _build(small, tmp_path / "small-cache", monkeypatch, None)
    assert forks == 0  # too small to pay for a fork


def test_schemagen_jobs_1_keeps_a_large_cold_build_in_one_process(tmp_path: Path, monkeypatch: pytest.MonkeyPatch
                                                                  ) -> None:
    # README: `SCHEMAGEN_JOBS=N` sets how many processes format a cold build; a CI runner sharing
    # its cores sets 1, and the second core's child must not be started then either.
    spec = _spec(tmp_path / "specs", REAL)
    monkeypatch.setenv("SCHEMAGEN_JOBS", "1")
    one, forks = _build(spec, tmp_path / "cache-one", monkeypatch, None)
    assert forks == 0
    monkeypatch.setenv("SCHEMAGEN_JOBS", "2")
    two, forks = _build(spec, tmp_path / "cache-two", monkeypatch, None)
    assert forks == 1
    assert one == two


def _in_the_child(parent: int, action: Callable[[], Any]) -> Callable[..., Any]:
    from schemagen.format import format_modules as real

    def formatting(*args: Any, **kwargs: Any) -> Any:
        if os.getpid() != parent:
            return action()
        return real(*args, **kwargs)

    return formatting


class _Unloadable:
    def __reduce__(self) -> tuple[Callable[[], None], tuple[()]]:
        return _refuse, ()


def _refuse() -> None:
    raise ValueError("not loadable")


@pytest.mark.parametrize("failure", ["raises", "killed", "exits", "unloadable", "wrong shape"])
def test_when_the_child_fails_this_process_makes_its_half(tmp_path: Path, monkeypatch: pytest.MonkeyPatch,
                                                          failure: str) -> None:
    spec = _spec(tmp_path / "specs", REAL)
    one, _ = _build(spec, tmp_path / "one", monkeypatch, False)
    actions: dict[str, Callable[[], Any]] = {
        "raises": lambda: 1 / 0,
        "killed": lambda: os.kill(os.getpid(), signal.SIGKILL),
        "exits": lambda: os._exit(0),  # nothing sent, and a clean exit
        "unloadable": lambda: _Unloadable(),  # the parent cannot read what it sent
        "wrong shape": lambda: {"schemas.py": "garbage"},
    }
    monkeypatch.setattr(pipeline, "format_modules", _in_the_child(os.getpid(), actions[failure]))
    two, forks = _build(spec, tmp_path / "two", monkeypatch, True)
    assert forks == 1
    assert two == one
    assert _caches(tmp_path / "two") == _caches(tmp_path / "one")
    with pytest.raises(ChildProcessError):
        os.waitpid(-1, os.WNOHANG)  # the child was reaped


@pytest.mark.parametrize("broken", [("schemas",), ("models",), ("models", "schemas"), ("models", "schemas raises")])
def test_a_template_bug_is_reported_as_in_one_process(tmp_path: Path, monkeypatch: pytest.MonkeyPatch,
                                                      broken: tuple[str, ...]) -> None:
    # One process renders every module before it formats any: a schemas template that fails while
    # rendering is the error, not the invalid Python of models.py (which this process, alone with
    # models.py, finds first); the child's error also comes out as it does in one process.
    from schemagen.codegen import TemplateError

    spec = _spec(tmp_path / "specs", REAL)
    for name in broken:
        module_name, _, how = name.partition(" ")
        module = importlib.import_module(f"schemagen.codegen.{module_name}_module")
        function = {"models": "_render_model", "schemas": "_render_schemas"}[module_name]
        real = getattr(module, function)

        def wrong(*args: Any, real: Callable[..., str] = real, how: str = how) -> str:
            if how == "raises":
                raise TemplateError("a template failed while rendering")
            return real(*args) + "\nclass Broken(:\n    pass\n"

        monkeypatch.setattr(module, function, wrong)
    raised = {}
    for two_cores in (False, True):
        with monkeypatch.context() as patch:
            forks = _Forks(patch, two_cores)
            patch.setenv("SCHEMAGEN_CACHE_DIR", str(tmp_path / f"cache-{two_cores}"))
            with pytest.raises(TemplateError) as caught:
                pipeline.generate([spec], cache=FormatCache(None))
            raised[two_cores] = str(caught.value)
            assert len(forks.started) == two_cores
    assert raised[True] == raised[False]
    if broken[-1] == "schemas raises":
        assert raised[False] == "a template failed while rendering"
    else:
        assert f"{broken[0]}.py.jinja produced invalid Python at line" in raised[False]
    with pytest.raises(ChildProcessError):
        os.waitpid(-1, os.WNOHANG)


def test_an_interrupted_build_reaps_its_child(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    spec = _spec(tmp_path / "specs", REAL)
    from schemagen.format import format_modules as real
    parent = os.getpid()

    def interrupted(*args: Any, **kwargs: Any) -> Any:
        if os.getpid() == parent:
            raise KeyboardInterrupt
        return real(*args, **kwargs)

    monkeypatch.setattr(pipeline, "format_modules", interrupted)
    monkeypatch.setenv("SCHEMAGEN_CACHE_DIR", str(tmp_path / "cache"))
    forks = _Forks(monkeypatch, True)
    with pytest.raises(KeyboardInterrupt):
        pipeline.generate([spec], cache=FormatCache(None))
    assert len(forks.started) == 1
    with pytest.raises(ChildProcessError):
        os.waitpid(-1, os.WNOHANG)  # no child left, not even a zombie


def test_no_child_is_forked_beside_another_thread(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    # the API may be called from an app's threads: a child forked beside one may inherit a held lock
    spec = _spec(tmp_path / "specs", REAL)
    release = threading.Event()
    other = threading.Thread(target=release.wait)
    other.start()
    try:
        assert not forked.may_fork()
        files, forks = _build(spec, tmp_path / "cache", monkeypatch, None)
    finally:
        release.set()
        other.join()
    assert forks == 0
    assert files == _build(spec, tmp_path / "again", monkeypatch, False)[0]


def test_the_api_uses_the_second_core_too(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    catalog = schemagen.resolve(schemagen.load_spec(_spec(tmp_path / "specs", REAL)))
    monkeypatch.setenv("SCHEMAGEN_CACHE_DIR", str(tmp_path / "cache"))
    made = {}
    for two_cores in (False, True):
        with monkeypatch.context() as patch:
            forks = _Forks(patch, two_cores)
            made[two_cores] = schemagen.generate(catalog)
            assert len(forks.started) == two_cores
    assert made[True] == made[False]
    assert list(made[True]) == list(made[False])  # in the same order, too


def test_the_cli_builds_on_two_cores_what_one_builds(tmp_path: Path) -> None:
    spec = _spec(tmp_path / "specs", REAL)
    result = run_cli("build", str(spec.parent), "--out", str(tmp_path / "out"),
                     env={"SCHEMAGEN_CACHE_DIR": str(tmp_path / "cache")})
    assert result.returncode == 0, result.stderr
    with pytest.MonkeyPatch.context() as patch:
        one, _ = _build(spec, tmp_path / "one", patch, False)
    written = {path.relative_to(tmp_path / "out").as_posix(): path.read_bytes()
               for path in (tmp_path / "out").rglob("*") if path.is_file()}
    assert written == one


def test_a_child_answers_with_its_value_or_not_at_all() -> None:
    child = forked.Forked.start(lambda: {"value": [1, "two"]})
    assert child is not None and child.value() == {"value": [1, "two"]}
    assert child.pid  # the answer is taken as soon as it is read: the exiting child is reaped by end()
    child.end()
    assert not child.pid
    for work in (lambda: 1 / 0, lambda: os._exit(0), lambda: os.kill(os.getpid(), signal.SIGKILL), _Unloadable):
        child = forked.Forked.start(work)
        assert child is not None and child.value() is None
        child.end()
    child = forked.Forked.start(lambda: signal.pause())
    assert child is not None
    child.end()  # killed and reaped unanswered
    with pytest.raises(ChildProcessError):
        os.waitpid(-1, os.WNOHANG)


def test_a_render_cache_made_in_two_processes_is_saved_as_one(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    # identity tells a reused entry from a new one (`RenderCache.save` writes only a delta then): it
    # must survive the trip from the child
    spec = _spec(tmp_path / "specs", REAL)
    _build(spec, tmp_path / "one", monkeypatch, False)
    _build(spec, tmp_path / "two", monkeypatch, False)
    _spec(tmp_path / "specs", REAL.replace("columns:\n", "columns:\n      added_now: {type: integer}\n", 1))
    catalog = schemagen.resolve(schemagen.load_spec(spec))
    for folder, two_cores in (("one", False), ("two", True)):
        monkeypatch.setenv("SCHEMAGEN_CACHE_DIR", str(tmp_path / folder))
        with monkeypatch.context() as patch:
            _Forks(patch, two_cores)
            pipeline.package_sources([catalog], FormatCache(None))
    renders = {folder: sorted(path.name for path in (tmp_path / folder / "render").iterdir()) for folder in ("one", "two")}
    assert renders["one"] == renders["two"] and any(name.endswith(".delta") for name in renders["one"])
    assert _caches(tmp_path / "one") == _caches(tmp_path / "two")


def _slowed_in(slow_pid: Callable[[], bool], calls: list[int]) -> Callable[..., Any]:
    """`format_statements`, taking its time in the process `slow_pid` names; the calls made in this process counted."""
    import time

    from schemagen.format import format_statements as real
    parent = os.getpid()

    def formatting(*args: Any) -> Any:
        if os.getpid() == parent:
            calls.append(1)
        if slow_pid():  # (a margin the other process's other work, ~30 ms of cache writes, cannot eat)
            time.sleep(0.04)
        return real(*args)

    return formatting


@pytest.mark.parametrize("slow", ["child", "parent"])
def test_the_regions_of_the_childs_module_formatted_by_both_make_what_one_process_makes(
        tmp_path: Path, monkeypatch: pytest.MonkeyPatch, slow: str) -> None:
    # the child offers schemas.py region by region: this process, done with its own half, takes
    # regions from the last; either may take most of them, the module and the caches are the same
    from schemagen.codegen import render_modules

    spec = _spec(tmp_path / "specs", REAL)
    one, _ = _build(spec, tmp_path / "one", monkeypatch, False)
    parent = os.getpid()
    here: list[int] = []
    in_child = slow == "child"
    monkeypatch.setattr(pipeline, "format_statements",
                        _slowed_in(lambda: (os.getpid() != parent) == in_child, here))
    two, forks = _build(spec, tmp_path / "two", monkeypatch, True)
    assert forks == 1 and two == one
    assert _caches(tmp_path / "two") == _caches(tmp_path / "one")
    regions = len(statement_bounds(render_modules(schemagen.resolve(schemagen.load_spec(spec)), None,
                                                  ("schemas.py",))["schemas.py"]))
    assert regions > 4
    if in_child:
        assert len(here) > regions // 2  # the slow child left most of them to this process
    else:
        assert len(here) < regions // 2


def test_a_module_formatted_region_by_region_is_the_module_formatted_whole(tmp_path: Path) -> None:
    from schemagen.codegen import render_modules

    catalog = schemagen.resolve(schemagen.load_spec(_spec(tmp_path / "specs", REAL)))
    sources = {f"real/{name}": text for name, text in render_modules(catalog, None, ("models.py", "schemas.py")).items()}
    whole_cache = FormatCache(tmp_path / "whole.json")
    whole = format_modules(sources, whole_cache, aside=False)
    regions_cache = FormatCache(tmp_path / "regions.json")
    for key, source in sources.items():
        regions = statement_bounds(source, 2000)
        assert len(regions) > 10
        texts, record = [], []
        for region in regions:
            text, part = format_statements(key, source, region, regions_cache)
            texts.append(text)
            record.extend(part)
        assert "".join(texts) == whole[key]
        regions_cache.keep_record(key, record, [])
    assert regions_cache.progress() == whole_cache.progress()


@pytest.mark.parametrize("source", ['X = """\n\n\nclass A:\n    pass\n"""\n', "@dataclass\n\n\nclass A:\n    pass\n"])
def test_a_class_line_that_starts_no_statement_fails_the_region_before_it(source: str) -> None:
    # `statement_bounds` cuts at any top-level `class` line after two blank lines: inside a string,
    # or after a decorator, the region before it does not parse (the build is then made in one process)
    regions = statement_bounds(source, 1)
    assert len(regions) == 2 and regions[1][2] == 3  # (after three lines)
    with pytest.raises(FormatError):
        format_statements("m.py", source, regions[0], None)
    assert format_modules({"m.py": source}) == {"m.py": source}  # whole, it is valid Python


@pytest.mark.parametrize("memory", ["none", "too small"])
def test_without_shared_memory_the_child_formats_its_modules_and_answers_through_the_pipe(
        tmp_path: Path, monkeypatch: pytest.MonkeyPatch, memory: str) -> None:
    spec = _spec(tmp_path / "specs", REAL)
    one, _ = _build(spec, tmp_path / "one", monkeypatch, False)
    if memory == "none":  # the system refused it
        monkeypatch.setattr(pipeline.Shared, "create", classmethod(lambda cls: None))
    else:  # no room for the offer nor the answer
        monkeypatch.setattr(pipeline.Shared, "CAPACITY", 1000)
    here: list[int] = []
    monkeypatch.setattr(pipeline, "format_statements", _slowed_in(lambda: False, here))
    two, forks = _build(spec, tmp_path / "two", monkeypatch, True)
    assert forks == 1 and two == one and not here  # nothing offered, nothing formatted here
    assert _caches(tmp_path / "two") == _caches(tmp_path / "one")


def test_a_render_cache_saves_the_data_made_ahead_as_it_would_make_it(tmp_path: Path,
                                                                      monkeypatch: pytest.MonkeyPatch) -> None:
    # `made_in` (this process's modules) and `take` (the child's) make the file's data before the
    # halves meet: `save` then only writes it
    from schemagen.codegen import RENDERED_ORDER, render_cache, render_modules

    catalog = schemagen.resolve(schemagen.load_spec(_spec(tmp_path / "specs", REAL)))
    files = {}
    for folder in ("plain", "ahead"):
        monkeypatch.setenv("SCHEMAGEN_CACHE_DIR", str(tmp_path / folder))
        cache = render_cache.RenderCache.for_catalog(catalog)
        assert cache is not None
        render_modules(catalog, cache, RENDERED_ORDER)
        if folder == "ahead":
            other = render_cache.RenderCache.for_catalog(catalog)  # the child's, over the same files
            assert other is not None
            render_modules(catalog, other, ("schemas.py", "relations.py"))
            cache.made_in(["models"])
            cache.take({module: tuple(entries) for module, entries
                        in other.made_in(["schemas", "nested", "relations", "loads"]).items()})
            with monkeypatch.context() as patch:
                patch.setattr(render_cache, "_serialize", lambda *_: pytest.fail("made again"))
                cache.save()
        else:
            cache.save()
        files[folder] = _caches(tmp_path / folder)
    assert files["ahead"] == files["plain"]


def test_a_region_reports_an_error_at_the_line_of_the_whole_module() -> None:
    source = "X = 1\n" + "\n\nclass A:\n    pass\n" * 5 + "\n\nclass B:\n    x = = 1\n"
    with pytest.raises(InvalidSource) as whole:
        format_modules({"m.py": source}, aside=False)
    last = statement_bounds(source, 1)[-1]
    with pytest.raises(InvalidSource) as region:
        format_statements("m.py", source, last, None)
    assert (region.value.line, region.value.message) == (whole.value.line, whole.value.message) == (25, "invalid syntax")
