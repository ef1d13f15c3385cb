"""Composite foreign keys (`foreign_keys:` on a table) and the relations over them, on SQLite and PostgreSQL.

The golden case `composite` is a multi-tenant schema: keys of two columns with actions and names, a
tenant column shared by several keys, two composite keys to one table, a key to a unique pair that is
not the primary key, and a composite key of a table to itself. Each test uses the generated package
as an application would: inserts through relations, loads through `eager(...)`, and lets the
database apply the actions.
"""

from __future__ import annotations

import importlib
import sys
from pathlib import Path
from types import ModuleType

import pytest
import sqlalchemy
from sqlalchemy import select
from sqlalchemy.engine import Engine
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session, configure_mappers

import schemagen
from tests.helpers import GOLDEN, import_generated


@pytest.fixture(scope="module")
def pkg() -> ModuleType:
    folder = str(GOLDEN / "composite" / "expected")
    if folder not in sys.path:
        sys.path.insert(0, folder)
    package = importlib.import_module("golden_composite")
    configure_mappers()  # SAWarning is an error here: overlapping keys must be declared as SQLAlchemy asks
    return package


def _seed(pkg: ModuleType, session: Session) -> None:
    tenant = pkg.Tenant(id=1, name="acme")
    other = pkg.Tenant(id=2, name="other")
    order = pkg.Order(id=10, number="A-10", tenant=tenant)
    order.items = [pkg.OrderItem(line=1, product="bolt"), pkg.OrderItem(line=2, product="nut")]
    second = pkg.Order(id=11, number="A-11", tenant=tenant)
    foreign = pkg.Order(id=10, number="B-10", tenant=other)  # the same id in another tenant
    foreign.items = [pkg.OrderItem(line=1, product="washer")]
    session.add_all([tenant, other, order, second, foreign])
    session.flush()
    session.add(pkg.Invoice(order=order))
    root = pkg.TransferGroup(id=1, tenant_id=1)
    child = pkg.TransferGroup(id=2, tenant_id=1, parent=root)
    session.add_all([root, child])
    # the tenant column three keys share is written by none of their relations: the application sets it
    session.add(pkg.Transfer(tenant_id=1, source=order, destination=second, group=child))
    session.commit()


def test_relations_write_and_load_by_every_column(pkg: ModuleType, engine: Engine) -> None:
    pkg.Base.metadata.create_all(engine)
    with Session(engine) as session:
        _seed(pkg, session)
    with Session(engine) as session:
        rows = session.execute(
            select(pkg.OrderItem.tenant_id, pkg.OrderItem.order_id, pkg.OrderItem.line)
            .order_by(pkg.OrderItem.tenant_id, pkg.OrderItem.line)).all()
        assert [tuple(row) for row in rows] == [(1, 10, 1), (1, 10, 2), (2, 10, 1)]
        orders = session.scalars(select(pkg.Order).order_by(pkg.Order.tenant_id, pkg.Order.id)
                                 .options(*pkg.eager(pkg.Order, {"items": True, "invoice": True}))).all()
        # order 10 of tenant 1 has its two items only, not the item of tenant 2's order 10
        assert [(o.tenant_id, o.id, sorted(i.product for i in o.items)) for o in orders] == [
            (1, 10, ["bolt", "nut"]), (1, 11, []), (2, 10, ["washer"])]
        assert orders[0].invoice is not None and orders[0].invoice.order_number == "A-10"
        assert orders[2].invoice is None
        item = session.scalars(select(pkg.OrderItem).where(pkg.OrderItem.tenant_id == 2)
                               .options(*pkg.eager(pkg.OrderItem, {"order": True}))).one()
        assert (item.order.tenant_id, item.order.number) == (2, "B-10")
        transfer = session.scalars(select(pkg.Transfer).options(*pkg.eager(
            pkg.Transfer, {"source": True, "destination": True, "group": {"with": {"parent": True}}}))).one()
        assert (transfer.source.number, transfer.destination.number) == ("A-10", "A-11")
        assert transfer.group.id == 2 and transfer.group.parent is not None and transfer.group.parent.id == 1
        root = session.scalars(select(pkg.TransferGroup).where(pkg.TransferGroup.id == 1)
                               .options(*pkg.eager(pkg.TransferGroup, {"children": True}))).one()
        assert [c.id for c in root.children] == [2]
        read = pkg.OrderSelect.model_validate(orders[0])
        assert (read.tenant_id, read.id, read.number) == (1, 10, "A-10")


