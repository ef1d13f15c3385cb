"""`typescript = true` and `erd = true` in `[tool.schemagen]`: the opt-ins for every spec of a project.

A spec's own `typescript:`/`erd:` key wins where given. The project's values are inputs of the output,
recorded in each manifest (only when the project sets any), so `check` reports a tree built under other
values as stale instead of proving it fresh from the manifests.
"""

from __future__ import annotations

import json
from pathlib import Path

from tests.helpers import GOLDEN, run_cli

PACKAGE = "golden_minimal"


def _project(tmp_path: Path, pyproject: str, spec_extra: str = "") -> Path:
    (tmp_path / "specs").mkdir()
    spec = (GOLDEN / "minimal" / "spec.yaml").read_text("utf-8")
    (tmp_path / "specs" / "shop.yaml").write_text(spec + spec_extra, "utf-8")
    (tmp_path / "pyproject.toml").write_text(pyproject, "utf-8")
    return tmp_path


def _built(project: Path) -> set[str]:
    result = run_cli("build", cwd=project)
    assert result.returncode == 0, result.stdout + result.stderr
    return {path.name for path in (project / "generated" / PACKAGE).iterdir()}


def test_the_project_turns_typescript_and_erd_on(tmp_path: Path) -> None:
    project = _project(tmp_path, "[tool.schemagen]\ntypescript = true\nerd = true\n")
    files = _built(project)
    assert {"types.ts", "schemas.json", "ERD.md"} <= files
    assert "export interface NoteSelect" in (project / "generated" / PACKAGE / "types.ts").read_text("utf-8")
    manifest = json.loads((project / "generated" / PACKAGE / ".schemagen.json").read_text("utf-8"))
    assert manifest["project_options"] == {"erd": True, "typescript": True}
    assert {"types.ts", "schemas.json", "ERD.md"} <= set(manifest["files"])
    assert run_cli("check", cwd=project).returncode == 0


def test_without_the_opt_ins_nothing_extra_is_written_and_the_manifest_is_unchanged(tmp_path: Path) -> None:
    project = _project(tmp_path, "[tool.schemagen]\nout = \"generated\"\n")
    files = _built(project)
    assert not {"types.ts", "schemas.json", "ERD.md"} & files
    manifest = json.loads((project / "generated" / PACKAGE / ".schemagen.json").read_text("utf-8"))
    assert "project_options" not in manifest


def test_the_spec_key_wins(tmp_path: Path) -> None:
    project = _project(tmp_path, "[tool.schemagen]\ntypescript = true\nerd = false\n",
                       spec_extra="typescript: false\nerd: true\n")
    files = _built(project)
    assert "ERD.md" in files
    assert not {"types.ts", "schemas.json"} & files


def test_changing_an_opt_in_makes_the_tree_stale(tmp_path: Path) -> None:
    project = _project(tmp_path, "[tool.schemagen]\nerd = false\n")
    assert "ERD.md" not in _built(project)
    assert run_cli("check", cwd=project).returncode == 0
    (project / "pyproject.toml").write_text("[tool.schemagen]\nerd = true\n", "utf-8")
    stale = run_cli("check", cwd=project)
    assert stale.returncode == 1, stale.stdout + stale.stderr
    assert "ERD.md" in _built(project)
    assert run_cli("check", cwd=project).returncode == 0


def test_a_bad_opt_in_is_a_clear_error(tmp_path: Path) -> None:
    project = _project(tmp_path, "[tool.schemagen]\ntypescript = \"yes\"\n")
    result = run_cli("build", cwd=project)
    assert result.returncode == 2
    assert "[tool.schemagen] typescript must be true or false, not 'yes'" in result.stderr
