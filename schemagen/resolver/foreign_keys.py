"""Foreign keys: each column's `references:` and each item of a table's `foreign_keys:` (composite keys),
checked against what they point at, and the cycles between tables broken."""

from __future__ import annotations

from typing import Any

from schemagen.catalog.kinds import KINDS
from schemagen.errors import SpecPath, did_you_mean, one_of
from schemagen.resolver.context import Context, ForeignKey, ResolvedColumn, ResolvedTable, kind_of
from schemagen.spec.model import TableForeignKey


def foreign_keys(ctx: Context) -> None:
    for table in ctx.tables.values():
        for column in table.columns.values():
            if column.spec.references is not None:
                _column_reference(ctx, table, column, column.spec.references)
        for index, spec in enumerate(table.spec.foreign_keys):
            _table_foreign_key(ctx, table, spec, (*table.path, "foreign_keys", index))
    _break_cycles(ctx)


def _column_reference(ctx: Context, table: ResolvedTable, column: ResolvedColumn, reference: str) -> None:
    rpath = (*column.path, "references")
    target_name, dot, target_key = reference.rpartition(".")
    if not dot or not target_name:
        ctx.fail(rpath, f"`references: {reference}` must name `table.column`", "e.g. `references: users.id`")
        return
    target = ctx.tables.get(target_name)
    if target is None:
        ctx.fail(rpath, f"`references` names the unknown table `{target_name}`{did_you_mean(target_name, ctx.tables)}")
        return
    target_column = _column_named(target, target_key)
    if target_column is None:
        ctx.fail(rpath, f"table `{target_name}` has no column `{target_key}`{did_you_mean(target_key, target.columns)}")
        return
    if not _same_type(ctx, rpath, column, target_column):
        return
    if not _unique_set(target, {target_column.key}):  # (a named unique constraint of it counts: pulled ones are)
        ctx.fail(rpath, f"`{target_name}.{target_column.key}` is neither the primary key nor unique, "
                 "so it cannot be referenced", f"add `unique: true` to `{target_name}.{target_column.key}`")
        return
    if column.spec.on_delete == "set default" and not column.default_kind:
        ctx.fail((*column.path, "on_delete"), "`on_delete: set default` on a column without a default",
                 f"give `{column.key}` a `default:` that exists in `{target_name}.{target_column.key}`, "
                 "or choose another action")
    on_update = column.spec.on_update if column.spec.on_update != "now" else None
    table.fks.append(ForeignKey(table.name, [column], target_name, [target_column], column.spec.on_delete, on_update,
                                column.spec.foreign_key_name))


def _table_foreign_key(ctx: Context, table: ResolvedTable, spec: TableForeignKey, path: SpecPath) -> None:
    """An item of `foreign_keys:`: as many columns here as there, paired in order, of the same types,
    referencing the whole primary key or a unique constraint of the target."""
    own = _columns(ctx, table, spec.columns, (*path, "columns"))
    target = ctx.tables.get(spec.references.table)
    if target is None:
        ctx.fail((*path, "references", "table"), f"`references` names the unknown table `{spec.references.table}`"
                 f"{did_you_mean(spec.references.table, ctx.tables)}")
        return
    referenced = _columns(ctx, target, spec.references.columns, (*path, "references", "columns"))
    if own is None or referenced is None:
        return
    if len(own) != len(referenced):
        ctx.fail((*path, "references", "columns"), f"the foreign key has {len(own)} column(s) "
                 f"({', '.join(c.key for c in own)}) but references {len(referenced)} "
                 f"({', '.join(c.key for c in referenced)})", "list one referenced column for each column, in "
                 "the same order")
        return
    for index, (column, target_column) in enumerate(zip(own, referenced)):
        if not _same_type(ctx, (*path, "columns", index), column, target_column):
            return
    keys = {column.key for column in referenced}
    if not _unique_set(target, keys):
        pk = [c.key for c in target.columns.values() if c.primary_key]
        ctx.fail((*path, "references", "columns"), f"`{target.name}` columns {', '.join(c.key for c in referenced)} are neither "
                 "its primary key nor a unique constraint, so they cannot be referenced together",
                 f"reference its primary key ({', '.join(pk)}), or add `unique: [[{', '.join(c.key for c in referenced)}]]`"
                 f" to `{target.name}`" if pk else f"add `unique: [[{', '.join(c.key for c in referenced)}]]` to "
                 f"`{target.name}`")
        return
    if spec.on_delete == "set default" or spec.on_update == "set default":
        missing = [column.key for column in own if not column.default_kind]
        if missing:
            ctx.fail((*path, "on_delete" if spec.on_delete == "set default" else "on_update"),
                     f"`set default` on a foreign key whose column(s) {', '.join(missing)} have no default",
                     "give each column a `default:`, or choose another action")
    if spec.on_delete == "set null" or spec.on_update == "set null":
        required = [column.key for column in own if not column.nullable]
        if required:
            ctx.fail((*path, "on_delete" if spec.on_delete == "set null" else "on_update"),
                     f"`set null` on a foreign key whose column(s) {', '.join(required)} are not nullable",
                     "make them nullable, or choose another action")
    for other in table.fks:
        if [c.key for c in other.columns] == [c.key for c in own] and other.target_table == target.name:
            ctx.fail(path, f"columns {', '.join(c.key for c in own)} already reference `{target.name}`",
                     "keep one of the two foreign keys")
            return
    table.fks.append(ForeignKey(table.name, own, target.name, referenced, spec.on_delete, spec.on_update, spec.name))


