"""A build writes the caches of loading and resolving (`spec.incremental`, `resolver.incremental`) once
it has forked its second core's child, in this process alone; every other way through `generate`
leaves them as writing them at once did: kept when generating fails, a failed write failing the build."""

from __future__ import annotations

import importlib
import os
import sys
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest

from schemagen import forked, pipeline
from schemagen.codegen import TemplateError
from schemagen.errors import SpecErrors
from schemagen.format.cache import FormatCache
from schemagen.resolver import incremental as resolve_cache
from schemagen.resolver.incremental import catalog_cached
from schemagen.spec import incremental as load_cache
from schemagen.spec.incremental import load_cached
from tests.helpers import ROOT

sys.path.insert(0, str(ROOT / "bench"))
from realistic import make_spec  # type: ignore[import-not-found]  # noqa: E402

REAL = make_spec(70)  # above the threshold of a second core
INVALID = (ROOT / "tests" / "specs" / "invalid" / "char_without_length.yaml").read_text("utf-8")


def _spec(folder: Path, text: str, name: str = "real.yaml") -> Path:
    folder.mkdir(parents=True, exist_ok=True)
    spec = folder / name
    spec.write_text(text, "utf-8")
    return spec


def _stored(cache_dir: Path) -> dict[str, int]:
    """The cache files of loading and resolving, by folder."""
    return {folder: len(list((cache_dir / folder).glob("*.bin"))) for folder in ("spec-parts", "resolved")}


def _logged(monkeypatch: pytest.MonkeyPatch, log: Path) -> None:
    """Each cache write of loading and resolving, and each fork of `_on_two_cores`, appended to `log`
    with the pid that did it (a file: the child's writes would be lost in its own memory)."""
    def note(event: str) -> None:
        with open(log, "a", encoding="utf-8") as stream:
            stream.write(f"{event} {os.getpid()}\n")

    for module, name in ((load_cache, "spec-parts"), (resolve_cache, "resolved")):
        def write(*args: Any, real: Callable[..., bool] = module.write_sealed, name: str = name) -> bool:
            note(name)
            return real(*args)

        monkeypatch.setattr(module, "write_sealed", write)

    class Noted(forked.Forked):
        @classmethod
        def start(cls, work: Callable[[], Any], shared: forked.Shared | None = None) -> forked.Forked | None:
            note("fork")
            return super().start(work, shared)

    monkeypatch.setattr(pipeline, "Forked", Noted)


