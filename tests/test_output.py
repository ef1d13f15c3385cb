"""What the commands print: --version, --quiet, --verbose, the build summary, and colour only on a
terminal (never with NO_COLOR, never in CI)."""

from __future__ import annotations

import os
import pty
import re
import subprocess
import sys
from pathlib import Path

import pytest

import schemagen
from tests.helpers import SHOP_SPEC, run_cli

ANSI = re.compile(r"\x1b\[[0-9;]*m")


@pytest.fixture
def project(tmp_path: Path) -> Path:
    (tmp_path / "specs").mkdir()
    (tmp_path / "specs" / "shop.yaml").write_text(SHOP_SPEC)
    return tmp_path


def _stale(project: Path) -> None:
    spec = project / "specs" / "shop.yaml"
    spec.write_text(spec.read_text().replace("      status:", "      note: text\n      status:"))


def test_version() -> None:
    result = run_cli("--version")
    assert (result.returncode, result.stdout) == (0, f"schemagen {schemagen.__version__}\n")


def test_build_ends_with_a_one_line_summary(project: Path) -> None:
    result = run_cli("build", cwd=project)
    last = result.stdout.splitlines()[-1]
    assert re.fullmatch(r"built 1 package \(shop\), 1 table: 8 written, 0 unchanged, 0 removed in \d+\.\d\d s", last)
    again = run_cli("build", cwd=project).stdout
    assert re.fullmatch(r"built 1 package \(shop\): 0 written, 8 unchanged, 0 removed in \d+\.\d\d s \(the "
                        r"manifests show the inputs and outputs unchanged\)\n", again)


def test_quiet_prints_only_what_went_wrong(project: Path) -> None:
    built = run_cli("--quiet", "build", cwd=project)
    assert (built.returncode, built.stdout, built.stderr) == (0, "", "")
    assert run_cli("-q", "check", cwd=project).stdout == ""
    _stale(project)
    stale = run_cli("-q", "check", cwd=project)
    assert stale.returncode == 1 and "+    note: Mapped[str | None]" in stale.stdout
    assert "out of date" in stale.stderr
    (project / "specs" / "shop.yaml").write_text("tables: {t: {columns: {id: {type: seriall}}}}\n")
    broken = run_cli("-q", "build", cwd=project)
    assert broken.returncode == 2 and "error: " in broken.stderr and "did you mean `serial`" in broken.stderr


def test_verbose_lists_settings_and_unchanged_files(project: Path) -> None:
    assert run_cli("build", cwd=project).returncode == 0
    _stale(project)
    result = run_cli("--verbose", "build", cwd=project)
    lines = result.stdout.splitlines()
    assert lines[0] == "specs: specs; output: generated"
    assert "wrote generated/shop/models.py" in lines and "unchanged generated/shop/types.py" in lines
    both = run_cli("-q", "-v", "build", cwd=project)
    assert both.returncode == 2 and "contradict" in both.stderr


def test_quiet_and_verbose_also_after_the_command(project: Path) -> None:
    """`schemagen build -q` and `schemagen check --verbose` work as `schemagen -q build` does."""
    built = run_cli("build", "--quiet", cwd=project)
    assert (built.returncode, built.stdout, built.stderr) == (0, "", "")
    _stale(project)
    verbose = run_cli("build", "-v", cwd=project)
    assert verbose.stdout.splitlines()[0] == "specs: specs; output: generated"
    assert "unchanged generated/shop/types.py" in verbose.stdout.splitlines()
    assert run_cli("check", "-q", cwd=project).stdout == ""
    both = run_cli("check", "-q", "--verbose", cwd=project)
    assert both.returncode == 2 and "contradict" in both.stderr


def _on_a_terminal(args: list[str], cwd: Path, env: dict[str, str]) -> str:
    """What a command prints to a terminal (a pseudo-terminal for stdout and stderr)."""
    main, secondary = pty.openpty()
    process = subprocess.Popen([sys.executable, "-m", "schemagen", *args], cwd=cwd, env=env, stdout=secondary,
                               stderr=secondary, stdin=subprocess.DEVNULL)
    os.close(secondary)
    chunks = []
    while True:
        try:
            chunk = os.read(main, 65536)
        except OSError:  # EIO: the command closed the terminal
            break
        if not chunk:
            break
        chunks.append(chunk)
    os.close(main)
    process.wait(timeout=120)
    return b"".join(chunks).decode()


def test_colour_only_on_a_terminal_and_never_with_no_color_or_in_ci(project: Path) -> None:
    plain = {key: value for key, value in os.environ.items() if key not in ("CI", "NO_COLOR")}
    assert run_cli("build", cwd=project).returncode == 0
    _stale(project)
    coloured = _on_a_terminal(["check"], project, plain)
    assert "\x1b[32m+    note: Mapped[str | None]" in coloured  # the diff's added line in green
    assert ANSI.search(coloured.split("out of date")[0].splitlines()[-1])  # and the verdict in colour
    for extra in ({"NO_COLOR": "1"}, {"CI": "true"}):
        text = _on_a_terminal(["check"], project, {**plain, **extra})
        assert "+    note: Mapped[str | None]" in text and not ANSI.search(text), extra
    piped = run_cli("check", cwd=project, env={"CI": "", "NO_COLOR": ""})
    assert not ANSI.search(piped.stdout + piped.stderr)
    (project / "specs" / "shop.yaml").write_text("tables: {t: {columns: {id: {type: seriall}}}}\n")
    error = _on_a_terminal(["build"], project, plain)
    assert "\x1b[31m\x1b[1merror\x1b[0m: unknown column type" in error
