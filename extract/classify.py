"""Turning what a run logged into the facts the analysis needs: GPUs, nodes, platform, epochs.

Everything is read from the run's own config and summary (never from a table of run names);
command-line overrides win over what the run logged.
"""

from __future__ import annotations

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


def first_number(mapping: Mapping[str, Any], keys: tuple[str, ...]) -> float | None:
    for key in keys:
        value = mapping.get(key)
        if isinstance(value, int | float) and not isinstance(value, bool):
            return float(value)
    return None


def node_count(config: Mapping[str, Any]) -> int:
    nodes = first_number(config, NODE_KEYS)
    return int(nodes) if nodes and nodes >= 1 else 1


def gpu_count(config: Mapping[str, Any]) -> int:
    """Total GPUs: an explicit total, else nodes x GPUs per node (``gpus`` counts per node)."""
    total = first_number(config, TOTAL_GPU_KEYS)
    if total is not None:
        return int(total)
    per_node = first_number(config, GPUS_PER_NODE_KEYS)
    if per_node is not None:
        return int(per_node) * node_count(config)
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
