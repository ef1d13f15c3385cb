"""The formatter's fixed settings that code outside it reads: the line length used when the project
sets none, and the black version pinned for the fallback.

They live apart from `schemagen.format` because importing any module of that package runs its
`__init__`, which loads the whole formatter (~10 ms), while `check` and a no-op `build` need only
these two values (`cli.common.project_line_length`, the generator fingerprint).
"""

from __future__ import annotations

DEFAULT_LINE_LENGTH = 88  # black's and ruff's default, used when the project sets none
BLACK_VERSION = "26.10.1"  # pyproject.toml pins exactly this; the cache is keyed on it
