"""Alembic environment of the `life_ceo` package, created by schemagen (`schemagen migrate`)."""

import os

from alembic import context
from sqlalchemy import create_engine, pool

VERSION_TABLE = "alembic_version_life_ceo"
DIALECT = "postgresql"  # the database these revisions were written for

config = context.config
# schemagen passes the connection and its autogenerate options; plain `alembic` uses the URL
options = config.attributes.get("schemagen_options", {})


def run(connection):
    settings = {
        "version_table": VERSION_TABLE,
        "render_as_batch": connection.dialect.name == "sqlite",
        "transaction_per_migration": connection.dialect.name != "sqlite",
        **options,
    }
    context.configure(connection=connection, **settings)
    with context.begin_transaction():
        context.run_migrations()


if context.is_offline_mode():
    context.configure(
        url=config.get_main_option("sqlalchemy.url") or os.environ["SCHEMAGEN_DATABASE_URL"],
        version_table=VERSION_TABLE,
        literal_binds=True,
    )
    with context.begin_transaction():
        context.run_migrations()
elif "connection" in config.attributes:
    run(config.attributes["connection"])
else:
    url = config.get_main_option("sqlalchemy.url") or os.environ["SCHEMAGEN_DATABASE_URL"]
    with create_engine(url, poolclass=pool.NullPool).connect() as connection:
        run(connection)
        connection.commit()
