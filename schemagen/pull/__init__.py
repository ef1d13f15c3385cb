"""`schemagen pull`: an existing PostgreSQL or SQLite database as a spec in our language.

`reflect.py` reads the database with SQLAlchemy's `inspect()`; `tables.py` and `columns.py` turn each
table into spec options (types through `catalog.kinds.from_database`); `relations.py` infers the
relations from the foreign keys; here they become a `Spec`, written with the spec dumper. Whatever
the language cannot hold is a `Lost` entry: printed by the command and written at the top of the
spec as comments, never dropped silently.
"""

from __future__ import annotations

import copy
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from schemagen import names
from schemagen.pull.tables import Lost

if TYPE_CHECKING:
    from sqlalchemy.engine import Connection

    from schemagen.pull.reflect import RawDatabase
    from schemagen.spec.model import Spec

__all__ = ["Lost", "Pulled", "pull", "spec_of"]


@dataclass(frozen=True)
class Pulled:
    spec: Spec
    lost: list[Lost]
    source: str
    """Which database it came from, for the header (`postgresql database shop`); no URL, no password."""
    database: str
    """The database's own name (empty when it has none), for a default file name."""

    def text(self) -> str:
        """The spec as YAML, with what it does not hold listed in comments at the top."""
        from schemagen.spec.dump import dump

        lines = [f"# Pulled by schemagen pull from the {comment_safe(self.source)}."]
        if self.lost:
            lines.append("# Not in this spec, or not as in the database (the spec language has no place for it):")
            lines.extend(f"#   {comment_safe(entry.subject)}: {comment_safe(entry.reason)}" for entry in self.lost)
        return "\n".join(lines) + "\n\n" + dump(self.spec)


def comment_safe(text: str) -> str:
    """`text` on one line, as a YAML comment or a terminal shows it: line breaks and other characters
    that are not printable are written as escapes (`\\n`), so a name cannot end the comment."""
    return "".join(ch if ch.isprintable() else ascii(ch)[1:-1] for ch in text)


def pull(connection: Connection, *, tables: list[str] | None = None, package: str | None = None) -> Pulled:
    """Reflect the database `connection` is connected to (its default schema) into a spec.

    Raises LookupError for a table in `tables` the database does not have, and ValueError when no
    table can be pulled."""
    from schemagen.pull.reflect import read

    raw = read(connection, tables)
    return spec_of(raw, package=package)


def spec_of(raw: RawDatabase, *, package: str | None = None) -> Pulled:
    from schemagen.pull import keys, tables as pulling
    from schemagen.pull.relations import infer
    from schemagen.pull.rules import regenerates, soft_delete, validate_rules
    from schemagen.spec.model import Spec

    lost: list[Lost] = [Lost(subject, reason) for subject, reason in raw.others]
    enum_names, enum_values = _enums(raw, lost)
    pulled: dict[str, pulling.PulledTable] = {}
    for raw_table in raw.tables:
        done = pulling.pull_table(raw_table, raw.dialect, enum_names, enum_values, lost)
        if done is not None:
            pulled[raw_table.name] = done
    if not pulled:
        raise ValueError("the database has no table the spec language can hold" + (
            f" ({len(lost)} object(s) skipped: {comment_safe(lost[0].subject)}, ...)" if lost else ""))
    for table in pulled.values():
        pulling.unique_sets(table)
    keys.foreign_keys(pulled, lost, raw.dialect)
    for table in pulled.values():
        validate_rules(table, raw.dialect)
    for table in pulled.values():
        referenced = {link.target_columns[0] for other in pulled.values() for link in other.links
                      if link.target == table.name and len(link.target_columns) == 1}
        pulling.constraints(table, referenced, lost, raw.dialect)
    saved = {name: (copy.deepcopy(table.options), {k: copy.deepcopy(c.options) for k, c in table.columns.items()})
             for name, table in pulled.items()}
    soft = [name for name, table in pulled.items() if soft_delete(table, raw.dialect)]
    _class_names(pulled, set(enum_names.values()))
    relations = infer(pulled)
    data: dict[str, Any] = {}
    if package is not None:
        data["package"] = package
    if raw.dialect == "sqlite":
        data["dialect"] = "sqlite"
    used = {column.options.get("enum") for table in pulled.values() for column in table.columns.values()}
    data["enums"] = {name: enum_values[name] for name in enum_names.values() if name in used}
    for name in enum_names.values():
        if name not in used:
            lost.append(Lost(f"enum type `{_sql_enum(enum_names, name)}`", "not pulled: no pulled column uses it"))
    data["tables"] = _tables(pulled, relations)
    if soft:  # `soft_delete:` only where it makes exactly the database's partial unique indexes
        from schemagen.api import resolve
        from schemagen.errors import SpecErrors

        try:
            made = resolve(Spec.model_validate({"package": "pulled", **data}))
            undo = [name for name in soft if not regenerates(pulled[name], made.table(name), raw.dialect)]
        except (SpecErrors, ValueError):  # the reading does not even resolve
            undo = soft
        for name in undo:
            pulled[name].options, columns = saved[name]
            for key, column in pulled[name].columns.items():
                column.options = columns[key]
        data["tables"] = _tables(pulled, relations)
    source = f"{raw.dialect} database {raw.name}".rstrip()
    return Pulled(Spec.model_validate(data), lost, source, raw.name)


