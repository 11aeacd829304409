"""A logarithmic wall-time axis with ticks a person reads at a glance: 1 min, 1 h, 1 day."""

from __future__ import annotations

import math

from manim import DOWN, RIGHT, Line, VGroup

from study.units import duration

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


MOST_FINE_TICKS = 6  # more would crowd an axis: the human ticks are enough then
# steps of 1, 2 and 5 in the units a person says, for a range too narrow for HUMAN_TICKS
FINE_TICKS: tuple[tuple[float, str], ...] = (
    (0.01, "0.01 s"),
    (0.02, "0.02 s"),
    (0.05, "0.05 s"),
    (0.1, "0.1 s"),
    (0.2, "0.2 s"),
    (0.5, "0.5 s"),
    (1, "1 s"),
    (2, "2 s"),
    (5, "5 s"),
    (10, "10 s"),
    (20, "20 s"),
    (30, "30 s"),
    (60, "1 min"),
    (120, "2 min"),
    (300, "5 min"),
    (600, "10 min"),
    (1200, "20 min"),
    (1800, "30 min"),
    (3600, "1 h"),
    (7200, "2 h"),
    (18000, "5 h"),
    (36000, "10 h"),
    (86400, "1 day"),
    (2 * 86400, "2 days"),
    (7 * 86400, "1 week"),
    (14 * 86400, "2 weeks"),
    (30 * 86400, "30 days"),
    (365 * 86400, "1 year"),
)


def time_range_ticks(low: float, high: float) -> tuple[float, float, list[tuple[float, str]]]:
    """A log time axis' range and ticks from the data's range (``low`` to ``high`` seconds):
    the human ticks when three fall inside, else the finer 1-2-5 steps (unless they crowd);
    when even those leave fewer than two, the range grows to the nearest fine tick either
    side, so an axis always says what its times are."""
    ticks = time_ticks(low, high)
    fine = [(s, label) for s, label in FINE_TICKS if low <= s <= high]
    if len(ticks) >= 3 or (len(ticks) == 2 and len(fine) > MOST_FINE_TICKS):
        return low, high, ticks
    if len(fine) < 2:
        low = max((s for s, _ in FINE_TICKS if s <= low), default=low)
        high = min((s for s, _ in FINE_TICKS if s >= high), default=high)
        fine = [(s, label) for s, label in FINE_TICKS if low <= s <= high]
    return low, high, fine


def axis_ticks(low: float, high: float) -> list[tuple[float, str]]:
    """Ticks for an axis whose range is fixed: the human ticks when two fall inside, else the
    finer 1-2-5 steps, else the axis' two ends labelled with their times: never fewer than two
    labelled ticks."""
    ticks = time_ticks(low, high)
    if len(ticks) >= 2:
        return ticks
    fine = [(s, label) for s, label in FINE_TICKS if low <= s <= high]
    if len(fine) >= 2:
        return fine
    return [(low, duration(low)), (high, duration(high))]


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
        for seconds, label in axis_ticks(t_min, t_max):
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
