"""The spec language, version 1, as typed models.

These models are the single definition of what a spec may say: `validate.py` checks loaded YAML
against them, `dump.py` writes them back, and `Spec.model_json_schema()` is the JSON Schema editors
use (every key's description is its tooltip). The schema describes exactly the structure validation
accepts; cross-references (tables, columns, enums, shapes) are checked later, by `schemagen.resolver`.
"""

from __future__ import annotations

from typing import Annotated, Any, Literal, Union

from pydantic import (
    AfterValidator,
    BaseModel,
    BeforeValidator,
    ConfigDict,
    Discriminator,
    Field,
    GetJsonSchemaHandler,
    Tag,
    WithJsonSchema,
    model_validator,
)
from pydantic.json_schema import JsonSchemaValue
from pydantic_core import CoreSchema

from schemagen.spec.scalars import as_text

Text = Annotated[str, BeforeValidator(as_text), WithJsonSchema({"type": ["string", "number", "boolean"]})]
"""A string the user typed; `3.10`, `012` and `yes` stay exactly as written (so numbers are text too)."""

Flag = Annotated[bool, Field(strict=True)]
"""`true` or `false` only: `yes`/`on` are text in a spec, and text is not a flag."""


def _whole(value: Any) -> Any:
    """`5.0` is the whole number 5 (as JSON Schema's `integer` says); `5.5` and `"5"` are not."""
    if isinstance(value, float) and value.is_integer():
        return int(value)
    return value


_WHOLE = BeforeValidator(_whole)  # after the constraints, so that the JSON Schema keeps them
Count = Annotated[int, Field(strict=True, ge=0), _WHOLE]
"""A whole number >= 0 written as a number (not quoted)."""

_LARGEST = 1.7976931348623157e308
Number = Annotated[int, Field(strict=True)] | Annotated[
    float, Field(strict=True, allow_inf_nan=False), WithJsonSchema({"type": "number", "minimum": -_LARGEST,
                                                                    "maximum": _LARGEST})]
"""A finite number written as a number (not quoted)."""

MAX_LENGTH = 10_485_760  # PostgreSQL's limit for varchar(n)

ColumnType = Literal[
    "serial", "bigserial", "smallint", "integer", "bigint", "boolean", "real", "double", "numeric",
    "varchar", "char", "text", "date", "time", "timestamp", "interval", "uuid", "json", "jsonb",
    "bytes", "enum", "inet", "cidr", "macaddr",
]
COLUMN_TYPES: tuple[str, ...] = ColumnType.__args__  # type: ignore[attr-defined]
ForeignKeyAction = Literal["cascade", "set null", "restrict", "no action", "set default"]
OnUpdate = Literal["now", "cascade", "set null", "restrict", "no action", "set default"]
Format = Literal["email", "url", "uuid"]


class _Node(BaseModel):
    # Keys are the spec's own (`schema:`, `validate:`), never the Python field names behind them.
    model_config = ConfigDict(extra="forbid", frozen=True)


def _short_form(key: str, short_type: type, short: JsonSchemaValue) -> Any:
    """A model that may also be written as one value (`bio: text` for `bio: {type: text}`): validation
    expands the value, and the JSON Schema accepts both forms."""

    def expand(value: Any) -> Any:
        if isinstance(value, short_type):
            return {key: value}
        return value

    def json_schema(cls: type[BaseModel], core: CoreSchema, handler: GetJsonSchemaHandler) -> JsonSchemaValue:
        schema = handler.resolve_ref_schema(handler(core))
        mapping = dict(schema)
        schema.clear()
        schema.update({"description": mapping.pop("description", ""), "title": mapping.pop("title", cls.__name__),
                       "anyOf": [short, mapping]})
        return schema

    return model_validator(mode="before")(expand), classmethod(json_schema)


