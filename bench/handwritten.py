"""The synthetic workload written by hand: plain SQLAlchemy models and Pydantic schemas, one module.

The baseline that schemagen's generated package is compared with at run time (import time,
validation and ORM insert throughput). It is what a careful developer would write for the same
spec without schemagen: the same tables, columns, constraints (the CHECK constraints of the
validation rules too, and the constraint names of schemagen's naming convention: the same database
has them), relationships and Insert/Select/Update schemas,
but with plain types (`JSON().with_variant(ARRAY(...))`, `JSON().with_variant(JSONB())`
holding plain dicts), plain `Field(...)` constraints with Pydantic's default messages, no custom
type decorators, no relation map and no update helpers.

`make_module(spec_text)` accepts the subset of the spec language that bench/workload.py uses and
raises ValueError on anything else.
"""

from __future__ import annotations

from typing import Any

import yaml

HEADER = '''"""Hand-written equivalent of a schemagen workload (emitted by bench/handwritten.py)."""

import datetime
import decimal
import enum
from typing import Annotated, Any

from pydantic import BaseModel, ConfigDict, EmailStr, Field
from sqlalchemy import JSON, CheckConstraint, Enum, ForeignKey, MetaData, Numeric, String, Text, func
from sqlalchemy.dialects.postgresql import ARRAY, JSONB
from sqlalchemy.orm import DeclarativeBase, Mapped, mapped_column, relationship


class Base(DeclarativeBase):
    metadata = MetaData(
        naming_convention={
            "ix": "ix_%(table_name)s_%(column_0_N_name)s",
            "uq": "uq_%(table_name)s_%(column_0_N_name)s",
            "ck": "ck_%(table_name)s_%(constraint_name)s",
            "fk": "fk_%(table_name)s_%(column_0_N_name)s_%(referred_table_name)s",
            "pk": "pk_%(table_name)s",
        },
    )
'''

SCALARS = {"str": "str", "int": "int", "bool": "bool", "float": "float"}
SERVER_SET_DEFAULTS = ("now",)
CHECKS = {"min_length": "length({column}) >= {value}", "max_length": "length({column}) <= {value}",
          "ge": "{column} >= {value}", "gt": "{column} > {value}", "le": "{column} <= {value}",
          "lt": "{column} < {value}"}


def class_name(table: str) -> str:
    """table_0001 -> Table0001 (the workload's names are already singular)."""
    return "".join(word.capitalize() for word in table.split("_"))


def _column(spec: Any) -> dict[str, Any]:
    return {"type": spec} if isinstance(spec, str) else dict(spec)


def _enum_block(name: str, values: list[str]) -> str:
    members = "\n".join(f"    {value.upper()} = {value!r}" for value in values)
    return f"\n\nclass {name}(str, enum.Enum):\n{members}\n"


def _shape_block(name: str, fields: dict[str, Any]) -> str:
    lines = [f"\n\nclass {name}(BaseModel):", '    model_config = ConfigDict(extra="forbid")', ""]
    for field, raw in fields.items():
        spec = _column(raw)
        kind = spec.pop("type")
        annotation = SCALARS.get(kind, kind)
        nullable = spec.pop("nullable", False)
        constraints = ", ".join(f"{key}={value!r}" for key, value in spec.items())
        if nullable:
            annotation += " | None"
            constraints = ", ".join(filter(None, ["default=None", constraints]))
        lines.append(f"    {field}: {annotation}" + (f" = Field({constraints})" if constraints else ""))
    return "\n".join(lines) + "\n"


