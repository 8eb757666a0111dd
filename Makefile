# Two set-up commands for a fresh machine: `make demo` and `make test`.
# Both create .venv and install the pinned project first.
PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.installed-stamp

.PHONY: install demo test bench clean

install: $(STAMP)

$(STAMP): pyproject.toml constraints.txt
	$(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet -c constraints.txt -e '.[test]'
	touch $(STAMP)

demo: $(STAMP)
	$(BIN)/okr demo

# PostgreSQL is tested beside SQLite whenever the local server is there;
# OKR_TEST_DATABASE_URL= (empty) tests SQLite only.
test: $(STAMP)
	.ci/ensure-chromium
	OKR_TEST_DATABASE_URL="$${OKR_TEST_DATABASE_URL-$$(.ci/ensure-postgres)}" $(BIN)/python -m pytest $(PYTEST_ARGS)

# API calls of our HubSpot connector vs. a full pull on a 100k-contact sandbox (writes bench/RESULTS.md),
# then report rendering at 50 and 500 KRs.
bench: $(STAMP)
	$(BIN)/python -m bench.hubspot_calls
	$(BIN)/python -m bench.render_report

clean:
	rm -rf $(VENV) .okr .pytest_cache
