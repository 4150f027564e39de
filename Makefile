# amazon-odoo — every target installs what it needs into .venv first (Python 3.11).
PYTHON ?= $(shell command -v python3.11 || command -v python3)
VENV   ?= .venv
PY     := $(VENV)/bin/python

.PHONY: install demo test lint unit bench clean

install: $(VENV)/.installed

$(VENV)/.installed: pyproject.toml
	$(PYTHON) -m venv $(VENV)
	$(PY) -m pip install --quiet --upgrade pip
	$(PY) -m pip install --quiet -e '.[dev,cli]'
	touch $@

## the README's first command: the whole connector on the embedded AWS, SP-API sandbox and Odoo double
demo: install
	$(VENV)/bin/amazon-odoo demo

## the README's second command: lint, types, layer contracts, template, then every test
test: install lint
	$(PY) -m pytest -q

lint: install
	$(PY) -m ruff check .
	$(PY) -m ruff format --check .
	$(PY) -m mypy
	$(VENV)/bin/lint-imports
	$(VENV)/bin/cfn-lint template.yaml

unit: install
	$(PY) -m pytest -q tests/unit

bench: install
	@for f in tests/bench/*.py; do echo "== $$f"; $(PY) $$f || exit 1; done

clean:
	rm -rf $(VENV) .pytest_cache .mypy_cache .ruff_cache .import_linter_cache
