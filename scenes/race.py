"""ProgressRace: every run racing through its training job against one wall clock.

    manim render scenes/race.py ProgressRace          # 1080p60
    manim render -pql scenes/race.py ProgressRace     # quick preview

Reads $RUNS_STORE, else data/runs.h5 (built from the sample study when missing). Progress comes
from each run's logged history; laptop runs extrapolated from a partial run are drawn solid for
the part that was measured and dashed, marked as an estimate, for the rest.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import numpy as np
from manim import (
    DOWN,
    LEFT,
    RIGHT,
    Dot,
    FadeIn,
    FadeOut,
    Line,
    ParsableManimColor,
    Rectangle,
    Triangle,
    VGroup,
    VMobject,
)

from extract.model import Run
from scenes import kit
from study.plans import RaceLane, RacePlan, race_plan
from study.progress import ProgressCurve
from study.units import clock_tenths

TIMES = "\u00d7"
CLOSING_SECONDS = 1.0
TRACK_RIGHT = 3.55  # where the tracks end during the race; the finishing times follow
STAMP_GAP = 0.2
CALLOUT_GAP = 0.35  # between the finishing times and the closing callout
UP_TO = "up to "  # a headline over a range (study/plans.py): drawn smaller, before the figure
NOTE_GAP = 0.2
CLOCK_HEIGHT = 0.95  # the elapsed clock's caption and time, top right
MIN_TRACK = 1.2  # the narrowest the tracks become to make room for the callout
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
    track: VMobject | None = None
    ghost: VMobject | None = None
    note_at: float = 0.0  # x where the measured part ends; the note sits beside it
    note_side: int = 0  # 1 right of it, -1 left
    done: float = 0.0  # the share of the clock at which its run finishes

    def track_parts(self) -> list[VMobject]:
        """What narrows with the track at the close: its background, bars and outline."""
        parts = [self.track, self.solid, self.estimate, self.ghost]
        return [part for part in parts if part is not None]

    @property
    def measured_fraction(self) -> float:
        return self.curve.measured_until_s / self.curve.finish_s


class ProgressRace(kit.ClockedScene):
    reads = frozenset({"progress"})
    clock_seconds = 9.0

    def set_stage(self) -> kit.ClockStage:
        theme = self.theme
        plan = self.plan = race_plan(self.view)
        runs = [lane.run for lane in plan.lanes]
        clock_map = kit.LogClock(plan.t_start, plan.t_end * RACE_OVERRUN)
        right = kit.safe_box()[1]
        geometry = kit.LaneGeometry.for_lanes(len(runs), [lane.label for lane in plan.lanes])
        self.geometry, self.track_left = geometry, geometry.track_left
        axis = self.axis = kit.LogTimeAxis(
            plan.t_start, plan.t_end * 1.15, self.track_left, right - 0.3, AXIS_Y, theme
        )
        axis_caption = kit.text("time, log scale", kit.SMALL_SIZE, theme.muted)
        axis_caption.next_to(axis.line, LEFT, buff=0.25)
        colors = kit.run_colors(theme, runs)
        static = VGroup()
        self.lanes = [
            self._lane(planned, geometry, index, colors[planned.run.run_id], theme, static, axis)
            for index, planned in enumerate(plan.lanes)
        ]
        self.cursor = VGroup(
            Triangle(color=theme.foreground, fill_opacity=1, stroke_width=0)
            .scale(0.09)
            .rotate(np.pi),
            Line([0, -0.05, 0], [0, -0.32, 0], color=theme.foreground, stroke_width=3),
        )
        # a lane's bar changes until its run finishes, its stamp and marker while fading in
        changing = []
        for lane in self.lanes:
            lane.done = clock_map.share_at(lane.run.time_s)
            bars = VGroup(lane.solid, *([lane.estimate] if lane.estimate is not None else []))
            changing += kit.finishing(lane.done, STAMP_FADE, bars, VGroup(lane.stamp, lane.marker))
        first_run = plan.first_cluster.run if plan.first_cluster else None
        first = next((lane for lane in self.lanes if lane.run is first_run), None)
        # a deck holds once the first cluster run's finish stamp is in
        parts = [] if first is None else [(first.done + STAMP_FADE, plan.closing_notes)]
        return kit.ClockStage(
            clock=clock_map,
            # the clock reads the finishing times as finely as their stamps do
            readout=kit.ClockReadout(theme, tenths=clock_tenths([r.time_s for r in runs])),
            first_frame=[self.frame_of(plan.title, plan.source), axis, axis_caption],
            static=[static],
            changing=changing,
            held_s=plan.t_end,  # the held frame reads the time the last run finished
            start_notes=plan.start_notes,
            parts=parts,
            moving=[self.cursor],
        )

    def draw(self, s: float, t: float) -> None:
        left, height = self.track_left, self.geometry.bar_height
        for lane in self.lanes:
            fraction = float(lane.curve.at(t))
            measured_end = self.track_x(min(fraction, lane.measured_fraction))
            kit.set_bar(lane.solid, left, measured_end, lane.y, height)
            if lane.estimate is not None:
                start = self.track_x(lane.measured_fraction)
                end = max(start, self.track_x(fraction))
                kit.set_bar(lane.estimate, start, end, lane.y, height)
            shown = kit.faded_in(s, lane.done, STAMP_FADE)
            self.fader.fade(lane.stamp, shown)
            self.fader.fade(lane.marker, shown)

    def show_time(self, seconds: float) -> None:
        super().show_time(seconds)
        self.cursor.move_to(self.axis.point(max(seconds, self.plan.t_start)), aligned_edge=DOWN)

    def track_x(self, fraction: float) -> float:
        span = TRACK_RIGHT - self.track_left
        return self.track_left + span * float(np.clip(fraction, 0, 1))

    def close(self) -> None:
        """Every bar is full now: the tracks narrow to the left, the finishing times follow,
        and the closing callout takes the room that frees beside them. Nothing of the race is
        covered; a lane's estimate note that no longer fits its shorter bar fades (it said its
        part during the race; the dashed bar and the "≈" stamp still say estimate)."""
        plan, lanes, theme, geometry = self.plan, self.lanes, self.theme, self.geometry
        _, right, _, _ = kit.safe_box()
        stamps_width = max(lane.stamp.width for lane in lanes)
        # the tracks narrow as far as the callout needs to fit between the clock and the axis
        height = kit.safe_box()[3] - CLOCK_HEIGHT - (AXIS_Y + 0.3)
        # ... and where even the narrowest tracks leave too little room (long names, a narrow
        # column), the callout drops its muted aside (the speaker notes keep it)
        tries = [
            (c, t) for c in (False, True) for t in (MIN_TRACK, MIN_TRACK * 0.6, MIN_TRACK * 0.3)
        ]
        for compact, track in tries:
            narrowest = self.track_left + track
            room = right - (narrowest + STAMP_GAP + stamps_width + CALLOUT_GAP)
            closing = self._closing(plan, theme, room, compact=compact)
            if closing.height <= height:
                break
        if not len(closing):
            return
        track_right = min(
            TRACK_RIGHT, right - closing.width - CALLOUT_GAP - stamps_width - STAMP_GAP
        )
        track_right = max(track_right, narrowest)
        factor = (track_right - self.track_left) / (TRACK_RIGHT - self.track_left)
        anchor = np.array([self.track_left, 0.0, 0.0])
        bars = VGroup(*(part for lane in lanes for part in lane.track_parts()))
        stamps = VGroup(*(lane.stamp for lane in lanes))
        shift = (track_right - TRACK_RIGHT) * RIGHT
        leaving = [
            lane.note
            for lane in lanes
            if lane.note is not None and not _fits_in(lane, factor, self.track_left, track_right)
        ]
        staying = [
            lane.note for lane in lanes if lane.note is not None and lane.note not in leaving
        ]
        moves: list[Any] = [
            bars.animate.stretch(factor, 0, about_point=anchor),
            stamps.animate.shift(shift),
        ]
        moves += [
            lane.note.animate.move_to(_note_centre(lane, factor, self.track_left))
            for lane in lanes
            if lane.note is not None and lane.note in staying
        ]
        closing.move_to([(track_right + stamps_width + STAMP_GAP + CALLOUT_GAP + right) / 2, 0, 0])
        closing.set_y(geometry.middle_y)
        # between the clock and the time axis' markers
        callout_left = track_right + stamps_width + STAMP_GAP + CALLOUT_GAP
        top = kit.safe_box()[3] - CLOCK_HEIGHT
        kit.keep_inside(closing, (callout_left, right, AXIS_Y + 0.3, top))
        self.play(*moves, *(FadeOut(note) for note in leaving), run_time=CLOSING_SECONDS)
        self.play(FadeIn(closing), run_time=CLOSING_SECONDS)

    def _lane(
        self,
        planned: RaceLane,
        geometry: kit.LaneGeometry,
        index: int,
        color: ParsableManimColor,
        theme: kit.Theme,
        static: VGroup,
        axis: kit.LogTimeAxis,
    ) -> Lane:
        y = geometry.y(index)
        run = planned.run
        left = self.track_left
        label = kit.lane_label(planned.label, geometry, index, color)
        track = Rectangle(
            width=TRACK_RIGHT - left,
            height=geometry.bar_height,
            stroke_width=0,
            fill_color=theme.track,
            fill_opacity=1,
        ).move_to([(left + TRACK_RIGHT) / 2, y, 0])
        static.add(track, label)

        curve = planned.curve
        solid = VMobject(fill_color=color, fill_opacity=1, stroke_width=0)
        estimate = None
        ghost = None
        note = None
        if planned.estimate_note is not None:
            measured_x = self.track_x(curve.measured_until_s / curve.finish_s)
            ghost = kit.estimate_outline(
                measured_x, TRACK_RIGHT, y, geometry.bar_height, color, dashes=60
            )
            size = max(kit.MIN_TEXT_SIZE, min(kit.SOURCE_SIZE, geometry.label_size * 0.7))
            note = kit.merge_glyphs(kit.text(planned.estimate_note, size, theme.foreground))
            note_side = self._place_note(note, measured_x, y, geometry.pitch)
            if not note_side:
                note = None  # the dashed bar and the "≈" stamp say estimate without it
            static.add(ghost)
            if note is not None:
                note.set_z_index(2)
                static.add(note)
            estimate = kit.estimate_bar(color)
        stamp = VGroup(
            kit.merge_glyphs(kit.text(planned.stamp, geometry.label_size, color, bold=True))
        )
        stamp.move_to([TRACK_RIGHT + STAMP_GAP, y, 0], aligned_edge=LEFT)
        marker = Dot(axis.point(run.time_s), radius=0.075, color=color)
        own = [note] if note is not None else []
        for mark in (solid, estimate, ghost):
            if mark is not None:
                kit.marks.data(mark, own=own)
        kit.marks.data(marker, axis=axis)
        lane = Lane(run, curve, y, solid, estimate, stamp, marker, note, track, ghost)
        if note is not None:
            lane.note_at, lane.note_side = measured_x, note_side
        return lane

    def _closing(
        self, plan: RacePlan, theme: kit.Theme, room: float, *, compact: bool = False
    ) -> VGroup:
        """The closing callout, drawn from the plan's lines, at most ``room`` wide; ``compact``
        leaves out the muted lines."""
        styles = {
            "lead": (kit.LABEL_SIZE, theme.foreground, True),
            "laptop": (kit.LABEL_SIZE, kit.laptop_color(theme, 0), True),
            "headline": (52, theme.highlight, True),
            "muted": (kit.SMALL_SIZE, theme.muted, False),
            "emphasis": (kit.LABEL_SIZE, theme.foreground, True),
        }
        lines: list[kit.CalloutLine] = []
        prefixes: dict[int, kit.CalloutLine] = {}
        for line in plan.closing:
            if compact and line.role == "muted":
                continue
            if line.role == "headline" and line.text.startswith(UP_TO):
                # "up to" smaller, before the figure on its line: the figure keeps its size and
                # the callout its height
                prefixes[len(lines)] = (UP_TO.strip(), *styles["emphasis"])
                lines.append((line.text.removeprefix(UP_TO), *styles["headline"]))
            else:
                lines.append((line.text, *styles[line.role]))
        if not lines:
            return VGroup()
        box = kit.callout(lines, theme, max_width=room - kit.callout_padding(), prefixes=prefixes)
        return box.set_z_index(5)

    def _place_note(self, note: VMobject, measured_x: float, y: float, pitch: float) -> int:
        """Right of where the measured part ends, over the estimated part (1); where that is
        too short (a run measured almost to its end), left of it, over the measured bar (-1);
        0 when neither side holds it at its size, or the lane is too low for it."""
        if note.height > 0.9 * pitch:
            return 0
        right_room = TRACK_RIGHT - 0.1 - (measured_x + NOTE_GAP)
        left_room = measured_x - NOTE_GAP - (self.track_left + 0.1)
        if note.width <= right_room:
            note.move_to([measured_x + NOTE_GAP, y, 0], aligned_edge=LEFT)
            return 1
        if note.width <= left_room:
            note.move_to([measured_x - NOTE_GAP, y, 0], aligned_edge=RIGHT)
            return -1
        return 0


def _note_centre(lane: Lane, factor: float, left: float) -> np.ndarray:
    """Where ``lane``'s note goes when the track stretches by ``factor`` from ``left``: beside
    the measured end, on the side it was on."""
    note = lane.note
    assert note is not None
    measured = left + (lane.note_at - left) * factor
    x = measured + lane.note_side * (NOTE_GAP + note.width / 2)
    return np.array([x, note.get_center()[1], 0.0])


def _fits_in(lane: Lane, factor: float, left: float, right: float) -> bool:
    """Whether ``lane``'s note still sits inside its track once the track is stretched."""
    if lane.note is None:
        return True
    x = _note_centre(lane, factor, left)[0]
    half = lane.note.width / 2
    return bool(left + 0.1 <= x - half and x + half <= right - 0.1)
