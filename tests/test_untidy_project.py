"""A team's untidy project (tests/untidy_project.py, written by the real wandb SDK): what kind of
run each is, from evidence; with default settings no figure of the report or of any scene's plan
comes from a run that is no training of the study; estimates count start-up once; a run whose
file lost records, and runs whose files hold none, are said (issue 27, items 1 and 4)."""

from __future__ import annotations

import dataclasses
import json
import os
import re
from dataclasses import replace
from pathlib import Path
from typing import Any

import h5py
import pytest

from extract.errors import StoreError
from extract.kinds import decide_kinds
from extract.model import Run
from extract.runs import facts_of, make_run, reapply
from extract.sources.wandb_files import ingest_offline
from extract.store import load_runs, save_runs
from extract.studyfile import load_study
from study.analysis import build_report
from study.cost_plan import cost_plan
from study.plans import comparison_plan, curves_plan, race_plan, scaling_plan
from study.report import to_markdown
from study.selection import configuration
from study.view import view_of
from tests.cli_run import run_cli
from tests.untidy_project import PLANNED_EPOCHS, STEPS_PER_EPOCH, SWEEP_ID, untidy_project

STUDY = {"1gpu", "4gpu-a", "4gpu-b", "8gpu-a", "8gpu-b", "16gpu", "32gpu", "laptop-full"}
KINDS = {
    **dict.fromkeys(STUDY, "training"),
    "4gpu-resumed": "training",
    "16gpu-killed": "partial",
    "laptop-stopped": "partial",
    "laptop-ddp-stopped": "partial",
    "debug-maxsteps": "debug",
    "debug-jobtype": "debug",
    "debug-tagged": "debug",
    "debug-half": "debug",
    "eval-best": "eval-only",
    "eval-final": "eval-only",
    "sweep-0": "sweep",
    "sweep-1": "sweep",
    "sweep-2": "sweep",
    "preprocess": "no-training",
    "smoke": "no-training",
    "smoke-ddp": "no-training",
    "smoke-ddp-2": "no-training",
    "32gpu-empty-1": "missing",
    "32gpu-empty-2": "missing",
}


@pytest.fixture(scope="module")
def untidy(tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, dict[str, Any]]:
    return untidy_project(tmp_path_factory.mktemp("untidy"))


@pytest.fixture(scope="module")
def runs(untidy: tuple[Path, dict[str, Any]]) -> dict[str, Run]:
    """Every run by its key in the manifest (what the writer called it)."""
    directory, logged = untidy
    by_id = {run.run_id: run for run in ingest_offline([directory]).runs}
    # (a run the reader left out is missing here: the tests that need it say so)
    return {key: by_id[entry["id"]] for key, entry in logged.items() if entry["id"] in by_id}


def keys_of(runs: dict[str, Run], chosen: list[Run]) -> set[str]:
    ids = {id(run) for run in chosen}
    return {key for key, run in runs.items() if id(run) in ids}


def test_every_run_is_the_kind_its_evidence_says(runs):
    assert {key: run.kind for key, run in runs.items()} == KINDS
    said = {key: run.evidence["kind"].describe() for key, run in runs.items()}
    assert said["eval-best"] == "config: do_train = False, do_eval = True"
    # every training of the study took 400 steps
    assert said["debug-maxsteps"].startswith(
        "config: max_steps = 6: at most 25% of the 400 training steps of the longest finished "
        "run (vit-"
    )
    # a step limit at half the epochs its script names (a newcomer's try-out run was the
    # headline's fastest 8-GPU run)
    assert said["debug-half"] == (
        "config: max_steps, num_train_epochs = 200 steps stop it at 2 of the 4 epochs it names "
        "(100 steps an epoch)"
    )
    assert said["debug-jobtype"] == "run: job_type = debug"
    assert said["debug-tagged"] == "summary: tags = debug"
    assert said["sweep-1"] == (
        f"run record: sweep = {SWEEP_ID} (3 trials; learning_rate, "
        "per_device_train_batch_size differ)"
    )
    assert said["preprocess"] == "run: job_type = preprocess"
    # the Slurm jobs recorded the login node as their submit host; the smoke test ran there
    assert said["smoke"].startswith("environment: host = uan01, outside Slurm: the submit host")
    assert said["32gpu-empty-1"].startswith("run file: no record = 7 bytes, no record")
    assert said["laptop-stopped"] == "state: not finished = failed"
    assert said["1gpu"] == "state: finished, its plan done = 4 of 4 planned epochs"


