"""Scalars as a spec means them: YAML 1.2 core for plain scalars, and numbers that remember their spelling.

Kept apart from the loader (and from PyYAML), since the catalog carries these values and the code
generator spells them.
"""

from __future__ import annotations

import re
from typing import Any

_INT = re.compile(r"[-+]?[0-9]+")
_FLOAT = re.compile(r"[-+]?(\.[0-9]+|[0-9]+\.[0-9]*|[0-9]+(\.[0-9]*)?[eE][-+]?[0-9]+|\.[0-9]+[eE][-+]?[0-9]+)")
_NULL = {"", "~", "null", "Null", "NULL"}
_TRUE = {"true", "True", "TRUE"}
_FALSE = {"false", "False", "FALSE"}
_NUMBER_START = frozenset("-+.0123456789")


class SourceInt(int):
    """An integer that remembers how it was written, so `012` can still be read as text."""

    text: str

    def __new__(cls, text: str) -> SourceInt:
        self = super().__new__(cls, int(text))
        self.text = text
        return self


class SourceFloat(float):
    """A float that remembers how it was written: `3.10` stays `3.10` where text belongs."""

    text: str

    def __new__(cls, text: str) -> SourceFloat:
        self = super().__new__(cls, float(text))
        self.text = text
        return self


def as_text(value: Any) -> Any:
    """The text the user typed for a scalar that YAML would read as a number or boolean (for a spec
    built in memory, the number's shortest spelling: `0.1`, `5`)."""
    if isinstance(value, (SourceInt, SourceFloat)):
        return value.text
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, (int, float)):
        return repr(value)
    return value


def plain_scalar(text: str) -> Any:
    """What a plain (unquoted) scalar means in a spec: YAML 1.2 core, decimal numbers only."""
    if text in _NULL:
        return None
    if text in _TRUE:
        return True
    if text in _FALSE:
        return False
    if text[0] not in _NUMBER_START:  # most scalars are names: no number starts with a letter
        return text
    if _INT.fullmatch(text):
        return SourceInt(text)
    if _FLOAT.fullmatch(text):
        return SourceFloat(text)
    return text


__all__ = ["SourceFloat", "SourceInt", "as_text", "plain_scalar"]
