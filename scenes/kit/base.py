"""What every scene starts from: settings, theme, the selected runs, title and source line."""

from __future__ import annotations

from manim import Scene, VGroup

from extract.errors import StoreError
from extract.model import Run
from extract.sample import load_default_runs

from .frame import source_line, title
from .settings import Settings, load_settings
from .theme import THEMES, Theme


class StudyScene(Scene):
    """A scene about the runs of one store. Subclasses name the history keys they draw."""

    settings: Settings
    theme: Theme
    runs: list[Run]

    def history_keys(self, settings: Settings) -> list[str]:
        return []

    def setup(self) -> None:
        self.settings = load_settings()
        self.theme = THEMES[self.settings.theme]
        self.camera.background_color = self.theme.background
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
