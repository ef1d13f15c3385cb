"""`schemagen check`'s diff (`output.write.unified_diff`): difflib's, over the lines the two versions
do not share at both ends, so that a one-line edit of a 40,000-line module costs milliseconds."""

from __future__ import annotations

import difflib
import random
import re

from schemagen.output.write import unified_diff

_HUNK = re.compile(r"@@ -(\d+)(?:,(\d+))? \+\d+(?:,\d+)? @@")


def _applied(old: list[str], diff: str) -> list[str]:
    """`old` with the hunks of `diff` applied (as `patch` would)."""
    lines, out, at, index = diff.splitlines(keepends=True), [], 0, 2
    while index < len(lines):
        found = _HUNK.match(lines[index])
        assert found is not None, lines[index]
        start, length = int(found[1]), int(found[2]) if found[2] is not None else 1
        begin = start - 1 if length else start
        out.extend(old[at:begin])
        at, index = begin, index + 1
        while index < len(lines) and not lines[index].startswith("@@ "):
            tag, text = lines[index][0], lines[index][1:]
            if tag in " -":
                assert old[at] == text  # the context and the removed lines are the old file's
                at += 1
            if tag in " +":
                out.append(text)
            index += 1
    return out + old[at:]


def test_random_edits_give_a_diff_that_makes_the_new_file() -> None:
    rng = random.Random(20261206)
    words = ["a\n", "b\n", "    )\n", "x = 1\n", "\n", "def f():\n", "pass\n"]
    for _ in range(2000):
        old = [rng.choice(words) for _ in range(rng.randint(0, 60))]
        new = list(old)
        for _ in range(rng.randint(0, 4)):
            at = rng.randint(0, len(new))
            if rng.random() < 0.4 or not new:
                new.insert(at, rng.choice(words))
            elif rng.random() < 0.5:
                new[min(at, len(new) - 1)] = rng.choice(words)
            else:
                del new[min(at, len(new) - 1)]
        diff = unified_diff(old, new, "old", "new")
        assert (diff == "") == (old == new)
        if diff:
            assert diff.startswith("--- old\n+++ new\n")
            assert _applied(old, diff) == new


def test_a_few_edits_of_a_long_file_give_difflib_own_diff() -> None:
    old = [f"line = {index}\n" if index % 7 else "    )\n" for index in range(40_000)]
    new = list(old)
    new[300] = "changed\n"
    new.insert(25_000, "added\n")
    del new[39_990]
    assert unified_diff(old, new, "a", "b") == "".join(difflib.unified_diff(old, new, fromfile="a", tofile="b"))
    assert unified_diff(old[:1], [], "a", "b") == "".join(difflib.unified_diff(old[:1], [], fromfile="a", tofile="b"))
