"""The generated `life_ceo` package against real databases (SQLite file and PostgreSQL schema).

Every test runs twice through the `engine` fixture of conftest.py. The idiom under test is the one
a user writes:

    row = User(**UserInsert.model_validate(payload).model_dump())
    session.add(row); session.commit()
    ... later, in a new Session ...
    UserSelect.model_validate(row)
"""

from __future__ import annotations

import datetime as dt
import gc
import decimal
import json
import uuid
from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any

import pytest
from pydantic import BaseModel, ValidationError
from sqlalchemy import DateTime, Uuid, bindparam, event, func, inspect, select, text
from sqlalchemy.engine import Engine
from sqlalchemy.exc import IntegrityError, InvalidRequestError, StatementError
from sqlalchemy.orm import Session

from generated.life_ceo import (
    Address,
    AgendaItem,
    AgentType,
    ApplicationStatus,
    AuditLog,
    AuditLogInsert,
    AuditLogSelect,
    Base,
    ChatMessage,
    Comment,
    Event,
    EventAttendee,
    EventInsert,
    EventSelect,
    Follow,
    GeoPoint,
    Group,
    GroupInsert,
    GroupMember,
    GroupMemberSelect,
    GroupRole,
    GroupSelect,
    GroupSettings,
    HousingApplication,
    HousingApplicationInsert,
    HousingApplicationSelect,
    HousingListing,
    HousingListingInsert,
    HousingListingSelect,
    LifeCeoConversation,
    LifeCeoConversationInsert,
    LifeCeoConversationSelect,
    ListingDetails,
    ListingStatus,
    Memory,
    MemoryContext,
    MemoryInsert,
    MemoryKind,
    MemorySelect,
    MemoryUpdate,
    Notification,
    NotificationInsert,
    NotificationMode,
    NotificationPayload,
    NotificationSelect,
    NotificationType,
    OrderStatus,
    Post,
    PostInsert,
    PostSelect,
    PostVisibility,
    RsvpAnswer,
    Tag,
    TagInsert,
    TagSelect,
    TicketClass,
    TicketOrder,
    TicketOrderInsert,
    TicketOrderSelect,
    User,
    UserInsert,
    UserSelect,
    UserSettings,
    UserSettingsInsert,
    UserSettingsSelect,
    UserUpdate,
    eager,
)

# --------------------------------------------------------------------------------------------
# helpers
# --------------------------------------------------------------------------------------------


@pytest.fixture
def db(engine: Engine) -> Engine:
    """The parametrized engine with the `life_ceo` tables created."""
    Base.metadata.create_all(engine)
    return engine


def is_pg(engine: Engine) -> bool:
    return engine.dialect.name == "postgresql"


def add_user(session: Session, email: str, **fields: Any) -> User:
    """A user inserted through the schema idiom and flushed (so it has an id)."""
    payload = {"email": email, "password_hash": "pbkdf2$" + "x" * 40, **fields}
    row = User(**UserInsert.model_validate(payload).model_dump())
    session.add(row)
    session.flush()
    return row


def insert_via_schema(engine: Engine, model: type[Base], schema: type[BaseModel], payload: dict[str, Any]) -> tuple[Any, ...]:
    """Insert `payload` with the user idiom in its own Session; return the row's primary key."""
    with Session(engine) as session:
        row = model(**schema.model_validate(payload).model_dump())
        session.add(row)
        session.commit()
        identity = inspect(row).identity
        assert identity is not None
        return identity


def round_trip(
    engine: Engine,
    model: type[Base],
    insert: type[BaseModel],
    select_schema: type[BaseModel],
    payload: dict[str, Any],
) -> tuple[Any, BaseModel]:
    """Insert through the Insert schema, read back in a new Session, validate with the Select schema.

    Every field the Insert schema produced must come back equal and of the same Python type.
    Returns the (detached, fully loaded) ORM row and the Select model.
    """
    sent = insert.model_validate(payload)
    identity = insert_via_schema(engine, model, insert, payload)
    with Session(engine) as session:
        row = session.get(model, identity)
        assert row is not None
        selected = select_schema.model_validate(row)
    got = selected.model_dump()
    for key, value in sent.model_dump().items():
        if key not in got:  # a secret column: stored, never in the Select schema
            assert key not in type(selected).model_fields and getattr(row, key) == value, key
            continue
        assert got[key] == value, f"{model.__name__}.{key}: sent {value!r}, read back {got[key]!r}"
        assert type(got[key]) is type(value), f"{model.__name__}.{key}: {type(got[key])} is not {type(value)}"
    return row, selected


def db_now(session: Session) -> dt.datetime:
    value = session.scalar(select(func.now()))
    assert isinstance(value, dt.datetime)
    return value


def db_today(session: Session) -> dt.date:
    value = session.scalar(select(func.current_date()))
    assert isinstance(value, dt.date)
    return value


def assert_recent(value: Any, now: dt.datetime, slack: dt.timedelta = dt.timedelta(minutes=2)) -> None:
    """`value` is a datetime the database set at about `now` (the database's own clock)."""
    assert isinstance(value, dt.datetime), value
    if value.tzinfo is None:
        now = now.replace(tzinfo=None)  # PG: now() in the session's zone; a timestamp column keeps that wall time
    elif now.tzinfo is None:
        now = now.replace(tzinfo=dt.UTC)
    assert abs(value - now) < slack, (value, now)


@contextmanager
def count_statements(engine: Engine) -> Iterator[list[str]]:
    statements: list[str] = []

    def before(conn: Any, cursor: Any, statement: str, *args: Any) -> None:
        statements.append(statement)

    event.listen(engine, "before_cursor_execute", before)
    try:
        yield statements
    finally:
        event.remove(engine, "before_cursor_execute", before)


def scalar(engine: Engine, sql: str, **params: Any) -> Any:
    with engine.connect() as connection:
        return connection.execute(text(sql), params).scalar()


# --------------------------------------------------------------------------------------------
# 1. round trips through Insert -> ORM -> database -> new Session -> Select, per column kind
# --------------------------------------------------------------------------------------------


def test_round_trip_users_scalars_and_renamed_column(db: Engine) -> None:
    payload = {
        "email": "ada@example.com",
        "username": "ada_l",
        "password_hash": "pbkdf2$" + "h" * 40,
        "first_name": "Ada",
        "last_name": "Lovelace",
        "bio": "Wrote the first program. " * 3,
        "avatar_url": "https://example.com/ada.png",
        "phone": "+44 20 7946 0958",
        "country_code": "GB",
        "birth_date": dt.date(1815, 12, 10),
        "timezone": "Europe/London",
        "is_verified": True,
    }
    _row, selected = round_trip(db, User, UserInsert, UserSelect, payload)
    assert isinstance(selected, UserSelect)
    assert selected.birth_date == dt.date(1815, 12, 10)
    assert selected.avatar_url == "https://example.com/ada.png"
    assert isinstance(selected.public_id, uuid.UUID) and selected.public_id.version == 4
    # `avatar_url` is stored in the SQL column profile_image_url.
    assert scalar(db, "SELECT profile_image_url FROM users WHERE id = :id", id=selected.id) == payload["avatar_url"]


def test_round_trip_user_settings_enum_array_time_interval(db: Engine) -> None:
    with Session(db) as session:
        user_id = add_user(session, "settings@example.com").id
        session.commit()
    payload = {
        "user_id": user_id,
        "enabled_agents": ["health", "business"],
        "notifications": "mentions_only",
        "quiet_hours_start": dt.time(22, 30),
        "quiet_hours_end": dt.time(6, 45, 15),
        "session_timeout": dt.timedelta(minutes=45, seconds=30),
        "theme": "dark",
    }
    row, selected = round_trip(db, UserSettings, UserSettingsInsert, UserSettingsSelect, payload)
    assert row.enabled_agents == [AgentType.HEALTH, AgentType.BUSINESS]
    assert all(type(agent) is AgentType for agent in row.enabled_agents)
    assert row.notifications is NotificationMode.MENTIONS_ONLY
    assert selected.quiet_hours_end == dt.time(6, 45, 15)
    assert selected.session_timeout == dt.timedelta(seconds=45 * 60 + 30)
    assert selected.sessions_allowed == 3  # {sql: "(1 + 2)"} server default


