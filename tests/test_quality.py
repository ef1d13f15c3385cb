"""Generated code is product: typed (mypy --strict, pyright strict), black-clean, no unused imports, compiles."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import pytest

from schemagen.format import format_source
from tests.helpers import generated_python_dirs

PACKAGE_DIRS = [pkg for folder in generated_python_dirs() for pkg in sorted(folder.iterdir())
                if (pkg / "__init__.py").is_file()]


def test_there_is_generated_code_to_check() -> None:
    assert {p.name for p in PACKAGE_DIRS} >= {"life_ceo", "golden_minimal", "golden_names", "golden_relations"}


@pytest.mark.parametrize("package", PACKAGE_DIRS, ids=lambda p: p.name)
def test_mypy_strict(package: Path) -> None:
    result = subprocess.run(
        [sys.executable, "-m", "mypy", "--strict", "--no-incremental", "--cache-dir", "/dev/null", package.name],
        cwd=package.parent, capture_output=True, text=True, timeout=600,
    )
    assert result.returncode == 0, result.stdout + result.stderr


def test_pyright_strict(tmp_path: Path) -> None:
    """pyright in strict mode, the other checker users run, on every generated package at once."""
    config = tmp_path / "pyrightconfig.json"
    config.write_text(json.dumps({"typeCheckingMode": "strict", "pythonVersion": "3.11",
                                  "extraPaths": sorted({str(p.parent) for p in PACKAGE_DIRS})}), "utf-8")
    result = subprocess.run(
        [str(Path(sys.executable).with_name("pyright")), "--pythonpath", sys.executable, "--project", str(config),
         *(str(p) for p in PACKAGE_DIRS)],
        capture_output=True, text=True, timeout=900,
    )
    assert result.returncode == 0 and "0 errors" in result.stdout, result.stdout + result.stderr


@pytest.mark.parametrize("package", PACKAGE_DIRS, ids=lambda p: p.name)
def test_black_clean(package: Path) -> None:
    for module in sorted(package.glob("*.py")):
        source = module.read_text("utf-8")
        assert format_source(source, str(module)) == source, f"{module} is not black-clean"


def test_black_check_from_the_command_line() -> None:
    from schemagen.format.style import DEFAULT_LINE_LENGTH, TARGET

    result = subprocess.run(
        [sys.executable, "-m", "black", "--check", "--quiet", f"--line-length={DEFAULT_LINE_LENGTH}",
         f"--target-version={TARGET}", *(str(p) for p in PACKAGE_DIRS)],
        capture_output=True, text=True, timeout=300,
    )
    assert result.returncode == 0, result.stderr


def test_no_unused_imports_or_undefined_names() -> None:
    result = subprocess.run(
        [sys.executable, "-m", "ruff", "check", "--no-cache", "--isolated", "--select", "F",
         *(str(p) for p in PACKAGE_DIRS)],
        capture_output=True, text=True, timeout=300,
    )
    assert result.returncode == 0, result.stdout + result.stderr


def test_the_generator_itself_passes_mypy_strict() -> None:
    from tests.helpers import ROOT

    result = subprocess.run(
        [sys.executable, "-m", "mypy", "--strict", "--no-incremental", "--cache-dir", "/dev/null", "schemagen"],
        cwd=ROOT, capture_output=True, text=True, timeout=600,
    )
    assert result.returncode == 0, result.stdout + result.stderr


def test_the_package_imports_each_name_on_first_use() -> None:
    """`from pkg.models import X` builds no schema; every public name still comes from the package."""
    probe = (
        "import sys\n"
        "from generated.life_ceo.models import User\n"
        "assert 'generated.life_ceo.schemas' not in sys.modules, 'the models pulled in the schemas'\n"
        "import generated.life_ceo as pkg\n"
        "assert pkg.User is User and 'generated.life_ceo.schemas' not in sys.modules\n"
        "assert pkg.UserSelect.__name__ == 'UserSelect' and pkg.UserSelect.__pydantic_complete__ is False\n"
        "pkg.UserInsert.model_validate({'email': 'a@b.co', 'password_hash': 'x' * 20})\n"
        "assert pkg.UserInsert.__pydantic_complete__, 'built on first validation'\n"
        "assert sorted(dir(pkg)) == sorted(pkg.__all__) and all(getattr(pkg, n) is not None for n in pkg.__all__)\n"
        "try:\n    pkg.Usr\nexcept AttributeError as error:\n    assert 'Usr' in str(error)\nelse:\n    raise SystemExit('no error')\n"
        "print('ok')\n"
    )
    root = Path(__file__).resolve().parent.parent
    result = subprocess.run([sys.executable, "-c", probe], cwd=root, capture_output=True, text=True, timeout=300)
    assert result.stdout.strip() == "ok", result.stdout + result.stderr


def test_the_models_import_builds_no_validator_and_hangs_one_listener_per_table_event() -> None:
    """Import cost (issue 9): the shapes and the columns' adapters are built when they first check a
    value, and a table's `on_update: now` DDL is one listener on creation and one on drop."""
    probe = (
        "from pydantic import BaseModel\n"
        "from generated.life_ceo import models, types\n"
        "shapes = [v for v in vars(types).values() if isinstance(v, type) and issubclass(v, BaseModel)]\n"
        "assert shapes and not [s for s in shapes if s.__pydantic_complete__], 'a shape was built on import'\n"
        "adapters = [v for k, v in vars(models).items() if k.endswith('_adapter')]\n"
        "assert adapters and not [a for a in adapters if a.cache_info().currsize], 'an adapter was made on import'\n"
        "ours = 0\n"
        "for table in models.Base.metadata.tables.values():\n"
        "    for event in (table.dispatch.after_create, table.dispatch.after_drop):\n"
        "        own = [f for f in event if type(f).__module__ == models.__name__]\n"
        "        assert len(own) <= 1, (table.name, own)\n"
        "        ours += len(own)\n"
        "assert ours, 'no trigger DDL found'\n"
        "print('ok')\n"
    )
    root = Path(__file__).resolve().parent.parent
    result = subprocess.run([sys.executable, "-c", probe], cwd=root, capture_output=True, text=True, timeout=300)
    assert result.stdout.strip() == "ok", result.stdout + result.stderr


def test_the_models_import_no_pydantic() -> None:
    """Import cost (issue 9): models with typed JSON, arrays and enums import no Pydantic (its
    import alone costs as much as 50 tables' models); it comes when a column first checks a value."""
    probe = (
        "import sys\n"
        "from golden_names import models\n"
        "loaded = sorted(name for name in sys.modules if name.split('.')[0] in ('pydantic', 'pydantic_core'))\n"
        "assert not loaded, loaded\n"
        "from sqlalchemy import create_engine\n"
        "from sqlalchemy.orm import Session\n"
        "engine = create_engine('sqlite://')\n"
        "models.Base.metadata.create_all(engine)\n"
        "with Session(engine) as session:\n"
        "    session.add(models.Order(class_='a', json_={'unknown': 1}))\n"
        "    try:\n"
        "        session.flush()\n"
        "    except Exception as error:\n"
        "        assert 'validation error for order.json' in str(error), error\n"
        "    else:\n"
        "        raise AssertionError('a shape of the wrong form was written')\n"
        "print('ok')\n"
    )
    folder = Path(__file__).resolve().parent / "golden" / "names" / "expected"
    result = subprocess.run([sys.executable, "-c", probe], cwd=folder, capture_output=True, text=True, timeout=300)
    assert result.stdout.strip() == "ok", result.stdout + result.stderr
