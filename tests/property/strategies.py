"""Hypothesis strategies: random *valid* schemagen specs, and values that fit their columns.

`spec_plans()` draws a `SpecPlan`: the spec as plain Python data (`plan.spec`, dumped to YAML with
`plan.yaml()`) plus what the round-trip test needs to know about it (which columns are foreign
keys and to what, which must hold distinct values, which relations follow which foreign key).
Everything in the plan is also written in the spec itself; the plan only saves re-deriving it.

The specs are valid by construction: every table has a primary key, foreign keys have the type of
the column they reference, relations are declared so that they resolve, and names are distinct in
every namespace that the README says must be distinct. When `generate()` rejects a spec drawn here,
either this module or the generator is wrong, and the test says which spec it was.

`column_values()` / `shape_values()` draw values that the generated Insert schema must accept for a
column or a typed-JSON shape: inside the type's range, the column's length and the spec's rules.

Open generator bugs are kept out of the random search by `EXCLUDED` (each entry names the bug; its
regression test at the end of test_generated_code.py keeps it visible); set
`SCHEMAGEN_PROPERTY_ALL=1` to search with them switched back on. `INVALID` lists what the generator
now rejects on purpose (most of it found by this search), which a strategy of valid specs must avoid.

Names are drawn to include SQL reserved words, Python keywords and soft keywords, names SQLAlchemy,
Pydantic and the generated modules use (`metadata`, `model_x`, `select`, `Field`, ...), builtins,
and unicode letters; SQL names given with `column:`, table names and constraint names include
spaces, quotes, `%`, `:` and names of 63 bytes.
"""

from __future__ import annotations

import datetime as dt
import decimal
import math
import os
import string
import unicodedata
import uuid
from dataclasses import dataclass, field
from typing import Any

import yaml
from hypothesis import strategies as st

from schemagen import names as sg_names

# ---------------------------------------------------------------------------------------------
# Parts of the search switched off.
#
# EXCLUDED: open generator bugs. The search stays clear of them so that it can find others; each has a
# regression test at the end of test_generated_code.py that fails until the bug is fixed. Once fixed,
# drop the entry here and the search covers that ground again.
#
# INVALID: specs the generator now rejects with a SpecError (most were bugs found by this search and
# fixed in c7a53ed by refusing the spec); the strategy draws valid specs only, so it keeps clear of
# them for good. Their regression tests accept the SpecError.

EXCLUDED: dict[str, str] = {
    "json_big_floats": "finding F3 (PostgreSQL, not schemagen): jsonb normalises numbers, so an integral float "
                       ">= 1e16 in an untyped json value comes back as an int",
}

INVALID: dict[str, str] = {
    "index_on_json": "B5: `index`/`unique` on a json column is an error",
    "duplicate_index_names": "B6: a column indexed twice (`index: true` and `indexes:`) is an error",
    "duplicate_constraint_names": "B23: an index or constraint name used twice in a package is an error",
    "table_name:sqlite_x": "B10: table names starting with `sqlite_` are an error",
    "enum_pg_type_name": "B13: an enum whose SQL type is a PostgreSQL built-in type is an error",
    "spec_nul": "B14: NUL in comments, string defaults, enum values (SQL text) is an error",
    r"pattern:^(?!admin)[a-z]*$": "B15: patterns with look-around or back-references are an error",
    "time_timezone": "B16: `timezone` on a `time` column is an error",
    "long_enum_values": "B18: enum values over 63 bytes are an error",
    "bytes_array": "B20: `array: true` on bytes is an error",
    "enum_table_type_clash": "B26: an enum whose SQL type is also a table name is an error",
    "json_null_in_not_null": "B11: the Insert schema refuses null for a NOT NULL untyped json column",
    "numeric_precision_only": "B24: numeric(p) has scale 0; the Insert schema refuses fractions",
}

if os.environ.get("SCHEMAGEN_PROPERTY_ALL") == "1":
    EXCLUDED = {}


def enabled(feature: str) -> bool:
    return feature not in EXCLUDED and feature not in INVALID


# ---------------------------------------------------------------------------------------------
# Names

SQL_RESERVED = ("user", "order", "group", "select", "from", "table", "check", "default")
PY_KEYWORDS = ("class", "import", "from", "def", "None", "lambda", "global")
RESERVED_ATTRS = ("metadata", "query", "registry", "model_x", "model_config", "model_fields", "schema", "json",
                  "copy", "dict", "validate", "fields", "changes", "apply_to", "construct", "query_class")
SOFT_KEYWORDS = ("type", "match", "case")
IMPORT_LIKE = ("select", "text", "func", "datetime", "uuid", "decimal", "enum", "typing", "Any", "Field", "Mapped",
               "relationship", "mapped_column", "Annotated", "BaseModel", "sqlalchemy", "pydantic", "Integer",
               "String", "Enum", "ConfigDict", "TypeAdapter", "Base", "eager", "JSON", "Optional")
BUILTIN_NAMES = ("int", "str", "bool", "float", "list", "bytes", "object", "id", "max", "len")
SOFT_DELETE_METHODS = ("live", "restore", "soft_delete")
UNICODE_NAMES = ("straße", "名前", "día", "größe", "ñandú", "café", "número", "日付", "имя", "δεδομένα", "Ωμέγα")

# SQL names given with `column:` (anything non-empty without NUL, at most 63 characters)
SQL_ODD_NAMES = ("first name", "Weird-Name", 'quo"te', "it's", "per%cent", "colon:name", "UPPER", "MiXeD",
                 "select", "名前 列", "(paren)", "x" * 63, "ä" * 31, "%(x)s", "?", " padded ", "a/b", "-- x")

TABLE_ODD_NAMES = ("My Table", "weird-name", "UPPER", 'quo"te', "per%cent", "it's", "tbl:colon", "t" * 63,
                   "日" * 21, "status", "kind", "sqlite_x", "pg_x", "%(x)s", " padded ")

CLASS_HOSTILE = ("Base", "RelationInfo", "EagerLoad", "Enum", "Integer", "String", "BaseModel", "Field",
                 "Mapped", "Any", "Decimal", "MetaData", "JSON", "Text", "Date", "Uuid", "TypeAdapter",
                 "ConfigDict", "TypeDecorator", "Self", "ClassVar", "Literal", "Annotated", "Select", "Index",
                 "NamedTuple", "Final", "Mapping", "Union", "TypeAlias", "DeclarativeBase", "Dialect", "TypeVar")
# SQLAlchemy type classes the generated models import; a spec name equal to one makes the import an alias
SA_TYPE_CLASSES = frozenset({"Integer", "String", "Text", "Date", "Time", "DateTime", "Uuid", "Boolean", "Numeric",
                             "Interval", "LargeBinary", "SmallInteger", "BigInteger", "Double", "REAL", "CHAR"})

# PostgreSQL's own type names (an enum's SQL type must not be one of them)
PG_TYPE_NAMES = frozenset({
    "bigint", "int8", "bigserial", "bit", "varbit", "bool", "boolean", "box", "bytea", "char", "character",
    "varchar", "cidr", "circle", "date", "decimal", "float4", "float8", "inet", "int", "int2", "int4",
    "integer", "interval", "json", "jsonb", "line", "lseg", "macaddr", "macaddr8", "money", "numeric", "path",
    "point", "polygon", "real", "smallint", "serial", "text", "time", "timetz", "timestamp", "timestamptz",
    "tsquery", "tsvector", "uuid", "xml", "name", "oid", "record", "regclass", "regtype", "void", "trigger",
    "any", "anyelement", "unknown", "cstring", "internal", "float", "double", "smallserial", "serial2",
    "serial4", "serial8", "bpchar", "tid", "xid", "cid", "aclitem", "pg_lsn", "txid_snapshot",
})