def test_round_trip_conversation_typed_json_list_of_shapes(db: Engine) -> None:
    with Session(db) as session:
        user_id = add_user(session, "chat@example.com").id
        session.commit()
    sent_at = dt.datetime(2025, 3, 1, 9, 15, 0, 250000, tzinfo=dt.timezone(dt.timedelta(hours=2)))
    payload = {
        "user_id": user_id,
        "agent_type": "finance",
        "title": "Budget for March",
        "messages": [
            {"role": "user", "content": "How much can I save?"},
            {"role": "assistant", "content": "About 400 EUR.", "sent_at": sent_at.isoformat(), "agent": "finance"},
        ],
        "suggested_actions": ["open savings account", "cancel gym"],
    }
    row, selected = round_trip(db, LifeCeoConversation, LifeCeoConversationInsert, LifeCeoConversationSelect, payload)
    # The ORM attribute itself holds ChatMessage instances, not dicts.
    assert all(type(message) is ChatMessage for message in row.messages)
    assert row.messages == [
        ChatMessage(role="user", content="How much can I save?"),
        ChatMessage(role="assistant", content="About 400 EUR.", sent_at=sent_at, agent=AgentType.FINANCE),
    ]
    assert row.messages[1].sent_at == sent_at and row.messages[1].sent_at.utcoffset() == dt.timedelta(hours=2)
    assert row.messages[1].agent is AgentType.FINANCE
    assert row.suggested_actions == ["open savings account", "cancel gym"]
    assert row.agent_type is AgentType.FINANCE
    assert isinstance(selected.created_at, dt.datetime)


def test_round_trip_groups_text_and_integer_arrays_and_shape(db: Engine) -> None:
    with Session(db) as session:
        owner_id = add_user(session, "owner@example.com").id
        session.commit()
    payload = {
        "name": "New York Expats",
        "owner_id": owner_id,
        "tags": ["travel", "networking", "expat", "with space", 'quote"d'],
        "member_ids": [3, 1, 2147483647, -5],
        "settings": {"is_private": True, "max_members": 12},
    }
    row, _selected = round_trip(db, Group, GroupInsert, GroupSelect, payload)
    assert row.tags == ["travel", "networking", "expat", "with space", 'quote"d']
    assert row.member_ids == [3, 1, 2147483647, -5]
    assert type(row.settings) is GroupSettings
    assert row.settings == GroupSettings(is_private=True, allow_invites=True, max_members=12)


def test_round_trip_memories_nested_shape_bytes_naive_timestamp_column_named_type(db: Engine) -> None:
    with Session(db) as session:
        user_id = add_user(session, "memory@example.com").id
        session.commit()
    blob = bytes(range(256)) + b"\x00\x00end"
    payload = {
        "user_id": user_id,
        "type": "milestone",
        "content": "Ran a marathon",
        "importance": 9,
        "context": {
            "mood": 10,
            "location": {"lat": 40.7128, "lng": -74.006},
            "people": ["Sam", "Lee"],
            "occurred_on": "2024-11-03",
            "extra": {"time": "3:58:12", "splits": [1, 2.5, None, True], "nested": {"a": {"b": "c"}}},
        },
        "encrypted_attachment": blob,
        "deleted_at": None,
    }
    row, selected = round_trip(db, Memory, MemoryInsert, MemorySelect, payload)
    assert row.type is MemoryKind.MILESTONE
    assert type(row.context) is MemoryContext and type(row.context.location) is GeoPoint
    assert row.context.location == GeoPoint(lat=40.7128, lng=-74.006)
    assert row.context.occurred_on == dt.date(2024, 11, 3)
    assert row.context.extra == {"time": "3:58:12", "splits": [1, 2.5, None, True], "nested": {"a": {"b": "c"}}}
    assert row.encrypted_attachment == blob and type(row.encrypted_attachment) is bytes
    assert selected.type is MemoryKind.MILESTONE
    # `type` is the SQL column name as well as the attribute name.
    assert scalar(db, "SELECT type FROM memories WHERE id = :id", id=selected.id) == "milestone"

    # A naive `timestamp` column keeps microseconds and stays naive.
    stamp = dt.datetime(2024, 5, 1, 8, 15, 30, 123456)
    row, selected = round_trip(db, Memory, MemoryInsert, MemorySelect, {**payload, "deleted_at": stamp, "context": None})
    assert selected.deleted_at == stamp and selected.deleted_at.tzinfo is None


def test_round_trip_events_numeric_interval_agenda(db: Engine) -> None:
    with Session(db) as session:
        organizer_id = add_user(session, "organizer@example.com").id
        session.commit()
    payload = {
        "organizer_id": organizer_id,
        "title": "Rooftop meetup",
        "description": "Bring snacks",
        "starts_at": dt.datetime(2025, 6, 1, 18, 30, tzinfo=dt.UTC),
        "ends_at": dt.datetime(2025, 6, 1, 22, 0, tzinfo=dt.UTC),
        "reminder_before": dt.timedelta(days=1, hours=2, minutes=3),
        "capacity": 120,
        "ticket_price": "19.99",
        "agenda": [
            {"title": "Welcome", "starts_at": "18:30:00", "duration_minutes": 15, "speaker_ids": [1]},
            {"title": "Talks", "starts_at": dt.time(18, 45, 30), "duration_minutes": 90, "speaker_ids": []},
        ],
    }
    row, _selected = round_trip(db, Event, EventInsert, EventSelect, payload)
    assert row.ticket_price == decimal.Decimal("19.99") and type(row.ticket_price) is decimal.Decimal
    assert row.reminder_before == dt.timedelta(days=1, seconds=2 * 3600 + 180)
    assert all(type(item) is AgendaItem for item in row.agenda)
    assert row.agenda[1].starts_at == dt.time(18, 45, 30)


def test_round_trip_timestamp_with_time_zone_keeps_the_instant(db: Engine) -> None:
    """`timestamp, timezone: true` must give back the same instant, as an aware datetime."""
    with Session(db) as session:
        organizer_id = add_user(session, "tz@example.com").id
        session.commit()
    cest = dt.timezone(dt.timedelta(hours=2))
    starts = dt.datetime(2025, 6, 1, 18, 30, tzinfo=cest)  # = 16:30 UTC
    ends = dt.datetime(2025, 6, 1, 22, 0, 0, 500000, tzinfo=dt.UTC)
    payload = {"organizer_id": organizer_id, "title": "tz", "starts_at": starts, "ends_at": ends}
    identity = insert_via_schema(db, Event, EventInsert, payload)
    with Session(db) as session:
        row = session.get(Event, identity)
        assert row is not None
        assert row.starts_at == starts, f"stored {starts.isoformat()} (16:30 UTC), read back {row.starts_at!r}"
        assert row.starts_at.tzinfo is not None
        assert row.ends_at == ends
        selected = EventSelect.model_validate(row)
        assert selected.starts_at == starts
        # Filtering with the same instant written in another zone finds the row; a later one does not.
        new_york = dt.timezone(dt.timedelta(hours=-4))
        assert session.scalars(select(Event).where(Event.starts_at == starts.astimezone(new_york))).all() == [row]
        later = starts + dt.timedelta(minutes=1)
        assert session.scalars(select(Event).where(Event.starts_at >= later.astimezone(new_york))).all() == []


def test_round_trip_reserved_word_table_order_uuid_array_class_column(db: Engine) -> None:
    with Session(db) as session:
        user = add_user(session, "buyer@example.com")
        event_row = Event(organizer_id=user.id, title="Gig", starts_at=dt.datetime(2025, 1, 1, tzinfo=dt.UTC))
        session.add(event_row)
        session.commit()
        user_id, event_id = user.id, event_row.id
    codes = [uuid.uuid4(), uuid.uuid4(), uuid.UUID("00000000-0000-0000-0000-000000000001")]
    payload = {
        "user_id": user_id,
        "event_id": event_id,
        "class": "vip",  # the API name; the attribute is class_
        "quantity": 3,
        "total": decimal.Decimal("59.97"),
        "currency": "EUR",
        "status": "paid",
        "ticket_codes": [str(code) for code in codes],
    }
    row, selected = round_trip(db, TicketOrder, TicketOrderInsert, TicketOrderSelect, payload)
    assert isinstance(selected, TicketOrderSelect)
    assert row.class_ is TicketClass.VIP
    assert row.status is OrderStatus.PAID
    assert row.ticket_codes == codes and all(type(code) is uuid.UUID for code in row.ticket_codes)
    assert row.total == decimal.Decimal("59.97")
    assert type(selected.id) is uuid.UUID and selected.id.version == 4  # default: uuid
    assert selected.model_dump(by_alias=True)["class"] is TicketClass.VIP
    with db.connect() as connection:
        raw = connection.execute(text('SELECT "class", quantity, currency FROM "order"')).one()
    assert tuple(raw) == ("vip", 3, "EUR")


