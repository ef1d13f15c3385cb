"""A statement as black's leaves (`format/rhs.py` splits them): tokens with black's spacing, each
bracket linked to its partner and marked as a call's or subscript's (a trailer) or not, and black's
invisible parentheses around an assignment's annotation and value."""

from __future__ import annotations

import io
import tokenize
from itertools import pairwise

OPENING = {"(": ")", "[": "]", "{": "}"}
CLOSING = {")": "(", "]": "[", "}": "{"}
_OPS = {*OPENING, *CLOSING, ",", ".", "=", "|", ":", "->", "..."}
_BEFORE_UNARY = {*OPENING, ",", "=", ":", "|", "->", "lambda", "UNARY"}
_KEYWORDS = {"if", "else", "for", "in", "not", "is", "and", "or", "async", "await", "yield", "return", "del",
             "assert", "raise", "import", "from", "with", "while", "def", "class", "global", "nonlocal", "pass",
             "break", "continue", "try", "except", "finally", "elif", "match", "case"}


class Leaf:
    __slots__ = ("arglist", "depth", "kind", "opening", "prefix", "trailer", "value")

    def __init__(self, kind: str, value: str, prefix: str) -> None:
        self.kind, self.value, self.prefix = kind, value, prefix
        self.opening: Leaf | None = None  # of a closing bracket
        self.trailer = False  # a bracket of a call or subscript, not of a display or parentheses
        self.arglist = False  # a comma directly inside a call's parentheses
        self.depth = 0  # bracket depth, as the last line that tracked the leaf counted it


def leaves_of(text: str) -> list[Leaf] | None:
    """The leaves of one statement as black sees them, or None for what `rhs.py` declines."""
    leaves: list[Leaf] = []
    stack: list[Leaf] = []
    end = (1, 0)
    try:
        tokens = list(tokenize.generate_tokens(io.StringIO(text).readline))
    except (tokenize.TokenError, SyntaxError):
        return None
    for token in tokens:
        kind, value = token.type, token.string
        if kind in (tokenize.NL, tokenize.NEWLINE, tokenize.ENDMARKER):
            continue
        if kind not in (tokenize.NAME, tokenize.NUMBER, tokenize.STRING, tokenize.OP):
            return None  # comments, indents, f-string parts
        previous = leaves[-1] if leaves else None
        unary = kind == tokenize.OP and value in "-+~" and (previous is None or previous.kind in _BEFORE_UNARY)
        if kind == tokenize.OP and value not in _OPS and not unary or kind == tokenize.NAME and value in _KEYWORDS:
            return None  # (a sign is no delimiter, black's `factor`; a binary operator would be one)
        if kind == tokenize.STRING and ("\n" in value or leaves and leaves[-1].kind == "STRING"):
            return None  # a multi-line string, or implicit concatenation
        name = ("NAME" if value == "..." else "UNARY" if unary else value) if kind == tokenize.OP or (
            value == "lambda") else tokenize.tok_name[kind]  # (`...` splits nowhere: black never breaks it)
        if token.start[0] == end[0]:
            prefix = text.splitlines()[end[0] - 1][end[1] : token.start[1]]
        elif previous is not None and previous.kind in OPENING or name in CLOSING or name == ".":
            prefix = ""  # black's `whitespace()` for what starts a line of a split statement
        elif previous is not None and (previous.kind == "," or name == "|"):
            prefix = " "
        else:
            return None
        if prefix not in ("", " "):
            return None
        leaf = Leaf(name, value, prefix if leaves else "")
        if previous is not None and previous.kind == "lambda" and name != ":":
            return None  # a lambda's parameters: their commas are not the bracket's
        if previous is not None and previous.kind == "STRING" and name == ".":
            return None
        if name in OPENING:
            leaf.trailer = previous is not None and previous.kind in ("NAME", "STRING", ")", "]")
            stack.append(leaf)
        elif name in CLOSING:
            if not stack or stack[-1].kind != CLOSING[name]:
                return None
            leaf.opening = stack.pop()
            leaf.trailer = leaf.opening.trailer
        elif name == "," and stack and stack[-1].kind == "(" and stack[-1].trailer:
            leaf.arglist = True
        leaves.append(leaf)
        end = token.end
    return leaves if leaves and not stack else None


def with_optional_parens(leaves: list[Leaf]) -> list[Leaf] | None:
    """The statement with black's invisible parentheses around an assignment's annotation and value
    (`normalize_invisible_parens` with `ASSIGNMENTS`), or None for a statement shape it declines."""
    depth, marks = 0, []
    for index, leaf in enumerate(leaves):
        if leaf.kind in OPENING:
            depth += 1
        elif leaf.kind in CLOSING:
            depth -= 1
        elif depth == 0 and leaf.kind in ("=", ":", ","):
            if leaf.kind == ":" and (index == 0 or leaves[index - 1].kind == "lambda"):
                continue
            marks.append(index)
    kinds = [leaves[index].kind for index in marks]
    if kinds not in ([], ["="], [":"], [":", "="]) or leaves[0].kind != "NAME":
        return None
    out: list[Leaf] = []
    bounds = [*marks, len(leaves)]
    out.extend(leaves[: bounds[0] + 1] if marks else leaves)
    for start, stop in pairwise(bounds):
        child = leaves[start + 1 : stop]
        if not child:
            return None
        first, last = child[0], child[-1]
        if first.kind == "(" and last.opening is first:
            if len(child) > 2 and not any(leaf.kind == "," for leaf in child if _depth_in(child, leaf) == 1):
                if child[1].kind == "(" and child[-2].opening is child[1]:
                    return None  # parentheses in parentheses: not written by codegen
                first.value = last.value = ""  # black's `maybe_make_parens_invisible_in_atom`
            out.extend(child)  # a tuple's parentheses stay
        else:
            opening, closing = Leaf("(", "", first.prefix), Leaf(")", "", "")
            closing.opening = opening
            first.prefix = ""
            out.extend([opening, *child, closing])
        if stop < len(leaves):
            out.append(leaves[stop])
    return out


def _depth_in(leaves: list[Leaf], target: Leaf) -> int:
    depth = 0
    for leaf in leaves:
        if leaf is target:
            return depth
        depth += 1 if leaf.kind in OPENING else -1 if leaf.kind in CLOSING else 0
    return depth
