"""How far a run got at any wall time, from what it logged.

A run's progress through its training job is read off its history: the times at which each
epoch began (W&B's ``epoch`` staircase against ``_runtime``), joined linearly, so a slow first
epoch or a stall shows up as it happened. Without an epoch staircase, a logged overall
``progress_percentage`` is used; failing both, progress is assumed uniform and says so.
A laptop run extrapolated from a partial run is measured up to ``measured_s`` and an estimate
after it.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import pandas as pd
from numpy.typing import NDArray

from extract.epochs_done import Numbering, epoch_numbering
from extract.model import Run


@dataclass(frozen=True)
class ProgressCurve:
    times_s: NDArray[np.float64]
    fractions: NDArray[np.float64]
    finish_s: float
    measured_until_s: float
    method: str

    def at(self, t: float | NDArray[np.float64]) -> float | NDArray[np.float64]:
        return np.interp(t, self.times_s, self.fractions)

    @property
    def estimated(self) -> bool:
        return self.measured_until_s < self.finish_s


def progress_curve(run: Run) -> ProgressCurve:
    finish = float(run.time_s)
    measured = float(run.measured_s) if run.extrapolated and run.measured_s else finish
    history = run.history
    planned = run.epochs_done if run.finished and run.epochs_done else run.epochs
    if not run.extrapolated and "train/epoch" in history and planned and len(history):
        # Hugging Face logs epochs done as a fraction: progress is that over the plan
        curve = _from_fraction(
            history["_runtime"].to_numpy(), history["train/epoch"].to_numpy() / planned, finish
        )
        if curve is not None:
            return ProgressCurve(*curve, finish, measured, "train/epoch")
    if not run.extrapolated and "epoch" in history and planned and len(history):
        numbering = epoch_numbering(history, "epoch", run.finished, run.epochs)
        if isinstance(numbering, Numbering):
            completed = pd.to_numeric(history["epoch"], errors="coerce").to_numpy(dtype=float)
            curve = _from_epochs(
                history["_runtime"].to_numpy(), completed + numbering.shift, planned, finish
            )
            if curve is not None:
                return ProgressCurve(*curve, finish, measured, "epoch staircase")
    if not run.extrapolated and "progress_percentage" in history and len(history):
        curve = _from_percentage(
            history["_runtime"].to_numpy(), history["progress_percentage"].to_numpy(), finish
        )
        if curve is not None:
            return ProgressCurve(*curve, finish, measured, "progress_percentage")
    method = "extrapolated at constant throughput" if run.extrapolated else "assumed uniform"
    return ProgressCurve(np.array([0.0, finish]), np.array([0.0, 1.0]), finish, measured, method)


def _from_epochs(
    times: np.ndarray, completed: np.ndarray, total_epochs: float, finish: float
) -> tuple[np.ndarray, np.ndarray] | None:
    """The staircase: when each epoch was complete (``completed``: epochs complete at each
    row, from how the run logged its epoch key), joined linearly, then the finish."""
    keep = ~(np.isnan(times) | np.isnan(completed))
    times, epochs = times[keep], completed[keep]
    if times.size == 0:
        return None
    order = np.argsort(times, kind="stable")
    times, epochs = times[order], epochs[order]
    boundaries_t = [0.0]
    boundaries_f = [0.0]
    for epoch in range(1, int(total_epochs) + 1):
        reached = np.nonzero(epochs >= epoch)[0]
        if reached.size == 0:
            break
        t = float(times[reached[0]])
        if t > boundaries_t[-1]:
            boundaries_t.append(min(t, finish))
            boundaries_f.append(epoch / total_epochs)
    if finish > boundaries_t[-1]:
        boundaries_t.append(finish)
        boundaries_f.append(1.0)
    elif boundaries_f[-1] < 1.0:  # the last mark came at the finish: the run is done there
        boundaries_f[-1] = 1.0
    return np.array(boundaries_t), np.array(boundaries_f)


def _from_percentage(
    times: np.ndarray, percentages: np.ndarray, finish: float
) -> tuple[np.ndarray, np.ndarray] | None:
    return _from_fraction(times, percentages / 100.0, finish)


def _from_fraction(
    times: np.ndarray, fractions: np.ndarray, finish: float
) -> tuple[np.ndarray, np.ndarray] | None:
    keep = ~(np.isnan(times) | np.isnan(fractions))
    times, percentages = times[keep], fractions[keep]
    if times.size < 2 or np.any(np.diff(percentages) < -1e-9):
        return None  # a per-epoch percentage resets every epoch: not an overall progress
    times = np.concatenate([[0.0], times, [finish]])
    fractions = np.concatenate([[0.0], percentages, [1.0]])
    return np.maximum.accumulate(times), np.clip(fractions, 0, 1)
