"""MetricVsTime's plan: any logged key of every shown run against wall time.

The key is manim.cfg's ``metric`` (or ``$LUMI_METRIC``: study/settings.py), read from each run's
history, else from its system metrics (wandb's ``stats`` records, a panel export's ``system/...``
charts): ``gpu.0.gpu`` and ``system/gpu.0.gpu`` name the same metric. What the data decides:
the y axis is log when every value is positive and they span at least two decades, else
linear; a noisy key (one that turns back on itself at most of its points, as a per-batch loss
does) is drawn smoothed as the W&B UI smooths it by default (its time-weighted EMA), the raw
line faint behind, the weight said. The x axis is wall time, W&B's step or the epoch
(manim.cfg's ``metric_x``), as the W&B UI offers.
"""

from __future__ import annotations

import math
from dataclasses import dataclass

import numpy as np

from extract.errors import InputError
from extract.merge import trackers_of
from extract.model import Run

from . import units
from .plans import CurveSeries, CurvesPlan, shared_decimals
from .settings import MetricX
from .view import X_KEYS, StudyView, source_text

SYSTEM_PREFIX = "system/"  # how the W&B UI names a system metric (its panel exports too)
LOG_SPAN = 100.0  # the largest value over the smallest from which the y axis is log
# a key is noisy when, in most runs with enough points, at least this share of its changes
# reverse the one before (a per-batch loss: about half; a schedule or a staircase: almost none)
NOISY_REVERSALS = 0.3
NOISY_POINTS = 20  # fewer points than this are too few to call noise
KEYS_LISTED = 20  # keys named in the refusal, then "and N more"
# W&B's TWEMA measures a point's distance from the one before in this many parts of the chart's
# x range; its docs name the constant (VIEWPORT_SCALE) without its value: 1000 is taken, so
# that a line of 1000 evenly spaced points (what a W&B panel samples) decays by the weight at
# each point
VIEWPORT_SCALE = 1000.0
X_TITLES: dict[MetricX, str] = {"time": "wall time", "step": "step", "epoch": "epoch"}
X_CAPTIONS: dict[MetricX, str] = {
    "time": "wall time (log scale)",
    "step": "step",
    "epoch": "epoch",
}
# the step's name in each tracker, said when every drawn run came from that one tracker
STEP_NAMES = {"W&B": "W&B's _step", "MLflow": "MLflow's step", "TensorBoard": "TensorBoard's step"}


@dataclass(frozen=True)
class MetricPlan(CurvesPlan):
    log: bool = False  # the y axis: log (True) or linear
    smoothing: float | None = None  # the TWEMA weight the curves are drawn with, None: raw
    y_caption_short: str = ""  # said where ``y_caption`` does not fit
    raw: tuple[np.ndarray, ...] = ()  # per series: the logged values, when smoothed
    x_axis: MetricX = "time"  # what the x axis is (manim.cfg's metric_x)
    # per series: its x values (W&B's _step or the epoch; the wall times when x is time)
    xs: tuple[np.ndarray, ...] = ()
    x_caption: str = X_CAPTIONS["time"]


def metric_plan(view: StudyView) -> MetricPlan:
    """The plan of MetricVsTime on ``view``: refused in one line, with the keys the runs did
    log, when no shown run logged the asked key at a time after its start (or, against steps
    or epochs, in rows that carry the step or epoch)."""
    settings = view.settings
    key = settings.metric.strip()
    x_axis = settings.metric_x
    if not key:
        raise InputError("no metric named", hint="set metric in manim.cfg or $LUMI_METRIC")
    found = []
    against_time = False  # a run logged the key, whatever the x axis
    for run in view.shown:
        times, xs, values = logged_series(run, key, x_axis)
        # a log time axis needs times after the start; steps and epochs are on a linear one
        keep = ((times > 0) if x_axis == "time" else (times >= 0)) & np.isfinite(values)
        against_time |= bool(np.any(keep))
        keep &= np.isfinite(xs)
        if np.any(keep):
            found.append((run, times[keep], xs[keep], values[keep]))
    lacking = f"'{key}' against {x_words(x_axis)}" if x_axis != "time" else None
    if not found:
        logged = keys_logged(view.shown)
        if not logged:  # a runs table alone has no histories
            raise InputError(
                f"no shown run has a logged history to draw {key!r} from",
                hint="add panel exports (python -m extract csv ... --merge) or run files",
            )
        if against_time and lacking:
            raise InputError(
                f"no shown run logged {x_words(x_axis)} in its rows of {key!r}",
                hint="set metric_x in manim.cfg or $LUMI_METRIC_X to time"
                + (" or step" if x_axis == "epoch" else ""),
            )
        raise InputError(
            f"no shown run logged {key!r}; keys logged: {logged}",
            hint="set metric in manim.cfg or $LUMI_METRIC to one of them",
        )
    every = np.concatenate([values for *_, values in found])
    positive = bool(np.all(every > 0))
    log = positive and float(every.max()) >= LOG_SPAN * float(every.min())
    weight = settings.smoothing if noisy([v for *_, v in found]) else None
    if weight is not None and weight <= 0:
        weight = None
    # W&B's time-weighted EMA decays by the distance along the chart's x axis, measured
    # against that axis' range (every line of the chart: one range)
    all_x = np.concatenate([xs for _, _, xs, _ in found])
    x_range = float(all_x.max() - all_x.min())
    drawn_values = [
        twema(xs, values, weight, x_range) if weight else values for _, _, xs, values in found
    ]
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
        for (run, times, _, _), values, final in zip(found, drawn_values, finals, strict=True)
    )
    scale = "log scale" if log else "linear scale"
    y_caption = f"{key} ({scale})"
    if weight:
        y_caption += f", smoothed: time-weighted EMA {weight:g}"
    drawn = [run for run, *_ in found]
    start = [f"{key} against {x_words(x_axis, True)}, as each run logged it; y axis: {scale}."]
    if weight:
        start.append(
            f"Smoothed as the W&B UI does by default: time-weighted EMA, weight {weight:g} "
            "(each point's past decays with its distance along the x axis); the faint line is "
            "what was logged."
        )
    last = [
        f"{s.label}: {s.final_text} at {x_point(x_axis, float(s.times[-1]), float(xs[-1]))}"
        for s, (_, _, xs, _) in zip(series, found, strict=True)
    ]
    title = settings.title_metric.format(
        cluster=settings.cluster_name, laptop=settings.laptop_name, metric=key, x=X_TITLES[x_axis]
    )
    return MetricPlan(
        title=title,
        source=source_text(view, drawn, key=key, without=lacking),
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
        y_caption_short=f"{key} ({scale}), TWEMA {weight:g}" if weight else "",
        raw=tuple(values for *_, values in found) if weight else (),
        x_axis=x_axis,
        xs=tuple(xs for _, _, xs, _ in found),
        x_caption=x_caption(x_axis, drawn),
    )


