"""black's own line splitting (black 26.10.1, `linegen.py`), for the statements codegen writes.

`layout.py` lays a long statement out in a form both formatters keep (exploded, magic trailing
commas); it declines what it cannot prove, and this module takes those: it splits a statement the
way black splits it from scratch, so the output is what black would write, byte for byte. It is a
port of the parts of black's algorithm such statements reach: the right-hand split with its
omitted trailers (`right_hand_split_with_omits`, `generate_trailers_to_omit`), the optional
parentheses black puts around an assignment's annotation and value and when it drops them again
(`_maybe_split_omitting_optional_parens`, `can_omit_invisible_parens`,
`_prefer_split_rhs_oop_over_rhs`, the "second opinion" of `run_transformer`), the delimiter
split at commas, `|` and dots, and magic trailing commas. Names follow black's, so each function
can be held against its original. The statement's leaves come from `format/leaves.py`.

Statements with anything else (other operators than `|` and signs, keywords, comments, `*`,
multi-line strings, implicit string concatenation, a lambda with parameters) are declined with
None. Like black, it counts a line's width with `style.str_width` (East Asian wide characters 2)
where it decides whether the line fits, and in characters where black does (the lengths of
trailers it may omit). The tests compare the result with black over every generated file and over
random statements of the shapes codegen writes.
"""

from __future__ import annotations

from collections.abc import Iterator

from schemagen.format.leaves import (
    CLOSING,
    OPENING,
    Leaf,
    leaves_of,
    with_optional_parens,
)
from schemagen.format.style import line_length, str_width

COMMA, BITOR, DOT = 18, 9, 1


class CannotSplit(Exception):
    pass


class Line:
    def __init__(self, depth: int, inside: bool = False) -> None:
        self.depth, self.inside = depth, inside
        self.leaves: list[Leaf] = []
        self.delimiters: dict[int, int] = {}
        self.invisible: list[Leaf] = []
        self.magic: Leaf | None = None
        self.split_rhs = False
        self._depth = 0
        self._match: dict[tuple[int, str], Leaf] = {}
        self._previous: Leaf | None = None
        self._lambdas: list[int] = []

    def append(self, leaf: Leaf, track: bool) -> None:
        if track:
            self._mark(leaf)
            if self._has_magic_trailing_comma(leaf):
                self.magic = leaf
        self.leaves.append(leaf)

    def _mark(self, leaf: Leaf) -> None:  # BracketTracker.mark
        if self._depth == 0 and leaf.kind in CLOSING and (0, leaf.kind) not in self._match:
            return
        if leaf.kind == ":" and self._lambdas and self._lambdas[-1] == self._depth:
            self._depth -= 1
            self._lambdas.pop()
        if leaf.kind in CLOSING:
            self._depth -= 1
            self._match.pop((self._depth, leaf.kind))
            if not leaf.value:
                self.invisible.append(leaf)
        leaf.depth = self._depth
        if self._depth == 0:
            before = _split_before(leaf, self._previous)
            if before and self._previous is not None:
                key = id(self._previous)
                self.delimiters[key] = max(self.delimiters.get(key, 0), before)
            if leaf.kind == ",":
                self.delimiters[id(leaf)] = COMMA
        if leaf.kind in OPENING:
            self._match[(self._depth, OPENING[leaf.kind])] = leaf
            self._depth += 1
            if not leaf.value:
                self.invisible.append(leaf)
        self._previous = leaf
        if leaf.kind == "lambda":
            self._depth += 1
            self._lambdas.append(self._depth)

    def _has_magic_trailing_comma(self, closing: Leaf) -> bool:
        if not (closing.kind in CLOSING and self.leaves and self.leaves[-1].kind == ","):
            return False
        if closing.kind == "}":
            return True
        if closing.kind == "]":
            return not (closing.trailer and _one_sequence(closing, self.leaves, "["))
        return not _one_sequence(closing, self.leaves, "(")

    def __str__(self) -> str:
        if not self.leaves:
            return ""
        first, *rest = self.leaves
        return "    " * self.depth + first.value + "".join(leaf.prefix + leaf.value for leaf in rest)

    def __bool__(self) -> bool:
        return bool(self.leaves)

    def lengths(self) -> Iterator[tuple[int, Leaf, int]]:  # enumerate_with_length
        for index, leaf in enumerate(self.leaves):
            yield index, leaf, len(leaf.prefix) + len(leaf.value)


