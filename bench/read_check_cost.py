"""What the typed-JSON read check costs a valid row: loading rows with and without its listener.

`python bench/read_check_cost.py [ROWS]` (default 5000) loads ROWS `Memory` rows of generated/life_ceo
(one typed JSON column) from SQLite in memory, alternating with the `load` listener that names the
row of a value of the wrong JSON type (`_reads_checked` in models.py) and without it, and prints the
minimum process time of each over ROUNDS runs.
"""

from __future__ import annotations

import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from sqlalchemy import create_engine, event, insert, select  # noqa: E402
from sqlalchemy.orm import Session  # noqa: E402

from generated.life_ceo import Base, Memory, User  # noqa: E402

ROUNDS = 20


def main() -> None:
    rows = int(sys.argv[1]) if len(sys.argv) > 1 else 5000
    engine = create_engine("sqlite://")
    Base.metadata.create_all(engine)
    with Session(engine) as session:
        session.add(User(email="a@example.com", password_hash="x" * 20))
        session.commit()
        context = {"mood": 5, "people": [], "extra": {}}
        session.execute(insert(Memory), [{"user_id": 1, "content": "c", "context": context}] * rows)
        session.commit()

    def load() -> float:
        with Session(engine) as session:
            start = time.process_time()
            session.scalars(select(Memory)).all()
            return time.process_time() - start

    listeners = list(Memory.__mapper__.class_manager.dispatch.load)
    checked, unchecked = [], []
    for _ in range(ROUNDS):
        checked.append(load())
        for listener in listeners:
            event.remove(Memory, "load", listener)
        unchecked.append(load())
        for listener in listeners:
            event.listen(Memory, "load", listener, raw=True)
    on, off = min(checked), min(unchecked)
    print(f"{rows} Memory rows, min of {ROUNDS}: checked {on * 1e3:.1f} ms, unchecked {off * 1e3:.1f} ms, "
          f"{on / off:.3f}x, {(on - off) / rows * 1e6:.2f} us a row")


if __name__ == "__main__":
    main()
