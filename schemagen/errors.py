"""Spec errors as data: every problem of a run, each with its place in the source."""

from __future__ import annotations

import difflib
from dataclasses import dataclass, field
from pathlib import Path
from typing import Iterable, Sequence

SpecPath = tuple[str | int, ...]


@dataclass(frozen=True, order=True)
class Position:
    """A 1-based line and column in a spec file."""

    line: int
    column: int


NOWHERE = Position(0, 0)
"""The position of an error in a spec that has no file (built in memory)."""

IN_MEMORY = Path("<spec built in memory>")


@dataclass(frozen=True)
class SpecError:
    file: Path
    position: Position
    message: str
    hint: str = ""
    path: SpecPath = ()

    def render(self, source_lines: Sequence[str] | None = None) -> str:
        if self.position == NOWHERE:  # a spec built in memory: its path inside the spec says where
            where = f"{self.file}: {'.'.join(map(str, self.path)) or 'the spec'}"
            source_lines = None
        else:
            where = f"{self.file}:{self.position.line}:{self.position.column}"
        out = [f"{where}: error: {self.message}"]
        if source_lines and 0 < self.position.line <= len(source_lines):
            text = _visible(source_lines[self.position.line - 1].rstrip("\n"))
            caret = self.position.column - 1
            if len(text) > _ECHO_WIDTH:  # show a window around the caret, not a 10 kB line
                start = max(0, min(caret - _ECHO_WIDTH // 2, len(text) - _ECHO_WIDTH))
                text = ("…" if start else "") + text[start:start + _ECHO_WIDTH] + "…"
                caret = caret - start + (1 if start else 0)
            gutter = f"{self.position.line:>4} | "
            out.append(gutter + text)
            out.append(" " * (len(gutter) + caret) + "^")
        if self.hint:
            out.append(f"  hint: {self.hint}")
        return "\n".join(out)


_ECHO_WIDTH = 100


def _visible(text: str) -> str:
    """The line as a terminal can show it: control characters as their Unicode pictures."""
    return "".join(chr(0x2400 + ord(ch)) if ord(ch) < 0x20 and ch != "\t" else ch for ch in text)


@dataclass
class SpecErrors(Exception):
    """Raised at the end of a stage that found one or more spec errors."""

    errors: list[SpecError] = field(default_factory=list)

    def __str__(self) -> str:
        return "\n".join(error.render() for error in self.errors)

    def render(self) -> str:
        blocks = []
        cache: dict[Path, list[str] | None] = {}
        for error in sorted(self.errors, key=lambda e: (str(e.file), e.position)):
            if error.file not in cache and error.position != NOWHERE:
                try:
                    cache[error.file] = error.file.read_text("utf-8").splitlines()
                except (OSError, UnicodeDecodeError):
                    cache[error.file] = None
            blocks.append(error.render(cache.get(error.file)))
        count = len(self.errors)
        blocks.append(f"{count} error{'s' if count != 1 else ''} found; nothing was written.")
        return "\n".join(blocks)


# Words people carry over from other type systems, and what they mean here.
SYNONYMS = {
    "datetime": "timestamp", "timestamptz": "timestamp", "int": "integer", "int4": "integer",
    "int8": "bigint", "int2": "smallint", "bool": "boolean", "string": "text", "str": "text",
    "float": "double", "decimal": "numeric", "blob": "bytes", "bytea": "bytes",
    "timestamp": "datetime", "integer": "int", "boolean": "bool", "double": "float", "text": "str",
    "numeric": "decimal", "dict": "any", "object": "any",
}


def did_you_mean(word: str, choices: Iterable[str]) -> str:
    """' — did you mean `x`?' for the closest choice (or the usual synonym), or ''."""
    options = sorted(choices)
    synonym = SYNONYMS.get(word.lower())
    if synonym in options:
        return f" — did you mean `{synonym}`?"
    matches = difflib.get_close_matches(word, options, n=1, cutoff=0.6)
    return f" — did you mean `{matches[0]}`?" if matches else ""


def one_of(choices: Iterable[str]) -> str:
    return ", ".join(f"`{c}`" for c in choices)
