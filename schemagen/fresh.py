"""Proving an output folder up to date without generating anything.

`build` records in each package's manifest what the package was made from: a fingerprint of the
generator (its code, its templates, and the versions of the libraries that shape the output) and
the spec file's name and sha256. The same generator on the same spec writes the same bytes, so
when every spec has a manifest with matching inputs and every file the manifest lists is on disk
with the recorded hash, the folder is exactly what a build would write. This module imports
nothing heavy: `check` and a no-op `build` finish in about the time it takes to start Python.
"""

from __future__ import annotations

import hashlib
import json
from functools import lru_cache
from pathlib import Path

MANIFEST = ".schemagen.json"

# Modules that decide when and where to write, never what: editing them keeps manifests valid.
_NOT_SHAPING_OUTPUT = frozenset({"__main__.py", "cache.py", "cli.py", "fresh.py", "write.py"})


@lru_cache(maxsize=1)
def generator_fingerprint() -> str:
    """sha256 over schemagen's own source files and templates, and the black version it pins.

    Only what is in the repository counts, so every checkout computes the same value; whether the
    installed black is the pinned one is checked separately (`formatter_installed`).
    """
    from schemagen import __version__
    from schemagen.fmt import BLACK_VERSION
    from schemagen.render import templates_dir

    digest = hashlib.sha256(f"schemagen {__version__}\nblack {BLACK_VERSION}\n".encode())
    package_dir = Path(__file__).resolve().parent
    sources = [path for path in sorted(package_dir.glob("*.py")) if path.name not in _NOT_SHAPING_OUTPUT]
    sources += sorted(templates_dir().glob("*.jinja"))
    for path in sources:
        digest.update(f"{path.name}\n".encode())
        digest.update(hashlib.sha256(path.read_bytes()).digest())
    return digest.hexdigest()


def formatter_installed() -> bool:
    """Whether the installed black is the version schemagen pins (its layout decides the bytes)."""
    from importlib.metadata import PackageNotFoundError, version

    from schemagen.fmt import BLACK_VERSION

    try:
        return version("black") == BLACK_VERSION
    except PackageNotFoundError:
        return False


def find_specs(paths: list[Path]) -> list[Path]:
    """Spec files named directly, or the `*.yaml`/`*.yml` files of named folders, in sorted order."""
    found: list[Path] = []
    for path in paths:
        if path.is_dir():
            found.extend(sorted(p for p in path.iterdir() if p.suffix in (".yaml", ".yml") and p.is_file()))
        else:
            found.append(path)
    return found


def spec_inputs(spec_file: Path, data: bytes) -> dict[str, str]:
    return {"generator": generator_fingerprint(), "spec": spec_file.name,
            "spec_sha256": hashlib.sha256(data).hexdigest()}


def manifest_bytes(inputs: dict[str, str], files: dict[str, str]) -> bytes:
    """A package's `.schemagen.json`: what it was made from, and the sha256 of each file written."""
    from schemagen import __version__

    manifest = {"generator": f"schemagen {__version__}", "spec": inputs["spec"], "inputs": inputs,
                "files": dict(sorted(files.items()))}
    return (json.dumps(manifest, indent=2, sort_keys=True) + "\n").encode()


def _manifests(out_dir: Path) -> list[tuple[Path, dict[str, object], bytes]]:
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


def up_to_date(spec_files: list[Path], out_dir: Path) -> dict[str, int] | None:
    """Package name -> files checked, when `out_dir` provably holds what a build of `spec_files`
    would write; None when that cannot be shown this way (then the caller generates and compares)."""
    if not formatter_installed():
        return None
    manifests = _manifests(out_dir)
    used: set[Path] = set()
    checked: dict[str, int] = {}
    for spec_file in spec_files:
        try:
            wanted = spec_inputs(spec_file, spec_file.read_bytes())
        except OSError:
            return None
        matches = [(folder, data, raw) for folder, data, raw in manifests if data.get("inputs") == wanted]
        if len(matches) != 1 or matches[0][0] in used:
            return None
        folder, data, raw = matches[0]
        used.add(folder)
        files = data.get("files")
        if not isinstance(files, dict) or not files or not all(isinstance(v, str) for v in files.values()):
            return None
        if raw != manifest_bytes(wanted, files):  # exactly what build writes, not merely equivalent
            return None
        for name, recorded in files.items():
            if not isinstance(name, str) or "/" in name or name.startswith("."):
                return None
            try:
                if hashlib.sha256((folder / name).read_bytes()).hexdigest() != recorded:
                    return None
            except OSError:
                return None
        checked[folder.name] = len(files) + 1
    return checked
