"""The command line: build, check and validate, as a user and a CI step run them."""

from __future__ import annotations

import shutil
import zipfile
import subprocess
import sys
from pathlib import Path

import pytest

from tests.helpers import SHOP_SPEC, ROOT, digest, run_cli, tree

SMALL_SPEC = SHOP_SPEC


@pytest.fixture
def project(tmp_path: Path) -> Path:
    """A user project: specs/shop.yaml and an empty generated/."""
    (tmp_path / "specs").mkdir()
    (tmp_path / "specs" / "shop.yaml").write_text(SMALL_SPEC)
    return tmp_path


def test_check_passes_on_this_repository() -> None:
    result = run_cli("check")
    assert result.returncode == 0, result.stdout + result.stderr
    assert "up to date" in result.stdout


def test_check_fails_after_a_spec_edit_with_a_diff_and_the_fix(tmp_path: Path) -> None:
    shutil.copytree(ROOT / "specs", tmp_path / "specs")
    shutil.copytree(ROOT / "generated", tmp_path / "generated")
    assert run_cli("check", cwd=tmp_path).returncode == 0
    spec = tmp_path / "specs" / "life_ceo.yaml"
    spec.write_text(spec.read_text().replace(
        "      bio: {type: text", "      nickname: {type: varchar, length: 30}\n      bio: {type: text", 1))
    result = run_cli("check", cwd=tmp_path)
    assert result.returncode == 1
    assert "+    nickname: Mapped[str | None] = mapped_column(String(30))" in result.stdout
    assert "Run `schemagen build`" in result.stderr
    assert run_cli("build", cwd=tmp_path).returncode == 0
    assert run_cli("check", cwd=tmp_path).returncode == 0


def test_build_writes_packages_and_a_second_build_changes_nothing(project: Path) -> None:
    first = run_cli("build", cwd=project)
    assert first.returncode == 0, first.stderr
    files = sorted(tree(project / "generated"))
    assert files == ["shop/.schemagen.json", "shop/__init__.py", "shop/enums.py", "shop/models.py", "shop/py.typed",
                     "shop/relations.py", "shop/schemas.py", "shop/types.py"]
    before = digest(project / "generated")
    second = run_cli("build", cwd=project)
    assert "0 written, 8 unchanged" in second.stdout
    assert digest(project / "generated") == before


def test_a_spec_error_names_file_line_column_and_writes_nothing(project: Path) -> None:
    assert run_cli("build", cwd=project).returncode == 0
    (project / "generated" / "shop" / "my_notes.txt").write_text("mine")
    before = digest(project / "generated")
    (project / "specs" / "shop.yaml").write_text(SMALL_SPEC.replace("type: varchar", "type: varchr"))
    result = run_cli("build", cwd=project)
    assert result.returncode == 2
    assert "specs/shop.yaml:8:20: error: unknown column type `varchr` in column `name` of table `items` " \
           "— did you mean `varchar`?" in result.stderr
    assert "hint: allowed: `serial`" in result.stderr
    assert "Traceback" not in result.stderr + result.stdout
    assert digest(project / "generated") == before


def test_an_error_in_the_second_spec_leaves_the_first_package_unwritten(project: Path) -> None:
    (project / "specs" / "zz_broken.yaml").write_text(
        "tables:\n  t:\n    columns:\n      id: {type: serial, primary_key: true}\n"
        "      owner: {type: integer, references: nowhere.id}\n")
    result = run_cli("build", cwd=project)
    assert result.returncode == 2
    assert "zz_broken.yaml:5:42: error: `references` names the unknown table `nowhere`" in result.stderr
    assert not (project / "generated").exists()


def test_stale_files_are_removed_but_foreign_files_are_kept(project: Path) -> None:
    assert run_cli("build", cwd=project).returncode == 0
    (project / "generated" / "shop" / "README.txt").write_text("notes the user keeps here")
    spec = SMALL_SPEC.replace("enums:\n  Status: [new, done]\n", "").replace(
        "      status: {type: enum, enum: Status, default: new}\n", "")
    (project / "specs" / "shop.yaml").write_text(spec)
    stale = run_cli("check", cwd=project)
    assert stale.returncode == 1 and "stale:" in stale.stdout and "types.py" in stale.stdout
    result = run_cli("build", cwd=project)
    assert result.returncode == 0, result.stderr
    assert "removed" in result.stdout
    assert not (project / "generated" / "shop" / "types.py").exists()
    assert not (project / "generated" / "shop" / "enums.py").exists()
    assert (project / "generated" / "shop" / "README.txt").read_text() == "notes the user keeps here"
    assert run_cli("check", cwd=project).returncode == 0


