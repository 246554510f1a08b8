# Two entry points for a fresh machine: `make demo` (main job) and `make test` (all checks).
PYTHON ?= python3
VENV ?= .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.installed-stamp

.PHONY: install demo test test-scale test-browser test-spark bench dashboard catalogue clean

$(STAMP): pyproject.toml
	$(PYTHON) -m venv $(VENV)
	$(BIN)/pip install --quiet -e ".[test]"
	touch $(STAMP)

install: $(STAMP)

demo: $(STAMP)
	$(BIN)/mejora demo
	$(BIN)/mejora dashboard

test: $(STAMP)
	$(BIN)/ruff check .
	$(BIN)/ruff format --check .
	$(BIN)/pytest

test-scale: $(STAMP)
	$(BIN)/pytest -m scale

# end-to-end tests in headless Chromium (Debian's chromium package; .ci/run installs it)
test-browser: $(STAMP)
	$(BIN)/pytest -m browser

# the same queries on Apache Spark, in local mode (needs Java 17; .ci/run installs it)
test-spark: $(STAMP)
	$(BIN)/pip install -q -e ".[test,spark]"
	$(BIN)/pytest -m spark

dashboard: $(STAMP)
	$(BIN)/mejora dashboard

bench: $(STAMP)
	$(BIN)/python benchmarks/bench_cli_startup.py
	$(BIN)/python benchmarks/bench_core.py
	$(BIN)/python benchmarks/bench_conformance.py
	$(BIN)/python benchmarks/bench_dashboard.py
	$(BIN)/python benchmarks/bench_predictions.py

# the list of commands `mejora --help` shows without importing the packages
catalogue: $(STAMP)
	$(BIN)/python -c "from mejora.cli import write_catalogue; write_catalogue()"
	$(BIN)/ruff format --quiet mejora/_commands.py

clean:
	rm -rf $(VENV) .pytest_cache .ruff_cache
