# Stadtkern: `make demo` sets up and serves the demo, `make test` runs the whole suite
# on SQLite and on a throwaway PostgreSQL cluster, browser tests included.

PYTHON ?= python3
PORT ?= 8000
VENV := .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.installed

.PHONY: demo serve test test-sqlite test-postgres system-deps lint audit format bench messages screenshots clean

$(STAMP): pyproject.toml constraints.txt
	test -x $(BIN)/python || $(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade pip
	$(BIN)/python -m pip install --quiet -c constraints.txt -e '.[test]'
	touch $(STAMP)

install: $(STAMP)

demo: $(STAMP)
	$(BIN)/stadtkern migrate --verbosity 0
	$(BIN)/stadtkern demo --reset --port $(PORT)
	$(BIN)/stadtkern serve --host 127.0.0.1 --port $(PORT)

serve: $(STAMP)
	$(BIN)/stadtkern serve

system-deps:
	scripts/install-system-deps

test: $(STAMP) system-deps
	$(MAKE) lint
	$(MAKE) test-sqlite
	$(MAKE) test-postgres

test-sqlite: $(STAMP)
	env -u DATABASE_URL $(BIN)/python -m pytest

test-postgres: $(STAMP)
	scripts/with-postgres $(BIN)/python -m pytest

lint: $(STAMP)
	$(BIN)/ruff check .
	$(BIN)/ruff format --check .
	$(BIN)/stadtkern makemigrations --check --dry-run --verbosity 0

# The locked dependencies against the advisories PyPI publishes; needs PyPI's JSON API,
# so it is not part of `make test`. Fails on a known vulnerability or a package it
# could not check.
audit: $(STAMP)
	$(BIN)/python -m pip install --quiet pip-audit
	$(BIN)/pip-audit -r constraints.txt --no-deps --disable-pip --strict --progress-spinner off

format: $(STAMP)
	$(BIN)/ruff format .
	$(BIN)/ruff check --fix .

bench: $(STAMP)
	for b in strategy import query; do \
		$(BIN)/stadtkern bench $$b && scripts/with-postgres $(BIN)/stadtkern bench $$b || exit 1; \
	done

# The README's tour: the demo's key pages in Chromium at 1280 and 390 px, renewed from
# the same browser test that checks them in `make test`.
screenshots: $(STAMP) system-deps
	env -u DATABASE_URL STADTKERN_SCREENSHOTS=docs/screenshots $(BIN)/python -m pytest -q tests/test_screenshots.py

messages: $(STAMP)
	cd src/stadtkern && ../../$(BIN)/stadtkern makemessages -l de -l en --no-obsolete
	cd src/stadtkern && ../../$(BIN)/stadtkern compilemessages

clean:
	rm -rf $(VENV) var .pytest_cache .ruff_cache .hypothesis
