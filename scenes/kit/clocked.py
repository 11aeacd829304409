"""The skeleton of a scene played against one wall clock (the race, the comparison, the curves).

Every such scene tells its story in the same order: the title and the empty chart are there from
the first frame, the rest fades in, the clock runs while the scene draws each moment of it, every
mark still fading in is settled, the scene closes (a callout, a band, a ranking) and its last
frame is held. A scene fills in the hooks and keeps only what is its own:

- ``set_stage``: build what is drawn once and say what the clock moves (a ``ClockStage``);
- ``draw(s, t)``: show the moment at share ``s`` of the clock, wall time ``t``;
- ``show_time(t)``: the readout (and whatever else reads the time, a cursor);
- ``close``: what comes once the clock has stopped, before the hold.

Drawn as a figure (``as_figure``: `make charts`), a scene shows its held frame alone, without
what only a playing video needs: no clock readout (a chart's "elapsed 2 h 00 min" said nothing
of the data), nothing played.
"""

from __future__ import annotations

import itertools
import math
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from typing import Any

import numpy as np
from manim import Mobject, ValueTracker, VGroup, config, linear

from .base import HOLD_SECONDS, INTRO_SECONDS, StudyScene
from .clock import ClockReadout, LogClock
from .fader import Fader

# (first share, last share, mobject): the mobject changes only between these shares of the clock
Window = tuple[float, float, Mobject]


@dataclass(frozen=True)
class ClockStage:
    """What a clocked scene shows around its clock, built before the first frame."""

    clock: LogClock  # wall time at each share of the clock's run
    readout: ClockReadout
    first_frame: Sequence[Mobject]  # there from the first frame: title, source line, axes
    static: Sequence[Mobject]  # faded in with the readout, then drawn as background
    changing: Sequence[Window]  # what draw() changes, each only inside its window
    held_s: float  # the wall time the readout shows on the held frame
    start_notes: str  # the speaker notes of the opening part
    parts: Sequence[tuple[float, str]] = ()  # (share, notes) where a later part begins
    moving: Sequence[Mobject] = ()  # what draw() changes on every frame, besides the readout


def finishing(done: float, fade: float, growing: Mobject, arriving: Mobject) -> list[Window]:
    """A run that finishes at share ``done``: ``growing`` (its bar, its curve) changes until
    then, ``arriving`` (its stamp, its end mark) fades in over ``fade`` from then. Before and
    after, each is drawn once as background instead of every frame."""
    return [(0.0, done + fade, growing), (done, done + fade, arriving)]


def faded_in(s: float, since: float, fade: float) -> float:
    """The opacity, at share ``s``, of a mark fading in over ``fade`` from share ``since``."""
    return float(np.clip((s - since) / fade, 0, 1))


