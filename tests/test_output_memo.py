"""The CLI's memo of generated outputs (`schemagen.output.memo`): a `build` after a `check` of the same
inputs takes the checked outputs instead of generating again, and only ever for exactly those inputs."""

from __future__ import annotations

import os
import subprocess
import sys
import time
from pathlib import Path

import pytest

from schemagen.output import memo
from schemagen.pipeline import generate
from tests.helpers import ROOT, run_cli, tree

sys.path.insert(0, str(ROOT / "bench"))
from workload import make_spec  # noqa: E402

PROBE = (
    "import sys\n"
    "from schemagen.cli import main\n"
    "sys.argv = ['schemagen', 'build', sys.argv[1], '--out', sys.argv[2]]\n"
    "try:\n    main()\nexcept SystemExit as exc:\n    code = exc.code\nelse:\n    code = 0\n"
    "print('GENERATED', sorted(m for m in ('jinja2', 'yaml') if m in sys.modules), code)\n"
)


def _spec(folder: Path, tables: int = 3) -> Path:
    folder.mkdir(parents=True, exist_ok=True)
    spec = folder / "shop.yaml"
    spec.write_text(make_spec(tables, package="shop"), "utf-8")
    return spec


def test_a_build_after_a_failed_check_writes_the_checked_outputs_without_generating(tmp_path: Path) -> None:
    cache = tmp_path / "cache"
    env = {"SCHEMAGEN_CACHE_DIR": str(cache)}
    spec = _spec(tmp_path / "specs")
    out = tmp_path / "out"
    assert run_cli("build", str(spec.parent), "--out", str(out), env=env).returncode == 0
    spec.write_text(spec.read_text("utf-8").replace("length: 120", "length: 121", 1), "utf-8")
    assert run_cli("check", str(spec.parent), "--out", str(out), env=env).returncode == 1

    result = subprocess.run([sys.executable, "-c", PROBE, str(spec.parent), str(out)], capture_output=True, text=True,
                            cwd=ROOT, timeout=120, env={**os.environ, **env})
    assert "GENERATED [] 0" in result.stdout, result.stdout + result.stderr  # no template, no YAML read

    fresh = tmp_path / "fresh"
    assert run_cli("build", str(spec.parent), "--out", str(fresh), env={"SCHEMAGEN_CACHE_DIR": ""}).returncode == 0
    assert tree(out) == tree(fresh)
    assert b"String(121)" in (out / "shop" / "models.py").read_bytes()


def test_every_input_changes_the_key(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    spec = _spec(tmp_path / "a")
    base = memo.inputs([spec], 88, None)
    assert base is not None and base == memo.inputs([spec], 88, None)
    twin = _spec(tmp_path / "b")  # the same bytes in another folder
    keys = {
        base.key,
        memo.inputs([twin], 88, None).key,  # type: ignore[union-attr]
        memo.inputs([spec], 100, None).key,  # type: ignore[union-attr]
        memo.inputs([spec], 88, {"typescript": True}).key,  # type: ignore[union-attr]
        memo.inputs([spec], 88, {"typescript": False}).key,  # type: ignore[union-attr]
        memo.inputs([spec, twin], 88, None).key,  # type: ignore[union-attr]
        memo.inputs([twin, spec], 88, None).key,  # type: ignore[union-attr]
    }
    spec.write_text(spec.read_text("utf-8") + "\n", "utf-8")
    keys.add(memo.inputs([spec], 88, None).key)  # type: ignore[union-attr]
    monkeypatch.setattr("schemagen.output.fresh.generator_fingerprint", lambda: "another generator")
    keys.add(memo.inputs([spec], 88, None).key)  # type: ignore[union-attr]
    assert len(keys) == 9
    assert memo.inputs([tmp_path / "missing.yaml"], 88, None) is None


def test_an_entry_is_used_only_intact(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("SCHEMAGEN_CACHE_DIR", str(tmp_path / "cache"))
    spec = _spec(tmp_path / "specs")
    given = memo.inputs([spec], 88, None)
    assert given is not None
    outputs = generate([spec])
    memo.store(given, [spec], outputs)
    assert memo.recall(given, [spec]) == outputs
    (entry,) = (tmp_path / "cache" / "outputs").glob("*.bin")
    data = entry.read_bytes()
    for altered in (data[:-1] + bytes([data[-1] ^ 1]), data[:-1], data + b"x", data.replace(b"shop", b"shoq")):
        entry.write_bytes(altered)
        assert memo.recall(given, [spec]) is None
    entry.write_bytes(data)
    entry.rename(entry.with_name("0" * 64 + ".bin"))  # held under another key
    assert memo.recall(memo.Inputs("0" * 64, given.spec_sha256), [spec]) is None


def test_outputs_of_other_spec_bytes_are_not_kept(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    # the spec saved again between reading it for the key and generating: the outputs are of the new
    # bytes, and kept under the old bytes' key they would be wrong for them
    monkeypatch.setenv("SCHEMAGEN_CACHE_DIR", str(tmp_path / "cache"))
    spec = _spec(tmp_path / "specs")
    given = memo.inputs([spec], 88, None)
    assert given is not None
    spec.write_text(spec.read_text("utf-8").replace("length: 120", "length: 121", 1), "utf-8")
    memo.store(given, [spec], generate([spec]))
    assert memo.recall(given, [spec]) is None


def test_only_the_most_recently_used_entries_are_kept(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("SCHEMAGEN_CACHE_DIR", str(tmp_path / "cache"))
    spec = _spec(tmp_path / "specs", tables=1)
    outputs = generate([spec])
    given = memo.inputs([spec], 88, None)
    assert given is not None
    keys = [f"{number:064x}" for number in range(memo.KEEP + 2)]
    for key in keys:
        memo.store(memo.Inputs(key, given.spec_sha256), [spec], outputs)
        time.sleep(0.02)  # distinct modification times
    assert memo.recall(memo.Inputs(keys[2], given.spec_sha256), [spec]) == outputs  # used again: kept
    memo.store(given, [spec], outputs)
    kept = {path.stem for path in (tmp_path / "cache" / "outputs").glob("*.bin")}
    assert kept == {given.key, keys[2], keys[-1]}
