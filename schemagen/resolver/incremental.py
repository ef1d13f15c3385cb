"""Resolving a spec again after an edit that touched a few columns, from the catalog of its last resolve.

Resolving a 300-table spec takes ~200 ms, nearly all of it for tables an edit did not touch. The
cache keeps the catalog of a spec's last successful resolve, each table's records with the text of
its part (`LoadedSpec.parts`: an entry of `tables:`). A resolve that finds every part outside
`tables:` as it was, and the same tables in the same order, takes each table whose text is the
same from the cache. A table whose text changed is taken again only where its value differs from
the old one in *leaf* settings alone (`LEAF_COLUMN_KEYS`, the table's `comment`): settings that
resolve reads for that column or table and nowhere else (no other table, no foreign key or
relation sees them), so every other table's records stay what they were. That table is then
resolved on its own, with the checks of its columns and table rules, and frozen, keeping its
relations and foreign keys from the cache. Any other edit, any error, a spec the loader did not
split: a whole resolve (`resolve`), so results and errors are always a cold resolve's.

The cache lives in schemagen's cache folder, one file per spec path, keyed on the generator
fingerprint (all of schemagen's code) and Python, and sealed by a sha256 of its body
(`resources.read_sealed`); a cache that cannot be used only costs time.
"""

from __future__ import annotations

import hashlib
import sys
from collections.abc import Callable, Mapping
from dataclasses import replace
from functools import partial
from pathlib import Path
from typing import Any

from pydantic import ValidationError

from schemagen import catalog
from schemagen.catalog.records import record
from schemagen.resolver import resolve
from schemagen.resolver.columns import resolve_columns
from schemagen.resolver.constraints import rules_of_table
from schemagen.resolver.context import Context, ResolvedTable
from schemagen.resolver.freeze import freeze_table
from schemagen.resources import keep_recent, mark_used, read_sealed, spec_store, write_sealed
from schemagen.spec.load import LoadedSpec, load_part
from schemagen.spec.model import Spec
from schemagen.spec.scalars import SourceFloat, SourceInt
from schemagen.spec.validate import validate_spec

_MAGIC = b"schemagen resolved 1\n"
KEEP = 32  # spec files whose catalogs are kept beyond those this process resolves, the most recently used
_RESOLVED_HERE: set[Path] = set()

# Column settings resolve reads only for the column itself: its own checks (columns.py `_column_type`,
# `_rules`; `table_rules`: NUL in a comment, a pattern's syntax) and its frozen record with the
# table's rule checks (freeze.py). `length` only off `char`: a foreign key compares a char's length
# with the referenced column's (foreign_keys.py `_storage_type`).
LEAF_COLUMN_KEYS = frozenset({"comment", "length", "precision", "scale", "timezone", "validate", "secret",
                              "immutable"})
_LEAF_TABLE_KEYS = frozenset({"comment"})


@record
class _Held:
    """What the cache holds for one spec: its catalog's other parts and each table's part and records."""

    check: str
    package: str
    enums: memoryview
    shapes: memoryview
    tables: dict[str, tuple[str, int, memoryview, memoryview]]  # name: digest, column, text, records


def catalog_cached(loaded: LoadedSpec, options: Mapping[str, bool] | None = None,
                   writes: list[Callable[[], None]] | None = None) -> catalog.Catalog:
    """`resolve(with_options(validate_spec(loaded), options), loaded)`, validating and resolving only
    the tables an edit changed when the cache shows the others unchanged.

    Validating a 300-table spec takes ~50 ms. A table's value is validated on its own (no check of
    the spec model looks across entries of `tables:`), and the cache holds only specs that validated
    and resolved: a table whose part is unchanged validates as it did. So the spec is first validated
    without them; if the cache then answers (`_reuse`), that is the result; otherwise, and on any
    error, the whole spec is validated and resolved as a cold build does. The cache is written at
    once, or, given `writes`, left there for the caller to run later (see `spec.incremental.load_cached`)."""
    fast, tried = _without_unchanged_tables(loaded, options, writes)
    if fast is not None:
        return fast
    # (`tried`: the cache was asked already, and would answer no again)
    return resolve_cached(with_options(validate_spec(loaded), options), loaded, reuse=not tried, writes=writes)


def with_options(spec: Spec, options: Mapping[str, bool] | None) -> Spec:
    """The project's options (`typescript`, `erd`) applied to a spec that does not set them itself."""
    if not options:
        return spec
    return spec.model_copy(update={key: value for key, value in options.items() if key not in spec.model_fields_set})


