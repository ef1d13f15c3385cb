"""Where the Jinja templates are: `schemagen/templates` in an installed wheel, `templates/` in the repository.

A module of its own, importing nothing, so that the freshness proof can fingerprint the templates
without importing the code generator.
"""

from __future__ import annotations

from pathlib import Path


def templates_dir() -> Path:
    package = Path(__file__).resolve().parent  # installed: schemagen/templates; in the repo: templates/
    for candidate in (package / "templates", package.parent / "templates"):
        if (candidate / "models.py.jinja").is_file():
            return candidate
    raise FileNotFoundError(f"schemagen's templates are missing (looked in {package / 'templates'} and {package.parent / 'templates'})")
