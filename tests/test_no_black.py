"""black is no dependency of schemagen (issue 11, "No pin on the user's black").

The emitter lays out what it writes itself (`format/layout.py`, `format/rhs.py`, and templates written
for 79 columns in forms black and ruff keep at any length); black, pinned in the dev extras, only
verifies the output (tests/test_user_formatters.py) and stays an optional fallback for statements
of other shapes than codegen writes. These tests run `schemagen build` in a fresh process with black made unimportable
(`sys.modules["black"] = None`, so any `import black` raises ImportError) and compare the tree with the
checked-in one byte for byte, and check that a cold build does not import black at all.
"""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest

from tests.helpers import GOLDEN, GOLDEN_CASES, ROOT, tree

_BUILD = """
import sys
if {block}:
    sys.modules["black"] = None  # `import black` raises ImportError from here on
sys.argv = ["schemagen", *{args!r}]
from schemagen.cli import main
try:
    main()
    status = 0
except SystemExit as exc:
    status = exc.code or 0
print("black imported" if sys.modules.get("black") is not None else "black not imported")
sys.exit(status)
"""

def _build(spec: Path, out: Path, cwd: Path, *, block: bool) -> subprocess.CompletedProcess[str]:
    code = _BUILD.format(block=block, args=["build", str(spec), "--out", str(out)])
    env = {**os.environ, "SCHEMAGEN_CACHE_DIR": str(cwd / "cache")}  # cold: no format cache
    return subprocess.run([sys.executable, "-c", code], cwd=cwd, env=env, capture_output=True, text=True,
                          timeout=300)


def _cases() -> list[object]:
    cases = [("example", ROOT / "specs" / "life_ceo.yaml", ROOT / "generated"),
             *((case, GOLDEN / case / "spec.yaml", GOLDEN / case / "expected") for case in GOLDEN_CASES)]
    return [pytest.param(spec, expected, id=name) for name, spec, expected in cases]


@pytest.mark.parametrize(("spec", "expected"), _cases())
def test_builds_byte_identical_without_black(tmp_path: Path, spec: Path, expected: Path) -> None:
    result = _build(spec, tmp_path / "out", tmp_path, block=True)
    assert result.returncode == 0, result.stdout + result.stderr
    assert "black not imported" in result.stdout
    built = tree(tmp_path / "out")
    assert built, "nothing was built"
    packages = {path.split("/", 1)[0] for path in built}
    wanted = {path: data for path, data in tree(expected).items() if path.split("/", 1)[0] in packages}
    assert built == wanted


def test_a_cold_build_imports_no_formatter(tmp_path: Path) -> None:
    spec = GOLDEN / "minimal" / "spec.yaml"
    result = _build(spec, tmp_path / "out", tmp_path, block=False)
    assert result.returncode == 0, result.stdout + result.stderr
    assert "black not imported" in result.stdout
    assert (tmp_path / "out" / "golden_minimal" / "models.py").is_file()


def test_a_cold_build_of_the_example_imports_no_formatter(tmp_path: Path) -> None:
    # The example holds every statement shape that used to fall back to black: a lambda default,
    # nested `Annotated[...] | None` fields, `.ddl_if(...)` table arguments (format/rhs.py).
    result = _build(ROOT / "specs" / "life_ceo.yaml", tmp_path / "out", tmp_path, block=False)
    assert result.returncode == 0, result.stdout + result.stderr
    assert "black not imported" in result.stdout
    assert tree(tmp_path / "out") == {path: data for path, data in tree(ROOT / "generated").items()
                                      if path.split("/", 1)[0] == "life_ceo"}


@pytest.mark.parametrize("length", [79, 120])
def test_every_spec_builds_without_black_at_other_line_lengths(tmp_path: Path, length: int) -> None:
    # The templates' own helper code counts too: a line that fits at 88 can need a split at 79.
    (tmp_path / "pyproject.toml").write_text(f"[tool.schemagen]\nline-length = {length}\n")
    specs = [ROOT / "specs" / "life_ceo.yaml", *(GOLDEN / case / "spec.yaml" for case in GOLDEN_CASES)]
    for spec in specs:
        result = _build(spec, tmp_path / "out" / spec.parent.name, tmp_path, block=True)
        assert result.returncode == 0, f"{spec}: {result.stdout}{result.stderr}"


def test_without_black_a_statement_left_to_it_is_a_clear_error(tmp_path: Path) -> None:
    # No spec yields such a statement any more; an operator split (`a + b + c`) is one black would
    # make and schemagen's layout does not.
    code = "from x import y\n\ntotal = first_value_of_the_series + second_value_of_the_series + third_value_of_the_series\n"
    script = (f"import sys\nsys.modules['black'] = None\nfrom schemagen.format import format_modules\n"
              f"format_modules({{'m.py': {code!r}}})\n")
    result = subprocess.run([sys.executable, "-c", script], cwd=tmp_path, capture_output=True, text=True,
                            timeout=120, check=False)
    assert result.returncode != 0
    assert "needs black 26.10.1 (schemagen's own layout does not cover it)" in result.stderr
    assert "pip install 'black==26.10.1'" in result.stderr


def test_black_is_no_runtime_dependency() -> None:
    import tomllib

    project = tomllib.loads((ROOT / "pyproject.toml").read_text("utf-8"))["project"]
    assert not [dep for dep in project["dependencies"] if dep.startswith("black")]
    assert "black==26.10.1" in project["optional-dependencies"]["dev"]
