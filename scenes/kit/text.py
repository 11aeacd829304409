"""Text through Pango (no LaTeX), and a cache for text that changes while a scene plays."""

from __future__ import annotations

import contextlib
from collections.abc import Iterator

from manim import Text, config

from .theme import FONT

try:
    import fcntl
except ImportError:  # Windows: no flock; renders there must not share a media folder
    fcntl = None


@contextlib.contextmanager
def text_cache_lock() -> Iterator[None]:
    """Manim caches each text as media/texts/<hash>.svg and reads a cached file as soon as it
    exists; another render writing that file at the same moment hands it a half-written SVG.
    Holding a lock while a Text is built lets renders share one media folder."""
    if fcntl is None:
        yield
        return
    folder = config.get_dir("text_dir")
    folder.mkdir(parents=True, exist_ok=True)
    with open(folder / ".lock", "a") as lock:
        fcntl.flock(lock, fcntl.LOCK_EX)
        try:
            yield
        finally:
            fcntl.flock(lock, fcntl.LOCK_UN)


def text(content: str, size: float, color, *, bold: bool = False, **kwargs) -> Text:
    with text_cache_lock():
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
