"""Frontend outputs of `typescript: true` and `erd: true`, checked by the real tools.

types.ts is compiled with `tsc --strict` against client code (which must compile) and against wrong
assignments (which must not); schemas.json is compared with what Pydantic says of the generated
schemas, and rows read back from SQLite and PostgreSQL, dumped as JSON, are validated against it
with the `jsonschema` library; ERD.md's diagram is parsed by mermaid's own parser. The Node tools
come from `.ci/node` (`npm install --prefix .ci/node`, as `.ci/run` does); without them the tests
fail under CI=true and are skipped elsewhere.
"""

from __future__ import annotations

import base64
import hashlib
import json
import os
import re
import shutil
import subprocess
from pathlib import Path
from typing import Any

import jsonschema
import pytest
from sqlalchemy import select
from sqlalchemy.engine import Engine
from sqlalchemy.orm import Session

from generated import life_ceo
from generated.life_ceo import schemas as life_schemas
from tests.helpers import ROOT, run_cli

NODE = ROOT / ".ci" / "node"
GENERATED = ROOT / "generated" / "life_ceo"
SCHEMAS = json.loads((GENERATED / "schemas.json").read_text("utf-8"))


def node_tool(path: Path) -> Path:
    if path.exists() and shutil.which("node"):
        return path
    message = f"{path} is missing: run `npm install --prefix .ci/node` (as .ci/run does)"
    if os.environ.get("CI") == "true":
        pytest.fail(message)
    pytest.skip(message)


def tsc(folder: Path, *files: str) -> subprocess.CompletedProcess[str]:
    program = node_tool(NODE / "node_modules" / ".bin" / "tsc")
    return subprocess.run([str(program), "--strict", "--noEmit", "--target", "es2022", "--module", "es2022",
                           "--moduleResolution", "bundler", *files], cwd=folder, capture_output=True, text=True,
                          timeout=300)


# --- types.ts -------------------------------------------------------------------------------------

CLIENT = """\
import type {
  AgentType, GroupInsert, HousingListingInsert, ListingDetails, MemoryUpdate, NotificationSelect, UserInsert,
  UserSelect, UserUpdate, EventSelect, JsonValue, UserWithMemories, UserWithSettings,
} from "./types";

// Insert: only the columns without a default are required
const newUser: UserInsert = { email: "ada@example.com", password_hash: "x".repeat(40) };
const fullUser: UserInsert = { ...newUser, username: null, birth_date: "1815-12-10", is_verified: true };
// Update: every field may be left out; nullable ones take null
const clearBio: UserUpdate = { bio: null };
const nothing: UserUpdate = {};
const forgetContext: MemoryUpdate = { context: null };
// a shape as sent may leave out the fields with defaults; as read back every field is there
const group: GroupInsert = { name: "Expats", owner_id: 1, settings: { is_private: true, max_members: 12 } };
function describe(user: UserSelect, event: EventSelect, note: NotificationSelect): string {
  const born: string = user.birth_date ?? "unknown";  // dates are ISO strings
  const price: string | null = event.ticket_price;   // Decimal is a string
  const id: string = user.public_id;                 // uuid is a string
  const agent: AgentType | null = note.payload?.agent ?? null;  // typed JSON: nested types
  const agents: AgentType[] = ["health", "business"];
  return `${born} ${price} ${id} ${agent} ${agents.length} ${user.id + 1}`;
}
function rooms(details: ListingDetails): number {
  return Object.values(details.room_sizes_m2).reduce((a, b) => a + b, 0) + (details.pets_allowed ? 1 : 0);
}
const listing: HousingListingInsert = {
  host_id: 1, title: "Room", monthly_rent: "1250.00",
  details: { address: { street: "A 1", city: "B", postal_code: "10117", country: "DE" }, amenities: [],
             room_sizes_m2: {}, deposit: "1500.50" },
};
const anything: JsonValue = { a: [1, "two", null, { b: true }] };
// a Select with a relation loaded: a list, or one row that may be missing
function loaded(u: UserWithMemories, s: UserWithSettings): number {
  return u.memories.length + u.id + (s.settings?.sessions_allowed ?? 0);
}
export { loaded, fullUser, clearBio, nothing, forgetContext, group, describe, rooms, listing, anything };
"""