def _split_before(leaf: Leaf, previous: Leaf | None) -> int:
    if leaf.kind == "." and (previous is None or previous.kind in CLOSING):
        return DOT
    if leaf.kind == "|":
        return BITOR
    return 0


def _one_sequence(closing: Leaf, leaves: list[Leaf], bracket: str) -> bool:
    """is_one_sequence_between: whether the brackets hold one item and its trailing comma."""
    opening = closing.opening
    if opening is None or opening.kind != bracket:
        return False
    try:
        start = next(index for index, leaf in enumerate(leaves) if leaf is opening)
    except StopIteration:
        return False
    commas, depth = 0, 0
    for leaf in leaves[start + 1 :]:
        if leaf is closing:
            break
        if leaf.kind in CLOSING:
            depth -= 1
        if depth == 0 and leaf.kind == ",":
            commas += 1
            if leaf.arglist:
                commas += 1
                break
        if leaf.kind in OPENING:
            depth += 1
    return commas < 2


def _fits(line: Line | str, length: int | None = None) -> bool:
    return str_width(str(line)) <= (line_length() if length is None else length)


# transform_line and run_transformer -----------------------------------------------------------


def transform_line(line: Line, force: bool) -> list[Line]:
    line_str = str(line)
    if not line.split_rhs and line.magic is None and _fits(line_str):
        return [line]
    transformers = [_delimiter_split, _rhs] if line.inside else [_rhs]
    for transform in transformers:
        try:
            return _run_transformer(line, transform, force, line_str)
        except CannotSplit:
            continue
    return [line]


def _run_transformer(line: Line, transform: object, force: bool, line_str: str) -> list[Line]:
    optional = [bracket for bracket in line.invisible if bracket.depth == 0]
    result: list[Line] = []
    for transformed in transform(line, force):  # type: ignore[operator]
        if str(transformed) == line_str:
            raise CannotSplit("unchanged")
        result.extend(transform_line(transformed, force))
    if (force or transform is not _rhs or not line.invisible or any(bracket.value for bracket in optional)
            or _fits(result[0])):
        return result
    copy = _clone(line)
    second = _run_transformer(copy, _rhs, True, line_str)
    return second if all(_fits(each) for each in second) else result


def _clone(line: Line) -> Line:
    """The line with new leaves (black's `append_leaves` onto `line.clone()`)."""
    copies: dict[int, Leaf] = {}
    copy = Line(line.depth, line.inside)
    for leaf in line.leaves:
        new = Leaf(leaf.kind, leaf.value, leaf.prefix)
        new.trailer, new.arglist = leaf.trailer, leaf.arglist
        new.opening = copies.get(id(leaf.opening)) if leaf.opening is not None else None
        copies[id(leaf)] = new
        copy.append(new, True)
    return copy


# delimiter_split -------------------------------------------------------------------------------


def _delimiter_split(line: Line, force: bool) -> list[Line]:
    if not line.leaves:
        raise CannotSplit("empty")
    last = line.leaves[-1]
    priorities = [priority for key, priority in line.delimiters.items() if key != id(last)]
    if not priorities:
        raise CannotSplit("no delimiters")
    priority = max(priorities)
    if priority == DOT and sum(1 for value in line.delimiters.values() if value == priority) == 1:
        raise CannotSplit("a single attribute")
    out: list[Line] = []
    current = Line(line.depth, line.inside)
    for leaf in line.leaves:
        current.append(leaf, True)
        if line.delimiters.get(id(leaf)) == priority:
            out.append(current)
            current = Line(line.depth, line.inside)
    if current:
        if priority == COMMA and current.leaves[-1].kind != ",":
            current.append(Leaf(",", ",", ""), True)
        out.append(current)
    return out


# right_hand_split ------------------------------------------------------------------------------


class _RHS:
    def __init__(self, head: Line, body: Line, tail: Line, opening: Leaf, closing: Leaf) -> None:
        self.head, self.body, self.tail, self.opening, self.closing = head, body, tail, opening, closing


