"""Entity-relationship diagrams of a catalog: Mermaid (GitHub renders it as is) and Graphviz dot.

Each table is an entity with its key columns (primary key, foreign keys, unique columns); each
foreign key is a relationship from the referenced table to the referencing one, with crow's-foot
cardinalities read from the catalog: the referenced side is exactly one (`||`) when the key columns
are NOT NULL and zero or one (`|o`) when they may be null; the referencing side is zero or more
(`o{`), or zero or one (`o|`) when the foreign key is unique. A line is solid when the foreign key is
part of the referencing table's primary key (an identifying relationship), dotted otherwise. A link
table that only links (every column belongs to one of its two foreign keys, and a relation goes
`through:` it) is drawn as the many-to-many it carries (`}o--o{`, labelled with its name); a link
table with columns of its own stays an entity.
"""

from __future__ import annotations

from dataclasses import dataclass

from schemagen.catalog import Catalog, Column, ForeignKey, Table

__all__ = ["Diagram", "Edge", "Entity", "diagram", "dot", "mermaid"]


@dataclass(frozen=True)
class Attribute:
    name: str
    type: str
    keys: tuple[str, ...]
    """`PK`, `FK`, `UK`."""


@dataclass(frozen=True)
class Entity:
    table: str
    attributes: tuple[Attribute, ...]
    other_columns: int
    """Columns that are no key, left out of the picture."""


@dataclass(frozen=True)
class Edge:
    parent: str
    child: str
    parent_end: str
    """`||` exactly one, `|o` zero or one, `}o` zero or more (many-to-many)."""
    child_end: str
    """`o{` zero or more, `o|` zero or one."""
    identifying: bool
    label: str


@dataclass(frozen=True)
class Diagram:
    package: str
    entities: tuple[Entity, ...]
    edges: tuple[Edge, ...]


def _type(column: Column) -> str:
    base = column.enum or column.type
    if column.type in ("varchar", "char") and column.length:
        base = f"{base}({column.length})"
    return base + ("[]" if column.array else "")


def _unique_columns(table: Table) -> set[tuple[str, ...]]:
    found: set[tuple[str, ...]] = {(column.key,) for column in table.columns if column.unique}
    found.update(unique.columns for unique in table.uniques)
    found.update(index.columns for index in table.indexes if index.unique and index.where is None)
    found.add(tuple(column.key for column in table.primary_key))
    return found


def _pure_links(catalog: Catalog) -> set[str]:
    links = {relation.through for table in catalog.tables for relation in table.relations
             if relation.kind == "many-to-many" and relation.through}
    pure = set()
    for name in links:
        if name is None:
            continue
        table = catalog.table(name)
        linked = {key for fk in table.foreign_keys for key in fk.columns}
        if len(table.foreign_keys) == 2 and all(column.key in linked for column in table.columns):
            pure.add(name)
    return pure


def _edge(table: Table, fk: ForeignKey) -> Edge:
    columns = [table.column(key) for key in fk.columns]
    optional = any(column.nullable for column in columns)
    unique = any(keys and set(keys) <= set(fk.columns) for keys in _unique_columns(table))
    identifying = bool(table.primary_key) and set(fk.columns) <= {c.key for c in table.primary_key}
    return Edge(fk.target_table, table.name, "|o" if optional else "||", "o|" if unique else "o{", identifying,
                ", ".join(column.attr for column in columns))


def diagram(catalog: Catalog) -> Diagram:
    links = _pure_links(catalog)
    entities, edges = [], []
    for table in catalog.tables:
        if table.name in links:
            first, second = table.foreign_keys
            edges.append(Edge(first.target_table, second.target_table, "}o", "o{", False, table.name))
            continue
        fk_columns = {key for fk in table.foreign_keys for key in fk.columns}
        unique = {keys[0] for keys in _unique_columns(table) if len(keys) == 1}
        attributes = []
        for column in table.columns:
            keys = tuple(k for k, on in (("PK", column.primary_key), ("FK", column.key in fk_columns),
                                         ("UK", column.key in unique and not column.primary_key)) if on)
            if keys:
                attributes.append(Attribute(column.attr, _type(column), keys))
        entities.append(Entity(table.name, tuple(attributes), len(table.columns) - len(attributes)))
        edges.extend(_edge(table, fk) for fk in table.foreign_keys)
    return Diagram(catalog.package, tuple(entities), tuple(edges))


# Mermaid -----------------------------------------------------------------------------------------


def _mermaid_name(name: str) -> str:
    return '"' + name.replace('"', "#quot;") + '"'


def mermaid(catalog: Catalog) -> str:
    found = diagram(catalog)
    lines = ["erDiagram"]
    for entity in found.entities:
        if not entity.attributes:
            lines.append(f"    {_mermaid_name(entity.table)}")
            continue
        lines.append(f"    {_mermaid_name(entity.table)} {{")
        for attribute in entity.attributes:
            lines.append(f"        {attribute.type} {attribute.name} {', '.join(attribute.keys)}")
        lines.append("    }")
    for edge in found.edges:
        line = "--" if edge.identifying or edge.parent_end == "}o" else ".."
        lines.append(f"    {_mermaid_name(edge.parent)} {edge.parent_end}{line}{edge.child_end} "
                     f"{_mermaid_name(edge.child)} : {_mermaid_name(edge.label)}")
    return "\n".join(lines) + "\n"


# Graphviz ----------------------------------------------------------------------------------------

# Graphviz's crow's-foot arrow shapes for each end: the far end of the arrow is drawn first
_ARROWS = {"||": "teetee", "|o": "teeodot", "}o": "crowodot", "o{": "crowodot", "o|": "teeodot"}


def _quoted(text: str) -> str:
    return '"' + text.replace("\\", "\\\\").replace('"', '\\"') + '"'


def _html(text: str) -> str:
    return text.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;").replace('"', "&quot;")


def dot(catalog: Catalog) -> str:
    found = diagram(catalog)
    lines = [f"digraph {_quoted(found.package)} {{", "    graph [rankdir=LR, fontname=\"Helvetica\", nodesep=0.4, "
             "ranksep=0.9];", '    node [shape=plain, fontname="Helvetica", fontsize=11];',
             '    edge [fontname="Helvetica", fontsize=9, color="#555555", dir=both];']
    for entity in found.entities:
        rows = [f'<tr><td colspan="3" bgcolor="#dbe7f5"><b>{_html(entity.table)}</b></td></tr>']
        for attribute in entity.attributes:
            rows.append(f'<tr><td align="left">{_html(", ".join(attribute.keys))}</td>'
                        f'<td align="left">{_html(attribute.name)}</td>'
                        f'<td align="left"><font color="#666666">{_html(attribute.type)}</font></td></tr>')
        if entity.other_columns:
            plural = "s" if entity.other_columns > 1 else ""
            rows.append(f'<tr><td colspan="3" align="left"><font color="#888888">{entity.other_columns} more '
                        f"column{plural}</font></td></tr>")
        table = '<table border="1" cellborder="0" cellspacing="0" cellpadding="4">' + "".join(rows) + "</table>"
        lines.append(f"    {_quoted(entity.table)} [label=<{table}>];")
    for edge in found.edges:
        style = "solid" if edge.identifying or edge.parent_end == "}o" else "dashed"
        lines.append(f"    {_quoted(edge.child)} -> {_quoted(edge.parent)} [arrowtail={_ARROWS[edge.child_end]}, "
                     f"arrowhead={_ARROWS[edge.parent_end]}, style={style}, label={_quoted(edge.label)}];")
    lines.append("}")
    return "\n".join(lines) + "\n"