# Names every generated package defines itself (the README: public names must be distinct from them).
PACKAGE_NAMES = frozenset(getattr(sg_names, "PACKAGE_NAMES", ()) or
                          ("Base", "MODELS", "RELATIONS", "RelationInfo", "RelationKind", "EagerLoad", "eager"))
CLASS_UNICODE = ("Status", "Kind", "Straße", "Ñandú", "Größe", "Día", "Δέλτα", "Имя", "Ωμέγα", "Éclair")

_BUILTIN_TYPES = frozenset({"int", "str", "bool", "float", "list", "bytes", "dict", "set", "tuple", "object",
                            "frozenset", "complex", "bytearray"})
_ascii_ident = st.from_regex(r"[a-z][a-z0-9]{0,7}(_[a-z0-9]{1,6}){0,2}", fullmatch=True).filter(
    lambda name: enabled("builtin_names") or name not in _BUILTIN_TYPES)
_unicode_ident = st.text(
    st.characters(categories=["Ll", "Lo"], exclude_characters="ªº"), min_size=1, max_size=8,
).filter(lambda s: s.isidentifier() and sg_names.is_identifier(s)
         and (enabled("non_nfkc_names") or unicodedata.normalize("NFKC", s) == s))


def attribute_key(name: str) -> str:
    """The name with case folded and a trailing `_` ignored: what must differ between siblings."""
    return name.casefold().rstrip("_")


def _name_pool(*, hostile: bool = True) -> st.SearchStrategy[str]:
    options: list[st.SearchStrategy[str]] = [_ascii_ident, _ascii_ident, _ascii_ident]
    if hostile:
        options += [st.sampled_from(SQL_RESERVED), st.sampled_from(PY_KEYWORDS), st.sampled_from(RESERVED_ATTRS),
                    st.sampled_from(SOFT_KEYWORDS), st.sampled_from(UNICODE_NAMES)]
        import_like = [n for n in IMPORT_LIKE if enabled(f"name:{n}")
                       and (n not in SA_TYPE_CLASSES or enabled("nullable_aware_default"))]  # bug B28
        if import_like:
            options.append(st.sampled_from(import_like))
        if enabled("builtin_names"):
            options.append(st.sampled_from(BUILTIN_NAMES))
        if enabled("unicode_random_names"):
            options.append(_unicode_ident)
    return st.one_of(options)


field_names = _name_pool().filter(
    lambda name: (enabled("builtin_names") or name not in _BUILTIN_TYPES)
    and (enabled("attribute_named_like_class") or name not in CLASS_HOSTILE + CLASS_UNICODE))
"""Column, relation and shape field keys: Python identifiers that do not start with `_`."""


def _class_pool() -> st.SearchStrategy[str]:
    options: list[st.SearchStrategy[str]] = [
        st.from_regex(r"[A-Z][a-z]{1,8}([A-Z][a-z]{1,6})?", fullmatch=True),
        st.from_regex(r"[A-Z][a-z]{1,8}([A-Z][a-z]{1,6})?", fullmatch=True),
    ]
    if enabled("unicode_class_names"):
        options.append(st.sampled_from(CLASS_UNICODE))
    hostile = [n for n in CLASS_HOSTILE if enabled(f"class_name:{n}")
               and (n not in SA_TYPE_CLASSES or enabled("nullable_aware_default"))]  # bug B28
    if hostile:
        options.append(st.sampled_from(hostile))
    return st.one_of(options)


class_names = _class_pool()


def _table_name_pool() -> st.SearchStrategy[str]:
    options: list[st.SearchStrategy[str]] = [_ascii_ident, _ascii_ident, _ascii_ident,
                                             st.sampled_from(SQL_RESERVED), st.sampled_from(UNICODE_NAMES)]
    if enabled("odd_table_names"):
        options.append(st.sampled_from([n for n in TABLE_ODD_NAMES if enabled(f"table_name:{n}")]))
    return st.one_of(options)


table_names = _table_name_pool()

def sql_name_ok(name: str) -> bool:
    """What the README allows as an SQL name (tables, `column:`, constraint names)."""
    return bool(name.strip()) and len(name.encode()) <= 63 and "." not in name and name.isprintable()


# Free text for comments, messages and string defaults: quotes, backslashes, `%`, braces, newlines,
# unicode; NUL only where `spec_nul` is enabled.
_PUNCT = "'\"\\%{}:;#&*!|>-?,[]@`\t\n\r "


def spec_text(*, min_size: int = 0, max_size: int = 30) -> st.SearchStrategy[str]:
    exclude = "" if enabled("spec_nul") else "\x00"
    return st.one_of(
        st.text(st.characters(codec="utf-8", exclude_categories=["Cs"], exclude_characters=exclude or None),
                 min_size=min_size, max_size=max_size),
        st.text(st.sampled_from(string.ascii_letters + _PUNCT), min_size=min_size, max_size=max_size),
    )


# ---------------------------------------------------------------------------------------------
# Values (data rows). NUL and lone surrogates are never data: PostgreSQL refuses NUL in text and
# jsonb, and surrogates cannot be encoded; both are database limits, not generator behaviour.

def data_text(*, min_size: int = 0, max_size: int | None = 20, alphabet: str | None = None) -> st.SearchStrategy[str]:
    if alphabet is not None:
        return st.text(st.sampled_from(alphabet), min_size=min_size, max_size=max_size)
    chars = st.characters(codec="utf-8", exclude_categories=["Cs"], exclude_characters="\x00")
    return st.text(chars, min_size=min_size, max_size=max_size)


INT_RANGES = {
    "smallint": (-(2**15), 2**15 - 1),
    "integer": (-(2**31), 2**31 - 1),
    "bigint": (-(2**63), 2**63 - 1),
    "serial": (1, 2**31 - 1),
    "bigserial": (1, 2**63 - 1),
}
SCALAR_TYPES = ("smallint", "integer", "bigint", "boolean", "real", "double", "numeric", "varchar", "char", "text",
                "date", "time", "timestamp", "interval", "uuid", "bytes", "enum")
ARRAY_TYPES = tuple(t for t in SCALAR_TYPES if t != "bytes" or enabled("bytes_array"))
DISTINCT_TYPES = ("smallint", "integer", "bigint", "numeric", "varchar", "char", "text", "date", "timestamp", "uuid",
                  "double")
TEXT_TYPES = ("varchar", "char", "text")
NUMBER_TYPES = ("smallint", "integer", "bigint", "real", "double", "numeric")
SHAPE_BUILTINS = ("str", "int", "float", "bool", "decimal", "date", "datetime", "time", "uuid", "any")

# Patterns and the alphabet (and minimum size) of values that match them.
PATTERNS: dict[str, tuple[str, int]] = {
    r"^[a-z]*$": (string.ascii_lowercase, 0),
    r"^[A-Za-z0-9 _-]+$": (string.ascii_letters + string.digits + " _-", 1),
    r"^\d+$": (string.digits, 1),
    r"^[^\s]*$": (string.ascii_letters + string.digits + "äß名!?.,", 0),
    r"^.*$": (string.ascii_letters + " ñ日\t", 0),
    r"^(?!admin)[a-z]*$": ("bcdfg", 0),
    r"^[a-z]+(?:-[a-z]+)*$": (string.ascii_lowercase, 1),
}


def usable_patterns() -> list[str]:
    return [p for p in PATTERNS if enabled(f"pattern:{p}")]


