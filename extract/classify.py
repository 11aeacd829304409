"""Deciding the facts the analysis needs (platform, GPUs, nodes, cores, epochs planned and done)
from what a run logged, each from an ordered list of evidence, and keeping which evidence won.

The order, for every source: a correction (study file, command line); the run's config and
summary under the names the common stacks use (LUMI-style scripts, PyTorch Lightning, Hugging
Face Trainer, Accelerate/DeepSpeed, the W&B runs-table columns); then what wandb itself recorded
about the machine (Slurm allocation, GPUs, CPUs). A run's name is never evidence. Where nothing
says, the fact is ``None``: unknown, never a default.
"""

from __future__ import annotations

import math
import re
from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any

import numpy as np
import pandas as pd

from .model import Evidence, Platform

TOTAL_GPU_KEYS = ("total_gpus", "world_size", "num_gpus_total", "num_processes", "n_gpus_total")
GPUS_PER_NODE_KEYS = ("gpus_per_node", "gpus")
NODE_KEYS = ("nodes", "num_nodes", "n_nodes", "num_machines")
CORE_KEYS = ("cpu_cores", "cores", "num_cores", "n_cores")
THREAD_KEYS = ("pytorch_threads", "num_threads", "torch_threads", "n_threads")
MACHINE_CPU_KEYS = ("cpu_count_logical", "cpu_count")
EPOCH_KEYS = ("epochs", "num_epochs", "total_epochs", "max_epochs", "num_train_epochs", "n_epochs")
FRACTIONAL_EPOCH_KEYS = ("train/epoch", "epoch")
DEVICE_KEYS = ("device_type", "device", "hardware", "accelerator", "scaling_strategy")
CPU_FLAG_KEYS = ("use_cpu", "no_cuda")
CPU_WORDS = ("cpu", "laptop", "notebook", "macbook")
GPU_WORDS = (
    "cuda",
    "gpu",
    "rocm",
    "hip",
    "mi250",
    "mi300",
    "a100",
    "h100",
    "v100",
    "nccl",
    "ddp",
    "distributeddataparallel",
    "cluster",
    "lumi",
    "hpc",
    "slurm",
)
LAPTOP_TAGS = ("laptop", "cpu", "notebook")
CLUSTER_TAGS = ("cluster", "gpu", "hpc", "lumi", "slurm", "multi-gpu", "multi_gpu")


@dataclass
class Correction:
    """Facts a user states for one run (study file or command line); ``origin`` names where."""

    origin: str
    platform: Platform | None = None
    gpus: int | None = None
    nodes: int | None = None
    cores: int | None = None
    epochs: float | None = None
    epochs_done: float | None = None
    label: str | None = None
    exclude: bool = False


@dataclass
class Corrections:
    """Corrections keyed by run id or run name; ``used`` records which keys matched a run."""

    by_key: dict[str, Correction] = field(default_factory=dict)
    used: set[str] = field(default_factory=set)

    def for_run(self, run_id: str, name: str) -> Correction | None:
        for key in (run_id, name):
            if key in self.by_key:
                self.used.add(key)
                return self.by_key[key]
        return None

    def for_runs(self, runs) -> None:
        """Mark the entries that match any of ``runs`` as used."""
        for run in runs:
            self.for_run(run.run_id, run.name)

    def unused(self) -> list[str]:
        return [key for key in self.by_key if key not in self.used]

    def merged_with(self, other: Corrections) -> Corrections:
        """``other`` wins field by field (the command line over the study file)."""
        merged = dict(self.by_key)
        for key, new in other.by_key.items():
            old = merged.get(key)
            if old is None:
                merged[key] = new
                continue
            values = {
                name: getattr(new, name) if getattr(new, name) is not None else getattr(old, name)
                for name in ("platform", "gpus", "nodes", "cores", "epochs", "epochs_done", "label")
            }
            merged[key] = Correction(
                origin=new.origin, exclude=new.exclude or old.exclude, **values
            )
        return Corrections(merged)


# the command line's --gpus/--nodes/--platform are corrections too
Overrides = Corrections


