"""The formatter, its cache and the manifest freshness proof: output black leaves as it is.

`fmt.format_modules` keeps the lines it can prove black-clean, lays out over-long statements itself
(`format/layout.py`) and sends what is left to black; these tests hold its output to the same code
as the rendered source and to black-stability (`fmt.format_source` over it changes nothing) on every
spec we have, on hand-written edge cases, sequentially and over two processes; the CLI's cached, parallel
and uncached builds must write identical trees; `check` and a no-op `build` may skip generating
only when the manifests prove the output current, and must not import the heavy libraries then.
"""

from __future__ import annotations

import ast
import json
import os
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

import schemagen
from schemagen import format as fmt
from schemagen.codegen import render_catalog
from schemagen.format import lines
from tests.helpers import GOLDEN, GOLDEN_CASES, ROOT, run_cli, tree
from tests.test_injection import HOSTILE, _spec

sys.path.insert(0, str(ROOT / "bench"))
from workload import make_spec  # noqa: E402

SPECS = [ROOT / "specs" / "life_ceo.yaml", *(GOLDEN / case / "spec.yaml" for case in GOLDEN_CASES),
         *sorted((ROOT / "tests" / "specs" / "valid").glob("*.yaml"))]


def rendered(spec_file: Path) -> dict[str, str]:
    catalog = schemagen.resolve(schemagen.load_spec(spec_file))
    return {name: source for name, source in render_catalog(catalog).items() if name.endswith(".py")}


def assert_like_black(sources: dict[str, str]) -> None:
    """The formatter's output is the same code as the rendered source, and black leaves it as it is
    (black is the verifier here: the layout itself is schemagen's, `format/layout.py`)."""
    fast = fmt.format_modules(sources)
    for name, source in sources.items():
        assert same_code(fast[name], source), f"{name}: the formatter changed the code"
        assert fmt.format_source(fast[name], name) == fast[name], f"{name} is not black-stable"


def same_code(one: str, other: str) -> bool:
    """Equal syntax trees, docstrings compared line by line without edge whitespace (as black does)."""
    return _tree(one) == _tree(other)


def _tree(source: str) -> str:
    module = ast.parse(source)
    for node in ast.walk(module):
        if isinstance(node, ast.Expr) and isinstance(node.value, ast.Constant) and isinstance(node.value.value, str):
            node.value.value = "\n".join(line.strip() for line in node.value.value.strip().splitlines())
    return ast.dump(module)


@pytest.mark.parametrize("spec_file", SPECS, ids=lambda p: p.parent.name if p.name == "spec.yaml" else p.stem)
def test_equals_black_on_our_specs(spec_file: Path) -> None:
    assert_like_black(rendered(spec_file))


@pytest.mark.parametrize("index", range(len(HOSTILE)))
def test_equals_black_with_hostile_strings(tmp_path: Path, index: int) -> None:
    spec_file = tmp_path / "hostile.yaml"
    spec_file.write_text(_spec(f"hostile{index}", HOSTILE[index], sql_positions=True), "utf-8")
    assert_like_black(rendered(spec_file))


