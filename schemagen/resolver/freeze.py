"""The last step of resolve: the working records, checked, become the immutable `Catalog`."""

from __future__ import annotations

from dataclasses import replace

from schemagen import catalog, names
from schemagen.catalog import TypeRef
from schemagen.resolver.context import Context, ForeignKey, ResolvedColumn, ResolvedRelation, ResolvedTable, kind_of
from schemagen.resolver.rule_checks import rule_checks
from schemagen.resolver.shapes import parse_type, typed_json
from schemagen.spec.model import Index

_SHAPE_CONSTRAINTS = ("min_length", "max_length", "pattern", "ge", "gt", "le", "lt")


def freeze(ctx: Context, package: str) -> catalog.Catalog:
    spec = ctx.spec
    enums = tuple(
        catalog.Enum(name, ctx.enum_names[name], tuple(enum.values), tuple(names.enum_member(v) for v in enum.values))
        for name, enum in spec.enums.items()
    )
    shapes = []
    for name in ctx.shape_order:
        fields = []
        for key, shape_field in spec.types[name].items():
            ref = parse_type(shape_field.type)
            assert ref is not None  # resolve reported any other case
            fields.append(catalog.ShapeField(
                key=key,
                attr=names.attribute_name(key),
                type=ref,
                choices=tuple(shape_field.enum) if shape_field.enum is not None else None,
                nullable=shape_field.nullable,
                has_default="default" in shape_field.model_fields_set,
                default=typed_json(shape_field.default, ref, spec),
                comment=shape_field.comment,
                constraints=tuple((rule, getattr(shape_field, rule)) for rule in _SHAPE_CONSTRAINTS
                                  if getattr(shape_field, rule) is not None),
            ))
        shapes.append(catalog.Shape(name, tuple(fields)))
    tables = tuple(freeze_table(ctx, table) for table in ctx.tables.values())
    return catalog.Catalog(package, ctx.file.name, spec.dialect, enums, tuple(shapes), tables,
                           typescript=spec.typescript, erd=spec.erd)


def _column(ctx: Context, column: ResolvedColumn) -> catalog.Column:
    spec = column.spec
    rules = None
    if spec.rules is not None:
        given = spec.rules
        rules = catalog.Rules(given.min_length, given.max_length, given.pattern, given.format, given.ge, given.gt,
                              given.le, given.lt, given.message)
    default = None
    if column.default_kind:
        typed = column.default_value
        if spec.type in ("json", "jsonb") and column.default_kind == "literal":
            typed = typed_json(column.default_value, column.json_type or TypeRef("builtin", name="any"), ctx.spec)
        default = catalog.Default(column.default_kind, column.default_value, typed)  # type: ignore[arg-type]
    # `unique` with `index` is one unique index (SQLAlchemy makes no constraint then)
    unique_name = index_name = None
    named_in_table_args = False
    if spec.index:
        index_name, named_in_table_args = names.constraint_name(f"ix_{column.table}_{column.sql_name}")
    elif spec.unique:
        unique_name, named_in_table_args = names.constraint_name(f"uq_{column.table}_{column.sql_name}")
    passed_through = not isinstance(spec.type, str)  # `{sql: ..., python: ...}`
    generated = spec.generated
    return catalog.Column(
        key=column.key, attr=column.attr, sql_name=column.sql_name, type=kind_of(spec), array=spec.array,
        sql_type=spec.type.sql if passed_through else None,  # type: ignore[union-attr]
        python_type=spec.type.python if passed_through else None,  # type: ignore[union-attr]
        nullable=column.nullable, primary_key=column.primary_key, autoincrement=column.autoincrement,
        identity=column.identity,  # type: ignore[arg-type]
        server_set=column.server_set, unique=spec.unique, index=spec.index,
        unique_name=unique_name, index_name=index_name, named_in_table_args=named_in_table_args,
        length=spec.length,
        precision=spec.precision, scale=spec.scale, timezone=spec.timezone, months=spec.months, enum=column.enum,
        json_type=column.json_type, default=default, on_update_now=spec.on_update == "now", comment=spec.comment,
        rules=rules, secret=spec.secret, immutable=spec.immutable,
        generated=generated.sql if generated is not None else None,
        generated_stored=generated.stored if generated is not None else True,
    )


