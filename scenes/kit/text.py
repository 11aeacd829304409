"""Text through Pango (no LaTeX), and the cheap forms of text drawn every frame."""

from __future__ import annotations

import contextlib
import hashlib
import os
import threading
from collections import OrderedDict
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np
from manim import WHITE, ManimColor, ParsableManimColor, Text, VGroup, VMobject

from .manim_compat import (
    SAVED_MOBJECT_FORMAT,
    draw_as_one_shape,
    glyphs_of,
    lightened,
    loaded_mobject,
    saved_mobject,
    text_cache_dir,
)
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


# Every Text built is kept as a file beside Manim's own text cache (media/texts): Pango, the SVG
# file and its parsing cost ~60 ms a text, loading a kept one a few ms (a deep copy costs as much
# as building). Renders of one study share most texts (a scene's video, its slides, its still,
# its overlay), so only the first render of a text pays for it. Kept in memory too, as bytes:
# each call hands out a Text of its own that the caller may change.
_KEPT: OrderedDict[str, bytes] = OrderedDict()
_KEPT_LIMIT = 512  # ~45 kB each
# a folder of kept texts shared by renders with media folders of their own (the test suite)
KEPT_TEXTS_ENV = "LUMI_TEXT_CACHE"


def _kept_folder() -> Path:
    named = os.environ.get(KEPT_TEXTS_ENV)
    return Path(named) if named else text_cache_dir()


def _kept_name(content: str, size: float, color: ParsableManimColor, bold: bool,
               kwargs: dict[str, Any]) -> str:  # fmt: skip
    shaped_by = (content, float(size), ManimColor(color).to_hex(with_alpha=True), bold, FONT,
                 sorted((name, repr(value)) for name, value in kwargs.items()),
                 SAVED_MOBJECT_FORMAT)  # fmt: skip
    return hashlib.sha256(repr(shaped_by).encode()).hexdigest()[:40] + ".text"


def _keep(path: Path, saved: bytes) -> None:
    """Write so that no render ever reads half a file: a new name, then one rename."""
    with contextlib.suppress(OSError):  # a read-only media folder: the text is built each time
        path.parent.mkdir(parents=True, exist_ok=True)
        partial = path.with_name(f"{path.name}.{os.getpid()}.{threading.get_ident()}.partial")
        partial.write_bytes(saved)
        os.replace(partial, path)


def _loaded(saved: bytes) -> Text | None:
    try:
        mob = loaded_mobject(saved)
    except ValueError:
        return None
    return mob if isinstance(mob, Text) else None


def text(
    content: str, size: float, color: ParsableManimColor, *, bold: bool = False, **kwargs: Any
) -> Text:
    # An opaque colour only fills the glyphs: the shapes are kept in white and filled on the
    # way out, so a text in another colour or theme is not built again (a Text built in a
    # colour is its white one with its glyphs filled so: tests/test_text_cache.py)
    recolored = not kwargs and ManimColor(color).to_rgba()[3] == 1
    shaped_in = WHITE if recolored else color
    shaped = _shaped(content, size, shaped_in, bold, kwargs)
    if recolored and ManimColor(color) != ManimColor(shaped_in):
        for glyph in shaped.get_family()[1:]:
            glyph.set_fill(color)
    return shaped


def _shaped(
    content: str, size: float, color: ParsableManimColor, bold: bool, kwargs: dict[str, Any]
) -> Text:
    name = _kept_name(content, size, color, bold, kwargs)
    saved = _KEPT.get(name)
    if saved is None:
        path = _kept_folder() / name
        with contextlib.suppress(OSError):
            saved = path.read_bytes()
    if saved is not None and (kept := _loaded(saved)) is not None:
        _KEPT[name] = saved
        _KEPT.move_to_end(name)
        return kept
    with text_cache_lock():
        built = Text(
            content,
            font=FONT,
            font_size=size,
            color=color,
            weight="BOLD" if bold else "NORMAL",
            **kwargs,
        )
    lightened(built)  # what only building needed: every copy of it in a scene is cheap
    saved = saved_mobject(built)
    _keep(_kept_folder() / name, saved)
    _KEPT[name] = saved
    if len(_KEPT) > _KEPT_LIMIT:
        _KEPT.popitem(last=False)
    return built


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
