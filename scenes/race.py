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
    UR,
    DashedVMobject,
    Dot,
    FadeIn,
    Line,
    Rectangle,
    Triangle,
    ValueTracker,
    VGroup,
    VMobject,
    linear,
)

from extract import units
from extract.analysis import Report, build_report
from extract.errors import StoreError
from extract.model import Run
from extract.progress import ProgressCurve, progress_curve
from scenes import kit

TIMES = "\u00d7"
INTRO_SECONDS = 1.0
RACE_SECONDS = 9.0
CLOSING_SECONDS = 1.0
HOLD_SECONDS = 3.0
TRACK_LEFT, TRACK_RIGHT = -3.3, 3.55
LANES_TOP, LANES_BOTTOM = 2.7, -1.7  # the band the lanes share, edges of the outer bars
MAX_PITCH = 0.5
AXIS_Y = -2.35
STAMP_FADE = 0.008  # share of the race over which a finish stamp fades in
RACE_OVERRUN = 1.1  # the clock runs a little past the last finish, so its stamp shows


@dataclass(frozen=True)
class LaneGeometry:
    """Lane centres, bar height and label size for n lanes in the band."""

    pitch: float
    top_y: float

    @classmethod
    def for_lanes(cls, count: int) -> LaneGeometry:
        pitch = min(MAX_PITCH, (LANES_TOP - LANES_BOTTOM) / max(1, count))
        middle = (LANES_TOP + LANES_BOTTOM) / 2
        return cls(pitch=pitch, top_y=middle + pitch * (count - 1) / 2)

    @property
    def bar_height(self) -> float:
        return 0.6 * self.pitch

    @property
    def label_size(self) -> float:
        return min(kit.LABEL_SIZE, 60 * self.pitch)

    def y(self, index: int) -> float:
        return self.top_y - index * self.pitch


@dataclass
class Lane:
    run: Run
    curve: ProgressCurve
    y: float
    solid: VMobject
    estimate: VMobject | None
    stamp: VGroup
    marker: Dot

    @property
    def measured_fraction(self) -> float:
        return self.curve.measured_until_s / self.curve.finish_s


def race_runs(runs: list[Run]) -> list[Run]:
    """Runs that ran to the end (or still run), cluster by GPU count, most first, then laptops."""
    racing = [r for r in runs if r.state in ("finished", "running") and r.time_s > 0]
    cluster = sorted((r for r in racing if r.platform == "cluster"), key=lambda r: -r.gpus)
    laptops = sorted((r for r in racing if r.platform == "laptop"), key=lambda r: r.time_s)
    return cluster + laptops


def track_x(fraction: float) -> float:
    return TRACK_LEFT + (TRACK_RIGHT - TRACK_LEFT) * float(np.clip(fraction, 0, 1))


def set_bar(bar: VMobject, x0: float, x1: float, y: float, height: float) -> None:
    half = height / 2
    x1 = max(x1, x0 + 1e-4)
    corners = [[x0, y - half, 0], [x1, y - half, 0], [x1, y + half, 0], [x0, y + half, 0]]
    bar.set_points_as_corners([*corners, corners[0]])


class RaceClock:
    """Maps the race's progress s in [0, 1] to wall time on a log scale, starting at 0 s."""

    def __init__(self, t_start: float, t_end: float) -> None:
        self.t_start = t_start
        self.growth = t_end / t_start

    def wall_time(self, s: float) -> float:
        return self.t_start * ((1 + self.growth) ** s - 1)

    def share_at(self, seconds: float) -> float:
        return float(np.log1p(seconds / self.t_start) / np.log1p(self.growth))


