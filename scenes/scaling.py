"""ScalingEfficiency: speedup against GPU count, the ideal line, and an Amdahl's-law fit.

manim render scenes/scaling.py ScalingEfficiency
"""

from __future__ import annotations

import math

import numpy as np
from manim import (
    DL,
    DOWN,
    LEFT,
    RIGHT,
    UP,
    UR,
    Create,
    DashedLine,
    Dot,
    FadeIn,
    GrowFromCenter,
    Line,
    ManimColor,
    Mobject,
    ParsableManimColor,
    Rectangle,
    VGroup,
    VMobject,
)

from scenes import kit
from study.plans import ScalingPlan, scaling_plan
from study.scaling import ScalingPoint

TIMES = "\u00d7"
CHART_BOX = (-5.2, 1.7, -2.45, 2.35)  # the most room the chart takes: less under a long title
DOT_RADIUS = 0.09
UNDER_TITLE = 0.75  # from the title's bottom to the chart's top: the y caption's room
TABLE_LEFT = 2.45
IDEAL_SECONDS = 1.0
POINT_SECONDS = 0.55
FIT_SECONDS = 1.2
CLOSING_SECONDS = 1.0


# the ideal line ends at the chart's top right corner, labelled there: the y caption ends before
IDEAL_LABEL_ROOM = 1.3
# a speedup this much over the ideal gets an axis up to the next power (8.1x at 8 GPUs does not
# double the axis for a point a hair above its 8x gridline)
ABOVE_IDEAL_ROOM = 1.15


