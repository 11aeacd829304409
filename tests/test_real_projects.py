"""The truth on messy real-world inputs: runs-table exports with older runs lacking GPU columns,
duplicates, failed and crashed runs, laptops with and without a core count; offline runs written
by the real wandb SDK the way Hugging Face Trainer, Lightning, a Slurm-launched DDP script and a
killed laptop run log. Facts and their evidence, report figures, plans (labels and numbers), the
command line, and one still per scene."""

from __future__ import annotations

import json
import os
import re
import tomllib
from pathlib import Path

import pandas as pd
import pytest

from extract.model import Run
from extract.paths import PROJECT_ROOT
from extract.runs import reapply
from extract.sources.wandb_exports import ingest_exports
from extract.sources.wandb_files import find_run_files, read_run_file
from extract.store import save_runs
from extract.studyfile import load_study
from study import units
from study.analysis import build_report
from study.labels import plural
from study.plans import TIMES, comparison_plan, race_plan
from study.runs_table import rows as runs_rows
from study.settings import Settings
from study.view import view_of
from tests.cli_run import Ran, run_cli
from tests.fixed_clock import START
from tests.real_projects import (
    KILLED_KEPT,
    NEW_EXPORT,
    OLD_EXPORT,
    SLURM_PACE_S,
    STACKS_PACE_S,
    STUDY_TOML,
)
from tests.scene_probe import CRITIC_FRAME_RATE

HOUR = 3600.0
MULTICORE_S = 54.0944515367349 * HOUR
BENCHMARK_S = 75.83101797103882 * HOUR


def described(runs: list[Run]) -> str:
    """What `python -m extract runs` shows, for failing asserts."""
    return "\n" + "\n".join(" | ".join(row).replace("\n", "; ") for row in runs_rows(runs))


def by_name(runs: list[Run]) -> dict[str, Run]:
    return {run.name: run for run in runs}


def plan_texts(view) -> list[str]:
    """Every word and number the race and comparison plans put on screen or in the notes."""
    race, comparison = race_plan(view), comparison_plan(view)
    texts = [race.title, race.source, race.start_notes, race.closing_notes]
    texts += [line.text for line in race.closing]
    texts += [t for lane in race.lanes for t in (lane.label, lane.stamp, lane.estimate_note or "")]
    texts += [comparison.title, comparison.source, comparison.start_notes]
    texts += [comparison.closing_notes, comparison.range_label or ""]
    texts += [t for bar in comparison.bars for t in (bar.label, bar.stamp, bar.speedup)]
    return texts


# the projects (exports, csv_runs, offline, offline_runs) are session fixtures in
# tests/conftest.py: the frame critic's stores are made of them too


# --- runs-table exports ---------------------------------------------------------------------


def test_the_exports_are_in_the_ui_format(exports):
    old, new = (path.read_text().splitlines() for path in exports)
    fixed = '"Name","State","Notes","User","Tags","Created","Runtime","Sweep"'
    assert old[0].startswith(fixed) and new[0].startswith(fixed)
    assert "total_gpus" not in old[0] and '"total_gpus"' in new[0]  # older runs: no GPU columns
    four = old[1].split('","')
    assert four[2] == "-" and re.fullmatch(r"\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.000Z", four[5])
    assert '""' in new[-1]  # cells left empty where a run did not log the key


def test_older_cluster_runs_without_gpu_columns_are_unknown(csv_runs):
    runs = by_name(csv_runs)
    for name in ("Four Node Run", "Two Node Run"):
        run = runs[name]
        # the name says "Four Node", but a name is never evidence
        assert (run.platform, run.gpus, run.nodes) == ("unknown", None, None), described(csv_runs)
        assert not {"platform", "gpus", "nodes"} & set(run.evidence)
        assert run.evidence["epochs"].describe() == "config: epochs = 10"


def test_unknown_runs_are_out_of_the_headline_and_every_plan(csv_runs):
    view = view_of(csv_runs)
    report = view.report
    unknown = {"Four Node Run", "Two Node Run"}
    assert not unknown & {r.name for r in view.shown}
    for name in unknown:
        figures = report.run(name)
        assert figures is not None and not figures.shown
        assert figures.left_out_because and "no evidence" in figures.left_out_because
        assert figures.efficiency is None
    # the laptop range is the two laptops' estimates, not "5.0 min-75.8 h"
    assert report.laptop_low_s == pytest.approx(MULTICORE_S)
    assert report.laptop_high_s == pytest.approx(BENCHMARK_S)
    assert report.fastest_cluster_run == "Eight Node Run 2.1"
    assert report.fastest_cluster_s == 196
    assert report.max_speedup == pytest.approx(BENCHMARK_S / 196)
    assert report.baseline_run == "1 GPU 1 Node Run"
    race, comparison = race_plan(view), comparison_plan(view)
    assert not unknown & {lane.run.name for lane in race.lanes}
    assert not unknown & {bar.run.name for bar in comparison.bars}
    assert not any(name in text for text in plan_texts(view) for name in unknown)