@pytest.mark.skipif(not forked.may_fork(), reason="needs os.fork and two cores (none here)")
def test_a_cold_build_writes_its_load_and_resolve_caches_after_the_fork_in_this_process_only(
        tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    spec = _spec(tmp_path / "specs", REAL)
    log = tmp_path / "log"
    monkeypatch.setenv("SCHEMAGEN_CACHE_DIR", str(tmp_path / "cache"))
    monkeypatch.setattr(pipeline, "_pays", lambda *_: True)
    _logged(monkeypatch, log)
    outputs = pipeline.generate([spec], cache=FormatCache(None))
    me = os.getpid()
    assert log.read_text("utf-8").splitlines() == [f"fork {me}", f"spec-parts {me}", f"resolved {me}"]
    assert _stored(tmp_path / "cache") == {"spec-parts": 1, "resolved": 1}
    # and they are the caches a build in one process leaves: a rebuild from them makes the same files
    monkeypatch.setattr(pipeline, "_pays", lambda *_: False)
    assert pipeline.generate([spec], cache=FormatCache(None)) == outputs


def test_without_a_child_each_cache_is_written_once_in_this_process(tmp_path: Path,
                                                                    monkeypatch: pytest.MonkeyPatch) -> None:
    spec = _spec(tmp_path / "specs", REAL)
    log = tmp_path / "log"
    monkeypatch.setenv("SCHEMAGEN_CACHE_DIR", str(tmp_path / "cache"))
    monkeypatch.setattr(pipeline, "_pays", lambda *_: False)
    _logged(monkeypatch, log)
    pipeline.generate([spec], cache=FormatCache(None))
    assert log.read_text("utf-8").splitlines() == [f"spec-parts {os.getpid()}", f"resolved {os.getpid()}"]


@pytest.mark.parametrize("two_cores", [False, True])
def test_the_caches_are_kept_when_generating_fails(tmp_path: Path, monkeypatch: pytest.MonkeyPatch,
                                                   two_cores: bool) -> None:
    models_module = importlib.import_module("schemagen.codegen.models_module")

    def broken(*_: Any) -> str:
        raise TemplateError("a template failed while rendering")

    spec = _spec(tmp_path / "specs", REAL)
    monkeypatch.setenv("SCHEMAGEN_CACHE_DIR", str(tmp_path / "cache"))
    monkeypatch.setattr(pipeline, "_pays", lambda *_: two_cores)
    monkeypatch.setattr(models_module, "_render_model", broken)
    with pytest.raises(TemplateError):
        pipeline.generate([spec], cache=FormatCache(None))
    assert _stored(tmp_path / "cache") == {"spec-parts": 1, "resolved": 1}
    with pytest.raises(ChildProcessError):
        os.waitpid(-1, os.WNOHANG)  # no child left behind


def test_a_spec_with_errors_fails_the_build_and_the_others_caches_are_kept(tmp_path: Path,
                                                                         monkeypatch: pytest.MonkeyPatch) -> None:
    good = _spec(tmp_path / "specs", REAL)
    bad = _spec(tmp_path / "specs", INVALID, "bad.yaml")
    monkeypatch.setenv("SCHEMAGEN_CACHE_DIR", str(tmp_path / "cache"))
    with pytest.raises(SpecErrors):
        pipeline.generate([good, bad], cache=FormatCache(None))
    # the bad spec loaded (its parts are kept) but did not resolve (no catalog)
    assert _stored(tmp_path / "cache") == {"spec-parts": 2, "resolved": 1}


@pytest.mark.parametrize("two_cores", [False, True])
def test_a_cache_write_that_raises_fails_the_build(tmp_path: Path, monkeypatch: pytest.MonkeyPatch,
                                                   two_cores: bool) -> None:
    def refused(*_: Any) -> None:
        raise RuntimeError("a bug in the cache's writer")

    spec = _spec(tmp_path / "specs", REAL)
    monkeypatch.setenv("SCHEMAGEN_CACHE_DIR", str(tmp_path / "cache"))
    monkeypatch.setattr(pipeline, "_pays", lambda *_: two_cores)
    monkeypatch.setattr(resolve_cache, "_write", refused)
    with pytest.raises(RuntimeError, match="a bug in the cache's writer"):
        pipeline.generate([spec], cache=FormatCache(None))
    assert _stored(tmp_path / "cache") == {"spec-parts": 1, "resolved": 0}  # (the other write still made)
    with pytest.raises(ChildProcessError):
        os.waitpid(-1, os.WNOHANG)


def test_writes_given_are_left_to_the_caller(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    spec = _spec(tmp_path / "specs", REAL)
    monkeypatch.setenv("SCHEMAGEN_CACHE_DIR", str(tmp_path / "cache"))
    writes: list[Callable[[], None]] = []
    cold = catalog_cached(load_cached(spec, spec.read_bytes(), writes), None, writes)
    assert len(writes) == 2 and _stored(tmp_path / "cache") == {"spec-parts": 0, "resolved": 0}
    for write in writes:
        write()
    assert _stored(tmp_path / "cache") == {"spec-parts": 1, "resolved": 1}
    # what they wrote is what writing at once writes: the next load and resolve take every part from it
    monkeypatch.setattr(load_cache, "load_text", lambda *_: pytest.fail("loaded the whole text again"))
    monkeypatch.setattr(resolve_cache, "resolve", lambda *_: pytest.fail("resolved the whole spec again"))
    again: list[Callable[[], None]] = []
    assert repr(catalog_cached(load_cached(spec, spec.read_bytes(), again), None, again)) == repr(cold)
    assert again == []  # nothing new to keep