def test_round_trip_housing_listing_nested_shapes_date_array_select_column(db: Engine) -> None:
    with Session(db) as session:
        host_id = add_user(session, "host@example.com").id
        session.commit()
    details = {
        "address": {"street": "Unter den Linden 1", "city": "Berlin", "postal_code": "10117", "country": "DE"},
        "location": {"lat": 52.5163, "lng": 13.3777},
        "amenities": ["balcony", "washing machine"],
        "room_sizes_m2": {"bedroom": 14.5, "living": 22.0},
        "deposit": "1500.50",
    }
    payload = {
        "host_id": host_id,
        "title": "Sunny room in Mitte",
        "description": "Quiet street",
        "status": "active",
        "monthly_rent": "1250.00",
        "currency": "EUR",
        "bedrooms": 2,
        "bathrooms": "1.5",
        "latitude": 52.5163,
        "longitude": 13.3777,
        "select": True,
        "details": details,
        "blackout_dates": ["2025-12-24", dt.date(2025, 12, 31)],
    }
    row, selected = round_trip(db, HousingListing, HousingListingInsert, HousingListingSelect, payload)
    assert row.select is True
    assert row.status is ListingStatus.ACTIVE
    assert type(row.details) is ListingDetails
    assert type(row.details.address) is Address and type(row.details.location) is GeoPoint
    assert row.details.deposit == decimal.Decimal("1500.50") and type(row.details.deposit) is decimal.Decimal
    assert row.details.pets_allowed is False  # shape default
    assert row.details.room_sizes_m2 == {"bedroom": 14.5, "living": 22.0}
    assert row.blackout_dates == [dt.date(2025, 12, 24), dt.date(2025, 12, 31)]
    assert all(type(day) is dt.date for day in row.blackout_dates)
    assert row.bathrooms == decimal.Decimal("1.5") and row.monthly_rent == decimal.Decimal("1250.00")
    assert scalar(db, 'SELECT "select" FROM housing_listings WHERE id = :id', id=selected.id) in (True, 1)
    with Session(db) as session:
        assert selected.available_from == db_today(session)  # {sql: CURRENT_DATE}


def test_round_trip_housing_application_from_column_and_real(db: Engine) -> None:
    with Session(db) as session:
        host = add_user(session, "host2@example.com")
        applicant = add_user(session, "applicant@example.com")
        listing = HousingListing(host_id=host.id, title="Flat", monthly_rent=decimal.Decimal(900))
        session.add(listing)
        session.commit()
        ids = {"listing_id": listing.id, "applicant_id": applicant.id, "reviewed_by_id": host.id}
    payload = {
        **ids,
        "status": "approved",
        "message": "I am tidy",
        "from": "2025-09-01",  # the API name; the attribute is from_
        "until": dt.date(2026, 8, 31),
        "household_size": 2,
        "match_score": 0.75,
        "reviewed_at": "2025-08-01T09:00:00+05:30",  # timestamp with time zone, not UTC
    }
    row, selected = round_trip(db, HousingApplication, HousingApplicationInsert, HousingApplicationSelect, payload)
    assert row.from_ == dt.date(2025, 9, 1)
    assert row.status is ApplicationStatus.APPROVED
    assert row.match_score == 0.75
    assert row.reviewed_at == dt.datetime(2025, 8, 1, 3, 30, tzinfo=dt.UTC) and row.reviewed_at.tzinfo is not None
    assert selected.model_dump(by_alias=True)["from"] == dt.date(2025, 9, 1)
    raw = scalar(db, 'SELECT "from" FROM housing_applications WHERE id = :id', id=selected.id)
    assert str(raw) == "2025-09-01"


def test_round_trip_posts_dict_json_bigint_and_tags_group_order_columns(db: Engine) -> None:
    with Session(db) as session:
        author_id = add_user(session, "poster@example.com").id
        session.commit()
    payload = {
        "author_id": author_id,
        "content": "Hello world",
        "visibility": "friends",
        "hashtags": ["hello", "first"],
        "view_count": 2**40 + 7,
        "reaction_counts": {"like": 3, "heart": 0, "clap": 12},
    }
    row, _selected = round_trip(db, Post, PostInsert, PostSelect, payload)
    assert row.reaction_counts == {"like": 3, "heart": 0, "clap": 12}
    assert row.view_count == 2**40 + 7
    assert row.visibility is PostVisibility.FRIENDS

    tag_payload = {"name": "wellbeing-sleep", "group": "wellbeing", "order": 2, "color": "#ff00aa"}
    _tag_row, tag = round_trip(db, Tag, TagInsert, TagSelect, tag_payload)
    assert (tag.group, tag.order) == ("wellbeing", 2)
    with db.connect() as connection:
        raw = connection.execute(text('SELECT "group", "order", color FROM tags')).one()
    assert tuple(raw) == ("wellbeing", 2, "#ff00aa")


def test_round_trip_notifications_and_audit_log_untyped_json_metadata(db: Engine) -> None:
    with Session(db) as session:
        user = add_user(session, "notified@example.com")
        actor = add_user(session, "actor@example.com")
        session.commit()
        user_id, actor_id, actor_public_id = user.id, actor.id, actor.public_id
    payload = {
        "user_id": user_id,
        "actor_id": actor_id,
        "type": "agent_insight",
        "payload": {
            "title": "New insight",
            "body": "You sleep better after walks",
            "link": None,
            "actor_public_id": str(actor_public_id),
            "agent": "health",
            "attachments": [{"street": "Main St 1", "city": "Springfield", "postal_code": "12345", "country": "US"}],
        },
    }
    row, _selected = round_trip(db, Notification, NotificationInsert, NotificationSelect, payload)
    assert row.type is NotificationType.AGENT_INSIGHT
    assert type(row.payload) is NotificationPayload
    assert row.payload.actor_public_id == actor_public_id
    assert row.payload.agent is AgentType.HEALTH
    assert row.payload.attachments == [Address(street="Main St 1", city="Springfield", postal_code="12345", country="US")]

    metadata = {"before": {"name": "Old"}, "after": {"name": "New"}, "ids": [1, 2, 3], "ok": True, "none": None, "pi": 3.5}
    audit = {
        "actor_public_id": actor_public_id,
        "action": "update",
        "table_name": "users",
        "row_pk": "42",
        "metadata": metadata,  # the API name; the attribute is metadata_
        "request_id": str(uuid.uuid4()),
        "signature": b"\x01\x02\xff" * 11,
    }
    audit_row, audit_selected = round_trip(db, AuditLog, AuditLogInsert, AuditLogSelect, audit)
    assert audit_row.metadata_ == metadata
    assert audit_selected.metadata_ == metadata
    assert audit_selected.query_ == {"sql": None}  # Insert schema default, same as the server default
    assert audit_selected.model_dump(by_alias=True)["metadata"] == metadata
    assert audit_row.signature == b"\x01\x02\xff" * 11
    # SQLAlchemy's own `metadata` is untouched by the column named metadata.
    assert Base.metadata.tables["audit_log"].c["metadata"] is AuditLog.__table__.c["metadata"]
    with Session(db) as session:
        raw = session.execute(text("SELECT metadata FROM audit_log")).scalar()
    if isinstance(raw, str):  # SQLite: JSON text
        raw = json.loads(raw)
    assert raw == metadata


def test_column_attribute_names_and_sql_names(db: Engine) -> None:
    def sql_name(model: type[Base], attribute: str) -> str:
        return inspect(model).attrs[attribute].columns[0].name

    assert sql_name(TicketOrder, "class_") == "class"
    assert sql_name(HousingApplication, "from_") == "from"
    assert sql_name(AuditLog, "metadata_") == "metadata"
    assert sql_name(AuditLog, "query_") == "query"
    assert sql_name(User, "avatar_url") == "profile_image_url"
    assert sql_name(Tag, "group") == "group" and sql_name(Tag, "order") == "order"
    assert sql_name(HousingListing, "select") == "select"
    assert sql_name(Memory, "type") == "type" and sql_name(Notification, "type") == "type"
    assert TicketOrder.__tablename__ == "order"
    with db.connect() as connection:
        assert connection.execute(text('SELECT count(*) FROM "order"')).scalar() == 0


