"""Stage 6, write: replace generated files atomically, own only what schemagen wrote.

Each package folder holds a manifest of the files schemagen wrote there. Stale files listed in an
old manifest are removed; files that no manifest lists are never overwritten or deleted.
"""

from __future__ import annotations

import difflib
import json
import os
import tempfile
from dataclasses import dataclass, field
from pathlib import Path

from schemagen.pipeline import MANIFEST, Output


class WriteConflict(Exception):
    """The output folder holds a file schemagen did not write where it would write one."""


@dataclass
class Plan:
    writes: dict[Path, bytes] = field(default_factory=dict)
    deletes: list[Path] = field(default_factory=list)
    unchanged: list[Path] = field(default_factory=list)


def _owned(package_dir: Path) -> set[str]:
    try:
        manifest = json.loads((package_dir / MANIFEST).read_text("utf-8"))
        files = manifest.get("files", {})
        return {name for name in files if isinstance(name, str)}
    except (OSError, ValueError, AttributeError):
        return set()


def _inside(root: Path, relative: str) -> Path:
    target = (root / relative).resolve()
    if not target.is_relative_to(root.resolve()):
        raise WriteConflict(f"refusing to write outside the output folder: {relative}")
    return target


def plan(out_dir: Path, outputs: list[Output]) -> Plan:
    result = Plan()
    conflicts = []
    for output in outputs:
        package_dir = _inside(out_dir, output.package)
        owned = _owned(package_dir) | {MANIFEST}
        for relative, data in output.files.items():
            path = _inside(out_dir, relative)
            try:
                current = path.read_bytes()
            except FileNotFoundError:
                current = None
            if current == data:
                result.unchanged.append(path)
                continue
            if current is not None and path.name not in owned:
                conflicts.append(path)
                continue
            result.writes[path] = data
        new_names = {relative.split("/", 1)[1] for relative in output.files}
        for stale in sorted(owned - new_names):
            path = _inside(out_dir, f"{output.package}/{stale}")
            if path.is_file():
                result.deletes.append(path)
    if conflicts:
        listing = "\n".join(f"  {path}" for path in conflicts)
        raise WriteConflict(f"these files were not written by schemagen and would be overwritten:\n{listing}\n"
                            "move them away (or delete them) and build again")
    return result


def apply(result: Plan) -> None:
    """Write every file through a temporary file and an atomic rename; manifests go last."""
    ordered = sorted(result.writes.items(), key=lambda item: (item[0].name == MANIFEST, str(item[0])))
    for path, data in ordered:
        path.parent.mkdir(parents=True, exist_ok=True)
        handle, temporary = tempfile.mkstemp(prefix=f".{path.name}.", suffix=".tmp", dir=path.parent)
        try:
            with os.fdopen(handle, "wb") as stream:
                stream.write(data)
                stream.flush()
                os.fsync(stream.fileno())
            os.chmod(temporary, 0o644)
            os.replace(temporary, path)
        except BaseException:
            Path(temporary).unlink(missing_ok=True)
            raise
    for path in result.deletes:
        path.unlink(missing_ok=True)


def differences(out_dir: Path, outputs: list[Output]) -> list[str]:
    """Unified diffs between what build would write and what is on disk (empty when up to date)."""
    diffs: list[str] = []
    for output in outputs:
        owned = _owned(out_dir / output.package)
        for relative, data in output.files.items():
            path = out_dir / relative
            try:
                current = path.read_bytes()
            except FileNotFoundError:
                diffs.append(f"missing: {path}\n")
                continue
            if current != data:
                diffs.append("".join(difflib.unified_diff(
                    current.decode("utf-8", "replace").splitlines(keepends=True),
                    data.decode("utf-8").splitlines(keepends=True),
                    fromfile=f"{path} (on disk)", tofile=f"{path} (from the spec)",
                )) or f"changed: {path}\n")
        new_names = {relative.split("/", 1)[1] for relative in output.files}
        for stale in sorted(owned - new_names):
            if (out_dir / output.package / stale).is_file():
                diffs.append(f"stale: {out_dir / output.package / stale} (no longer generated)\n")
    return diffs
