"""AccuracyVsTime and LossVsTime: every run's logged curve traced against one wall clock.

    manim render scenes/curves.py AccuracyVsTime
    manim render scenes/curves.py LossVsTime

The keys and the target accuracy come from manim.cfg's [lumi_vs_laptop] section.
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

from extract.errors import StoreError
from extract.model import Run
from scenes import kit
from scenes.kit.downsample import per_pixel_column
from study import units
from study.metrics import (
    ACCURACY_KEYS,
    LOSS_KEYS,
    MetricChoice,
    accuracy_scale,
    choose_key,
    target_percent,
)

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
    run: Run
    x: np.ndarray  # scene coordinates, reduced to what the screen shows
    y: np.ndarray
    times: np.ndarray  # wall time of each kept point
    line: VMobject
    tail: VMobject  # dotted continuation at the final value, once the run has finished
    end_dot: Dot
    label: VGroup
    target_s: float | None
    marker: VMobject | None
    final_value: float


class MetricVsTime(kit.StudyScene):
    """One logged metric of every run against wall time (log). Subclasses pick the metric."""

    rising = True
    family: tuple[str, ...] = ()

    def metric_key(self, settings: kit.Settings) -> str:
        raise NotImplementedError

    def scale_of(self, run: Run, key: str) -> float:
        """What to multiply a run's logged values by for the axis (1: as logged)."""
        return 1.0

    def title_template(self, settings: kit.Settings) -> str:
        raise NotImplementedError

    def target(self, settings: kit.Settings) -> float | None:
        return None

    def y_axis(self, values: np.ndarray) -> tuple[kit.Scale, list[kit.Tick], str]:
        raise NotImplementedError

    def value_text(self, value: float) -> str:
        return f"{value:.3g}"

    def history_keys(self, settings: kit.Settings) -> list[str]:
        # the asked key, and the common names to fall back on when a project logs another
        return list(dict.fromkeys([self.metric_key(settings), *self.family]))

    def prepare(self) -> None:
        # a curve scene without its metric stops with one line, before any frame
        self.choice = self._choose()

    def _choose(self) -> MetricChoice:
        asked = self.metric_key(self.settings)
        choice = choose_key(self.runs, asked, self.family)
        if choice.key is None:
            logged = ", ".join(choice.logged[:12]) or "none"
            raise StoreError(
                f"no shown run logged {asked!r} or a common name for it; keys logged: {logged}",
                path=self.store,
                hint="set accuracy_key/loss_key in manim.cfg or [metrics] in the study file",
            )
        return choice

    def construct(self) -> None:
        theme, settings = self.theme, self.settings
        key = self.choice.key or self.choice.asked
        runs = [
            r
            for r in kit.lane_order(self.runs)
            if key in r.history and r.history[key].notna().any()
        ]
        series = {r.run_id: self._series(r, key) for r in runs}
        all_times = np.concatenate([t for t, _ in series.values()])
        all_values = np.concatenate([v for _, v in series.values()])
        t_min = max(1.0, float(all_times[all_times > 0].min()) if np.any(all_times > 0) else 1.0)
        t_end = max(r.time_s for r in runs)
        y_scale, y_ticks, y_caption = self.y_axis(all_values)
        chart = kit.Chart(
            kit.Scale(t_min, t_end * 1.05, log=True),
            y_scale,
            CHART_BOX,
            theme,
            kit.time_ticks(t_min, t_end * 1.05),
            y_ticks,
            x_caption="wall time (log scale)",
            y_caption=y_caption,
        )
        target = self.target(settings)
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
            caption = kit.text(f"target {target:g}%", kit.SOURCE_SIZE, theme.muted)
            target_line.add(caption.move_to([chart.left + 0.12, y + 0.18, 0], aligned_edge=LEFT))

        colors = kit.run_colors(theme, runs)
        traces = self._traces(runs, series, chart, colors, key, target)
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
        shown: dict[tuple[int, str], float] = {}

        def fade(mob, kind: str, opacity: float, set_it) -> None:
            if shown.get((id(mob), kind)) != opacity:  # re-colouring every glyph is not free
                set_it(opacity)
                shown[(id(mob), kind)] = opacity

        def draw(s: float, t: float) -> None:
            for trace in traces:
                self._draw_until(trace, t, chart)
                done = float(np.clip((s - finish_share[id(trace)]) / MARK_FADE, 0, 1))
                fade(trace.end_dot, "dot", done, trace.end_dot.set_opacity)
                fade(trace.label, "label", done, trace.label.set_opacity)
                if trace.marker is not None:
                    reached = float(np.clip((s - target_share[id(trace)]) / MARK_FADE, 0, 1))
                    marker = trace.marker
                    fade(marker, "ring", reached, lambda o, m=marker: m.set_stroke(opacity=o))
            clock.show(t)

        draw(0.0, 0.0)
        self.begin_part(self._start_notes(traces, y_caption, target))
        frame = self.frame_parts(self.title_template(settings), runs, key=key)
        self.fade_in(
            target_line,
            clock.caption,
            moving,
            run_time=INTRO_SECONDS,
            from_start=[frame, chart],
        )
        # a deck holds when the first run reaches the target (without one: first finishes)
        first = min((target_share or finish_share).values()) + MARK_FADE
        parts = [(first, self._closing_notes(traces, target))]
        self.play_clock(moving, clock_map, draw, TRACE_SECONDS, parts, changing)
        for trace in traces:  # every run has finished: nothing is left mid-fade on the hold
            trace.end_dot.set_opacity(1)
            trace.label.set_opacity(1)
            if trace.marker is not None:
                trace.marker.set_stroke(opacity=1)
        clock.show(t_end)

        closing = self._closing(traces, chart, target)
        if len(closing):
            self.play(FadeIn(closing), run_time=CLOSING_SECONDS)
        self.wait(HOLD_SECONDS)

    def _series(self, run: Run, key: str) -> tuple[np.ndarray, np.ndarray]:
        times = run.history["_runtime"].to_numpy(float)
        values = run.history[key].to_numpy(float) * self.scale_of(run, key)
        keep = ~np.isnan(times) & ~np.isnan(values) & (times > 0)
        times, values = times[keep], values[keep]
        if np.any(np.diff(times) < 0):  # logged in order almost always; sorting 1M rows is not free
            order = np.argsort(times, kind="stable")
            times, values = times[order], values[order]
        return times, values

    def _traces(self, runs, series, chart: kit.Chart, colors, key: str, target) -> list[Trace]:
        final_y = [float(chart.y_of(series[r.run_id][1][-1])) for r in runs]
        size = min(kit.SMALL_SIZE, 120 / max(1, len(runs)) + 6)
        gap = size / 48 * 0.75
        _, _, bottom, top = kit.safe_box()
        label_ys = kit.spread(final_y, gap, chart.bottom + gap / 2, chart.top)
        traces = []
        for run, end_y, label_y in zip(runs, final_y, label_ys, strict=True):
            times, values = series[run.run_id]
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
            name = kit.merge_glyphs(kit.text(self.label(run), size, color, bold=True))
            value = kit.merge_glyphs(kit.text(self.value_text(values[-1]), size, color))
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
            target_s = None if target is None else _time_to(times, values, target, self.rising)
            marker = None
            if target_s is not None:
                marker = Circle(radius=0.09, stroke_color=color, stroke_width=3)
                marker.move_to(chart.c2p(target_s, target))
            traces.append(
                Trace(
                    run, x, y, kept_times, line, tail, end_dot, label, target_s, marker, values[-1]
                )
            )
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

    def _start_notes(self, traces: list[Trace], caption: str, target: float | None) -> str:
        lines = [f"{caption} against wall time (log scale), as each run logged it."]
        if target is not None:
            lines.append(f"Dashed line: the target, {target:g}%.")
        reached = [t for t in traces if t.target_s is not None]
        if reached:
            first = min(reached, key=lambda t: t.target_s or 0.0)
            lines.append(
                f"First to reach it: {self.label(first.run)}, after "
                f"{units.duration(first.target_s or 0)}."
            )
        return "\n".join(lines)

    def _closing_notes(self, traces: list[Trace], target: float | None) -> str:
        reached = sorted(
            (t for t in traces if t.target_s is not None), key=lambda t: t.target_s or 0.0
        )
        lines = [f"Time to {target:g}%:"] if reached else []
        lines += [f"{self.label(t.run)}: {units.duration(t.target_s or 0)}" for t in reached]
        finals = [f"{self.label(t.run)}: {self.value_text(t.final_value)}" for t in traces]
        lines.append("Final values: " + "; ".join(finals) + ".")
        return "\n".join(lines)

    def _closing(self, traces: list[Trace], chart: kit.Chart, target: float | None) -> VGroup:
        """The ranking by time to the target, in the corner the curves leave empty: top left
        under the target for a rising metric (it starts low), bottom left for a falling one."""
        reached = sorted(
            (t for t in traces if t.target_s is not None), key=lambda t: t.target_s or 0.0
        )
        if target is None or not reached:
            return VGroup()
        theme = self.theme
        entries = [
            kit.text(
                f"{rank}. {self.short_label(trace.run)}  {units.duration(trace.target_s or 0)}",
                kit.SOURCE_SIZE,
                trace.line.get_stroke_color(),
            )
            for rank, trace in enumerate(reached, start=1)
        ]
        # one narrow column fits where the curves are still low; two only for long rankings
        rows = (len(entries) + 1) // 2 if len(entries) > 10 else len(entries)
        columns = [VGroup(*entries[:rows]), VGroup(*entries[rows:])]
        for column in columns:
            column.arrange(DOWN, aligned_edge=LEFT, buff=0.08)
        table = VGroup(*(c for c in columns if len(c))).arrange(RIGHT, aligned_edge=UP, buff=0.45)
        header = kit.text(f"Time to {target:g}%", kit.SMALL_SIZE, theme.foreground, bold=True)
        body = VGroup(header, table).arrange(DOWN, aligned_edge=LEFT, buff=0.15)
        missed = [self.short_label(t.run) for t in traces if t.target_s is None]
        if missed:
            body.add(kit.text(f"not reached: {', '.join(missed)}", kit.SOURCE_SIZE, theme.muted))
            body.arrange(DOWN, aligned_edge=LEFT, buff=0.15)
        box = kit.callout_box(body, theme)
        if self.rising:
            corner = [chart.left + 0.2, float(chart.y_of(target)) - 0.2, 0]
            return box.move_to(corner, aligned_edge=UP + LEFT)
        return box.move_to([chart.left + 0.2, chart.bottom + 0.2, 0], aligned_edge=DOWN + LEFT)


