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

__all__ = ["BadValue", "Correction", "Corrections"]


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
    kind: str | None = None  # what the run is (model.KIND_WORDS), when the rules read it wrong


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
                for name in (
                    "platform",
                    "gpus",
                    "nodes",
                    "cores",
                    "epochs",
                    "epochs_done",
                    "label",
                    "kind",
                )
            }
            merged[key] = Correction(
                origin=new.origin, exclude=new.exclude or old.exclude, **values
            )
        return Corrections(merged)


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


# An estimate rests on training pace timed after start-up, and needs a quarter of an epoch
# measured: below it the pace is timed over a few steps (a smoke test of ten steps is about a
# hundredth of an epoch) and multiplied by more than four times the planned epochs, with no
# epoch's end (its evaluation, its checkpoint) in it. Such a run's full job is unknown.
MIN_MEASURED_EPOCHS = 0.25


def pace_extrapolation(
    config: Mapping[str, Any],
    summary: Mapping[str, Any],
    runtime_s: float,
    epochs: float | None,
    epochs_done: float | None,
    progress: list[tuple[float, float]] | None = None,
    logged_until: float | None = None,
    first_training: tuple[float, float] | None = None,
) -> Extrapolation | None:
    """The full job's time from a partial run's own pace: a run on ``subset_percentage`` of the
    data, or one that stopped before its planned epochs. A stopped run counts its start-up
    once (``progress``: epochs complete against time, from the history): with two whole epochs
    or more, the time its first epoch was done (start-up and that epoch), then the pace of the
    whole epochs after it; with less, the time of its first training row (the start-up;
    ``first_training``: its time and the epochs complete then), then the pace of all it
    trained since.
    The pace ends at ``logged_until``, the last row logged (where ``epochs_done`` was read),
    not at the runtime, which holds wandb's own teardown. Assumes the pace stays what it was: an
    estimate, marked as one, saying how much was measured."""
    if runtime_s <= 0 or not epochs or not epochs_done:
        return None
    subset = _number(config, "subset_percentage") or _number(summary, "subset_percentage")
    scale = 100.0 / subset if subset and 0 < subset < 100 else 1.0
    if scale == 1.0 and epochs_done >= epochs:
        return None  # the whole job, measured
    inputs = {"runtime_s": runtime_s, "epochs_done": epochs_done, "epochs": float(epochs)}
    if scale != 1.0:
        inputs["subset_percentage"] = float(subset or 0)
        method = "pace: runtime / epochs done x 100 / subset_percentage x planned epochs"
        return Extrapolation(runtime_s / epochs_done * scale * epochs, method, inputs)
    if epochs_done < MIN_MEASURED_EPOCHS:
        return None
    measured = f"{epochs_done:g} of {epochs:g} epochs measured"
    points = sorted((t, c) for t, c in progress or [] if 0 <= t <= runtime_s + 1e-9 and c > 0)
    end = logged_until if logged_until is not None and 0 < logged_until <= runtime_s else runtime_s
    marks = _marks(points)
    if len(marks) >= 2:
        # whole epochs after the first: their pace is exact, each epoch's end included
        first, pace = marks[0], (marks[-1] - marks[0]) / (len(marks) - 1)
        how = f"epochs 2-{len(marks)}" if len(marks) > 2 else "epoch 2"
        inputs |= {"first_epoch_s": round(first, 3), "epoch_s": round(pace, 3)}
        method = (
            f"pace: first epoch {first:.3g} s with start-up, then {pace:.3g} s an epoch "
            f"({how}); {measured}"
        )
        return Extrapolation(first + pace * (epochs - 1), method, inputs)
    begun = first_training or (points[0] if points else None)
    if begun is not None and epochs_done > begun[1] and end > begun[0]:
        # less than two whole epochs: the pace of everything trained after the start-up (the
        # first training row), an epoch's end in it as often as it came; without training
        # rows told apart, after the first progress logged (which may be an epoch's end)
        start, at = begun
        pace = (end - start) / (epochs_done - at)
        timed = epochs_done - at
        inputs |= {"epoch_s": round(pace, 3)}
        if first_training is not None:
            inputs["start_up_s"] = round(start, 3)
            began = f"start-up {start:.3g} s (to the first training row)"
        else:
            inputs["first_progress_s"] = round(start, 3)
            began = f"{at:g} of an epoch done at {start:.3g} s (start-up included)"
        method = (
            f"pace: {began}, then {pace:.3g} s an epoch (timed over the {timed:.2g} "
            f"{'epoch' if timed == 1 else 'epochs'} trained since); {measured}"
        )
        return Extrapolation(start + pace * (epochs - at), method, inputs)
    method = (
        "pace: runtime / epochs done x planned epochs (no epoch times logged: start-up "
        f"not told apart); {measured}"
    )
    return Extrapolation(runtime_s / epochs_done * epochs, method, inputs)


def _marks(points: list[tuple[float, float]]) -> list[float]:
    """When each whole epoch was complete, from (time, epochs complete) in order of time."""
    found: list[float] = []
    for t, done in points:
        while done >= len(found) + 1 - 1e-9:
            found.append(t)
    return found


def _number(mapping: Mapping[str, Any], key: str) -> float | None:
    value = mapping.get(key)
    if isinstance(value, int | float) and not isinstance(value, bool) and math.isfinite(value):
        return float(value)
    return None