class Rules(_Node):
    """Validation rules for an Insert/Update field; `message` replaces Pydantic's text for all of them."""

    min_length: Count | None = Field(default=None, description="Fewest characters (text) or items (arrays).")
    max_length: Count | None = Field(default=None, description="Most characters (text) or items (arrays).")
    pattern: Text | None = Field(default=None, description="A regular expression the whole text must match "
                                 "(Rust regex syntax: no look-around or back-references).")
    format: Format | None = Field(default=None, description="A format the text must have: email, url or uuid.")
    ge: Number | None = Field(default=None, description="The value must be greater than or equal to this.")
    gt: Number | None = Field(default=None, description="The value must be greater than this.")
    le: Number | None = Field(default=None, description="The value must be less than or equal to this.")
    lt: Number | None = Field(default=None, description="The value must be less than this.")
    message: Text | None = Field(default=None, description="The error message a user sees when any rule fails.")
    in_database: Flag | None = Field(default=None, description="Whether the rules SQL can express (lengths, ranges, "
                                     "a pattern on PostgreSQL) are also CHECK constraints, so raw SQL writes obey "
                                     "them too (default: the spec's `validate_in_database`).")


class SqlDefault(_Node):
    """`default: {sql: "..."}`: an SQL expression the database evaluates (a server default)."""

    sql: Annotated[str, Field(strict=True, pattern=r"\S")] = Field(
        description="The SQL expression, passed to the database verbatim, e.g. `now()`.")


class Generated(_Node):
    """`generated: {sql: ...}`: a column the database computes from the row's other columns."""

    sql: Annotated[str, Field(strict=True, pattern=r"\S")] = Field(
        description="The SQL expression, over the row's own columns, e.g. `price * quantity`.")
    stored: Flag = Field(default=True, description="Computed on write and stored (`GENERATED ALWAYS AS (...) "
                         "STORED`); `false` computes it on read (SQLite only: PostgreSQL 15 stores them).")


class JsonDefault(_Node):
    """`default: {json: ...}`: a JSON literal, written out when it would read as another spelling."""

    json_: Any = Field(alias="json", description="The JSON value (for an object whose only key is `sql` or `json`).")


def _default_form(value: Any) -> str:
    if isinstance(value, SqlDefault) or (isinstance(value, dict) and len(value) == 1 and "sql" in value):
        return "sql"
    if isinstance(value, JsonDefault) or (isinstance(value, dict) and len(value) == 1 and "json" in value):
        return "json"
    return "literal"


def _yaml_data(value: Any) -> Any:
    """A literal default is what YAML can hold (a spec built in memory could pass any object)."""
    if isinstance(value, dict):
        for key, item in value.items():
            if not isinstance(key, str):
                raise ValueError(f"mapping keys in a default are text, not {type(key).__name__}")
            _yaml_data(item)
    elif isinstance(value, list):
        for item in value:
            _yaml_data(item)
    elif value is not None and not isinstance(value, (str, int, float, bool)):
        raise ValueError(f"a default is text, a number, true/false, null, a list or a mapping, not "
                         f"{type(value).__name__} (write `{value}` as text)")
    return value


def _only_key(key: str) -> JsonSchemaValue:
    return {"type": "object", "required": [key], "maxProperties": 1}


Default = Annotated[
    Union[
        Annotated[SqlDefault, Tag("sql")],
        Annotated[JsonDefault, Tag("json")],
        Annotated[Any, AfterValidator(_yaml_data), Tag("literal"), WithJsonSchema({
            "description": "A literal of the column's type: `false`, `0`, `draft`, `[a, b]`, a JSON value, a "
                           "decimal string such as `\"0.00\"` on numeric (kept as written); also the column's "
                           "SQL DEFAULT, so raw SQL inserts get it. `now` on date/time/timestamp columns and `uuid` "
                           "on uuid columns are generated.",
            "not": {"anyOf": [_only_key("sql"), _only_key("json")]},
        })],
    ],
    Discriminator(_default_form),
]


PassThroughPython = Literal["str", "int", "float", "bool", "decimal", "date", "datetime", "time", "uuid", "bytes"]


