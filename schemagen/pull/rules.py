"""CHECK constraints that are exactly what a column's `validate:` rule makes (`resolver/rule_checks.py`)
pulled back as the rule, so a round trip keeps the Pydantic rule too. A check counts only when the
rule read from it, given to `rule_checks` again, gives the same name and the same condition (as the
database writes conditions: casts, quotes and parentheses aside); every other check stays `checks:`."""

from __future__ import annotations

import re
from typing import TYPE_CHECKING, Any

from schemagen import names

from schemagen.resolver.context import ResolvedColumn
from schemagen.resolver.rule_checks import rule_checks
from schemagen.spec.model import Column

if TYPE_CHECKING:
    from schemagen.pull.tables import PulledTable

_RULES = ("min_length", "max_length", "ge", "gt", "le", "lt", "pattern")
_NUMBER = r"-?\d+(?:\.\d+)?(?:[eE][-+]?\d+)?"
# the condition a rule makes, once normalized: a length, an item count, a comparison or a pattern
_BOUND = re.compile(rf"(?:length|cardinality|json_array_length)?\(?(.+?)\)?(>=|<=|>|<)({_NUMBER})")
_PATTERN = re.compile(r"(.+?)~'((?:[^']|'')*)'")
_CAST = re.compile(r"::\s*(?:\"(?:[^\"]|\"\")+\"|[a-z_][a-z0-9_]*(?:\s+(?:precision|varying|without time zone|"
                   r"with time zone))?)(?:\(\d+(?:,\s*\d+)?\))?(?:\[\])*", re.I)


def validate_rules(table: PulledTable, dialect: str) -> None:
    """Move the checks that are a column's `validate:` rules into `validate:`; the others stay in raw.checks."""
    by_name = {column.sql_name: column for column in table.columns.values()}
    kept: list[dict[str, Any]] = []
    found: dict[str, dict[str, Any]] = {}
    for check in table.raw.checks:
        rule = _rule_of(table, check, by_name, dialect)
        if rule is None or rule[1] in found.get(rule[0], {}):
            kept.append(check)
            continue
        found.setdefault(rule[0], {})[rule[1]] = rule[2]
    for sql_name, rules in found.items():
        options = by_name[sql_name].options
        options["validate"] = {name: rules[name] for name in _RULES if name in rules}
    table.raw.checks = kept


def _rule_of(table: PulledTable, check: dict[str, Any], columns: dict[str, Any],
             dialect: str) -> tuple[str, str, Any] | None:
    """(column, rule, bound) when the check is exactly what that rule on that column makes."""
    given = check.get("name") or ""
    sql = normalized(str(check.get("sqltext") or ""))
    for sql_name, column in columns.items():
        if normalized(f'"{sql_name}"') not in sql:
            continue
        for rule in _RULES:
            value = _bound(rule, sql)
            if value is not None and _makes(table.name, column, rule, value, dialect) == (given, sql):
                return sql_name, rule, value
    return None


def _bound(rule: str, sql: str) -> Any:
    if rule == "pattern":
        found = _PATTERN.fullmatch(sql)
        return found.group(2).replace("''", "'") if found else None
    bound = _BOUND.fullmatch(sql)
    if bound is None:
        return None
    text = bound.group(3)
    if rule in ("min_length", "max_length"):
        return int(text) if text.isdigit() else None
    return int(text) if re.fullmatch(r"-?\d+", text) else float(text)


def _makes(table: str, column: Any, rule: str, value: Any, dialect: str) -> tuple[str, str] | None:
    """The name and (normalized) condition of the check `rule: value` makes on this column, if one."""
    options = {key: column.options[key] for key in ("type", "array", "length", "enum") if key in column.options}
    if options.get("type") in ("serial", "bigserial") or "generated" in column.options:
        return None
    try:
        spec = Column.model_validate({**options, "validate": {rule: value}})
    except ValueError:
        return None
    resolved = ResolvedColumn(column.key, column.key, column.sql_name, spec, (), table)
    made = [check for check in rule_checks(table, resolved, dialect, True) if check.only_on in (None, dialect)]
    if len(made) != 1:
        return None
    from schemagen.pull.tables import named

    return named(f"ck_{table}_{made[0].given_name}", dialect), normalized(made[0].sql)


def normalized(sql: str) -> str:
    """A condition without what the database adds or drops when it stores one: casts (`::numeric`,
    `CAST(x AS REAL)`), identifier quotes, parentheses, spaces and the quotes around a number."""
    text = _CAST.sub("", sql)
    text = re.sub(r"(?i)\bCAST\s*\((.*?)\s+AS\s+REAL\s*\)", r"\1", text)
    text = re.sub(rf"'({_NUMBER})'", r"\1", text)
    out, quoted = [], False
    for ch in text:
        if ch == "'":
            quoted = not quoted
        if quoted or ch == "'":
            out.append(ch)
        elif ch not in ' \t\n()"':
            out.append(ch)
    return "".join(out)