def _pattern_text(pattern: str, min_size: int, max_size: int | None) -> st.SearchStrategy[str]:
    alphabet, least = PATTERNS[pattern]
    if pattern == r"^[a-z]+(?:-[a-z]+)*$":
        # words joined by single dashes
        words = st.lists(st.text(st.sampled_from(string.ascii_lowercase), min_size=1, max_size=4), min_size=1,
                         max_size=4).map("-".join)
        return words.filter(lambda s: len(s) >= min_size and (max_size is None or len(s) <= max_size))
    return st.text(st.sampled_from(alphabet), min_size=max(min_size, least), max_size=max_size)


def _text_values(col: dict[str, Any]) -> st.SearchStrategy[str]:
    rules = col.get("validate") or {}
    kind = col["type"]
    length = col.get("length")
    low = rules.get("min_length") or 0
    high_candidates = [x for x in (length, rules.get("max_length")) if x is not None]
    high = min(high_candidates) if high_candidates else None
    if col.get("array"):
        low, high = 0, length  # list rules count items
        rules = {k: v for k, v in rules.items() if k not in ("min_length", "max_length")}
    if kind == "char":
        assert length is not None
        low = high = length  # a char value fills its column (B25: PostgreSQL would pad a shorter one)
    if high is None:
        high = 20 if low <= 20 else low + 5
    fmt = rules.get("format")
    if fmt == "email":
        local = st.text(st.sampled_from(string.ascii_lowercase + string.digits), min_size=1, max_size=10)
        domain = st.text(st.sampled_from(string.ascii_lowercase), min_size=1, max_size=8)
        return st.builds(lambda a, b: f"{a}@{b}.com", local, domain).filter(lambda s: low <= len(s) <= high)
    if fmt == "url":
        path = st.text(st.sampled_from(string.ascii_lowercase + string.digits), max_size=10)
        return st.builds(lambda p: f"https://example.org/{p}", path).filter(lambda s: low <= len(s) <= high)
    if fmt == "uuid":
        return st.builds(lambda u, up: str(u).upper() if up else str(u), st.uuids(), st.booleans())
    if rules.get("pattern") is not None:
        return _pattern_text(rules["pattern"], low, high)
    return data_text(min_size=low, max_size=high)


def _int_bounds(kind: str, rules: dict[str, Any]) -> tuple[int, int]:
    low, high = INT_RANGES[kind]
    if rules.get("ge") is not None:
        low = max(low, math.ceil(rules["ge"]))
    if rules.get("gt") is not None:
        low = max(low, math.floor(rules["gt"]) + 1)
    if rules.get("le") is not None:
        high = min(high, math.floor(rules["le"]))
    if rules.get("lt") is not None:
        high = min(high, math.ceil(rules["lt"]) - 1)
    return low, high


def _float_values(kind: str, rules: dict[str, Any]) -> st.SearchStrategy[float]:
    width = 32 if kind == "real" else 64
    kwargs: dict[str, Any] = {"allow_nan": False, "allow_infinity": False, "width": width,
                              "allow_subnormal": False}
    if rules.get("ge") is not None:
        kwargs["min_value"] = float(rules["ge"])
    if rules.get("gt") is not None:
        kwargs["min_value"], kwargs["exclude_min"] = float(rules["gt"]), True
    if rules.get("le") is not None:
        kwargs["max_value"] = float(rules["le"])
    if rules.get("lt") is not None:
        kwargs["max_value"], kwargs["exclude_max"] = float(rules["lt"]), True
    return st.floats(**kwargs)


def _numeric_values(col: dict[str, Any]) -> st.SearchStrategy[decimal.Decimal]:
    precision, scale = col.get("precision"), col.get("scale")
    rules = col.get("validate") or {}
    if scale is not None:
        places: int | None = scale
    elif precision is not None and not enabled("numeric_precision_only"):
        places = 0  # numeric(p) is numeric(p, 0) on PostgreSQL (bug B24)
    else:
        places = None
    if precision is None:
        limit = decimal.Decimal(10) ** 12
    else:
        whole = precision - (places or 0)
        limit = decimal.Decimal(10) ** whole - (decimal.Decimal(1).scaleb(-(places or 0)))
    low, high = -limit, limit
    if rules.get("ge") is not None:
        low = max(low, decimal.Decimal(str(rules["ge"])))
    if rules.get("le") is not None:
        high = min(high, decimal.Decimal(str(rules["le"])))
    values = st.decimals(min_value=low, max_value=high, places=places, allow_nan=False, allow_infinity=False)
    if places is None:
        # SQLite holds a numeric without scale as its REAL: exact up to 15 significant digits (README)
        values = values.filter(lambda value: len(value.normalize().as_tuple().digits) <= 15)
    if precision is not None:
        def fits(value: decimal.Decimal) -> bool:
            _, digits, exponent = value.normalize().as_tuple()
            assert isinstance(exponent, int)
            decimals = max(0, -exponent)
            return max(len(digits), decimals) <= precision and (scale is None or decimals <= scale)
        values = values.filter(fits)
    return values


_UTC_OFFSETS = st.integers(-14 * 60, 14 * 60).map(lambda m: dt.timezone(dt.timedelta(minutes=m)))


def aware_datetimes() -> st.SearchStrategy[dt.datetime]:
    return st.datetimes(min_value=dt.datetime(1900, 1, 2), max_value=dt.datetime(2200, 12, 30),
                        timezones=_UTC_OFFSETS if enabled("odd_offsets") else st.just(dt.UTC))


def naive_datetimes() -> st.SearchStrategy[dt.datetime]:
    return st.datetimes(min_value=dt.datetime(1, 1, 1), max_value=dt.datetime(9999, 12, 31, 23, 59, 59))


def item_values(col: dict[str, Any], spec: dict[str, Any]) -> st.SearchStrategy[Any]:
    """Values of one item of a column (the column's value, for a scalar column)."""
    kind = col["type"]
    rules = col.get("validate") or {}
    if kind in ("smallint", "integer", "bigint"):
        low, high = _int_bounds(kind, rules)
        return st.integers(low, high)
    if kind == "boolean":
        return st.booleans()
    if kind in ("real", "double"):
        return _float_values(kind, rules)
    if kind == "numeric":
        return _numeric_values(col)
    if kind in TEXT_TYPES:
        return _text_values(col)
    if kind == "date":
        return st.dates()
    if kind == "time":
        if col.get("timezone"):
            return st.times(timezones=st.just(dt.UTC))
        return st.times()
    if kind == "timestamp":
        return aware_datetimes() if col.get("timezone") else naive_datetimes()
    if kind == "interval" and col.get("months"):
        # the generated Interval's three parts, each with its own sign, as ISO 8601 text (or a timedelta)
        parts = st.tuples(st.integers(-1200, 1200), st.integers(-36500, 36500), st.integers(-(10**14), 10**14))
        return st.one_of(parts.map(lambda p: _iso_interval(*p)), st.timedeltas(min_value=dt.timedelta(days=-36500),
                                                                                max_value=dt.timedelta(days=36500)))
    if kind == "interval":
        return st.timedeltas(min_value=dt.timedelta(days=-36500), max_value=dt.timedelta(days=36500))
    if kind == "uuid":
        return st.uuids()
    if kind == "bytes":
        return st.binary(max_size=40)
    if kind == "enum":
        return st.sampled_from(spec["enums"][col["enum"]])
    if kind in ("json", "jsonb"):
        schema = col.get("schema")
        if schema is None:
            not_null = col.get("_not_null", False) or (col.get("nullable") is False
                                                        and not enabled("json_null_in_not_null"))
            return json_values(top_level_null=not not_null)
        return shape_values(schema, spec)
    raise AssertionError(kind)


def _iso_interval(months: int, days: int, microseconds: int) -> str:
    seconds, fraction = divmod(abs(microseconds), 1_000_000)
    return f"P{months}M{days}DT{'-' if microseconds < 0 else ''}{seconds}.{fraction:06d}S"


