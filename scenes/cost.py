"""CostOfSpeed: what each configuration paid for its speed, per epoch (equal work).

manim render scenes/cost.py CostOfSpeed

Time per epoch (log) against GPU-hours per epoch, or energy per epoch when every cluster run
recorded its power; the ideal line is perfect parallel efficiency (the same price at any GPU
count), the laptop sits at zero GPU-hours with its time, and the closing lines say in words
what the speed cost. Every figure is the plan's (study/cost_plan.py).
"""

from __future__ import annotations

import math

from manim import (
    DOWN,
    LEFT,
    RIGHT,
    UP,
    Circle,
    Create,
    DashedLine,
    DashedVMobject,
    Dot,
    FadeIn,
    GrowFromCenter,
    ManimColor,
    Mobject,
    ParsableManimColor,
    VGroup,
)
from manim.typing import Point3DLike

from scenes import kit
from study.cost_plan import CostPlan, CostPoint, cost_plan

CHART_BOX = (-5.3, 1.45, -0.8, 2.45)
TABLE_LEFT = 2.35
CLOSING_TOP = -1.85
INTRO_SECONDS = 1.0
IDEAL_SECONDS = 1.0
POINT_SECONDS = 0.5
LAPTOP_SECONDS = 0.8
CLOSING_SECONDS = 1.0
HOLD_SECONDS = 3.0
DOT_RADIUS = 0.085
SOURCE_ROOM = 0.38  # the source line's height and a gap above it


