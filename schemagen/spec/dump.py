"""A spec model written back as YAML that reads back to an equal spec (what `pull` or `init` write).

The layout is the one people write by hand: top-level keys in the language's order, tables and
columns in their own order, a column as `name: type` when it has nothing but a type and otherwise as
one flow mapping (`id: {type: serial, primary_key: true}`), options in the model's order and only
where they differ from their defaults. A string is quoted wherever `load` would read it as
something else (`yes` and `3.10` stay plain text for YAML 1.2 but `null`, `true`, `012` and `1e5`
do not, and PyYAML quotes what YAML syntax needs: a leading `@`, `: `, ` #`, ...). Numbers keep the
spelling they were loaded with.
"""

from __future__ import annotations

from typing import Any

import yaml
from pydantic import BaseModel

from schemagen.spec.scalars import SourceFloat, SourceInt, plain_scalar
from schemagen.spec.model import Column, Relation, ShapeField, Spec, Table, UniqueConstraint

_LINE_BREAKS = ("\x85", "\u2028", "\u2029")


class _Flow(dict[str, Any]):
    """A mapping written on one line: `{type: serial, primary_key: true}`."""


class _FlowList(list[Any]):
    """A list written on one line: `[a, b]`."""


class _Dumper(yaml.SafeDumper):
    def ignore_aliases(self, data: Any) -> bool:
        return True  # specs may not hold aliases: repeated values are written out


def _text(dumper: yaml.SafeDumper, value: str) -> yaml.ScalarNode:
    tag = "tag:yaml.org,2002:str"
    if any(ch in value for ch in _LINE_BREAKS) or not value.isprintable():
        return dumper.represent_scalar(tag, value, style='"')  # escaped, never folded or kept raw
    if plain_scalar(value) != value or not isinstance(plain_scalar(value), str):  # `null`, `012`, `1e5`
        return dumper.represent_scalar(tag, value, style="'")
    return dumper.represent_scalar(tag, value)


def _number(dumper: yaml.SafeDumper, value: SourceInt | SourceFloat) -> yaml.ScalarNode:
    tag = "tag:yaml.org,2002:int" if isinstance(value, int) else "tag:yaml.org,2002:float"
    return dumper.represent_scalar(tag, value.text)


def _float(dumper: yaml.SafeDumper, value: float) -> yaml.ScalarNode:
    text = repr(value)
    mantissa, e, exponent = text.partition("e")
    if e and "." not in mantissa:  # `1e-07`: PyYAML would tag it `!!float '1e-07'`, which reads back as text
        text = f"{mantissa}.0e{exponent}"
    return dumper.represent_scalar("tag:yaml.org,2002:float", text)


_Dumper.add_representer(str, _text)
_Dumper.add_representer(SourceInt, _number)
_Dumper.add_representer(SourceFloat, _number)
_Dumper.add_representer(float, _float)
_Dumper.add_representer(_Flow, lambda d, v: d.represent_mapping("tag:yaml.org,2002:map", v, flow_style=True))
_Dumper.add_representer(_FlowList, lambda d, v: d.represent_sequence("tag:yaml.org,2002:seq", v, flow_style=True))


def dump(spec: Spec) -> str:
    """YAML text that `load` and `validate` read back to a spec equal to `spec`."""
    data: dict[str, Any] = _options(spec, skip={"enums", "types", "tables"})
    if spec.enums:
        data["enums"] = {name: _FlowList(enum.values) if enum.sql_name is None and enum.renamed_from is None else _Flow(_options(enum))
                         for name, enum in spec.enums.items()}
    if spec.types:
        data["types"] = {name: {key: _shape_field(field) for key, field in fields.items()}
                         for name, fields in spec.types.items()}
    data["tables"] = {name: _table(table) for name, table in spec.tables.items()}
    return yaml.dump(data, Dumper=_Dumper, sort_keys=False, allow_unicode=True, default_flow_style=False,
                     width=100)


def _options(node: BaseModel, *, skip: frozenset[str] | set[str] = frozenset()) -> dict[str, Any]:
    """The node's options that differ from their defaults, under the keys a spec uses, in model order.

    `default` counts as given whenever the spec gave it (`default: null` is not the same as none)."""
    out: dict[str, Any] = {}
    for name, info in type(node).model_fields.items():
        if name in skip:
            continue
        value = getattr(node, name)
        given = name in node.model_fields_set if name == "default" else value != info.default
        if given:
            out[info.alias or name] = _value(value)
    return out


def _value(value: Any) -> Any:
    if isinstance(value, BaseModel):
        return _Flow(_options(value))
    if isinstance(value, list):
        return _FlowList(_value(item) for item in value)
    if isinstance(value, dict):
        return _Flow({str(key): _value(item) for key, item in value.items()})
    return value


def _column(column: Column) -> Any:
    options = _options(column)
    return options["type"] if list(options) == ["type"] and isinstance(column.type, str) else _Flow(options)


def _shape_field(field: ShapeField) -> Any:
    options = _options(field)
    return options["type"] if list(options) == ["type"] else _Flow(options)


def _unique(unique: UniqueConstraint) -> Any:
    return _FlowList(unique.columns) if unique.name is None else _Flow(_options(unique))


def _table(table: Table) -> dict[str, Any]:
    out = _options(table, skip={"columns", "unique", "indexes", "checks", "relations"})
    ordered: dict[str, Any] = {key: out.pop(key) for key in ("model", "comment") if key in out}
    ordered["columns"] = {key: _column(column) for key, column in table.columns.items()}
    ordered.update(out)
    if table.unique:
        ordered["unique"] = [_unique(unique) for unique in table.unique]
    if table.indexes:
        ordered["indexes"] = [_Flow(_options(index)) for index in table.indexes]
    if table.checks:
        ordered["checks"] = [_Flow(_options(check)) for check in table.checks]
    if table.relations:
        ordered["relations"] = {name: _relation(relation) for name, relation in table.relations.items()}
    return ordered


def _relation(relation: Relation) -> Any:
    return _Flow(_options(relation))