def column_values(col: dict[str, Any], spec: dict[str, Any]) -> st.SearchStrategy[Any]:
    """Values the Insert schema must accept for a column, without None."""
    item = item_values(col, spec)
    if not col.get("array"):
        return item
    rules = col.get("validate") or {}
    low = rules.get("min_length") or 0
    high = rules.get("max_length")
    return st.lists(item, min_size=low, max_size=min(high, low + 3) if high is not None else low + 3)


def _json_scalars() -> st.SearchStrategy[Any]:
    floats = st.floats(allow_nan=False, allow_infinity=False)
    if not enabled("json_big_floats"):
        floats = st.floats(min_value=-1e15, max_value=1e15, allow_nan=False, allow_infinity=False)
    return st.one_of(st.none(), st.booleans(), st.integers(-(2**63), 2**63), floats, data_text(max_size=10))


def _json_containers(inner: st.SearchStrategy[Any]) -> st.SearchStrategy[Any]:
    return st.one_of(st.lists(inner, max_size=3), st.dictionaries(data_text(max_size=6), inner, max_size=3))


def json_values(*, top_level_null: bool = True) -> st.SearchStrategy[Any]:
    """JSON values; the top level is never a float while bug B27 is excluded."""
    value = st.recursive(_json_scalars(), _json_containers, max_leaves=6)
    if not enabled("json_top_level_float"):
        value = value.filter(lambda v: not isinstance(v, float))
    return value if top_level_null else value.filter(lambda v: v is not None)


def parse_type_expr(text: str) -> tuple[str, Any]:
    """`list[X]` -> ("list", X), `dict[str, X]` -> ("dict", X), else ("name", text)."""
    text = text.strip()
    if text.startswith("list[") and text.endswith("]"):
        return "list", text[5:-1]
    if text.startswith("dict[str,") and text.endswith("]"):
        return "dict", text[len("dict[str,"):-1].strip()
    return "name", text


def shape_field(value: Any) -> dict[str, Any]:
    return {"type": value} if isinstance(value, str) else value


def shape_values(type_expr: str, spec: dict[str, Any], field_spec: dict[str, Any] | None = None) -> st.SearchStrategy[Any]:
    """JSON-mode values (dates as ISO text, decimals as text) of a shape type expression."""
    rules = field_spec or {}
    kind, inner = parse_type_expr(type_expr)
    if kind == "list":
        return st.lists(shape_values(inner, spec), max_size=3)
    if kind == "dict":
        return st.dictionaries(data_text(max_size=6), shape_values(inner, spec), max_size=3)
    name = inner
    if name == "str":
        if rules.get("enum") is not None:
            return st.sampled_from(rules["enum"])
        low, high = rules.get("min_length") or 0, rules.get("max_length")
        if rules.get("pattern") is not None:
            return _pattern_text(rules["pattern"], low, high if high is not None else low + 10)
        return data_text(min_size=low, max_size=high if high is not None else low + 10)
    if name == "int":
        low, high = _int_bounds("bigint", rules)
        return st.integers(low, high)
    if name == "float":
        return _float_values("double", rules).filter(lambda f: enabled("json_big_floats") or abs(f) < 1e15)
    if name == "bool":
        return st.booleans()
    if name == "decimal":
        return st.decimals(allow_nan=False, allow_infinity=False, min_value=-10**12, max_value=10**12,
                           places=4).map(str)
    if name == "date":
        return st.dates().map(dt.date.isoformat)
    if name == "datetime":
        return st.one_of(naive_datetimes(), aware_datetimes()).map(dt.datetime.isoformat)
    if name == "time":
        return st.times().map(dt.time.isoformat)
    if name == "uuid":
        return st.uuids().map(str)
    if name == "any":
        return json_values(top_level_null=enabled("any_null_default") or bool(rules.get("nullable")))
    if name in spec.get("enums", {}):
        return st.sampled_from(spec["enums"][name])
    shape = spec["types"][name]
    required: dict[str, st.SearchStrategy[Any]] = {}
    optional: dict[str, st.SearchStrategy[Any]] = {}
    for key, raw in shape.items():
        fspec = shape_field(raw)
        values = shape_values(fspec["type"], spec, fspec)
        if fspec.get("nullable"):
            values = st.one_of(st.none(), values)
        if "default" in fspec or fspec.get("nullable"):
            optional[key] = values
        else:
            required[key] = values
    return st.fixed_dictionaries(required, optional=optional)


# ---------------------------------------------------------------------------------------------
# The plan


@dataclass
class ColumnPlan:
    key: str
    spec: dict[str, Any]  # the column's mapping, as written (shorthand expanded)
    shorthand: bool = False
    pk: bool = False
    fk: tuple[str, str] | None = None  # (table, column key) it references
    distinct: bool = False  # rows must hold pairwise distinct (non-null) values
    server_set: bool = False
    server_value: Any = None  # the value a `{sql: ...}` default gives, when known

    @property
    def nullable(self) -> bool:
        if self.pk:
            return False
        return bool(self.spec.get("nullable", True))

    @property
    def has_literal_default(self) -> bool:
        return "default" in self.spec and not self.server_set

    def yaml_value(self) -> Any:
        return self.spec["type"] if self.shorthand else self.spec


@dataclass
class RelationPlan:
    name: str
    kind: str  # one (this table holds the FK), inverse-one, many, m2m
    target: str
    fk_table: str = ""
    fk_column: str = ""
    through: str | None = None
    near: str | None = None  # link column pointing to this table
    far: str | None = None  # link column pointing to the target


@dataclass
class TablePlan:
    name: str
    columns: dict[str, ColumnPlan] = field(default_factory=dict)
    pk: list[str] = field(default_factory=list)
    relations: list[RelationPlan] = field(default_factory=list)
    options: dict[str, Any] = field(default_factory=dict)  # model, comment, unique, indexes, ...
    link: bool = False
    table_pk: bool = False  # `primary_key: [...]` on the table

    def fks(self, target: str) -> list[ColumnPlan]:
        return [c for c in self.columns.values() if c.fk is not None and c.fk[0] == target]


@dataclass
class SpecPlan:
    spec: dict[str, Any]
    tables: dict[str, TablePlan]

    def yaml(self) -> str:
        return to_yaml(self.spec)


class _SafeDumper(yaml.SafeDumper):
    """`yaml.safe_dump`, without anchors for objects that appear twice (specs may not use aliases)."""

    def ignore_aliases(self, data: Any) -> bool:
        return True


def _represent_str(dumper: yaml.SafeDumper, data: str) -> yaml.ScalarNode:
    # PyYAML (allow_unicode=True) writes U+0085 raw inside a single-quoted scalar, where YAML folds it
    # into a space when read back; a double-quoted scalar escapes it as `\N`.
    if "\x85" in data:
        return dumper.represent_scalar("tag:yaml.org,2002:str", data, style='"')
    return yaml.SafeDumper.represent_str(dumper, data)


_SafeDumper.add_representer(str, _represent_str)


def to_yaml(spec: dict[str, Any]) -> str:
    return yaml.dump(spec, Dumper=_SafeDumper, sort_keys=False, allow_unicode=True)


class _Names:
    """Distinct names within one namespace."""

    def __init__(self, taken: set[str] | None = None) -> None:
        self.taken: set[str] = set(taken or ())

    def draw(self, draw: Any, strategy: st.SearchStrategy[str], fallback: str) -> str:
        for _ in range(6):
            name: str = draw(strategy)
            if attribute_key(name) not in self.taken:
                break
        else:
            name = fallback
            counter = 1
            while attribute_key(name) in self.taken:
                counter += 1
                name = f"{fallback}{counter}"
        self.taken.add(attribute_key(name))
        return name


