"""Synthetic specs of N tables that use every feature: the benchmark's workload.

`python bench/workload.py 50 > spec.yaml` writes one; `make_spec(n)` returns its text. Each table has
about ten columns (scalars, an array, typed JSON, an enum, validation rules with messages, a default,
a foreign key to the previous table) and relations both ways, so that cost grows with the table count.

schemagen refuses spec files over 1 MiB (about 1,090 of these tables), so `make_specs(n)` splits a
large workload into files of at most `TABLES_PER_FILE` tables, one package each, as a user would.
"""

from __future__ import annotations

import sys

ENUMS = {"Status": ["draft", "active", "archived"], "Priority": ["low", "normal", "high", "urgent"]}
TYPES: dict[str, dict[str, str | dict[str, object]]] = {
    "Address": {"street": "str", "city": "str", "postal_code": {"type": "str", "pattern": "^[0-9A-Z -]{3,10}$"}},
    "Settings": {"enabled": "bool", "limit": {"type": "int", "ge": 1},
                 "address": {"type": "Address", "nullable": True}},
}
COLUMNS = [
    "id: {type: serial, primary_key: true}",
    "name: {type: varchar, length: 120, nullable: false, validate: {min_length: 2, message: \"Name is too short\"}}",
    "email: {type: varchar, length: 255, unique: true, validate: {format: email, message: \"Invalid email format\"}}",
    "score: {type: integer, default: 0, validate: {ge: 0, le: 1000, message: \"Score must be 0..1000\"}}",
    "price: {type: numeric, precision: 10, scale: 2}",
    "status: {type: enum, enum: Status, nullable: false, default: draft}",
    "tags: {type: text, array: true, default: []}",
    "settings: {type: jsonb, schema: Settings}",
    "created_at: {type: timestamp, nullable: false, default: now}",
    "updated_at: {type: timestamp, default: now, on_update: now}",
]
TABLES_PER_FILE = 1000  # 1000 tables are about 0.92 MiB of YAML, under schemagen's 1 MiB limit
MAX_SPEC_BYTES = 1_048_576


def table_name(index: int) -> str:
    return f"table_{index:04d}"


def _flow_scalar(value: object) -> str:
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, str) and not value.isidentifier():
        return repr(value)  # a single-quoted YAML string: patterns hold `[`, `{` and `,`
    return str(value)


def _header(package: str) -> list[str]:
    lines = [f"package: {package}", "enums:"]
    lines += [f"  {name}: [{', '.join(values)}]" for name, values in ENUMS.items()]
    lines.append("types:")
    for name, fields in TYPES.items():
        lines.append(f"  {name}:")
        for field, spec in fields.items():
            if isinstance(spec, str):
                lines.append(f"    {field}: {spec}")
            else:
                inner = ", ".join(f"{key}: {_flow_scalar(value)}" for key, value in spec.items())
                lines.append(f"    {field}: {{{inner}}}")
    return lines


def _table(index: int, first: int, last: int) -> list[str]:
    """Table `index` of a file holding tables first..last; it references the previous one in its file."""
    lines = [f"  {table_name(index)}:", f"    comment: \"Synthetic table {index}\"", "    columns:"]
    lines += [f"      {column}" for column in COLUMNS]
    if index > first:
        lines.append(f"      parent_id: {{type: integer, references: {table_name(index - 1)}.id, on_delete: cascade}}")
    relations = []
    if index > first:
        relations.append(f"      parent: {{one: {table_name(index - 1)}}}")
    if index < last:
        relations.append(f"      children: {{many: {table_name(index + 1)}}}")
    if relations:
        lines += ["    relations:", *relations]
    return lines


def _spec(package: str, first: int, last: int) -> str:
    lines = [*_header(package), "tables:"]
    for index in range(first, last + 1):
        lines += _table(index, first, last)
    return "\n".join(lines) + "\n"


def make_spec(tables: int, *, package: str = "bench") -> str:
    """One spec file of `tables` tables (may exceed schemagen's size limit; see `make_specs`)."""
    return _spec(package, 0, tables - 1)


def make_specs(tables: int, *, package: str = "bench") -> dict[str, str]:
    """Spec files (name -> text) of `tables` tables in all, each under schemagen's size limit.

    One file is `<package>.yaml` with package `<package>`; a split workload is `<package>_1.yaml`,
    `<package>_2.yaml`, ... with packages of the same names, each a chain of up to TABLES_PER_FILE tables.
    """
    if tables <= TABLES_PER_FILE:
        specs = {f"{package}.yaml": make_spec(tables, package=package)}
    else:
        specs = {}
        for part, first in enumerate(range(0, tables, TABLES_PER_FILE), start=1):
            name = f"{package}_{part}"
            specs[f"{name}.yaml"] = _spec(name, first, min(first + TABLES_PER_FILE, tables) - 1)
    for name, text in specs.items():
        size = len(text.encode())
        if size > MAX_SPEC_BYTES:
            raise ValueError(f"workload file {name} is {size} bytes, over schemagen's limit; lower TABLES_PER_FILE")
    return specs


if __name__ == "__main__":
    sys.stdout.write(make_spec(int(sys.argv[1]) if len(sys.argv) > 1 else 50))
