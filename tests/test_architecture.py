"""The shape of the generator: one subpackage per stage, no import cycles, small modules, a catalog
that stands alone, and a freshness proof that covers every module that shapes output.
"""

from __future__ import annotations

import ast
import json
import re
import shutil
import subprocess
import sys
from collections import defaultdict
from pathlib import Path

import pytest

import schemagen
from schemagen.catalog import Catalog
from tests.helpers import ROOT, run_cli

PACKAGE = ROOT / "schemagen"
MODULES = sorted(PACKAGE.rglob("*.py"))


def _module_name(path: Path) -> str:
    parts = list(path.relative_to(ROOT).with_suffix("").parts)
    return ".".join(parts[:-1] if parts[-1] == "__init__" else parts)


def _imports_at_load(path: Path) -> set[str]:
    """schemagen modules a module imports when it is loaded (not inside functions or TYPE_CHECKING)."""
    tree = ast.parse(path.read_text("utf-8"))
    found: set[str] = set()
    for node in tree.body:
        if isinstance(node, ast.If) and "TYPE_CHECKING" in ast.unparse(node.test):
            continue
        for inner in ast.walk(node) if not isinstance(node, (ast.FunctionDef, ast.ClassDef)) else ():
            if isinstance(inner, ast.ImportFrom) and inner.module and inner.module.startswith("schemagen"):
                found.add(inner.module)
                found.update(f"{inner.module}.{alias.name}" for alias in inner.names)
            elif isinstance(inner, ast.Import):
                found.update(alias.name for alias in inner.names if alias.name.startswith("schemagen"))
    known = {_module_name(p) for p in MODULES}
    return {name for name in found if name in known}


def _graph(*, packages: bool) -> dict[str, set[str]]:
    graph: dict[str, set[str]] = defaultdict(set)
    for path in MODULES:
        source = _module_name(path)
        for target in _imports_at_load(path):
            if packages:
                a, b = source.split(".")[:2], target.split(".")[:2]
                if a != b and len(a) == 2 and len(b) == 2:
                    graph[".".join(a)].add(".".join(b))
            elif target != source and not source.startswith(target + "."):
                graph[source].add(target)
    return graph


def _cycle(graph: dict[str, set[str]]) -> list[str] | None:
    state: dict[str, int] = {}
    stack: list[str] = []

    def visit(node: str) -> list[str] | None:
        state[node] = 1
        stack.append(node)
        for nxt in sorted(graph.get(node, ())):
            if state.get(nxt) == 1:
                return stack[stack.index(nxt):] + [nxt]
            if nxt not in state and (found := visit(nxt)):
                return found
        state[node] = 2
        stack.pop()
        return None

    for node in sorted(graph):
        if node not in state and (found := visit(node)):
            return found
    return None


def test_no_module_imports_itself_back() -> None:
    assert _cycle(_graph(packages=False)) is None


def test_the_stages_form_a_pipeline_without_cycles() -> None:
    graph = _graph(packages=True)
    assert _cycle(graph) is None, graph
    # the catalog is the centre: it needs no stage, and no stage before it needs what comes after
    assert graph.get("schemagen.catalog", set()) == set()
    assert "schemagen.codegen" not in graph.get("schemagen.resolver", set())
    assert not graph.get("schemagen.codegen", set()) & {"schemagen.resolver", "schemagen.output", "schemagen.cli"}
    assert not graph.get("schemagen.format", set()) & {"schemagen.codegen", "schemagen.resolver", "schemagen.spec"}


def test_modules_and_classes_stay_small() -> None:
    for path in MODULES:
        text = path.read_text("utf-8")
        assert text.count("\n") <= 600, f"{path.relative_to(ROOT)} has {text.count(chr(10))} lines"
        for node in ast.walk(ast.parse(text)):
            if isinstance(node, ast.ClassDef):
                size = (node.end_lineno or node.lineno) - node.lineno + 1
                assert size <= 300, f"class {node.name} in {path.relative_to(ROOT)} has {size} lines"


def test_the_code_generator_reads_the_catalog_only() -> None:
    """No module of codegen/ imports the spec models, the resolver, or reaches into `.spec`."""
    for path in sorted((PACKAGE / "codegen").glob("*.py")):
        text = path.read_text("utf-8")
        imported = _imports_at_load(path)
        assert not {m for m in imported if m.startswith(("schemagen.resolver", "schemagen.spec.model"))}, path
        assert not re.search(r"(?<!schemagen)\.spec\b", text), f"{path} reads a spec node"


def test_a_catalog_is_frozen_and_built_without_a_file() -> None:
    spec = schemagen.Spec.model_validate({"package": "memory", "dialect": "sqlite", "tables": {
        "users": {"columns": {"id": {"type": "serial", "primary_key": True}, "email": {"type": "text", "unique": True}}},
        "posts": {"columns": {"id": "serial", "author_id": {"type": "integer", "references": "users.id"}}},
    }})
    with pytest.raises(schemagen.SpecErrors) as caught:
        schemagen.resolve(spec)  # `posts.id` is serial but not a key: an error with its spec path, no file
    assert caught.value.errors[0].path == ("tables", "posts", "columns", "id", "type")
    # no file, so no line: the error says where by its path, and reads no file of the working directory
    assert caught.value.render().startswith("<spec built in memory>: tables.posts.columns.id.type: error: SQLite "
                                            "numbers only its INTEGER PRIMARY KEY")
    spec = spec.model_copy(update={"tables": {**spec.tables, "posts": spec.tables["posts"].model_copy(update={
        "primary_key": ["id"]})}})
    catalog = schemagen.resolve(spec)
    assert isinstance(catalog, Catalog) and catalog.package == "memory"
    (fk,) = catalog.table("posts").foreign_keys
    assert (fk.columns, fk.target_table, fk.target_columns, fk.name) == (("author_id",), "users", ("id",),
                                                                         "fk_posts_author_id_users")
    with pytest.raises(AttributeError):
        catalog.table("users").name = "people"  # type: ignore[misc]
    assert "class User(Base)" in schemagen.generate(catalog)["models.py"]


