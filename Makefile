# The targets the README and CI use. Everything runs in .venv, made from Python 3.11.
PYTHON ?= $(shell command -v python3.11 || command -v python3)
VENV := .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.installed

.PHONY: demo report test lint typecheck unit bench clean

$(STAMP): pyproject.toml constraints.txt
	$(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade pip
	$(BIN)/python -m pip install --quiet -c constraints.txt -e '.[dev]'
	touch $(STAMP)

## demo: the main job: the service with the demo chain loaded (ketenkaart-demo.db here),
## its URL and a token printed first
demo: $(STAMP)
	$(BIN)/ketenkaart demo

## report: check the demo chain on the command line and print the report
report: $(STAMP)
	@$(BIN)/ketenkaart check examples/demo-chain.yaml --at 2026-11-27 --format text || test $$? -eq 1

## test: every test and check (pytest with doctests, ruff, ruff format, mypy --strict)
test: lint typecheck unit

lint: $(STAMP)
	$(BIN)/ruff check .
	$(BIN)/ruff format --check .

typecheck: $(STAMP)
	$(BIN)/mypy

unit: $(STAMP)
	$(BIN)/pytest -n 2 -q

## bench: the speed figures of the closing notes (not part of the tests)
bench: $(STAMP)
	$(BIN)/python bench/bench_check.py --services 20000
	$(BIN)/python bench/bench_check.py --services 100000 --repeat 1
	$(BIN)/python bench/bench_service.py --services 20000
	$(BIN)/python bench/bench_graph.py

clean:
	rm -rf $(VENV) .pytest_cache .mypy_cache .ruff_cache .hypothesis
