"""Insert and Update schemas of `life_ceo` reject bad input with the spec's own messages.

No database needed: these are the Pydantic schemas alone. The spec's `validate:` rules answer with
their `message`; a column's own limits (varchar length, integer range, decimal digits) answer with
Pydantic's default wording.
"""

from __future__ import annotations

import datetime as dt
import decimal
import importlib
import re
import uuid
from pathlib import Path
from typing import Any

import pytest
from pydantic import BaseModel, ValidationError

from generated.life_ceo import (
    AgentType,
    AuditLogInsert,
    AuditLogUpdate,
    ChatMessage,
    EventInsert,
    EventUpdate,
    GroupInsert,
    GroupSettings,
    HousingApplicationInsert,
    HousingApplicationUpdate,
    HousingListingInsert,
    LifeCeoConversationInsert,
    MemoryInsert,
    MemoryKind,
    MemoryUpdate,
    PostInsert,
    TicketClass,
    TicketOrderInsert,
    TicketOrderUpdate,
    UserInsert,
    UserSelect,
    UserUpdate,
)
from tests.helpers import import_generated

USER = {"email": "ada@example.com", "password_hash": "x" * 8}
MEMORY = {"user_id": 1, "content": "c"}
EVENT = {"organizer_id": 1, "title": "t", "starts_at": "2030-01-01T00:00:00Z"}
ORDER = {"user_id": 1, "event_id": 1, "total": "1.00"}
LISTING = {"host_id": 1, "title": "t", "monthly_rent": "100"}
APPLICATION = {"listing_id": 1, "applicant_id": 1, "from": "2025-01-01"}
AUDIT = {"action": "a", "table_name": "t"}


def only_error(schema: type[BaseModel], payload: dict[str, Any]) -> dict[str, Any]:
    with pytest.raises(ValidationError) as exc:
        schema.model_validate(payload)
    errors = exc.value.errors()
    assert len(errors) == 1, errors
    return dict(errors[0])


# (schema, payload, loc, msg) -- the spec's `message:` for its `validate:` rules
SPEC_MESSAGES = [
    (UserInsert, {**USER, "email": "not-an-email"}, ("email",), "Invalid email format"),
    (UserInsert, {**USER, "email": "two@@example.com"}, ("email",), "Invalid email format"),
    (UserInsert, {**USER, "username": "ab"}, ("username",), "Username must be at least 3 characters"),
    (UserInsert, {**USER, "password_hash": "1234567"}, ("password_hash",), "Password must be at least 8 characters"),
    (UserInsert, {**USER, "bio": "b" * 501}, ("bio",), "Bio must be at most 500 characters"),
    (UserInsert, {**USER, "avatar_url": "not a url"}, ("avatar_url",), "Invalid URL"),
    (UserInsert, {**USER, "phone": "call me"}, ("phone",), "Invalid phone number"),
    (UserUpdate, {"username": "ab"}, ("username",), "Username must be at least 3 characters"),
    (UserUpdate, {"email": "nope"}, ("email",), "Invalid email format"),
    (MemoryInsert, {**MEMORY, "content": ""}, ("content",), "A memory needs between 1 and 10000 characters"),
    (MemoryInsert, {**MEMORY, "content": "c" * 10001}, ("content",), "A memory needs between 1 and 10000 characters"),
    (MemoryInsert, {**MEMORY, "importance": 0}, ("importance",), "Importance runs from 1 to 10"),
    (MemoryInsert, {**MEMORY, "importance": 11}, ("importance",), "Importance runs from 1 to 10"),
    (MemoryUpdate, {"importance": 11}, ("importance",), "Importance runs from 1 to 10"),
    (EventInsert, {**EVENT, "capacity": 0}, ("capacity",), "Capacity must be between 1 and 99999"),
    (EventInsert, {**EVENT, "capacity": 100000}, ("capacity",), "Capacity must be between 1 and 99999"),
    (EventUpdate, {"capacity": -1}, ("capacity",), "Capacity must be between 1 and 99999"),
    (TicketOrderInsert, {**ORDER, "quantity": 11}, ("quantity",), "You can buy between 1 and 10 tickets"),
    (TicketOrderUpdate, {"quantity": 0}, ("quantity",), "You can buy between 1 and 10 tickets"),
    (HousingListingInsert, {**LISTING, "monthly_rent": "-0.01"}, ("monthly_rent",), "Rent must be between 0 and 1,000,000"),
    (HousingListingInsert, {**LISTING, "monthly_rent": "1000000.01"}, ("monthly_rent",), "Rent must be between 0 and 1,000,000"),
    (HousingApplicationInsert, {**APPLICATION, "message": "m" * 2001}, ("message",), "Keep your message under 2000 characters"),
    (PostInsert, {"author_id": 1, "content": ""}, ("content",), "Posts need between 1 and 5000 characters"),
    (AuditLogInsert, {**AUDIT, "request_id": "not-a-uuid"}, ("request_id",), "request_id must be a UUID"),
    (AuditLogUpdate, {"request_id": "1234"}, ("request_id",), "request_id must be a UUID"),
]