class BadValue(ValueError):
    """A logged value that cannot mean what its key says; ``key`` names the column."""

    def __init__(self, key: str, value: Any, expected: str) -> None:
        self.key = key
        super().__init__(f"{value!r} is not {expected}")


@dataclass(frozen=True)
class Found:
    value: Any
    evidence: Evidence
    word: str = ""  # how the value is said, where the key tells: "cores" or "threads"


class Logged:
    """A run's logs as places to look, in order: config, summary, then the machine."""

    def __init__(
        self,
        config: Mapping[str, Any],
        summary: Mapping[str, Any],
        metadata: Mapping[str, Any],
        tags: list[str],
    ) -> None:
        self.places = (("config", config), ("summary", summary))
        self.config, self.summary, self.metadata = config, summary, metadata
        self.tags = [t.lower() for t in tags]

    def first(self, keys: tuple[str, ...], accept) -> Found | None:
        """The first value among ``keys`` that ``accept`` turns into a fact (None = not it)."""
        for key in keys:
            for source, values in self.places:
                if key in values and values[key] is not None:
                    value = accept(key, values[key])
                    if value is not None:
                        return Found(value, Evidence(source, key, _text(values[key])))
        return None

    def machine(self, key: str, accept) -> Found | None:
        if key in self.metadata and self.metadata[key] is not None:
            value = accept(key, self.metadata[key])
            if value is not None:
                return Found(value, Evidence("environment", key, _text(self.metadata[key])))
        return None


def _text(value: Any) -> str:
    if isinstance(value, float) and value.is_integer():
        return str(int(value))
    return str(value)


def count(key: str, value: Any) -> int | None:
    """A whole number of devices or nodes; text that is not a number is not a count, but a
    number that cannot be one (negative, fractional) is an error."""
    if isinstance(value, str):
        value = value.strip()
        if not value.lstrip("-").isdigit():
            return None
        value = int(value)
    if isinstance(value, bool) or not isinstance(value, int | float):
        return None
    if not math.isfinite(value) or value < 0 or value != int(value):
        raise BadValue(key, value, "a whole number of devices")
    return int(value)


def positive_count(key: str, value: Any) -> int | None:
    number = count(key, value)
    return number if number else None


def positive_number(key: str, value: Any) -> float | None:
    if isinstance(value, bool) or not isinstance(value, int | float):
        return None
    return float(value) if math.isfinite(value) and value > 0 else None


def _lightning_devices(value: Any) -> int | None:
    """Lightning's ``devices``: an int, a list of device indices, or '4' / '0,1'; 'auto' and -1
    (all devices of the machine) say nothing about how many."""
    if isinstance(value, list):
        return len(value) or None
    if isinstance(value, str):
        parts = [p for p in value.split(",") if p.strip()]
        if len(parts) > 1:
            return len(parts)
        value = value.strip()
        return int(value) if value.isdigit() and int(value) > 0 else None
    if isinstance(value, int) and not isinstance(value, bool) and value > 0:
        return value
    return None


def decide_gpus(logged: Logged, correction: Correction | None) -> Found | None:
    if correction and correction.gpus is not None:
        return Found(correction.gpus, Evidence(correction.origin, "gpus", str(correction.gpus)))
    total = logged.first(TOTAL_GPU_KEYS, count)
    if total is not None and total.value >= 1:
        return total
    per_node = logged.first(GPUS_PER_NODE_KEYS, count)
    if per_node is not None and per_node.value >= 1:
        nodes = logged.first(NODE_KEYS, positive_count)
        if nodes is None:  # a lone "gpus" is the run's GPUs
            return per_node
        value = per_node.value * nodes.value
        return Found(
            value,
            Evidence(
                per_node.evidence.source,
                f"{per_node.evidence.key} x {nodes.evidence.key}",
                f"{per_node.value} x {nodes.value}",
            ),
        )
    accelerator = str(logged.config.get("accelerator", "")).lower()
    devices = _lightning_devices(logged.config.get("devices"))
    if devices and any(word in accelerator for word in ("gpu", "cuda", "rocm", "hip")):
        machines = count("num_nodes", logged.config.get("num_nodes", 1)) or 1
        return Found(
            devices * machines,
            Evidence("config", "devices x num_nodes", f"{devices} x {machines}"),
        )
    on_node = logged.machine("slurm.gpus_on_node", positive_count)
    slurm_nodes = logged.machine("slurm.nnodes", positive_count) or logged.machine(
        "slurm.job_num_nodes", positive_count
    )
    if on_node is not None:
        nodes_value = slurm_nodes.value if slurm_nodes else 1
        key = (
            f"slurm.gpus_on_node x {slurm_nodes.evidence.key}"
            if slurm_nodes
            else on_node.evidence.key
        )
        return Found(
            on_node.value * nodes_value,
            Evidence("environment", key, f"{on_node.value} x {nodes_value}"),
        )
    machine_gpus = logged.machine("gpu_count", positive_count)
    if machine_gpus is not None:
        nodes_value = slurm_nodes.value if slurm_nodes else 1
        return Found(
            machine_gpus.value * nodes_value,
            Evidence(
                "environment",
                "gpu_count (GPUs on the machine)" + (" x slurm.nnodes" if slurm_nodes else ""),
                f"{machine_gpus.value} x {nodes_value}" if slurm_nodes else str(machine_gpus.value),
            ),
        )
    return None


