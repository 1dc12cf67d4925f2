# The whole set-up on a fresh machine is `make run` or `make test`: both create .venv and
# install the pinned dependencies (constraints.txt) the first time, or when they change.
PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.installed

.PHONY: run test lint typecheck bench notion-server clean soak

# pip is quiet for `make test` (and CI); `make run` shows what it installs, with progress bars
# on a terminal: a first run takes about a minute and should not look stuck.
PIP_OUTPUT ?= --quiet
run notion-server: PIP_OUTPUT = --progress-bar on

$(STAMP): pyproject.toml constraints.txt
	@echo "Installing notionhub and its pinned dependencies into .venv (first run only, about a minute)…"
	$(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install $(PIP_OUTPUT) --disable-pip-version-check -c constraints.txt -e '.[dev]'
	touch $(STAMP)

run: $(STAMP)
	$(BIN)/notionhub serve

notion-server: $(STAMP)
	$(BIN)/notionhub notion-server

lint: $(STAMP)
	$(BIN)/ruff check src tests bench
	$(BIN)/ruff format --check src tests bench

typecheck: $(STAMP)
	$(BIN)/mypy

# Two processes (pytest-xdist), a test file's tests in one of them, in order (some share a hub
# fixture); then the local Notion fuzz alone, whose schemathesis tests share one test id (under
# xdist only one of its 24 operations would run). `$(BIN)/pytest` runs everything in one process.
FUZZ := tests/localnotion/fuzz
test: lint typecheck
	$(BIN)/pytest -n 2 --dist loadfile --ignore=$(FUZZ)
	$(BIN)/pytest $(FUZZ)

# Seeded fault runs (kill -9, storage cut, Notion faults) of 2,000 deliveries, 10 per database
# (docs/soak.md); NOTIONHUB_SOAK_RUNS=2 for a shorter one. Then serve + three workers on
# PostgreSQL draining 3,000 events (NOTIONHUB_WORKERS_EVENTS; 400 in `make test`), and both
# fuzzers with 500 examples per operation (docs/reliability.md; NOTIONHUB_FUZZ_EXAMPLES).
soak: $(STAMP)
	NOTIONHUB_SOAK=1 $(BIN)/pytest tests/acceptance/test_fault_soak.py \
		tests/acceptance/test_crash_recovery.py -s
	NOTIONHUB_WORKERS_EVENTS=$${NOTIONHUB_WORKERS_EVENTS:-3000} $(BIN)/pytest \
		tests/acceptance/test_workers_postgres.py
	NOTIONHUB_FUZZ_EXAMPLES=$${NOTIONHUB_FUZZ_EXAMPLES:-500} $(BIN)/pytest \
		tests/web/test_openapi_fuzz.py tests/web/test_openapi_fuzz_roles.py tests/localnotion/fuzz

bench: $(STAMP)
	$(BIN)/python -m bench

clean:
	rm -rf $(VENV) .mypy_cache .ruff_cache .pytest_cache