class _Table:
    """One table of the spec, as the model class and the three schemas a developer would write."""

    def __init__(self, name: str, spec: dict[str, Any], enums: dict[str, list[str]]) -> None:
        self.name = name
        self.cls = class_name(name)
        self.comment: str | None = spec.get("comment")
        self.columns = {key: _column(value) for key, value in spec["columns"].items()}
        self.relations: dict[str, dict[str, Any]] = spec.get("relations") or {}
        self.enums = enums
        unknown = set(spec) - {"comment", "columns", "relations"}
        if unknown:
            raise ValueError(f"{name}: table options {sorted(unknown)} are not supported here")

    # -- the SQLAlchemy model ------------------------------------------------------------------

    def _python_type(self, column: dict[str, Any]) -> str:
        kind = column["type"]
        if column.get("array"):
            return f"list[{self._python_type({'type': kind})}]"
        simple = {"serial": "int", "integer": "int", "varchar": "str", "text": "str", "numeric": "decimal.Decimal",
                  "timestamp": "datetime.datetime"}
        if kind in simple:
            return simple[kind]
        if kind == "enum":
            return str(column["enum"])
        if kind == "jsonb":
            return str(column["schema"])
        raise ValueError(f"{self.name}: column type {kind} is not supported here")

    def _sql_type(self, column: dict[str, Any]) -> str | None:
        kind = column["type"]
        if column.get("array"):
            item = {"text": "Text()"}[kind]
            return f"JSON().with_variant(ARRAY({item}), \"postgresql\")"
        if kind == "varchar":
            return f"String({column['length']})"
        if kind == "numeric":
            return f"Numeric({column['precision']}, {column['scale']})"
        if kind == "enum":
            name = column["enum"]
            snake = "".join(f"_{c.lower()}" if c.isupper() else c for c in name).lstrip("_")
            return f"Enum({name}, name={snake!r}, values_callable=lambda e: [m.value for m in e])"
        if kind == "jsonb":
            return "JSON().with_variant(JSONB(), \"postgresql\")"
        return None  # the annotation decides: int -> Integer, datetime -> DateTime

    def checks(self) -> list[str]:
        """The CHECK constraints of the columns' rules: the database has them (they are what keeps a
        raw SQL writer to the rules too), so the models of that database declare them."""
        found = []
        for key, column in self.columns.items():
            for rule, value in (column.get("validate") or {}).items():
                if rule in ("message", "format"):
                    continue  # messages are the schemas'; a format has no CHECK
                if rule not in CHECKS:
                    raise ValueError(f"{self.name}.{key}: rule {rule} is not supported here")
                sql = CHECKS[rule].format(column=f'"{key}"', value=value)
                found.append(f"CheckConstraint({sql!r}, name={f'{key}_{rule}_{value}'!r})")
        return found

    def model(self) -> str:
        lines = [f"\n\nclass {self.cls}(Base):", f"    __tablename__ = {self.name!r}"]
        args = self.checks() + ([f"{{\"comment\": {self.comment!r}}}"] if self.comment else [])
        if args:
            lines.append(f"    __table_args__ = ({', '.join(args)},)")
        lines.append("")
        for key, column in self.columns.items():
            python = self._python_type(column)
            if column["type"] == "jsonb":
                python = "dict[str, Any]"  # a plain JSON column holds plain dicts
            nullable = column.get("nullable", not column.get("primary_key", False))
            args: list[str] = []
            if (sql := self._sql_type(column)) is not None:
                args.append(sql)
            if "references" in column:
                target = repr(column["references"])
                on_delete = column.get("on_delete")
                args.append(f"ForeignKey({target}, ondelete={on_delete.upper()!r})" if on_delete
                            else f"ForeignKey({target})")
            if column.get("primary_key"):
                args.append("primary_key=True")
            if column.get("unique"):
                args.append("unique=True")
            default = column.get("default")
            if default == "now":
                args.append("server_default=func.now()")
            elif default == []:
                args.append("default=list")
            elif default is not None:
                args.append(f"server_default={str(default)!r}")
            if column.get("on_update") == "now":
                args.append("onupdate=func.now()")
            annotation = f"{python} | None" if nullable else python
            lines.append(f"    {key}: Mapped[{annotation}] = mapped_column({', '.join(args)})")
        for key, relation in self.relations.items():
            if "one" in relation:
                target = class_name(relation["one"])
                lines.append(f"    {key}: Mapped[\"{target} | None\"] = relationship(back_populates=\"children\")")
            else:
                target = class_name(relation["many"])
                lines.append(f"    {key}: Mapped[list[\"{target}\"]] = relationship(\n"
                             f"        back_populates=\"parent\", cascade=\"all, delete\", passive_deletes=True\n    )")
        return "\n".join(lines) + "\n"

    # -- the Pydantic schemas ------------------------------------------------------------------

    @staticmethod
    def _server_set(column: dict[str, Any]) -> bool:
        return column["type"] == "serial" or column.get("default") in SERVER_SET_DEFAULTS or "on_update" in column

    def _constraints(self, column: dict[str, Any]) -> list[str]:
        rules = dict(column.get("validate") or {})
        rules.pop("message", None)  # the point of the baseline: Pydantic's default messages
        rules.pop("format", None)
        constraints = []
        if column["type"] == "varchar":
            constraints.append(f"max_length={column['length']}")
        if column["type"] == "numeric":
            constraints += [f"max_digits={column['precision']}", f"decimal_places={column['scale']}"]
        constraints += [f"{key}={value!r}" for key, value in rules.items()]
        return constraints

    def _schema_type(self, column: dict[str, Any]) -> str:
        if (column.get("validate") or {}).get("format") == "email":
            return "EmailStr"
        return self._python_type(column)

    def _default(self, column: dict[str, Any]) -> str | None:
        default = column.get("default")
        if default is None:
            return None
        if column["type"] == "enum":
            return f"{column['enum']}.{str(default).upper()}"
        return repr(default)

    def schemas(self) -> str:
        insert = [f"\n\nclass {self.cls}Insert(BaseModel):"]
        select = [f"\n\nclass {self.cls}Select(BaseModel):", "    model_config = ConfigDict(from_attributes=True)", ""]
        update = [f"\n\nclass {self.cls}Update(BaseModel):"]
        for key, column in self.columns.items():
            nullable = column.get("nullable", not column.get("primary_key", False))
            select.append(f"    {key}: {self._python_type(column)}{' | None' if nullable else ''}")
            if self._server_set(column):
                continue
            annotation = self._schema_type(column)
            constraints = self._constraints(column)
            if annotation == "EmailStr" and constraints:  # the length limits the address, not the None
                annotation, constraints = f"Annotated[EmailStr, Field({', '.join(constraints)})]", []
            default = self._default(column)
            if default == "[]":
                first = ["default_factory=list"]
            elif default is not None:
                first = [f"default={default}"]
            else:
                first = ["default=None"] if nullable else []
            insert.append(f"    {key}: {annotation}{' | None' if nullable else ''}{_field(first + constraints)}")
            update.append(f"    {key}: {annotation} | None{_field(['default=None', *constraints])}")
        return "\n".join(insert) + "\n" + "\n".join(select) + "\n" + "\n".join(update) + "\n"


