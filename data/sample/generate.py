"""Writes the sample study as W&B web-UI exports: a runs table and five line-plot panels.

The run table's figures are the published study's (ViT-B/16 on an ImageNet subset, LUMI MI250X
vs an i7-1185G7 laptop). Its histories were published only as chart images, so the histories
here are RECONSTRUCTED in the charts' shape, from a fixed seed: a staircase epoch against time
(first epoch longer), running accuracy climbing in steps with a dip after each epoch boundary,
and a noisy exponential loss. The keys the study's script logged every 10 batches are
reconstructed too, on their own seed (the others stay as they were): ``learning_rate``, the
script's OneCycleLR schedule, and ``batch_loss``, a per-batch loss noisier than the epoch's.
Run it again after changing it: `python data/sample/generate.py`.
"""

from __future__ import annotations

import csv
import json
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

import numpy as np

HERE = Path(__file__).resolve().parent
SEED = 20250807
POINTS_PER_EPOCH = 40
FIRST_EPOCH_STRETCH = 1.2  # start-up and data loading make the first epoch longer
BATCH_SEED = SEED + 1  # the per-batch keys' own draws: the other histories keep theirs
# the training set of the published runs: their last logged `batch` index (2490 at 1 GPU, 1240
# at 2 ... 70 at 32, a multiple of 10 each) is that of an epoch of 80,000 samples over GPUs x
# their batch, logged every 10 batches
TRAIN_SAMPLES = 80_000
LOG_EVERY_BATCHES = 10
# PyTorch's OneCycleLR defaults (torch.optim.lr_scheduler.OneCycleLR): the peak at 30% of the
# steps, cosine both ways, from max_lr / 25 to max_lr / 25 / 1e4
PCT_START = 0.3
DIV_FACTOR = 25.0
FINAL_DIV_FACTOR = 1e4


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
    learning_rate: float = 0.001  # the runs table's (the schedule's peak)
    final_batch_loss: float | None = None  # the published summary's batch_loss, where known


# learning rates and final batch losses as the published runs table has them (the multi-node
# runs trained at 0.002 and 0.003); the 64-GPU run's were not published
CLUSTER_RUNS = [
    ClusterRun("1 GPU 1 Node Run", 1, 1, 7224, 10, 57.625, "2025-08-07T12:58:30.000Z", 99.99,
               final_batch_loss=0.0045983),
    ClusterRun("2 GPU 1 Node Run", 2, 1, 3700, 10, 90.68, "2025-08-08T07:26:18.000Z", 99.31,
               final_batch_loss=0.0103395),
    ClusterRun("4 GPU 1 Node Run", 4, 1, 1905, 10, 98.0, "2025-08-08T15:34:24.000Z", 99.42,
               final_batch_loss=0.0030486),
    ClusterRun("8 GPU 1 Node Run", 8, 1, 963, 10, 98.12, "2025-08-07T12:48:01.000Z", 98.67,
               final_batch_loss=0.0205717),
    ClusterRun("16 GPU 2 Node Run", 16, 2, 524, 10, 82.11, "2025-08-05T10:26:49.000Z", 100.0,
               learning_rate=0.002, final_batch_loss=0.0019199),
    ClusterRun("24 GPU 3 Node Run", 24, 3, 399, 10, 67.04, "2025-08-05T10:17:47.000Z", 98.92,
               learning_rate=0.003, final_batch_loss=0.0915548),
    ClusterRun("32 GPU 4 Node Run", 32, 4, 298, 10, 62.57, "2025-08-05T10:17:47.000Z", 93.49,
               learning_rate=0.003, final_batch_loss=0.2782623),
    ClusterRun("Eight Node Run 2.0", 64, 8, 196, 6, 53.35, "2025-07-10T14:48:20.000Z", 90.0, 16),
]  # fmt: skip