def test_a_finished_run_with_no_training_step_did_no_epoch(runs):
    for key in ("eval-best", "eval-final"):
        run = runs[key]
        assert run.state == "finished" and run.epochs == PLANNED_EPOCHS
        assert run.epochs_done == 0 and run.time_per_epoch_s is None
        assert run.evidence["epochs_done"].describe() == (
            "history: no training step logged = train/global_step never above 0"
        )


def test_the_report_with_default_settings_names_no_wrong_number(runs):
    report = build_report(list(runs.values()))
    by_id = {r.run_id: r for r in report.runs}
    study_ids = {runs[key].run_id for key in STUDY | {"laptop-stopped"}}
    shown = {r.run_id for r in report.runs if r.shown}
    # the study's trainings only (one run of each GPU count), and the laptop's estimate
    assert shown <= study_ids
    assert {runs[k].gpus for k in STUDY if runs[k].platform == "cluster"} == {
        by_id[i].gpus for i in shown if by_id[i].platform == "cluster"
    }
    # the baseline is the 1-GPU training, not an evaluation of 0 steps
    assert report.baseline_run == runs["1gpu"].name
    assert by_id[runs["1gpu"].run_id].speedup == pytest.approx(1.0)
    # the fastest cluster run is a complete training, timed whole
    fastest = runs[next(k for k, r in runs.items() if r.run_id == report.fastest_cluster_run_id)]
    assert fastest.kind == "training" and not fastest.damage
    assert report.fastest_cluster_run_id in {runs[k].run_id for k in STUDY}
    # the laptop range: the laptop's configuration (its finished run and the stopped one's
    # estimate are one lane, one standing for both); no smoke test
    laptop_times = {runs["laptop-full"].time_s, runs["laptop-stopped"].time_s}
    assert {report.laptop_low_s, report.laptop_high_s} <= laptop_times
    for key in ("debug-maxsteps", "eval-best", "sweep-1", "smoke", "preprocess"):
        assert by_id[runs[key].run_id].speedup is None, key
    text = to_markdown(report)
    assert f"| {runs['eval-best'].name} (not shown: evaluation only) |" in text
    assert "| 0/4 |" in text  # an evaluation did none of its 4 planned epochs
    # an empty run file logged no time: unknown, not "0 s" (a newcomer saw 0 s)
    empty = next(
        line for line in text.splitlines() if line.startswith(f"| {runs['32gpu-empty-1'].name}")
    )
    assert "| unknown |" in empty and "| 0 s |" not in empty, empty


def test_every_scene_plan_with_default_settings_draws_the_study_only(runs):
    view = view_of(list(runs.values()))
    allowed = STUDY | {"4gpu-resumed", "laptop-stopped"}
    race = race_plan(view)
    assert keys_of(runs, [lane.run for lane in race.lanes]) <= allowed
    assert race.first_cluster is not None
    assert keys_of(runs, [race.first_cluster.run]) <= STUDY
    comparison = comparison_plan(view)
    assert keys_of(runs, [bar.run for bar in comparison.bars]) <= allowed
    scaling = scaling_plan(view)
    assert keys_of(runs, [p.run for p in scaling.points]) <= STUDY
    assert sorted(p.gpus for p in scaling.points) == [1, 4, 8, 16, 32]  # no sweep's 2 GPUs
    curves = curves_plan(view, "accuracy")
    assert keys_of(runs, [s.run for s in curves.series]) <= allowed
    cost = cost_plan(view)
    assert keys_of(runs, [p.run for p in cost.points] + [m.run for m in cost.laptops]) <= allowed
    # nothing a debugging run, an evaluation or the login node did is in the words either
    for run in (runs[k] for k in ("debug-jobtype", "eval-final", "smoke", "sweep-1")):
        for words in (race.closing_notes, race.start_notes, comparison.closing_notes):
            assert run.name not in words


