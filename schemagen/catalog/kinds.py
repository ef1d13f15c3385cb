"""Column kinds: everything schemagen knows about each column type of the spec language, in one table.

Both directions live here: a spec type's Python type, SQLAlchemy type, value range, options and
`now` function (used by resolve and codegen), and a database column's type back to a spec type
(`from_database`, used when reflecting an existing database).
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from schemagen.catalog.records import record

if TYPE_CHECKING:
    from sqlalchemy.types import TypeEngine

INTEGER, FLOAT, DECIMAL, TEXT, TEMPORAL, JSON, OTHER = "integer", "float", "decimal", "text", "temporal", "json", "other"


@record
class ColumnKind:
    name: str
    """The spec's type name (`type: varchar`)."""
    python: str
    """The Python type of one value, dotted (`decimal.Decimal`); empty where it depends on the column."""
    sqlalchemy: str
    """The SQLAlchemy type class (in `sqlalchemy`) when no option changes it; empty otherwise."""
    family: str
    storage: str
    """The type a column referencing this one must have (`serial` keys are referenced by `integer`)."""
    value_range: tuple[int, int] | None = None
    auto_number: bool = False
    options: frozenset[str] = frozenset()
    """Column options that apply to this type only (`length`, `precision`, ...)."""
    now_function: str | None = None
    """The SQL function `default: now` stands for."""

    @property
    def numeric(self) -> bool:
        return self.family in (INTEGER, FLOAT, DECIMAL)


def _kind(name: str, python: str, sqlalchemy: str, family: str, **extra: Any) -> ColumnKind:
    return ColumnKind(name, python, sqlalchemy, family, extra.pop("storage", name), **extra)


_INT32 = (-(2**31), 2**31 - 1)
_INT64 = (-(2**63), 2**63 - 1)

KINDS: dict[str, ColumnKind] = {
    kind.name: kind
    for kind in (
        _kind("serial", "int", "Integer", INTEGER, storage="integer", value_range=(1, _INT32[1]), auto_number=True),
        _kind("bigserial", "int", "", INTEGER, storage="bigint", value_range=(1, _INT64[1]), auto_number=True),
        _kind("smallint", "int", "SmallInteger", INTEGER, value_range=(-(2**15), 2**15 - 1)),
        _kind("integer", "int", "Integer", INTEGER, value_range=_INT32),
        _kind("bigint", "int", "BigInteger", INTEGER, value_range=_INT64),
        _kind("boolean", "bool", "Boolean", OTHER),
        _kind("real", "float", "REAL", FLOAT),
        _kind("double", "float", "Double", FLOAT),
        _kind("numeric", "decimal.Decimal", "", DECIMAL, options=frozenset({"precision", "scale"})),
        _kind("varchar", "str", "", TEXT, options=frozenset({"length"})),
        _kind("char", "str", "", TEXT, options=frozenset({"length"})),
        _kind("text", "str", "Text", TEXT),
        _kind("date", "datetime.date", "Date", TEMPORAL, now_function="current_date"),
        _kind("time", "datetime.time", "", TEMPORAL, options=frozenset({"fraction"}), now_function="current_time"),
        _kind("timestamp", "datetime.datetime", "", TEMPORAL, options=frozenset({"timezone", "fraction"}),
              now_function="now"),
        _kind("interval", "datetime.timedelta", "Interval", OTHER, options=frozenset({"months"})),
        _kind("uuid", "uuid.UUID", "Uuid", OTHER),
        _kind("json", "", "", JSON, options=frozenset({"schema"})),
        _kind("jsonb", "", "", JSON, options=frozenset({"schema"})),
        _kind("bytes", "bytes", "LargeBinary", OTHER),
        _kind("enum", "", "", OTHER, options=frozenset({"enum"})),
        # PostgreSQL's network types (text on SQLite): an address with its prefix (`10.0.0.1` is
        # 10.0.0.1/32), a network (no host bits), a MAC address as PostgreSQL prints it
        _kind("inet", "ipaddress.IPv4Interface | ipaddress.IPv6Interface", "", OTHER),
        _kind("cidr", "ipaddress.IPv4Network | ipaddress.IPv6Network", "", OTHER),
        _kind("macaddr", "str", "", OTHER),
        # `type: {sql: citext, python: str}`: the column carries its SQL and Python types
        _kind("sql", "", "", OTHER),
    )
}


@record
class DatabaseType:
    """A database column type read back as the spec would write it."""

    kind: str
    options: tuple[tuple[str, Any], ...] = ()
    """Column options (`length`, `precision`, `scale`, `timezone`, `array`), in spec key order."""
    enum_name: str | None = None
    enum_values: tuple[str, ...] = ()
    lost: str = ""
    """What the spec language cannot keep of the database type (`precision 3`), or ''."""


def _precision(type_: Any) -> str:
    precision = getattr(type_, "precision", None)
    return f"precision {precision}" if precision is not None else ""