def _public_names(class_name: str) -> set[str]:
    return {class_name, f"{class_name}Insert", f"{class_name}Select", f"{class_name}Update"}


# ---------------------------------------------------------------------------------------------
# enums and shapes


@st.composite
def _enum_values(draw: Any) -> list[str]:
    pool = st.one_of(
        _ascii_ident, _ascii_ident,
        st.sampled_from(["yes", "no", "on", "off", "3.10", "in-progress", "null", "true", "1", "N/A", "it's",
                         "día", "名前", "100%", "a b"]),
        spec_text(min_size=1, max_size=12),
        st.just("e" * 70) if enabled("long_enum_values") else st.nothing(),
    )
    count = draw(st.integers(1, 5))
    values: list[str] = []
    members: set[str] = set()
    for _ in range(count * 2):
        value = draw(pool)
        member = sg_names.enum_member(value)
        if value in values or member in members:
            continue
        if not member.isidentifier() and not enabled("enum_member_not_identifier"):
            continue  # bug B29
        values.append(value)
        members.add(member)
        if len(values) == count:
            break
    if not values:
        values = ["only"]
    return values


def _shape_field_type(draw: Any, enums: dict[str, list[str]], shapes: list[str]) -> str:
    options = list(SHAPE_BUILTINS) + list(enums) + shapes
    base: str = draw(st.sampled_from(options))
    wrap = draw(st.sampled_from(["", "", "", "list", "dict"]))
    if wrap == "list":
        return f"list[{base}]"
    if wrap == "dict":
        return f"dict[str, {base}]"
    return base


@st.composite
def _shape(draw: Any, spec: dict[str, Any], enums: dict[str, list[str]], shapes: list[str]) -> dict[str, Any]:
    fields: dict[str, Any] = {}
    used = _Names()
    for index in range(draw(st.integers(1, 4))):
        key = used.draw(draw, field_names, f"f{index}")
        type_expr = _shape_field_type(draw, enums, shapes)
        fspec: dict[str, Any] = {"type": type_expr}
        kind, inner = parse_type_expr(type_expr)
        if kind == "name" and inner == "str":
            choice = draw(st.sampled_from(["", "", "len", "enum", "pattern"]))
            if choice == "len":
                low = draw(st.integers(0, 3))
                fspec["min_length"], fspec["max_length"] = low, low + draw(st.integers(0, 10))
            elif choice == "enum":
                fspec["enum"] = draw(st.lists(_ascii_ident, min_size=1, max_size=3, unique=True))
            elif choice == "pattern" and usable_patterns():
                fspec["pattern"] = draw(st.sampled_from(usable_patterns()))
        elif kind == "name" and inner in ("int", "float") and draw(st.booleans()):
            low = draw(st.integers(-100, 100))
            fspec["ge"], fspec["le"] = low, low + draw(st.integers(0, 1000))
        if draw(st.integers(0, 4)) == 0:
            fspec["nullable"] = True
        if draw(st.integers(0, 4)) == 0:
            fspec["comment"] = draw(spec_text(max_size=20))
        risky = any(b in type_expr for b in ("date", "time", "uuid", "decimal"))
        if draw(st.integers(0, 3)) == 0 and (not risky or enabled("shape_builtin_defaults")):
            fspec["default"] = draw(shape_values(type_expr, {**spec, "enums": enums}, fspec))
        if set(fspec) == {"type"} and draw(st.booleans()):
            fields[key] = type_expr
        else:
            fields[key] = fspec
    return fields


# ---------------------------------------------------------------------------------------------
# columns


def _rules(draw: Any, col: dict[str, Any], enums: dict[str, list[str]]) -> dict[str, Any] | None:
    kind = col["type"]
    array = col.get("array", False)
    rules: dict[str, Any] = {}
    if array and draw(st.integers(0, 3)) == 0:
        low = draw(st.integers(0, 2))
        rules["min_length"], rules["max_length"] = low, low + draw(st.integers(0, 3))
    if kind in ("smallint", "integer", "bigint"):
        if draw(st.booleans()):
            type_low, type_high = INT_RANGES[kind]
            low = draw(st.one_of(st.integers(-1000, 1000), st.integers(type_low, type_high)))
            high = draw(st.one_of(st.integers(low, low + 1000), st.integers(low, type_high)))
            high = min(high, type_high)
            if draw(st.booleans()):
                rules["ge"] = low
            else:
                rules["gt"] = low - 1
            if draw(st.booleans()):
                rules["le"] = high
            else:
                rules["lt"] = high + 1
    elif kind in ("real", "double"):
        if draw(st.booleans()):
            bounds = sorted(draw(st.lists(st.sampled_from([-1000, -2.5, -1, 0, 0.5, 1, 2.25, 100, 1e6]),
                                          min_size=2, max_size=2, unique=True)))
            rules["ge" if draw(st.booleans()) else "gt"] = bounds[0]
            rules["le" if draw(st.booleans()) else "lt"] = bounds[1]
    elif kind == "numeric":
        if draw(st.booleans()):
            rules["ge"] = 0
    elif kind in TEXT_TYPES:
        length = col.get("length")
        fmt = draw(st.sampled_from(["", "", "", "email", "url", "uuid"]))
        if fmt and not array and (length is None or length >= 60) and kind != "char":
            rules["format"] = fmt
        elif not array and draw(st.booleans()):
            limit = length if length is not None else 50
            low = draw(st.integers(0, min(3, limit)))
            high = draw(st.integers(low, limit))
            if kind != "char":
                if draw(st.booleans()):
                    rules["min_length"] = low
                if draw(st.booleans()):
                    rules["max_length"] = high
            if usable_patterns() and kind != "char" and draw(st.booleans()):
                rules["pattern"] = draw(st.sampled_from(usable_patterns()))
    if not rules:
        return None
    if "pattern" in rules and PATTERNS[rules["pattern"]][1] > min(
            x for x in (rules.get("max_length"), col.get("length"), 10**6) if x is not None):
        del rules["pattern"]
    if not rules:
        return None
    if draw(st.booleans()):
        rules["message"] = draw(spec_text(min_size=1, max_size=40))
    return rules


def _numeric_fits(col: dict[str, Any], value: decimal.Decimal) -> bool:
    precision, scale = col.get("precision"), col.get("scale")
    rules = col.get("validate") or {}
    if rules.get("ge") is not None and value < decimal.Decimal(str(rules["ge"])):
        return False
    if rules.get("le") is not None and value > decimal.Decimal(str(rules["le"])):
        return False
    if precision is None:
        return True
    _, digits, exponent = value.normalize().as_tuple()
    assert isinstance(exponent, int)
    places = max(0, -exponent)
    whole = max(0, len(digits) + exponent)
    return places <= (scale or 0) and whole <= precision - (scale or 0)


_NUMERIC_DEFAULTS = (0, 1, 5, -1, 0.5, 2.25, 12.5, 99, -7.75, 1000)


def _default_item(draw: Any, col: dict[str, Any], spec: dict[str, Any]) -> Any:
    """One YAML scalar that fits the column's item type, length and rules, or `_NONE`."""
    kind = col["type"]
    if kind == "numeric":
        fitting = [v for v in _NUMERIC_DEFAULTS if _numeric_fits(col, decimal.Decimal(str(v)))]
        return draw(st.sampled_from(fitting)) if fitting else _NONE
    if kind == "text" and not col.get("validate") and not col.get("array") and draw(st.booleans()):
        return draw(spec_text(max_size=20))  # hostile text in a server default: quotes, %, newlines
    value = draw(item_values(col, spec))
    if isinstance(value, (dt.date, dt.time, dt.datetime)):
        return value.isoformat()
    if isinstance(value, uuid.UUID):
        return str(value)
    return value