def test_every_scene_source_line_counts_every_run_of_the_study(runs):
    """The small print's counts add up to the study's runs: drawn, shown but not on this
    chart (ScalingEfficiency draws no laptop), without the drawn key, or not shown. A newcomer's
    scaling chart counted 4 + 3 of the 8 runs its study kept: the shown laptop was in none."""
    view = view_of(list(runs.values()))
    assert any(r.platform == "laptop" for r in view.shown)
    plans = {
        "race": race_plan(view).source,
        "comparison": comparison_plan(view).source,
        "scaling": scaling_plan(view).source,
        "curves": curves_plan(view, "accuracy").source,
        "cost": cost_plan(view).source,
    }
    for scene, source in plans.items():
        counted = [
            int(n.replace(",", ""))
            for part in source.split("  \u00b7  ")
            if "estimated" not in part
            for n in re.findall(r"(\d[\d,]*) (?:\S+ )?(?:runs?\b|more not shown)", part)
        ]
        assert sum(counted) == len(view.runs), (scene, source)
    assert f"1 {view.settings.laptop_name} run not on this chart" in plans["scaling"]


def test_the_race_callout_over_a_range_of_laptops_says_up_to(runs):
    # the stopped laptop run on 4 cores: a configuration of its own, so two laptop lanes
    stopped = dataclasses.replace(runs["laptop-stopped"], cores=4)
    view = view_of([stopped if r is runs["laptop-stopped"] else r for r in runs.values()])
    laptops = [r.time_s for r in view.selection.laptops]
    assert len(set(laptops)) == 2
    closing = [line.text for line in race_plan(view).closing]
    headline = next(text for text in closing if text.endswith("faster") and "epoch" not in text)
    assert headline.startswith("up to ")
    assert "**Max speedup**: up to " in to_markdown(view.report)


def test_a_stopped_laptop_run_counts_its_start_up_once(untidy, runs):
    _, logged = untidy
    run = runs["laptop-stopped"]
    assert run.extrapolated and run.epochs == PLANNED_EPOCHS
    history = run.history
    done = float(history["train/epoch"].max())
    assert run.epochs_done == pytest.approx(done)
    # less than two whole epochs: the start-up is the time of the first training row, the pace
    # that of all it trained since, to the last row logged (the runtime holds wandb's teardown)
    first = history.dropna(subset=["train/loss"]).iloc[0]
    start, at = float(first["_runtime"]), float(first["train/epoch"])
    pace = (float(history["_runtime"].max()) - start) / (done - at)
    assert run.time_s == pytest.approx(start + pace * (PLANNED_EPOCHS - at))
    # the start-up (1.5 s of loading) is not scaled with the epochs, as runtime / done x 4 did
    assert run.time_s < run.measured_s / done * PLANNED_EPOCHS - 1.0
    method = run.config["extrapolation_method"]
    assert method.endswith(f"{done:g} of {PLANNED_EPOCHS} epochs measured"), method
    steps = len([r for r in logged["laptop-stopped"]["rows"] if "train/loss" in r])
    assert steps == int(1.3 * STEPS_PER_EPOCH)


