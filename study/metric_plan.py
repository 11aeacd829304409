"""MetricVsTime's plan: any logged key of every shown run against wall time.

The key is manim.cfg's ``metric`` (or ``$LUMI_METRIC``: study/settings.py), read from each run's
history, else from its system metrics (wandb's ``stats`` records, a panel export's ``system/...``
charts): ``gpu.0.gpu`` and ``system/gpu.0.gpu`` name the same metric. What the data decides:
the y axis is log when every value is positive and they span at least two decades, else
linear; a noisy key (one that turns back on itself at most of its points, as a per-batch loss
does) is drawn smoothed as the W&B UI smooths it, the raw line faint behind, the weight said.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from extract.errors import InputError
from extract.model import Run

from . import units
from .plans import CurveSeries, CurvesPlan, shared_decimals
from .view import StudyView, source_text

SYSTEM_PREFIX = "system/"  # how the W&B UI names a system metric (its panel exports too)
LOG_SPAN = 100.0  # the largest value over the smallest from which the y axis is log
# a key is noisy when, in most runs with enough points, at least this share of its changes
# reverse the one before (a per-batch loss: about half; a schedule or a staircase: almost none)
NOISY_REVERSALS = 0.3
NOISY_POINTS = 20  # fewer points than this are too few to call noise
KEYS_LISTED = 20  # keys named in the refusal, then "and N more"


@dataclass(frozen=True)
class MetricPlan(CurvesPlan):
    log: bool = False  # the y axis: log (True) or linear
    smoothing: float | None = None  # the EMA weight the curves are drawn with, None: raw
    y_caption_short: str = ""  # said where ``y_caption`` does not fit
    raw: tuple[np.ndarray, ...] = ()  # per series: the logged values, when smoothed


def metric_plan(view: StudyView) -> MetricPlan:
    """The plan of MetricVsTime on ``view``: refused in one line, with the keys the runs did
    log, when no shown run logged the asked key at a time after its start."""
    settings = view.settings
    key = settings.metric.strip()
    if not key:
        raise InputError("no metric named", hint="set metric in manim.cfg or $LUMI_METRIC")
    found = []
    for run in view.shown:
        times, values = logged_series(run, key)
        keep = (times > 0) & np.isfinite(values)  # a log time axis
        if np.any(keep):
            found.append((run, times[keep], values[keep]))
    if not found:
        logged = keys_logged(view.shown)
        if not logged:  # a runs table alone has no histories
            raise InputError(
                f"no shown run has a logged history to draw {key!r} from",
                hint="add panel exports (python -m extract csv ... --merge) or run files",
            )
        raise InputError(
            f"no shown run logged {key!r}; keys logged: {logged}",
            hint="set metric in manim.cfg or $LUMI_METRIC to one of them",
        )
    every = np.concatenate([values for _, _, values in found])
    positive = bool(np.all(every > 0))
    log = positive and float(every.max()) >= LOG_SPAN * float(every.min())
    weight = settings.smoothing if noisy([v for _, _, v in found]) else None
    if weight is not None and weight <= 0:
        weight = None
    drawn_values = [ema(values, weight) if weight else values for _, _, values in found]
    finals = [float(v[-1]) for v in drawn_values]
    series = tuple(
        CurveSeries(
            run,
            view.label(run),
            view.short(run),
            times,
            values,
            value_text(final, finals),
            None,
            key,
        )
        for (run, times, _), values, final in zip(found, drawn_values, finals, strict=True)
    )
    scale = "log scale" if log else "linear scale"
    y_caption = f"{key} ({scale})"
    if weight:
        y_caption += f", smoothed: EMA weight {weight:g}"
    drawn = [run for run, _, _ in found]
    start = [f"{key} against wall time (log scale), as each run logged it; y axis: {scale}."]
    if weight:
        start.append(
            f"Smoothed as the W&B UI does: exponential moving average, weight {weight:g} "
            "(debiased); the faint line is what was logged."
        )
    last = [f"{s.label}: {s.final_text} at {units.duration(float(s.times[-1]))}" for s in series]
    title = settings.title_metric.format(
        cluster=settings.cluster_name, laptop=settings.laptop_name, metric=key
    )
    return MetricPlan(
        title=title,
        source=source_text(view, drawn, key=key),
        key=key,
        rising=False,
        y_caption=y_caption,
        target=None,
        target_text=None,
        series=series,
        ranking_header=None,
        ranking=(),
        missed=None,
        missed_lines=(),
        start_notes="\n".join(start),
        closing_notes=("Last values" + (" (smoothed)" if weight else "") + ": ")
        + "; ".join(last)
        + ".",
        log=log,
        smoothing=weight,
        y_caption_short=f"{key} ({scale}), EMA {weight:g}" if weight else "",
        raw=tuple(values for _, _, values in found) if weight else (),
    )


def logged_series(run: Run, key: str) -> tuple[np.ndarray, np.ndarray]:
    """``key`` of ``run`` against its wall time, in time order: from its history, else from
    its system metrics (with or without the UI's ``system/`` prefix)."""
    for frame, name in (
        (run.history, key),
        (run.system, key.removeprefix(SYSTEM_PREFIX)),
    ):
        if name in frame and name != "_runtime" and "_runtime" in frame:
            times = frame["_runtime"].to_numpy(dtype=float)
            values = frame[name].to_numpy(dtype=float)
            keep = np.isfinite(times) & np.isfinite(values)
            if np.any(keep):
                times, values = times[keep], values[keep]
                order = np.argsort(times, kind="stable")
                return times[order], values[order]
    return np.array([]), np.array([])


def keys_logged(runs: list[Run]) -> str:
    """Every key the runs logged, history first, then system metrics named as the W&B UI
    names them; W&B's own ``_step``, ``_runtime`` ... left out ("" when there is none)."""
    history = dict.fromkeys(k for r in runs for k in (*r.stored_keys, *r.history.columns))
    system = dict.fromkeys(
        SYSTEM_PREFIX + k for r in runs for k in (*r.system_keys, *r.system.columns)
    )
    names = [str(k) for k in (*history, *system) if not str(k).split("/")[-1].startswith("_")]
    more = len(names) - KEYS_LISTED
    return ", ".join(names[:KEYS_LISTED]) + (f" and {more} more" if more > 0 else "")


def noisy(series: list[np.ndarray]) -> bool:
    """Whether most series with enough points reverse direction at NOISY_REVERSALS of their
    changes or more."""
    judged = [reversals(v) for v in series if len(v) >= NOISY_POINTS]
    if not judged:
        return False
    return sum(share >= NOISY_REVERSALS for share in judged) * 2 > len(judged)


def reversals(values: np.ndarray) -> float:
    """The share of a series' changes that go the other way from the change before (steps
    that change nothing, a staircase's flats, are not changes)."""
    steps = np.diff(values)
    signs = np.sign(steps[steps != 0])
    if len(signs) < 2:
        return 0.0
    return float(np.mean(signs[1:] != signs[:-1]))


def ema(values: np.ndarray, weight: float) -> np.ndarray:
    """The exponential moving average the W&B UI's EMA smoothing draws (TensorBoard's formula,
    which W&B says it follows): each point ``weight`` of the average so far and ``1 - weight``
    of its own value, debiased so that the first points are not pulled towards zero."""
    smoothed = np.empty(len(values))
    last, debias = 0.0, 0.0
    for index, value in enumerate(values):
        last = last * weight + (1 - weight) * float(value)
        debias = debias * weight + (1 - weight)
        smoothed[index] = last / debias
    return smoothed


def value_text(value: float, column: list[float]) -> str:
    """A value as its label shows it, to the digits the smallest of ``column`` needs (three
    significant); tiny or huge ones (a learning rate's 4e-09) in scientific notation."""
    if all(float(v).is_integer() for v in column):  # an epoch, a batch index
        return f"{value:.0f}"
    magnitudes = [abs(v) for v in column if v and np.isfinite(v)]
    if magnitudes and (min(magnitudes) < 1e-4 or max(magnitudes) >= 1e6):
        return units.scientific(value)
    return f"{value:.{shared_decimals(column)}f}"