def _without_unchanged_tables(loaded: LoadedSpec, options: Mapping[str, bool] | None,
                              writes: list[Callable[[], None]] | None) -> tuple[catalog.Catalog | None, bool]:
    """The catalog from the cache, with the spec validated but its unchanged tables; and whether the
    cache was asked (it was not where something outside the changed tables fails to validate)."""
    store = _store(loaded.file) if loaded.parts is not None else None
    tables = loaded.data.get("tables") if isinstance(loaded.data, dict) else None
    if store is None or not isinstance(tables, dict):
        return None, False
    held = _read(store)
    if held is None or list(held.tables) != list(tables):
        return None, held is not None
    parts = loaded.parts
    assert parts is not None
    changed = {name for name, (digest, *_) in held.tables.items()
               if ("tables", name) not in parts or parts[("tables", name)].digest != digest}
    # (at least one table: the model takes no empty `tables:`)
    validating = [name for name in tables if name in changed] or list(tables)[:1]
    try:
        validated = Spec.model_validate({**loaded.data, "tables": {name: tables[name] for name in validating}})
    except ValidationError:
        return None, False
    # Unchanged tables are not read past their names (the class names `months` is checked against)
    spec = with_options(validated, options).model_copy(
        update={"tables": {name: validated.tables.get(name) for name in tables}})
    if _check(spec, loaded) != held.check:
        return None, True
    reused = _reuse(spec, loaded, held)
    if reused is None:
        return None, True
    result, changed = reused
    if changed:
        _written(writes, partial(_write, store, held.check, result, loaded, held, changed))
    return result, True


def resolve_cached(spec: Spec, loaded: LoadedSpec, *, reuse: bool = True,
                   writes: list[Callable[[], None]] | None = None) -> catalog.Catalog:
    """`resolve(spec, loaded)`, taking the tables an edit did not change from the spec's last resolve
    (`reuse`; else only storing its catalog for the next); the cache written as `catalog_cached` says."""
    store = _store(loaded.file) if loaded.parts is not None else None
    check = _check(spec, loaded) if store is not None else None
    if store is None or check is None:
        return resolve(spec, loaded)
    held = _read(store)
    reused = _reuse(spec, loaded, held) if reuse and held is not None and held.check == check else None
    if reused is not None:
        result, changed = reused
        if not changed:
            return result
    else:
        result, changed = resolve(spec, loaded), set(spec.tables)
    _written(writes, partial(_write, store, check, result, loaded, held, changed))
    return result


def _written(writes: list[Callable[[], None]] | None, write: Callable[[], None]) -> None:
    """`write` run now, or left in `writes` (a catalog and its spec's parts are never changed once made)."""
    if writes is None:
        write()
    else:
        writes.append(write)


def _check(spec: Spec, loaded: LoadedSpec) -> str | None:
    """A digest of all a table's records may depend on but its own part: every part outside `tables:`,
    the tables' names in order, the project's options, the file, schemagen and Python; None when a
    table has no part of its own (`tables:` written in flow style)."""
    from schemagen.fingerprint import generator_fingerprint

    parts = loaded.parts
    assert parts is not None
    data = loaded.data
    tables = data.get("tables") if isinstance(data, dict) else None
    if not isinstance(tables, dict) or list(tables) != list(spec.tables) \
            or any(("tables", name) not in parts for name in spec.tables):
        return None
    digest = hashlib.sha256(f"{generator_fingerprint()}\0{sys.version}\0{loaded.file}\0{spec.typescript}\0"
                            f"{spec.erd}\0".encode())
    for path, part in parts.items():
        if path[:1] != ("tables",):
            digest.update(f"{path}\0{part.digest}\0".encode())
    digest.update("\0".join(spec.tables).encode())
    return digest.hexdigest()