def test_enums_are_stored_as_their_values(db: Engine) -> None:
    with Session(db) as session:
        user = add_user(session, "enum@example.com")
        session.add(LifeCeoConversation(user_id=user.id, agent_type=AgentType.BUSINESS))
        session.add(UserSettings(user_id=user.id, enabled_agents=[AgentType.BUSINESS, AgentType.SOCIAL]))
        session.add(Memory(user_id=user.id, content="x", type=MemoryKind.GOAL))
        group = Group(name="g")
        session.add(group)
        session.flush()
        session.add(GroupMember(group_id=group.id, user_id=user.id, role=GroupRole.MODERATOR))
        session.commit()
    with db.connect() as connection:
        assert connection.execute(text("SELECT agent_type FROM life_ceo_conversations")).scalar() == "business"
        assert connection.execute(text("SELECT type FROM memories")).scalar() == "goal"
        assert connection.execute(text("SELECT role FROM group_members")).scalar() == "moderator"
        assert connection.execute(text("SELECT notifications FROM user_settings")).scalar() == "on"
        agents = connection.execute(text("SELECT CAST(enabled_agents AS TEXT) FROM user_settings")).scalar()
        assert "business" in agents and "social" in agents and "BUSINESS" not in agents
        if is_pg(db):
            kind = connection.execute(
                text(
                    "SELECT data_type, udt_name FROM information_schema.columns WHERE table_schema = current_schema()"
                    " AND table_name = 'life_ceo_conversations' AND column_name = 'agent_type'"
                )
            ).one()
            assert tuple(kind) == ("USER-DEFINED", "agent_type")
        # A value written by SQL reads back as the enum member.
        connection.execute(text("UPDATE memories SET type = 'reflection'"))
        connection.commit()
    with Session(db) as session:
        assert session.scalars(select(Memory)).one().type is MemoryKind.REFLECTION
        assert session.scalars(select(UserSettings)).one().enabled_agents == [AgentType.BUSINESS, AgentType.SOCIAL]


# --------------------------------------------------------------------------------------------
# 2. defaults set by the database
# --------------------------------------------------------------------------------------------


def test_orm_insert_gets_database_defaults(db: Engine) -> None:
    with Session(db) as session:
        session.add(User(email="deleted-user@example.com", password_hash="-" * 10))  # id 1, comments' default author
        user = User(email="defaults@example.com", password_hash="x" * 10)
        session.add(user)
        session.flush()
        settings = UserSettings(user_id=user.id)
        conversation = LifeCeoConversation(user_id=user.id, agent_type=AgentType.SOCIAL)
        memory = Memory(user_id=user.id, content="remember")
        group = Group(name="defaults")
        event_row = Event(organizer_id=user.id, title="e", starts_at=dt.datetime(2030, 1, 1, tzinfo=dt.UTC))
        post = Post(author_id=user.id, content="p")
        tag = Tag(name="t")
        audit = AuditLog(action="insert", table_name="users")
        listing = HousingListing(host_id=user.id, title="l", monthly_rent=decimal.Decimal(1))
        session.add_all([settings, conversation, memory, group, event_row, post, tag, audit, listing])
        session.flush()
        comment = Comment(post_id=post.id, body="c")
        order = TicketOrder(user_id=user.id, event_id=event_row.id, total=decimal.Decimal(0))
        session.add_all([comment, order])
        session.commit()
        keys = {
            row.__class__: inspect(row).identity
            for row in (user, settings, conversation, memory, group, event_row, post, tag, audit, listing, comment, order)
        }
        assert user.public_id is not None

    with Session(db) as session:
        now, today = db_now(session), db_today(session)
        user = session.get(User, keys[User])
        assert isinstance(user.public_id, uuid.UUID) and user.public_id.version == 4
        assert user.is_verified is False and user.timezone == "UTC"
        assert_recent(user.created_at, now)
        assert_recent(user.updated_at, now)

        settings = session.get(UserSettings, keys[UserSettings])
        assert settings.sessions_allowed == 3
        assert settings.notifications is NotificationMode.ON
        assert settings.theme == "system"
        assert settings.enabled_agents == [AgentType.BUSINESS, AgentType.FINANCE, AgentType.HEALTH, AgentType.SOCIAL]

        conversation = session.get(LifeCeoConversation, keys[LifeCeoConversation])
        assert conversation.messages == [] and conversation.suggested_actions == []
        assert_recent(conversation.created_at, now)

        memory = session.get(Memory, keys[Memory])
        assert memory.type is MemoryKind.NOTE and memory.importance == 5
        assert memory.occurred_on == today and memory.deleted_at is None
        assert_recent(memory.created_at, now)

        group = session.get(Group, keys[Group])
        assert group.settings == GroupSettings(is_private=False, allow_invites=True, max_members=500)

        event_row = session.get(Event, keys[Event])
        assert event_row.ticket_price == decimal.Decimal(0) and event_row.agenda == []

        post = session.get(Post, keys[Post])
        assert (post.visibility, post.hashtags, post.view_count, post.reaction_counts) == (PostVisibility.PUBLIC, [], 0, {})

        tag = session.get(Tag, keys[Tag])
        assert (tag.order, tag.color) == (0, "#64748b")

        audit = session.get(AuditLog, keys[AuditLog])
        assert audit.query_ == {"sql": None}
        assert_recent(audit.at, now)

        listing = session.get(HousingListing, keys[HousingListing])
        assert listing.available_from == today
        assert listing.status is ListingStatus.DRAFT and listing.select is False and listing.bedrooms == 1

        comment = session.get(Comment, keys[Comment])
        assert comment.author_id == 1

        order = session.get(TicketOrder, keys[TicketOrder])
        assert isinstance(order.id, uuid.UUID) and order.id.version == 4
        assert (order.class_, order.quantity, order.currency, order.status, order.ticket_codes) == (
            TicketClass.GENERAL,
            1,
            "USD",
            OrderStatus.PENDING,
            [],
        )
        assert_recent(order.placed_at, now)


def test_raw_sql_insert_gets_database_defaults(db: Engine) -> None:
    pg = is_pg(db)
    with db.begin() as connection:
        connection.execute(
            text("INSERT INTO users (public_id, email, password_hash) VALUES (:pid, :email, 'xxxxxxxxxx')").bindparams(
                bindparam("pid", type_=Uuid())
            ),
            {"pid": uuid.uuid4(), "email": "raw@example.com"},
        )
        user_id = connection.execute(text("SELECT id FROM users WHERE email = 'raw@example.com'")).scalar_one()
        empty_array = "'{}'" if pg else "'[]'"
        connection.execute(
            text(f"INSERT INTO user_settings (user_id, enabled_agents) VALUES (:u, {empty_array})"), {"u": user_id}
        )
        connection.execute(text("INSERT INTO memories (user_id, content) VALUES (:u, 'raw')"), {"u": user_id})
        connection.execute(
            text("INSERT INTO life_ceo_conversations (user_id, agent_type) VALUES (:u, 'health')"), {"u": user_id}
        )
        connection.execute(text("INSERT INTO groups (name) VALUES ('raw group')"))
        connection.execute(text("INSERT INTO tags (name) VALUES ('raw tag')"))
        connection.execute(text("INSERT INTO audit_log (action, table_name) VALUES ('a', 'users')"))
        connection.execute(
            text("INSERT INTO housing_listings (host_id, title, monthly_rent) VALUES (:u, 'raw', 10)"), {"u": user_id}
        )
        connection.execute(text("INSERT INTO posts (author_id, content, hashtags) VALUES (:u, 'p', " + empty_array + ")"), {"u": user_id})
        post_id = connection.execute(text("SELECT id FROM posts")).scalar_one()
        connection.execute(text("INSERT INTO comments (post_id, body) VALUES (:p, 'c')"), {"p": post_id})
        connection.execute(
            text("INSERT INTO events (organizer_id, title, starts_at) VALUES (:u, 'e', :s)").bindparams(
                bindparam("s", type_=DateTime(timezone=True))
            ),
            {"u": user_id, "s": dt.datetime(2030, 1, 1, tzinfo=dt.UTC)},
        )
        event_id = connection.execute(text("SELECT id FROM events")).scalar_one()
        connection.execute(
            text(
                f'INSERT INTO "order" (id, user_id, event_id, total, ticket_codes) VALUES (:id, :u, :e, 5, {empty_array})'
            ).bindparams(bindparam("id", type_=Uuid())),
            {"id": uuid.uuid4(), "u": user_id, "e": event_id},
        )
        connection.execute(text("INSERT INTO event_attendees (event_id, user_id) VALUES (:e, :u)"), {"e": event_id, "u": user_id})
        group_id = connection.execute(text("SELECT id FROM groups")).scalar_one()
        connection.execute(text("INSERT INTO group_members (group_id, user_id) VALUES (:g, :u)"), {"g": group_id, "u": user_id})

    with Session(db) as session:
        now, today = db_now(session), db_today(session)
        user = session.get(User, user_id)
        assert user.is_verified is False and user.timezone == "UTC"
        assert_recent(user.created_at, now)
        assert_recent(user.updated_at, now)
        settings = session.scalars(select(UserSettings)).one()
        assert (settings.sessions_allowed, settings.notifications, settings.theme) == (3, NotificationMode.ON, "system")
        memory = session.scalars(select(Memory)).one()
        assert (memory.type, memory.importance, memory.occurred_on) == (MemoryKind.NOTE, 5, today)
        conversation = session.scalars(select(LifeCeoConversation)).one()
        assert conversation.messages == [] and conversation.suggested_actions == []
        assert session.scalars(select(Group)).one().settings == GroupSettings(is_private=False, max_members=500)
        tag = session.scalars(select(Tag)).one()
        assert (tag.order, tag.color) == (0, "#64748b")
        audit = session.scalars(select(AuditLog)).one()
        assert audit.query_ == {"sql": None}
        assert_recent(audit.at, now)
        listing = session.scalars(select(HousingListing)).one()
        assert (listing.available_from, listing.currency, listing.bedrooms, listing.select) == (today, "USD", 1, False)
        post = session.scalars(select(Post)).one()
        assert (post.view_count, post.reaction_counts, post.visibility) == (0, {}, PostVisibility.PUBLIC)
        assert session.scalars(select(Comment)).one().author_id == 1
        event_row = session.scalars(select(Event)).one()
        assert event_row.ticket_price == decimal.Decimal(0) and event_row.agenda == []
        order = session.scalars(select(TicketOrder)).one()
        assert (order.class_, order.quantity, order.currency, order.status) == (
            TicketClass.GENERAL,
            1,
            "USD",
            OrderStatus.PENDING,
        )
        assert_recent(order.placed_at, now)
        attendee = session.scalars(select(EventAttendee)).one()
        assert (attendee.rsvp, attendee.guests) == (RsvpAnswer.MAYBE, 0)
        assert_recent(attendee.responded_at, now)
        member = session.scalars(select(GroupMember)).one()
        assert member.role is GroupRole.MEMBER
        assert_recent(member.joined_at, now)


