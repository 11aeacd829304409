"""Epochs done, not planned: how far a run really got decides its per-epoch figures."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pandas as pd
import pytest

from extract.runs import RunFacts, make_run
from study.analysis import build_report
from study.plans import race_plan
from study.view import view_of
from tests.fixed_clock import CLOCK


def run(name, state, runtime, config, summary=None, history=None):
    return make_run(
        RunFacts(
            name,
            name,
            state,
            runtime,
            config,
            summary or {},
            history if history is not None else pd.DataFrame({"_runtime": []}),
            "csv:t.csv",
        )
    )


def test_failed_run_at_75_percent_is_timed_over_the_epochs_it_did():
    base = run("1 GPU", "finished", 1200.0, {"total_gpus": 1, "epochs": 12}, {"epoch": 11})
    failed = run(
        "8 GPU failed",
        "failed",
        135.0,
        {"total_gpus": 8, "epochs": 12},
        {"progress_percentage": 75},
    )
    assert failed.epochs_done == 9
    assert failed.time_per_epoch_s == pytest.approx(15.0)
    figures = build_report([base, failed]).run("8 GPU failed")
    assert figures.speedup == pytest.approx(100 / 15)  # not over its 12 planned epochs
    assert figures.efficiency == pytest.approx(100 / 15 / 8)


def test_crashed_run_without_progress_has_no_per_epoch_figures():
    base = run("1 GPU", "finished", 1200.0, {"total_gpus": 1, "epochs": 10}, {"epoch": 9})
    crashed = run("4 GPU crashed", "crashed", 100.0, {"total_gpus": 4, "epochs": 10})
    assert crashed.epochs_done is None and crashed.time_per_epoch_s is None
    report = build_report([base, crashed])
    assert report.run("4 GPU crashed").speedup is None
    assert any("4 GPU crashed: epochs done unknown" in w for w in report.warnings)


def test_laptop_killed_part_way_gives_an_estimate_from_its_own_pace():
    # killed after 1.5 of 4 epochs: 100 rows an epoch, 50 into the second
    epochs = np.repeat([0, 1], [100, 50]).astype(float)
    history = pd.DataFrame({"_runtime": np.arange(150) * 10.0, "epoch": epochs})
    laptop = run("laptop", "crashed", 1490.0, {"device": "cpu", "epochs": 4}, history=history)
    assert laptop.platform == "laptop" and laptop.epochs_done == pytest.approx(1.5)
    # start-up counted once: the first epoch's time (its last row, the 100th, at 990 s: an
    # epoch ends when its last row is logged, not when the next one's first comes), then the
    # pace of the half epoch after it (500 s) for each of the 3 epochs left
    assert laptop.extrapolated and laptop.time_s == pytest.approx(990.0 + 500.0 / 0.5 * 3)
    gpu = run("8 GPUs", "finished", 60.0, {"total_gpus": 8, "epochs": 4}, {"epoch": 3})
    plan = race_plan(view_of([gpu, laptop]))
    lane = next(lane for lane in plan.lanes if lane.run.name == "laptop")
    assert lane.stamp.startswith("\u2248") and "measured" in (lane.estimate_note or "")
    assert lane.curve.measured_until_s == pytest.approx(1490.0)


def test_hugging_face_fractional_epochs_and_fraction_accuracy():
    history = pd.DataFrame(
        {
            "_runtime": [10.0, 20.0, 30.0, 40.0],
            "train/epoch": [0.5, 1.0, 1.5, 2.0],
            "eval/accuracy": [0.5, 0.71, 0.88, 0.92],
        }
    )
    hf = run(
        "hf",
        "finished",
        40.0,
        {"num_train_epochs": 2, "per_device_train_batch_size": 8, "total_gpus": 1},
        history=history,
    )
    assert hf.epochs == 2 and hf.epochs_done == 2
    assert hf.evidence["epochs"].key == "num_train_epochs"
    report = build_report([hf])
    assert report.accuracy_key == "eval/accuracy"  # running_accuracy is not logged
    assert report.run("hf").best_accuracy == pytest.approx(92.0)
    assert report.run("hf").time_to_target_s == pytest.approx(40.0)  # 90% = 0.9


def test_a_target_of_90_and_of_0_9_mean_the_same():
    from study.settings import Settings

    history = pd.DataFrame({"_runtime": [10.0, 20.0, 30.0], "val_acc": [0.5, 0.91, 0.95]})
    lightning = run(
        "pl",
        "finished",
        30.0,
        {"devices": 4, "num_nodes": 2, "accelerator": "gpu", "max_epochs": 3},
        history=history,
    )
    assert (lightning.platform, lightning.gpus, lightning.epochs) == ("cluster", 8, 3)
    as_percent = build_report([lightning], settings=Settings(target_accuracy=90))
    as_fraction = build_report([lightning], settings=Settings(target_accuracy=0.9))
    assert as_percent.target_accuracy == as_fraction.target_accuracy == 90
    assert as_percent.run("pl").time_to_target_s == as_fraction.run("pl").time_to_target_s == 20


@pytest.mark.parametrize("value", [float("inf"), float("nan")])
def test_an_epoch_of_inf_or_nan_counts_nothing(value):
    """Found by tests/test_fuzz_csv.py: a runs table's `epoch` of "inf" ended the extraction
    in an OverflowError; it is no count of epochs, so epochs done stay unknown."""
    from extract.epochs_done import epochs_done

    history = pd.DataFrame({"epoch": [0.0, 1.0, value]})
    assert epochs_done(pd.DataFrame(), {"epoch": value}, True, None).value is None
    found = epochs_done(history, {"epoch": 1.0}, False, None).value
    assert found is None or np.isfinite(found)


# Lightning's WandbLogger, as a Lightning script logs through it: `epoch` (the 0-based
# current_epoch) and `trainer/global_step` on every training step, and at each epoch's end a
# validation row that carries `epoch` and the same global step. The job fails after 3 of the 5
# batches of its third epoch: 2.6 epochs done. On a fixed clock (tests/fixed_clock.py): a batch
# takes 20 s of it.
LIGHTNING_WRITER = (
    CLOCK
    + r"""
