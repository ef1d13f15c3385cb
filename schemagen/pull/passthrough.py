"""PostgreSQL column types the spec language has no name for, pulled as pass-through types
(`type: {sql: macaddr8, python: str}`). The database says the SQL type; which Python type the values
come as is the driver's answer, so it is asked: psycopg loads each type OID with a loader, and a
type whose loader is the one of `text` (or that has none: psycopg then gives the text as it is) comes
as `str`, one loaded like `int8` as `int`, and so on. A type loaded into anything the spec's `python:`
cannot name (ranges, intervals) is listed instead of pulled as a lie.

Names in the database are untrusted: the query passes them as bound parameters."""

from __future__ import annotations

import re
from typing import Any

from sqlalchemy import text
from sqlalchemy.engine import Connection

# The spec's `python:` of a pass-through type, by the built-in PostgreSQL types whose values the
# driver gives as that Python type (spec.model.PassThroughPython)
_REFERENCES = {
    "str": ("text",), "int": ("int8",), "float": ("float8",), "bool": ("bool",), "decimal": ("numeric",),
    "date": ("date",), "datetime": ("timestamp", "timestamptz"), "time": ("time", "timetz"), "uuid": ("uuid",),
    "bytes": ("bytea",),
}
# what `SqlType.sql` accepts (spec.model): a name with a modifier, no quotes
_SQL_TYPE = re.compile(r"[A-Za-z_][A-Za-z0-9_ .()\[\],]*")


def read_types(connection: Connection, schema: str | None, table: str) -> dict[str, tuple[str, int, bool]]:
    """Per column: its type (an array's item type) as PostgreSQL spells it with its modifier
    (`macaddr`, `public.vector(3)`), that type's OID and whether the column is an array of it (SQLAlchemy
    reflects an array of a type it does not know as NullType, not as an ARRAY). A type from outside `pg_catalog` (an
    extension's `citext`) is named with its schema: `migrate` builds its scratch copies in a schema
    of their own, with only that schema on the search path, and the bare name would not resolve there."""
    rows = connection.execute(text("""
        SELECT a.attname,
               CASE WHEN tn.nspname <> 'pg_catalog' AND pg_type_is_visible(e.oid)
                    THEN quote_ident(tn.nspname) || '.' ELSE '' END || format_type(e.oid, a.atttypmod),
               e.oid, t.typcategory = 'A'
        FROM pg_attribute a JOIN pg_class c ON c.oid = a.attrelid JOIN pg_namespace n ON n.oid = c.relnamespace
        JOIN pg_type t ON t.oid = a.atttypid
        JOIN pg_type e ON e.oid = CASE WHEN t.typcategory = 'A' THEN t.typelem ELSE a.atttypid END
        JOIN pg_namespace tn ON tn.oid = e.typnamespace
        WHERE n.nspname = :schema AND c.relname = :table AND a.attnum > 0 AND NOT a.attisdropped"""),
        {"schema": schema, "table": table})
    return {str(name): (str(spelled), int(oid), bool(array)) for name, spelled, oid, array in rows}


def pass_through(connection: Connection, spelled: str, oid: int) -> dict[str, str] | str:
    """The spec's `{sql, python}` for a type, or why the spec cannot hold it."""
    if not _SQL_TYPE.fullmatch(spelled):
        return "cannot be written as a pass-through type (`{sql: ..., python: ...}`)"
    python = _python_type(connection, oid)
    if python is None:
        return (f"is not in the spec language, and the driver gives its values as a Python type a pass-through "
                f"type cannot name (`python:` is one of {', '.join(_REFERENCES)})")
    return {"sql": spelled, "python": python}


def _python_type(connection: Connection, oid: int) -> str | None:
    """The spec's name of the Python type the driver loads values of type `oid` as, if one."""
    adapters = getattr(connection.connection.dbapi_connection, "adapters", None)
    if adapters is None:  # not psycopg 3: no driver to ask (the project's PostgreSQL driver is psycopg)
        return None
    from psycopg.postgres import types
    from psycopg.pq import Format

    def loader(type_oid: int) -> Any:
        # psycopg loads an OID without a loader of its own with the one of OID 0: the text as it is
        found = adapters.get_loader(type_oid, Format.TEXT)
        return found if found is not None else adapters.get_loader(0, Format.TEXT)

    mine = loader(oid)
    for python, names in _REFERENCES.items():
        if any(mine is loader(types[name].oid) for name in names):
            return python
    return None