# The laptop runs' own runs-table cells, every column they logged, as W&B exported them (the
# published export).
LAPTOP_RUNS = [
    (
        "Laptop-Benchmark-1.0pct-subset",
        "benchmark, extrapolation, laptop, subset",
        "2025-07-14T12:34:44.000Z",
        2908,
        {
            "architecture": "vit_b_16",
            "batch_size": "16",
            "cpu_count": "8",
            "cpu_count_logical": "8",
            "cpu_freq": "775",
            "cpu_model": "11th Gen Intel(R) Core(TM) i7-1185G7 @ 3.00GHz",
            "device_type": "CPU",
            "epochs": "3",
            "learning_rate": "0.001",
            "memory_total_gb": "15.098518371582031",
            "platform": "Linux-5.14.0-570.25.1.el9_6.x86_64-x86_64-with-glibc2.31",
            "processor": "x86_64",
            "python_version": "3.12.4",
            "pytorch_version": "2.4.1+rocm6.1",
            "subset_percentage": "1",
            "epoch": "3",
            "extrapolated_epoch_time_hr": "25.27700599034627",
            "extrapolated_epoch_time_min": "1516.6203594207764",
            "extrapolated_total_time_hr": "75.83101797103882",
            "extrapolated_train_time_min": "1399.74897702535",
            "extrapolated_val_time_min": "116.87138239542644",
            "final_extrapolated_epoch_time_hr": "26.892089996072983",
            "final_extrapolated_total_time_hr": "80.67626998821895",
            "final_speedup_needed_for_1hr": "80.67626998821895",
            "subset_epoch_time_sec": "909.9722156524658",
            "subset_processing_efficiency": "0.3443103403433502",
            "subset_samples_per_sec": "0.9525517469331118",
            "subset_train_loss": "0.26926668314263225",
            "subset_train_time_sec": "839.84938621521",
            "subset_val_accuracy": "96",
            "subset_val_time_sec": "70.12282943725586",
        },
    ),
    (
        "Laptop-Multicore-2.0pct-8cores",
        "benchmark, extrapolation, laptop, multicore, subset",
        "2025-07-14T13:23:58.000Z",
        4753,
        {
            "architecture": "vit_b_16",
            "batch_size": "16",
            "cpu_count": "8",
            "cpu_count_logical": "8",
            "cpu_freq": "4226.474875",
            "cpu_model": "11th Gen Intel(R) Core(TM) i7-1185G7 @ 3.00GHz",
            "device_type": "CPU",
            "epochs": "3",
            "learning_rate": "0.001",
            "memory_total_gb": "15.098518371582031",
            "platform": "Linux-5.14.0-570.25.1.el9_6.x86_64-x86_64-with-glibc2.31",
            "processor": "x86_64",
            "python_version": "3.12.4",
            "pytorch_version": "2.4.1+rocm6.1",
            "subset_percentage": "2",
            "cpu_cores": "8",
            "pytorch_threads": "8",
            "scaling_strategy": "multi_core_cpu",
            "batch": "90",
            "epoch": "2",
            "extrapolated_elapsed_minutes": "929.9904374281564",
            "extrapolated_epoch_time_hr": "18.0314838455783",
            "extrapolated_epoch_time_min": "1081.889030734698",
            "extrapolated_total_time_hr": "54.0944515367349",
            "final_extrapolated_epoch_time_hr": "21.99381197050766",
            "final_extrapolated_total_time_hr": "65.98143591152298",
            "final_speedup_needed_for_1hr": "65.98143591152298",
            "multicore_efficiency": "0.42099383552407166",
            "progress_percentage": "100",
            "subset_acc": "56.93681318681319",
            "subset_elapsed_minutes": "18.59980874856313",
            "subset_epoch_time_min": "21.637846740086875",
            "subset_loss": "0.9475725640307416",
            "subset_samples_per_sec": "1.304672913292257",
            "subset_total_elapsed_min": "79.17770787080129",
            "subset_train_acc": "57.375",
            "subset_train_loss": "0.939566679596901",
            "subset_val_acc": "61",
            "subset_val_loss": "0.913291540145874",
        },
    ),
]
# the published GPU runs' config and summary figures; W&B leaves device/hardware empty for them
CLUSTER_CONFIG = (
    "architecture",
    "base_learning_rate",
    "batch_size_per_gpu",
    "effective_batch_size",
    "epochs",
    "gpus",
    "learning_rate",
    "nodes",
    "total_gpus",
)
CLUSTER_SUMMARY = ("acc", "epoch")
# which of the laptops' columns W&B files under summary (the rest are config)
LAPTOP_SUMMARY = {"batch", "epoch", "multicore_efficiency", "progress_percentage"} | {
    key
    for *_, cells in LAPTOP_RUNS
    for key in cells
    if key.startswith(("extrapolated_", "final_", "subset_")) and key != "subset_percentage"
}
FIXED = ["Name", "State", "Notes", "User", "Tags", "Created", "Runtime", "Sweep"]
PANELS = ("epoch", "running_accuracy", "train_loss")
BATCH_PANELS = ("batch_loss", "learning_rate")


