"""A realistic large workload: specs shaped like the production schemas users translate from
Drizzle and Prisma (issue 10), next to the uniform synthetic one of `workload.py`.

`python bench/realistic.py 300 > spec.yaml` writes one; `make_spec(n)` returns its text. Unlike the
synthetic chain, tables differ from each other (seeded, so the text is the same on every run):

- keys: serial, bigserial, uuid and plain integer keys; link tables with a composite key;
- 4 to 14 columns of every kind: varchar with lengths, text, numbers, numeric with a decimal
  default, booleans, dates, timestamps with time zone, enums, arrays, typed and untyped jsonb;
- foreign keys to earlier tables (one to three per table, some to the same table twice, so the
  relations name their keys), a few to later tables (cycles, closed with `use_alter`), and
  self references (a parent and its children);
- relations both ways for every foreign key, and many-to-many through link tables: about 3.2
  relations per table, as in the 303-table schema of the issue (~970 relations);
- long multi-line doc comments on tables and columns (block scalars);
- uniques over several columns, indexes of every kind the language has (plain, composite,
  unique, partial, GIN, descending, expression), checks.
"""

from __future__ import annotations

import random
import sys

MAX_SPEC_BYTES = 1_048_576
NOUNS = ["account", "invoice", "order", "product", "customer", "shipment", "ticket", "project", "task",
         "comment", "review", "payment", "subscription", "device", "session", "message", "channel",
         "document", "report", "workspace", "member", "campaign", "lead", "contract", "asset"]
ENUMS = {
    "Status": ["draft", "active", "suspended", "archived"],
    "Priority": ["low", "normal", "high", "urgent"],
    "Currency": ["usd", "eur", "gbp", "jpy", "chf"],
}
PROSE = ("Records what the business calls a {noun}. Rows are written by the {noun} service and read "
         "by reporting; keep the retention rules of the data protection policy in mind when adding "
         "columns that hold personal data. Deleting a row cascades to its dependants.")


def table_name(index: int) -> str:
    return f"{NOUNS[index % len(NOUNS)]}_{index:04d}"


def _comment(rng: random.Random, noun: str, indent: str) -> list[str]:
    """A doc comment of two to five lines, as a YAML block scalar."""
    words = PROSE.format(noun=noun).split()
    lines, line = [], ""
    for word in words[: rng.randint(20, len(words))]:
        if len(line) + len(word) > 72:
            lines.append(line)
            line = ""
        line = f"{line} {word}".strip()
    lines.append(line)
    return ["|", *(f"{indent}{text}" for text in lines)]


def _columns(rng: random.Random, noun: str) -> list[tuple[str, str]]:
    pool = [
        ("name", "{type: varchar, length: 200, nullable: false, validate: {min_length: 1, message: "
                 "\"A name is required\"}}"),
        ("slug", "{type: varchar, length: 120, unique: true}"),
        ("email", "{type: varchar, length: 255, validate: {format: email}}"),
        ("description", "text"),
        ("amount", "{type: numeric, precision: 12, scale: 2, nullable: false, default: \"0.00\"}"),
        ("quantity", "{type: integer, nullable: false, default: 0, validate: {ge: 0}}"),
        ("weight", "double"),
        ("views", "{type: bigint, default: 0}"),
        ("is_active", "{type: boolean, nullable: false, default: true}"),
        ("starts_on", "date"),
        ("status", "{type: enum, enum: Status, nullable: false, default: draft}"),
        ("priority", "{type: enum, enum: Priority}"),
        ("currency", "{type: enum, enum: Currency, default: usd}"),
        ("tags", "{type: text, array: true, nullable: false, default: []}"),
        ("scores", "{type: integer, array: true}"),
        ("metadata", "{type: jsonb, nullable: false, default: {}}"),
        ("address", "{type: jsonb, schema: Address}"),
        ("settings", "{type: json, schema: \"dict[str, str]\"}"),
        ("external_id", "{type: uuid, unique: true}"),
        ("archived_at", "{type: timestamp, timezone: true}"),
    ]
    chosen = rng.sample(pool, rng.randint(4, 12))
    chosen.sort(key=pool.index)
    if not any(key == "name" for key, _ in chosen):
        chosen.insert(0, pool[0])
    return chosen


