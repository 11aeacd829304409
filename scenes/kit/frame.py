"""The parts every scene's frame has: a title, and a source line saying where numbers came from."""

from __future__ import annotations

from manim import DL, UL, VMobject

from .text import text
from .theme import SOURCE_SIZE, TITLE_SIZE, Theme, safe_box


def title(content: str, theme: Theme) -> VMobject:
    left, _, _, top = safe_box()
    mob = text(content, TITLE_SIZE, theme.foreground, bold=True)
    return mob.move_to([left, top, 0], aligned_edge=UL)


def source_line(content: str, theme: Theme) -> VMobject:
    """Small print at the bottom: where the numbers came from (see study.view.source_text)."""
    left, right, bottom, _ = safe_box()
    mob = text(content, SOURCE_SIZE, theme.muted)
    if mob.width > right - left:
        mob.scale_to_fit_width(right - left)
    return mob.move_to([left, bottom, 0], aligned_edge=DL)