def test_one_warning_per_unknown_run_with_a_valid_study_file_line(csv_runs, tmp_path):
    report = build_report(csv_runs)
    study_lines = []
    for name, gpus, nodes in (("Four Node Run", 32, 4), ("Two Node Run", 16, 2)):
        (warning,) = [w for w in report.warnings if name in w]
        assert "\n" not in warning
        assert "no evidence of its platform, gpus, nodes" in warning
        line = warning.split("add under [runs] in study.toml: ", 1)[1].split(" (a laptop:")[0]
        # N stands for the number the user knows ("Node" in the name is no N)
        filled = line.replace("gpus = N", f"gpus = {gpus}").replace("nodes = N", f"nodes = {nodes}")
        assert tomllib.loads(f"[runs]\n{filled}") == {
            "runs": {name: {"platform": "cluster", "gpus": gpus, "nodes": nodes}}
        }
        study_lines.append(filled)
    # the lines, pasted as they are, make a study file that places both runs
    path = tmp_path / "study.toml"
    path.write_text("[runs]\n" + "\n".join(study_lines) + "\n")
    study = load_study(path)
    # as the entry point applies it (scenes/load.py, `report`): to the runs, then the view
    view = view_of(reapply(csv_runs, study.corrections), study=study)
    assert {"Four Node Run", "Two Node Run"} <= {r.name for r in view.shown}
    assert not any("Node Run (" in w for w in view.report.warnings), view.report.warnings


def test_three_runs_at_64_gpus_are_one_lane_the_fastest(csv_runs):
    view = view_of(csv_runs)
    lanes = [lane for lane in race_plan(view).lanes if lane.run.gpus == 64]
    assert len(lanes) == 1, described(csv_runs)
    assert lanes[0].run.name == "Eight Node Run 2.1" and lanes[0].run.time_s == 196
    assert lanes[0].label == "64 GPUs, 8 nodes (best of 3)"
    assert lanes[0].stamp == "3.3 min"
    (bar,) = [b for b in comparison_plan(view).bars if b.run.gpus == 64]
    assert bar.label == "64 GPUs, 8 nodes (best of 3)"
    left = {r.name: why for r, why in view.selection.left_out}
    assert left["Eight Node Run 2.0"] == "Eight Node Run 2.1 stands for its 64 GPUs (fastest)"
    assert left["Eight Node Run 2.2"] == "Eight Node Run 2.1 stands for its 64 GPUs (fastest)"


def test_a_failed_run_is_timed_per_epoch_over_the_epochs_it_did(csv_runs):
    run = by_name(csv_runs)["16 GPU 2 Node Run"]
    assert (run.state, run.epochs, run.epochs_done) == ("failed", 12, 9), described(csv_runs)
    assert run.evidence["epochs_done"].describe() == (
        "summary: progress_percentage x planned epochs = 75% x 12 = 9"
    )
    assert run.time_per_epoch_s == pytest.approx(450 / 9)
    figures = build_report(csv_runs).run("16 GPU 2 Node Run")
    assert figures is not None and figures.epochs_done == 9
    assert figures.time_per_epoch_s == pytest.approx(50.0)
    assert figures.speedup == pytest.approx((7224 / 10) / (450 / 9))
    assert figures.efficiency == pytest.approx((7224 / 10) / (450 / 9) / 16)
    assert figures.efficiency < 1.0  # over 12 epochs it read 101%
    assert not figures.shown and figures.left_out_because == "state failed"


def test_a_crashed_run_without_progress_has_no_per_epoch_figures(csv_runs):
    run = by_name(csv_runs)["32 GPU 4 Node Run"]
    assert (run.state, run.epochs, run.epochs_done) == ("crashed", 10, None), described(csv_runs)
    assert "epochs_done" not in run.evidence
    report = build_report(csv_runs)
    figures = report.run("32 GPU 4 Node Run")
    assert figures is not None
    assert (figures.time_per_epoch_s, figures.speedup, figures.efficiency) == (None, None, None)
    said = [w for w in report.warnings if w.startswith("32 GPU 4 Node Run: epochs done unknown")]
    assert len(said) == 1


