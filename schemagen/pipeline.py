"""The whole pipeline for a set of specs: load -> validate -> resolve -> generate -> format.

Everything happens in memory; `schemagen.output.write` decides what reaches the disk.
"""

from __future__ import annotations

import gc
import hashlib
import marshal
from collections.abc import Callable, Iterator, Mapping
from contextlib import contextmanager
from pathlib import Path
from typing import TYPE_CHECKING, Any

from schemagen import early
from schemagen.catalog import Catalog
from schemagen.codegen import (
    MARKER_FILES, RENDER_CACHE_NAMESPACES, RENDERED_ORDER, TemplateError, render_catalog, render_modules,
    typescript_source,
)
from schemagen.codegen.render_cache import RenderCache
from schemagen.codegen.warm_up import compiled_aside
from schemagen.errors import Position, SpecError, SpecErrors
from schemagen.format import InvalidSource, format_modules, format_statements, statement_bounds
from schemagen.format.style import DEFAULT_LINE_LENGTH, laid_out_for
from schemagen.forked import Forked, Shared, may_fork
from schemagen.output.manifest import MANIFEST, Output, manifest_bytes
from schemagen.resolver.incremental import catalog_cached
from schemagen.spec.files import find_specs
from schemagen.spec.incremental import load_cached
from schemagen.spec.load import read_spec
from schemagen.wire import extras

__all__ = ["MANIFEST", "Output", "catalogs", "check_specs", "collector_paused", "find_specs", "generate"]

if TYPE_CHECKING:
    from schemagen.format.cache import FormatCache


@contextmanager
def collector_paused() -> Iterator[None]:
    """Generating allocates a great many long-lived objects and makes few reference cycles: the
    collector's passes over them cost about a fifth of a large build and free little (measured at
    2000 tables: 5.2 s instead of 8.2 s, peak memory 279 MiB instead of 226 MiB). Paused for the
    block, then left as the caller had it."""
    was_enabled = gc.isenabled()
    gc.disable()
    try:
        yield
    finally:
        if was_enabled:
            gc.enable()


def check_specs(spec_files: list[Path]) -> None:
    """Load, validate and resolve every spec; raise SpecErrors with all problems found."""
    catalogs(spec_files)


def catalogs(spec_files: list[Path], options: Mapping[str, bool] | None = None,
             writes: list[Callable[[], None]] | None = None) -> list[tuple[Path, bytes, Catalog]]:
    """(spec file, its bytes, its catalog) for every spec, or SpecErrors with every problem of every spec;
    `options` (the project's `typescript`/`erd`) apply to each spec that does not set the key itself.
    What loading and resolving keep in the cache is written at once, or left in `writes` to run later."""
    errors: list[SpecError] = []
    resolved: list[tuple[Path, bytes, Catalog]] = []
    early.wait_loaded(spec_files)  # a child forked at start-up may be storing their parts: then they load warm
    for spec_file in spec_files:
        try:
            raw = read_spec(spec_file)
            catalog = catalog_cached(load_cached(spec_file, raw, writes), options, writes)
        except SpecErrors as exc:
            errors.extend(exc.errors)
            continue
        resolved.append((spec_file, raw, catalog))
    seen: dict[str, Path] = {}
    for spec_file, _, catalog in resolved:
        if catalog.package in seen:
            errors.append(SpecError(spec_file, Position(1, 1), f"package `{catalog.package}` is also generated from "
                                    f"{seen[catalog.package]}", "give one of them another `package:` name"))
        seen[catalog.package] = spec_file
    if errors:
        raise SpecErrors(errors)
    return resolved


