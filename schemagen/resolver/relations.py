"""Foreign keys and relations: what each `references:` and relation points at, and which two relations pair."""

from __future__ import annotations

from schemagen import names
from schemagen.errors import SpecPath, did_you_mean, one_of
from schemagen.resolver.context import Context, ForeignKey, ResolvedColumn, ResolvedRelation, ResolvedTable
from schemagen.spec.model import Relation


def relations(ctx: Context) -> None:
    for table in ctx.tables.values():
        column_attrs = {c.attr for c in table.columns.values()}
        for name, relation in table.spec.relations.items():
            path = (*table.path, "relations", name)
            if not ctx.field_name_ok(name, path, "relation"):
                continue
            attr = names.attribute_name(name)
            if name in table.spec.columns or attr in column_attrs:
                ctx.fail(path, f"relation `{name}` has the same name as a column of `{table.name}`",
                         "rename the relation", key=True)
                continue
            resolved = _relation(ctx, table, name, attr, relation, path)
            if resolved is not None:
                table.relations[name] = resolved
                ctx.claim(names.nested_schema_name(table.class_name, attr), path, f"relation `{name}` of table "
                          f"`{table.name}` gives the nested read schema",
                          f"the nested read schema of relation `{name}` of table `{table.name}`")
    _pair_relations(ctx)


def _relation(ctx: Context, table: ResolvedTable, name: str, attr: str, spec: Relation, path: SpecPath) -> ResolvedRelation | None:
    if (spec.one is None) == (spec.many is None):
        both = spec.one is not None
        ctx.fail(path, f"relation `{name}` gives both `one:` and `many:`" if both
                 else f"relation `{name}` needs `one: table` or `many: table`",
                 "`one: T` follows a foreign key to a single row of `T`; `many: T` lists the rows of `T` that "
                 "point here")
        return None
    target_name = spec.one if spec.one is not None else spec.many
    assert target_name is not None
    tkey = "one" if spec.one is not None else "many"
    if target_name not in ctx.tables:
        ctx.fail((*path, tkey), f"relation `{name}` targets the unknown table `{target_name}`"
                 f"{did_you_mean(target_name, ctx.tables)}")
        return None
    target = ctx.tables[target_name]
    core = next((t for t in (table, target, ctx.tables.get(spec.through or "")) if t is not None and t.core_name), None)
    if core is not None:  # no mapped class to hang a relationship on, nor to load one of
        fix = (f"give `{core.name}` a primary key or a unique NOT NULL column, or join `{core.name}` in a query "
               f"(its foreign keys stay)")
        ctx.fail(path, f"relation `{name}`: table `{core.name}` has no primary key nor unique NOT NULL columns, so "
                 "it is a Core table without a mapped class, and relations cannot go from, to or through it", fix,
                 key=True)
        return None
    relation = ResolvedRelation(name, attr, table.name, target_name, "", spec, path)
    if spec.through is not None:
        if spec.one is not None:
            ctx.fail((*path, "through"), "`through:` goes with `many:` (a many-to-many relation)")
            return None
        misplaced = [key for key, given in (("fields", spec.fields), ("references", spec.references))
                     if given is not None]  # it would pick nothing: every key written takes effect or is an error
        for key in misplaced:
            ctx.fail((*path, key), f"`{key}` does not apply to a many-to-many relation (`through:`)",
                     f"its sides are the link table's foreign keys; when `{spec.through}` has several to "
                     f"one table, choose them with `through_fields: [to_this_side, to_other_side]`")
        return None if misplaced else _many_to_many(ctx, table, target, relation)
    if spec.through_fields is not None:
        ctx.fail((*path, "through_fields"), "`through_fields` needs `through: link_table`")
        return None
    if spec.one is not None:
        if spec.references is not None and spec.fields is None:
            return _one_inverse(ctx, table, target, relation)  # the other table's foreign key, by its columns
        own = _pick(ctx, ctx.fks_between(table.name, target_name), spec.fields, relation, "fields", local=True)
        if own is not None:
            if spec.references is not None and not _referenced_are(own, spec.references):
                referenced = ", ".join(c.key for c in own.target_columns)
                where = f"`{target_name}.{referenced}`" if len(own.columns) == 1 else f"`{target_name}` ({referenced})"
                ctx.fail((*path, "references"), f"`fields: [{', '.join(c.key for c in own.columns)}]` references "
                         f"{where}, not `{', '.join(spec.references)}`",
                         f"write `references: [{referenced}]`, or leave `references:` out")
                return None
            relation.fk = own
            relation.kind = "one-to-one" if _is_unique(ctx.tables[table.name], own.columns) else "many-to-one"
            return relation
        if spec.fields is not None or ctx.fks_between(table.name, target_name):
            return None
        return _one_inverse(ctx, table, target, relation)
    if spec.fields is not None and spec.references is None:
        candidates = [fk.keys.strip("[]") for fk in ctx.fks_between(target_name, table.name)]
        example = candidates[0] if candidates else f"{names.snake_case(table.class_name)}_id"
        ctx.fail((*path, "fields"), "on a `many:` relation, name the foreign-key columns of the other table "
                 "with `references:`", f"write `references: [{example}]` (the foreign key of `{target_name}` "
                 f"to `{table.name}`)")
        return None
    fk = _pick(ctx, ctx.fks_between(target_name, table.name), spec.references, relation, "references",
                    local=False)
    if fk is None:
        if not ctx.fks_between(target_name, table.name) and spec.references is None:
            ctx.fail((*path, "many"), f"relation `{name}`: table `{target_name}` has no foreign key to "
                     f"`{table.name}`", f"add a column with `references: {table.name}.<column>` to "
                     f"`{target_name}`, or use `through:` for many-to-many")
        return None
    relation.fk = fk
    relation.kind = "one-to-many"
    return relation


