"""Every common stack's own words, measured (issue 28): one scaling study per stack
(tests/stack_studies.py, written by the real wandb SDK in child processes), each extracted the
way a user would (`python -m extract offline DIR -o STORE`), and every fact of every run
compared with what a careful person states from its files.

The measure, counted per fact: no fact is wrong (a value where the files say none is wrong
too), and of the facts a careful person can state at most 1 in 20 is left unknown. The failure
message prints the whole table.
"""

from __future__ import annotations

import contextlib
import io
import json
import math
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest

from extract.__main__ import main as extract_main
from extract.model import Run
from extract.store import load_runs
from tests.stack_studies import EXPECTED, FACTS, STUDIES, Corpus, Expected, build_corpus

UNKNOWN_SHARE = 1 / 20


def cli(*args: str) -> tuple[int, str, str]:
    out, err = io.StringIO(), io.StringIO()
    with contextlib.redirect_stdout(out), contextlib.redirect_stderr(err):
        status = extract_main(list(args))
    return status, out.getvalue(), err.getvalue()


@dataclass
class Study:
    store: Path
    runs: list[Run]
    report: dict[str, Any]


@pytest.fixture(scope="module")
def corpus(tmp_path_factory: pytest.TempPathFactory) -> Corpus:
    return build_corpus(tmp_path_factory.mktemp("studies"))


@pytest.fixture(scope="module")
def studies(corpus: Corpus, tmp_path_factory: pytest.TempPathFactory) -> dict[str, Study]:
    stores = tmp_path_factory.mktemp("study_stores")
    found = {}
    for name in STUDIES:
        store = stores / f"{name}.h5"
        status, _, err = cli("offline", str(corpus.study(name)), "-o", str(store))
        assert status == 0, err
        status, out, err = cli("report", str(store), "--json")
        assert status == 0, err
        found[name] = Study(store, load_runs(store), json.loads(out))
    return found


# the key each stack's logger or script puts its held-out accuracy under
ACCURACY_KEYS = {
    "deepspeed": "accuracy",
    "nemo": "val_epoch_top@1",
    "horovod": "test_accuracy",
    "keras": "epoch/val_accuracy",
    "fastai": "accuracy",
    "timm": "eval_top1",
    "flax": "eval_accuracy",
    "mmengine": "accuracy/top1",
    "composer": "metrics/eval/MulticlassAccuracy",
}


def _want(case: Expected, fact: str) -> Any:
    if fact == "time":
        # every run's own wall time is in its file (no stopped laptop here needs an estimate)
        return "measured"
    if fact == "accuracy_key":
        return ACCURACY_KEYS[case.study] if case.facts.get("accuracy") is not None else None
    return case.facts[fact]


def _got(run: Run, fact: str, study: Study) -> Any:
    if fact == "time":
        if not run.time_s or run.measured_s is None:
            return None
        return "measured" if not run.extrapolated and run.time_s == run.measured_s else "estimate"
    if fact in ("accuracy", "accuracy_key"):
        figures = next(f for f in study.report["runs"] if f["run_id"] == run.run_id)
        return figures.get("best_accuracy" if fact == "accuracy" else "accuracy_key")
    if fact == "platform":
        return None if run.platform == "unknown" else run.platform
    return getattr(run, fact)


def _right(want: Any, got: Any, tolerance: float) -> bool:
    if isinstance(want, int | float) and isinstance(got, int | float):
        return math.isclose(float(got), float(want), abs_tol=max(tolerance, 0.05))
    return bool(got == want)


@dataclass(frozen=True)
class Cell:
    case: Expected
    fact: str
    want: Any
    got: Any
    verdict: str  # right, wrong, unknown (a person could state it), or "-" (the files do not say)


def measure(corpus: Corpus, studies: dict[str, Study]) -> list[Cell]:
    cells = []
    for case in EXPECTED:
        study = studies[case.study]
        logged = corpus.manifest[case.key]["id"]
        (run,) = [r for r in study.runs if r.run_id == logged]
        for fact in (*FACTS, "time", "accuracy_key"):
            if fact not in case.facts and fact not in ("time", "accuracy_key"):
                continue
            want, got = _want(case, fact), _got(run, fact, study)
            if want is None:
                verdict = "-" if got is None else "wrong"
            elif got is None:
                verdict = "unknown"
            else:
                verdict = "right" if _right(want, got, case.tolerance) else "wrong"
            cells.append(Cell(case, fact, want, got, verdict))
    return cells