def from_database(type_: TypeEngine[Any]) -> DatabaseType | None:
    """The spec type for a reflected column type (`inspect(engine).get_columns(...)`), or None
    when the language has no type for it. Auto-numbering (`serial`) is a column property, not a
    type: the caller decides it from the column's default or identity.

    PostgreSQL reports its types exactly. SQLite keeps only the declared type name and reflection
    guesses from it (SQLAlchemy's affinity rules: `uuid` or `money` come back NUMERIC), so what this
    returns for SQLite is a hint to be confirmed, not a fact."""
    from sqlalchemy import types as sa
    from sqlalchemy.dialects import postgresql

    if isinstance(type_, postgresql.DOMAIN):  # a base type with the domain's checks: the language keeps the base
        base = from_database(type_.data_type)
        lost = ", ".join(part for part in (base.lost if base else "", f"domain {type_.name}") if part)
        return None if base is None else DatabaseType(base.kind, base.options, base.enum_name, base.enum_values, lost)
    if isinstance(type_, sa.ARRAY):
        item = from_database(type_.item_type)
        if item is None or item.kind in ("json", "jsonb", "bytes"):
            return None
        return DatabaseType(item.kind, (*item.options, ("array", True)), item.enum_name, item.enum_values)
    if isinstance(type_, sa.Enum):
        return DatabaseType("enum", (), type_.name, tuple(str(value) for value in type_.enums))
    if isinstance(type_, postgresql.JSONB):
        return DatabaseType("jsonb")
    if isinstance(type_, sa.JSON):
        return DatabaseType("json")
    if isinstance(type_, sa.Boolean):
        return DatabaseType("boolean")
    for sa_class, name in ((sa.SmallInteger, "smallint"), (sa.BigInteger, "bigint"), (sa.Integer, "integer")):
        if isinstance(type_, sa_class):
            return DatabaseType(name)
    if isinstance(type_, sa.REAL):
        return DatabaseType("real")
    if isinstance(type_, sa.Float):  # Double, DOUBLE_PRECISION (Float is a Numeric: test it first)
        return DatabaseType("double")
    if isinstance(type_, sa.Numeric):
        if type_.scale is not None and type_.scale < 0:
            return None  # numeric(p, -s) rounds to tens, hundreds...: the language has no such type
        options = tuple((key, value) for key, value in (("precision", type_.precision), ("scale", type_.scale))
                        if value is not None)
        return DatabaseType("numeric", options)
    if isinstance(type_, sa.CHAR) or getattr(type_, "__visit_name__", "") in ("CHAR", "NCHAR"):
        return DatabaseType("char", (("length", getattr(type_, "length", None) or 1),))
    if isinstance(type_, postgresql.CITEXT):  # a Text to SQLAlchemy, but it compares case-insensitively
        return None
    if isinstance(type_, sa.Text) or (isinstance(type_, sa.String) and type(type_).__visit_name__ == "TEXT"):
        return DatabaseType("text")
    if isinstance(type_, sa.String):
        length = type_.length
        return DatabaseType("varchar", (("length", length),) if length else ())
    if isinstance(type_, sa.DateTime):
        return DatabaseType("timestamp", (("timezone", True),) if type_.timezone else (), lost=_precision(type_))
    if isinstance(type_, sa.Date):
        return DatabaseType("date")
    if isinstance(type_, sa.Time):
        return None if type_.timezone else DatabaseType("time", lost=_precision(type_))
    if isinstance(type_, (sa.Interval, postgresql.INTERVAL)):
        fields = getattr(type_, "fields", None)
        lost = ", ".join(part for part in (f"fields {fields}" if fields else "", _precision(type_)) if part)
        # stored months read as months (`months: true`): another writer may have put them there
        return DatabaseType("interval", (("months", True),), lost=lost)
    if isinstance(type_, sa.Uuid):
        return DatabaseType("uuid")
    for pg_class, name in ((postgresql.INET, "inet"), (postgresql.CIDR, "cidr"), (postgresql.MACADDR, "macaddr")):
        if isinstance(type_, pg_class):
            return DatabaseType(name)
    if isinstance(type_, sa.LargeBinary):
        return DatabaseType("bytes")
    return None


def kinds_of(family: str) -> frozenset[str]:
    """The type names of one family (`kinds_of(TEXT)` is varchar, char and text)."""
    return frozenset(name for name, column_kind in KINDS.items() if column_kind.family == family)


AUTO_NUMBERED = frozenset(name for name, column_kind in KINDS.items() if column_kind.auto_number)
NUMBERS = frozenset(name for name, column_kind in KINDS.items() if column_kind.numeric)

# Shape field builtins and their Python types (`any` is typing.Any, imported by the generator).
SHAPE_BUILTINS: dict[str, str] = {
    "str": "str", "int": "int", "float": "float", "bool": "bool", "decimal": "decimal.Decimal",
    "date": "datetime.date", "datetime": "datetime.datetime", "time": "datetime.time", "uuid": "uuid.UUID",
    "any": "typing.Any",
}
FOREIGN_KEY_ACTIONS = ("cascade", "set null", "restrict", "no action", "set default")
