"""Runs in several offline files, written by the real wandb SDK: resumed, requeued after a kill,
and launched by Slurm (what the environment records say about the machine)."""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
from pathlib import Path

import numpy as np
import pandas as pd
import pytest

import extract.sources.wandb_files
from extract.sources.wandb_files import (
    OfflineRun,
    _segments,
    find_run_files,
    ingest_offline,
    read_run_file,
)
from tests.corpus_cache import sdk_corpus

# Two processes, as two Slurm jobs would be: the first runs a Slurm-launched run to the end,
# the first part of a run it finishes, and the first part of a run it is killed in (kill -9,
# as a preempted job); the second resumes both (resume="allow", as a requeued job does).
WRITER = r"""
import json, os, signal, sys, time, wandb
job, out = sys.argv[1], sys.argv[2]
logged = {}

def epochs(run, first, last):
    rows = []
    for epoch in range(first, last + 1):
        time.sleep(0.2)  # some time per epoch, so that offsets in _runtime show
        row = {"epoch": epoch, "loss": 1.0 / (epoch + 1)}
        run.log(row)
        rows.append(row)
    return rows

if job == "first":
    run = wandb.init(project="lumi", id="slurmrun", name="LUMI 2 nodes",
                     config={"epochs": 1, "batch_size": 64})
    logged["slurm"] = epochs(run, 0, 0)
    run.finish()
    # scripts that may be requeued pass resume="allow" from the first start on
    run = wandb.init(project="lumi", id="resumed1", name="resumed", resume="allow",
                     config={"epochs": 4})
    logged["resumed"] = epochs(run, 0, 1)
    run.finish()
    run = wandb.init(project="lumi", id="requeue1", name="requeued", resume="allow",
                     config={"epochs": 2})
    rows = []
    for step in range(400):  # some 130 KiB of records: several 32 KiB blocks
        row = {"epoch": 0, "loss": 2.0 / (step + 1)}
        run.log(row)
        rows.append(row)
    logged["requeued"] = rows
    json.dump(logged, open(out, "w"))
    time.sleep(0.3)  # the service has the rows; its last, unfinished block dies with it
    os.kill(os.getpid(), signal.SIGKILL)
else:
    run = wandb.init(project="lumi", id="resumed1", resume="allow")
    logged["resumed"] = epochs(run, 2, 3)
    run.finish()
    run = wandb.init(project="lumi", id="requeue1", resume="allow")
    rows = []
    for step in range(20):
        row = {"epoch": 1, "loss": 0.5 / (step + 1)}
        run.log(row)
        rows.append(row)
    logged["requeued"] = rows
    run.finish()
    json.dump(logged, open(out, "w"))
"""

SLURM = {
    "SLURM_JOB_ID": "4242",
    "SLURM_NNODES": "2",
    "SLURM_NTASKS": "16",
    "SLURM_NTASKS_PER_NODE": "8",
    "SLURM_GPUS_ON_NODE": "8",
    "SLURM_CLUSTER_NAME": "lumi",
    "SLURM_JOB_PARTITION": "standard-g",
    "SLURM_PROCID": "0",
}


@pytest.fixture(scope="session")
def parted(tmp_path_factory) -> tuple[Path, dict, dict]:
    # written once per version of this module and wandb (tests/corpus_cache.py)
    root = sdk_corpus("offline-resume", [Path(__file__)], write, tmp_path_factory.mktemp("parts"))
    first, second = (json.loads((root / f"{job}.json").read_text()) for job in ("first", "second"))
    return root / "wandb", first, second


def write(root: Path) -> None:
    env = {
        **os.environ,
        "WANDB_MODE": "offline",
        "WANDB_SILENT": "true",
        "WANDB_DIR": str(root),
        "WANDB_DISABLE_GIT": "true",
    }
    env.pop("WANDB_API_KEY", None)
    for name in [n for n in env if n.startswith("SLURM_")]:
        env.pop(name)  # only the first job is a Slurm job
    for job, job_env, killed in (("first", {**env, **SLURM}, True), ("second", env, False)):
        out = root / f"{job}.json"
        result = subprocess.run(
            [sys.executable, "-c", WRITER, job, str(out)],
            env=job_env,
            capture_output=True,
            text=True,
        )
        expected = -signal.SIGKILL if killed else 0
        assert result.returncode == expected, result.stderr[-2000:]
        assert out.is_file(), f"{job}: nothing logged"


