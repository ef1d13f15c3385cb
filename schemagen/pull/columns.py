"""Columns of a reflected table as spec columns: keys, types (through `catalog.kinds.from_database`) and
defaults (a literal where the database's text is exactly one, else the expression as `{sql: ...}`)."""

from __future__ import annotations

import datetime
import json
import re
import uuid
from dataclasses import dataclass, field
from typing import Any

from sqlalchemy.types import ARRAY

from schemagen import names
from schemagen.spec.model import MAX_LENGTH
from schemagen.catalog.kinds import JSON, KINDS, TEMPORAL, TEXT, DatabaseType, from_database, kinds_of

_TEXT = kinds_of(TEXT)
_TEMPORAL = kinds_of(TEMPORAL)
_JSON = kinds_of(JSON)
_INTEGERS = frozenset({"smallint", "integer", "bigint"})

# `'text'` with an optional cast (`::character varying`, `::"Mood"`, `::text[]`), as PostgreSQL
# writes a constant default; SQLite gives the text of the DEFAULT clause as written.
_QUOTED = re.compile(r"""'((?:[^']|'')*)'(?:::(?:"(?:[^"]|"")*"|[\w .]+)(?:\(\d+(?:,\d+)?\))?(?:\[\])*)?""", re.S)
_NUMBER = re.compile(r"-?\d+(\.\d+)?([eE][-+]?\d+)?")
_NOW = {
    "timestamp": {"now()", "current_timestamp", "localtimestamp", "transaction_timestamp()"},
    "date": {"current_date"},
    "time": {"current_time", "localtime"},
}
# SQLite: what `default: now` writes there (the time to the millisecond in SQLAlchemy's text form);
# its own CURRENT_TIMESTAMP (whole seconds) is another default, kept as `{sql: ...}`
_NOW_SQLITE = {
    "timestamp": {"strftime('%y-%m-%d %h:%m:%f000', 'now')"},
    "date": {"current_date"},
    "time": {"strftime('%h:%m:%f000', 'now')"},
}


@dataclass
class PulledColumn:
    """A column on its way into the spec: its SQL name, key and options (spec keys, spec order)."""

    sql_name: str
    key: str
    options: dict[str, Any]
    notes: list[str] = field(default_factory=list)
    """What the spec cannot keep of this column (the column itself is kept)."""

    @property
    def type(self) -> str:
        """The type's name, `sql` for a pass-through type (`{sql: macaddr, python: str}`)."""
        return "sql" if isinstance(self.options["type"], dict) else str(self.options["type"])

    def storage(self) -> tuple[Any, ...]:
        """What a referencing column must match (as the resolver compares references)."""
        if self.type == "sql":
            return ("sql", self.options["type"]["sql"], self.options.get("array", False))
        kind = KINDS[self.type].storage
        return (kind, self.options.get("array", False), self.options.get("enum"),
                self.options.get("length") if kind == "char" else None)


def column_keys(sql_names: list[str]) -> dict[str, str]:
    """A spec key for each SQL column name: the name itself where it can be a Python attribute, else a
    close identifier (the SQL name is then kept with `column:`). Keys and their attributes are distinct."""
    keys: dict[str, str] = {}
    taken: set[str] = set()
    for sql_name in sql_names:
        key = sql_name
        if not names.is_identifier(key) or key.startswith("_"):
            key = names.suggest_identifier(sql_name.lstrip("_"), "column")
            key = key if names.is_identifier(key) and not key.startswith("_") else "column"
        key = unique_name(key, taken)
        keys[sql_name] = key
    return keys


def unique_name(name: str, taken: set[str]) -> str:
    """`name`, or `name_2`, `name_3`, ... : the first whose attribute is not taken (then claimed)."""
    candidate, number = name, 1
    while names.attribute_name(candidate) in taken or candidate in taken:
        number += 1
        candidate = f"{name}_{number}"
    taken.update({candidate, names.attribute_name(candidate)})
    return candidate


def column_type(reflected: dict[str, Any], enum_names: dict[str, str]) -> tuple[dict[str, Any], list[str]] | str:
    """The spec options for a reflected column's type and what they lose, or why there are none."""
    found: DatabaseType | None = from_database(reflected["type"])
    if found is None and isinstance(reflected.get("pass_through"), dict):  # (PostgreSQL: reflect.py)
        passed: dict[str, Any] = {"type": reflected["pass_through"]}
        array = reflected.get("pass_through_array") or isinstance(reflected["type"], ARRAY)
        return ({**passed, "array": True} if array else passed), []
    if found is None:
        reason = reflected.get("pass_through") or "is not in the spec language"
        return f"its type `{reflected.get('type_text', reflected['type'])}` {reason}"
    options: dict[str, Any] = {"type": found.kind}
    if found.kind == "enum":
        if found.enum_name not in enum_names:
            return f"its enum type `{found.enum_name}` could not be pulled"
        options["enum"] = enum_names[found.enum_name]
    options.update(found.options)
    lost = found.lost
    precision = getattr(reflected["type"], "precision", None)
    if found.kind in ("timestamp", "time") and precision is not None and lost == f"precision {precision}" \
            and 0 <= precision <= 6:
        options["precision"], lost = precision, ""  # the seconds' fraction the spec's `precision:` keeps
    precision, scale, length = options.get("precision"), options.get("scale"), options.get("length")
    if found.kind != "numeric":
        precision = None  # a time's precision (0 to 6) was checked above
    if (precision is not None and not 1 <= precision <= 1000 or scale is not None and not 0 <= scale <= (precision or 0)
            or length is not None and not 1 <= length <= MAX_LENGTH):
        return f"its type `{reflected.get('type_text', reflected['type'])}` is out of the spec language's range"
    return options, [f"its type keeps no {lost} in the spec"] if lost else []