WRONG = {
    "not_null_update": ('import type { UserUpdate } from "./types";\n'
                        'export const x: UserUpdate = { email: null };\n'),
    "insert_without_required": ('import type { UserInsert } from "./types";\n'
                                'export const x: UserInsert = { email: "a@b.c" };\n'),
    "select_not_null_field": ('import type { UserSelect } from "./types";\n'
                              'export const x: UserSelect["email"] = null;\n'),
    "number_for_decimal": ('import type { EventSelect } from "./types";\n'
                           'export const x: EventSelect["ticket_price"] = 19.99;\n'),
    "enum_outside_union": ('import type { RsvpAnswer } from "./types";\n'
                           'export const x: RsvpAnswer = "perhaps";\n'),
    "select_field_left_out": ('import type { TagSelect } from "./types";\n'
                              'export const x: TagSelect = { id: 1 };\n'),
    "shape_without_required": ('import type { GroupInsert } from "./types";\n'
                               'export const x: GroupInsert = { name: "n", owner_id: 1, settings: {} };\n'),
    "unknown_key": ('import type { TagInsert } from "./types";\n'
                    'export const x: TagInsert = { name: "n", colour: "red" };\n'),
    "loaded_author_not_null": ('import type { PostWithAuthor } from "./types";\n'
                               'export const x: PostWithAuthor["author"] = null;\n'),
    "update_uuid_key": ('import type { TicketOrderUpdate } from "./types";\n'
                        'export const x: TicketOrderUpdate = { id: "00000000-0000-0000-0000-000000000000" };\n'),
    "update_immutable": ('import type { TicketOrderUpdate } from "./types";\n'
                         'export const x: TicketOrderUpdate = { user_id: 1 };\n'),
    "read_back_shape_lacks_default": ('import type { GroupSettings } from "./types";\n'
                                      'export const x: GroupSettings = { is_private: true, max_members: 2 };\n'),
}


def test_types_ts_compiles_strict_with_a_client_and_refuses_wrong_assignments(tmp_path: Path) -> None:
    shutil.copy(GENERATED / "types.ts", tmp_path / "types.ts")
    (tmp_path / "client.ts").write_text(CLIENT, "utf-8")
    for name, source in WRONG.items():
        (tmp_path / f"wrong_{name}.ts").write_text(source, "utf-8")
    done = tsc(tmp_path, "types.ts", "client.ts", *(f"wrong_{name}.ts" for name in WRONG))
    errors = re.findall(r"^(\S+?\.ts)\(\d+,\d+\): error (TS\d+)", done.stdout, re.MULTILINE)
    failing = {file for file, _ in errors}
    assert "client.ts" not in failing and "types.ts" not in failing, done.stdout
    assert failing == {f"wrong_{name}.ts" for name in WRONG}, done.stdout
    assert done.returncode != 0


def test_types_ts_of_a_spec_with_odd_names_and_values_compiles(tmp_path: Path) -> None:
    spec = tmp_path / "odd.yaml"
    spec.write_text("""\
package: odd
typescript: true
enums:
  Mood: ['it''s "fine"', a-b, "*/"]
types:
  JsonValue: {x: int, y: {type: any, nullable: true}}
  Wrap: {delete: str, inner: {type: "list[JsonValue]", default: []}}
tables:
  items:
    comment: "ends a comment */ early?"
    columns:
      id: {type: serial, primary_key: true}
      class: {type: text, nullable: false}
      data_x: {type: json}
      strict: {type: jsonb, nullable: false}
      mood: {type: enum, enum: Mood, array: true}
      wrap: {type: jsonb, schema: "dict[str, Wrap]"}
      at: {type: timestamp, timezone: true, default: now}
      nick: {type: {sql: citext, python: str}}
      price: {type: numeric, precision: 8, scale: 2, nullable: false, default: "0.00"}
      ratio: {type: real, array: true, nullable: false}
""", "utf-8")
    result = run_cli("build", str(spec), "--out", str(tmp_path / "out"))
    assert result.returncode == 0, result.stderr
    types = (tmp_path / "out" / "odd" / "types.ts").read_text("utf-8")
    assert 'export type Mood = "it\'s \\"fine\\"" | "a-b" | "*/";' in types
    assert 'data_x?: JsonValue_;' in types and "class: string;" in types
    assert "nick?: string | null;" in types and "price?: string;" in types and "ratio: number[];" in types
    (tmp_path / "out" / "odd" / "use.ts").write_text("""\
import type { ItemInsert, ItemSelect, WrapInput } from "./types";
const w: WrapInput = { delete: "x" };
export const a: ItemInsert = { class: "c", strict: [1, { k: null }], mood: ["*/", "a-b"], wrap: { k: w }, ratio: [] };
export function f(s: ItemSelect): string { return s.at + s.class + String(s.data_x); }
""", "utf-8")
    done = tsc(tmp_path / "out" / "odd", "types.ts", "use.ts")
    assert done.returncode == 0, done.stdout
    (tmp_path / "out" / "odd" / "use.ts").write_text(
        'import type { ItemInsert } from "./types";\nexport const a: ItemInsert = { class: "c", strict: null, ratio: [] };\n')
    assert tsc(tmp_path / "out" / "odd", "types.ts", "use.ts").returncode != 0