def decide_nodes(logged: Logged, correction: Correction | None) -> Found | None:
    if correction and correction.nodes is not None:
        return Found(correction.nodes, Evidence(correction.origin, "nodes", str(correction.nodes)))
    nodes = logged.first(NODE_KEYS, positive_count)
    if nodes is not None:
        return nodes
    return logged.machine("slurm.nnodes", positive_count) or logged.machine(
        "slurm.job_num_nodes", positive_count
    )


def _platform_word(key: str, value: Any) -> Platform | None:
    """'cuda', 'gpu', 'LUMI AMD MI250X' or 'distributeddataparallel_multi_node' say cluster;
    'cpu' or 'multi_core_cpu' say laptop. Whole words only: 'chip' is no 'hip'."""
    if not isinstance(value, str) or not value:
        return None
    tokens = re.findall(r"[a-z0-9]+", value.lower())
    if any(token.startswith(word) for token in tokens for word in GPU_WORDS):
        return "cluster"
    if any(token.startswith(word) for token in tokens for word in CPU_WORDS):
        return "laptop"
    return None


def _cpu_flag(key: str, value: Any) -> Platform | None:
    return "laptop" if value is True else None


def decide_platform(
    logged: Logged, correction: Correction | None, gpus: Found | None
) -> Found | None:
    if correction and correction.platform is not None:
        return Found(
            correction.platform, Evidence(correction.origin, "platform", correction.platform)
        )
    said = logged.first(DEVICE_KEYS, _platform_word)
    if said is not None:
        return said
    cpu_only = logged.first(CPU_FLAG_KEYS, _cpu_flag)
    if cpu_only is not None:
        return cpu_only
    if gpus is not None and gpus.value >= 1:
        return Found("cluster", gpus.evidence)
    slurm = logged.machine("slurm.job_id", lambda _k, v: "cluster" if str(v) else None)
    if slurm is not None:
        return slurm
    gpu_type = logged.machine("gpu_type", lambda _k, v: "cluster" if str(v) else None)
    if gpu_type is not None:
        return gpu_type
    for tag in logged.tags:
        if tag in LAPTOP_TAGS:
            return Found("laptop", Evidence("tags", "tag", tag))
        if tag in CLUSTER_TAGS:
            return Found("cluster", Evidence("tags", "tag", tag))
    # wandb looked at the machine and found no GPU and no Slurm job: a CPU-only machine
    cpus = logged.machine("cpu_count", positive_count)
    gpu_or_slurm = any(
        key.startswith("slurm.") or (key.startswith("gpu") and value not in (0, "", None, []))
        for key, value in logged.metadata.items()
    )
    if cpus is not None and not gpu_or_slurm:
        return Found(
            "laptop", Evidence("environment", "gpu_count, slurm", "none recorded (CPU only)")
        )
    return None


