"""Where schemagen's own files are: its Jinja templates, and its cache outside the project.

A module of its own, importing nothing heavy, so that the freshness proof can fingerprint the
templates and read the cache without importing the code generator.
"""

from __future__ import annotations

import os
from collections.abc import Collection, Iterable
from pathlib import Path
from typing import Any


def cache_root() -> Path | None:
    """`$SCHEMAGEN_CACHE_DIR`, else `$XDG_CACHE_HOME/schemagen`, else `~/.cache/schemagen`; None when
    `SCHEMAGEN_CACHE_DIR` is set but empty (no cache). The cache only ever saves time: formatted
    pieces, compiled templates, which output folders are known current, recent outputs and the
    loaded parts of recent specs."""
    configured = os.environ.get("SCHEMAGEN_CACHE_DIR")
    if configured is not None:
        return Path(configured) if configured else None
    base = os.environ.get("XDG_CACHE_HOME") or os.path.join(os.path.expanduser("~"), ".cache")
    return Path(base) / "schemagen"


def read_sealed(path: Path, magic: bytes, key: str) -> tuple[dict[str, Any], memoryview] | None:
    """The header and body of a cache file that `write_sealed` wrote for `key`; None when it is
    missing or unreadable, was written for another key, or was altered or truncated since (its
    body's sha256 no longer matches)."""
    import hashlib
    import json

    try:
        data = path.read_bytes()
    except OSError:
        return None
    if not data.startswith(magic):
        return None
    try:
        end = data.index(b"\n", len(magic))
        header = json.loads(data[len(magic):end])
    except ValueError:
        return None
    body = memoryview(data)[end + 1:]
    if not isinstance(header, dict) or header.get("key") != key or header.get("sha256") != hashlib.sha256(body).hexdigest():
        return None
    return header, body


def write_sealed(path: Path, magic: bytes, key: str, header: dict[str, Any],
                 body: Iterable[bytes | memoryview]) -> bool:
    """Write `magic`, the header (with `key` and the body's sha256) on one line, then the body, so
    that a reader sees the old file or the new one, never a part; False when it cannot be written."""
    import contextlib
    import hashlib
    import json
    import tempfile

    parts = list(body)
    digest = hashlib.sha256()
    for part in parts:
        digest.update(part)
    line = json.dumps({**header, "key": key, "sha256": digest.hexdigest()}, sort_keys=True).encode()
    try:
        path.parent.mkdir(parents=True, exist_ok=True)
        handle, temporary = tempfile.mkstemp(dir=path.parent, prefix=f".{path.stem[:16]}-", suffix=".tmp")
    except OSError:
        return False
    try:
        with os.fdopen(handle, "wb") as stream:
            stream.write(magic + line + b"\n")
            stream.writelines(parts)
        os.replace(temporary, path)
    except OSError:
        with contextlib.suppress(OSError):
            os.unlink(temporary)
        return False
    return True


def spec_store(folder: str, spec_file: Path) -> Path | None:
    """The cache file of `folder` for one spec file (by its resolved path); None with no cache, or
    where the path cannot be resolved."""
    import hashlib

    root = cache_root()
    if root is None:
        return None
    try:
        where = str(spec_file.resolve())
    except (OSError, RuntimeError):
        return None
    return root / folder / f"{hashlib.sha256(where.encode()).hexdigest()[:24]}.bin"


def keep_recent(folder: Path, pattern: str, keep: int, protected: Collection[Path] = ()) -> list[Path]:
    """Remove the files of `folder` matching `pattern` past the `keep` most recently modified, other
    than `protected` (what this process uses: a project of more files than `keep` must not evict its
    own); the files removed. Cache folders only: errors are ignored, as a cache only saves time."""
    import contextlib

    removed = []
    with contextlib.suppress(OSError):  # specs and outputs that moved or went (temporary folders) leave files
        stored = sorted(folder.glob(pattern), key=lambda entry: entry.stat().st_mtime, reverse=True)
        for old in [entry for entry in stored if entry not in protected][keep:]:
            old.unlink()
            removed.append(old)
    return removed


def mark_used(path: Path) -> None:
    """A cache file read and used now: `keep_recent` removes it last."""
    try:
        os.utime(path)
    except OSError:
        pass


def templates_dir() -> Path:
    package = Path(__file__).resolve().parent  # installed: schemagen/templates; in the repo: templates/
    for candidate in (package / "templates", package.parent / "templates"):
        if (candidate / "models.py.jinja").is_file():
            return candidate
    raise FileNotFoundError(f"schemagen's templates are missing (looked in {package / 'templates'} and {package.parent / 'templates'})")