class AccuracyVsTime(MetricVsTime):
    family = ACCURACY_KEYS

    def metric_key(self, settings: kit.Settings) -> str:
        return self.study.accuracy_key or settings.accuracy_key

    def scale_of(self, run: Run, key: str) -> float:
        # per run: a fraction (0.92) is shown as 92%
        return accuracy_scale(run, key, self.view.study.accuracy_scale).factor

    def title_template(self, settings: kit.Settings) -> str:
        return settings.title_accuracy

    def target(self, settings: kit.Settings) -> float | None:
        return target_percent(settings.target_accuracy)

    def y_axis(self, values: np.ndarray):
        ticks = [(v, f"{v:g}%") for v in (0, 25, 50, 75, 100)]
        return kit.Scale(0, 100), ticks, f"{self.choice.caption} (%)"

    def value_text(self, value: float) -> str:
        return f"{value:.1f}%"


class LossVsTime(MetricVsTime):
    rising = False
    family = LOSS_KEYS

    def metric_key(self, settings: kit.Settings) -> str:
        return self.study.loss_key or settings.loss_key

    def title_template(self, settings: kit.Settings) -> str:
        return settings.title_loss

    def y_axis(self, values: np.ndarray):
        positive = values[values > 0]
        low = 10 ** np.floor(np.log10(positive.min())) if positive.size else 0.01
        high = 10 ** np.ceil(np.log10(positive.max())) if positive.size else 10
        ticks = [
            (10.0**e, f"{10.0**e:g}") for e in range(int(np.log10(low)), int(np.log10(high)) + 1)
        ]
        return kit.Scale(low, high, log=True), ticks, f"{self.choice.caption} (log scale)"


def _time_to(times: np.ndarray, values: np.ndarray, target: float, rising: bool) -> float | None:
    """First time the (scaled) series reached ``target``."""
    reached = np.nonzero(values >= target if rising else values <= target)[0]
    return float(times[reached[0]]) if reached.size else None
