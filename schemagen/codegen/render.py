"""Stage 4, render: IR -> Python source text, one template per generated module.

The Jinja environment accepts only `Code` in `{{ }}` (see `literals.py`): a raw string that reached
a template by mistake fails the build instead of landing unescaped in the output.
"""

from __future__ import annotations

import contextlib
import os
from functools import lru_cache
from pathlib import Path
from typing import TYPE_CHECKING, Any, Iterable

from schemagen.codegen import ir
from schemagen.codegen.imports import member_sort_key
from schemagen.codegen.literals import Code, from_import
from schemagen.codegen.wrap import assignment
from schemagen.resources import cache_root, templates_dir

if TYPE_CHECKING:
    import jinja2

    from schemagen.codegen import typescript


class TemplateError(Exception):
    """A template produced something that is not valid Python, or used a value it may not."""


def _only_code(value: Any) -> Any:
    if isinstance(value, Code):
        return value
    raise TemplateError(f"template tried to output {type(value).__name__} {str(value)[:60]!r}; only Code may be output")


def _join_code(items: Iterable[Code], separator: str) -> Code:
    items = list(items)
    for item in items:
        _only_code(item)
    return Code(separator.join(items))


def _from_import(names: Iterable[Code], module: str) -> Code:
    items = list(names)
    for item in items:
        _only_code(item)
    return from_import(module, sorted(items, key=member_sort_key))


def _assignment(field: ir.Field, indent: int = 4) -> Code:
    """A class-body `name: annotation = default` line, wrapped as black wraps it when too long."""
    name, annotation, default = field.name, field.annotation, field.default
    # checked inline: the templates lay out ~20,000 fields for 300 tables
    if not (isinstance(name, Code) and isinstance(annotation, Code) and (default is None or isinstance(default, Code))):
        for part in (name, annotation, default):
            if part is not None:
                _only_code(part)
    return assignment(name, annotation, default, indent)


def _made(folder: Path) -> Path | None:
    """`folder`, made if need be; None when it cannot be written (a read-only cache, a file in the
    way): jinja's bytecode cache raises then, and an unusable cache must only cost time."""
    try:
        folder.mkdir(parents=True, exist_ok=True)
    except OSError:
        return None
    return folder if os.access(folder, os.W_OK) else None


def bytecode_folder() -> Path | None:
    """Where jinja's bytecode cache keeps the compiled templates; None with no usable cache."""
    root = cache_root()
    return _made(root / "templates") if root is not None else None


BYTECODE_FILE = "__jinja2_%s.cache"
"""The name of a compiled template's file in `bytecode_folder`, by jinja's key (jinja's default)."""


@lru_cache(maxsize=1)
def environment() -> jinja2.Environment:
    import jinja2

    # Compiling the templates costs more than rendering them (30-40 ms a process); jinja's bytecode
    # cache is keyed on each template's source, so a changed template is compiled again.
    folder = bytecode_folder()

    class BytecodeCache(jinja2.FileSystemBytecodeCache):
        """jinja's, but a compiled template it cannot write (a full or read-only disk: jinja raises
        the OSError out of rendering) is only not kept: the cache saves time, it never fails a build."""

        def dump_bytecode(self, bucket: jinja2.bccache.Bucket) -> None:
            with contextlib.suppress(OSError):  # (jinja removes its temporary file first)
                super().dump_bytecode(bucket)

    bytecode = BytecodeCache(str(folder), BYTECODE_FILE) if folder is not None else None
    env = jinja2.Environment(
        loader=jinja2.FileSystemLoader(templates_dir()),
        bytecode_cache=bytecode,
        undefined=jinja2.StrictUndefined,
        finalize=_only_code,
        autoescape=False,
        trim_blocks=True,
        lstrip_blocks=True,
        keep_trailing_newline=True,
    )
    env.filters["join_code"] = _join_code
    env.filters["from_import"] = _from_import
    env.filters["assignment"] = _assignment
    return env


def render_package(package: ir.Package) -> dict[str, str]:
    """Source text of each module of a package, by file name (not yet formatted)."""
    modules: dict[str, ir.Module] = {
        "__init__.py": package.init,
        "enums.py": package.enums,
        "types.py": package.types,
        "models.py": package.models,
        "schemas.py": package.schemas,
        "relations.py": package.relations,
    }
    out: dict[str, str] = {}
    for file_name, module in modules.items():
        text = render_module(package.name, package.header, file_name, module)
        if text is not None:
            out[file_name] = text
    out.update(MARKER_FILES)
    return out


MARKER_FILES = {"py.typed": ""}
"""The package's files that are not rendered (PEP 561's marker: the package ships its types)."""


def render_module(package: str, header: Code, file_name: str, module: ir.Module) -> str | None:
    """Source text of one module of a package (not yet formatted); None for a module the package
    leaves out (no enums, no shared types)."""
    if isinstance(module, ir.EnumsModule) and not module.enums:
        return None
    if isinstance(module, ir.TypesModule) and not (module.enums or module.shapes or module.interval):
        return None
    template = environment().get_template(f"{file_name}.jinja")
    return template.render(header=header, package=Code(package), module=module, n=module.names)


def render_typescript(package: str, module: typescript.TsModule) -> str:
    """types.ts of a package."""
    return environment().get_template("types.ts.jinja").render(package=Code(package), module=module)
