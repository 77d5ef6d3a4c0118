# The README's two commands: `make run` and `make test`. Everything they need is set up here.
SHELL := /bin/bash
VENV := .venv
PORT ?= 8501
# Loopback only by default; a team server sets ADDRESS=0.0.0.0 and TERRITORY_EDITOR_PASSWORD (README).
ADDRESS ?= localhost
# The first Python 3.11+ found (override: make run PYTHON=/path/to/python3.12).
PYTHON ?= $(shell for p in python3 python3.13 python3.12 python3.11; do \
	if $$p -c 'import sys; sys.exit(sys.version_info < (3, 11))' >/dev/null 2>&1; then echo $$p; break; fi; done)
BROWSERS := chromium chromium-browser google-chrome google-chrome-stable

# serve-team: PostgreSQL, two instances and nginx on loopback (deploy/serve_team.py); TEAM_PORT is nginx's.
TEAM_PORT ?= 8600

.PHONY: run serve-team test install install-dev chromium chromium-optional lint benchmarks clean-store

run: install chromium-optional
	$(VENV)/bin/python -m metrics init
	$(VENV)/bin/python app.py --server.port $(PORT) --server.address $(ADDRESS)

serve-team: install
	$(VENV)/bin/python deploy/serve_team.py --port $(TEAM_PORT)

# Two pytest-xdist workers: much of the suite waits (servers starting, Chromium, PostgreSQL), and the two
# overlap that; one file's tests stay on one worker (its module fixtures start once). Each worker has
# its own PostgreSQL database (TERRITORY_TEST_PG_URL's name + _gw0, ...); tests marked serial run alone.
# `make test PYTEST_WORKERS=` runs in one process.
PYTEST_WORKERS ?= -n 2 --dist loadfile
# The store tests run on PostgreSQL too: where TERRITORY_TEST_PG_URL is unset, .ci/postgres starts
# (as root, installing it where missing) a local server and names an empty database; elsewhere they skip.
test: install-dev chromium
	$(VENV)/bin/ruff check .
	$(VENV)/bin/ruff format --check .
	@if [ -z "$$TERRITORY_TEST_PG_URL" ]; then TERRITORY_TEST_PG_URL="$$(.ci/postgres)"; fi; \
	if [ -n "$$TERRITORY_TEST_PG_URL" ]; then echo "store tests also on PostgreSQL: $$TERRITORY_TEST_PG_URL"; fi; \
	TERRITORY_TEST_PG_URL="$$TERRITORY_TEST_PG_URL" $(VENV)/bin/python -m pytest $(PYTEST_WORKERS)

install: $(VENV)/.installed
install-dev: $(VENV)/.installed-dev

$(VENV)/.installed: requirements.txt
	@if [ -z "$(PYTHON)" ]; then echo "Python 3.11 or newer is needed: install it, or give its path with PYTHON=..."; exit 1; fi
	$(PYTHON) -m venv $(VENV)
	$(VENV)/bin/python -m pip install --quiet -r requirements.txt
	@touch $@

$(VENV)/.installed-dev: requirements-dev.txt $(VENV)/.installed
	$(VENV)/bin/python -m pip install --quiet -r requirements-dev.txt
	@touch $@

# Chromium: chart export (kaleido) and the browser tests need one. Installed with apt-get where we
# are root on Debian/Ubuntu; elsewhere we say what to install. `make test` needs it; `make run` not.
chromium:
	@$(MAKE) --no-print-directory chromium-optional
	@for b in $(BROWSERS); do command -v $$b >/dev/null 2>&1 && exit 0; done; \
	if [ "$$CI" = "true" ]; then echo "No Chromium found: the browser tests cannot run under CI."; exit 1; fi; \
	echo "No Chromium or Chrome found: browser tests will be skipped. Install Chromium (Debian/Ubuntu:"; \
	echo "'sudo apt-get install chromium'; macOS: 'brew install --cask chromium') or Google Chrome."

chromium-optional:
	@for b in $(BROWSERS); do command -v $$b >/dev/null 2>&1 && exit 0; done; \
	if [ "$$(id -u)" = "0" ] && command -v apt-get >/dev/null 2>&1; then \
		echo "Installing Chromium with apt-get (about a minute)..."; \
		apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq chromium >/dev/null; \
	else \
		echo "Note: no Chromium found; image downloads need Chromium or Chrome (see README)."; \
	fi

lint: install-dev
	$(VENV)/bin/ruff check .
	$(VENV)/bin/ruff format --check .

benchmarks: install-dev
	$(VENV)/bin/python -m benchmarks.startup
	$(VENV)/bin/python -m benchmarks.shipped_figures
	$(VENV)/bin/python -m benchmarks.overview
	$(VENV)/bin/python -m benchmarks.pages
	$(VENV)/bin/python -m benchmarks.ingest
	$(VENV)/bin/python -m benchmarks.geodata
	$(VENV)/bin/python -m benchmarks.exports
	$(VENV)/bin/python -m benchmarks.load

# Remove the default SQLite store (the bundled data loads again on the next start).
clean-store:
	rm -f data/territory.sqlite data/territory.sqlite-wal data/territory.sqlite-shm
