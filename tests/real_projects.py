"""Messy real-world inputs, built the way real tools write them: W&B runs-table CSV exports (as
the web UI writes them) and offline run files written by the real wandb SDK in child processes,
imitating Hugging Face Trainer, PyTorch Lightning, a Slurm-launched DDP script and a laptop run
killed with SIGKILL. Used by tests/test_real_projects.py."""

from __future__ import annotations

import csv
import io
import json
import os
import signal
import subprocess
import sys
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from tests.corpus_cache import sdk_corpus

# --- runs-table CSV exports ----------------------------------------------------------------

FIXED = ("Name", "State", "Notes", "User", "Tags", "Created", "Runtime", "Sweep")


@dataclass
class TableRun:
    """One row of a runs-table export, as the W&B UI holds it."""

    name: str
    state: str
    created: str  # ISO UTC with milliseconds, as the UI writes it
    runtime_s: int
    config: dict[str, Any] = field(default_factory=dict)
    summary: dict[str, Any] = field(default_factory=dict)
    tags: tuple[str, ...] = ()


def _cell(value: Any) -> str:
    """A value as the UI writes it: empty for not logged, JSON for lists, lower-case booleans."""
    if value is None:
        return ""
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, list | dict):
        return json.dumps(value)
    return str(value)


def write_runs_table(path: Path, runs: list[TableRun]) -> Path:
    """A runs-table export: the fixed columns, then config columns alphabetical, then summary
    columns alphabetical; every cell quoted; empty where a run did not log the key."""
    config_keys = sorted({k for run in runs for k in run.config}, key=str.lower)
    summary_keys = sorted({k for run in runs for k in run.summary}, key=str.lower)
    # the reader finds the summary block where the alphabetical order restarts: keep the
    # corpus honest about that (real exports have the same property when blocks do not overlap)
    assert not config_keys or not summary_keys or config_keys[-1] > summary_keys[0]
    buffer = io.StringIO()
    writer = csv.writer(buffer, quoting=csv.QUOTE_ALL, lineterminator="\n")
    writer.writerow([*FIXED, *config_keys, *summary_keys])
    for run in runs:
        writer.writerow(
            [
                run.name,
                run.state,
                "-",  # empty notes are "-"
                "",
                ", ".join(run.tags),
                run.created,
                str(run.runtime_s),
                "",
                *(_cell(run.config.get(k)) for k in config_keys),
                *(_cell(run.summary.get(k)) for k in summary_keys),
            ]
        )
    path.write_text(buffer.getvalue(), encoding="utf-8")
    return path


def cluster_config(gpus: int, nodes: int, epochs: int, per_gpu: int = 32) -> dict[str, Any]:
    """A LUMI-style script's config (the newer runs of the project)."""
    return {
        "architecture": "vit_b_16",
        "base_learning_rate": 0.001,
        "batch_size_per_gpu": per_gpu,
        "effective_batch_size": gpus * per_gpu,
        "epochs": epochs,
        "gpus": gpus // nodes,
        "nodes": nodes,
        "scaling_strategy": "distributeddataparallel_multi_node"
        if nodes > 1
        else "distributeddataparallel_single_node",
        "total_gpus": gpus,
    }


