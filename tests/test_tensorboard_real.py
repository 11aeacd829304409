"""Event files the real stacks wrote (torch's SummaryWriter, Lightning's TensorBoardLogger, the
Hugging Face Trainer, Keras' TensorBoard callback: tests/control_data/tensorboard_real/, its
README says which version wrote which), read by `python -m extract tensorboard` and held against
what each process did (its truth.json). tests/tb_stacks.py writes the same layouts with
tensorboardX; these are the stacks' own bytes."""

from __future__ import annotations

import json
import shutil
from pathlib import Path

import pytest

from extract import load_runs
from tests.cli_run import run_cli

REAL = Path(__file__).parent / "control_data" / "tensorboard_real"
TRUTH = json.loads((REAL / "truth.json").read_text())


def extracted(logdir: Path, store: Path, study: Path | None = None) -> tuple[dict, str]:
    """The runs of ``logdir`` (an empty study file unless one is given), and the warnings."""
    if study is None:
        study = no_study(store.parent)
    ran = run_cli("tensorboard", logdir, "-o", store, "--study", study, cwd=store.parent)
    assert ran.returncode == 0, ran.stderr
    return {run.name: run for run in load_runs(store)}, ran.stderr


def no_study(folder: Path) -> Path:
    empty = folder / "empty-study.toml"
    empty.write_text("")
    return empty


def listed(store: Path, *args: str | Path) -> str:
    ran = run_cli("runs", store, *args, cwd=store.parent)
    assert ran.returncode == 0, ran.stderr
    return ran.stdout


@pytest.fixture(scope="module")
def stores(tmp_path_factory) -> Path:
    """Each stack's log directory extracted once, without a study file."""
    root = tmp_path_factory.mktemp("tb_real")
    for logdir in ("runs", "lightning_logs", "hf", "keras_logs"):
        (root / logdir).mkdir()
        extracted(REAL / logdir, root / logdir / "runs.h5")
    return root


def runs_of(stores: Path, logdir: str) -> dict:
    return {run.name: run for run in load_runs(stores / logdir / "runs.h5")}


def test_add_hparams_folder_is_part_of_the_run_that_called_it(stores):
    # torch's add_hparams writes with a writer of its own into <run>/<time.time()>/: the
    # hyperparameters (world_size, device) are the run's, not an "evaluation only" run's
    runs = runs_of(stores, "runs")
    assert sorted(runs) == ["laptop/full", "laptop/resumed", "laptop/sigkill", "scaling/gpus_8"]
    job, truth = runs["scaling/gpus_8"], TRUTH["runs/scaling/gpus_8"]
    assert (job.platform, job.gpus, job.nodes, job.epochs) == ("cluster", 8, 1, 5)
    assert (job.state, job.kind, job.epochs_done) == ("finished", "training", 5)
    assert job.measured_s == pytest.approx(truth["in_event_files"]["event_span_s"], abs=0.01)
    laptop = runs["laptop/full"]
    assert (laptop.platform, laptop.cores, laptop.epochs, laptop.epochs_done) == (
        "laptop",
        2,
        3,
        3,
    )
    assert laptop.kind == "training"


def test_a_job_resumed_in_its_folder_counts_its_processes_time_and_each_step_once(stores):
    # killed (SIGINT) after steps 1-66, resumed from the epoch-1 checkpoint at step 64: two
    # event files, the steps 65-66 written twice (the later kept), the 3 s between not counted
    truth = TRUTH["runs/laptop/resumed"]["in_event_files"]
    run = runs_of(stores, "runs")["laptop/resumed"]
    steps = run.history["_step"].tolist()
    assert steps == sorted(set(steps)) and steps[-1] == truth["steps"]
    assert run.measured_s == pytest.approx(truth["event_span_s"], abs=0.01)
    assert (run.epochs, run.epochs_done, run.state) == (5, 5, "finished")


