"""AccuracyVsTime, LossVsTime and MetricVsTime: every run's logged curve traced against one
wall clock.

    manim render scenes/curves.py AccuracyVsTime
    manim render scenes/curves.py LossVsTime
    manim render scenes/curves.py MetricVsTime        # manim.cfg's metric, or $LUMI_METRIC

The keys and the target accuracy come from manim.cfg's [lumi_vs_laptop] section (or the study
file); what is drawn and said is the plan of study.plans.curves_plan (study.metric_plan's for
MetricVsTime).
"""

from __future__ import annotations

import numpy as np

from scenes import kit
from scenes.kit.curve_scene import (  # noqa: F401  (tests and the deck read them here)
    MARK_FADE,
    PIECES,
    CurvesScene,
    Trace,
    _as_drawn,
)
from study.metric_plan import MetricPlan, metric_plan
from study.plans import CurveSeries


class AccuracyVsTime(CurvesScene):
    metric = "accuracy"
    reads = frozenset({"accuracy"})

    def y_axis(self, values: np.ndarray) -> tuple[kit.Scale, list[kit.Tick]]:
        return kit.Scale(0, 100), [(v, f"{v:g}%") for v in (0, 25, 50, 75, 100)]


class LossVsTime(CurvesScene):
    metric = "loss"
    reads = frozenset({"loss"})

    def y_axis(self, values: np.ndarray) -> tuple[kit.Scale, list[kit.Tick]]:
        positive = values[values > 0]
        if not positive.size:
            return kit.Scale(0.01, 10, log=True), [
                (0.01, "0.01"),
                (0.1, "0.1"),
                (1, "1"),
                (10, "10"),
            ]
        low, high, ticks = kit.log_ticks(float(positive.min()), float(positive.max()))
        return kit.Scale(low, high, log=True), ticks


class MetricVsTime(CurvesScene):
    """Any logged key (manim.cfg's ``metric``, or $LUMI_METRIC) against wall time, W&B's step or
    the epoch (``metric_x``): log or linear as its values decide (study.metric_plan), a noisy
    key smoothed. `make charts` draws its held frame of each key (scenes/charts.py)."""

    plan: MetricPlan
    reads = frozenset({"metric"})

    def prepare(self) -> None:
        # a key no shown run logged stops with one line naming those they did log
        self.plan = metric_plan(self.view)

    def x_axis(self, t_min: float, t_end: float) -> tuple[kit.Scale, list[kit.Tick], str]:
        # against steps or epochs (manim.cfg's metric_x), a linear axis over what was logged
        if self.plan.x_axis == "time":
            return super().x_axis(t_min, t_end)
        every = np.concatenate(self.plan.xs)
        low, high, ticks = kit.linear_ticks(float(every.min()), float(every.max()))
        return kit.Scale(low, high), ticks, self.plan.x_caption

    def series_x(self, index: int, series: CurveSeries) -> np.ndarray:
        return self.plan.xs[index] if self.plan.x_axis != "time" else series.times

    def y_axis(self, values: np.ndarray) -> tuple[kit.Scale, list[kit.Tick]]:
        # the logged values too: the faint raw line stays inside the chart
        every = np.concatenate([values, *self.plan.raw]) if self.plan.raw else values
        if self.plan.log:
            low, high, ticks = kit.log_ticks(float(every.min()), float(every.max()))
            return kit.Scale(low, high, log=True), ticks
        low, high, ticks = kit.linear_ticks(float(every.min()), float(every.max()))
        return kit.Scale(low, high), ticks
