"""The right facts on W&B projects logged the way the common stacks log them (issue 17).

The corpus (tests/stacks.py) is written by the real wandb SDK in child processes; every study is
extracted the way a user would (`python -m extract offline DIR -o STORE`, `... csv EXPORT`,
through the functions the command line calls), and each training is checked against what its
author knows it was (``tests.stacks.EXPECTED``): GPUs, nodes, platform, epochs planned and done,
the accuracy key, a machine-only GPU count said as such, a conflict warned.

Where the API for a fact does not exist yet, the assertion is on the command line's text:
- a GPU count known only from the machine: the run's evidence or a report warning (`report
  --json`) says "on the machine", and `extract runs` says "machine";
- a conflict: a warning (from `extract offline` or `report --json`) names the run and both
  pieces of evidence (e.g. "device" and "slurm");
- `python -m extract runs STORE --explain RUN` exits 0 and names the rule (the key's path) that
  decided, with the word "decided".
"""

from __future__ import annotations

import contextlib
import io
import json
import math
import os
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pandas as pd
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from extract.__main__ import main as extract_main
from extract.model import Run
from extract.paths import PROJECT_ROOT
from extract.runs import RunFacts, make_run
from extract.store import load_runs
from study.analysis import build_report
from tests.cli_run import run_cli
from tests.stacks import EXPECTED, EXPECTED_CSV, Corpus, Expected, build_corpus, expected

STUDIES = sorted({e.study for e in EXPECTED})


@dataclass
class Extraction:
    """One study extracted through the command line: the store, its runs, what was printed."""

    store: Path
    status: int
    stdout: str
    stderr: str
    runs: list[Run]

    def report(self) -> dict[str, Any]:
        status, out, _ = cli("report", str(self.store), "--json")
        assert status == 0
        return json.loads(out)

    def runs_text(self) -> str:
        status, out, err = cli("runs", str(self.store))
        assert status == 0
        return out + err


def cli(*args: str) -> tuple[int, str, str]:
    """`python -m extract ARGS` in this process (the command line's own entry point)."""
    out, err = io.StringIO(), io.StringIO()
    with contextlib.redirect_stdout(out), contextlib.redirect_stderr(err):
        status = extract_main(list(args))
    return status, out.getvalue(), err.getvalue()


@pytest.fixture(scope="session")
def corpus(tmp_path_factory: pytest.TempPathFactory) -> Corpus:
    return build_corpus(tmp_path_factory.mktemp("stacks"))


@pytest.fixture(scope="session")
def extracted(corpus: Corpus, tmp_path_factory: pytest.TempPathFactory) -> dict[str, Extraction]:
    stores = tmp_path_factory.mktemp("stack_stores")
    result = {}
    for study in STUDIES:
        store = stores / f"{study}.h5"
        status, out, err = cli("offline", str(corpus.study(study)), "-o", str(store))
        runs = load_runs(store) if status == 0 else []
        result[study] = Extraction(store, status, out, err, runs)
    store = stores / "csv.h5"
    status, out, err = cli("csv", str(corpus.csv), "-o", str(store))
    result["csv"] = Extraction(store, status, out, err, load_runs(store) if status == 0 else [])
    return result


def described(runs: list[Run]) -> str:
    return "\n" + "\n".join(
        f"{r.name} [{r.run_id}] {r.platform} gpus={r.gpus} nodes={r.nodes} epochs={r.epochs} "
        f"done={r.epochs_done} state={r.state} "
        + "; ".join(f"{k}: {v.describe()}" for k, v in r.evidence.items())
        for r in runs
    )


def training(extraction: Extraction, corpus: Corpus | None, case: Expected) -> Run:
    """The one run that stands for a training: any of its ranks' W&B ids, or its group's name;
    CSV rows by name."""
    if corpus is None:
        found = [r for r in extraction.runs if r.name == case.key]
    else:
        members = corpus.members(case.key)
        ids = {m["id"] for m in members}
        groups = {m["group"] for m in members if m.get("group")}
        found = [r for r in extraction.runs if r.run_id in ids or r.name in groups]
    assert len(found) == 1, (
        f"{case.key}: {len(found)} runs stand for this one training of {case.members} "
        f"W&B run(s) ({case.case}){described(extraction.runs)}"
    )
    return found[0]


def figures_of(report: dict[str, Any], run: Run) -> dict[str, Any]:
    return next(f for f in report["runs"] if f["run_id"] == run.run_id)


