"""Strong scaling: speedup and parallel efficiency by GPU count, and an Amdahl's-law fit."""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from extract.model import Run
from extract.studyfile import StudyFile

from .analysis import baseline_run, speedup_over
from .selection import one_per_gpu_count, select


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
    # how far the measured speedups are from the fitted curve: the typical relative error
    # (root mean square of the log ratio, as a fraction: 0.05 = about 5% off)
    residual: float = 0.0

    # beyond this the curve does not describe the points, and is not drawn or quoted
    POOR = 0.15

    @property
    def poor(self) -> bool:
        return self.residual > self.POOR

    def speedup(self, gpus: float | np.ndarray) -> float | np.ndarray:
        n = np.asarray(gpus, dtype=float) / self.baseline_gpus
        return 1.0 / (self.serial_fraction + (1.0 - self.serial_fraction) / n)

    @property
    def limit(self) -> float:
        """The speedup no number of GPUs can pass: 1 / f."""
        return float("inf") if self.serial_fraction <= 0 else 1.0 / self.serial_fraction


def scaling_points(runs: list[Run], study: StudyFile | None = None) -> list[ScalingPoint]:
    """One point per GPU count (the run that stands for it), per epoch against the baseline."""
    shown = one_per_gpu_count(select(runs, study).cluster)
    baseline = baseline_run(shown, study)
    if baseline is None or not baseline.gpus:
        return []
    points = []
    for run in sorted(shown, key=lambda r: r.gpus or 0):
        speedup = speedup_over(baseline, run)
        if speedup is None or not run.gpus:
            continue
        points.append(ScalingPoint(run, run.gpus, speedup, speedup * baseline.gpus / run.gpus))
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
    model = -np.log(fine + (1.0 - fine) / n)
    rms = float(np.sqrt(np.mean((model - measured) ** 2)))
    return AmdahlFit(fine, baseline_gpus, float(np.expm1(rms)))


def limit_holds(fit: AmdahlFit, points: list[ScalingPoint]) -> bool:
    """A fitted limit is a limit only if no measured speedup is already above it."""
    return fit.limit > max(p.speedup for p in points) * (1 + 1e-9)


def gpus_per_node(runs: list[Run]) -> int | None:
    """GPUs per node, where a node boundary falls on a scaling chart: GPUs / nodes of the
    multi-node runs, when they all agree (runs 1/1, 4/1, 16/2 give 8, not 4)."""
    per_node = {
        r.gpus // r.nodes
        for r in runs
        if r.platform == "cluster" and r.gpus and r.nodes and r.nodes > 1 and r.gpus % r.nodes == 0
    }
    return per_node.pop() if len(per_node) == 1 else None
