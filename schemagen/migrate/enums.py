"""PostgreSQL enum types, which Alembic's autogenerate does not follow (alembic#278).

Column types render with `create_type=False` (see `compare.render_type`); the types themselves are
created before the tables that use them, dropped after the last table using them is gone, and a new
value is added with `ALTER TYPE ... ADD VALUE` in an autocommit block (PostgreSQL runs it outside a
transaction, and it rewrites no table). PostgreSQL cannot drop a value: removing one is refused as
destructive (`safety.py`), and downgrading an added value leaves it in the type.
"""

from __future__ import annotations

from typing import Any

from alembic.autogenerate import renderers
from alembic.autogenerate.api import AutogenContext
from alembic.operations import ops
from alembic.util import DispatchPriority, PriorityDispatchResult
from sqlalchemy.dialects import postgresql
from sqlalchemy.engine import Dialect
from sqlalchemy.sql import sqltypes


class CreateEnumOp(ops.MigrateOperation):
    def __init__(self, name: str, values: list[str]) -> None:
        self.name, self.values = name, values

    def reverse(self) -> DropEnumOp:
        return DropEnumOp(self.name, self.values)

    def to_diff_tuple(self) -> tuple[Any, ...]:
        return ("add_enum", self.name, tuple(self.values))


class DropEnumOp(ops.MigrateOperation):
    def __init__(self, name: str, values: list[str]) -> None:
        self.name, self.values = name, values

    def reverse(self) -> CreateEnumOp:
        return CreateEnumOp(self.name, self.values)

    def to_diff_tuple(self) -> tuple[Any, ...]:
        return ("remove_enum", self.name, tuple(self.values))


class AddEnumValuesOp(ops.MigrateOperation):
    def __init__(self, name: str, values: list[str], *, undo: bool = False) -> None:
        self.name, self.values, self.undo = name, values, undo

    def reverse(self) -> AddEnumValuesOp:
        return AddEnumValuesOp(self.name, self.values, undo=not self.undo)

    def to_diff_tuple(self) -> tuple[Any, ...]:
        return ("add_enum_values" if not self.undo else "keep_enum_values", self.name, tuple(self.values))


class RemoveEnumValuesOp(ops.MigrateOperation):
    """Values gone from an enum: always refused by `safety.review` (PostgreSQL keeps values)."""

    def __init__(self, name: str, values: list[str]) -> None:
        self.name, self.values = name, values

    def reverse(self) -> AddEnumValuesOp:
        return AddEnumValuesOp(self.name, self.values)

    def to_diff_tuple(self) -> tuple[Any, ...]:
        return ("remove_enum_values", self.name, tuple(self.values))


def _values(values: list[str]) -> str:
    return ", ".join(repr(v) for v in values)


@renderers.dispatch_for(CreateEnumOp)
def _render_create(context: AutogenContext, op: CreateEnumOp) -> str:
    context.imports.add("from sqlalchemy.dialects import postgresql")
    return f"postgresql.ENUM({_values(op.values)}, name={op.name!r}).create(op.get_bind())"


@renderers.dispatch_for(DropEnumOp)
def _render_drop(context: AutogenContext, op: DropEnumOp) -> str:
    context.imports.add("from sqlalchemy.dialects import postgresql")
    return f"postgresql.ENUM(name={op.name!r}).drop(op.get_bind())"


@renderers.dispatch_for(AddEnumValuesOp)
def _render_add_values(context: AutogenContext, op: AddEnumValuesOp) -> str:
    if op.undo:
        return f"pass  # PostgreSQL cannot drop enum values: {_values(op.values)} stay in {op.name}"
    dialect: Dialect = postgresql.dialect()  # type: ignore[no-untyped-call]
    quote = sqltypes.String().literal_processor(dialect)  # type: ignore[no-untyped-call]
    assert quote is not None
    name = dialect.identifier_preparer.quote(op.name)
    lines = ["with op.get_context().autocommit_block():"]
    lines += [f"    op.execute({f'ALTER TYPE {name} ADD VALUE IF NOT EXISTS {quote(value)}'!r})" for value in op.values]
    return "\n".join(lines)


@renderers.dispatch_for(RemoveEnumValuesOp)
def _render_remove_values(_context: AutogenContext, op: RemoveEnumValuesOp) -> str:
    raise AssertionError(f"removing values of {op.name} is refused before rendering")


def compare_enums(context: AutogenContext, upgrade_ops: ops.UpgradeOps, _schemas: Any) -> PriorityDispatchResult:
    """Enum types and values of the twin (the spec) against the migrated database."""
    twin = context.opts.get("schemagen_twin")
    if twin is None or context.dialect is None or context.dialect.name != "postgresql":
        return PriorityDispatchResult.CONTINUE
    have = {e["name"]: list(e["labels"]) for e in context.inspector.get_enums()}  # type: ignore[attr-defined]
    want: dict[str, list[str]] = twin.enums
    first: list[ops.MigrateOperation] = []
    last: list[ops.MigrateOperation] = []
    for name, values in sorted(want.items()):
        if name not in have:
            first.append(CreateEnumOp(name, values))
            continue
        added = [v for v in values if v not in have[name]]
        removed = [v for v in have[name] if v not in values]
        if removed:
            first.append(RemoveEnumValuesOp(name, removed))
        if added:
            first.append(AddEnumValuesOp(name, added))
    last += [DropEnumOp(name, values) for name, values in sorted(have.items()) if name not in want]
    upgrade_ops.ops[:0] = first
    upgrade_ops.ops.extend(last)
    return PriorityDispatchResult.CONTINUE


def setup_comparators(plugin: Any) -> None:
    plugin.add_autogenerate_comparator(compare_enums, "schema", priority=DispatchPriority.LAST)