class SqlType(_Node):
    """`type: {sql: citext, python: str}`: a database type the language does not know, passed through."""

    sql: Annotated[str, Field(strict=True, pattern=r"^[A-Za-z_][A-Za-z0-9_ .()\[\],]*$")] = Field(
        description="The SQL type as PostgreSQL spells it (`citext`, `macaddr8`, `tsvector`, `vector(1536)`), written "
        "into the DDL as given.")
    python: PassThroughPython = Field(description="The Python type of its values (what the driver gives and "
                                      "takes); on SQLite the column is stored as this type's usual SQL type.")


def _type_form(value: Any) -> str:
    return "sql-type" if isinstance(value, (dict, SqlType)) else "column-type"


class Column(_Node):
    """A column; `name: type` is short for `name: {type: type}`."""

    type: Annotated[Union[Annotated[ColumnType, Tag("column-type")], Annotated[SqlType, Tag("sql-type")]],
                    Discriminator(_type_form)] = Field(
        description="The column type, or `{sql: ..., python: ...}` for a type the language does not know. "
        "`serial`/`bigserial` are numbered by the database, outside the primary key too (PostgreSQL); a plain "
        "`integer` key is the application's to set.")
    primary_key: Flag = Field(default=False, description="Part of the table's primary key.")
    nullable: Flag | None = Field(default=None, description="Whether NULL is allowed (default: true, false for "
                                  "primary keys).")
    unique: Flag = Field(default=False, description="No two rows hold the same value.")
    index: Flag = Field(default=False, description="Create an index on this column.")
    default: Default = Field(default=None, description="The value a new row gets when none is given: a literal "
                             "(a decimal string such as `\"0.00\"` on numeric, a list on an array, a JSON value; "
                             "also the SQL DEFAULT), `now`, `uuid`, `{sql: ...}` or `{json: ...}`.")
    on_update: OnUpdate | None = Field(default=None, description="`now`: set to the current time on every update "
                                       "(date/time/timestamp); or the foreign key's action when the referenced key "
                                       "changes.")
    column: Text | None = Field(default=None, description="The SQL column name, when it differs from the key.")
    comment: Text | None = Field(default=None, description="A comment stored in the database (SQL `COMMENT`), also "
                                 "the field's description in the Pydantic schemas (JSON Schema, OpenAPI).")
    secret: Flag = Field(default=False, description="Never read back: left out of the Select schema (a password "
                         "hash, a token), while Insert and Update still take it.")
    immutable: Flag = Field(default=False, description="Written once, when the row is inserted: left out of "
                            "the Update schema (an external reference, who created the row). Primary keys "
                            "are never updatable.")
    server_set: Flag = Field(default=False, description="Set by the database alone (a trigger, a default the "
                             "application must not override): left out of the Insert and Update schemas, which "
                             "refuse it when given. Without it a column with a default (`now`, `uuid`, "
                             "`{sql: ...}`) is optional on insert: left out, the default applies; given, the "
                             "value is stored.")
    references: Text | None = Field(default=None, description="A foreign key: `table.column`.")
    foreign_key_name: Text | None = Field(default=None, description="The name of the foreign-key constraint "
                                          "`references:` makes (default: `fk_<table>_<column>_<target table>`).")
    generated: Generated | None = Field(default=None, description="Computed by the database from the row's other "
                                        "columns: read back in Select, never written (not in Insert or Update).")
    identity: Literal["always", "by default"] | None = Field(
        default=None, description="Numbered by the database (PostgreSQL `GENERATED ... AS IDENTITY`), on "
        "smallint, integer and bigint columns, key or not: `by default` takes a value when one is given, "
        "`always` refuses one.")
    on_delete: ForeignKeyAction | None = Field(default=None, description="What the database does to this row when "
                                               "the referenced row is deleted.")
    length: Annotated[int, Field(strict=True, ge=1, le=MAX_LENGTH), _WHOLE] | None = Field(
        default=None, description="Most characters (varchar, char).")
    precision: Annotated[int, Field(strict=True, ge=0, le=1000), _WHOLE] | None = Field(
        default=None, description="Total digits (numeric, 1 to 1000); digits of the seconds' fraction "
        "(timestamp and time, 0 to 6: `precision: 3` keeps milliseconds).")
    scale: Annotated[int, Field(strict=True, ge=0, le=1000), _WHOLE] | None = Field(
        default=None, description="Digits after the decimal point (numeric).")
    timezone: Flag = Field(default=False, description="A timestamp with time zone (timestamp).")
    months: Flag = Field(default=False, description="An interval that keeps months and years as PostgreSQL "
                         "does (interval): its values are the generated `Interval` (months, days, microseconds), "
                         "not `timedelta`, which holds no months.")
    array: Flag = Field(default=False, description="A list of values: an ARRAY on PostgreSQL, a JSON list on SQLite.")
    enum: Text | None = Field(default=None, description="The enum of an `enum` column (a name from `enums:`).")
    json_schema: Text | None = Field(default=None, alias="schema", description="The type of a json/jsonb column's "
                                     "values: a shape name, `list[X]`, `dict[str, X]` or a builtin.")
    rules: Rules | None = Field(default=None, alias="validate", description="Validation rules for Insert/Update.")
    renamed_from: Text | None = Field(default=None, description="The column's previous SQL name: `schemagen migrate` "
                                      "renames it (rows kept) instead of dropping and adding a column.")

    _expand, __get_pydantic_json_schema__ = _short_form("type", str, {"type": "string", "enum": list(COLUMN_TYPES)})