def test_a_stopped_run_logging_an_epoch_index_says_its_start_up_and_pace_as_they_are(runs):
    """The DDP script's laptop run, given up after 1.3 epochs, logs epoch 0 with its first
    epoch's rows and 1 first at that epoch's end: its start-up is the time of its first
    training row, not the end of its first epoch, and its pace is that of all it trained
    since (a newcomer's run said 'start-up 5.5 s' where its first training row came at 2.8 s)."""
    run = runs["laptop-ddp-stopped"]
    assert run.extrapolated and run.epochs_done == pytest.approx(1.3)
    history = run.history
    start = float(history.dropna(subset=["train_loss"])["_runtime"].min())
    first_epoch_end = float(history.dropna(subset=["val_accuracy"])["_runtime"].min())
    assert first_epoch_end > start + 1.0  # the first epoch's 100 steps of 0.02 s
    # the first row is one training step into the first epoch: a hundredth of it (its first
    # epoch logged 100 training rows)
    at = 1 / STEPS_PER_EPOCH
    pace = (float(history["_runtime"].max()) - start) / (1.3 - at)
    assert run.time_s == pytest.approx(start + pace * (PLANNED_EPOCHS - at))
    method = run.config["extrapolation_method"]
    assert method == (
        f"pace: start-up {start:.3g} s (to the first training row), then {pace:.3g} s an epoch "
        f"(timed over the 1.3 epochs trained since); 1.3 of {PLANNED_EPOCHS} epochs measured"
    )
    assert run.config["extrapolation_inputs"]["start_up_s"] == pytest.approx(start, abs=1e-3)


def test_an_estimate_never_stands_for_a_configuration_over_a_measured_run(runs):
    """A stopped laptop run's estimate a little under its configuration's finished run (an
    estimate assumes the pace stays what it was) is not the lane: the measured run is."""
    full = runs["laptop-full"]
    stopped = dataclasses.replace(runs["laptop-ddp-stopped"], time_s=full.time_s * 0.9)
    assert stopped.extrapolated and configuration(stopped) == configuration(full)
    view = view_of([stopped if r is runs["laptop-ddp-stopped"] else r for r in runs.values()])
    (lane,) = [r for r in view.selection.laptops if configuration(r) == configuration(full)]
    assert lane is full


def test_a_world_size_where_wandb_saw_no_gpu_counts_processes(runs):
    """The DDP script's smoke test on the login node: world_size 1 and an NCCL backend, on a
    machine where wandb saw no GPU and no Slurm job. Its one process is no GPU the evidence
    agrees on: its GPU count is unknown (the backend names GPUs, the machine had none), said
    why, and it costs no GPU-hours; it is no '1 GPU' run."""
    for key in ("smoke-ddp", "smoke-ddp-2"):
        run = runs[key]
        assert run.config["world_size"] == 1 and run.config["backend"] == "nccl"
        assert "gpu_count" not in run.metadata and not any(
            k.startswith("slurm.") for k in run.metadata
        )
        assert run.gpus is None and "gpus" not in run.evidence, key
        assert (
            "gpus: config world_size = 1 counts processes, and wandb recorded no GPU on its "
            "machine (none recorded: CPU only), but the job named a GPU device (config: "
            "backend = nccl): unknown"
        ) in run.notes
    text = to_markdown(build_report(list(runs.values())))
    row = next(line for line in text.splitlines() if line.startswith("| vit-ddp-smoke-2 "))
    cells = [cell.strip() for cell in row.split("|")]
    assert "1 GPU" not in row and cells[3] == "unknown", row  # GPUs
    assert cells[12] == "unknown", row  # GPU-hours (per epoch)