def _rhs(line: Line, force: bool) -> list[Line]:
    """right_hand_split_with_omits"""
    first_lines: list[Line] | None = None
    prefix_lengths: dict[int, int] = {}
    current = 4 * line.depth
    for leaf in line.leaves:
        prefix_lengths[id(leaf)] = current
        current += len(leaf.prefix) + len(leaf.value)
    for omit in _trailers_to_omit(line):
        if omit:
            target = next((leaf.opening for leaf in reversed(line.leaves)
                           if leaf.kind in CLOSING and id(leaf) not in omit), None)
            if target is not None and target.value and prefix_lengths.get(id(target), 0) > line_length():
                continue
        lines = _right_hand_split(line, force, omit)
        if first_lines is None and not omit:
            first_lines = lines
        if _fits(lines[0]):
            return lines
    if first_lines is not None:
        return first_lines
    return _right_hand_split(line, force, set())


def _trailers_to_omit(line: Line) -> Iterator[set[int]]:
    """generate_trailers_to_omit"""
    omit: set[int] = set()
    if line.magic is None:
        yield set(omit)
    length = 4 * line.depth
    opening: Leaf | None = None
    closing: Leaf | None = None
    inner: set[int] = set()
    leaves = line.leaves
    for index in range(len(leaves) - 1, -1, -1):
        leaf = leaves[index]
        length += len(leaf.prefix) + len(leaf.value)
        if length > line_length():
            break
        previous = leaves[index - 1] if index > 0 else None
        if opening is not None:
            if leaf is opening:
                opening = None
            elif leaf.kind in CLOSING:
                if previous is not None and previous.kind == "," and not _one_sequence(leaf, leaves, "("):
                    break
                inner.add(id(leaf))
        elif leaf.kind in CLOSING:
            if previous is not None and previous.kind in OPENING:
                inner.add(id(leaf))
                continue
            if closing is not None:
                omit.add(id(closing))
                omit.update(inner)
                inner.clear()
                yield set(omit)
            if previous is not None and previous.kind == "," and not _one_sequence(leaf, leaves, "("):
                break
            if leaf.value:
                opening, closing = leaf.opening, leaf


def _right_hand_split(line: Line, force: bool, omit: set[int]) -> list[Line]:
    return _maybe_split_omitting_optional_parens(_first_right_hand_split(line, omit), line, force, omit)


def _first_right_hand_split(line: Line, omit: set[int]) -> _RHS:
    tail: list[Leaf] = []
    body: list[Leaf] = []
    head: list[Leaf] = []
    current = tail
    opening: Leaf | None = None
    closing: Leaf | None = None
    for leaf in reversed(line.leaves):
        if current is body and leaf is opening:
            current = head if body else tail
        current.append(leaf)
        if current is tail and leaf.kind in CLOSING and id(leaf) not in omit:
            opening, closing, current = leaf.opening, leaf, body
    if opening is None or closing is None or not head:
        raise CannotSplit("no brackets")
    tail.reverse()
    body.reverse()
    head.reverse()
    head_line = Line(line.depth)
    tracked = _inside_matching_brackets(head)
    for leaf in head:
        head_line.append(leaf, id(leaf) in tracked)
    body_line = Line(line.depth + 1, inside=True)
    for leaf in body:
        body_line.append(leaf, True)
    body_line.split_rhs = _should_split_line(body_line, opening)
    tail_line = Line(line.depth)
    for leaf in tail:
        tail_line.append(leaf, False)
    if not body_line:
        size = len(str(tail_line).strip())
        if size < 3:
            raise CannotSplit("empty body")
    return _RHS(head_line, body_line, tail_line, opening, closing)


def _inside_matching_brackets(leaves: list[Leaf]) -> set[int]:
    ids: set[int] = set()
    stack: list[tuple[str, list[int]]] = []
    started = False
    for leaf in leaves:
        if leaf.kind in OPENING:
            started = True
            stack.append((OPENING[leaf.kind], [id(leaf)]))
        elif leaf.kind in CLOSING:
            if stack and leaf.kind == stack[-1][0]:
                _, level = stack.pop()
                level.append(id(leaf))
                ids.update(level)
                if stack:
                    stack[-1][1].extend(level)
        elif started and stack:
            stack[-1][1].append(id(leaf))
    return ids


def _should_split_line(line: Line, opening: Leaf) -> bool:
    if not line.leaves:
        return False
    last = line.leaves[-1]
    trailing = last.kind == ","
    priorities = [value for key, value in line.delimiters.items() if not (trailing and key == id(last))]
    if not priorities:
        return False
    return max(priorities) == COMMA and (trailing or not opening.trailer)