# --------------------------------------------------------------------------------------------
# 3. on_update: now
# --------------------------------------------------------------------------------------------


def test_updated_at_is_refreshed_by_an_orm_update(db: Engine) -> None:
    old = dt.datetime(2000, 1, 1, 12, 0, 0)
    with Session(db) as session:
        user = add_user(session, "update@example.com")
        memory = Memory(user_id=user.id, content="before")
        session.add(memory)
        session.commit()
        user_id, memory_id = user.id, memory.id
        created = user.created_at
    # Push the stored times into the past so a refresh is visible without sleeping.
    with db.begin() as connection:
        for table in ("users", "memories"):
            connection.execute(
                text(f"UPDATE {table} SET updated_at = :old").bindparams(bindparam("old", type_=DateTime())), {"old": old}
            )
    with Session(db) as session:
        user = session.get(User, user_id)
        assert user.updated_at == old
        UserUpdate(bio="new bio").apply_to(user)
        memory = session.get(Memory, memory_id)
        MemoryUpdate(content="after").apply_to(memory)
        session.commit()
    with Session(db) as session:
        now = db_now(session)
        user = session.get(User, user_id)
        assert user.bio == "new bio"
        assert user.updated_at > old
        assert_recent(user.updated_at, now)
        assert user.created_at == created  # not an on_update column
        memory = session.get(Memory, memory_id)
        assert memory.content == "after" and memory.updated_at > old
        assert_recent(memory.updated_at, now)


# --------------------------------------------------------------------------------------------
# 4. foreign key actions
# --------------------------------------------------------------------------------------------


def _user_with_children(session: Session, email: str) -> User:
    user = add_user(session, email)
    session.add(UserSettings(user_id=user.id))
    session.add(LifeCeoConversation(user_id=user.id, agent_type=AgentType.HEALTH, messages=[{"role": "user", "content": "hi"}]))
    session.add(Memory(user_id=user.id, content="one"))
    session.add(Memory(user_id=user.id, content="two"))
    session.flush()
    return user


def _counts(engine: Engine, user_id: int) -> dict[str, int]:
    with engine.connect() as connection:
        return {
            table: connection.execute(text(f"SELECT count(*) FROM {table} WHERE user_id = :u"), {"u": user_id}).scalar_one()
            for table in ("user_settings", "life_ceo_conversations", "memories")
        }


def test_raw_sql_delete_cascades_sets_null_and_sets_default(db: Engine) -> None:
    with Session(db) as session:
        fallback = add_user(session, "deleted-user@example.com")  # id 1: comments' default author
        assert fallback.id == 1
        doomed = _user_with_children(session, "doomed@example.com")
        other = add_user(session, "other@example.com")
        group = Group(name="owned", owner_id=doomed.id)
        session.add(group)
        session.flush()
        session.add(GroupMember(group_id=group.id, user_id=doomed.id))
        post = Post(author_id=other.id, content="post")
        session.add(post)
        session.flush()
        session.add(Comment(post_id=post.id, author_id=doomed.id, body="by doomed"))
        listing = HousingListing(host_id=other.id, title="l", monthly_rent=decimal.Decimal(1))
        session.add(listing)
        session.flush()
        session.add(HousingApplication(listing_id=listing.id, applicant_id=other.id, reviewed_by_id=doomed.id, from_=dt.date(2025, 1, 1)))
        session.add(Notification(user_id=other.id, actor_id=doomed.id, type=NotificationType.FOLLOW, payload={"title": "t", "body": "b", "attachments": []}))
        session.add(AuditLog(actor_public_id=doomed.public_id, action="x", table_name="users"))
        session.add(Follow(follower_id=doomed.id, followee_id=other.id))
        session.commit()
        doomed_id, group_id = doomed.id, group.id
    assert _counts(db, doomed_id) == {"user_settings": 1, "life_ceo_conversations": 1, "memories": 2}

    with db.begin() as connection:
        connection.execute(text("DELETE FROM users WHERE id = :u"), {"u": doomed_id})

    assert _counts(db, doomed_id) == {"user_settings": 0, "life_ceo_conversations": 0, "memories": 0}
    assert scalar(db, "SELECT count(*) FROM group_members") == 0  # cascade
    assert scalar(db, "SELECT count(*) FROM follows") == 0  # cascade
    assert scalar(db, "SELECT owner_id FROM groups WHERE id = :g", g=group_id) is None  # set null
    assert scalar(db, "SELECT count(*) FROM groups") == 1
    assert scalar(db, "SELECT reviewed_by_id FROM housing_applications") is None  # set null
    assert scalar(db, "SELECT count(*) FROM housing_applications") == 1
    assert scalar(db, "SELECT actor_id FROM notifications") is None  # set null
    assert scalar(db, "SELECT actor_public_id FROM audit_log") is None  # set null through users.public_id
    assert scalar(db, "SELECT author_id FROM comments") == 1  # set default

    # Deleting a group: events.group_id is set null, posts in the group are deleted.
    with Session(db) as session:
        organizer = add_user(session, "org@example.com")
        session.add(Event(organizer_id=organizer.id, group_id=group_id, title="e", starts_at=dt.datetime(2030, 1, 1, tzinfo=dt.UTC)))
        session.add(Post(author_id=organizer.id, group_id=group_id, content="in group"))
        session.commit()
    with db.begin() as connection:
        connection.execute(text("DELETE FROM groups WHERE id = :g"), {"g": group_id})
    assert scalar(db, "SELECT count(*) FROM events") == 1
    assert scalar(db, "SELECT group_id FROM events") is None
    assert scalar(db, "SELECT count(*) FROM posts WHERE content = 'in group'") == 0


def test_on_update_cascade_follows_a_changed_user_id(db: Engine) -> None:
    with Session(db) as session:
        user = add_user(session, "renumber@example.com")
        session.add(UserSettings(user_id=user.id))
        session.commit()
        old_id = user.id
    with db.begin() as connection:
        connection.execute(text("UPDATE users SET id = 999 WHERE id = :u"), {"u": old_id})
    assert scalar(db, "SELECT user_id FROM user_settings") == 999


def test_orm_delete_of_a_user_deletes_conversations_and_memories(db: Engine) -> None:
    with Session(db) as session:
        loaded_id = _user_with_children(session, "loaded@example.com").id
        unloaded_id = _user_with_children(session, "unloaded@example.com").id
        session.commit()
    with Session(db) as session:
        loaded = session.scalars(
            select(User).where(User.id == loaded_id).options(*eager(User, {"conversations": True, "memories": True, "settings": True}))
        ).one()
        assert len(loaded.memories) == 2
        session.delete(loaded)
        session.delete(session.get(User, unloaded_id))
        session.commit()
    for user_id in (loaded_id, unloaded_id):
        assert _counts(db, user_id) == {"user_settings": 0, "life_ceo_conversations": 0, "memories": 0}
    assert scalar(db, "SELECT count(*) FROM users") == 0


