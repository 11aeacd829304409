"""What a scene is handed when Manim's CLI starts it: the study view, built once per process from
the run store, the settings and the study file.

The one place under scenes/ that reads the store and the files: the study file's corrections are
applied here, again at every render (it may have changed since the store was written), before
the view is built. Tests build a view themselves and hand it to the scene (``Scene(view=...)``).
"""

from __future__ import annotations

import os
from functools import cache
from pathlib import Path

from extract.errors import StoreError
from extract.paths import STORE_ENV, manim_cfg, store_path
from extract.runs import reapply
from extract.sample import load_default_runs
from extract.studyfile import load_study, study_path
from study.settings import METRIC_ENV, load_settings
from study.view import EVERY_MEASURE, Measure, StudyView, drawn_columns, view_of

RUNS_HINT = "'python -m extract runs' lists each run's facts and their evidence"


def load_view(reads: frozenset[Measure] = EVERY_MEASURE) -> StudyView:
    """The view of the store, the settings and the study file that the environment names
    ($RUNS_STORE, $LUMI_CONFIG, $LUMI_STUDY, the working directory), built once per process
    for each such combination (the scenes of one file, a deck's slides). ``reads``: what the
    scene draws of the histories (study/view.py drawn_columns); only that is read of them."""
    inputs = (store_path(), manim_cfg(), study_path())
    stamps = tuple(_stamp(p) for p in inputs)
    # $LUMI_METRIC changes what is read of the store (study/view.py drawn_keys)
    return _load(os.environ.get(STORE_ENV), Path.cwd(), stamps, os.environ.get(METRIC_ENV), reads)


def _selections(view: StudyView) -> str:
    """Which selections left every run out: the study file's [select], manim.cfg's regexes."""
    chosen = view.chosen
    named = []
    if chosen is None or chosen.by_study:
        named.append("the study file's [select]")
    if chosen is None or chosen.by_settings:
        named.append("include_runs/exclude_runs")
    return " and ".join(named)


def _stamp(path: Path | None) -> tuple[str, int] | None:
    """A file as the cache tells it apart: where it is and when it last changed."""
    if path is None:
        return None
    return str(path.resolve()), path.stat().st_mtime_ns if path.exists() else -1


@cache
def _load(
    named: str | None,
    cwd: Path,
    inputs: tuple[tuple[str, int] | None, ...],
    metric: str | None = None,
    reads: frozenset[Measure] = EVERY_MEASURE,
) -> StudyView:
    # the arguments are only the cache's key; the loaders find the same files again
    settings = load_settings()
    study = load_study()
    corrected = study.corrections.by_key
    loaded = load_default_runs(
        columns=drawn_columns(settings, study, reads),
        # a run the study file corrects has its facts decided again from its history (reapply):
        # from all of it, as when it was extracted
        whole=lambda run_id, name: run_id in corrected or name in corrected,
    )
    where = loaded.path or Path("data/sample")
    runs = reapply(loaded.runs, study.corrections)
    view = view_of(runs, settings, study, loaded.name)
    if not view.runs:
        raise StoreError(
            f"no runs left after {_selections(view)}", path=where, hint=RUNS_HINT + " (--all)"
        )
    if not view.shown:
        reasons = sorted({why for _, why in view.selection.left_out})
        raise StoreError("no run to show: " + "; ".join(reasons[:3]), path=where, hint=RUNS_HINT)
    return view