def _one_inverse(ctx: Context, table: ResolvedTable, target: ResolvedTable, relation: ResolvedRelation) -> ResolvedRelation | None:
    """`one: T` as the inverse of T's unique foreign key to this table (one-to-one)."""
    spec, path, name, target_name = relation.spec, relation.path, relation.name, target.name
    inverse = _pick(ctx, ctx.fks_between(target_name, table.name), spec.references, relation, "references",
                    local=False)
    if inverse is None:
        if not ctx.fks_between(target_name, table.name) and spec.references is None:
            ctx.fail((*path, "one"), f"relation `{name}`: no foreign key links `{table.name}` and "
                     f"`{target_name}`", f"add `references: {target_name}.<column>` to a column of "
                     f"`{table.name}`, or `references: {table.name}.<column>` to one of `{target_name}`")
        return None
    if not _is_unique(target, inverse.columns):
        ctx.fail((*path, "one"), f"relation `{name}` is one-to-one, but `{target_name}.{inverse.keys}` "
                 "is not unique, so there can be many", f"use `many: {target_name}`, or make "
                 f"`{target_name}.{inverse.keys}` unique")
        return None
    relation.fk = inverse
    relation.kind = "one-to-one-inverse"
    return relation


def _referenced_are(fk: ForeignKey, keys: list[str]) -> bool:
    return len(keys) == len(fk.target_columns) and all(
        key in (column.key, column.sql_name) for key, column in zip(keys, fk.target_columns))