def test_orm_delete_of_a_comment_author_falls_back_to_the_default_author(db: Engine) -> None:
    """comments.author_id is `on_delete: set default`: deleting the author through the ORM must
    leave the comment to user 1, as the raw SQL DELETE does."""
    with Session(db) as session:
        add_user(session, "deleted-user@example.com")  # id 1
        author = add_user(session, "commenter@example.com")
        post = Post(author_id=1, content="post")
        session.add(post)
        session.flush()
        session.add(Comment(post_id=post.id, author_id=author.id, body="hello"))
        session.commit()
        author_id = author.id
    with Session(db) as session:
        session.delete(session.get(User, author_id))
        session.commit()
    assert scalar(db, "SELECT author_id FROM comments") == 1


def test_orm_delete_of_a_group_member_with_loaded_memberships(db: Engine) -> None:
    """A user loaded with its `group_memberships` can be deleted through the ORM (and so can a
    group loaded with its `memberships`): the link rows go once, without an SAWarning."""
    with Session(db) as session:
        user = add_user(session, "member@example.com")
        other = add_user(session, "other-member@example.com")
        club, band = Group(name="club"), Group(name="band")
        session.add_all([club, band])
        session.flush()
        session.add(GroupMember(group_id=club.id, user_id=user.id, role=GroupRole.ADMIN))
        session.add(GroupMember(group_id=band.id, user_id=other.id))
        session.commit()
        user_id, club_id, band_id = user.id, club.id, band.id
    with Session(db) as session:
        user = session.scalars(select(User).where(User.id == user_id).options(*eager(User, {"group_memberships": True}))).one()
        assert [m.role for m in user.group_memberships] == [GroupRole.ADMIN]
        session.delete(user)
        session.commit()
    assert scalar(db, "SELECT count(*) FROM group_members WHERE group_id = :g", g=club_id) == 0
    assert scalar(db, "SELECT count(*) FROM groups WHERE id = :g", g=club_id) == 1
    with Session(db) as session:
        band = session.scalars(select(Group).where(Group.id == band_id).options(*eager(Group, {"memberships": True}))).one()
        assert len(band.memberships) == 1
        session.delete(band)
        session.commit()
    assert scalar(db, "SELECT count(*) FROM group_members") == 0
    assert scalar(db, "SELECT count(*) FROM users") == 1


def test_orm_delete_of_a_user_linked_to_everything(db: Engine) -> None:
    """Deleting bob through the ORM, with his relations loaded, leaves the database as the FK
    actions say: his own rows go, rows that only mention him are nulled or fall back to user 1."""
    ids = _build_graph(db)
    with Session(db) as session:
        bob = session.scalars(
            select(User)
            .where(User.id == ids["bob"])
            .options(
                *eager(
                    User,
                    {
                        "comments": True,
                        "organized_events": {"with": {"attendees": True}},
                        "group_memberships": True,
                        "groups": True,
                        "following": True,
                        "followers": True,
                        "housing_applications": True,
                        "sent_notifications": True,
                        "attending_events": True,
                    },
                )
            )
        ).one()
        assert bob.comments and bob.organized_events and bob.following and bob.sent_notifications
        session.delete(bob)
        session.commit()
    assert scalar(db, "SELECT count(*) FROM users WHERE id = :u", u=ids["bob"]) == 0
    assert scalar(db, "SELECT author_id FROM comments WHERE id = :c", c=ids["root"]) == ids["ada"]  # set default (1)
    assert scalar(db, "SELECT count(*) FROM comments") == 3
    assert scalar(db, "SELECT count(*) FROM events") == 0  # organizer cascade
    assert scalar(db, "SELECT count(*) FROM event_attendees") == 0
    assert scalar(db, "SELECT count(*) FROM group_members") == 1  # only ada's
    assert scalar(db, "SELECT count(*) FROM follows") == 1  # cyd -> ada
    assert scalar(db, "SELECT count(*) FROM housing_applications") == 0
    assert scalar(db, "SELECT actor_id FROM notifications") is None  # set null
    assert scalar(db, "SELECT count(*) FROM notifications") == 1


def test_check_constraints_and_partial_unique_index(db: Engine) -> None:
    with Session(db) as session:
        host = add_user(session, "host@example.com")
        applicant = add_user(session, "applicant@example.com")
        listing = HousingListing(host_id=host.id, title="Room", monthly_rent=decimal.Decimal(500))
        session.add(listing)
        session.commit()
        host_id, applicant_id, listing_id = host.id, applicant.id, listing.id

    def fails(row: Base) -> None:
        with Session(db) as session:
            session.add(row)
            with pytest.raises(IntegrityError):
                session.commit()

    start = dt.datetime(2030, 1, 1, 18, tzinfo=dt.UTC)
    fails(Event(organizer_id=host_id, title="e", starts_at=start, ends_at=start - dt.timedelta(hours=1)))  # ends_after_start
    fails(Event(organizer_id=host_id, title="e", starts_at=start, ticket_price=decimal.Decimal(-1)))
    fails(HousingApplication(listing_id=listing_id, applicant_id=applicant_id, from_=dt.date(2025, 2, 1), until=dt.date(2025, 1, 1)))
    fails(TicketOrder(user_id=host_id, event_id=0, total=decimal.Decimal(1)))  # FK to a missing event

    # one open application per (listing, applicant); a withdrawn one does not count
    with Session(db) as session:
        first = HousingApplication(listing_id=listing_id, applicant_id=applicant_id, from_=dt.date(2025, 1, 1))
        session.add(first)
        session.commit()
        first_id = first.id
    fails(HousingApplication(listing_id=listing_id, applicant_id=applicant_id, from_=dt.date(2025, 3, 1)))
    with Session(db) as session:
        session.get(HousingApplication, first_id).status = ApplicationStatus.WITHDRAWN
        session.add(HousingApplication(listing_id=listing_id, applicant_id=applicant_id, from_=dt.date(2025, 3, 1)))
        session.commit()
    assert scalar(db, "SELECT count(*) FROM housing_applications") == 2

    # unique (group, order) on tags, both reserved words
    with Session(db) as session:
        session.add(Tag(name="a", group="g", order=1))
        session.commit()
    fails(Tag(name="b", group="g", order=1))


def test_restrict_and_no_action_prevent_deleting_the_parent(db: Engine) -> None:
    with Session(db) as session:
        buyer = add_user(session, "restrict@example.com")
        event_row = Event(organizer_id=buyer.id, title="e", starts_at=dt.datetime(2030, 1, 1, tzinfo=dt.UTC))
        session.add(event_row)
        session.flush()
        session.add(TicketOrder(user_id=buyer.id, event_id=event_row.id, total=decimal.Decimal(10)))
        session.commit()
        buyer_id, event_id = buyer.id, event_row.id

    with pytest.raises(IntegrityError), db.begin() as connection:
        connection.execute(text("DELETE FROM users WHERE id = :u"), {"u": buyer_id})
    with pytest.raises(IntegrityError), db.begin() as connection:
        connection.execute(text("DELETE FROM events WHERE id = :e"), {"e": event_id})
    with Session(db) as session:
        session.delete(session.get(User, buyer_id))
        with pytest.raises(IntegrityError):
            session.commit()
        session.rollback()
    assert scalar(db, "SELECT count(*) FROM users WHERE id = :u", u=buyer_id) == 1
    assert scalar(db, 'SELECT count(*) FROM "order"') == 1
    assert scalar(db, "SELECT count(*) FROM events") == 1


# --------------------------------------------------------------------------------------------
# 5. relations
# --------------------------------------------------------------------------------------------


