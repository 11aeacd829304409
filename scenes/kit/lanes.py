"""Horizontal lanes, one per run: the layout ProgressRace and TrainingComparison share.

Labels are one size for every lane. A label column too narrow for them grows (the bars get
shorter) up to MAX_LABEL_RIGHT; labels still too long are broken in two lines where the lanes
are tall enough, then every label gets smaller together down to MIN_TEXT_SIZE, and only then is
a label cut with an ellipsis. A label is never shrunk alone.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

from manim import DOWN, RIGHT, DashedVMobject, ParsableManimColor, Rectangle, VGroup, VMobject

from .text import text
from .theme import LABEL_SIZE, MIN_TEXT_SIZE, safe_box

LANES_TOP, LANES_BOTTOM = 2.7, -1.7  # the band the lanes share, edges of the outer bars
LABEL_RIGHT = -3.55  # labels end here at least; bars start LABEL_GAP to the right
MAX_LABEL_RIGHT = -1.55  # the label column grows to here before labels wrap or shrink
LABEL_GAP = 0.25
MAX_PITCH = 0.5
LINE_SPACING = 0.04
ELLIPSIS = "\u2026"
SMALLEST_SHARE = 0.8  # labels shrink together to this share of their size, then are cut


@dataclass(frozen=True)
class LaneGeometry:
    """Lane centres, bar height, and the labels' size, lines and column for n lanes."""

    pitch: float
    top_y: float
    count: int
    label_size: float = LABEL_SIZE
    label_right: float = LABEL_RIGHT
    lines: tuple[tuple[str, ...], ...] = ()  # each lane's label, as the lines it is drawn in

    @classmethod
    def for_lanes(cls, count: int, labels: Sequence[str] = ()) -> LaneGeometry:
        pitch = min(MAX_PITCH, (LANES_TOP - LANES_BOTTOM) / max(1, count))
        middle = (LANES_TOP + LANES_BOTTOM) / 2
        top_y = middle + pitch * (count - 1) / 2
        largest = max(MIN_TEXT_SIZE, min(LABEL_SIZE, 60 * pitch))
        size, lines, right = _fit_labels(list(labels), largest, pitch)
        return cls(pitch, top_y, count, size, right, lines)

    @property
    def bar_height(self) -> float:
        return 0.6 * self.pitch

    @property
    def track_left(self) -> float:
        """Where bars start: right of the label column."""
        return self.label_right + LABEL_GAP

    @property
    def middle_y(self) -> float:
        return self.top_y - self.pitch * (self.count - 1) / 2

    def y(self, index: int) -> float:
        return self.top_y - index * self.pitch


# A text's width and height are its size's multiples (Pango lays out outlines: within 0.02% from
# 24 to 30 here), so a label is measured at one size while the fit tries others: each label is
# built once to measure, not once per size tried (7 sizes for long labels, 60 ms each).
def _width(content: str, size: float) -> float:
    return float(text(content, LABEL_SIZE, "#FFFFFF").width) * size / LABEL_SIZE


def _line_height(size: float) -> float:
    return float(text("Hg", LABEL_SIZE, "#FFFFFF").height) * size / LABEL_SIZE


def split_label(content: str) -> tuple[str, ...]:
    """Two lines from one label: broken after the comma, or before the parenthesis, nearest
    its middle ("64 GPUs, 8 nodes" / "(best of 3)"), else at the space nearest the middle."""
    middle = len(content) / 2
    breaks = [i + 1 for i, c in enumerate(content) if c == "," and content[i + 1 : i + 2] == " "]
    breaks += [i for i, c in enumerate(content) if c == "(" and i > 0]
    if not breaks:
        breaks = [i for i, c in enumerate(content) if c == " "]
    if not breaks:
        return (content,)
    at = min(breaks, key=lambda i: abs(i - middle))
    first, second = content[:at].rstrip(), content[at:].strip()
    return (first, second) if first and second else (content,)


def ellipsized(content: str, size: float, room: float) -> str:
    """``content`` cut at a word with an ellipsis until it fits ``room`` at ``size``."""
    words = content.split(" ")
    while len(words) > 1 and _width(" ".join(words) + ELLIPSIS, size) > room:
        words.pop()
    cut = " ".join(words).rstrip(",;:(") + ELLIPSIS
    while len(cut) > 2 and _width(cut, size) > room:
        cut = cut[:-2].rstrip() + ELLIPSIS
    return cut


def _fit_labels(
    labels: list[str], largest: float, pitch: float
) -> tuple[float, tuple[tuple[str, ...], ...], float]:
    """(size, lines of each label, right edge of the label column)."""
    left = safe_box()[0]
    room = MAX_LABEL_RIGHT - left
    if not labels:
        return largest, (), LABEL_RIGHT
    size = largest
    # every label smaller together, but not so small that a lane's text gets hard to read
    floor = max(MIN_TEXT_SIZE, SMALLEST_SHARE * largest)
    while True:
        for wrap in (False, True):
            if wrap and 2 * _line_height(size) + LINE_SPACING > 0.95 * pitch:
                continue
            lines = tuple(
                split_label(label) if wrap and _width(label, size) > room else (label,)
                for label in labels
            )
            widest = max(_width(line, size) for parts in lines for line in parts)
            if widest <= room:
                return size, lines, max(LABEL_RIGHT, left + widest)
        if size <= floor:
            break
        size = max(floor, size - 1)
    lines = tuple(
        (label,) if _width(label, size) <= room else (ellipsized(label, size, room),)
        for label in labels
    )
    return size, lines, MAX_LABEL_RIGHT


def lane_label(
    content: str, geometry: LaneGeometry, index: int, color: ParsableManimColor
) -> VMobject:
    """A run's label, right-aligned before its bar, in the lines the geometry chose for it."""
    parts = geometry.lines[index] if index < len(geometry.lines) else (content,)
    label = VGroup(*(text(line, geometry.label_size, color) for line in parts))
    label.arrange(DOWN, aligned_edge=RIGHT, buff=LINE_SPACING)
    return label.move_to([geometry.label_right, geometry.y(index), 0], aligned_edge=RIGHT)


def set_bar(bar: VMobject, x0: float, x1: float, y: float, height: float) -> None:
    """Reshape ``bar`` in place (cheap enough to run every frame)."""
    half = height / 2
    x1 = max(x1, x0 + 1e-4)
    corners = [[x0, y - half, 0], [x1, y - half, 0], [x1, y + half, 0], [x0, y + half, 0]]
    bar.set_points_as_corners([*corners, corners[0]])


def estimate_bar(color: ParsableManimColor) -> VMobject:
    """The estimated part of a run's bar, lighter than the measured part (shaped by set_bar)."""
    return VMobject(fill_color=color, fill_opacity=0.38, stroke_width=0)


def estimate_outline(
    x0: float, x1: float, y: float, height: float, color: ParsableManimColor, dashes: int
) -> DashedVMobject:
    """The dashed outline of a bar's estimated part, from ``x0`` to ``x1``: where the bar will
    end, drawn before it gets there. At least a sliver wide, never an empty box."""
    outline = Rectangle(
        width=max(x1 - x0, 0.01), height=height, stroke_color=color, stroke_width=2, fill_opacity=0
    ).move_to([(x0 + x1) / 2, y, 0])
    return DashedVMobject(outline, num_dashes=dashes, dashed_ratio=0.55)
