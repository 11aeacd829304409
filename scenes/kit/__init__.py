"""The visual kit every scene is built from: theme, text, time axis, frame parts."""

from study.settings import Settings, load_settings

from . import marks
from .base import HOLD_SECONDS, INTRO_SECONDS, StudyScene
from .callout import CalloutLine, callout, callout_box, callout_lines, callout_padding
from .chart import Chart, Scale, Tick, linear_ticks, log_ticks, power_of_two_ticks, time_ticks
from .clock import ClockReadout, LogClock
from .clocked import ClockedScene, ClockStage, Window, faded_in, finishing
from .fader import Fader
from .frame import source_line, title
from .labels import Leader, leader_slots
from .lanes import LaneGeometry, estimate_bar, estimate_outline, lane_label, set_bar
from .text import GlyphText, merge_glyphs, text
from .theme import (
    CLOCK_SIZE,
    LABEL_SIZE,
    MIN_TEXT_SIZE,
    SMALL_SIZE,
    SOURCE_SIZE,
    THEMES,
    TITLE_SIZE,
    Theme,
    cluster_color,
    keep_inside,
    laptop_color,
    run_colors,
    safe_box,
)
from .timeaxis import LogTimeAxis, time_range_ticks

__all__ = [
    "marks",
    "MIN_TEXT_SIZE",
    "ClockReadout",
    "ClockStage",
    "ClockedScene",
    "HOLD_SECONDS",
    "INTRO_SECONDS",
    "faded_in",
    "finishing",
    "Window",
    "Fader",
    "LaneGeometry",
    "LogClock",
    "estimate_bar",
    "estimate_outline",
    "lane_label",
    "set_bar",
    "Chart",
    "Scale",
    "Tick",
    "linear_ticks",
    "log_ticks",
    "power_of_two_ticks",
    "Leader",
    "leader_slots",
    "time_ticks",
    "time_range_ticks",
    "Settings",
    "StudyScene",
    "load_settings",
    "CalloutLine",
    "CLOCK_SIZE",
    "LABEL_SIZE",
    "SMALL_SIZE",
    "SOURCE_SIZE",
    "TITLE_SIZE",
    "LogTimeAxis",
    "GlyphText",
    "THEMES",
    "Theme",
    "callout",
    "callout_box",
    "callout_lines",
    "callout_padding",
    "cluster_color",
    "keep_inside",
    "laptop_color",
    "merge_glyphs",
    "run_colors",
    "safe_box",
    "source_line",
    "text",
    "title",
]