def _tables(pulled: dict[str, Any], relations: dict[str, Any]) -> dict[str, Any]:
    tables: dict[str, Any] = {}
    for name, table in pulled.items():
        entry: dict[str, Any] = dict(table.options)
        if table.comment is not None:
            entry["comment"] = table.comment
        entry["columns"] = {column.key: column.options for column in table.columns.values()}
        if name in relations:
            entry["relations"] = relations[name]
        tables[name] = entry
    return tables


def _sql_enum(enum_names: dict[str, str], spec_name: str) -> str:
    return next(sql for sql, name in enum_names.items() if name == spec_name)


def _enums(raw: RawDatabase, lost: list[Lost]) -> tuple[dict[str, str], dict[str, list[str]]]:
    """PostgreSQL enum types as spec enums: SQL name -> spec name, and spec name -> values. The
    spec derives an enum's SQL name from its name (`RsvpAnswer` -> `rsvp_answer`): when that cannot
    give the database's name, the enum is renamed, and the rename listed."""
    enum_names: dict[str, str] = {}
    values: dict[str, list[str]] = {}
    taken: set[str] = set()
    tables = {table.name.lower() for table in raw.tables}
    for sql_name, labels in raw.enums:
        subject = f"enum type `{sql_name}`"
        members = [names.enum_member(label) for label in labels]
        if not labels or len(set(members)) != len(members) or any(
                "\x00" in label or len(label.encode()) > names.MAX_SQL_NAME for label in labels):
            lost.append(Lost(subject, "not pulled: its values cannot be enum members (empty, or two give one name)"))
            continue
        base = "".join(word[:1].upper() + word[1:] for word in names.snake_case(sql_name).split("_"))
        if not base or not names.is_identifier(base) or not base[:1].isupper() or names.needs_mapping(base):
            base = f"Enum{base}" if base and names.is_identifier(f"Enum{base}") else "Enum"
        name, number = base, 1
        while name in taken or names.snake_case(name) in tables or name in names.PACKAGE_NAMES:
            number += 1
            name = f"{base}{number}"
        taken.add(name)
        if names.snake_case(name) != sql_name:
            lost.append(Lost(subject, f"the spec names it `{name}`, which is the SQL type "
                               f"`{names.snake_case(name)}`"))
        enum_names[sql_name] = name
        values[name] = list(labels)
    return enum_names, values


def _class_names(tables: dict[str, Any], taken: set[str]) -> None:
    """`model:` where a table's name gives no usable class name, or one another name has taken."""
    claimed = set(taken) | set(names.PACKAGE_NAMES)
    for name, table in tables.items():
        default = names.class_name(name)
        candidate = default
        if not (names.is_identifier(candidate) and candidate[:1].isupper() and not names.needs_mapping(candidate)):
            candidate = "".join(ch for ch in candidate if ch.isalnum() or ch == "_").strip("_")
            candidate = candidate if candidate[:1].isupper() else f"Table{candidate[:1].upper()}{candidate[1:]}"
            valid = names.is_identifier(candidate) and not names.needs_mapping(candidate)
            candidate = candidate if valid else "Table"
        base, number = candidate, 1
        while {candidate, *(candidate + suffix for suffix in ("Insert", "Select", "Update"))} & claimed:
            number += 1
            candidate = f"{base}{number}"
        claimed.update({candidate, *(candidate + suffix for suffix in ("Insert", "Select", "Update"))})
        if candidate != default:
            table.options = {"model": candidate, **table.options}
