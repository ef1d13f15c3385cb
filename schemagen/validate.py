"""Stage 2, validate: loaded YAML -> the typed spec model, with errors that point into the file."""

from __future__ import annotations

import types
import typing
from typing import Any

from pydantic import BaseModel, ValidationError

from schemagen.errors import SpecError, SpecErrors, SpecPath, did_you_mean, one_of
from schemagen.load import LoadedSpec
from schemagen.spec import Spec

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
        unique = {(e.position, e.message): e for e in errors}
        raise SpecErrors(list(unique.values())) from None


def _clean_loc(loc: tuple[Any, ...]) -> SpecPath:
    # Pydantic inserts union-member and validator names (`function-before[...]`, `int`) into locs.
    known: list[str | int] = []
    for part in loc:
        if isinstance(part, str) and ("[" in part or part in ("int", "float", "str", "bool", "list", "dict")):
            if known and _model_at(tuple(known)) is None:
                continue
        known.append(part)
    return tuple(known)


def _describe(path: SpecPath) -> str:
    """`column `email` of table `users``-style words for where a path points."""
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
    kind: str = error["type"]
    value = error.get("input")
    where = _describe(path[:-1] if path else path)
    key = path[-1] if path else ""
    if kind == "extra_forbidden":
        model = _model_at(path[:-1])
        allowed = _keys_of(model) if model else []
        return loaded.error(
            path, f"unknown key `{key}` in {where}{did_you_mean(str(key), allowed)}",
            f"allowed keys: {one_of(allowed)}" if allowed else "", key=True,
        )
    if kind == "missing":
        return loaded.error(path[:-1], f"{where} is missing the required key `{key}`", f"add `{key}: ...`")
    if kind == "literal_error":
        expected = [str(v) for v in typing.get_args(_literal_type(path))] or [error["ctx"]["expected"]]
        noun = "column type" if key == "type" else f"value for `{key}`"
        return loaded.error(
            path, f"unknown {noun} `{value}` in {where}{did_you_mean(str(value), expected)}",
            f"allowed: {one_of(expected)}",
        )
    if kind in ("too_short",) and isinstance(value, (dict, list)):
        return loaded.error(path, f"`{key}` of {where} must not be empty")
    base = kind.split("_")[0]
    if base in _KIND and kind.endswith(("_type", "_parsing")):
        return loaded.error(
            path, f"`{key}` of {where} must be {_KIND[base]}, not {_show(value)}",
        )
    if kind == "model_type" or kind == "model_attributes_type":
        return loaded.error(path, f"{where} must be a mapping, not {_show(value)}")
    return loaded.error(path, f"`{key}` of {where}: {error['msg']}")


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
    return f"`{value}`"
