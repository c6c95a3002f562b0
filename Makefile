# Every target installs what it needs first, so each works on a fresh machine.
export UV_PYTHON_DOWNLOADS := never
export UV_LINK_MODE := copy
PYTHON ?= python3
UV := $(PYTHON) -m uv
RUN := $(UV) run --frozen

.PHONY: run test lint format deps system-deps browser-deps bench

## Install everything, load the shipped lessons, serve on http://127.0.0.1:8000
run: deps system-deps
	DEBUG=1 $(RUN) manage.py migrate --noinput
	DEBUG=1 $(RUN) manage.py load_lessons
	DEBUG=1 $(RUN) manage.py runserver 127.0.0.1:8000

## Install everything and run every test (browser tests included), then the linters;
## the policy evaluator's tests run on their own, with its line coverage held above 95 %
test: deps system-deps browser-deps
	$(RUN) pytest --ignore=tests/lessons/policy
	$(RUN) pytest tests/lessons/policy --cov=lessons/policy --cov-report=term-missing:skip-covered --cov-fail-under=95
	$(MAKE) --no-print-directory lint

lint: deps
	$(RUN) ruff format --check .
	$(RUN) ruff check .

format: deps
	$(RUN) ruff format .
	$(RUN) ruff check --fix .

deps:
	@$(PYTHON) -m uv --version >/dev/null 2>&1 || $(PYTHON) -m pip install --quiet --disable-pip-version-check uv==0.13.8
	$(UV) sync --frozen --quiet

browser-deps:
	@scripts/install-browser-deps

## Pango and a font for the certificate PDFs (WeasyPrint), when the machine lacks them
system-deps:
	@scripts/install-system-deps
