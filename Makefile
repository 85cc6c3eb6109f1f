# The targets the README and CI use. Everything runs in .venv, made from Python 3.11.
PYTHON ?= $(shell command -v python3.11 || command -v python3)
VENV := .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.installed

.PHONY: demo report test lint typecheck unit bench clean catalogs

$(STAMP): pyproject.toml constraints.txt
	$(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade pip
	$(BIN)/python -m pip install --quiet -c constraints.txt -e '.[dev]'
	touch $(STAMP)

# The Dutch catalog, compiled from its .po file (under version control) whenever that changes:
# every target that runs ketenkaart needs it, an installed package carries it (package data).
LOCALES := graph/locale
PO := $(LOCALES)/nl/LC_MESSAGES/ketenkaart.po
MO := $(PO:.po=.mo)

$(MO): $(PO) $(STAMP)
	$(BIN)/pybabel compile --statistics -D ketenkaart -d $(LOCALES) -l nl

## catalogs: extract every translatable string (babel.cfg) into the catalog template, bring the
## Dutch catalog up to date with it, and compile it; then translate what is new in the .po file
catalogs: $(STAMP)
	mkdir -p $(LOCALES)/nl/LC_MESSAGES
	$(BIN)/pybabel extract --mapping-file babel.cfg --keywords N_ --add-location file --sort-output --no-wrap \
		--project ketenkaart --copyright-holder "the ketenkaart authors" \
		--output-file $(LOCALES)/ketenkaart.pot .
	$(BIN)/pybabel update --input-file $(LOCALES)/ketenkaart.pot -D ketenkaart -d $(LOCALES) -l nl \
		--no-wrap --ignore-obsolete --no-fuzzy-matching --ignore-pot-creation-date
	$(MAKE) $(MO)

## demo: the main job: the service with the demo chain loaded (ketenkaart-demo.db here),
## its URL and a token printed first
demo: $(STAMP) $(MO)
	$(BIN)/ketenkaart demo

## report: check the demo chain on the command line and print the report
report: $(STAMP) $(MO)
	@$(BIN)/ketenkaart check examples/demo-chain.yaml --at 2026-11-27 --format text || test $$? -eq 1

## test: every test and check (pytest with doctests, ruff, ruff format, mypy --strict)
test: lint typecheck unit

lint: $(STAMP)
	$(BIN)/ruff check .
	$(BIN)/ruff format --check .

typecheck: $(STAMP)
	$(BIN)/mypy

unit: $(STAMP) $(MO)
	$(BIN)/pytest -n 2 -q

## bench: the speed figures of the closing notes (not part of the tests)
bench: $(STAMP) $(MO)
	$(BIN)/python bench/bench_check.py --services 20000
	$(BIN)/python bench/bench_check.py --services 100000 --repeat 1
	$(BIN)/python bench/bench_service.py --services 20000
	$(BIN)/python bench/bench_graph.py

clean:
	rm -rf $(VENV) .pytest_cache .mypy_cache .ruff_cache .hypothesis
