"""When a run first reached a value of a logged metric: time to accuracy."""

from __future__ import annotations

import numpy as np

from extract.model import Run


def time_to_reach(run: Run, key: str, target: float, *, rising: bool = True) -> float | None:
    """First ``_runtime`` at which ``key`` reached ``target`` (at or above when ``rising``)."""
    if key not in run.history or "_runtime" not in run.history:
        return None
    values = run.history[key].to_numpy(dtype=float)
    times = run.history["_runtime"].to_numpy(dtype=float)
    valid = ~(np.isnan(values) | np.isnan(times))
    values, times = values[valid], times[valid]
    reached = np.nonzero(values >= target if rising else values <= target)[0]
    return float(times[reached[0]]) if reached.size else None


def ranking_by_time_to(runs: list[Run], key: str, target: float) -> list[tuple[Run, float]]:
    """Runs that reached ``target``, fastest first."""
    timed = [(run, time_to_reach(run, key, target)) for run in runs]
    return sorted(((r, t) for r, t in timed if t is not None), key=lambda item: item[1])
