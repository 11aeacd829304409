"""A boxed closing statement, built from lines of (text, size, colour, bold)."""

from __future__ import annotations

from manim import DOWN, RoundedRectangle, VGroup

from .marks import panel
from .text import text
from .theme import MIN_TEXT_SIZE, Theme

CalloutLine = tuple[str, float, object, bool]


PADDING = 0.8  # the box is this much wider than its text
SMALLEST_SHARE = 0.8  # a callout's text shrinks to this share of its size before lines break


def callout_padding() -> float:
    return PADDING


def callout(lines: list[CalloutLine], theme: Theme, *, max_width: float) -> VGroup:
    """The lines centred on a box, the text at most ``max_width`` wide. Too wide, every line
    gets smaller together, down to SMALLEST_SHARE of its size (and never below
    MIN_TEXT_SIZE); lines still too wide then break in two at their middle's nearest colon,
    comma or space. A line is never shrunk alone."""
    widest = max(text(c, size, color, bold=bold).width for c, size, color, bold in lines)
    smallest = min(size for _, size, _, _ in lines)
    # font sizes read back from drawn heights wobble by a few hundredths: stay clear
    floor = max(SMALLEST_SHARE, (MIN_TEXT_SIZE + 0.2) / smallest)
    # text widths are not quite proportional to size (hinting): 2% to spare
    share = min(1.0, max(floor, 0.98 * max_width / widest))
    body = VGroup()
    for content, size, color, bold in lines:
        scaled = size * share
        parts = [content]
        while max(text(p, scaled, color, bold=bold).width for p in parts) > max_width:
            longest = max(parts, key=len)
            halves = _split(longest)
            if len(halves) == 1:
                break
            at = parts.index(longest)
            parts[at : at + 1] = halves
        line = VGroup(*(text(part, scaled, color, bold=bold) for part in parts))
        body.add(line.arrange(DOWN, buff=0.08))
    body.arrange(DOWN, buff=0.18)
    box = callout_box(body, theme)
    panel(box[0])
    return box


def _split(content: str) -> list[str]:
    """Two lines: after the colon, else after the comma, nearest the middle, else at the space
    nearest the middle."""
    middle = len(content) / 2
    for marks in (":", ","):
        breaks = [
            i + 1 for i, c in enumerate(content) if c in marks and content[i + 1 : i + 2] == " "
        ]
        if breaks:
            break
    else:
        breaks = [i for i, c in enumerate(content) if c == " "]
    if not breaks:
        return [content]
    at = min(breaks, key=lambda i: abs(i - middle))
    return [content[:at].strip(), content[at:].strip()]


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