def check_facts(run: Run, case: Expected, runs: list[Run]) -> None:
    wrong = []
    for fact, want in case.facts.items():
        got = getattr(run, fact)
        if isinstance(want, tuple):
            ok = got in want
        elif isinstance(want, float) and got is not None:
            ok = math.isclose(got, want, abs_tol=case.epochs_tolerance or 1e-9)
        else:
            ok = got == want
        if not ok:
            wrong.append(f"{fact} = {got!r}, should be {want!r}")
    assert not wrong, f"{case.key} ({case.case}): " + "; ".join(wrong) + described(runs)


# --- the corpus itself ------------------------------------------------------------------------


def test_the_corpus_is_what_the_stacks_write(corpus: Corpus):
    manifest = corpus.manifest
    # method 2: every rank its own run, all ranks of a training in one group
    for case in [e for e in EXPECTED if e.members > 1]:
        members = corpus.members(case.key)
        assert len(members) == case.members
        assert len({m["group"] for m in members}) == 1
        # the ranks ran at the same time (what tells them from a sweep's runs)
        assert max(m["began"] for m in members) < min(m["ended"] for m in members)
    workers = [
        m for k, m in manifest.items() if k.startswith("grouped-") and m["job_type"] == "worker"
    ]
    assert workers and all(not m["rows"] for m in workers)  # workers log nothing
    # the study-name group: two runs, one after the other
    first, second = manifest["method1-8"], manifest["method1-16"]
    assert first["group"] == second["group"] and first["ended"] < second["began"]
    # the epoch count at each epoch's end: 1, 2 and no third (stopped 40% into it)
    counted = [r["epoch"] for r in manifest["laptop-count"]["rows"] if "epoch" in r]
    assert counted == [1, 2]
    assert sum("batch_loss" in r for r in manifest["laptop-count"]["rows"]) == 96  # 2.4 x 40
    # what wandb recorded: Slurm and the machine, in the run files themselves
    from extract.sources.wandb_files import find_run_files, read_run_file

    (slurm_file,) = find_run_files([corpus.study("conflict")])
    environment = read_run_file(slurm_file).environment
    assert environment["slurm.job_id"] == 7730115 and environment["cpu_count"] == 128
    assert "gpu_count" not in environment
    grouped = [read_run_file(f).environment for f in find_run_files([corpus.study("grouped")])]
    assert {e["gpu_count"] for e in grouped} == {4}
    assert not any(k.startswith("slurm.") for e in grouped for k in e)


def test_every_study_extracts(extracted: dict[str, Extraction]):
    failed = {s: e.stderr for s, e in extracted.items() if e.status != 0}
    assert not failed


@pytest.mark.parametrize("study", STUDIES)
def test_one_run_per_training(study: str, corpus: Corpus, extracted: dict[str, Extraction]):
    """Ranks of one training (one group, same time) are one run; a group used as a study name
    keeps its runs apart."""
    trainings = [e for e in EXPECTED if e.study == study]
    runs = extracted[study].runs
    assert len(runs) == len(trainings), (
        f"{study}: {len(runs)} runs for {len(trainings)} trainings of "
        f"{sum(e.members for e in trainings)} W&B runs" + described(runs)
    )


# --- facts ------------------------------------------------------------------------------------


@pytest.mark.parametrize("key", [e.key for e in EXPECTED])
def test_facts(key: str, corpus: Corpus, extracted: dict[str, Extraction]):
    case = next(e for e in EXPECTED if e.key == key)
    extraction = extracted[case.study]
    check_facts(training(extraction, corpus, case), case, extraction.runs)


@pytest.mark.parametrize("key", [e.key for e in EXPECTED_CSV])
def test_facts_from_a_hydra_runs_table(key: str, extracted: dict[str, Extraction]):
    """Dotted columns of a W&B export (`trainer.devices`, `trainer.num_nodes`) are config."""
    case = next(e for e in EXPECTED_CSV if e.key == key)
    extraction = extracted["csv"]
    check_facts(training(extraction, None, case), case, extraction.runs)


@pytest.mark.parametrize("key", [e.key for e in EXPECTED if e.accuracy_key])
def test_accuracy_key_and_best(key: str, corpus: Corpus, extracted: dict[str, Extraction]):
    """Accuracy is found by its path's last part and common spellings (`val/accuracy`, `top1`,
    `eval_accuracy`, `accuracy.accuracy`), validation before a running training accuracy, in
    percent."""
    case = next(e for e in EXPECTED if e.key == key)
    extraction = extracted[case.study]
    run = training(extraction, corpus, case)
    figures = figures_of(extraction.report(), run)
    assert (figures["accuracy_key"], figures["best_accuracy"]) == (
        case.accuracy_key,
        pytest.approx(case.best_accuracy, abs=0.05),
    ), f"{key}: logged keys {sorted(map(str, run.history.columns))}"


