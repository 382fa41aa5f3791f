# Atelier: `make run` starts it on the emulator; `make test` checks everything.
SHELL := /bin/bash
.DEFAULT_GOAL := help
VENV := .venv
PY := $(VENV)/bin/python
PORT ?= 8000
export PORT

.PHONY: help install run run-scaled test test-unit test-services test-browser lint format chromium tesseract services bench

help:
	@echo "make run     set up and start Atelier on http://127.0.0.1:$(PORT)/ (the OpenAI emulator when no OPENAI_API_KEY)"
	@echo "make run-scaled  the same scaled out: $(WEB) web processes and $(WORKERS) workers on PostgreSQL and Redis (honcho)"
	@echo "make test    set up and run every check and test"
	@echo "make lint    ruff check and format check"
	@echo "make bench   run the benchmarks under bench/"

$(VENV)/.installed: pyproject.toml
	@python=$$(.ci/find-python) || exit 1; \
	if [ ! -x $(PY) ] || ! $(PY) -c 'import sys; sys.exit(sys.version_info < (3, 12))'; then \
		rm -rf $(VENV); echo "Creating $(VENV) with $$python"; "$$python" -m venv $(VENV) || exit 1; \
	fi
	$(PY) -m pip install --quiet --disable-pip-version-check --upgrade pip
	$(PY) -m pip install --quiet --disable-pip-version-check -e '.[dev]'
	@touch $@

install: $(VENV)/.installed

run: install tesseract
	@DEBUG=$${DEBUG:-1} $(PY) manage.py launch --port $(PORT)

# Scaled out on this machine's PostgreSQL and Redis, under honcho (see Procfile and README, "Scaling out"):
# WEB Daphne processes on PORT, PORT+1, ..., WORKERS db_workers, and the emulator when no OPENAI_API_KEY is set.
WEB ?= 2
WORKERS ?= 2
SCALED_DATABASE_URL ?= postgres://postgres@127.0.0.1:5432/atelier
SCALED_REDIS_URL ?= redis://127.0.0.1:6379/0

run-scaled: install services
	@DATABASE_URL=$${DATABASE_URL:-$(SCALED_DATABASE_URL)} REDIS_URL=$${REDIS_URL:-$(SCALED_REDIS_URL)} \
		ATELIER_JOB_RUNNER=workers ATELIER_VAR_DIR=$${ATELIER_VAR_DIR:-var/scaled} DEBUG=$${DEBUG:-1} \
		$(PY) manage.py run_scaled --web $(WEB) --workers $(WORKERS) --port $(PORT)

lint: install
	$(VENV)/bin/ruff check .
	$(VENV)/bin/ruff format --check .
	$(VENV)/bin/lint-imports

format: install
	$(VENV)/bin/ruff format .
	$(VENV)/bin/ruff check --fix .

# Debian's Chromium for the browser tests, installed when it is missing and we may (root with apt-get).
chromium:
	@if [ ! -x /usr/bin/chromium ] && [ "$$(id -u)" = 0 ] && command -v apt-get >/dev/null; then \
		echo "Installing Debian's chromium for the browser tests"; \
		(apt-get install -y -qq chromium >/dev/null 2>&1 || (apt-get update -qq && apt-get install -y -qq chromium >/dev/null)) \
			|| echo "Could not install chromium: browser tests will skip (or fail under ATELIER_REQUIRE_SERVICES=1)"; \
	fi

# Debian's Tesseract for the text check (OCR of quoted text), best effort like chromium: without it the check
# says it is not installed and its tests skip.
tesseract:
	@if ! command -v tesseract >/dev/null && [ "$$(id -u)" = 0 ] && command -v apt-get >/dev/null; then \
		echo "Installing Debian's tesseract-ocr for the text check"; \
		(apt-get install -y -qq tesseract-ocr >/dev/null 2>&1 || (apt-get update -qq && apt-get install -y -qq tesseract-ocr >/dev/null)) \
			|| echo "Could not install tesseract-ocr: the text check will say it is not installed"; \
	fi

# PostgreSQL and Redis run on this machine kind; start them if they are installed but stopped.
services:
	@.ci/start-services

POSTGRES_URL ?= postgres://postgres@127.0.0.1:5432/postgres
REDIS_TEST_URL ?= redis://127.0.0.1:6379/15

test: install chromium tesseract services
	$(VENV)/bin/ruff check .
	$(VENV)/bin/lint-imports
	DEBUG=1 $(PY) manage.py makemigrations --check --dry-run
	$(VENV)/bin/pytest --ignore=tests/browser -m "not services"
	@$(MAKE) --no-print-directory test-services
	$(VENV)/bin/pytest tests/browser

# The tests about PostgreSQL and Redis, against the real servers of this machine.
test-services: install
	@if .ci/start-services --check; then \
		DATABASE_URL=$(POSTGRES_URL) REDIS_URL=$(REDIS_TEST_URL) $(VENV)/bin/pytest --ignore=tests/browser -m services; \
	elif [ "$${ATELIER_REQUIRE_SERVICES:-0}" = 1 ]; then \
		echo "PostgreSQL or Redis is not answering on 127.0.0.1, and ATELIER_REQUIRE_SERVICES=1 requires both."; exit 1; \
	else \
		echo "SKIPPED: the PostgreSQL and Redis tests (no servers on 127.0.0.1:5432 and :6379)."; \
	fi

test-unit: install
	$(VENV)/bin/pytest --ignore=tests/browser

test-browser: install chromium
	$(VENV)/bin/pytest tests/browser

bench: install
	@for script in bench/*.py; do echo "== $$script"; DEBUG=1 $(PY) $$script || exit 1; done
