# Kezek: `make run` starts the demo, `make test` runs every test.
SHELL := /bin/bash
PYTHON ?= $(shell command -v python3.11 || command -v python3)
VENV := .venv
PY := $(VENV)/bin/python
PORT ?= 8000
CHROMIUM ?= /usr/bin/chromium
# Test processes (pytest-xdist): each has its own databases, media folder and ports.
PYTEST_WORKERS ?= 2

.PHONY: run test setup setup-test translations messages lint check-env clean

run: setup translations
	$(PY) -m app.devserver --port $(PORT)

test: setup-test translations chromium
	$(PY) -m ruff check app scheduler tests bench migrations/env.py
	$(PY) -m tests.security.audit bandit
	$(PY) -m tests.security.audit pip-audit
	$(PY) -m pytest -n $(PYTEST_WORKERS) --durations=15 $(PYTEST_ARGS)

setup: $(VENV)/.installed

setup-test: $(VENV)/.installed-test

$(VENV)/bin/python:
	$(PYTHON) -m venv $(VENV)

$(VENV)/.installed: requirements.txt | $(VENV)/bin/python
	$(PY) -m pip install --quiet --disable-pip-version-check -r requirements.txt
	touch $@

$(VENV)/.installed-test: $(VENV)/.installed tests/requirements.txt
	$(PY) -m pip install --quiet --disable-pip-version-check -r tests/requirements.txt
	touch $@

# Compiled catalogs are build output, never committed.
translations: $(VENV)/.installed
	$(VENV)/bin/pybabel compile --statistics -d app/translations

# Refresh messages.pot and the ru/kk/en catalogs after changing user-visible strings.
messages: $(VENV)/.installed
	$(VENV)/bin/pybabel extract -F app/translations/babel.cfg -k _l -k lazy_gettext \
		--no-location --sort-output -o app/translations/messages.pot app
	$(VENV)/bin/pybabel update --no-fuzzy-matching -i app/translations/messages.pot -d app/translations

chromium:
	@test -x $(CHROMIUM) || { echo "Installing Debian's chromium for browser tests"; \
		apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq chromium; }

lint: setup-test
	$(PY) -m ruff check app scheduler tests bench migrations/env.py
	$(PY) -m ruff format --check app scheduler tests bench

check-env: setup
	$(PY) deploy/check-env

clean:
	rm -rf $(VENV) var/*.db
