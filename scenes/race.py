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
    DashedVMobject,
    Dot,
    FadeIn,
    Line,
    Rectangle,
    Triangle,
    VGroup,
    VMobject,
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

    @property
    def measured_fraction(self) -> float:
        return self.curve.measured_until_s / self.curve.finish_s


def track_x(fraction: float) -> float:
    return TRACK_LEFT + (TRACK_RIGHT - TRACK_LEFT) * float(np.clip(fraction, 0, 1))


class ProgressRace(kit.StudyScene):
    def history_keys(self, settings: kit.Settings) -> list[str]:
        return ["epoch", "progress_percentage"]

    def construct(self) -> None:
        theme = self.theme
        runs = kit.lane_order(self.runs)
        if not runs:
            raise StoreError("no finished runs to race", path=self.store)
        report = build_report(runs)

        t_end = max(r.time_s for r in runs)
        t_start = max(1.0, min(r.time_s for r in runs) / 20)
        clock_map = kit.LogClock(t_start, t_end * RACE_OVERRUN)
        right = kit.safe_box()[1]
        axis = kit.LogTimeAxis(t_start, t_end * 1.15, TRACK_LEFT, right - 0.3, AXIS_Y, theme)
        axis_caption = kit.text("time, log scale", kit.SMALL_SIZE, theme.muted)
        axis_caption.next_to(axis.line, LEFT, buff=0.25)

        geometry = kit.LaneGeometry.for_lanes(len(runs))
        colors = kit.run_colors(theme, runs)
        static = VGroup()
        lanes = [
            self._lane(run, geometry, index, colors[run.run_id], theme, static, axis)
            for index, run in enumerate(runs)
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

        stamp_opacity: dict[int, float] = {}

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
                if shown != stamp_opacity.get(id(lane)):  # re-colouring every glyph is not free
                    lane.stamp.set_opacity(shown)
                    lane.marker.set_opacity(shown)
                    stamp_opacity[id(lane)] = shown
            show_time(t)

        draw(0.0, 0.0)
        first = min(
            (lane for lane in lanes if lane.run.platform == "cluster"), key=_finish, default=None
        )
        self.begin_part(_race_notes(lanes, first))
        intro = [self.frame_parts(self.settings.title_race, runs), static, axis, axis_caption]
        intro += [clock.caption, moving]
        self.fade_in(*intro, run_time=INTRO_SECONDS)

        # a deck holds once the first cluster run's finish stamp is in
        parts = []
        if first is not None:
            parts.append((finish_share[id(first)] + STAMP_FADE, _closing_notes(report, runs)))
        self.play_clock(moving, clock_map, draw, RACE_SECONDS, parts, changing)
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
        geometry: kit.LaneGeometry,
        index: int,
        color,
        theme: kit.Theme,
        static: VGroup,
        axis: kit.LogTimeAxis,
    ) -> Lane:
        y = geometry.y(index)
        label = kit.lane_label(run, geometry, index, color)
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
            note = kit.merge_glyphs(
                kit.text(
                    f"estimate: {units.duration(curve.measured_until_s)} measured, "
                    "rest extrapolated",
                    min(kit.SOURCE_SIZE, geometry.label_size * 0.7),
                    theme.foreground,
                )
            ).move_to([measured_x + 0.2, y, 0], aligned_edge=LEFT)
            note.set_z_index(2)
            static.add(DashedVMobject(ghost, num_dashes=60, dashed_ratio=0.55), note)
            estimate = VMobject(fill_color=color, fill_opacity=0.38, stroke_width=0)
            stamp_text = f"\u2248{stamp_text}"
        stamp = VGroup(
            kit.merge_glyphs(kit.text(stamp_text, geometry.label_size, color, bold=True))
        )
        stamp.move_to([TRACK_RIGHT + 0.2, y, 0], aligned_edge=LEFT)
        marker = Dot(axis.point(run.time_s), radius=0.075, color=color)
        return Lane(run, curve, y, solid, estimate, stamp, marker)

    def _closing(
        self, report: Report, runs: list[Run], theme: kit.Theme, geometry: kit.LaneGeometry
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
        # over the cluster lanes if it fits there, so the laptop lanes' notes stay whole
        cluster_lanes = sum(r.platform == "cluster" for r in runs)
        top = geometry.y(0) + geometry.pitch / 2
        bottom = geometry.y(max(0, cluster_lanes - 1)) - geometry.pitch / 2
        middle = (top + bottom) / 2 if box.height <= top - bottom else geometry.middle_y
        return box.move_to([(TRACK_LEFT + TRACK_RIGHT) / 2, middle, 0])


def _finish(lane: Lane) -> float:
    return lane.run.time_s


def _race_notes(lanes: list[Lane], first: Lane | None) -> str:
    """Speaker notes for the race up to the first cluster finish; every figure from the data."""
    cluster = [lane.run for lane in lanes if lane.run.platform == "cluster"]
    laptops = [lane for lane in lanes if lane.run.platform == "laptop"]
    lines = [f"{len(lanes)} runs on one wall clock (log scale); bars fill as epochs complete."]
    if cluster:
        gpus = sorted({run.gpus for run in cluster})
        lines.append(f"Cluster: {len(cluster)} runs on {gpus[0]}-{gpus[-1]} GPUs.")
    if first is not None:
        finished = units.duration(first.run.time_s)
        lines.append(f"First to finish: {first.run.label}, after {finished}.")
        for lane in laptops:
            done = float(lane.curve.at(first.run.time_s))
            share = units.percent(done) if done >= 0.01 else f"{done * 100:.2g}%"
            lines.append(f"At that moment {lane.run.label} has done {share} of its job.")
    return "\n".join(lines)


def _closing_notes(report: Report, runs: list[Run]) -> str:
    lines = []
    cluster = [r for r in runs if r.platform == "cluster"]
    if cluster:
        slowest = max(cluster, key=lambda r: r.time_s)
        lines.append(f"Slowest cluster run: {slowest.label}, {units.duration(slowest.time_s)}.")
    for run in runs:
        if run.platform == "laptop":
            how = (
                f" (estimate: {units.duration(run.measured_s)} measured, rest extrapolated)"
                if run.extrapolated and run.measured_s
                else ""
            )
            lines.append(f"{run.label}: {units.duration(run.time_s)}{how}.")
    if report.max_speedup is not None:
        lines.append(f"Headline: {units.ratio(report.max_speedup, TIMES)} faster in total time.")
    if report.max_speedup_per_epoch is not None:
        per_epoch = units.ratio(report.max_speedup_per_epoch, TIMES)
        lines.append(f"Per epoch (equal work): up to {per_epoch} faster.")
    return "\n".join(lines)


def _epochs_text(epochs: set[float | None]) -> str:
    values = sorted(e for e in epochs if e)
    return "/".join(f"{e:g}" for e in values) + (" epoch" if values == [1] else " epochs")
