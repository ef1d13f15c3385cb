"""Stage 2, validate: loaded YAML -> the typed spec model, with errors that point into the file."""

from __future__ import annotations

import math
import types
import typing
from typing import Any

from pydantic import BaseModel, ValidationError

from schemagen.errors import SpecError, SpecErrors, SpecPath, did_you_mean, one_of
from schemagen.spec.load import LoadedSpec
from schemagen.spec.scalars import as_text, plain_scalar
from schemagen.spec.model import Spec

_KIND = {
    "bool": "true or false",
    "int": "a whole number",
    "float": "a number",
    "str": "text",
    "dict": "a mapping",
    "list": "a list",
    "model": "a mapping",
}


def validate_spec(loaded: LoadedSpec) -> Spec:
    """The typed spec, or SpecErrors naming file:line:column for every structural problem."""
    try:
        return Spec.model_validate(loaded.data)
    except ValidationError as exc:
        errors = [_translate(loaded, error) for error in exc.errors(include_url=False)]
        errors = _enum_mappings(loaded, errors)
        unique = {(e.position, e.message): e for e in _drop_redundant(errors)}
        raise SpecErrors(list(unique.values())) from None


def _clean_loc(loc: tuple[Any, ...]) -> SpecPath:
    # Pydantic inserts union-member and validator names (`function-before[...]`, `int`) into locs.
    known: list[str | int] = []
    for part in loc:
        if isinstance(part, str) and part in ("column-type", "sql-type") and known and known[-1] == "type":
            continue  # the tag of `type:`'s two forms
        if isinstance(part, str) and ("[" in part or part in ("int", "float", "str", "bool", "list", "dict")):
            if known and _model_at(tuple(known)) is None:
                continue
        known.append(part)
    return tuple(known)


_ITEM_NOUNS = {"checks": "check", "indexes": "index", "unique": "unique constraint"}


def _describe(path: SpecPath) -> str:
    """Words for the mapping a path points at: `column `email` of table `users``."""
    if len(path) >= 4 and path[0] == "tables" and path[2] in _ITEM_NOUNS and isinstance(path[3], int):
        return f"{_ITEM_NOUNS[str(path[2])]} {path[3] + 1} of table `{path[1]}`"
    if len(path) >= 4 and path[0] == "tables" and path[2] in ("columns", "relations"):
        noun = "column" if path[2] == "columns" else "relation"
        return f"{noun} `{path[3]}` of table `{path[1]}`"
    if len(path) >= 2 and path[0] == "tables":
        return f"table `{path[1]}`"
    if len(path) >= 3 and path[0] == "types":
        return f"field `{path[2]}` of type `{path[1]}`"
    if len(path) >= 2 and path[0] in ("types", "enums"):
        return f"{path[0][:-1]} `{path[1]}`"
    return "the spec"


def _subject(path: SpecPath) -> str:
    """Words for the value a path points at, as the subject of a sentence."""
    if path == ("tables",):
        return "`tables`"
    if len(path) == 2 and path[0] in ("tables", "enums", "types"):
        return f"{path[0][:-1]} `{path[1]}`"
    if len(path) == 4 and path[0] == "tables" and path[2] in ("columns", "relations"):
        return _describe(path)
    if len(path) == 4 and path[0] == "tables" and path[2] in _ITEM_NOUNS:
        return _describe(path)
    return f"`{path[-1]}` of {_describe(path[:-1])}" if path else "the spec"


# What a value of the wrong kind should have looked like, by where it stands.
_KIND_HINTS: dict[str, str] = {
    "tables": "write each table as `name:` followed by its `columns:`, without `-`",
    "columns": "write each column as `name: type` or `name: {type: ...}`, without `-`",
    "relations": "write each relation as `name: {one: table}` or `name: {many: table}`, without `-`",
    "indexes": "write each index as a list item: `- {columns: [email], name: email_idx}`",
    "checks": "write each check as a list item: `- {name: positive_price, sql: \"price >= 0\"}`",
    "unique": "for a constraint over several columns, use the table's `unique: [[a, b]]`",
    "primary_key": "on a column write `primary_key: true`; on a table list the columns: `primary_key: [a, b]`",
}
_NUMBER_HINTS = {
    "length": "`length` is the most characters the column holds, e.g. `length: 255`",
    "precision": "`precision` is the total number of digits, e.g. `{type: numeric, precision: 10, scale: 2}`",
    "scale": "`scale` is the number of digits after the decimal point, e.g. "
             "`{type: numeric, precision: 10, scale: 2}`",
}
_YAML11_WORDS = {"yes", "no", "on", "off", "y", "n"}