def test_laptop_labels_claim_cores_only_when_logged(csv_runs):
    runs = by_name(csv_runs)
    multicore, benchmark = (
        runs["Laptop-Multicore-2.0pct-8cores"],
        runs["Laptop-Benchmark-1.0pct-subset"],
    )
    assert (multicore.platform, multicore.cores) == ("laptop", 8)
    assert multicore.evidence["cores"].describe() == "config: cpu_cores = 8"
    assert multicore.evidence["platform"].describe() == "config: device_type = CPU"
    assert (benchmark.platform, benchmark.cores, benchmark.gpus) == ("laptop", None, None)
    assert "cores" not in benchmark.evidence
    for settings, name in ((Settings(), "Laptop"), (Settings(laptop_name="Workstation"), None)):
        laptop = settings.laptop_name
        view = view_of(csv_runs, settings)
        assert view.label(multicore) == f"{laptop}, 8 cores"
        assert view.label(benchmark) == laptop
        texts = plan_texts(view)
        if name is None:  # the laptop's name is the settings', everywhere
            assert not any("Laptop" in text for text in texts), texts
            assert not any("laptop" in text for text in texts), texts


def test_race_plan_of_the_export(csv_runs):
    view = view_of(csv_runs, Settings(laptop_name="Workstation"))
    plan = race_plan(view)
    assert [(lane.label, lane.stamp) for lane in plan.lanes] == [
        ("64 GPUs, 8 nodes (best of 3)", "3.3 min"),
        ("8 GPUs, 1 node", "16.1 min"),
        ("1 GPU, 1 node", "2.0 h"),
        ("Workstation, 8 cores", "\u224854.1 h"),
        ("Workstation", "\u224875.8 h"),
    ]
    assert [lane.estimate_note for lane in plan.lanes] == [
        None,
        None,
        None,
        "estimate: 79.2 min measured, rest extrapolated",
        "estimate: 48.5 min measured, rest extrapolated",
    ]
    assert plan.first_cluster is not None and plan.first_cluster.run.name == "Eight Node Run 2.1"
    assert [line.text for line in plan.closing] == [
        "64 GPUs, 8 nodes (best of 3) on LUMI: 3.3 min",
        "Workstation: 54\u201376 h (estimated)",
        f"up to 1,393{TIMES} faster",
        "total time: Workstation ran 3 epochs, 64 GPUs ran 6 epochs",
        f"Per epoch, equal work: up to 2,786{TIMES} faster",
    ]
    report = view.report
    assert units.ratio(report.max_speedup, TIMES) == f"1,393{TIMES}"
    assert report.max_speedup_per_epoch == pytest.approx((BENCHMARK_S / 3) / (196 / 6))
    assert plan.closing_notes.splitlines() == [
        "Slowest LUMI run: 1 GPU, 1 node, 2.0 h.",
        "Workstation, 8 cores: 54.1 h (estimate: 79.2 min measured, rest extrapolated).",
        "Workstation: 75.8 h (estimate: 48.5 min measured, rest extrapolated).",
        f"Headline: up to 1,393{TIMES} faster in total time.",
        f"Per epoch (equal work): up to 2,786{TIMES} faster.",
        # the spread of the runs a lane stands for
        "64 GPUs, 8 nodes (best of 3): the fastest of 3 runs, which took 3.3\u20133.9 min.",
    ]
    assert "LUMI: 3 runs on 1-64 GPUs." in plan.start_notes
    assert "2 times estimated from partial runs" in plan.source
    assert "6 more not shown" in plan.source


def test_comparison_plans_of_the_export(csv_runs):
    view = view_of(csv_runs)
    plan = comparison_plan(view)
    assert [(b.label, b.stamp, b.speedup, b.estimated) for b in plan.bars] == [
        ("64 GPUs, 8 nodes (best of 3)", "3.3 min", f"994\u20131,393{TIMES}", False),
        ("8 GPUs, 1 node", "16.1 min", f"202\u2013283{TIMES}", False),
        ("1 GPU, 1 node", "2.0 h", f"27.0\u201337.8{TIMES}", False),
        ("Laptop, 8 cores", "\u224854.1 h", "", True),
        ("Laptop", "\u224875.8 h", "", True),
    ]
    assert [b.measured_s for b in plan.bars[3:]] == [4753, 2908]
    assert plan.range_label == (
        f"Laptop estimates in total: 54\u201376 h   ({TIMES}: times faster)"
    )
    per_epoch = comparison_plan(view_of(csv_runs, Settings(comparison_time="per_epoch")))
    values = {b.run.name: b.value_s for b in per_epoch.bars}
    assert values == pytest.approx(
        {
            "Eight Node Run 2.1": 196 / 6,
            "8 GPU 1 Node Run": 963 / 10,
            "1 GPU 1 Node Run": 7224 / 10,
            "Laptop-Multicore-2.0pct-8cores": MULTICORE_S / 3,
            "Laptop-Benchmark-1.0pct-subset": BENCHMARK_S / 3,
        }
    )
    top = per_epoch.bars[0]
    low, high = MULTICORE_S / 3 / (196 / 6), BENCHMARK_S / 3 / (196 / 6)
    assert top.speedup == f"{units.ratio(low, '')}\u2013{units.ratio(high, TIMES)}"
    # per epoch, an estimate is an estimate all the way
    assert [b.measured_s for b in per_epoch.bars if b.estimated] == [0.0, 0.0]