def generate(spec_files: list[Path], *, cache: FormatCache | None = None,
             line_length: int = DEFAULT_LINE_LENGTH, options: Mapping[str, bool] | None = None) -> list[Output]:
    """The files of every spec's package, laid out for `line_length` columns, with their manifests
    (nothing is written); `options` are the project's opt-ins (see `catalogs`).

    The caches of loading and resolving (339 tables: ~200 M instructions, 30 ms, on one core before
    the split) are written once this process has forked its child (`_on_two_cores`), so that the
    other core shares them; else when generating ends, however it ends (they hold the specs' loads
    and catalogs, right whatever generating does). A write that fails fails the build as it would
    have done at once."""
    writes: list[Callable[[], None]] = []
    failures: list[Exception] = []

    def write_caches() -> None:
        while writes:
            try:
                writes.pop(0)()
            except Exception as exc:  # (raised after generating: not lost in `_on_two_cores`'s fallback)
                failures.append(exc)

    try:
        with compiled_aside(spec_files):  # the templates, on the core that loading leaves idle
            resolved = catalogs(spec_files, options, writes)
        with laid_out_for(line_length):
            try:
                sources = package_sources([catalog for _, _, catalog in resolved], cache, forked=write_caches)
            except InvalidSource as exc:
                template = exc.name.split("/", 1)[-1]
                raise TemplateError(f"template {template}.jinja produced invalid Python at line {exc.line}: "
                                    f"{exc.message}\n{exc.text}") from None
    finally:
        write_caches()
    if failures:
        raise failures[0]
    for _, _, catalog in resolved:
        prefix = f"{catalog.package}/"
        package = {path[len(prefix):]: source for path, source in sources.items()
                   if path.startswith(prefix) and path.endswith(".py")}
        sources.update({prefix + name: text for name, text in extras(catalog, package).items()})
    return [_output(spec_file, raw, catalog, sources, line_length, options) for spec_file, raw, catalog in resolved]


def package_sources(packages: list[Catalog], cache: FormatCache | None, *, prefixed: bool = True,
                    forked: Callable[[], None] | None = None) -> dict[str, str]:
    """Every file of each catalog's package, by `package/name` (by name alone unless `prefixed`: for
    one package), its Python formatted (`format_modules`, over `cache`). Made on two cores when it
    pays (`_on_two_cores`); the result, the errors and what the caches keep are the same either way.
    `forked`: work of this process's alone, done while a child works beside it when there is one
    (the caller does it otherwise; it must not raise)."""
    made = _on_two_cores(packages, cache, prefixed, forked)
    if made is not None:
        return made
    sources: dict[str, str] = {}
    for catalog in packages:
        for name, source in render_catalog(catalog).items():
            sources[_file_key(catalog, name, prefixed)] = source
    python = {path: source for path, source in sources.items() if path.endswith(".py")}
    sources.update(format_modules(python, cache))
    return sources


def _file_key(catalog: Catalog, name: str, prefixed: bool) -> str:
    return f"{catalog.package}/{name}" if prefixed else name


# The modules a forked child generates and formats while this process does the others. Measured on
# bench/realistic.py 300 (CPU seconds, generate + format): models.py 0.58-0.75, schemas.py 0.57-0.60,
# relations.py 0.22-0.27, the other three 0.02: the child's half is the longer, and it offers this
# process the formatting of schemas.py, region by region (`_SHARED_MODULE`), so that both end together.
_CHILD_MODULES = ("schemas.py", "relations.py")
# The child's module of classes whose regions (`statement_bounds`) it formats last, from the first,
# while this process, done with its own half, formats them from the last (`forked.Shared`).
_SHARED_MODULE = "schemas.py"
# A build of fewer tables stays in one process. The second core takes a third or more off generate's
# CPU time from a dozen tables on (CPU seconds, one process / the longer half: 12 tables 0.07 / 0.05,
# 37 tables 0.17 / 0.11, 66 tables 0.25 / 0.21); below this many tables that is under 50 ms, which
# a machine without an idle core (a CI runner running jobs side by side) turns into a loss.
_TWO_CORES_TABLES = 40


def _pays(packages: list[Catalog], cache: FormatCache | None) -> bool:
    """A second core saves time: the packages are large, and the child's modules are new to the
    format cache (a rebuild after an edit reuses most of their statements, too few to pay)."""
    if sum(len(catalog.tables) for catalog in packages) < _TWO_CORES_TABLES:
        return False
    return cache is None or any(cache.record(f"{catalog.package}/{name}") is None
                                for catalog in packages for name in _CHILD_MODULES)


Region = tuple[str, tuple[int, int, int]]
"""A region of a module to format: the module's key, and the region (`statement_bounds`)."""
Formatted = tuple[str, Any]
"""A region formatted, and its part of the module's record in the format cache."""