def _unwrap(annotation: Any) -> Any:
    """The model class (or dict/list container) an annotation stands for."""
    origin = typing.get_origin(annotation)
    if origin is typing.Annotated:
        return _unwrap(typing.get_args(annotation)[0])
    if origin in (typing.Union, types.UnionType):
        for arg in typing.get_args(annotation):
            if arg is not type(None):
                return _unwrap(arg)
    return annotation


def _model_at(path: SpecPath) -> type[BaseModel] | None:
    """The spec model class that describes the mapping at `path`, if any."""
    current: Any = Spec
    for part in path:
        if isinstance(current, type) and issubclass(current, BaseModel):
            field = next(
                (f for name, f in current.model_fields.items() if (f.alias or name) == part), None
            )
            if field is None:
                return None
            current = _unwrap(field.annotation)
        elif typing.get_origin(current) in (dict, list):
            current = _unwrap(typing.get_args(current)[-1])
        else:
            return None
    return current if isinstance(current, type) and issubclass(current, BaseModel) else None


def _keys_of(model: type[BaseModel]) -> list[str]:
    return [field.alias or name for name, field in model.model_fields.items()]


def _translate(loaded: LoadedSpec, error: Any) -> SpecError:
    path = _clean_loc(error["loc"])
    enums = loaded.data.get("enums") if isinstance(loaded.data, dict) else None
    if len(path) >= 3 and path[0] == "enums" and path[2] == "values" and isinstance(enums, dict) and isinstance(
            enums.get(path[1]), list):
        path = (*path[:2], *path[3:])  # the short form `Name: [a, b]` has no `values:` key
    kind: str = error["type"]
    value = error.get("input")
    where = _describe(path[:-1] if path else path)
    key = str(path[-1]) if path else ""
    subject = _subject(path)
    if path[-3:] == ("default", "sql", "sql"):  # the `sql` form of a default (its tag, then its key)
        message = "`{sql: ...}` is empty" if kind == "string_pattern_mismatch" else \
            "`{sql: ...}` needs the SQL expression as text"
        return loaded.error(path[:-2], message, 'write the SQL expression, e.g. `default: {sql: "now()"}`')
    raw_loc = error["loc"]
    if path[-2:] == ("type", "sql") and kind == "string_pattern_mismatch":
        return loaded.error(path, f"`{value}` is not an SQL type name", "a pass-through type is a name with "
                            "letters, digits, `_`, spaces and `.(),[]`, e.g. `{sql: citext, python: str}`")
    if kind == "finite_number" or (kind == "int_type" and isinstance(value, float) and not math.isfinite(value)):
        return loaded.error(path, f"{subject} must be a finite number, not {_show(value)}",
                            "this number is too large for a float (the largest is about 1.8e308)")
    if kind in ("int_type", "float_type") and raw_loc and raw_loc[-1] in ("int", "float"):
        # a number field (`ge: 5` or `ge: 2.5`): one message for both branches of the union
        hint = f"write the number without quotes: `{key}: {value}`" if isinstance(value, str) and isinstance(
            plain_scalar(value), (int, float)) else ""
        return loaded.error(path, f"{subject} must be a number, not {_show(value)}", hint)
    if len(path) == 3 and path[0] == "enums" and isinstance(path[2], int) and kind == "string_type":
        return loaded.error(path, f"value {path[2] + 1} of enum `{path[1]}` must be text, not {_show(value)}",
                            "write each value as text, e.g. `[active, archived]`")
    if kind == "extra_forbidden":
        model = _model_at(path[:-1])
        allowed = _keys_of(model) if model else []
        return loaded.error(
            path, f"unknown key `{key}` in {where}{did_you_mean(key, allowed)}",
            f"allowed keys: {one_of(allowed)}" if allowed else "", key=True,
        )
    if kind == "missing":
        position = loaded.source.locate(path[:-1], key=True)
        return SpecError(loaded.file, position, f"{where} is missing the required key `{key}`", f"add `{key}: ...`",
                         path)
    if kind == "literal_error":
        expected = [str(v) for v in typing.get_args(_literal_type(path))] or [error["ctx"]["expected"]]
        message = (f"unknown column type `{value}` in {where}" if key == "type"
                   else f"unknown value `{value}` for `{key}` in {where}")
        hint = f"allowed: {one_of(expected)}" + ("; use `pattern:` for other formats" if key == "format" else "")
        if key == "on_update":
            hint = "use `now` (timestamps) or a foreign-key action: " + one_of(expected[1:])
        return loaded.error(path, message + did_you_mean(str(value), expected), hint)
    if kind == "too_short" and isinstance(value, (dict, list)):
        if len(path) == 5 and path[2] in _ITEM_NOUNS and key == "columns":
            return loaded.error(path, f"{where} lists no columns", "name at least one column, e.g. `columns: [email]`")
        hint = "add at least one column, e.g. `id: {type: serial, primary_key: true}`" if key == "columns" else ""
        return loaded.error(path, f"{subject} must not be empty", hint)
    if kind in ("greater_than_equal", "less_than_equal"):
        bound = error["ctx"]["ge" if kind == "greater_than_equal" else "le"]
        limit = f"at least {bound}" if kind == "greater_than_equal" else f"at most {bound}"
        hint = _NUMBER_HINTS.get(key, "")
        if key == "length" and kind == "less_than_equal":
            limit += " (the PostgreSQL limit)"
            hint = "leave `length` out for text of any length: `{type: varchar}` or `text`"
        return loaded.error(path, f"{subject} must be {limit}, not {_show(value)}", hint)
    if kind == "int_from_float":
        return loaded.error(path, f"{subject} must be a whole number, not {_show(value)}", _NUMBER_HINTS.get(key, ""))
    if kind == "bool_type":
        hint = ("`yes`/`no`/`on`/`off` are text in a spec (YAML 1.2); write `true` or `false`"
                if isinstance(value, str) and value.lower() in _YAML11_WORDS else _KIND_HINTS.get(key, ""))
        return loaded.error(path, f"{subject} must be true or false, not {_show(value)}", hint)
    if value is None and len(path) == 2 and path[0] == "tables":
        return loaded.error(path, f"table `{key}` is empty",
                            "give it `columns:`, e.g. `columns: {id: {type: serial, primary_key: true}}`", key=True)
    base = kind.split("_")[0]
    if kind in ("model_type", "model_attributes_type", "dict_type") or (
            base in _KIND and kind.endswith(("_type", "_parsing"))):
        wanted = _KIND.get(base, "a mapping")
        hint = _KIND_HINTS.get(key) or _NUMBER_HINTS.get(key, "")
        if base in ("int", "float") and isinstance(value, str) and isinstance(plain_scalar(value), (int, float)):
            hint = f"write the number without quotes: `{key}: {value}`"
        if path == ("tables",):
            wanted = "a mapping from table names to tables"
        elif len(path) == 4 and path[2] == "columns":
            wanted, hint = "a type name or a mapping", f"e.g. `{key}: {{type: varchar, length: 255}}`"
        elif len(path) == 2 and path[0] == "enums":
            values = ", ".join(map(str, value)) if isinstance(value, dict) else "first_value, second_value"
            wanted, hint = "a list of values", f"write `{key}: [{values}]`"
        elif key == "columns" and base == "list" and isinstance(value, str):
            hint = f"write `columns: [{value}]`"
        return loaded.error(path, f"{subject} must be {wanted}, not {_show(value)}", hint)
    return loaded.error(path, f"{subject}: {error['msg']}")