def test_a_study_file_places_the_unknown_runs(exports, tmp_path, monkeypatch):
    path = tmp_path / "study.toml"
    path.write_text(STUDY_TOML)
    monkeypatch.setenv("LUMI_STUDY", str(path))
    study = load_study()  # found through $LUMI_STUDY
    runs = by_name(ingest_exports(exports, study.corrections).runs)
    four, two = runs["Four Node Run"], runs["Two Node Run"]
    assert (four.platform, four.gpus, four.nodes) == ("cluster", 32, 4)
    assert (two.platform, two.gpus, two.nodes) == ("cluster", 16, 2)
    for run, gpus in ((four, 32), (two, 16)):
        assert run.evidence["gpus"].describe() == f"study file study.toml: gpus = {gpus}"
        assert run.evidence["platform"].source == "study file study.toml"
        # what the file does not state is still the run's own
        assert run.evidence["epochs"].describe() == "config: epochs = 10"
    view = view_of(list(runs.values()), study=study)
    labels = [lane.label for lane in race_plan(view).lanes]
    assert labels[:5] == [
        "64 GPUs, 8 nodes (best of 3)",
        "32 GPUs, 4 nodes",
        "16 GPUs, 2 nodes",
        "8 GPUs, 1 node",
        "1 GPU, 1 node",
    ]
    assert not any("Four Node Run" in w or "Two Node Run" in w for w in view.report.warnings)
    # applied again at render: runs extracted without the file get it from the entry point
    # that builds the scenes' view
    from scenes.load import load_view

    plain = tmp_path / "plain.h5"
    save_runs(plain, ingest_exports(exports).runs)
    monkeypatch.setenv("RUNS_STORE", str(plain))
    monkeypatch.delenv("LUMI_CONFIG", raising=False)
    assert [lane.label for lane in race_plan(load_view()).lanes] == labels


def test_no_plan_says_zero_gpus_or_a_label_twice(csv_runs, offline_runs):
    for runs in (csv_runs, list(offline_runs.values())):
        view = view_of(runs)
        texts = plan_texts(view)
        assert not any(re.search(r"\b0 GPUs?\b", text) for text in texts), texts
        labels = [lane.label for lane in race_plan(view).lanes]
        assert len(labels) == len(set(labels))


# --- offline runs written by the real wandb SDK ---------------------------------------------


def history_rows(run: Run) -> pd.DataFrame:
    return run.history.sort_values("_runtime", kind="stable").reset_index(drop=True)


def test_hugging_face_trainer_run(offline, offline_runs):
    _, logged = offline
    run = offline_runs["vit-base-finetune"]
    everything = described(list(offline_runs.values()))
    assert run.state == "finished", everything
    # no GPU or process count anywhere, and wandb found no GPU on this machine: a CPU machine
    assert run.gpus is None and run.platform in ("laptop", "unknown"), everything
    if run.platform == "laptop":
        assert run.evidence["platform"].source == "environment"
    # a core count only as wandb recorded it, never made up
    if run.cores is not None:
        evidence = run.evidence["cores"]
        assert evidence.source == "environment"
        assert run.metadata[evidence.key] == run.cores
    assert run.evidence["epochs"].describe() == "config: num_train_epochs = 3"
    assert run.epochs_done == 3
    assert run.evidence["epochs_done"].key.startswith("train/epoch")
    # what was logged: eval/accuracy as fractions, train/epoch fractional
    rows = logged["hf"]["rows"]
    history = history_rows(run)
    assert list(history["train/loss"].dropna()) == [
        r["train/loss"] for r in rows if "train/loss" in r
    ]
    assert list(history["eval/accuracy"].dropna()) == [0.7125, 0.8575, 0.92]
    report = build_report([run])
    (figures,) = report.runs
    assert report.accuracy_key == "eval/accuracy"
    assert figures.best_accuracy == pytest.approx(92.0)
    first = history[history["eval/accuracy"] >= 0.9].iloc[0]
    assert figures.time_to_target_s == pytest.approx(first["_runtime"])
    assert figures.epochs_done == 3 and figures.time_s == pytest.approx(run.measured_s)
    assert any("accuracy shown from 'eval/accuracy'" in w for w in report.warnings)
    assert "0 GPUs" not in figures.label and figures.label in ("Laptop", laptop_label(run))


