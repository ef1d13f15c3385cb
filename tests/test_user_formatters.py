"""Generated code passes the user's own checks, at the user's line length (issue 11).

The emitter lays the code out itself (`format/layout.py` and the templates); black and ruff, pinned in
the dev extras, only verify: every generated file is unchanged by `black --check` and by
`ruff format --check` at the line length it was built for, and passes `ruff check --select I,F,UP`
on ruff's default settings. The checked-in trees (generated/ and every golden case) are built at 88,
black's default; every spec is also built at 100 and 120 here, and a realistic workload at both.
The line length comes from the project's pyproject.toml and is an input of the output: changing it
makes `check` report the tree stale.
"""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import pytest

from schemagen.format.style import DEFAULT_LINE_LENGTH, TARGET
from schemagen.pipeline import generate
from tests.helpers import GOLDEN, GOLDEN_CASES, ROOT, generated_python_dirs, run_cli

sys.path.insert(0, str(ROOT / "bench"))
from realistic import make_spec  # noqa: E402

BIN = Path(sys.executable).parent
SPECS = [ROOT / "specs" / "life_ceo.yaml", *(GOLDEN / case / "spec.yaml" for case in GOLDEN_CASES)]


def _formatters_pass(folders: list[Path], line_length: int) -> None:
    paths = [str(folder) for folder in folders]
    black = subprocess.run([sys.executable, "-m", "black", "--check", "--diff", "--quiet", f"--line-length={line_length}",
                            f"--target-version={TARGET}", *paths], capture_output=True, text=True, timeout=600)
    assert black.returncode == 0, black.stdout[-5000:] + black.stderr
    ruff_format = subprocess.run([str(BIN / "ruff"), "format", "--check", "--isolated", "--diff",
                                  f"--line-length={line_length}", f"--target-version={TARGET}", *paths],
                                 capture_output=True, text=True, timeout=600)
    assert ruff_format.returncode == 0, ruff_format.stdout + ruff_format.stderr
    # at the project's line length, as the project's ruff is configured (isort wraps imports at it)
    ruff_check = subprocess.run([str(BIN / "ruff"), "check", "--isolated", "--no-cache", "--select", "I,F,UP",
                                 f"--line-length={line_length}", f"--target-version={TARGET}", *paths],
                                capture_output=True, text=True, timeout=600)
    assert ruff_check.returncode == 0, ruff_check.stdout + ruff_check.stderr


def test_checked_in_trees_pass_black_and_ruff_at_the_default_line_length() -> None:
    _formatters_pass(generated_python_dirs(), DEFAULT_LINE_LENGTH)


def _build_all(tmp_path: Path, line_length: int, specs: list[Path]) -> Path:
    out = tmp_path / f"out{line_length}"
    for index, spec in enumerate(specs):
        for output in generate([spec], line_length=line_length):
            for path, data in output.files.items():
                target = out / str(index) / path
                target.parent.mkdir(parents=True, exist_ok=True)
                target.write_bytes(data)
    return out


@pytest.mark.parametrize("line_length", [79, 100, 120])
def test_every_spec_passes_black_and_ruff_at_other_line_lengths(tmp_path: Path, line_length: int) -> None:
    realistic = tmp_path / "real.yaml"
    realistic.write_text(make_spec(40), "utf-8")
    _formatters_pass([_build_all(tmp_path, line_length, [*SPECS, realistic])], line_length)


def _project(tmp_path: Path, pyproject: str) -> Path:
    (tmp_path / "specs").mkdir()
    (tmp_path / "specs" / "shop.yaml").write_bytes((GOLDEN / "minimal" / "spec.yaml").read_bytes())
    (tmp_path / "pyproject.toml").write_text(pyproject, "utf-8")
    return tmp_path


@pytest.mark.parametrize(("pyproject", "expected"), [
    ("[project]\nname = 'x'\n", 88),
    ("[tool.ruff]\nline-length = 100\n", 100),
    ("[tool.black]\nline-length = 79\n\n[tool.ruff]\nline-length = 100\n", 79),
    ("[tool.black]\nline-length = 79\n\n[tool.schemagen]\nline-length = 120\n", 120),
])
def test_the_line_length_comes_from_the_project(tmp_path: Path, pyproject: str, expected: int) -> None:
    project = _project(tmp_path, pyproject)
    result = run_cli("build", cwd=project)
    assert result.returncode == 0, result.stdout + result.stderr
    manifest = (project / "generated" / "golden_minimal" / ".schemagen.json").read_text("utf-8")
    assert f'"line_length": {expected}' in manifest
    _formatters_pass([project / "generated"], expected)


def test_a_changed_line_length_makes_the_tree_stale(tmp_path: Path) -> None:
    project = _project(tmp_path, "[tool.black]\nline-length = 120\n")
    assert run_cli("build", cwd=project).returncode == 0
    assert run_cli("check", cwd=project).returncode == 0
    (project / "pyproject.toml").write_text("[tool.black]\nline-length = 79\n", "utf-8")
    result = run_cli("check", cwd=project)
    assert result.returncode == 1, result.stdout + result.stderr
    assert run_cli("build", cwd=project).returncode == 0
    assert run_cli("check", cwd=project).returncode == 0


def test_a_bad_line_length_is_a_clear_error(tmp_path: Path) -> None:
    project = _project(tmp_path, "[tool.schemagen]\nline-length = \"wide\"\n")
    result = run_cli("build", cwd=project)
    assert result.returncode == 2
    assert "[tool.schemagen] line-length must be a whole number" in result.stderr
