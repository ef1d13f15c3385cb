"""Helpers shared by the tests: running the CLI, reading trees, the golden cases."""

from __future__ import annotations

import hashlib
import importlib
import os
import uuid
import subprocess
import sys
from pathlib import Path
from types import ModuleType
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from schemagen.catalog import Catalog

ROOT = Path(__file__).resolve().parent.parent
GOLDEN = ROOT / "tests" / "golden"
GOLDEN_CASES = sorted(p.name for p in GOLDEN.iterdir() if (p / "spec.yaml").is_file())
UPDATE_SNAPSHOTS = os.environ.get("SCHEMAGEN_UPDATE_SNAPSHOTS") == "1"

SHOP_SPEC = """\
package: shop
enums:
  Status: [new, done]
tables:
  items:
    columns:
      id: {type: serial, primary_key: true}
      name: {type: varchar, length: 40, nullable: false}
      status: {type: enum, enum: Status, default: new}
"""
"""A small user spec: one table with an enum, for command-line and write tests."""


def run_cli(*args: str, cwd: Path = ROOT, env: dict[str, str] | None = None) -> subprocess.CompletedProcess[str]:
    full_env = {**os.environ, **(env or {})}
    return subprocess.run(
        [sys.executable, "-m", "schemagen", *args], cwd=cwd, env=full_env, capture_output=True, text=True,
        timeout=300,
    )


def tree(folder: Path) -> dict[str, bytes]:
    """Every file under a folder, by relative POSIX path (caches left out)."""
    return {
        path.relative_to(folder).as_posix(): path.read_bytes()
        for path in sorted(folder.rglob("*"))
        if path.is_file() and "__pycache__" not in path.parts and ".mypy_cache" not in path.parts
    }


def digest(folder: Path) -> str:
    hasher = hashlib.sha256()
    for name, data in tree(folder).items():
        hasher.update(name.encode() + b"\0" + data + b"\0")
    return hasher.hexdigest()


def generated_python_dirs() -> list[Path]:
    """Folders holding generated packages: generated/ and each golden case's expected/."""
    return [ROOT / "generated", *(GOLDEN / case / "expected" for case in GOLDEN_CASES)]


def import_generated(tmp_path: Path, catalog: Catalog) -> ModuleType:
    """Generate `catalog`'s package into a fresh folder under `tmp_path` and import it (a new copy)."""
    import schemagen

    folder = tmp_path / f"pkg_{uuid.uuid4().hex[:8]}"
    for name, text in schemagen.generate(catalog).items():
        (folder / catalog.package / name).parent.mkdir(parents=True, exist_ok=True)
        (folder / catalog.package / name).write_text(text, "utf-8")
    sys.path.insert(0, str(folder))
    try:
        for loaded in [m for m in sys.modules if m == catalog.package or m.startswith(catalog.package + ".")]:
            del sys.modules[loaded]
        return importlib.import_module(catalog.package)
    finally:
        sys.path.remove(str(folder))
