"""What AccuracyVsTime, LossVsTime and MetricVsTime (scenes/curves.py) share: every run's logged
curve traced against one clock, its end label and leader, the target line and the ranking.
Kept out of scenes/curves.py because `manim render scenes/curves.py -a` renders every Scene
class that file defines: this one draws nothing on its own (no y axis)."""

from __future__ import annotations

from dataclasses import dataclass, field

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
    FadeOut,
    LineJointType,
    ManimColor,
    VGroup,
    VMobject,
    config,
)

from extract.model import Run
from scenes import kit
from scenes.kit.downsample import per_pixel_column, per_pixel_column_index
from study.labels import distinct_cuts
from study.metric_plan import MetricPlan
from study.plans import CurveSeries, CurvesPlan, curves_plan, wrap_list
from study.units import clock_tenths

CLOSING_SECONDS = 1.0
CHART_BOX = (-5.0, 2.9, -2.3, 2.3)
SOURCE_GAP = 0.2  # between the x caption and the source line under it
LABEL_X = CHART_BOX[1] + 0.45
# the end labels' column, right of the chart: under the clock, above the source line
LABELS_TOP, LABELS_BOTTOM = 2.55, -3.0
PIXELS_PER_UNIT = 1920 / 14.222  # at 1080p: the finest detail worth keeping
OVERRUN = 1.06
END_DOT = 0.06  # radius of the dot where a run's curve ends
LEADER_MARGIN = 0.04  # between a leader and another run's end dot it passes
MARK_FADE = 0.01
RANKING_NAME = 22  # characters of a run's name in the ranking
RANKING_NAME_BESIDE = 10  # ... in the ranking beside the chart
MAX_RANKED = 10  # a slide's ranking; the speaker notes have every run
RAW_OPACITY = 0.3  # a smoothed key's logged line, faint behind its average
# a curve is traced in this many pieces, one for each equal share of the clock: a piece is
# drawn every frame only while its share runs, then once, as background. Tracing the whole
# curve again every frame made a long, noisy history (many points per pixel column) the
# slowest part of a render
PIECES = 8


@dataclass
class Trace:
    series: CurveSeries
    x: np.ndarray  # scene coordinates, reduced to what this render's pixels show
    y: np.ndarray
    times: np.ndarray  # wall time of each kept point
    line: VMobject
    end_dot: Dot  # where the run's logged curve ends
    label: VGroup
    marker: VMobject | None
    # a smoothed curve's logged values (x, y, times as above) and their faint line
    raw: tuple[np.ndarray, np.ndarray, np.ndarray] | None = None
    raw_line: VMobject | None = None
    # what is drawn of ``line``: (piece, index of its first own point), one per share of the
    # clock in which the curve gains points (see PIECES)
    pieces: list[tuple[VMobject, int]] = field(default_factory=list)
    done: float = 0.0  # the share of the clock at which its curve ends
    reached: float = 0.0  # ... at which it reaches the target (when it does)
    # the curve as 1080p's pixels show it (x, y, 0), what the labels and boxes keep clear of:
    # the same places at every quality (a preview's layout is the final render's)
    outline: np.ndarray = field(default_factory=lambda: np.zeros((0, 3)))

    @property
    def run(self) -> Run:
        return self.series.run

    @property
    def end_s(self) -> float:
        return float(self.times[-1])

    @property
    def target_s(self) -> float | None:
        return self.series.target_s


