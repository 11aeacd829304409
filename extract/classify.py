"""Turning what a run logged into the facts the analysis needs: GPUs, nodes, platform, epochs.

Everything is read from the run's own config and summary (never from a table of run names);
command-line overrides win over what the run logged.
"""

from __future__ import annotations

import math
from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any

from .model import Platform

TOTAL_GPU_KEYS = ("total_gpus", "world_size", "num_gpus_total")
GPUS_PER_NODE_KEYS = ("gpus_per_node", "gpus")
NODE_KEYS = ("nodes", "num_nodes", "n_nodes")
EPOCH_KEYS = ("epochs", "num_epochs", "total_epochs", "max_epochs")
DEVICE_KEYS = ("device_type", "device", "hardware", "accelerator")
LAPTOP_WORDS = ("cpu", "laptop", "notebook", "macbook")
CLUSTER_WORDS = ("cuda", "gpu", "rocm", "hip", "mi250", "a100", "h100", "cluster", "lumi")


@dataclass
class Overrides:
    """Per-run corrections given on the command line, keyed by run name."""

    platform: dict[str, Platform] = field(default_factory=dict)
    gpus: dict[str, int] = field(default_factory=dict)
    nodes: dict[str, int] = field(default_factory=dict)


class BadValue(ValueError):
    """A logged value that cannot mean what its key says; ``key`` names the column."""

    def __init__(self, key: str, value: Any, expected: str) -> None:
        self.key = key
        super().__init__(f"{value!r} is not {expected}")


def first_number(mapping: Mapping[str, Any], keys: tuple[str, ...]) -> float | None:
    """The first finite number among ``keys``; text or NaN there counts as not logged."""
    for key in keys:
        value = mapping.get(key)
        if isinstance(value, int | float) and not isinstance(value, bool) and math.isfinite(value):
            return float(value)
    return None


def first_count(mapping: Mapping[str, Any], keys: tuple[str, ...]) -> int | None:
    """The first count among ``keys``; a value that is not a whole number >= 0 is an error."""
    for key in keys:
        value = mapping.get(key)
        if value is None:
            continue
        if (
            isinstance(value, bool)
            or not isinstance(value, int | float)
            or not math.isfinite(value)
            or value < 0
            or value != int(value)
        ):
            raise BadValue(key, value, "a whole number of devices")
        return int(value)
    return None


def node_count(config: Mapping[str, Any]) -> int:
    nodes = first_count(config, NODE_KEYS)
    return nodes if nodes else 1


def gpu_count(config: Mapping[str, Any]) -> int:
    """Total GPUs: an explicit total, else nodes x GPUs per node (``gpus`` counts per node)."""
    total = first_count(config, TOTAL_GPU_KEYS)
    if total is not None:
        return total
    per_node = first_count(config, GPUS_PER_NODE_KEYS)
    if per_node is not None:
        return per_node * node_count(config)
    return 0


def platform_of(config: Mapping[str, Any], gpus: int) -> Platform:
    for key in DEVICE_KEYS:
        value = config.get(key)
        if isinstance(value, str) and value:
            text = value.lower()
            if any(word in text for word in LAPTOP_WORDS):
                return "laptop"
            if any(word in text for word in CLUSTER_WORDS):
                return "cluster"
    return "cluster" if gpus >= 1 else "laptop"


def epoch_count(config: Mapping[str, Any], summary: Mapping[str, Any]) -> float | None:
    """Epochs the run trained: the configured count, else the last logged 0-based epoch + 1."""
    configured = first_number(config, EPOCH_KEYS)
    if configured:
        return configured
    last = first_number(summary, ("epoch",))
    return last + 1 if last is not None else None


@dataclass
class Extrapolation:
    time_s: float
    method: str
    inputs: dict[str, float] = field(default_factory=dict)


def logged_extrapolation(summary: Mapping[str, Any], epochs: float | None) -> Extrapolation | None:
    """The full-job time a partial run logged for itself, if it did."""
    total_hr = first_number(summary, ("extrapolated_total_time_hr",))
    if total_hr and total_hr > 0:
        return Extrapolation(total_hr * 3600.0, "logged extrapolated_total_time_hr")
    epoch_hr = first_number(summary, ("extrapolated_epoch_time_hr",))
    if epoch_hr and epoch_hr > 0 and epochs:
        return Extrapolation(
            epoch_hr * 3600.0 * epochs, "logged extrapolated_epoch_time_hr x epochs"
        )
    return None


def throughput_extrapolation(
    summary: Mapping[str, Any],
    config: Mapping[str, Any],
    runtime_s: float,
    epochs: float | None,
) -> Extrapolation | None:
    """The full job's time from a partial run's own pace, when it logged how far it got.

    - ``progress_percentage`` p (of the whole job) after ``runtime_s``: runtime x 100 / p.
    - ``epoch`` (last, 0-based) on ``subset_percentage`` s of the data: the time per epoch on
      the subset, scaled to all the data (x 100 / s), times the configured epochs.
    Both assume the pace stays what it was: an estimate, and marked as one.
    """
    if runtime_s <= 0:
        return None
    subset = first_number(config, ("subset_percentage",)) or first_number(
        summary, ("subset_percentage",)
    )
    last_epoch = first_number(summary, ("epoch",))
    if subset and 0 < subset < 100 and last_epoch is not None and epochs:
        done = last_epoch + 1
        per_epoch = runtime_s / done * 100.0 / subset
        return Extrapolation(
            per_epoch * epochs,
            "throughput: runtime / epochs done x 100 / subset_percentage x epochs",
            {
                "runtime_s": runtime_s,
                "epochs_done": done,
                "subset_percentage": subset,
                "epochs": float(epochs),
            },
        )
    progress = first_number(summary, ("progress_percentage",))
    if progress and 0 < progress < 100:
        return Extrapolation(
            runtime_s * 100.0 / progress,
            "throughput: runtime x 100 / progress_percentage",
            {"runtime_s": runtime_s, "progress_percentage": progress},
        )
    return None
