"""A failed or interrupted build leaves the output folder exactly as it was; concurrent builds never mix.

Faults are injected at each stage: a spec error, a formatter crash, a failure while staging files, a
failure while renaming them into place, and SIGKILL in the middle of the renames.
"""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import textwrap
from pathlib import Path

import pytest
from typer.testing import CliRunner

from schemagen.cli import app
from tests.helpers import SHOP_SPEC, ROOT, digest, run_cli, tree

SPEC_V1 = SHOP_SPEC
SPEC_V2 = SPEC_V1.replace("length: 40", "length: 80") + """\
  baskets:
    columns:
      id: {type: serial, primary_key: true}
      label: text
"""
OTHER_SPEC = "package: other\ntables:\n  things:\n    columns:\n      id: {type: serial, primary_key: true}\n"


@pytest.fixture
def built(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    """A project built from SPEC_V1 (plus a second package), whose spec now says SPEC_V2."""
    (tmp_path / "specs").mkdir()
    (tmp_path / "specs" / "shop.yaml").write_text(SPEC_V1)
    (tmp_path / "specs" / "other.yaml").write_text(OTHER_SPEC)
    assert run_cli("build", cwd=tmp_path).returncode == 0
    (tmp_path / "generated" / "shop" / "NOTES.md").write_text("the user's own notes")
    (tmp_path / "specs" / "shop.yaml").write_text(SPEC_V2)
    monkeypatch.chdir(tmp_path)
    return tmp_path


def _build_in_process() -> tuple[int, str]:
    result = CliRunner().invoke(app, ["build"])
    return result.exit_code, result.output


def _no_leftovers(folder: Path) -> None:
    names = [p.name for p in folder.rglob("*")]
    assert not [n for n in names if n.endswith((".new", ".old")) or n == ".schemagen-journal.json"], names


def test_a_spec_error_in_the_second_spec_changes_nothing(built: Path) -> None:
    before = digest(built / "generated")
    (built / "specs" / "zz.yaml").write_text("tables:\n  t:\n    columns:\n      id: {type: nope}\n")
    code, output = _build_in_process()
    assert code == 2 and "unknown column type `nope`" in output
    assert digest(built / "generated") == before


def test_a_formatter_crash_changes_nothing(built: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    from schemagen import format as fmt

    def crashing(pieces: object, **options: object) -> dict[fmt.Piece, str]:
        raise fmt.FormatError("black could not format 3 statement piece(s): injected")

    # Off with the cache, so that black has pieces to format and is reached.
    monkeypatch.setenv("SCHEMAGEN_CACHE_DIR", "")
    monkeypatch.setattr(fmt, "format_pieces", crashing)
    before = digest(built / "generated")
    code, output = _build_in_process()
    assert code == 3 and "injected" in output and "Traceback" not in output
    assert digest(built / "generated") == before


def test_a_failure_while_staging_files_changes_nothing(built: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    import tempfile

    real = tempfile.mkstemp
    calls = {"n": 0}
    generated = built / "generated"

    def failing(*args: object, **kwargs: object) -> tuple[int, str]:
        # counted in the output folder only: the caches (spec parts, renders) stage their files too
        folder = Path(str(kwargs.get("dir", "")))
        if folder == generated or generated in folder.parents:
            calls["n"] += 1
            if calls["n"] == 3:
                raise OSError(28, "No space left on device", "injected")
        return real(*args, **kwargs)  # type: ignore[arg-type]

    monkeypatch.setattr(tempfile, "mkstemp", failing)
    before = digest(built / "generated")
    code, output = _build_in_process()
    assert code == 3 and "No space left on device" in output and "nothing was changed" in output
    assert digest(built / "generated") == before
    _no_leftovers(built / "generated")


def test_a_failure_to_flush_a_staged_file_changes_nothing(built: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    from schemagen.output import write

    real = os.fsync
    generated = os.path.realpath(built / "generated")
    calls = {"n": 0}

    def failing(handle: int) -> None:
        if os.readlink(f"/proc/self/fd/{handle}").startswith(generated + os.sep):  # not the caches' files
            calls["n"] += 1
            if calls["n"] == 3:
                raise OSError(5, "Input/output error")
        real(handle)

    monkeypatch.setattr(write.os, "fsync", failing)
    before = digest(built / "generated")
    code, output = _build_in_process()
    assert code == 3 and "Input/output error" in output and "nothing was changed" in output
    monkeypatch.setattr(write.os, "fsync", real)
    assert digest(built / "generated") == before
    _no_leftovers(built / "generated")


def test_the_staged_files_are_flushed_to_disk_together(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """Each `fsync` waits for the disk: one after the other they took 30-40 ms of a cold build."""
    import threading

    from schemagen.output import write
    from schemagen.output.manifest import MANIFEST, Output
    from schemagen.output.write import JOURNAL

    files = {f"pkg/{name}": name.encode() * 100 for name in ("a.py", "b.py", "c.py", "d.py", MANIFEST)}
    all_waiting = threading.Barrier(len(files), timeout=5)  # broken (an error) unless all are flushed at once
    real = os.fsync
    flushed: list[str] = []

    def waiting(handle: int) -> None:
        name = os.path.basename(os.readlink(f"/proc/self/fd/{handle}"))
        if JOURNAL not in name:  # (the journal is flushed alone, after the files)
            all_waiting.wait()
            flushed.append(name)
        real(handle)

    monkeypatch.setattr(write.os, "fsync", waiting)
    out = tmp_path / "out"
    write.apply(write.plan(out, [Output("pkg", tmp_path / "pkg.yaml", files, 1)]))
    assert len(flushed) == len(files)
    assert {f"pkg/{path.name}": path.read_bytes() for path in (out / "pkg").iterdir()} == files
    assert threading.active_count() == 1
    _no_leftovers(out)


def test_a_build_of_more_files_than_descriptors_allowed_at_once_is_written(tmp_path: Path) -> None:
    """The staged files are flushed together a batch at a time, not all held open: a build of many
    packages under a low open-file limit (macOS's default soft limit is 256) is written as before."""
    script = textwrap.dedent(f"""
        import resource, sys
        from pathlib import Path
        from schemagen.output import write
        from schemagen.output.manifest import Output

        resource.setrlimit(resource.RLIMIT_NOFILE, (64, resource.getrlimit(resource.RLIMIT_NOFILE)[1]))
        out = Path({str(tmp_path / "out")!r})
        outputs = [Output(f"pkg{{n}}", out / f"pkg{{n}}.yaml", {{f"pkg{{n}}/m{{k}}.py": b"x = 1\\n" for k in range(8)}}, 1)
                   for n in range(20)]
        write.apply(write.plan(out, outputs))
        print(sum(1 for path in out.rglob("*.py")))
    """)
    result = subprocess.run([sys.executable, "-c", script], capture_output=True, text=True, cwd=ROOT)
    assert result.returncode == 0, result.stderr
    assert result.stdout.split() == ["160"]
    _no_leftovers(tmp_path / "out")


def test_a_failure_while_renaming_rolls_back(built: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    from schemagen.output import write

    real = os.replace
    calls = {"n": 0}

    def failing(source: object, target: object) -> None:
        if built / "generated" in Path(str(target)).parents:  # not the caches' files
            calls["n"] += 1
            if calls["n"] == 4:  # the journal, then two files, then this one fails
                raise OSError(5, "Input/output error", str(target))
        real(source, target)  # type: ignore[arg-type]

    monkeypatch.setattr(write.os, "replace", failing)
    before = digest(built / "generated")
    code, output = _build_in_process()
    assert code == 3 and "Input/output error" in output
    monkeypatch.setattr(write.os, "replace", real)
    assert digest(built / "generated") == before
    _no_leftovers(built / "generated")


@pytest.mark.parametrize(("module", "function", "kill_at"), [
    ("tempfile", "mkstemp", 3),  # while staging new files
    ("os", "replace", 2),  # right after the journal is in place
    ("os", "replace", 4),  # after two files were renamed
    ("os", "replace", 6),  # on the last file: the manifest
])
def test_sigkill_mid_build_is_rolled_back(built: Path, module: str, function: str, kill_at: int) -> None:
    old = tree(built / "generated")
    new_dir = built / "expected"
    assert run_cli("build", "--out", str(new_dir), cwd=built).returncode == 0
    new = tree(new_dir)
    script = textwrap.dedent(f"""
        import os, signal, sys, tempfile
        real = {module}.{function}
        calls = [0]
        generated = os.path.abspath("generated")
        def dying(*args, **kwargs):
            # counted in the output folder only: the caches (spec parts, renders, catalogs) stage files too
            place = os.path.abspath(str(kwargs.get("dir", "") if "{function}" == "mkstemp" else args[1]))
            if place == generated or place.startswith(generated + os.sep):
                calls[0] += 1
                if calls[0] == {kill_at}:
                    os.kill(os.getpid(), signal.SIGKILL)
            return real(*args, **kwargs)
        {module}.{function} = dying
        sys.argv = ["schemagen", "build"]
        from schemagen.cli import main
        main()
    """)
    killed = subprocess.run([sys.executable, "-c", script], cwd=built, capture_output=True, text=True, timeout=120,
                            env={**os.environ, "PYTHONPATH": str(ROOT)})
    assert killed.returncode == -signal.SIGKILL
    after_kill = tree(built / "generated")
    for name, data in after_kill.items():  # every file is whole: the old one or the new one
        if name.endswith((".new", ".old")) or name.endswith(".schemagen-journal.json"):
            continue
        assert data in (old.get(name), new.get(name)), name
    recovered = run_cli("check", cwd=built)
    if function == "replace":
        assert "rolled back an interrupted build" in recovered.stderr
    assert tree(built / "generated") == old
    assert run_cli("build", cwd=built).returncode == 0
    assert run_cli("check", cwd=built).returncode == 0
    _no_leftovers(built / "generated")


def test_hand_edits_are_reported_by_check_and_replaced_by_build(built: Path) -> None:
    (built / "specs" / "shop.yaml").write_text(SPEC_V1)
    models = built / "generated" / "shop" / "models.py"
    models.write_text(models.read_text() + "\n# my tweak\n")
    checked = run_cli("check", cwd=built)
    assert checked.returncode == 1 and "(edited by hand since schemagen wrote it)" in checked.stdout
    rebuilt = run_cli("build", cwd=built)
    assert rebuilt.returncode == 0
    assert "replaced generated/shop/models.py, which had been edited by hand" in rebuilt.stderr
    assert "# my tweak" not in models.read_text()
    assert (built / "generated" / "shop" / "NOTES.md").read_text() == "the user's own notes"


def test_concurrent_builds_never_mix_packages(built: Path) -> None:
    variants = {}
    for name, spec in (("a", SPEC_V1), ("b", SPEC_V2)):
        folder = built / f"variant_{name}"
        (folder / "specs").mkdir(parents=True)
        (folder / "specs" / "shop.yaml").write_text(spec)
        assert run_cli("build", cwd=folder).returncode == 0
        variants[name] = tree(folder / "generated" / "shop")
    out = built / "shared_out"
    command = [sys.executable, "-m", "schemagen", "build", "--out", str(out)]
    for _ in range(4):
        runs = [subprocess.Popen([*command, str(built / f"variant_{name}" / "specs")], cwd=built,
                                 stdout=subprocess.PIPE, stderr=subprocess.PIPE) for name in ("a", "b", "a", "b")]
        for run in runs:
            run.wait(timeout=120)
            assert run.returncode == 0, run.stderr.read() if run.stderr else ""
        final = tree(out / "shop")
        assert final in (variants["a"], variants["b"])
        _no_leftovers(out)
