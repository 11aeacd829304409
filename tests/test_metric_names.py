"""Metrics recognised by the last part of their path, and a refusal that names every key the
runs logged (even those a partial read of the store did not load)."""

from __future__ import annotations

from pathlib import Path

import pandas as pd
import pytest

from extract.errors import InputError
from extract.metric_names import is_accuracy, is_loss, split_of
from extract.runs import RunFacts, make_run
from extract.sample import load_default_runs
from extract.store import save_runs
from study.plans import curves_plan
from study.view import view_of


@pytest.mark.parametrize(
    "key",
    [
        "acc",
        "accuracy",
        "val/accuracy",
        "eval/accuracy",
        "eval_accuracy",
        "val_acc",
        "top1",
        "top-1",
        "acc@1",
        "test/top1_acc",
        "val_acc_epoch",
        "train_acc_step",
        "accuracy_val",
        "metrics/eval/MulticlassAccuracy",
        "BinaryAccuracy",
        "running_accuracy",
        "accuracy.accuracy",
    ],
)
def test_accuracy_keys_are_recognised(key: str) -> None:
    assert is_accuracy(key)


@pytest.mark.parametrize(
    "key",
    [
        "accumulate_grad_batches",
        "grad_acc_steps",
        "grad_acc_step",
        "acc_step",
        "accelerator",
        "lr",
        "_step",
        "epoch",
        "MulticlassAccuracyTracker",
    ],
)
def test_other_keys_are_not_accuracy(key: str) -> None:
    assert not is_accuracy(key)


def test_loss_and_splits() -> None:
    assert is_loss("train/loss") and is_loss("val_loss") and not is_loss("loss_scale")
    assert split_of("val/accuracy") == "validation" and split_of("eval_accuracy") == "validation"
    assert split_of("train_acc_epoch") == "training" and split_of("top1") == "unspecified"


def _run(name: str, columns: dict[str, list[float]]) -> RunFacts:
    history = pd.DataFrame({"_runtime": [10.0, 20.0, 30.0], "_step": [0, 1, 2], **columns})
    return RunFacts(
        run_id=name,
        name=name,
        state="finished",
        runtime_s=30.0,
        config={"total_gpus": 2, "epochs": 3},
        summary={},
        history=history,
        source="offline:x",
    )


def test_a_refusal_names_every_key_logged(tmp_path: Path) -> None:
    store = tmp_path / "runs.h5"
    logged = {
        "epoch": [0.0, 1.0, 2.0],
        "lr": [0.1, 0.1, 0.01],
        "grad_norm": [3.0, 2.0, 1.0],
        "samples_per_second": [90.0, 91.0, 92.0],
        "val/loss": [2.0, 1.0, 0.5],
    }
    save_runs(store, [make_run(_run("a", logged))])
    # what a scene reads: only the asked key and metric-like keys
    loaded = load_default_runs(columns=["running_accuracy"], explicit=store)
    with pytest.raises(InputError) as refused:
        curves_plan(view_of(loaded.runs), "accuracy")
    for key in logged:
        assert key in str(refused.value)


def test_top1_is_drawn_when_running_accuracy_is_not_logged(tmp_path: Path) -> None:
    store = tmp_path / "runs.h5"
    runs = [make_run(_run("a", {"top1": [50.0, 70.0, 90.0], "train_loss": [2.0, 1.0, 0.5]}))]
    save_runs(store, runs)
    loaded = load_default_runs(columns=["running_accuracy"], explicit=store)
    plan = curves_plan(view_of(loaded.runs), "accuracy")
    assert [list(s.values) for s in plan.series] == [[50.0, 70.0, 90.0]]


def test_a_key_logged_late_in_a_long_history_counts_as_logged() -> None:
    # the first rows are searched before the whole column: a key first logged after them
    # (a validation measure every few thousand steps) is still one the run logged
    from study.metrics import logged_keys

    rows = 5_000
    late = [float("nan")] * (rows - 1) + [0.9]
    history = {"_runtime": [float(i) for i in range(rows)], "val_acc": late}
    run = make_run(
        RunFacts(
            run_id="a",
            name="a",
            state="finished",
            runtime_s=float(rows),
            config={"total_gpus": 2, "epochs": 3},
            summary={},
            history=pd.DataFrame({**history, "never": [float("nan")] * rows}),
            source="offline:x",
        )
    )
    assert logged_keys([run]) == ["val_acc"]
