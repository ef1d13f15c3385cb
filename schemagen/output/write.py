"""Stage 6, write: replace generated files all or nothing, and own only what schemagen wrote.

Each package folder holds a manifest of the files schemagen wrote there (with their hashes). Stale
files listed in an old manifest are removed; files no manifest lists are never overwritten or
deleted. A write goes in two phases: every new file is first written to a temporary file beside its
target; only when all exist are they renamed into place, with the old files kept as backups and a
journal listing both. Any failure rolls back from the backups; a build killed mid-way is rolled back
by the next schemagen run on that folder (see `recover`). A lock on the output folder serialises
concurrent runs, so the last build wins whole.
"""

from __future__ import annotations

import contextlib
import difflib
import fcntl
import hashlib
import json
import os
import re
import shutil
import tempfile
import threading
from collections.abc import Iterator, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from schemagen.output.manifest import MANIFEST, Output

JOURNAL = ".schemagen-journal.json"


class WriteConflict(Exception):
    """The output folder holds a file schemagen did not write where it would write one."""


@dataclass
class Plan:
    out_dir: Path
    writes: dict[Path, bytes] = field(default_factory=dict)
    deletes: list[Path] = field(default_factory=list)
    unchanged: list[Path] = field(default_factory=list)
    edited: list[Path] = field(default_factory=list)  # written by schemagen, then changed by hand
    emptied: list[Path] = field(default_factory=list)  # package folders removed when nothing else is left


def _manifest(package_dir: Path) -> dict[str, str]:
    """File name -> sha256 of what schemagen last wrote in a package folder."""
    try:
        files = json.loads((package_dir / MANIFEST).read_text("utf-8")).get("files", {})
    except (OSError, ValueError, AttributeError):
        return {}
    if not isinstance(files, dict):
        return {}
    return {name: digest for name, digest in files.items() if isinstance(name, str) and isinstance(digest, str)}


def _inside(root: Path, relative: str) -> Path:
    target = (root / relative).resolve()
    if not target.is_relative_to(root.resolve()):
        raise WriteConflict(f"refusing to write outside the output folder: {relative}")
    return target


def _read(path: Path) -> bytes | None:
    try:
        return path.read_bytes()
    except FileNotFoundError:
        return None


@contextlib.contextmanager
def locked(out_dir: Path) -> Iterator[None]:
    """Hold an exclusive lock on the output folder (not a file in it) while reading or writing."""
    out_dir.mkdir(parents=True, exist_ok=True)
    handle = os.open(out_dir, os.O_RDONLY)
    try:
        fcntl.flock(handle, fcntl.LOCK_EX)
        yield
    finally:
        fcntl.flock(handle, fcntl.LOCK_UN)
        os.close(handle)


def plan(out_dir: Path, outputs: list[Output], orphans: Sequence[Path] = ()) -> Plan:
    """What to write, leave and remove; `orphans` are package folders whose spec is gone: the files
    their manifest lists are removed with it (any other file stays)."""
    result = Plan(out_dir)
    for folder in orphans:
        for name in sorted({*_manifest(folder), MANIFEST}):
            path = _inside(out_dir, f"{folder.name}/{name}")
            if path.is_file():
                result.deletes.append(path)
        result.emptied.append(folder)
    conflicts = []
    for output in outputs:
        package_dir = _inside(out_dir, output.package)
        recorded = _manifest(package_dir)
        owned = set(recorded) | {MANIFEST}
        for relative, data in output.files.items():
            path = _inside(out_dir, relative)
            current = _read(path)
            if current == data:
                result.unchanged.append(path)
                continue
            if current is not None and path.name not in owned:
                conflicts.append(path)
                continue
            if current is not None and path.name in recorded and hashlib.sha256(current).hexdigest() != recorded[path.name]:
                result.edited.append(path)
            result.writes[path] = data
        new_names = {relative.split("/", 1)[1] for relative in output.files}
        for stale in sorted(owned - new_names):
            path = _inside(out_dir, f"{output.package}/{stale}")
            if path.is_file():
                result.deletes.append(path)
    if conflicts:
        listing = "\n".join(f"  {path}" for path in conflicts)
        raise WriteConflict(f"these files were not written by schemagen and would be overwritten:\n{listing}\n"
                            "move them away (or delete them) and build again")
    return result


def _stage(path: Path, data: bytes) -> Path:
    temporary, handle = _staged_unsynced(path, data)
    try:
        os.fsync(handle)
    except BaseException:
        Path(temporary).unlink(missing_ok=True)
        raise
    finally:
        os.close(handle)
    return temporary