def test_best_accuracy_headline_is_validation_and_named(extracted: dict[str, Extraction]):
    """The study's table: a running accuracy of 100 (memorised) beside a validation accuracy
    that peaks at 98: the headline is 98, under its key."""
    best = extracted["metrics"].report()["best_accuracy"]
    assert best is not None
    assert (best["key"], best["percent"], best["run"]) == ("val_accuracy", 98.0, "metrics-running")


def test_grouped_training_takes_rank_zero_history_and_the_group_span(
    corpus: Corpus, extracted: dict[str, Extraction]
):
    """History from the rank that logged metrics; time from the group's wall span as the run
    files record it (first start to last end), never the ranks' times added up."""
    from extract.sources.wandb_files import find_run_files, read_run_file

    files = {}
    for path in find_run_files([corpus.study("grouped")]):
        part = read_run_file(path)
        files[part.run_id] = part
    for case in [e for e in EXPECTED if e.study == "grouped"]:
        run = training(extracted["grouped"], corpus, case)
        assert "val_accuracy" in run.history, f"{case.key}: history of a rank that logged nothing"
        assert run.history["val_accuracy"].max() == case.best_accuracy
        parts = [files[m["id"]] for m in corpus.members(case.key)]
        starts = [p.start_time or math.nan for p in parts]
        span = max(s + p.measured_runtime() for s, p in zip(starts, parts, strict=True)) - min(
            starts
        )
        assert run.time_s == pytest.approx(span, abs=1.0), (case.key, run.time_s, span)


# --- machine facts, job facts, conflicts --------------------------------------------------------


@pytest.mark.parametrize("key", [e.key for e in EXPECTED if e.machine_gpus])
def test_a_machine_gpu_count_is_said_as_such(
    key: str, corpus: Corpus, extracted: dict[str, Extraction]
):
    """wandb's gpu_count alone is a bound ("N GPUs on the machine"), in the report and warned,
    never the job's size."""
    case = next(e for e in EXPECTED if e.key == key)
    extraction = extracted[case.study]
    run = training(extraction, corpus, case)
    report = extraction.report()
    figures = figures_of(report, run)
    texts = [*figures["evidence"].values(), *report["warnings"]]
    said = [t for t in texts if "on the machine" in t and str(case.machine_gpus) in t]
    assert said, f"{key}: nothing says '{case.machine_gpus} GPUs on the machine': {texts}"
    assert any(run.name in w and "on the machine" in w for w in report["warnings"]), report[
        "warnings"
    ]
    if run.gpus is not None:  # if a count is kept at all, it is marked as the machine's
        assert "machine" in figures["evidence"].get("gpus", ""), figures["evidence"]
    assert f"{case.machine_gpus} GPUs" not in figures["label"] or "machine" in figures["label"]
    assert "machine" in extraction.runs_text()


def test_job_facts_beat_the_machine(corpus: Corpus, extracted: dict[str, Extraction]):
    """A 1-GPU training on a 4-GPU node is 1 GPU (its world size); an 8-GPU Slurm job on 4-GPU
    nodes is 8, decided by the allocation, not by gpu_count."""
    one = training(extracted["grouped"], corpus, next(e for e in EXPECTED if e.key == "grouped-1"))
    assert one.gpus == 1 and "gpu_count" not in one.evidence["gpus"].describe()
    case = next(e for e in EXPECTED if e.key == "machine-slurm8")
    slurm = training(extracted["machine"], corpus, case)
    assert (slurm.gpus, slurm.nodes) == (8, 2)
    assert "slurm" in slurm.evidence["gpus"].describe()


@pytest.mark.parametrize("key", [e.key for e in EXPECTED if e.decided_by])
def test_the_job_fact_decides(key: str, corpus: Corpus, extracted: dict[str, Extraction]):
    """DeepSpeed's batch sizes say 8 GPUs where the machine shows 4."""
    case = next(e for e in EXPECTED if e.key == key)
    run = training(extracted[case.study], corpus, case)
    assert case.decided_by and "gpus" in run.evidence, described([run])
    assert case.decided_by in run.evidence["gpus"].describe(), described([run])


