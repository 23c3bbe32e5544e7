# The README's two commands are `make run` and `make test`; both set everything up themselves.
SHELL := /bin/bash
PYTHON ?= python3
VENV := .venv
PY := $(VENV)/bin/python
STAMP := $(VENV)/.installed
DEV_STAMP := $(VENV)/.installed-dev
export PIP_DISABLE_PIP_VERSION_CHECK := 1

.PHONY: run test lint unit bench screenshots translations system-deps test-system-deps package clean

run: system-deps $(STAMP)
	$(PY) -m cvcdesk

test: test-system-deps $(DEV_STAMP) lint unit

lint: $(DEV_STAMP)
	$(VENV)/bin/ruff check cvcdesk tests tools
	$(VENV)/bin/ruff format --check cvcdesk tests tools
	$(VENV)/bin/mypy
	$(VENV)/bin/lint-imports

unit: $(DEV_STAMP)
	QT_QPA_PLATFORM=offscreen $(VENV)/bin/pytest -n auto

bench: system-deps $(DEV_STAMP) $(VENV)/.installed-bench
	QT_QPA_PLATFORM=offscreen $(PY) tests/benchmarks/run.py $(ARGS)

# Screenshots of the main views in English and Welsh under Xvfb (a real X server and fonts).
screenshots: system-deps $(STAMP)
	@command -v xvfb-run >/dev/null || { \
		if [ "$$(id -u)" = 0 ]; then apt-get install -y -q xvfb xauth >/dev/null; \
		else echo "Screenshots need Xvfb: sudo apt-get install -y xvfb xauth"; exit 1; fi; }
	QT_QPA_PLATFORM=xcb xvfb-run -a -s "-screen 0 1400x900x24" $(PY) tools/screenshots.py

translations: $(DEV_STAMP)
	mkdir -p resources/translations
	$(VENV)/bin/pybabel extract --no-location --sort-output -k N_ -k ngettext:1,2 \
		-k pgettext:1c,2 --project=cvcdesk -o resources/translations/cvcdesk.pot cvcdesk
	if [ -f resources/translations/cy.po ]; then \
		$(VENV)/bin/pybabel update --no-fuzzy-matching -l cy \
			-i resources/translations/cvcdesk.pot -o resources/translations/cy.po; \
	else \
		$(VENV)/bin/pybabel init -l cy -i resources/translations/cvcdesk.pot \
			-o resources/translations/cy.po; \
	fi

system-deps:
	@PYTHON=$(PYTHON) bash packaging/ensure-system-deps.sh

# The tests also start a throwaway PostgreSQL server (skipped where it cannot be installed).
test-system-deps:
	@PYTHON=$(PYTHON) bash packaging/ensure-system-deps.sh --test

# The one-folder desktop bundle in dist/cvcdesk/ (see packaging/README.md).
package: $(VENV)/.installed-package
	@PYTHON=$(PYTHON) bash packaging/ensure-system-deps.sh --package
	$(VENV)/bin/pyinstaller --noconfirm --clean --log-level WARN --distpath dist \
		--workpath build/pyinstaller packaging/cvcdesk.spec
	@echo "Built dist/cvcdesk/ (run dist/cvcdesk/cvcdesk)."

$(PY):
	$(PYTHON) -m venv $(VENV)
	$(PY) -m pip install --quiet --upgrade pip

$(STAMP): pyproject.toml | $(PY)
	$(PY) -m pip install --quiet -e .
	touch $@

$(DEV_STAMP): pyproject.toml | $(PY)
	$(PY) -m pip install --quiet -e '.[dev]'
	touch $(STAMP) $@

$(VENV)/.installed-package: pyproject.toml | $(PY)
	$(PY) -m pip install --quiet -e '.[package]'
	touch $(STAMP) $@

$(VENV)/.installed-bench: pyproject.toml | $(PY)
	$(PY) -m pip install --quiet -e '.[dev,bench]'
	touch $@

clean:
	rm -rf $(VENV) .mypy_cache .ruff_cache .pytest_cache .hypothesis build dist *.egg-info
