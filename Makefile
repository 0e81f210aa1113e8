# Two entry points, each complete on its own: `make figures` and `make test`.
# Both create the virtual environment in .venv when it is missing (offline: torch 2.13.0's CPU wheel is local).
PYTHON ?= python3
VENV ?= .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.installed

.PHONY: figures test smoke env clean-env

env: $(STAMP)

$(STAMP): pyproject.toml
	test -x $(BIN)/python || $(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade pip
	# torch first and alone, so that pip takes the pinned wheel and no other build
	$(BIN)/python -m pip install --quiet torch==2.13.0
	$(BIN)/python -m pip install --quiet -e '.[dev]'
	touch $(STAMP)

figures: $(STAMP)  ## rebuild every figure on the default (tiny, CPU) profile
	mkdir -p data
	$(BIN)/dvc repro

smoke: $(STAMP)  ## the whole pipeline at toy sizes, in this checkout
	mkdir -p data
	$(BIN)/dvc exp run -S profile=smoke

test: $(STAMP)  ## the test suite, smoke pipeline included
	PATH="$(abspath $(BIN)):$$PATH" $(BIN)/python -m pytest -q

clean-env:
	rm -rf $(VENV)