def _staged_unsynced(path: Path, data: bytes) -> tuple[Path, int]:
    """`data` in a new temporary file beside `path`, not yet on disk: the file, and its descriptor, open."""
    path.parent.mkdir(parents=True, exist_ok=True)
    handle, temporary = tempfile.mkstemp(prefix=f".{path.name}.", suffix=".new", dir=path.parent)
    try:
        written = 0
        while written < len(data):
            written += os.write(handle, data[written:] if written else data)
        os.chmod(temporary, 0o644)
    except BaseException:
        os.close(handle)
        Path(temporary).unlink(missing_ok=True)
        raise
    return Path(temporary), handle


def _stage_all(ordered: list[tuple[Path, bytes]]) -> list[tuple[Path, Path]]:
    """Each file written to its temporary file, then flushed to disk with the others of its batch at
    once (`_synced`): a batch at a time, as each file's descriptor stays open until it is flushed and
    a build of many packages would otherwise run out of them (macOS allows 256 by default)."""
    staged: list[tuple[Path, Path]] = []
    try:
        for start in range(0, len(ordered), _OPEN_AT_ONCE):
            handles: list[int] = []
            try:
                for path, data in ordered[start:start + _OPEN_AT_ONCE]:
                    temporary, handle = _staged_unsynced(path, data)
                    staged.append((path, temporary))
                    handles.append(handle)
                _synced(handles)
            finally:
                for handle in handles:
                    os.close(handle)
    except BaseException:
        for _, temporary in staged:
            temporary.unlink(missing_ok=True)
        raise
    return staged


_OPEN_AT_ONCE = 32
"""Staged files held open at once (`_stage_all`): twice the flushing threads, a few packages' files."""


def _synced(handles: list[int]) -> None:
    """Every file of `handles` on disk; the first error (in their order) raised after all are done.
    One `fsync` waits for the disk (about 4 ms each on ext4 here): made one after the other, the
    eight files of a package took 30-40 ms of a cold build during which neither core works; made
    together, from threads (the call releases the GIL), the file system commits them in one go
    (7-9 ms)."""
    errors: list[OSError | None] = [None] * len(handles)
    indices = iter(range(len(handles)))  # (shared: each `next` is atomic under the GIL)

    def sync() -> None:
        for index in indices:
            try:
                os.fsync(handles[index])
            except OSError as exc:
                errors[index] = exc

    threads: list[threading.Thread] = []
    try:
        for _ in range(min(len(handles), _SYNC_THREADS + 1) - 1):
            thread = threading.Thread(target=sync, name="schemagen-fsync", daemon=True)
            try:
                thread.start()
            except RuntimeError:  # no more threads to be had: fewer do it
                break
            threads.append(thread)
        sync()
    finally:
        for thread in threads:  # (also when interrupted: no descriptor is closed while a thread uses it)
            thread.join()
    for error in errors:
        if error is not None:
            raise error


_SYNC_THREADS = 15
"""Threads beside this one that flush staged files (`_synced`): enough for the files of two packages at once."""


def _backup_name(path: Path) -> Path:
    return path.with_name(f".{path.name}.{os.getpid()}.old")


def apply(result: Plan) -> None:
    """Write every planned file and remove stale ones, all or nothing."""
    if not result.writes and not result.deletes:
        return
    out_dir = result.out_dir.resolve()
    ordered = sorted(result.writes.items(), key=lambda item: (item[0].name == MANIFEST, str(item[0])))
    staged = _stage_all(ordered)
    entries: list[dict[str, Any]] = [
        {"target": str(path.relative_to(out_dir)), "new": str(temporary.relative_to(out_dir)),
         "backup": str(_backup_name(path).relative_to(out_dir)), "existed": path.exists()}
        for path, temporary in staged
    ] + [
        {"target": str(path.relative_to(out_dir)), "new": None,
         "backup": str(_backup_name(path).relative_to(out_dir)), "existed": True}
        for path in result.deletes
    ]
    journal = out_dir / JOURNAL
    journal_temp = _stage(journal, json.dumps({"entries": entries}, indent=1).encode())
    os.replace(journal_temp, journal)
    try:
        for entry in entries:
            target, backup = out_dir / entry["target"], out_dir / entry["backup"]
            if entry["existed"]:
                backup.unlink(missing_ok=True)  # left by an earlier run that was stopped after its journal
                os.link(target, backup)
            if entry["new"] is not None:
                os.replace(out_dir / entry["new"], target)
            else:
                target.unlink()
    except BaseException:
        _roll_back(out_dir, entries)
        journal.unlink(missing_ok=True)
        raise
    journal.unlink()
    for entry in entries:
        (out_dir / entry["backup"]).unlink(missing_ok=True)
    for folder in result.emptied:
        with contextlib.suppress(OSError):
            left = {path.name for path in folder.iterdir()}
            if left <= {"__pycache__"}:  # Python's cache of the files just removed
                shutil.rmtree(folder / "__pycache__", ignore_errors=True)
                folder.rmdir()