@pytest.mark.parametrize(("schema", "payload", "loc", "msg"), SPEC_MESSAGES, ids=lambda v: getattr(v, "__name__", None))
def test_spec_rules_report_the_spec_message(schema: type[BaseModel], payload: dict[str, Any], loc: tuple[str, ...], msg: str) -> None:
    error = only_error(schema, payload)
    assert error["loc"] == loc
    assert error["msg"] == msg
    assert error["type"] == "spec_rule"


# (schema, payload, loc, type, msg) -- column limits keep Pydantic's wording
COLUMN_LIMITS = [
    (UserInsert, {**USER, "email": "a" * 250 + "@example.com"}, ("email",), "string_too_long", "String should have at most 255 characters"),
    (UserInsert, {**USER, "username": "u" * 51}, ("username",), "string_too_long", "String should have at most 50 characters"),
    (UserInsert, {**USER, "country_code": "GBR"}, ("country_code",), "string_too_long", "String should have at most 2 characters"),
    (UserInsert, {**USER, "first_name": ""}, ("first_name",), "string_too_short", "String should have at least 1 character"),
    (UserInsert, {**USER, "phone": "1" * 21}, ("phone",), "string_too_long", "String should have at most 20 characters"),
    (UserUpdate, {"last_name": "l" * 101}, ("last_name",), "string_too_long", "String should have at most 100 characters"),
    (EventInsert, {**EVENT, "title": "t" * 201}, ("title",), "string_too_long", "String should have at most 200 characters"),
    (TicketOrderInsert, {**ORDER, "currency": "EURO"}, ("currency",), "string_too_long", "String should have at most 3 characters"),
    (AuditLogInsert, {**AUDIT, "table_name": "t" * 64}, ("table_name",), "string_too_long", "String should have at most 63 characters"),
    (MemoryInsert, {**MEMORY, "user_id": 2**31}, ("user_id",), "less_than_equal", "Input should be less than or equal to 2147483647"),
    (
        HousingListingInsert,
        {**LISTING, "monthly_rent": "12345678901"},
        ("monthly_rent",),
        "decimal_max_digits",
        "Decimal input should have no more than 10 digits in total",
    ),
    (
        TicketOrderInsert,
        {**ORDER, "total": "1.001"},
        ("total",),
        "decimal_max_places",
        "Decimal input should have no more than 2 decimal places",
    ),
    (HousingListingInsert, {**LISTING, "bedrooms": 21}, ("bedrooms",), "less_than_equal", "Input should be less than or equal to 20"),
]


@pytest.mark.parametrize(("schema", "payload", "loc", "kind", "msg"), COLUMN_LIMITS, ids=lambda v: getattr(v, "__name__", None))
def test_column_limits_keep_pydantic_messages(
    schema: type[BaseModel], payload: dict[str, Any], loc: tuple[str, ...], kind: str, msg: str
) -> None:
    error = only_error(schema, payload)
    assert (error["loc"], error["type"], error["msg"]) == (loc, kind, msg)


def test_valid_boundaries_pass_and_values_are_kept() -> None:
    user = UserInsert.model_validate(
        {**USER, "username": "abc", "bio": "b" * 500, "avatar_url": "https://example.com", "phone": "+1 (555) 010-9999"}
    )
    assert user.username == "abc" and user.avatar_url == "https://example.com"  # the URL is not rewritten
    assert UserInsert.model_validate({**USER, "username": "u" * 50}).username == "u" * 50
    assert MemoryInsert.model_validate({**MEMORY, "importance": 10}).importance == 10
    assert MemoryInsert.model_validate({**MEMORY, "importance": 1}).importance == 1
    assert EventInsert.model_validate({**EVENT, "capacity": 99999}).capacity == 99999
    assert HousingListingInsert.model_validate({**LISTING, "monthly_rent": "1000000"}).monthly_rent == decimal.Decimal(1000000)
    audit = AuditLogInsert.model_validate({**AUDIT, "request_id": "123e4567-e89b-12d3-a456-426614174000"})
    assert audit.request_id == "123e4567-e89b-12d3-a456-426614174000"


