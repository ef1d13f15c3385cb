"""The `relationship(...)` of each relation in models.py: join conditions, cascades, back references."""

from __future__ import annotations

from schemagen.catalog import Catalog, Relation, Table
from schemagen.codegen import ir
from schemagen.codegen.common import ORM, call
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
        optional = " | None" if table.column(fk.columns[0]).nullable else ""
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
        fk_column = fk_table.column(fk.columns[0])
        paths = len(catalog.foreign_keys_between(fk.table, fk.target_table))
        if fk.table != fk.target_table:
            paths += len(catalog.foreign_keys_between(fk.target_table, fk.table))
        if paths > 1 or fk.table == fk.target_table:
            kwargs["foreign_keys"] = literal(f"[{fk_table.class_name}.{fk_column.attr}]")
        if fk.table == fk.target_table and relation.kind in ("many-to-one", "one-to-one"):
            remote = catalog.table(fk.target_table).column(fk.target_columns[0])
            kwargs["remote_side"] = literal(f"[{fk_table.class_name}.{remote.attr}]")
        if relation.kind in ("one-to-many", "one-to-one-inverse"):
            if fk.on_delete == "cascade":
                kwargs["cascade"] = literal("all, delete-orphan" if not fk_column.nullable else "all, delete")
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
                    call(imports.name(ORM, "relationship"), *target_argument, **kwargs))
