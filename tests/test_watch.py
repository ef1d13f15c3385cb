"""`schemagen build --watch`, run as a user runs it: edit, see the rebuild, break the spec, fix it, Ctrl-C."""

from __future__ import annotations

import os
import queue
import re
import signal
import subprocess
import sys
import threading
import time
from pathlib import Path

import pytest

from tests.helpers import SHOP_SPEC


class Session:
    """A running `schemagen build --watch`, its output read line by line."""

    def __init__(self, cwd: Path) -> None:
        env = {**os.environ, "PYTHONUNBUFFERED": "1", "NO_COLOR": "1"}
        self.process = subprocess.Popen([sys.executable, "-m", "schemagen", "build", "--watch"], cwd=cwd, env=env,
                                        stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True)
        self.lines: queue.Queue[str] = queue.Queue()
        self.seen: list[str] = []
        threading.Thread(target=self._read, daemon=True).start()

    def _read(self) -> None:
        assert self.process.stdout is not None
        for line in self.process.stdout:
            self.lines.put(line.rstrip("\n"))

    def expect(self, pattern: str, timeout: float = 60) -> str:
        """The next line matching `pattern` (lines before it are kept in `seen`)."""
        deadline = time.monotonic() + timeout
        while True:
            try:
                line = self.lines.get(timeout=max(0.0, deadline - time.monotonic()))
            except queue.Empty:
                raise AssertionError(f"no line matching {pattern!r} in {timeout} s; output:\n" + "\n".join(self.seen))
            self.seen.append(line)
            if re.search(pattern, line):
                return line


def test_watch_rebuilds_on_edits_survives_a_broken_spec_and_stops_on_ctrl_c(tmp_path: Path) -> None:
    spec = tmp_path / "specs" / "shop.yaml"
    spec.parent.mkdir()
    spec.write_text(SHOP_SPEC)
    models = tmp_path / "generated" / "shop" / "models.py"
    session = Session(tmp_path)
    try:
        session.expect(r"^built 1 package \(shop\), 1 table: 8 written, 0 unchanged, 0 removed in \d+\.\d\d s$")
        session.expect(r"^watching specs for changes \(Ctrl-C stops\)$")

        spec.write_text(SHOP_SPEC.replace("      status:", "      note: text\n      status:"))
        session.expect(r"^specs/shop\.yaml (modified|added)$")
        session.expect(r"^wrote generated/shop/models\.py$")
        session.expect(r"^built 1 package \(shop\), 1 table: 3 written, 5 unchanged, 0 removed in \d+\.\d\d s$")
        assert "note: Mapped[str | None]" in models.read_text()

        spec.write_text(SHOP_SPEC + "  broken: [\n")
        session.expect(r"^specs/shop\.yaml:\d+:\d+: error: YAML syntax error")
        session.expect(r"^build failed \(exit 2\) after .* the watch goes on$")
        session.expect(r"^watching for changes")
        assert "note: Mapped[str | None]" in models.read_text()  # nothing written

        spec.write_text(SHOP_SPEC.replace("      status:", "      memo: text\n      status:"))
        session.expect(r"^wrote generated/shop/models\.py$")
        session.expect(r"^built 1 package")
        session.expect(r"^watching for changes")
        text = models.read_text()
        assert "memo: Mapped[str | None]" in text and "note:" not in text

        session.process.send_signal(signal.SIGINT)
        assert session.process.wait(timeout=30) == 0
        session.expect(r"^stopped watching$", timeout=10)
        assert not any("Traceback" in line for line in session.seen), session.seen
    finally:
        if session.process.poll() is None:
            session.process.kill()
            session.process.wait()


def test_watch_refuses_a_missing_spec_folder(tmp_path: Path) -> None:
    result = subprocess.run([sys.executable, "-m", "schemagen", "build", "--watch"], cwd=tmp_path,
                            capture_output=True, text=True, timeout=60)
    assert result.returncode == 2 and "no such spec file or folder" in result.stderr
    assert "Traceback" not in result.stderr


def test_a_watch_frees_the_cycles_a_build_left(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """A build leaves what generating made out of the collector's sight (the process usually ends
    right after); a watch goes on, and frees the reference cycles among it after each build."""
    import gc
    import weakref

    from schemagen import pipeline
    from schemagen.cli import watch

    class Node:
        pass

    made: list[weakref.ref[Node]] = []
    generate = pipeline.generate

    def generate_making_a_cycle(*args: object, **kwargs: object) -> object:
        node = Node()
        node.itself = node  # type: ignore[attr-defined]
        made.append(weakref.ref(node))
        return generate(*args, **kwargs)  # type: ignore[arg-type]

    (tmp_path / "specs").mkdir()
    (tmp_path / "specs" / "shop.yaml").write_text(SHOP_SPEC)
    monkeypatch.chdir(tmp_path)
    monkeypatch.setenv("SCHEMAGEN_CACHE_DIR", str(tmp_path / "cache"))
    monkeypatch.setattr(pipeline, "generate", generate_making_a_cycle)
    try:
        watch._attempt(None, None)
        assert (tmp_path / "generated").is_dir() and len(made) == 1
        assert made[0]() is None
    finally:
        gc.unfreeze()
