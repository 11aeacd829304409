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
    ORIGIN,
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
from manim.typing import Point3DLike, Vector3D

from scenes import kit
from study.cost_plan import CostPlan, CostPoint, cost_plan, table_points

CHART_BOX = (-5.3, 1.45, -0.8, 2.45)  # the most room the chart takes: less under a long title
TABLE_LEFT = 2.35
TABLE_SHIFT = 0.5  # how far left a wide table may reach, still clear of the chart (1.45)
CLOSING_TOP = -1.85  # the closing words start here, higher only when they need more room
UNDER_TITLE = 0.75  # from the title's bottom to the chart's top: the y caption sits between
X_AXIS_ROOM = 1.05  # under the chart: tick labels and the x caption
COLUMN_GAP = 0.3  # the least space between two columns of the table
WIDEST_GAP = 0.8  # a short table does not spread across the whole column
TIME_PAD = 0.06  # share of the time axis' log span left clear either side of the data
NARROW_PAD = 1.2  # at least this factor either side: a few seconds' range is not all edge
ROW_PITCH = 0.3  # a row of the table (its text is about 0.25 high)
IDEAL_CLEARANCE = 0.1  # a GPU count this close to the ideal line would read as its label
SMALLEST_SHARE = 0.85  # the closing words shrink to this share of their size before breaking
INTRO_SECONDS = 1.0
IDEAL_SECONDS = 1.0
POINT_SECONDS = 0.5
LAPTOP_SECONDS = 0.8
CLOSING_SECONDS = 1.0
HOLD_SECONDS = 3.0
DOT_RADIUS = 0.085


