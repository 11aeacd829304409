"""The right facts on projects logged in the stacks' own words (issue 28): a run per node, a
progress counter logged after training, keys added after a warm-up, a library's default in the
config, a metric's scale over the whole study.

The corpus (tests/stack_words.py) is written by the real wandb SDK in child processes; each
study is extracted the way a user would (`python -m extract offline DIR -o STORE`) and every
training is checked against what its author knows it was.
"""

from __future__ import annotations

import contextlib
import io
import json
import math
from dataclasses import dataclass, replace
from pathlib import Path
from typing import Any

import pandas as pd
import pytest

from extract.__main__ import main as extract_main
from extract.groups import join_ranks
from extract.model import Run
from extract.rules import planned_epochs
from extract.runs import RunFacts, make_run
from extract.store import load_runs
from extract.unknown import unknown_facts
from tests.stack_words import EXPECTED, Corpus, Expected, build_corpus, expected

STUDIES = sorted({e.study for e in EXPECTED})


@dataclass
class Extraction:
    store: Path
    status: int
    stderr: str
    runs: list[Run]

    def report(self) -> dict[str, Any]:
        status, out, _ = cli("report", str(self.store), "--json")
        assert status == 0
        return json.loads(out)


def cli(*args: str) -> tuple[int, str, str]:
    out, err = io.StringIO(), io.StringIO()
    with contextlib.redirect_stdout(out), contextlib.redirect_stderr(err):
        status = extract_main(list(args))
    return status, out.getvalue(), err.getvalue()


@pytest.fixture(scope="module")
def corpus(tmp_path_factory: pytest.TempPathFactory) -> Corpus:
    return build_corpus(tmp_path_factory.mktemp("words"))


@pytest.fixture(scope="module")
def extracted(corpus: Corpus, tmp_path_factory: pytest.TempPathFactory) -> dict[str, Extraction]:
    stores = tmp_path_factory.mktemp("word_stores")
    result = {}
    for study in STUDIES:
        store = stores / f"{study}.h5"
        status, _, err = cli("offline", str(corpus.study(study)), "-o", str(store))
        result[study] = Extraction(store, status, err, load_runs(store) if status == 0 else [])
    return result


def described(runs: list[Run]) -> str:
    return "\n" + "\n".join(
        f"{r.name} [{r.run_id}] {r.platform} gpus={r.gpus} nodes={r.nodes} epochs={r.epochs} "
        f"done={r.epochs_done} state={r.state} "
        + "; ".join(f"{k}: {v.describe()}" for k, v in r.evidence.items())
        + (" | " + " | ".join(r.notes) if r.notes else "")
        for r in runs
    )


def training(extraction: Extraction, corpus: Corpus, case: Expected) -> Run:
    members = corpus.members(case.key)
    assert len(members) == case.members, (case.key, members)
    ids = {m["id"] for m in members}
    groups = {m["group"] for m in members if m.get("group")}
    found = [r for r in extraction.runs if r.run_id in ids or r.name in groups]
    assert len(found) == 1, (
        f"{case.key}: {len(found)} runs stand for this one training of {case.members} W&B "
        f"run(s) ({case.case}){described(extraction.runs)}"
    )
    return found[0]


def test_every_study_extracts(extracted: dict[str, Extraction]):
    assert not {s: e.stderr for s, e in extracted.items() if e.status != 0}


@pytest.mark.parametrize("key", [e.key for e in EXPECTED])
def test_facts(key: str, corpus: Corpus, extracted: dict[str, Extraction]):
    case = expected(key)
    extraction = extracted[case.study]
    run = training(extraction, corpus, case)
    wrong = []
    for fact, want in case.facts.items():
        got = getattr(run, fact)
        if isinstance(want, float) and got is not None:
            ok = math.isclose(got, want, abs_tol=case.tolerance)
        else:
            ok = got == want
        if not ok:
            wrong.append(f"{fact} = {got!r}, should be {want!r}")
    assert not wrong, f"{key} ({case.case}): " + "; ".join(wrong) + described(extraction.runs)


# --- 1: a run per node ------------------------------------------------------------------------