def test_a_writer_killed_with_sigkill_is_held_against_the_plan_the_study_file_states(tmp_path):
    # kill -9: torch's writer lost its buffer, and the file ends with whole records (no cut
    # record says crashed); what it holds is 161 steps of 64-step epochs, and the plan is
    # stated: stopped early, said so, never finished
    truth = TRUTH["runs/laptop/sigkill"]["in_event_files"]
    study = tmp_path / "study.toml"
    study.write_text('[runs.sigkill]\nplatform = "laptop"\nepochs = 10\n')
    (tmp_path / "out").mkdir()
    runs, _ = extracted(REAL / "runs" / "laptop" / "sigkill", tmp_path / "out" / "runs.h5", study)
    run = runs["sigkill"]
    assert run.epochs_done == pytest.approx(truth["epochs_done"], abs=0.01)
    assert run.measured_s == pytest.approx(truth["event_span_s"], abs=0.01)
    assert run.state == "unknown" and run.kind == "partial"
    assert "stops at 2.52 of 10 planned epochs (study file" in run.summary["_ended"]


def test_lightning_stopped_mid_epoch_by_max_steps_counts_its_steps(stores, tmp_path):
    # max_steps=80 of 32-step epochs: 2.5 epochs. Lightning logs every 5 steps, so the rows
    # logged in the last epoch (3 against 6 or 7 in a whole one) are no measure of its steps;
    # the step each value was logged at is (the trainer's global step)
    truth = TRUTH["lightning_logs/laptop/version_2"]["in_event_files"]
    run = runs_of(stores, "lightning_logs")["laptop/version_2"]
    assert run.epochs == 4
    assert run.epochs_done == truth["epochs_done"] == 2.5
    said = run.evidence["epochs_done"].describe()
    assert "16 since the last epoch's end, of 32 an epoch" in said
    assert run.state == "unknown" and "stops at 2.5 of 4 planned epochs" in run.summary["_ended"]
    # the laptop's full job at its pace: from 2.5 epochs measured, not 2.67
    study = tmp_path / "study.toml"
    study.write_text('[runs."laptop/version_2"]\nplatform = "laptop"\n')
    explained = listed(
        stores / "lightning_logs" / "runs.h5", "--study", study, "--explain", "laptop/version_2"
    )
    assert "2.5 of 4 epochs measured" in explained


def test_lightning_fast_dev_run_is_said_unknown_not_preprocessing(stores):
    # fast_dev_run swaps the logger for a DummyLogger: the file holds the script's own
    # log_hyperparams (and Lightning's hp_metric placeholder) only. Nothing in it says what the
    # run did: not a preprocessing job, not a stopped training
    runs = runs_of(stores, "lightning_logs")
    run = runs["laptop/version_1"]
    assert run.history.drop(columns=["_runtime"], errors="ignore").empty
    assert run.kind == "unknown"
    said = run.evidence["kind"].describe()
    assert said.startswith("history: no value logged = its files hold its configuration only")
    assert "fast_dev_run" in said
    assert run.epochs_done == 0
    store = stores / "lightning_logs" / "runs.h5"
    study = no_study(stores / "lightning_logs")
    summary = " ".join(listed(store, "--summary", "--study", study).split())
    assert "1 kind unknown (history: no value logged" in summary
    report = run_cli("report", store, "--study", study, cwd=store.parent)
    assert "| laptop/version_1 [unknown] (not shown: kind unknown) |" in report.stdout
    assert "1 x kind unknown (laptop/version_1: no value logged)" in report.stdout
    # its complete twin stands for the configuration
    assert (runs["laptop/version_0"].kind, runs["laptop/version_0"].epochs_done) == (
        "training",
        4,
    )


def test_hugging_face_trainer_with_do_train_left_false_is_a_training(stores):
    # the Trainer does not read do_train (false by default, a flag for example scripts): a
    # script that calls trainer.train() logs training steps with do_train = False
    (run,) = runs_of(stores, "hf").values()
    truth = TRUTH["hf/tiny_mlp/tb"]
    assert run.name == "tiny_mlp/tb"
    assert run.config["args.do_train"] is False
    assert (run.platform, run.epochs, run.epochs_done) == ("laptop", 3, 3)
    assert run.evidence["platform"].describe() == "config: args.use_cpu = True"
    assert (run.state, run.kind) == ("finished", "training")
    assert run.measured_s == pytest.approx(truth["in_event_files"]["event_span_s"], abs=0.01)
    best = run.history["eval/accuracy"].max()
    assert best == pytest.approx(truth["in_event_files"]["best_val_acc"], abs=1e-6)