# PostgreSQL stores `level IN ('a', 'b')` as `level = ANY (ARRAY[...])`, and on a varchar column prints it
# with casts (`level::text = ANY (ARRAY['a'::character varying, ...]::text[])`) that, written back as a
# check, it stores with other casts again (`'a'::character varying::text`): no round trip ends
_ANY = re.compile(r"""\(?(?P<column>[a-z_][a-z0-9_$]*|"(?:[^"]|"")+")\)?(?:::text)?\s+(?P<op>=\s+ANY|<>\s+ALL)\s+"""
                  r"\(\(?ARRAY\[(?P<items>.*?)\]\)?(?:::(?:text|character varying|bpchar)\[\])?\)", re.S)
_TEXT_ITEM = re.compile(r"\(*('(?:[^']|'')*')(?:\)?::(?:text|character varying|bpchar|character)\)?)*")


def in_list(sql: str) -> str:
    """A check condition PostgreSQL printed from `column IN (<texts>)` (or NOT IN) as that again; any
    other condition as it is."""
    bare = sql.strip()
    while bare.startswith("(") and bare.endswith(")") and _ANY.fullmatch(bare[1:-1].strip()):
        bare = bare[1:-1].strip()
    found = _ANY.fullmatch(bare)
    if found is None:
        return sql
    items = re.findall(r"\(*'(?:[^']|'')*'[^,']*", found.group("items"))
    texts = [_TEXT_ITEM.fullmatch(item.strip()) for item in items]
    if not texts or ", ".join(item.strip() for item in items) != found.group("items").strip() \
            or any(text is None for text in texts):
        return sql
    listed = ", ".join(text.group(1) for text in texts if text is not None)
    return f"{found.group('column')} {'IN' if found.group('op').startswith('=') else 'NOT IN'} ({listed})"


def soft_delete(table: PulledTable, dialect: str) -> bool:
    """Read the table as soft-deleting when its unique indexes `WHERE <col> IS NULL` (on one nullable
    timestamp column) are what `soft_delete: <col>` makes of plain uniques: those indexes become
    `unique: true` / `unique:` / unique `indexes:` again. The caller checks that the reading makes
    exactly the database's partial unique indexes (`regenerates`), and undoes it otherwise."""
    from schemagen.pull.tables import named

    indexes: list[dict[str, Any]] = table.options.get("indexes", [])
    for sql_name, column in table.columns.items():
        options = column.options
        if options.get("type") != "timestamp" or options.get("array") or options.get("nullable") is False \
                or sql_name in table.primary_key:
            continue
        live = normalized(f'"{sql_name}" IS NULL')
        ours = [entry for entry in indexes if entry.get("unique") and normalized(str(entry.get("where"))) == live
                and "using" not in entry and all(isinstance(part, str) for part in entry["columns"])]
        if not ours:
            continue
        by_key = {c.key: c for c in table.columns.values()}
        for entry in ours:
            indexes.remove(entry)
            keys = entry["columns"]
            sql = "_".join(by_key[key].sql_name for key in keys)
            name = entry.get("name")
            if name is None and len(keys) == 1:
                by_key[keys[0]].options.update({"unique": True, "index": True})
            elif name == named(f"uq_{table.name}_{sql}", dialect) and len(keys) == 1:
                by_key[keys[0]].options["unique"] = True
            elif name == named(f"uq_{table.name}_{sql}", dialect):
                table.options.setdefault("unique", []).append({"columns": keys})
            else:
                indexes.append({key: value for key, value in entry.items() if key != "where"})
        if not indexes:
            table.options.pop("indexes", None)
        table.options["soft_delete"] = column.key
        return True
    return False


def regenerates(table: PulledTable, made: Any, dialect: str) -> bool:
    """Whether the catalog table `made` has exactly the database's partial unique indexes."""
    sql = {column.key: column.sql_name for column in table.columns.values()}

    def db_name(name: str) -> set[str]:
        return {name, names.postgresql_constraint_name(name) if dialect == "postgresql" else name}

    wanted = sorted((index.get("name") or "", tuple(map(str, index["column_names"])),
                     normalized(str(_where(index))))
                    for index in table.raw.indexes if index.get("unique") and _where(index) is not None)
    found = [(index.name, tuple(sql.get(key, "") for key in index.columns), normalized(str(index.where)))
             for index in made.indexes if index.unique and index.where is not None]
    if len(found) != len(wanted):
        return False
    remaining = list(wanted)
    for name, columns, where in found:
        match = next((w for w in remaining if w[0] in db_name(name) and w[1:] == (columns, where)), None)
        if match is None:
            return False
        remaining.remove(match)
    return True


def _where(index: dict[str, Any]) -> Any:
    options = index.get("dialect_options") or {}
    return options.get("postgresql_where") or options.get("sqlite_where")
