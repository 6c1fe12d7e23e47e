# The two commands of the quick start. Each creates .venv on first use and installs what it needs.
PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin

.PHONY: run test lint demo clean

$(BIN)/analyzer: pyproject.toml
	$(PYTHON) -m venv $(VENV)
	$(BIN)/pip install --quiet --upgrade pip
	$(BIN)/pip install --quiet -e ".[dev]"
	touch $(BIN)/analyzer

## run: set up, then run the nightly job (fetch configured sources, tag, report) on data/store
run: $(BIN)/analyzer
	$(BIN)/analyzer run

## test: set up, then lint (ruff, mypy) and run the whole test suite (what CI runs)
test: $(BIN)/analyzer
	$(BIN)/ruff check .
	$(BIN)/ruff format --check .
	$(BIN)/mypy analyzer
	$(BIN)/pytest

## demo: replay ../shared/data on 127.0.0.1 and run the nightly job against it (no internet needed)
demo: $(BIN)/analyzer
	$(BIN)/python -m analyzer.demo

lint: $(BIN)/analyzer
	$(BIN)/ruff check .
	$(BIN)/mypy analyzer

clean:
	rm -rf $(VENV) build *.egg-info
