"""Colours, fonts and sizes shared by every scene.

The palette is colour-blind safe: cluster runs use one sequential blue ramp by GPU count (more
GPUs, brighter), laptops the Okabe-Ito orange family, which no common colour-vision deficiency
confuses with blue.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import TypeVar

import numpy as np
from manim import ManimColor, Mobject, config, interpolate_color

from extract.model import Run

M = TypeVar("M", bound=Mobject)

FONT = "DejaVu Sans"  # ships with every Linux desktop and Debian's fonts-dejavu-core


@dataclass(frozen=True)
class Theme:
    name: str
    background: str
    foreground: str
    muted: str
    faint: str
    track: str
    cluster_low: str
    cluster_high: str
    laptop: tuple[str, ...]
    highlight: str


DARK = Theme(
    name="dark",
    background="#101318",
    foreground="#F2F4F7",
    muted="#A9B1BD",
    faint="#5B6472",
    track="#232833",
    cluster_low="#3E7CC2",
    cluster_high="#A6DCFF",
    laptop=("#E69F00", "#F0C05A", "#D55E00"),
    highlight="#F2F4F7",
)

LIGHT = Theme(
    name="light",
    background="#FFFFFF",
    foreground="#16191F",
    muted="#4F5765",
    faint="#A3ABB8",
    track="#E9ECF1",
    # on white the ramp runs the other way (more GPUs, darker) and starts dark enough for
    # text: every colour here has at least 3.9:1 contrast against the white background
    cluster_low="#4A86C5",
    cluster_high="#0B3C7A",
    laptop=("#C75A00", "#A86400", "#8C4A00"),
    highlight="#16191F",
)

THEMES = {"dark": DARK, "light": LIGHT}

# Sizes in Manim font units, chosen to read at the back of a room at 1080p.
TITLE_SIZE = 34
LABEL_SIZE = 26
SMALL_SIZE = 21
SOURCE_SIZE = 17
CLOCK_SIZE = 36
# No text is ever drawn smaller: at 480p (the GIFs, a thumbnail, a projector far away) size 16
# DejaVu Sans has capitals about 10 px tall and lower case about 7.5 px, the least at which
# digits such as 3/8 and 1/7 stay distinct; at 1080p that is 22 px capitals. A label that does
# not fit at its size is wrapped or abbreviated (study/plans.py), never shrunk below this.
MIN_TEXT_SIZE = 16

# Everything stays inside the frame with a 5% margin on every side.
MARGIN_FRACTION = 0.05


def safe_box() -> tuple[float, float, float, float]:
    """(left, right, bottom, top) of the area every text must stay inside."""
    half_w, half_h = config.frame_width / 2, config.frame_height / 2
    mx, my = config.frame_width * MARGIN_FRACTION, config.frame_height * MARGIN_FRACTION
    return -half_w + mx, half_w - mx, -half_h + my, half_h - my


def smallest_text_size(mob: Mobject) -> float | None:
    """The font size of the smallest text in ``mob``'s family (None: it holds no text)."""
    sizes = [float(m.font_size) for m in mob.get_family() if hasattr(m, "original_text")]
    return min(sizes, default=None)


def keep_inside(mob: M, box: tuple[float, float, float, float] | None = None) -> M:
    """Shift ``mob`` into the safe area (or ``box``), shrinking it if it is wider or taller
    than the area itself, but never a text below MIN_TEXT_SIZE: what still does not fit must be
    laid out anew by its maker (wrapped, cut, fewer rows), and the frame critic says so.
    Returns ``mob``."""
    left, right, bottom, top = box or safe_box()
    smallest = smallest_text_size(mob)
    floor = 0.0 if smallest is None else min(1.0, MIN_TEXT_SIZE / smallest)
    share = min(1.0, (right - left) / mob.width, (top - bottom) / mob.height)
    if share < 1.0:
        mob.scale(max(share, floor))
    dx = max(0.0, left - mob.get_left()[0]) - max(0.0, mob.get_right()[0] - right)
    dy = max(0.0, bottom - mob.get_bottom()[1]) - max(0.0, mob.get_top()[1] - top)
    return mob.shift([dx, dy, 0])


def cluster_color(theme: Theme, gpus: int, all_gpus: list[int]) -> ManimColor:
    """Position on the ramp by log2 GPU count, so 1, 2, 4 ... 64 are evenly spaced."""
    low, high = np.log2(max(1, min(all_gpus))), np.log2(max(1, max(all_gpus)))
    position = 0.0 if high == low else (np.log2(max(1, gpus)) - low) / (high - low)
    return interpolate_color(
        ManimColor(theme.cluster_low), ManimColor(theme.cluster_high), position
    )


def laptop_color(theme: Theme, index: int) -> ManimColor:
    return ManimColor(theme.laptop[index % len(theme.laptop)])


def run_colors(theme: Theme, runs: Sequence[Run]) -> dict[str, ManimColor]:
    """One colour per run id: cluster runs on the ramp by GPU count, laptops in turn."""
    cluster_gpus = [r.gpus for r in runs if r.platform == "cluster"]
    laptops = sorted((r for r in runs if r.platform == "laptop"), key=lambda r: r.time_s)
    colors = {
        r.run_id: cluster_color(theme, r.gpus, cluster_gpus)
        for r in runs
        if r.platform == "cluster"
    }
    colors.update({r.run_id: laptop_color(theme, i) for i, r in enumerate(laptops)})
    return colors