def _on_two_cores(packages: list[Catalog], cache: FormatCache | None, prefixed: bool,
                  forked: Callable[[], None] | None = None) -> dict[str, str] | None:
    """`package_sources`' result, the child's modules made in a forked child while this process
    makes the others (`forked.py`), the child's module of classes formatted by both; None where
    there is no child or anything failed: the caller then makes everything here, as without a
    child, which also gives any error as that would."""
    if not _pays(packages, cache) or not may_fork():
        return None
    render_caches = [RenderCache.for_catalog(catalog) for catalog in packages]

    def rendered(modules: tuple[str, ...]) -> dict[str, str]:
        out: dict[str, str] = {}
        for catalog, render_cache in zip(packages, render_caches):
            for name, source in render_modules(catalog, render_cache, modules).items():
                out[_file_key(catalog, name, prefixed)] = source
        return out

    def half(modules: tuple[str, ...]) -> tuple[dict[str, str], list[Progress]]:
        formatted = format_modules(rendered(modules), cache, aside=False)  # the second core is busy already
        return formatted, [cache.progress()] if cache is not None else []

    shared = Shared.create()
    child = Forked.start(lambda: _childs_half(rendered(_CHILD_MODULES), render_caches, cache, shared), shared)
    if child is None:
        if shared is not None:
            shared.close()
        return None
    try:
        own = tuple(name for name in RENDERED_ORDER if name not in _CHILD_MODULES)
        formatted, progress = half(own)
        for render_cache in render_caches:
            if render_cache is not None:
                render_cache.made_in(_namespaces(own))  # (serialized for `save` while the child still works)
        if forked is not None:
            forked()  # (before `_help`: the child then formats more of the regions it offers)
        split, regions, helped = _help(shared, cache)
        answer = _answer(child.value(), shared, packages, prefixed, split, regions, helped)
        if answer is None:  # the child failed: its half made here (its render cache entries with it)
            theirs, their_progress = half(_CHILD_MODULES)
        else:
            theirs, made, their_progress, records = answer
            for render_cache, entries in zip(render_caches, made):
                if render_cache is not None:
                    render_cache.take(entries)
            if cache is not None:
                for key, record in records.items():
                    cache.keep_record(key, record, [])
        for render_cache in render_caches:
            if render_cache is not None:
                render_cache.save()
        if cache is not None:
            for part in progress + their_progress:
                cache.add(part)
        return _in_order(packages, {**formatted, **theirs}, prefixed)
    except Exception:
        return None  # (a template bug, say: made again in one process, it fails as it would there)
    finally:
        child.end()
        if shared is not None:
            shared.close()


Progress = tuple[set[str], dict[str, Any], "dict[str, str] | None"]
"""What a format cache kept of a part of the run (`FormatCache.progress`)."""


def _namespaces(modules: tuple[str, ...]) -> list[str]:
    return [namespace for name in modules for namespace in RENDER_CACHE_NAMESPACES.get(name, ())]


def _childs_half(sources: dict[str, str], render_caches: list[RenderCache | None], cache: FormatCache | None,
                 shared: Shared | None) -> tuple[bytes | tuple[int, int], bytes | tuple[int, int]]:
    """In the child: its modules (`sources`, rendered) formatted, its module of classes offered to
    the parent region by region (`_help`); its answer (`_answer`) in plain data, which marshal
    writes and reads several times quicker than pickle, in two parts: each in shared memory (where
    it is) when it fits there, else itself."""
    # a module new to the format cache is cut whole: its regions can be formatted anywhere
    split = {key: source for key, source in sources.items()
             if key.rpartition("/")[2] == _SHARED_MODULE and (cache is None or cache.record(key) is None)}
    regions = [(key, region) for key, source in split.items() for region in statement_bounds(source)]
    if shared is None or not regions or not shared.offer(marshal.dumps((split, regions)), len(regions)):
        split, regions = {}, []
    if shared is not None:
        shared.decline()  # (when nothing was offered: the parent waits for the offer no longer)
    formatted = format_modules({key: source for key, source in sources.items() if key not in split}, cache, aside=False)
    made = [{module: tuple(entries) for module, entries in render_cache.made_in(_namespaces(_CHILD_MODULES)).items()}
            if render_cache is not None else None for render_cache in render_caches]  # (plain tuples: marshal's)
    # the answer but for the regions, made before them: the parent formats more of them meanwhile
    before = _placed(marshal.dumps((formatted, made, cache.progress() if cache is not None else None)), shared)
    done: dict[int, Formatted] = {}
    while shared is not None and (index := shared.take_front()) is not None:
        key, region = regions[index]
        done[index] = format_statements(key, split[key], region, cache)
    parsed, _, used = cache.progress() if cache is not None else (set(), {}, None)
    return before, _placed(marshal.dumps((done, (parsed, {}, used))), shared)


