"""A team's project of about a thousand runs, as the W&B web UI exports its runs table, and runs
written by the real wandb SDK whose tags, group, job type and sweep say which are the study.

The export (``write_big_export``), in the runs-table format of tests/real_projects.py with the
Sweep, Group and Job Type columns filled:

- the study (tag ``scaling-v2``, group ``vit-scaling``, job type ``train``, config
  ``script_version = "v2"``): 1 to 64 GPUs, three repeats each, a failed and a crashed run; and
  its laptop runs, 8 cores on a 2% subset, three repeats;
- an older attempt (``scaling-v1``, ``script_version = "v1"``, June) at 1 to 32 GPUs, twice each;
- 60 debugging runs (job type ``debug``, tag ``debug``, names ``debug-...``) of a few minutes;
- a sweep of 40 trials at 8 GPUs (sweep ``sw3k9a2b``, group ``vit-sweep``);
- 882 laptop benchmark runs: 9 core counts, as cores or as threads, on 7 data subsets (126
  configurations), seven runs each, some crashed or killed;
- 4 runs that logged no GPU count.
"""

from __future__ import annotations

import csv
import io
import json
import os
import random
import subprocess
import sys
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from tests.corpus_cache import sdk_corpus
from tests.real_projects import FIXED, cluster_config
from tests.real_projects import TableRun as PlainRun
from tests.real_projects import _cell as cell


@dataclass
class TableRun(PlainRun):
    """A row of the runs table with its Sweep cell filled, and Group and Job Type (columns a
    user adds to the table in the UI)."""

    sweep: str = ""  # the sweep's id; empty for a run of no sweep
    group: str | None = None
    job_type: str | None = None


def write_runs_table(path: Path, runs: list[TableRun]) -> Path:
    """The export as tests/real_projects.py writes it (fixed columns, config then summary
    columns alphabetical, every cell quoted), with the Sweep cells and the Group and Job Type
    columns after the fixed ones. (Its own writer: tests/real_projects.py is a corpus writer's
    source, and editing it would write that SDK corpus again.)"""
    config_keys = sorted({k for run in runs for k in run.config}, key=str.lower)
    summary_keys = sorted({k for run in runs for k in run.summary}, key=str.lower)
    assert config_keys[-1] > summary_keys[0]  # where the reader finds the summary block
    buffer = io.StringIO()
    writer = csv.writer(buffer, quoting=csv.QUOTE_ALL, lineterminator="\n")
    writer.writerow([*FIXED, "Group", "Job Type", *config_keys, *summary_keys])
    for run in runs:
        writer.writerow(
            [
                run.name,
                run.state,
                "-",
                "",
                ", ".join(run.tags),
                run.created,
                str(run.runtime_s),
                run.sweep,
                run.group or "",
                run.job_type or "",
                *(cell(run.config.get(k)) for k in config_keys),
                *(cell(run.summary.get(k)) for k in summary_keys),
            ]
        )
    path.write_text(buffer.getvalue(), encoding="utf-8")
    return path


STUDY_TAG = "scaling-v2"
SWEEP_ID = "sw3k9a2b"
GPU_COUNTS = (1, 2, 4, 8, 16, 32, 64)
LAPTOP_CORES = (1, 2, 4, 6, 8, 10, 12, 14, 16)
SUBSETS = (1, 2, 5, 10, 20, 50, None)  # None: the whole data set
ONE_GPU_S = 7200.0


def _created(rng: random.Random, month: int) -> str:
    day, hour, minute = rng.randint(1, 28), rng.randint(0, 23), rng.randint(0, 59)
    return f"2025-{month:02d}-{day:02d}T{hour:02d}:{minute:02d}:{rng.randint(0, 59):02d}.000Z"


def _cluster_time(gpus: int, rng: random.Random, slower: float = 1.0) -> int:
    efficiency = 0.92 ** (gpus.bit_length() - 1)
    return round(ONE_GPU_S * slower / (gpus * efficiency) * rng.uniform(0.97, 1.08))