# The project's newer export: cluster runs with their GPU columns, duplicates at 64 GPUs, a
# failed and a crashed run, two laptops (one with a core count, one without).
NEW_EXPORT = [
    TableRun(
        "1 GPU 1 Node Run",
        "finished",
        "2025-08-07T12:58:30.000Z",
        7224,
        cluster_config(1, 1, 10),
        {"acc": 57.625, "epoch": 9, "progress_percentage": 100, "train_loss": 0.004},
    ),
    TableRun(
        "8 GPU 1 Node Run",
        "finished",
        "2025-08-07T12:48:01.000Z",
        963,
        cluster_config(8, 1, 10),
        {"acc": 98.12, "epoch": 9, "progress_percentage": 100, "train_loss": 0.064},
    ),
    # three runs at 64 GPUs: one lane, the fastest, "best of 3"
    TableRun(
        "Eight Node Run 2.0",
        "finished",
        "2025-07-10T14:48:20.000Z",
        231,
        cluster_config(64, 8, 6, per_gpu=16),
        {"acc": 51.2, "epoch": 5, "progress_percentage": 100},
    ),
    TableRun(
        "Eight Node Run 2.1",
        "finished",
        "2025-07-11T09:12:05.000Z",
        196,
        cluster_config(64, 8, 6, per_gpu=18),
        {"acc": 53.35, "epoch": 5, "progress_percentage": 100},
    ),
    TableRun(
        "Eight Node Run 2.2",
        "finished",
        "2025-07-12T16:40:44.000Z",
        214,
        cluster_config(64, 8, 6, per_gpu=18),
        {"acc": 52.9, "epoch": 5, "progress_percentage": 100},
    ),
    # failed at 75% of 12 epochs: 9 done
    TableRun(
        "16 GPU 2 Node Run",
        "failed",
        "2025-08-05T10:26:49.000Z",
        450,
        cluster_config(16, 2, 12),
        {"acc": 80.5, "epoch": 8, "progress_percentage": 75},
    ),
    # crashed, nothing about its progress logged
    TableRun(
        "32 GPU 4 Node Run",
        "crashed",
        "2025-08-05T10:17:47.000Z",
        120,
        cluster_config(32, 4, 10),
        {"train_loss": 3.2},
    ),
    TableRun(
        "Laptop-Multicore-2.0pct-8cores",
        "finished",
        "2025-07-14T13:23:58.000Z",
        4753,
        {
            "architecture": "vit_b_16",
            "cpu_cores": 8,
            "device_type": "CPU",
            "epochs": 3,
            "pytorch_threads": 8,
            "scaling_strategy": "multi_core_cpu",
            "subset_percentage": 2,
        },
        {
            "epoch": 2,
            "extrapolated_epoch_time_hr": 18.0314838455783,
            "extrapolated_total_time_hr": 54.0944515367349,
            "progress_percentage": 100,
            "subset_val_accuracy": 61,
        },
        ("benchmark", "extrapolation", "laptop", "multicore", "subset"),
    ),
    # no cpu_cores, pytorch_threads or cpu_count: the label is the laptop's name alone
    TableRun(
        "Laptop-Benchmark-1.0pct-subset",
        "finished",
        "2025-07-14T12:34:44.000Z",
        2908,
        {"architecture": "vit_b_16", "device_type": "CPU", "epochs": 3, "subset_percentage": 1},
        {
            "epoch": 2,
            "extrapolated_epoch_time_hr": 25.27700599034627,
            "extrapolated_total_time_hr": 75.83101797103882,
            "progress_percentage": 100,
            "subset_val_accuracy": 96,
        },
        ("benchmark", "extrapolation", "laptop", "subset"),
    ),
]

# The project's older export: before the script logged its size. No GPU or node columns at all.
OLD_EXPORT = [
    TableRun(
        "Four Node Run",
        "finished",
        "2025-06-20T08:01:13.000Z",
        298,
        {"architecture": "vit_b_16", "batch_size_per_gpu": 32, "epochs": 10},
        {"acc": 62.57, "epoch": 9, "progress_percentage": 100},
    ),
    TableRun(
        "Two Node Run",
        "finished",
        "2025-06-19T17:45:02.000Z",
        524,
        {"architecture": "vit_b_16", "batch_size_per_gpu": 32, "epochs": 10},
        {"acc": 82.11, "epoch": 9, "progress_percentage": 100},
    ),
]

STUDY_TOML = """\
# what the user knows about the older runs (their job scripts)
[runs."Four Node Run"]
platform = "cluster"
gpus = 32
nodes = 4

[runs."Two Node Run"]
platform = "cluster"
gpus = 16
nodes = 2
"""