def _pick(ctx: Context, fks: list[ForeignKey], chosen: list[str] | None, relation: ResolvedRelation, key: str,
          *, local: bool) -> ForeignKey | None:
    """The one foreign key a relation follows, chosen by column names when there are several."""
    path = relation.path
    owner = relation.table if local else relation.target
    if chosen is not None:
        match = [fk for fk in fks if fk.names(chosen)]
        if not match and len(chosen) > 1 and all(len(fk.columns) == 1 for fk in fks):
            ctx.fail((*path, key), f"`{key}` lists {len(chosen)} columns; foreign keys here have one column",
                     f"write `{key}: [column]`")
            return None
        partial = [fk for fk in fks if not match and len(fk.columns) > len(chosen)
                   and all(any(key in (c.key, c.sql_name) for c in fk.columns) for key in chosen)]
        if partial:
            ctx.fail((*path, key), f"`{key}: [{', '.join(chosen)}]` names part of the composite foreign key "
                     f"{partial[0].keys} of `{owner}`", f"list all its columns: `{key}: {partial[0].keys}`")
            return None
        if not match:
            candidates = [fk.keys for fk in fks]
            wanted = chosen[0] if len(chosen) == 1 else f"[{', '.join(chosen)}]"
            hint = f"foreign keys there: {one_of(candidates)}" if candidates else ""
            if relation.spec.one is not None and not local:
                hint = (f"{hint}; " if hint else "") + (
                    f"on `one:`, `references:` names a foreign-key column of `{owner}` (the inverse of a "
                    "one-to-one); to follow a foreign key of this table, name it with `fields:`")
            ctx.fail((*path, key), f"`{wanted}` is not a foreign key of `{owner}` to "
                     f"`{relation.target if local else relation.table}`{did_you_mean(wanted, candidates)}", hint)
            return None
        return match[0]
    if len(fks) > 1:
        ctx.fail(path, f"relation `{relation.name}` is ambiguous: `{owner}` has {len(fks)} foreign keys to "
                 f"`{relation.target if local else relation.table}` ({', '.join(fk.keys for fk in fks)})",
                 f"choose one with `{key}: [{fks[0].keys.strip('[]')}]`", key=True)
        return None
    return fks[0] if fks else None


def _many_to_many(ctx: Context, table: ResolvedTable, target: ResolvedTable, relation: ResolvedRelation) -> ResolvedRelation | None:
    spec, path = relation.spec, relation.path
    link_name = spec.through
    assert link_name is not None
    link = ctx.tables.get(link_name)
    if link is None:
        ctx.fail((*path, "through"), f"`through` names the unknown table `{link_name}`"
                 f"{did_you_mean(link_name, ctx.tables)}")
        return None
    if spec.through_fields is not None:
        if len(spec.through_fields) != 2:
            ctx.fail((*path, "through_fields"), "`through_fields` names two columns of the link table: the "
                     "one pointing to this table, then the one pointing to the target")
            return None
        chosen: list[ForeignKey] = []
        for index, (column_key, side) in enumerate(zip(spec.through_fields, (table.name, target.name))):
            found = [fk for fk in link.fks if fk.names([column_key]) and fk.target_table == side]
            if not found:
                options = [fk.keys for fk in link.fks if fk.target_table == side]
                ctx.fail((*path, "through_fields", index), f"`{column_key}` is not a foreign key of `{link_name}` "
                         f"to `{side}`", f"foreign keys of `{link_name}` to `{side}`: {one_of(options)}"
                         if options else f"`{link_name}` has no foreign key to `{side}`")
                return None
            chosen.append(found[0])
        relation.link_fks = (chosen[0], chosen[1])
    else:
        near_all = ctx.fks_between(link_name, table.name)
        far_all = ctx.fks_between(link_name, target.name)
        if not near_all or not far_all:
            missing = table.name if not near_all else target.name
            ctx.fail((*path, "through"), f"link table `{link_name}` has no foreign key to `{missing}`",
                     f"`{link_name}` needs a column with `references: {missing}.<column>`")
            return None
        if len(near_all) != 1 or len(far_all) != 1 or table.name == target.name:
            both = near_all if table.name == target.name else near_all + far_all
            columns = [fk.keys for fk in both]
            targets = f"`{table.name}`" if table.name == target.name else f"`{table.name}` and `{target.name}`"
            ctx.fail((*path, "through"), f"link table `{link_name}` has {len(columns)} foreign keys to {targets} "
                     f"({', '.join(columns)})", f"choose the sides with `through_fields: [{', '.join(columns[:2])}]`"
                     ": the column pointing to this row first")
            return None
        relation.link_fks = (near_all[0], far_all[0])
    composite = next((fk for fk in relation.link_fks if len(fk.columns) > 1), None)
    if composite is not None:
        ctx.fail((*path, "through"), f"link table `{link_name}` references `{composite.target_table}` by a composite "
                 f"foreign key ({composite.keys}); many-to-many relations follow one-column keys",
                 f"give `{link_name}` relations of its own (`one: {composite.target_table}`) and list its rows with "
                 f"`many: {link_name}`")
        return None
    relation.through = link_name
    relation.kind = "many-to-many"
    return relation