import sys, wandb
run = wandb.init(project="epochs", name="lit-stopped", mode="offline",
                 config={"trainer": {"devices": 2, "num_nodes": 1, "accelerator": "gpu",
                                     "max_epochs": 5}})
step = 0
for epoch in range(5):
    for batch in range(5):
        if epoch == 2 and batch == 3:
            run.finish(exit_code=1)  # the script fails here
            sys.exit(0)
        step += 1
        clock.tick(20.0)
        run.log({"train_loss": 2.0 / step, "epoch": epoch, "trainer/global_step": step})
    run.log({"val_acc": 0.5 + 0.1 * epoch, "val_loss": 0.5, "epoch": epoch,
             "trainer/global_step": step})
"""
)


def _write_lightning(folder: Path) -> None:
    import os
    import subprocess
    import sys

    env = {
        **os.environ,
        "WANDB_MODE": "offline",
        "WANDB_SILENT": "true",
        "WANDB_DIR": str(folder),
        "WANDB_DISABLE_GIT": "true",
    }
    env.pop("WANDB_API_KEY", None)
    written = subprocess.run(
        [sys.executable, "-c", LIGHTNING_WRITER], env=env, capture_output=True, text=True
    )
    assert written.returncode == 0, written.stderr[-2000:]


def test_a_stopped_lightning_run_counts_training_steps_not_validation_rows(tmp_path):
    """Issue 17 (a newcomer's lit-c): a complete epoch is 5 training steps and 1 validation row;
    the stopped epoch's share is 3 of 5 steps (2.6), not 3 of 6 rows (2.5)."""
    from extract.sources.wandb_files import ingest_offline
    from tests.corpus_cache import sdk_corpus

    sources = [Path(__file__), Path(__file__).with_name("fixed_clock.py")]
    sdk_corpus("lightning-stopped", sources, _write_lightning, tmp_path / "sdk")
    (stopped,) = ingest_offline([tmp_path / "sdk" / "wandb"]).runs
    assert stopped.state != "finished" and stopped.epochs == 5
    assert stopped.epochs_done == pytest.approx(2.6)
    evidence = stopped.evidence["epochs_done"].describe()
    # counted by the step counter: 3 steps since the last epoch's end, of 5 an epoch
    assert "2.6" in evidence and "steps by trainer/global_step: 3" in evidence, evidence
