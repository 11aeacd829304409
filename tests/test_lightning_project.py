"""A Lightning team's untidy project (tests/lightning_project.py, written by the real wandb SDK
the way Lightning's WandbLogger logs): Lightning's debugging limits make debugging runs, an
epoch ends when its last rows were logged, stopped runs count their steps by the step counter,
and what was lost or stopped is said from evidence (issue 27, a newcomer's Lightning project)."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest

from extract.model import Run
from extract.sources.wandb_files import ingest_offline
from tests.critic_stores import writer_clock_runs
from tests.lightning_project import LAPTOP_SPE, PLANNED, SPE_1GPU, lightning_project


@pytest.fixture(scope="module")
def project(tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, dict[str, Any]]:
    return lightning_project(tmp_path_factory.mktemp("lightning"))


def _by_key(runs: list[Run], logged: dict[str, Any]) -> dict[str, Run]:
    by_id = {run.run_id: run for run in runs}
    return {key: by_id[entry["id"]] for key, entry in logged.items() if entry["id"] in by_id}


@pytest.fixture(scope="module")
def runs(project: tuple[Path, dict[str, Any]]) -> dict[str, Run]:
    """Every run by its key in the manifest, as `extract offline` reads it."""
    directory, logged = project
    return _by_key(ingest_offline([directory]).runs, logged)


@pytest.fixture(scope="module")
def timed(project: tuple[Path, dict[str, Any]]) -> dict[str, Run]:
    """The same runs on the writers' fixed clock (tests/fixed_clock.py), so times are the same
    on any machine, busy or idle."""
    directory, logged = project
    return _by_key(writer_clock_runs(directory, 0), logged)


def test_lightning_debugging_limits_make_debugging_runs(runs):
    kinds = {key: run.kind for key, run in runs.items()}
    assert kinds["1gpu"] == kinds["4gpu"] == kinds["laptop-full"] == "training"
    for key in ("fast-dev-run", "limit-fraction", "limit-batches", "limit-val", "overfit"):
        assert kinds[key] == "debug", (key, runs[key].evidence.get("kind"))
    said = {key: runs[key].evidence["kind"].describe() for key in kinds if kinds[key] == "debug"}
    # nested as the team's log_hyperparams sends them (WandbLogger no longer flattens)
    assert said["fast-dev-run"] == "config: trainer.fast_dev_run = True"
    assert said["limit-fraction"].startswith("config: trainer.limit_train_batches = 0.1")
    assert said["limit-batches"].startswith("config: trainer.limit_train_batches = 10")
    assert said["limit-val"].startswith("config: trainer.limit_val_batches = 5")
    assert said["overfit"].startswith("config: trainer.overfit_batches = 2")
    # the study's own runs carry the same keys at Lightning's defaults: no limit
    assert runs["1gpu"].config["trainer.limit_train_batches"] is None
    assert runs["1gpu"].config["trainer.overfit_batches"] == 0.0


def test_a_limit_the_longest_training_shares_is_the_studys_own():
    """An epoch defined by the limit (an infinite dataset: every run sets limit_train_batches)
    is no debugging: only a limit below what the longest finished training did is."""
    from extract.rules import KIND_RULES, Signs

    def kind(limit: object, longest_spe: float | None) -> str | None:
        signs = Signs(
            state="finished",
            config={"trainer.limit_train_batches": limit},
            job_type=None,
            tags=(),
            sweep=None,
            sweep_source="run",
            sweep_trials=0,
            sweep_differs=(),
            host=None,
            in_slurm=True,
            submit_hosts={},
            epochs=4.0,
            epochs_done=4.0,
            training_steps=4000,
            step_key="trainer/global_step",
            evaluation_rows=4,
            training_keys=("train_loss_step",),
            logged_keys=("train_loss_step",),
            empty_file=None,
            longest_steps=4000 if longest_spe else None,
            longest_run="a",
            longest_steps_per_epoch=longest_spe,
        )
        return next((r.kind for r in KIND_RULES if r.test(signs) is not None), None)

    assert kind(1000, 1000.0) == "training"  # the longest run trained 1000 an epoch too
    assert kind(10, 1000.0) == "debug"
    assert kind(1.0, 1000.0) == "training"  # Lightning's default: every batch
    assert kind(0.25, None) == "debug"  # a fraction needs no other run


def test_a_finished_run_that_logged_nothing_did_no_epoch(runs):
    """fast_dev_run swaps WandbLogger for a DummyLogger: the run file holds no history row,
    so its planned 4 epochs were not done (README: a finished run with no training step did 0
    epochs of its plan)."""
    run = runs["fast-dev-run"]
    assert run.finished and run.history.drop(columns=["_runtime"]).empty
    assert run.epochs == PLANNED
    assert run.epochs_done == 0
    assert run.evidence["epochs_done"].describe().startswith("history: no training step logged")


def test_an_epoch_ends_with_its_last_rows(timed, project):
    """Lightning logs val_acc then train_loss_epoch when an epoch ends; the next epoch's first
    row comes log_every_n_steps later. A stopped laptop's pace is timed between epoch ends:
    at its pace, the full job takes what its complete twin took."""
    _, logged = project
    run = timed["laptop-stop25"]
    assert run.extrapolated and run.epochs == PLANNED
    rows = logged["laptop-stop25"]["rows"]
    ends = [r["_writer_t"] for r in rows if "train_loss_epoch" in r]
    first, pace = ends[0], ends[1] - ends[0]
    inputs = run.config["extrapolation_inputs"]
    assert inputs["first_epoch_s"] == pytest.approx(first, abs=1e-3)
    assert inputs["epoch_s"] == pytest.approx(pace, abs=1e-3)
    assert run.time_s == pytest.approx(first + pace * (PLANNED - 1), abs=1e-2)
    # the same laptop, the same pace, finished: 4 epochs took that long
    assert run.time_s == pytest.approx(timed["laptop-full"].time_s, abs=0.05)


def test_a_stopped_run_counts_its_steps_by_the_step_counter(runs, project):
    """log_every_n_steps=50 over 128 batches an epoch logs 2 or 3 training rows an epoch, and
    the validation row after the last one advances the step counter too: rows are no measure
    of steps. The counter is: steps since the last epoch's end over steps an epoch."""
    _, logged = project
    run = runs["laptop-stop25"]
    rows = logged["laptop-stop25"]["rows"]
    counter = [r["trainer/global_step"] for r in rows]
    end_of_epoch_1 = max(r["trainer/global_step"] for r in rows if r["epoch"] == 1)
    expected = 2 + (counter[-1] - end_of_epoch_1) / LAPTOP_SPE
    assert run.epochs_done == pytest.approx(expected, abs=0.01)
    assert "trainer/global_step" in run.evidence["epochs_done"].key
    # the crash after 49 batches of 32 an epoch: its last row logged 48 of them
    crash = runs["crash"]
    assert crash.epochs_done == pytest.approx(48 / SPE_1GPU, abs=0.01)


