"""What the resolve steps share: the spec, the errors found so far, and the schema being resolved.

The records here (`ResolvedTable`, `ResolvedColumn`, ...) are resolve's working state: they keep the
spec node and its path for error messages, and are frozen into the `Catalog` at the end.
Positions come from the loaded file when there is one; a spec built in memory is resolved too,
its errors then say where by their path inside the spec (`tables.users.columns.id.type`).
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from schemagen import catalog, names
from schemagen.catalog import TypeRef
from schemagen.errors import IN_MEMORY, NOWHERE, Position, SpecError, SpecErrors, SpecPath
from schemagen.spec.load import LoadedSpec
from schemagen.spec.model import Column, Relation, Spec, Table


def kind_of(spec: Column) -> str:
    """The column's kind: its type's name, or `sql` for a pass-through `{sql: ..., python: ...}`."""
    return spec.type if isinstance(spec.type, str) else "sql"


@dataclass
class ResolvedColumn:
    key: str
    attr: str
    sql_name: str
    spec: Column
    path: SpecPath
    table: str
    nullable: bool = True
    primary_key: bool = False
    autoincrement: bool = False
    identity: str | None = None  # "always" or "by default": a PostgreSQL identity column
    server_set: bool = False
    default_kind: str = ""  # "", literal, now, uuid, sql
    default_value: Any = None
    enum: str | None = None
    json_type: TypeRef | None = None  # parsed type expression of a typed JSON column


@dataclass
class ForeignKey:
    """A column's `references:` (one column) or an item of the table's `foreign_keys:` (one or more)."""

    table: str
    columns: list[ResolvedColumn]
    target_table: str
    target_columns: list[ResolvedColumn]
    on_delete: str | None = None
    on_update: str | None = None
    given_name: str | None = None
    use_alter: bool = False  # closes a cycle of foreign keys: created after the tables, dropped before

    @property
    def keys(self) -> str:
        """The columns as the spec lists them: `a` or `[a, b]`."""
        keys = [column.key for column in self.columns]
        return keys[0] if len(keys) == 1 else f"[{', '.join(keys)}]"

    @property
    def nullable(self) -> bool:
        """The key can be left NULL (then, MATCH SIMPLE, it references nothing)."""
        return any(column.nullable for column in self.columns)

    def names(self, keys: list[str]) -> bool:
        """`keys` (keys or SQL names, any order) are exactly this key's columns."""
        return len(keys) == len(self.columns) and all(
            any(key in (column.key, column.sql_name) for key in keys) for column in self.columns)


@dataclass
class ResolvedRelation:
    name: str
    attr: str
    table: str
    target: str
    kind: str  # many-to-one, one-to-one, one-to-one-inverse, one-to-many, many-to-many
    spec: Relation
    path: SpecPath
    fk: ForeignKey | None = None
    through: str | None = None
    link_fks: tuple[ForeignKey, ForeignKey] | None = None
    partner: ResolvedRelation | None = None
    overlaps: set[str] = field(default_factory=set)


@dataclass
class ResolvedTable:
    name: str
    class_name: str
    spec: Table
    path: SpecPath
    columns: dict[str, ResolvedColumn] = field(default_factory=dict)
    relations: dict[str, ResolvedRelation] = field(default_factory=dict)
    fks: list[ForeignKey] = field(default_factory=list)
    mapper_key: list[str] = field(default_factory=list)  # no primary key: the unique NOT NULL columns mapped by
    core_name: str | None = None  # not even those: a Core `Table` under this name


