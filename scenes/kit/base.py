"""What every scene starts from: settings, theme, the selected runs, title and source line."""

from __future__ import annotations

import os
import sys
from collections.abc import Callable, Sequence
from pathlib import Path

from manim import ManimColor, Scene, ValueTracker, VGroup, linear

from extract.errors import InputError, StoreError
from extract.model import Run
from extract.sample import load_default_runs

from .clock import LogClock
from .frame import source_line, title
from .output import move_index_to_front, write_poster
from .settings import Settings, load_settings
from .theme import THEMES, Theme


class StudyScene(Scene):
    """A scene about the runs of one store. Subclasses name the history keys they draw."""

    settings: Settings
    theme: Theme
    runs: list[Run]
    # slide decks (scenes/deck) stop at every part; a video plays straight through
    stops_at_parts = False

    def begin_part(self, notes: str) -> None:
        """A part of the story begins here: a slide deck waits for the presenter at this point
        and shows ``notes`` (the figures of this part, from the data) as its speaker notes."""
        self.parts.append(notes)

    def history_keys(self, settings: Settings) -> list[str]:
        return []

    def setup(self) -> None:
        self.parts: list[str] = []
        self._finish_videos_when_written()
        try:
            self._load()
        except InputError as error:
            if os.environ.get("LUMI_DEBUG"):
                raise
            # before any frame is drawn: one line and exit status 2, not manim's traceback
            print(f"error: {error.one_line()}", file=sys.stderr)
            raise SystemExit(2) from None

    def _finish_videos_when_written(self) -> None:
        writer = getattr(self.renderer, "file_writer", None)
        if writer is None:
            return
        combine = writer.combine_to_movie

        def combine_then_finish() -> None:
            combine()
            movie = Path(writer.movie_file_path)
            if movie.suffix == ".mp4" and movie.exists():
                move_index_to_front(movie)
                write_poster(self.renderer.get_frame(), movie.with_suffix(".png"))

        writer.combine_to_movie = combine_then_finish

    def _load(self) -> None:
        self.settings = load_settings()
        self.theme = THEMES[self.settings.theme]
        self.camera.background_color = ManimColor(self.theme.background)
        self.store, stored = load_default_runs(columns=self.history_keys(self.settings))
        self.runs = self.settings.select(stored)
        if not self.runs:
            raise StoreError("no runs left after include_runs/exclude_runs", path=self.store)

    def frame_parts(
        self, title_template: str, runs: list[Run] | None = None, *, histories: bool = True
    ) -> VGroup:
        """Title (from the settings' template) and the source line for ``runs``; ``histories``
        says whether the scene draws logged histories (so their reconstruction is mentioned)."""
        shown = self.runs if runs is None else runs
        return VGroup(
            title(self.settings.title(title_template), self.theme),
            source_line(self.store, shown, self.theme, histories=histories),
        )

    def play_clock(
        self,
        moving: VGroup,
        clock: LogClock,
        draw: Callable[[float, float], None],
        run_time: float,
        parts: Sequence[tuple[float, str]] = (),
    ) -> None:
        """Run the clock from 0 to its end over ``run_time`` seconds, calling
        ``draw(share, wall_time_s)`` every frame. ``moving`` must hold every mobject ``draw``
        changes: Manim draws the rest as a static background. ``parts`` are (share of the
        clock, notes) where a new part of the story begins (see ``begin_part``)."""
        tracker = ValueTracker(0.0)

        def update(_mob: VGroup) -> None:
            share = tracker.get_value()
            draw(share, clock.wall_time(share))

        moving.add_updater(update)
        if not self.stops_at_parts:
            self.parts.extend(notes for _, notes in parts)
            self.play(tracker.animate.set_value(1.0), run_time=run_time, rate_func=linear)
        else:
            # linear, so cutting the run at the part boundaries keeps every frame's time
            begun = 0.0
            for share, notes in [*sorted(parts), (1.0, None)]:
                share = min(max(share, begun), 1.0)
                if (share - begun) * run_time > 1e-3:
                    self.play(
                        tracker.animate.set_value(share),
                        run_time=(share - begun) * run_time,
                        rate_func=linear,
                    )
                    begun = share
                if notes is not None:
                    self.begin_part(notes)
        moving.clear_updaters()
