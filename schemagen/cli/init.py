"""`schemagen init`: a starter spec, `[tool.schemagen]` in pyproject.toml and the editor's JSON Schema.

Each part is made only when it is missing (the JSON Schema also when an upgrade changed it), so a
second run changes nothing and says so. pyproject.toml is edited with tomlkit, which keeps every
comment and layout choice of the file; only the new table is added.
"""


import os
from pathlib import Path
from typing import Annotated

import typer

from schemagen.cli.common import EXIT_FAILURE, app, fail, project_settings

SCHEMA_FILE = "schemagen.schema.json"

STARTER = """\
# yaml-language-server: $schema={schema}
# A schemagen spec: one file, one generated package. `schemagen build` writes generated/{package}/,
# `schemagen check` fails while that is out of date. Every key: docs/spec-reference.md in schemagen.
package: {package}
dialect: postgresql               # or sqlite: the database the schema targets
# typescript: true                # also types.ts and schemas.json for a TypeScript frontend
# erd: true                       # also ERD.md, the entity-relationship diagram (Mermaid)

enums:                            # -> class OrderStatus(enum.StrEnum)
  OrderStatus: [pending, paid, shipped, cancelled]

types:                            # typed JSON: each shape becomes a Pydantic model
  Address:
    street: str
    city: str
    postcode: {{type: str, max_length: 12}}

tables:
  customers:                      # SQL table name; the model class is Customer
    columns:
      id: {{type: serial, primary_key: true}}
      email: {{type: varchar, length: 255, nullable: false, unique: true,
              validate: {{format: email, message: Invalid email address}}}}
      name: {{type: text, nullable: false}}
      address: {{type: jsonb, schema: Address}}          # checked against Address on every write
      tags: {{type: text, array: true, default: []}}     # ARRAY on PostgreSQL, a JSON list on SQLite
      created_at: {{type: timestamp, timezone: true, default: now}}
    relations:
      orders: {{many: orders}}                          # customer.orders: list[Order]

  orders:
    columns:
      id: {{type: serial, primary_key: true}}
      customer_id: {{type: integer, nullable: false, references: customers.id, on_delete: cascade}}
      status: {{type: enum, enum: OrderStatus, default: pending}}
      total: {{type: numeric, precision: 10, scale: 2, nullable: false, validate: {{ge: 0}}}}
      created_at: {{type: timestamp, timezone: true, default: now}}
    relations:
      customer: {{one: customers}}                      # order.customer: Customer
"""


@app.command()
def init(
    package: Annotated[str, typer.Option("--package", "-p", help="the starter spec's package name")] = "app",
) -> None:
    """Start a project: specs/ with a commented starter spec, [tool.schemagen] in pyproject.toml."""
    if not package.isidentifier() or package.startswith("_"):
        fail(f"`{package}` is not a package name (a Python identifier not starting with `_`)", EXIT_FAILURE)
    done: list[str] = []
    try:
        starter = _starter_path(package)
        if starter is not None:
            starter.parent.mkdir(parents=True, exist_ok=True)
            schema = Path(os.path.relpath(SCHEMA_FILE, starter.parent)).as_posix()
            starter.write_text(STARTER.format(package=package, schema=schema), "utf-8", newline="\n")
            done.append(f"wrote {starter.as_posix()}, a starter spec")
        if _add_settings(Path("pyproject.toml")):
            done.append("added [tool.schemagen] to pyproject.toml")
        if _write_schema(Path(SCHEMA_FILE)):
            done.append(f"wrote {SCHEMA_FILE} (the spec language, for your editor)")
    except OSError as exc:
        fail(f"could not write {exc.filename}: {exc.strerror}", EXIT_FAILURE)
    if not done:
        typer.echo("nothing to do: specs/, [tool.schemagen] in pyproject.toml and "
                   f"{SCHEMA_FILE} are already there")
        return
    for line in done:
        typer.echo(line)
    typer.echo("next: `schemagen build` writes generated/; `schemagen check` in CI keeps it current")


def _starter_path(package: str) -> Path | None:
    """Where the starter spec goes: the first spec folder (or file) of `[tool.schemagen]`, else specs/;
    None when the configured places already hold a spec."""
    from schemagen.spec.files import find_specs

    configured = project_settings().get("specs", ["specs"])
    places = [Path(str(p)) for p in (configured if isinstance(configured, list) else [configured])] or [Path("specs")]
    if find_specs([p for p in places if p.exists()]):
        return None
    first = places[0]
    return first if first.suffix in (".yaml", ".yml") else first / f"{package}.yaml"


def _add_settings(path: Path) -> bool:
    """Add `[tool.schemagen]` unless the file has it; False when there was nothing to add."""
    import tomlkit
    from tomlkit.exceptions import TOMLKitError

    text = path.read_text("utf-8") if path.exists() else ""
    try:
        document = tomlkit.parse(text)
    except TOMLKitError as exc:
        fail(f"{path} is not valid TOML ({exc}); fix it and run `schemagen init` again", EXIT_FAILURE)
    tool = document.get("tool")
    if tool is not None and "schemagen" in tool:
        return False
    table = tomlkit.table()
    table.add(tomlkit.comment("schemagen's spec files or folders and the folder it generates into"))
    table.add("specs", ["specs"])
    table.add("out", "generated")
    table.add(tomlkit.nl())
    if tool is None:
        tool = tomlkit.table(is_super_table=True)
        document.add("tool", tool)
    tool.add("schemagen", table)
    new = tomlkit.dumps(document).rstrip("\n") + "\n"
    path.write_text(new, "utf-8", newline="")
    return True


def _write_schema(path: Path) -> bool:
    from schemagen.spec.schema import json_schema_text

    text = json_schema_text()
    if path.is_file() and path.read_text("utf-8") == text:
        return False
    path.write_text(text, "utf-8", newline="\n")
    return True
