"""Stage 1, load: YAML text -> plain data plus a map of where each value came from.

PyYAML's constructors are not used: they keep the last of duplicate keys, read `no`/`on` as
booleans and `3.10` as 3.1, construct arbitrary tags and expand alias graphs. We compose the node
tree (marks give line and column) and resolve scalars with rules that fit a schema language.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, NamedTuple

import yaml

from schemagen.catalog.records import record
from schemagen.errors import Position, SpecError, SpecErrors, SpecPath
from schemagen.spec.scalars import SourceFloat, SourceInt, plain_scalar

MAX_SPEC_BYTES = 1_048_576
# No spec needs more than a handful of levels (a typed JSON default a few more); libyaml composes up
# to 1,000, deeper than Python's recursion limit lets this module and later stages walk.
MAX_NESTING = 64
_BaseLoader: Any = getattr(yaml, "CSafeLoader", yaml.SafeLoader)


class _Loader(_BaseLoader):  # type: ignore[misc]
    """The C composer without YAML 1.1 implicit typing: `_Builder` types plain scalars itself (YAML
    1.2 core), so resolving each one through PyYAML's Python regexes only cost time. The merge-key
    resolver stays, so that `<<` is still found and refused."""

    yaml_implicit_resolvers = {"<": [("tag:yaml.org,2002:merge", re.compile(r"^(?:<<)$"))]}

    # The C composer calls these three from Python for every node (56,000 in a 300-table spec, a
    # fifth of composing it). Without path resolvers (there are none) descending and ascending do
    # nothing: a builtin that takes the same arguments does nothing cheaper than a Python method.
    descend_resolver = staticmethod(slice)  # (parent, index)
    ascend_resolver = staticmethod(tuple)  # ()

    def resolve(self, kind: Any, value: Any, implicit: Any) -> str:
        """`BaseResolver.resolve` for these resolvers: `<<` (plain) is a merge key, all else its default tag."""
        if kind is yaml.ScalarNode:
            return _MERGE_TAG if value == "<<" and implicit[0] else _SCALAR_TAG
        return _SEQUENCE_TAG if kind is yaml.SequenceNode else _MAPPING_TAG


_MERGE_TAG = "tag:yaml.org,2002:merge"
_SCALAR_TAG = yaml.resolver.BaseResolver.DEFAULT_SCALAR_TAG
_SEQUENCE_TAG = yaml.resolver.BaseResolver.DEFAULT_SEQUENCE_TAG
_MAPPING_TAG = yaml.resolver.BaseResolver.DEFAULT_MAPPING_TAG


_STANDARD_TAG = "tag:yaml.org,2002:"
# Characters YAML does not allow in a document (outside its printable set).
_NOT_PRINTABLE = re.compile("[\x00-\x08\x0b\x0c\x0e-\x1f\x7f-\x84\x86-\x9f\ud800-\udfff\ufffe\uffff]")
_CONTROL_NAMES = {0: "NUL", 7: "BEL", 8: "BS", 0x1B: "ESC", 0x7F: "DEL"}
_PRINTABLE_ASCII = b"\t\n\r" + bytes(range(0x20, 0x7F))
_ALLOWED_TAGS = {_STANDARD_TAG + t for t in ("str", "int", "float", "bool", "null", "map", "seq")}


class Mark(NamedTuple):
    """A 0-based line and column, as a YAML mark has them (for marks moved to another line)."""

    line: int
    column: int


@dataclass
class SourceMap:
    """Where each value (and each mapping key) of a loaded spec sits in its file."""

    # YAML marks, turned into Positions only when an error needs one (a spec has tens of thousands)
    values: dict[SpecPath, Any] = field(default_factory=dict)
    keys: dict[SpecPath, Any] = field(default_factory=dict)
    # Marks under these path prefixes are made when first asked for (`spec/incremental.py` reuses the
    # data of unchanged parts of a spec without composing them): each fills in its part of the map.
    deferred: dict[SpecPath, Callable[[SourceMap], None]] = field(default_factory=dict)

    def locate(self, path: SpecPath, *, key: bool = False) -> Position:
        """Position of the value at `path` (or of its key), else of its nearest known ancestor."""
        if self.deferred:
            for end in (1, 2):
                fill = self.deferred.pop(path[:end], None) if len(path) >= end else None
                if fill is not None:
                    fill(self)
        if key and path in self.keys:
            return _position(self.keys[path])
        for end in range(len(path), -1, -1):
            found = self.values.get(path[:end])
            if found is not None:
                return _position(found)
        return Position(1, 1)

    def complete(self) -> SourceMap:
        """This map with every deferred part filled in."""
        while self.deferred:
            self.deferred.pop(next(iter(self.deferred)))(self)
        return self


@record
class SpecPart:
    """A part's text as it stands in the file, the column of its key, and the text's digest."""

    text: str
    column: int
    digest: str


@dataclass
class LoadedSpec:
    file: Path
    data: Any
    source: SourceMap
    parts: dict[SpecPath, SpecPart] | None = None
    """Each part of the text (a top-level entry, an entry of a top-level mapping) by its path, when
    the incremental loader split it (`spec/incremental.py`): a part's value depends on its text alone."""

    def error(self, path: SpecPath, message: str, hint: str = "", *, key: bool = False) -> SpecError:
        return SpecError(self.file, self.source.locate(path, key=key), message, hint, path)