def study_runs(rng: random.Random) -> list[TableRun]:
    runs = []
    for gpus in GPU_COUNTS:
        nodes = max(1, gpus // 8)
        for repeat in range(3):
            runs.append(
                TableRun(
                    f"v2-{gpus}gpu-r{repeat}",
                    "finished",
                    _created(rng, 8),
                    _cluster_time(gpus, rng),
                    {**cluster_config(gpus, nodes, 10), "script_version": "v2"},
                    {"epoch": 9, "progress_percentage": 100, "acc": 90 + rng.random() * 5},
                    (STUDY_TAG,),
                    group="vit-scaling",
                    job_type="train",
                )
            )
    for name, state, gpus, progress in (
        ("v2-16gpu-failed", "failed", 16, 40),
        ("v2-32gpu-crashed", "crashed", 32, 10),
    ):
        runs.append(
            TableRun(
                name,
                state,
                _created(rng, 8),
                300,
                {**cluster_config(gpus, gpus // 8, 10), "script_version": "v2"},
                {"progress_percentage": progress},
                (STUDY_TAG,),
                group="vit-scaling",
                job_type="train",
            )
        )
    for repeat in range(3):  # the study's laptop: 8 cores on a 2% subset
        runs.append(_laptop(f"v2-laptop-8c-2pct-r{repeat}", 8, "cpu_cores", 2, rng, study=True))
    return runs


def _laptop(
    name: str, cores: int, word: str, subset: int | None, rng: random.Random, study: bool = False
) -> TableRun:
    total_hr = 80.0 * (8 / cores) ** 0.8 * rng.uniform(0.95, 1.1)
    share = (subset or 100) / 100
    runtime = max(60, round(total_hr * 3600 * share))
    config: dict[str, Any] = {"device_type": "CPU", "epochs": 3, word: cores}
    summary: dict[str, Any] = {"epoch": 2, "progress_percentage": 100}
    if subset is not None:
        config["subset_percentage"] = subset
        summary["extrapolated_total_time_hr"] = total_hr
    if study:
        config["script_version"] = "v2"
    return TableRun(
        name,
        "finished",
        _created(rng, 8 if study else 7),
        runtime,
        config,
        summary,
        (STUDY_TAG, "laptop") if study else ("laptop", "benchmark"),
        group="vit-scaling" if study else "laptop-bench",
        job_type="train" if study else "benchmark",
    )


def other_runs(rng: random.Random) -> list[TableRun]:
    runs = []
    for gpus in GPU_COUNTS[:-1]:  # the older attempt, slower code
        for repeat in range(2):
            runs.append(
                TableRun(
                    f"v1-{gpus}gpu-r{repeat}",
                    "finished",
                    _created(rng, 6),
                    _cluster_time(gpus, rng, slower=1.6),
                    {**cluster_config(gpus, max(1, gpus // 8), 10), "script_version": "v1"},
                    {"epoch": 9, "progress_percentage": 100},
                    ("scaling-v1",),
                    group="vit-scaling-old",
                    job_type="train",
                )
            )
    for index in range(60):  # debugging runs: a step limit, a few minutes
        runs.append(
            TableRun(
                f"debug-{index:02d}",
                rng.choice(("finished", "finished", "failed", "crashed")),
                _created(rng, 8),
                rng.randint(40, 400),
                {**cluster_config(8, 1, 10), "max_steps": 30, "script_version": "v2"},
                {"progress_percentage": round(rng.uniform(0.1, 2.0), 2)},
                ("debug",),
                job_type="debug",
            )
        )
    for index in range(40):  # a sweep over the learning rate at 8 GPUs
        runs.append(
            TableRun(
                f"sweep-trial-{index:02d}",
                "finished" if index % 5 else "failed",
                _created(rng, 8),
                _cluster_time(8, rng) * 3 // 10,
                {
                    **cluster_config(8, 1, 3),
                    "lr": 10 ** rng.uniform(-5, -2),
                    "script_version": "v2",
                },
                {"epoch": 2, "progress_percentage": 100},
                ("sweep",),
                sweep=SWEEP_ID,
                group="vit-sweep",
                job_type="train",
            )
        )
    for cores in LAPTOP_CORES:
        for word in ("cpu_cores", "pytorch_threads"):
            for subset in SUBSETS:
                for repeat in range(7):
                    tag = "c" if word == "cpu_cores" else "t"
                    pct = f"{subset}pct" if subset else "full"
                    run = _laptop(f"laptop-{cores}{tag}-{pct}-r{repeat}", cores, word, subset, rng)
                    if repeat == 6:  # given up on, nothing to estimate from
                        run.state = rng.choice(("crashed", "killed"))
                        run.summary = {"train_loss": 2.1}
                    runs.append(run)
    for index in range(4):  # no GPU count logged
        runs.append(
            TableRun(
                f"mystery-{index}",
                "finished",
                _created(rng, 7),
                900,
                {"epochs": 10, "backend": "nccl"},
                {"epoch": 9},
            )
        )
    return runs


def big_runs() -> list[TableRun]:
    rng = random.Random(27)
    runs = study_runs(rng) + other_runs(rng)
    random.Random(2).shuffle(runs)  # an export lists runs in the table's order, not by kind
    return runs


def write_big_export(directory: Path) -> Path:
    directory.mkdir(parents=True, exist_ok=True)
    return write_runs_table(
        directory / "wandb_export_2025-09-01T09_00_00.000+02_00.csv", big_runs()
    )


# --- runs written by the real wandb SDK: tags, group, job type and a sweep ------------------

SDK_WRITER = r"""
import json, os, sys, time, wandb
out, kind = sys.argv[1], sys.argv[2]
logged = {}

def train(name, epochs, **init):
    run = wandb.init(project="vit-scaling", name=name, **init)
    for epoch in range(epochs):
        for batch in range(3):
            time.sleep(0.01)
            run.log({"epoch": epoch, "train_loss": 2.0 * 0.8 ** (3 * epoch + batch),
                     "running_accuracy": 50.0 + 10 * epoch + batch})
    run.finish()
    logged[name] = {"id": run.id, "tags": list(init.get("tags", ())),
                    "group": init.get("group"), "job_type": init.get("job_type")}

if kind == "study":
    size = {"total_gpus": 8, "nodes": 1, "epochs": 2, "script_version": "v2"}
    train("v2-8gpu", 2, config=size, tags=["scaling-v2"], group="vit-scaling", job_type="train")
    train("v2-8gpu-debug", 1, config={**size, "max_steps": 3}, tags=["debug"],
          group="vit-scaling", job_type="debug")
    train("laptop-8c", 2, config={"device": "cpu", "cpu_cores": 8, "epochs": 2,
          "script_version": "v2"}, tags=["scaling-v2", "laptop"], group="vit-scaling",
          job_type="train")
else:  # a sweep agent's trial: wandb reads the sweep id the agent sets
    train("v2-8gpu-trial", 2, config={"total_gpus": 8, "nodes": 1, "epochs": 2, "lr": 0.01,
          "script_version": "v2"}, tags=["scaling-v2"], group="vit-scaling", job_type="train")
    logged["v2-8gpu-trial"]["sweep"] = os.environ["WANDB_SWEEP_ID"]
json.dump(logged, open(out, "w"))
"""


def write_sdk_runs(root: Path) -> tuple[Path, dict[str, Any]]:
    """The study's runs, a debugging run and a sweep trial, written offline by the real SDK
    (once per writer and wandb version: tests/corpus_cache.py); returns the wandb/ directory
    and what each run was given."""
    sdk_corpus("organised-runs", [Path(__file__)], _write_sdk_runs, root)
    logged: dict[str, Any] = {}
    for out in ("study.json", "sweep.json"):
        logged.update(json.loads((root / out).read_text()))
    return root / "wandb", logged


def _write_sdk_runs(root: Path) -> None:
    env = {
        **os.environ,
        "WANDB_MODE": "offline",
        "WANDB_SILENT": "true",
        "WANDB_DIR": str(root),
        "WANDB_DISABLE_GIT": "true",
    }
    env.pop("WANDB_API_KEY", None)
    for name in [n for n in env if n.startswith(("SLURM_", "WANDB_SWEEP"))]:
        env.pop(name)
    jobs = []
    for kind, extra in (("study", {}), ("sweep", {"WANDB_SWEEP_ID": SWEEP_ID})):
        out = root / f"{kind}.json"
        process = subprocess.Popen(
            [sys.executable, "-c", SDK_WRITER, str(out), kind],
            env={**env, **extra},
            stdout=subprocess.PIPE,
            stderr=subprocess.PIPE,
            text=True,
        )
        jobs.append((process, out))
    for process, out in jobs:
        _, stderr = process.communicate()
        assert process.returncode == 0, stderr[-3000:]
        assert out.is_file(), f"{out.name}: not written"
