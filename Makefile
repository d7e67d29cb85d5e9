# soteflow: `make demo` and `make test` work on a fresh clone; everything else is set up on the way.
SHELL := /bin/bash
PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.installed
OUT ?= out/demo
REGION ?= HVA08

# Prefect's telemetry can lock SQLite and tries to reach the internet; there is no internet here.
export PREFECT_SERVER_ANALYTICS_ENABLED := false
export PREFECT_CLIENT_ENABLE_METRICS := false
# The demo and the tests start Prefect's temporary API server. It gets 120 s to start instead of
# Prefect's default 20 s (a busy 2-core machine can need more), and the demo keeps its Prefect
# database in var/prefect instead of sharing ~/.prefect/prefect.db with every other Prefect process.
export PREFECT_SERVER_EPHEMERAL_STARTUP_TIMEOUT_SECONDS := 120
DEMO_PREFECT_HOME ?= $(CURDIR)/var/prefect

.PHONY: demo test test-e2e venv system-deps lint bench clean

demo: $(STAMP)
	mkdir -p $(DEMO_PREFECT_HOME)
	PREFECT_HOME=$${PREFECT_HOME:-$(DEMO_PREFECT_HOME)} $(BIN)/soteflow demo --region $(REGION) --out $(OUT)

# Two workers (pytest-xdist) that steal work from each other (the slow tests do not pile up on one);
# each has its own Prefect test server, and they share the seeded stores (the first worker that
# needs one computes it). The 15 slowest tests are printed at the end (the suite's budget is
# 4 minutes on 2 cores, set-up included; packages install without byte-compiling, which imports do). The store tests
# also run on PostgreSQL when SOTEFLOW_TEST_PG_URL is set (.ci/run starts a private cluster).
test: $(STAMP)
	$(BIN)/python -m pytest -n 2 --dist worksteal --durations=15 -m "not e2e"

# The deployed path end to end (a Prefect server, a worker, deployments, Chromium): one process,
# since its tests share one server. On PostgreSQL when SOTEFLOW_TEST_PG_URL is set.
test-e2e: $(STAMP)
	$(BIN)/python -m pytest -m e2e --durations=5

venv: $(STAMP)

# System libraries the Python packages load: Pango for WeasyPrint, and Voikko with its Finnish
# dictionary for the stakeholder-feedback synthesis; Chromium for the end-to-end tests (playwright
# drives Debian's browser; its own download is not used). Machines of this kind have Pango; whatever
# is missing is installed here from Debian's packages (as root).
SYSTEM_PACKAGES := libpango-1.0-0 libpangoft2-1.0-0 libvoikko1 voikko-fi
system-deps:
	@missing=""; \
	ldconfig -p | grep -q libpangoft2-1.0.so.0 || missing="$$missing libpango-1.0-0 libpangoft2-1.0-0"; \
	ldconfig -p | grep -q libvoikko.so.1 || missing="$$missing libvoikko1"; \
	test -f /usr/lib/voikko/5/mor-standard/mor.vfst \
	  || missing="$$missing voikko-fi"; \
	test -x /usr/bin/chromium || missing="$$missing chromium"; \
	if [ -n "$$missing" ]; then \
	  echo "Installing system packages:$$missing"; \
	  if [ "$$(id -u)" = 0 ]; then apt-get update -qq && apt-get install -y -qq $$missing; \
	  else echo "soteflow needs: apt-get install$$missing" >&2; exit 1; fi; \
	fi

# The virtual environment comes from the committed lock file, hashes checked. uv installs it (about
# 5 s against pip's 45 s for the same lock); uv itself comes from its own hash-checked lock, with pip.
$(STAMP): requirements.lock requirements-bootstrap.lock pyproject.toml | system-deps
	$(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --disable-pip-version-check --no-compile --require-hashes -r requirements-bootstrap.lock
	$(BIN)/uv pip install --quiet --python $(BIN)/python --require-hashes -r requirements.lock
	$(BIN)/uv pip install --quiet --python $(BIN)/python --no-deps --no-build-isolation -e .
	touch $@

# Regenerate the lock after changing pyproject.toml (with the locked uv of .venv).
lock: $(STAMP)
	$(BIN)/uv pip compile pyproject.toml --group test --group lint --group build --python-version 3.11 \
	  -o requirements.lock --no-header --generate-hashes

lint: $(STAMP)
	$(BIN)/ruff check . && $(BIN)/ruff format --check . && $(BIN)/mypy soteflow schemas tasks flows

bench: $(STAMP)
	$(BIN)/python bench/bench_stage1.py
	$(BIN)/python bench/bench_parallel.py
	$(BIN)/python bench/bench_render.py
	$(BIN)/python bench/bench_stage5.py

clean:
	rm -rf $(VENV) var out .pytest_cache
