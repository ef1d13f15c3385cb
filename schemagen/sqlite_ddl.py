"""Reading SQLite's CREATE TABLE statements, which are all SQLite keeps of a generated column.

SQLite has no catalogue of a generated column's expression: SQLAlchemy reads it back from the
table's CREATE statement with a pattern that stops at the first comma, so a column typed
`NUMERIC(12, 2)`, or an expression with a comma in a quoted string, reflects with an empty or cut
expression. Here the statement is read token by token, quotes, comments and parentheses included.
"""

from __future__ import annotations

import re
from typing import Any

from sqlalchemy import Connection

Expression = tuple[str, bool]
"""A generated column's SQL, spaces collapsed, and whether it is stored."""

_TOKEN = re.compile(r"""'(?:[^']|'')*'|"(?:[^"]|"")*"|`(?:[^`]|``)*`|\[[^\]]*\]|--[^\n]*|/\*.*?\*/|[(),]|[^\s(),'"`\[]+""",
                    re.DOTALL)
_TABLE_CONSTRAINTS = {"constraint", "primary", "unique", "check", "foreign"}


def spaced(sql: str) -> str:
    return " ".join(sql.split())


def _definitions(create_sql: str) -> list[list[re.Match[str]]]:
    """The column and constraint definitions of a CREATE TABLE statement, as tokens."""
    tokens = [t for t in _TOKEN.finditer(create_sql) if not t.group().startswith(("--", "/*"))]
    found: list[list[re.Match[str]]] = []
    current: list[re.Match[str]]
    depth = 0
    current = []
    for token in tokens:
        text = token.group()
        if text == "(":
            depth += 1
            if depth == 1:
                continue
        elif text == ")":
            depth -= 1
            if depth == 0:
                break
        if depth == 1 and text == ",":
            found.append(current)
            current = []
        elif depth >= 1:
            current.append(token)
    return [*found, current] if current else found


def _unquoted(name: str) -> str:
    if name[:1] in "\"`" and len(name) > 1:
        return name[1:-1].replace(name[0] * 2, name[0])
    return name[1:-1] if name.startswith("[") else name


def sqlite_expressions(create_sql: str) -> dict[str, Expression]:
    """Per generated column of a SQLite CREATE TABLE statement, its expression exactly as written."""
    expressions: dict[str, Expression] = {}
    for tokens in _definitions(create_sql):
        if not tokens or tokens[0].group().lower() in _TABLE_CONSTRAINTS:
            continue
        words = [t.group() for t in tokens]
        for at in range(1, len(tokens) - 1):
            if words[at].lower() != "as" or words[at + 1] != "(":
                continue
            depth, end = 0, at + 1
            for end in range(at + 1, len(tokens)):
                depth += {"(": 1, ")": -1}.get(words[end], 0)
                if depth == 0:
                    break
            sql = create_sql[tokens[at + 1].end():tokens[end].start()]
            stored = end + 1 < len(words) and words[end + 1].lower() == "stored"
            expressions[_unquoted(words[0])] = (spaced(sql), stored)
            break
    return expressions


def create_statement(connection: Connection, table: str) -> str | None:
    sql = connection.exec_driver_sql("SELECT sql FROM sqlite_master WHERE type = 'table' AND name = ?",
                                     (table,)).scalar()
    return None if sql is None else str(sql)


def repair_reflected(connection: Connection, table: str, columns: list[dict[str, Any]]) -> None:
    """Give reflected SQLite generated columns (`get_columns` entries) the expressions their
    CREATE statement holds, in place."""
    if connection.dialect.name != "sqlite" or not any(c.get("computed") for c in columns):
        return
    sql = create_statement(connection, table)
    found = sqlite_expressions(sql) if sql else {}
    for column in columns:
        if column.get("computed") and column["name"] in found:
            column["computed"]["sqltext"], column["computed"]["persisted"] = found[column["name"]]