def _pair_relations(ctx: Context) -> None:
    every = [r for t in ctx.tables.values() for r in t.relations.values()]
    by_ends: dict[tuple[str, str], list[ResolvedRelation]] = {}
    for relation in every:  # a partner goes the other way between the same two tables
        by_ends.setdefault((relation.table, relation.target), []).append(relation)
    for relation in every:
        if relation.partner is not None:
            continue
        candidates = [other for other in by_ends.get((relation.target, relation.table), [])
                      if other is not relation and _partners(relation, other)]
        if len(candidates) == 1:
            relation.partner = candidates[0]
            candidates[0].partner = relation
        elif len(candidates) > 1:
            ctx.fail(relation.path, f"relation `{relation.name}` could pair with several relations "
                     f"({', '.join(f'{c.table}.{c.name}' for c in candidates)})",
                     "keep one relation per foreign key on each side", key=True)
    # The relations over each column, through their foreign key.
    writers: dict[int, list[ResolvedRelation]] = {}
    for relation in every:
        for column in relation.fk.columns if relation.fk is not None else ():
            writers.setdefault(id(column), []).append(relation)
    # A many-to-many relation writes the link table's foreign keys, as do relations that map the
    # link table itself; SQLAlchemy asks that such overlaps be named.
    for relation in every:
        if relation.kind != "many-to-many" or relation.link_fks is None:
            continue
        for other in {id(other): other for fk in relation.link_fks for column in fk.columns
                      for other in writers.get(id(column), ())}.values():
            relation.overlaps.add(other.attr)
            other.overlaps.add(relation.attr)
    # Foreign keys sharing a column (the tenant key of several composite keys) are each written by the
    # relations over them; SQLAlchemy asks that these overlaps be named too.
    for relation in every:
        for column in relation.fk.columns if relation.fk is not None else ():
            relation.overlaps.update(other.attr for other in writers[id(column)] if other.fk is not relation.fk)


def _partners(a: ResolvedRelation, b: ResolvedRelation) -> bool:
    if a.target != b.table or b.target != a.table:
        return False
    if a.kind == "many-to-many" or b.kind == "many-to-many":
        return (a.kind == b.kind == "many-to-many" and a.through == b.through and a.link_fks is not None
                and b.link_fks is not None and a.link_fks[0] is b.link_fks[1] and a.link_fks[1] is b.link_fks[0])
    if a.fk is None or a.fk is not b.fk:
        return False
    owner = {"many-to-one", "one-to-one"}
    return (a.kind in owner) != (b.kind in owner)


def _is_unique(table: ResolvedTable, columns: list[ResolvedColumn]) -> bool:
    """The columns of a foreign key hold each value once: a one-to-one."""
    keys = {column.key for column in columns}
    if len(columns) == 1 and columns[0].spec.unique:
        return True
    if keys == {c.key for c in table.columns.values() if c.primary_key}:
        return True
    return any(set(u.columns) == keys for u in table.spec.unique) or any(
        i.unique and len(i.columns) == len(keys) and all(isinstance(part, str) for part in i.columns)
        and set(i.columns) == keys and i.where is None
        and i.using in (None, "btree")
        for i in table.spec.indexes)