def test_a_cpu_job_in_slurm_is_no_laptop_and_the_conflict_is_said(
    corpus: Corpus, extracted: dict[str, Extraction]
):
    case = next(e for e in EXPECTED if e.key == "conflict-cpu")
    extraction = extracted["conflict"]
    run = training(extraction, corpus, case)
    report = extraction.report()
    figures = figures_of(report, run)
    assert run.platform != "laptop" and "Laptop" not in figures["label"]
    assert report["laptop_low_s"] is None and report["laptop_high_s"] is None
    warnings = [*report["warnings"], *extraction.stderr.splitlines()]
    named = [w for w in warnings if run.name in w and all(x in w.lower() for x in case.conflict)]
    assert named, f"no warning names {run.name} with {case.conflict}: {warnings}"


# --- epochs -------------------------------------------------------------------------------------


@pytest.mark.parametrize("key", [e.key for e in EXPECTED if e.estimate_epochs])
def test_a_stopped_laptop_is_estimated_from_its_own_pace(
    key: str, corpus: Corpus, extracted: dict[str, Extraction]
):
    """2.4 of 8 epochs in the measured time: start-up counted once, the full job is the time
    the first epoch was done (start-up included), then epoch 2's time for each of the 7 left;
    the epochs done said is 2.4, not 2."""
    case = next(e for e in EXPECTED if e.key == key)
    run = training(extracted[case.study], corpus, case)
    done = case.facts["epochs_done"]
    assert run.extrapolated and run.measured_s
    # when the epoch count reached 1 and 2: the last row of epoch 0 (an index logged with
    # every batch: an epoch ends when its last row is logged), or the count 1 logged at the
    # first epoch's end
    epoch = run.history["epoch"]
    if key == "laptop-index":
        first, second = (float(run.history.loc[epoch == k, "_runtime"].max()) for k in (0, 1))
    else:
        first, second = (float(run.history.loc[epoch == k, "_runtime"].min()) for k in (1, 2))
    estimate = first + (second - first) * (case.estimate_epochs - 1)
    assert run.time_s == pytest.approx(estimate), (
        f"{key}: estimate {run.time_s:.1f} s, not {estimate:.1f} s from epochs done at "
        f"{first:.1f} s and {second:.1f} s"
    )
    method = run.config["extrapolation_method"]
    assert method.endswith(f"{done:g} of {case.estimate_epochs:g} epochs measured"), method


def test_the_epochs_done_evidence_states_the_number_used(
    corpus: Corpus, extracted: dict[str, Extraction]
):
    for key in ("laptop-count", "laptop-index"):
        case = next(e for e in EXPECTED if e.key == key)
        run = training(extracted["laptop"], corpus, case)
        text = run.evidence["epochs_done"].describe()
        assert f"{case.facts['epochs_done']:g}" in text, f"{key}: {text}"


# --- the command line explains -----------------------------------------------------------------


@pytest.mark.parametrize(
    ("study", "name", "paths"),
    [
        ("hydra", "hydra-plain", ("trainer.devices", "trainer.num_nodes")),
        ("machine", "pretrain-2nodes", ("slurm.gpus_on_node", "slurm.nnodes")),
    ],
)
def test_runs_explain_names_the_rule_that_decided(
    study: str, name: str, paths: tuple[str, ...], extracted: dict[str, Extraction]
):
    """`python -m extract runs STORE --explain RUN`, as a user types it (in this process:
    tests/cli_run.py)."""
    result = run_cli(
        "runs", extracted[study].store, "--explain", name,
        cwd=PROJECT_ROOT, env={**os.environ, "COLUMNS": "200"},
    )  # fmt: skip
    assert result.returncode == 0, result.stderr
    text = result.stdout
    assert "decided" in text.lower() and all(path in text for path in paths), text


# --- properties ---------------------------------------------------------------------------------

PREFIXES = ("trainer", "model", "cfg", "run", "dist", "launcher", "hparams")
# job-size settings as stacks write them, with the GPU and node counts they mean
JOB_SIZES = [
    ({"world_size": 8}, 8, None),
    ({"devices": 4, "num_nodes": 2, "accelerator": "gpu"}, 8, 2),
    ({"total_gpus": 16, "nodes": 2}, 16, 2),
    ({"gpus_per_node": 4, "nodes": 3}, 12, 3),
]
NOISE = {"lr": 0.001, "seed": 7, "batch_size": 64, "optimizer": {"name": "adamw", "eps": 1e-8}}


