"""Proving an output folder up to date without generating anything.

A package's manifest (`.schemagen.json`, checked in) records only what the output depends on: the
spec file's name and sha256, and the sha256 of every file written. Which generator wrote it is not
the output's business, so upgrading schemagen leaves manifests alone; it is kept outside the
project, in a freshness record per output folder in schemagen's cache: the generator fingerprint
(schemagen's code that shapes output, its templates, the pinned black, the installed Pydantic's version) and the sha256 of each
manifest that generator wrote or verified there.

When the record's fingerprint is this generator's, every spec matches exactly one recorded manifest
and every file the manifest lists is on disk with its hash, the folder is exactly what a build would
write. Anything else (a fresh machine, another schemagen, an edit) means generating and comparing,
after which the record is written again. This module imports nothing heavy: `check` and a no-op
`build` finish in about the time it takes to start Python.
"""

from __future__ import annotations

import contextlib
import hashlib
import json
import os
import tempfile
from pathlib import Path

# the fingerprint lives outside `output/`: generating reads it too (the render cache's key)
from schemagen.fingerprint import (
    NOT_SHAPING_OUTPUT,
    fingerprinted_files,
    generator_fingerprint,
)
from schemagen.output.manifest import (
    MANIFEST,
    manifest_bytes,
    orphaned_packages,
    read_manifests,
)


def formatter_installed() -> bool:
    """Whether the installed black is the version schemagen pins. The output does not depend on it:
    schemagen lays the code out itself and uses black only as a fallback that refuses another version."""
    from importlib.metadata import PackageNotFoundError, version

    from schemagen.format.style import BLACK_VERSION

    try:
        return version("black") == BLACK_VERSION
    except PackageNotFoundError:
        return False


def _record_path(out_dir: Path) -> Path | None:
    from schemagen.resources import cache_root

    root = cache_root()
    if root is None:
        return None
    folder = hashlib.sha256(str(out_dir.resolve()).encode()).hexdigest()[:24]
    return root / f"fresh-{folder}.json"


def _read_record(out_dir: Path) -> dict[str, str]:
    path = _record_path(out_dir)
    if path is None:
        return {}
    try:
        data = json.loads(path.read_text("utf-8"))
    except (OSError, ValueError):
        return {}
    if not isinstance(data, dict) or data.get("generator") != generator_fingerprint():
        return {}
    packages = data.get("packages")
    return {k: v for k, v in packages.items() if isinstance(v, str)} if isinstance(packages, dict) else {}


def remember(out_dir: Path, manifests: dict[str, bytes]) -> None:
    """Record that this generator wrote (or verified) these manifests in `out_dir`; errors only cost time."""
    path = _record_path(out_dir)
    if path is None:
        return
    record = {"generator": generator_fingerprint(), "out": str(out_dir.resolve()),
              "packages": {package: hashlib.sha256(data).hexdigest() for package, data in sorted(manifests.items())}}
    try:
        path.parent.mkdir(parents=True, exist_ok=True)
        handle, temporary = tempfile.mkstemp(dir=path.parent, prefix=".fresh-", suffix=".tmp")
    except OSError:
        return
    try:
        with os.fdopen(handle, "w", encoding="utf-8") as stream:
            json.dump(record, stream, indent=2, sort_keys=True)
        os.replace(temporary, path)
    except OSError:
        with contextlib.suppress(OSError):
            os.unlink(temporary)


def up_to_date(spec_files: list[Path], out_dir: Path, line_length: int,
               options: dict[str, bool] | None = None) -> dict[str, int] | None:
    """Package name -> files checked, when `out_dir` provably holds what a build of `spec_files`
    laid out for `line_length` columns would write; None when that cannot be shown this way (then the caller generates and compares)."""
    recorded = _read_record(out_dir)
    if not recorded:
        return None
    manifests = read_manifests(out_dir)
    used: set[Path] = set()
    checked: dict[str, int] = {}
    for spec_file in spec_files:
        try:
            spec_sha256 = hashlib.sha256(spec_file.read_bytes()).hexdigest()
        except OSError:
            return None
        matches = [(folder, data, raw) for folder, data, raw in manifests
                   if data.get("spec") == spec_file.name and data.get("spec_sha256") == spec_sha256]
        if len(matches) != 1 or matches[0][0] in used:
            return None
        folder, data, raw = matches[0]
        used.add(folder)
        if recorded.get(folder.name) != hashlib.sha256(raw).hexdigest():
            return None  # not written or verified by this generator
        files = data.get("files")
        if not isinstance(files, dict) or not files or not all(isinstance(v, str) for v in files.values()):
            return None
        if raw != manifest_bytes(spec_file.name, spec_sha256, files, line_length, options):  # exactly what build writes
            return None
        for name, recorded_hash in files.items():
            if not isinstance(name, str) or "/" in name or name.startswith("."):
                return None
            try:
                if hashlib.sha256((folder / name).read_bytes()).hexdigest() != recorded_hash:
                    return None
            except OSError:
                return None
        checked[folder.name] = len(files) + 1
    if orphaned_packages(out_dir, spec_files, set(checked)):
        return None  # a package whose spec is gone: build removes it, check reports it
    return checked


__all__ = ["MANIFEST", "NOT_SHAPING_OUTPUT", "fingerprinted_files", "formatter_installed", "generator_fingerprint", "remember",
           "up_to_date"]