class CurvesScene(kit.ClockedScene):
    """One logged metric of every run against wall time (log). Subclasses pick the metric."""

    metric = ""  # "accuracy" or "loss": see study.plans.curves_plan

    def y_axis(self, values: np.ndarray) -> tuple[kit.Scale, list[kit.Tick]]:
        """The y axis fitted to ``values``: the least and greatest drawn value of each curve,
        and of its positive values (``_extremes``), which are all an axis is fitted to."""
        raise NotImplementedError

    def x_axis(self, t_min: float, t_end: float) -> tuple[kit.Scale, list[kit.Tick], str]:
        """The x axis: wall time (log) from the first logged time to the last curve's end."""
        # at least two labelled times: 1-2-5 steps where no power of ten falls in the range,
        # which grows to the nearest such step where even those do not
        x_low, x_high, x_ticks = kit.time_range_ticks(t_min, t_end * 1.05)
        return kit.Scale(x_low, x_high, log=True), x_ticks, "wall time (log scale)"

    def series_x(self, index: int, series: CurveSeries) -> np.ndarray:
        """Where each point of the ``index``-th series goes along the x axis (its wall time)."""
        return series.times

    def prepare(self) -> None:
        # a curve scene without its metric stops with one line, before any frame
        self.plan = curves_plan(self.view, self.metric)

    def set_stage(self) -> kit.ClockStage:
        theme, plan = self.theme, self.plan
        runs = [s.run for s in plan.series]
        # from the first logged time: a sub-second run is drawn, not squeezed onto the axis
        t_min = max(0.01, min(float(s.times.min()) for s in plan.series if len(s.times)))
        # the axis and the clock end where the last drawn curve ends: a laptop's estimated
        # total, where no curve goes, would leave the right of the chart empty
        t_end = max(float(s.times[-1]) for s in plan.series)
        y_scale, y_ticks = self.y_axis(_extremes([s.values for s in plan.series]))
        x_scale, x_ticks, x_caption = self.x_axis(t_min, t_end)

        def build(bottom: float) -> kit.Chart:
            left, right, _, top = CHART_BOX
            return kit.Chart(
                x_scale,
                y_scale,
                (left, right, bottom, top),
                theme,
                x_ticks,
                y_ticks,
                x_caption=x_caption,
                y_caption=plan.y_caption,
                # a smoothed metric's caption, too long for a long key: the key, scale, weight
                y_caption_short=getattr(plan, "y_caption_short", ""),
            )

        chart = build(CHART_BOX[2])
        # a source line of two lines (runs left out, runs not shown) is taller: the chart rises
        # so its x caption keeps its distance from it
        source_top = float(kit.source_line(plan.source, theme).get_top()[1])
        overlap = source_top + SOURCE_GAP - float(chart.get_bottom()[1])
        if overlap > 0:
            chart = build(CHART_BOX[2] + overlap)
        self.chart = chart
        target = plan.target
        colors = kit.run_colors(theme, runs)
        traces = self.traces = self._traces(plan, chart, colors, target)
        target_line = self.target_line = VGroup()
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
            caption: VMobject = kit.text(f"target {plan.target_text}", kit.SOURCE_SIZE, theme.muted)
            crossed = _beside_the_line(caption, chart, y, _drawn_points(traces))
            if crossed and hasattr(chart, "y_caption"):
                # every place along the line is crossed (many curves reach the target): the
                # caption goes above the chart, opposite the axis caption, after a piece of
                # the dashed line it names
                sample = DashedLine(
                    [0, 0, 0], [0.5, 0, 0], color=theme.muted, stroke_width=2, dash_length=0.08
                )
                caption = VGroup(sample, caption).arrange(RIGHT, buff=0.12)
                caption.move_to([chart.right, chart.y_caption.get_y(), 0], aligned_edge=RIGHT)
            target_line.add(caption)
        clock_map = kit.LogClock(t_min, t_end * OVERRUN)
        # a curve is traced until its run's end, its end mark and label fade in then, its target
        # ring when it reaches the target
        changing = []
        for trace in traces:
            trace.done = clock_map.share_at(trace.end_s)
            marks = VGroup(trace.end_dot, trace.label)
            if trace.raw_line is None:
                changing += self._pieces(trace, clock_map)
                changing.append((trace.done, trace.done + MARK_FADE, marks))
            else:
                growing = VGroup(trace.raw_line, trace.line)
                changing += kit.finishing(trace.done, MARK_FADE, growing, marks)
            if trace.marker is not None and trace.target_s is not None:
                trace.reached = clock_map.share_at(trace.target_s)
                changing.append((trace.reached, trace.reached + MARK_FADE, trace.marker))
        # a deck holds when the first run reaches the target (without one: first finishes)
        reached = [trace.reached for trace in traces if trace.target_s is not None]
        first = min(reached or [trace.done for trace in traces]) + MARK_FADE
        # a curve's end and its target ring: the clock reads them as finely as the ranking
        events = [t.end_s for t in traces] + [t.target_s for t in traces if t.target_s is not None]
        return kit.ClockStage(
            clock=clock_map,
            readout=kit.ClockReadout(theme, tenths=clock_tenths(events)),
            first_frame=[self.frame_of(plan.title, plan.source), chart],
            static=[target_line],
            changing=changing,
            held_s=t_end,
            start_notes=plan.start_notes,
            parts=[(first, plan.closing_notes)],
        )

    def draw(self, s: float, t: float) -> None:
        for trace in self.traces:
            self._draw_until(trace, t, self.chart)
            if trace.raw is not None and trace.raw_line is not None:
                self._trace_until(trace.raw_line, *trace.raw, t, RAW_OPACITY)
            done = kit.faded_in(s, trace.done, MARK_FADE)
            self.fader.fade(trace.end_dot, done)
            for part in trace.label.submobjects:
                # a leader's stroke only: a bent one filled would show as a wedge
                if kit.marks.role(part) == "leader":
                    self.fader.stroke(part, done)
                else:
                    self.fader.fade(part, done)
            if trace.marker is not None:
                self.fader.stroke(trace.marker, kit.faded_in(s, trace.reached, MARK_FADE))

    def close(self) -> None:
        closing, making_way = self._closing(self.traces, self.chart, self.target_line)
        if len(closing):
            self.play(FadeIn(closing), *(FadeOut(m) for m in making_way), run_time=CLOSING_SECONDS)

    def _traces(
        self,
        plan: CurvesPlan,
        chart: kit.Chart,
        colors: dict[str, ManimColor],
        target: float | None,
    ) -> list[Trace]:
        xs = [self.series_x(index, s) for index, s in enumerate(plan.series)]
        kept = [
            self._on_screen(chart, x, s.times, s.values)
            for x, s in zip(xs, plan.series, strict=True)
        ]
        raws: list[tuple[np.ndarray, np.ndarray, np.ndarray] | None] = [None] * len(kept)
        if isinstance(plan, MetricPlan) and plan.raw:
            raws = [
                _as_drawn(chart, self._on_screen(chart, x, s.times, v))
                for x, s, v in zip(xs, plan.series, plan.raw, strict=True)
            ]
        texts, size, stacked = self._end_labels(plan, colors, chart)
        line_gap = size / 48 * 0.75
        gap = line_gap * (2.1 if stacked else 1.0)
        # a leader runs from its own curve's last point (from the chart's edge at the final
        # value, it pointed a run that ended early at the curve that reaches the edge there),
        # and the labels' places are shared out so that no two leaders cross and none passes
        # over another run's end dot
        ends = [(float(x[-1]), float(y[-1])) for x, y, _ in kept]
        starts = [(x + END_DOT + 0.02, y) for x, y in ends]
        leader_x = LABEL_X - 0.08
        bounds = (LABELS_BOTTOM + gap / 2, LABELS_TOP - gap / 2)
        leaders = kit.leader_slots(ends, starts, leader_x, gap, bounds, END_DOT, LEADER_MARGIN)
        traces = []
        for series, (name, value), placed, (x, y, kept_times), raw in zip(
            plan.series, texts, leaders, kept, raws, strict=True
        ):
            color = colors[series.run.run_id]
            # round joins: Cairo's default mitre joins spike far past a noisy curve's values
            line = VMobject(stroke_color=color, stroke_width=3.5, joint_type=LineJointType.ROUND)
            end_dot = Dot([x[-1], y[-1], 0], radius=END_DOT, color=color)
            kit.marks.data(line, axis=chart)
            kit.marks.data(end_dot, axis=chart)
            if stacked:
                label = VGroup(name, value).arrange(DOWN, buff=0.05, aligned_edge=LEFT)
            else:
                label = VGroup(name, value).arrange(RIGHT, buff=0.15, aligned_edge=DOWN)
            label.move_to([LABEL_X, placed.label_y, 0], aligned_edge=LEFT)
            leader = VMobject(stroke_color=color, stroke_width=1.5, stroke_opacity=0.6)
            leader.set_points_as_corners([(px, py, 0.0) for px, py in placed.corners])
            label.add(kit.marks.leader(leader))
            marker = None
            if series.target_s is not None:
                marker = Circle(radius=0.09, stroke_color=color, stroke_width=3)
                marker.move_to(chart.c2p(series.target_s, target))
                kit.marks.data(marker, axis=chart)
            raw_line = None
            if raw is not None:
                raw_line = VMobject(
                    stroke_color=color,
                    stroke_width=1.5,
                    stroke_opacity=RAW_OPACITY,
                    joint_type=LineJointType.ROUND,
                )
                kit.marks.data(raw_line, axis=chart)
            outline = np.column_stack([x, y, np.zeros(len(x))])
            x, y, kept_times = _as_drawn(chart, (x, y, kept_times))
            trace = Trace(series, x, y, kept_times, line, end_dot, label, marker, raw, raw_line)
            trace.outline = outline
            traces.append(trace)
        return traces

    @staticmethod
    def _on_screen(
        chart: kit.Chart, x_values: np.ndarray, times: np.ndarray, values: np.ndarray
    ) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
        """A series in scene coordinates, reduced to what the screen shows (per pixel column),
        with the wall time of each kept point."""
        columns = int((chart.right - chart.left) * PIXELS_PER_UNIT)
        x_screen = (np.asarray(chart.x_of(x_values)) - chart.left) * PIXELS_PER_UNIT
        x_kept, values_kept = per_pixel_column(x_screen, values, columns)
        # along steps or epochs a resumed run's clock may go back: a curve is still traced
        # from left to right as its run's clock advances
        kept_times = np.maximum.accumulate(times)[np.searchsorted(x_screen, x_kept)]
        x = chart.left + x_kept / PIXELS_PER_UNIT
        return x, np.asarray(chart.y_of(values_kept), dtype=float), kept_times

    def _end_labels(
        self, plan: CurvesPlan, colors: dict[str, ManimColor], chart: kit.Chart
    ) -> tuple[list[tuple[VMobject, VMobject]], float, bool]:
        """Each run's name and final value beside the chart's right edge, one size for all:
        the largest at which they fit the room there, trying in turn the full labels on one
        line, the value under the name, the short labels ("8 GPUs"), and each of those a size
        smaller, down to MIN_TEXT_SIZE; names still too wide are cut with an ellipsis.
        Returns the (name, value) texts, their size and whether values go under names."""
        count = max(1, len(plan.series))
        start = max(kit.MIN_TEXT_SIZE, min(kit.SMALL_SIZE, 120 / count + 6))
        room = kit.safe_box()[1] - LABEL_X
        height = LABELS_TOP - LABELS_BOTTOM

        def build(content: str, run: Run, bold: bool) -> VMobject:
            return kit.merge_glyphs(kit.text(content, start, colors[run.run_id], bold=bold))

        values = [build(s.final_text, s.run, False) for s in plan.series]
        full = [build(s.label, s.run, True) for s in plan.series]
        short = full
        if any(s.short != s.label for s in plan.series):
            short = [build(s.short, s.run, True) for s in plan.series]

        def tall_enough(size: float, stacked: bool) -> bool:
            return count * (2.2 if stacked else 1.1) * size / 48 * 0.75 <= height

        def fits(names: list[VMobject], size: float, stacked: bool) -> bool:
            share = size / start * 1.02  # widths are not quite proportional to size
            widths = [
                max(n.width, v.width) if stacked else n.width + 0.15 + v.width
                for n, v in zip(names, values, strict=True)
            ]
            return max(widths) * share <= room and tall_enough(size, stacked)

        size = start
        while True:
            for names, stacked in ((full, False), (full, True), (short, False), (short, True)):
                if fits(names, size, stacked):
                    return self._scaled(names, values, size / start), size, stacked
            if size <= kit.MIN_TEXT_SIZE:
                break
            size = max(kit.MIN_TEXT_SIZE, size - 1)
        # names are cut to the width left: under their values where the height allows (the
        # names keep more of the room), else beside them
        stacked = tall_enough(size, True)
        share = size / start
        cut = []
        for series, name, value in zip(plan.series, short, values, strict=True):
            free = room / share - (0 if stacked else value.width + 0.15)
            if name.width > free:
                text = kit.lanes.ellipsized(series.short, start, free)
                name = build(text, series.run, True)
                # the cut is measured in regular weight; bold glyphs are wider: cut on until the
                # drawn name fits
                while name.width > free and len(text) > 2:
                    text = text[:-2].rstrip() + kit.lanes.ELLIPSIS
                    name = build(text, series.run, True)
            cut.append(name)
        return self._scaled(cut, values, share), size, stacked

    @staticmethod
    def _scaled(
        names: list[VMobject], values: list[VMobject], share: float
    ) -> list[tuple[VMobject, VMobject]]:
        for mob in (*names, *values):
            mob.scale(share)
        return list(zip(names, values, strict=True))

    def _draw_until(self, trace: Trace, t: float, chart: kit.Chart) -> None:
        if not trace.pieces:
            self._trace_until(trace.line, trace.x, trace.y, trace.times, t, 1.0)
            return
        shown = int(np.searchsorted(trace.times, t, side="right"))
        ends = [first for _, first in trace.pieces[1:]] + [len(trace.times)]
        for (piece, first), end in zip(trace.pieces, ends, strict=True):
            if first == 0:  # the first piece starts as the whole curve does
                self._trace_until(piece, trace.x[:end], trace.y[:end], trace.times[:end], t, 1.0)
                continue
            # a later piece starts two points back: the join at its first point and the one
            # before are drawn as the whole curve draws them, not as two line ends
            own = min(shown, end) - first
            if own <= 0:
                piece.set_points_as_corners([[trace.x[first], trace.y[first], 0]] * 2)
                piece.set_stroke(opacity=0)
            else:
                back = max(0, first - 2)
                count = first + own - back
                piece.set_points_as_corners(
                    np.column_stack(
                        [trace.x[back : first + own], trace.y[back : first + own], np.zeros(count)]
                    )
                )
                piece.set_stroke(opacity=1.0)

    @staticmethod
    def _pieces(trace: Trace, clock: kit.LogClock) -> list[kit.Window]:
        """Cut ``trace``'s line into a piece per share of the clock in which it gains points;
        each changes only inside its share (the windows returned)."""
        bounds = [clock.wall_time(k / PIECES) for k in range(1, PIECES)]
        firsts = np.searchsorted(trace.times, bounds, side="left")
        windows: list[kit.Window] = []
        # the line itself is no longer drawn: it is the whole curve, what the closing keeps
        # clear of (and its style, that each piece copies)
        points = trace.outline
        trace.line.set_points_as_corners(points if len(points) >= 2 else [*points, *points])
        starts = [0, *(int(f) for f in firsts)]
        ends = [*starts[1:], len(trace.times)]
        for k, (first, end) in enumerate(zip(starts, ends, strict=True)):
            if end <= first:
                continue  # no point of the curve falls in this share of the clock
            piece = trace.line.copy().clear_points()
            trace.pieces.append((piece, first))
            last = min(1.0, (k + 1) / PIECES) if end < len(trace.times) else trace.done + MARK_FADE
            windows.append((k / PIECES, last, piece))
        return windows

    @staticmethod
    def _trace_until(
        line: VMobject, x: np.ndarray, y: np.ndarray, times: np.ndarray, t: float, opacity: float
    ) -> None:
        shown = int(np.searchsorted(times, t, side="right"))
        if shown < 2:
            line.set_points_as_corners([[x[0], y[0], 0]] * 2)
            line.set_stroke(opacity=0 if shown == 0 else opacity)
        else:
            points = np.column_stack([x[:shown], y[:shown], np.zeros(shown)])
            line.set_points_as_corners(points)
            line.set_stroke(opacity=opacity)

    def _closing(
        self, traces: list[Trace], chart: kit.Chart, target_line: VGroup
    ) -> tuple[VGroup, list[VMobject]]:
        """The ranking by time to the target, and what makes way for it. It goes where no
        curve, point, leader or the target line is: the free place in the chart nearest the
        corner the curves leave empty (top left for a rising metric, bottom left for a falling
        one), in one column or two. Where the chart has no such place, it takes the end labels'
        place beside the chart (it names every run it ranks, in the run's colour)."""
        plan = self.plan
        if plan.target is None or plan.ranking_header is None:
            return VGroup(), []
        occupied = [kit.marks.dense_points(t.line) for t in traces]
        occupied += [kit.marks.box_points(t.end_dot) for t in traces]
        occupied += [kit.marks.box_points(t.marker) for t in traces if t.marker is not None]
        occupied += [kit.marks.box_points(part) for part in target_line]
        # leaders cross the chart to the labels beside it: the box must not sit on one
        occupied += [
            kit.marks.dense_points(part)
            for t in traces
            for part in t.label
            if kit.marks.role(part) == "leader"
        ]
        area = (chart.left + 0.08, chart.right - 0.08, chart.bottom + 0.08, chart.top - 0.04)
        corner = (0.0, 1.0) if plan.rising else (0.0, 0.0)
        for columns in (1, 2):
            box = self._ranking_box(traces, columns, RANKING_NAME)
            spot = kit.marks.free_spot((box.width, box.height), area, occupied, prefer=corner)
            if spot is not None:
                return box.move_to([*spot, 0]), []
        # beside the chart the column is narrow: names are cut shorter, lines wrap sooner, and
        # fewer runs are ranked ("and 4 more") until the box fits at its own text sizes
        _, right, bottom, top = kit.safe_box()
        left = chart.right + 0.15
        place = (left, right, chart.bottom - 0.5, top - 1.0)  # under the clock
        box = self._fitted_ranking_box(traces, place[1] - place[0], place[3] - place[2])
        box.move_to([(left + right) / 2, (chart.top + chart.bottom) / 2, 0])
        kit.keep_inside(box, place)
        return box, [t.label for t in traces]

    def _fitted_ranking_box(self, traces: list[Trace], width: float, height: float) -> VGroup:
        """The ranking box beside the chart, at most ``width`` x ``height``: the longest names
        and the most rows that fit (the last try is what fits least badly)."""
        box = VGroup()
        for ranked in range(min(MAX_RANKED, len(self.plan.ranking)), 0, -1):
            for name_length in range(RANKING_NAME_BESIDE, 3, -2):
                box = self._ranking_box(traces, 1, name_length, ranked)
                if box.width <= width and box.height <= height:
                    return box
        return box

    def _ranking_box(
        self, traces: list[Trace], columns: int, name_length: int, most: int = MAX_RANKED
    ) -> VGroup:
        plan, theme = self.plan, self.theme
        color_of = {id(t.series): t.line.get_stroke_color() for t in traces}
        ranked = plan.ranking[:most]
        cuts = distinct_cuts([t.series.short for t in traces], name_length)
        entries = [
            kit.text(
                _fitted_entry(line, series.short, cuts[series.short]),
                kit.SOURCE_SIZE,
                color_of[id(series)],
            )
            for series, line in ranked
        ]
        rows = -(-len(entries) // columns)
        groups = [VGroup(*entries[k : k + rows]) for k in range(0, len(entries), rows)]
        for group in groups:
            group.arrange(DOWN, aligned_edge=LEFT, buff=0.08)
        table = VGroup(*groups).arrange(RIGHT, aligned_edge=UP, buff=0.45)
        header = kit.text(plan.ranking_header or "", kit.SMALL_SIZE, theme.foreground, bold=True)
        body = VGroup(header, table)
        if len(plan.ranking) > len(ranked):
            more = len(plan.ranking) - len(ranked)
            body.add(kit.text(f"and {more} more", kit.SOURCE_SIZE, theme.muted))
        missed = [cuts[t.series.short] for t in traces if t.series.target_s is None]
        wrapped = wrap_list("not reached: ", missed, name_length + 4) if plan.missed else ()
        for line in wrapped:
            body.add(kit.text(line, kit.SOURCE_SIZE, theme.muted))
        body.arrange(DOWN, aligned_edge=LEFT, buff=0.12)
        box = kit.callout_box(body, theme)
        kit.marks.panel(box[0])
        return box


def _extremes(series: list[np.ndarray]) -> np.ndarray:
    """Each series' least and greatest value, and of its positive values: an axis fitted to
    these fits every value (a million-row history is not copied to find them)."""
    found = []
    for values in series:
        if not len(values):
            continue
        found += [values.min(), values.max()]
        positive = values[values > 0]
        if positive.size:
            found += [positive.min(), positive.max()]
    return np.asarray(found, dtype=float)


def _as_drawn(
    chart: kit.Chart, kept: tuple[np.ndarray, np.ndarray, np.ndarray]
) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """A curve reduced at 1080p (``_on_screen``) reduced again to this render's own pixel
    columns, where they are coarser (a 480p preview): as many points as its pixels show, so a
    million-row history is drawn at the cost of its pixels, not of 1080p's."""
    density = config.pixel_width / config.frame_width
    # 1080p and finer draw what was kept (PIXELS_PER_UNIT rounds 1080p's frame width: 1080p's
    # own density is a hair below it, and must not reduce again)
    if density >= PIXELS_PER_UNIT * 0.999:
        return kept
    x, y, times = kept
    columns = int((chart.right - chart.left) * density)
    keep = per_pixel_column_index((x - chart.left) * density, y, columns)
    return x[keep], y[keep], times[keep]


def _drawn_points(traces: list[Trace]) -> np.ndarray:
    """Every point the held frame's curves, end dots and target rings cover: the whole curve
    of each run (any earlier frame shows a part of it)."""
    clouds = []
    for trace in traces:
        clouds.append(kit.marks.dense_points(VMobject().set_points_as_corners(trace.outline)))
        clouds.append(kit.marks.box_points(trace.end_dot))
        if trace.marker is not None:
            clouds.append(kit.marks.box_points(trace.marker))
    return np.concatenate(clouds)[:, :2] if clouds else np.zeros((0, 2))


def _beside_the_line(caption: VMobject, chart: kit.Chart, y: float, drawn: np.ndarray) -> int:
    """The target line's caption just above or below the line where no curve is: at its left
    end, else its right end, else the first free place along it from the left. Curves cross
    the target where they reach it, and a run starting near it runs along it (a newcomer saw
    two curves cross "target 90%"); where every place is crossed, the least crossed one.
    Returns how many drawn points the caption covers there (0: a free place)."""
    pad, step = 0.06, 0.25
    first, last = chart.left + 0.12, chart.right - 0.12 - caption.width
    along = np.arange(first + step, last, step)
    best, fewest = (first, 0.18), None
    for x in [first, last, *along]:
        for above in (0.18, -0.18):
            box = (
                x - pad,
                x + caption.width + pad,
                y + above - caption.height / 2 - pad,
                y + above + caption.height / 2 + pad,
            )
            inside = (
                (drawn[:, 0] > box[0])
                & (drawn[:, 0] < box[1])
                & (drawn[:, 1] > box[2])
                & (drawn[:, 1] < box[3])
            )
            crossed = int(inside.sum())
            if fewest is None or crossed < fewest:
                best, fewest = (x, above), crossed
            if crossed == 0:
                break
        if fewest == 0:
            break
    x, above = best
    caption.move_to([x, y + above, 0], aligned_edge=LEFT)
    return fewest or 0


def _fitted_entry(line: str, name: str, cut: str) -> str:
    """A ranking line ("3. NAME  2.9 min") with its run name ``cut`` (study/labels.py's
    distinct_cuts): a long study-file label must not widen the box past its place."""
    return line.replace(name, cut, 1) if name in line else line