def _facts(config: dict[str, Any], metadata: dict[str, Any] | None = None) -> RunFacts:
    return RunFacts(
        run_id="prop",
        name="prop-run",
        state="finished",
        runtime_s=100.0,
        config=config,
        summary={},
        history=pd.DataFrame({"_runtime": [50.0, 100.0]}),
        source="offline",
        metadata=metadata or {},
    )


def _nest(path: list[str], leaf: dict[str, Any], style: str) -> dict[str, Any]:
    """``leaf`` under ``path`` as nested dicts (wandb's config), dotted keys (a runs-table
    export) or slash keys (Lightning's flattened hyperparameters)."""
    if style == "nested":
        for part in reversed(path):
            leaf = {part: leaf}
        return leaf
    joiner = "." if style == "dotted" else "/"
    return {joiner.join([*path, key]): value for key, value in leaf.items()}


@settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(
    size=st.sampled_from(JOB_SIZES),
    path=st.lists(st.sampled_from(PREFIXES), min_size=1, max_size=4),
    style=st.sampled_from(("nested", "dotted", "slash")),
    noise_at=st.lists(st.sampled_from(PREFIXES), max_size=3),
)
def test_a_job_size_nested_anywhere_gives_the_flat_gpu_count(size, path, style, noise_at):
    settings_, gpus, nodes = size
    flat = make_run(_facts({**NOISE, **settings_}))
    assert flat.gpus == gpus  # the flat config is read today; nesting must not change it
    config = {**_nest(noise_at, dict(NOISE), "nested"), **_nest(path, dict(settings_), style)}
    nested = make_run(_facts(config))
    assert (nested.gpus, nested.nodes) == (flat.gpus, flat.nodes), config
    if nodes is not None:
        assert nested.nodes == nodes


