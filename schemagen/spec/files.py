"""Finding spec files: kept apart from loading so that `check` can list specs without importing YAML."""

from __future__ import annotations

from pathlib import Path


def find_specs(paths: list[Path]) -> list[Path]:
    """Spec files named directly, or the `*.yaml`/`*.yml` files of named folders, in sorted order."""
    found: list[Path] = []
    for path in paths:
        if path.is_dir():
            found.extend(sorted(p for p in path.iterdir() if p.suffix in (".yaml", ".yml") and p.is_file()))
        else:
            found.append(path)
    return found
