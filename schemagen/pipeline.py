"""The whole pipeline for a set of specs: load -> validate -> resolve -> render -> format.

Everything happens in memory; `write.py` decides what reaches the disk.
"""

from __future__ import annotations

import hashlib
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING

from schemagen.errors import Position, SpecError, SpecErrors
from schemagen.fmt import InvalidSource, format_modules
from schemagen.fresh import MANIFEST, find_specs, manifest_bytes, spec_inputs
from schemagen.load import load_spec_text, read_spec
from schemagen.render import TemplateError, render_package
from schemagen.resolve import resolve
from schemagen.validate import validate_spec

__all__ = ["MANIFEST", "Output", "check_specs", "find_specs", "generate"]

if TYPE_CHECKING:
    from schemagen.cache import FormatCache
    from schemagen.ir import Package


@dataclass(frozen=True)
class Output:
    """The files of one generated package, by path relative to the output folder."""

    package: str
    spec_file: Path
    files: dict[str, bytes]


def check_specs(spec_files: list[Path]) -> None:
    """Load, validate and resolve every spec; raise SpecErrors with all problems found."""
    generate(spec_files, render=False)


def generate(spec_files: list[Path], *, render: bool = True, cache: FormatCache | None = None) -> list[Output]:
    errors: list[SpecError] = []
    packages: list[tuple[Path, Package]] = []
    inputs: dict[Path, dict[str, str]] = {}
    for spec_file in spec_files:
        try:
            raw = read_spec(spec_file)
            inputs[spec_file] = spec_inputs(spec_file, raw)
            loaded = load_spec_text(spec_file, raw)
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
    sources: dict[str, str] = {}
    for _, package in packages:
        for name, source in render_package(package).items():
            sources[f"{package.name}/{name}"] = source
    python = {path: source for path, source in sources.items() if path.endswith(".py")}
    try:
        sources.update(format_modules(python, cache))
    except InvalidSource as exc:
        template = exc.name.split("/", 1)[-1]
        raise TemplateError(f"template {template}.jinja produced invalid Python at line {exc.line}: {exc.message}\n"
                            f"{exc.text}") from None
    return [_output(spec_file, package, sources, inputs[spec_file]) for spec_file, package in packages]


def _output(spec_file: Path, package: Package, sources: dict[str, str], inputs: dict[str, str]) -> Output:
    prefix = f"{package.name}/"
    files = {path: source.encode("utf-8") for path, source in sources.items() if path.startswith(prefix)}
    digests = {path.split("/", 1)[1]: hashlib.sha256(data).hexdigest() for path, data in files.items()}
    files[f"{package.name}/{MANIFEST}"] = manifest_bytes(inputs, digests)
    return Output(package.name, spec_file, dict(sorted(files.items())))