@settings(max_examples=40, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(
    machine=st.integers(min_value=1, max_value=16),
    slurm_nodes=st.one_of(st.none(), st.integers(min_value=1, max_value=8)),
    path=st.lists(st.sampled_from(PREFIXES), max_size=3),
)
def test_a_machine_gpu_count_is_never_unmarked(machine, slurm_nodes, path):
    """Random evidence sets: wandb's gpu_count with or without a Slurm job (no GPUs per node
    in it), config noise nested anywhere. A GPU count decided from the machine alone says so."""
    metadata: dict[str, Any] = {"gpu_count": machine, "cpu_count": 64}
    if slurm_nodes is not None:
        metadata |= {"slurm.job_id": 1234, "slurm.nnodes": slurm_nodes}
    run = make_run(_facts(_nest(path, dict(NOISE), "nested"), metadata))
    if run.gpus is not None:
        assert "machine" in run.evidence["gpus"].describe(), run.evidence["gpus"]
    report = build_report([run])
    if run.gpus is not None or "gpus" not in run.evidence:
        assert any("on the machine" in w for w in report.warnings), report.warnings


@settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(
    per_node=st.integers(min_value=1, max_value=8),
    nodes=st.integers(min_value=1, max_value=4),
    tasks=st.one_of(st.none(), st.integers(min_value=1, max_value=32)),
    path=st.lists(st.sampled_from(PREFIXES), max_size=3),
)
def test_a_slurm_allocation_decides_only_when_every_gpu_has_a_task(per_node, nodes, tasks, path):
    """Random Slurm allocations, no size in the config: the job's GPUs are the allocation only
    when it ran a task per GPU; otherwise they are unknown and the allocation is said as a
    bound ("allocated by Slurm"), never passed off as the job's size."""
    metadata: dict[str, Any] = {
        "slurm.job_id": 4321,
        "slurm.nnodes": nodes,
        "slurm.gpus_on_node": per_node,
        "cpu_count": 64,
    }
    if tasks is not None:
        metadata["slurm.ntasks"] = tasks
    run = make_run(_facts(_nest(path, dict(NOISE), "nested"), metadata))
    allocated = per_node * nodes
    if tasks == allocated:
        assert run.gpus == allocated and "slurm" in run.evidence["gpus"].describe()
    else:
        assert run.gpus is None, (run.gpus, run.evidence.get("gpus"))
        report = build_report([run])
        assert any(
            f"{allocated:,} GPU" in w and "allocated by Slurm" in w for w in report.warnings
        ), report.warnings


@settings(max_examples=30, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(
    path=st.lists(st.sampled_from(PREFIXES), max_size=3),
    device=st.sampled_from(("cpu", "CPU")),
    key=st.sampled_from(("device", "device_type", "accelerator")),
)
def test_a_cpu_device_inside_a_slurm_job_is_warned(path, device, key):
    """Conflicting platform evidence (a CPU device, a Slurm job) is never silently decided."""
    metadata = {"slurm.job_id": 991, "slurm.nnodes": 1, "cpu_count": 128}
    run = make_run(_facts(_nest(path, {key: device, **NOISE}, "nested"), metadata))
    assert run.platform != "laptop"
    report = build_report([run])
    assert any("slurm" in w.lower() and "cpu" in w.lower() for w in report.warnings), (
        report.warnings
    )


def test_a_slurm_allocation_is_the_jobs_size_only_when_the_job_shows_it(
    corpus: Corpus, extracted: dict[str, Extraction]
):
    """One Slurm task on a whole 8-GPU node may be a torchrun of 1 process or of 8: the
    allocation is said as a bound, and the run left out; one task per GPU, or Lightning asking
    for every device it sees, makes the allocation the job's size."""
    extraction = extracted["allocation"]
    torchrun = training(extraction, corpus, expected("alloc-torchrun"))
    assert torchrun.gpus is None, described([torchrun])
    report = extraction.report()
    warned = [w for w in report["warnings"] if torchrun.name in w]
    assert warned and all("8 GPUs allocated by Slurm to 1 task" in w for w in warned), warned
    assert "Slurm gave 8" in extraction.runs_text()
    assert "allocated by Slurm" in json.dumps(figures_of(report, torchrun))
    status, out, _ = cli("runs", str(extraction.store), "--explain", torchrun.name)
    assert status == 0 and "[allocation, strength 0]" in out, out
    assert "note: 8 GPUs allocated by Slurm to 1 task" in out, out


def test_a_job_arrays_tasks_in_one_group_stay_apart(extracted: dict[str, Extraction]):
    """Three tasks of a Slurm job array, named 'task-N' in one W&B group and running at the same
    time, are three trainings: wandb recorded a Slurm job id for each."""
    extraction = extracted["sweep"]
    assert sorted(r.name for r in extraction.runs) == [f"lr-sweep-task-{t}" for t in (1, 2, 3)]
    said = extraction.stdout + extraction.stderr
    assert "3 Slurm jobs" in said and "separate trainings, kept apart" in said, said


@pytest.mark.parametrize("key", ["accelerate-glue", "epochs-noplan"])
def test_the_race_reads_epochs_as_the_run_logged_them(
    key: str, corpus: Corpus, extracted: dict[str, Extraction]
):
    """The race's progress at each epoch mark is the epochs complete then, over the epochs done:
    an index (Accelerate's `epoch`, 0-based) or a count (1..N) logged once at each epoch's END
    marks a finished epoch, and a finished run's bar ends full (a newcomer saw the bars of
    finished Accelerate runs stop at 2/3)."""
    from study.progress import progress_curve

    case = expected(key)
    run = training(extracted[case.study], corpus, case)
    curve = progress_curve(run)
    rows = run.history.dropna(subset=["epoch"])
    total = run.epochs_done
    assert run.finished and total and len(rows) == total, described([run])
    for mark, (_, row) in enumerate(rows.iterrows(), start=1):
        got = float(curve.at(float(row["_runtime"])))
        assert got == pytest.approx(mark / total, abs=0.02), (mark, got, curve)
    assert float(curve.at(run.time_s)) == pytest.approx(1.0)


def test_sweep_agents_in_one_slurm_job_are_trainings_of_their_own(
    extracted: dict[str, Extraction],
):
    """srun's four tasks number themselves 0..3 like ranks, but each agent ran its own trial
    (its own learning rate): four trainings, and the job's four GPUs are no one trial's size."""
    extraction = extracted["srunsweep"]
    assert len(extraction.runs) == 4 and all(r.gpus is None for r in extraction.runs)
    said = extraction.stdout + extraction.stderr
    assert "their config differs (lr:" in said, said
    assert "not any one run's size" in said, said


def test_runs_of_several_wandb_projects_are_said_to_be_mixed(corpus: Corpus, wandb_dir, tmp_path):
    """A folder of run files from several W&B projects (a newcomer's wandb/ held four) is not
    one training job compared on different hardware: the extraction says so."""
    runs_dir, _ = wandb_dir
    status, _, err = cli(
        "offline", str(corpus.study("machine")), str(runs_dir), "-o", str(tmp_path / "mixed.h5")
    )
    assert status == 0 and "the runs come from 2 W&B projects (scaling, stacks)" in err, err
