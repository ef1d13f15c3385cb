"""schemagen's pre-commit hooks (.pre-commit-hooks.yaml), run by the real `pre-commit`.

The hook repository is a copy of this checkout's installable files, committed in a temporary git
repository (pre-commit clones a repository at a commit); its environment is installed from that copy
by each `try-repo` (which always installs afresh) and once for the installed hooks (dependencies from
the package index, as pre-commit always does): about a minute."""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

from tests.helpers import ROOT, SHOP_SPEC, run_cli

GIT_ENV = {"GIT_AUTHOR_NAME": "test", "GIT_AUTHOR_EMAIL": "test@example.com", "GIT_COMMITTER_NAME": "test",
           "GIT_COMMITTER_EMAIL": "test@example.com", "GIT_CONFIG_GLOBAL": os.devnull, "GIT_CONFIG_NOSYSTEM": "1"}


def _run(*args: str, cwd: Path, home: Path) -> subprocess.CompletedProcess[str]:
    env = {**os.environ, **GIT_ENV, "PRE_COMMIT_HOME": str(home), "NO_COLOR": "1"}
    return subprocess.run(list(args), cwd=cwd, env=env, capture_output=True, text=True, timeout=600)


@pytest.fixture(scope="module")
def hooks(tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, Path, str]:
    """(the hook repository, pre-commit's home, the commit hooks are taken from)."""
    base = tmp_path_factory.mktemp("precommit")
    repo, home = base / "schemagen-hooks", base / "home"
    repo.mkdir()
    for name in ("pyproject.toml", "README.md", ".pre-commit-hooks.yaml"):
        shutil.copy(ROOT / name, repo / name)
    for name in ("schemagen", "templates"):
        shutil.copytree(ROOT / name, repo / name, ignore=shutil.ignore_patterns("__pycache__"))
    for command in (["git", "init", "-q"], ["git", "add", "-A"], ["git", "commit", "-qm", "hooks"]):
        assert _run(*command, cwd=repo, home=home).returncode == 0
    rev = _run("git", "rev-parse", "HEAD", cwd=repo, home=home).stdout.strip()
    return repo, home, rev


@pytest.fixture
def project(tmp_path: Path, hooks: tuple[Path, Path, str]) -> Path:
    """A user's git repository: a spec and its freshly built package, committed."""
    repo, home, rev = hooks
    (tmp_path / "specs").mkdir()
    (tmp_path / "specs" / "shop.yaml").write_text(SHOP_SPEC)
    assert run_cli("build", cwd=tmp_path).returncode == 0
    # the path as try-repo writes it, so that both use the one installed environment
    (tmp_path / ".pre-commit-config.yaml").write_text(
        f"repos:\n- repo: {os.path.relpath(repo, tmp_path)}\n  rev: {rev}\n  hooks:\n  - id: schemagen-check\n"
        "  - id: schemagen-build\n    stages: [manual]\n")
    for command in (["git", "init", "-q"], ["git", "add", "-A"], ["git", "commit", "-qm", "start"]):
        assert _run(*command, cwd=tmp_path, home=home).returncode == 0
    return tmp_path


def _edit_spec(project: Path) -> None:
    spec = project / "specs" / "shop.yaml"
    spec.write_text(spec.read_text().replace("      status:", "      note: {type: varchar, length: 30}\n      status:"))


def test_try_repo_check_passes_a_fresh_tree_and_fails_a_stale_one_with_the_diff(
        project: Path, hooks: tuple[Path, Path, str]) -> None:
    repo, home, _ = hooks
    fresh = _run(sys.executable, "-m", "pre_commit", "try-repo", str(repo), "schemagen-check", "--all-files",
                 cwd=project, home=home)
    assert fresh.returncode == 0, fresh.stdout + fresh.stderr
    assert "schemagen check" in fresh.stdout and "Passed" in fresh.stdout
    _edit_spec(project)
    stale = _run(sys.executable, "-m", "pre_commit", "try-repo", str(repo), "schemagen-check", "--all-files",
                 cwd=project, home=home)
    assert stale.returncode == 1 and "Failed" in stale.stdout
    assert "+    note: Mapped[str | None] = mapped_column(String(30))" in stale.stdout
    assert "Run `schemagen build` to update." in stale.stdout


def test_the_installed_hook_stops_a_stale_commit_and_build_fixes_it(
        project: Path, hooks: tuple[Path, Path, str]) -> None:
    _, home, _ = hooks
    assert _run(sys.executable, "-m", "pre_commit", "install", cwd=project, home=home).returncode == 0
    _edit_spec(project)
    assert _run("git", "add", "-A", cwd=project, home=home).returncode == 0
    refused = _run("git", "commit", "-m", "add a note", cwd=project, home=home)
    assert refused.returncode != 0, refused.stdout
    assert "+    note: Mapped[str | None]" in refused.stdout + refused.stderr
    # schemagen-build rewrites the package; pre-commit fails the run because files changed, once
    built = _run(sys.executable, "-m", "pre_commit", "run", "schemagen-build", "--all-files",
                 "--hook-stage", "manual", cwd=project, home=home)
    assert built.returncode == 1 and "files were modified by this hook" in built.stdout, built.stdout
    assert "wrote generated/shop/models.py" in built.stdout
    assert _run("git", "add", "-A", cwd=project, home=home).returncode == 0
    committed = _run("git", "commit", "-m", "add a note", cwd=project, home=home)
    assert committed.returncode == 0, committed.stdout + committed.stderr
    assert "schemagen check" in committed.stderr and "Passed" in committed.stderr