def _foreign_key(ctx: Context, fk: ForeignKey) -> catalog.ForeignKey:
    # A table's foreign key is also the one its relations follow: frozen once, shared (records compare by value)
    frozen = ctx.frozen_fks.get(id(fk))
    if frozen is not None:
        return frozen
    frozen = ctx.frozen_fks[id(fk)] = _freeze_foreign_key(fk)
    return frozen


def _freeze_foreign_key(fk: ForeignKey) -> catalog.ForeignKey:
    name, given = fk.given_name, fk.given_name
    if name is None:
        name, written_out = names.constraint_name(
            f"fk_{fk.table}_{'_'.join(c.sql_name for c in fk.columns)}_{fk.target_table}")
        given = name if written_out else None
    return catalog.ForeignKey(fk.table, tuple(c.key for c in fk.columns), fk.target_table,
                              tuple(c.key for c in fk.target_columns), fk.on_delete, fk.on_update, name,
                              given, fk.use_alter)


def _relation(ctx: Context, relation: ResolvedRelation) -> catalog.Relation:
    fk = _foreign_key(ctx, relation.fk) if relation.fk is not None else None
    link = None
    if relation.link_fks is not None:
        link = (_foreign_key(ctx, relation.link_fks[0]), _foreign_key(ctx, relation.link_fks[1]))
    through_fields = relation.spec.through_fields
    return catalog.Relation(
        name=relation.name, attr=relation.attr, table=relation.table, target=relation.target,
        kind=relation.kind,  # type: ignore[arg-type]
        foreign_key=fk, through=relation.through, link=link,
        through_fields=(through_fields[0], through_fields[1]) if through_fields is not None else None,
        partner=relation.partner.name if relation.partner is not None else None,
        overlaps=tuple(sorted(relation.overlaps)),
        lazy=relation.spec.lazy,
    )


def _index(table: ResolvedTable, index: Index, sql: dict[str, str], dialect: str) -> catalog.Index:
    parts = tuple(
        catalog.IndexPart(column=part) if isinstance(part, str) else catalog.IndexPart(
            part.column, part.expr, part.order == "desc", part.ops)
        for part in index.columns
    )
    if index.ops is not None:  # the index's operator class for every part that names none
        parts = tuple(part if part.ops else catalog.IndexPart(part.column, part.expr, part.descending, index.ops)
                      for part in parts)
    words = [sql[part.column] if part.column is not None else names.snake_case(part.expr or "") or "expr"
             for part in parts]
    name = index.name or names.truncate_name(f"ix_{table.name}_{'_'.join(words)}")
    using = index.using if index.using != "btree" else None
    # an operator class written into an expression's or ordered column's SQL, or a method over an
    # expression, is PostgreSQL's alone; other parts work on SQLite (which makes a plain index)
    postgresql_only = dialect == "postgresql" and (
        any(part.ops and (part.expr is not None or part.descending) for part in parts)
        or (using is not None and any(part.expr is not None for part in parts)))
    return catalog.Index(tuple(part.column for part in parts if part.column is not None), name, index.unique,
                         index.where, parts, using, postgresql_only)


def _unique(table: str, columns: tuple[str, ...], given: str | None, sql: dict[str, str]) -> catalog.UniqueConstraint:
    if given is not None:
        return catalog.UniqueConstraint(columns, given, given)
    name, written_out = names.constraint_name(f"uq_{table}_{'_'.join(sql[c] for c in columns)}")
    return catalog.UniqueConstraint(columns, name if written_out else None, name)