def epoch_bounds(run: ClusterRun) -> tuple[np.ndarray, np.ndarray]:
    """When each epoch starts and ends (the first one longer)."""
    epoch_length = run.runtime_s / (run.epochs - 1 + FIRST_EPOCH_STRETCH)
    starts = np.concatenate(
        [[0.0], FIRST_EPOCH_STRETCH * epoch_length + epoch_length * np.arange(run.epochs - 1)]
    )
    return starts, np.append(starts[1:], run.runtime_s)


def one_cycle(step: np.ndarray, total_steps: int, max_lr: float) -> np.ndarray:
    """OneCycleLR's learning rate at each ``step`` (two phases, cosine annealing), as PyTorch
    computes it with its defaults."""
    initial = max_lr / DIV_FACTOR
    final = initial / FINAL_DIV_FACTOR
    peak = PCT_START * total_steps - 1
    last = total_steps - 1

    def cos(start: float, end: float, share: np.ndarray) -> np.ndarray:
        return end + (start - end) / 2 * (np.cos(np.pi * share) + 1)

    rising = cos(initial, max_lr, np.clip(step / peak, 0, 1))
    falling = cos(max_lr, final, np.clip((step - peak) / (last - peak), 0, 1))
    return np.where(step <= peak, rising, falling)


def batch_history(run: ClusterRun, rng: np.random.Generator) -> dict[str, np.ndarray]:
    """What the script logged every LOG_EVERY_BATCHES batches: the learning rate of its
    OneCycleLR schedule (stepped every batch over the planned epochs) and that batch's loss."""
    batches = -(-TRAIN_SAMPLES // (run.gpus * run.batch_per_gpu))
    starts, ends = epoch_bounds(run)
    logged = np.arange(0, batches, LOG_EVERY_BATCHES)
    times, steps = [], []
    for epoch, (start, end) in enumerate(zip(starts, ends, strict=True)):
        times.append(start + (logged + 1) / batches * (end - start))
        steps.append(epoch * batches + logged)
    t, step = np.concatenate(times), np.concatenate(steps).astype(float)
    progress = t / run.runtime_s
    # a batch's loss scatters more than an epoch's running mean (train_loss)
    loss = 7.0 * np.exp(-5.5 * progress) * np.exp(rng.normal(0, 0.35, t.size))
    if run.final_batch_loss is not None:
        loss[-1] = run.final_batch_loss  # the published summary value
    return {
        "_runtime": t,
        "learning_rate": one_cycle(step, run.epochs * batches, run.learning_rate),
        "batch_loss": loss,
    }


def history(run: ClusterRun, rng: np.random.Generator) -> dict[str, np.ndarray]:
    starts, ends = epoch_bounds(run)
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
    """The runs table as the W&B UI exports it: fixed columns, then every config column, then
    every summary column, each block alphabetical, empty where a run did not log the key."""
    rows = []
    for run in CLUSTER_RUNS:
        config = {
            "architecture": "vit_b_16",
            "base_learning_rate": "0.001",
            "batch_size_per_gpu": str(run.batch_per_gpu),
            "effective_batch_size": str(run.gpus * run.batch_per_gpu),
            "epochs": str(run.epochs),
            "gpus": str(run.gpus // run.nodes),  # per node, as the study's scripts logged it
            "learning_rate": fmt(run.learning_rate),
            "nodes": str(run.nodes),
            "total_gpus": str(run.gpus),
        }
        summary = {"acc": fmt(run.acc), "epoch": str(run.epochs - 1)}
        rows.append((run.name, "", run.created, run.runtime_s, {**config, **summary}))
    for name, tags, created, runtime, cells in LAPTOP_RUNS:
        rows.append((name, tags, created, runtime, cells))
    laptop_columns = {key for *_, cells in LAPTOP_RUNS for key in cells}
    summary_columns = sorted(set(CLUSTER_SUMMARY) | (laptop_columns & LAPTOP_SUMMARY))
    config_columns = sorted((set(CLUSTER_CONFIG) | laptop_columns) - set(summary_columns))
    with path.open("w", newline="") as handle:
        writer = csv.writer(handle, quoting=csv.QUOTE_ALL, lineterminator="\n")
        writer.writerow(FIXED + config_columns + summary_columns)
        for name, tags, created, runtime, cells in rows:
            fixed = [name, "finished", "-", "", tags, created, str(runtime), ""]
            writer.writerow(fixed + [cells.get(c, "") for c in config_columns + summary_columns])


def significant(value: object) -> str:
    """A value to 6 significant digits: a learning rate of 4e-09 is no 0."""
    return f"{value:.6g}" if isinstance(value, float) else fmt(value)


def write_panel(
    path: Path,
    metric: str,
    histories: dict[str, dict[str, np.ndarray]],
    value_text: Callable[[object], str] = fmt,
) -> None:
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
                row += [value_text(value)] * 3
            writer.writerow(row)


def main() -> None:
    rng = np.random.default_rng(SEED)
    histories = {run.name: history(run, rng) for run in CLUSTER_RUNS}
    batch_rng = np.random.default_rng(BATCH_SEED)
    per_batch = {run.name: batch_history(run, batch_rng) for run in CLUSTER_RUNS}
    write_runs_table(HERE / "runs_table.csv")
    for metric in PANELS:
        write_panel(HERE / f"panel_{metric}.csv", metric, histories)
    for metric in BATCH_PANELS:
        write_panel(HERE / f"panel_{metric}.csv", metric, per_batch, significant)
    (HERE / "provenance.json").write_text(
        json.dumps(
            {
                "study": "ViT-B/16, ImageNet subset, LUMI (AMD MI250X) 1-64 GPUs vs laptop",
                "summary_figures": "as published (runs table, laptop extrapolations)",
                "histories": "reconstructed in the shape of the published W&B charts",
                "batch_histories": {
                    "keys": list(BATCH_PANELS),
                    "status": "reconstructed, not logged data",
                    "logged": f"every {LOG_EVERY_BATCHES} batches of {TRAIN_SAMPLES:,} samples "
                    "an epoch over GPUs x batch per GPU (the published runs' last `batch`)",
                    "learning_rate": "OneCycleLR as the study's script scheduled it, with "
                    f"PyTorch's defaults (pct_start {PCT_START}, cosine, div_factor "
                    f"{DIV_FACTOR:g}, final_div_factor {FINAL_DIV_FACTOR:g}), max_lr = the "
                    "run's learning_rate, stepped every batch over its planned epochs",
                    "batch_loss": "a noisy exponential fall like train_loss's, ending at the "
                    "published summary's batch_loss where it is known (not the 64-GPU run)",
                    "seed": BATCH_SEED,
                },
                "generator": "data/sample/generate.py",
                "seed": SEED,
            },
            indent=2,
        )
        + "\n"
    )


if __name__ == "__main__":
    main()