def test_a_node_runs_gpus_are_its_local_world_size(
    corpus: Corpus, extracted: dict[str, Extraction]
):
    """Two runs of one group, one per node (node_rank 0 and 1), each with LOCAL_WORLD_SIZE 8:
    16 GPUs, said as the sum over the node runs, and never the count of runs."""
    run = training(extracted["nodes"], corpus, expected("nodes-2x8"))
    said = run.evidence["gpus"].describe()
    assert "local_world_size" in said and "8 + 8" in said, described([run])
    assert run.ranks == 2


def _rank_run(rank: int, node: int, config: dict[str, Any]) -> RunFacts:
    return RunFacts(
        run_id=f"r{rank}",
        name=f"rank-{rank}",
        state="finished",
        runtime_s=100.0,
        config={"epochs": 1, **config},
        summary={},
        history=pd.DataFrame({"_runtime": [50.0, 100.0], "loss": [1.0, 0.5]}),
        source="offline",
        created_at=f"2025-08-07T10:00:0{rank}Z",
        group="ddp-2x2",
    )


def test_ranks_that_share_a_node_are_a_gpu_each():
    """Every rank logs (4 runs), each naming its node and LOCAL_WORLD_SIZE 2: two runs per
    node are ranks, not node runs: 4 GPUs, not 2 + 2 + 2 + 2."""
    ranks = [
        _rank_run(r, r // 2, {"rank": r, "node_rank": r // 2, "local_world_size": 2})
        for r in range(4)
    ]
    (joined,), _ = join_ranks(ranks)
    run = make_run(joined)
    assert run.gpus == 4 and "ranks" in run.evidence["gpus"].describe()
    # one run per node (local rank 0 of each logs): 2 + 2
    nodes = [_rank_run(n, n, {"node_rank": n, "local_world_size": 2}) for n in range(2)]
    (joined,), notes = join_ranks(nodes)
    run = make_run(joined)
    assert run.gpus == 4 and "2 + 2" in run.evidence["gpus"].describe(), notes
    assert run.nodes == 2


# --- 2: progress marked after training ----------------------------------------------------------


def test_a_counter_logged_after_training_is_what_was_done(
    corpus: Corpus, extracted: dict[str, Extraction]
):
    """Lightning's test row after fit carries epoch = max_epochs at the last global step: the
    count of epochs done, never the start of one more; the evidence says so."""
    run = training(extracted["after"], corpus, expected("lightning-test-4"))
    said = run.evidence["epochs_done"].describe()
    assert "after the last training step" in said, described([run])
    assert not any("epochs done" in n for n in run.notes), run.notes


# --- 3: training rows by the step counter --------------------------------------------------------


def test_training_rows_are_told_by_the_step_counter(
    corpus: Corpus, extracted: dict[str, Extraction]
):
    """The warm-up epoch's rows lack the lr key the later rows carry; they advance global_step,
    so they are training rows, and the last epoch's share is 5 of 10."""
    run = training(extracted["warmup"], corpus, expected("warmup"))
    said = run.evidence["epochs_done"].describe()
    assert "global_step" in said and "lr" not in said.split("global_step")[0], described([run])


# --- 4: a library's default ------------------------------------------------------------------


def test_a_librarys_default_is_below_what_wandb_saw(
    corpus: Corpus, extracted: dict[str, Extraction]
):
    """MMEngine's default dist backend (nccl) on a machine where wandb saw no GPU and no Slurm
    job: a CPU machine, said with the default it outranked."""
    run = training(extracted["defaults"], corpus, expected("mmengine-cpu"))
    assert "gpu_count" in run.evidence["platform"].key, described([run])
    said = " ".join(run.notes)
    assert "MMEngine" in said and "default" in said and "nccl" in said, run.notes


# --- 5: percent or fraction per key over the study -----------------------------------------------


@pytest.mark.parametrize("key", [e.key for e in EXPECTED if e.best_accuracy is not None])
def test_a_metrics_scale_is_decided_over_the_study(
    key: str, corpus: Corpus, extracted: dict[str, Extraction]
):
    """`accuracy` runs to 70 in three runs: it is a percentage, in the diverged run too (1%,
    never 100%)."""
    case = expected(key)
    extraction = extracted[case.study]
    run = training(extraction, corpus, case)
    figures = next(f for f in extraction.report()["runs"] if f["run_id"] == run.run_id)
    assert figures["best_accuracy"] == pytest.approx(case.best_accuracy, abs=0.05), figures


def test_the_accuracy_curves_draw_the_studys_scale(extracted: dict[str, Extraction]):
    """AccuracyVsTime draws the diverged run at 1%, beside the others' 70%."""
    from study.plans import curves_plan
    from study.view import view_of

    plan = curves_plan(view_of(extracted["scale"].runs), "accuracy")
    peaks = {s.run.name: float(s.values.max()) for s in plan.series}
    assert peaks["scale-8-diverged"] == pytest.approx(1.0), peaks
    assert peaks["scale-1"] == pytest.approx(70.0), peaks


def test_the_scale_of_a_key_says_its_evidence(corpus: Corpus, extracted: dict[str, Extraction]):
    from study.metrics import study_scale

    runs = extracted["scale"].runs
    scale = study_scale(runs, "accuracy")
    assert scale.name == "percent"
    assert "scale-1" in scale.evidence.describe() and "70" in scale.evidence.describe()
    warnings = extracted["scale"].report()["warnings"]
    said = [w for w in warnings if "scale-8-diverged alone would read as a fraction" in w]
    assert said and "70 in scale-1" in said[0], warnings


# --- 6: the stacks' own words, and every unknown fact said -----------------------------------


@pytest.mark.parametrize(
    ("value", "epochs"),
    [(10, 10.0), (2.5, 2.5), ("3", 3.0), ("3ep", 3.0), ("12 EP", 12.0), ("1000ba", None),
     ("2sp", None), ("1tok", None), ("0.5dur", None), ("60sec", None), ("0ep", None), (-1, None)],
)  # fmt: skip
def test_planned_lengths_in_any_of_the_stacks_forms(value: Any, epochs: float | None):
    """One function reads a planned length: a number of epochs or a duration string in epochs
    (Composer's '3ep'); a length in batches, samples, tokens or time is no count of epochs."""
    assert planned_epochs("max_duration", value) == epochs


def test_ray_trains_workers_are_gpus_only_with_use_gpu():
    """Ray Train's ScalingConfig: num_workers GPUs with use_gpu (times resources_per_worker's
    GPU), none without; a data loader's num_workers is never a GPU count."""

    def gpus(config: dict[str, Any]) -> int | None:
        return make_run(_rank_run(0, 0, config)).gpus

    assert gpus({"scaling_config": {"num_workers": 4, "use_gpu": True}}) == 4
    two_each = {"num_workers": 4, "use_gpu": True, "resources_per_worker": {"GPU": 2}}
    assert gpus({"scaling_config": two_each}) == 8
    assert gpus({"scaling_config": {"num_workers": 4, "use_gpu": False}}) is None
    assert gpus({"num_workers": 8, "device": "cuda"}) is None


def test_accuracy_under_a_metric_class_name(corpus: Corpus, extracted: dict[str, Extraction]):
    """Composer logs torchmetrics' class name (``metrics/eval/MulticlassAccuracy``, a
    fraction): it is the study's accuracy, in percent."""
    extraction = extracted["words"]
    run = training(extraction, corpus, expected("composer-3ep"))
    report = extraction.report()
    figures = next(f for f in report["runs"] if f["run_id"] == run.run_id)
    assert report["accuracy_key"] == "metrics/eval/MulticlassAccuracy", report["accuracy_key"]
    assert figures["best_accuracy"] == pytest.approx(80.0), figures


def test_a_plan_in_steps_without_steps_per_epoch_is_unknown_and_said():
    """max_steps overrides num_train_epochs; where the run logged no steps per epoch the plan
    is unknown, never num_train_epochs' default, and --unknown names both as seen."""
    config = {"num_train_epochs": 3.0, "max_steps": 30, "world_size": 4}
    run = make_run(replace(_rank_run(0, 0, {}), config=config))
    assert run.epochs is None
    (fact,) = [u for u in unknown_facts([run]) if u.fact == "epochs"]
    assert "max_steps = 30" in fact.seen and "num_train_epochs = 3.0" in fact.seen, fact.seen
