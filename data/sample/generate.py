"""Writes the sample study as W&B web-UI exports: a runs table and three line-plot panels.

The run table's figures are the published study's (ViT-B/16 on an ImageNet subset, LUMI MI250X
vs an i7-1185G7 laptop). Its histories were published only as chart images, so the histories
here are RECONSTRUCTED in the charts' shape, from a fixed seed: a staircase epoch against time
(first epoch longer), running accuracy climbing in steps with a dip after each epoch boundary,
and a noisy exponential loss. Run it again after changing it: `python data/sample/generate.py`.
"""

from __future__ import annotations

import csv
import json
from dataclasses import dataclass
from pathlib import Path

import numpy as np

HERE = Path(__file__).resolve().parent
SEED = 20250807
POINTS_PER_EPOCH = 40
FIRST_EPOCH_STRETCH = 1.2  # start-up and data loading make the first epoch longer


@dataclass
class ClusterRun:
    name: str
    gpus: int
    nodes: int
    runtime_s: int
    epochs: int
    acc: float
    created: str
    final_running_accuracy: float  # where the published running_accuracy chart ends
    batch_per_gpu: int = 32
    learning_rate: float = 0.001


CLUSTER_RUNS = [
    ClusterRun("1 GPU 1 Node Run", 1, 1, 7224, 10, 57.625, "2025-08-07T12:58:30.000Z", 99.99),
    ClusterRun("2 GPU 1 Node Run", 2, 1, 3700, 10, 90.68, "2025-08-08T07:26:18.000Z", 99.31),
    ClusterRun("4 GPU 1 Node Run", 4, 1, 1905, 10, 98.0, "2025-08-08T15:34:24.000Z", 99.42),
    ClusterRun("8 GPU 1 Node Run", 8, 1, 963, 10, 98.12, "2025-08-07T12:48:01.000Z", 98.67),
    ClusterRun("16 GPU 2 Node Run", 16, 2, 524, 10, 82.11, "2025-08-05T10:26:49.000Z", 100.0),
    ClusterRun("24 GPU 3 Node Run", 24, 3, 399, 10, 67.04, "2025-08-05T10:17:47.000Z", 98.92),
    ClusterRun("32 GPU 4 Node Run", 32, 4, 298, 10, 62.57, "2025-08-05T10:17:47.000Z", 93.49),
    ClusterRun("Eight Node Run 2.0", 64, 8, 196, 6, 53.35, "2025-07-10T14:48:20.000Z", 90.0, 16),
]


@dataclass
class LaptopRun:
    name: str
    cores: int
    subset_percentage: float
    runtime_s: int
    epoch_time_hr: float
    total_time_hr: float
    subset_val_accuracy: float
    created: str


LAPTOP_RUNS = [
    LaptopRun(
        "Laptop-Benchmark-1.0pct-subset",
        1,
        1.0,
        2908,
        25.277,
        75.831,
        96.0,
        "2025-08-10T09:12:00.000Z",
    ),
    LaptopRun(
        "Laptop-Multicore-2.0pct-8cores",
        8,
        2.0,
        4753,
        18.031,
        54.094,
        61.0,
        "2025-08-11T08:40:00.000Z",
    ),
]

CONFIG_COLUMNS = [
    "architecture",
    "base_learning_rate",
    "batch_size_per_gpu",
    "cores",
    "dataset",
    "device",
    "effective_batch_size",
    "epochs",
    "gpus",
    "hardware",
    "learning_rate",
    "nodes",
    "subset_percentage",
    "total_gpus",
]
# only summary figures that were published; the reconstructed histories add none
SUMMARY_COLUMNS = [
    "acc",
    "epoch",
    "extrapolated_epoch_time_hr",
    "extrapolated_total_time_hr",
    "subset_val_accuracy",
]
FIXED = ["Name", "State", "Notes", "User", "Tags", "Created", "Runtime", "Sweep"]
PANELS = ("epoch", "running_accuracy", "train_loss")


