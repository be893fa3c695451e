# The two commands: `make run` and `make test`. Everything else is a step they take.
PYTHON ?= python3
VENV := .venv
PY := $(VENV)/bin/python
DEPS := $(VENV)/.deps-installed

.PHONY: run test bench install lint migrate clean python-check

# The Python the app needs (pyproject.toml's requires-python; .python-version names 3.12).
PYTHON_SUPPORTED := -c 'import sys; sys.exit(not (3, 12) <= sys.version_info[:2] < (3, 14))'

## make python-check: stop with a plain message, not a traceback, when the Python at hand is too old or missing.
python-check:
	@if [ -x $(PY) ]; then found="$(PY)"; else found="$(PYTHON)"; fi; \
	if ! $$found $(PYTHON_SUPPORTED) >/dev/null 2>&1; then \
		version=$$($$found --version 2>/dev/null) || version="not installed"; \
		echo "Inloop needs Python 3.12 or 3.13 (found $$found: $$version)." >&2; \
		echo "Install Python 3.12 (python.org, your package manager, or pyenv, which reads .python-version)," >&2; \
		echo "then run: make run PYTHON=python3.12" >&2; \
		if [ -x $(PY) ]; then echo "The existing $(VENV) was made with that Python: remove it first (make clean)." >&2; fi; \
		exit 1; \
	fi

$(PY): | python-check
	$(PYTHON) -m venv $(VENV)
	$(PY) -m pip install -q --upgrade pip

$(DEPS): pyproject.toml | $(PY)
	$(PY) -m pip install -q -e '.[test]'
	touch $@

install: python-check $(DEPS)

## make run: migrate, load the demo data once, start web + Celery worker + beat (Ctrl-C stops all).
run: install
	$(PY) manage.py runinloop

## make test: the whole suite (PostgreSQL and Redis on localhost when they answer).
test: install
	$(PY) -m pytest

## make bench: the performance benchmarks of docs/benchmarks.md (not part of make test).
bench: install
	$(PY) -m bench $(BENCH_ARGS)

lint: install
	$(VENV)/bin/ruff check .
	$(VENV)/bin/ruff format --check .

migrate: install
	$(PY) manage.py migrate

clean:
	rm -rf $(VENV) .run staticfiles