# --- schemas.json ---------------------------------------------------------------------------------

def test_schemas_json_is_what_pydantic_says_of_the_generated_schemas() -> None:
    """The build computes schemas.json from a private import of what it generated; here the
    package is the one on disk, imported the ordinary way."""
    expected: dict[str, Any] = {}
    for model in life_ceo.Base.registry.mappers:
        name = model.class_.__name__
        for kind, mode in (("Select", "serialization"), ("Insert", "validation"), ("Update", "validation")):
            expected[f"{name}{kind}"] = getattr(life_schemas, f"{name}{kind}").model_json_schema(mode=mode)
    loaded = [name for name, value in vars(life_schemas).items()
              if isinstance(value, type) and issubclass(value, life_schemas._Loaded) and value is not life_schemas._Loaded]
    for name in loaded:
        expected[name] = getattr(life_schemas, name).model_json_schema(mode="serialization")
    assert SCHEMAS == expected
    assert len(SCHEMAS) == 3 * 18 + len(loaded) and "UserWithMemories" in SCHEMAS


def test_types_ts_interfaces_hold_exactly_the_fields_of_schemas_json() -> None:
    """A key, an immutable column or a server-set one is refused by the Update schema (and left out of
    schemas.json): types.ts must not offer it either, or a client compiles a payload that gets a 422."""
    text = (GENERATED / "types.ts").read_text("utf-8")
    interfaces = dict(re.findall(r"^export interface (\w+) \{\n(.*?)^\}", text, re.MULTILINE | re.DOTALL))
    for name, schema in SCHEMAS.items():
        if name not in interfaces or "properties" not in schema:
            continue
        keys = re.findall(r'^  ("[^"]*"|[\w$]+)\??:', interfaces[name], re.MULTILINE)
        assert [json.loads(k) if k.startswith('"') else k for k in keys] == list(schema["properties"]), name
    assert "TicketOrderUpdate" in interfaces and "UserUpdate" in interfaces


def test_schemas_json_is_the_same_every_build(tmp_path: Path) -> None:
    first = run_cli("build", "specs/life_ceo.yaml", "--out", str(tmp_path / "a"))
    second = run_cli("build", "specs/life_ceo.yaml", "--out", str(tmp_path / "b"))
    assert first.returncode == 0 and second.returncode == 0, first.stderr + second.stderr
    for name in ("schemas.json", "types.ts", "ERD.md"):
        built = (tmp_path / "a" / "life_ceo" / name).read_bytes()
        assert built == (tmp_path / "b" / "life_ceo" / name).read_bytes() == (GENERATED / name).read_bytes()


def validate(schema_name: str, value: Any) -> None:
    jsonschema.Draft202012Validator(SCHEMAS[schema_name],
                                    format_checker=jsonschema.Draft202012Validator.FORMAT_CHECKER).validate(value)