def test_database_enforces_and_applies_the_actions(pkg: ModuleType, engine: Engine) -> None:
    pkg.Base.metadata.create_all(engine)
    with Session(engine) as session:
        _seed(pkg, session)
    with engine.connect() as connection, pytest.raises(IntegrityError):
        # tenant 2 has no order 11: the pair is checked, not each column alone
        connection.execute(sqlalchemy.text(
            "INSERT INTO order_items (tenant_id, order_id, line, product) VALUES (2, 11, 1, 'x')"))
    with engine.begin() as connection:  # on_update: cascade moves the items with their order
        connection.execute(sqlalchemy.text("UPDATE orders SET id = 12 WHERE tenant_id = 2 AND id = 10"))
        moved = connection.execute(sqlalchemy.text(
            "SELECT order_id FROM order_items WHERE tenant_id = 2")).scalars().all()
        assert moved == [12]
    with engine.connect() as connection, pytest.raises(IntegrityError):
        # on_delete: restrict on the invoice's key to (tenant_id, number)
        connection.execute(sqlalchemy.text("DELETE FROM orders WHERE tenant_id = 1 AND id = 10"))
    with Session(engine) as session:  # the ORM leaves the cascade to the database (passive_deletes)
        session.execute(sqlalchemy.delete(pkg.Invoice))
        session.execute(sqlalchemy.delete(pkg.Transfer))
        order = session.get(pkg.Order, (1, 10))
        assert order is not None
        session.delete(order)
        session.commit()
        left = session.execute(select(pkg.OrderItem.tenant_id, pkg.OrderItem.order_id)).all()
        assert [tuple(row) for row in left] == [(2, 12)]
        session.execute(sqlalchemy.delete(pkg.TransferGroup).where(pkg.TransferGroup.id == 1))
        session.commit()  # the self key cascades to the child group
        assert session.scalars(select(pkg.TransferGroup.id)).all() == []


def test_constraints_as_declared(pkg: ModuleType, engine: Engine) -> None:
    pkg.Base.metadata.create_all(engine)
    inspector = sqlalchemy.inspect(engine)
    found = {(tuple(fk["constrained_columns"]), fk["referred_table"], tuple(fk["referred_columns"])): fk
             for fk in inspector.get_foreign_keys("order_items")}
    key = (("tenant_id", "order_id"), "orders", ("tenant_id", "id"))
    assert set(found) == {key}
    assert found[key]["name"] == "order_items_order_fkey"
    assert found[key]["options"].get("ondelete", "").upper() == "CASCADE"
    assert found[key]["options"].get("onupdate", "").upper() == "CASCADE"
    transfers = {fk["name"] for fk in inspector.get_foreign_keys("transfers")}
    expected = {"fk_transfers_tenant_id_from_order_orders", "fk_transfers_tenant_id_to_order_orders",
                "fk_transfers_parent_id_tenant_id_transfer_groups"}
    assert transfers == expected


CYCLE = """
package: composite_cycle
tables:
  accounts:
    primary_key: [tenant_id, id]
    columns:
      tenant_id: integer
      id: integer
      main_project: integer
    foreign_keys:
      - {columns: [tenant_id, main_project], references: {table: projects, columns: [tenant_id, id]}}
    relations:
      main: {one: projects, fields: [tenant_id, main_project]}
      projects: {many: projects, references: [tenant_id, account_id]}
  projects:
    primary_key: [tenant_id, id]
    columns:
      tenant_id: integer
      id: integer
      account_id: {type: integer, nullable: false}
    foreign_keys:
      - {columns: [tenant_id, account_id], references: {table: accounts, columns: [tenant_id, id]}, on_delete: cascade}
    relations:
      account: {one: accounts, fields: [tenant_id, account_id]}
"""


def test_a_cycle_of_composite_keys_is_broken_by_use_alter(tmp_path: Path, engine: Engine) -> None:
    # the nullable key (a main project) is the one created after the tables, as for one-column keys
    catalog = schemagen.resolve(schemagen.parse_spec(CYCLE, "composite_cycle.yaml"))
    keys = {fk.columns: fk.use_alter for table in catalog.tables for fk in table.foreign_keys}
    assert keys == {("tenant_id", "main_project"): True, ("tenant_id", "account_id"): False}
    pkg = import_generated(tmp_path, catalog)
    configure_mappers()
    pkg.Base.metadata.create_all(engine)
    with Session(engine) as session:
        account = pkg.Account(tenant_id=1, id=1)
        project = pkg.Project(tenant_id=1, id=7, account=account)  # a key column: the relation leaves it alone
        session.add_all([account, project])
        session.flush()
        account.main = project  # writes main_project only: tenant_id is part of the key
        session.commit()
    with Session(engine) as session:
        row = session.scalars(select(pkg.Account).options(*pkg.eager(pkg.Account, {"main": True, "projects": True}))).one()
        assert row.main is not None and (row.main.tenant_id, row.main.id) == (1, 7)
        assert [p.id for p in row.projects] == [7]
        row.main = None
        session.flush()
        session.delete(row)  # its projects go with it (on_delete: cascade)
        session.commit()
        assert session.scalars(select(pkg.Project)).all() == []
    pkg.Base.metadata.drop_all(engine)  # SAWarning is an error: no unresolvable cycle here
    assert not sqlalchemy.inspect(engine).get_table_names()