def write_exports(directory: Path) -> list[Path]:
    directory.mkdir(parents=True, exist_ok=True)
    return [
        write_runs_table(directory / "wandb_export_2025-06-30T10_00_00.000+02_00.csv", OLD_EXPORT),
        write_runs_table(directory / "wandb_export_2025-08-10T12_00_00.000+02_00.csv", NEW_EXPORT),
    ]


# --- offline runs written by the real wandb SDK ---------------------------------------------

# Everything the child processes logged is written to a JSON file, so tests compare with what
# was logged, not with what the reader made of it.
STACKS_WRITER = r"""
import json, os, signal, sys, time, wandb
out = sys.argv[1]
logged = {}

# Hugging Face Trainer: TrainingArguments as config, its W&B callback's keys and fractions
args = {"output_dir": "out", "num_train_epochs": 3, "per_device_train_batch_size": 16,
        "per_device_eval_batch_size": 32, "learning_rate": 5e-05, "use_cpu": False,
        "no_cuda": False, "fp16": True, "bf16": False, "seed": 42, "logging_steps": 10,
        "eval_strategy": "epoch", "report_to": ["wandb"], "gradient_accumulation_steps": 1,
        "_name_or_path": "google/vit-base-patch16-224-in21k", "model_type": "vit"}
run = wandb.init(project="vit-scaling", name="vit-base-finetune", config=args)
run.define_metric("train/global_step")
run.define_metric("*", step_metric="train/global_step", step_sync=True)
rows = []
steps_per_epoch = 8
accuracy = {1: 0.7125, 2: 0.8575, 3: 0.92}
for step in range(1, 3 * steps_per_epoch + 1):
    time.sleep(0.01)
    row = {"train/loss": round(2.3 * 0.85 ** step, 4),
           "train/learning_rate": 5e-05 * (1 - step / 24),
           "train/epoch": round(step / steps_per_epoch, 4), "train/global_step": step}
    run.log(row)
    rows.append(row)
    if step % steps_per_epoch == 0:
        epoch = step // steps_per_epoch
        row = {"eval/accuracy": accuracy[epoch], "eval/loss": round(1.2 / epoch, 4),
               "train/epoch": float(epoch), "train/global_step": step}
        run.log(row)
        rows.append(row)
run.summary.update({"train_runtime": 1.234, "train_samples_per_second": 311.2,
                    "total_flos": 1.5e15, "train_loss": 0.61})
run.finish()
logged["hf"] = {"id": run.id, "rows": rows}

# PyTorch Lightning: WandbLogger with the Trainer's device settings logged as hyperparameters
hparams = {"lr": 0.001, "batch_size": 64, "devices": 4, "num_nodes": 2, "accelerator": "gpu",
           "strategy": "ddp", "max_epochs": 3, "precision": "16-mixed"}
# the node's four GPUs recorded the way wandb records them on a GPU machine
run = wandb.init(project="vit-scaling", name="lightning-ddp", config=hparams,
                 settings=wandb.Settings(x_stats_gpu_count=4, x_stats_gpu_type="AMD MI250X"))
run.define_metric("trainer/global_step")
run.define_metric("*", step_metric="trainer/global_step", step_sync=True)
rows = []
val = {0: 0.64, 1: 0.81, 2: 0.935}
global_step = 0
for epoch in range(3):
    for _ in range(5):
        time.sleep(0.01)
        global_step += 1
        row = {"train_loss": round(1.9 * 0.8 ** global_step, 4), "epoch": epoch,
               "trainer/global_step": global_step}
        run.log(row)
        rows.append(row)
    row = {"val_acc": val[epoch], "val_loss": round(0.9 / (epoch + 1), 4), "epoch": epoch,
           "trainer/global_step": global_step}
    run.log(row)
    rows.append(row)
run.finish()
logged["lightning"] = {"id": run.id, "rows": rows}

# a laptop run given up on: killed with SIGKILL after 1.5 of its 4 epochs
run = wandb.init(project="vit-scaling", name="laptop-cpu-attempt",
                 config={"device": "cpu", "epochs": 4, "batch_size": 16, "lr": 0.001})
steps_per_epoch = 200
rows = []
for step in range(int(1.5 * steps_per_epoch)):
    time.sleep(0.002)
    row = {"epoch": step // steps_per_epoch,
           "progress_percentage": 100.0 * (step + 1) / (4 * steps_per_epoch),
           "batch_loss": 2.5 * 0.995 ** step, "running_accuracy": min(60.0, 0.2 * step)}
    run.log(row)
    rows.append(row)
logged["laptop"] = {"id": run.id, "rows": rows}
json.dump(logged, open(out, "w"))
time.sleep(0.5)  # the service has the rows; its last, unfinished block dies with it
os.kill(os.getpid(), signal.SIGKILL)
"""