def _literal_default(draw: Any, col: dict[str, Any], spec: dict[str, Any]) -> Any:
    """A YAML default that fits the column (type, length, rules), or `_NONE`."""
    kind = col["type"]
    if kind in ("interval", "bytes"):
        return _NONE
    if col.get("array"):
        rules = col.get("validate") or {}
        if (rules.get("min_length") or 0) > 0:
            return _NONE
        items = [_default_item(draw, col, spec) for _ in range(draw(st.integers(0, min(2, rules.get("max_length", 2)))))]
        if any(isinstance(item, _NoneMarker) for item in items):
            return _NONE
        return items
    if kind in ("json", "jsonb"):
        value = draw(item_values({**col, "_not_null": True}, spec))
        if isinstance(value, dict) and (set(value) in ({"sql"}, {"json"}) or draw(st.integers(0, 3)) == 0):
            return {"json": value}
        return value
    return _default_item(draw, col, spec)


class _NoneMarker:
    pass


_NONE = _NoneMarker()


_SQL_DEFAULTS: dict[str, list[tuple[str, Any]]] = {
    "smallint": [("(1 + 2)", 3), ("7", 7)],
    "integer": [("(1 + 2)", 3), ("7", 7)],
    "bigint": [("(1 + 2)", 3)],
    "text": [("'abc'", "abc"), ("'it''s'", "it's")],
    "varchar": [("'abc'", "abc")],
    "boolean": [("(1 = 1)", True)],
    "date": [("CURRENT_DATE", ...)],
    "timestamp": [("CURRENT_TIMESTAMP", ...)],
    "double": [("1.5", 1.5)],
}


def _column_spec(draw: Any, spec: dict[str, Any], kind: str, *, array: bool) -> tuple[dict[str, Any], bool, Any]:
    """(mapping, server_set, server_value) for a plain (non-key) column of `kind`."""
    col: dict[str, Any] = {"type": kind}
    enums = spec.get("enums", {})
    if array:
        col["array"] = True
    if kind == "varchar" and draw(st.booleans()):
        col["length"] = draw(st.integers(1, 300))
    if kind == "char":
        col["length"] = draw(st.integers(1, 10))
    if kind == "numeric" and draw(st.integers(0, 3)) > 0:
        col["precision"] = draw(st.integers(1, 15))
        if draw(st.integers(0, 3)) > 0:
            col["scale"] = draw(st.integers(0, col["precision"]))
    if kind in ("timestamp",) and draw(st.booleans()):
        col["timezone"] = True
    if kind == "interval" and draw(st.booleans()):
        col["months"] = True
    if kind == "time" and enabled("time_timezone") and draw(st.integers(0, 3)) == 0:
        col["timezone"] = True
    if kind == "enum":
        col["enum"] = draw(st.sampled_from(sorted(enums)))
    if kind in ("json", "jsonb"):
        choices = ["untyped", "untyped", "dict[str, int]", "list[str]", *spec.get("typed_enums", {})]
        for shape in spec.get("types", {}):
            choices += [shape, f"list[{shape}]", f"dict[str, {shape}]"]
        choice = draw(st.sampled_from(choices))
        if choice != "untyped":
            col["schema"] = choice
    nullable = draw(st.sampled_from([None, True, False]))
    if nullable is not None:
        col["nullable"] = nullable
    rules = _rules(draw, col, enums)
    if rules:
        col["validate"] = rules
    server_set, server_value = False, None
    default_kind = draw(st.sampled_from(["", "", "", "literal", "literal", "special", "sql", "null"]))
    aware_nullable = kind == "timestamp" and col.get("timezone") and not array and col.get("nullable", True)
    if default_kind in ("literal", "sql") and aware_nullable and not enabled("nullable_aware_default"):
        default_kind = ""  # bug B28
    if default_kind == "literal":
        value = _literal_default(draw, {**col, "_not_null": True}, spec)
        if not isinstance(value, _NoneMarker):
            col["default"] = value
    elif default_kind == "special" and not array:
        if kind in ("date", "time", "timestamp"):
            col["default"] = "now"
            server_set = True
            if kind != "time" and draw(st.booleans()):
                col["on_update"] = "now"
        elif kind == "uuid":
            col["default"] = "uuid"
            server_set = True
        elif kind in ("text", "varchar") and not rules and (col.get("length") or 3) >= 3:
            col["default"] = draw(st.sampled_from(["now", "uuid"]))  # plain text on a text column
    elif default_kind == "sql" and not array and kind in _SQL_DEFAULTS and not rules:
        # a SQL default is text to schemagen: a rule it breaks is the spec's contradiction, which the
        # rule's CHECK refuses at insert (as it should)
        sql, expected = draw(st.sampled_from(_SQL_DEFAULTS[kind]))
        col["default"] = {"sql": sql}
        server_set, server_value = True, expected
    elif default_kind == "null" and col.get("nullable", True):
        col["default"] = None
    if kind == "timestamp" and not array and "default" not in col and enabled("on_update_without_default") \
            and draw(st.integers(0, 5)) == 0:
        col["on_update"] = "now"
        server_set = True
    if draw(st.integers(0, 4)) == 0:
        col["comment"] = draw(spec_text(max_size=30))
    if draw(st.integers(0, 5)) == 0 and (kind != "json" or enabled("index_on_json")):
        col["index"] = True
    return col, server_set, server_value


def _column_sql_name() -> st.SearchStrategy[str]:
    pool = [n for n in SQL_ODD_NAMES if enabled(f"column_name:{n}")]
    return st.one_of(st.sampled_from(pool), _ascii_ident, st.sampled_from(SQL_RESERVED))


# ---------------------------------------------------------------------------------------------
# the spec


def _pk_column(draw: Any, spec: dict[str, Any]) -> tuple[dict[str, Any], bool]:
    """(mapping, server_set) for a single-column primary key."""
    kind = draw(st.sampled_from(["serial", "serial", "bigserial", "integer", "bigint", "uuid", "varchar"]))
    col: dict[str, Any] = {"type": kind, "primary_key": True}
    server_set = kind in ("serial", "bigserial")
    if kind == "uuid" and draw(st.booleans()):
        col["default"] = "uuid"
        server_set = True
    if kind == "varchar" and draw(st.booleans()):
        col["length"] = draw(st.integers(5, 60))
    return col, server_set


def _storage(col: dict[str, Any]) -> dict[str, Any]:
    """The column mapping a foreign key to `col` needs (same storage type)."""
    kind = {"serial": "integer", "bigserial": "bigint"}.get(col["type"], col["type"])
    out: dict[str, Any] = {"type": kind}
    if kind in ("varchar", "char") and col.get("length") is not None:
        out["length"] = col["length"]
    return out