def freeze_table(ctx: Context, table: ResolvedTable, kept_unique: set[tuple[str, ...]] | None = None) -> catalog.Table:
    """`kept_unique`: the column sets a soft-deleting table keeps unique over all rows, when the caller
    knows them (made from the foreign keys of every table otherwise)."""
    spec = table.spec
    sql = {key: column.sql_name for key, column in table.columns.items()}
    uniques = tuple(_unique(table.name, tuple(u.columns), u.name, sql) for u in spec.unique)
    indexes = tuple(_index(table, index, sql, ctx.spec.dialect) for index in spec.indexes)
    # an exact name is written out final, or the naming convention would prefix it
    checks = tuple(catalog.Check(c.name, c.sql, *((c.name, True) if c.exact_name
                                                  else names.constraint_name(f"ck_{table.name}_{c.name}")))
                   for c in spec.checks)
    checks += tuple(check for column in table.columns.values()
                    for check in rule_checks(table.name, column, ctx.spec.dialect, ctx.spec.validate_in_database))
    key_name = spec.primary_key_name
    if key_name is None and any(column.primary_key for column in table.columns.values()):
        conventional, written_out = names.constraint_name(f"pk_{table.name}")
        key_name = conventional if written_out else None
    columns = tuple(_column(ctx, column) for column in table.columns.values())
    if spec.soft_delete is not None:
        referenced = set(kept_unique) if kept_unique is not None else _kept_unique(ctx, table)
        referenced.add(tuple(table.mapper_key))  # the rows' identity without a primary key: over all rows
        columns, uniques, indexes = _unique_among_live_rows(table.columns[spec.soft_delete].sql_name, referenced,
                                                            columns, uniques, indexes)
    return catalog.Table(
        name=table.name, class_name=table.class_name, columns=columns,
        relations=tuple(_relation(ctx, relation) for relation in table.relations.values()),
        foreign_keys=tuple(_foreign_key(ctx, fk) for fk in table.fks),
        uniques=uniques, indexes=indexes, checks=checks, comment=spec.comment, soft_delete=spec.soft_delete,
        primary_key_given_name=key_name, mapper_key=tuple(table.mapper_key), core_name=table.core_name,
    )


def _kept_unique(ctx: Context, table: ResolvedTable) -> set[tuple[str, ...]]:
    """The column sets of a table that foreign keys point at, and its own foreign keys' columns: a
    unique foreign key is a one-to-one relation, over all rows too, or the one related row could be
    several (a deleted one and its live successor)."""
    referenced = {tuple(c.key for c in fk.target_columns) for other in ctx.tables.values() for fk in other.fks
                  if fk.target_table == table.name}
    return referenced | {tuple(c.key for c in fk.columns) for fk in table.fks}


def _unique_among_live_rows(
    deleted: str, referenced: set[tuple[str, ...]], columns: tuple[catalog.Column, ...],
    uniques: tuple[catalog.UniqueConstraint, ...], indexes: tuple[catalog.Index, ...],
) -> tuple[tuple[catalog.Column, ...], tuple[catalog.UniqueConstraint, ...], tuple[catalog.Index, ...]]:
    """A soft-deleting table's uniques hold among live rows only: unique indexes `WHERE <deleted> IS
    NULL` (both databases have partial indexes), so a deleted row's values can be taken again. A
    column (or column set) a foreign key points at keeps its full unique constraint (the database
    needs one there), and so does a unique foreign key (a one-to-one relation)."""
    live = '"' + deleted.replace('"', '""') + '" IS NULL'  # quoted: the column may be named `case`
    made: list[catalog.Index] = []
    kept_columns = []
    for column in columns:
        name = column.unique_name or (column.index_name if column.unique else None)
        if name is None or column.primary_key or (column.key,) in referenced:
            kept_columns.append(column)
            continue
        made.append(catalog.Index((column.key,), name, True, live, (catalog.IndexPart(column.key),)))
        kept_columns.append(replace(column, unique_name=None, index_name=None, named_in_table_args=True))
    kept_uniques = []
    for unique in uniques:
        if unique.columns in referenced:
            kept_uniques.append(unique)
            continue
        if any(index.columns == unique.columns for index in made):
            continue  # `unique: true` on the column and `unique: [[column]]` say it twice: one index, one name
        made.append(catalog.Index(unique.columns, unique.name, True, live,
                                  tuple(catalog.IndexPart(key) for key in unique.columns)))
    indexes = tuple(replace(index, where=live) if index.unique and index.where is None
                    and index.columns not in referenced else index for index in indexes)
    return tuple(kept_columns), tuple(kept_uniques), tuple(made) + indexes