def decide_cores(logged: Logged, correction: Correction | None) -> tuple[Found | None, str]:
    """CPU cores (or threads) the run used; the word says which was logged."""
    if correction and correction.cores is not None:
        found = Found(correction.cores, Evidence(correction.origin, "cores", str(correction.cores)))
        return found, "cores"
    cores = logged.first(CORE_KEYS, positive_count)
    if cores is not None:
        return cores, "cores"
    threads = logged.first(THREAD_KEYS, positive_count)
    if threads is not None:
        return threads, "threads"
    # the machine's count: logical CPUs are hardware threads, cpu_count is what os.cpu_count()
    # or psutil said (the published laptop logged 8 for its 4-core, 8-thread CPU)
    machine = logged.first(MACHINE_CPU_KEYS, positive_count)
    if machine is not None:
        return machine, "threads" if machine.evidence.key == "cpu_count_logical" else "cores"
    for key in MACHINE_CPU_KEYS:
        recorded = logged.machine(key, positive_count)
        if recorded is not None:
            return recorded, "threads" if key == "cpu_count_logical" else "cores"
    return None, "cores"


def decide_epochs(logged: Logged, correction: Correction | None) -> Found | None:
    """Epochs the run planned."""
    if correction and correction.epochs is not None:
        return Found(
            correction.epochs, Evidence(correction.origin, "epochs", _text(correction.epochs))
        )
    return logged.first(EPOCH_KEYS, positive_number)


def decide_epochs_done(
    logged: Logged,
    history: pd.DataFrame,
    state: str,
    planned: Found | None,
    correction: Correction | None,
) -> Found | None:
    """Epochs the run did, from how far it logged it got; a finished run did its plan."""
    if correction and correction.epochs_done is not None:
        stated = correction.epochs_done
        return Found(stated, Evidence(correction.origin, "epochs_done", _text(stated)))
    by_progress = _done_by_progress(logged, history, planned) if planned is not None else None
    if by_progress is not None:
        return by_progress
    for key in FRACTIONAL_EPOCH_KEYS:
        by_epoch = _done_by_epoch_key(logged, history, key, state == "finished")
        if by_epoch is not None:
            if planned is not None and by_epoch.value > planned.value:
                return Found(planned.value, by_epoch.evidence)
            return by_epoch
    if state == "finished" and planned is not None:
        return Found(
            planned.value, Evidence("state", "finished, planned epochs", _text(planned.value))
        )
    return None


def _done_by_progress(logged: Logged, history: pd.DataFrame, planned: Found) -> Found | None:
    """An overall progress_percentage (history, else summary) times the planned epochs."""
    progress = _history_progress(history)
    if progress is None:
        progress = logged.first(
            ("progress_percentage",),
            lambda _k, v: positive_number(_k, v) if not isinstance(v, bool) else None,
        )
        if progress is not None and progress.evidence.source == "config":
            progress = None
    if progress is None:
        return None
    share = min(float(progress.value), 100.0) / 100.0
    return Found(
        round(share * planned.value, 6),
        Evidence(
            progress.evidence.source,
            f"{progress.evidence.key} x planned epochs",
            f"{progress.evidence.value}% x {_text(planned.value)}",
        ),
    )


def _last_epoch_value(logged: Logged, history: pd.DataFrame, key: str) -> Found | None:
    """The last value of an epoch key (history, else summary), with whether it is fractional
    (as the Found's word)."""
    values = _history_values(history, key)
    if values is not None:
        fractional = bool(np.any(values != np.floor(values)))
        last = float(values.max())
        return Found(last, Evidence("history", key, _text(last)), "fraction" if fractional else "")
    summary = _number(logged.summary, key)
    if summary is None or summary < 0:
        return None
    word = "" if summary.is_integer() else "fraction"
    return Found(summary, Evidence("summary", key, _text(summary)), word)