def _field(arguments: list[str]) -> str:
    """` = Field(...)`, or just ` = default` when there is nothing else to say."""
    if not arguments:
        return ""
    if len(arguments) == 1 and arguments[0].startswith("default="):
        return " = " + arguments[0].removeprefix("default=")
    return f" = Field({', '.join(arguments)})"


def make_module(spec_text: str, *, models_only: bool = False, async_ready: bool = False) -> str:
    """Source of one module with everything the workload's spec declares, written plainly.

    `models_only`: the enums and models alone, as a `models.py` of their own (no Pydantic import).
    `async_ready`: `Base` includes SQLAlchemy's `AsyncAttrs`, as an expert writes it for an app that
    uses `AsyncSession` (and as schemagen's `Base` always does: issue 9 requires it).
    """
    spec = yaml.safe_load(spec_text)
    unknown = set(spec) - {"package", "enums", "types", "tables"}
    if unknown:
        raise ValueError(f"spec keys {sorted(unknown)} are not supported here")
    enums: dict[str, list[str]] = spec.get("enums") or {}
    header = HEADER
    if models_only:
        header = header.replace("from pydantic import BaseModel, ConfigDict, EmailStr, Field\n", "")
        header = header.replace("from typing import Annotated, Any\n", "from typing import Any\n")
    if async_ready:
        header = header.replace("from sqlalchemy.orm import DeclarativeBase",
                                "from sqlalchemy.ext.asyncio import AsyncAttrs\nfrom sqlalchemy.orm import DeclarativeBase")
        header = header.replace("class Base(DeclarativeBase):", "class Base(AsyncAttrs, DeclarativeBase):")
    parts = [header]
    parts += [_enum_block(name, values) for name, values in enums.items()]
    if not models_only:
        parts += [_shape_block(name, fields) for name, fields in (spec.get("types") or {}).items()]
    tables = [_Table(name, table, enums) for name, table in spec["tables"].items()]
    parts += [table.model() for table in tables]
    if not models_only:
        parts += [table.schemas() for table in tables]
    return "".join(parts)


if __name__ == "__main__":
    import sys

    sys.stdout.write(make_module(sys.stdin.read()))
