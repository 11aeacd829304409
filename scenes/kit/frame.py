"""The parts every scene's frame has: a title, and a source line saying where numbers came from."""

from __future__ import annotations

from manim import DL, DOWN, LEFT, UL, VGroup, VMobject

from .clock import widest_reading
from .text import text
from .theme import MIN_TEXT_SIZE, SOURCE_SIZE, TITLE_SIZE, Theme, safe_box

SEPARATOR = "  \u00b7  "  # between the parts of study.view.source_text


CLOCK_GAP = 0.3  # between a title and the clock's widest time below its end
SMALLEST_TITLE = 24  # a title shrinks to this before it takes two lines


def title(content: str, theme: Theme, *, beside_clock: bool = True) -> VMobject:
    """Top left, on one line left of the clock; a long title (long cluster and laptop names)
    gets smaller down to SMALLEST_TITLE, then breaks in two lines at its middle's nearest
    " vs ", colon or space."""
    left, right, _, top = safe_box()
    # the top right is the clock's: its time, at its widest, sits under a title's end
    room = right - left - (widest_reading() + CLOCK_GAP if beside_clock else 0.0)
    mob: VMobject = text(content, TITLE_SIZE, theme.foreground, bold=True)
    if mob.width > room:
        mob.scale(max(room / mob.width, SMALLEST_TITLE / TITLE_SIZE))
    if mob.width > room + 1e-6:
        lines = _halves(content)
        mob = VGroup(*(text(line, SMALLEST_TITLE, theme.foreground, bold=True) for line in lines))
        mob.arrange(DOWN, aligned_edge=LEFT, buff=0.08)
        if mob.width > room:
            mob.scale(max(room / mob.width, MIN_TEXT_SIZE / SMALLEST_TITLE))
    return mob.move_to([left, top, 0], aligned_edge=UL)


def _halves(content: str) -> list[str]:
    middle = len(content) / 2
    for mark in (" vs ", ": ", " "):
        breaks = [i for i in range(len(content)) if content.startswith(mark, i)]
        if breaks:
            at = min(breaks, key=lambda i: abs(i - middle))
            cut = at + len(mark.rstrip()) if mark != " vs " else at
            return [content[:cut].strip(), content[cut:].strip()]
    return [content]


def source_line(content: str, theme: Theme) -> VMobject:
    """Small print at the bottom: where the numbers came from (see study.view.source_text).
    Too long for one line, it breaks between its parts (" · ") into two, at its size."""
    left, right, bottom, _ = safe_box()
    mob: VMobject = text(content, SOURCE_SIZE, theme.muted)
    parts = content.split(SEPARATOR)
    if mob.width > right - left and len(parts) > 1:
        # the break that makes the longer of the two lines shortest
        cut = min(
            range(1, len(parts)),
            key=lambda k: max(len(SEPARATOR.join(parts[:k])), len(SEPARATOR.join(parts[k:]))),
        )
        lines = [SEPARATOR.join(parts[:cut]), SEPARATOR.join(parts[cut:])]
        mob = VGroup(*(text(line, SOURCE_SIZE, theme.muted) for line in lines))
        mob.arrange(DOWN, aligned_edge=LEFT, buff=0.06)
    if mob.width > right - left:
        mob.scale(max((right - left) / mob.width, MIN_TEXT_SIZE / SOURCE_SIZE))
    return mob.move_to([left, bottom, 0], aligned_edge=DL)