class CostOfSpeed(kit.StudyScene):
    def prepare(self) -> None:
        self.plan = cost_plan(self.view)

    def construct(self) -> None:
        theme, plan = self.theme, self.plan
        colors = kit.run_colors(theme, [p.run for p in plan.points] + [m.run for m in plan.laptops])
        # no clock in this scene: the title has the whole width before it breaks in two
        frame = VGroup(
            kit.title(plan.title, theme, beside_clock=False), kit.source_line(plan.source, theme)
        )
        body = self._closing_body(plan, frame[1].get_top()[1] + 0.15)
        top = min(CHART_BOX[3], frame[0].get_bottom()[1] - UNDER_TITLE)
        bottom = max(CHART_BOX[2], body.get_top()[1] + X_AXIS_ROOM)
        chart = self._chart(plan, (CHART_BOX[0], CHART_BOX[1], bottom, top))
        self.begin_part(plan.start_notes)
        self.fade_in(run_time=INTRO_SECONDS, from_start=[frame, chart])

        ideal = DashedLine(
            chart.c2p(chart.x_scale.low, plan.ideal_value),
            chart.c2p(chart.x_scale.high, plan.ideal_value),
            color=theme.muted,
            stroke_width=3,
            dash_length=0.12,
        )
        dots = [
            kit.marks.data(
                self._dot(
                    chart.c2p(p.time_per_epoch_s, p.value), colors[p.run.run_id], p.estimated
                ),
                axis=chart,
            )
            for p in plan.points
        ]
        laptops = self._laptops(plan, chart, colors)
        ideal_label = self._ideal_label(plan, ideal, chart, [*dots, *laptops])
        # the ideal line is read like data: only its own label may sit on it; it spans the
        # whole axis by definition, so it says nothing of where the data ends (no axis)
        kit.marks.data(ideal, own=[ideal_label])
        self._place_laptop_label(laptops, chart, [*dots, ideal_label, ideal])
        self.play(Create(ideal), FadeIn(ideal_label), run_time=IDEAL_SECONDS)

        self.begin_part(plan.points_notes)
        header, rows, below = self._table(plan, colors, chart.top, body.get_top()[1])
        self.play(FadeIn(header), run_time=0.3)
        placed: list[Mobject] = [ideal_label, *dots, *laptops]
        for point, dot in zip(plan.points, dots, strict=True):
            label = self._point_label(point, dot, colors[point.run.run_id], placed, chart, ideal)
            shown = [GrowFromCenter(dot)]
            if point.run.run_id in rows:
                shown.append(FadeIn(rows[point.run.run_id], shift=LEFT * 0.2))
            if label is not None:
                placed.append(label)
                shown.append(FadeIn(label))
            self.play(*shown, run_time=POINT_SECONDS)

        if len(laptops):
            self.play(FadeIn(laptops), run_time=LAPTOP_SECONDS)

        self.begin_part(plan.closing_notes)
        self.play(FadeIn(VGroup(below, body)), run_time=CLOSING_SECONDS)
        self.wait(HOLD_SECONDS)

    def _chart(self, plan: CostPlan, box: tuple[float, float, float, float]) -> kit.Chart:
        # seconds per epoch or days: the ticks come from the data's range, never none
        span = math.log(plan.t_high / plan.t_low)
        pad = math.exp(max(TIME_PAD * span, math.log(NARROW_PAD)))
        low, high, x_ticks = kit.time_range_ticks(plan.t_low / pad, plan.t_high * pad)
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
                x_ticks,
                y_ticks,
                x_caption=plan.x_caption,
                y_caption=plan.y_caption,
            )

        chart = build(box)
        # long tick labels (0.005) or caption: the axis moves right, they stay in the margin
        overflow = kit.safe_box()[0] - chart.get_left()[0]
        if overflow > 0:
            chart = build((box[0] + overflow, *box[1:]))
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
        # no end of the line is free: the free place in the chart nearest its right end, off
        # the points and the line (the label names the line it sits near)
        occupied = [kit.marks.box_points(m) for m in drawn] + [kit.marks.dense_points(ideal)]
        area = (chart.left + 0.05, chart.right - 0.05, chart.bottom + 0.05, chart.top - 0.05)
        spot = kit.marks.free_spot((label.width, label.height), area, occupied, prefer=(1.0, 0.5))
        if spot is not None:
            return label.move_to([*spot, 0])
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
        ideal: Mobject,
    ) -> Mobject | None:
        """The GPU count beside its point, where it overlaps nothing drawn (the ideal line
        among it: a number on that line reads as the line's); else none (the table beside the
        chart names every point in the same colour)."""
        label = kit.text(f"{point.run.gpus:,}", kit.SOURCE_SIZE, color, bold=True)
        for direction in (UP, DOWN, LEFT, RIGHT):
            label.next_to(dot, direction, buff=0.08)
            inside = (
                chart.left < label.get_left()[0]
                and label.get_right()[0] < chart.right
                and chart.bottom < label.get_bottom()[1]
                and label.get_top()[1] < chart.top
            )
            others = (m for m in placed if m is not dot and m is not ideal)
            clear = not _overlap(label, ideal, pad=IDEAL_CLEARANCE)
            if inside and clear and not any(_overlap(label, other) for other in others):
                return label
        return None

    def _laptops(self, plan: CostPlan, chart: kit.Chart, colors: dict[str, ManimColor]) -> VGroup:
        group = VGroup()
        marks = [m for m in plan.laptops if m.value is not None]
        for mark in marks:
            dot = self._dot(
                chart.c2p(mark.time_per_epoch_s, mark.value or 0.0),
                colors[mark.run.run_id],
                mark.estimated,
            )
            group.add(kit.marks.data(dot, axis=chart))
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

    def _table(
        self, plan: CostPlan, colors: dict[str, ParsableManimColor], chart_top: float, floor: float
    ) -> tuple[VGroup, dict[str, VGroup], VGroup]:
        """The table beside the chart: its caption and header, a row per point (as many as
        fit above ``floor``, the closing words' top), and what goes under it (the energy
        line, and how many rows were left out). Columns are as wide as their widest cell,
        with a gap between: a long unit's name breaks over two lines rather than run into
        its neighbour."""
        theme = self.theme
        _, right, _, _ = kit.safe_box()
        width = right - TABLE_LEFT
        size = kit.SOURCE_SIZE + 1
        caption = kit.callout_lines(plan.work, kit.SOURCE_SIZE, theme.muted, width)
        caption.move_to([TABLE_LEFT, chart_top + 0.55, 0], aligned_edge=LEFT + UP)
        heads = _header_cells(plan, size, theme.muted, width)
        head_height = max(h.height for h in heads)
        # room for the rows: what is left between the header and the notes under the table
        notes = kit.callout_lines(plan.energy_line, size, theme.muted, width)
        first = caption.get_bottom()[1] - 0.15 - head_height - 0.1
        room = first - (floor + 0.25 + notes.height + 0.2)
        limit = max(1, int(room / ROW_PITCH))
        kept, left_out = table_points(plan, limit)
        if left_out:  # its own line takes a row's room
            limit = max(1, int((room - ROW_PITCH) / ROW_PITCH))
            kept, left_out = table_points(plan, limit)
        cells = [
            [kit.text(cell, size, colors[p.run.run_id], bold=True) for cell in p.row] for p in kept
        ]
        widths = [
            max([heads[i].width] + [row[i].width for row in cells]) for i in range(len(heads))
        ]
        spare = width - sum(widths)
        gap = min(WIDEST_GAP, spare / (len(widths) - 1)) if len(widths) > 1 else 0.0
        # too wide even so: the table takes some of the room between it and the chart
        left = TABLE_LEFT - min(TABLE_SHIFT, max(0.0, COLUMN_GAP * (len(widths) - 1) - spare))
        gap = max(gap, COLUMN_GAP)
        caption.shift((left - TABLE_LEFT) * RIGHT)
        # the GPU count left-aligned, the other columns right-aligned
        edges, x = [], left
        for w in widths:
            edges.append((x, x + w))
            x += w + gap

        def place(mob: Mobject, index: int, y: float, edge: Vector3D = UP) -> Mobject:
            side = LEFT if index == 0 else RIGHT
            x = edges[index][0] if index == 0 else edges[index][1]
            return mob.move_to([x, y, 0], aligned_edge=side + edge)

        head_top = caption.get_bottom()[1] - 0.15
        header = VGroup(caption, *(place(h, i, head_top) for i, h in enumerate(heads)))
        rows = {}
        for index, (point, row) in enumerate(zip(kept, cells, strict=True)):
            y = first - (index + 0.5) * ROW_PITCH
            rows[point.run.run_id] = VGroup(
                *(place(cell, i, y, edge=ORIGIN) for i, cell in enumerate(row))
            )
        last = min(r.get_bottom()[1] for r in rows.values())
        below = VGroup(notes)
        if left_out:
            below.add(kit.callout_lines(left_out, kit.SOURCE_SIZE, theme.muted, width))
        below.arrange(DOWN, aligned_edge=LEFT, buff=0.12)
        below.move_to([left, last - 0.25, 0], aligned_edge=LEFT + UP)
        return header, rows, below

    def _closing_body(self, plan: CostPlan, bottom: float) -> VGroup:
        """The closing words, full width under the chart, each line broken (never shrunk)
        when too long; at CLOSING_TOP, or higher when they need the room above ``bottom``."""
        theme = self.theme
        styles = {
            "headline": (kit.LABEL_SIZE, theme.highlight, True),
            "lead": (kit.SMALL_SIZE, theme.foreground, True),
            "muted": (kit.SMALL_SIZE, theme.muted, False),
            "laptop": (kit.SMALL_SIZE, kit.laptop_color(theme, 0), True),
        }
        left, right, _, _ = kit.safe_box()
        width = right - left
        lines = [(line.text, *styles[line.role]) for line in plan.closing]
        # every line a little smaller together (as a callout's) before any breaks in two
        widest = max(kit.text(t, size, color, bold=bold).width for t, size, color, bold in lines)
        smallest = min(size for _, size, _, _ in lines)
        floor = max(SMALLEST_SHARE, (kit.MIN_TEXT_SIZE + 0.2) / smallest)
        share = min(1.0, max(floor, 0.98 * width / widest))
        body = VGroup(
            *(
                kit.callout_lines(t, size * share, color, width, bold=bold)
                for t, size, color, bold in lines
            )
        ).arrange(DOWN, aligned_edge=LEFT, buff=0.12)
        top = max(CLOSING_TOP, bottom + body.height)
        return body.move_to([left, top, 0], aligned_edge=UP + LEFT)


def _header_cells(
    plan: CostPlan, size: float, color: ParsableManimColor, width: float
) -> list[VGroup]:
    """The header's cells, a name of several words over two lines when the table would not
    fit its column otherwise (cost_unit = "billing units")."""
    cells = [VGroup(kit.text(h, size, color)) for h in plan.header]
    if sum(c.width for c in cells) + COLUMN_GAP * (len(cells) - 1) <= width:
        return cells
    wrapped = []
    for head in plan.header:
        words = head.split()
        if len(words) < 2:
            wrapped.append(VGroup(kit.text(head, size, color)))
            continue
        cut = min(
            range(1, len(words)),
            key=lambda k: max(len(" ".join(words[:k])), len(" ".join(words[k:]))),
        )
        lines = [" ".join(words[:cut]), " ".join(words[cut:])]
        group = VGroup(*(kit.text(line, size, color) for line in lines))
        wrapped.append(group.arrange(DOWN, aligned_edge=RIGHT, buff=0.06))
    return wrapped


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
