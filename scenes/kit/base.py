"""What every scene starts from: settings, theme, the selected runs, title and source line."""

from __future__ import annotations

import itertools
import math
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from functools import partial
from typing import Any

from manim import (
    FadeIn,
    FadeOut,
    ManimColor,
    Mobject,
    Rectangle,
    Scene,
    ValueTracker,
    VGroup,
    config,
    linear,
)

from extract.errors import InputError
from extract.model import Run
from extract.studyfile import StudyFile
from study.settings import Settings
from study.view import StudyView, source_text

from .clock import LogClock
from .frame import source_line, title
from .run import rendered, view_for
from .theme import THEMES, Theme

VEIL_Z = 1000  # above everything a scene draws


class StudyScene(Scene):
    """A scene about one study: it draws the plan it makes of the view it is handed
    (``Scene(view=...)``), or, started by Manim's CLI, of the view scenes/load.py builds."""

    settings: Settings
    study: StudyFile
    theme: Theme
    view: StudyView  # the runs, their labels and figures; each scene's plan is made from it
    runs: list[Run]  # the runs the scene shows (see study/selection.py), in lane order
    # slide decks (scenes/deck) stop at every part; a video plays straight through
    stops_at_parts = False
    # drawing shortcuts that leave the pixels as they were (tests turn them off to compare)
    fast_drawing = True

    def __init__(self, *args: Any, view: StudyView | None = None, **kwargs: Any) -> None:
        self._given_view = view
        super().__init__(*args, **kwargs)

    def begin_part(self, notes: str) -> None:
        """A part of the story begins here: a slide deck waits for the presenter at this point
        and shows ``notes`` (the figures of this part, from the data) as its speaker notes."""
        self.parts.append(notes)

    def setup(self) -> None:
        self.parts: list[str] = []
        self.view = view = self._given_view = view_for(self._given_view)
        self.settings, self.study, self.runs = view.settings, view.study, view.shown
        if not self.runs:
            raise InputError("no run to show", hint="'python -m extract runs' says why")
        self.theme = THEMES[self.settings.theme]
        self.camera.background_color = ManimColor(self.theme.background)  # type: ignore[union-attr]
        self.prepare()

    def prepare(self) -> None:
        """Decide, before any frame, whatever can stop the scene (raise InputError)."""

    def render(self, preview: bool = False) -> Any:
        # Scene.render is the public hook Manim's CLI calls (and manim-slides overrides too):
        # the exit policy and the finishing of the video (scenes/kit/run.py) hang on it
        return rendered(self, partial(super().render, preview))

    def frame_parts(
        self,
        title_template: str,
        runs: list[Run] | None = None,
        *,
        histories: bool = True,
        key: str | None = None,
    ) -> VGroup:
        """Title (from the settings' template) and the source line for ``runs``; ``histories``
        says whether the scene draws logged histories (so their reconstruction is mentioned)."""
        shown = self.runs if runs is None else runs
        return self.frame_of(
            self.settings.title(title_template),
            source_text(self.view, shown, histories=histories, key=key),
        )

    def frame_of(self, title_text: str, source: str) -> VGroup:
        """A plan's title and source line, drawn."""
        return VGroup(title(title_text, self.theme), source_line(source, self.theme))

    def fade_in(
        self, *mobjects: Mobject, run_time: float, from_start: Sequence[Mobject] = ()
    ) -> None:
        """Fade everything in at once; ``from_start`` (title, empty axes) is there from the
        first frame, so a video or slide never opens on a blank frame. A frame-sized veil in the
        background colour fading out is one mobject to draw per frame; fading each mobject in
        draws all of them every frame (it made the first second the slowest of a scene).
        Transparent renders have no background colour to veil with, so they fade each mobject."""
        self.add(*from_start)
        if config.transparent or not self.fast_drawing:
            self.play(*(FadeIn(mob) for mob in mobjects), run_time=run_time)
            return
        veil = Rectangle(
            width=config.frame_width * 1.1,
            height=config.frame_height * 1.1,
            stroke_width=0,
            fill_color=self.theme.background,
            fill_opacity=1,
        ).set_z_index(VEIL_Z)
        above = [m for mob in from_start for m in mob.get_family()]
        depths = [m.z_index for m in above]
        for member in above:
            member.z_index = VEIL_Z + 1  # over the veil while it fades
        self.add(*mobjects, veil)
        self.play(FadeOut(veil), run_time=run_time)
        for member, depth in zip(above, depths, strict=True):
            member.z_index = depth

    def play_clock(
        self,
        moving: VGroup,
        clock: LogClock,
        draw: Callable[[float, float], None],
        run_time: float,
        parts: Sequence[tuple[float, str]] = (),
        changing: Sequence[tuple[float, float, Mobject]] = (),
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
        changing: Sequence[tuple[float, float, Mobject]],
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