class ClockedScene(StudyScene):
    """A study scene drawn against one wall clock; see the module's docstring for the hooks."""

    clock_seconds = 8.0  # how long the clock runs, of the scene's 11-14 s
    stage: ClockStage
    fader: Fader  # draw() fades marks through it; the skeleton settles them when the clock stops

    def __init__(self, *args: Any, as_figure: bool = False, **kwargs: Any) -> None:
        self.as_figure = as_figure
        super().__init__(*args, **kwargs)

    def set_stage(self) -> ClockStage:
        raise NotImplementedError

    def draw(self, s: float, t: float) -> None:
        raise NotImplementedError

    def show_time(self, seconds: float) -> None:
        self.stage.readout.show(seconds)

    def close(self) -> None:
        """What follows once the clock has stopped and before the hold: nothing by default."""

    def construct(self) -> None:
        self.fader = Fader()
        stage = self.stage = self.set_stage()
        if self.as_figure:
            self.draw_figure(stage)
            return
        readout = stage.readout
        # everything the updater touches must be in this group, or Manim draws it as static
        moving = VGroup(*stage.moving, readout.value, *(mob for _, _, mob in stage.changing))
        self._draw_moment(0.0, 0.0)
        self.begin_part(stage.start_notes)
        self.fade_in(
            *stage.static,
            readout.caption,
            moving,
            run_time=INTRO_SECONDS,
            from_start=stage.first_frame,
        )
        self.play_clock(
            moving, stage.clock, self._draw_moment, self.clock_seconds, stage.parts, stage.changing
        )
        self.fader.settle()  # every run has finished by now, whatever the fades' rounding
        self.show_time(stage.held_s)
        self.close()
        self.wait(HOLD_SECONDS)

    def draw_figure(self, stage: ClockStage) -> None:
        """The held frame as a figure: every mark as the clock leaves it, without the readout."""
        self.add(*stage.first_frame, *stage.static, *stage.moving)
        self.add(*(mob for _, _, mob in stage.changing))
        self.draw(1.0, stage.clock.wall_time(1.0))
        self.fader.settle()
        self.close()
        self.wait(HOLD_SECONDS)

    def _draw_moment(self, s: float, t: float) -> None:
        self.draw(s, t)
        self.show_time(t)

    def play_clock(
        self,
        moving: VGroup,
        clock: LogClock,
        draw: Callable[[float, float], None],
        run_time: float,
        parts: Sequence[tuple[float, str]] = (),
        changing: Sequence[Window] = (),
    ) -> None:
        """Run the clock from 0 to its end over ``run_time`` seconds, calling
        ``draw(share, wall_time_s)`` every frame.

        ``moving`` must hold every mobject ``draw`` changes: Manim draws the rest as a static
        background. ``changing`` names members of ``moving`` that change only between two
        shares of the clock (a bar until its run finishes, a stamp while it fades in): outside
        that window they are drawn once as background, not every frame. ``parts`` are (share,
        notes) where a new part of the story begins (see ``begin_part``)."""
        plan = _ClockSegments.of(
            round(run_time * config.frame_rate), changing, parts, self.fast_drawing
        )
        if self.stops_at_parts:
            stops = plan.stops
        else:
            stops = {}
            self.parts.extend(notes for _, notes in parts)
        managed = [mob for _, _, mob in plan.windows]
        always = [mob for mob in moving.submobjects if not any(mob is m for m in managed)]
        # the share comes from the scene's time, so cutting the run into several plays (one per
        # change of what moves) keeps every frame exactly where one long play puts it
        started = self.time

        def update(_mob: Mobject) -> None:
            share = min((self.time - started) * config.frame_rate / plan.frames, 1.0)
            draw(share, clock.wall_time(share))

        self.remove(moving)
        holder = VGroup()
        for first, last in itertools.pairwise(plan.cuts):
            if first in stops:
                self.begin_part(stops[first])
            active = plan.active(first, last)
            settled = [mob for mob in managed if not any(mob is m for m in active)]
            self.remove(holder, *managed)
            holder = VGroup(*always, *active)
            self.add(*settled)  # before the holder: Manim treats all after a mover as moving
            self.add(holder)
            holder.add_updater(update)
            self._play_frames(last - first)
            holder.clear_updaters()
        self.remove(holder, *managed)
        self.add(moving)
        draw(1.0, clock.wall_time(1.0))
        if plan.frames in stops:  # a part that begins as the clock stops
            self.begin_part(stops[plan.frames])

    def _play_frames(self, count: int) -> None:
        """Exactly ``count`` frames: half a frame short of count/rate, which can round up to
        count + 1 frames; one frame is exactly 1/rate (Manim plays nothing shorter)."""
        tracker = ValueTracker(0.0)
        self.play(
            tracker.animate.set_value(1.0),
            run_time=(count - 0.5 if count > 1 else 1) / config.frame_rate,
            rate_func=linear,
        )


@dataclass(frozen=True)
class _ClockSegments:
    """A clock's frames cut where what moves changes: each window (first frame, end frame,
    mobject) moves only inside its frames, and each stop begins a part of the story."""

    frames: int
    windows: list[tuple[int, int, Mobject]]
    stops: dict[int, str]
    cuts: list[int]

    @classmethod
    def of(
        cls,
        frames: int,
        changing: Sequence[Window],
        parts: Sequence[tuple[float, str]],
        fast: bool,
    ) -> _ClockSegments:
        frames = max(1, frames)
        # a window runs until the first frame that shows its final state: after that it is
        # drawn once, as it was at the end of the window
        windows = [
            (math.floor(a * frames), min(frames, math.ceil(b * frames) + 1), mob)
            for a, b, mob in changing
        ]
        if not fast:  # everything moves all the time
            windows = [(0, frames, mob) for _, _, mob in windows]
        # a stop is a held slide: it waits until whatever is fading in there has finished
        fades = [(a, b) for a, b, _ in windows if b - a <= max(3, 0.03 * frames)]
        stops = {}
        for share, notes in parts:
            frame = min(max(math.ceil(share * frames), 0), frames)
            while any(a < frame < b for a, b in fades):
                frame = max(b for a, b in fades if a < frame < b)
            stops[min(frame, frames)] = notes
        cuts = sorted({0, frames, *stops, *(f for a, b, _ in windows for f in (a, b))})
        return cls(frames, windows, stops, cuts)

    def active(self, first: int, last: int) -> list[Mobject]:
        return [mob for a, b, mob in self.windows if a < last and b > first]
