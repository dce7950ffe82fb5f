# Two commands set everything up on a fresh machine with Python 3.11 and make:
#   make run    the gateway on the upstream simulators: dashboard at http://127.0.0.1:8000/ui/, GraphiQL at /graphql
#   make test   lint, format check, types and the whole test suite

PYTHON ?= $(shell command -v python3.11 || command -v python3)
VENV := .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.installed-stamp
HOST ?= 127.0.0.1
PORT ?= 8000
SEED ?= 0
SIM_SPEED ?= 1
# 0 = any free port (printed at start); e.g. make run SIM_PORT=8100
SIM_PORT ?= 0
# Extra simulator options, e.g. SIM_ARGS="--rate scale=2/min --faults faults.toml"
SIM_ARGS ?=
# Where make bench writes its report (build/ is not tracked); make bench-update rewrites BENCHMARKS.md
BENCH_OUT ?= build/BENCHMARKS.md

# pytest-xdist workers for make test (files stay whole on one worker: their fixtures are shared)
TEST_WORKERS ?= 2

INTEROP := tests/interop
INTEROP_STAMP := $(INTEROP)/node_modules/.installed-stamp

.PHONY: install run test lint typecheck unit schema bench bench-update bench-peer screenshot clean

install: $(STAMP)

# The gateway and, as its own distribution, the upstream simulators (tests, benchmarks, make run).
# Re-installs only when either pyproject.toml changed since the last install.
$(STAMP): pyproject.toml simulators/pyproject.toml
	@test -x $(BIN)/python || $(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --disable-pip-version-check --upgrade pip
	$(BIN)/python -m pip install --quiet --disable-pip-version-check -e '.[test]' -e ./simulators
	@touch $(STAMP)

run: install
	$(BIN)/job-gateway serve --simulate --host $(HOST) --port $(PORT) --seed $(SEED) --sim-speed $(SIM_SPEED) \
		--sim-port $(SIM_PORT) $(SIM_ARGS)

lint: install
	$(BIN)/ruff check .
	$(BIN)/ruff format --check .

typecheck: install
	$(BIN)/mypy gateway adapters simulators

# Third-party JS clients and the GraphQL-over-HTTP audit for tests/interop (needs npm).
$(INTEROP_STAMP): $(INTEROP)/package-lock.json
	@if command -v npm >/dev/null 2>&1; then \
		npm ci --prefix $(INTEROP) --no-audit --no-fund --loglevel=error && touch $@; \
	else echo "npm not found: tests/interop will skip here (and fail in CI)"; fi

unit: install $(INTEROP_STAMP)
	$(BIN)/pytest -q -n $(TEST_WORKERS) --dist loadfile -m "not one_process"
	$(BIN)/pytest -q -m one_process

test: lint typecheck unit

schema: install
	$(BIN)/job-gateway export-schema > schema.graphql

# The README's picture of the jobs page, taken by the dashboard's browser test (needs chromium).
screenshot: install
	DASHBOARD_README_SCREENSHOT=docs/dashboard-jobs.png $(BIN)/pytest -q tests/browser/test_dashboard.py \
		-k test_jobs_page_shows_every_source

# Side by side with Hive Gateway over GraphQL Mesh (npm: pinned in benchmarks/peer/package.json).
PEER := benchmarks/peer
PEER_STAMP := $(PEER)/node_modules/.installed-stamp
PEER_OUT ?= build/PEER.md

bench: install
	$(BIN)/python -m benchmarks --out $(BENCH_OUT)

bench-update: install $(PEER_STAMP)
	$(BIN)/python -m benchmarks --out BENCHMARKS.md --peer

# make bench-update also writes the side-by-side table into BENCHMARKS.md (needs Node.js and npm).
$(PEER_STAMP): $(PEER)/package-lock.json
	npm ci --prefix $(PEER) --no-audit --no-fund --loglevel=error && touch $@

bench-peer: install $(PEER_STAMP)
	$(BIN)/python -m benchmarks.peer --out $(PEER_OUT)

clean:
	rm -rf $(VENV) build *.egg-info .pytest_cache .mypy_cache .ruff_cache $(INTEROP)/node_modules
