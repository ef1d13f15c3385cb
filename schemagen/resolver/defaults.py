"""Column defaults: each documented spelling checked against the column's type and turned into a value."""

from __future__ import annotations

import decimal
import math
import uuid
from typing import Any

from schemagen.catalog import TypeRef
from schemagen.catalog.kinds import AUTO_NUMBERED, JSON, KINDS, TEMPORAL, TEXT, kinds_of
from schemagen.errors import SpecPath
from schemagen.resolver.context import Context, ResolvedColumn, kind_of
from schemagen.resolver.shapes import check_json_default, parse_iso, plain_json, show_value
from schemagen.spec.scalars import as_text
from schemagen.spec.model import JsonDefault, SqlDefault

_JSON = kinds_of(JSON)
_TEXT = kinds_of(TEXT)
_TEMPORAL = kinds_of(TEMPORAL)


def column_default(ctx: Context, column: ResolvedColumn) -> None:
    _default(ctx, column)
    spec = column.spec
    if spec.server_set:  # the database's alone: refused in Insert and Update payloads
        column.server_set = True
        if not column.default_kind and spec.generated is None and not column.autoincrement \
                and column.identity is None:
            ctx.fail((*column.path, "server_set"), "`server_set: true` needs a `default:` for the database (or "
                     "the ORM) to set the column from",
                     "add `default: now`, `default: uuid` or `default: {sql: ...}`, or remove `server_set`")


def _default(ctx: Context, column: ResolvedColumn) -> None:
    """A default, of any kind, leaves the column writable: optional on insert (`server_set: true` aside)."""
    spec = column.spec
    if "default" not in spec.model_fields_set:  # (most columns)
        if spec.on_update == "now":
            column.default_kind = "now"  # set on insert too, as an update would
        return
    path = (*column.path, "default")
    value = spec.default
    kind = kind_of(spec)
    if isinstance(value, SqlDefault):
        column.default_kind, column.default_value = "sql", value.sql
        return
    if isinstance(value, JsonDefault):
        if kind not in _JSON:
            ctx.fail(path, "`{json: ...}` defaults apply to json and jsonb columns")
            return
        value = value.json_
    elif value == "now" and kind in _TEMPORAL and not spec.array:
        column.default_kind = "now"
        return
    elif value == "uuid" and kind == "uuid" and not spec.array:
        column.default_kind = "uuid"
        return
    if column.autoincrement or column.identity is not None:
        ctx.fail(path, f"`{kind}` columns are numbered by the database and take no default"
                 if column.identity is None or kind in AUTO_NUMBERED else
                 "identity columns are numbered by the database and take no default")
        return
    if value is None:
        if not column.nullable:
            ctx.fail(path, "`default: null` on a column that is not nullable",
                     "leave `default:` out (the value is then required on insert), or make the column nullable")
        return
    try:
        column.default_value = _default_value(ctx, column, value)
        column.default_kind = "literal"
    except ValueError as exc:
        inside: SpecPath = getattr(exc, "where", ())
        if inside and isinstance(spec.default, JsonDefault):
            inside = ("json", *inside)
        shown = kind if isinstance(spec.type, str) else spec.type.sql
        ctx.fail((*path, *inside), f"default {show_value(value)} does not fit the "
                 f"`{shown}{'[]' if spec.array else ''}` column: {exc}", _default_hint(kind))


def _default_value(ctx: Context, column: ResolvedColumn, value: Any) -> Any:
    spec = column.spec
    if kind_of(spec) in _JSON:
        if column.json_type is not None:
            check_json_default(value, column.json_type, ctx.spec)
        else:
            check_json_default(value, TypeRef("builtin", name="any"), ctx.spec)
        return plain_json(value)
    if spec.array:
        if not isinstance(value, list):
            raise ValueError("an array column takes a list")
        return [_scalar_default(ctx, column, item) for item in value]
    return _scalar_default(ctx, column, value)