def files_of(directory: Path, run_id: str) -> list[Path]:
    return [f for f in find_run_files([directory]) if f.name == f"run-{run_id}.wandb"]


@pytest.fixture
def facts(monkeypatch):
    """What ingest_offline hands to the run builder, not what the builder makes of it."""
    monkeypatch.setattr(extract.sources.wandb_files, "make_run", lambda facts, overrides: facts)
    monkeypatch.setattr(extract.sources.wandb_files, "decide_kinds", lambda runs: runs)

    def read(paths: list[Path]):
        result = ingest_offline(paths)
        (one,) = result.runs
        return one, result.warnings

    return read


def test_a_resumed_run_is_its_parts_end_to_end(parted, facts):
    directory, first, second = parted
    files = files_of(directory, "resumed1")
    parts = sorted((read_run_file(f) for f in files), key=lambda p: p.start_time)
    assert len(parts) == 2 and parts[1].resume
    # offline, the resumed process counts _step and _runtime from 0 again
    assert [r["_step"] for r in parts[1].rows] == [0, 1]
    row = parts[1].rows[0]
    assert row["_runtime"] == pytest.approx(row["_timestamp"] - parts[1].start_time, abs=0.5)

    run, warnings = facts(files)
    assert (run.run_id, run.name, run.state, run.parts) == ("resumed1", "resumed", "finished", 2)
    assert warnings == []
    history = run.history
    logged = first["resumed"] + second["resumed"]
    assert list(history["epoch"]) == [r["epoch"] for r in logged] == [0, 1, 2, 3]
    assert list(history["loss"]) == [r["loss"] for r in logged]
    assert list(history["_step"]) == [0, 1, 2, 3]
    assert history["_runtime"].is_monotonic_increasing
    part_times = [p.measured_runtime(core_clock=True) for p in parts]
    later = np.array([r["_runtime"] for r in parts[1].rows])
    assert np.allclose(history["_runtime"].iloc[2:], later + part_times[0])
    assert run.runtime_s == pytest.approx(sum(part_times))
    assert run.runtime_s >= history["_runtime"].max()
    assert run.summary["_time_basis"] == "sum of 2 parts"
    assert run.summary["_runtime"] == pytest.approx(run.runtime_s)
    assert run.summary["loss"] == logged[-1]["loss"]


def test_a_run_requeued_after_kill_9_finishes(parted, facts):
    directory, first, second = parted
    files = files_of(directory, "requeue1")
    killed, resumed = sorted((read_run_file(f) for f in files), key=lambda p: p.start_time)
    # the killed part has no exit record; how much of it reached the disk before the kill is
    # up to when wandb flushed (timing, not the reader's business): the reader keeps every whole
    # record up to the end or the damage, in order, so what it kept is a prefix of what was logged
    assert killed.exit_code is None and killed.state == "crashed"
    kept = [r["loss"] for r in killed.rows]
    assert 0 < len(kept) <= len(first["requeued"])
    assert kept == [r["loss"] for r in first["requeued"][: len(kept)]]
    assert [r["_step"] for r in killed.rows] == list(range(len(kept)))

    run, warnings = facts(files)
    assert (run.state, run.parts) == ("finished", 2)
    assert len(warnings) == 1 and "killed" in warnings[0] and "part 1 of 2" in warnings[0]
    history = run.history
    logged = kept + [r["loss"] for r in second["requeued"]]
    assert list(history["loss"]) == logged
    assert list(history["epoch"]) == [0] * len(kept) + [1] * len(second["requeued"])
    assert list(history["_step"]) == list(range(len(logged)))
    assert history["_runtime"].is_monotonic_increasing
    # a killed part ran at least until its last kept row
    assert run.runtime_s == pytest.approx(
        killed.rows[-1]["_runtime"] + resumed.measured_runtime(core_clock=True)
    )