SLURM_WRITER = r"""
import json, sys, time, wandb
out = sys.argv[1]
# a DDP script launched by srun: rank 0 logs; the size is only in the Slurm allocation
run = wandb.init(project="vit-scaling", name="ddp-srun", config={"epochs": 2, "batch_size": 32,
                 "lr": 0.001, "backend": "nccl"})
rows = []
for epoch in range(2):
    for batch in range(6):
        time.sleep(0.02)
        row = {"epoch": epoch, "train_loss": round(2.0 * 0.85 ** (6 * epoch + batch), 4),
               "running_accuracy": round(40.0 + 50.0 * (6 * epoch + batch) / 11, 3)}
        run.log(row)
        rows.append(row)
run.finish()
json.dump({"slurm": {"id": run.id, "rows": rows}}, open(out, "w"))
"""

SLURM_ENV = {
    "SLURM_JOB_ID": "7311042",
    "SLURM_NNODES": "2",
    "SLURM_NTASKS": "16",
    "SLURM_NTASKS_PER_NODE": "8",
    "SLURM_GPUS_ON_NODE": "8",
    "SLURM_CLUSTER_NAME": "lumi",
    "SLURM_JOB_PARTITION": "standard-g",
    "SLURM_PROCID": "0",
}


def write_offline_runs(root: Path) -> tuple[Path, dict[str, Any]]:
    """The runs of both writers under ``root`` (written once per writer and wandb version:
    tests/corpus_cache.py); returns the wandb/ directory and what was logged."""
    sdk_corpus("real-projects", [Path(__file__)], _write_offline_runs, root)
    logged: dict[str, Any] = {}
    for out in ("stacks.json", "slurm.json"):
        logged.update(json.loads((root / out).read_text()))
    return root / "wandb", logged


def _write_offline_runs(root: Path) -> None:
    """Run the two writers at once (wandb's service reads SLURM_* when it starts, so the Slurm
    job needs a process of its own); what each logged goes to ``root/<writer>.json``."""
    env = {
        **os.environ,
        "WANDB_MODE": "offline",
        "WANDB_SILENT": "true",
        "WANDB_DIR": str(root),
        "WANDB_DISABLE_GIT": "true",
    }
    env.pop("WANDB_API_KEY", None)
    for name in [n for n in env if n.startswith("SLURM_")]:
        env.pop(name)
    jobs = []
    for script, extra, out, killed in (
        (STACKS_WRITER, {}, root / "stacks.json", True),
        (SLURM_WRITER, SLURM_ENV, root / "slurm.json", False),
    ):
        process = subprocess.Popen(
            [sys.executable, "-c", script, str(out)],
            env={**env, **extra},
            stdout=subprocess.PIPE,
            stderr=subprocess.PIPE,
            text=True,
        )
        jobs.append((process, out, killed))
    for process, out, killed in jobs:
        _, stderr = process.communicate()
        expected = -signal.SIGKILL if killed else 0
        assert process.returncode == expected, stderr[-3000:]
        assert out.is_file(), f"{out.name}: not written"