class ScalingEfficiency(kit.StudyScene):
    reads = frozenset()  # no history: the report's accuracy only

    def construct(self) -> None:
        theme = self.theme
        plan = scaling_plan(self.view)
        fit = self.fit = plan.fit
        points = list(plan.points)
        cluster_runs = [p.run for p in points]
        colors = kit.run_colors(theme, cluster_runs)
        max_gpus = max(p.gpus for p in points)
        base = points[0].gpus
        top = max_gpus / base
        fastest = max(p.speedup for p in points)
        if fastest > top * ABOVE_IDEAL_ROOM:
            # well above the ideal (a slow baseline, a wrong GPU count): up to the next labelled
            # power, so that the point sits inside the chart, under a gridline, not on its edge
            top = 2.0 ** math.ceil(math.log2(fastest) - 1e-9)
        else:
            top = max(top, fastest)  # a point a little over the ideal: at the top gridline
        # more GPUs can be slower (a model too small to split): the axis goes below 1x then
        low = min(1.0, 2.0 ** math.floor(math.log2(min(p.speedup for p in points))))
        # no clock in this scene: the title may use the whole width; a title of two lines
        # takes room from the chart, so the y caption stays clear of it
        title = kit.title(plan.title, theme, beside_clock=False)
        left, right, bottom, chart_top = CHART_BOX
        chart_top = min(chart_top, float(title.get_bottom()[1]) - UNDER_TITLE)
        source = kit.source_line(plan.source, theme)

        def build(left: float, bottom: float) -> kit.Chart:
            return kit.Chart(
                kit.Scale(base, max_gpus, log=True),
                kit.Scale(low, top, log=True),
                (left, right, bottom, chart_top),
                theme,
                kit.power_of_two_ticks(base, max_gpus),
                kit.power_of_two_ticks(low, top, TIMES),
                x_caption="GPUs (log scale)",
                y_caption=plan.y_caption,
                y_caption_end=right - IDEAL_LABEL_ROOM,
                y_caption_short=plan.y_caption_short,
            )

        chart = build(left, bottom)
        # a source line of two lines (runs left out, configurations not drawn) is taller: the
        # chart rises so its x caption stays clear of it; long tick labels (1/4,096x) move the
        # axis right, so they stay in the margin
        overlap = float(source.get_top()[1]) + 0.1 - float(chart.get_bottom()[1])
        overflow = kit.safe_box()[0] - float(chart.get_left()[0])
        if overlap > 0 or overflow > 0:
            chart = build(left + max(0.0, overflow), bottom + max(0.0, overlap))
        node_marks = self._node_boundary(chart, plan, base, max_gpus)
        self.begin_part(plan.start_notes)
        self.fade_in(
            node_marks,
            run_time=kit.INTRO_SECONDS,
            from_start=[
                VGroup(title, source),
                chart,
            ],
        )

        ideal = DashedLine(
            chart.c2p(base, 1),
            chart.c2p(max_gpus, max_gpus / base),
            color=theme.muted,
            stroke_width=3,
            dash_length=0.12,
        )
        ideal_label = kit.text("ideal", kit.SMALL_SIZE, theme.muted)
        ideal_label.next_to(ideal.get_end(), LEFT, buff=0.15).shift(UP * 0.2)
        # the ideal is read like data: no other text may run through it; over the fit, which
        # hides it where the runs scaled perfectly ("0.0% serial")
        kit.marks.data(ideal, axis=chart, own=[ideal_label])
        ideal.set_z_index(1)
        self.play(Create(ideal), FadeIn(ideal_label), run_time=IDEAL_SECONDS)
        self.begin_part(plan.points_notes)

        header, rows = self._table(plan, colors, theme)
        self.play(FadeIn(header), run_time=0.3)
        for point, row in zip(points, rows, strict=True):
            dot = Dot(
                chart.c2p(point.gpus, point.speedup),
                radius=DOT_RADIUS,
                color=colors[point.run.run_id],
            )
            kit.marks.data(dot, axis=chart)
            dot.set_z_index(2)  # over the ideal and the fit, which may run through it
            self.play(GrowFromCenter(dot), FadeIn(row, shift=LEFT * 0.2), run_time=POINT_SECONDS)

        fit_group = VGroup()
        if fit is not None:
            curve = self._fit_curve(chart, base, max_gpus)
            kit.marks.data(curve, axis=chart)
            label = kit.text(plan.fit_label or "", kit.SMALL_SIZE, kit.laptop_color(theme, 0))
            self._place_under(label, chart, points, curve)
            # the node caption, not its shade: a label may sit on the shaded multi-node part
            caption = node_marks.submobjects[1:]
            self._clear_of(label, chart, [ideal, curve, ideal_label, *caption], points)
            fit_group.add(curve, label)
            self.play(Create(curve), FadeIn(label), run_time=FIT_SECONDS)

        lines = list(plan.closing)
        self.begin_part("\n".join(lines))
        closing = self._closing(lines, rows, theme)
        self.play(FadeIn(closing), run_time=CLOSING_SECONDS)
        self.wait(kit.HOLD_SECONDS)

    def _place_under(
        self, label: Mobject, chart: kit.Chart, points: list[ScalingPoint], curve: VMobject
    ) -> None:
        """Right-aligned in the chart, just under everything drawn across the label's width."""
        label.move_to([chart.right - 0.12, 0, 0], aligned_edge=RIGHT)
        x0, x1 = label.get_left()[0], label.get_right()[0]
        curve_points = curve.get_anchors()
        ys = [p[1] for p in curve_points if x0 - 0.1 <= p[0] <= x1 + 0.1]
        ys += [
            float(chart.y_of(p.speedup))
            for p in points
            if x0 - 0.2 <= chart.x_of(p.gpus) <= x1 + 0.2
        ]
        floor = min(ys) if ys else chart.top
        label.set_y(floor - 0.3 - label.height / 2)
        if label.get_bottom()[1] < chart.bottom + 0.45:  # no room below: go above instead
            ceiling = max(ys) if ys else chart.bottom
            label.set_y(min(ceiling + 0.3 + label.height / 2, chart.top - label.height))

    def _clear_of(
        self, label: Mobject, chart: kit.Chart, drawn: list[Mobject], points: list[ScalingPoint]
    ) -> None:
        """Moved into the chart's nearest free space when anything drawn runs through it where
        it was put (the ideal line over a fit that bends above it, the node caption)."""
        occupied = [kit.marks.dense_points(mob) for mob in drawn if mob.has_points()]
        occupied += [kit.marks.box_points(m) for mob in drawn for m in mob.submobjects]
        occupied += _dots_at(chart, points)
        pad = 0.06
        left, bottom = label.get_corner(DL)[:2] - pad
        right, top = label.get_corner(UR)[:2] + pad
        cloud = np.concatenate([o[:, :2] for o in occupied if len(o)])
        inside = (
            (cloud[:, 0] > left)
            & (cloud[:, 0] < right)
            & (cloud[:, 1] > bottom)
            & (cloud[:, 1] < top)
        )
        if not inside.any():
            return
        area = (chart.left + 0.05, chart.right - 0.05, chart.bottom + 0.05, chart.top - 0.05)
        spot = kit.marks.free_spot((label.width, label.height), area, occupied, prefer=(1.0, 0.0))
        if spot is not None:
            label.move_to([*spot, 0])

    def _fit_curve(self, chart: kit.Chart, base: float, max_gpus: float) -> VMobject:
        fit = self.fit
        assert fit is not None
        gpus = np.geomspace(base, max_gpus, 200)
        curve = VMobject(stroke_color=kit.laptop_color(self.theme, 0), stroke_width=4)
        return curve.set_points_smoothly(chart.c2p_many(gpus, fit.speedup(gpus)))

    def _node_boundary(
        self, chart: kit.Chart, plan: ScalingPlan, base: float, max_gpus: float
    ) -> VGroup:
        """Shade the multi-node part of the axis: past one node's GPUs, the network joins in.
        Its caption goes where no point, fit or ideal line will be, in one line or two."""
        per_node = plan.gpus_per_node
        if per_node is None or plan.node_caption is None:
            return VGroup()
        if plan.multi_node_from is None:
            return VGroup()
        x = float(chart.x_of(plan.multi_node_from))
        shade = Rectangle(
            width=chart.right - x,
            height=chart.top - chart.bottom,
            stroke_width=0,
            fill_color=self.theme.track,
            fill_opacity=0.45,
        ).move_to([(x + chart.right) / 2, (chart.top + chart.bottom) / 2, 0])
        color = self.theme.muted
        caption: VMobject = kit.text(plan.node_caption, kit.SOURCE_SIZE, color)
        if caption.width > chart.right - x - 0.24:
            parts = plan.node_caption.replace(" (", "\n(").splitlines()
            caption = VGroup(*(kit.text(part, kit.SOURCE_SIZE, color) for part in parts))
            caption.arrange(DOWN, aligned_edge=LEFT, buff=0.05)
        occupied = _dots_at(chart, list(plan.points))
        occupied.append(
            kit.marks.dense_points(Line(chart.c2p(base, 1), chart.c2p(max_gpus, max_gpus / base)))
        )
        if self.fit is not None:
            occupied.append(kit.marks.dense_points(self._fit_curve(chart, base, max_gpus)))
        area = (x + 0.05, chart.right - 0.05, chart.bottom + 0.05, chart.top - 0.05)
        size = (caption.width, caption.height)
        spot = kit.marks.free_spot(size, area, occupied, prefer=(0.0, 0.0))
        if spot is None:  # the shade says it alone; the notes name the node size
            return VGroup(shade)
        caption.move_to([*spot, 0])
        return VGroup(shade, caption)

    def _table(
        self, plan: ScalingPlan, colors: dict[str, ManimColor], theme: kit.Theme
    ) -> tuple[VGroup, list[VGroup]]:
        _, right, _, _ = kit.safe_box()
        columns = (TABLE_LEFT, right - 1.75, right)
        row_pitch = min(0.42, 4.2 / (len(plan.points) + 1))
        # rows closer than SMALL_SIZE text needs: every row smaller together, to the minimum
        self.table_size = size = max(kit.MIN_TEXT_SIZE, min(kit.SMALL_SIZE, row_pitch * 54))
        top = CHART_BOX[3]

        def row(
            cells: list[str], color: ParsableManimColor, y: float, size: float, bold: bool
        ) -> VGroup:
            first = kit.text(cells[0], size, color, bold=bold).move_to(
                [columns[0], y, 0], aligned_edge=LEFT
            )
            second = kit.text(cells[1], size, color, bold=bold).move_to(
                [columns[1], y, 0], aligned_edge=RIGHT
            )
            third = kit.text(cells[2], size, color, bold=bold).move_to(
                [columns[2], y, 0], aligned_edge=RIGHT
            )
            return VGroup(first, second, third)

        header = row(["GPUs", "speedup", "efficiency"], theme.muted, top, size, False)
        rows = [
            row(
                list(cells),
                colors[p.run.run_id],
                top - (i + 1) * row_pitch,
                size,
                True,
            )
            for i, (p, cells) in enumerate(zip(plan.points, plan.rows, strict=True))
        ]
        return header, rows

    def _closing(self, lines: list[str], rows: list[VGroup], theme: kit.Theme) -> VGroup:
        """What the data says, under the table, at the table's size; a line too wide breaks
        after its colon or comma."""
        _, right, bottom, _ = kit.safe_box()
        room = right - TABLE_LEFT
        size = self.table_size
        body = VGroup()
        for line in lines:
            mob: VMobject = kit.text(line, size, theme.foreground)
            if mob.width > room:
                mob = kit.callout_lines(line, size, theme.foreground, room)
            body.add(mob)
        body.arrange(DOWN, aligned_edge=LEFT, buff=0.1)
        return body.next_to(rows[-1], DOWN, buff=0.3).align_to([TABLE_LEFT, 0, 0], LEFT)


def _dots_at(chart: kit.Chart, points: list[ScalingPoint]) -> list[np.ndarray]:
    """Where the points' dots are (drawn or still to be), for placing text clear of them."""
    return [
        kit.marks.box_points(Dot(chart.c2p(p.gpus, p.speedup), radius=DOT_RADIUS)) for p in points
    ]
