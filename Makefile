# faceharness: make demo (install + run the main job against the embedded emulator) | make test
SHELL := /bin/bash
PY ?= python3
VENV := .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.installed
DEMO_OUT ?= reports/demo

.PHONY: install sysdeps demo test bench lint clean

$(STAMP): pyproject.toml
	test -x $(BIN)/python || $(PY) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade pip
	$(BIN)/python -m pip install --quiet -e '.[dev]'
	touch $(STAMP)

install: $(STAMP)

demo: install
	$(BIN)/faceharness specs validate
	$(BIN)/python -m harness.demo --out $(DEMO_OUT)

# Debian packages some checks need (root on Debian, as on CI): Chromium renders the HTML report
# in a test; wrk drives the emulator benchmarks. Elsewhere the dependent test/bench says why it skips.
sysdeps:
	@for pkg in $(SYSPKGS); do \
	  command -v $$pkg >/dev/null 2>&1 && continue; \
	  if [ "$$(id -u)" = 0 ] && command -v apt-get >/dev/null 2>&1; then \
	    (apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq $$pkg >/dev/null) \
	      || echo "could not install $$pkg"; \
	  else echo "$$pkg is not installed and cannot be installed here"; fi; \
	done

test: SYSPKGS = chromium
# Most tests wait on servers and subprocesses, so four workers on two cores keep both busy
# (measured: 476 s of pytest against 521 s with three, CPU 182 %).
# --dist loadfile keeps each file's module fixtures (emulators, gate runs) in one worker;
# --no-loadscope-reorder keeps the order tests/conftest.py sets: longest file first (tests/durations.json).
# lint first (ruff format, ruff, mypy --strict): CI runs only this target. About 25 s of CPU from
# a clean clone (mypy; its .mypy_cache makes a rerun take about a second).
# PYTHONDONTWRITEBYTECODE cleared for the run: where a machine sets it, every test process and
# every command it starts compiled the editable harness (and pytest rewrote the tests) afresh;
# the .pyc files go to the clone's own __pycache__ (ignored). Measured on tests/cli: 69 -> 59 CPU s.
test: install sysdeps lint
	PYTHONDONTWRITEBYTECODE= $(BIN)/python -m pytest -q -n 4 --dist loadfile --no-loadscope-reorder

bench: SYSPKGS = wrk
bench: install sysdeps
	$(BIN)/python -m benchmarks

lint: install
	$(BIN)/ruff format --check harness tests benchmarks load
	$(BIN)/ruff check harness tests benchmarks load
	$(BIN)/mypy harness
	$(BIN)/mypy benchmarks  # separately: its modules import one another as top-level names

clean:
	rm -rf $(VENV) .pytest_cache .hypothesis
