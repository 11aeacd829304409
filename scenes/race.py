"""ProgressRace: every run racing through its training job against one wall clock.

    manim render scenes/race.py ProgressRace          # 1080p60
    manim render -pql scenes/race.py ProgressRace     # quick preview

Reads $RUNS_STORE, else data/runs.h5 (built from the sample study when missing). Progress comes
from each run's logged history; laptop runs extrapolated from a partial run are drawn solid for
the part that was measured and dashed, marked as an estimate, for the rest.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
from manim import (
    DOWN,
    LEFT,
    RIGHT,
    DashedVMobject,
    Dot,
    FadeIn,
    FadeOut,
    Line,
    Rectangle,
    Triangle,
    VGroup,
    VMobject,
)

from extract.model import Run
from scenes import kit
from study.plans import RaceLane, RacePlan, race_plan
from study.progress import ProgressCurve

TIMES = "\u00d7"
INTRO_SECONDS = 1.0
RACE_SECONDS = 9.0
CLOSING_SECONDS = 1.0
HOLD_SECONDS = 3.0
TRACK_LEFT, TRACK_RIGHT = kit.lanes.LABEL_RIGHT + 0.25, 3.55
AXIS_Y = -2.35
STAMP_FADE = 0.008  # share of the race over which a finish stamp fades in
RACE_OVERRUN = 1.1  # the clock runs a little past the last finish, so its stamp shows


@dataclass
class Lane:
    run: Run
    curve: ProgressCurve
    y: float
    solid: VMobject
    estimate: VMobject | None
    stamp: VGroup
    marker: Dot
    note: VMobject | None = None

    @property
    def measured_fraction(self) -> float:
        return self.curve.measured_until_s / self.curve.finish_s


def track_x(fraction: float) -> float:
    return TRACK_LEFT + (TRACK_RIGHT - TRACK_LEFT) * float(np.clip(fraction, 0, 1))


class ProgressRace(kit.StudyScene):
    def construct(self) -> None:
        theme = self.theme
        plan = race_plan(self.view)
        runs = [lane.run for lane in plan.lanes]
        t_end, t_start = plan.t_end, plan.t_start
        clock_map = kit.LogClock(t_start, t_end * RACE_OVERRUN)
        right = kit.safe_box()[1]
        axis = kit.LogTimeAxis(t_start, t_end * 1.15, TRACK_LEFT, right - 0.3, AXIS_Y, theme)
        axis_caption = kit.text("time, log scale", kit.SMALL_SIZE, theme.muted)
        axis_caption.next_to(axis.line, LEFT, buff=0.25)

        geometry = kit.LaneGeometry.for_lanes(len(runs))
        colors = kit.run_colors(theme, runs)
        static = VGroup()
        lanes = [
            self._lane(planned, geometry, index, colors[planned.run.run_id], theme, static, axis)
            for index, planned in enumerate(plan.lanes)
        ]

        clock = kit.ClockReadout(theme)
        cursor = VGroup(
            Triangle(color=theme.foreground, fill_opacity=1, stroke_width=0)
            .scale(0.09)
            .rotate(np.pi),
            Line([0, -0.05, 0], [0, -0.32, 0], color=theme.foreground, stroke_width=3),
        )

        def show_time(seconds: float) -> None:
            clock.show(seconds)
            cursor.move_to(axis.point(max(seconds, t_start)), aligned_edge=DOWN)

        # everything the updater touches must be in this group, or Manim draws it as static
        moving = VGroup(cursor, clock.value)

        finish_share = {id(lane): clock_map.share_at(lane.run.time_s) for lane in lanes}
        # a lane's bar changes until its run finishes, its stamp while fading in; then both are
        # drawn once as background instead of every frame
        changing = []
        for lane in lanes:
            done = finish_share[id(lane)]
            bars = VGroup(lane.solid, *([lane.estimate] if lane.estimate is not None else []))
            changing.append((0.0, done + STAMP_FADE, bars))
            changing.append((done, done + STAMP_FADE, VGroup(lane.stamp, lane.marker)))
        moving.add(*(group for _, _, group in changing))

        fader = kit.Fader()

        def draw(s: float, t: float) -> None:
            for lane in lanes:
                fraction = float(lane.curve.at(t))
                measured_end = track_x(min(fraction, lane.measured_fraction))
                kit.set_bar(lane.solid, TRACK_LEFT, measured_end, lane.y, geometry.bar_height)
                if lane.estimate is not None:
                    start = track_x(lane.measured_fraction)
                    end = max(start, track_x(fraction))
                    kit.set_bar(lane.estimate, start, end, lane.y, geometry.bar_height)
                finished = (s - finish_share[id(lane)]) / STAMP_FADE
                shown = float(np.clip(finished, 0, 1))
                fader.fade(lane.stamp, shown)
                fader.fade(lane.marker, shown)
            show_time(t)

        draw(0.0, 0.0)
        first = next(
            (lane for lane in lanes if plan.first_cluster and lane.run is plan.first_cluster.run),
            None,
        )
        self.begin_part(plan.start_notes)
        first_frame = [self.frame_of(plan.title, plan.source), axis, axis_caption]
        self.fade_in(static, clock.caption, moving, run_time=INTRO_SECONDS, from_start=first_frame)

        # a deck holds once the first cluster run's finish stamp is in
        parts = []
        if first is not None:
            parts.append((finish_share[id(first)] + STAMP_FADE, plan.closing_notes))
        self.play_clock(moving, clock_map, draw, RACE_SECONDS, parts, changing)
        for lane in lanes:  # every run has finished by now, whatever the fade's rounding
            lane.stamp.set_opacity(1)
            lane.marker.set_opacity(1)
        show_time(t_end)  # the held frame reads the time the last run finished

        closing = self._closing(plan, runs, theme, geometry)
        # a note the callout would cover makes way for it (it said its part during the race;
        # the dashed bar and the "≈" stamp still say estimate)
        covered = [lane.note for lane in lanes if lane.note and _overlaps(lane.note, closing)]
        self.play(FadeIn(closing), *(FadeOut(note) for note in covered), run_time=CLOSING_SECONDS)
        self.wait(HOLD_SECONDS)

    def _lane(
        self,
        planned: RaceLane,
        geometry: kit.LaneGeometry,
        index: int,
        color,
        theme: kit.Theme,
        static: VGroup,
        axis: kit.LogTimeAxis,
    ) -> Lane:
        y = geometry.y(index)
        run = planned.run
        label = kit.lane_label(planned.label, geometry, index, color)
        track = Rectangle(
            width=TRACK_RIGHT - TRACK_LEFT,
            height=geometry.bar_height,
            stroke_width=0,
            fill_color=theme.track,
            fill_opacity=1,
        ).move_to([(TRACK_LEFT + TRACK_RIGHT) / 2, y, 0])
        static.add(track, label)

        curve = planned.curve
        solid = VMobject(fill_color=color, fill_opacity=1, stroke_width=0)
        estimate = None
        note = None
        if planned.estimate_note is not None:
            measured_x = track_x(curve.measured_until_s / curve.finish_s)
            ghost = Rectangle(
                width=TRACK_RIGHT - measured_x,
                height=geometry.bar_height,
                stroke_color=color,
                stroke_width=2,
                fill_opacity=0,
            ).move_to([(measured_x + TRACK_RIGHT) / 2, y, 0])
            note = kit.merge_glyphs(
                kit.text(
                    planned.estimate_note,
                    min(kit.SOURCE_SIZE, geometry.label_size * 0.7),
                    theme.foreground,
                )
            )
            _place_note(note, measured_x, y)
            note.set_z_index(2)
            static.add(DashedVMobject(ghost, num_dashes=60, dashed_ratio=0.55), note)
            estimate = VMobject(fill_color=color, fill_opacity=0.38, stroke_width=0)
        stamp = VGroup(
            kit.merge_glyphs(kit.text(planned.stamp, geometry.label_size, color, bold=True))
        )
        stamp.move_to([TRACK_RIGHT + 0.2, y, 0], aligned_edge=LEFT)
        marker = Dot(axis.point(run.time_s), radius=0.075, color=color)
        return Lane(run, curve, y, solid, estimate, stamp, marker, note)

    def _closing(
        self, plan: RacePlan, runs: list[Run], theme: kit.Theme, geometry: kit.LaneGeometry
    ) -> VGroup:
        """The closing callout, drawn from the plan's lines."""
        styles = {
            "lead": (kit.LABEL_SIZE, theme.foreground, True),
            "laptop": (kit.LABEL_SIZE, kit.laptop_color(theme, 0), True),
            "headline": (60, theme.highlight, True),
            "muted": (kit.SMALL_SIZE, theme.muted, False),
            "emphasis": (kit.LABEL_SIZE, theme.foreground, True),
        }
        lines: list[kit.CalloutLine] = [(line.text, *styles[line.role]) for line in plan.closing]
        # over the tracks only: labels and finishing times stay readable on the held frame
        box = kit.callout(lines, theme, max_width=TRACK_RIGHT - TRACK_LEFT - 0.6)
        # over the cluster lanes if it fits there, so the laptop lanes' notes stay whole
        cluster_lanes = sum(r.platform == "cluster" for r in runs)
        top = geometry.y(0) + geometry.pitch / 2
        bottom = geometry.y(max(0, cluster_lanes - 1)) - geometry.pitch / 2
        middle = (top + bottom) / 2 if box.height <= top - bottom else geometry.middle_y
        # above the lanes' estimate notes, which it may cover
        return box.move_to([(TRACK_LEFT + TRACK_RIGHT) / 2, middle, 0]).set_z_index(5)


def _place_note(note: VMobject, measured_x: float, y: float) -> None:
    """Right of where the measured part ends, over the estimated part; where that is too short
    (a run measured almost to its end), left of it, over the measured bar; shrunk only if
    neither side holds it. Never over the finishing time beyond the track."""
    right_room = TRACK_RIGHT - 0.1 - (measured_x + 0.2)
    left_room = measured_x - 0.2 - (TRACK_LEFT + 0.1)
    if note.width > right_room and left_room > right_room:
        if note.width > left_room:
            note.scale_to_fit_width(left_room)
        note.move_to([measured_x - 0.2, y, 0], aligned_edge=RIGHT)
        return
    if note.width > right_room:
        note.scale_to_fit_width(max(right_room, 0.1))
    note.move_to([measured_x + 0.2, y, 0], aligned_edge=LEFT)


def _overlaps(a: VMobject, b: VMobject) -> bool:
    return bool(
        a.get_left()[0] < b.get_right()[0]
        and b.get_left()[0] < a.get_right()[0]
        and a.get_bottom()[1] < b.get_top()[1]
        and b.get_bottom()[1] < a.get_top()[1]
    )