@st.composite
def spec_plans(draw: Any, *, max_tables: int = 6) -> SpecPlan:
    spec: dict[str, Any] = {}
    public: set[str] = set()

    def fresh_class(fallback: str) -> str:
        for _ in range(6):
            name: str = draw(class_names)
            if not (_public_names(name) & public) and sg_names.is_identifier(name) and not sg_names.needs_mapping(name) \
                    and name not in PACKAGE_NAMES \
                    and (name not in SA_TYPE_CLASSES or enabled("nullable_aware_default")):
                break
        else:
            name = fallback
            while _public_names(name) & public:
                name += "X"
        return name

    if draw(st.booleans()):
        spec["package"] = draw(st.one_of(st.builds("sg_{}".format, _ascii_ident),
                                         st.sampled_from(["paquete_día", "straße_pkg", "pkg_名前"])))
    if draw(st.booleans()):
        spec["dialect"] = draw(st.sampled_from(["postgresql", "sqlite"]))

    # enums
    enums: dict[str, list[str]] = {}
    enum_sql: set[str] = set()
    for index in range(draw(st.integers(0, 3))):
        name = fresh_class(f"EnumType{index}")
        sql = sg_names.snake_case(name)
        if sql in PG_TYPE_NAMES and not enabled("enum_pg_type_name"):
            continue
        if sql in enum_sql or (not sql and not enabled("enum_empty_sql_name")):
            continue  # two enums must give two SQL type names
        enum_sql.add(sql)
        public.add(name)
        enums[name] = draw(_enum_values())
    if enums:
        spec["enums"] = enums

    # typed-JSON shapes, each using only shapes drawn before it
    # Type expressions (`list[X]`, `schema: X`) take ASCII names only (see EXCLUDED), so shapes get
    # ASCII names and only ASCII-named enums are used in them.
    typed_enums = {k: v for k, v in enums.items() if k.isascii() or enabled("unicode_type_references")}
    shapes: dict[str, Any] = {}
    for index in range(draw(st.integers(0, 3))):
        name = fresh_class(f"Shape{index}")
        if not name.isascii() and not enabled("unicode_type_references"):
            name = f"Shape{index}"
            while _public_names(name) & public:
                name += "X"
        public.add(name)
        shapes[name] = draw(_shape({"types": shapes, "enums": enums}, typed_enums, list(shapes)))
    if shapes:
        order = draw(st.permutations(list(shapes)))
        spec["types"] = {name: shapes[name] for name in order}
    spec.setdefault("types", {})
    ctx = {"enums": enums, "types": spec["types"], "typed_enums": typed_enums}

    # tables: entities first (foreign keys point back to earlier ones or to themselves), then links
    n_tables = draw(st.integers(1, max_tables))
    n_links = draw(st.integers(0, min(2, n_tables - 1))) if n_tables > 1 else 0
    n_entities = n_tables - n_links
    plans: dict[str, TablePlan] = {}
    table_keys: set[str] = set()
    classes: dict[str, str] = {}

    def new_table(index: int) -> TablePlan:
        for _ in range(6):
            name = draw(table_names)
            clash = name.casefold() in {e.casefold() for e in enum_sql} and not enabled("enum_table_type_clash")
            if name.casefold() not in table_keys and name.lower() not in table_keys and not clash:
                break
        else:
            name = f"table_{index}"
        table_keys.update({name.casefold(), name.lower()})
        plan = TablePlan(name)
        derived = sg_names.class_name(name)
        simple = name.isascii() and name.replace("_", "").isalnum() and name[:1].isalpha()
        if simple and derived and sg_names.is_identifier(derived) and not sg_names.needs_mapping(derived) \
                and derived not in PACKAGE_NAMES \
                and (derived not in SA_TYPE_CLASSES or enabled("nullable_aware_default")) \
                and derived[:1].isupper() and not (_public_names(derived) & public) and draw(st.booleans()):
            class_name = derived
        else:
            class_name = fresh_class(f"Model{index}")
            plan.options["model"] = class_name
        public.update(_public_names(class_name))
        classes[name] = class_name
        if draw(st.integers(0, 3)) == 0:
            plan.options["comment"] = draw(spec_text(max_size=40))
        return plan

    column_kinds = [k for k in SCALAR_TYPES if k != "enum" or enums] + ["json", "jsonb"]
    constraint_names: set[str] = set()

    for index in range(n_entities):
        plan = new_table(index)
        used = _Names()
        sql_used: set[str] = set()

        def add_column(key: str, col: dict[str, Any], plan: TablePlan = plan, sql_used: set[str] = sql_used,
                       **flags: Any) -> ColumnPlan:
            if draw(st.integers(0, 6)) == 0 and not flags.get("pk"):
                for _ in range(4):
                    sql = draw(_column_sql_name())
                    if sql.lower() not in sql_used:
                        col["column"] = sql
                        break
            if col.get("column", key).lower() in sql_used:
                col["column"] = f"{key}_{len(sql_used)}"
            sql_used.add(col.get("column", key).lower())
            shorthand = set(col) == {"type"} and draw(st.booleans())
            column = ColumnPlan(key, col, shorthand=shorthand, **flags)
            plan.columns[key] = column
            return column

        pk_key = used.draw(draw, st.one_of(st.just("id"), field_names), "id")
        pk_col, pk_server = _pk_column(draw, ctx)
        add_column(pk_key, pk_col, pk=True, server_set=pk_server, distinct=True)
        plan.pk = [pk_key]

        # foreign keys to earlier tables and to this one
        targets = [t for t in plans.values() if not t.link]
        for _ in range(draw(st.integers(0, 2))):
            self_ref = draw(st.integers(0, 3)) == 0
            if self_ref:
                target = plan
            elif targets:
                target = draw(st.sampled_from(targets))
            else:
                continue
            referenced = [c for c in target.columns.values() if c.pk or (c.spec.get("unique") and not c.spec.get(
                "array") and c.spec["type"] in ("uuid", "varchar", "integer", "bigint") and not c.nullable)]
            ref = draw(st.sampled_from(referenced))
            key = used.draw(draw, field_names, f"ref{len(used.taken)}")
            col = _storage(ref.spec)
            nullable = self_ref or draw(st.booleans())
            col["nullable"] = nullable
            col["references"] = f"{target.name}.{ref.key}"
            action = draw(st.sampled_from(["", "cascade", "restrict", "no action"] + (["set null"] if nullable else [])))
            if action:
                col["on_delete"] = action
            if draw(st.integers(0, 4)) == 0:
                col["on_update"] = draw(st.sampled_from(["cascade", "restrict", "no action"]))
            unique = draw(st.integers(0, 3)) == 0
            if unique:
                col["unique"] = True
            add_column(key, col, fk=(target.name, ref.key), distinct=unique)

        for column_index in range(draw(st.integers(0, 7))):
            key = used.draw(draw, field_names, f"col{column_index}")
            kind = draw(st.sampled_from(column_kinds))
            array = kind in ARRAY_TYPES and draw(st.integers(0, 4)) == 0
            col, server_set, server_value = _column_spec(draw, ctx, kind, array=array)
            distinct = False
            if kind in DISTINCT_TYPES and not array and not server_set and draw(st.integers(0, 4)) == 0:
                col["unique"] = True
                distinct = True
            add_column(key, col, server_set=server_set, server_value=server_value, distinct=distinct)
            if kind == "enum" and array and not enabled("enum_array_alone"):
                # keep clear of B7: the enum type also serves a plain column
                companion = used.draw(draw, field_names, f"{key}_one")
                add_column(companion, {"type": "enum", "enum": col["enum"]})

        # a soft-delete column
        if draw(st.integers(0, 4)) == 0:
            key = used.draw(draw, st.one_of(st.just("deleted_at"), field_names), "deleted_at")
            add_column(key, {"type": "timestamp", "timezone": draw(st.booleans()), "nullable": True})
            plan.options["soft_delete"] = key

        # table options over distinct-able plain columns
        plain = [c for c in plan.columns.values() if not c.pk and c.fk is None and not c.server_set
                 and not c.spec.get("array") and c.spec["type"] in DISTINCT_TYPES]
        if plain and draw(st.integers(0, 3)) == 0:
            chosen = draw(st.lists(st.sampled_from(plain), min_size=1, max_size=2, unique_by=lambda c: c.key))
            for c in chosen:
                c.distinct = True
            entry: Any = [c.key for c in chosen]
            if draw(st.booleans()):
                name = draw(spec_text(min_size=1, max_size=20).filter(sql_name_ok))
                if not enabled("constraint_named_like_table"):
                    name = f"uq {name}"  # never a table's name (bug B23)
                if name in constraint_names and not enabled("duplicate_constraint_names"):
                    name = f"uq_custom_{index}"
                constraint_names.add(name)
                entry = {"columns": entry, "name": name}
            plan.options["unique"] = [entry]
        indexable = [c for c in plan.columns.values() if c.spec["type"] not in ("json",)]
        if indexable and draw(st.integers(0, 3)) == 0:
            chosen = draw(st.lists(st.sampled_from(indexable), min_size=1, max_size=2, unique_by=lambda c: c.key))
            table_index: dict[str, Any] = {"columns": [c.key for c in chosen]}
            if draw(st.booleans()) or not enabled("duplicate_index_names"):
                table_index["name"] = f"ix_custom_{len(plans)}_{draw(_ascii_ident)}"
            if draw(st.booleans()):
                first = chosen[0]
                quoted = '"' + first.spec.get("column", first.key).replace('"', '""') + '"'
                table_index["where"] = f"{quoted} IS NOT NULL"
            if draw(st.integers(0, 2)) == 0 and all(c.spec["type"] in DISTINCT_TYPES and c.fk is None
                                                     and not c.server_set for c in chosen):
                table_index["unique"] = True
                for c in chosen:
                    c.distinct = True
            plan.options["indexes"] = [table_index]
        checkable = [c for c in plan.columns.values() if c.spec["type"] != "json"]
        if checkable and draw(st.integers(0, 4)) == 0:
            some = draw(st.sampled_from(checkable))
            quoted = '"' + some.spec.get("column", some.key).replace('"', '""') + '"'
            plan.options["checks"] = [{"name": f"chk_{draw(_ascii_ident)}",
                                       "sql": f"{quoted} IS NULL OR {quoted} = {quoted}"}]
        plans[plan.name] = plan

    # relations along the foreign keys
    for plan in list(plans.values()):
        for column in list(plan.columns.values()):
            if column.fk is None:
                continue
            target = plans[column.fk[0]]
            self_ref = target is plan
            several = len(plan.fks(target.name)) > 1 or self_ref
            if draw(st.integers(0, 3)) > 0:
                name = _relation_name(draw, plan)
                rel: dict[str, Any] = {"one": target.name}
                if several or draw(st.integers(0, 3)) == 0:
                    rel["fields"] = [column.key]
                plan.options.setdefault("relations", {})[name] = rel
                plan.relations.append(RelationPlan(name, "one", target.name, plan.name, column.key))
            if draw(st.integers(0, 3)) > 0:
                name = _relation_name(draw, target)
                many_fks = len(plan.fks(target.name)) > 1 or self_ref
                if column.spec.get("unique") and not self_ref and not target.fks(plan.name):
                    rel = {"one": plan.name}
                    if many_fks:
                        rel["references"] = [column.key]
                    kind = "inverse-one"
                else:
                    rel = {"many": plan.name}
                    if many_fks or draw(st.integers(0, 3)) == 0:
                        rel["references"] = [column.key]
                    kind = "many"
                target.options.setdefault("relations", {})[name] = rel
                target.relations.append(RelationPlan(name, kind, plan.name, plan.name, column.key))

    # many-to-many link tables
    entities = [t for t in plans.values()]
    for index in range(n_links):
        left = draw(st.sampled_from(entities))
        right = draw(st.sampled_from(entities))
        link = new_table(n_entities + index)
        link.link = True
        used = _Names()
        left_pk = left.columns[left.pk[0]]
        right_pk = right.columns[right.pk[0]]
        near = used.draw(draw, field_names, "left_id")
        far = used.draw(draw, field_names, "right_id")
        for key, target, pk in ((near, left, left_pk), (far, right, right_pk)):
            col = _storage(pk.spec)
            col["references"] = f"{target.name}.{pk.key}"
            col["on_delete"] = "cascade"
            col["nullable"] = False
            link.columns[key] = ColumnPlan(key, col, fk=(target.name, pk.key))
        if draw(st.booleans()):
            link.pk = [near, far]
            link.table_pk = True
        else:
            pk_key = used.draw(draw, st.just("id"), "link_id")
            link.columns = {pk_key: ColumnPlan(pk_key, {"type": "serial", "primary_key": True}, pk=True,
                                               server_set=True, distinct=True), **link.columns}
            link.pk = [pk_key]
        if draw(st.booleans()):
            key = used.draw(draw, field_names, "note")
            link.columns[key] = ColumnPlan(key, {"type": "text"}, shorthand=draw(st.booleans()))
        self_m2m = left is right
        directions = [(left, right, near, far)]
        if draw(st.integers(0, 3)) > 0:
            directions.append((right, left, far, near))
        for side, other, this_col, other_col in directions:
            name = _relation_name(draw, side)
            rel = {"many": other.name, "through": link.name}
            if self_m2m or draw(st.integers(0, 3)) == 0:
                rel["through_fields"] = [this_col, other_col]
            side.options.setdefault("relations", {})[name] = rel
            side.relations.append(RelationPlan(name, "m2m", other.name, through=link.name, near=this_col,
                                               far=other_col))
        # the side tables may also see the link rows themselves
        if draw(st.integers(0, 3)) == 0:
            name = _relation_name(draw, left)
            rel = {"many": link.name}
            if self_m2m or draw(st.booleans()):
                rel["references"] = [near]
            left.options.setdefault("relations", {})[name] = rel
            left.relations.append(RelationPlan(name, "many", link.name, link.name, near))
        # the link table mapped as a class of its own, with relations to both sides (overlaps)
        if draw(st.integers(0, 2)) == 0:
            for key in (near, far):
                target = plans[link.columns[key].fk[0]]  # type: ignore[index]
                name = _relation_name(draw, link)
                rel = {"one": target.name}
                if self_m2m:
                    rel["fields"] = [key]
                link.options.setdefault("relations", {})[name] = rel
                link.relations.append(RelationPlan(name, "one", target.name, link.name, key))
        plans[link.name] = link

    # write the tables into the spec
    tables: dict[str, Any] = {}
    for plan in plans.values():
        body: dict[str, Any] = {}
        if "model" in plan.options:
            body["model"] = plan.options["model"]
        if "comment" in plan.options:
            body["comment"] = plan.options["comment"]
        if plan.table_pk:
            body["primary_key"] = list(plan.pk)
        body["columns"] = {key: column.yaml_value() for key, column in plan.columns.items()}
        for option in ("unique", "indexes", "checks", "soft_delete", "relations"):
            if option in plan.options:
                body[option] = plan.options[option]
        tables[plan.name] = body
    if not spec["types"]:
        del spec["types"]
    spec["tables"] = tables
    return SpecPlan(spec, plans)


def _relation_name(draw: Any, table: TablePlan) -> str:
    taken = {attribute_key(k) for k in table.columns} | {attribute_key(r.name) for r in table.relations}
    taken |= {attribute_key(r) for r in table.options.get("relations", {})}
    names = _Names(taken)
    if table.options.get("soft_delete"):
        names.taken |= set(SOFT_DELETE_METHODS) if not enabled("soft_delete_method_names") else set()
    # `a0_0` and `a_0_0` are two names but one nested read schema (`XWithA00`), which the spec refuses
    nested = {_nested_suffix(r.name) for r in table.relations} | {_nested_suffix(r) for r in
                                                                     table.options.get("relations", {})}
    while True:
        name = names.draw(draw, field_names, f"rel{len(table.relations)}")
        if _nested_suffix(name) not in nested:
            return name


def _nested_suffix(relation: str) -> str:
    return sg_names.nested_schema_name("", sg_names.attribute_name(relation))


specs = spec_plans().map(lambda plan: plan.spec)
"""Random valid specs as plain dicts."""

COLUMN_TYPE_NAMES: tuple[str, ...] = SCALAR_TYPES + ("serial", "bigserial", "json", "jsonb")
"""Every column type of the spec language."""
