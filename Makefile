# The two commands: `make run` and `make test`. Everything else is a step they take.
PYTHON ?= python3
VENV := .venv
PY := $(VENV)/bin/python
DEPS := $(VENV)/.deps-installed

.PHONY: run test bench install lint migrate clean

$(PY):
	$(PYTHON) -m venv $(VENV)
	$(PY) -m pip install -q --upgrade pip

$(DEPS): pyproject.toml | $(PY)
	$(PY) -m pip install -q -e '.[test]'
	touch $@

install: $(DEPS)

## make run: migrate, load the demo data once, start web + Celery worker + beat (Ctrl-C stops all).
run: install
	$(PY) manage.py runinloop

## make test: the whole suite (PostgreSQL and Redis on localhost when they answer).
test: install
	$(PY) -m pytest

## make bench: the performance benchmarks of docs/benchmarks.md (not part of make test).
bench: install
	$(PY) -m bench

lint: install
	$(VENV)/bin/ruff check .
	$(VENV)/bin/ruff format --check .

migrate: install
	$(PY) manage.py migrate

clean:
	rm -rf $(VENV) .run staticfiles
