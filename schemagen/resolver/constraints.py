"""Table-level rules: uniques, indexes, checks, soft delete, and the names they take in the database."""

from __future__ import annotations

import re

from schemagen import names
from schemagen.errors import SpecPath, did_you_mean, one_of
from schemagen.resolver.context import Context, ResolvedTable, kind_of


def table_rules(ctx: Context) -> None:
    explicit_names: dict[str, SpecPath] = {}
    table_names = {t.lower() for t in ctx.tables}
    for table in ctx.tables.values():
        rules_of_table(ctx, table, explicit_names, table_names)


def rules_of_table(ctx: Context, table: ResolvedTable, explicit_names: dict[str, SpecPath],
                   table_names: set[str]) -> None:
    """One table's rules; `explicit_names` holds the index and constraint names of the tables before it."""
    spec, path = table.spec, table.path
    ctx.no_nul((*path, "comment"), spec.comment, "the table comment")
    for resolved in table.columns.values():
        # the paths are built only for a value that holds a NUL: this loop runs for every column
        comment = resolved.spec.comment
        if comment is not None and "\x00" in comment:
            ctx.no_nul((*resolved.path, "comment"), comment, "the column comment")
        if isinstance(resolved.default_value, str) and "\x00" in resolved.default_value:
            ctx.no_nul((*resolved.path, "default"), resolved.default_value, "the default")
    for index, check in enumerate(spec.checks):
        ctx.no_nul((*path, "checks", index, "sql"), check.sql, "the check")
    for index, idx in enumerate(spec.indexes):
        ctx.no_nul((*path, "indexes", index, "where"), idx.where, "the index condition")
        _index_parts(ctx, table, index)
    # Index and unique-constraint names share one namespace per database schema.
    given: list[tuple[str, int, str | None]] = [
        *(("unique", i, u.name) for i, u in enumerate(spec.unique)),
        *(("indexes", i, x.name) for i, x in enumerate(spec.indexes)),
    ]
    for kind, index, given_name in given:
        if given_name is None:
            continue
        name_path = (*path, kind, index, "name")
        if given_name.lower() in table_names:
            ctx.fail(name_path, f"the name `{given_name}` is also a table name; PostgreSQL keeps indexes, "
                     "constraints and tables in one namespace", "rename the index or constraint")
        if given_name in explicit_names and explicit_names[given_name][:2] != path[:2]:
            first = ctx.locate(explicit_names[given_name])
            ctx.fail(name_path, f"the name `{given_name}` is also used by an index or constraint of "
                     f"table `{explicit_names[given_name][1]}` (line {first.line})",
                     "index and constraint names are shared by all tables of a schema; rename one")
        explicit_names.setdefault(given_name, name_path)
    auto_index = {key for key, column in table.columns.items() if column.spec.index}
    for index, idx in enumerate(spec.indexes):
        # (a plain name only: a structured part is never in the set, and hashing one costs)
        if idx.name is None and len(idx.columns) == 1 and isinstance(idx.columns[0], str) \
                and idx.columns[0] in auto_index:
            ctx.fail((*path, "indexes", index), f"column `{idx.columns[0]}` is indexed twice: by "
                     "`index: true` and by this index", "keep one of them")
    for pattern_column in table.columns.values():
        rules = pattern_column.spec.rules
        unread = _rust_regex_problem(rules.pattern) if rules is not None and rules.pattern is not None else None
        if unread is not None:
            ctx.fail((*pattern_column.path, "validate", "pattern"), *unread)
    keys = set(table.columns)
    key_names = [((*path, "primary_key_name"), spec.primary_key_name)]
    if spec.primary_key_name is not None and not spec.primary_key and not any(
            column.primary_key for column in spec.columns.values()):  # it would name nothing
        ctx.fail((*path, "primary_key_name"), f"`primary_key_name` names the primary key, and table `{table.name}` "
                 "has none", "add `primary_key: [...]` to the table (or `primary_key: true` to its key column), or "
                 "leave `primary_key_name` out")
    for keyed in table.columns.values():
        if keyed.spec.foreign_key_name is None:
            continue  # (most columns: no path built for them)
        if keyed.spec.references is None:
            ctx.fail((*keyed.path, "foreign_key_name"), "`foreign_key_name` names the foreign key that "
                     "`references:` makes, and this column has none", "add `references: table.column`")
        key_names.append(((*keyed.path, "foreign_key_name"), keyed.spec.foreign_key_name))
    key_names.extend(((*path, "foreign_keys", index, "name"), fk.name) for index, fk in enumerate(spec.foreign_keys))
    for name_path, key_name in key_names:
        problem = names.sql_name_problem(key_name) if key_name is not None else ""
        if problem:
            ctx.fail(name_path, f"`{key_name}` is not a usable constraint name: "
                     f"{'it contains `.`' if '`.`' in problem else problem}",
                     f"use letters, digits and `_`, e.g. `{names.snake_case(key_name or '') or 'my_constraint'}`")
    named: list[tuple[str, int, str | None]] = [
        *(("unique", i, u.name) for i, u in enumerate(spec.unique)),
        *(("indexes", i, x.name) for i, x in enumerate(spec.indexes)),
        *(("checks", i, c.name) for i, c in enumerate(spec.checks)),
    ]
    for kind, index, name in named:
        problem = names.sql_name_problem(name) if name is not None else ""
        if problem:
            if "`.`" in problem:
                problem = "it contains `.`"
            ctx.fail((*path, kind, index, "name"), f"`{name}` is not a usable constraint name: {problem}",
                     f"use letters, digits and `_`, e.g. `{names.snake_case(name or '') or 'my_constraint'}`")
    for index, unique in enumerate(spec.unique):
        list_form = isinstance(ctx.raw_value((*path, "unique", index)), list)
        columns_path = (*path, "unique", index) if list_form else (*path, "unique", index, "columns")
        _known_columns(ctx, table, unique.columns, columns_path, f"unique constraint {index + 1}")
    index_names: dict[str, SpecPath] = {}
    for index, idx in enumerate(spec.indexes):
        plain = [part for part in idx.columns if isinstance(part, str)]
        if len(plain) == len(idx.columns):
            _known_columns(ctx, table, plain, (*path, "indexes", index, "columns"), f"index {index + 1}")
        if idx.name is not None:
            name_path = (*path, "indexes", index, "name")
            if idx.name in index_names:
                first = ctx.locate(index_names[idx.name])
                ctx.fail(name_path, f"index name `{idx.name}` is used twice (first at line {first.line}, "
                         f"column {first.column})", "give each index its own name, or leave `name:` out")
            index_names.setdefault(idx.name, name_path)
    for index, check in enumerate(spec.checks):
        if not check.sql.strip():
            ctx.fail((*path, "checks", index, "sql"), "a check needs an SQL expression",
                     'write the condition every row must meet, e.g. `sql: "age >= 0"`')
    if spec.soft_delete is not None and table.core_name is None:  # a Core table's is an error (columns.py)
        column = table.columns.get(spec.soft_delete)
        spath = (*path, "soft_delete")
        if column is None:
            ctx.fail(spath, f"`soft_delete` names the unknown column `{spec.soft_delete}`"
                     f"{did_you_mean(spec.soft_delete, keys)}", "add a nullable timestamp column, e.g. "
                     "`deleted_at: {type: timestamp}`")
        elif column.spec.type != "timestamp" or column.spec.array:
            kind = kind_of(column.spec) + ("[]" if column.spec.array else "")
            ctx.fail(spath, f"`soft_delete` column `{spec.soft_delete}` is a `{kind}` column; it must be a "
                     "nullable timestamp", f"make it `{spec.soft_delete}: {{type: timestamp}}`")
        elif not column.nullable:
            ctx.fail(spath, f"`soft_delete` column `{spec.soft_delete}` is not nullable; it must be a "
                     "nullable timestamp", f"remove `nullable: false` from `{spec.soft_delete}`: rows whose "
                     f"`{spec.soft_delete}` is null are the live ones")


