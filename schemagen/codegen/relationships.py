"""The `relationship(...)` of each relation in models.py: join conditions, cascades, back references."""

from __future__ import annotations

from schemagen.catalog import Catalog, ForeignKey, Relation, Table
from schemagen.codegen import ir
from schemagen.codegen.common import ORM, field_call
from schemagen.codegen.imports import Imports
from schemagen.codegen.literals import Code, literal


def relationship_field(catalog: Catalog, imports: Imports, table: Table, relation: Relation,
                       aliases: dict[str, str]) -> ir.Field:
    """`name: Mapped[...] = relationship(...)` for one relation of `table`.

    Inside the class body an attribute named like the target class (a column `Box` of `Part`) hides
    that class from type checkers: the annotation then names a module-level alias, added to `aliases`.
    """
    target = catalog.table(relation.target)
    own = {column.attr for column in table.columns} | {other.attr for other in table.relations}
    target_name = target.class_name
    if target_name in own:
        # `_Box_`, not `_Box`: imports give way to class names as `_<name>` (a class `JSON` makes
        # SQLAlchemy's `JSON` `_JSON`), and a class name never ends with `_`
        target_name = aliases.setdefault(target.class_name, f"_{target.class_name}_")
    mapped = imports.name(ORM, "Mapped")
    kwargs: dict[str, str | None] = {}
    partner = catalog.partner(relation)
    if partner is not None:
        kwargs["back_populates"] = literal(partner.attr)
    fk = relation.foreign_key
    if relation.kind in ("many-to-one", "one-to-one"):
        assert fk is not None
        optional = " | None" if any(table.column(key).nullable for key in fk.columns) else ""
        annotation = f"{mapped}[{literal(target_name + optional)}]"
    elif relation.kind == "one-to-one-inverse":
        annotation = f"{mapped}[{literal(target_name + ' | None')}]"
    else:
        annotation = f"{mapped}[list[{literal(target_name)}]]"
    if relation.kind == "many-to-many":
        assert relation.link is not None and relation.through is not None
        near, far = relation.link
        link = catalog.table(relation.through)
        near_column, far_column = link.column(near.columns[0]), link.column(far.columns[0])
        kwargs["secondary"] = literal(link.name)
        if relation.through_fields is not None or relation.table == relation.target:
            kwargs["primaryjoin"] = literal(f"{table.class_name}.{table.column(near.target_columns[0]).attr} == "
                                            f"{link.class_name}.{near_column.attr}")
            kwargs["secondaryjoin"] = literal(f"{target.class_name}.{target.column(far.target_columns[0]).attr} == "
                                              f"{link.class_name}.{far_column.attr}")
    else:
        assert fk is not None
        fk_table = catalog.table(fk.table)
        fk_columns = [fk_table.column(key) for key in fk.columns]
        paths = len(catalog.foreign_keys_between(fk.table, fk.target_table))
        if fk.table != fk.target_table:
            paths += len(catalog.foreign_keys_between(fk.target_table, fk.table))
        self_key = fk.table == fk.target_table
        written = _written(fk_table, fk)
        if len(fk_columns) > 1 and (paths > 1 or len(written) < len(fk_columns)):
            # Composite keys sharing a column (a tenant key) are told apart by the whole join only
            # (`foreign_keys=` would match each key holding a listed column), and the relation
            # writes only its own columns: clearing it must not blank a key or another key's column.
            kwargs["primaryjoin"] = _composite_join(catalog, relation, written)
        elif paths > 1 or (self_key and len(fk_columns) == 1):
            kwargs["foreign_keys"] = literal(f"[{', '.join(f'{fk_table.class_name}.{c.attr}' for c in fk_columns)}]")
        if self_key and relation.kind in ("many-to-one", "one-to-one") and "primaryjoin" not in kwargs:
            # a composite key to its own table (SQLAlchemy's composite adjacency list) names the whole remote key
            remote = [fk_table.column(key).attr for key in fk.target_columns]
            kwargs["remote_side"] = literal(f"[{', '.join(f'{fk_table.class_name}.{attr}' for attr in remote)}]")
        if relation.kind in ("one-to-many", "one-to-one-inverse"):
            if fk.on_delete == "cascade":
                required = not any(column.nullable for column in fk_columns)
                kwargs["cascade"] = literal("all, delete-orphan" if required else "all, delete")
                kwargs["passive_deletes"] = "True"
            elif fk.on_delete in ("set null", "set default", "restrict", "no action"):
                # The database applies the action; the ORM must not null the children first.
                kwargs["passive_deletes"] = literal("all")
    kwargs["lazy"] = literal(relation.lazy)
    if relation.overlaps:
        kwargs["overlaps"] = literal(",".join(relation.overlaps))
    # SQLAlchemy finds a target by its class name, not by the alias: name it, where the annotation cannot
    target_argument = (literal(target.class_name),) if target_name != target.class_name else ()
    return ir.Field(Code(relation.attr), Code(annotation),
                    field_call(imports.name(ORM, "relationship"), *target_argument, **kwargs))


def _written(table: Table, fk: ForeignKey) -> set[str]:
    """The columns of a composite key its relations write: not one of the table's primary key, nor one
    another foreign key holds too (SQLAlchemy's overlapping foreign keys); all when that leaves none."""
    shared = {key for other in table.foreign_keys if other != fk for key in other.columns}
    own = {key for key in fk.columns if key not in shared and not table.column(key).primary_key}
    return own or set(fk.columns)


def _composite_join(catalog: Catalog, relation: Relation, written: set[str]) -> str:
    """`and_(foreign(Child.a) == Parent.x, Child.tenant == Parent.tenant)` over every column pair of a
    composite foreign key, `foreign()` on the columns the relation writes; on a table's key to itself
    the side the relation reaches is `remote(...)`."""
    fk = relation.foreign_key
    assert fk is not None
    own, target = catalog.table(fk.table), catalog.table(fk.target_table)
    pairs = []
    for key, target_key in zip(fk.columns, fk.target_columns):
        child = f"{own.class_name}.{own.column(key).attr}"
        child = f"foreign({child})" if key in written else child
        parent = f"{target.class_name}.{target.column(target_key).attr}"
        if fk.table == fk.target_table:
            if relation.kind in ("many-to-one", "one-to-one"):
                parent = f"remote({parent})"
            else:
                child = f"remote({child})"
        pairs.append(f"{child} == {parent}")
    return literal(f"and_({', '.join(pairs)})")