def _columns(ctx: Context, table: ResolvedTable, keys: list[str], path: SpecPath) -> list[ResolvedColumn] | None:
    found: list[ResolvedColumn] = []
    for index, key in enumerate(keys):
        column = _column_named(table, key)
        if column is None:
            ctx.fail((*path, index), f"`{key}` is not a column of `{table.name}`{did_you_mean(key, table.columns)}",
                     f"columns of `{table.name}`: {one_of(table.columns)}")
            return None
        if column in found:
            ctx.fail((*path, index), f"the foreign key lists the column `{key}` twice")
            return None
        found.append(column)
    return found


def _column_named(table: ResolvedTable, key: str) -> ResolvedColumn | None:
    return table.columns.get(key) or next((c for c in table.columns.values() if c.sql_name == key), None)


def _unique_set(table: ResolvedTable, keys: set[str]) -> bool:
    """The columns `keys` are together the primary key, or unique by a constraint or a full unique index."""
    if keys == {c.key for c in table.columns.values() if c.primary_key}:
        return True
    if len(keys) == 1 and table.columns[next(iter(keys))].spec.unique:
        return True
    return any(set(u.columns) == keys for u in table.spec.unique) or any(
        i.unique and i.where is None and i.using in (None, "btree") and len(i.columns) == len(keys)
        and {part for part in i.columns if isinstance(part, str)} == keys for i in table.spec.indexes)


def _same_type(ctx: Context, path: SpecPath, column: ResolvedColumn, target: ResolvedColumn) -> bool:
    if _storage_type(column) == _storage_type(target):
        return True
    ctx.fail(path, f"`{column.table}.{column.key}` is `{_type_words(column)}` but references "
             f"`{target.table}.{target.key}` of type `{_type_words(target)}`",
             f"make `{column.key}` `{_type_words(target, plain=True)}`")
    return False


def _break_cycles(ctx: Context) -> None:
    """Foreign keys that close a cycle between tables (a user's current post, a post's author) get
    `use_alter`: created by ALTER TABLE once all tables exist, dropped before them. Deterministic:
    foreign keys are taken NOT NULL ones first (a nullable one can be filled in later), then in spec
    order; each one whose target already reaches its table through those taken closes a cycle.
    A table's references to itself need no ALTER."""
    fks = [fk for table in ctx.tables.values() for fk in table.fks if fk.target_table != fk.table]
    fks.sort(key=lambda fk: fk.nullable)  # stable: spec order within each group
    edges: dict[str, set[str]] = {}
    for fk in fks:
        if _reaches(edges, fk.target_table, fk.table):
            fk.use_alter = True
        else:
            edges.setdefault(fk.table, set()).add(fk.target_table)


def _reaches(edges: dict[str, set[str]], start: str, goal: str) -> bool:
    seen, stack = {start}, [start]
    while stack:
        node = stack.pop()
        if node == goal:
            return True
        for nxt in edges.get(node, ()):
            if nxt not in seen:
                seen.add(nxt)
                stack.append(nxt)
    return False


def _storage_type(column: ResolvedColumn) -> tuple[Any, ...]:
    kind = KINDS[kind_of(column.spec)].storage
    sql = column.spec.type.sql if not isinstance(column.spec.type, str) else None
    return (kind, column.spec.array, column.enum, column.spec.length if kind == "char" else None, sql)


def _type_words(column: ResolvedColumn, *, plain: bool = False) -> str:
    if not isinstance(column.spec.type, str):
        return column.spec.type.sql
    kind = column.spec.type if not plain else KINDS[column.spec.type].storage
    return kind + ("[]" if column.spec.array else "")