def _maybe_split_omitting_optional_parens(rhs: _RHS, line: Line, force: bool, omit: set[int]) -> list[Line]:
    if (not force and rhs.opening.kind == "(" and not rhs.opening.value and rhs.closing.kind == ")"
            and not rhs.closing.value and _can_omit_invisible_parens(rhs)):
        omit = {id(rhs.closing), *omit}
        try:
            oop = _first_right_hand_split(line, omit)
            if _prefer_split_rhs_oop_over_rhs(oop, rhs):
                return _maybe_split_omitting_optional_parens(oop, line, force, omit)
        except CannotSplit as exc:
            if not _can_be_split(rhs.body) and not _fits(rhs.body):
                raise CannotSplit("body too long and cannot be split") from exc
    rhs.opening.value, rhs.closing.value = rhs.opening.kind, rhs.closing.kind  # ensure_visible
    return [part for part in (rhs.head, rhs.body, rhs.tail) if part]


def _can_be_split(line: Line) -> bool:
    return len(line.leaves) >= 2  # (a string with a method call is declined by `leaves_of`)


def _can_omit_invisible_parens(rhs: _RHS) -> bool:
    line = rhs.body
    if not line.delimiters:
        return True
    top = max(line.delimiters.values())
    if sum(1 for value in line.delimiters.values() if value == top) > 1:
        return False
    if top == DOT:
        return True
    first, second = line.leaves[0], line.leaves[1]
    if first.kind in OPENING and second.kind not in CLOSING and _can_omit_opening_paren(line, first):
        return True
    penultimate, last = line.leaves[-2], line.leaves[-1]
    if last.kind in (")", "}") or (last.kind == "]" and not last.trailer):
        if penultimate.kind in OPENING:
            return False
        if _can_omit_closing_paren(line, last):
            return True
    return False


def _can_omit_opening_paren(line: Line, first: Leaf) -> bool:
    remainder, length, index = False, 4 * line.depth, -1
    for index, leaf, size in line.lengths():
        if leaf.kind in CLOSING and leaf.opening is first:
            remainder = True
        if remainder:
            length += size
            if length > line_length():
                return False
            if leaf.kind in OPENING:
                remainder = False
    return len(line.leaves) == index + 1


def _can_omit_closing_paren(line: Line, last: Leaf) -> bool:
    length, seen_other = 4 * line.depth, False
    for _, leaf, size in line.lengths():
        length += size
        if leaf is last.opening:
            if seen_other or length <= line_length():
                return True
        elif leaf.kind in OPENING:
            seen_other = True
    return False


def _prefer_split_rhs_oop_over_rhs(oop: _RHS, rhs: _RHS) -> bool:
    head = rhs.head.leaves
    if not (len(head) >= 2 and head[-2].kind == "="):
        return True
    if not any(leaf.kind in OPENING or leaf.kind in CLOSING for leaf in head[:-1]):
        return True
    if not _fits(rhs.head, line_length() - 1):
        return True
    if rhs.head.magic is not None:
        return True
    equals = sum(1 for leaf in head if leaf.kind == "=")
    if equals > 1 and equals > sum(1 for leaf in oop.head.leaves if leaf.kind == "="):
        return False
    closing_after_assign = False
    for leaf in reversed(oop.head.leaves):
        if leaf.kind == "=":
            break
        if leaf.kind in CLOSING:
            closing_after_assign = True
            break
    return closing_after_assign or (any(leaf.kind == "=" for leaf in oop.head.leaves) and _fits(oop.head))


def split(text: str, indent: int) -> str | None:
    """`text` (one statement, written at `indent`, its continuation lines in any indent) as black
    lays it out, or None when this module does not know the statement's shape. Like black's
    `format_str`, a second pass runs over a changed result: the trailing commas the first one added
    are magic to the second, which can then split differently (`x: T[...] = (a | b)` at the end)."""
    if indent % 4:
        return None
    first = _one_pass(text, indent)
    if first is None or first == " " * indent + text.strip():
        return first
    return _one_pass(first, indent)


def _one_pass(text: str, indent: int) -> str | None:
    leaves = leaves_of(text.strip())
    if leaves is None:
        return None
    leaves_with_parens = with_optional_parens(leaves)
    if leaves_with_parens is None:
        return None
    line = Line(indent // 4)
    for leaf in leaves_with_parens:
        line.append(leaf, True)
    try:
        lines = transform_line(line, False)
    except (CannotSplit, KeyError):
        return None
    return "\n".join(str(each) for each in lines)