def test_a_file_schemagen_did_not_write_is_never_overwritten(project: Path) -> None:
    own = project / "generated" / "shop" / "models.py"
    own.parent.mkdir(parents=True)
    own.write_text("# my own models\n")
    result = run_cli("build", cwd=project)
    assert result.returncode == 3
    assert "not written by schemagen" in result.stderr and "models.py" in result.stderr
    assert own.read_text() == "# my own models\n"
    assert sorted(tree(project / "generated")) == ["shop/models.py"]


def test_validate_reports_errors_only(project: Path) -> None:
    ok = run_cli("validate", "specs", cwd=project)
    assert ok.returncode == 0 and "1 spec(s) valid" in ok.stdout
    assert not (project / "generated").exists()
    (project / "specs" / "shop.yaml").write_text(SMALL_SPEC + "    relatons: {}\n")
    bad = run_cli("validate", "specs", cwd=project)
    assert bad.returncode == 2
    assert "error: unknown key `relatons` in table `items` — did you mean `relations`?" in bad.stderr


def test_settings_come_from_pyproject(project: Path) -> None:
    (project / "schema").mkdir()
    (project / "specs" / "shop.yaml").rename(project / "schema" / "shop.yaml")
    (project / "pyproject.toml").write_text('[tool.schemagen]\nspecs = ["schema"]\nout = "src/models"\n')
    result = run_cli("build", cwd=project)
    assert result.returncode == 0, result.stderr
    assert (project / "src" / "models" / "shop" / "models.py").is_file()
    assert run_cli("check", cwd=project).returncode == 0


def test_a_pyproject_whose_tool_is_no_table_holds_no_settings(project: Path) -> None:
    (project / "pyproject.toml").write_text("tool = 1\n")  # (was a traceback: 'int' object has no attribute 'get')
    result = run_cli("build", cwd=project)
    assert result.returncode == 0 and "Traceback" not in result.stderr, result.stderr
    assert (project / "generated" / "shop" / "models.py").is_file()


def test_missing_spec_folder_is_a_clear_error(tmp_path: Path) -> None:
    result = run_cli("build", "nowhere", cwd=tmp_path)
    assert result.returncode == 2
    assert "no such spec file or folder: nowhere" in result.stderr


def test_of_the_users_black_settings_only_the_line_length_is_taken(project: Path) -> None:
    assert run_cli("build", cwd=project).returncode == 0
    before = digest(project / "generated")
    (project / "pyproject.toml").write_text("[tool.black]\nskip-string-normalization = true\n"
                                            "target-version = ['py38']\n")
    assert run_cli("check", cwd=project).returncode == 0
    assert digest(project / "generated") == before
    # the line length is an input of the output: another one makes generated/ stale
    (project / "pyproject.toml").write_text("[tool.black]\nline-length = 100\nskip-string-normalization = true\n")
    assert run_cli("check", cwd=project).returncode != 0


def test_wheel_ships_the_templates_and_works_outside_the_repo(tmp_path: Path) -> None:
    wheel_dir = tmp_path / "wheel"
    built = subprocess.run(
        [sys.executable, "-m", "pip", "wheel", "--no-deps", "--no-build-isolation", "-q", "-w", str(wheel_dir),
         str(ROOT)], capture_output=True, text=True, timeout=300,
    )
    if built.returncode != 0 and "hatchling" in built.stderr:
        built = subprocess.run(
            [sys.executable, "-m", "pip", "wheel", "--no-deps", "-q", "-w", str(wheel_dir), str(ROOT)],
            capture_output=True, text=True, timeout=300,
        )
    assert built.returncode == 0, built.stderr
    (wheel,) = wheel_dir.glob("schemagen-*.whl")
    unpacked = tmp_path / "site"
    with zipfile.ZipFile(wheel) as archive:
        archive.extractall(unpacked)
    assert (unpacked / "schemagen" / "templates" / "models.py.jinja").is_file()
    user = tmp_path / "user"
    (user / "specs").mkdir(parents=True)
    (user / "specs" / "shop.yaml").write_text(SMALL_SPEC)
    result = subprocess.run([sys.executable, "-m", "schemagen", "build"], cwd=user, capture_output=True,
                            text=True, env={"PYTHONPATH": str(unpacked), "PATH": "/usr/bin:/bin"}, timeout=300)
    assert result.returncode == 0, result.stderr
    assert (user / "generated" / "shop" / "models.py").is_file()