def test_a_finished_run_stopped_inside_an_epoch_did_part_of_it(runs):
    """A finished run's last 0-based epoch index is a whole epoch only where it did its plan:
    the smoke tests stopped after 50 steps of their first epoch. With the steps an epoch has
    in its config (a OneCycleLR schedule's steps_per_epoch = 100), that is half an epoch; with
    nothing saying how many steps an epoch has, how much is unknown, not 1."""
    counted = runs["smoke-ddp-2"]
    assert counted.config["steps_per_epoch"] == STEPS_PER_EPOCH
    assert counted.epochs_done == pytest.approx(0.5)
    said = counted.evidence["epochs_done"].describe()
    assert said.endswith(
        "+ 0.50 of an epoch from its 50 training rows (with train_loss) over config "
        "steps_per_epoch = 100 = last 0, so 0.5 done"
    )
    unknown = runs["smoke-ddp"]
    assert unknown.epochs_done is None and "epochs_done" not in unknown.evidence
    said = "epochs done: finished during its epoch 0"
    assert any(note.startswith(said) for note in unknown.notes)
    # a finished run that did its plan still counts its last epoch whole
    assert runs["1gpu"].epochs_done == PLANNED_EPOCHS


def test_a_run_that_trained_too_little_has_no_estimate(runs):
    """The login node's smoke test (5 steps: 0.05 of an epoch) read as a laptop: no full-job
    time is made of it, whatever its kind."""
    smoke = runs["smoke"]
    assert smoke.platform == "laptop" and smoke.epochs_done == pytest.approx(0.05)
    assert not smoke.extrapolated and smoke.time_s == smoke.measured_s
    # its plan is its max_steps (5 steps of 100 an epoch), so it did its whole plan: nothing
    # to extrapolate, and not a laptop of the study
    assert smoke.epochs == pytest.approx(0.05)
    assert smoke.run_id not in {r.run_id for r in view_of(list(runs.values())).shown}


def test_a_run_whose_file_lost_its_tail_is_not_best_of_n(runs):
    resumed = runs["4gpu-resumed"]
    assert resumed.state == "finished" and resumed.gpus == 4
    # a whole run stands for the 4 GPUs, whichever was timed the shortest
    view = view_of(list(runs.values()))
    (four,) = [r for r in view.selection.cluster if r.gpus == 4]
    assert four in (runs["4gpu-a"], runs["4gpu-b"])
    assert resumed.damage and "lost its tail" in resumed.damage
    assert runs["16gpu-killed"].damage and "lost its tail" in runs["16gpu-killed"].damage
    reasons = dict((r.run_id, why) for r, why in view.selection.left_out)
    assert reasons[resumed.run_id].endswith("its own time is short: its run file lost records")
    said = [w for w in view.report.warnings if w.startswith(f"{resumed.name} ({resumed.run_id})")]
    assert len(said) == 1 and "short of what it ran" in said[0]


def test_runs_whose_files_hold_no_record_are_counted_per_configuration(runs):
    """Their configuration is what the wandb.init line of their debug.log says (world_size)."""
    report = build_report(list(runs.values()))
    (missing,) = [w for w in report.warnings if "missing: empty run files" in w]
    assert missing.startswith(
        "2 runs of 32 GPUs missing: empty run files, crashed before wandb wrote a record ("
    )
    assert all(runs[k].run_id in missing for k in ("32gpu-empty-1", "32gpu-empty-2"))


def test_extract_runs_shows_the_kind_and_why(untidy, runs, tmp_path):
    directory, _ = untidy
    store = tmp_path / "runs.h5"
    empty = tmp_path / "study.toml"
    empty.write_text("")
    kept = {k: v for k, v in os.environ.items() if k not in ("RUNS_STORE", "LUMI_CONFIG")}
    env = {**kept, "LUMI_STUDY": str(empty), "COLUMNS": "200"}
    written = run_cli("offline", str(directory), "-o", str(store), env=env)
    assert written.returncode == 0, written.stderr
    listed = run_cli("runs", str(store), env=env)
    assert listed.returncode == 0, listed.stderr
    for words in ("debugging run", "evaluation only", "sweep trial", "complete training"):
        assert words in listed.stdout, listed.stdout
    explained = run_cli("runs", str(store), "--explain", runs["eval-final"].run_id, env=env)
    assert explained.returncode == 0, explained.stderr
    lines = explained.stdout.splitlines()
    assert "kind: evaluation only  (decided by config: do_train = False, do_eval = True)" in lines
    also = "  - a job type naming evaluation: run: job_type = eval"
    assert any(line.startswith(also) for line in lines), lines
    reported = run_cli("report", str(store), "--json", env=env)
    figures = {r["run_id"]: r for r in json.loads(reported.stdout)["runs"]}
    assert figures[runs["sweep-0"].run_id]["kind"] == "sweep"
    assert figures[runs["sweep-0"].run_id]["left_out_because"].startswith("sweep trial (")


