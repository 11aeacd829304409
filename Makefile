# make demo: install what is missing, then render every scene on the sample study.
# make test: the test suite (what CI runs).
SHELL := /bin/bash
VENV := .venv
PY := $(VENV)/bin/python
STAMP := $(VENV)/.installed
QUALITY ?= l

.PHONY: demo setup test lint format render report bench clean

setup: $(STAMP)

$(STAMP): pyproject.toml uv.lock scripts/bootstrap.sh
	@bash scripts/bootstrap.sh
	@touch $@

demo: setup
	@$(PY) -m scenes --quality $(QUALITY)
	@echo
	@$(PY) -m extract report

render: setup
	@$(PY) -m scenes --quality $(QUALITY)

report: setup
	@$(PY) -m extract report

test: setup
	@$(VENV)/bin/ruff check .
	@$(PY) -m pytest

# measures, does not assert; --quick for a short run (480p15 only)
bench: setup
	@$(PY) bench/bench.py $(BENCH_ARGS)

lint: setup
	@$(VENV)/bin/ruff check .
	@$(VENV)/bin/ruff format --check .

format: setup
	@$(VENV)/bin/ruff check --fix .
	@$(VENV)/bin/ruff format .

clean:
	rm -rf media/videos media/images media/texts media/frames data/runs.h5
