"""A package's manifest, `.schemagen.json`: the spec it was made from and the files schemagen owns.

It holds only what the output depends on, so the same spec gives the same manifest under any
version of schemagen that writes the same files.
"""

from __future__ import annotations

import json
from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any

MANIFEST = ".schemagen.json"


@dataclass(frozen=True)
class Output:
    """The files of one generated package, by path relative to the output folder."""

    package: str
    spec_file: Path
    files: dict[str, bytes]
    tables: int = 0
    """How many tables the package has (for the command's summary)."""


def manifest_bytes(spec_name: str, spec_sha256: str, files: dict[str, str], line_length: int,
                   options: Mapping[str, bool] | None = None) -> bytes:
    """The manifest: the spec's file name and sha256, the line length the code is laid out for (the
    project's setting, an input like the spec), the project's opt-ins (`[tool.schemagen]`
    `typescript`/`erd`, only when it sets any) and the sha256 of each file written."""
    manifest: dict[str, object] = {"generator": "schemagen", "spec": spec_name, "spec_sha256": spec_sha256,
                                   "line_length": line_length, "files": dict(sorted(files.items()))}
    if options:
        manifest["project_options"] = dict(sorted(options.items()))
    return (json.dumps(manifest, indent=2, sort_keys=True) + "\n").encode()


def read_manifests(out_dir: Path) -> list[tuple[Path, dict[str, Any], bytes]]:
    """(package folder, manifest data, manifest bytes) of every package folder with a readable manifest."""
    found = []
    try:
        candidates = sorted(out_dir.glob(f"*/{MANIFEST}"))
    except OSError:
        return []
    for path in candidates:
        try:
            raw = path.read_bytes()
            data = json.loads(raw)
        except (OSError, ValueError):
            continue
        if isinstance(data, dict):
            found.append((path.parent, data, raw))
    return found


def orphaned_packages(out_dir: Path, spec_files: list[Path], packages: set[str]) -> list[Path]:
    """Package folders schemagen wrote whose spec is gone: a manifest names a spec file that is no
    longer in any folder this run reads specs from, or one of this run's specs that now makes
    another package (its `package:` changed). `packages` are the ones this run generates."""
    names = {spec.name for spec in spec_files}
    folders = {spec.parent for spec in spec_files}
    orphans = []
    for folder, data, _ in read_manifests(out_dir):
        spec = data.get("spec")
        if folder.name in packages or data.get("generator") != "schemagen" or not isinstance(spec, str) or not spec:
            continue
        if spec in names or not any((where / spec).is_file() for where in folders):
            orphans.append(folder)
    return orphans
