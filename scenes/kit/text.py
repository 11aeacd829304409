"""Text through Pango (no LaTeX), and the cheap forms of text drawn every frame."""

from __future__ import annotations

import contextlib
from collections import OrderedDict
from collections.abc import Iterator
from dataclasses import dataclass
from typing import Any

import numpy as np
from manim import ManimColor, ParsableManimColor, Text, VGroup, VMobject

from .manim_compat import draw_as_one_shape, glyphs_of, text_cache_dir
from .theme import FONT

try:
    import fcntl
except ImportError:  # Windows: no flock; renders there must not share a media folder
    fcntl = None  # type: ignore[assignment]


@contextlib.contextmanager
def text_cache_lock() -> Iterator[None]:
    """Manim caches each text as media/texts/<hash>.svg and reads a cached file as soon as it
    exists; another render writing that file at the same moment hands it a half-written SVG.
    Holding a lock while a Text is built lets renders share one media folder."""
    if fcntl is None:
        yield
        return
    folder = text_cache_dir()
    folder.mkdir(parents=True, exist_ok=True)
    with open(folder / ".lock", "a") as lock:
        fcntl.flock(lock, fcntl.LOCK_EX)
        try:
            yield
        finally:
            fcntl.flock(lock, fcntl.LOCK_UN)


# Texts built in this process, by everything that shapes them, for a process that runs many
# scenes (tests' probe workers: keep_built_texts()). A Text costs Pango, an SVG file and its
# parsing (~60 ms); a copy of one built before costs half that (Manim copies deeply). One render
# builds most of its texts once (65 of 73 in CostOfSpeed), so there building is cheaper than
# building and copying: the cache is off unless asked for.
_BUILT: OrderedDict[tuple[object, ...], Text] = OrderedDict()
_BUILT_LIMIT = 1024
_KEEP = False


def keep_built_texts() -> None:
    """Keep every text this process builds and hand out copies: for a process that runs many
    scenes (a second scene's texts are then nearly free)."""
    global _KEEP
    _KEEP = True


def text(
    content: str, size: float, color: ParsableManimColor, *, bold: bool = False, **kwargs: Any
) -> Text:
    if not _KEEP:
        with text_cache_lock():
            return Text(
                content,
                font=FONT,
                font_size=size,
                color=color,
                weight="BOLD" if bold else "NORMAL",
                **kwargs,
            )
    key = (content, size, ManimColor(color).to_hex(with_alpha=True), bold,
           tuple(sorted((name, repr(value)) for name, value in kwargs.items())))  # fmt: skip
    built = _BUILT.get(key)
    if built is None:
        with text_cache_lock():
            built = Text(
                content,
                font=FONT,
                font_size=size,
                color=color,
                weight="BOLD" if bold else "NORMAL",
                **kwargs,
            )
        _BUILT[key] = built
        if len(_BUILT) > _BUILT_LIMIT:
            _BUILT.popitem(last=False)
    else:
        _BUILT.move_to_end(key)
    return built.copy()


def merge_glyphs(mob: Text) -> Text:
    """Draw a Text as one shape instead of one per character (same outlines, same pixels)."""
    return draw_as_one_shape(mob)


@dataclass(frozen=True)
class _Glyph:
    outline: np.ndarray  # points with the pen at the origin on the baseline; empty for a space
    advance: float


class GlyphText(VGroup):
    """One line of text that changes every frame (a clock readout), set from glyphs built once
    per character. A new Text per frame costs Pango, an SVG file and its parsing (tens of ms);
    placing cached glyph outlines costs well under one. Digits have equal advances: nothing
    jitters. The line is one shape whose points change, so Manim's list of moving mobjects,
    fixed when a play starts, stays right."""

    def __init__(self, size: float, color: ParsableManimColor, *, bold: bool = False) -> None:
        self.shape = VMobject()
        super().__init__(self.shape)
        self.font_size = size
        self.original_text = ""
        self._style = (size, color, bold)
        self._glyphs: dict[str, _Glyph] = {}
        self._zero_advance: float | None = None

    def _probe(self, content: str) -> Text:
        size, color, bold = self._style
        return text(content, size, color, bold=bold)

    def _glyph(self, char: str) -> _Glyph:
        if char not in self._glyphs:
            if self._zero_advance is None:
                pair = glyphs_of(self._probe("00"))
                self._zero_advance = pair[1].get_left()[0] - pair[0].get_left()[0]
                self.shape.match_style(pair[0])
            # the character between two zeros: its outline and where the next character starts
            glyphs = glyphs_of(self._probe(f"0{char}0"))
            first, after = glyphs[0], glyphs[-1]
            pen = first.get_left()[0] + self._zero_advance
            origin = np.array([pen, first.get_bottom()[1], 0.0])
            outline = glyphs[1].points - origin if len(glyphs) == 3 else np.zeros((0, 3))
            self._glyphs[char] = _Glyph(outline, after.get_left()[0] - pen)
        return self._glyphs[char]

    def set_text(self, content: str) -> GlyphText:
        anchor = self.get_corner([-1, -1, 0]) if self.original_text else np.zeros(3)
        outlines, pen = [], 0.0
        for char in content:
            glyph = self._glyph(char)
            outlines.append(glyph.outline + [pen, 0.0, 0.0])
            pen += glyph.advance
        self.shape.points = np.concatenate(outlines) if outlines else np.zeros((0, 3))
        self.original_text = content
        if len(self.shape.points):
            self.shift(np.asarray(anchor) - np.asarray(self.get_corner([-1, -1, 0])))
        return self
