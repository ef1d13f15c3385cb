"""What the commands share: the typer app, exit codes, settings from pyproject.toml, running the pipeline."""

import gc
import tomllib
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Annotated, NoReturn, Optional

import typer

from schemagen.cli.ui import configure, elapsed, paint, paint_errors, plural, say, set_verbosity, shout

if TYPE_CHECKING:
    from schemagen.format.cache import FormatCache
    from schemagen.output.manifest import Output

app = typer.Typer(add_completion=False, no_args_is_help=True, pretty_exceptions_enable=False,
                  help="Generate SQLAlchemy models, Pydantic schemas and relation maps from YAML specs.")

EXIT_STALE = 1
EXIT_SPEC_ERROR = 2
EXIT_FAILURE = 3


QuietOption = Annotated[bool, typer.Option("--quiet", "-q", help="print only errors, diffs and hints")]
VerboseOption = Annotated[bool, typer.Option("--verbose", "-v", help="also list unchanged files and where the "
                                             "settings came from")]


_collector_after_start_up: bool | None = None
"""Whether the collector runs once start-up is over; None when it was not paused for start-up."""


def pause_collector_for_start_up(enabled: bool) -> None:
    """Start-up (importing typer and the commands, and typer importing Pydantic to check the
    parameters) creates ~50,000 objects the collector tracks, nearly all living as long as the
    process: its passes over them during start-up and after it free nearly nothing and cost ~7 % of
    the instructions of a no-op build. Paused until the command starts (`resume_collector`, from
    the callback every command runs first), then `enabled` or not."""
    global _collector_after_start_up
    _collector_after_start_up = enabled
    gc.disable()


def resume_collector() -> None:
    """End of start-up: what it created is moved out of the collector's sight (`gc.freeze`: the
    cycles start-up left, ~600 objects and 150 kB, are then never freed), and the collector is as
    it was before `pause_collector_for_start_up`: a command runs with it."""
    global _collector_after_start_up
    if _collector_after_start_up is None:
        return
    gc.freeze()
    if _collector_after_start_up:
        gc.enable()
    _collector_after_start_up = None


@contextmanager
def _collector_paused_for_generating() -> Iterator[None]:
    """`pipeline.collector_paused`, but what generating made is then moved out of the collector's
    sight (`gc.freeze`) before it runs again. Resumed as it was, its first pass went over all of
    that (every object the build allocated, most still in use: the outputs, the catalogs, the
    caches to save) on the build's way out: ~100 ms of a cold build of bench/realistic.py 300 (of
    ~2.1 s), to free ~140,000 objects of reference cycles, which the process ending right after
    frees as well. A process that goes on (a watch) collects them when it idles
    (`collect_what_generating_left`)."""
    was_enabled = gc.isenabled()
    gc.disable()
    try:
        yield
    finally:
        gc.freeze()
        if was_enabled:
            gc.enable()


def collect_what_generating_left() -> None:
    """For a process that goes on after a build: the reference cycles its generating left, which
    `_collector_paused_for_generating` kept from the collector, freed (a full pass), and what
    lives on moved out of the collector's sight again, as at the end of start-up."""
    gc.unfreeze()
    gc.collect()
    gc.freeze()


def _version(value: bool) -> None:
    if value:
        from schemagen import __version__

        typer.echo(f"schemagen {__version__}")
        raise typer.Exit()


@app.callback()
def _options(
    version: Annotated[bool, typer.Option("--version", callback=_version, is_eager=True,
                                          help="print schemagen's version and exit")] = False,
    quiet: QuietOption = False,
    verbose: VerboseOption = False,
) -> None:
    resume_collector()
    verbosity(quiet, verbose)
    configure(quiet=quiet, verbose=verbose)


def verbosity(quiet: bool, verbose: bool) -> None:
    """`--quiet`/`--verbose`, given before the command (`schemagen -q build`) or after it (`build -q`)."""
    if quiet and verbose:
        fail("--quiet and --verbose contradict each other; give one", EXIT_SPEC_ERROR)
    if quiet or verbose:
        set_verbosity(quiet=quiet, verbose=verbose)

