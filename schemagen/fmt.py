"""Stage 5, format: black, in-process, with a fixed mode (no user config is ever read)."""

from __future__ import annotations

import black
from black.mode import Mode, TargetVersion

MODE = Mode(
    target_versions={TargetVersion.PY311},
    line_length=100,
    string_normalization=True,
    is_pyi=False,
    magic_trailing_comma=True,
)


class FormatError(Exception):
    pass


def format_source(source: str, name: str) -> str:
    try:
        return black.format_str(source, mode=MODE)
    except Exception as exc:  # black raises several types for code it cannot parse
        raise FormatError(f"black could not format {name}: {exc}") from exc
