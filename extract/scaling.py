"""Strong scaling: speedup and parallel efficiency by GPU count, and an Amdahl's-law fit."""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from .analysis import baseline_run, speedup_over
from .model import Run


@dataclass(frozen=True)
class ScalingPoint:
    run: Run
    gpus: int
    speedup: float
    efficiency: float


@dataclass(frozen=True)
class AmdahlFit:
    """S(n) = 1 / (f + (1 - f) / n) with n in units of the baseline's GPUs."""

    serial_fraction: float
    baseline_gpus: int

    def speedup(self, gpus: float | np.ndarray) -> float | np.ndarray:
        n = np.asarray(gpus, dtype=float) / self.baseline_gpus
        return 1.0 / (self.serial_fraction + (1.0 - self.serial_fraction) / n)

    @property
    def limit(self) -> float:
        """The speedup no number of GPUs can pass: 1 / f."""
        return float("inf") if self.serial_fraction <= 0 else 1.0 / self.serial_fraction


def scaling_points(runs: list[Run]) -> list[ScalingPoint]:
    """One point per GPU count (its fastest finished run), per epoch against the baseline."""
    baseline = baseline_run(runs)
    if baseline is None:
        return []
    fastest: dict[int, Run] = {}
    for run in runs:
        if run.platform != "cluster" or not run.finished or run.gpus < 1:
            continue
        best = fastest.get(run.gpus)
        if best is None or (run.time_per_epoch_s or run.time_s) < (
            best.time_per_epoch_s or best.time_s
        ):
            fastest[run.gpus] = run
    points = []
    for gpus in sorted(fastest):
        speedup = speedup_over(baseline, fastest[gpus])
        if speedup is None:
            continue
        points.append(ScalingPoint(fastest[gpus], gpus, speedup, speedup * baseline.gpus / gpus))
    return points


def fit_amdahl(points: list[ScalingPoint]) -> AmdahlFit | None:
    """The serial fraction f that best fits the measured speedups in relative terms.

    Least squares on log S: speedups span orders of magnitude, and a fit on S or 1/S would let
    one end of the range decide it. f is found on a fine grid over [0, 1], then refined.
    """
    if len(points) < 2 or all(p.gpus == points[0].gpus for p in points):
        return None
    baseline_gpus = points[0].gpus
    n = np.array([p.gpus / baseline_gpus for p in points])[:, None]
    measured = np.log([p.speedup for p in points])[:, None]

    def best_of(candidates: np.ndarray) -> float:
        model = -np.log(candidates + (1.0 - candidates) / n)
        return float(candidates[np.argmin(((model - measured) ** 2).sum(axis=0))])

    coarse = best_of(np.concatenate([[0.0], np.logspace(-6, 0, 4001)]))
    fine = best_of(np.linspace(max(0.0, coarse * 0.99), min(1.0, coarse * 1.01 + 1e-9), 4001))
    return AmdahlFit(fine, baseline_gpus)


def gpus_per_node(runs: list[Run]) -> int | None:
    """The most GPUs a single-node run used: where a node boundary falls on a scaling chart."""
    single = [r.gpus for r in runs if r.platform == "cluster" and r.nodes == 1 and r.gpus >= 1]
    multi = [r for r in runs if r.platform == "cluster" and r.nodes > 1]
    if not single or not multi:
        return None
    return max(single)
