"""TrainingComparison: time to train each configuration as bars on a log time axis.

    manim render scenes/comparison.py TrainingComparison

`comparison_time = per_epoch` in manim.cfg's [lumi_vs_laptop] section compares time per epoch
(equal work) instead of total time.
"""

from __future__ import annotations

from dataclasses import dataclass

from manim import (
    DOWN,
    LEFT,
    RIGHT,
    FadeIn,
    ParsableManimColor,
    Rectangle,
    VGroup,
    VMobject,
)

from extract.model import Run
from scenes import kit
from study.plans import ComparisonBar, ComparisonPlan, comparison_plan
from study.units import clock_tenths

TIMES = "\u00d7"
RANGE_SECONDS = 1.0
AXIS_RIGHT = 3.7
AXIS_Y = -2.35
AXIS_OVERRUN = 1.2  # the axis ends a little past the longest bar
OVERRUN = 1.08  # the clock runs a little past the longest bar, so its stamp shows
STAMP_FADE = 0.01


@dataclass
class Bar:
    planned: ComparisonBar
    y: float
    solid: VMobject
    estimate: VMobject | None
    stamp: VGroup
    done: float = 0.0  # the share of the clock at which its bar is complete

    @property
    def run(self) -> Run:
        return self.planned.run

    @property
    def value_s(self) -> float:
        return self.planned.value_s

    @property
    def measured_s(self) -> float:
        return self.planned.measured_s