def test_insert_defaults_and_required_fields() -> None:
    with pytest.raises(ValidationError) as exc:
        UserInsert.model_validate({})
    assert {e["loc"] for e in exc.value.errors()} == {("email",), ("password_hash",)}
    assert {e["type"] for e in exc.value.errors()} == {"missing"}
    user = UserInsert.model_validate(USER)
    assert (user.timezone, user.is_verified, user.username) == ("UTC", False, None)
    memory = MemoryInsert.model_validate(MEMORY)
    assert (memory.type, memory.importance) == (MemoryKind.NOTE, 5)
    group = GroupInsert.model_validate({"name": "g"})
    assert group.settings == GroupSettings(is_private=False, allow_invites=True, max_members=500)
    # A mutable default is not shared between instances.
    with pytest.raises(ValidationError, match="frozen"):  # a JSON value is replaced, never changed in place
        group.settings.max_members = 1  # type: ignore[misc]
    assert GroupInsert.model_validate({"name": "h"}).settings.max_members == 500
    assert TicketOrderInsert.model_validate(ORDER).class_ is TicketClass.GENERAL


def test_typed_json_fields_are_checked_with_nested_locations() -> None:
    with pytest.raises(ValidationError) as exc:
        LifeCeoConversationInsert.model_validate(
            {"user_id": 1, "agent_type": "finance", "messages": [{"role": "user", "content": "ok"}, {"role": "robot", "content": 1}]}
        )
    assert {(e["loc"], e["type"]) for e in exc.value.errors()} == {
        (("messages", 1, "role"), "literal_error"),
        (("messages", 1, "content"), "string_type"),
    }
    with pytest.raises(ValidationError) as exc:
        LifeCeoConversationInsert.model_validate({"user_id": 1, "agent_type": "finance", "messages": [{"role": "user", "content": "x", "mood": 1}]})
    assert [(e["loc"], e["type"]) for e in exc.value.errors()] == [(("messages", 0, "mood"), "extra_forbidden")]
    with pytest.raises(ValidationError) as exc:
        HousingListingInsert.model_validate(
            {
                **LISTING,
                "details": {
                    "address": {"street": "", "city": "c", "postal_code": "12", "country": "DE"},
                    "location": {"lat": 91, "lng": 0},
                    "amenities": [],
                    "room_sizes_m2": {},
                    "deposit": "1",
                },
            }
        )
    assert {e["loc"] for e in exc.value.errors()} == {
        ("details", "address", "street"),
        ("details", "address", "postal_code"),
        ("details", "location", "lat"),
    }
    ok = LifeCeoConversationInsert.model_validate(
        {"user_id": 1, "agent_type": "finance", "messages": [{"role": "assistant", "content": "hi", "agent": "finance"}]}
    )
    assert ok.messages == [ChatMessage(role="assistant", content="hi", agent=AgentType.FINANCE)]


def test_aliased_fields_accept_the_sql_name_and_the_attribute_name() -> None:
    by_alias = TicketOrderInsert.model_validate({**ORDER, "class": "vip"})
    by_name = TicketOrderInsert.model_validate({**ORDER, "class_": "vip"})
    assert by_alias.class_ is by_name.class_ is TicketClass.VIP
    assert "class_" in by_alias.model_dump() and "class" in by_alias.model_dump(by_alias=True)
    application = HousingApplicationInsert.model_validate(APPLICATION)
    assert application.from_ == dt.date(2025, 1, 1)
    assert AuditLogInsert.model_validate({**AUDIT, "metadata": {"k": [1]}}).metadata_ == {"k": [1]}
    assert AuditLogInsert.model_validate(AUDIT).query_ == {"sql": None}


def test_update_schemas_are_partial() -> None:
    update = UserUpdate.model_validate({"bio": "new"})
    assert update.changes() == {"bio": "new"}
    assert UserUpdate.model_validate({}).changes() == {}
    # explicit null on a nullable column is kept: it clears the column
    assert UserUpdate.model_validate({"bio": None, "username": None}).changes() == {"bio": None, "username": None}
    assert HousingApplicationUpdate.model_validate({"from": "2025-02-01"}).changes() == {"from_": dt.date(2025, 2, 1)}
    assert TicketOrderUpdate.model_validate({"class": "backstage"}).changes() == {"class_": TicketClass.BACKSTAGE}
    assert AuditLogUpdate.model_validate({"metadata": None}).changes() == {"metadata_": None}

    class Row:
        bio = "old"
        username = "keep"

    row = Row()
    UserUpdate.model_validate({"bio": None}).apply_to(row)
    assert (row.bio, row.username) == (None, "keep")


@pytest.mark.parametrize(
    ("schema", "payload", "fields"),
    [
        (UserUpdate, {"email": None}, ["email"]),
        (UserUpdate, {"is_verified": None, "password_hash": None}, ["is_verified", "password_hash"]),
        (MemoryUpdate, {"content": None, "context": None}, ["content"]),
        (EventUpdate, {"starts_at": None}, ["starts_at"]),
    ],
    ids=["email", "two-fields", "memory-content", "event-starts_at"],
)
def test_update_rejects_null_on_non_nullable_columns(schema: type[BaseModel], payload: dict[str, Any],
                                                     fields: list[str]) -> None:
    """One error per field, located at the field (`loc: ["email"]`), as a client's form needs."""
    with pytest.raises(ValidationError) as caught:
        schema.model_validate(payload)
    errors = caught.value.errors(include_url=False)
    assert [(e["type"], e["loc"], e["msg"]) for e in errors] == [
        ("null_not_allowed", (field,), f"{field} cannot be null; leave it out to keep its value") for field in fields]


