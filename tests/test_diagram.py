"""`schemagen diagram`: the ER diagram of a spec as Mermaid, Graphviz dot and SVG (Graphviz's `dot`)."""

from __future__ import annotations

import os
import re
import shutil
import xml.etree.ElementTree as ET
from pathlib import Path

import pytest

from tests.helpers import ROOT, run_cli

BLOG = ROOT / "tests" / "specs" / "valid" / "diagram_blog.yaml"

MERMAID = """\
erDiagram
    "authors" {
        serial id PK
        varchar(255) email UK
    }
    "profiles" {
        integer author_id PK, FK
    }
    "posts" {
        serial id PK
        integer author_id FK
        integer editor_id FK
    }
    "tags" {
        serial id PK
    }
    "teams" {
        serial id PK
    }
    "memberships" {
        integer author_id PK, FK
        integer team_id PK, FK
    }
    "authors" ||--o| "profiles" : "author_id"
    "authors" ||..o{ "posts" : "author_id"
    "authors" |o..o{ "posts" : "editor_id"
    "posts" }o--o{ "tags" : "post_tags"
    "authors" ||--o{ "memberships" : "author_id"
    "teams" ||--o{ "memberships" : "team_id"
"""
"""One-to-one (a unique FK, here the primary key), a required and an optional many-to-one, a
many-to-many through a link table that only links (one line), and one whose link table has a column
of its own (an entity with two identifying relationships)."""


def test_mermaid_shows_keys_cardinalities_and_many_to_many() -> None:
    result = run_cli("diagram", str(BLOG))
    assert result.returncode == 0, result.stderr
    assert result.stdout == MERMAID


def test_mermaid_of_the_example_spec_follows_mermaids_er_grammar() -> None:
    text = run_cli("diagram", "specs/life_ceo.yaml", "--format", "mermaid").stdout
    entity, attribute = r'    "[^"]+"( \{)?', r"        [A-Za-z][\w()\[\]-]* [A-Za-z_]\w* (PK|FK|UK)(, (PK|FK|UK))*"
    relationship = r'    "[^"]+" (\|\||\|o|\}o)(--|\.\.)(o\{|o\||\|\|) "[^"]+" : "[^"]+"'
    lines = text.splitlines()
    assert lines[0] == "erDiagram"
    for line in lines[1:]:
        assert re.fullmatch(f"{entity}|{attribute}|    }}|{relationship}", line), line
    assert '    "posts" }o--o{ "tags" : "post_tags"' in lines  # post_tags only links
    assert '    "users" ||..o| "user_settings" : "user_id"' in lines  # a unique FK: one-to-one
    assert '    "comments" |o..o{ "comments" : "parent_id"' in lines  # self-reference, optional


def _need_graphviz() -> None:
    if shutil.which("dot") is None:
        if os.environ.get("CI"):
            pytest.fail("Graphviz's dot is missing: .ci/run installs it (apt-get install graphviz)")
        pytest.skip("Graphviz's dot is not installed (apt-get install graphviz)")


def test_svg_through_graphviz_has_every_entity_and_relationship(tmp_path: Path) -> None:
    _need_graphviz()
    out = tmp_path / "blog.svg"
    result = run_cli("diagram", str(BLOG), "--format", "svg", "--out", str(out))
    assert result.returncode == 0, result.stderr
    svg = ET.parse(out).getroot()
    ns = {"svg": "http://www.w3.org/2000/svg"}
    titles: dict[str, list[str]] = {"node": [], "edge": []}
    for group in svg.iterfind(".//svg:g", ns):
        title = group.find("svg:title", ns)
        if title is not None and title.text and group.get("class") in titles:
            titles[str(group.get("class"))].append(title.text)
    assert sorted(titles["node"]) == ["authors", "memberships", "posts", "profiles", "tags", "teams"]
    assert sorted(titles["edge"]) == ["memberships->authors", "memberships->teams", "posts->authors",
                                      "posts->authors", "profiles->authors", "tags->posts"]
    texts = {t.text for t in svg.iterfind(".//svg:text", ns)}
    assert {"post_tags", "editor_id", "PK, FK", "varchar(255)", "1 more column"} <= texts


def test_dot_source_and_a_clear_message_without_graphviz(tmp_path: Path) -> None:
    source = run_cli("diagram", str(BLOG), "-f", "dot").stdout
    assert source.startswith('digraph "blog" {') and source.endswith("}\n")
    assert ('"posts" -> "authors" [arrowtail=crowodot, arrowhead=teeodot, style=dashed, label="editor_id"];'
            in source)
    empty = tmp_path / "bin"
    empty.mkdir()
    missing = run_cli("diagram", str(BLOG), "-f", "svg", env={"PATH": str(empty)})
    assert missing.returncode == 3 and "Traceback" not in missing.stderr
    assert "needs Graphviz's `dot`, which is not installed (Debian/Ubuntu: `apt-get install graphviz`" in missing.stderr


def test_a_spec_error_is_reported_with_its_position(tmp_path: Path) -> None:
    spec = tmp_path / "bad.yaml"
    spec.write_text("tables:\n  t:\n    columns:\n      id: {type: serial, primary_key: true}\n      x: {type: intger}\n")
    result = run_cli("diagram", str(spec))
    assert result.returncode == 2 and f"{spec}:5:" in result.stderr and "did you mean `integer`" in result.stderr
    assert run_cli("diagram", str(tmp_path / "none.yaml")).returncode == 2