def test_the_builder_gets_a_finished_resumed_run(parted):
    """Through the real run builder: one run, finished, its time the sum of the parts."""
    directory, _, _ = parted
    (run,) = ingest_offline(files_of(directory, "resumed1")).runs
    assert run.state == "finished" and len(run.history) == 4
    assert run.measured_s == pytest.approx(float(run.summary["_runtime"]))


def test_slurm_variables_are_run_metadata(parted, facts):
    directory, first, _ = parted
    (path,) = files_of(directory, "slurmrun")
    environment = read_run_file(path).environment
    assert {key: environment[f"slurm.{key}"] for key in ("nnodes", "ntasks", "gpus_on_node")} == {
        "nnodes": 2,
        "ntasks": 16,
        "gpus_on_node": 8,
    }
    assert environment["slurm.ntasks_per_node"] == 8 and environment["slurm.procid"] == 0
    assert environment["slurm.cluster_name"] == "lumi"
    assert environment["slurm.job_partition"] == "standard-g"
    assert environment["slurm.job_id"] == 4242
    assert isinstance(environment["cpu_count"], int) and environment["cpu_count"] >= 1
    assert environment["cpu_count_logical"] >= environment["cpu_count"]
    assert environment["host"] and environment["args"][0] == "first"
    assert not any(key.startswith(("email", "username", "writer_id")) for key in environment)

    run, _ = facts([path])
    assert run.metadata == environment
    assert not any("gpu" in key for key in run.config)  # only the scheduler knows the GPUs
    assert list(run.history["loss"]) == [r["loss"] for r in first["slurm"]]
    # a run that is one part has no time basis of its own
    assert run.parts == 1 and "_time_basis" not in run.summary


def test_parts_keep_the_slurm_metadata_of_the_job_that_had_it(parted, facts):
    directory, _, _ = parted
    run, _ = facts(files_of(directory, "resumed1"))
    assert run.metadata["slurm.nnodes"] == 2  # the second job was not a Slurm job
    assert run.metadata["args"][0] == "second"  # where the run went on


def part(start: float, seconds: float, resume: bool, steps: int = 3) -> OfflineRun:
    rows = [
        {"_step": s, "_runtime": seconds * (s + 1) / steps, "_timestamp": start + s}
        for s in range(steps)
    ]
    return OfflineRun(
        path=Path(f"run-{start}.wandb"),
        run_id="x",
        rows=rows,
        exit_code=0,
        runtime_s=float(int(seconds)),
        start_time=start,
        resume=resume,
    )


@pytest.mark.parametrize(
    ("later", "together"),
    [
        # ranks that all pass resume="allow" still ran at the same time
        (part(1000.5, 60, True), True),
        # a rank of a short run that started a little after the other ended
        (part(1061.0, 60, False), True),
        # resumed right after the earlier part ended
        (part(1060.2, 30, True), False),
        # the same id much later, without resume (relaunched by hand)
        (part(2000.0, 30, False), False),
    ],
)
def test_parts_together_or_one_after_the_other(later, together):
    earlier = part(1000.0, 60, True)
    segments = _segments([later, earlier])
    assert len(segments) == (1 if together else 2)
    assert segments[0][0] is earlier


def test_a_part_without_rows_still_counts(tmp_path):
    from extract.sources.wandb_files import _concatenate

    first, second = part(0.0, 10, False), part(100.0, 5, True)
    second.rows = []
    second.runtime_s = 5.0
    run = _concatenate([first, second])
    assert run.runtime_s == 15.0 and len(run.history()) == 3
    assert isinstance(run.history(), pd.DataFrame)


def test_a_clock_that_went_on_is_not_shifted_again():
    """Should a later part's _runtime already count the earlier parts (a server told the process
    where the run stood; offline it never does), it is kept as it is."""
    from extract.sources.wandb_files import _concatenate

    first, second = part(0.0, 10, False), part(100.0, 5, True)
    for row in second.rows:
        row["_runtime"] += 10.0  # 10 s ahead of its own start: the earlier part's time
    run = _concatenate([first, second])
    assert list(run.history()["_runtime"]) == [r["_runtime"] for r in first.rows + second.rows]
    assert run.runtime_s == 15.0
    assert run.summary["_time_basis"] == "last of 2 parts (clock went on)"
