"""Enums and typed-JSON shapes: names, values, field types, defaults, and the order shapes are written in."""

from __future__ import annotations

import datetime
import decimal
import json
import math
import re
import uuid
from typing import Any

from schemagen import names
from schemagen.catalog import TypeRef
from schemagen.catalog.kinds import SHAPE_BUILTINS
from schemagen.errors import SpecPath, did_you_mean, one_of
from schemagen.resolver.context import Context
from schemagen.spec.scalars import as_text
from schemagen.spec.model import ShapeField, Spec

# Built-in PostgreSQL type names an enum's SQL type must not take.
_POSTGRES_TYPES = frozenset({
    "bigint", "bigserial", "bit", "bool", "boolean", "box", "bytea", "char", "character", "cidr", "circle",
    "date", "decimal", "float4", "float8", "inet", "int", "int2", "int4", "int8", "integer", "interval", "json",
    "jsonb", "line", "lseg", "macaddr", "money", "name", "numeric", "oid", "path", "point", "polygon", "real",
    "record", "serial", "smallint", "smallserial", "text", "time", "timestamp", "timestamptz", "timetz",
    "tsquery", "tsvector", "uuid", "varchar", "varbit", "xml", "regclass", "void", "trigger",
})
BUILTINS = frozenset(SHAPE_BUILTINS)


def enums(ctx: Context) -> None:
    sql_names: dict[str, str] = {}
    for name, enum in ctx.spec.enums.items():
        path: SpecPath = ("enums", name)
        values = enum.values
        if not ctx.class_name_ok(name, path, "enum name"):
            continue
        ctx.claim(name, path, "enum", f"the enum `{name}`")
        sql = enum.sql_name if enum.sql_name is not None else names.snake_case(name)
        if enum.sql_name is not None:
            problem = names.sql_name_problem(sql)
            if problem:
                ctx.fail((*path, "sql_name"), f"`{sql}` is not a usable SQL type name: {problem}",
                         f"e.g. `sql_name: {names.snake_case(name)}`")
                continue
        # SQL-name errors point at `sql_name:` when the spec gives one, else at the enum's name
        where, key = ((*path, "sql_name"), False) if enum.sql_name is not None else (path, True)
        rename = "choose another `sql_name`" if enum.sql_name is not None else f"rename it, e.g. `{name}Kind`"
        if sql in sql_names:
            ctx.fail(where, f"enums `{name}` and `{sql_names[sql]}` both become the SQL type `{sql}`", key=key)
        sql_names[sql] = name
        ctx.enum_names[name] = sql
        if sql in _POSTGRES_TYPES:
            ctx.fail(where, f"enum `{name}` would be the SQL type `{sql}`, which is a PostgreSQL built-in type",
                     rename, key=key)
        if sql in {t.lower() for t in ctx.spec.tables}:
            ctx.fail(where, f"enum `{name}` would be the SQL type `{sql}`, the name PostgreSQL also gives the "
                     f"table `{sql}`", rename.replace("rename it", "rename the enum"), key=key)
        if isinstance(ctx.raw_value(path), dict):
            path = (*path, "values")  # where the values are, for the errors below
        if not values:
            ctx.fail(path, f"enum `{name}` has no values", "list at least one value")
        members: dict[str, str] = {}
        for index, value in enumerate(values):
            member = names.enum_member(value)
            if "\x00" in value:
                ctx.fail((*path, index), f"a value of enum `{name}` holds a NUL character, which PostgreSQL "
                         "cannot store", "remove it")
            elif len(value.encode()) > names.MAX_SQL_NAME:
                ctx.fail((*path, index), f"a value of enum `{name}` is {len(value.encode())} bytes long; "
                         f"PostgreSQL enum values hold at most {names.MAX_SQL_NAME}", "shorten it")
            elif value in values[:index]:
                ctx.fail((*path, index), f"enum `{name}` lists the value `{value}` twice")
            elif member in members:
                ctx.fail((*path, index), f"enum values `{members[member]}` and `{value}` of `{name}` both "
                         f"become the member name `{member}`", "make the values differ in letters or digits")
            members[member] = value
        for new, old in (enum.renamed_from or {}).items():
            where_renamed = (*path[:2], "renamed_from", new)
            if new not in values:
                ctx.fail(where_renamed, f"`{new}` is not a value of enum `{name}`: `renamed_from:` maps a value "
                         "of `values:` to its previous name", f"one of {one_of(values)}", key=True)
            elif old in values:
                ctx.fail(where_renamed, f"`{old}`, the previous name of `{new}`, is still a value of enum `{name}`",
                         "remove it from `values:`, or the rename")


