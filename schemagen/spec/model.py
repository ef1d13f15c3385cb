"""The spec language, version 1, as typed models.

These models are the single definition of what a spec may say: `validate.py` checks loaded YAML
against them, and the same models can give a JSON Schema for editors and dump a spec back to YAML.
Cross-references (tables, columns, enums, shapes) are checked later, in `resolve.py`.
"""

from __future__ import annotations

from typing import Annotated, Any, Literal

from pydantic import BaseModel, BeforeValidator, ConfigDict, Field, model_validator

from schemagen.spec.load import as_text

Text = Annotated[str, BeforeValidator(as_text)]
"""A string the user typed; `3.10`, `012` and `yes` stay exactly as written."""

Flag = Annotated[bool, Field(strict=True)]
"""`true` or `false` only: `yes`/`on` are text in a spec, and text is not a flag."""

MAX_LENGTH = 10_485_760  # PostgreSQL's limit for varchar(n)

ColumnType = Literal[
    "serial", "bigserial", "smallint", "integer", "bigint", "boolean", "real", "double", "numeric",
    "varchar", "char", "text", "date", "time", "timestamp", "interval", "uuid", "json", "jsonb",
    "bytes", "enum",
]
COLUMN_TYPES: tuple[str, ...] = ColumnType.__args__  # type: ignore[attr-defined]
ForeignKeyAction = Literal["cascade", "set null", "restrict", "no action", "set default"]
Format = Literal["email", "url", "uuid"]
Number = int | float


class _Node(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True, populate_by_name=True)


class Rules(_Node):
    """Validation rules for an insert/update field; `message` replaces Pydantic's text for all of them."""

    min_length: int | None = Field(default=None, ge=0)
    max_length: int | None = Field(default=None, ge=0)
    pattern: Text | None = None
    format: Format | None = None
    ge: Number | None = None
    gt: Number | None = None
    le: Number | None = None
    lt: Number | None = None
    message: Text | None = None


def _shorthand(key: str) -> Any:
    """Let `name: text` stand for `name: {type: text}`."""

    def expand(cls: type, value: Any) -> Any:
        if isinstance(value, str):
            return {key: value}
        return value

    return classmethod(expand)


class Column(_Node):
    type: ColumnType
    primary_key: Flag = False
    nullable: Flag | None = None
    unique: Flag = False
    index: Flag = False
    default: Any = None
    on_update: Text | None = None
    column: Text | None = None
    comment: Text | None = None
    references: Text | None = None
    on_delete: ForeignKeyAction | None = None
    length: int | None = Field(default=None, ge=1, le=MAX_LENGTH)
    precision: int | None = Field(default=None, ge=1, le=1000)
    scale: int | None = Field(default=None, ge=0, le=1000)
    timezone: Flag = False
    array: Flag = False
    enum: Text | None = None
    json_schema: Text | None = Field(default=None, alias="schema")
    rules: Rules | None = Field(default=None, alias="validate")

    _expand = model_validator(mode="before")(_shorthand("type"))


class ShapeField(_Node):
    """One field of a typed-JSON shape (`types:`)."""

    type: Text
    enum: list[Text] | None = None
    nullable: Flag = False
    default: Any = None
    comment: Text | None = None
    min_length: int | None = Field(default=None, ge=0)
    max_length: int | None = Field(default=None, ge=0)
    pattern: Text | None = None
    ge: Number | None = None
    gt: Number | None = None
    le: Number | None = None
    lt: Number | None = None

    _expand = model_validator(mode="before")(_shorthand("type"))


class UniqueConstraint(_Node):
    columns: list[Text] = Field(min_length=1)
    name: Text | None = None

    @model_validator(mode="before")
    @classmethod
    def _list_form(cls, value: Any) -> Any:
        return {"columns": value} if isinstance(value, list) else value


class Index(_Node):
    columns: list[Text] = Field(min_length=1)
    unique: Flag = False
    name: Text | None = None
    where: Text | None = None


class Check(_Node):
    name: Text
    sql: Text


class Relation(_Node):
    one: Text | None = None
    many: Text | None = None
    through: Text | None = None
    fields: list[Text] | None = None
    references: list[Text] | None = None
    through_fields: list[Text] | None = None


class Table(_Node):
    model: Text | None = None
    comment: Text | None = None
    columns: dict[str, Column] = Field(min_length=1)
    primary_key: list[Text] | None = None
    unique: list[UniqueConstraint] = []
    indexes: list[Index] = []
    checks: list[Check] = []
    soft_delete: Text | None = None
    relations: dict[str, Relation] = {}


class Spec(_Node):
    package: Text | None = None
    dialect: Literal["postgresql", "sqlite"] = "postgresql"
    enums: dict[str, list[Text]] = {}
    types: dict[str, dict[str, ShapeField]] = {}
    tables: dict[str, Table] = Field(min_length=1)