def _placed(data: bytes, shared: Shared | None) -> bytes | tuple[int, int]:
    span = shared.put(data) if shared is not None else None
    return data if span is None else span


def _taken(part: Any, shared: Shared | None) -> Any:
    """A part of the child's answer (`_placed`), or None."""
    if isinstance(part, bytes):
        return part
    if shared is None or not (isinstance(part, tuple) and len(part) == 2 and all(isinstance(end, int) for end in part)):
        return None
    return shared.get(part)


def _help(shared: Shared | None, cache: FormatCache | None) -> tuple[dict[str, str], list[Region], dict[int, Formatted]]:
    """The regions the child offered (its modules' sources, the regions), and those of them
    formatted here, from the last, until the child has taken the others."""
    data = shared.offered() if shared is not None else None
    if shared is None or data is None:
        return {}, [], {}
    split, regions = marshal.loads(data)
    helped: dict[int, Formatted] = {}
    while (index := shared.take_back()) is not None:
        key, region = regions[index]
        helped[index] = format_statements(key, split[key], region, cache)
    return split, regions, helped


def _answer(answer: Any, shared: Shared | None, packages: list[Catalog], prefixed: bool, split: dict[str, str],
            regions: list[Region], helped: dict[int, Formatted]
            ) -> tuple[dict[str, str], list[Any], list[Progress], dict[str, Any]] | None:
    """The child's half from its answer and the regions formatted here: its modules formatted, its
    render caches' entries, what its format cache kept, and the format cache's records of the
    modules it split; None when the child failed, or its answer has not the shape of its half's."""
    if not (isinstance(answer, tuple) and len(answer) == 2):
        return None
    try:
        formatted, made, progress = marshal.loads(_taken(answer[0], shared))
        done, later = marshal.loads(_taken(answer[1], shared))
    except (TypeError, ValueError, EOFError):
        return None
    if not isinstance(formatted, dict) or not isinstance(done, dict) or not isinstance(made, list):
        return None
    if set(range(len(regions))) - done.keys() - helped.keys():
        return None
    records: dict[str, Any] = {}
    for key in split:
        texts, record = [], []
        for index, (region_key, _) in enumerate(regions):
            if region_key == key:
                text, part = done[index] if index in done else helped[index]
                texts.append(text)
                record.extend(part)
        formatted[key], records[key] = "".join(texts), record
    expected = {_file_key(catalog, name, prefixed) for catalog in packages for name in _CHILD_MODULES}
    if (formatted.keys() != expected or not all(isinstance(text, str) for text in formatted.values())
            or len(made) != len(packages)):
        return None
    return formatted, made, [progress, later] if progress is not None else [], records


def _in_order(packages: list[Catalog], formatted: dict[str, str], prefixed: bool) -> dict[str, str]:
    """The packages' files in the order `render_catalog` gives them: the Python `formatted`, then the others."""
    sources: dict[str, str] = {}
    for catalog in packages:
        for name in RENDERED_ORDER:
            key = _file_key(catalog, name, prefixed)
            if key in formatted:
                sources[key] = formatted[key]
        sources.update({_file_key(catalog, name, prefixed): text for name, text in MARKER_FILES.items()})
        if catalog.typescript:
            sources[_file_key(catalog, "types.ts", prefixed)] = typescript_source(catalog)
    return sources


def _output(spec_file: Path, raw: bytes, catalog: Catalog, sources: dict[str, str], line_length: int,
            options: Mapping[str, bool] | None) -> Output:
    package = catalog.package
    prefix = f"{package}/"
    files = {path: source.encode("utf-8") for path, source in sources.items() if path.startswith(prefix)}
    digests = {path.split("/", 1)[1]: hashlib.sha256(data).hexdigest() for path, data in files.items()}
    files[f"{package}/{MANIFEST}"] = manifest_bytes(spec_file.name, hashlib.sha256(raw).hexdigest(), digests,
                                                     line_length, options)
    return Output(package, spec_file, dict(sorted(files.items())), len(catalog.tables))
