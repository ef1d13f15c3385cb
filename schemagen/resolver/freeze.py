"""The last step of resolve: the working records, checked, become the immutable `Catalog`."""

from __future__ import annotations

from schemagen import catalog, names
from schemagen.catalog import TypeRef
from schemagen.resolver.context import Context, ForeignKey, ResolvedColumn, ResolvedRelation, ResolvedTable, kind_of
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
    tables = tuple(_table(ctx, table) for table in ctx.tables.values())
    return catalog.Catalog(package, ctx.file.name, spec.dialect, enums, tuple(shapes), tables)


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
    return catalog.Column(
        key=column.key, attr=column.attr, sql_name=column.sql_name, type=kind_of(spec), array=spec.array,
        sql_type=spec.type.sql if not isinstance(spec.type, str) else None,
        python_type=spec.type.python if not isinstance(spec.type, str) else None,
        nullable=column.nullable, primary_key=column.primary_key, autoincrement=column.autoincrement,
        identity=column.identity,  # type: ignore[arg-type]
        server_set=column.server_set, unique=spec.unique, index=spec.index,
        # `unique` with `index` is one unique index (SQLAlchemy makes no constraint then)
        unique_name=f"uq_{column.table}_{column.sql_name}" if spec.unique and not spec.index else None,
        index_name=f"ix_{column.table}_{column.sql_name}" if spec.index else None, length=spec.length,
        precision=spec.precision, scale=spec.scale, timezone=spec.timezone, enum=column.enum,
        json_type=column.json_type, default=default, on_update_now=spec.on_update == "now", comment=spec.comment,
        rules=rules, secret=spec.secret, immutable=spec.immutable,
    )


def _foreign_key(ctx: Context, fk: ForeignKey) -> catalog.ForeignKey:
    spec = fk.column.spec
    on_update = spec.on_update if spec.on_update not in (None, "now") else None
    name = spec.foreign_key_name or f"fk_{fk.table}_{fk.column.sql_name}_{fk.target_table}"
    return catalog.ForeignKey(fk.table, (fk.column.key,), fk.target_table, (fk.target_column.key,), spec.on_delete,
                              on_update, name, spec.foreign_key_name, fk.use_alter)


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


def _table(ctx: Context, table: ResolvedTable) -> catalog.Table:
    spec = table.spec
    sql = {key: column.sql_name for key, column in table.columns.items()}
    uniques = tuple(
        catalog.UniqueConstraint(tuple(u.columns), u.name,
                                 u.name or f"uq_{table.name}_{'_'.join(sql[c] for c in u.columns)}")
        for u in spec.unique
    )
    indexes = tuple(_index(table, index, sql, ctx.spec.dialect) for index in spec.indexes)
    checks = tuple(catalog.Check(c.name, c.sql, f"ck_{table.name}_{c.name}") for c in spec.checks)
    return catalog.Table(
        name=table.name, class_name=table.class_name,
        columns=tuple(_column(ctx, column) for column in table.columns.values()),
        relations=tuple(_relation(ctx, relation) for relation in table.relations.values()),
        foreign_keys=tuple(_foreign_key(ctx, fk) for fk in table.fks),
        uniques=uniques, indexes=indexes, checks=checks, comment=spec.comment, soft_delete=spec.soft_delete,
        primary_key_given_name=spec.primary_key_name,
    )