SpecsArgument = Annotated[Optional[list[Path]], typer.Argument(help="spec files or folders (default: specs/)")]
OutOption = Annotated[Optional[Path], typer.Option("--out", "-o", help="output folder (default: generated/)")]


def project_settings() -> dict[str, object]:
    """`[tool.schemagen]` of ./pyproject.toml, if any."""
    try:
        with open("pyproject.toml", "rb") as stream:
            data = tomllib.load(stream)
    except (OSError, tomllib.TOMLDecodeError):
        return {}
    tools = data.get("tool", {})  # (a `tool` that is no table holds no settings of ours)
    section = tools.get("schemagen", {}) if isinstance(tools, dict) else {}
    return section if isinstance(section, dict) else {}


def project_line_length() -> int:
    """The line length generated code is laid out for: `line-length` of `[tool.schemagen]`, else of
    `[tool.black]`, else of `[tool.ruff]` in ./pyproject.toml, else black's default (88), so the
    project's own `black --check` and `ruff format --check` pass on the output."""
    from schemagen.format_defaults import DEFAULT_LINE_LENGTH

    try:
        with open("pyproject.toml", "rb") as stream:
            tools = tomllib.load(stream).get("tool", {})
    except (OSError, tomllib.TOMLDecodeError):
        return DEFAULT_LINE_LENGTH
    for tool in ("schemagen", "black", "ruff"):
        section = tools.get(tool) if isinstance(tools, dict) else None
        value = section.get("line-length", section.get("line_length")) if isinstance(section, dict) else None
        if value is None:
            continue
        if isinstance(value, bool) or not isinstance(value, int) or not 40 <= value <= 320:
            fail(f"pyproject.toml: [tool.{tool}] line-length must be a whole number from 40 to 320, not {value!r}",
                 EXIT_SPEC_ERROR)
        say(f"line length {value} ([tool.{tool}] in pyproject.toml)", level=1)
        return value
    return DEFAULT_LINE_LENGTH


PROJECT_OPTIONS = ("typescript", "erd")
"""Opt-ins `[tool.schemagen]` may set for every spec; a spec's own key of the same name wins."""


def project_options() -> dict[str, bool]:
    """`typescript` and `erd` of `[tool.schemagen]`, where given (each a boolean)."""
    settings = project_settings()
    options = {}
    for key in PROJECT_OPTIONS:
        if key not in settings:
            continue
        value = settings[key]
        if not isinstance(value, bool):
            fail(f"pyproject.toml: [tool.schemagen] {key} must be true or false, not {value!r}", EXIT_SPEC_ERROR)
        options[key] = value
    if options:
        say(f"{', '.join(f'{key} = {str(value).lower()}' for key, value in options.items())} "
            "([tool.schemagen] in pyproject.toml; a spec's own key wins)", level=1)
    return options


def spec_places(specs: list[Path] | None) -> list[Path]:
    """The spec files and folders given, else those of `[tool.schemagen]`, else specs/."""
    if specs:
        return specs
    configured = project_settings().get("specs", ["specs"])
    return [Path(str(p)) for p in (configured if isinstance(configured, list) else [configured])]


def inputs(specs: list[Path] | None, out: Path | None) -> tuple[list[Path], Path]:
    settings = project_settings()
    specs = spec_places(specs)
    if out is None:
        out = Path(str(settings.get("out", "generated")))
    say(f"specs: {', '.join(map(str, specs))}; output: {out}"
        f"{' ([tool.schemagen] in pyproject.toml)' if settings else ''}", level=1)
    from schemagen.spec.files import find_specs

    missing = [p for p in specs if not p.exists()]
    if missing:
        fail(f"no such spec file or folder: {', '.join(map(str, missing))}", EXIT_SPEC_ERROR)
    found = find_specs(specs)
    if not found:
        fail(f"no spec files (*.yaml, *.yml) in {', '.join(map(str, specs))}", EXIT_SPEC_ERROR)
    return found, out


def shown(path: Path) -> str:
    try:
        return str(path.relative_to(Path.cwd().resolve()))
    except ValueError:
        return str(path)


