# Newsdesk: `make run` serves the app with sample data, `make test` runs the tests.
# Both set up everything first: a virtualenv under .venv and, when DATABASE_URL is
# unset, an embedded PostgreSQL under .pgdata (left running; `make db-stop` stops it).

SHELL := /bin/bash
VENV := .venv
PY := $(VENV)/bin/python
STAMP := $(VENV)/.installed
HOST ?= 127.0.0.1
PORT ?= 8000
SHARED_CSV := ../shared/corpus/news-articles-2016-2017.csv

# A Python >= 3.12: the first that works of the usual names, then pyenv's and /usr's.
PYTHON ?= $(shell for p in python3.14 python3.13 python3.12 python3 python \
	$$HOME/.pyenv/versions/3.1[2-9]*/bin/python3 /usr/local/bin/python3.1[2-9] /usr/bin/python3.1[2-9]; do \
	  command -v $$p >/dev/null 2>&1 && $$p -c 'import sys; sys.exit(sys.version_info < (3, 12))' 2>/dev/null \
	  && { command -v $$p; break; }; done)

.PHONY: install run test lint format migrations-check bench lock db-stop clean loadtest audit

install: $(STAMP)

$(STAMP): pyproject.toml requirements.lock
	@if [ -z "$(PYTHON)" ]; then \
	  echo "Newsdesk needs Python 3.12 or newer, and none was found (python3 is $$(python3 --version 2>&1))."; \
	  echo "Install one (e.g. 'apt-get install python3.12' or 'pyenv install 3.12'), or run 'make PYTHON=/path/to/python3.12 ...'."; \
	  exit 1; fi
	@echo "Creating $(VENV) with $(PYTHON) ($$($(PYTHON) --version))"
	$(PYTHON) -m venv $(VENV)
	$(PY) -m pip install --quiet --upgrade pip
	@# Exactly the locked versions, checked by hash; then the project itself.
	$(PY) -m pip install --quiet --require-hashes -r requirements.lock
	$(PY) -m pip install --quiet --no-deps -e .
	@touch $(STAMP)

run: install
	DJANGO_DEBUG=1 $(PY) manage.py migrate --no-input
	DJANGO_DEBUG=1 $(PY) manage.py import_articles tests/fixtures/sample
	@if [ -f "$(SHARED_CSV)" ]; then DJANGO_DEBUG=1 $(PY) manage.py import_articles "$(SHARED_CSV)" || true; fi
	DJANGO_DEBUG=1 $(PY) manage.py demo_account --url http://$(HOST):$(PORT)/admin/
	DJANGO_DEBUG=1 $(PY) manage.py runserver $(HOST):$(PORT)

test: install
	$(PY) -m pytest $(PYTEST_ARGS)

lint: install
	$(VENV)/bin/ruff check .
	$(VENV)/bin/ruff format --check .

format: install
	$(VENV)/bin/ruff format .
	$(VENV)/bin/ruff check --fix .

migrations-check: install
	DJANGO_DEBUG=1 $(PY) manage.py makemigrations --check --dry-run

# Pinned versions with hashes of everything pyproject.toml asks for (dev and bench extras too).
lock: install
	$(PY) -m pip install --quiet "pip-tools>=7.4,<8"
	$(VENV)/bin/pip-compile --quiet --extra dev --extra bench --generate-hashes --strip-extras \
	  --allow-unsafe --no-emit-index-url --no-emit-find-links --output-file requirements.lock pyproject.toml

# Known vulnerabilities in requirements.lock, from PyPI's advisory data (see the script).
audit: install
	$(PY) .ci/audit_dependencies.py requirements.lock

db-stop: install
	$(PY) -c 'from pathlib import Path; from newsdesk.embedded_db import stop_embedded_database as s; print("stopped" if s(Path(".pgdata")) else "not running")'

clean: db-stop
	rm -rf $(VENV) .pgdata staticfiles

# The search benchmark on a seeded archive-scale corpus (BENCH_ARTICLES, default 100,000)
# built once from ../shared; it prints Newsdesk next to the SQL floor and Datasette.
BENCH_ARTICLES ?= 100000
bench: install
	DJANGO_DEBUG=1 $(PY) manage.py migrate --no-input --verbosity 0
	@if [ -f "$(SHARED_CSV)" ]; then DJANGO_DEBUG=1 $(PY) manage.py build_bench_corpus --articles $(BENCH_ARTICLES) --reuse; \
	 else echo "bench: $(SHARED_CSV) not found; measuring whatever the archive holds"; fi
	$(PY) benchmarks/search_bench.py $(BENCH_ARGS)

# Load test of the web tier: gunicorn with the production settings, 50 readers (1-3 s think
# time) for 60 s, then a 15 s closed-loop saturation run (wrk if installed: `apt-get install
# wrk`; else locust without waits). DATABASE_URL names the archive (else the embedded one);
# e.g. `make loadtest LOADTEST_ARGS="--compare-workers"`. See benchmarks/load_test.py.
loadtest: install
	$(PY) benchmarks/load_test.py $(LOADTEST_ARGS)
