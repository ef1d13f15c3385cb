"""Issue 9: a process's first validation of a deferred schema does no start-up work of its own.

The schemas are built on first use (`defer_build`), so the first validation of a schema pays its
build; what it must not pay is the process-wide start-up that an email field needed on first build:
importing email-validator (about 100 ms, most of it compiling its regular expressions) and reading
its package metadata. The schemas module does that at import, and only when it has an email field.
Each check runs in a fresh interpreter: in this one, other tests have long since done that work.
The cost itself is measured by bench/import_cost.py ("first validation" rows).
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

from tests.helpers import ROOT

# Imports the schemas module, then validates one Insert schema for the first time, recording every
# module imported and every file opened meanwhile (CPython's audit events): the start-up work.
FIRST_VALIDATION = """
import importlib, json, sys
schemas = importlib.import_module(sys.argv[1])
schema = getattr(schemas, sys.argv[2])
payload = json.loads(sys.argv[3])
seen = []
sys.addaudithook(lambda event, args: seen.append([event, str(args[0])]) if event in ("import", "open") else None)
imported = set(sys.modules)
schema.model_validate(payload)
print(json.dumps({"events": seen, "new_modules": sorted(set(sys.modules) - imported)}))
"""


def first_validation(path: Path, module: str, schema: str, payload: dict[str, object]) -> dict[str, list[str]]:
    env = {**os.environ, "PYTHONPATH": os.pathsep.join([str(path), str(ROOT)])}
    done = subprocess.run([sys.executable, "-c", FIRST_VALIDATION, module, schema, json.dumps(payload)],
                          capture_output=True, text=True, check=True, env=env, cwd=path)
    result: dict[str, list[str]] = json.loads(done.stdout)
    return result


def test_first_validation_of_an_email_schema_imports_and_reads_nothing() -> None:
    # `email` has `format: email`: its schema's first build needs email-validator
    payload = {"email": "ada@example.com", "password_hash": "x" * 8}
    seen = first_validation(ROOT, "generated.life_ceo.schemas", "UserInsert", payload)
    assert seen == {"events": [], "new_modules": []}


def test_schemas_without_an_email_field_do_not_import_email_validator() -> None:
    # golden_names has `validate:` rules, none of them `format: email`: no start-up cost to move
    names = ROOT / "tests" / "golden" / "names" / "expected"
    code = "import sys, golden_names.schemas; print('email_validator' in sys.modules)"
    env = {**os.environ, "PYTHONPATH": os.pathsep.join([str(names), str(ROOT)])}
    done = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True, env=env)
    assert done.stdout.strip() == "False"
