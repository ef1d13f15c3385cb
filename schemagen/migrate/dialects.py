"""The models' metadata as one database sees it.

A spec for PostgreSQL may be tested on SQLite: the models then carry indexes and CHECKs made for
one database only (`ddl_if`, decided by the catalog: an expression index by a PostgreSQL method, a
regex CHECK, an array's item count spelled per database). `create_all` honours that, but a revision
does not: Alembic renders every constraint of a table into `op.create_table`. So autogenerate
compares against a copy holding only what this database gets (the twin database is made from the
models' own metadata, whose tables also carry their DDL listeners).
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from sqlalchemy import CheckConstraint, MetaData

if TYPE_CHECKING:
    from schemagen.catalog import Catalog


def metadata_for(metadata: MetaData, catalog: Catalog | None, dialect: str) -> MetaData:
    """`metadata` without the indexes and CHECKs the catalog makes on another database only."""
    if catalog is None:
        return metadata
    elsewhere = {(table.name, index.name) for table in catalog.tables for index in table.indexes
                 if index.postgresql_only and dialect != "postgresql"}
    # an array's item count is one name with one spelling per database: told apart by their SQL
    checks_elsewhere = {(table.name, check.name, check.sql) for table in catalog.tables for check in table.checks
                        if check.only_on not in (None, dialect)}
    if not elsewhere and not checks_elsewhere:
        return metadata
    copy = MetaData(naming_convention=metadata.naming_convention)
    for table in metadata.sorted_tables:
        table.to_metadata(copy)
    for table in copy.tables.values():
        for index in [i for i in table.indexes if (table.name, str(i.name)) in elsewhere]:
            table.indexes.discard(index)
        for check in [c for c in table.constraints
                      if isinstance(c, CheckConstraint)
                      and (table.name, str(c.name), str(c.sqltext)) in checks_elsewhere]:
            table.constraints.discard(check)
    return copy
