# Safeguard: the two commands a newcomer needs are `make demo` and `make test`.
PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.installed
HOST ?= 127.0.0.1
PORT ?= 8000
# pytest-xdist workers for `make test`: one per core by default (CI has two). TEST_WORKERS=0
# runs the suite in one process, as a plain `pytest` does.
TEST_WORKERS ?= auto

.PHONY: demo test lint format browser-deps clean-demo bench mutation

$(STAMP): pyproject.toml
	test -x $(BIN)/python || $(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade pip
	$(BIN)/python -m pip install --quiet -e '.[dev]'
	touch $(STAMP)

# Start Safeguard with the demo partnership on the embedded SQLite database.
demo: $(STAMP)
	mkdir -p var
	SAFEGUARD_MODE=demo $(BIN)/safeguard migrate --no-input
	SAFEGUARD_MODE=demo $(BIN)/safeguard demo --addrport $(HOST):$(PORT)

# Lint, then the whole suite (browser tests included). DATABASE_URL picks the engine.
test: $(STAMP) browser-deps
	$(BIN)/ruff check .
	$(BIN)/ruff format --check .
	SAFEGUARD_MODE=test $(BIN)/pytest -n $(TEST_WORKERS) --dist loadgroup

# Mutation testing of the access rule, the audit chain, the checks and the loader: slow
# (tens of minutes), one module at a time, never part of `make test` or CI. Prints the
# score per module and every survivor (docs/testing.md). MODULES=... to run some.
mutation: $(STAMP)
	$(BIN)/python scripts/mutation.py $(MODULES)

# Every benchmark of docs/performance.md on the engine DATABASE_URL names (a database made
# for benchmarking): see scripts/bench-all. Not a test; figures vary with the machine.
bench: $(STAMP)
	scripts/bench-all

browser-deps:
	@scripts/ensure-browser-deps

format: $(STAMP)
	$(BIN)/ruff format .
	$(BIN)/ruff check --fix .

clean-demo:
	rm -f var/safeguard.sqlite3 var/safeguard.sqlite3-wal var/safeguard.sqlite3-shm