def _enum_mappings(loaded: LoadedSpec, errors: list[SpecError]) -> list[SpecError]:
    """An enum written as a mapping of its values (`Status: {draft: 1}`) is one error, not one per key."""
    enums = loaded.data.get("enums") if isinstance(loaded.data, dict) else None
    if not isinstance(enums, dict):
        return errors
    out: list[SpecError] = []
    for error in errors:
        raw = enums.get(error.path[1]) if len(error.path) >= 2 and error.path[0] == "enums" else None
        if not isinstance(raw, dict) or "values" in raw or "sql_name" in raw:
            out.append(error)
        elif not any(e.path[:2] == error.path[:2] and "list of values" in e.message for e in out):
            name = error.path[1]
            values = ", ".join(map(str, raw)) or "first_value, second_value"
            out.append(loaded.error(("enums", name), f"enum `{name}` must be a list of values, not a mapping",
                                    f"write `{name}: [{values}]`"))
    return out


def _drop_redundant(errors: list[SpecError]) -> list[SpecError]:
    """A misspelt key (`colums`) also leaves the real one missing; report only the misspelling."""
    suggested = {
        (e.path[:-1], e.message.split("did you mean `")[1].rstrip("`?"))
        for e in errors if "unknown key" in e.message and "did you mean `" in e.message
    }
    return [e for e in errors if not ("is missing the required key" in e.message
                                      and (e.path[:-1], str(e.path[-1])) in suggested)]


def _literal_type(path: SpecPath) -> Any:
    model = _model_at(path[:-1])
    if model is None:
        return None
    for name, field in model.model_fields.items():
        if (field.alias or name) == path[-1]:
            return _unwrap(field.annotation)
    return None


def _show(value: Any) -> str:
    if isinstance(value, dict):
        return "a mapping"
    if isinstance(value, list):
        return "a list"
    if value is None:
        return "empty (null)"
    return f"`{as_text(value)}`"
