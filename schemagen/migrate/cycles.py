"""Foreign keys of a cycle in new tables, which Alembic's autogenerate leaves inside `create_table`.

SQLAlchemy's CREATE TABLE leaves out a `use_alter=True` foreign key where the database can ALTER
(`metadata.create_all` adds it afterwards), so a revision creating both tables of a cycle would
create them without that key, and the next comparison would ask for it. Here such keys (and any key
to a table the revision creates later) leave their `create_table` and are added once every table of
the revision exists; the downgrade drops them before it drops the tables. SQLite keeps them in
CREATE TABLE: it cannot add a foreign key afterwards and does not need the parent table first.
"""

from __future__ import annotations

from alembic.operations import ops
from sqlalchemy import ForeignKeyConstraint
from sqlalchemy.engine import Dialect


def defer_cycle_keys(upgrade: ops.UpgradeOps, downgrade: ops.DowngradeOps, dialect: Dialect) -> None:
    if not dialect.supports_alter:
        return
    positions = [i for i, op in enumerate(upgrade.ops) if isinstance(op, ops.CreateTableOp)]
    created = [op for op in upgrade.ops if isinstance(op, ops.CreateTableOp)]
    order = {op.table_name: i for i, op in enumerate(created)}
    deferred: list[ForeignKeyConstraint] = []
    for i, op in enumerate(created):
        kept = []
        for item in op.columns:
            if isinstance(item, ForeignKeyConstraint) and (
                    item.use_alter or order.get(item.referred_table.name, -1) > i):
                deferred.append(item)
            else:
                kept.append(item)
        op.columns = kept
    if not deferred:
        return
    after = positions[-1] + 1
    upgrade.ops[after:after] = [ops.CreateForeignKeyOp.from_constraint(fk) for fk in deferred]
    downgrade.ops[:0] = [ops.DropConstraintOp.from_constraint(fk) for fk in deferred]
