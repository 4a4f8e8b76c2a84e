# The two commands of the README: `make run` and `make test`.
PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.installed

.PHONY: install run test lint schema bench clean

$(STAMP): pyproject.toml
	@$(PYTHON) -c 'import sys; sys.exit(sys.version_info < (3, 11))' || \
		(echo "Hoiku needs Python 3.11 or newer as $(PYTHON)"; exit 1)
	$(PYTHON) -m venv $(VENV)
	$(BIN)/pip install --quiet --upgrade pip
	$(BIN)/pip install --quiet -e ".[dev]"
	touch $(STAMP)

install: $(STAMP)

## Start the server on the embedded PostgreSQL with the demo ward (http://127.0.0.1:8000/graphql).
run: install
	$(BIN)/hoiku serve

## Run the whole test suite against real PostgreSQL and Redis.
test: install
	$(BIN)/pytest -q

lint: install
	$(BIN)/ruff check .
	$(BIN)/mypy

## Rewrite schema/schema.graphql after a deliberate schema change.
schema: install
	$(BIN)/hoiku print-schema > schema/schema.graphql

bench: install
	$(BIN)/python -m bench.roster

clean:
	rm -rf $(VENV) .var .pytest_cache .mypy_cache .ruff_cache