def _position(mark: Any) -> Position:
    return Position(mark.line + 1, mark.column + 1)


_NUMBERS = frozenset((SourceInt, SourceFloat))


class _Builder:
    def __init__(self, file: Path, text: str, nested_in: int = 0) -> None:
        self.file = file
        self.deepest = MAX_NESTING - nested_in  # (a part of a spec is built below its place in the file)
        self.source = SourceMap()
        self.errors: list[SpecError] = []
        # An alias gives the node of its anchor again: nodes seen are tracked to refuse it, but only
        # where there can be one (an alias without an anchor is a YAML error): a tenth of building
        self.anchors = "&" in text
        self.seen: set[int] = set()
        self.aliased: set[int] = set()
        # Where the numbers are: the load cache stores data as `marshal` does, which has no SourceInt
        self.numbers: list[SpecPath] = []

    def fail(self, node: yaml.Node, message: str, hint: str = "") -> None:
        self.errors.append(SpecError(self.file, _position(node.start_mark), message, hint))

    def alias(self, node: yaml.Node) -> bool:
        """Whether `node` was met before (an alias gives its anchor's node again): refused, once per anchor."""
        if id(node) not in self.seen:
            self.seen.add(id(node))
            return False
        if id(node) not in self.aliased:  # once per anchor, however often it is used
            self.aliased.add(id(node))
            self.fail(node, "anchors and aliases (`&name` / `*name`) are not supported in specs",
                      "write the repeated part out in full")
        return True

    def build(self, node: yaml.Node, path: SpecPath) -> Any:
        self.source.values[path] = node.start_mark
        if self.anchors and self.alias(node):
            return None
        if node.tag not in _ALLOWED_TAGS and not (
            isinstance(node, yaml.ScalarNode) and node.tag.startswith(_STANDARD_TAG) and node.style is None
        ):
            shown = "!!" + node.tag[len(_STANDARD_TAG):] if node.tag.startswith(_STANDARD_TAG) else node.tag
            self.fail(node, f"YAML tag `{shown}` is not allowed in specs", "remove the `!…` tag")
            return None
        if isinstance(node, yaml.CollectionNode) and len(path) >= self.deepest:
            self.fail(node, f"the spec nests more than {MAX_NESTING} levels deep here",
                      "flatten the value; no part of a spec needs that depth")
            return None
        if isinstance(node, yaml.MappingNode):
            return self.mapping(node, path)
        if isinstance(node, yaml.SequenceNode):
            return [self.build(item, (*path, index)) for index, item in enumerate(node.value)]
        assert isinstance(node, yaml.ScalarNode)
        text: str = node.value
        if node.style:  # quoted or block scalars are always text (plain style is None or "")
            return text
        value = plain_scalar(text)
        if value.__class__ in _NUMBERS:
            self.numbers.append(path)
        return value

    def mapping(self, node: yaml.MappingNode, path: SpecPath) -> dict[str, Any]:
        result: dict[str, Any] = {}
        # (locals: this loop runs for every key of a spec, 26,000 in a 300-table one)
        keys, values, seen, numbers = self.source.keys, self.source.values, self.seen, self.numbers
        anchors = self.anchors
        scalar_node = yaml.ScalarNode
        for key_node, value_node in node.value:
            if key_node.__class__ is not scalar_node and not isinstance(key_node, scalar_node):
                self.fail(key_node, "a mapping key must be a plain name, not a list or mapping")
                continue
            if key_node.tag == _MERGE_TAG:
                self.fail(key_node, "YAML merge keys (`<<`) are not supported in specs",
                          "write the merged keys out in full")
                continue
            if anchors and self.alias(key_node):
                # keys are tracked too: an alias of an anchored key would make a part of the spec
                # depend on another (and `spec/incremental.py` reuse a stale value)
                continue
            key: str = key_node.value
            inner = (*path, key)
            if key in result:
                before = _position(keys[inner])
                self.fail(key_node, f"duplicate key `{key}` (first defined at line {before.line}, column {before.column})",
                          "YAML keeps only the last of duplicate keys; remove or rename one of them")
                continue
            keys[inner] = key_node.start_mark
            if value_node.__class__ is scalar_node and value_node.tag == _SCALAR_TAG \
                    and not (anchors and id(value_node) in seen):
                # `build` inline for the most common node (most values are plain strings and names)
                values[inner] = value_node.start_mark
                if anchors:
                    seen.add(id(value_node))
                text = value_node.value
                if value_node.style:
                    result[key] = text
                else:
                    result[key] = value = plain_scalar(text)
                    if value.__class__ in _NUMBERS:
                        numbers.append(inner)
            else:
                result[key] = self.build(value_node, inner)
        return result