def _done_by_epoch_key(
    logged: Logged, history: pd.DataFrame, key: str, finished: bool
) -> Found | None:
    last = _last_epoch_value(logged, history, key)
    if last is None:
        return None
    value = float(last.value)
    if last.word == "fraction" or key == "train/epoch":
        # Hugging Face counts epochs done as a fraction (1.5 = halfway through the second)
        done, how = value, "last value (epochs done)"
    elif finished:
        # a 0-based epoch index, logged while that epoch runs: a finished run did it too
        done, how = value + 1, "last 0-based index + 1"
    else:
        done, how = value, "last 0-based index (epochs completed)"
        partial = _share_of_last_epoch(history, key, value)
        if partial is not None:
            # a stopped run is part-way through its last epoch: its logged steps there, over
            # a complete epoch's, say how far (what a partial run's estimate is built on)
            done = value + partial
            how = f"last 0-based index + {partial:.2f} of an epoch by steps logged"
    done = round(done, 6)
    said = f"{_text(value)}, so {_text(done)} done" if done != value else _text(value)
    return Found(done, Evidence(last.evidence.source, f"{key} ({how})", said))


def _share_of_last_epoch(history: pd.DataFrame, key: str, last: float) -> float | None:
    """Rows logged in the last (unfinished) epoch over the median rows of a complete one."""
    values = _history_values(history, key)
    if values is None or last < 1:
        return None
    complete = [int(np.sum(values == epoch)) for epoch in range(int(last))]
    if not complete or min(complete) == 0:
        return None
    return min(1.0, float(np.sum(values == last)) / float(np.median(complete)))


def _history_values(history: pd.DataFrame, key: str) -> np.ndarray | None:
    if key not in history or not len(history):
        return None
    values = pd.to_numeric(history[key], errors="coerce").to_numpy(dtype=float)
    values = values[np.isfinite(values)]
    return values if values.size else None


def _history_progress(history: pd.DataFrame) -> Found | None:
    """An overall progress_percentage from the history: it must never go back (a per-epoch
    percentage restarts every epoch, and is no measure of the whole job)."""
    values = _history_values(history, "progress_percentage")
    if values is None or np.any(np.diff(values) < -1e-9) or values.max() <= 0:
        return None
    last = float(values[-1])
    return Found(last, Evidence("history", "progress_percentage", _text(round(last, 4))))


@dataclass
class Extrapolation:
    time_s: float
    method: str
    inputs: dict[str, float] = field(default_factory=dict)


def logged_extrapolation(summary: Mapping[str, Any], epochs: float | None) -> Extrapolation | None:
    """The full-job time a partial run logged for itself, if it did."""
    total_hr = _number(summary, "extrapolated_total_time_hr")
    if total_hr and total_hr > 0:
        return Extrapolation(total_hr * 3600.0, "logged extrapolated_total_time_hr")
    epoch_hr = _number(summary, "extrapolated_epoch_time_hr")
    if epoch_hr and epoch_hr > 0 and epochs:
        return Extrapolation(
            epoch_hr * 3600.0 * epochs, "logged extrapolated_epoch_time_hr x epochs"
        )
    return None


def pace_extrapolation(
    config: Mapping[str, Any],
    summary: Mapping[str, Any],
    runtime_s: float,
    epochs: float | None,
    epochs_done: float | None,
) -> Extrapolation | None:
    """The full job's time from a partial run's own pace: a run on ``subset_percentage`` of the
    data, or one that stopped before its planned epochs. Assumes the pace stays what it was: an
    estimate, and marked as one."""
    if runtime_s <= 0 or not epochs or not epochs_done:
        return None
    subset = _number(config, "subset_percentage") or _number(summary, "subset_percentage")
    scale = 100.0 / subset if subset and 0 < subset < 100 else 1.0
    if scale == 1.0 and epochs_done >= epochs:
        return None  # the whole job, measured
    per_epoch = runtime_s / epochs_done * scale
    inputs = {"runtime_s": runtime_s, "epochs_done": epochs_done, "epochs": float(epochs)}
    method = "pace: runtime / epochs done x planned epochs"
    if scale != 1.0:
        inputs["subset_percentage"] = float(subset or 0)
        method = "pace: runtime / epochs done x 100 / subset_percentage x planned epochs"
    return Extrapolation(per_epoch * epochs, method, inputs)


def _number(mapping: Mapping[str, Any], key: str) -> float | None:
    value = mapping.get(key)
    if isinstance(value, int | float) and not isinstance(value, bool) and math.isfinite(value):
        return float(value)
    return None
