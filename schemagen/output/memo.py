"""The last few generations' outputs, by a digest of everything they depend on.

`schemagen check` after an edit generates the packages, finds them different and exits 1; the
`schemagen build` that usually follows (by hand, or in a pre-commit hook after a failed check)
would generate the very same bytes again. So the CLI keeps each generation's outputs in the cache,
keyed on its inputs, and a later run with the same inputs takes them instead of generating.

The key holds what the freshness proof (`fresh.py`) trusts to decide that a folder is current, and
more: the generator fingerprint (schemagen's code that shapes output, its templates, the pinned
black, the installed Pydantic), `output/manifest.py` (which the fingerprint leaves out although it
writes the manifests), the libraries that take part in rendering (Jinja, PyYAML, SQLAlchemy) and
Python's version, the line length, the project's options, and each spec file's full path and
bytes, in order. Equal inputs give equal outputs (generation is deterministic: tests build twice
and compare), so an entry can never be stale; an entry that is unreadable, truncated or altered
(its digest no longer matches) is not used. A cache that cannot be read or written only costs time.
"""

from __future__ import annotations

import contextlib
import hashlib
import json
import sys
from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path

from schemagen.output.manifest import MANIFEST, Output

KEEP = 3  # entries kept, the most recently used: a check and its build, and an edit undone
_FORMAT = b"schemagen outputs 1\n"
_LIBRARIES = ("jinja2", "yaml", "sqlalchemy")


def _folder() -> Path | None:
    from schemagen.resources import cache_root

    root = cache_root()
    return root / "outputs" if root is not None else None


def _library_file(name: str) -> bytes:
    # the package's `__init__.py` (it holds the version), found on `sys.path` without importing it
    for folder in sys.path:
        with contextlib.suppress(OSError):
            return Path(folder or ".", name, "__init__.py").read_bytes()
    return b"missing"


@dataclass(frozen=True)
class Inputs:
    key: str
    """The digest of everything a generation depends on."""
    spec_sha256: tuple[str, ...]
    """Of each spec file's bytes, as read for the key."""


def inputs(spec_files: list[Path], line_length: int, options: Mapping[str, bool] | None) -> Inputs | None:
    """What a generation of `spec_files` depends on, or None when a spec cannot be read (the pipeline
    then reports it)."""
    from schemagen.output.fresh import generator_fingerprint

    digest = hashlib.sha256(_FORMAT)
    digest.update(generator_fingerprint().encode() + b"\0")
    digest.update(hashlib.sha256(Path(__file__).with_name("manifest.py").read_bytes()).digest())
    for library in _LIBRARIES:
        digest.update(hashlib.sha256(_library_file(library)).digest())
    digest.update(f"{sys.version}\0{line_length}\0{sorted((options or {}).items())}\0".encode())
    specs = []
    for spec_file in spec_files:
        try:
            raw = spec_file.read_bytes()
        except OSError:
            return None
        specs.append(hashlib.sha256(raw).hexdigest())
        digest.update(f"{spec_file.resolve()}\0{specs[-1]}\0".encode())
    return Inputs(digest.hexdigest(), tuple(specs))


def recall(given: Inputs, spec_files: list[Path]) -> list[Output] | None:
    """The outputs stored for these inputs, or None."""
    from schemagen.resources import mark_used, read_sealed

    folder = _folder()
    if folder is None:
        return None
    path = folder / f"{given.key}.bin"
    sealed = read_sealed(path, _FORMAT, given.key)
    if sealed is None:
        return None
    header, body = sealed
    try:
        outputs, offset = [], 0
        for stored in header["outputs"]:
            files = {}
            for name, size in stored["files"]:
                files[name] = bytes(body[offset:offset + size])
                offset += size
            outputs.append(Output(stored["package"], spec_files[stored["spec"]], files, stored["tables"]))
    except (ValueError, KeyError, TypeError, IndexError):
        return None
    if offset != len(body):
        return None
    mark_used(path)
    return outputs


def store(given: Inputs, spec_files: list[Path], outputs: list[Output]) -> None:
    """Keep `outputs` for these inputs, and the `KEEP` most recently used entries only. Outputs made
    from other bytes than the key's (a spec saved again while it was generated) are not kept."""
    from schemagen.resources import keep_recent, write_sealed

    folder = _folder()
    if folder is None or not _made_from(given, spec_files, outputs):
        return
    header: dict[str, object] = {"outputs": [
        {"package": output.package, "spec": spec_files.index(output.spec_file), "tables": output.tables,
         "files": [[name, len(data)] for name, data in output.files.items()]} for output in outputs]}
    body = (data for output in outputs for data in output.files.values())
    if not write_sealed(folder / f"{given.key}.bin", _FORMAT, given.key, header, body):
        return
    keep_recent(folder, "*.bin", KEEP)


def _made_from(given: Inputs, spec_files: list[Path], outputs: list[Output]) -> bool:
    """Whether each output's manifest names the spec bytes the key was made of (and each spec has one)."""
    if len(outputs) != len(spec_files):
        return False
    for output in outputs:
        if output.spec_file not in spec_files:
            return False
        try:
            manifest = json.loads(output.files[f"{output.package}/{MANIFEST}"])
        except (KeyError, ValueError):
            return False
        if manifest.get("spec_sha256") != given.spec_sha256[spec_files.index(output.spec_file)]:
            return False
    return True
