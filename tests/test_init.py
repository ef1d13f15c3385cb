"""`schemagen init` and the guide (docs/guide.md): an empty folder becomes a project whose starter
spec builds, passes `check`, and whose package works as the guide shows."""

from __future__ import annotations

import json
import re
import subprocess
import sys
from pathlib import Path

import jsonschema

from schemagen.spec.load import load_spec
from tests.helpers import ROOT, digest, run_cli

GUIDE = ROOT / "docs" / "guide.md"


def test_init_in_an_empty_folder_then_build_check_and_the_guides_code(tmp_path: Path) -> None:
    first = run_cli("init", cwd=tmp_path)
    assert first.returncode == 0, first.stderr
    assert first.stdout.splitlines()[:3] == [
        "wrote specs/app.yaml, a starter spec", "added [tool.schemagen] to pyproject.toml",
        "wrote schemagen.schema.json (the spec language, for your editor)"]
    assert (tmp_path / "pyproject.toml").read_text() == (
        '[tool.schemagen]\n# schemagen\'s spec files or folders and the folder it generates into\n'
        'specs = ["specs"]\nout = "generated"\n')
    before = digest(tmp_path)
    again = run_cli("init", cwd=tmp_path)
    assert again.returncode == 0 and again.stdout.startswith("nothing to do"), again.stdout
    assert digest(tmp_path) == before

    starter = tmp_path / "specs" / "app.yaml"
    text = starter.read_text()
    assert text.startswith("# yaml-language-server: $schema=../schemagen.schema.json\n")
    for feature in ("type: enum", "schema: Address", "array: true", "references: customers.id", "{many: orders}"):
        assert feature in text
    schema = json.loads((tmp_path / "schemagen.schema.json").read_text())
    jsonschema.validate(load_spec(starter).data, schema)

    assert run_cli("build", cwd=tmp_path).returncode == 0
    checked = run_cli("check", cwd=tmp_path)
    assert checked.returncode == 0 and "up to date" in checked.stdout

    code = re.search(r"`use.py`, next to `specs/`:\n\n```python\n(.*?)```", GUIDE.read_text(), re.S)
    assert code is not None
    (tmp_path / "use.py").write_text(code.group(1))
    used = subprocess.run([sys.executable, "use.py"], cwd=tmp_path, capture_output=True, text=True, timeout=120)
    assert used.returncode == 0, used.stderr
    shown = used.stdout.splitlines()
    assert json.loads(shown[0])["address"] == {"street": "1 Analytical Way", "city": "London", "postcode": "N1"}
    assert shown[1] == "London [<OrderStatus.PENDING: 'pending'>]"


EXISTING = """\
# The project's own file: its comments and layout must survive.
[project]
name = "shop"   # keep this comment
dependencies = [
    "sqlalchemy",  # odd indent kept
]

[tool.black]
line-length = 79

[build-system]
requires = ["hatchling"]
"""


def test_init_adds_its_table_to_an_existing_pyproject_and_changes_nothing_else(tmp_path: Path) -> None:
    (tmp_path / "pyproject.toml").write_text(EXISTING)
    (tmp_path / "specs").mkdir()
    (tmp_path / "specs" / "mine.yaml").write_text("tables: {t: {columns: {id: {type: serial, primary_key: true}}}}\n")
    result = run_cli("init", cwd=tmp_path)
    assert result.returncode == 0, result.stderr
    assert "starter" not in result.stdout  # specs/ already holds a spec: it is left alone
    assert sorted(p.name for p in (tmp_path / "specs").iterdir()) == ["mine.yaml"]
    block = ('[tool.schemagen]\n# schemagen\'s spec files or folders and the folder it generates into\n'
             'specs = ["specs"]\nout = "generated"\n\n')
    assert (tmp_path / "pyproject.toml").read_text() == EXISTING.replace("[build-system]", block + "[build-system]")
    assert run_cli("init", cwd=tmp_path).stdout.startswith("nothing to do")


def test_init_leaves_configured_settings_and_refuses_broken_toml(tmp_path: Path) -> None:
    configured = '[tool.schemagen]\nspecs = ["db/schema"]  # mine\nout = "src/db"\n'
    (tmp_path / "pyproject.toml").write_text(configured)
    result = run_cli("init", "--package", "shop", cwd=tmp_path)
    assert result.returncode == 0 and result.stdout.startswith("wrote db/schema/shop.yaml, a starter spec")
    assert (tmp_path / "pyproject.toml").read_text() == configured
    starter = (tmp_path / "db" / "schema" / "shop.yaml").read_text()
    assert starter.startswith("# yaml-language-server: $schema=../../schemagen.schema.json\n")
    assert "\npackage: shop\n" in starter
    assert run_cli("build", cwd=tmp_path).returncode == 0 and (tmp_path / "src" / "db" / "shop" / "models.py").is_file()
    (tmp_path / "pyproject.toml").write_text("[tool.schemagen\n")
    broken = run_cli("init", "--package", "shop", cwd=tmp_path)
    assert broken.returncode == 3 and "pyproject.toml is not valid TOML" in broken.stderr
    assert "Traceback" not in broken.stderr
    assert run_cli("init", "--package", "not-a-name", cwd=tmp_path).returncode == 3
