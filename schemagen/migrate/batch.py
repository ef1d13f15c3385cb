"""SQLite table rebuilds (Alembic's batch mode) of tables with generated columns.

Alembic rebuilds a SQLite table by creating the new table and copying every column with
`INSERT INTO _alembic_tmp_<table> (...) SELECT ... FROM <table>`; a generated column is part of
that copy, and SQLite refuses it ("cannot INSERT into generated column"): no migration that rebuilds
such a table could run. The new table computes the column itself, so it is left out of the copy.

Alembic picks its implementation of a dialect by the dialect's name; this one, registered for
SQLite when schemagen's migrations are imported, is Alembic's own with that one change, made in the
hook Alembic calls between creating the new table and copying into it (`prep_table_for_batch`).
"""

from __future__ import annotations

from typing import Any

from alembic.ddl.sqlite import SQLiteImpl
from sqlalchemy import Table


class SchemagenSQLiteImpl(SQLiteImpl):
    """Alembic's SQLite implementation, with generated columns left out of a rebuild's copy."""

    __dialect__ = "sqlite"

    def autogen_column_reflect(self, inspector: Any, table: Table, column_info: dict[str, Any]) -> None:
        super().autogen_column_reflect(inspector, table, column_info)
        from schemagen.migrate.generated import repair_sqlite_reflection

        repair_sqlite_reflection(inspector, table, column_info)

    def prep_table_for_batch(self, batch_impl: Any, table: Table) -> None:
        super().prep_table_for_batch(batch_impl, table)
        # (transfers and the new table's columns go by the old name: a renamed column keeps its key)
        for key, transfer in batch_impl.column_transfers.items():
            column = batch_impl.new_table.c.get(key)
            if column is not None and column.computed is not None:
                transfer.pop("expr", None)