def test_update_json_schema_says_non_nullable_fields_are_omittable_not_nullable() -> None:
    properties = UserUpdate.model_json_schema()["properties"]
    assert properties["email"]["type"] == "string" and "default" not in properties["email"]  # NOT NULL
    assert {"type": "null"} in properties["bio"]["anyOf"]  # nullable: null clears it
    assert "required" not in UserUpdate.model_json_schema()  # every field may be left out


def test_update_null_message_names_aliased_fields_as_sent() -> None:
    """`{"class": null}` is refused; the message should name the field the client sent (`class`),
    as for every other field, not the Python attribute `class_`."""
    error = only_error(TicketOrderUpdate, {"class": None})
    assert error["type"] == "null_not_allowed"
    assert error["msg"] == "class cannot be null; leave it out to keep its value"
    assert error["loc"] == ("class",)


def test_a_secret_column_is_written_but_never_read_back() -> None:
    """`password_hash` is `secret: true`: Insert and Update take it, the Select schema has no such field,
    so an endpoint returning `UserSelect` cannot leak it."""
    assert "password_hash" in UserInsert.model_fields and "password_hash" in UserUpdate.model_fields
    assert "password_hash" not in UserSelect.model_fields
    assert "password_hash" not in UserSelect.model_json_schema()["properties"]

    class Row:
        id, public_id, email, username, password_hash = 1, uuid.uuid4(), "a@b.co", "ada", "pbkdf2$secret"
        first_name = last_name = bio = avatar_url = phone = country_code = birth_date = None
        timezone, is_verified = "UTC", False
        created_at = updated_at = dt.datetime(2026, 1, 1)

    assert "secret" not in UserSelect.model_validate(Row()).model_dump_json()


ALIKE_SPEC = """\
package: alike
tables:
  partial:
    columns:
      id: {type: serial, primary_key: true}
      update: {type: varchar, length: 20, validate: {min_length: 2, message: "Too short"}}
      code: {type: varchar, length: 20, nullable: false, validate: {min_length: 2, message: "Too short"}}
  others:
    columns:
      id: {type: serial, primary_key: true}
      label: {type: varchar, length: 20, validate: {min_length: 2, message: "Too short"}}
"""


def test_columns_checked_alike_share_one_alias_that_takes_no_module_name(tmp_path: Path) -> None:
    import schemagen

    package = import_generated(tmp_path, schemagen.resolve(schemagen.parse_spec(ALIKE_SPEC)))
    schemas = importlib.import_module(f"{package.__name__}.schemas")
    # `partial.update` would be `_PartialUpdate`, the Update schemas' base: it takes the next name
    assert schemas._PartialUpdate2 is not schemas._PartialUpdate
    assert issubclass(package.PartialUpdate, schemas._PartialUpdate)
    fields = package.OtherInsert.model_fields
    assert package.PartialInsert.model_fields["update"].metadata == fields["label"].metadata
    cases = ((package.PartialInsert, {"code": "ok", "update": "x"}), (package.PartialUpdate, {"code": "x"}),
             (package.OtherInsert, {"label": "x"}))
    for schema, payload in cases:
        with pytest.raises(ValidationError) as caught:
            schema.model_validate(payload)
        assert [(e["loc"], e["msg"]) for e in caught.value.errors()] == [((key,), "Too short") for key in payload
                                                                        if payload[key] == "x"]
    with pytest.raises(ValidationError) as caught:
        package.PartialUpdate.model_validate({"code": None})
    assert caught.value.errors()[0]["type"] == "null_not_allowed"


def test_the_template_names_column_aliases_avoid_are_all_listed() -> None:
    from schemagen.codegen.schema_aliases import TEMPLATE_NAMES as _TEMPLATE_NAMES
    from schemagen.codegen.schemas_module import _MARKERS

    templates = Path(__file__).resolve().parent.parent / "templates"
    template = (templates / "schemas.py.jinja").read_text("utf-8")
    for included in re.findall(r'{% include "(.+?)" %}', template):
        template += (templates / included).read_text("utf-8")
    defined = set(re.findall(r"^(?:class |def )?(_[A-Z]\w*)\b", template, flags=re.MULTILINE))
    assert {"_Rules", "_MACADDR"} <= defined
    assert defined <= _TEMPLATE_NAMES, "add the template's new module-level names to _TEMPLATE_NAMES"
    assert not defined & _MARKERS
