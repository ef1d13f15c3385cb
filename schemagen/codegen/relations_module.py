"""relations.py (the relation map and `eager()`) and the package's `__init__.py`."""

from __future__ import annotations

from schemagen.catalog import Catalog, Relation
from schemagen.codegen import ir
from schemagen.codegen.common import MODELS, ORM, SQLALCHEMY, keyword_tuple
from schemagen.codegen.imports import Imports, member_sort_key
from schemagen.codegen.literals import Code, literal
from schemagen.codegen.loads import load_names, load_specs, mapped_tables


def relations_module(catalog: Catalog) -> ir.RelationsModule:
    defined = {name for t in mapped_tables(catalog) for name in (t.class_name, *load_names(t))}
    imports = Imports(defined - {"Base"})
    for name in ("Final", "Literal", "NamedTuple", "TypeAlias", "TypedDict", "cast", "Any"):
        imports.name("typing", name)
    if len(mapped_tables(catalog)) > 1:
        imports.name("typing", "overload")  # one overload of `eager` per model
    for name in ("Mapping", "Sequence"):
        imports.name("collections.abc", name)
    for name in ("ColumnElement", "Select", "and_", "event", "func", "inspect", "select", "tuple_"):
        imports.name(SQLALCHEMY, name)
    for name in ("ORMExecuteState", "QueryableAttribute", "RelationshipProperty", "Session", "UserDefinedOption",
                 "joinedload", "selectinload"):
        imports.name(ORM, name)
    imports.name("sqlalchemy.orm.interfaces", "ORMOption")
    imports.name(MODELS, "Base")
    models = []
    for table in mapped_tables(catalog):
        imports.name(MODELS, table.class_name, exact=True)  # the other imports give way to it
        entries = tuple(_entry(catalog, relation) for relation in table.relations)
        models.append(ir.ModelRelations(Code(table.class_name), literal(table.class_name), entries))
    loads = load_specs(catalog)
    mapping = imports.locals()["Mapping"]
    eager_load = loads[0].load if len(loads) == 1 else Code(f"{mapping}[str, object]")
    return ir.RelationsModule(imports.render(), imports.locals(), tuple(models), loads, eager_load)


def _entry(catalog: Catalog, relation: Relation) -> ir.RelationEntry:
    target = catalog.table(relation.target)
    kind = "one-to-one" if relation.kind == "one-to-one-inverse" else relation.kind
    through_columns = "None"
    if relation.kind == "many-to-many":
        assert relation.link is not None and relation.through is not None
        near, far = relation.link
        link = catalog.table(relation.through)
        near_column, far_column = link.column(near.columns[0]), link.column(far.columns[0])
        local: tuple[str, ...] = (catalog.table(near.target_table).column(near.target_columns[0]).sql_name,)
        remote: tuple[str, ...] = (catalog.table(far.target_table).column(far.target_columns[0]).sql_name,)
        through_columns = keyword_tuple("through_columns", (literal(near_column.sql_name),
                                                            literal(far_column.sql_name)), 12)
    else:
        fk = relation.foreign_key
        assert fk is not None
        own = tuple(catalog.table(fk.table).column(key).sql_name for key in fk.columns)
        referenced = tuple(catalog.table(fk.target_table).column(key).sql_name for key in fk.target_columns)
        local, remote = (own, referenced) if relation.kind in ("many-to-one", "one-to-one") else (referenced, own)
    partner = catalog.partner(relation)
    return ir.RelationEntry(
        name=literal(relation.attr),
        kind=literal(kind),
        target=literal(target.class_name),
        target_table=literal(target.name),
        local_columns=keyword_tuple("local_columns", (literal(c) for c in local), 12),
        remote_columns=keyword_tuple("remote_columns", (literal(c) for c in remote), 12),
        through=literal(relation.through) if relation.through else Code("None"),
        through_columns=Code(through_columns),
        back_populates=literal(partner.attr) if partner is not None else Code("None"),
    )


def init_module(catalog: Catalog) -> ir.InitModule:
    tables = catalog.tables
    # a Core table (no primary key, no unique NOT NULL columns): its `Table` object, no Update schema
    models = ["Base", *(t.core_name or t.class_name for t in tables)]
    relations = ["MODELS", "OrderBy", "RELATIONS", "RelationInfo", "eager"]
    schemas = [f"{t.class_name}{kind}" for t in tables
               for kind in (("Insert", "Select") if t.core_name else ("Insert", "Select", "Update"))]
    enums = [e.name for e in catalog.enums]
    types = enums + [s.name for s in catalog.shapes]
    if any(column.months for table in tables for column in table.columns):
        types.append("Interval")
    # an enum from enums.py, which imports no Pydantic
    homes = [(".models", models), (".relations", relations), (".schemas", schemas), (".enums", enums),
             (".types", [name for name in types if name not in enums])]
    return ir.InitModule(
        imports=(),
        names={},
        # imported in the order isort and ruff write (`__all__` and the lazy map keep their own)
        models=tuple(Code(name) for name in sorted(models, key=member_sort_key)),
        relations=tuple(Code(name) for name in sorted(relations, key=member_sort_key)),
        schemas=tuple(Code(name) for name in sorted(schemas, key=member_sort_key)),
        types=tuple(Code(name) for name in sorted(types, key=member_sort_key)),
        exported=tuple(literal(name) for name in sorted([*models, *relations, *schemas, *types])),
        homes=tuple((literal(home), tuple(literal(name) for name in names)) for home, names in homes if names),
    )
