# segment_lib: `make demo` builds the demo reports, `make test` runs every test.
# The interpreter used to create the venv can be overridden: make demo PYTHON=python3.12
PYTHON ?= python3
VENV ?= .venv
BIN := $(VENV)/bin
PY := $(BIN)/python
STAMP := $(VENV)/.installed-dev
CONFIG ?= config/demo.yaml
DEMO_DIR ?= data/demo
DEMO_N ?= 20000
DEMO_SEED ?= 7
PYTEST_ARGS ?=

.DEFAULT_GOAL := help
.PHONY: help venv system-deps demo demo-data reports validate test lab bench clean-reports

help:
	@echo "make demo         venv + demo data + all reports -> reports/index.html"
	@echo "make test         venv + the whole test suite (unit, notebooks, browser)"
	@echo "make validate     check the data of CONFIG=$(CONFIG)"
	@echo "make lab          JupyterLab on notebooks/"
	@echo "make bench        benchmarks (bench/run_all.py)"
	@echo "variables: PYTHON=$(PYTHON) CONFIG=$(CONFIG) DEMO_N=$(DEMO_N) DEMO_SEED=$(DEMO_SEED)"

# (Re)install when pyproject.toml changes; the stamp records the last successful install.
$(STAMP): pyproject.toml
	@test -x $(PY) || $(PYTHON) -m venv $(VENV)
	$(PY) -m pip install -e '.[dev]'
	@touch $@

venv: $(STAMP)

# Best effort: Chromium (browser tests) and CJK fonts (Chinese chart labels). Never fails the build.
system-deps:
	@need=""; \
	command -v chromium >/dev/null 2>&1 || command -v chromium-browser >/dev/null 2>&1 || need="$$need chromium"; \
	fc-list 2>/dev/null | grep -qi "cjk" || need="$$need fonts-noto-cjk"; \
	if [ -z "$$need" ]; then exit 0; fi; \
	if [ "$$(id -u)" = 0 ] && command -v apt-get >/dev/null 2>&1; then \
		echo "system-deps: installing$$need"; \
		{ apt-get update && DEBIAN_FRONTEND=noninteractive apt-get install -y $$need; } \
			|| echo "system-deps: could not install$$need; continuing (charts fall back to English, browser tests skip)"; \
	else \
		echo "system-deps: missing$$need and cannot apt-get install (not root or no apt-get); continuing"; \
	fi; \
	exit 0

# Skips generation when $(DEMO_DIR) already holds the same size and seed.
demo-data: $(STAMP)
	$(BIN)/segment-lib demo-data --out $(DEMO_DIR) --n-customers $(DEMO_N) --seed $(DEMO_SEED)

reports: $(STAMP)
	$(BIN)/segment-lib run --config $(CONFIG)

demo: $(STAMP) system-deps demo-data
	$(BIN)/segment-lib run --config $(CONFIG)

validate: $(STAMP)
	$(BIN)/segment-lib validate --config $(CONFIG)

test: $(STAMP) system-deps
	$(PY) -m pytest $(PYTEST_ARGS)

lab: $(STAMP)
	$(PY) -m pip install -e '.[lab]'
	$(BIN)/jupyter lab notebooks/

bench: $(STAMP)
	@if [ -f bench/run_all.py ]; then $(PY) bench/run_all.py; else echo "bench: bench/run_all.py not found; nothing to run"; fi

clean-reports:
	rm -rf reports/