class ShapeField(_Node):
    """One field of a typed-JSON shape (`types:`); `name: type` is short for `name: {type: type}`."""

    type: Text = Field(description="`str`, `int`, `float`, `bool`, `decimal`, `date`, `datetime`, `time`, `uuid`, "
                       "`any`, a type or enum name, `list[X]` or `dict[str, X]`.")
    enum: list[Text] | None = Field(default=None, description="The only values a `str` field may take.")
    nullable: Flag = Field(default=False, description="Whether null is allowed.")
    default: Any = Field(default=None, description="The value when the field is left out.")
    comment: Text | None = Field(default=None, description="The field's description.")
    min_length: Count | None = Field(default=None, description="Fewest characters or items.")
    max_length: Count | None = Field(default=None, description="Most characters or items.")
    pattern: Text | None = Field(default=None, description="A regular expression the text must match.")
    ge: Number | None = Field(default=None, description="Greater than or equal to.")
    gt: Number | None = Field(default=None, description="Greater than.")
    le: Number | None = Field(default=None, description="Less than or equal to.")
    lt: Number | None = Field(default=None, description="Less than.")

    _expand, __get_pydantic_json_schema__ = _short_form("type", str, {"type": "string"})


class UniqueConstraint(_Node):
    """A unique constraint over columns; `[a, b]` is short for `{columns: [a, b]}`."""

    columns: list[Text] = Field(min_length=1, description="The columns (keys) that together are unique.")
    name: Text | None = Field(default=None, description="The constraint name (default: `uq_<table>_<columns>`).")

    _list_form, __get_pydantic_json_schema__ = _short_form(
        "columns", list, {"type": "array", "minItems": 1, "items": {"type": ["string", "number", "boolean"]}})


IndexMethod = Literal["btree", "hash", "gin", "gist", "brin", "spgist"]


class IndexPart(_Node):
    """One part of an index: a column with its sort order and operator class, or an SQL expression."""

    column: Text | None = Field(default=None, description="The indexed column (its key).")
    expr: Text | None = Field(default=None, description="An SQL expression to index instead of a column, e.g. "
                              "`lower(email)` or `to_tsvector('english', title)`.")
    order: Literal["asc", "desc"] | None = Field(default=None, description="The sort order (default: asc).")
    ops: Text | None = Field(default=None, description="The PostgreSQL operator class of this part, e.g. "
                             "`text_pattern_ops`.")


