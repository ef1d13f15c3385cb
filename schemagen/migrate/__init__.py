"""Schema evolution, a consumer of the pipeline: DDL (`schemagen sql`) and Alembic migrations
(`schemagen migrate/upgrade/downgrade/push`), all from the generated package's `Base.metadata`.

No SQL is written here by hand: DDL is SQLAlchemy's compiler, differences are Alembic's
autogenerate (with the comparisons it lacks added through its own hooks), and the database is read
back with `inspect()`.
"""

from schemagen.migrate import batch as _batch  # noqa: F401 - registers SQLite rebuilds that skip generated columns