def _scalar_default(ctx: Context, column: ResolvedColumn, value: Any) -> Any:
    kind = kind_of(column.spec)
    if isinstance(value, (dict, list)):
        raise ValueError("expected a single value")
    if kind == "boolean":
        if not isinstance(value, bool):
            raise ValueError("expected true or false")
        return value
    value_range = KINDS[kind].value_range
    if value_range is not None:
        if isinstance(value, bool) or not isinstance(value, int):
            raise ValueError("expected a whole number")
        low, high = value_range
        if not low <= value <= high:
            raise ValueError(f"out of range {low}..{high}")
        return int(value)
    if kind in ("real", "double"):
        if isinstance(value, bool) or not isinstance(value, (int, float)) or not math.isfinite(value):
            raise ValueError("expected a finite number")
        return float(value)
    if kind == "numeric":
        if isinstance(value, bool) or not isinstance(value, (int, float, str)):
            raise ValueError("expected a number")
        try:  # a decimal string (`"0.00"`, as Drizzle and Pydantic take it) keeps its exact spelling
            number = decimal.Decimal(as_text(value).strip() if isinstance(value, str) else as_text(value))
        except decimal.InvalidOperation:
            raise ValueError("expected a number, or a decimal string such as `\"0.00\"`") from None
        if not number.is_finite():
            raise ValueError("expected a finite number")
        _fits_numeric(number, column.spec.precision, column.spec.scale)
        return number
    if kind in _TEXT:
        if not isinstance(value, (str, int, float)) or isinstance(value, bool):
            raise ValueError("expected text (quote it)")
        text = str(as_text(value))
        if column.spec.length is not None and len(text) > column.spec.length:
            raise ValueError(f"longer than the column's length {column.spec.length}")
        if kind == "char" and column.spec.length is not None and len(text) < column.spec.length:
            raise ValueError(f"shorter than the column's length {column.spec.length}: a `char` value "
                             "fills it (use `varchar` for shorter text)")
        return text
    if kind == "enum":
        text = str(as_text(value))
        enum = ctx.spec.enums.get(column.enum or "")
        values = enum.values if enum is not None else []
        if text not in values:
            raise ValueError(f"`{text}` is not a value of `{column.enum}` ({', '.join(values)})")
        return text
    if kind == "uuid":
        try:
            return uuid.UUID(str(value))
        except ValueError:
            raise ValueError("expected a UUID such as `00000000-0000-0000-0000-000000000000`") from None
    if kind in _TEMPORAL:
        try:
            return parse_iso(kind, str(value))
        except ValueError:
            raise ValueError(f"expected an ISO {kind} such as "
                             f"{ {'date': '2024-01-31', 'time': '09:30:00', 'timestamp': '2024-01-31T09:30:00'}[kind] }"
                             " or `now`") from None
    if kind == "sql":
        raise ValueError("a pass-through type takes no literal default; use `{sql: ...}`")
    raise ValueError(f"`{kind}` columns take no literal default; use `{{sql: ...}}`")


def _default_hint(kind: str) -> str:
    if kind in _TEMPORAL:
        return "use `now`, an ISO literal, or `{sql: ...}`"
    if kind == "uuid":
        return "use `uuid` for a generated value, a UUID literal, or `{sql: ...}`"
    return "use a literal of the column's type, or `{sql: ...}` for an SQL expression"


def _fits_numeric(number: decimal.Decimal, precision: int | None, scale: int | None) -> None:
    """What the Insert schema checks (`max_digits`, `decimal_places`) holds for the default too."""
    if precision is None:
        return
    places = scale or 0
    exponent = number.as_tuple().exponent
    fraction = -exponent if isinstance(exponent, int) and exponent < 0 else 0
    whole = len(number.as_tuple().digits) - fraction if number != 0 else 0
    if fraction > places or whole > precision - places:
        before = precision - places
        raise ValueError(f"numeric({precision}, {places}) holds up to {before} digit{'s' * (before != 1)} before "
                         f"the point and {places} after it")