class Context:
    def __init__(self, spec: Spec, loaded: LoadedSpec | None) -> None:
        self.spec = spec
        self.loaded = loaded
        self.file = loaded.file if loaded is not None else IN_MEMORY
        self.errors: list[SpecError] = []
        # errors no later step depends on: they stop no step, so those steps' errors are found too
        self.aside: list[SpecError] = []
        self.tables: dict[str, ResolvedTable] = {}
        self.enum_names: dict[str, str] = {}  # spec enum name -> SQL type name
        self.shape_order: list[str] = []
        self.frozen_fks: dict[int, catalog.ForeignKey] = {}  # by id() of the working ForeignKey (freeze)
        self.public: dict[str, str] = {name: "a name the generated package defines itself"
                                        for name in names.PACKAGE_NAMES}

    # -- diagnostics -------------------------------------------------------------------------

    def locate(self, path: SpecPath, *, key: bool = False) -> Position:
        return self.loaded.source.locate(path, key=key) if self.loaded is not None else NOWHERE

    def error(self, path: SpecPath, message: str, hint: str = "", *, key: bool = False) -> SpecError:
        return SpecError(self.file, self.locate(path, key=key), message, hint, path)

    def fail(self, path: SpecPath, message: str, hint: str = "", *, key: bool = False) -> None:
        self.errors.append(self.error(path, message, hint, key=key))

    def fail_aside(self, path: SpecPath, message: str, hint: str = "") -> None:
        """An error that the next steps do not depend on: reported with theirs."""
        self.aside.append(self.error(path, message, hint))

    def check(self, *, last: bool = False) -> None:
        if self.errors or (last and self.aside):
            raise SpecErrors([*self.errors, *self.aside])

    def raw_value(self, path: SpecPath) -> Any:
        """The value at `path` as loaded (before validation): tells the short form from the long one."""
        node: Any = self.loaded.data if self.loaded is not None else self.spec.model_dump(by_alias=True)
        for part in path:
            try:
                node = node[part]
            except (KeyError, IndexError, TypeError):
                return None
        return node

    # -- names -------------------------------------------------------------------------------

    def claim(self, public: str, path: SpecPath, claim: str, owner: str) -> None:
        """Every public name of the package is unique across its modules.

        `claim` says how this part of the spec takes the name ("table `x` maps to the class"),
        `owner` names it as the earlier holder ("the model class of table `x`").
        """
        if public in self.public:
            fix = f"set `model:` on `{path[1]}`" if path[0] == "tables" else "rename one of them"
            self.fail(path, f"{claim} `{public}`, which is also {self.public[public]}", fix, key=True)
        else:
            self.public[public] = owner

    def class_name_ok(self, name: str, path: SpecPath, what: str, *, key: bool = True) -> bool:
        if not names.is_identifier(name) or names.needs_mapping(name):
            self.fail(path, f"{what} `{name}` is not a valid class name",
                      f"use a PascalCase identifier, e.g. `{names.class_name(name) or 'Status'}`", key=key)
            return False
        if not name[:1].isupper():
            example = name[:1].upper() + name[1:] if "_" not in name else names.class_name(name + "s")
            hint = f"e.g. `model: {example}`" if path[-1] == "model" else f"e.g. `{example}`"
            self.fail(path, f"{what} `{name}` must be PascalCase (start with a capital letter)", hint, key=key)
            return False
        return True

    def field_name_ok(self, key: str, path: SpecPath, what: str) -> bool:
        if not names.is_identifier(key):
            example = names.suggest_identifier(key, what)
            keep = "; set `column:` to keep the SQL name" if what == "column" else ""
            self.fail(path, f"{what} name `{key}` is not a valid Python identifier",
                      f"use letters, digits and `_`, not starting with a digit, e.g. `{example}`{keep}", key=True)
            return False
        if key.startswith("_"):
            self.fail(path, f"{what} name `{key}` starts with `_`, which Pydantic and SQLAlchemy keep for "
                      "themselves", f"name it `{key.lstrip('_') or 'value'}` and set `column: {key}`", key=True)
            return False
        return True

    def no_nul(self, path: SpecPath, text: str | None, what: str) -> None:
        if text is not None and "\x00" in text:
            self.fail(path, f"{what} holds a NUL character, which PostgreSQL cannot store", "remove it")

    def fks_between(self, source: str, target: str) -> list[ForeignKey]:
        return [fk for fk in self.tables[source].fks if fk.target_table == target]