def _reuse(spec: Spec, loaded: LoadedSpec, held: _Held) -> tuple[catalog.Catalog, set[str]] | None:
    """The catalog from the cache and the changed tables resolved on their own, and the names of
    those; None where they cannot be shown to be a whole resolve's."""
    parts = loaded.parts
    assert parts is not None
    if list(held.tables) != list(spec.tables):
        return None
    changed = {name for name, (digest, *_) in held.tables.items() if parts[("tables", name)].digest != digest}
    for name in changed:
        _, column, text, _ = held.tables[name]
        old = load_part(loaded.file, str(text, "utf-8"), column, 1)  # (an entry of `tables:`)
        if old is None or not _same(_outside_leaves(old.value), _outside_leaves(loaded.data["tables"][name])):
            return None
    from schemagen.catalog import stored  # (a cold build needs it only to write, after its fork: see `_write`)

    old_tables = {name: stored.load(catalog.Table, held.tables[name][3])[0] for name in changed}
    ctx = Context(spec, loaded)
    table_names = {name.lower() for name in spec.tables}
    resolved = {}
    for name in changed:
        table = resolved[name] = ResolvedTable(name, old_tables[name].class_name, spec.tables[name], ("tables", name))
        resolve_columns(ctx, table)
        rules_of_table(ctx, table, {}, table_names)
    if ctx.errors or ctx.aside:
        return None
    # (decoded once the changed tables are shown to resolve: ~30 ms for 300 tables)
    tables = {name: old_tables[name] if name in changed else stored.load(catalog.Table, records)[0]
              for name, (*_, records) in held.tables.items()}
    for name, table in resolved.items():
        old = old_tables[name]
        kept = {fk.target_columns for other in tables.values() for fk in other.foreign_keys
                if fk.target_table == name} | {fk.columns for fk in old.foreign_keys}
        tables[name] = replace(freeze_table(ctx, table, kept), relations=old.relations, foreign_keys=old.foreign_keys)
    return catalog.Catalog(held.package, loaded.file.name, spec.dialect, stored.load(catalog.Enum, held.enums),
                           stored.load(catalog.Shape, held.shapes), tuple(tables.values()),
                           typescript=spec.typescript, erd=spec.erd), changed


def _outside_leaves(table: Any) -> Any:
    """A table's value as loaded, without its leaf settings."""
    if not isinstance(table, dict):
        return table
    kept = {key: value for key, value in table.items() if key not in _LEAF_TABLE_KEYS}
    columns = kept.get("columns")
    if isinstance(columns, dict):
        kept["columns"] = {key: {name: setting for name, setting in value.items()
                                 if name not in LEAF_COLUMN_KEYS or (name == "length" and value.get("type") == "char")}
                           if isinstance(value, dict) else value for key, value in columns.items()}
    return kept


def _same(old: Any, new: Any) -> bool:
    """The two values as loaded are the same, numbers as written (`1.50` is not `1.5`), keys in order."""
    kind = type(old)
    if kind is not type(new):
        return False
    if kind is dict:
        return list(old) == list(new) and all(_same(value, new[key]) for key, value in old.items())
    if kind is list:
        return len(old) == len(new) and all(_same(a, b) for a, b in zip(old, new))
    if kind is SourceInt or kind is SourceFloat:
        return bool(old.text == new.text)
    return bool(old == new)


def _store(file: Path) -> Path | None:
    return spec_store("resolved", file)


def _read(store: Path) -> _Held | None:
    _RESOLVED_HERE.add(store)
    sealed = read_sealed(store, _MAGIC, "")
    if sealed is None:
        return None
    mark_used(store)
    header, body = sealed
    try:
        offset = 0

        def take(size: int) -> memoryview:
            nonlocal offset
            if not isinstance(size, int) or size < 0 or offset + size > len(body):
                raise ValueError("a size past the body")
            offset += size
            return body[offset - size:offset]

        enums, shapes = take(header["enums"]), take(header["shapes"])
        tables = {}
        for name, digest, column, text_size, records_size in header["tables"]:
            tables[name] = (digest, column, take(text_size), take(records_size))
        if offset != len(body) or not isinstance(header["check"], str) or not isinstance(header["package"], str):
            return None
        return _Held(header["check"], header["package"], enums, shapes, tables)
    except (KeyError, TypeError, ValueError):
        return None


def _write(store: Path, check: str, result: catalog.Catalog, loaded: LoadedSpec, held: _Held | None,
           changed: set[str]) -> None:
    # (imported here: a cold build writes after forking its child, and its prefix, on one core, need not
    # build the codecs of every record class: ~27 M instructions)
    from schemagen.catalog import stored

    parts = loaded.parts
    assert parts is not None
    body: list[bytes | memoryview] = []
    enums = stored.dump(result.enums)
    shapes = stored.dump(result.shapes)
    body += [enums, shapes]
    tables = []
    for table in result.tables:
        part = parts[("tables", table.name)]
        text = part.text.encode()
        records = held.tables[table.name][3] if held is not None and table.name not in changed else \
            stored.dump((table,))
        tables.append([table.name, part.digest, part.column, len(text), len(records)])
        body += [text, records]
    header = {"check": check, "package": result.package, "enums": len(enums), "shapes": len(shapes), "tables": tables}
    if write_sealed(store, _MAGIC, "", header, body):
        keep_recent(store.parent, "*.bin", KEEP, _RESOLVED_HERE)