PAYLOADS: list[tuple[str, dict[str, Any]]] = [
    ("users", {"email": "ada@example.com", "password_hash": "h" * 40, "username": "ada_l", "birth_date": "1815-12-10",
               "avatar_url": "https://example.com/a.png", "country_code": "GB", "is_verified": True}),
    ("users", {"email": "bob@example.com", "password_hash": "h" * 40}),
    ("user_settings", {"user_id": 1, "enabled_agents": ["health", "business"], "notifications": "mentions_only",
                       "quiet_hours_start": "22:30:00", "session_timeout": "PT45M30S", "theme": "dark"}),
    ("life_ceo_conversations", {"user_id": 1, "agent_type": "finance", "title": "Budget", "messages": [
        {"role": "user", "content": "How much?"},
        {"role": "assistant", "content": "400", "sent_at": "2025-03-01T09:15:00.250000+02:00", "agent": "finance"}],
        "suggested_actions": ["save"]}),
    ("groups", {"name": "Expats", "owner_id": 1, "tags": ["a", 'q"d'], "member_ids": [3, -5],
                "settings": {"is_private": True, "max_members": 12}}),
    ("memories", {"user_id": 1, "type": "milestone", "content": "Marathon", "importance": 9,
                  "context": {"mood": 10, "location": {"lat": 40.7, "lng": -74.0}, "people": ["Sam"],
                              "occurred_on": "2024-11-03", "extra": {"splits": [1, 2.5, None, True]}},
                  "encrypted_attachment": base64.urlsafe_b64encode(hashlib.sha256(b"x").digest()).decode(),
                  "deleted_at": "2024-05-01T08:15:30.123456"}),
    ("events", {"organizer_id": 1, "title": "Meetup", "starts_at": "2025-06-01T18:30:00Z",
                "ends_at": "2025-06-01T22:00:00+00:00", "reminder_before": "P1DT2H3M", "capacity": 120,
                "ticket_price": "19.99", "agenda": [{"title": "Hi", "starts_at": "18:30:00", "duration_minutes": 15,
                                                    "speaker_ids": [1]}]}),
    ("housing_listings", {"host_id": 2, "title": "Room", "status": "active", "monthly_rent": "1250.00",
                          "currency": "EUR", "bedrooms": 2, "bathrooms": "1.5", "details": {
                              "address": {"street": "U 1", "city": "Berlin", "postal_code": "10117", "country": "DE"},
                              "location": None, "amenities": ["balcony"], "room_sizes_m2": {"bed": 14.5},
                              "deposit": "1500.50"}}),
    ("notifications", {"user_id": 1, "actor_id": 2, "type": "agent_insight", "payload": {
        "title": "T", "body": "B", "link": None, "actor_public_id": "6f1c2f9e-7a43-4d0a-9a53-3d6a0c2b5e11",
        "agent": "health", "attachments": [{"street": "M 1", "city": "S", "postal_code": "12345", "country": "US"}]}}),
    ("tags", {"name": "travel"}),
]


def test_json_of_rows_read_back_validates_against_schemas_json(engine: Engine) -> None:
    """Insert payloads as a client sends them (JSON) pass the Insert schema of schemas.json and
    Pydantic alike; every row read back, dumped as JSON (by alias, as FastAPI sends it), passes the
    Select schema."""
    life_ceo.Base.metadata.create_all(engine)
    models = {mapper.local_table.name: mapper.class_ for mapper in life_ceo.Base.registry.mappers}
    with Session(engine) as session:
        for table, payload in PAYLOADS:
            model = models[table]
            wire = json.loads(json.dumps(payload))
            validate(f"{model.__name__}Insert", wire)
            insert = getattr(life_schemas, f"{model.__name__}Insert").model_validate_json(json.dumps(wire))
            session.add(model(**insert.model_dump()))
            session.flush()
        session.commit()
    checked = 0
    with Session(engine) as session:
        for table, model in models.items():
            select_schema = getattr(life_schemas, f"{model.__name__}Select")
            for row in session.scalars(select(model)):
                dumped = select_schema.model_validate(row).model_dump(mode="json", by_alias=True)
                validate(f"{model.__name__}Select", dumped)
                checked += 1
    assert checked == len(PAYLOADS)
    with Session(engine) as session:  # base64 in, the binary digest stored (no UTF-8: dumped above all the same)
        assert session.scalars(select(life_ceo.Memory.encrypted_attachment)).one() == hashlib.sha256(b"x").digest()
    with Session(engine) as session:  # the nested read schemas: a user with their memories, a post's author
        query = select(life_ceo.User).options(*life_ceo.eager(life_ceo.User, {"memories": True, "settings": True}))
        for user in session.scalars(query):
            for name in ("UserWithMemories", "UserWithSettings"):
                validate(name, getattr(life_schemas, name).model_validate(user).model_dump(mode="json", by_alias=True))


@pytest.mark.parametrize(("payload", "valid"), [
    ({"bio": None}, True), ({}, True), ({"email": None}, False), ({"birth_date": "not a date"}, False),
    ({"is_verified": "maybe"}, False), ({"username": "ab"}, False),
])
def test_update_schema_in_schemas_json_agrees_with_pydantic(payload: dict[str, Any], valid: bool) -> None:
    errors = list(jsonschema.Draft202012Validator(
        SCHEMAS["UserUpdate"], format_checker=jsonschema.Draft202012Validator.FORMAT_CHECKER).iter_errors(payload))
    try:
        life_schemas.UserUpdate.model_validate_json(json.dumps(payload))
        pydantic_valid = True
    except ValueError:
        pydantic_valid = False
    assert (not errors, pydantic_valid) == (valid, valid), errors


