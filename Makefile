# make demo: install what is missing, then render every scene on the sample study.
# make check: lint, types and every test that renders nothing (the quick loop).
# make test: the test suite (what CI runs).
SHELL := /bin/bash
# what make runs writes the .pyc files of what it imports, once (scripts/bootstrap.sh says why)
unexport PYTHONDONTWRITEBYTECODE
VENV := .venv
PY := $(VENV)/bin/python
STAMP := $(VENV)/.installed
QUALITY ?= l
# the type check; `make check` and `make test` run it beside the tests (scripts/beside.sh)
MYPY := $(VENV)/bin/mypy --cache-dir $(VENV)/.mypy-cache
# scene names to render (default: every scene), e.g. SCENES="ProgressRace ScalingEfficiency"
SCENES ?=
# a quality given on the command line, else $(1)
quality_or = $(if $(filter command line,$(origin QUALITY)),$(QUALITY),$(1))

.PHONY: demo setup check test lint format render stills charts overlays slides gallery report bench clean

setup: $(STAMP)

$(STAMP): pyproject.toml uv.lock scripts/bootstrap.sh
	@bash scripts/bootstrap.sh
	@touch $@

# the sample study whatever store the checkout holds (LUMI_SAMPLE=1), as the Quickstart says
demo: setup
	@LUMI_SAMPLE=1 $(PY) -m scenes --quality $(QUALITY) $(SCENES)
	@echo
	@LUMI_SAMPLE=1 $(PY) -m extract report

# every scene as MP4 (fast start) + poster PNG; QUALITY=l|m|h|p|k; several at once on >1 core
render: setup
	@$(PY) -m scenes --quality $(QUALITY) $(SCENES)

# the held final frame of every scene as a PNG, for handouts and papers (4K unless QUALITY is
# given); only that frame is drawn, so it is quick even at 4K. FORMAT=svg or pdf: as vectors too
FORMAT ?= png
stills: setup
	@$(PY) -m scenes --quality $(call quality_or,k) --still --format $(FORMAT) $(SCENES)

# the seed's static comparisons: MetricVsTime's held frame of each key as PNG (4K unless QUALITY
# is given), SVG and PDF under media/charts/; CHARTS="key ..." names other keys
CHARTS ?=
charts: setup
	@$(PY) -m scenes.charts --quality $(call quality_or,k) $(CHARTS)

# transparent WebM (VP9 + alpha) and MOV of every scene, to lay over a slide's own background
overlays: setup
	@$(PY) -m scenes --quality $(QUALITY) --transparent $(SCENES)

# one offline reveal.js deck and a PPTX of every scene, with pauses and speaker notes
# (1080p60 unless QUALITY is given)
slides: setup
	@$(PY) -m scenes.deck --quality $(call quality_or,h) $(SCENES)

# the README's previews (media/gallery/*.gif, *.png) from the sample study
gallery: setup
	@$(PY) scripts/gallery.py $(SCENES)

report: setup
	@$(PY) -m extract report

# lint, types, and every test not marked `render` (nothing drawn, no scene run), in two processes
check: setup
	@$(VENV)/bin/ruff check --no-cache .
	@$(VENV)/bin/ruff format --no-cache --check --quiet .
	@bash scripts/beside.sh "$(MYPY)" $(PY) -m pytest -m "not render" -n 2

# the tests that read the README run and the dry runs in one pytest (that long work runs in its
# own processes), the rest beside it in two processes; the type check beside both. Every render
# of the run keeps its texts in one temporary folder (tests/conftest.py)
test: setup
	@bash scripts/bootstrap.sh --test-browser
	@$(VENV)/bin/ruff check --no-cache .
	@texts=$$(mktemp -d); trap 'rm -rf "$$texts"' EXIT; \
	LUMI_TEST_TEXTS=$$texts bash scripts/beside.sh "$(MYPY)" bash scripts/beside.sh \
		"$(PY) -m pytest -m long_work --durations 10" \
		$(PY) -m pytest -m "not long_work" -n 2 --durations 15

# measures, does not assert; --quick for a short run (480p15 only). SEED=<the seed's
# visualizations folder> runs its three matplotlib animations beside ours (--side-by-side: only that)
SEED ?=
bench: setup
	@$(PY) bench/bench.py $(if $(SEED),--seed "$(SEED)") $(BENCH_ARGS)

lint: setup
	@$(VENV)/bin/ruff check .
	@$(VENV)/bin/ruff format --check .

format: setup
	@$(VENV)/bin/ruff check --fix .
	@$(VENV)/bin/ruff format .

clean:
	rm -rf media/videos media/images media/texts media/frames media/slides media/charts data/runs.h5