def _spec(package: str, first: int, last: int, seed: int) -> str:
    rng = random.Random(seed + first)
    lines = [f"package: {package}", "enums:"]
    lines += [f"  {name}: [{', '.join(values)}]" for name, values in ENUMS.items()]
    lines += ["types:", "  Address:", "    street: str", "    city: str",
              "    postal_code: {type: str, pattern: '^[0-9A-Z -]{3,10}$'}", "    country: {type: str, nullable: true}",
              "tables:"]
    names = [table_name(i) for i in range(first, last + 1)]
    keys = {name: rng.choice(["serial", "serial", "serial", "bigserial", "uuid", "integer"]) for name in names}
    fk_type = {"serial": "integer", "bigserial": "bigint", "uuid": "uuid", "integer": "integer"}
    relations: dict[str, list[str]] = {name: [] for name in names}
    tables: dict[str, list[str]] = {}
    links: list[tuple[str, str, str]] = []
    for position, name in enumerate(names):
        noun = name.rsplit("_", 1)[0]
        body = [f"  {name}:", "    comment: " + _comment(rng, noun, "      ")[0],
                *_comment(rng, noun, "      ")[1:], "    columns:"]
        key = keys[name]
        default = ", default: uuid" if key == "uuid" else ""
        body.append(f"      id: {{type: {key}, primary_key: true{default}}}")
        columns = _columns(rng, noun)
        for column, spec in columns:
            body.append(f"      {column}: {spec}")
        body += ["      note:", "        type: text", "        comment: " + _comment(rng, noun, "          ")[0],
                 *_comment(rng, noun, "          ")[1:]]
        body.append("      created_at: {type: timestamp, timezone: true, nullable: false, default: now}")
        body.append("      updated_at: {type: timestamp, timezone: true, default: now, on_update: now}")
        # foreign keys: to earlier tables, sometimes twice to one, sometimes to a later one (a cycle)
        targets = rng.sample(names[:position], min(position, rng.choice((1, 1, 1, 1, 1, 1, 1, 2, 2, 3)))) if position else []
        if targets and rng.random() < 0.15:
            targets.append(targets[0])
        if position + 5 < len(names) and rng.random() < 0.05:
            targets.append(names[position + rng.randint(1, 5)])
        fk_columns: list[str] = []
        for number, target in enumerate(targets):
            column = f"{target.rsplit('_', 1)[0]}_{number}_id"
            nullable = "" if number == 0 and target in names[:position] else ", nullable: true"
            action = "cascade" if not nullable else "set null"
            body.append(f"      {column}: {{type: {fk_type[keys[target]]}, references: {target}.id, "
                        f"on_delete: {action}{nullable or ', nullable: false'}}}")
            fk_columns.append(column)
            relations[name].append(f"      to_{column[:-3]}: {{one: {target}, fields: [{column}]}}")
            relations[target].append(f"      from_{name}_{number}: {{many: {name}, references: [{column}]}}")
        if rng.random() < 0.08:  # a tree: parent and children
            body.append("      parent_id: {type: " + fk_type[key] + ", references: " + name + ".id, on_delete: cascade}")
            relations[name].append(f"      parent: {{one: {name}, fields: [parent_id]}}")
            relations[name].append(f"      children: {{many: {name}, references: [parent_id]}}")
        keys_of = [column for column, _ in columns]
        extra: list[str] = []
        if "slug" in keys_of and fk_columns:
            extra.append(f"    unique: [[{fk_columns[0]}, slug]]")
        indexes = []
        if fk_columns:
            indexes.append(f"{{columns: [{fk_columns[0]}, created_at]}}")
        if "status" in keys_of:
            indexes.append("{columns: [status], where: \"archived_at IS NULL\"}" if "archived_at" in keys_of
                           else "{columns: [status]}")
        if "tags" in keys_of:
            indexes.append("{columns: [tags], using: gin}")
        if "metadata" in keys_of:
            indexes.append("{columns: [metadata], using: gin, ops: jsonb_path_ops}")
        if "email" in keys_of:
            indexes.append("{columns: [{expr: \"lower(email)\"}], unique: true}")
        indexes.append("{columns: [{column: created_at, order: desc}]}")
        extra.append("    indexes:")
        extra += [f"      - {index}" for index in indexes]
        if "quantity" in keys_of:
            extra.append("    checks: [{name: quantity_not_negative, sql: \"quantity >= 0\"}]")
        tables[name] = body + extra
        if position and rng.random() < 0.12:  # a many-to-many through a link table
            other = rng.choice(names[:position])
            links.append((f"{name}_{other.rsplit('_', 1)[1]}_links", name, other))
    for link, left, right in links:
        left_key, right_key = f"{left.rsplit('_', 1)[0]}_id", f"{right.rsplit('_', 1)[0]}_id"
        if left_key == right_key:
            left_key, right_key = f"left_{left_key}", f"right_{right_key}"
        tables[link] = [
            f"  {link}:", f"    comment: \"Links {left} and {right}.\"", "    primary_key: [" + left_key + ", "
            + right_key + "]", "    columns:",
            f"      {left_key}: {{type: {fk_type[keys[left]]}, references: {left}.id, on_delete: cascade}}",
            f"      {right_key}: {{type: {fk_type[keys[right]]}, references: {right}.id, on_delete: cascade}}",
            "      position: {type: smallint, nullable: false, default: 0}",
            "      added_at: {type: timestamp, timezone: true, nullable: false, default: now}",
        ]
        relations[left].append(f"      linked_{link}: {{many: {right}, through: {link}}}")
        relations[right].append(f"      linked_{link}: {{many: {left}, through: {link}}}")
    for name, body in tables.items():
        lines += body
        if relations.get(name):
            lines += ["    relations:", *relations[name]]
    return "\n".join(lines) + "\n"


def table_count(text: str) -> int:
    tables = text.split("\ntables:\n", 1)[1]
    return sum(1 for line in tables.splitlines() if line.startswith("  ") and not line.startswith("   "))


def relation_count(text: str) -> int:
    return sum(1 for line in text.splitlines() if line.startswith("      ") and ("{one: " in line or "{many: " in line))


def make_spec(tables: int, *, package: str = "real", seed: int = 10) -> str:
    return _spec(package, 0, tables - 1, seed)


def make_specs(tables: int, *, package: str = "real", seed: int = 10) -> dict[str, str]:
    """Spec files (name -> text) of about `tables` tables (plus link tables), each under the size limit."""
    text = make_spec(tables, package=package, seed=seed)
    if len(text.encode()) > MAX_SPEC_BYTES:
        raise ValueError(f"{tables} realistic tables make {len(text.encode())} bytes, over schemagen's limit")
    return {f"{package}.yaml": text}


if __name__ == "__main__":
    sys.stdout.write(make_spec(int(sys.argv[1]) if len(sys.argv) > 1 else 300))