def _index_part_form(value: Any) -> str:
    return "part" if isinstance(value, (dict, IndexPart)) else "name"


IndexColumn = Annotated[
    Union[Annotated[Text, Tag("name")], Annotated[IndexPart, Tag("part")]], Discriminator(_index_part_form)]


class Index(_Node):
    """An index over columns and expressions."""

    columns: list[IndexColumn] = Field(min_length=1, description="The indexed columns (keys), in order; a part "
                                       "may be `{column: c, order: desc, ops: ...}` or `{expr: \"lower(email)\"}`.")
    unique: Flag = Field(default=False, description="A unique index.")
    using: IndexMethod | None = Field(default=None, description="The index method (PostgreSQL): btree (default), "
                                      "hash, gin, gist, brin or spgist. SQLite has only btree: another method "
                                      "(or `ops`) is an error with `dialect: sqlite`; a PostgreSQL spec's SQLite "
                                      "test database gets a plain index, or none for an expression it cannot "
                                      "build.")
    ops: Text | None = Field(default=None, description="The PostgreSQL operator class of every part that names "
                             "none, e.g. `jsonb_path_ops` for a GIN index on jsonb.")
    name: Text | None = Field(default=None, description="The index name (default: `ix_<table>_<columns>`).")
    where: Text | None = Field(default=None, description="An SQL condition: a partial index of the rows that meet it.")


class Check(_Node):
    """A CHECK constraint."""

    name: Text = Field(description="The constraint name (the database sees `ck_<table>_<name>`, or `name` itself "
                       "with `exact_name: true`).")
    sql: Text = Field(description="The SQL condition every row must meet.")
    exact_name: Flag = Field(default=False, description="`name` is the constraint's whole name in the database, "
                             "without the `ck_<table>_` prefix (an existing database's name, e.g. PostgreSQL's "
                             "`orders_total_check`; `schemagen pull` writes it so).")


class ReferencedColumns(_Node):
    """The table and columns a table-level foreign key points at."""

    table: Text = Field(description="The referenced table (its SQL name, as under `tables:`).")
    columns: list[Text] = Field(min_length=1, description="The referenced columns (keys), in the order of the "
                                "foreign key's own `columns:`; together its primary key or a unique constraint.")


class TableForeignKey(_Node):
    """A foreign key declared on the table: several columns (a composite key) referencing as many columns."""

    columns: list[Text] = Field(min_length=1, description="This table's columns (keys) that hold the reference.")
    references: ReferencedColumns = Field(description="The referenced table and its columns, paired in order "
                                          "with `columns:`.")
    on_delete: ForeignKeyAction | None = Field(default=None, description="What the database does to this row when "
                                               "the referenced row is deleted.")
    on_update: ForeignKeyAction | None = Field(default=None, description="What the database does to this row when "
                                               "the referenced key changes.")
    name: Text | None = Field(default=None, description="The constraint name (default: "
                              "`fk_<table>_<columns>_<target table>`).")


class Relation(_Node):
    """A relation to another table, loaded as an attribute of the model."""

    one: Text | None = Field(default=None, description="A single row of this table (many-to-one or one-to-one).")
    many: Text | None = Field(default=None, description="The rows of this table that point here, or with "
                              "`through:` a many-to-many.")
    through: Text | None = Field(default=None, description="The link table of a many-to-many relation.")
    fields: list[Text] | None = Field(default=None, description="On `one:`, this table's foreign-key column to "
                                      "follow when there are several (all columns of a composite foreign key).")
    references: list[Text] | None = Field(default=None, description="On `many:`, and on `one:` without `fields:` "
                                          "(the inverse of a one-to-one), the other table's foreign-key column to "
                                          "follow; on `one:` with `fields:`, the column that key references (checked, "
                                          "as Drizzle writes it).")
    through_fields: list[Text] | None = Field(default=None, description="On a self many-to-many: the link columns "
                                              "pointing to this side, then to the other side.")
    lazy: Literal["raise", "select", "selectin", "joined"] = Field(
        default="raise", description="How the relation loads when it was not loaded by the query "
        "(`eager(...)`): `raise` (default) refuses, so no query does hidden IO; `select`, `selectin` "
        "and `joined` are SQLAlchemy's loaders of those names.")


