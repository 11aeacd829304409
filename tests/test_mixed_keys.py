"""A study whose runs log accuracy and loss under their stacks' own keys (tests/mixed_keys.py,
written by the real wandb SDK): a Hugging Face Trainer run's ``eval/accuracy`` (a fraction) and
``train/loss`` beside PyTorch DDP runs' ``val_accuracy`` (percent) and ``train_loss``. Every
run is drawn from its own key, by one function (study/metric_keys.py) that the report uses
too; the axis names no one key for values read from several (issue 27)."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest

from extract.model import Run
from extract.store import save_runs
from study.metric_keys import metric_keys
from study.plans import curves_plan
from study.report import to_markdown
from study.view import view_of
from tests.critic_stores import writer_clock_runs
from tests.mixed_keys import mixed_keys_study

OWN_ACCURACY = {"hf-4gpu": "eval/accuracy", "ddp-2gpu": "val_accuracy", "ddp-1gpu": "val_accuracy"}
OWN_LOSS = {"hf-4gpu": "train/loss", "ddp-2gpu": "train_loss", "ddp-1gpu": "train_loss"}


@pytest.fixture(scope="module")
def study(tmp_path_factory: pytest.TempPathFactory) -> tuple[dict[str, Run], dict[str, Any]]:
    folder, logged = mixed_keys_study(tmp_path_factory.mktemp("mixed"))
    # on the writers' clock: wandb-core's own _runtime is the machine's elapsed time
    by_id = {run.run_id: run for run in writer_clock_runs(folder, killed_kept=0)}
    return {case: by_id[entry["id"]] for case, entry in logged.items()}, logged


def logged_values(logged: dict[str, Any], case: str, key: str) -> list[float]:
    return [row[key] for row in logged[case]["rows"] if key in row]


def test_every_run_is_drawn_from_its_own_accuracy_key(study):
    runs, logged = study
    view = view_of(list(runs.values()))
    plan = curves_plan(view, "accuracy")
    by_case = {case: s for s in plan.series for case, run in runs.items() if s.run is run}
    assert set(by_case) == set(runs), "a run whose accuracy has another key was dropped"
    for case, series in by_case.items():
        assert series.key == OWN_ACCURACY[case]
        # percent or fraction per key over the study: the Trainer's fractions read as percent
        scale = 100.0 if case == "hf-4gpu" else 1.0
        values = logged_values(logged, case, OWN_ACCURACY[case])
        assert list(series.values) == pytest.approx([v * scale for v in values])
    # the axis says what it plots, not one run's key name; the source line names the keys
    assert plan.y_caption == "validation accuracy (%)"
    assert "'val_accuracy' (2 runs), 'eval/accuracy' (1 run)" in plan.source
    assert "eval/accuracy" in plan.start_notes and "val_accuracy" in plan.start_notes


def test_the_report_reads_each_runs_accuracy_from_the_key_the_curve_draws(study):
    runs, logged = study
    view = view_of(list(runs.values()))
    plan = curves_plan(view, "accuracy")
    report = view.report
    for series in plan.series:
        figures = next(f for f in report.runs if f.run_id == series.run.run_id)
        assert figures.curve_key == figures.accuracy_key == series.key
        assert figures.time_to_target_s == series.target_s is not None
        assert figures.best_accuracy == pytest.approx(max(series.values))
    # the ranking, by time to 90%: the 4-GPU Trainer run first, from its eval/accuracy
    assert [s.run for s, _ in plan.ranking][0] is runs["hf-4gpu"]
    hf = next(f for f in report.runs if f.run_id == runs["hf-4gpu"].run_id)
    row = to_markdown(report).split(f"| {hf.name}", 1)[1].split("\n", 1)[0]
    assert "93.0% (eval/accuracy)" in row, row
    assert any("'eval/accuracy' (1 run)" in w for w in report.warnings), report.warnings
    # the report (and its JSON) says which key each figure is from, and why
    said = "its own key: it did not log 'val_accuracy', validation like it"
    assert (
        hf.evidence["accuracy_curve"]
        == hf.evidence["accuracy"]
        == (f"history: eval/accuracy = {said}")
    )


def test_every_run_is_drawn_from_its_own_loss_key(study):
    runs, logged = study
    plan = curves_plan(view_of(list(runs.values())), "loss")
    by_case = {case: s for s in plan.series for case, run in runs.items() if s.run is run}
    assert set(by_case) == set(runs)
    for case, series in by_case.items():
        # the training loss beside the study's train_loss, not the Trainer's eval/loss
        assert series.key == OWN_LOSS[case]
        assert list(series.values) == pytest.approx(logged_values(logged, case, OWN_LOSS[case]))
    assert plan.y_caption == "training loss (log scale)"


def test_each_key_comes_with_its_evidence(study):
    runs, _ = study
    keys = metric_keys(list(runs.values()), "accuracy", "running_accuracy")
    assert keys.key == "val_accuracy"
    ddp = keys.of(runs["ddp-1gpu"])
    assert ddp.key == "val_accuracy" and ddp.in_history
    assert ddp.evidence.describe() == (
        "history: val_accuracy = the study's key: logged by 2 of 3 runs shown"
    )
    hf = keys.of(runs["hf-4gpu"])
    assert hf.evidence.describe() == (
        "history: eval/accuracy = its own key: it did not log 'val_accuracy', validation like it"
    )


def test_a_store_of_the_study_draws_every_run(study, tmp_path: Path):
    """The scenes read a store for the asked keys and every metric-like key: the Trainer's
    eval/accuracy reaches the scene."""
    from extract.store import load_runs

    runs, _ = study
    store = tmp_path / "runs.h5"
    save_runs(store, list(runs.values()))
    loaded = load_runs(store, columns=["running_accuracy", "train_loss", "epoch"])
    plan = curves_plan(view_of(loaded), "accuracy")
    assert len(plan.series) == 3