def shapes(ctx: Context) -> None:
    known = set(ctx.spec.types) | set(ctx.spec.enums)
    deps: dict[str, set[str]] = {}
    for name, fields in ctx.spec.types.items():
        path: SpecPath = ("types", name)
        if not ctx.class_name_ok(name, path, "type name"):
            continue
        ctx.claim(name, path, "type", f"the type `{name}`")
        deps[name] = set()
        if not fields:
            ctx.fail(path, f"type `{name}` has no fields")
        for field_name, shape_field in fields.items():
            fpath = (*path, field_name)
            ctx.field_name_ok(field_name, fpath, "field")
            ref = parse_type(shape_field.type)
            if ref is None:
                ctx.fail((*fpath, "type") if isinstance(ctx.raw_value(fpath), dict) else fpath,
                         f"`{shape_field.type}` is not a type expression",
                         f"use one of {one_of(sorted(BUILTINS))}, a type or enum name, "
                         "`list[X]` or `dict[str, X]`")
                continue
            for named in ref.named():
                if named not in known:
                    ctx.fail(fpath, f"field `{field_name}` of type `{name}` names the unknown type `{named}`"
                             f"{did_you_mean(named, known | BUILTINS)}",
                             f"use one of {one_of(sorted(BUILTINS))}, or a name from `types:` or "
                             "`enums:`")
                elif named in ctx.spec.types:
                    deps[name].add(named)
            if shape_field.enum is not None and ref != TypeRef("builtin", name="str"):
                ctx.fail((*fpath, "enum"), f"`enum:` on a shape field needs `type: str`, not `{shape_field.type}`",
                         "or declare the values under `enums:` and write `type: EnumName`", key=True)
            _shape_default(ctx, shape_field, ref, fpath)
    # Shapes are emitted so that each follows the shapes it uses (spec order otherwise).
    done: list[str] = []
    trail: list[str] = []  # "Shape.field" steps of the walk in progress

    def visit(name: str) -> None:
        if name in done:
            return
        entered = [step.split(".")[0] for step in trail]
        if name in entered:
            cycle = " -> ".join([*trail[entered.index(name):], name])
            ctx.fail(("types", name), f"type `{name}` refers to itself through its fields ({cycle})",
                     "recursive shapes are not supported; store the nested part as `any`", key=True)
            done.extend(entered[entered.index(name):])  # one report per cycle
            return
        for field_name, shape_field in ctx.spec.types.get(name, {}).items():
            ref = parse_type(shape_field.type)
            for dep in ref.named() if ref is not None else []:
                if dep in deps:
                    trail.append(f"{name}.{field_name}")
                    visit(dep)
                    trail.pop()
                    if ctx.errors and dep not in done:
                        return
        done.append(name)

    for name in deps:
        visit(name)
    ctx.shape_order = done


def _shape_default(ctx: Context, shape_field: ShapeField, ref: TypeRef, path: SpecPath) -> None:
    if "default" not in shape_field.model_fields_set or shape_field.default is None:
        return
    try:
        check_json_default(shape_field.default, ref, ctx.spec)
    except ValueError as exc:
        ctx.fail((*path, "default"), f"default does not fit the type `{shape_field.type}`: {exc}")


_TOKEN = re.compile(r"\s*([^\W\d]\w*|\[|\]|,)")


def parse_type(text: str) -> TypeRef | None:
    tokens = []
    position = 0
    while position < len(text):
        match = _TOKEN.match(text, position)
        if not match:
            if text[position:].strip():
                return None
            break
        tokens.append(match.group(1))
        position = match.end()
    parsed, rest = _parse_tokens(tokens)
    return parsed if parsed is not None and not rest else None


def _parse_tokens(tokens: list[str]) -> tuple[TypeRef | None, list[str]]:
    if not tokens or not re.fullmatch(r"[^\W\d]\w*", tokens[0]):
        return None, tokens
    head, rest = tokens[0], tokens[1:]
    if head == "list" and rest[:1] == ["["]:
        item, rest = _parse_tokens(rest[1:])
        if item is None or rest[:1] != ["]"]:
            return None, rest
        return TypeRef("list", item=item), rest[1:]
    if head == "dict" and rest[:3] == ["[", "str", ","]:
        item, rest = _parse_tokens(rest[3:])
        if item is None or rest[:1] != ["]"]:
            return None, rest
        return TypeRef("dict", item=item), rest[1:]
    if head in BUILTINS:
        return TypeRef("builtin", name=head), rest
    return TypeRef("named", name=head), rest


class JsonDefaultError(ValueError):
    """A JSON default that does not fit its type; `where` is the path inside the default."""

    def __init__(self, message: str, where: SpecPath = ()) -> None:
        super().__init__(message)
        self.where = where