class TrainingComparison(kit.ClockedScene):
    reads = frozenset()  # no history: the report's accuracy only

    def set_stage(self) -> kit.ClockStage:
        theme = self.theme
        plan = self.plan = comparison_plan(self.view)
        self.per_epoch = plan.per_epoch
        runs = [bar.run for bar in plan.bars]
        values = {bar.run.run_id: bar.value_s for bar in plan.bars}
        longest = max(values.values())

        # a quarter of the shortest bar: sub-second runs get an axis of their own
        self.t_min = t_min = max(0.01, min(values.values()) / 4)
        self.geometry = kit.LaneGeometry.for_lanes(len(runs), [bar.label for bar in plan.bars])
        self.bar_left = bar_left = self.geometry.track_left
        top_of_lanes = self.geometry.y(0) + self.geometry.pitch / 2
        self.axis = kit.LogTimeAxis(
            t_min,
            longest * AXIS_OVERRUN,
            bar_left,
            AXIS_RIGHT,
            AXIS_Y,
            theme,
            grid_top=top_of_lanes,
        )
        caption = "per epoch,\nlog scale" if self.per_epoch else "time, log scale"
        axis_caption = kit.text(caption, kit.SMALL_SIZE, theme.muted)
        axis_caption.next_to(self.axis.line, LEFT, buff=0.25)

        colors = kit.run_colors(theme, runs)
        static = VGroup()
        self.bars = bars = [
            self._bar(planned, index, colors[planned.run.run_id], static)
            for index, planned in enumerate(plan.bars)
        ]
        clock_map = kit.LogClock(t_min / 4, longest * OVERRUN)
        # a bar grows until its run's time, its stamp fades in then
        changing = []
        for bar in bars:
            bar.done = clock_map.share_at(bar.value_s)
            shapes = VGroup(bar.solid, *([bar.estimate] if bar.estimate is not None else []))
            changing += kit.finishing(bar.done, STAMP_FADE, shapes, bar.stamp)
        parts = []
        cluster_bars = [bar for bar in bars if bar.run.platform == "cluster"]
        laptop_bars = [bar for bar in bars if bar.run.platform == "laptop"]
        if cluster_bars and laptop_bars:  # a deck holds once every cluster bar is complete
            done = max(bar.done for bar in cluster_bars) + STAMP_FADE
            parts.append((done, plan.closing_notes))
        frame = self.frame_of(plan.title, plan.source)
        return kit.ClockStage(
            clock=clock_map,
            readout=kit.ClockReadout(
                theme,
                "per epoch" if self.per_epoch else "elapsed",
                tenths=clock_tenths(list(values.values())),
            ),
            first_frame=[frame, self.axis.grid, self.axis, axis_caption],
            static=[static],
            changing=changing,
            held_s=longest,
            start_notes=plan.start_notes,
            parts=parts,
        )

    def draw(self, s: float, t: float) -> None:
        left, height = self.bar_left, self.geometry.bar_height
        for bar in self.bars:
            shown_to = float(self.axis.x_of(min(t, bar.value_s))) if t > self.t_min else left
            measured_to = min(shown_to, float(self.axis.x_of(bar.measured_s)))
            kit.set_bar(bar.solid, left, measured_to, bar.y, height)
            if bar.estimate is not None:
                kit.set_bar(bar.estimate, measured_to, shown_to, bar.y, height)
            self.fader.fade(bar.stamp, kit.faded_in(s, bar.done, STAMP_FADE))

    def close(self) -> None:
        self.play(FadeIn(self._laptop_range()), run_time=RANGE_SECONDS)

    def _bar(
        self, planned: ComparisonBar, index: int, color: ParsableManimColor, static: VGroup
    ) -> Bar:
        y = self.geometry.y(index)
        size = self.geometry.label_size
        static.add(kit.lane_label(planned.label, self.geometry, index, color))
        end_x = float(self.axis.x_of(planned.value_s))
        solid = VMobject(fill_color=color, fill_opacity=1, stroke_width=0)
        estimate = None
        if planned.estimated:
            start_x = max(
                self.bar_left, float(self.axis.x_of(max(planned.measured_s, self.axis.t_min)))
            )
            height = self.geometry.bar_height
            dashed = kit.estimate_outline(start_x, end_x, y, height, color, dashes=50)
            static.add(kit.marks.data(dashed, axis=self.axis))
            estimate = kit.marks.data(kit.estimate_bar(color), axis=self.axis)
        kit.marks.data(solid, axis=self.axis)

        stamp = VGroup(kit.text(planned.stamp, size, color, bold=True))
        if planned.estimated:
            stamp.add(kit.text("estimate", max(kit.MIN_TEXT_SIZE, size * 0.8), color))
        elif planned.speedup:
            stamp.add(kit.text(planned.speedup, size, color))
        for part in stamp:
            kit.merge_glyphs(part)
        stamp.arrange(RIGHT, buff=0.25, aligned_edge=DOWN)
        room = kit.safe_box()[1] - (end_x + 0.18)
        if stamp.width > room and len(stamp) > 1:  # the speedup or "estimate" goes under
            stamp.arrange(DOWN, buff=0.04, aligned_edge=LEFT)
        if stamp.width > room or stamp.height > 0.95 * self.geometry.pitch:
            # one line, the time alone: the speedup is in the notes and the range label
            stamp.remove(*stamp[1:])
        stamp.move_to([end_x + 0.18, y, 0], aligned_edge=LEFT)
        return Bar(planned, y, solid, estimate, stamp)

    def _laptop_range(self) -> VGroup:
        """The spread of the laptop estimates as a band across every lane, named below."""
        plan: ComparisonPlan = self.plan
        if plan.range_label is None:
            return VGroup()
        low, high = min(plan.laptop_values), max(plan.laptop_values)
        x0, x1 = float(self.axis.x_of(low)), float(self.axis.x_of(high))
        top = self.geometry.y(0) + self.geometry.pitch / 2
        bottom = self.geometry.y(self.geometry.count - 1) - self.geometry.pitch / 2
        color = kit.laptop_color(self.theme, 0)
        band = Rectangle(
            width=max(x1 - x0, 0.02),
            height=top - bottom,
            stroke_width=0,
            fill_color=color,
            fill_opacity=0.16,
        ).move_to([(x0 + x1) / 2, (top + bottom) / 2, 0])
        band.set_z_index(-1)  # behind the bars and their stamps it spans
        _, right, bottom, top = kit.safe_box()
        label: VMobject = kit.text(plan.range_label, kit.SMALL_SIZE, color)
        if label.width > right - self.bar_left:  # smaller, then in two lines at that size
            label = kit.text(plan.range_label, kit.SOURCE_SIZE, color)
        if label.width > right - self.bar_left:  # in two lines at that size
            parts = plan.range_label.split("   ")
            width = right - self.bar_left
            name = self.settings.laptop_name
            if (
                parts[0].startswith(name)
                and kit.text(parts[0], kit.SOURCE_SIZE, color).width > width
            ):
                # a long laptop name is cut, never the range it names
                rest = parts[0][len(name) :]
                room = width - kit.text(rest, kit.SOURCE_SIZE, color).width
                parts[0] = kit.lanes.ellipsized(name, kit.SOURCE_SIZE, room) + rest
            label = VGroup(*(kit.text(part, kit.SOURCE_SIZE, color) for part in parts))
            label.arrange(DOWN, aligned_edge=RIGHT, buff=0.04)
        label.next_to(band, DOWN, buff=0.08).align_to([x1, 0, 0], RIGHT)
        kit.keep_inside(label, (self.bar_left, right, bottom, top))
        return VGroup(band, label)