def test_the_store_keeps_each_kind_and_refuses_a_store_without_them(runs, tmp_path):
    store = tmp_path / "runs.h5"
    save_runs(store, list(runs.values()))
    loaded = {r.run_id: r for r in load_runs(store, columns=["epoch"])}
    for run in runs.values():
        again = loaded[run.run_id]
        assert (again.kind, again.evidence.get("kind"), again.damage) == (
            run.kind,
            run.evidence.get("kind"),
            run.damage,
        )
    # a study file's correction re-decides from the stored counts, not the partial history read
    study = tmp_path / "study.toml"
    study.write_text(f'[runs."{runs["1gpu"].run_id}"]\nlabel = "one GPU"\n')
    again = {r.run_id: r for r in reapply(list(loaded.values()), load_study(study).corrections)}
    assert {key: again[run.run_id].kind for key, run in runs.items()} == KINDS
    with h5py.File(store, "r+") as h5:
        h5.attrs["schema_version"] = 2
    with pytest.raises(StoreError, match="without the kind of each run"):
        load_runs(store)


def test_a_kind_can_be_stated_in_the_study_file(runs, tmp_path):
    study = tmp_path / "study.toml"
    study.write_text(f'[runs."{runs["sweep-1"].run_id}"]\nkind = "training"\n')
    again = {r.run_id: r for r in reapply(list(runs.values()), load_study(study).corrections)}
    run = again[runs["sweep-1"].run_id]
    assert run.kind == "training"
    assert run.evidence["kind"].describe() == "study file study.toml: kind = training"
    view = view_of(list(again.values()))
    assert run in view.selection.cluster  # the only training of its 2 GPUs


def test_a_history_fetched_for_some_keys_only_says_nothing_of_no_training(runs):
    """`extract wandb --keys eval/accuracy` fetches the evaluation rows of a training: its
    summary (train/global_step 400, train/loss) says it trained, so it is no evaluation-only
    run and did its 4 epochs."""
    run = runs["1gpu"]
    history = run.history.dropna(subset=["eval/accuracy"])[["_runtime", "_step", "eval/accuracy"]]
    assert run.summary["train/global_step"] == PLANNED_EPOCHS * STEPS_PER_EPOCH
    (again,) = decide_kinds([make_run(replace(facts_of(run), history=history, activity=None))])
    assert again.kind == "training" and again.epochs_done == PLANNED_EPOCHS


def test_a_study_that_trains_by_steps_is_no_debugging(runs):
    """Hugging Face's max_steps > 0 is the plan where a study trains by steps (num_train_epochs
    is then ignored, here 20 against the 4 epochs the steps make): runs that did their step
    limit are complete trainings, not debugging runs nor stopped ones; the limit far below
    theirs is a debugging run."""
    by_steps = []
    for key in ("1gpu", "8gpu-a", "debug-maxsteps"):
        facts = facts_of(runs[key])
        limit = 6 if key == "debug-maxsteps" else PLANNED_EPOCHS * STEPS_PER_EPOCH
        config = {**facts.config, "max_steps": limit, "num_train_epochs": 20}
        by_steps.append(make_run(replace(facts, config=config)))
    kinds = [run.kind for run in decide_kinds(by_steps)]
    assert kinds == ["training", "training", "debug"]
    assert by_steps[0].evidence["kind"].describe() == (
        "state: finished, its step limit done = 400 of max_steps 400"
    )