def test_preprocessing_needs_no_size(runs):
    """A CPU job writing shards trained nothing: no GPU count or plan to ask for."""
    from extract.unknown import facts_asked, unknown_facts, unknown_warnings

    prep = runs["prep"]
    assert prep.kind == "no-training"
    assert facts_asked(prep) == ()
    everything = list(runs.values())
    assert prep not in [u.run for u in unknown_facts(everything)]
    assert not [w for w in unknown_warnings(everything) if prep.run_id in w]


def test_a_study_line_for_a_shared_name_names_the_run_by_id(runs, tmp_path):
    """Three laptop runs are named resnet50-cpu: a line keyed by that name would correct the
    complete one too (a name key matches every run of that name). The line --unknown proposes
    names the run by id, and, filled in, corrects that run only."""
    from extract.runs import reapply
    from extract.studyfile import load_study
    from extract.unknown import unknown_facts

    everything = list(runs.values())
    stopped = runs["laptop-stop06"]
    (found,) = [u for u in unknown_facts(everything) if u.run is stopped]
    assert found.fact == "epochs_done"
    line = found.line.split(": ", 1)[1]
    assert line == f"{stopped.run_id} = {{ epochs_done = N }}"
    study = tmp_path / "study.toml"
    study.write_text("[runs]\n" + line.replace("N", "0.6") + "\n")
    again = {r.run_id: r for r in reapply(everything, load_study(study).corrections)}
    assert again[stopped.run_id].epochs_done == 0.6
    for key in ("laptop-full", "laptop-stop25"):
        assert again[runs[key].run_id].epochs_done == runs[key].epochs_done


def test_a_killed_runs_configuration_comes_from_its_debug_log(runs):
    """Killed before wandb wrote a block (a 7-byte file): Lightning sent the hyperparameters
    after wandb.init, so debug.log holds them as config_cb lines, not on the init line."""
    from study.analysis import build_report
    from study.report import to_markdown

    killed = runs["killed"]
    assert killed.kind == "missing"
    assert killed.config["trainer.devices"] == 4 and killed.config["trainer.max_epochs"] == 4
    assert (killed.platform, killed.gpus, killed.epochs) == ("cluster", 4, PLANNED)
    report = to_markdown(build_report(list(runs.values())))
    assert "1 run of 4 GPUs missing: empty run files, crashed before wandb wrote" in report


