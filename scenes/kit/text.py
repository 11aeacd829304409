"""Text through Pango (no LaTeX), and a cache for text that changes while a scene plays."""

from __future__ import annotations

from manim import Text

from .theme import FONT


def text(content: str, size: float, color, *, bold: bool = False, **kwargs) -> Text:
    return Text(
        content,
        font=FONT,
        font_size=size,
        color=color,
        weight="BOLD" if bold else "NORMAL",
        **kwargs,
    )


class TextCache:
    """Builds each distinct string once: a clock redrawn every frame repeats its strings, and
    building a Text costs milliseconds."""

    def __init__(self, size: float, color, *, bold: bool = False) -> None:
        self.size, self.color, self.bold = size, color, bold
        self._built: dict[str, Text] = {}

    def get(self, content: str) -> Text:
        if content not in self._built:
            self._built[content] = text(content, self.size, self.color, bold=self.bold)
        return self._built[content]