def check_json_default(value: Any, ref: TypeRef, spec: Spec, where: SpecPath = (), label: str = "") -> None:
    """Raise JsonDefaultError when a YAML default cannot be a value of the type expression."""
    if ref.kind in ("list", "dict"):
        assert ref.item is not None
        if not isinstance(value, list if ref.kind == "list" else dict):
            raise JsonDefaultError(f"{f'`{label}` ' if label else ''}expected a {ref.kind == 'list' and 'list' or 'mapping'}",
                                   where)
        items = enumerate(value) if isinstance(value, list) else value.items()
        for key, item in items:
            check_json_default(item, ref.item, spec, (*where, key), f"{label}[{key!r}]" if label else "")
        return
    if ref.kind == "named":
        if ref.name in spec.enums:
            if as_text(value) not in spec.enums[ref.name].values:
                raise JsonDefaultError(f"`{value}` is not a value of `{ref.name}`", where)
            return
        shape = spec.types.get(ref.name)
        if shape is None:
            return
        if not isinstance(value, dict):
            raise JsonDefaultError(f"expected a mapping for `{ref.name}`", where)
        for key in value:
            if key not in shape:
                raise JsonDefaultError(f"`{ref.name}` has no field `{key}`{did_you_mean(key, shape)}", (*where, key))
        for key, shape_field in shape.items():
            sub = parse_type(shape_field.type)
            if key in value:
                if value[key] is None:
                    if not shape_field.nullable and sub != TypeRef("builtin", name="any"):
                        raise JsonDefaultError(f"`{ref.name}.{key}` cannot be null", (*where, key))
                elif sub is not None:
                    check_json_default(value[key], sub, spec, (*where, key), f"{ref.name}.{key}")
            elif "default" not in shape_field.model_fields_set and not shape_field.nullable:
                raise JsonDefaultError(f"`{ref.name}.{key}` is required", where)
        return
    if value is not None and not _fits_builtin(ref.name, value):
        expects = f"`{label}` expects" if label else "expected"
        raise JsonDefaultError(f"{expects} {ref.name}, got {show_value(value)}", where)
    try:
        plain_json(value)
    except ValueError as exc:
        raise JsonDefaultError(str(exc), where) from None


def parse_iso(kind: str, text: str) -> datetime.date | datetime.time | datetime.datetime:
    if kind == "date":
        return datetime.date.fromisoformat(text)
    if kind == "time":
        return datetime.time.fromisoformat(text)
    return datetime.datetime.fromisoformat(text)


def _fits_builtin(name: str, value: Any) -> bool:
    """Whether a YAML value is a valid default for a shape field of a builtin type."""
    if isinstance(value, bool):
        return name in ("bool", "any")
    if name in ("date", "datetime", "time", "uuid"):
        try:
            if name == "uuid":
                uuid.UUID(str(value))
            else:
                parse_iso({"datetime": "timestamp"}.get(name, name), str(value))
        except ValueError:
            return False
        return isinstance(value, str)
    if name == "decimal":
        try:
            return isinstance(value, (int, float, str)) and decimal.Decimal(str(as_text(value))).is_finite()
        except decimal.InvalidOperation:
            return False
    kinds: dict[str, tuple[type, ...]] = {"str": (str,), "int": (int,), "float": (int, float), "bool": (bool,)}
    return name == "any" or isinstance(value, kinds[name])


def show_value(value: Any) -> str:
    if isinstance(value, (dict, list)):
        return json.dumps(plain_json(value))[:60]
    return f"`{as_text(value)}`"


def plain_json(value: Any) -> Any:
    """YAML-loaded JSON data with numbers as plain int/float."""
    if isinstance(value, dict):
        return {str(k): plain_json(v) for k, v in value.items()}
    if isinstance(value, list):
        return [plain_json(v) for v in value]
    if isinstance(value, bool) or value is None or isinstance(value, str):
        return value
    if isinstance(value, int):
        return int(value)
    if isinstance(value, float):
        if not math.isfinite(value):
            raise ValueError("JSON has no infinity or NaN")
        return float(value)
    return value


_PARSE_BUILTIN: dict[str, Any] = {
    "decimal": decimal.Decimal, "uuid": uuid.UUID, "date": datetime.date.fromisoformat,
    "datetime": datetime.datetime.fromisoformat, "time": datetime.time.fromisoformat,
}


def typed_json(value: Any, ref: TypeRef | None, spec: Spec) -> Any:
    """A checked JSON default as the Python value the generated code holds: decimals, dates, times and
    UUIDs of typed fields parsed from their text, enum values as their text, numbers as plain int/float."""
    if value is None or ref is None:
        return plain_json(value)
    if ref.kind == "named" and ref.name in spec.enums:
        return as_text(value)
    if ref.kind == "list" and isinstance(value, list):
        return [typed_json(item, ref.item, spec) for item in value]
    if ref.kind == "dict" and isinstance(value, dict):
        return {str(key): typed_json(item, ref.item, spec) for key, item in value.items()}
    shape = spec.types.get(ref.name) if ref.kind == "named" else None
    if shape is not None and isinstance(value, dict):
        return {str(key): typed_json(item, parse_type(shape[key].type) if key in shape else None, spec)
                for key, item in value.items()}
    if ref.kind == "builtin" and ref.name in _PARSE_BUILTIN:
        return _PARSE_BUILTIN[ref.name](str(as_text(value)))
    return plain_json(value)