# The freshness proof -----------------------------------------------------------------------------


def test_every_module_that_shapes_output_is_in_the_fingerprint() -> None:
    """Generate in a fresh interpreter; every schemagen module it loaded and every template must be
    fingerprinted, except the few that only decide where and when to write."""
    probe = (
        "import json, sys\n"
        "from pathlib import Path\n"
        "from schemagen.pipeline import generate, find_specs\n"
        "generate(find_specs([Path('specs'), *Path('tests/golden').glob('*/spec.yaml')]))\n"
        "print(json.dumps(sorted(m.__file__ for n, m in sys.modules.items() if n.startswith('schemagen') and m.__file__)))\n"
    )
    loaded = json.loads(subprocess.run([sys.executable, "-c", probe], cwd=ROOT, capture_output=True, text=True,
                                       check=True, timeout=300).stdout)
    from schemagen.output.fresh import NOT_SHAPING_OUTPUT, fingerprinted_files

    covered = {str(path.resolve()) for path in fingerprinted_files()}
    exempt = [path for path in loaded if Path(path).resolve().relative_to(PACKAGE).as_posix().startswith(NOT_SHAPING_OUTPUT)]
    # only the manifest writer may be exempt and still run during generation: the proof re-derives its bytes
    assert [Path(p).relative_to(PACKAGE).as_posix() for p in exempt] in ([], ["output/__init__.py", "output/manifest.py"])
    missing = [p for p in loaded if str(Path(p).resolve()) not in covered and p not in exempt]
    assert not missing, f"modules that shape output but are not fingerprinted: {missing}"
    assert {p.name for p in (ROOT / "templates").glob("*.jinja")} <= {Path(p).name for p in covered}
    assert any("codegen/models_module.py" in p for p in covered)  # modules in subpackages count


def _copy_of_schemagen(tmp_path: Path) -> Path:
    copy = tmp_path / "upgraded"
    shutil.copytree(PACKAGE, copy / "schemagen", ignore=shutil.ignore_patterns("__pycache__"))
    shutil.copytree(ROOT / "templates", copy / "templates")
    return copy


def _check_with(copy: Path, cache: Path) -> subprocess.CompletedProcess[str]:
    # run from the copy's folder, so that `python -m schemagen` is the copy and not this checkout
    return run_cli("check", str(ROOT / "specs"), "--out", str(ROOT / "generated"), cwd=copy,
                   env={"PYTHONPATH": str(copy), "SCHEMAGEN_CACHE_DIR": str(cache)})


def test_an_upgrade_that_changes_no_output_keeps_check_green(tmp_path: Path) -> None:
    """The issue's own reproduction: a one-line comment in names.py used to fail `check` everywhere."""
    copy = _copy_of_schemagen(tmp_path)
    names = copy / "schemagen" / "names.py"
    names.write_text(names.read_text("utf-8") + "# a comment added by a new release\n", "utf-8")
    cache = tmp_path / "cache"
    first = _check_with(copy, cache)
    assert first.returncode == 0, first.stdout + first.stderr
    assert "is up to date" in first.stdout and "manifests" not in first.stdout  # generated and compared
    second = _check_with(copy, cache)
    assert second.returncode == 0 and "shown by the manifests" in second.stdout  # and remembered


def test_an_upgrade_that_changes_output_fails_check_with_the_diff(tmp_path: Path) -> None:
    copy = _copy_of_schemagen(tmp_path)
    cache = tmp_path / "cache"
    assert _check_with(copy, cache).returncode == 0  # the cache now holds the compiled templates too
    template = copy / "templates" / "models.py.jinja"
    template.write_text(template.read_text("utf-8").replace('"""SQLAlchemy models of', '"""The SQLAlchemy models of'),
                        "utf-8")
    result = _check_with(copy, cache)
    assert result.returncode == 1
    assert '+"""The SQLAlchemy models of' in result.stdout and "generated file(s) out of date" in result.stderr


def test_checked_in_manifests_hold_only_what_the_output_depends_on() -> None:
    for manifest in [ROOT / "generated" / "life_ceo" / ".schemagen.json",
                     *(ROOT / "tests" / "golden").glob("*/expected/*/.schemagen.json")]:
        data = json.loads(manifest.read_text("utf-8"))
        # the line length is an input like the spec: the project's setting, 88 when it sets none
        assert set(data) == {"files", "generator", "line_length", "spec", "spec_sha256"}, manifest
        assert data["line_length"] == 88, manifest
        assert data["generator"] == "schemagen"  # the owner, with no version or fingerprint
