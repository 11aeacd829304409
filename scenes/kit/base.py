"""What every scene starts from: settings, theme, the selected runs, title and source line."""

from __future__ import annotations

from collections.abc import Sequence
from functools import partial
from typing import Any

from manim import (
    FadeIn,
    FadeOut,
    ManimColor,
    Mobject,
    Rectangle,
    Scene,
    VGroup,
    config,
)

from extract.errors import InputError
from extract.model import Run
from extract.studyfile import StudyFile
from study.settings import Settings
from study.view import EVERY_MEASURE, Measure, StudyView, source_text

from .frame import source_line, title
from .run import rendered, start_poster, view_for
from .theme import THEMES, Theme

VEIL_Z = 1000  # above everything a scene draws
# every scene opens with the same fade and ends on the same hold (its poster, its still)
INTRO_SECONDS = 1.0
HOLD_SECONDS = 3.0


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
    # what the scene draws of the runs' histories: only that is read of a store (a million
    # rows of a key it does not draw stay on disk); every scene reads the accuracy besides
    reads: frozenset[Measure] = EVERY_MEASURE

    def __init__(self, *args: Any, view: StudyView | None = None, **kwargs: Any) -> None:
        self._given_view = view
        super().__init__(*args, **kwargs)

    def begin_part(self, notes: str) -> None:
        """A part of the story begins here: a slide deck waits for the presenter at this point
        and shows ``notes`` (the figures of this part, from the data) as its speaker notes."""
        self.parts.append(notes)

    def setup(self) -> None:
        self.parts: list[str] = []
        self.view = view = self._given_view = view_for(self._given_view, self.reads)
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

    def tear_down(self) -> None:
        # every frame is drawn: the poster is written while the writer encodes the hold
        super().tear_down()
        start_poster(self)

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
        if not mobjects:
            # nothing to fade in (a chart whose data arrives later): the opening is a hold, and
            # Manim refuses a play of no animations
            self.wait(run_time)
            return
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
