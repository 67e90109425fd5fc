# Two commands do all set-up: `make run` and `make test` (see README.md).
# Both are safe to rerun: installs are skipped when nothing changed, the seed
# plan is loaded only once, and migrations apply only what is missing.

PYTHON ?= python3
VENV ?= .venv
PY := $(VENV)/bin/python
PORT ?= 8000
STAMP := $(VENV)/.installed

# Development defaults; production sets DJANGO_DEBUG=0 and its own secret key and hosts.
export DJANGO_DEBUG ?= 1

.PHONY: run serve bench test setup install migrate seed demo-accounts npm-tools

run: setup demo-accounts
	@fc-list :lang=ja 2>/dev/null | grep -q . || echo "Report PDFs are off: no Japanese font found (fc-list :lang=ja). Install one: apt-get install fonts-noto-cjk"
	@$(PY) -c "import weasyprint" 2>/dev/null || echo "Report PDFs are off: WeasyPrint cannot load Pango. Install it: apt-get install libpango-1.0-0 libpangoft2-1.0-0"
	$(PY) manage.py runserver 127.0.0.1:$(PORT)

# Production mode (README "Production"): DJANGO_DEBUG off, so DJANGO_SECRET_KEY and
# DJANGO_ALLOWED_HOSTS must be set or the server refuses to start. No seed, no demo accounts.
# Starts the web server only: with REDIS_URL set, run the background worker too (manage.py rqworker default,
# README "Production"), which builds published reports' PDFs.
serve: install
	DJANGO_DEBUG=0 $(PY) manage.py migrate --noinput
	DJANGO_DEBUG=0 $(PY) manage.py collectstatic --noinput --verbosity 0
	DJANGO_DEBUG=0 $(VENV)/bin/gunicorn --config gunicorn.conf.py kisarazu_reform.wsgi

# The load benchmark (bench/load.py): installs wrk where missing, needs PostgreSQL (BENCH_DATABASE_URL).
bench: install
	command -v wrk >/dev/null || (apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq wrk)
	$(PY) bench/load.py $(BENCH_ARGS)

# Demo log-ins (README.md lists them); the command refuses to run when DJANGO_DEBUG is off.
demo-accounts: seed
	$(PY) manage.py create_demo_accounts

# The layers hold (import-linter, contract in pyproject.toml), then the whole suite.
test: setup npm-tools
	$(VENV)/bin/lint-imports --no-cache
	$(PY) -m pytest $(PYTEST_ARGS)

setup: install migrate seed

# Test tools from npm (axe-core; vnu-jar, the Nu Html Checker, which runs on Java), where npm is present;
# the tests say what they skip otherwise.
npm-tools:
	@if command -v npm >/dev/null; then \
	  if [ ! -f node_modules/.package-lock.json ] || [ package-lock.json -nt node_modules/.package-lock.json ]; then \
	    npm ci --no-audit --no-fund --loglevel=error; fi; \
	else echo "npm not found: the accessibility checks (axe-core) and the HTML check (vnu-jar) will be skipped or fail under CI"; fi

install: $(STAMP)

$(STAMP): pyproject.toml
	test -x $(PY) || $(PYTHON) -m venv $(VENV)
	$(PY) -m pip install --quiet --upgrade pip
	$(PY) -m pip install --quiet -e '.[test]'
	touch $(STAMP)

migrate: install
	$(PY) manage.py migrate --noinput

seed: migrate
	$(PY) manage.py load_seed_plan