def _roll_back(out_dir: Path, entries: list[dict[str, Any]]) -> None:
    for entry in reversed(entries):
        target, backup = out_dir / str(entry["target"]), out_dir / str(entry["backup"])
        if entry["new"] is not None:
            (out_dir / str(entry["new"])).unlink(missing_ok=True)
        if backup.exists():
            if target.exists() and os.path.samefile(backup, target):
                backup.unlink()  # rename() between two links to one file does nothing
            else:
                os.replace(backup, target)
        elif not entry["existed"]:
            target.unlink(missing_ok=True)


def _remove_leftovers(out_dir: Path) -> None:
    """Temporary and backup files of a run that was stopped before it could clean up."""
    for package_dir in out_dir.iterdir() if out_dir.is_dir() else ():
        owned = set(_manifest(package_dir)) | {MANIFEST}
        for path in package_dir.glob(".*") if package_dir.is_dir() else ():
            stem, _, suffix = path.name[1:].rpartition(".")
            if suffix in ("new", "old") and stem.rsplit(".", 1)[0] in owned:
                path.unlink(missing_ok=True)


def recover(out_dir: Path) -> bool:
    """Undo a build that was killed while renaming files into place; True if there was one."""
    journal = out_dir / JOURNAL
    if not journal.exists():
        _remove_leftovers(out_dir)
        return False
    try:
        entries = json.loads(journal.read_text("utf-8"))["entries"]
    except FileNotFoundError:
        return False
    except (OSError, ValueError, KeyError, TypeError):
        journal.unlink(missing_ok=True)  # torn before it was renamed into place: nothing was replaced
        return True
    for entry in entries:  # paths come from our own journal, but stay inside the folder regardless
        for key in ("target", "new", "backup"):
            if entry.get(key) is not None:
                _inside(out_dir, str(entry[key]))
    _roll_back(out_dir.resolve(), entries)
    journal.unlink(missing_ok=True)
    _remove_leftovers(out_dir)
    return True


_HUNK = re.compile(r"@@ -(\d+)(,\d+)? \+(\d+)(,\d+)? @@")


def unified_diff(old: list[str], new: list[str], fromfile: str, tofile: str, context: int = 3) -> str:
    """`difflib.unified_diff` of two versions of a generated file, compared without the lines they
    share at both ends (but for the context): difflib's matcher costs seconds over a 40,000-line
    module, while an edit changes a few places in it. Hunk headers count from the files' start."""
    shorter = min(len(old), len(new))
    shared = 0
    while shared < shorter and old[shared] == new[shared]:
        shared += 1
    start = max(0, shared - context)
    tail = 0
    while tail < shorter - shared and old[-1 - tail] == new[-1 - tail]:
        tail += 1
    tail = max(0, tail - context)
    lines = difflib.unified_diff(old[start:len(old) - tail], new[start:len(new) - tail], fromfile=fromfile,
                                 tofile=tofile, n=context)

    def shifted(match: re.Match[str]) -> str:
        return f"@@ -{int(match[1]) + start}{match[2] or ''} +{int(match[3]) + start}{match[4] or ''} @@"

    return "".join(_HUNK.sub(shifted, line, count=1) if line.startswith("@@ ") else line for line in lines)


def differences(out_dir: Path, outputs: list[Output], orphans: Sequence[Path] = ()) -> list[str]:
    """Unified diffs between what build would write and what is on disk (empty when up to date)."""
    diffs: list[str] = [f"orphaned: {folder}/ (no spec makes this package any more; build removes it)\n"
                        for folder in orphans]
    for output in outputs:
        recorded = _manifest(out_dir / output.package)
        for relative, data in output.files.items():
            path = out_dir / relative
            current = _read(path)
            if current is None:
                diffs.append(f"missing: {path}\n")
                continue
            if current == data:
                continue
            note = ""
            if path.name in recorded and hashlib.sha256(current).hexdigest() != recorded[path.name]:
                note = " (edited by hand since schemagen wrote it)"
            diffs.append(unified_diff(
                current.decode("utf-8", "replace").splitlines(keepends=True),
                data.decode("utf-8").splitlines(keepends=True),
                f"{path} (on disk){note}", f"{path} (from the spec)",
            ) or f"changed: {path}{note}\n")
        new_names = {relative.split("/", 1)[1] for relative in output.files}
        for stale in sorted(set(recorded) - new_names):
            if (out_dir / output.package / stale).is_file():
                diffs.append(f"stale: {out_dir / output.package / stale} (no longer generated)\n")
    return diffs
