"""Edits found by the review of the incremental spec load (`tests/test_incremental_fuzz.py` covers
the random ones): each loads through `load_cached` after the earlier texts, and must be a cold load."""

from __future__ import annotations

from pathlib import Path

import pytest

from schemagen.spec.incremental import load_cached
from schemagen.spec.load import load_spec_text
from tests.test_incremental_load import _outcome


@pytest.fixture(autouse=True)
def _cache(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("SCHEMAGEN_CACHE_DIR", str(tmp_path / "cache"))


def _each_as_cold(file: Path, texts: list[str]) -> None:
    for step, text in enumerate(texts):
        raw = text.encode()
        assert _outcome(load_cached, file, raw, True) == _outcome(load_spec_text, file, raw, True), step


USERS = "tables:\n  users:\n    columns:\n      &k id: {type: int, primary_key: true}\n"


@pytest.mark.parametrize("use", ["    description: *k\n", "    columns:\n      *k : {type: int, primary_key: true}\n"],
                         ids=["as a value", "as a key"])
def test_an_alias_of_a_key_in_another_part_is_refused_not_reused(use: str, tmp_path: Path) -> None:
    """An anchored mapping key escaped the loader's alias check, so a part holding its alias was
    cached with the anchor's text of that time, and reused after the anchor changed."""
    text = USERS + "  orders:\n" + use + ("    columns:\n      x: {type: int, primary_key: true}\n" if "description" in use else "")
    _each_as_cold(tmp_path / "spec.yaml", [text, text, text.replace("&k id", "&k pk"), text])
    with pytest.raises(Exception, match="anchors and aliases"):
        load_spec_text(tmp_path / "spec.yaml", text.encode())


def test_without_the_loaders_source_files_it_is_a_cold_load(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """The cache key hashes the loader's .py files: an install without them (zip import, frozen
    app, .pyc only) must load as cold, not fail with FileNotFoundError."""
    from schemagen.spec import incremental

    monkeypatch.setattr(incremental, "__file__", str(tmp_path / "gone" / "incremental.py"))
    incremental._key.cache_clear()
    try:
        text = USERS + "  orders:\n    columns:\n      x: {type: int, primary_key: true}\n"
        _each_as_cold(tmp_path / "spec.yaml", [text, text.replace("x:", "y:")])
    finally:
        incremental._key.cache_clear()