def laptop_label(run: Run, name: str = "Laptop") -> str:
    # wandb's cpu_count_logical is the machine's count of hardware threads, not what the run
    # used: said as the CPU's size
    if run.cores and run.cores_word == "machine threads":
        return f"{name}, {run.cores}-thread CPU"
    return f"{name}, {plural(run.cores, run.cores_word.rstrip('s'))}" if run.cores else name


def test_lightning_run(offline, offline_runs):
    _, logged = offline
    run = offline_runs["lightning-ddp"]
    everything = described(list(offline_runs.values()))
    assert (run.platform, run.gpus, run.nodes) == ("cluster", 8, 2), everything
    assert run.evidence["gpus"].describe() == "config: devices x num_nodes = 4 x 2"
    assert run.evidence["nodes"].describe() == "config: num_nodes = 2"
    assert run.evidence["platform"].describe() == "config: accelerator = gpu"
    assert run.evidence["epochs"].describe() == "config: max_epochs = 3"
    assert (run.state, run.epochs_done) == ("finished", 3)
    history = history_rows(run)
    assert list(history["val_acc"].dropna()) == [0.64, 0.81, 0.935]
    assert list(history["epoch"].dropna().unique()) == [0, 1, 2]  # 0-based
    n_rows = len(logged["lightning"]["rows"])
    assert len(history) == n_rows
    report = build_report([run])
    (figures,) = report.runs
    assert (report.accuracy_key, figures.best_accuracy) == ("val_acc", pytest.approx(93.5))
    first = history[history["val_acc"] >= 0.9].iloc[0]
    assert figures.time_to_target_s == pytest.approx(first["_runtime"])
    assert figures.label == "8 GPUs, 2 nodes"
    assert figures.evidence["gpus"] == "config: devices x num_nodes = 4 x 2"


def test_slurm_launched_ddp_run(offline, offline_runs):
    _, logged = offline
    run = offline_runs["ddp-srun"]
    everything = described(list(offline_runs.values()))
    assert not any("gpu" in key for key in run.config)  # only the scheduler knows the size
    assert (run.platform, run.gpus, run.nodes) == ("cluster", 16, 2), everything
    assert run.evidence["gpus"].describe() == (
        "environment: slurm.gpus_on_node x slurm.nnodes = 8 x 2"
    )
    assert run.evidence["nodes"].describe() == "environment: slurm.nnodes = 2"
    assert run.metadata["slurm.ntasks"] == 16 and run.metadata["slurm.cluster_name"] == "lumi"
    assert (run.state, run.epochs, run.epochs_done) == ("finished", 2, 2)
    rows = logged["slurm"]["rows"]
    assert list(history_rows(run)["running_accuracy"]) == [r["running_accuracy"] for r in rows]
    report = build_report([run])
    (figures,) = report.runs
    assert report.accuracy_key == "running_accuracy"
    assert figures.best_accuracy == pytest.approx(max(r["running_accuracy"] for r in rows))
    assert figures.label == "16 GPUs, 2 nodes"
    assert figures.time_s == pytest.approx(run.measured_s)


def test_killed_laptop_run_gives_an_estimate_from_its_own_pace(offline, offline_runs):
    directory, logged = offline
    run = offline_runs["laptop-cpu-attempt"]
    everything = described(list(offline_runs.values()))
    assert run.platform == "laptop" and run.gpus is None, everything
    assert run.evidence["platform"].describe() == "config: device = cpu"
    assert run.state == "crashed"
    # the file kept a prefix of what was logged (SIGKILL loses the last, unwritten block)
    (path,) = [p for p in directory.rglob(f"run-{run.run_id}.wandb")]
    part = read_run_file(path)
    kept = part.rows
    assert part.start_time is not None
    # each row's time on the training process's clock (wandb-core's _runtime is when it read it)
    times = [r["_timestamp"] - part.start_time for r in kept]
    wanted = logged["laptop"]["rows"]
    assert 0 < len(kept) <= len(wanted)
    assert [r["progress_percentage"] for r in kept] == [
        r["progress_percentage"] for r in wanted[: len(kept)]
    ]
    last = kept[-1]["progress_percentage"]
    assert last <= 37.5  # 1.5 of 4 epochs at most
    assert run.epochs == 4
    assert run.epochs_done == pytest.approx(last / 100 * 4, abs=1e-6)
    assert run.extrapolated
    assert run.measured_s >= times[-1] - 1e-6
    # less than two whole epochs: start-up counted once, as the time of its first training
    # row (one row of the 200 its first epoch logged), then the pace of all it trained since,
    # to the last row kept, for the rest of its 4 epochs
    first, at = times[0], 1 / sum(r["epoch"] == 0 for r in kept)
    assert at == 1 / 200
    pace = (times[-1] - first) / (run.epochs_done - at)
    assert run.time_s == pytest.approx(first + pace * (4 - at))
    report = build_report(list(offline_runs.values()))
    figures = report.run("laptop-cpu-attempt")
    assert figures is not None and figures.shown and figures.extrapolated
    said = [w for w in report.warnings if w.startswith("laptop-cpu-attempt: time is an estimate")]
    assert len(said) == 1 and "pace" in said[0]


