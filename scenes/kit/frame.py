"""The parts every scene's frame has: a title, and a source line saying where numbers came from."""

from __future__ import annotations

from pathlib import Path

from manim import DL, UL, VGroup

from extract.model import Run

from .text import text
from .theme import SOURCE_SIZE, TITLE_SIZE, Theme, safe_box


def title(content: str, theme: Theme) -> VGroup:
    left, _, _, top = safe_box()
    mob = text(content, TITLE_SIZE, theme.foreground, bold=True)
    return mob.move_to([left, top, 0], aligned_edge=UL)


def source_line(store: Path, runs: list[Run], theme: Theme, *, histories: bool = True) -> VGroup:
    """Small print at the bottom: the store, how many runs, what is estimated or rebuilt."""
    left, _, bottom, _ = safe_box()
    right = safe_box()[1]
    parts = [f"Data: {store.name}, {len(runs)} runs"]
    estimated = sum(r.extrapolated for r in runs)
    if estimated:
        parts.append(
            f"{estimated} {'time' if estimated == 1 else 'times'} extrapolated from partial runs"
        )
    if histories and any(r.reconstructed for r in runs):
        parts.append("histories reconstructed from published charts")
    mob = text("  \u00b7  ".join(parts), SOURCE_SIZE, theme.muted)
    if mob.width > right - left:
        mob.scale_to_fit_width(right - left)
    return mob.move_to([left, bottom, 0], aligned_edge=DL)
