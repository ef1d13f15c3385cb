"""The whole pipeline for a set of specs: load -> validate -> resolve -> render -> format.

Everything happens in memory; `write.py` decides what reaches the disk.
"""

from __future__ import annotations

import hashlib
import json
from dataclasses import dataclass
from pathlib import Path

from schemagen import __version__
from schemagen.errors import Position, SpecError, SpecErrors
from schemagen.fmt import format_source
from schemagen.load import load_spec
from schemagen.render import TemplateError, render_package
from schemagen.resolve import resolve
from schemagen.validate import validate_spec

MANIFEST = ".schemagen.json"


@dataclass(frozen=True)
class Output:
    """The files of one generated package, by path relative to the output folder."""

    package: str
    spec_file: Path
    files: dict[str, bytes]


def find_specs(paths: list[Path]) -> list[Path]:
    """Spec files named directly, or the `*.yaml`/`*.yml` files of named folders, in sorted order."""
    found: list[Path] = []
    for path in paths:
        if path.is_dir():
            found.extend(sorted(p for p in path.iterdir() if p.suffix in (".yaml", ".yml") and p.is_file()))
        else:
            found.append(path)
    return found


def check_specs(spec_files: list[Path]) -> None:
    """Load, validate and resolve every spec; raise SpecErrors with all problems found."""
    generate(spec_files, render=False)


def generate(spec_files: list[Path], *, render: bool = True) -> list[Output]:
    errors: list[SpecError] = []
    packages = []
    for spec_file in spec_files:
        try:
            loaded = load_spec(spec_file)
            package = resolve(validate_spec(loaded), loaded)
        except SpecErrors as exc:
            errors.extend(exc.errors)
            continue
        packages.append((spec_file, package))
    seen: dict[str, Path] = {}
    for spec_file, package in packages:
        if package.name in seen:
            errors.append(SpecError(spec_file, Position(1, 1), f"package `{package.name}` is also generated from "
                                    f"{seen[package.name]}", "give one of them another `package:` name"))
        seen[package.name] = spec_file
    if errors:
        raise SpecErrors(errors)
    if not render:
        return []
    return [_render(spec_file, package) for spec_file, package in packages]


def _render(spec_file: Path, package: object) -> Output:
    from schemagen import ir

    assert isinstance(package, ir.Package)
    files: dict[str, bytes] = {}
    for name, source in render_package(package).items():
        if name.endswith(".py"):
            try:
                compile(source, f"{package.name}/{name}", "exec", dont_inherit=True)
            except SyntaxError as exc:
                raise TemplateError(f"template {name}.jinja produced invalid Python at line {exc.lineno}: {exc.msg}\n"
                                    f"{(exc.text or '').rstrip()}") from None
            source = format_source(source, f"{package.name}/{name}")
        files[f"{package.name}/{name}"] = source.encode("utf-8")
    manifest = {
        "generator": f"schemagen {__version__}",
        "spec": spec_file.name,
        "files": {path.split("/", 1)[1]: hashlib.sha256(data).hexdigest() for path, data in sorted(files.items())},
    }
    files[f"{package.name}/{MANIFEST}"] = (json.dumps(manifest, indent=2, sort_keys=True) + "\n").encode()
    return Output(package.name, spec_file, dict(sorted(files.items())))
