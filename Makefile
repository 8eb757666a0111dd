# Two set-up commands for a fresh machine: `make demo` and `make test`.
# Both create .venv and install the pinned project first.
PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.installed-stamp

.PHONY: install demo test bench ensure-gnu-time clean

install: $(STAMP)

$(STAMP): pyproject.toml constraints.txt
	$(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet -c constraints.txt -e '.[test]'
	touch $(STAMP)

demo: $(STAMP)
	$(BIN)/okr demo

# PostgreSQL is tested beside SQLite whenever the local server is there;
# OKR_TEST_DATABASE_URL= (empty) tests SQLite only. Tests run in TEST_WORKERS processes
# (pytest-xdist; each its own PostgreSQL database): most of their time is spent waiting on
# servers, so three share two cores well. TEST_WORKERS=0 runs them in this process.
TEST_WORKERS ?= 3
test: $(STAMP) ensure-gnu-time
	.ci/ensure-chromium
	OKR_TEST_DATABASE_URL="$${OKR_TEST_DATABASE_URL-$$(.ci/ensure-postgres)}" $(BIN)/python -m pytest -n $(TEST_WORKERS) $(PYTEST_ARGS)

# Every benchmark side by side in one run (bench/__main__.py): our sync against HubSpot's limits at
# 10k/100k/1M contacts, singer's tap-hubspot 4.5.0 (installed into .bench/tap-hubspot, never a
# dependency of ours), memory, Prefect's and okr sync's fixed cost, report rendering, 20 companies.
# Writes bench/results.json and bench/RESULTS.md (generated from it); last measured 22.1 minutes on 2
# cores. BENCH_ARGS="--only startup --baseline main": okr sync's fixed cost alone, before/after.
# Measuring needs GNU time's /usr/bin/time: Debian's time package, installed here when missing.
# BENCH_ARGS passes options, e.g. BENCH_ARGS="--sizes 10000 --repeats 1".
bench: $(STAMP) ensure-gnu-time
	$(BIN)/python -m bench $(BENCH_ARGS)

ensure-gnu-time:
	@test -x /usr/bin/time || { echo "installing Debian's time package (/usr/bin/time)"; apt-get install -y -q time; }

clean:
	rm -rf $(VENV) .okr .pytest_cache .bench