def table(cells: list[Cell]) -> str:
    shown_facts = (*FACTS, "time", "accuracy_key")
    lines = [f"{'study':<10} {'run':<20} " + " ".join(f"{f:<13}" for f in shown_facts)]
    for case in EXPECTED:
        own = {c.fact: c for c in cells if c.case is case}
        shown = []
        for fact in shown_facts:
            cell = own.get(fact)
            if cell is None:
                shown.append(f"{'':<13}")
                continue
            mark = {"right": "", "-": "", "wrong": "WRONG ", "unknown": "UNKNOWN "}[cell.verdict]
            text = (
                f"{mark}{cell.got}" if cell.verdict != "wrong" else f"{mark}{cell.got}!={cell.want}"
            )
            shown.append(f"{text:<13}")
        lines.append(f"{case.study:<10} {case.key:<20} " + " ".join(shown))
    stateable = [c for c in cells if c.want is not None]
    wrong = [c for c in cells if c.verdict == "wrong"]
    unknown = [c for c in cells if c.verdict == "unknown"]
    lines.append(
        f"{len(wrong)} wrong of {len(cells)} facts; {len(unknown)} unknown of {len(stateable)} "
        f"a careful person states ({len(unknown) / max(len(stateable), 1):.1%}, at most "
        f"{UNKNOWN_SHARE:.0%})"
    )
    return "\n".join(lines)


def test_every_stacks_study_no_fact_wrong_and_few_unknown(
    corpus: Corpus, studies: dict[str, Study]
):
    cells = measure(corpus, studies)
    wrong = [c for c in cells if c.verdict == "wrong"]
    unknown = [c for c in cells if c.verdict == "unknown"]
    stateable = [c for c in cells if c.want is not None]
    assert len(cells) > 200, len(cells)
    assert not wrong and len(unknown) <= UNKNOWN_SHARE * len(stateable), "\n" + table(cells)


def test_every_stack_of_the_brief_has_a_scaling_study():
    """Several GPU counts and a laptop run for each stack (DeepSpeed's none: its launcher and
    monitor are for GPU jobs), a stopped run where the stack's logging makes one natural."""
    for study in STUDIES:
        cases = [e for e in EXPECTED if e.study == study]
        gpus = {e.facts.get("gpus") for e in cases if e.facts.get("platform") == "cluster"}
        assert len(gpus) >= 2, (study, gpus)
        laptops = [e for e in cases if e.facts.get("platform") == "laptop"]
        assert laptops or study == "deepspeed", study
    stopped = {e.study for e in EXPECTED if e.facts.get("state") == "failed"}
    assert stopped >= {"deepspeed", "horovod", "keras", "fastai", "timm", "mmengine", "composer"}
    assert set(STUDIES) >= {
        "deepspeed", "nemo", "horovod", "keras", "fastai", "timm", "flax", "mmengine", "composer"
    }  # fmt: skip


# --- what the measure rests on, each failing before its change ---------------------------------


@pytest.mark.parametrize(
    ("value", "per_epoch", "epochs"),
    [("60ba", {"ba": 20.0}, 3.0), ("15360sp", {"sp": 5120.0}, 3.0),
     ("60ba", {"sp": 5120.0}, None), ("1000ba", {}, None), ("3ep", {"ba": 20.0}, 3.0),
     (4, {"ba": 20.0}, 4.0), ("1tok", {"ba": 1.0}, None)],
)  # fmt: skip
def test_one_function_reads_a_planned_length_in_its_unit(
    value: Any, per_epoch: dict[str, float], epochs: float | None
):
    """Composer's batches ('ba') and samples ('sp') are epochs only over the run's own count of
    them in an epoch; without it, no count of epochs."""
    from extract.rules import planned_epochs

    assert planned_epochs("max_duration", value, per_epoch) == epochs


def _run_of(corpus: Corpus, studies: dict[str, Study], key: str) -> Run:
    case = next(e for e in EXPECTED if e.key == key)
    logged = corpus.manifest[key]["id"]
    return next(r for r in studies[case.study].runs if r.run_id == logged)


def test_composer_plans_in_batches_and_samples_are_epochs_by_its_counters(
    corpus: Corpus, studies: dict[str, Study]
):
    for key, said in (("composer-16-ba", "60ba / 20"), ("composer-16-sp", "15360sp / 5120")):
        run = _run_of(corpus, studies, key)
        assert run.epochs == 3.0 and run.evidence["epochs"].value == said, run.evidence