def test_the_offline_study_is_written_on_a_fixed_clock(offline, fixed_offline_runs):
    """What wandb takes from the writing process's clock (each run's start, each row's
    _timestamp) is the writers' fixed clock, the same on any machine, busy or idle; and the
    frame critic's offline store, read on that clock, has the run times the writers' paces
    make: the words it draws do not depend on the machine's load."""
    directory, logged = offline
    files = {part.name: part for part in map(read_run_file, find_run_files([directory]))}
    pace = STACKS_PACE_S
    hf_s, lightning_s = 24 * pace["hf"], 15 * pace["lightning"]
    # one process writes the Hugging Face, Lightning and laptop runs in turn; another the Slurm job
    starts = {
        "vit-base-finetune": START,
        "lightning-ddp": START + hf_s,
        "laptop-cpu-attempt": START + hf_s + lightning_s,
        "ddp-srun": START,
    }
    assert {name: files[name].start_time for name in starts} == starts
    # a row is logged when its step is done: the step's number x the pace
    steps = {
        "vit-base-finetune": [r["train/global_step"] * pace["hf"] for r in logged["hf"]["rows"]],
        "lightning-ddp": [
            r["trainer/global_step"] * pace["lightning"] for r in logged["lightning"]["rows"]
        ],
        "laptop-cpu-attempt": [
            (i + 1) * pace["laptop"] for i in range(len(files["laptop-cpu-attempt"].rows))
        ],
        "ddp-srun": [(i + 1) * SLURM_PACE_S for i in range(len(logged["slurm"]["rows"]))],
    }
    for name, offsets in steps.items():
        stamps = [row["_timestamp"] - starts[name] for row in files[name].rows]
        assert stamps == offsets, name
    runs = fixed_offline_runs
    assert {name: run.time_s for name, run in runs.items() if not run.extrapolated} == {
        "vit-base-finetune": hf_s,
        "lightning-ddp": lightning_s,
        "ddp-srun": 12 * SLURM_PACE_S,
    }
    # and the machines' CPUs are the writers', not the writing machine's (a laptop's label names it)
    assert {name: run.cores for name, run in runs.items()} == {
        "vit-base-finetune": 8,
        "laptop-cpu-attempt": 8,
        "lightning-ddp": 128,
        "ddp-srun": 128,
    }
    killed = runs["laptop-cpu-attempt"]
    # the rows every writing keeps: one epoch of 200 steps of the 4 planned; its estimate, the
    # time of its first training row (one step: it loads nothing first), then its pace since
    assert killed.measured_s == KILLED_KEPT * pace["laptop"] and killed.epochs_done == 1.0
    first = pace["laptop"]
    assert killed.time_s == pytest.approx(first + (killed.measured_s - first) * 4)


def test_plans_of_the_offline_study(offline_runs):
    runs = list(offline_runs.values())
    view = view_of(runs)
    plan = race_plan(view)
    hf, killed = offline_runs["vit-base-finetune"], offline_runs["laptop-cpu-attempt"]
    # both laptops read the same without their epochs: told apart by them
    assert [(lane.run.name, lane.label) for lane in plan.lanes] == [
        ("ddp-srun", "16 GPUs, 2 nodes"),
        ("lightning-ddp", "8 GPUs, 2 nodes"),
        *sorted(
            [
                ("vit-base-finetune", f"{laptop_label(hf)}, 3 epochs"),
                ("laptop-cpu-attempt", f"{laptop_label(killed)}, 4 epochs"),
            ],
            key=lambda item: offline_runs[item[0]].time_s,
        ),
    ], described(runs)
    for lane in plan.lanes:
        if lane.run is killed:
            assert lane.stamp == f"\u2248{units.duration(killed.time_s)}"
            assert lane.estimate_note == (
                f"estimate: {units.duration(killed.measured_s)} measured, rest extrapolated"
            )
        else:
            assert lane.stamp == units.duration(lane.run.time_s) and lane.estimate_note is None
    # which cluster run finished first is wandb-core's clock on the writing machine: read it
    fastest = min((offline_runs[n] for n in ("ddp-srun", "lightning-ddp")), key=lambda r: r.time_s)
    assert plan.first_cluster is not None and plan.first_cluster.run is fastest
    report = view.report
    laptops = [hf.time_s, killed.time_s]
    assert report.max_speedup == pytest.approx(max(laptops) / fastest.time_s)
    label = {"ddp-srun": "16 GPUs, 2 nodes", "lightning-ddp": "8 GPUs, 2 nodes"}[fastest.name]
    assert plan.closing[0].text == f"{label} on LUMI: {units.duration(fastest.time_s)}"
    # the Hugging Face run's time was measured, the killed laptop's is an estimate
    assert plan.closing[1].text == (
        f"Laptop: {units.duration_range(min(laptops), max(laptops))} (1 of 2 estimated)"
    )
    # over the slower laptop: the top of the laptops' range
    assert plan.closing[2].text == f"up to {units.ratio(report.max_speedup, TIMES)} faster"
    comparison = comparison_plan(view)
    assert [b.label for b in comparison.bars] == [lane.label for lane in plan.lanes]
    for bar in comparison.bars:
        assert bar.value_s == bar.run.time_s
        assert bar.estimated == (bar.run is killed)


