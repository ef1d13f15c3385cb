"""relations.py (the relation map and `eager()`) and the package's `__init__.py`."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any, Generic, TypeVar, cast

from schemagen.catalog import Catalog, Relation, Table
from schemagen.codegen import ir
from schemagen.codegen.common import MODELS, ORM, SQLALCHEMY, keyword_tuple
from schemagen.codegen.imports import Imports, member_sort_key
from schemagen.codegen.literals import Code, literal
from schemagen.codegen.fragments import Call, Entry, RecordingCatalog, TableFragments, fragment_texts
from schemagen.codegen.loads import load_names, load_spec, mapped_tables
from schemagen.codegen.render import environment


def relations_module(catalog: Catalog, fragments: tuple[TableFragments, TableFragments] | None = None,
                     ) -> ir.RelationsModule | None:
    """relations.py's IR, each model's RELATIONS entry and load specs rendered; `fragments` (the render
    cache): those of the last build to reuse. None when one reused read an import name that differs now."""
    tables = mapped_tables(catalog)
    defined = {name for t in tables for name in (t.class_name, *load_names(t))}
    imports = Imports(defined - {"Base"})
    for name in ("Final", "Literal", "NamedTuple", "TypeAlias", "TypedDict", "cast", "Any"):
        imports.name("typing", name)
    if len(tables) > 1:
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
    models, entries, specs = [], [], []
    for table in tables:
        imports.name(MODELS, table.class_name, exact=True)  # the other imports give way to it
        models.append(ir.ModelRelations(Code(table.class_name), literal(table.class_name), ()))
        entries.append(_fragment(_Recording(catalog, _model_relations), table, fragments and fragments[0]))
        specs.append(_fragment(_Recording(catalog, load_spec), table, fragments and fragments[1]))
    # each model's load spec as its fragment made it; made again only where the fragment was reused
    loads = tuple(made if made is not None else load_spec(catalog, table)
                  for table, (_, made) in zip(tables, specs))
    names = imports.locals()
    relation_texts = fragment_texts(entries, names, _render("relation_entries.py.jinja", "model"))
    load_texts = fragment_texts(specs, names, _render("load_spec.py.jinja", "spec"))
    if relation_texts is None or load_texts is None:
        return None
    eager_load = loads[0].load if len(loads) == 1 else Code(f"{names['Mapping']}[str, object]")
    return ir.RelationsModule(imports.render(), names, tuple(models), loads, eager_load, relation_texts, load_texts)


Made = TypeVar("Made")


def _fragment(recording: _Recording[Made], table: Table, fragments: TableFragments | None,
              ) -> tuple[Entry | None, Made | None]:
    if fragments is None:
        return None, recording.make(table)
    return fragments.fragment(recording, table, {})


def _model_relations(catalog: Catalog, table: Table) -> ir.ModelRelations:
    entries = tuple(_entry(catalog, relation) for relation in table.relations)
    return ir.ModelRelations(Code(table.class_name), literal(table.class_name), entries)


def _render(template: str, name: str) -> Callable[[Any, Any], str]:
    def render(made: Any, names: Any) -> str:
        return environment().get_template(template).render({name: made, "n": names})

    return render


class _Recording(Generic[Made]):
    """One model's part of relations.py as the render cache drives it (`fragments.Builder`): it only
    reads the catalog (no shared state, no effects)."""

    def __init__(self, catalog: Catalog, make: Callable[[Catalog, Table], Made]) -> None:
        self.catalog = catalog
        self.made_by = make

    def make(self, table: Table) -> Made:
        return self.made_by(self.catalog, table)

    def isolate(self, reads: set[str], calls: list[Call]) -> Callable[[], dict[str, Any]]:
        real = self.catalog
        self.catalog = cast(Catalog, RecordingCatalog(real, reads))

        def restore() -> dict[str, Any]:
            self.catalog = real
            return {}

        return restore

    def merge(self, effects: dict[str, Any]) -> None:
        pass


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