class Table(_Node):
    """A table: its columns, constraints and relations."""

    model: Text | None = Field(default=None, description="The model class name (default: the singular PascalCase "
                               "of the table name).")
    comment: Text | None = Field(default=None, description="A comment stored in the database and the model's "
                                 "docstring.")
    columns: dict[str, Column] = Field(min_length=1, description="The columns, by attribute name.")
    primary_key: list[Text] | None = Field(default=None, description="A composite primary key: its columns. A "
                                           "table without a primary key is mapped by its first set of unique NOT "
                                           "NULL columns; with none, it is a Core `Table` (Insert and Select "
                                           "schemas, no Update, no relations or `soft_delete`).")
    primary_key_name: Text | None = Field(default=None, description="The primary key constraint's name (default: "
                                          "`pk_<table>`).")
    unique: list[UniqueConstraint] = Field(default=[], description="Unique constraints over several columns.")
    foreign_keys: list[TableForeignKey] = Field(default=[], description="Foreign keys declared on the table: "
                                                "over several columns (composite), with their actions and name.")
    indexes: list[Index] = Field(default=[], description="Indexes.")
    checks: list[Check] = Field(default=[], description="CHECK constraints.")
    soft_delete: Text | None = Field(default=None, description="A nullable timestamp column whose value marks a "
                                     "row deleted.")
    relations: dict[str, Relation] = Field(default={}, description="Relations, by attribute name.")
    renamed_from: Text | None = Field(default=None, description="The table's previous name: `schemagen migrate` "
                                      "renames it (rows kept) instead of dropping and creating a table.")


class EnumType(_Node):
    """An enum; `Name: [a, b]` is short for `Name: {values: [a, b]}`."""

    values: list[Text] = Field(description="The values, in order.")
    sql_name: Text | None = Field(default=None, description="The SQL type's name (default: the snake_case of the "
                                  "enum's name, `ModelType` -> `model_type`).")
    renamed_from: dict[Text, Text] | None = Field(default=None, description="Values renamed: each new value and "
                                                  "its previous one, e.g. `{published: live}`; `schemagen migrate` "
                                                  "renames the value (rows keep it) instead of dropping one and "
                                                  "adding another.")

    _list_form, __get_pydantic_json_schema__ = _short_form(
        "values", list, {"type": "array", "items": {"type": ["string", "number", "boolean"]}})


class Spec(_Node):
    """A schemagen spec: one file, one generated package."""

    package: Text | None = Field(default=None, description="The generated package's name (default: the file's "
                                 "stem).")
    dialect: Literal["postgresql", "sqlite"] = Field(default="postgresql", description="The database the schema "
                                                     "targets.")
    validate_in_database: Flag = Field(default=True, description="Columns' `validate:` rules that SQL can express "
                                       "are also named CHECK constraints (`ck_<table>_<column>_<rule>`), so the "
                                       "database enforces the rule the schemas enforce; `false` leaves them to the "
                                       "schemas alone.")
    enums: dict[str, EnumType] = Field(default={}, description="Enums: a name and its values (or `{values: [...], "
                                       "sql_name: ...}`).")
    types: dict[str, dict[str, ShapeField]] = Field(default={}, description="Typed-JSON shapes: a name and its "
                                                    "fields.")
    tables: dict[str, Table] = Field(min_length=1, description="The tables, by SQL name.")
    typescript: Flag = Field(default=False, description="Also write `types.ts` (the Select, Insert and Update "
                             "shapes of every table as TypeScript types of their JSON form) and `schemas.json` "
                             "(the JSON Schema of each of those Pydantic schemas) into the package.")
    erd: Flag = Field(default=False, description="Also write `ERD.md` into the package: the entity-relationship "
                      "diagram as Mermaid, which GitHub shows as a picture.")