def _build_graph(engine: Engine) -> dict[str, Any]:
    """ada, bob, cyd; ada has settings and 2 conversations; a group, an event, posts, comments."""
    with Session(engine) as session:
        ada = add_user(session, "ada@example.com", username="ada")
        bob = add_user(session, "bob@example.com", username="bob")
        cyd = add_user(session, "cyd@example.com", username="cyd")
        session.add(UserSettings(user_id=ada.id, theme="dark"))
        session.add_all(
            [
                LifeCeoConversation(user_id=ada.id, agent_type=AgentType.BUSINESS, title="biz"),
                LifeCeoConversation(user_id=ada.id, agent_type=AgentType.HEALTH, title="health"),
            ]
        )
        session.add(Memory(user_id=ada.id, content="m1"))
        group = Group(name="Expats", owner_id=ada.id)
        session.add(group)
        session.flush()
        session.add_all(
            [
                GroupMember(group_id=group.id, user_id=ada.id, role=GroupRole.OWNER),
                GroupMember(group_id=group.id, user_id=bob.id),
            ]
        )
        event_row = Event(organizer_id=bob.id, group_id=group.id, title="Picnic", starts_at=dt.datetime(2030, 5, 1, tzinfo=dt.UTC))
        session.add(event_row)
        session.flush()
        session.add_all(
            [
                EventAttendee(event_id=event_row.id, user_id=ada.id, rsvp=RsvpAnswer.YES),
                EventAttendee(event_id=event_row.id, user_id=cyd.id, rsvp=RsvpAnswer.NO),
            ]
        )
        # bob and cyd follow ada; ada follows bob
        session.add_all(
            [
                Follow(follower_id=bob.id, followee_id=ada.id),
                Follow(follower_id=cyd.id, followee_id=ada.id),
                Follow(follower_id=ada.id, followee_id=bob.id),
            ]
        )
        post = Post(author_id=ada.id, group_id=group.id, content="Hello")
        tag = Tag(name="hello")
        post.tags.append(tag)
        session.add(post)
        session.flush()
        root = Comment(post_id=post.id, author_id=bob.id, body="root")
        session.add(root)
        session.flush()
        session.add_all(
            [
                Comment(post_id=post.id, author_id=cyd.id, parent_id=root.id, body="reply 1"),
                Comment(post_id=post.id, author_id=ada.id, parent_id=root.id, body="reply 2"),
            ]
        )
        listing = HousingListing(host_id=ada.id, title="Room", monthly_rent=decimal.Decimal(700))
        session.add(listing)
        session.flush()
        session.add(HousingApplication(listing_id=listing.id, applicant_id=bob.id, reviewed_by_id=ada.id, from_=dt.date(2025, 1, 1)))
        session.add(Notification(user_id=ada.id, actor_id=bob.id, type=NotificationType.FOLLOW, payload={"title": "t", "body": "b", "attachments": []}))
        session.add(AuditLog(actor_public_id=ada.public_id, action="login", table_name="users"))
        session.commit()
        return {"ada": ada.id, "bob": bob.id, "cyd": cyd.id, "group": group.id, "event": event_row.id, "post": post.id, "root": root.id}


def test_relations_in_both_directions(db: Engine) -> None:
    ids = _build_graph(db)
    with Session(db) as session:
        # relations never load lazily (lazy="raise"): each query names what it reads
        users = {u.id: u for u in session.scalars(select(User).options(*eager(User, {
            "conversations": {"with": {"user": True}}, "memories": {"with": {"user": True}},
            "settings": {"with": {"user": True}}, "groups": True, "owned_groups": True, "attending_events": True,
            "organized_events": True, "followers": True, "following": True, "reviewed_applications": True,
            "housing_applications": {"with": {"applicant": True, "reviewer": True}},
            "notifications": {"with": {"recipient": True, "actor": True}}, "sent_notifications": True,
            "audit_entries": {"with": {"actor": True}},
        })))}
        ada, bob, cyd = users[ids["ada"]], users[ids["bob"]], users[ids["cyd"]]
        # held for the whole test: the session's identity map is weak, so rows nothing else refers to may
        # be collected, and `session.get` would then load them afresh, without their relations
        loaded = [
            session.scalars(select(Group).options(*eager(Group, {
                "members": True, "memberships": {"with": {"user": True}}, "owner": True, "events": True}))).all(),
            session.scalars(select(Event).options(*eager(Event, {"attendees": True, "organizer": True,
                                                                 "group": True}))).all(),
            session.scalars(select(Comment).options(*eager(Comment, {
                "parent": True, "children": {"with": {"parent": True}}, "post": {"with": {"comments": True}},
                "author": True}))).all(),
            session.scalars(select(Post).options(*eager(Post, {
                "tags": {"with": {"posts": True}}, "author": True, "group": True}))).all(),
        ]

        # one-to-many / many-to-one
        assert sorted(c.title for c in ada.conversations) == ["biz", "health"]
        assert all(c.user is ada for c in ada.conversations)
        assert [m.content for m in ada.memories] == ["m1"] and ada.memories[0].user is ada

        # one-to-one
        assert isinstance(ada.settings, UserSettings) and ada.settings.theme == "dark"
        assert ada.settings.user is ada
        assert bob.settings is None

        # many-to-many through group_members, plus the link rows
        group = session.get(Group, ids["group"])
        assert sorted(u.username for u in group.members) == ["ada", "bob"]
        assert [g.name for g in ada.groups] == ["Expats"] and cyd.groups == []
        assert {(m.user.username, m.role) for m in group.memberships} == {("ada", GroupRole.OWNER), ("bob", GroupRole.MEMBER)}
        assert group.owner is ada and ada.owned_groups == [group]

        # many-to-many through event_attendees
        event_row = session.get(Event, ids["event"])
        assert sorted(u.username for u in event_row.attendees) == ["ada", "cyd"]
        assert ada.attending_events == [event_row] and bob.attending_events == []
        assert event_row.organizer is bob and bob.organized_events == [event_row]
        assert event_row.group is group and group.events == [event_row]

        # self-referencing many-to-many through follows
        assert sorted(u.username for u in ada.followers) == ["bob", "cyd"]
        assert [u.username for u in ada.following] == ["bob"]
        assert [u.username for u in bob.followers] == ["ada"]
        assert [u.username for u in cyd.following] == ["ada"] and cyd.followers == []

        # self-referencing one-to-many: comments
        gc.collect()  # what a long run's collector may do at any point
        root = session.get(Comment, ids["root"])
        assert root.parent is None
        assert sorted(c.body for c in root.children) == ["reply 1", "reply 2"]
        assert all(c.parent is root for c in root.children)
        assert root.post.id == ids["post"] and root.author is bob
        assert sorted(c.body for c in root.post.comments) == ["reply 1", "reply 2", "root"]

        # posts <-> tags through post_tags
        post = session.get(Post, ids["post"])
        assert [t.name for t in post.tags] == ["hello"] and post.tags[0].posts == [post]
        assert post.author is ada and post.group is group

        # two foreign keys to users from the same table
        application = bob.housing_applications[0]
        assert application.applicant is bob and application.reviewer is ada
        assert ada.reviewed_applications == [application] and ada.housing_applications == []
        notification = ada.notifications[0]
        assert notification.recipient is ada and notification.actor is bob and bob.sent_notifications == [notification]

        # FK to a unique non-key column (audit_log.actor_public_id -> users.public_id)
        assert [a.action for a in ada.audit_entries] == ["login"] and ada.audit_entries[0].actor is ada
        assert all(loaded)  # the rows stayed loaded until here


def test_self_follow_is_rejected_by_the_check_constraint(db: Engine) -> None:
    with Session(db) as session:
        user = add_user(session, "self@example.com")
        session.commit()
        session.add(Follow(follower_id=user.id, followee_id=user.id))
        with pytest.raises(IntegrityError):
            session.commit()


def test_eager_loads_relations_without_further_sql(db: Engine) -> None:
    ids = _build_graph(db)
    with Session(db) as session:
        query = select(User).where(User.id == ids["ada"]).options(
            *eager(User, {"conversations": True, "memories": {"with": {"user": True}}, "settings": True,
                           "groups": {"with": {"members": True}}})
        )
        ada = session.scalars(query).one()
        state = inspect(ada)
        assert {"conversations", "memories", "settings", "groups"} <= set(state.dict)
        assert "followers" not in state.dict and "posts" not in state.dict  # not asked for
        with count_statements(db) as statements:
            assert sorted(c.title for c in ada.conversations) == ["biz", "health"]
            assert ada.memories[0].user is ada
            assert ada.settings.theme == "dark"
            assert sorted(u.username for u in ada.groups[0].members) == ["ada", "bob"]
        assert statements == []
        # Without eager loading the same access would need SQL: relations refuse it (lazy="raise").
        session.expunge_all()
        plain = session.scalars(select(User).where(User.id == ids["ada"])).one()
        assert "conversations" not in inspect(plain).dict
        with count_statements(db) as statements, pytest.raises(InvalidRequestError, match="lazy='raise'"):
            len(plain.conversations)
        assert statements == []

    # many-to-one with joinedload, nested
    with Session(db) as session:
        conversations = session.scalars(
            select(LifeCeoConversation).options(*eager(LifeCeoConversation, {"user": {"with": {"settings": True}}}))
        ).unique().all()
        with count_statements(db) as statements:
            assert {c.user.settings.theme for c in conversations} == {"dark"}
        assert statements == []
    assert eager(User, {"conversations": False}) == []


