"""Import lists for generated modules, with aliases where a generated attribute takes the name."""

from __future__ import annotations

import re
from typing import Any

from schemagen.codegen.literals import Code, from_import

_STDLIB = frozenset({"calendar", "collections", "copy", "datetime", "decimal", "enum", "functools", "ipaddress", "math", "re",
                     "struct", "typing", "uuid"})


class Imports:
    """Collects what one generated module uses and hands back the local name to write.

    `taken` holds the attribute names defined in the module's class bodies: an import with the same
    name would be shadowed inside those bodies, so it is imported under an underscore alias.
    """

    def __init__(self, taken: set[str] | frozenset[str] = frozenset()) -> None:
        self.taken = taken
        self.modules: dict[str, str] = {}
        self.names: dict[tuple[str, str], str] = {}
        # modules whose names are imported for type checkers alone (`if TYPE_CHECKING:`), and the
        # names among them bound to `Any` at run time (annotations the module evaluates)
        self.type_only: frozenset[str] = frozenset()
        self.placeholders: dict[str, str] = {}
        # the render cache's record of one table's calls (`codegen/fragments.py`), each kept once:
        # (label, method, args, keyword args, result)
        self.journal: list[Any] | None = None
        self.journaled: set[object] = set()  # what the journal holds: a module, or (module, name, exact)

    def module(self, module: str) -> str:
        local = self.modules.get(module)
        if local is None:
            local = module if module not in self.taken else f"_{module}"
            self.modules[module] = local
        # asked again, an import gives the same name and changes nothing: journaled once
        if self.journal is not None and module not in self.journaled:
            self.journaled.add(module)
            self.journal.append(("imports", "module", (module,), (), local))
        return local

    def name(self, module: str, name: str, *, exact: bool = False) -> str:
        """The local name for `from module import name`; `exact` imports it under its own name."""
        key = (module, name)
        local = self.names.get(key)
        if local is None:
            local = name if exact or name not in self.taken else f"_{name}"
            self.names[key] = local
        if self.journal is not None and (noted := (module, name, exact)) not in self.journaled:
            self.journaled.add(noted)
            self.journal.append(("imports", "name", key, (("exact", True),) if exact else (), local))
        return local

    def for_type_checkers(self, modules: set[str], placeholders: set[str]) -> None:
        """Import what `modules` give inside `if TYPE_CHECKING:` alone; at run time the names of
        `placeholders` (modules) are `Any`, for the annotations the module evaluates."""
        self.type_only = frozenset(modules)
        if not any(module in modules for module, _ in self.names):
            return
        self.name("typing", "TYPE_CHECKING")
        self.placeholders = {name: local for (module, name), local in self.names.items() if module in placeholders}
        if self.placeholders:
            self.name("typing", "Any")

    def locals(self) -> dict[str, Code]:
        """Local names of everything imported, by plain name (`postgresql` for its module)."""
        found = {module.rsplit(".", 1)[-1]: Code(local) for module, local in self.modules.items()}
        # Templates name library imports only; the package's own classes never shadow them here.
        found.update({name: Code(local) for (module, name), local in self.names.items() if not module.startswith(".")})
        return found

    def render(self) -> tuple[Code, ...]:
        groups: dict[int, list[str]] = {0: [], 1: [], 2: []}
        for module, local in sorted(self.modules.items()):
            line = f"import {module}" if local == module else f"import {module} as {local}"
            groups[_group(module)].append(line)
        checking: dict[int, list[str]] = {0: [], 1: [], 2: []}
        by_module: dict[str, list[str]] = {}
        for (module, name), local in self.names.items():
            by_module.setdefault(module, []).append(name if local == name else f"{name} as {local}")
        for module in sorted(by_module):
            names = sorted(by_module[module], key=member_sort_key)
            into = checking if module in self.type_only else groups
            # ruff's and isort's default (no `combine-as-imports`): an aliased name on a line of its own
            plain = [name for name in names if " as " not in name]
            if plain:
                into[_group(module)].append(from_import(module, plain))
            into[_group(module)].extend(from_import(module, [name]) for name in names if " as " in name)
        blocks = ["\n".join(sorted(lines, key=_import_sort_key)) for _, lines in sorted(groups.items()) if lines]
        if any(checking.values()):
            blocks.append(self._type_checking(checking))
        return tuple(Code(block) for block in blocks)

    def _type_checking(self, groups: dict[int, list[str]]) -> str:
        lines = ["\n".join(sorted(lines, key=_import_sort_key)) for _, lines in sorted(groups.items()) if lines]
        block = "if " + self.names[("typing", "TYPE_CHECKING")] + ":\n" + _indented("\n\n".join(lines))
        if self.placeholders:
            any_ = self.names[("typing", "Any")]
            placeholders = [f"{local} = {any_}" for _, local in sorted(self.placeholders.items())]
            why = "# imported when first used (with Pydantic); what the annotations name until then"
            block += "\nelse:\n" + _indented("\n".join([why, *placeholders]))
        return block


def member_sort_key(name: str) -> tuple[int, list[str | tuple[int, str | int]], str]:
    """isort's and ruff's default order of the names of a `from` import (`order-by-type`):
    constants, then classes, then everything else, each case-insensitively and in natural order
    (`Member0020` before `Member00200003`)."""
    base = name.split(" ")[0]
    kind = 0 if base.isupper() and len(base) > 1 else 1 if base[:1].isupper() else 2
    return (kind, natural(base), name)


def natural(text: str) -> list[str | tuple[int, str | int]]:
    """The natural order ruff sorts by (its `natord`): a run of digits by value, or digit by digit
    when it starts with 0 (`0020` < `00200003` < `0045`)."""
    parts = re.split(r"(\d+)", text.lower())
    return [part if index % 2 == 0 else (0, part) if part.startswith("0") else (1, int(part))
            for index, part in enumerate(parts)]


def _indented(text: str) -> str:
    return "\n".join("    " + line if line else line for line in text.splitlines())


def _group(module: str) -> int:
    if module.startswith("."):
        return 2
    return 0 if module.split(".")[0] in _STDLIB else 1


def _import_sort_key(line: str) -> tuple[int, list[str | tuple[int, str | int]], bool, tuple[int, list[str | tuple[int, str | int]], str]]:
    # ruff's and isort's defaults: every `import x` of a section, then its `from x import ...`;
    # a module's aliased names after its plain ones
    parts = line.split()
    aliased = parts[0] == "from" and " as " in line
    return (0 if parts[0] == "import" else 1, natural(parts[1]), aliased,
            member_sort_key(parts[3]) if aliased else (0, [], ""))
