"""A 2-D chart frame: linear or log scales, ticks with human labels, a faint grid. Text only."""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np
from manim import DOWN, LEFT, UP, Line, VGroup

from study import units

from . import marks
from .lanes import ellipsized
from .text import text
from .theme import SMALL_SIZE, Theme
from .timeaxis import time_ticks


@dataclass(frozen=True)
class Scale:
    low: float
    high: float
    log: bool = False

    def fraction(self, value: float | np.ndarray) -> float | np.ndarray:
        value = np.asarray(value, dtype=float)
        if self.log:
            value = np.clip(value, self.low, None)
            return np.log(value / self.low) / math.log(self.high / self.low)
        return (value - self.low) / (self.high - self.low)


Tick = tuple[float, str]
__all__ = [
    "Chart",
    "Scale",
    "Tick",
    "linear_ticks",
    "log_ticks",
    "power_of_two_ticks",
    "time_ticks",
]


MOST_TICKS = 8  # a log2 axis over 1..128 is labelled at every power; a longer one skips some


def power_of_two_ticks(
    low: float, high: float, suffix: str = "", most: int = MOST_TICKS
) -> list[Tick]:
    """Powers of two from ``low`` to ``high``, every one while at most ``most`` of them, else
    every second, fourth ... power (a speedup axis to 500,000x has 20 powers: their labels
    would run into each other)."""
    # below 1 too: a slowdown (a speedup below 1) has ticks at 1/2, 1/4 ...
    exponents = range(math.ceil(math.log2(low) - 1e-9), math.floor(math.log2(high) + 1e-9) + 1)
    stride = max(1, math.ceil(len(exponents) / most))
    # every stride-th power counted from 1, so 1 (1x: no speedup) keeps its tick
    values = [2.0**e for e in exponents if e % stride == 0]
    return [(v, _power_text(v) + suffix) for v in values]


# the marks a log axis may end and be labelled at, coarsest first: decades, then 1-2-5, then
# every digit (a loss that moved from 0.81 to 0.99 fills the axis, not a tenth of a decade)
LOG_MARKS = ((1.0,), (1.0, 2.0, 5.0), (1.0, 1.5, 2.0, 3.0, 4.0, 5.0, 6.0, 7.0, 8.0, 9.0))
LEAST_FILL = 0.7  # of the axis's height the data spans, at the least
NEAREST_LABELS = 0.1  # of the axis's height between an end's label and another
ABOVE_AXIS = 0.025  # of the axis's height, at the least, between the data and the axis line


def log_ticks(low: float, high: float) -> tuple[float, float, list[Tick]]:
    """A log axis for positive values from ``low`` to ``high``: its ends, at the coarsest marks
    whose axis the data fills at least LEAST_FILL of, and its labels: the coarsest marks of
    which two fall on it, and its ends."""
    low, high = min(low, high), max(low, high)
    first, last = math.floor(math.log10(low)) - 1, math.ceil(math.log10(high)) + 1

    def marks(steps: tuple[float, ...]) -> list[float]:
        return sorted(float(f"{m * 10.0**e:.6g}") for e in range(first, last + 1) for m in steps)

    bottom, top = low, high
    for steps in LOG_MARKS:
        values = marks(steps)
        bottom = max(v for v in values if v <= low * (1 + 1e-9))
        top = min(v for v in values if v >= high * (1 - 1e-9))
        span = math.log10(top / bottom) if top > bottom else 0.0
        if span and math.log10(high / low) / span >= LEAST_FILL:
            break
    span = math.log10(top / bottom) if top > bottom else 1.0
    if math.log10(low / bottom) / span < ABOVE_AXIS:
        # a curve's lowest point on the axis line would hide there: the axis ends a mark lower
        # (of every digit's, so it grows by as little as a mark can)
        bottom = max(v for v in marks(LOG_MARKS[-1]) if v < bottom)
        span = math.log10(top / bottom)
    inside: list[float] = []
    for steps in LOG_MARKS:
        inside = [v for v in marks(steps) if bottom <= v <= top]
        if len(inside) >= 2:
            break
    labelled = set(inside)
    for end in (bottom, top):
        # an end is labelled unless a label already sits next to it
        if all(abs(math.log10(end / v)) / span >= NEAREST_LABELS for v in labelled - {end}):
            labelled.add(end)
    return bottom, top, [(v, _log_tick_text(v)) for v in sorted(labelled)]


def _log_tick_text(value: float) -> str:
    # 0.001 as it is, 0.0001 and below as a power of ten (Python's '1e-05' is no axis label)
    return f"{value:.3g}" if 1e-3 <= value < 1e5 else units.scientific(value)


LINEAR_TICKS = 5  # about as many labelled values on a linear axis