def load_spec(file: Path) -> LoadedSpec:
    """Read one spec file; raise SpecErrors with positions for anything that is not a sound document."""
    return load_spec_text(file, read_spec(file))


def read_spec(file: Path) -> bytes:
    try:
        return file.read_bytes()
    except OSError as exc:
        raise SpecErrors([SpecError(file, Position(1, 1), f"cannot read spec: {exc.strerror}")]) from None


def load_spec_text(file: Path, raw: bytes) -> LoadedSpec:
    return load_text(file, decode_spec(file, raw))[0]


def decode_spec(file: Path, raw: bytes) -> str:
    """The text of a spec file's bytes, or SpecErrors when it is too large or not plain UTF-8 text."""
    if len(raw) > MAX_SPEC_BYTES:
        raise SpecErrors([SpecError(file, Position(1, 1), f"spec file is {len(raw)} bytes; the limit is {MAX_SPEC_BYTES}",
                                    "split the schema into several spec files")])
    try:
        text = raw.decode("utf-8")
    except UnicodeDecodeError as exc:
        before = raw[: exc.start]
        line = before.count(b"\n") + 1
        column = len(before) - (before.rfind(b"\n") + 1) + 1
        raise SpecErrors([SpecError(file, Position(line, column), f"spec is not valid UTF-8 (byte 0x{raw[exc.start]:02x})",
                                    "save the file as UTF-8")]) from None
    if text.startswith("\ufeff"):
        text = text[1:]
    # Most specs are ASCII: deleting its printable bytes finds any other in a fifth of the regex's time
    bad = None if raw.isascii() and not raw.translate(None, _PRINTABLE_ASCII) else _NOT_PRINTABLE.search(text)
    if bad is not None:
        preceding = text[: bad.start()]
        line, column = preceding.count("\n") + 1, bad.start() - (preceding.rfind("\n") + 1) + 1
        code = ord(bad.group())
        name = f" ({_CONTROL_NAMES[code]})" if code in _CONTROL_NAMES else ""
        raise SpecErrors([SpecError(file, Position(line, column), f"the spec contains the control character "
                                    f"U+{code:04X}{name}", "remove it; a spec is plain text")])
    return text