def test_keras_fit_is_one_run_and_a_study_file_plan_settles_its_state(stores, tmp_path):
    runs = runs_of(stores, "keras_logs")
    assert sorted(runs) == ["mlp_cpu"]
    run = runs["mlp_cpu"]
    assert run.epochs is None and run.epochs_done == 3 and run.state == "unknown"
    # TensorFlow's writer stamps each file's first event (its version) in whole seconds
    # (225.0, 230.0 here): the run's time starts at its first event stamped to the microsecond,
    # the model's graph at 225.455554, and ends at the validation writer's last, 236.279858
    assert run.measured_s == pytest.approx(236.279858 - 225.455554, abs=1e-5)
    # no plan: said as such
    assert run.summary["_ended"].endswith(
        "no planned epoch count to hold its history against (state the run's 'epochs' in the "
        "study file)"
    )
    # the plan stated after extraction is read when the store is
    study = tmp_path / "study.toml"
    study.write_text('[runs.mlp_cpu]\nplatform = "laptop"\nepochs = 3\n')
    explained = listed(stores / "keras_logs" / "runs.h5", "--study", study, "--explain", "mlp_cpu")
    assert "state finished (TensorBoard records no state: history = finished: 3 of 3" in explained
    assert "kind: complete training" in explained


def test_a_study_line_for_a_run_named_from_another_folder_says_the_name(tmp_path):
    # the same run extracted from its own folder is named by that folder: a line written for an
    # extraction of runs/ names it otherwise, and the warning says the name it has here
    logdir = tmp_path / "gpus_8"
    shutil.copytree(REAL / "runs" / "scaling" / "gpus_8", logdir)
    study = tmp_path / "study.toml"
    study.write_text(
        '[runs."scaling/gpus_8"]\nepochs = 5\n[runs."gpus_8/train"]\nexclude = true\n'
        '[runs."elsewhere"]\nepochs = 1\n'
    )
    (tmp_path / "out").mkdir()
    runs, said = extracted(logdir, tmp_path / "out" / "runs.h5", study)
    assert sorted(runs) == ["gpus_8"]
    lines = {
        line.split("]", 1)[0].rsplit("[runs.", 1)[1]: line
        for line in said.splitlines()
        if "matches no run" in line
    }
    assert (
        "a run here is named gpus_8: a run's name is its folder relative to the log "
        in (lines['"scaling/gpus_8"'])
    )
    assert (
        "a run here is named gpus_8, the folder around the one it names"
        in (lines['"gpus_8/train"'])
    )
    assert lines["elsewhere"].endswith("matches no run (by id or name)")


def test_the_suggested_platform_follows_the_run_s_name(stores, tmp_path):
    # Lightning logs no Trainer argument: version_2's hparams.yaml names no device. Its folder
    # says laptop: the line suggested names a laptop (a suggestion, never evidence)
    store = stores / "lightning_logs" / "runs.h5"
    run = runs_of(stores, "lightning_logs")["laptop/version_2"]
    assert run.platform == "unknown"
    unknown = listed(store, "--unknown", "--study", no_study(tmp_path))
    (line,) = [
        s
        for s in unknown.splitlines()
        if s.startswith("laptop/version_2") and "platform unknown" in s
    ]
    assert line.endswith('"laptop/version_2" = { platform = "laptop" }')
    # its GPUs are unknown too: the line follows the same words (a laptop states no GPU count)
    (line,) = [
        s for s in unknown.splitlines() if s.startswith("laptop/version_2") and "gpus unknown" in s
    ]
    assert line.endswith(
        '"laptop/version_2" = { platform = "laptop" } (a laptop states no GPU count; on the '
        "cluster: { gpus = N })"
    )
    ran = run_cli("runs", store, "--study", no_study(tmp_path), cwd=tmp_path)
    (warning,) = [s for s in ran.stderr.splitlines() if "laptop/version_2" in s]
    assert warning.endswith(
        '"laptop/version_2" = { platform = "laptop" } (on the cluster: { platform = "cluster", '
        "gpus = N, nodes = N })"
    )