# --- ERD.md and mermaid's parser ------------------------------------------------------------------

def mermaid_parse(text: str) -> dict[str, Any]:
    node_tool(NODE / "node_modules" / "mermaid")
    done = subprocess.run(["node", str(NODE / "mermaid_parse.mjs")], input=text, capture_output=True, text=True,
                          timeout=300)
    assert done.returncode == 0, f"mermaid could not parse:\n{done.stderr}\n{text}"
    parsed: dict[str, Any] = json.loads(done.stdout)
    return parsed


def mermaid_block(markdown: str) -> str:
    found = re.search(r"^```mermaid\n(.*?)^```$", markdown, re.DOTALL | re.MULTILINE)
    assert found is not None
    return found.group(1)


def test_erd_md_of_the_example_spec_parses_with_mermaid() -> None:
    text = mermaid_block((GENERATED / "ERD.md").read_text("utf-8"))
    assert text == run_cli("diagram", "specs/life_ceo.yaml").stdout
    parsed = mermaid_parse(text)
    assert parsed["type"] == "er"
    tables = {mapper.local_table.name for mapper in life_ceo.Base.registry.mappers}
    assert set(parsed["entities"]) == tables - {"post_tags"}  # a link table that only links is a line
    users = {attribute["name"]: attribute["keys"] for attribute in parsed["entities"]["users"]}
    assert users["id"] == ["PK"] and users["email"] == ["UK"]
    assert {"a": "posts", "b": "tags", "label": "post_tags", "cardA": "ZERO_OR_MORE", "cardB": "ZERO_OR_MORE",
            "relType": "IDENTIFYING"} in parsed["relationships"]


def test_mermaid_parses_a_tricky_diagram(tmp_path: Path) -> None:
    """Names that need quoting, a self relation, a many-to-many and a link table with its own column."""
    spec = tmp_path / "tricky.yaml"
    spec.write_text("""\
package: tricky
enums:
  WorkKind: [a, b]
tables:
  "staff members":
    columns:
      id: {type: serial, primary_key: true}
      manager_id: {type: integer, column: "manager id", references: "staff members.id"}
      kind: {type: enum, enum: WorkKind, unique: true}
      code: {type: char, length: 3, unique: true}
    relations:
      groups: {many: "group-s", through: "staff members_group-s"}
  "group-s":
    columns:
      id: {type: serial, primary_key: true}
  "staff members_group-s":
    columns:
      staff_id: {type: integer, primary_key: true, references: "staff members.id"}
      group_id: {type: integer, primary_key: true, references: "group-s.id"}
  roles:
    columns:
      staff_id: {type: integer, primary_key: true, references: "staff members.id"}
      group_id: {type: integer, primary_key: true, references: "group-s.id"}
      since: date
""", "utf-8")
    result = run_cli("diagram", str(spec))
    assert result.returncode == 0, result.stderr
    parsed = mermaid_parse(result.stdout)
    assert set(parsed["entities"]) == {"staff members", "group-s", "roles"}
    staff = {attribute["name"]: attribute["keys"] for attribute in parsed["entities"]["staff members"]}
    assert staff == {"id": ["PK"], "manager_id": ["FK"], "kind": ["UK"], "code": ["UK"]}
    pairs = {(r["a"], r["b"], r["label"]) for r in parsed["relationships"]}
    assert ("staff members", "staff members", "manager_id") in pairs
    assert {"a": "staff members", "b": "group-s", "label": "staff members_group-s", "cardA": "ZERO_OR_MORE",
            "cardB": "ZERO_OR_MORE", "relType": "IDENTIFYING"} in parsed["relationships"]
    assert ("staff members", "roles", "staff_id") in pairs and ("group-s", "roles", "group_id") in pairs


def test_mermaids_parser_refuses_a_broken_diagram() -> None:
    node_tool(NODE / "node_modules" / "mermaid")
    done = subprocess.run(["node", str(NODE / "mermaid_parse.mjs")], input='erDiagram\n    "a" ||--xx "b" : "c"\n',
                          capture_output=True, text=True, timeout=300)
    assert done.returncode == 1 and "Parse error" in done.stderr