def auto_numbered(reflected: dict[str, Any], options: dict[str, Any], dialect: str, sole_key: bool,
                  referencing: bool) -> bool:
    """Whether a column is what the spec calls serial/bigserial: the table's only key column, an
    integer numbered by a sequence it owns (PostgreSQL), or INTEGER PRIMARY KEY (SQLite's rowid). An
    identity column is `identity:` instead: the spec makes a serial key a sequence's."""
    if not sole_key or options.get("array") or options["type"] not in ("integer", "bigint"):
        return False
    if dialect == "sqlite":
        return options["type"] == "integer" and not referencing
    default = reflected.get("default") or ""
    return default.startswith("nextval(") and not reflected.get("identity")


def column_default(raw: str, options: dict[str, Any], enum_values: dict[str, list[str]],
                   dialect: str = "postgresql") -> Any:
    """A reflected default as the spec writes it: a literal when the text is exactly one, `now` for
    the current date/time function, else `{sql: ...}` with the database's own text."""
    kind = str(options["type"])
    literal = _literal(raw.strip(), kind, options, enum_values, _NOW_SQLITE if dialect == "sqlite" else _NOW)
    return {"sql": raw} if literal is _NONE else literal


_NONE = object()


def _literal(raw: str, kind: str, options: dict[str, Any], enum_values: dict[str, list[str]],
             now: dict[str, set[str]]) -> Any:
    if options.get("array"):
        return _array_literal(raw, kind, options)
    bare = raw
    while bare.startswith("(") and bare.endswith(")") and _balanced(bare[1:-1]):
        bare = bare[1:-1].strip()
    if kind in _TEMPORAL and bare.lower() in now.get(kind, set()):
        return "now"
    quoted = _QUOTED.fullmatch(bare)
    value = quoted.group(1).replace("''", "'") if quoted else None
    if kind in _TEXT:  # (SQLite keeps a default longer than the column, as it keeps longer values)
        fits = value is not None and len(value) <= (options.get("length") or len(value))
        return value if fits else _NONE
    if kind == "enum":
        return value if value is not None and value in enum_values.get(str(options["enum"]), []) else _NONE
    if kind == "boolean":
        spelled = (value if value is not None else bare).lower()
        return {"true": True, "false": False, "1": True, "0": False}.get(spelled, _NONE)
    number = value if value is not None else bare
    if kind in _INTEGERS:
        return int(number) if re.fullmatch(r"-?\d+", number) else _NONE
    if kind in ("real", "double", "numeric") and _NUMBER.fullmatch(number):
        if re.fullmatch(r"-?\d+", number):
            return int(number)
        if repr(float(number)) == number:
            return float(number)
        # a numeric's `1.50` is the spec's decimal string, kept as written (a float would print `1.5`);
        # `{sql: ...}` would make the column server-set, left out of the Insert and Update schemas
        return number if kind == "numeric" else _NONE
    if value is None:
        return _NONE
    if kind in _JSON:
        try:
            data = json.loads(value)
        except ValueError:
            return _NONE
        if isinstance(data, dict) and len(data) == 1 and set(data) <= {"sql", "json"}:
            return {"json": data}
        return data
    if kind in _TEMPORAL:
        parse = {"date": datetime.date.fromisoformat, "time": datetime.time.fromisoformat,
                 "timestamp": datetime.datetime.fromisoformat}[kind]
        try:
            parse(value)
        except ValueError:
            return _NONE
        return value if value not in ("now", "uuid") else _NONE
    if kind == "uuid":
        try:
            return str(uuid.UUID(value)) if value != "uuid" else _NONE
        except ValueError:
            return _NONE
    return _NONE


def _array_literal(raw: str, kind: str, options: dict[str, Any]) -> Any:
    """`'{a,b}'::text[]`, what PostgreSQL prints for the spec's `default: [a, b]`, as that list (else
    `{sql: ...}`, which would make the column server-set: no Insert or Update field). Only items
    PostgreSQL prints bare and the spec gives back as the same text: words and integers."""
    quoted = _QUOTED.fullmatch(raw.strip())
    body = quoted.group(1) if quoted and raw.strip().endswith("[]") else None
    if body is None or not (body.startswith("{") and body.endswith("}")):
        return _NONE
    items = body[1:-1].split(",") if body != "{}" else []
    if kind in _INTEGERS and all(re.fullmatch(r"-?\d+", item) for item in items):
        return [int(item) for item in items]
    length = options.get("length")
    if kind in _TEXT and all(re.fullmatch(r"[A-Za-z_][\w.-]*", item) and item.lower() != "null"
                             and (length is None or len(item) <= length) for item in items):
        return items
    return _NONE


def _balanced(text: str) -> bool:
    depth = 0
    for ch in text:
        depth += {"(": 1, ")": -1}.get(ch, 0)
        if depth < 0:
            return False
    return depth == 0