def test_equals_black_on_a_benchmark_workload_in_two_processes(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    spec_file = tmp_path / "bench.yaml"
    spec_file.write_text(make_spec(40), "utf-8")
    sources = rendered(spec_file)
    monkeypatch.setenv("SCHEMAGEN_JOBS", "2")
    parallel = fmt.format_modules(sources)
    monkeypatch.setenv("SCHEMAGEN_JOBS", "1")
    assert parallel == fmt.format_modules(sources)
    assert_like_black(sources)


EDGE_CASES = {
    "one-tuple exploded": 'x = (\n    1,\n)\n',
    "call with one argument exploded": 'x = f(\n    1,\n)\n',
    "subscript with one item exploded": 'x: dict[\n    str,\n] = {}\n',
    "list without a trailing comma": 'x = [\n    1,\n    2\n]\n',
    "nested exploded": 'x = {\n    "a": f(\n        b=1,\n        c=2,\n    ),\n    "d": (1,),\n}\n',
    "exploded call that fits": 'x = f(\n    a,\n    b,\n)\n',
    "closer with more after it": 'x = [\n    1,\n    2,\n].copy()\n',
    "wrong indent": 'x = [\n  1,\n  2,\n]\n',
    "long line in a class": "class A:\n    x: int = f(" + ", ".join(f"a{i}" for i in range(30)) + ")\n",
    "long import": "from m import " + ", ".join(f"name{i}" for i in range(30)) + "\n",
    "import then statement": "import os\n\nx = f(" + ", ".join(f"a{i}" for i in range(30)) + ")\n",
    "long def header": "def f(" + ", ".join(f"a{i}: int" for i in range(12)) + ") -> None:\n    pass\n",
    "multi-line docstring": 'class A:\n    """First.\n\n  indented\n    more   \n    """\n\n    x = 1\n',
    "docstring with edge spaces": 'class A:\n    """ padded """\n',
    "docstring ending in a quote": 'class A:\n    """say \\"hi\\""""\n',
    "module docstring, multi-line": '"""Top.\n\n   body\n"""\n\nx = 1\n',
    "wide characters": "x = f(" + ", ".join(['"漢字漢字漢字"'] * 8) + ")\n",
    "deep statement": "class A:\n    def f(self) -> None:\n        if True:\n            y = g(" + ", ".join(
        f"a{i}" for i in range(25)) + ")\n",
    "comment lines": "# header\nx = 1  # trailing\n\n\n# before\ndef f() -> None:\n    pass\n",
    # found by review: top-level decorators and multi-clause statements stay one chunk
    "top-level decorator": "import dataclasses\n\n\n@dataclasses.dataclass\nclass A:\n    x: int = 1\n",
    "top-level if/else": "if TYPE_CHECKING:\n    import a\nelse:\n    a = None\n",
    "top-level try/except": "try:\n    import a\nexcept ImportError:\n    a = None\nfinally:\n    pass\n",
    # found by the property test: a long alias of a one-item subscript (schemas.py's column aliases)
    # splits at its bracket, not in parentheses
    "one-item subscript assigned": "_StatusA000000000 = list[Annotated[int, Field(ge=-32768, le=32767, gt=-1, "
                                   "lt=100), _INT]]\n",
    "one-item subscript after a dot": "_StatusA000000000 = sa.orm.list[Annotated[int, Field(ge=-32768, "
                                      "le=32767, gt=-1, lt=100), _INT]]\n",
}


@pytest.mark.parametrize("source", EDGE_CASES.values(), ids=EDGE_CASES.keys())
def test_equals_black_on_edge_cases(source: str) -> None:
    assert_like_black({"edge.py": source})


# The CLI: cache, parallel, freshness ------------------------------------------------------------


def _build(spec_dir: Path, out: Path, cache: str, jobs: str = "") -> subprocess.CompletedProcess[str]:
    return run_cli("build", str(spec_dir), "--out", str(out), env={"SCHEMAGEN_CACHE_DIR": cache, "SCHEMAGEN_JOBS": jobs})


def test_cached_parallel_and_uncached_builds_write_the_same_bytes(tmp_path: Path) -> None:
    specs = tmp_path / "specs"
    specs.mkdir()
    (specs / "bench.yaml").write_text(make_spec(30), "utf-8")
    (specs / "life_ceo.yaml").write_bytes((ROOT / "specs" / "life_ceo.yaml").read_bytes())
    cache = tmp_path / "cache"
    assert _build(specs, tmp_path / "cold", "", "1").returncode == 0
    reference = tree(tmp_path / "cold")
    cached = tmp_path / "cached"
    assert _build(specs, cached, str(cache), "1").returncode == 0  # fills the cache
    assert tree(cached) == reference
    (cache_file,) = cache.glob("format-*.bin")
    filled = cache_file.read_bytes()
    shutil.rmtree(cached)
    assert _build(specs, cached, str(cache), "1").returncode == 0  # every piece from the cache
    assert tree(cached) == reference
    assert cache_file.read_bytes() == filled
    assert _build(specs, tmp_path / "parallel", "", "2").returncode == 0
    assert tree(tmp_path / "parallel") == reference


def test_a_warm_cache_leaves_black_nothing_to_do(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    from schemagen.format.cache import FormatCache

    sources = rendered(ROOT / "specs" / "life_ceo.yaml")
    cache = FormatCache(tmp_path / "format.bin")
    first = fmt.format_modules(sources, cache)
    cache.save()

    def no_black(*args: object, **kwargs: object) -> dict[fmt.Piece, str]:
        if args and args[0]:
            raise AssertionError("a piece missed the cache")
        return {}

    monkeypatch.setattr(fmt, "format_pieces", no_black)
    assert fmt.format_modules(sources, FormatCache(tmp_path / "format.bin")) == first


def test_a_corrupt_cache_is_ignored(tmp_path: Path) -> None:
    specs = tmp_path / "specs"
    specs.mkdir()
    (specs / "bench.yaml").write_text(make_spec(5), "utf-8")
    cache = tmp_path / "cache"
    assert _build(specs, tmp_path / "a", str(cache)).returncode == 0
    (cache_file,) = cache.glob("format-*.bin")
    cache_file.write_bytes(cache_file.read_bytes()[:-10])
    before = tree(tmp_path / "a")
    shutil.rmtree(tmp_path / "a")
    shutil.rmtree(cache / "outputs")  # else the build takes the first build's outputs, formatting nothing
    assert _build(specs, tmp_path / "a", str(cache)).returncode == 0
    assert tree(tmp_path / "a") == before
    from schemagen.format.cache import FormatCache

    assert FormatCache(cache_file).modules  # rewritten whole


def _shop(tmp_path: Path) -> tuple[Path, Path]:
    specs = tmp_path / "specs"
    specs.mkdir()
    (specs / "shop.yaml").write_text(make_spec(3, package="shop"), "utf-8")
    out = tmp_path / "out"
    assert run_cli("build", str(specs), "--out", str(out)).returncode == 0
    return specs, out


def test_check_and_noop_build_are_proven_by_the_manifest_without_heavy_imports(tmp_path: Path) -> None:
    specs, out = _shop(tmp_path)
    probe = (
        "import sys\n"
        "from schemagen.cli import main\n"
        "sys.argv = ['schemagen', sys.argv[1], sys.argv[2], '--out', sys.argv[3]]\n"
        "try:\n    main()\nexcept SystemExit as exc:\n    code = exc.code\nelse:\n    code = 0\n"
        # (typer itself imports pydantic, so pydantic is not on this list)
        "heavy = sorted(m for m in ('black', 'jinja2', 'sqlalchemy', 'yaml') if m in sys.modules)\n"
        "print('HEAVY', heavy, code)\n"
    )
    for command in ("check", "build"):
        result = subprocess.run([sys.executable, "-c", probe, command, str(specs), str(out)], capture_output=True,
                                text=True, cwd=ROOT, timeout=120)
        assert "shown by the manifests" in result.stdout or "manifests show" in result.stdout, result.stdout
        assert "HEAVY [] 0" in result.stdout, result.stdout


def test_check_falls_back_to_generating_when_the_proof_fails(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("SCHEMAGEN_CACHE_DIR", str(tmp_path / "cache"))
    specs, out = _shop(tmp_path)
    models = out / "shop" / "models.py"
    original = models.read_bytes()
    models.write_bytes(original + b"# edited\n")
    result = run_cli("check", str(specs), "--out", str(out))
    assert result.returncode == 1 and "edited by hand" in result.stdout
    models.write_bytes(original)

    manifest_file = out / "shop" / ".schemagen.json"
    manifest = json.loads(manifest_file.read_text("utf-8"))
    manifest_file.write_text(json.dumps(manifest), "utf-8")  # the same data, other bytes
    result = run_cli("check", str(specs), "--out", str(out))
    assert result.returncode == 1 and ".schemagen.json" in result.stdout
    assert run_cli("build", str(specs), "--out", str(out)).returncode == 0
    assert "shown by the manifests" in run_cli("check", str(specs), "--out", str(out)).stdout

    # Another version of schemagen (or a fresh machine) has no freshness record for this generator:
    # it generates and compares, finds the same bytes, and says the tree is up to date.
    (record,) = Path(os.environ["SCHEMAGEN_CACHE_DIR"]).glob("fresh-*.json")
    data = json.loads(record.read_text("utf-8"))
    data["generator"] = "0" * 64
    record.write_text(json.dumps(data), "utf-8")
    result = run_cli("check", str(specs), "--out", str(out))
    assert result.returncode == 0 and "is up to date" in result.stdout and "manifests" not in result.stdout
    assert "shown by the manifests" in run_cli("check", str(specs), "--out", str(out)).stdout

    spec = specs / "shop.yaml"
    spec.write_text(spec.read_text("utf-8").replace("length: 120", "length: 121", 1), "utf-8")
    result = run_cli("check", str(specs), "--out", str(out))
    assert result.returncode == 1 and "String(121)" in result.stdout


def test_a_spec_with_the_same_bytes_twice_is_not_proven(tmp_path: Path) -> None:
    specs, out = _shop(tmp_path)
    twin = tmp_path / "twin"
    twin.mkdir()
    (twin / "shop.yaml").write_bytes((specs / "shop.yaml").read_bytes())
    result = run_cli("check", str(specs), str(twin), "--out", str(out))
    assert result.returncode == 2 and "also generated from" in result.stderr


def test_a_template_that_renders_invalid_python_is_reported_with_its_line(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    from schemagen import pipeline
    from schemagen.codegen import TemplateError

    real = pipeline.render_catalog

    def broken(catalog: object) -> dict[str, str]:
        files = real(catalog)  # type: ignore[arg-type]
        files["models.py"] += "\n\nclass Broken(:\n    pass\n"
        return files

    monkeypatch.setattr(pipeline, "render_catalog", broken)
    spec = tmp_path / "shop.yaml"
    spec.write_text(make_spec(2, package="shop"), "utf-8")
    lines = real(schemagen.resolve(schemagen.load_spec(spec)))["models.py"].count("\n")
    with pytest.raises(TemplateError, match=rf"models.py.jinja produced invalid Python at line {lines + 3}"):
        pipeline.generate([spec])


@pytest.mark.parametrize("spec_file", SPECS[:2], ids=lambda p: p.parent.name if p.name == "spec.yaml" else p.stem)
def test_the_fast_line_splitter_equals_the_token_scanner(spec_file: Path) -> None:
    sources = [*rendered(spec_file).values(), *EDGE_CASES.values(),
               'x = """a\n(b"""\ny = [\n    "]",  # ]\n    \'[\',\n]\nz = 1\n']
    for source in sources:
        assert list(lines._logical_lines(source)) == list(lines._logical_lines_by_tokens(source))


def test_non_ascii_lines_are_left_to_black_where_the_width_decides(tmp_path: Path) -> None:
    # Found by the property test: `ß` is one column for black, so the line fits there.
    spec = tmp_path / "wide.yaml"
    spec.write_text("tables:\n  a:\n    model: Aa\n    columns:\n      id: {type: serial, primary_key: true}\n"
                    "      straße: {type: bytes, index: true}\n"
                    "      漢字漢字漢字漢字漢字漢字漢字: {type: varchar, length: 10, index: true, unique: true}\n", "utf-8")
    assert_like_black(rendered(spec))


def test_wide_lines_are_laid_out_without_black(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    # Widths are exact now (`style.str_width`), so the formatter knows where black would split a line
    # with wide characters, and `format/rhs.py` splits it as black does.
    spec = tmp_path / "wide.yaml"
    spec.write_text("tables:\n  a:\n    model: Aa\n    columns:\n      id: {type: serial, primary_key: true}\n"
                    "      straße: {type: bytes, index: true}\n"
                    "      漢字漢字漢字漢字漢字漢字漢字: {type: varchar, length: 10, index: true, unique: true}\n"
                    "      ünïcödé_column_with_a_long_name_déjà_vu: {type: varchar, length: 200, default: déjà vu,"
                    " comment: 'Ça été très long: 漢字漢字漢字漢字漢字漢字漢字漢字漢字漢字漢字'}\n", "utf-8")
    sources = rendered(spec)

    def no_black(pieces: object, **kwargs: object) -> dict[fmt.Piece, str]:
        assert not pieces, f"pieces left to black: {pieces}"
        return {}

    monkeypatch.setattr(fmt, "format_pieces", no_black)
    fast = fmt.format_modules(sources)
    for name, source in sources.items():
        assert same_code(fast[name], source), name
        assert fmt.format_source(fast[name], name) == fast[name], f"{name} is not black-stable"


@pytest.mark.parametrize("source", [
    'class A:\n    """\n    Starts on the second line.\n\n    More.\n    """\n',
    '"""\nModule, from the second line.\n"""\n\nx = 1\n',
])
def test_a_docstring_that_starts_with_a_newline_is_kept(source: str) -> None:
    # Found with a hostile spec comment ("\n<payload>\n"): black keeps the empty first line.
    assert fmt.format_source(source, "a.py") == source
    assert not [part for part in lines.cut(source) if isinstance(part, lines.Piece)]


def test_str_width_is_blacks() -> None:
    from black._width_table import WIDTH_TABLE
    from black.strings import str_width as blacks

    from schemagen.format.style import _WIDE, str_width

    assert _WIDE == tuple((start, end) for start, end, _ in WIDTH_TABLE)
    assert {columns for _, _, columns in WIDTH_TABLE} == {2}
    assert all(str_width(chr(code)) == blacks(chr(code)) for code in range(0x110000) if not 0xD800 <= code < 0xE000)
    assert str_width("漢字 ünï 😀 ß") == blacks("漢字 ünï 😀 ß") == 13


@pytest.mark.parametrize(("name", "annotation", "default"), [
    # found by review: black splits after `= (` when that fits, brackets in the annotation or not
    ("display_label_for_the_record", "RecordDisplayLabelKind | LegacyLabelKind | None", '"unlabelled_record_default"'),
    ("a_rather_long_attribute_name_for_a_label", "SomeLabelKindEnumeration | OtherLabelKind | None", "None"),
    ("score", "Annotated[int, Field(ge=-2147483648, le=2147483647), _Rules(\"Score must be 0..1000\")] | None", "0"),
])
def test_wrapped_union_annotations_equal_black(name: str, annotation: str, default: str) -> None:
    from schemagen.codegen.wrap import assignment

    for pad in range(0, 40):
        source = f"class A:\n    {assignment(name + '_' * pad, annotation, default, 4)}\n"
        assert_like_black({"a.py": source})


@pytest.mark.parametrize("length", [60, 79, 88, 120])
def test_long_keyword_one_tuples_are_laid_out_as_black_writes_them(length: int) -> None:
    # `format/layout.py` explodes a keyword argument's one-tuple of a string too long for its line
    # (the on-update trigger listeners), but only where black adds the same commas around it: a
    # one-item call (`_DDLOn(postgresql=(...,))`) gets none from black's right-hand split.
    from schemagen.format.style import laid_out_for

    statements = []
    for size in (121, 165, 220):  # each string too long for a line of its own at these lengths
        sql = "'" + 'CREATE "t" ' * (size // 11) + "'"
        statements += [
            f'listen(Account.__table__, "after_create", _DDLOn(postgresql=({sql}, {sql}), sqlite=({sql},)))',
            f'listen(Account.__table__, "after_drop", _DDLOn(postgresql=({sql},)))',
            f"f(name=({sql},), other=g(sql=({sql},)))",
            f"x = f(first=({sql},), second=1)",
        ]
    source = "\n".join(statements) + "\n\n\nclass A:\n" + "".join(f"    {s}\n" for s in statements)
    with laid_out_for(length):
        assert fmt.format_modules({"m.py": source})["m.py"] == fmt.format_source(source, "m.py")


def test_a_large_module_that_does_not_parse_is_reported_with_its_line() -> None:
    # Large enough for the parse check to run in a child process while the parent cuts (given a
    # second core, `format/aside.py`): the error is still the first statement's, line and message.
    source = "value = 1\n" * 60_000 + "\n\nclass Broken(:\n    pass\n" + "other = 2\n" * 100
    with pytest.raises(fmt.InvalidSource) as raised:
        fmt.format_modules({"a.py": "x = 1\n", "big.py": source, "c.py": "y = (\n"})
    assert (raised.value.name, raised.value.line, raised.value.message) == ("big.py", 60_003, "invalid syntax")


def test_no_parse_child_is_forked_beside_another_thread() -> None:
    # A forked child may inherit a lock another thread held at the fork and hang: an app calling the
    # API from a worker thread (or with one running) gets the in-process check instead.
    import threading

    from schemagen.format.aside import parse_aside

    source = {"big.py": "value = 1\n" * 60_000}
    release = threading.Event()
    worker = threading.Thread(target=release.wait)
    worker.start()
    try:
        assert parse_aside(source) is None
    finally:
        release.set()
        worker.join()



@pytest.mark.parametrize("enabled", [True, False])
def test_generate_pauses_the_collector_and_leaves_it_as_the_caller_had_it(enabled: bool) -> None:
    """`schemagen.generate` runs with the cyclic collector paused (its passes over the catalog's
    long-lived objects cost about a fifth of a large build), then restores the caller's setting."""
    import gc

    spec = schemagen.load_spec(ROOT / "specs" / "life_ceo.yaml")
    schemagen.generate(spec)  # imports what generating needs (imports may collect)
    passes: list[str] = []

    def count(phase: str, info: dict[str, int]) -> None:
        if phase == "start":
            passes.append(phase)

    gc.enable() if enabled else gc.disable()
    gc.callbacks.append(count)
    try:
        files = schemagen.generate(spec)
        # none while generating (it allocates enough for dozens), at most one as it resumes
        assert len(passes) <= int(enabled)
        assert gc.isenabled() is enabled
        assert "models.py" in files
    finally:
        gc.callbacks.remove(count)
        gc.enable()
