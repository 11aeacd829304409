"""A scene reads of a store's histories only the keys it draws (its ``reads``), and draws a long
history with as many points as its render's pixels show: a million-row history costs little
more than a thousand rows (issue 29, measured by `make bench`). What it says is what a read of
everything says, on every kind of store; a run the study file corrects is read whole, since its
facts are decided again from its history."""

from __future__ import annotations

import dataclasses
import math
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd
import pytest
from manim import tempconfig

import scenes.load
from extract.errors import InputError
from extract.model import Run
from extract.runs import reapply
from extract.sample import load_default_runs, sample_runs
from extract.store import load_runs, save_runs
from extract.studyfile import load_study
from scenes.registry import SCENES
from study.settings import load_settings
from study.view import view_of
from tests.critic_stores import build_stores

LOGGED = {"_runtime", "running_accuracy", "train_loss", "batch_loss", "epoch", "learning_rate"}


def _said(value: Any) -> Any:
    """Every word and number of a plan (or a report), runs named by their ids."""
    if isinstance(value, Run):
        return value.run_id
    if dataclasses.is_dataclass(value) and not isinstance(value, type):
        return {f.name: _said(getattr(value, f.name)) for f in dataclasses.fields(value)}
    if isinstance(value, np.ndarray):
        return _said(value.tolist())
    if isinstance(value, list | tuple):
        return [_said(v) for v in value]
    if isinstance(value, dict):
        return {str(k): _said(v) for k, v in value.items()}
    if isinstance(value, float) and math.isnan(value):
        return "nan"
    return value


def _plan_said(entry: Any, view: Any) -> Any:
    try:
        return _said(entry.plan(view))
    except InputError as error:  # a scene this store cannot draw says so alike
        return error.one_line()


def _use(monkeypatch: pytest.MonkeyPatch, store: Path, cfg: Path | None = None) -> None:
    monkeypatch.setenv("RUNS_STORE", str(store))
    for name in ("LUMI_STUDY", "LUMI_METRIC", "LUMI_METRIC_X", "LUMI_SAMPLE"):
        monkeypatch.delenv(name, raising=False)
    if cfg is None:
        monkeypatch.delenv("LUMI_CONFIG", raising=False)
    else:
        monkeypatch.setenv("LUMI_CONFIG", str(cfg))


def _read_everything(store: Path) -> Any:
    """The view a read of every key of every run gives, the study file applied."""
    study = load_study()
    loaded = load_default_runs(explicit=store)
    return view_of(reapply(loaded.runs, study.corrections), load_settings(), study, loaded.name)


def _stretched(path: Path, rows: int) -> Path:
    """The sample study with each history stretched to ``rows`` rows, the accuracy noisy (as a
    per-batch running accuracy is): a long history of every key, read and drawn."""
    runs = []
    rng = np.random.default_rng(0)
    for run in sample_runs():
        if len(run.history):
            old = run.history
            t = np.linspace(old["_runtime"].min(), old["_runtime"].max(), rows)
            frame = pd.DataFrame({"_runtime": t})
            for column in old.columns:
                if column != "_runtime":
                    frame[column] = np.interp(t, old["_runtime"], old[column].fillna(0))
            frame["running_accuracy"] += rng.normal(0, 0.3, rows)
            run = dataclasses.replace(run, history=frame)
        runs.append(run)
    save_runs(path, runs)
    return path


def test_each_scene_reads_only_the_keys_it_draws(tmp_path, monkeypatch):
    """Through the scene's own setup, as `manim render` starts it: AccuracyVsTime reads the
    accuracy (and the time), not the loss, the epochs or the learning rate beside it."""
    store = _stretched(tmp_path / "long.h5", 5_000)
    _use(monkeypatch, store)
    read = {}
    for entry in SCENES:
        with tempconfig({"dry_run": True, "quality": "low_quality", "verbosity": "WARNING"}):
            scene = entry.scene_class()()
            scene.setup()
        with_rows = [r for r in scene.view.runs if len(r.history)]
        assert with_rows, entry.name
        read[entry.name] = set().union(*(set(r.history.columns) for r in with_rows))
        # what a run logged is still known: only its rows stay on disk
        assert all(set(r.stored_keys) == LOGGED for r in with_rows)
    accuracy = {"_runtime", "running_accuracy"}  # the report's figures are read from it
    assert read == {
        "ProgressRace": accuracy | {"epoch"},
        "ScalingEfficiency": accuracy,
        "TrainingComparison": accuracy,
        "AccuracyVsTime": accuracy,
        "LossVsTime": accuracy | {"train_loss", "batch_loss"},
        "CostOfSpeed": accuracy,
        "MetricVsTime": accuracy | {"learning_rate"},  # manim.cfg's metric
    }


@pytest.fixture(scope="module")
def stores(tmp_path_factory, csv_runs, offline_runs) -> dict[str, tuple[Path, Path | None]]:
    """The stores users bring (tests/critic_stores.py: exports, real offline runs, the long
    names' study file...) and a sample of long noisy histories."""
    root = tmp_path_factory.mktemp("reads")
    found = build_stores(root, csv_runs, list(offline_runs.values()))
    found["long"] = (_stretched(root / "long.h5", 20_000), None)
    # histories without an accuracy key: the curves are refused naming the keys logged
    unaccurate = [
        dataclasses.replace(run, history=run.history.drop(columns=["running_accuracy"]))
        if "running_accuracy" in run.history
        else run
        for run in sample_runs()
    ]
    save_runs(root / "no-accuracy.h5", unaccurate)
    found["no-accuracy"] = (root / "no-accuracy.h5", None)
    return found