def _index_parts(ctx: Context, table: ResolvedTable, index: int) -> None:
    """The parts of an index with expressions, orders or operator classes, its method, and what SQLite has."""
    idx = table.spec.indexes[index]
    path = (*table.path, "indexes", index)
    seen: list[str] = []
    for number, part in enumerate(idx.columns):
        part_path = (*path, "columns", number)
        if isinstance(part, str):  # (an index of plain names only is checked with the uniques)
            if any(not isinstance(other, str) for other in idx.columns):
                if part not in table.columns:
                    ctx.fail(part_path, f"`{part}` is not a column of `{table.name}`"
                             f"{did_you_mean(part, table.columns)}", f"columns of `{table.name}`: {one_of(table.columns)}")
                elif part in seen:
                    ctx.fail(part_path, f"index {index + 1} of table `{table.name}` lists the column `{part}` twice")
                seen.append(part)
            continue
        if (part.column is None) == (part.expr is None):
            ctx.fail(part_path, "an index part names either `column:` or `expr:`",
                     'e.g. `{column: created_at, order: desc}` or `{expr: "lower(email)"}`')
        elif part.column is not None and part.column not in table.columns:
            ctx.fail((*part_path, "column"), f"`{part.column}` is not a column of `{table.name}`"
                     f"{did_you_mean(part.column, table.columns)}", f"columns of `{table.name}`: {one_of(table.columns)}")
        elif part.column is not None and part.column in seen:
            ctx.fail((*part_path, "column"), f"index {index + 1} of table `{table.name}` lists the column "
                     f"`{part.column}` twice")
        elif part.expr is not None and not part.expr.strip():
            ctx.fail((*part_path, "expr"), "an index expression needs SQL", 'e.g. `{expr: "lower(email)"}`')
        ctx.no_nul((*part_path, "expr"), part.expr, "the index expression")
        if part.column is not None:
            seen.append(part.column)
        if part.ops is not None and ctx.spec.dialect == "sqlite":
            ctx.fail((*part_path, "ops"), "SQLite has no operator classes", "leave `ops:` out, or target "
                     "PostgreSQL (`dialect: postgresql`)")
    using = idx.using or "btree"
    if ctx.spec.dialect == "sqlite" and using != "btree":
        ctx.fail((*path, "using"), f"SQLite has only btree indexes, not `{using}`",
                 "leave `using:` out, or target PostgreSQL (`dialect: postgresql`; a SQLite test database then "
                 "gets a plain index)")
    if ctx.spec.dialect == "sqlite" and idx.ops is not None:
        ctx.fail((*path, "ops"), "SQLite has no operator classes", "leave `ops:` out, or target PostgreSQL "
                 "(`dialect: postgresql`)")
    if idx.unique and using != "btree":
        ctx.fail((*path, "using"), f"PostgreSQL makes unique indexes with btree only, not `{using}`",
                 "leave `using:` out, or drop `unique: true`")
    if using == "hash" and len(idx.columns) > 1:
        ctx.fail((*path, "using"), "a hash index covers one column or expression", "use btree for several")


