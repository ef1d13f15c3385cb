"""`validate:` rules as CHECK constraints: the rule the schemas enforce, enforced by the database too.

Each rule SQL can express becomes one named CHECK (`ck_<table>_<column>_<rule>_<bound>`), so a
changed rule is a changed name and a migration follows it. What SQL cannot say the way Pydantic
means it stays with the schemas alone: `format`, rules on array items, and a `pattern` on SQLite
(no regular expressions) or one using syntax PostgreSQL reads differently (see `_PORTABLE_PATTERN`).
"""

from __future__ import annotations

import hashlib
import re

from schemagen import catalog, names
from schemagen.resolver.context import ResolvedColumn, kind_of

_COMPARISONS = {"ge": ">=", "gt": ">", "le": "<=", "lt": "<"}

# Pydantic reads `pattern` with Rust's regex engine, PostgreSQL's `~` with its own (ARE). Both search
# anywhere in the text; they agree on literals, classes, anchors, groups, alternation, quantifiers and
# \d \w \s. They differ on \b (a backspace to PostgreSQL), \p{..}, \z, \A, inline flags `(?i)` and
# POSIX classes (`[[:alpha:]]`: ASCII letters to Rust, the locale's letters, `é` too, to PostgreSQL):
# a pattern using anything outside the shared part is left to the schemas.
_PORTABLE_PATTERN = re.compile(r"(?:[^\\(\[]|\[(?!\[?:)|\\[dDwWsS.\\^$|?*+()\[\]{}/-]|\((?!\?))*")


def rule_checks(table: str, column: ResolvedColumn, dialect: str, default_on: bool) -> list[catalog.Check]:
    """The CHECK constraints of a column's `validate:` rules (none where they stay in the schemas)."""
    rules = column.spec.rules
    if rules is None or not (default_on if rules.in_database is None else rules.in_database):
        return []
    quoted = '"' + column.sql_name.replace('"', '""') + '"'
    checks: list[tuple[str, str, str | None]] = []  # (rule, SQL, the one database it is for)
    for rule, length in (("min_length", rules.min_length), ("max_length", rules.max_length)):
        if length is None:
            continue
        op = ">=" if rule == "min_length" else "<="
        if column.spec.array:  # the number of items: an ARRAY on PostgreSQL, JSON on SQLite
            if dialect == "postgresql":
                checks.append((rule, f"cardinality({quoted}) {op} {length}", "postgresql"))
            checks.append((rule, f"json_array_length({quoted}) {op} {length}", "sqlite"))
        elif not (rule == "min_length" and kind_of(column.spec) == "char"):
            # (PostgreSQL's length() of a char(n) leaves out the padding Pydantic counts: not comparable)
            checks.append((rule, f"length({quoted}) {op} {length}", None))
    if not column.spec.array:
        for rule, op in _COMPARISONS.items():
            bound = getattr(rules, rule)
            if bound is not None:
                # a real (float4) is compared with a float4 bound, as the value Pydantic took is stored
                written = f"CAST({bound!r} AS REAL)" if kind_of(column.spec) == "real" else repr(bound)
                checks.append((rule, f"{quoted} {op} {written}", None))
        if rules.pattern is not None and dialect == "postgresql" and _PORTABLE_PATTERN.fullmatch(rules.pattern):
            regex = _as_postgresql(rules.pattern)
            checks.append(("pattern", f"{quoted} ~ '" + regex.replace("'", "''") + "'", "postgresql"))
    made = []
    for rule, sql, only_on in checks:
        # the name carries the bound, not the database's spelling of the rule: both variants of an
        # array's length share it
        given = f"{column.sql_name}_{rule}_{_bound_word(rule, rules)}"
        name, final = names.constraint_name(f"ck_{table}_{given}")
        made.append(catalog.Check(given, sql, name, final, only_on=only_on, from_rule=True))  # type: ignore[arg-type]
    return made


def _as_postgresql(pattern: str) -> str:
    """The pattern as PostgreSQL's `~` must read it to mean what Rust's regex (Pydantic) means.

    Rust's `.` is anything but a newline, PostgreSQL's anything at all: outside a bracket it is
    written `[^\\n]`. The name hashes this form, so a CHECK an earlier version wrote with the bare
    `.` has another name and `schemagen migrate` replaces it.
    """
    out: list[str] = []
    index, in_class, class_start = 0, False, 0
    while index < len(pattern):
        char = pattern[index]
        if char == "\\":
            out.append(pattern[index:index + 2])
            index += 2
            continue
        if in_class:
            # a `]` right after `[` or `[^` is a literal one
            in_class = not (char == "]" and index > class_start)
        elif char == "[":
            in_class = True
            class_start = index + 2 if pattern[index + 1:index + 2] == "^" else index + 1
        elif char == ".":
            char = "[^\\n]"
        out.append(char)
        index += 1
    return "".join(out)


def _bound_word(rule: str, rules: object) -> str:
    """The rule's bound in the name (`age_ge_18`, `latitude_ge_neg90`, `score_le_0_5`); a short hash
    for a pattern or a bound written with an exponent."""
    written = str(getattr(rules, rule))
    if rule == "pattern":
        written = _as_postgresql(written)  # the same for a pattern without `.`: its name is unchanged
    word = written.replace("-", "neg").replace(".", "_")
    plain = word.replace("_", "").isalnum() and "e" not in written.lower() and rule != "pattern"
    return word if plain else hashlib.sha256(written.encode()).hexdigest()[:8]