def test_a_laptop_and_a_one_gpu_job_are_one_machine_by_principle(
    corpus: Corpus, studies: dict[str, Study]
):
    """Nodes no file counts, where there cannot be more than one: said as a principle."""
    laptop = _run_of(corpus, studies, "timm-laptop")
    assert laptop.nodes == 1 and laptop.evidence["nodes"].source == "principle"
    one = _run_of(corpus, studies, "fastai-1")  # device cuda on a machine with one GPU
    assert (one.gpus, one.nodes) == (1, 1), one.evidence
    assert "names a GPU device" in one.evidence["gpus"].value
    assert one.evidence["nodes"].source == "principle"
    # several GPUs with nothing said of nodes: unknown, never a guess
    assert _run_of(corpus, studies, "timm-4").nodes is None


def test_unknown_lists_what_can_be_settled_with_what_was_seen_and_its_line(
    studies: dict[str, Study], tmp_path: Path
):
    """`runs --unknown`: Composer's '10ba' ended inside its first epoch: the plan is said in its
    unit (batches) and the epochs done with the counters that put it inside an epoch, each with
    the study-file line that settles it; the report counts the unknown facts; filled in, the
    lines settle them."""
    store = str(studies["composer"].store)
    study = tmp_path / "study.toml"
    study.write_text("")
    status, out, _ = cli("runs", store, "--unknown", "--study", str(study))
    assert status == 0
    lines = [x for x in out.splitlines() if x.startswith("composer-8-ba-short")]
    assert len(lines) == 2, out
    plan, done = lines
    assert "epochs unknown" in plan and "max_duration = 10ba (10 batches" in plan, plan
    assert "does not apply" not in out and "Composer:" not in out, out
    assert "epochs_done unknown" in done and "time/batch_in_epoch = 10" in done, done
    settles = [x.split(f"under [runs] in {study}: ")[-1] for x in lines]
    assert settles == [
        "composer-8-ba-short = { epochs = N }",
        "composer-8-ba-short = { epochs_done = N }",
    ]
    assert out.splitlines()[-1].startswith("2 of 29 facts unknown, in 1 of 6 runs"), out
    status, out, _ = cli("report", store, "--json", "--study", str(study))
    assert (json.loads(out)["unknown_facts"], json.loads(out)["facts_asked"]) == (2, 29)
    study.write_text("[runs]\ncomposer-8-ba-short = { epochs = 1, epochs_done = 0.5 }\n")
    status, out, _ = cli("runs", store, "--unknown", "--study", str(study))
    assert out.splitlines() == ["0 of 29 facts unknown, in 0 of 6 runs of composer.h5"], out


def test_unknown_counts_no_fact_no_file_speaks_of(studies: dict[str, Study], tmp_path: Path):
    """Keras' MirroredStrategy runs of 2 and 4 replicas say nothing of nodes (no count, no Slurm
    job, no rank): not counted as unknown facts, named once, with how to state them; laptops
    and the one-replica run are one machine."""
    store = str(studies["keras"].store)
    status, out, _ = cli("runs", store, "--unknown")
    assert status == 0
    *listed, count = out.splitlines()
    (silent,) = listed
    assert silent.startswith("nodes of 4 runs (") and "no file of theirs speaks of nodes" in silent
    assert count.startswith("0 of ") and "in 0 of 6 runs" in count, out


def _facts(config: dict[str, Any], machine: dict[str, Any]) -> Run:
    import pandas as pd

    from extract.runs import RunFacts, make_run

    facts = RunFacts(
        run_id="r",
        name="r",
        state="finished",
        runtime_s=10.0,
        config=config,
        summary={},
        history=pd.DataFrame({"_runtime": [5.0, 10.0], "loss": [1.0, 0.5]}),
        source="offline",
        metadata=machine,
    )
    return make_run(facts)


def test_replicas_are_gpus_only_where_gpus_were_seen():
    """tf.distribute's num_replicas_in_sync counts GPUs where wandb saw GPUs or a Slurm job; on
    a CPU-only machine its one replica is the CPU (a laptop, no GPU count)."""
    gpu_node = _facts({"num_replicas_in_sync": 4}, {"gpu_count": 4, "cpu_count": 32})
    assert (gpu_node.platform, gpu_node.gpus) == ("cluster", 4)
    laptop = _facts({"num_replicas_in_sync": 1}, {"cpu_count": 4, "cpu_count_logical": 8})
    assert (laptop.platform, laptop.gpus, laptop.nodes) == ("laptop", None, 1)


