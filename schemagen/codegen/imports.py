"""Import lists for generated modules, with aliases where a generated attribute takes the name."""

from __future__ import annotations

from schemagen.codegen.literals import Code, from_import

_STDLIB = frozenset({"collections", "datetime", "decimal", "enum", "re", "struct", "typing", "uuid"})


class Imports:
    """Collects what one generated module uses and hands back the local name to write.

    `taken` holds the attribute names defined in the module's class bodies: an import with the same
    name would be shadowed inside those bodies, so it is imported under an underscore alias.
    """

    def __init__(self, taken: set[str] | frozenset[str] = frozenset()) -> None:
        self.taken = taken
        self.modules: dict[str, str] = {}
        self.names: dict[tuple[str, str], str] = {}

    def module(self, module: str) -> str:
        local = self.modules.get(module)
        if local is None:
            local = module if module not in self.taken else f"_{module}"
            self.modules[module] = local
        return local

    def name(self, module: str, name: str, *, exact: bool = False) -> str:
        """The local name for `from module import name`; `exact` imports it under its own name."""
        key = (module, name)
        local = self.names.get(key)
        if local is None:
            local = name if exact or name not in self.taken else f"_{name}"
            self.names[key] = local
        return local

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
        by_module: dict[str, list[str]] = {}
        for (module, name), local in self.names.items():
            by_module.setdefault(module, []).append(name if local == name else f"{name} as {local}")
        for module in sorted(by_module):
            names = sorted(by_module[module], key=lambda n: (n.split(" ")[0].lower(), n))
            groups[_group(module)].append(from_import(module, names))
        blocks = ["\n".join(sorted(lines, key=_import_sort_key)) for _, lines in sorted(groups.items()) if lines]
        return tuple(Code(block) for block in blocks)


def _group(module: str) -> int:
    if module.startswith("."):
        return 2
    return 0 if module.split(".")[0] in _STDLIB else 1


def _import_sort_key(line: str) -> tuple[str, int]:
    # `import x` sorts with `from x import ...` by module name, plain imports first.
    parts = line.split()
    return (parts[1], 0 if parts[0] == "import" else 1)