def test_what_each_scene_says_is_what_a_read_of_everything_says(stores, monkeypatch):
    for name, (store, cfg) in stores.items():
        _use(monkeypatch, store, cfg)
        everything = _read_everything(store)
        for entry in SCENES:
            view = scenes.load.load_view(entry.scene_class().reads)
            assert _said(view.report) == _said(everything.report), (name, entry.name)
            assert [r.run_id for r in view.shown] == [r.run_id for r in everything.shown]
            said = _plan_said(entry, view)
            assert said == _plan_said(entry, everything), (name, entry.name)


@pytest.fixture(scope="module")
def stack_stores(tmp_path_factory) -> dict[str, tuple[Path, Path | None]]:
    """One study per common stack (tests/stack_studies.py), each logging its keys its own way
    (``Train/Samples/train_loss``, ``epoch/val_accuracy``, ``metrics/eval/...``)."""
    from extract.sources.wandb_files import ingest_offline
    from tests.stack_studies import STUDIES, build_corpus

    corpus = build_corpus(tmp_path_factory.mktemp("stacks"))
    root = tmp_path_factory.mktemp("stack_stores")
    found: dict[str, tuple[Path, Path | None]] = {}
    for name in STUDIES:
        save_runs(root / f"{name}.h5", ingest_offline([corpus.study(name)]).runs)
        found[name] = (root / f"{name}.h5", None)
    return found


def test_what_each_scene_says_of_each_stack_is_what_a_read_of_everything_says(
    stack_stores, monkeypatch
):
    test_what_each_scene_says_is_what_a_read_of_everything_says(stack_stores, monkeypatch)


def test_a_run_the_study_file_corrects_is_read_whole(tmp_path, monkeypatch):
    """Its facts are decided again from its history (extract/runs.py reapply), so from all of
    it, as at extraction: a partial read would decide them from what a scene draws."""
    store = _stretched(tmp_path / "long.h5", 2_000)
    study = tmp_path / "study.toml"
    study.write_text('[runs."8 GPU 1 Node Run"]\nlabel = "eight"\ngpus = 8\n', encoding="utf-8")
    _use(monkeypatch, store)
    monkeypatch.setenv("LUMI_STUDY", str(study))
    accuracy_scene = next(e for e in SCENES if e.name == "AccuracyVsTime").scene_class()
    view = scenes.load.load_view(accuracy_scene.reads)
    by_name = {r.name: r for r in view.runs}
    corrected = by_name["8 GPU 1 Node Run"]
    assert set(corrected.history.columns) == LOGGED
    assert set(by_name["4 GPU 1 Node Run"].history.columns) == {"_runtime", "running_accuracy"}
    assert corrected.label_override == "eight"  # the correction holds
    (whole,) = [r for r in _read_everything(store).runs if r.name == corrected.name]
    assert _said(dataclasses.replace(corrected, history=None)) == _said(
        dataclasses.replace(whole, history=None)
    )


def _staged_traces(view: Any, quality: str) -> list[Any]:
    from scenes.curves import AccuracyVsTime
    from scenes.kit.fader import Fader

    with tempconfig({"dry_run": True, "quality": quality, "verbosity": "WARNING"}):
        scene = AccuracyVsTime(view=view)
        scene.setup()
        scene.fader = Fader()
        scene.set_stage()
        width, frame = scene.camera.pixel_width, scene.camera.frame_width
    return [(trace, width / frame, scene.chart) for trace in scene.traces]


def test_1080p_and_4k_draw_what_was_kept_at_1080p(sample_view):
    """1080p's own density is a hair below the one histories are kept at (its frame width
    rounded): it draws them as kept, never reduced again; 4K too."""
    from scenes.curves import _as_drawn

    for quality in ("high_quality", "fourk_quality"):
        for trace, _, chart in _staged_traces(sample_view, quality):
            kept = (trace.x, trace.y, trace.times)
            with tempconfig({"quality": quality}):
                assert _as_drawn(chart, kept) is kept, quality


def test_a_long_history_is_drawn_with_the_points_its_pixels_show(tmp_path):
    """At 480p a curve keeps at most four points per 480p pixel column (first, lowest,
    highest, last); the places labels and boxes keep clear of are 1080p's at every quality,
    so a preview's layout is the final render's."""
    store = _stretched(tmp_path / "long.h5", 20_000)
    view = view_of(load_runs(store))
    low = _staged_traces(view, "low_quality")
    high = _staged_traces(view, "high_quality")
    reduced = 0
    for (trace, density, chart), (full, _, _) in zip(low, high, strict=True):
        columns = int((chart.right - chart.left) * density)
        assert len(trace.x) <= 4 * columns, trace.run.name
        reduced += len(full.x) > 4 * columns  # more than 480p's pixels show of it
        np.testing.assert_array_equal(trace.outline, full.outline)
        # at 1080p what is drawn is the outline itself
        np.testing.assert_array_equal(full.outline[:, 0], full.x)
        # each 480p column's lowest and highest point of the outline is drawn, its last too
        bins = np.clip(((full.x - chart.left) * density).astype(int), 0, columns - 1)
        drawn = np.clip(((trace.x - chart.left) * density).astype(int), 0, columns - 1)
        for column in np.unique(bins)[:: max(1, len(np.unique(bins)) // 25)]:
            ours, outline = trace.y[drawn == column], full.y[bins == column]
            assert (ours.min(), ours.max()) == (outline.min(), outline.max())
        assert (trace.x[-1], trace.y[-1], trace.times[-1]) == (
            full.x[-1],
            full.y[-1],
            full.times[-1],
        )
    assert reduced  # the longest curves (at most 4 points a column were kept whole)