def test_a_gpu_job_on_a_one_gpu_machine_and_no_more():
    """A GPU device on a machine with one GPU: 1 GPU; on a machine with 4 the count stays
    unknown (a bound), and a job that named no device is not counted from the machine."""
    assert _facts({"device": "cuda"}, {"gpu_count": 1, "cpu_count": 16}).gpus == 1
    four = _facts({"device": "cuda"}, {"gpu_count": 4, "cpu_count": 32})
    assert (four.gpus, four.gpus_on_machine, four.nodes) == (None, 4, None)
    assert _facts({"lr": 0.1}, {"gpu_count": 1, "cpu_count": 16}).gpus is None


def test_lightnings_auto_accelerator_takes_the_gpus_wandb_saw():
    """NeMo's configs leave accelerator at 'auto', which Lightning resolves to the GPUs where
    there are any: devices 2 on a 4-GPU machine is 2 GPUs; on a CPU-only machine no GPU."""
    config = {"trainer/devices": 2, "trainer/accelerator": "auto", "trainer/num_nodes": 1}
    assert _facts(config, {"gpu_count": 4, "cpu_count": 32}).gpus == 2
    laptop = _facts(config, {"cpu_count": 4, "cpu_count_logical": 8})
    assert (laptop.platform, laptop.gpus) == ("laptop", None)


def test_the_nemo_study_names_its_auto_accelerator_run_by_its_devices(
    corpus: Corpus, studies: dict[str, Study]
):
    run = _run_of(corpus, studies, "nemo-2-auto")
    assert run.gpus == 2 and "trainer/devices" in run.evidence["gpus"].key, run.evidence


def test_beside_a_training_loss_a_keras_run_is_read_from_its_own_training_loss(
    studies: dict[str, Study],
):
    """Keras' WandbMetricsLogger logs epoch/loss (the training loss, no split named) and
    epoch/val_loss: beside a study key of training loss, the run's own key is epoch/loss (a
    newcomer's LossVsTime drew its validation loss beside the other lanes' training loss)."""
    from study.metric_keys import metric_keys

    keras = [r for r in studies["keras"].runs if r.platform == "cluster"]
    keys = metric_keys(keras, "loss", "train_loss", "train_loss")
    assert {keys.by_run[r.run_id].key for r in keras} == {"epoch/loss"}


def test_a_keras_run_beside_runs_of_train_loss_is_read_from_its_training_loss(
    studies: dict[str, Study],
):
    """The same beside another stack's runs that logged 'train_loss' (the study's key): the
    Keras run's own key is its training loss, not its validation loss."""
    from study.metric_keys import metric_keys
    from study.metrics import logged_keys

    others = [r for s in studies.values() for r in s.runs if "train_loss" in logged_keys([r])]
    keras = [r for r in studies["keras"].runs if r.platform == "cluster"]
    assert len(others) >= 2 and keras
    keys = metric_keys([*others, *keras], "loss", "train_loss")
    assert keys.choice.key == "train_loss"
    # a run logged by batch has batch/loss too: a training loss as well
    assert {keys.by_run[r.run_id].key for r in keras} <= {"epoch/loss", "batch/loss"}


def test_a_node_size_logged_alone_is_the_jobs_gpus_with_its_nodes():
    """torchrun's LOCAL_WORLD_SIZE logged by a single-node job's rank 0 (no world_size): its
    GPUs are that x the job's nodes (a newcomer's 15 single-node runs were 'GPUs unknown' and
    vanished from every scene); a CPU machine's processes are no GPUs."""
    slurm = {"slurm.job_id": "7", "slurm.nnodes": "1", "slurm.gpus_on_node": "8", "gpu_count": 8}
    single = _facts({"local_world_size": 2, "node_rank": 0}, slurm)
    assert (single.platform, single.gpus, single.nodes) == ("cluster", 2, 1)
    two = _facts({"local_world_size": 8, "node_rank": 0}, {**slurm, "slurm.nnodes": "2"})
    assert (two.gpus, two.nodes) == (16, 2)
    cpu = _facts({"local_world_size": 2}, {"cpu_count": 4, "cpu_count_logical": 8})
    assert cpu.gpus is None