def x_caption(x_axis: MetricX, drawn: list[Run]) -> str:
    """The x axis' caption: the step named as the tracker of every drawn run names it."""
    trackers = set().union(*(trackers_of(run) for run in drawn))
    if x_axis == "step" and len(trackers) == 1:
        (tracker,) = trackers
        if tracker in STEP_NAMES:
            return f"step ({STEP_NAMES[tracker]})"
    return X_CAPTIONS[x_axis]


def x_words(x_axis: MetricX, scale: bool = False) -> str:
    """The x axis in words: what its values are read from."""
    if x_axis == "time":
        return "wall time (log scale)" if scale else "wall time"
    keys = " or ".join(f"'{k}'" for k in X_KEYS[x_axis])
    return f"{X_TITLES[x_axis]} ({keys}, linear scale)" if scale else keys


def x_point(x_axis: MetricX, time_s: float, x: float) -> str:
    """Where a run's curve ends, in the x axis' terms."""
    if x_axis == "time":
        return units.duration(time_s)
    return f"{x_axis} {x:,.0f}" if float(x).is_integer() else f"{x_axis} {x:,.2f}"


def logged_series(
    run: Run, key: str, x_axis: MetricX = "time"
) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """``key`` of ``run``: its wall times, its x values (the wall times again, or W&B's step
    or the epoch logged in the same rows: NaN where a row has none) and its values, in the x
    axis' order: from its history, else from its system metrics (with or without the UI's
    ``system/`` prefix, against time only: wandb counts no steps for them)."""
    for frame, name in (
        (run.history, key),
        (run.system, key.removeprefix(SYSTEM_PREFIX)),
    ):
        if name in frame and name != "_runtime" and "_runtime" in frame:
            times = frame["_runtime"].to_numpy(dtype=float)
            values = frame[name].to_numpy(dtype=float)
            keep = np.isfinite(times) & np.isfinite(values)
            if not np.any(keep):
                continue
            times, values = times[keep], values[keep]
            xs = times
            if x_axis != "time":
                x_key = next((k for k in X_KEYS[x_axis] if k in frame and k != name), None)
                xs = np.full(len(times), np.nan)
                if x_key is not None:
                    xs = frame[x_key].to_numpy(dtype=float)[keep]
                elif name in X_KEYS[x_axis]:  # the epoch against itself
                    xs = values
            order = np.lexsort((times, xs))  # by x, ties in time order (NaN last)
            return times[order], xs[order], values[order]
    return np.array([]), np.array([]), np.array([])


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


def twema(x: np.ndarray, values: np.ndarray, param: float, x_range: float) -> np.ndarray:
    """The W&B UI's default smoothing, its time-weighted exponential moving average, as its docs
    give it (docs.wandb.ai, "Smooth line plots"): the slider's ``param`` becomes the weight
    sqrt(param) (at most 0.999); each point keeps the running sum so far decayed by that
    weight to the power of its distance from the point before, in VIEWPORT_SCALE-ths of the
    chart's x range, plus its own value; a debiasing sum, decayed alike, divides it. Unevenly
    spaced points are smoothed by how far apart they are, not by how many there are."""
    weight = min(math.sqrt(param), 0.999)
    smoothed = np.empty(len(values))
    last, debias = 0.0, 0.0
    for index, value in enumerate(values):
        change = (float(x[index] - x[index - 1]) if index else 0.0) / (x_range or 1.0)
        decay = weight ** (change * VIEWPORT_SCALE)
        last = last * decay + float(value)
        debias = debias * decay + 1
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
