"""A boxed closing statement, built from lines of (text, size, colour, bold)."""

from __future__ import annotations

from manim import DOWN, RoundedRectangle, VGroup

from .text import text
from .theme import Theme

CalloutLine = tuple[str, float, object, bool]


def callout(lines: list[CalloutLine], theme: Theme, *, max_width: float) -> VGroup:
    body = VGroup(*(text(content, size, color, bold=bold) for content, size, color, bold in lines))
    for line in body:
        if line.width > max_width:  # shrink only the line that is too long
            line.scale_to_fit_width(max_width)
    body.arrange(DOWN, buff=0.18)
    return callout_box(body, theme)


def callout_box(body: VGroup, theme: Theme) -> VGroup:
    """``body`` on an opaque rounded panel, so nothing behind it shows through."""
    box = RoundedRectangle(
        corner_radius=0.18,
        width=body.width + 0.8,
        height=body.height + 0.6,
        stroke_color=theme.faint,
        stroke_width=2,
        fill_color=theme.background,
        fill_opacity=1,
    ).move_to(body)
    return VGroup(box, body)
