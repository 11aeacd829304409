"""TensorBoard runs as Lightning, Hugging Face, Keras and torch's SummaryWriter lay them out
(tests/tb_stacks.py: written by tensorboardX in a child process, tag for tag and step for step
as each stack's source writes them), read by `python -m extract tensorboard`."""

from __future__ import annotations

from pathlib import Path

import pytest

from extract import load_runs
from study.metrics import accuracy_key
from tests.cli_run import run_cli
from tests.tb_stacks import tb_stacks  # noqa: F401 (the corpus fixture)


@pytest.fixture(scope="module")
def stacks_store(tb_stacks, tmp_path_factory) -> Path:  # noqa: F811
    logdir, _ = tb_stacks
    store = tmp_path_factory.mktemp("tb_stacks_store") / "runs.h5"
    ran = run_cli("tensorboard", logdir, "-o", store)
    assert ran.returncode == 0, ran.stderr
    return store


@pytest.fixture(scope="module")
def runs(stacks_store) -> dict:
    return {run.name: run for run in load_runs(stacks_store)}


def explained(store: Path, name: str) -> str:
    ran = run_cli("runs", store, "--explain", name)
    assert ran.returncode == 0, ran.stderr
    return ran.stdout


def test_each_stack_s_layout_is_one_run_per_training(runs):
    # Keras' train/ and validation/ writers are one run; add_hparams' time-named folders are
    # part of the run they sit in; a resumed job's second event file is the same run
    assert sorted(runs) == [
        "hf/runs/Dec06_10-00-00_node1",
        "hf/runs/Dec06_11-00-00_node1",
        "keras/fit",
        "lightning/epochs/version_0",
        "lightning/steps/version_0",
        "lightning/steps/version_1",
        "torch/lr_0.01",
        "torch/lr_0.1",
    ]


def test_keras_writers_are_named_in_the_keys_and_the_epoch_is_their_step(runs, tb_stacks):  # noqa: F811
    _, logged = tb_stacks
    run = runs["keras/fit"]
    history = run.history
    epochs = history.dropna(subset=["validation/epoch_accuracy"])
    rows = logged["keras/fit"]["epochs"]
    assert epochs["validation/epoch_accuracy"].tolist() == [r["val_accuracy"] for r in rows]
    assert epochs["epoch"].tolist() == [r["epoch"] for r in rows]
    assert epochs["_runtime"].tolist() == [r["t"] for r in rows]
    assert epochs["train/epoch_loss"].tolist() == pytest.approx([1.0, 0.9, 0.8])
    # evaluation_*_vs_iterations counts the optimizer's iterations, not epochs: rows of their
    # own, and no _step that would count both
    assert history["validation/evaluation_accuracy_vs_iterations"].notna().sum() == 3
    assert "_step" not in history
    assert "keras" not in history  # the model's JSON, no scalar
    assert run.epochs_done == 3 and run.epochs is None and run.state == "unknown"
    # the held-out accuracy is the one a study draws
    assert accuracy_key([run], "running_accuracy").key == "validation/epoch_accuracy"


def test_hugging_face_logs_at_its_global_step_with_its_arguments_as_config(runs, tb_stacks):  # noqa: F811
    _, logged = tb_stacks
    run = runs["hf/runs/Dec06_10-00-00_node1"]
    evals = run.history.dropna(subset=["eval/accuracy"])
    rows = logged["hf/runs/Dec06_10-00-00_node1"]["eval"]
    assert evals["_step"].tolist() == [r["step"] for r in rows] == [50, 100, 150]
    assert evals["eval/accuracy"].tolist() == pytest.approx([r["accuracy"] for r in rows])
    # TrainingArguments, written as the text "args": the plan
    assert run.config["args.num_train_epochs"] == 3
    assert (run.epochs, run.epochs_done, run.state) == (3, 3, "finished")
    assert run.evidence["state"].value.startswith("finished: 3 of 3 planned epochs (config: ")
    assert accuracy_key([run], "running_accuracy").key == "eval/accuracy"
    # max_steps overrides num_train_epochs: 120 steps of 50 an epoch, as for a W&B run
    capped = runs["hf/runs/Dec06_11-00-00_node1"]
    assert capped.epochs == pytest.approx(2.4) and capped.state == "finished"
    assert "args.max_steps / (train/global_step / train/epoch) = 120 / 50" in (
        capped.evidence["epochs"].describe()
    )


def test_lightning_planned_in_steps_is_held_against_its_max_steps(runs, stacks_store):
    done = runs["lightning/steps/version_0"]
    assert done.state == "finished"
    assert "hp_metric" not in done.history
    assert (
        "state finished (TensorBoard records no state: history = finished: its last logged "
        "step 39, logged every 5, of the config's max_steps = 40 (within one logging interval))"
        in explained(stacks_store, "lightning/steps/version_0")
    )
    stopped = runs["lightning/steps/version_1"]
    assert stopped.state == "unknown"
    assert stopped.summary["_ended"] == (
        "TensorBoard records no state: stops at its last logged step 24, logged every 5, of "
        "the config's max_steps = 40: stopped early, killed or still running"
    )


def test_lightning_planned_in_epochs_logging_nothing_at_their_ends_finishes_them(runs):
    # 128 steps of 32-step epochs, logged every 5: the last step logged in each epoch (29, 59,
    # 94, 124) is no epoch's end, so the steps between them (30, 35, 30) measure no epoch; its
    # last epoch is as complete as the others by what it logged
    run = runs["lightning/epochs/version_0"]
    assert (run.epochs, run.epochs_done, run.state) == (4, 4, "finished")


def test_add_hparams_gives_its_run_config_and_final_metrics(runs, tb_stacks):  # noqa: F811
    _, logged = tb_stacks
    run = runs["torch/lr_0.01"]
    assert (run.config["lr"], run.config["bsize"], run.config["epochs"]) == (0.01, 64, 4)
    assert run.summary["hparam/accuracy"] == pytest.approx(0.85)
    assert "hparam/accuracy" not in run.history  # the metric_dict of one call, not a curve
    assert run.summary["notes"] == "lr 0.01"
    assert run.measured_s == logged["torch/lr_0.01"]["end"]
    # a plan, but no count of epochs done: the steps of add_scalar may be anything
    assert run.epochs == 4 and run.epochs_done is None and run.state == "unknown"
    assert (
        "its history logs no count of epochs done to hold against its 4 planned epochs"
        in (run.summary["_ended"])
    )


def test_a_job_resumed_in_the_same_folder_is_one_run_without_the_wait(runs, tb_stacks):  # noqa: F811
    _, logged = tb_stacks
    run = runs["torch/lr_0.1"]
    assert run.history["_step"].tolist() == [0, 1, 2, 3]
    # 4 epochs of 30 s; the 60 s between the two jobs are not the run's
    assert logged["torch/lr_0.1"]["end"] == 180.0
    assert run.measured_s == 120.0
    assert run.history["_runtime"].tolist() == [30.0, 60.0, 90.0, 120.0]


def test_one_keras_writer_given_as_the_log_dir_is_a_run_of_its_own(tb_stacks, tmp_path):  # noqa: F811
    logdir, _ = tb_stacks
    store = tmp_path / "runs.h5"
    ran = run_cli("tensorboard", logdir / "keras" / "fit" / "validation", "-o", store)
    assert ran.returncode == 0, ran.stderr
    (run,) = load_runs(store)
    assert run.name == "validation"
    assert run.history["epoch_accuracy"].dropna().tolist() == [0.5, 0.6, 0.7]