def write_text_output(text: str, out: Path | None) -> None:
    """Print `text`, or write it to `out` (saying whether it changed)."""
    if out is None:
        typer.echo(text, nl=False)
        return
    try:
        unchanged = out.is_file() and out.read_text("utf-8") == text
        if not unchanged:
            out.parent.mkdir(parents=True, exist_ok=True)
            out.write_text(text, "utf-8", newline="\n")
    except OSError as exc:
        fail(f"could not write {out}: {exc.strerror}", EXIT_FAILURE)
    say(f"{'unchanged' if unchanged else 'wrote'} {out}", err=True)


def fail(message: str, code: int) -> NoReturn:
    shout(f"{paint('schemagen', 'red', err=True, bold=True)}: {message}")
    raise typer.Exit(code)


def run_pipeline(specs: list[Path], cache: "FormatCache", line_length: int,
                 options: dict[str, bool] | None = None) -> "list[Output]":
    from schemagen.output import memo

    # the outputs of the same inputs, generated by an earlier run (a `check` before this `build`)
    given = memo.inputs(specs, line_length, options) if cache.path is not None else None
    known = memo.recall(given, specs) if given is not None else None
    if known is not None:
        return known
    outputs = _generate(specs, cache, line_length, options)
    if given is not None:
        memo.store(given, specs, outputs)
    return outputs


def _generate(specs: list[Path], cache: "FormatCache", line_length: int,
              options: dict[str, bool] | None = None) -> "list[Output]":
    from schemagen.format import FormatError
    from schemagen.pipeline import generate
    from schemagen.codegen import TemplateError
    from schemagen.errors import SpecErrors
    from schemagen.wire import ExtrasError

    try:
        with _collector_paused_for_generating():
            return generate(specs, cache=cache, line_length=line_length, options=options)
    except SpecErrors as exc:
        shout(paint_errors(exc.render()))
        raise typer.Exit(EXIT_SPEC_ERROR) from None
    except (TemplateError, FormatError) as exc:
        fail(f"internal error, please report it: {exc}", EXIT_FAILURE)
    except ExtrasError as exc:
        fail(f"{exc}; nothing was written", EXIT_FAILURE)


def proven_fresh(files: list[Path], out_dir: Path, command: str, line_length: int,
                 options: dict[str, bool] | None = None) -> bool:
    """True (after saying so) when the manifests prove `out_dir` up to date; see `schemagen.output.fresh`."""
    from schemagen.output.fresh import up_to_date
    from schemagen.output.write import locked, recover

    if not out_dir.is_dir():
        return False
    with locked(out_dir):
        if recover(out_dir):
            shout(f"rolled back an interrupted build in {out_dir}")
            return False
        checked = up_to_date(files, out_dir, line_length, options)
    if checked is None:
        return False
    total = sum(checked.values())
    packages = f"{plural(len(checked), 'package')} ({', '.join(checked)})"
    if command == "build":
        say(f"built {packages}: 0 written, {total} unchanged, 0 removed in {elapsed()} "
            "(the manifests show the inputs and outputs unchanged)")
    else:
        say(f"{out_dir} is up to date ({total} files, {packages}; shown by the manifests) in {elapsed()}")
    return True


def generate_unless_fresh(specs: list[Path] | None, out: Path | None, command: str) -> "Generated | None":
    """The pipeline's outputs for the command's specs, or None when the manifests prove `out` current."""
    files, out_dir = inputs(specs, out)
    line_length, options = project_line_length(), project_options()
    if proven_fresh(files, out_dir, command, line_length, options):
        return None
    from schemagen.format.cache import FormatCache

    from schemagen.output.manifest import orphaned_packages

    cache = FormatCache.for_output(out_dir)
    outputs = run_pipeline(files, cache, line_length, options)
    return Generated(out_dir, outputs, cache, orphaned_packages(out_dir, files, {o.package for o in outputs}))


@dataclass(frozen=True)
class Generated:
    out_dir: Path
    outputs: "list[Output]"
    cache: "FormatCache"
    orphans: list[Path]
    """Package folders schemagen wrote whose spec is gone."""

    def remember(self) -> None:
        """After a build wrote, or a check confirmed, these outputs: the next run may skip generating."""
        from schemagen.output.fresh import MANIFEST, remember

        self.cache.save()
        remember(self.out_dir, {o.package: o.files[f"{o.package}/{MANIFEST}"] for o in self.outputs})
