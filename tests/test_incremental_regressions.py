"""Edits found by the review of the incremental spec load (`tests/test_incremental_fuzz.py` covers
the random ones): each loads through `load_cached` after the earlier texts, and must be a cold load."""

from __future__ import annotations

import os
import re
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

from schemagen.spec.incremental import load_cached
from schemagen.spec.load import load_spec_text
from tests.helpers import ROOT, run_cli, tree
from tests.test_incremental_load import _outcome

sys.path.insert(0, str(ROOT / "bench"))
from realistic import make_spec  # type: ignore[import-not-found]


@pytest.fixture(autouse=True)
def _cache(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("SCHEMAGEN_CACHE_DIR", str(tmp_path / "cache"))


def _each_as_cold(file: Path, texts: list[str]) -> None:
    for step, text in enumerate(texts):
        raw = text.encode()
        assert _outcome(load_cached, file, raw, True) == _outcome(load_spec_text, file, raw, True), step


USERS = "tables:\n  users:\n    columns:\n      &k id: {type: int, primary_key: true}\n"


@pytest.mark.parametrize("use", ["    description: *k\n", "    columns:\n      *k : {type: int, primary_key: true}\n"],
                         ids=["as a value", "as a key"])
def test_an_alias_of_a_key_in_another_part_is_refused_not_reused(use: str, tmp_path: Path) -> None:
    """An anchored mapping key escaped the loader's alias check, so a part holding its alias was
    cached with the anchor's text of that time, and reused after the anchor changed."""
    text = USERS + "  orders:\n" + use + ("    columns:\n      x: {type: int, primary_key: true}\n" if "description" in use else "")
    _each_as_cold(tmp_path / "spec.yaml", [text, text, text.replace("&k id", "&k pk"), text])
    with pytest.raises(Exception, match="anchors and aliases"):
        load_spec_text(tmp_path / "spec.yaml", text.encode())


def test_without_the_loaders_source_files_it_is_a_cold_load(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """The cache key hashes the loader's .py files: an install without them (zip import, frozen
    app, .pyc only) must load as cold, not fail with FileNotFoundError."""
    from schemagen.spec import incremental

    monkeypatch.setattr(incremental, "__file__", str(tmp_path / "gone" / "incremental.py"))
    incremental._key.cache_clear()
    try:
        text = USERS + "  orders:\n    columns:\n      x: {type: int, primary_key: true}\n"
        _each_as_cold(tmp_path / "spec.yaml", [text, text.replace("x:", "y:")])
    finally:
        incremental._key.cache_clear()


def _built(project: Path, cache: str) -> tuple[int, str, str, dict[str, bytes]]:
    """`schemagen build` in `project`: exit code, output without timings, the files written."""
    result = run_cli("build", "specs", "--out", "gen", cwd=project, env={"SCHEMAGEN_CACHE_DIR": cache, "PYTHONPATH": str(ROOT)})
    def plain(text: str) -> str:
        return re.sub(r" in [0-9.]+ m?s\b", "", text.replace(str(project), "PROJECT"))
    return result.returncode, plain(result.stdout), plain(result.stderr), tree(project / "gen") if (project / "gen").exists() else {}


def test_builds_through_edits_reverts_errors_and_a_rename_are_cold_builds(tmp_path: Path) -> None:
    """`schemagen build` with a cache carried from run to run, and without a cache, in two copies
    of a project edited alike: the same exit codes, messages (error positions included) and files."""
    base = make_spec(12)
    edited = base.replace("length: 200", "length: 201", 1)
    bad_type = edited.replace("type: int", "type: intt", 1)  # a validation error: its position is a lazy mark
    bad_yaml = edited.replace("\n  ", "\n  oops: [\n  ", 1)
    steps = [{"real.yaml": base}, {"real.yaml": edited}, {"real.yaml": bad_type}, {"real.yaml": bad_yaml},
             {"real.yaml": base}, {"real.yaml": edited}, {"renamed.yaml": edited},
             {"renamed.yaml": base, "other.yaml": base.replace("package: ", "package: other_", 1)}]
    cache, codes = str(tmp_path / "cache"), []
    for number, files in enumerate(steps):
        outcomes = []
        for project, folder in ((tmp_path / "warm", cache), (tmp_path / "cold", "")):
            shutil.rmtree(project / "specs", ignore_errors=True)
            (project / "specs").mkdir(parents=True)
            for name, text in files.items():
                (project / "specs" / name).write_text(text)
            outcomes.append(_built(project, folder))
        assert outcomes[0] == outcomes[1], number
        codes.append(outcomes[0][0])
        assert "intt" in outcomes[0][2] or number != 2
    assert codes == [0, 0, 2, 2, 0, 0, 0, 0] and any(path.startswith("other_") for path in outcomes[0][3])


def test_two_builds_at_once_with_one_cache_write_what_a_cold_build_does(tmp_path: Path) -> None:
    spec = make_spec(12)
    for project in (tmp_path / "warm", tmp_path / "cold"):
        (project / "specs").mkdir(parents=True)
        (project / "specs" / "real.yaml").write_text(spec)
    env = {**os.environ, "SCHEMAGEN_CACHE_DIR": str(tmp_path / "cache"), "PYTHONPATH": str(ROOT)}  # this tree's schemagen
    assert _built(tmp_path / "warm", env["SCHEMAGEN_CACHE_DIR"])[0] == 0  # fills the cache
    (tmp_path / "warm" / "specs" / "real.yaml").write_text(spec.replace("length: 200", "length: 201", 1))
    (tmp_path / "cold" / "specs" / "real.yaml").write_text(spec.replace("length: 200", "length: 201", 1))
    runs = [subprocess.Popen([sys.executable, "-m", "schemagen", "build", "specs", "--out", "gen"], cwd=tmp_path / "warm",
                             env=env, stdout=subprocess.PIPE, stderr=subprocess.PIPE) for _ in range(2)]
    assert [run.wait(timeout=300) for run in runs] == [0, 0]
    for run in runs:
        assert run.stdout is not None and run.stderr is not None
        run.stdout.close()
        run.stderr.close()
    assert _built(tmp_path / "cold", "")[3] == tree(tmp_path / "warm" / "gen")


def test_a_cache_folder_that_cannot_be_used_only_costs_time(tmp_path: Path) -> None:
    """Found while testing an unwritable cache: `build` crashed in jinja's bytecode cache (not the
    spec cache) when the cache folder is a file or read-only; it must build as without a cache."""
    for project in (tmp_path / "blocked", tmp_path / "none"):
        (project / "specs").mkdir(parents=True)
        (project / "specs" / "real.yaml").write_text(make_spec(3))
    (tmp_path / "not-a-folder").write_text("")
    blocked = _built(tmp_path / "blocked", str(tmp_path / "not-a-folder"))
    assert blocked == _built(tmp_path / "none", "") and blocked[0] == 0


@pytest.mark.parametrize("lists", [59, 60], ids=["at the limit", "one over"])
def test_a_part_nests_as_deep_as_in_the_whole_file(lists: int, tmp_path: Path) -> None:
    """A part is built on its own, below its place in the file: the nesting limit counts from the
    file's top all the same, so a value at the limit is taken or refused as a cold load does."""
    base = USERS + "  orders:\n    columns:\n      x: {type: int, primary_key: true}\n"
    deep = base + "      note: {type: text, comment: " + "[" * lists + "]" * lists + "}\n"
    _each_as_cold(tmp_path / "spec.yaml", [base, deep, deep])
    refused = _outcome(load_spec_text, tmp_path / "spec.yaml", deep.encode(), True)
    assert ("nests more than 64 levels" in repr(refused)) == (lists == 60)


def test_a_project_of_more_spec_files_than_the_cache_keeps_keeps_them_all(
        tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """The store kept the 32 most recently written spec files: a project of more evicted its own
    first files while it wrote its last ones, and every build loaded them cold again."""
    from schemagen.spec import incremental

    monkeypatch.setattr(incremental, "KEEP", 3)
    monkeypatch.setattr(incremental, "_LOADED_HERE", set())
    files = [tmp_path / f"spec_{index}.yaml" for index in range(6)]
    for file in files:
        file.write_text(USERS.replace("&k ", "").replace("users", f"users_{file.stem}"))
        load_cached(file, file.read_bytes())
    stores = sorted((tmp_path / "cache" / "spec-parts").glob("*.bin"))
    assert len(stores) == 6

    # another process: what it loads is used last, so another spec's store evicts the others first
    monkeypatch.setattr(incremental, "_LOADED_HERE", set())
    for store in stores:
        os.utime(store, (1, 1))
    load_cached(files[0], files[0].read_bytes())
    other = tmp_path / "other.yaml"
    other.write_text(USERS.replace("&k ", ""))
    load_cached(other, other.read_bytes())
    kept = set((tmp_path / "cache" / "spec-parts").glob("*.bin"))
    assert len(kept) == 3 + 2 and incremental._store(files[0]) in kept


def test_a_compiled_template_that_cannot_be_kept_only_costs_time(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """Found while building into a full cache disk (a 2 MB tmpfs, bench/realistic.py 300): jinja's
    bytecode cache raised "No space left on device" out of rendering, and the build failed; the
    template must render as without a cache."""
    import errno

    import jinja2.bccache

    from schemagen.codegen import render

    def disk_full(self: jinja2.bccache.Bucket, stream: object) -> None:
        raise OSError(errno.ENOSPC, "No space left on device")

    monkeypatch.setenv("SCHEMAGEN_CACHE_DIR", str(tmp_path / "cache"))
    monkeypatch.setattr(jinja2.bccache.Bucket, "write_bytecode", disk_full)
    render.environment.cache_clear()
    try:
        assert render.environment().get_template("enums.py.jinja") is not None
        assert not list((tmp_path / "cache").rglob("*.tmp"))  # (jinja removes its temporary file)
    finally:
        render.environment.cache_clear()