def test_a_range_of_seconds_claims_no_digit_it_does_not_hold():
    """2.0 s and 2.78 s read '2-2.8 s' as each end alone does ('2 s', '2.8 s': one decimal
    under 10 s), not '2.0-2.8 s'."""
    assert units.duration_range(2.0, 2.78) == "2\u20132.8 s"
    assert units.duration_range(54.094 * HOUR, 75.831 * HOUR) == "54\u201376 h"
    assert units.duration_range(198, 326) == "3.3\u20135.4 min"


# --- the command line -----------------------------------------------------------------------


def cli(*args: str, env: dict[str, str]) -> Ran:
    """`python -m extract ARGS` from the project's folder, in this process (tests/cli_run.py)."""
    return run_cli(*args, cwd=PROJECT_ROOT, env=env)


@pytest.fixture(scope="module")
def cli_env(tmp_path_factory) -> dict[str, str]:
    root = tmp_path_factory.mktemp("cli")
    empty = root / "study.toml"
    empty.write_text("")  # no study file of the project's, whatever is in the working copy
    env = {k: v for k, v in os.environ.items() if k not in ("RUNS_STORE", "LUMI_CONFIG")}
    return {**env, "LUMI_STUDY": str(empty), "COLUMNS": "200"}


def warning_lines(stderr: str) -> list[str]:
    lines = stderr.splitlines()
    # one line per warning: no wrapped continuation lines
    assert all(re.match(r"^(\[yellow\])?warning:", line) for line in lines), stderr
    return lines


def test_cli_offline_runs_report(offline, cli_env, tmp_path):
    directory, _ = offline
    store = tmp_path / "tmp.h5"
    written = cli("offline", str(directory), "-o", str(store), env=cli_env)
    assert written.returncode == 0, written.stderr
    assert "wrote 4 runs (4 with histories)" in written.stdout
    (killed,) = warning_lines(written.stderr)
    assert "the last record is cut short" in killed or "no exit record" in killed

    listed = cli("runs", str(store), env=cli_env)
    assert listed.returncode == 0, listed.stderr
    assert warning_lines(listed.stderr) == []
    # the evidence column's text, however the table folded it
    evidence = " ".join(
        line.split("│")[-2].strip() for line in listed.stdout.splitlines() if line.count("│") > 2
    )
    assert "ddp-srun" in listed.stdout, listed.stdout
    for word in ("slurm.gpus_on_node x slurm.nnodes = 8 x 2", "devices x num_nodes"):
        assert word in evidence, listed.stdout

    reported = cli("report", str(store), "--json", env=cli_env)
    assert reported.returncode == 0, reported.stderr + listed.stdout
    report = json.loads(reported.stdout)
    runs = {r["name"]: r for r in report["runs"]}
    assert set(runs) == {"vit-base-finetune", "lightning-ddp", "ddp-srun", "laptop-cpu-attempt"}
    for figures in runs.values():
        assert {"label", "epochs_done", "best_accuracy", "time_to_target_s", "evidence"} <= set(
            figures
        )
        assert all(isinstance(v, str) and ": " in v for v in figures["evidence"].values())
    assert runs["ddp-srun"]["label"] == "16 GPUs, 2 nodes"
    assert runs["ddp-srun"]["epochs_done"] == 2
    assert runs["ddp-srun"]["evidence"]["gpus"] == (
        "environment: slurm.gpus_on_node x slurm.nnodes = 8 x 2"
    )
    assert runs["lightning-ddp"]["label"] == "8 GPUs, 2 nodes"
    assert runs["laptop-cpu-attempt"]["extrapolated"] is True
    # the study's key is running_accuracy (the Slurm and laptop runs log it); the Hugging Face
    # and Lightning runs are measured by their own keys (eval/accuracy, val_acc), in percent
    assert report["accuracy_key"] == "running_accuracy"
    assert runs["ddp-srun"]["best_accuracy"] == pytest.approx(90.0)
    assert runs["vit-base-finetune"]["accuracy_key"] == "eval/accuracy"
    assert runs["lightning-ddp"]["accuracy_key"] == "val_acc"
    shown = [r for r in runs.values() if r["shown"] and r["best_accuracy"] is not None]
    # the headline is under the study's key, the one the accuracy scene draws
    best = max(
        (r for r in shown if r["accuracy_key"] == report["accuracy_key"]),
        key=lambda r: r["best_accuracy"],
    )
    assert report["best_accuracy"]["run"] == best["name"]
    assert report["best_accuracy"]["key"] == best["accuracy_key"]
    assert report["best_accuracy"]["percent"] == pytest.approx(best["best_accuracy"])
    assert all(r["best_accuracy"] <= 100 for r in shown)
    assert any(w.startswith("laptop-cpu-attempt: time is an estimate") for w in report["warnings"])
    assert all("\n" not in w for w in report["warnings"])


