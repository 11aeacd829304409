"""A boxed closing statement, built from lines of (text, size, colour, bold)."""

from __future__ import annotations

import math
import re
import textwrap
from collections.abc import Mapping

from manim import DOWN, LEFT, RIGHT, ParsableManimColor, RoundedRectangle, VGroup, VMobject

from .marks import panel
from .text import text
from .theme import MIN_TEXT_SIZE, Theme

CalloutLine = tuple[str, float, object, bool]


PADDING = 0.8  # the box is this much wider than its text
SMALLEST_SHARE = 0.8  # a callout's text shrinks to this share of its size before lines break
PREFIX_GAP = 0.15  # between a line's prefix and the line


def callout_padding() -> float:
    return PADDING


def callout(
    lines: list[CalloutLine],
    theme: Theme,
    *,
    max_width: float,
    prefixes: Mapping[int, CalloutLine] | None = None,
) -> VGroup:
    """The lines centred on a box, the text at most ``max_width`` wide. Too wide, every line
    gets smaller together, down to SMALLEST_SHARE of its size (and never below
    MIN_TEXT_SIZE); lines still too wide then break in two at their middle's nearest colon,
    comma or space. A line is never shrunk alone, but for a line with a prefix: ``prefixes``, a
    smaller text drawn before a line on its baseline ("up to" before a headline figure), by the
    line's index; such a line stays one line, made smaller alone where it does not fit."""
    prefixes = prefixes or {}

    def lead(index: int, share: float) -> VMobject | None:
        if index not in prefixes:
            return None
        content, size, color, bold = prefixes[index]
        return text(content, size * share, color, bold=bold)

    def width(index: int, line: CalloutLine) -> float:
        content, size, color, bold = line
        before = lead(index, 1.0)
        extra = before.width + PREFIX_GAP if before is not None else 0.0
        return text(content, size, color, bold=bold).width + extra

    widest = max(width(index, line) for index, line in enumerate(lines))
    smallest = min(size for _, size, _, _ in [*lines, *prefixes.values()])
    # font sizes read back from drawn heights wobble by a few hundredths: stay clear
    floor = max(SMALLEST_SHARE, (MIN_TEXT_SIZE + 0.2) / smallest)
    # text widths are not quite proportional to size (hinting): 2% to spare
    share = min(1.0, max(floor, 0.98 * max_width / widest))
    body = VGroup()
    for index, (content, size, color, bold) in enumerate(lines):
        before = lead(index, share)
        if before is None:
            body.add(
                callout_lines(content, size * share, color, max_width, bold=bold, centred=True)
            )
            continue
        # a prefixed line (a headline figure) stays one line beside its prefix: where it does
        # not fit, it alone is made smaller, never below its prefix
        room = max_width - before.width - PREFIX_GAP * share
        whole = text(content, size * share, color, bold=bold)
        fitted = max(prefixes[index][1] * share, size * share * min(1.0, 0.98 * room / whole.width))
        drawn = text(content, fitted, color, bold=bold)
        body.add(VGroup(before, drawn).arrange(RIGHT, buff=PREFIX_GAP * share, aligned_edge=DOWN))
    body.arrange(DOWN, buff=0.18)
    box = callout_box(body, theme)
    panel(box[0])
    return box


def callout_lines(
    content: str,
    size: float,
    color: ParsableManimColor,
    max_width: float,
    *,
    bold: bool = False,
    centred: bool = False,
) -> VGroup:
    """``content`` in as few lines as keep it at most ``max_width`` wide, of balanced
    lengths, broken at spaces (a word wider than that stays whole)."""
    whole = text(content, size, color, bold=bold)
    original = content
    # a number and its unit stay on one line ("54–76 h", "3.3 min", "6 epochs"): joined by a
    # no-break space, which textwrap does not break at, and given back as a space below
    content = re.sub(
        r"(\d)\s+(?=(?:h|min|s|ms|d|GPUs?|nodes?|epochs?|cores|threads)\b)", "\\1\u00a0", content
    )
    # and a sign stays with the number it qualifies ("≥ 120%", "~ 3 h")
    content = re.sub(r"([\u2265\u2264\u2248~<>])\s+(?=\d)", "\\1\u00a0", content)
    parts = [content]
    aside = content.rfind(" (")
    if whole.width > max_width and aside > 0:
        # a parenthesis is an aside: broken before it, a name keeps its value on one line
        # ("Laptop: 54–76 h" over "(estimated)")
        halves = [content[:aside], content[aside + 1 :]]
        if max(text(h, size, color, bold=bold).width for h in halves) <= max_width:
            parts = halves
    if whole.width > max_width and parts == [content]:
        # as few lines as fit, balanced: no word left alone on the last line
        lines = math.ceil(whole.width / max_width)
        per_line = math.ceil(len(content) / lines)
        for chars in range(per_line, len(content) + 1):
            parts = textwrap.wrap(content, chars, break_long_words=False) or [content]
            if len(parts) > lines:
                continue
            if max(text(p, size, color, bold=bold).width for p in parts) <= max_width:
                break
            lines += 1
            per_line = math.ceil(len(content) / lines)
            parts = textwrap.wrap(content, per_line, break_long_words=False) or [content]
            if max(text(p, size, color, bold=bold).width for p in parts) <= max_width:
                break
    parts = [part.replace("\u00a0", " ") for part in parts] if parts != [content] else [original]
    line = VGroup(*(text(part, size, color, bold=bold) for part in parts))
    if centred:
        return line.arrange(DOWN, buff=0.08)
    return line.arrange(DOWN, buff=0.08, aligned_edge=LEFT)


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