class ProgressRace(kit.StudyScene):
    def history_keys(self, settings: kit.Settings) -> list[str]:
        return ["epoch", "progress_percentage"]

    def construct(self) -> None:
        theme = self.theme
        runs = race_runs(self.runs)
        if not runs:
            raise StoreError("no finished runs to race", path=self.store)
        report = build_report(runs)

        t_end = max(r.time_s for r in runs)
        t_start = max(1.0, min(r.time_s for r in runs) / 20)
        clock_map = RaceClock(t_start, t_end * RACE_OVERRUN)
        left, right, _, top = kit.safe_box()
        axis = kit.LogTimeAxis(t_start, t_end * 1.15, TRACK_LEFT, right - 0.3, AXIS_Y, theme)
        axis_caption = kit.text("time, log scale", kit.SMALL_SIZE, theme.muted)
        axis_caption.next_to(axis.line, LEFT, buff=0.25)

        geometry = LaneGeometry.for_lanes(len(runs))
        colors = kit.run_colors(theme, runs)
        static = VGroup()
        lanes = [
            self._lane(run, geometry, index, colors[run.run_id], theme, static, axis)
            for index, run in enumerate(runs)
        ]

        clock_cache = kit.TextCache(kit.CLOCK_SIZE, theme.foreground, bold=True)
        clock_caption = kit.text("elapsed", kit.SMALL_SIZE, theme.muted)
        clock_caption.move_to([right, top - 0.05, 0], aligned_edge=UR)
        clock = clock_cache.get(units.clock(0)).copy()
        cursor = VGroup(
            Triangle(color=theme.foreground, fill_opacity=1, stroke_width=0)
            .scale(0.09)
            .rotate(np.pi),
            Line([0, -0.05, 0], [0, -0.32, 0], color=theme.foreground, stroke_width=3),
        )

        def show_time(seconds: float) -> None:
            # become() keeps the same mobject: Manim fixes the list of moving mobjects when a
            # play starts, so a swapped-in Text would leave the old one drawn underneath
            clock.become(clock_cache.get(units.clock(seconds)))
            clock.next_to(clock_caption, DOWN, buff=0.1, aligned_edge=RIGHT)
            cursor.move_to(axis.point(max(seconds, t_start)), aligned_edge=DOWN)

        tracker = ValueTracker(0.0)
        # everything the updater touches must be in this group, or Manim draws it as static
        moving = VGroup(cursor, clock)
        for lane in lanes:
            moving.add(lane.solid, lane.stamp, lane.marker)
            if lane.estimate is not None:
                moving.add(lane.estimate)

        def update(_mob: VMobject) -> None:
            s = tracker.get_value()
            t = clock_map.wall_time(s)
            for lane in lanes:
                fraction = float(lane.curve.at(t))
                measured_end = track_x(min(fraction, lane.measured_fraction))
                set_bar(lane.solid, TRACK_LEFT, measured_end, lane.y, geometry.bar_height)
                if lane.estimate is not None:
                    start = track_x(lane.measured_fraction)
                    end = max(start, track_x(fraction))
                    set_bar(lane.estimate, start, end, lane.y, geometry.bar_height)
                finished = (s - clock_map.share_at(lane.run.time_s)) / STAMP_FADE
                shown = float(np.clip(finished, 0, 1))
                lane.stamp.set_opacity(shown)
                lane.marker.set_opacity(shown)
            show_time(t)

        update(moving)
        intro = [self.frame_parts(self.settings.title_race, runs), static, axis, axis_caption]
        intro += [clock_caption, moving]
        self.play(*(FadeIn(mob) for mob in intro), run_time=INTRO_SECONDS)

        moving.add_updater(update)
        self.play(tracker.animate.set_value(1.0), run_time=RACE_SECONDS, rate_func=linear)
        moving.clear_updaters()
        for lane in lanes:  # every run has finished by now, whatever the fade's rounding
            lane.stamp.set_opacity(1)
            lane.marker.set_opacity(1)
        show_time(t_end)  # the held frame reads the time the last run finished

        closing = self._closing(report, runs, theme, geometry)
        self.play(FadeIn(closing), run_time=CLOSING_SECONDS)
        self.wait(HOLD_SECONDS)

    def _lane(
        self,
        run: Run,
        geometry: LaneGeometry,
        index: int,
        color,
        theme: kit.Theme,
        static: VGroup,
        axis: kit.LogTimeAxis,
    ) -> Lane:
        y = geometry.y(index)
        label_right = TRACK_LEFT - 0.25
        label = kit.text(run.label, geometry.label_size, color)
        label_room = label_right - kit.safe_box()[0]
        if label.width > label_room:
            label.scale_to_fit_width(label_room)
        label.move_to([label_right, y, 0], aligned_edge=RIGHT)
        track = Rectangle(
            width=TRACK_RIGHT - TRACK_LEFT,
            height=geometry.bar_height,
            stroke_width=0,
            fill_color=theme.track,
            fill_opacity=1,
        ).move_to([(TRACK_LEFT + TRACK_RIGHT) / 2, y, 0])
        static.add(track, label)

        curve = progress_curve(run)
        solid = VMobject(fill_color=color, fill_opacity=1, stroke_width=0)
        estimate = None
        stamp_text = units.duration(run.time_s)
        if curve.estimated:
            measured_x = track_x(curve.measured_until_s / curve.finish_s)
            ghost = Rectangle(
                width=TRACK_RIGHT - measured_x,
                height=geometry.bar_height,
                stroke_color=color,
                stroke_width=2,
                fill_opacity=0,
            ).move_to([(measured_x + TRACK_RIGHT) / 2, y, 0])
            note = kit.text(
                f"estimate: {units.duration(curve.measured_until_s)} measured, rest extrapolated",
                min(kit.SOURCE_SIZE, geometry.label_size * 0.7),
                theme.foreground,
            ).move_to([measured_x + 0.2, y, 0], aligned_edge=LEFT)
            note.set_z_index(2)
            static.add(DashedVMobject(ghost, num_dashes=60, dashed_ratio=0.55), note)
            estimate = VMobject(fill_color=color, fill_opacity=0.38, stroke_width=0)
            stamp_text = f"\u2248{stamp_text}"
        stamp = VGroup(kit.text(stamp_text, geometry.label_size, color, bold=True))
        stamp.move_to([TRACK_RIGHT + 0.2, y, 0], aligned_edge=LEFT)
        marker = Dot(axis.point(run.time_s), radius=0.075, color=color)
        return Lane(run, curve, y, solid, estimate, stamp, marker)

    def _closing(
        self, report: Report, runs: list[Run], theme: kit.Theme, geometry: LaneGeometry
    ) -> VGroup:
        """The closing callout: every figure in it is the report's, computed from the store."""
        lines: list[kit.CalloutLine] = []
        cluster_name, laptop_name = self.settings.cluster_name, self.settings.laptop_name
        fastest = next((r for r in runs if r.name == report.fastest_cluster_run), None)
        if fastest is not None:
            lines.append(
                (
                    f"{fastest.label} on {cluster_name}: {units.duration(fastest.time_s)}",
                    kit.LABEL_SIZE,
                    theme.foreground,
                    True,
                )
            )
        laptops = [r for r in runs if r.platform == "laptop"]
        if report.laptop_low_s is not None and report.laptop_high_s is not None:
            estimated = " (estimated)" if any(r.extrapolated for r in laptops) else ""
            laptop_time = (
                units.duration(report.laptop_high_s)
                if report.laptop_low_s == report.laptop_high_s
                else units.duration_range(report.laptop_low_s, report.laptop_high_s)
            )
            lines.append(
                (
                    f"{laptop_name}: {laptop_time}{estimated}",
                    kit.LABEL_SIZE,
                    kit.laptop_color(theme, 0),
                    True,
                )
            )
        if report.max_speedup is not None:
            headline = f"{units.ratio(report.max_speedup, TIMES)} faster"
            lines.append((headline, 60, theme.highlight, True))
        laptop_epochs = {r.epochs for r in laptops if r.epochs}
        if fastest is not None and laptop_epochs and laptop_epochs != {fastest.epochs}:
            lines.append(
                (
                    f"total time: laptop {_epochs_text(laptop_epochs)}, "
                    f"{fastest.gpus} GPUs {_epochs_text({fastest.epochs})}",
                    kit.SMALL_SIZE,
                    theme.muted,
                    False,
                )
            )
            if report.max_speedup_per_epoch is not None:
                per_epoch = units.ratio(report.max_speedup_per_epoch, TIMES)
                lines.append(
                    (
                        f"Per epoch, equal work: {per_epoch} faster",
                        kit.LABEL_SIZE,
                        theme.foreground,
                        True,
                    )
                )
        # over the tracks only: labels and finishing times stay readable on the held frame
        box = kit.callout(lines, theme, max_width=TRACK_RIGHT - TRACK_LEFT - 0.6)
        middle_y = (geometry.y(0) + geometry.y(len(runs) - 1)) / 2
        return box.move_to([(TRACK_LEFT + TRACK_RIGHT) / 2, middle_y, 0])


def _epochs_text(epochs: set[float | None]) -> str:
    values = sorted(e for e in epochs if e)
    return "/".join(f"{e:g}" for e in values) + (" epoch" if values == [1] else " epochs")
