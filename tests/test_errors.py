"""Broken specs: each gets one precise error (file:line:column, message, hint), never a traceback."""

from __future__ import annotations

from pathlib import Path

import pytest

from schemagen.errors import SpecErrors
from schemagen.pipeline import generate

BASE = "tables:\n  users:\n    columns:\n      id: {type: serial, primary_key: true}\n"

# (spec text, "line:column: message" of the first error)
CASES = {
    "empty file": ("", "1:1: spec file is empty"),
    "not a mapping": ("- a\n- b\n", "1:1: a spec must be a mapping"),
    "yaml syntax": ("tables: {users: [\n", "2:1: YAML syntax error"),
    "tab indentation": ("tables:\n\tusers: {}\n", "2:1: YAML syntax error"),
    "two documents": (BASE + "---\ntables: {}\n", "5:1: a spec file holds one YAML document"),
    "duplicate key": (BASE + "      id: text\n", "5:7: duplicate key `id` (first defined at line 4, column 7)"),
    "python tag": (BASE + "      x: !!python/object:os.system {}\n", "5:10: YAML tag"),
    "alias": ("enums:\n  A: &v [x]\n  B: *v\n" + BASE, "2:6: anchors and aliases"),
    "unknown top key": ("tabels: {}\n" + BASE, "1:1: unknown key `tabels` in the spec — did you mean `tables`?"),
    "unknown column type": (BASE + "      e: {type: varchr}\n", "5:17: unknown column type `varchr`"),
    "unknown column key": (BASE + "      e: {type: text, nulable: true}\n",
                           "5:23: unknown key `nulable` in column `e` of table `users` — did you mean `nullable`?"),
    "wrong kind": (BASE + "      e: {type: text, unique: [1]}\n", "5:31: `unique` of column `e` of table `users` must be"),
    "missing columns": ("tables:\n  t: {}\n", "2:6: table `t` is missing the required key `columns`"),
    "unknown rule": (BASE + "      e: {type: text, validate: {min_len: 3}}\n",
                     "5:34: unknown key `min_len` in column `e` of table `users` — did you mean `min_length`?"),
    "bad length": (BASE + "      e: {type: varchar, length: 0}\n", "5:34: `length` of column `e` of table `users`"),
    "length on text": (BASE + "      e: {type: text, length: 5}\n", "5:31: `length` applies to varchar and char"),
    "default type": (BASE + "      e: {type: integer, default: abc}\n",
                     "5:35: default `abc` does not fit the `integer` column: expected a whole number"),
    "default too long": (BASE + "      e: {type: varchar, length: 2, default: abc}\n", "longer than the column's length 2"),
    "set null on not null": (
        BASE + "      p: {type: integer, nullable: false, references: users.id, on_delete: set null}\n",
        "5:76: `on_delete: set null` on a column that is not nullable"),
    "array of json": (BASE + "      e: {type: json, array: true}\n", "5:30: `array: true` is not supported on `json`"),
    "missing enum": (BASE + "      e: {type: enum, enum: Mood}\n", "5:29: unknown enum `Mood`"),
    "missing shape": (BASE + "      e: {type: json, schema: Settngs}\n", "5:31: unknown type `Settngs`"),
    "fk to missing table": (BASE + "      p: {type: integer, references: user.id}\n",
                            "5:38: `references` names the unknown table `user` — did you mean `users`?"),
    "fk to missing column": (BASE + "      p: {type: integer, references: users.idd}\n",
                             "5:38: table `users` has no column `idd` — did you mean `id`?"),
    "fk type mismatch": (BASE + "      p: {type: text, references: users.id}\n",
                         "5:35: `users.p` is `text` but references `users.id` of type `serial`"),
    "ambiguous relation": (
        BASE + "  posts:\n    columns:\n      id: {type: serial, primary_key: true}\n"
        "      a: {type: integer, references: users.id}\n      b: {type: integer, references: users.id}\n"
        "    relations:\n      author: {one: users}\n",
        "11:7: relation `author` is ambiguous: `posts` has 2 foreign keys to `users` (a, b)"),
    "relation without fk": (BASE + "    relations:\n      me: {many: users}\n",
                            "6:18: relation `me`: table `users` has no foreign key to `users`"),
    "relation shadows column": (BASE + "      owner_id: {type: integer, references: users.id}\n"
                                "    relations:\n      owner_id: {one: users}\n",
                                "7:7: relation `owner_id` has the same name as a column of `users`"),
    "same class name": (BASE + "  user: {columns: {id: {type: serial, primary_key: true}}}\n",
                        "5:3: tables `users` and `user` both map to the class `User`"),
    "same sql column": (BASE + "      a: {type: text, column: b}\n      b: text\n",
                        "6:7: columns `a` and `b` of table `users` both use the SQL name `b`"),
    "not an identifier": (BASE + "      first-name: text\n", "5:7: column name `first-name` is not a valid Python"),
    "underscore name": (BASE + "      _secret: text\n", "5:7: column name `_secret` starts with `_`"),
    "bad package": ("package: a/b\n" + BASE, "1:10: `a/b` cannot be a Python package name"),
    "keyword package": ("package: class\n" + BASE, "1:10: `class` cannot be a Python package name"),
    "soft delete not timestamp": (BASE + "    soft_delete: id\n", "5:18: `soft_delete` column `id` must be a nullable"),
    "bad regex": (BASE + "      e: {type: text, validate: {pattern: '(('}}\n", "`pattern` is not a valid regular expression"),
    "message without rule": (BASE + "      e: {type: text, validate: {message: hi}}\n", "`message` has no rule to report on"),
    "enum value twice": ("enums:\n  A: [x, x]\n" + BASE, "2:10: enum `A` lists the value `x` twice"),
    "yes stays text in enum default": ("enums:\n  A: [yes, no]\n" + BASE + "      a: {type: enum, enum: A, default: maybe}\n",
                                        "`maybe` is not a value of `A` (yes, no)"),
}


@pytest.mark.parametrize("name", CASES)
def test_broken_spec(name: str, tmp_path: Path) -> None:
    text, expected = CASES[name]
    spec = tmp_path / "broken.yaml"
    spec.write_text(text)
    with pytest.raises(SpecErrors) as caught:
        generate([spec])
    rendered = caught.value.render()
    first = sorted(caught.value.errors, key=lambda e: e.position)[0]
    where = f"{first.position.line}:{first.position.column}: "
    if expected[0].isdigit():
        assert any(f"broken.yaml:{expected.split(': ', 1)[0]}: error: {expected.split(': ', 1)[1]}" in line
                   for line in rendered.splitlines()), rendered
    else:
        assert expected in rendered, rendered
    assert where and rendered.endswith("nothing was written.")


def test_yaml_11_traps_are_read_as_typed(tmp_path: Path) -> None:
    spec = tmp_path / "traps.yaml"
    spec.write_text("enums:\n  Answer: [yes, no, on, off, 3.10, 012]\n" + BASE
                    + "      a: {type: enum, enum: Answer, default: 3.10}\n")
    (output,) = generate([spec])
    types_py = output.files["traps/types.py"].decode()
    for value in ('"yes"', '"no"', '"on"', '"off"', '"3.10"', '"012"'):
        assert value in types_py
    assert "Answer.V_3_10" in output.files["traps/schemas.py"].decode()
