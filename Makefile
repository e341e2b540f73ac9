# Clearinghouse developer tasks (GNU make).
#
#   make run     set up .venv, migrate, load the demo if the database is empty, serve (and
#                run the worker that solves plans)
#   make test    ruff check and the import contracts (lint-imports), then pytest in TEST_WORKERS
#                processes (extra arguments: make test PYTEST_ARGS='-k pledge -x')
#   make lint    ruff check and lint-imports only
#   make bench   API benchmark (bench/api.py)
#   make bench-audit   the history chain's cost on writes and verify speed (bench/audit.py)
#   make bench-shipments   a year of shipment events through the API (bench/shipments.py)
#   make clean   remove .venv and var/
#
# The virtualenv is (re)installed only when pyproject.toml is newer than .venv/.installed.

PYTHON      ?= python3
VENV        ?= .venv
HOST        ?= 127.0.0.1
PORT        ?= 8000
PYTEST_ARGS ?=
# pytest-xdist processes: two fill the two cores CI has (each with its own test database).
TEST_WORKERS ?= 2
BENCH_ARGS  ?=

BIN    := $(VENV)/bin
STAMP  := $(VENV)/.installed
# Only lint folders that exist: git keeps no empty folders, so a fresh clone may lack tests/ or bench/.
LINT_PATHS := $(wildcard src tests bench)

.DEFAULT_GOAL := help
.DELETE_ON_ERROR:
.PHONY: help install run test lint bench bench-pages bench-clearing bench-network bench-audit bench-shipments clean

help:
	@echo "make run    [HOST=$(HOST) PORT=$(PORT)]  migrate, demo data if empty, runserver"
	@echo "make test   [PYTEST_ARGS=...] [TEST_WORKERS=2]  ruff, lint-imports, pytest"
	@echo "make lint                                ruff check, lint-imports (docs/layers.md)"
	@echo "make bench  [BENCH_ARGS=...]             bench/api.py"
	@echo "make bench-pages [BENCH_ARGS=...]        bench/pages.py"
	@echo "make bench-clearing [BENCH_ARGS=...]     bench/clearing.py"
	@echo "make bench-network [BENCH_ARGS=...]      bench/network.py"
	@echo "make bench-audit [BENCH_ARGS=...]        bench/audit.py"
	@echo "make bench-shipments [BENCH_ARGS=...]    bench/shipments.py"
	@echo "make clean                               remove .venv and var/"

$(BIN)/python:
	$(PYTHON) -m venv $(VENV)

$(STAMP): pyproject.toml | $(BIN)/python
	$(BIN)/pip install -e '.[dev]'
	@touch $@

install: $(STAMP)

run: $(STAMP)
	@mkdir -p var
	$(BIN)/clearinghouse migrate --noinput
	$(BIN)/clearinghouse demo --if-empty
	@# The worker solves plans in the background; it stops with the server.
	@$(BIN)/clearinghouse worker --no-startup-delay & worker=$$!; \
	trap 'kill $$worker 2>/dev/null' EXIT INT TERM; \
	$(BIN)/clearinghouse runserver $(HOST):$(PORT)

lint: $(STAMP)
	$(BIN)/ruff check $(LINT_PATHS)
	$(BIN)/lint-imports --no-cache --no-logo

# pytest's own exit code ends make with an error (exit 5, "no tests collected", included).
# A file's tests stay on one process (--dist loadfile): module fixtures, such as the schema
# check's server over the demo, are made once.
test: lint
	$(BIN)/pytest -n $(TEST_WORKERS) --dist loadfile $(PYTEST_ARGS)

bench: $(STAMP)
	$(BIN)/python bench/api.py $(BENCH_ARGS)

bench-clearing: $(STAMP)
	$(BIN)/python bench/clearing.py $(BENCH_ARGS)

bench-pages: $(STAMP)
	$(BIN)/python bench/pages.py $(BENCH_ARGS)

bench-network: $(STAMP)
	$(BIN)/python bench/network.py $(BENCH_ARGS)

bench-audit: $(STAMP)
	$(BIN)/python bench/audit.py $(BENCH_ARGS)

bench-shipments: $(STAMP)
	$(BIN)/python bench/shipments.py $(BENCH_ARGS)

clean:
	rm -rf $(VENV) var .pytest_cache .ruff_cache src/*.egg-info
