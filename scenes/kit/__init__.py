"""The visual kit every scene is built from: theme, text, time axis, frame parts."""

from .callout import CalloutLine, callout
from .frame import source_line, title
from .text import TextCache, text
from .theme import (
    CLOCK_SIZE,
    LABEL_SIZE,
    SMALL_SIZE,
    SOURCE_SIZE,
    TITLE_SIZE,
    Theme,
    cluster_color,
    current_theme,
    laptop_color,
    run_colors,
    safe_box,
)
from .timeaxis import LogTimeAxis

__all__ = [
    "CalloutLine",
    "CLOCK_SIZE",
    "LABEL_SIZE",
    "SMALL_SIZE",
    "SOURCE_SIZE",
    "TITLE_SIZE",
    "LogTimeAxis",
    "TextCache",
    "Theme",
    "callout",
    "cluster_color",
    "current_theme",
    "laptop_color",
    "run_colors",
    "safe_box",
    "source_line",
    "text",
    "title",
]
