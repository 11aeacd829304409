"""A wall clock that runs on a log scale, and its on-screen readout."""

from __future__ import annotations

import numpy as np
from manim import DOWN, RIGHT, UR, VGroup

from study import units

from .text import GlyphText, text
from .theme import CLOCK_SIZE, SMALL_SIZE, Theme, safe_box


class LogClock:
    """Maps an animation's progress s in [0, 1] to wall time: 0 s at s = 0, then log-like, so
    seconds and days both get their share of the screen time."""

    def __init__(self, t_start: float, t_end: float) -> None:
        self.t_start = t_start
        self.growth = t_end / t_start

    def wall_time(self, s: float) -> float:
        return self.t_start * ((1 + self.growth) ** s - 1)

    def share_at(self, seconds: float) -> float:
        return float(np.log1p(seconds / self.t_start) / np.log1p(self.growth))


def widest_reading() -> float:
    """How wide the readout's time gets at most ('23 h 59 min'): it is right-aligned, so this is
    how far left of the frame's right edge it reaches."""
    longest = [units.clock(s) for s in (units.HOUR - 1, units.DAY - 1, 100 * units.DAY - 1)]
    longest.append(units.clock(units.HOUR - 0.1, tenths=True))  # '59:59.9'
    return max(text(s, CLOCK_SIZE, "#FFFFFF", bold=True).width for s in longest)


class ClockReadout(VGroup):
    """'elapsed' over the time, top right; ``show(seconds)`` changes the time in place, in
    tenths of a second with ``tenths`` (see study.units.clock_tenths)."""

    def __init__(self, theme: Theme, caption: str = "elapsed", tenths: bool = False) -> None:
        super().__init__()
        self.tenths = tenths
        _, right, _, top = safe_box()
        self.caption = text(caption, SMALL_SIZE, theme.muted)
        self.caption.move_to([right, top - 0.05, 0], aligned_edge=UR)
        self.value = GlyphText(CLOCK_SIZE, theme.foreground, bold=True)
        self.add(self.caption, self.value)
        self.show(0)

    def show(self, seconds: float) -> None:  # type: ignore[override]  # a clock shows a time
        self.value.set_text(units.clock(seconds, self.tenths))
        self.value.next_to(self.caption, DOWN, buff=0.1, aligned_edge=RIGHT)
