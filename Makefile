# Two commands do all set-up on a fresh machine: `make demo` and `make test`.
PYTHON ?= python3
VENV ?= .venv
BIN := $(VENV)/bin

.PHONY: setup demo test build check docs bench bench-peers clean

$(BIN)/.installed: pyproject.toml
	$(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade pip
	$(BIN)/python -m pip install --quiet -e '.[dev]'
	touch $@

setup: $(BIN)/.installed

demo: setup  ## build the example spec and use the generated package on SQLite
	$(BIN)/schemagen build
	$(BIN)/python examples/demo.py

test: setup  ## the whole test suite (SQLite and PostgreSQL on 127.0.0.1:5432)
	$(BIN)/python -m pytest

build: setup
	$(BIN)/schemagen build

check: setup  ## fails when generated/ is out of date with specs/ and templates/
	$(BIN)/schemagen check

docs: setup  ## rewrite what is derived from the spec models: the JSON Schema and the spec reference
	$(BIN)/schemagen json-schema --out docs/schemagen.schema.json
	$(BIN)/schemagen reference --out docs/spec-reference.md

bench: setup  ## timings of build/check, stage breakdown, generated vs hand-written code (< 10 min)
	$(BIN)/python bench/run.py

bench-peers: setup  ## schemagen next to LinkML, datamodel-code-generator, sqlacodegen (own venv, from PyPI)
	$(BIN)/python bench/run.py --peers

clean:
	rm -rf $(VENV) demo.db .pytest_cache .mypy_cache
