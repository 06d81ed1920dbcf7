# faceharness: make demo (install + run the main job against the embedded emulator) | make test
SHELL := /bin/bash
PY ?= python3
VENV := .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.installed

.PHONY: install demo test bench lint clean

$(STAMP): pyproject.toml
	test -x $(BIN)/python || $(PY) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade pip
	$(BIN)/python -m pip install --quiet -e '.[dev]'
	touch $(STAMP)

install: $(STAMP)

demo: install
	$(BIN)/faceharness specs validate
	$(BIN)/python -m harness.demo --out reports/demo

test: install
	$(BIN)/python -m pytest -q

bench: install
	$(BIN)/python -m benchmarks

lint: install
	$(BIN)/ruff check harness tests
	$(BIN)/mypy harness

clean:
	rm -rf $(VENV) .pytest_cache .hypothesis
