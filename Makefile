# Two entry points do all set-up: `make demo` and `make test`.
PYTHON ?= python3
VENV ?= .venv
BIN := $(VENV)/bin
# The development toolchain is pinned (constraints.txt): the same tools on every machine.
PIP_INSTALL := $(BIN)/python -m pip install --quiet --constraint constraints.txt

.PHONY: demo test test-all lint typecheck pytest bench fuzz clean

$(BIN)/python:
	$(PYTHON) -c 'import sys; sys.exit(sys.version_info < (3, 11) and "dtmfkit needs Python >= 3.11")'
	$(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade pip

$(VENV)/.installed: pyproject.toml constraints.txt | $(BIN)/python
	$(PIP_INSTALL) -e .
	touch $@

$(VENV)/.installed-test: pyproject.toml constraints.txt | $(BIN)/python
	$(PIP_INSTALL) -e '.[test]'
	touch $@ $(VENV)/.installed

demo: $(VENV)/.installed
	$(BIN)/dtmfkit demo --out-dir demo-output

test: $(VENV)/.installed-test
	$(BIN)/ruff check .
	$(BIN)/ruff format --check .
	$(BIN)/mypy --strict dtmfkit
	$(BIN)/pytest

# `make test` on each supported Python, each in its own venv (.venv-3.11, ...). An interpreter
# is python3.X on PATH, or pyenv's newest 3.X.
test-all:
	@set -e; for version in 3.11 3.12 3.13; do \
	    python=python$$version; \
	    $$python -c '' 2>/dev/null || python=$$(ls -d $$(pyenv root 2>/dev/null)/versions/$$version.*/bin/python$$version 2>/dev/null | sort -V | tail -n 1); \
	    [ -n "$$python" ] || { echo "make test-all: no Python $$version found" >&2; exit 1; }; \
	    echo "== Python $$version ($$python)"; \
	    $(MAKE) --no-print-directory test PYTHON=$$python VENV=.venv-$$version; \
	done

# 100 000 fuzzed inputs for the parser (and 5 000 command lines); make test runs a few thousand.
fuzz: $(VENV)/.installed-test
	HYPOTHESIS_PROFILE=fuzz $(BIN)/pytest -q tests/test_fuzz.py --hypothesis-show-statistics

bench: $(VENV)/.installed-test
	$(BIN)/python -m benchmarks.throughput
	$(BIN)/python -m benchmarks.decode

clean:
	rm -rf $(VENV) .venv-3.* demo-output .pytest_cache .mypy_cache .ruff_cache .hypothesis .benchmarks
