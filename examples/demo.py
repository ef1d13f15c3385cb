"""The demo: use the generated `life_ceo` package on SQLite, the way an application would.

Run with `make demo` (which first runs `schemagen build`).
"""

from __future__ import annotations

import sys
from pathlib import Path

from sqlalchemy import create_engine, event, select
from sqlalchemy.orm import Session

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from generated.life_ceo import (  # noqa: E402
    Base,
    Group,
    GroupInsert,
    GroupSelect,
    LifeCeoConversation,
    LifeCeoConversationInsert,
    LifeCeoConversationSelect,
    Memory,
    MemoryInsert,
    User,
    UserInsert,
    UserSelect,
    eager,
)
from pydantic import ValidationError  # noqa: E402


def main() -> None:
    engine = create_engine("sqlite:///demo.db")
    event.listen(engine, "connect", lambda connection, _: connection.execute("PRAGMA foreign_keys=ON"))
    Base.metadata.drop_all(engine)
    Base.metadata.create_all(engine)
    print(f"created {len(Base.metadata.tables)} tables in demo.db")

    with Session(engine) as session:
        payload = {"email": "ada@example.com", "username": "ada", "password_hash": "x" * 60, "first_name": "Ada"}
        user = User(**UserInsert.model_validate(payload).model_dump())
        session.add(user)
        session.flush()
        chat = LifeCeoConversationInsert.model_validate({
            "user_id": user.id,
            "agent_type": "finance",
            "title": "Budget for 2027",
            "messages": [{"role": "user", "content": "How much can I save?"}],
        })
        session.add(LifeCeoConversation(**chat.model_dump()))
        group = GroupInsert.model_validate({
            "name": "New York Expats",
            "owner_id": user.id,
            "tags": ["travel", "networking", "expat"],
            "member_ids": [user.id],
            "settings": {"is_private": False, "max_members": 500},
        })
        session.add(Group(**group.model_dump()))
        memory = Memory(**MemoryInsert.model_validate({"user_id": user.id, "content": "Moved to NYC"}).model_dump())
        session.add(memory)
        session.commit()
        memory.soft_delete()
        session.commit()

    with Session(engine) as session:
        query = select(User).options(*eager(User, {"conversations": True, "owned_groups": True}))
        user = session.scalars(query).one()
        print("user:", UserSelect.model_validate(user).model_dump_json())  # `password_hash` is secret: not in it
        for conversation in user.conversations:
            print("conversation:", LifeCeoConversationSelect.model_validate(conversation).model_dump_json())
        for group_row in user.owned_groups:
            print("group:", GroupSelect.model_validate(group_row).model_dump_json())
        live = session.scalars(Memory.live()).all()
        print(f"memories: {len(session.scalars(select(Memory)).all())} stored, {len(live)} live (one soft-deleted)")

    try:
        UserInsert.model_validate({"email": "not-an-email", "username": "al", "password_hash": "short"})
    except ValidationError as error:
        print("rejected insert, with the spec's own messages:")
        for problem in error.errors():
            print(f"  {'.'.join(map(str, problem['loc']))}: {problem['msg']}")


if __name__ == "__main__":
    main()
