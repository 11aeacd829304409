"""CostOfSpeed: what each configuration paid for its speed, per epoch (equal work).

manim render scenes/cost.py CostOfSpeed

Time per epoch (log) against GPU-hours per epoch, or energy per epoch when every cluster run
recorded its power; the ideal line is perfect parallel efficiency (the same price at any GPU
count), the laptop sits at zero GPU-hours with its time, and the closing lines say in words
what the speed cost. Every figure is the plan's (study/cost_plan.py).
"""

from __future__ import annotations

import math

import numpy as np
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
    Line,
    ManimColor,
    Mobject,
    ParsableManimColor,
    VGroup,
)
from manim.typing import Point3DLike, Vector3D

from scenes import kit
from study.cost_plan import (
    CostPlan,
    CostPoint,
    LaptopMark,
    cost_plan,
    laptop_spot_label,
    table_points,
)

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
    reads = frozenset()  # no history: the report's accuracy only (and power)

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
        spots = self._laptops(plan, chart, colors)
        laptop_dots = [dot for dot, _ in spots]
        # the laptops' names first: the ideal line's label has a choice of places along it;
        # where none is left, it takes its place first and the names go around it
        # where each point's GPU count will go first (above it): a laptop's name placed there
        # would leave a point unlabelled, so it goes a row higher where it can
        slots = [
            kit.text(f"{p.run.gpus:,}", kit.SOURCE_SIZE, colors[p.run.run_id], bold=True).next_to(
                dot, UP, buff=0.08
            )
            for p, dot in zip(plan.points, dots, strict=True)
        ]
        names = self._laptop_names(spots, chart, colors, [*dots, *slots], ideal)
        if len(names) < len(spots):
            names = self._laptop_names(spots, chart, colors, dots, ideal)
        named = [part for name in names for part in name]
        ideal_label = self._ideal_label(plan, ideal, chart, [*dots, *laptop_dots, *named])
        if ideal_label is None:
            ideal_label = self._ideal_label(plan, ideal, chart, [*dots, *laptop_dots])
            if ideal_label is None:
                ideal_label = self._free_ideal_label(plan, ideal, chart, [*dots, *laptop_dots])
            if ideal_label is None:
                ideal_label = self._ideal_label(plan, ideal, chart, [])
            assert ideal_label is not None  # with nothing drawn, its first place is free
            names = self._laptop_names(spots, chart, colors, [*dots, ideal_label], ideal)
        # the ideal line is read like data: only its own label may sit on it; it spans the
        # whole axis by definition, so it says nothing of where the data ends (no axis)
        kit.marks.data(ideal, own=[ideal_label])
        laptops = VGroup(*laptop_dots, *names)
        self.play(Create(ideal), FadeIn(ideal_label), run_time=IDEAL_SECONDS)

        self.begin_part(plan.points_notes)
        header, rows, below = self._table(plan, colors, chart.top, body.get_top()[1])
        self.play(FadeIn(header), run_time=0.3)
        # a name's leader line is thin: a GPU count may sit across it
        placed: list[Mobject] = [ideal_label, *dots, *laptop_dots]
        placed += [name[0] for name in names]
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
    ) -> Mobject | None:
        """Above or below the ideal line, at its right end else its left, else anywhere along
        it from the right, where it covers nothing drawn (points, the laptops and their
        names); None when no place is free."""
        label = kit.text(plan.ideal_label, kit.SOURCE_SIZE, self.theme.muted)
        end, start = ideal.get_end(), ideal.get_start()
        ends = [(end[0] - 0.1, RIGHT), (start[0] + 0.1, LEFT)]
        along = np.arange(end[0] - 0.1 - label.width - 0.25, start[0] + 0.1, -0.25)
        for x, side in [*ends, *((x, LEFT) for x in along)]:
            for direction in (UP, DOWN):
                label.next_to(end, direction, buff=0.1)
                label.move_to([x, label.get_y(), 0], aligned_edge=side)
                inside = chart.bottom < label.get_bottom()[1] and label.get_top()[1] < chart.top
                if inside and not any(_overlap(label, other) for other in drawn):
                    return label
        return None

    def _free_ideal_label(
        self, plan: CostPlan, ideal: Mobject, chart: kit.Chart, drawn: list[Mobject]
    ) -> Mobject | None:
        """Where the points crowd the whole line (they sit on it when every run is as
        efficient as the baseline): the chart's free place nearest the line's right end."""
        label = kit.text(plan.ideal_label, kit.SOURCE_SIZE, self.theme.muted)
        occupied = [kit.marks.box_points(m) for m in drawn] + [kit.marks.dense_points(ideal)]
        area = (chart.left + 0.05, chart.right - 0.05, chart.bottom + 0.05, chart.top - 0.05)
        end = ideal.get_end()
        # the corner of the chart nearest the line's end
        prefer = (
            (end[0] - area[0]) / (area[1] - area[0]),
            min(1.0, max(0.0, (end[1] - area[2]) / (area[3] - area[2]))),
        )
        spot = kit.marks.free_spot((label.width, label.height), area, occupied, prefer=prefer)
        return None if spot is None else label.move_to([*spot, 0])

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

    def _laptops(
        self, plan: CostPlan, chart: kit.Chart, colors: dict[str, ManimColor]
    ) -> list[tuple[Mobject, list[LaptopMark]]]:
        """One mark per place: laptop runs whose marks would coincide (closer than a dot's
        width: equal times per epoch) share one, and its name says how many they are."""
        marks = sorted(
            (m for m in plan.laptops if m.value is not None),
            key=lambda m: (m.time_per_epoch_s, m.value or 0.0),
        )
        spots: list[tuple[np.ndarray, list[LaptopMark]]] = []
        for mark in marks:
            at = np.asarray(chart.c2p(mark.time_per_epoch_s, mark.value or 0.0), dtype=float)
            if spots and np.linalg.norm(at - spots[-1][0]) < 2 * DOT_RADIUS:
                spots[-1][1].append(mark)
            else:
                spots.append((at, [mark]))
        drawn = []
        for at, members in spots:
            color = colors[members[0].run.run_id]
            dot = self._dot(at, color, any(m.estimated for m in members))
            drawn.append((kit.marks.data(dot, axis=chart), members))
        return drawn

    def _laptop_names(
        self,
        spots: list[tuple[Mobject, list[LaptopMark]]],
        chart: kit.Chart,
        colors: dict[str, ManimColor],
        drawn: list[Mobject],
        ideal: Mobject,
    ) -> list[VGroup]:
        """Every laptop mark named in its run's colour: beside it where nothing else is drawn
        (above, left, right), else at the nearest free place in the chart with a thin line to
        it. One mark alone on the GPU-hours axis also says why it is at zero ("no GPU")."""
        laptop_name = self.settings.laptop_name
        box = (chart.left, chart.right, chart.bottom, chart.top)
        area = (chart.left + 0.08, chart.right - 0.08, chart.bottom + 0.08, chart.top - 0.04)
        marks = [dot for dot, _ in spots]
        taken: list[Mobject] = [*drawn, *marks]
        occupied = [kit.marks.box_points(m) for m in taken] + [kit.marks.dense_points(ideal)]
        names = []
        # from the left: a name ending at its mark leaves the marks right of it free
        for dot, members in sorted(spots, key=lambda spot: spot[0].get_x()):
            words = laptop_spot_label(members, laptop_name)
            if len(spots) == 1 and self.plan.measure == "gpu_hours":
                words = f"{words}: no GPU"
            size, color = kit.SOURCE_SIZE, colors[members[0].run.run_id]
            label = kit.text(words, size, color, bold=True)
            # a name ending at its mark reaches the chart's left edge at most
            room = max(dot.get_x() - chart.left, chart.right - dot.get_x()) - 0.1
            while label.width > room and len(words) > 2:
                # cut letters, not words: what tells two runs apart is often at the end of a
                # long name ("Laptop, 8-thread CPU, Laptop-Benchm…")
                words = words[:-2].rstrip(" ,") + kit.lanes.ELLIPSIS
                label = kit.text(words, size, color, bold=True)
            name = self._beside(label, dot, color, box, taken, ideal)
            if name is None:
                goal = (
                    (dot.get_x() - area[0]) / (area[1] - area[0]),
                    (dot.get_y() - area[2]) / (area[3] - area[2]),
                )
                size_of = (label.width, label.height)
                spot = kit.marks.free_spot(size_of, area, occupied, prefer=goal)
                if spot is None:  # no free place in the chart: the closing line names them
                    continue
                label.move_to([*spot, 0])
                end = label.get_critical_point(_toward(label, dot))
                leader = Line(dot.get_center(), end, color=color, stroke_width=1.5)
                name = VGroup(label, leader.set_stroke(opacity=0.6))
                occupied.append(kit.marks.dense_points(leader))
            taken.append(label)
            occupied.append(kit.marks.box_points(label))
            names.append(name)
        return names

    @staticmethod
    def _beside(
        label: Mobject,
        dot: Mobject,
        color: ManimColor,
        box: tuple[float, float, float, float],
        taken: list[Mobject],
        ideal: Mobject,
    ) -> VGroup | None:
        """``label`` beside ``dot`` where it overlaps nothing ``taken`` and stays in ``box``:
        above it, ending at it (marks in a row on the axis, named from the left: each name
        a row higher than the last, a thin line down to its mark, past the names below,
        which end left of it), or centred, or starting at it; then left or right of it."""
        left, right, bottom, top = box
        pitch = label.height + 0.08
        rows = max(1, int((top - dot.get_top()[1]) / pitch))
        tries = [(UP, RIGHT, row) for row in range(rows)] + [(UP, ORIGIN, 0), (UP, LEFT, 0)]
        tries += [(LEFT, ORIGIN, 0), (RIGHT, ORIGIN, 0)]
        for direction, edge, row in tries:
            label.next_to(dot, direction, buff=0.1).shift(UP * pitch * row)
            if np.any(edge):
                label.align_to(dot, edge)
            if direction is not UP:  # a mark on the axis: its name just above the axis line
                label.set_y(max(dot.get_y(), bottom + label.height / 2 + 0.08))
            inside = (
                left <= label.get_left()[0]
                and label.get_right()[0] <= right
                and bottom <= label.get_bottom()[1]
                and label.get_top()[1] <= top
            )
            if not inside or any(_overlap(label, other) for other in [*taken, ideal]):
                continue
            if row == 0:
                return VGroup(label)
            leader = Line(dot.get_top(), [dot.get_x(), label.get_bottom()[1] - 0.03, 0])
            if not any(_overlap(leader, other, pad=0.02) for other in taken if other is not dot):
                return VGroup(label, leader.set_stroke(color, width=1.5, opacity=0.6))
        return None

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


def _toward(label: Mobject, dot: Mobject) -> Vector3D:
    """The side or corner of ``label`` that faces ``dot``: where its leader line ends."""
    dx, dy = dot.get_center()[:2] - label.get_center()[:2]
    horizontal = RIGHT if dx > label.width / 2 else LEFT if dx < -label.width / 2 else ORIGIN
    vertical = UP if dy > label.height / 2 else DOWN if dy < -label.height / 2 else ORIGIN
    side = horizontal + vertical
    return side if np.any(side) else DOWN


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