def test_eager_with_an_unknown_relation_names_the_known_ones(db: Engine) -> None:
    with pytest.raises(KeyError) as exc:
        eager(User, {"conversation": True})
    message = str(exc.value)
    assert "User has no relation 'conversation'" in message
    for known in ("conversations", "settings", "memories", "followers", "following", "audit_entries"):
        assert known in message
    with pytest.raises(KeyError) as exc:
        eager(User, {"memories": {"with": {"author": True}}})  # type: ignore[typeddict-unknown-key]
    assert "Memory has no relation 'author'" in str(exc.value) and "user" in str(exc.value)


# --------------------------------------------------------------------------------------------
# 6. soft delete
# --------------------------------------------------------------------------------------------


def test_soft_delete_and_restore_memories(db: Engine) -> None:
    with Session(db) as session:
        user = add_user(session, "soft@example.com")
        keep = Memory(user_id=user.id, content="keep")
        drop = Memory(user_id=user.id, content="drop")
        session.add_all([keep, drop])
        session.commit()
        drop_id = drop.id
        assert sorted(m.content for m in session.scalars(Memory.live())) == ["drop", "keep"]

        drop.soft_delete()
        session.commit()
        assert [m.content for m in session.scalars(Memory.live())] == ["keep"]
        assert_recent(drop.deleted_at, db_now(session))
        # The row is still there; only live() hides it.
        assert session.scalar(select(func.count()).select_from(Memory)) == 2

    with Session(db) as session:
        assert [m.content for m in session.scalars(Memory.live())] == ["keep"]
        drop = session.get(Memory, drop_id)
        drop.restore()
        session.commit()
    with Session(db) as session:
        assert sorted(m.content for m in session.scalars(Memory.live())) == ["drop", "keep"]
        assert session.get(Memory, drop_id).deleted_at is None


# --------------------------------------------------------------------------------------------
# 7. Update schemas applied to rows
# --------------------------------------------------------------------------------------------


def test_update_schema_applies_only_given_fields(db: Engine) -> None:
    with Session(db) as session:
        user = add_user(session, "partial@example.com")
        payload = {
            "user_id": user.id,
            "type": "goal",
            "content": "Learn Dutch",
            "importance": 7,
            "context": {"people": ["Anna"], "extra": {}},
        }
        memory = Memory(**MemoryInsert.model_validate(payload).model_dump())
        session.add(memory)
        session.commit()
        memory_id = memory.id

    with Session(db) as session:
        memory = session.get(Memory, memory_id)
        update = MemoryUpdate(content="Learn Dutch to B2")
        assert update.changes() == {"content": "Learn Dutch to B2"}
        update.apply_to(memory)
        session.commit()
    with Session(db) as session:
        memory = session.get(Memory, memory_id)
        assert memory.content == "Learn Dutch to B2"
        assert (memory.type, memory.importance) == (MemoryKind.GOAL, 7)
        assert memory.context == MemoryContext(people=["Anna"], extra={})

        # explicit null on a nullable column clears it
        MemoryUpdate.model_validate({"context": None, "importance": 3}).apply_to(memory)
        session.commit()
    with Session(db) as session:
        memory = session.get(Memory, memory_id)
        assert memory.context is None and memory.importance == 3
        assert memory.content == "Learn Dutch to B2"

    # explicit null on a non-nullable column is refused before it reaches the row
    with pytest.raises(ValidationError) as exc:
        MemoryUpdate.model_validate({"content": None, "importance": None})
    assert [(e["type"], e["loc"]) for e in exc.value.errors()] == [
        ("null_not_allowed", ("content",)), ("null_not_allowed", ("importance",))]


def test_nullable_json_set_to_none_is_sql_null(db: Engine) -> None:
    """A nullable (typed or untyped) JSON column given None holds SQL NULL, not the JSON value null,
    so `IS NULL` filters (and partial indexes) see it."""
    with Session(db) as session:
        user = add_user(session, "jsonnull@example.com")
        session.add(Memory(**MemoryInsert.model_validate({"user_id": user.id, "content": "c"}).model_dump()))
        session.add(AuditLog(**AuditLogInsert.model_validate({"action": "a", "table_name": "t", "query": None}).model_dump()))
        session.add(
            HousingListing(**HousingListingInsert.model_validate({"host_id": user.id, "title": "t", "monthly_rent": 1}).model_dump())
        )
        session.commit()
        assert session.get(Memory, 1).context is None
    assert scalar(db, "SELECT count(*) FROM memories WHERE context IS NULL") == 1
    assert scalar(db, "SELECT count(*) FROM housing_listings WHERE details IS NULL") == 1
    assert scalar(db, "SELECT count(*) FROM audit_log WHERE metadata IS NULL") == 1
    assert scalar(db, "SELECT count(*) FROM audit_log WHERE query IS NULL") == 1
    with Session(db) as session:
        assert len(session.scalars(select(Memory).where(Memory.context.is_(None))).all()) == 1


# --------------------------------------------------------------------------------------------
# 8. Select schemas on ORM rows (Insert/Update validation messages: test_schemas_validation.py)
# --------------------------------------------------------------------------------------------


def test_select_schemas_validate_orm_rows_from_a_query(db: Engine) -> None:
    ids = _build_graph(db)
    with Session(db) as session:
        users = [UserSelect.model_validate(u) for u in session.scalars(select(User).order_by(User.id))]
        assert [u.username for u in users] == ["ada", "bob", "cyd"]
        assert [u.id for u in users] == [ids["ada"], ids["bob"], ids["cyd"]]
        members = [GroupMemberSelect.model_validate(m) for m in session.scalars(select(GroupMember))]
        assert {(m.user_id, m.role) for m in members} == {(ids["ada"], GroupRole.OWNER), (ids["bob"], GroupRole.MEMBER)}
        assert all(isinstance(m.joined_at, dt.datetime) for m in members)
        conversations = [LifeCeoConversationSelect.model_validate(c) for c in session.scalars(select(LifeCeoConversation))]
        assert {c.agent_type for c in conversations} == {AgentType.BUSINESS, AgentType.HEALTH}
        assert all(c.messages == [] for c in conversations)
        # A Select schema refuses a row that lacks its fields.
        with pytest.raises(ValidationError):
            UserSelect.model_validate(session.get(Memory, 1))


# --------------------------------------------------------------------------------------------
# 9. typed JSON (and arrays) are checked when written through the ORM
# --------------------------------------------------------------------------------------------


def test_invalid_typed_json_makes_the_flush_fail(db: Engine) -> None:
    with Session(db) as session:
        user = add_user(session, "typed@example.com")
        conversation = LifeCeoConversation(user_id=user.id, agent_type=AgentType.SOCIAL)
        post = Post(author_id=user.id, content="p")
        session.add_all([conversation, post])
        session.commit()
        user_id, conversation_id = user.id, conversation.id

    bad_rows: list[tuple[type[Base], dict[str, Any], set[tuple[Any, ...]]]] = [
        (LifeCeoConversation, {"agent_type": AgentType.HEALTH, "messages": [{"role": "robot", "content": 1}]}, {(0, "role"), (0, "content")}),
        (Group, {"name": "g", "settings": {"is_private": True, "max_members": 0}}, {("max_members",)}),
        (Post, {"content": "p", "reaction_counts": {"like": "lots"}}, {("like",)}),
        (UserSettings, {"enabled_agents": ["business", "robot"]}, {(1,)}),
        (
            HousingListing,
            {
                "title": "t",
                "monthly_rent": decimal.Decimal(1),
                "details": {
                    "address": {"street": "s", "city": "c", "postal_code": "!", "country": "DE"},
                    "amenities": [],
                    "room_sizes_m2": {},
                    "deposit": "1",
                },
            },
            {("address", "postal_code")},
        ),
    ]
    owner_column = {LifeCeoConversation: "user_id", Post: "author_id", UserSettings: "user_id", HousingListing: "host_id"}
    for model, fields, locs in bad_rows:
        with Session(db) as session:
            if model in owner_column:
                fields = {owner_column[model]: user_id, **fields}
            session.add(model(**fields))
            with pytest.raises(StatementError) as exc:
                session.flush()
            assert isinstance(exc.value.orig, ValidationError), (model, exc.value)
            assert {error["loc"] for error in exc.value.orig.errors()} == locs, model
            session.rollback()

    # Also on UPDATE of an existing row, and nothing is written.
    with Session(db) as session:
        conversation = session.get(LifeCeoConversation, conversation_id)
        conversation.messages = [{"role": "user"}]
        with pytest.raises(StatementError) as exc:
            session.commit()
        assert isinstance(exc.value.orig, ValidationError)
        session.rollback()
    with Session(db) as session:
        assert session.get(LifeCeoConversation, conversation_id).messages == []
        assert session.scalar(select(func.count()).select_from(LifeCeoConversation)) == 1
        assert session.scalar(select(func.count()).select_from(Group)) == 0
