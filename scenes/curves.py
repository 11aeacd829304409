"""AccuracyVsTime and LossVsTime: every run's logged curve traced against one wall clock.

    manim render scenes/curves.py AccuracyVsTime
    manim render scenes/curves.py LossVsTime

The keys and the target accuracy come from manim.cfg's [lumi_vs_laptop] section (or the study
file); what is drawn and said is the plan of study.plans.curves_plan.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
from manim import (
    DOWN,
    LEFT,
    RIGHT,
    UP,
    Circle,
    DashedLine,
    Dot,
    FadeIn,
    Line,
    VGroup,
    VMobject,
)

from extract.model import Run
from scenes import kit
from scenes.kit.downsample import per_pixel_column
from study.plans import CurveSeries, CurvesPlan, curves_plan

INTRO_SECONDS = 1.0
TRACE_SECONDS = 8.0
CLOSING_SECONDS = 1.0
HOLD_SECONDS = 3.0
CHART_BOX = (-5.0, 2.9, -2.3, 2.3)
LABEL_X = CHART_BOX[1] + 0.45
PIXELS_PER_UNIT = 1920 / 14.222  # at 1080p: the finest detail worth keeping
OVERRUN = 1.06
MARK_FADE = 0.01


@dataclass
class Trace:
    series: CurveSeries
    x: np.ndarray  # scene coordinates, reduced to what the screen shows
    y: np.ndarray
    times: np.ndarray  # wall time of each kept point
    line: VMobject
    tail: VMobject  # dotted continuation at the final value, once the run has finished
    end_dot: Dot
    label: VGroup
    marker: VMobject | None

    @property
    def run(self) -> Run:
        return self.series.run

    @property
    def target_s(self) -> float | None:
        return self.series.target_s


class MetricVsTime(kit.StudyScene):
    """One logged metric of every run against wall time (log). Subclasses pick the metric."""

    metric = ""  # "accuracy" or "loss": see study.plans.curves_plan

    def y_axis(self, values: np.ndarray) -> tuple[kit.Scale, list[kit.Tick]]:
        raise NotImplementedError

    def prepare(self) -> None:
        # a curve scene without its metric stops with one line, before any frame
        self.plan = curves_plan(self.view, self.metric)

    def construct(self) -> None:
        theme, plan = self.theme, self.plan
        runs = [s.run for s in plan.series]
        all_times = np.concatenate([s.times for s in plan.series])
        all_values = np.concatenate([s.values for s in plan.series])
        t_min = max(1.0, float(all_times.min()))
        t_end = max(r.time_s for r in runs)
        y_scale, y_ticks = self.y_axis(all_values)
        chart = kit.Chart(
            kit.Scale(t_min, t_end * 1.05, log=True),
            y_scale,
            CHART_BOX,
            theme,
            kit.time_ticks(t_min, t_end * 1.05),
            y_ticks,
            x_caption="wall time (log scale)",
            y_caption=plan.y_caption,
        )
        target = plan.target
        target_line = VGroup()
        if target is not None:
            y = float(chart.y_of(target))
            target_line.add(
                DashedLine(
                    [chart.left, y, 0],
                    [chart.right, y, 0],
                    color=theme.muted,
                    stroke_width=2,
                    dash_length=0.08,
                )
            )
            caption = kit.text(f"target {plan.target_text}", kit.SOURCE_SIZE, theme.muted)
            target_line.add(caption.move_to([chart.left + 0.12, y + 0.18, 0], aligned_edge=LEFT))

        colors = kit.run_colors(theme, runs)
        traces = self._traces(plan, chart, colors, target)
        clock = kit.ClockReadout(theme)
        clock_map = kit.LogClock(t_min, t_end * OVERRUN)
        moving = VGroup(clock.value)

        finish_share = {id(tr): clock_map.share_at(tr.run.time_s) for tr in traces}
        target_share = {
            id(tr): clock_map.share_at(tr.target_s) for tr in traces if tr.target_s is not None
        }
        # a curve is traced until its run's end, its end mark and label fade in then, its target
        # ring when it reaches the target; before and after, each is drawn once as background
        changing = []
        for trace in traces:
            done = finish_share[id(trace)]
            changing.append((0.0, done + MARK_FADE, VGroup(trace.line, trace.tail)))
            changing.append((done, done + MARK_FADE, VGroup(trace.end_dot, trace.label)))
            if trace.marker is not None:
                reached = target_share[id(trace)]
                changing.append((reached, reached + MARK_FADE, trace.marker))
        moving.add(*(group for _, _, group in changing))
        fader = kit.Fader()

        def draw(s: float, t: float) -> None:
            for trace in traces:
                self._draw_until(trace, t, chart)
                done = float(np.clip((s - finish_share[id(trace)]) / MARK_FADE, 0, 1))
                fader.fade(trace.end_dot, done)
                fader.fade(trace.label, done)
                if trace.marker is not None:
                    reached = float(np.clip((s - target_share[id(trace)]) / MARK_FADE, 0, 1))
                    fader.stroke(trace.marker, reached)
            clock.show(t)

        draw(0.0, 0.0)
        self.begin_part(plan.start_notes)
        frame = self.frame_of(plan.title, plan.source)
        self.fade_in(
            target_line,
            clock.caption,
            moving,
            run_time=INTRO_SECONDS,
            from_start=[frame, chart],
        )
        # a deck holds when the first run reaches the target (without one: first finishes)
        first = min((target_share or finish_share).values()) + MARK_FADE
        parts = [(first, plan.closing_notes)]
        self.play_clock(moving, clock_map, draw, TRACE_SECONDS, parts, changing)
        for trace in traces:  # every run has finished: nothing is left mid-fade on the hold
            trace.end_dot.set_opacity(1)
            trace.label.set_opacity(1)
            if trace.marker is not None:
                trace.marker.set_stroke(opacity=1)
        clock.show(t_end)

        closing = self._closing(traces, chart)
        if len(closing):
            self.play(FadeIn(closing), run_time=CLOSING_SECONDS)
        self.wait(HOLD_SECONDS)

    def _traces(self, plan: CurvesPlan, chart: kit.Chart, colors, target) -> list[Trace]:
        final_y = [float(chart.y_of(series.values[-1])) for series in plan.series]
        size = min(kit.SMALL_SIZE, 120 / max(1, len(plan.series)) + 6)
        texts = [
            (
                kit.merge_glyphs(kit.text(s.label, size, colors[s.run.run_id], bold=True)),
                kit.merge_glyphs(kit.text(s.final_text, size, colors[s.run.run_id])),
            )
            for s in plan.series
        ]
        room = kit.safe_box()[1] - LABEL_X
        line_gap = size / 48 * 0.75
        # a label too wide for the room beside the chart puts its value under its name (half
        # the width) when the labels, two lines each, still fit the chart's height
        widest = max(name.width + 0.15 + value.width for name, value in texts)
        stacked = widest > room and len(texts) * 2.2 * line_gap < chart.top - chart.bottom
        gap = line_gap * (2.1 if stacked else 1.0)
        label_ys = kit.spread(final_y, gap, chart.bottom + gap / 2, chart.top)
        traces = []
        for series, (name, value), end_y, label_y in zip(
            plan.series, texts, final_y, label_ys, strict=True
        ):
            run, times, values = series.run, series.times, series.values
            columns = int((chart.right - chart.left) * PIXELS_PER_UNIT)
            x_screen = (np.asarray(chart.x_of(times)) - chart.left) * PIXELS_PER_UNIT
            x_kept, values_kept = per_pixel_column(x_screen, values, columns)
            kept_times = times[np.searchsorted(x_screen, x_kept)]
            x = chart.left + x_kept / PIXELS_PER_UNIT
            y = np.asarray(chart.y_of(values_kept), dtype=float)
            color = colors[run.run_id]
            line = VMobject(stroke_color=color, stroke_width=3.5)
            tail = VMobject(stroke_color=color, stroke_width=2, stroke_opacity=0.45)
            end_dot = Dot([x[-1], y[-1], 0], radius=0.06, color=color)
            if stacked:
                label = VGroup(name, value).arrange(DOWN, buff=0.05, aligned_edge=LEFT)
            else:
                label = VGroup(name, value).arrange(RIGHT, buff=0.15, aligned_edge=DOWN)
            label.move_to([LABEL_X, label_y, 0], aligned_edge=LEFT)
            leader = Line(
                [chart.right + 0.05, end_y, 0],
                [LABEL_X - 0.08, label_y, 0],
                color=color,
                stroke_width=1.5,
                stroke_opacity=0.6,
            )
            label.add(leader)  # the leader is last: _fit_labels scales the text before it
            marker = None
            if series.target_s is not None:
                marker = Circle(radius=0.09, stroke_color=color, stroke_width=3)
                marker.move_to(chart.c2p(series.target_s, target))
            traces.append(Trace(series, x, y, kept_times, line, tail, end_dot, label, marker))
        self._fit_labels(traces)
        return traces

    def _fit_labels(self, traces: list[Trace]) -> None:
        """One size for every end label: the largest at which the widest still fits."""
        room = kit.safe_box()[1] - LABEL_X
        widest = max(VGroup(*t.label[:-1]).width for t in traces)
        if widest <= room:
            return
        for trace in traces:
            text_part = VGroup(*trace.label[:-1])
            left = text_part.get_left()
            text_part.scale(room / widest, about_point=left)

    def _draw_until(self, trace: Trace, t: float, chart: kit.Chart) -> None:
        shown = int(np.searchsorted(trace.times, t, side="right"))
        if shown < 2:
            trace.line.set_points_as_corners([[trace.x[0], trace.y[0], 0]] * 2)
            trace.line.set_stroke(opacity=0 if shown == 0 else 1)
        else:
            points = np.column_stack([trace.x[:shown], trace.y[:shown], np.zeros(shown)])
            trace.line.set_points_as_corners(points)
            trace.line.set_stroke(opacity=1)
        # once finished, the final value carries straight to the label at the chart's edge
        if t >= trace.run.time_s:
            trace.tail.set_points_as_corners(
                [[trace.x[-1], trace.y[-1], 0], [chart.right, trace.y[-1], 0]]
            )
            trace.tail.set_stroke(opacity=0.45)
        else:
            trace.tail.set_points_as_corners([[trace.x[-1], trace.y[-1], 0]] * 2)
            trace.tail.set_stroke(opacity=0)

    def _closing(self, traces: list[Trace], chart: kit.Chart) -> VGroup:
        """The ranking by time to the target, in the corner the curves leave empty: top left
        under the target for a rising metric (it starts low), bottom left for a falling one."""
        plan = self.plan
        if plan.target is None or plan.ranking_header is None:
            return VGroup()
        theme = self.theme
        color_of = {id(t.series): t.line.get_stroke_color() for t in traces}
        entries = [
            kit.text(line, kit.SOURCE_SIZE, color_of[id(series)]) for series, line in plan.ranking
        ]
        # one narrow column fits where the curves are still low; two only for long rankings
        rows = (len(entries) + 1) // 2 if len(entries) > 10 else len(entries)
        columns = [VGroup(*entries[:rows]), VGroup(*entries[rows:])]
        for column in columns:
            column.arrange(DOWN, aligned_edge=LEFT, buff=0.08)
        table = VGroup(*(c for c in columns if len(c))).arrange(RIGHT, aligned_edge=UP, buff=0.45)
        header = kit.text(plan.ranking_header, kit.SMALL_SIZE, theme.foreground, bold=True)
        body = VGroup(header, table).arrange(DOWN, aligned_edge=LEFT, buff=0.15)
        if plan.missed:
            body.add(kit.text(plan.missed, kit.SOURCE_SIZE, theme.muted))
            body.arrange(DOWN, aligned_edge=LEFT, buff=0.15)
        box = kit.callout_box(body, theme)
        if plan.rising:
            corner = [chart.left + 0.2, float(chart.y_of(plan.target)) - 0.2, 0]
            return box.move_to(corner, aligned_edge=UP + LEFT)
        return box.move_to([chart.left + 0.2, chart.bottom + 0.2, 0], aligned_edge=DOWN + LEFT)


class AccuracyVsTime(MetricVsTime):
    metric = "accuracy"

    def y_axis(self, values: np.ndarray) -> tuple[kit.Scale, list[kit.Tick]]:
        return kit.Scale(0, 100), [(v, f"{v:g}%") for v in (0, 25, 50, 75, 100)]


class LossVsTime(MetricVsTime):
    metric = "loss"

    def y_axis(self, values: np.ndarray) -> tuple[kit.Scale, list[kit.Tick]]:
        positive = values[values > 0]
        low = 10 ** np.floor(np.log10(positive.min())) if positive.size else 0.01
        high = 10 ** np.ceil(np.log10(positive.max())) if positive.size else 10
        ticks = [
            (10.0**e, f"{10.0**e:g}") for e in range(int(np.log10(low)), int(np.log10(high)) + 1)
        ]
        return kit.Scale(low, high, log=True), ticks