def test_cli_csv_warns_once_per_unknown_run(exports, cli_env, tmp_path):
    store = tmp_path / "csv.h5"
    written = cli("csv", *map(str, exports), "-o", str(store), env=cli_env)
    assert written.returncode == 0, written.stderr
    lines = warning_lines(written.stderr)
    assert len(lines) == 2
    assert [name for name in ("Four Node Run", "Two Node Run") if any(name in w for w in lines)]
    listed = cli("runs", str(store), env=cli_env)
    assert listed.returncode == 0
    assert len(warning_lines(listed.stderr)) == 2
    reported = json.loads(cli("report", str(store), "--json", env=cli_env).stdout)
    names = {r["name"] for r in reported["runs"] if r["shown"]}
    assert names == {
        "Eight Node Run 2.1",
        "8 GPU 1 Node Run",
        "1 GPU 1 Node Run",
        "Laptop-Multicore-2.0pct-8cores",
        "Laptop-Benchmark-1.0pct-subset",
    }
    assert len(NEW_EXPORT) + len(OLD_EXPORT) == len(reported["runs"])


def test_cli_warnings_carry_no_markup_text(exports, cli_env, tmp_path):
    written = cli("csv", *map(str, exports), "-o", str(tmp_path / "s.h5"), env=cli_env)
    assert all(line.startswith("warning: ") for line in written.stderr.splitlines())


# --- one still per scene on a messy store ---------------------------------------------------

SCENES = [
    ("race", "ProgressRace"),
    ("scaling", "ScalingEfficiency"),
    ("comparison", "TrainingComparison"),
    ("curves", "AccuracyVsTime"),
    ("curves", "LossVsTime"),
    ("cost", "CostOfSpeed"),
]


@pytest.fixture(scope="module")
def stores(critic_stores) -> dict[str, Path]:
    """Two messy stores, the frame critic's (tests/critic_stores.py): the exports (unknown,
    duplicate, failed and crashed runs, no histories) and the offline study (Slurm, Lightning,
    Hugging Face and a killed laptop run: fractions and percents, fractional and 0-based
    epochs)."""
    return {name: critic_stores[name][0] for name in ("exports", "offline")}


@pytest.mark.render
@pytest.mark.parametrize("store", ["exports", "offline"])
@pytest.mark.parametrize(("module", "scene"), SCENES)
def test_layout_of_every_key_frame_on_messy_stores(critic_stores, probes, store, module, scene):
    """The layout checks of tests/test_layout.py (margins, overlaps, size) at every play and wait
    of every scene, on the messy stores; a scene the data cannot support stops with one line,
    and on the offline store (every run logged histories) every scene draws."""
    from tests.layout_check import layout_problems

    path, cfg = critic_stores[store]
    # the frame critic's probe of the pair (a dry run as under Manim's CLI, at every play and
    # wait), so each pair runs once per session
    probed = probes.get(scene, path, cfg=cfg, frame_rate=CRITIC_FRAME_RATE)
    if probed.refused is not None:
        assert store == "exports", probed.refused
        code, _, line = probed.refused.partition(": ")
        assert code == "exit 2" and line.startswith("error: ") and " | " not in line, line
        return
    assert len(probed.frames) >= 3
    problems = [p for texts in probed.frames for p in layout_problems(texts)]
    assert not problems, problems[:5]