def load_text(file: Path, text: str) -> tuple[LoadedSpec, list[SpecPath]]:
    """A spec's decoded text composed and built, with every mark, and the paths of its numbers;
    SpecErrors for anything unsound."""
    try:
        node = yaml.compose(text, Loader=_Loader)
    except yaml.MarkedYAMLError as exc:
        mark = exc.problem_mark or exc.context_mark
        position = _position(mark) if mark is not None else Position(1, 1)
        problem = exc.problem or exc.context or "invalid YAML"
        line_text = text.splitlines()[position.line - 1] if 0 < position.line <= len(text.splitlines()) else ""
        hint = "indent with spaces; YAML does not allow tabs" if "\t" in line_text[: position.column] else ""
        if "another document" in problem or "single document" in problem:
            problem, hint = "a spec file holds one YAML document; found a second `---`", "split it into two files"
            raise SpecErrors([SpecError(file, position, problem, hint)]) from None
        unclosed = re.fullmatch(r"did not find expected ',' or '([]}])'", problem)
        if unclosed and exc.context_mark is not None:
            closer = unclosed.group(1)
            opener = "{" if closer == "}" else "["
            hint = (f"expected `,` or `{closer}` before line {position.line}, column {position.column}; "
                    f"add the missing `{closer}`")
            position, problem = _position(exc.context_mark), f"this `{opener}` is not closed"
        elif problem == "did not find expected key" and not hint:
            hint = "check the indentation: the keys of one mapping must start in the same column"
        raise SpecErrors([SpecError(file, position, f"YAML syntax error: {problem}", hint)]) from None
    except yaml.YAMLError as exc:
        raise SpecErrors([SpecError(file, Position(1, 1), f"YAML error: {exc}")]) from None
    if node is None:
        raise SpecErrors([SpecError(file, Position(1, 1), "spec file is empty", "start with `tables:`")])
    if not isinstance(node, yaml.MappingNode):
        raise SpecErrors([SpecError(file, _position(node.start_mark), "a spec must be a mapping with keys such as `tables:`",
                                    "see the README's spec language section")])
    builder = _Builder(file, text)
    data = builder.build(node, ())
    if builder.errors:
        raise SpecErrors(builder.errors)
    return LoadedSpec(file, data, builder.source), builder.numbers


@record
class Part:
    """One mapping entry of a spec composed on its own (see `spec/incremental.py`)."""

    key: str
    value: Any
    source: SourceMap
    """Marks with lines counted from the entry's first, at paths that start with its key."""
    numbers: list[SpecPath]
    """Where its SourceInts and SourceFloats are, from its key."""


def load_part(file: Path, text: str, column: int, nested_in: int = 0) -> Part | None:
    """`text`, one mapping entry whose plain key starts it at `column`, composed and built on its own
    as if `nested_in` levels deep in its file; None for anything else, and for any error (the caller
    then loads the whole file)."""
    try:
        node = yaml.compose(text, Loader=_Loader)
    except (yaml.YAMLError, RecursionError):
        return None
    if not isinstance(node, yaml.MappingNode) or len(node.value) != 1:
        return None
    key_node = node.value[0][0]
    if (not isinstance(key_node, yaml.ScalarNode) or key_node.style or key_node.tag != _SCALAR_TAG
            or key_node.start_mark.line != 0 or key_node.start_mark.column != column):
        return None
    builder = _Builder(file, text, nested_in)
    try:
        data = builder.build(node, ())
    except RecursionError:
        return None
    if builder.errors:
        return None
    del builder.source.values[()]
    return Part(key_node.value, data[key_node.value], builder.source, builder.numbers)
