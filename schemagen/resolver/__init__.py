"""Stage 3, resolve: the typed spec -> the `Catalog` (names, types, defaults, keys, relations).

Every cross-reference is checked here, so that a spec that resolves always gives a catalog the
code generator (and any other consumer) can use without checking anything again. The steps run in
order, each module one concern; errors are collected and raised together at the end of a step whose
results the next steps need.
"""

from __future__ import annotations

from schemagen import names
from schemagen.catalog import Catalog
from schemagen.errors import SpecPath
from schemagen.resolver import columns, constraints, foreign_keys, relations, shapes
from schemagen.resolver.context import Context
from schemagen.resolver.freeze import freeze
from schemagen.spec.load import LoadedSpec
from schemagen.spec.model import Spec

__all__ = ["resolve"]


def resolve(spec: Spec, loaded: LoadedSpec | None = None) -> Catalog:
    """The catalog of one spec, or SpecErrors listing every semantic problem found.

    `loaded` (the YAML the spec was validated from) gives errors their file positions and the
    default package name; without it the spec must name its package, and errors point at line 1.
    """
    ctx = Context(spec, loaded)
    package = _package_name(ctx)
    shapes.enums(ctx)
    shapes.shapes(ctx)
    columns.tables(ctx)
    ctx.check()
    foreign_keys.foreign_keys(ctx)
    ctx.check()
    relations.relations(ctx)
    constraints.table_rules(ctx)
    ctx.check(last=True)
    return freeze(ctx, package)


def _package_name(ctx: Context) -> str:
    if ctx.loaded is None and not ctx.spec.package:
        ctx.fail(("package",), "a spec built in memory has no file name to take its package name from",
                 "set `package:`")
        return "package"
    package = ctx.spec.package or ctx.file.stem
    where: SpecPath = ("package",) if ctx.spec.package else ()
    suggestion = names.suggest_identifier(package, "models")
    if not names.is_identifier(package) or package in names.PYTHON_KEYWORDS or package.startswith("_"):
        if ctx.spec.package:
            ctx.fail(where, f"`{package}` cannot be a Python package name",
                     f"use lowercase letters, digits and `_`, e.g. `package: {suggestion}`")
        else:
            ctx.fail(where, f"the package name `{package}` comes from the file name and is not a Python "
                     "identifier", f"add `package: {suggestion}` to the spec, or rename the file")
    elif package in names.IMPORTED_MODULES:
        ctx.fail(where, f"package `{package}` would hide the module `{package}`, which the generated code "
                 "imports", f"choose another name, e.g. `package: {package}_models`")
    return package