def _known_columns(ctx: Context, table: ResolvedTable, keys: list[str], path: SpecPath, what: str) -> None:
    for index, key in enumerate(keys):
        if key not in table.columns:
            ctx.fail((*path, index), f"`{key}` is not a column of `{table.name}`"
                     f"{did_you_mean(key, table.columns)}", f"columns of `{table.name}`: {one_of(table.columns)}")
        elif key in keys[:index]:
            ctx.fail((*path, index), f"{what} of table `{table.name}` lists the column `{key}` twice")


def _rust_regex_problem(pattern: str) -> tuple[str, str] | None:
    """Why Pydantic cannot check `pattern`, with a hint; None when it can.

    Pydantic reads it with Rust's regex engine, the one that runs: Python's `re` would refuse what it
    takes (`\\p{Greek}`) and take what it refuses (`{,2}`), and warn on POSIX classes (`[[:alpha:]]`).
    """
    from pydantic_core import SchemaError, SchemaValidator, core_schema

    try:
        SchemaValidator(core_schema.str_schema(pattern=pattern))
    except SchemaError as error:
        said = str(error).rsplit("error: ", 1)[-1].strip()
    else:
        return None
    if said.startswith(("look-around", "backreferences")) or re.search(r"\\(?:[1-9]|k<)", pattern):
        return ("`pattern` uses a feature Pydantic's regular expressions do not have (look-around or "
                "back-references)", "rewrite it without `(?=`, `(?!`, `(?<=`, `(?<!`, `\\1` or `\\k<name>`")
    if re.search(r"(?<!\\)\{,", pattern):
        # Python's re reads `{,n}` as "0 to n"; Rust's regex refuses it and PostgreSQL reads it otherwise
        return ("`pattern` uses `{,n}`, which only Python's `re` reads as \"at most n\": Pydantic's regular "
                "expressions (Rust's regex) refuse it and PostgreSQL reads it differently",
                "write the lower bound: `{0,n}`")
    return (f"`pattern` is not a valid regular expression: {said}",
            "Pydantic reads `pattern` with Rust's regex syntax (no look-around or back-references)")