def linear_ticks(low: float, high: float) -> tuple[float, float, list[Tick]]:
    """A linear axis for values from ``low`` to ``high``: its ends at the nearest multiples
    of a 1-2-5 step that gives about LINEAR_TICKS labels, each labelled, to the step's digits
    (a learning rate's 0.0005 steps as 0.0005, 0.001 ...; tiny ones in scientific notation)."""
    low, high = min(low, high), max(low, high)
    if high == low:  # a constant: one step either side of it
        pad = abs(low) * 0.1 or 1.0
        low, high = low - pad, high + pad
    raw = (high - low) / LINEAR_TICKS
    power = 10.0 ** math.floor(math.log10(raw))
    step = next(m * power for m in (1.0, 2.0, 5.0, 10.0) if m * power >= raw * (1 - 1e-9))
    first, last = math.floor(low / step + 1e-9), math.ceil(high / step - 1e-9)
    values = [float(f"{k * step:.12g}") for k in range(first, last + 1)]
    decimals = max(0, -math.floor(math.log10(step) + 1e-9))
    tiny = step < 1e-4
    # steps logged by the hundred thousand read as W&B's axes write them (250k, 1.5M): six
    # digits under the chart's right end run into the labels beside it
    scale, suffix = next(
        (
            (size, name)
            for size, name in ((1e6, "M"), (1e3, "k"))
            if step >= size / 10 and high >= size
        ),
        (1.0, ""),
    )
    if suffix == "k" and high < 1e4:  # 1,000 to 9,999 read in full
        scale, suffix = 1.0, ""
    scaled_decimals = max(0, -math.floor(math.log10(step / scale) + 1e-9))

    def label(value: float) -> str:
        if abs(value) < step / 2:
            return "0"
        if tiny:
            return f"{value:.1e}"
        if suffix:
            return f"{value / scale:,.{scaled_decimals}f}{suffix}"
        return f"{value:,.{decimals}f}"

    return values[0], values[-1], [(v, label(v)) for v in values]


def _power_text(value: float) -> str:
    return f"{round(value):,}" if value >= 1 else f"1/{round(1 / value):,}"


class Chart(VGroup):
    """Axes in the box (left, right, bottom, top); ``c2p(x, y)`` maps data to the scene."""

    def __init__(
        self,
        x: Scale,
        y: Scale,
        box: tuple[float, float, float, float],
        theme: Theme,
        x_ticks: Sequence[Tick],
        y_ticks: Sequence[Tick],
        x_caption: str = "",
        y_caption: str = "",
        y_caption_end: float | None = None,
        y_caption_short: str = "",
    ) -> None:
        """``y_caption_end``: where the y caption must end (default: the chart's right edge),
        for a chart that labels something at its top right corner; ``y_caption_short``: said
        instead of a y caption that does not fit there, before it is cut."""
        super().__init__()
        self.x_scale, self.y_scale = x, y
        self.left, self.right, self.bottom, self.top = box
        grid = VGroup()
        labels = VGroup()
        for value, label in y_ticks:
            y_pos = self.y_of(value)
            grid.add(
                Line(
                    [self.left, y_pos, 0], [self.right, y_pos, 0], color=theme.track, stroke_width=2
                )
            )
            labels.add(
                text(label, SMALL_SIZE, theme.muted).next_to([self.left, y_pos, 0], LEFT, buff=0.15)
            )
        last_right = -math.inf
        for value, label in x_ticks:
            x_pos = self.x_of(value)
            grid.add(
                Line(
                    [x_pos, self.bottom, 0], [x_pos, self.top, 0], color=theme.track, stroke_width=2
                )
            )
            caption = text(label, SMALL_SIZE, theme.muted).next_to(
                [x_pos, self.bottom, 0], DOWN, buff=0.15
            )
            if caption.get_left()[0] > last_right + 0.15:  # drop labels that would collide
                labels.add(caption)
                last_right = caption.get_right()[0]
        axes = VGroup(
            Line(
                [self.left, self.bottom, 0],
                [self.right, self.bottom, 0],
                color=theme.faint,
                stroke_width=3,
            ),
            Line(
                [self.left, self.bottom, 0],
                [self.left, self.top, 0],
                color=theme.faint,
                stroke_width=3,
            ),
        )
        self.grid, self.axes, self.tick_labels = grid, axes, labels
        marks.axis(self, box)
        self.add(grid, axes, labels)
        if x_caption:
            self.x_caption = text(x_caption, SMALL_SIZE, theme.muted)
            self.x_caption.next_to(labels, DOWN, buff=0.12).set_x((self.left + self.right) / 2)
            self.add(self.x_caption)
        if y_caption:
            self.y_caption = text(y_caption, SMALL_SIZE, theme.muted)
            self.y_caption.next_to([self.left, self.top, 0], UP, buff=0.25)
            self.y_caption.align_to(labels if len(y_ticks) else self.axes, LEFT)
            end = self.right if y_caption_end is None else y_caption_end
            room = end - float(self.y_caption.get_left()[0])
            if self.y_caption.width > room:  # a long run name in it: cut, the chart names it
                corner = self.y_caption.get_corner(DOWN + LEFT)
                shorter = (
                    text(y_caption_short, SMALL_SIZE, theme.muted) if y_caption_short else None
                )
                fits = shorter is not None and shorter.width <= room
                cut = y_caption_short if fits else ellipsized(y_caption, SMALL_SIZE, room)
                self.y_caption = text(cut, SMALL_SIZE, theme.muted)
                self.y_caption.move_to(corner, aligned_edge=DOWN + LEFT)
            self.add(self.y_caption)

    def x_of(self, value: float | np.ndarray) -> float | np.ndarray:
        return self.left + (self.right - self.left) * self.x_scale.fraction(value)

    def y_of(self, value: float | np.ndarray) -> float | np.ndarray:
        return self.bottom + (self.top - self.bottom) * self.y_scale.fraction(value)

    def c2p(self, x: float, y: float) -> np.ndarray:
        """Data coordinates to a scene point (the name Manim's own Axes use)."""
        return np.array([float(self.x_of(x)), float(self.y_of(y)), 0.0])

    def c2p_many(self, xs: np.ndarray, ys: np.ndarray) -> np.ndarray:
        return np.column_stack([self.x_of(xs), self.y_of(ys), np.zeros(len(xs))])
