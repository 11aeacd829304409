"""A logarithmic wall-time axis with ticks a person reads at a glance: 1 min, 1 h, 1 day."""

from __future__ import annotations

import math

from manim import DOWN, RIGHT, Line, VGroup

from . import marks
from .text import text
from .theme import SMALL_SIZE, Theme, safe_box

HUMAN_TICKS: tuple[tuple[float, str], ...] = (
    (0.01, "0.01 s"),
    (0.1, "0.1 s"),
    (1, "1 s"),
    (10, "10 s"),
    (60, "1 min"),
    (600, "10 min"),
    (3600, "1 h"),
    (36000, "10 h"),
    (86400, "1 day"),
    (3 * 86400, "3 days"),
    (7 * 86400, "1 week"),
    (30 * 86400, "30 days"),
    (365 * 86400, "1 year"),
)


def time_ticks(low: float, high: float) -> list[tuple[float, str]]:
    """The human ticks between ``low`` and ``high`` seconds."""
    return [(seconds, label) for seconds, label in HUMAN_TICKS if low <= seconds <= high]


class LogTimeAxis(VGroup):
    """Horizontal axis from ``t_min`` to ``t_max`` seconds, log scale, between x0 and x1."""

    def __init__(
        self,
        t_min: float,
        t_max: float,
        x0: float,
        x1: float,
        y: float,
        theme: Theme,
        grid_top: float | None = None,
    ) -> None:
        super().__init__()
        self.t_min, self.t_max, self.x0, self.x1, self.y = t_min, t_max, x0, x1, y
        self.line = Line([x0, y, 0], [x1, y, 0], color=theme.faint, stroke_width=3)
        self.add(self.line)
        self.tick_labels = VGroup()
        self.grid = VGroup()  # faint lines up from each tick, for scenes that draw bars above
        last_right = -math.inf
        for seconds, label in time_ticks(t_min, t_max):
            x = self.x_of(seconds)
            tick = Line([x, y + 0.09, 0], [x, y - 0.09, 0], color=theme.muted, stroke_width=3)
            caption = text(label, SMALL_SIZE, theme.muted).next_to(tick, DOWN, buff=0.12)
            _, right, _, _ = safe_box()
            if caption.get_right()[0] > right:  # the last tick's label stays on screen
                caption.shift((right - caption.get_right()[0]) * RIGHT)
            self.add(tick)
            if grid_top is not None:
                self.grid.add(
                    Line([x, y + 0.1, 0], [x, grid_top, 0], color=theme.track, stroke_width=2)
                )
            if caption.get_left()[0] > last_right + 0.15:
                self.tick_labels.add(caption)
                last_right = caption.get_right()[0]
        self.add(self.tick_labels)
        marks.axis(self, (x0, x1, None, None))

    def x_of(self, seconds: float) -> float:
        seconds = min(max(seconds, self.t_min), self.t_max)
        span = math.log(self.t_max / self.t_min)
        return self.x0 + (self.x1 - self.x0) * math.log(seconds / self.t_min) / span

    def point(self, seconds: float) -> list[float]:
        return [self.x_of(seconds), self.y, 0]
