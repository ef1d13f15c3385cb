"""Where schemagen's own files are: its Jinja templates, and its cache outside the project.

A module of its own, importing nothing heavy, so that the freshness proof can fingerprint the
templates and read the cache without importing the code generator.
"""

from __future__ import annotations

import os
from pathlib import Path


def cache_root() -> Path | None:
    """`$SCHEMAGEN_CACHE_DIR`, else `$XDG_CACHE_HOME/schemagen`, else `~/.cache/schemagen`; None when
    `SCHEMAGEN_CACHE_DIR` is set but empty (no cache). The cache only ever saves time: formatted
    pieces, compiled templates, and which output folders are known current."""
    configured = os.environ.get("SCHEMAGEN_CACHE_DIR")
    if configured is not None:
        return Path(configured) if configured else None
    base = os.environ.get("XDG_CACHE_HOME") or os.path.join(os.path.expanduser("~"), ".cache")
    return Path(base) / "schemagen"


def templates_dir() -> Path:
    package = Path(__file__).resolve().parent  # installed: schemagen/templates; in the repo: templates/
    for candidate in (package / "templates", package.parent / "templates"):
        if (candidate / "models.py.jinja").is_file():
            return candidate
    raise FileNotFoundError(f"schemagen's templates are missing (looked in {package / 'templates'} and {package.parent / 'templates'})")