def test_check_fails_when_erd_md_or_types_ts_is_stale(tmp_path: Path) -> None:
    out = tmp_path / "out"
    assert run_cli("build", "specs/life_ceo.yaml", "--out", str(out)).returncode == 0
    for name in ("ERD.md", "types.ts", "schemas.json"):
        path = out / "life_ceo" / name
        original = path.read_bytes()
        path.write_bytes(original + b"\n")
        result = run_cli("check", "specs/life_ceo.yaml", "--out", str(out))
        assert result.returncode == 1 and name in result.stdout + result.stderr, name
        path.write_bytes(original)
    spec = tmp_path / "plain.yaml"
    spec.write_text((ROOT / "specs" / "life_ceo.yaml").read_text("utf-8").replace("typescript: true", "")
                    .replace("erd: true", ""), "utf-8")
    assert run_cli("build", str(spec), "--out", str(out)).returncode == 0
    assert not {"ERD.md", "types.ts", "schemas.json"} & {p.name for p in (out / "life_ceo").iterdir()}


def test_another_pydantic_invalidates_the_fast_path(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """schemas.json is Pydantic's output: the fingerprint behind `check`'s no-generate fast path
    covers the installed Pydantic's version, found without importing it."""
    import sys

    from schemagen.output import fresh

    fresh.generator_fingerprint.cache_clear()
    installed = fresh.generator_fingerprint()
    (tmp_path / "pydantic").mkdir()
    (tmp_path / "pydantic" / "version.py").write_text("VERSION = '9.9.9'\n")
    monkeypatch.setattr(sys, "path", [str(tmp_path), *sys.path])
    fresh.generator_fingerprint.cache_clear()
    try:
        assert fresh.generator_fingerprint() != installed
    finally:
        fresh.generator_fingerprint.cache_clear()


_CARDINALITY = {"||": "ONLY_ONE", "|o": "ZERO_OR_ONE", "}o": "ZERO_OR_MORE", "o{": "ZERO_OR_MORE",
                "o|": "ZERO_OR_ONE"}


@pytest.mark.parametrize("spec", ["specs/life_ceo.yaml", "tests/specs/valid/diagram_blog.yaml"])
def test_mermaid_reads_every_edge_as_the_diagram_means_it(spec: str) -> None:
    """What mermaid's parser understood of each line equals schemagen's own model of the diagram:
    the ends' cardinalities, identifying or not, the label."""
    from schemagen.diagram import diagram
    from schemagen.pipeline import catalogs

    ((_, _, catalog),) = catalogs([ROOT / spec])
    model = diagram(catalog)
    parsed = mermaid_parse(run_cli("diagram", spec).stdout)
    expected = [{"a": edge.parent, "b": edge.child, "label": edge.label, "cardA": _CARDINALITY[edge.child_end],
                 "cardB": _CARDINALITY[edge.parent_end],
                 "relType": "IDENTIFYING" if edge.identifying or edge.parent_end == "}o" else "NON_IDENTIFYING"}
                for edge in model.edges]
    assert parsed["relationships"] == expected
    assert {name: [(a["type"], a["name"], a["keys"]) for a in attributes]
            for name, attributes in parsed["entities"].items()} == {
        entity.table: [(a.type, a.name, list(a.keys)) for a in entity.attributes] for entity in model.entities}


def test_a_package_that_cannot_be_imported_is_a_clear_error(tmp_path: Path) -> None:
    """schemas.json needs the generated package imported: a broken library in the user's environment
    (here email-validator, which `format: email` uses) is reported in a line, and nothing is written."""
    (tmp_path / "fake" / "email_validator").mkdir(parents=True)
    (tmp_path / "fake" / "email_validator" / "__init__.py").write_text("raise ImportError('broken on purpose')\n")
    out = tmp_path / "out"
    # no cache: the outputs memo would hand back an earlier build's outputs of the same spec, which
    # imports nothing (they are what this environment would make, were it not broken)
    environment = {"PYTHONPATH": str(tmp_path / "fake"), "SCHEMAGEN_CACHE_DIR": ""}
    result = run_cli("build", "specs/life_ceo.yaml", "--out", str(out), env=environment)
    assert result.returncode == 3, result.stderr
    # (the generated schemas module makes the email type's schema at import: it fails there)
    assert "schemas.json needs the generated package imported and described by Pydantic, which failed at " \
           "the import: ImportError: email-validator is not installed" in result.stderr
    assert "Traceback" not in result.stderr
    assert not out.exists() or not any(out.rglob("*.py"))
