"""Horizontal lanes, one per run: the layout ProgressRace and TrainingComparison share."""

from __future__ import annotations

from dataclasses import dataclass

from manim import RIGHT, VMobject

from .text import text
from .theme import LABEL_SIZE, safe_box

LANES_TOP, LANES_BOTTOM = 2.7, -1.7  # the band the lanes share, edges of the outer bars
LABEL_RIGHT = -3.55  # labels end here; bars start at LABEL_RIGHT + 0.25
MAX_PITCH = 0.5


@dataclass(frozen=True)
class LaneGeometry:
    """Lane centres, bar height and label size for n lanes in the band."""

    pitch: float
    top_y: float
    count: int

    @classmethod
    def for_lanes(cls, count: int) -> LaneGeometry:
        pitch = min(MAX_PITCH, (LANES_TOP - LANES_BOTTOM) / max(1, count))
        middle = (LANES_TOP + LANES_BOTTOM) / 2
        return cls(pitch=pitch, top_y=middle + pitch * (count - 1) / 2, count=count)

    @property
    def bar_height(self) -> float:
        return 0.6 * self.pitch

    @property
    def label_size(self) -> float:
        return min(LABEL_SIZE, 60 * self.pitch)

    @property
    def middle_y(self) -> float:
        return self.top_y - self.pitch * (self.count - 1) / 2

    def y(self, index: int) -> float:
        return self.top_y - index * self.pitch


def lane_label(content: str, geometry: LaneGeometry, index: int, color) -> VMobject:
    """A run's label, right-aligned before its bar, shrunk if the label column is too narrow."""
    label = text(content, geometry.label_size, color)
    room = LABEL_RIGHT - safe_box()[0]
    if label.width > room:
        label.scale_to_fit_width(room)
    return label.move_to([LABEL_RIGHT, geometry.y(index), 0], aligned_edge=RIGHT)


def set_bar(bar: VMobject, x0: float, x1: float, y: float, height: float) -> None:
    """Reshape ``bar`` in place (cheap enough to run every frame)."""
    half = height / 2
    x1 = max(x1, x0 + 1e-4)
    corners = [[x0, y - half, 0], [x1, y - half, 0], [x1, y + half, 0], [x0, y + half, 0]]
    bar.set_points_as_corners([*corners, corners[0]])
