"""The typed load specs of relations.py: per model a `TypedDict` of its relations (`UserLoad`) and of
the options a relation to it takes (`UserLoadMany` for a collection, `UserLoadOne` for one row)."""

from __future__ import annotations

from schemagen.catalog import Catalog, Table
from schemagen.codegen import ir
from schemagen.codegen.literals import Code, literal

SUFFIXES = ("Load", "LoadMany", "LoadOne")
"""The names each model's load specs take: `User` -> `UserLoad`, `UserLoadMany`, `UserLoadOne`."""


def load_names(table: Table) -> tuple[str, str, str]:
    load, many, one = (f"{table.class_name}{suffix}" for suffix in SUFFIXES)
    return load, many, one


def mapped_tables(catalog: Catalog) -> tuple[Table, ...]:
    """The tables with a mapped class: all but the Core ones (no primary key, no unique NOT NULL columns)."""
    return tuple(table for table in catalog.tables if table.core_name is None)


def load_spec(catalog: Catalog, table: Table) -> ir.LoadSpec:
    load, many, one = load_names(table)
    relations = []
    for relation in table.relations:
        target = catalog.table(relation.target)
        options = load_names(target)[1 if relation.kind in ("one-to-many", "many-to-many") else 2]
        relations.append((Code(relation.attr), literal(f"bool | {options}")))
    soft_delete = table.column(table.soft_delete).attr if table.soft_delete is not None else None
    return ir.LoadSpec(
        model=Code(table.class_name), model_key=literal(table.class_name),
        load=Code(load), load_key=literal(load), many=Code(many), many_key=literal(many),
        one=Code(one), one_key=literal(one), relations=tuple(relations),
        soft_delete=literal(soft_delete) if soft_delete is not None else None,
    )
