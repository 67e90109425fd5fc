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

.PHONY: run test setup install migrate seed demo-accounts

run: setup demo-accounts
	$(PY) manage.py runserver 127.0.0.1:$(PORT)

# Demo log-ins (README.md lists them); the command refuses to run when DJANGO_DEBUG is off.
demo-accounts: seed
	$(PY) manage.py create_demo_accounts

test: setup
	$(PY) -m pytest $(PYTEST_ARGS)

setup: install migrate seed

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
