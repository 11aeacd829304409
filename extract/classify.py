"""Corrections a user states for runs (study file, command line), and a laptop run's full-job
time when it trained on part of the data or stopped early.

The facts themselves are decided from evidence by the rules in rules.py and the policy in
decide.py; epochs done in epochs_done.py.
"""

from __future__ import annotations

import math
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from typing import Any

from .model import Platform, Run
from .rules import BadValue

__all__ = ["BadValue", "Correction", "Corrections", "Overrides"]


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

    def for_runs(self, runs: Iterable[Run]) -> None:
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
