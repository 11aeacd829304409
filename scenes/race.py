"""ProgressRace: every run racing through its training job against one wall clock.

    manim render scenes/race.py ProgressRace          # 1080p60
    manim render -pql scenes/race.py ProgressRace     # quick preview

Reads $RUNS_STORE, else data/runs.h5 (built from the sample study when missing).
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
    Scene,
    Triangle,
    ValueTracker,
    VGroup,
    VMobject,
    linear,
)

from extract import units
from extract.analysis import build_report
from extract.model import Run
from extract.progress import ProgressCurve, progress_curve
from extract.sample import load_default_runs
from scenes import kit
from scenes.kit.names import CLUSTER_NAME, LAPTOP_NAME

TIMES = "\u00d7"
RACE_SECONDS = 9.0
INTRO_SECONDS = 1.0
CLOSING_SECONDS = 1.0
HOLD_SECONDS = 3.0
TRACK_LEFT, TRACK_RIGHT = -3.3, 3.55
LANE_TOP, LANE_BOTTOM = 2.55, -1.55
TRACK_HEIGHT = 0.3
AXIS_Y = -2.35
STAMP_FADE = 0.008  # fraction of the race over which a finish stamp fades in


@dataclass
class Lane:
    run: Run
    curve: ProgressCurve
    color: object
    y: float
    solid: VMobject
    estimate: VMobject | None
    stamp: VGroup
    marker: Dot


def order_for_race(runs: list[Run]) -> list[Run]:
    """Cluster runs by GPU count, most first, then the laptops: the finishing order, roughly."""
    cluster = sorted((r for r in runs if r.platform == "cluster"), key=lambda r: -r.gpus)
    laptops = sorted((r for r in runs if r.platform == "laptop"), key=lambda r: r.time_s)
    return cluster + laptops


def set_bar(bar: VMobject, x0: float, x1: float, y: float) -> None:
    half = TRACK_HEIGHT / 2
    x1 = max(x1, x0 + 1e-4)
    bar.set_points_as_corners(
        [
            [x0, y - half, 0],
            [x1, y - half, 0],
            [x1, y + half, 0],
            [x0, y + half, 0],
            [x0, y - half, 0],
        ]
    )


def track_x(fraction: float) -> float:
    return TRACK_LEFT + (TRACK_RIGHT - TRACK_LEFT) * float(np.clip(fraction, 0, 1))


class ProgressRace(Scene):
    def construct(self) -> None:
        theme = kit.current_theme()
        self.camera.background_color = theme.background
        store, runs = load_default_runs(columns=["epoch", "progress_percentage"])
        runs = [r for r in order_for_race(runs) if r.state in ("finished", "running")]
        report = build_report(runs)

        cluster_gpus = [r.gpus for r in runs if r.platform == "cluster"]
        t_end = max(r.time_s for r in runs)
        t_start = max(1.0, min(r.time_s for r in runs) / 20)
        axis = kit.LogTimeAxis(
            t_start, t_end * 1.15, TRACK_LEFT, kit.safe_box()[1] - 0.3, AXIS_Y, theme
        )
        axis_caption = kit.text("time, log scale", kit.SMALL_SIZE, theme.muted)
        axis_caption.next_to(axis.line, LEFT, buff=0.25)

        spacing = (LANE_TOP - LANE_BOTTOM) / max(1, len(runs) - 1)
        lanes: list[Lane] = []
        static = VGroup()
        laptop_index = 0
        for index, run in enumerate(runs):
            y = LANE_TOP - index * min(spacing, 0.5)
            if run.platform == "cluster":
                color = kit.cluster_color(theme, run.gpus, cluster_gpus)
            else:
                color = kit.laptop_color(theme, laptop_index)
                laptop_index += 1
            lanes.append(self._lane(run, y, color, theme, static, axis))

        clock_cache = kit.TextCache(kit.CLOCK_SIZE, theme.foreground, bold=True)
        clock_anchor = np.array([kit.safe_box()[1], kit.safe_box()[3] - 0.05, 0])
        clock_caption = kit.text("elapsed", kit.SMALL_SIZE, theme.muted)
        clock_caption.move_to(clock_anchor, aligned_edge=UR)
        clock = clock_cache.get(units.clock(0)).copy()
        cursor = VGroup(
            Triangle(color=theme.foreground, fill_opacity=1, stroke_width=0)
            .scale(0.09)
            .rotate(np.pi),
            Line([0, -0.05, 0], [0, -0.32, 0], color=theme.foreground, stroke_width=3),
        )

        def place_clock(seconds: float) -> None:
            # become() keeps the same mobject: Manim fixes the list of moving mobjects when a
            # play starts, so a swapped-in Text would leave the old one drawn underneath
            clock.become(clock_cache.get(units.clock(seconds)))
            clock.next_to(clock_caption, DOWN, buff=0.1, aligned_edge=RIGHT)

        tracker = ValueTracker(0.0)
        t_race_end = t_end * 1.1  # a little past the last finish, so its stamp shows
        growth = t_race_end / t_start  # t(s) = t_start * ((1 + growth) ** s - 1)

        def wall_time(s: float) -> float:
            return t_start * ((1 + growth) ** s - 1)

        def finished_at(run: Run) -> float:
            return float(np.log1p(run.time_s / t_start) / np.log1p(growth))

        # everything the updater touches must be in this group, or Manim draws it as static
        moving = VGroup(*(lane.solid for lane in lanes), cursor, clock)
        moving.add(*(lane.estimate for lane in lanes if lane.estimate is not None))
        moving.add(*(lane.stamp for lane in lanes), *(lane.marker for lane in lanes))

        def update(_mob: VMobject) -> None:
            s = tracker.get_value()
            t = wall_time(s)
            for lane in lanes:
                fraction = float(lane.curve.at(t))
                measured = lane.curve.measured_until_s / lane.curve.finish_s
                set_bar(lane.solid, TRACK_LEFT, track_x(min(fraction, measured)), lane.y)
                if lane.estimate is not None:
                    start = track_x(measured)
                    set_bar(lane.estimate, start, max(start, track_x(fraction)), lane.y)
                shown = float(np.clip((s - finished_at(lane.run)) / STAMP_FADE, 0, 1))
                lane.stamp.set_opacity(shown)
                lane.marker.set_opacity(shown)
            cursor.move_to(axis.point(max(t, t_start)), aligned_edge=DOWN).shift([0, 0.02, 0])
            place_clock(t)

        update(moving)
        title = kit.title(f"The training race: {CLUSTER_NAME} vs {LAPTOP_NAME.lower()}", theme)
        source = kit.source_line(store, runs, theme)
        self.play(
            FadeIn(title),
            FadeIn(static),
            FadeIn(axis),
            FadeIn(axis_caption),
            FadeIn(source),
            FadeIn(clock_caption),
            FadeIn(moving),
            run_time=INTRO_SECONDS,
        )
        moving.add_updater(update)
        self.play(tracker.animate.set_value(1.0), run_time=RACE_SECONDS, rate_func=linear)
        moving.clear_updaters()
        for lane in lanes:  # every run has finished by now, whatever the fade's rounding
            lane.stamp.set_opacity(1)
            lane.marker.set_opacity(1)
        place_clock(t_end)  # the held frame reads the time the last run finished
        cursor.move_to(axis.point(t_end), aligned_edge=DOWN).shift([0, 0.02, 0])

        self.play(FadeIn(self._closing(report, runs, theme)), run_time=CLOSING_SECONDS)
        self.wait(HOLD_SECONDS)

    def _lane(self, run: Run, y: float, color, theme: kit.Theme, static: VGroup, axis) -> Lane:
        label = kit.text(run.label, kit.LABEL_SIZE, color)
        label.move_to([TRACK_LEFT - 0.25, y, 0], aligned_edge=RIGHT)
        track = Rectangle(
            width=TRACK_RIGHT - TRACK_LEFT,
            height=TRACK_HEIGHT,
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
                height=TRACK_HEIGHT,
                stroke_color=color,
                stroke_width=2,
                fill_opacity=0,
            ).move_to([(measured_x + TRACK_RIGHT) / 2, y, 0])
            note = kit.text(
                f"estimate: {units.duration(curve.measured_until_s)} measured, rest extrapolated",
                kit.SOURCE_SIZE,
                theme.foreground,
            ).move_to([measured_x + 0.2, y, 0], aligned_edge=LEFT)
            static.add(DashedVMobject(ghost, num_dashes=60, dashed_ratio=0.55), note)
            note.set_z_index(2)
            estimate = VMobject(fill_color=color, fill_opacity=0.38, stroke_width=0)
            stamp_text = f"\u2248{stamp_text}"
        stamp = VGroup(kit.text(stamp_text, kit.LABEL_SIZE, color, bold=True))
        stamp.move_to([TRACK_RIGHT + 0.2, y, 0], aligned_edge=LEFT)
        marker = Dot(axis.point(run.time_s), radius=0.075, color=color)
        return Lane(run, curve, color, y, solid, estimate, stamp, marker)

    def _closing(self, report, runs: list[Run], theme: kit.Theme) -> VGroup:
        lines: list[kit.callout.Line] = []
        fastest = next((r for r in runs if r.name == report.fastest_cluster_run), None)
        if fastest is not None:
            lines.append(
                (
                    f"{fastest.label} on {CLUSTER_NAME}: {units.duration(fastest.time_s)}",
                    kit.LABEL_SIZE,
                    theme.foreground,
                    True,
                )
            )
        if report.laptop_low_s is not None:
            laptop = units.duration_range(report.laptop_low_s, report.laptop_high_s)
            estimated = any(r.extrapolated for r in runs if r.platform == "laptop")
            lines.append(
                (
                    f"{LAPTOP_NAME}: {laptop}{' (estimated)' if estimated else ''}",
                    kit.LABEL_SIZE,
                    kit.laptop_color(theme, 0),
                    True,
                )
            )
        if report.max_speedup is not None:
            lines.append(
                (f"{units.ratio(report.max_speedup, TIMES)} faster", 60, theme.highlight, True)
            )
        laptop_epochs = {r.epochs for r in runs if r.platform == "laptop" and r.epochs}
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
            lines.append(
                (
                    "Per epoch, equal work: "
                    f"{units.ratio(report.max_speedup_per_epoch, TIMES)} faster",
                    kit.LABEL_SIZE,
                    theme.foreground,
                    True,
                )
            )
        # over the tracks only: labels and finishing times stay readable on the held frame
        box = kit.callout(lines, theme, max_width=TRACK_RIGHT - TRACK_LEFT - 0.6)
        return box.move_to([(TRACK_LEFT + TRACK_RIGHT) / 2, (LANE_TOP + LANE_BOTTOM) / 2, 0])


def _epochs_text(epochs: set[float | None]) -> str:
    values = sorted(e for e in epochs if e)
    return "/".join(f"{e:g}" for e in values) + (" epoch" if values == [1] else " epochs")