class CostOfSpeed(kit.StudyScene):
    def prepare(self) -> None:
        self.plan = cost_plan(self.view)

    def construct(self) -> None:
        theme, plan = self.theme, self.plan
        colors = kit.run_colors(theme, [p.run for p in plan.points] + [m.run for m in plan.laptops])
        chart = self._chart(plan)
        self.begin_part(plan.start_notes)
        self.fade_in(
            run_time=INTRO_SECONDS,
            from_start=[self.frame_of(plan.title, plan.source), chart],
        )

        ideal = DashedLine(
            chart.c2p(chart.x_scale.low, plan.ideal_value),
            chart.c2p(chart.x_scale.high, plan.ideal_value),
            color=theme.muted,
            stroke_width=3,
            dash_length=0.12,
        )
        dots = [
            self._dot(chart.c2p(p.time_per_epoch_s, p.value), colors[p.run.run_id], p.estimated)
            for p in plan.points
        ]
        laptops = self._laptops(plan, chart, colors)
        ideal_label = self._ideal_label(plan, ideal, chart, [*dots, *laptops])
        self._place_laptop_label(laptops, chart, [*dots, ideal_label])
        self.play(Create(ideal), FadeIn(ideal_label), run_time=IDEAL_SECONDS)

        self.begin_part(plan.points_notes)
        header, rows = self._table(plan, colors)
        self.play(FadeIn(header), run_time=0.3)
        placed: list[Mobject] = [ideal_label, *dots, *laptops]
        for point, dot, row in zip(plan.points, dots, rows, strict=True):
            label = self._point_label(point, dot, colors[point.run.run_id], placed, chart)
            shown = [GrowFromCenter(dot), FadeIn(row, shift=LEFT * 0.2)]
            if label is not None:
                placed.append(label)
                shown.append(FadeIn(label))
            self.play(*shown, run_time=POINT_SECONDS)

        if len(laptops):
            self.play(FadeIn(laptops), run_time=LAPTOP_SECONDS)

        self.begin_part(plan.closing_notes)
        closing = self._closing(plan, rows)
        self.play(FadeIn(closing), run_time=CLOSING_SECONDS)
        self.wait(HOLD_SECONDS)

    def _chart(self, plan: CostPlan) -> kit.Chart:
        low, high = plan.t_low / 1.6, plan.t_high * 1.6
        laptop_values = [m.value for m in plan.laptops if m.value is not None]
        top_value = max([p.value for p in plan.points] + [plan.ideal_value] + laptop_values)
        step = _nice_step(top_value * 1.15 / 4)
        top = step * math.ceil(top_value * 1.12 / step)
        y_ticks = [(i * step, _tick_text(i * step)) for i in range(round(top / step) + 1)]

        def build(box: tuple[float, float, float, float]) -> kit.Chart:
            return kit.Chart(
                kit.Scale(low, high, log=True),
                kit.Scale(0.0, top),
                box,
                self.theme,
                kit.time_ticks(low, high),
                y_ticks,
                x_caption=plan.x_caption,
                y_caption=plan.y_caption,
            )

        chart = build(CHART_BOX)
        # long tick labels (0.005) or caption: the axis moves right, they stay in the margin
        overflow = kit.safe_box()[0] - chart.get_left()[0]
        if overflow > 0:
            chart = build((CHART_BOX[0] + overflow, *CHART_BOX[1:]))
        return chart

    def _ideal_label(
        self, plan: CostPlan, ideal: Mobject, chart: kit.Chart, drawn: list[Mobject]
    ) -> Mobject:
        """Above or below the ideal line, at its right end else its left, where it covers
        nothing drawn (points, the laptop and its label)."""
        label = kit.text(plan.ideal_label, kit.SOURCE_SIZE, self.theme.muted)
        end, start = ideal.get_end(), ideal.get_start()
        for anchor, side in ((end, RIGHT), (start, LEFT)):
            for direction in (UP, DOWN):
                label.next_to(anchor, direction, buff=0.1).align_to(anchor, side)
                label.shift(-side * 0.1)
                inside = chart.bottom < label.get_bottom()[1] and label.get_top()[1] < chart.top
                if inside and not any(_overlap(label, other) for other in drawn):
                    return label
        label.next_to(end, UP, buff=0.1).align_to(end, RIGHT).shift(LEFT * 0.1)
        return label

    def _dot(self, at: Point3DLike, color: ParsableManimColor, estimated: bool) -> Mobject:
        """A measured point is solid; an estimate is a dashed ring (as estimates are elsewhere)."""
        if not estimated:
            return Dot(at, radius=DOT_RADIUS, color=color)
        ring = Circle(radius=DOT_RADIUS, color=color, stroke_width=3).move_to(at)
        return DashedVMobject(ring, num_dashes=8)

    def _point_label(
        self,
        point: CostPoint,
        dot: Mobject,
        color: ParsableManimColor,
        placed: list[Mobject],
        chart: kit.Chart,
    ) -> Mobject | None:
        """The GPU count beside its point, where it overlaps nothing drawn; else none (the
        table beside the chart names every point in the same colour)."""
        label = kit.text(f"{point.run.gpus:,}", kit.SOURCE_SIZE, color, bold=True)
        for direction in (UP, DOWN):
            label.next_to(dot, direction, buff=0.08)
            inside = (
                chart.left < label.get_left()[0]
                and label.get_right()[0] < chart.right
                and chart.bottom < label.get_bottom()[1]
                and label.get_top()[1] < chart.top
            )
            others = (m for m in placed if m is not dot)
            if inside and not any(_overlap(label, other) for other in others):
                return label
        return None

    def _laptops(self, plan: CostPlan, chart: kit.Chart, colors: dict[str, ManimColor]) -> VGroup:
        group = VGroup()
        marks = [m for m in plan.laptops if m.value is not None]
        for mark in marks:
            group.add(
                self._dot(
                    chart.c2p(mark.time_per_epoch_s, mark.value or 0.0),
                    colors[mark.run.run_id],
                    mark.estimated,
                )
            )
        return group

    def _place_laptop_label(self, laptops: VGroup, chart: kit.Chart, drawn: list[Mobject]) -> None:
        """Name the laptop marks beside them, where nothing else is drawn: above, to the left,
        to the right; with no room, the closing line (in the same colour) names them."""
        if not len(laptops):
            return
        name = self.settings.laptop_name
        words = f"{name}: no GPU" if self.plan.measure == "gpu_hours" else name
        label = kit.text(words, kit.SOURCE_SIZE, kit.laptop_color(self.theme, 0), bold=True)
        box = (chart.left, chart.right, chart.bottom, chart.top)
        marks = VGroup(*laptops.submobjects)
        for direction in (UP, LEFT, RIGHT):
            label.next_to(marks, direction, buff=0.12)
            if direction is not UP:
                label.set_y(max(marks.get_y(), chart.bottom + label.height / 2 + 0.08))
            kit.keep_inside(label, box)
            if not any(_overlap(label, other) for other in [*drawn, *marks]):
                laptops.add(label)
                return

    def _table(self, plan: CostPlan, colors: dict[str, ManimColor]) -> tuple[VGroup, list[VGroup]]:
        theme = self.theme
        _, right, _, _ = kit.safe_box()
        count = len(plan.header)
        # the GPU count left-aligned, the other columns right-aligned at equal steps
        step = (right - TABLE_LEFT - 0.55) / (count - 1)
        rights = [TABLE_LEFT] + [TABLE_LEFT + 0.55 + step * i for i in range(1, count)]
        pitch = min(0.36, 2.9 / (len(plan.points) + 2))
        top = CHART_BOX[3]

        def row(cells: tuple[str, ...], color: ParsableManimColor, y: float, bold: bool) -> VGroup:
            group = VGroup()
            for index, cell in enumerate(cells):
                mob = kit.text(cell, kit.SOURCE_SIZE + 1, color, bold=bold)
                if index == 0:
                    mob.move_to([TABLE_LEFT, y, 0], aligned_edge=LEFT)
                else:
                    mob.move_to([rights[index], y, 0], aligned_edge=RIGHT)
                group.add(mob)
            return group

        caption = kit.text(plan.work, kit.SOURCE_SIZE, theme.muted)
        if caption.width > right - TABLE_LEFT:
            caption.scale_to_fit_width(right - TABLE_LEFT)
        caption.move_to([TABLE_LEFT, top + 0.05, 0], aligned_edge=LEFT + DOWN)
        header = VGroup(caption, row(plan.header, theme.muted, top - pitch / 2, False))
        rows = [
            row(p.row, colors[p.run.run_id], top - (i + 1.5) * pitch, True)
            for i, p in enumerate(plan.points)
        ]
        return header, rows

    def _closing(self, plan: CostPlan, rows: list[VGroup]) -> VGroup:
        theme = self.theme
        styles = {
            "headline": (kit.LABEL_SIZE, theme.highlight, True),
            "lead": (kit.SMALL_SIZE, theme.foreground, True),
            "muted": (kit.SMALL_SIZE, theme.muted, False),
            "laptop": (kit.SMALL_SIZE, kit.laptop_color(theme, 0), True),
        }
        left, right, bottom, _ = kit.safe_box()
        notes = kit.text(plan.energy_line, kit.SMALL_SIZE, theme.muted)
        if notes.width > right - TABLE_LEFT:
            notes.scale_to_fit_width(right - TABLE_LEFT)
        notes.next_to(rows[-1], DOWN, buff=0.3).align_to([TABLE_LEFT, 0, 0], LEFT)
        body = VGroup(
            *(
                kit.text(line.text, *styles[line.role][:2], bold=styles[line.role][2])
                for line in plan.closing
            )
        ).arrange(DOWN, aligned_edge=LEFT, buff=0.12)
        if body.width > right - left:
            body.scale_to_fit_width(right - left)
        # between the chart's captions and the source line, whatever the lines' sizes
        room = CLOSING_TOP - (bottom + SOURCE_ROOM)
        if body.height > room:
            body.scale_to_fit_height(room)
        body.move_to([left, CLOSING_TOP, 0], aligned_edge=UP + LEFT)
        return VGroup(notes, body)


def _overlap(a: Mobject, b: Mobject, pad: float = 0.04) -> bool:
    return not (
        a.get_right()[0] + pad < b.get_left()[0]
        or b.get_right()[0] + pad < a.get_left()[0]
        or a.get_top()[1] + pad < b.get_bottom()[1]
        or b.get_top()[1] + pad < a.get_bottom()[1]
    )


def _nice_step(rough: float) -> float:
    """1, 2 or 5 times a power of ten, the first at least ``rough`` (short tick labels)."""
    power = 10.0 ** math.floor(math.log10(rough))
    for factor in (1.0, 2.0, 5.0, 10.0):
        if factor * power >= rough:
            return factor * power
    return 10.0 * power


def _tick_text(value: float) -> str:
    if value == 0:
        return "0"
    return f"{value:g}"