def history(run: ClusterRun, rng: np.random.Generator) -> dict[str, np.ndarray]:
    epoch_length = run.runtime_s / (run.epochs - 1 + FIRST_EPOCH_STRETCH)
    starts = np.concatenate(
        [[0.0], FIRST_EPOCH_STRETCH * epoch_length + epoch_length * np.arange(run.epochs - 1)]
    )
    ends = np.append(starts[1:], run.runtime_s)
    times, epochs, accuracy = [], [], []
    level = 0.0
    for epoch, (start, end) in enumerate(zip(starts, ends, strict=True)):
        within = (np.arange(POINTS_PER_EPOCH) + 1) / POINTS_PER_EPOCH
        times.append(start + within * (end - start))
        epochs.append(np.full(POINTS_PER_EPOCH, epoch))
        # each epoch's running accuracy closes part of the gap to where the chart ends
        target = 40.0 if epoch == 0 else level + (run.final_running_accuracy - level) * 0.55
        if epoch == run.epochs - 1:
            target = run.final_running_accuracy
        start_value = 0.0 if epoch == 0 else level - rng.uniform(2.0, 5.0)
        shape = 1 - np.exp(-4 * within)
        curve = start_value + (target - start_value) * shape / shape[-1]
        accuracy.append(np.clip(curve + rng.normal(0, 0.4, POINTS_PER_EPOCH), 0, 100))
        level = target
    accuracy[-1][-1] = run.final_running_accuracy  # the published summary value
    t = np.concatenate(times)
    progress = t / run.runtime_s
    loss = 7.0 * np.exp(-5.5 * progress) * np.exp(rng.normal(0, 0.12, t.size)) + 0.03 * rng.random(
        t.size
    )
    return {
        "_runtime": t,
        "epoch": np.concatenate(epochs).astype(float),
        "running_accuracy": np.concatenate(accuracy),
        "train_loss": loss,
    }


def fmt(value: object) -> str:
    if value is None:
        return ""
    if isinstance(value, float):
        return repr(round(value, 6))
    return str(value)


def write_runs_table(path: Path) -> None:
    rows = []
    for run in CLUSTER_RUNS:
        config = {
            "architecture": "vit_b_16",
            "base_learning_rate": 0.001,
            "batch_size_per_gpu": run.batch_per_gpu,
            "dataset": "imagenet_subset",
            "device": "cuda",
            "effective_batch_size": run.gpus * run.batch_per_gpu,
            "epochs": run.epochs,
            "gpus": run.gpus // run.nodes,
            "hardware": "LUMI AMD MI250X",
            "learning_rate": run.learning_rate,
            "nodes": run.nodes,
            "total_gpus": run.gpus,
        }
        summary = {"acc": run.acc, "epoch": run.epochs - 1}
        rows.append((run.name, run.created, run.runtime_s, config, summary))
    for run in LAPTOP_RUNS:
        config = {
            "architecture": "vit_b_16",
            "cores": run.cores,
            "dataset": "imagenet_subset",
            "device": "cpu",
            "epochs": 3,
            "hardware": "Intel Core i7-1185G7 laptop",
            "subset_percentage": run.subset_percentage,
        }
        summary = {
            "epoch": 2,
            "extrapolated_epoch_time_hr": run.epoch_time_hr,
            "extrapolated_total_time_hr": run.total_time_hr,
            "subset_val_accuracy": run.subset_val_accuracy,
        }
        rows.append((run.name, run.created, run.runtime_s, config, summary))

    with path.open("w", newline="") as handle:
        writer = csv.writer(handle, quoting=csv.QUOTE_ALL, lineterminator="\n")
        writer.writerow(FIXED + CONFIG_COLUMNS + SUMMARY_COLUMNS)
        for name, created, runtime, config, summary in rows:
            fixed = [name, "finished", "-", "", "", created, str(runtime), ""]
            writer.writerow(
                fixed
                + [fmt(config.get(c)) for c in CONFIG_COLUMNS]
                + [fmt(summary.get(c)) for c in SUMMARY_COLUMNS]
            )


def write_panel(path: Path, metric: str, histories: dict[str, dict[str, np.ndarray]]) -> None:
    """A line-plot panel export: x = Relative Time (Process), three columns per run."""
    times = sorted({round(float(t), 3) for h in histories.values() for t in h["_runtime"]})
    lookup = {
        name: dict(zip(np.round(h["_runtime"], 3).tolist(), h[metric].tolist(), strict=True))
        for name, h in histories.items()
    }
    header = ["Relative Time (Process)"]
    for name in histories:
        header += [f"{name} - {metric}", f"{name} - {metric}__MIN", f"{name} - {metric}__MAX"]
    with path.open("w", newline="") as handle:
        writer = csv.writer(handle, quoting=csv.QUOTE_ALL, lineterminator="\n")
        writer.writerow(header)
        for t in times:
            row = [fmt(t)]
            for name in histories:
                value = lookup[name].get(t)
                row += [fmt(value)] * 3
            writer.writerow(row)


def main() -> None:
    rng = np.random.default_rng(SEED)
    histories = {run.name: history(run, rng) for run in CLUSTER_RUNS}
    write_runs_table(HERE / "runs_table.csv")
    for metric in PANELS:
        write_panel(HERE / f"panel_{metric}.csv", metric, histories)
    (HERE / "provenance.json").write_text(
        json.dumps(
            {
                "study": "ViT-B/16, ImageNet subset, LUMI (AMD MI250X) 1-64 GPUs vs laptop",
                "summary_figures": "as published (runs table, laptop extrapolations)",
                "histories": "reconstructed in the shape of the published W&B charts",
                "generator": "data/sample/generate.py",
                "seed": SEED,
            },
            indent=2,
        )
        + "\n"
    )


if __name__ == "__main__":
    main()