def test_a_run_that_died_is_said_crashed_whatever_its_file_kept(runs):
    """A run file without an exit record: the process died before wandb's exit. W&B calls it
    crashed; the empty file and the state say the same word."""
    killed = runs["killed"]
    said = killed.evidence["kind"].describe()
    assert killed.state == "crashed"
    assert "crashed before wandb wrote one (the process died" in said
    assert "killed before" not in said


def test_a_run_stopped_before_its_first_epoch_end_says_what_it_logged(runs, project):
    """Stopped at 0.6 of an epoch, logging every 50 batches: one row, epoch 0 at step 49. Its
    epochs done are unknown (during, at the start or the end of an epoch cannot be told), and
    that is what is said, not that no epoch was logged."""
    from study.analysis import build_report
    from study.report import to_markdown

    _, logged = project
    run = runs["laptop-stop06"]
    (row,) = logged["laptop-stop06"]["rows"]
    assert run.epochs_done is None
    (note,) = [n for n in run.notes if n.startswith("epochs done:")]
    assert f"'epoch' = 0 logged once, with trainer/global_step = {row['trainer/global_step']}" in (
        note
    )
    report = to_markdown(build_report(list(runs.values())))
    assert "no epoch, progress or finished state logged" not in report


def test_training_loss_asked_is_drawn_from_the_stacks_own_training_loss(runs):
    """Lightning logs no 'train_loss' but train_loss_step/_epoch and val_loss: LossVsTime, asked
    for training loss (manim.cfg's default), draws a training loss, not the validation loss."""
    from study.metric_keys import metric_keys

    trainings = [run for run in runs.values() if run.kind == "training"]
    keys = metric_keys(trainings, "loss", "train_loss")
    assert keys.choice.key == "train_loss_epoch", keys.choice


def test_how_a_failed_run_ended_is_read_from_its_exit_code_and_output(runs):
    """Lightning exits 1 on Ctrl-C as on an error: its output says which ("Detected
    KeyboardInterrupt" or a traceback), and the run's kind evidence and the report say it."""
    from study.analysis import build_report
    from study.report import to_markdown

    for key in ("laptop-stop25", "laptop-stop06"):
        run = runs[key]
        assert run.state == "failed" and run.kind == "partial"
        assert run.evidence["kind"].value.startswith("failed: stopped by the user (Ctrl-C")
    crash = runs["crash"]
    assert crash.state == "failed"
    assert crash.evidence["kind"].value.startswith("failed: an error: RuntimeError: NCCL error")
    report = to_markdown(build_report(list(runs.values())))
    assert "resnet50-cpu: state failed (stopped by the user (Ctrl-C" in report
    assert "resnet50-1gpu: state failed (an error: RuntimeError: NCCL error" in report


def test_an_estimate_never_stands_over_a_run_timed_whole(timed):
    """The stopped laptop's estimate at the complete run's pace is its time, give or take: a
    shorter estimate is still no measurement, and the complete run stands for the laptop."""
    from dataclasses import replace

    from study.selection import select

    full, stopped = timed["laptop-full"], timed["laptop-stop25"]
    assert stopped.extrapolated and not full.extrapolated
    shorter = replace(stopped, time_s=full.time_s * 0.99)
    others = [r for r in timed.values() if r is not stopped]
    shown = select([*others, shorter]).shown
    laptops = [r for r in shown if r.platform == "laptop"]
    assert [r.run_id for r in laptops] == [full.run_id]


def test_the_summary_times_a_configuration_by_its_trainings(runs):
    """--summary's time range of 4 GPUs is its training's, not its fast_dev_run's or its
    limit_train_batches run's (a newcomer read '3-6 s' where the trainings took 6 s)."""
    from study import units
    from study.summary import _row

    four = [run for run in runs.values() if run.gpus == 4 and run.kind != "missing"]
    assert {run.kind for run in four} == {"training", "debug"}
    (training,) = [run for run in four if run.kind == "training"]
    times = _row(four, training, {})[-2]
    assert times == units.duration(training.time_s), times


def test_a_lane_beside_an_estimate_is_no_best_of_it(timed):
    """The complete laptop run stands for its configuration beside the stopped run's estimate:
    its label is not "best of 2" and the report does not give the estimate as a time it took
    (a newcomer read "best of 2, which took 40-41 s" where one of them ran 23 s)."""
    from study.analysis import build_report
    from study.report import to_markdown
    from study.selection import select

    runs = list(timed.values())
    selection = select(runs)
    full = timed["laptop-full"]
    assert selection.stands_for[full.run_id] >= 2 and selection.best_of[full.run_id] == 1
    report = to_markdown(build_report(runs))
    line = next(li for li in report.splitlines() if f"{full.name} stands for" in li)
    assert "best of" not in line and "the only one timed whole" in line, line
    # why the other was not compared, as the data says: the stopped run's pace, no lost tail
    assert line.endswith("(1 more not timed whole: an estimate from a stopped run's pace)"), line
