# Two commands for a newcomer: `make run` and `make test`. Both install what they need.
PY ?= python3
VENV := .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.installed

.PHONY: run test lint typecheck pytest bench schema clean

$(STAMP): pyproject.toml
	@echo "Setting up .venv (Python packages; takes a minute the first time)…"
	@test -x $(BIN)/python || $(PY) -m venv $(VENV)
	@$(BIN)/python -m pip install -qq --upgrade pip
	@$(BIN)/python -m pip install -qq -e '.[dev]'
	@touch $(STAMP)
	@echo "Ready."

run: $(STAMP)
	$(BIN)/omtanke run

lint: $(STAMP)
	$(BIN)/ruff check .
	$(BIN)/ruff format --check .
	$(BIN)/lint-imports

typecheck: $(STAMP)
	$(BIN)/mypy knowledge db bot

pytest: $(STAMP)
	$(BIN)/python -m pytest -q

test: lint typecheck pytest

bench: $(STAMP)
	$(BIN)/omtanke bench

schema: $(STAMP)
	$(BIN)/omtanke kb schema > knowledge/entries/schema.json

clean:
	rm -rf $(VENV) .pytest_cache .mypy_cache .ruff_cache
