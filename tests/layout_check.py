"""Layout checks on what a scene shows: text inside the safe area, no overlaps, nothing tiny.

Used by the tests after every play() and wait() of every scene (test-only: it ships in tests/).
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
from manim import Mobject, Scene, Text, VMobject

from scenes.kit.manim_compat import family
from scenes.kit.text import GlyphText
from scenes.kit.theme import safe_box

MIN_FONT_SIZE = 12.0  # Manim font units; 12 is about 16 px tall capitals at 1080p
OVERLAP_TOLERANCE = 0.01  # scene units: glyph boxes may touch, not overlap
TEXT_TYPES = (Text, GlyphText)


@dataclass(frozen=True)
class ShownText:
    content: str
    left: float
    right: float
    bottom: float
    top: float
    font_size: float


def text_box(
    mob: Mobject, members: list[Mobject] | None = None
) -> tuple[float, float, float, float]:
    """(left, right, bottom, top) of ``mob`` as Manim's ``get_corner`` finds them (the anchors
    of every curve in its family), in one pass: the probes ask it of every text after every
    play, where ``get_corner`` took a quarter of a probe's time."""
    if not isinstance(mob, VMobject):
        (left, bottom, _), (right, top, _) = mob.get_corner([-1, -1, 0]), mob.get_corner([1, 1, 0])
        return left, right, bottom, top
    anchors = [
        m.points
        if len(m.points) == 1
        else np.concatenate(
            [
                m.points[:: m.n_points_per_curve],
                m.points[m.n_points_per_curve - 1 :: m.n_points_per_curve],
            ]
        )
        for m in (members or mob.get_family())
        if len(m.points)
    ]
    if not anchors:  # as get_corner: an empty mobject sits at the origin
        return 0.0, 0.0, 0.0, 0.0
    points = np.concatenate(anchors)
    low, high = points.min(axis=0), points.max(axis=0)
    return float(low[0]), float(high[0]), float(low[1]), float(high[1])


def shown_text(mob: Mobject) -> ShownText | None:
    """``mob`` as a ShownText if it is a text shown (opacity above zero), else None."""
    if not isinstance(mob, TEXT_TYPES):
        return None
    members = mob.get_family()
    opacity = max((m.get_fill_opacity() for m in members[1:] if m.has_points()), default=0.0)
    if opacity <= 0.01:
        return None
    left, right, bottom, top = text_box(mob, members)
    return ShownText(mob.original_text, left, right, bottom, top, mob.font_size)


def shown_texts(scene: Scene) -> list[ShownText]:
    """Every Text the scene currently shows (opacity above zero)."""
    return [text for mob in family(scene.mobjects) if (text := shown_text(mob)) is not None]


def layout_problems(texts: list[ShownText], min_font_size: float = MIN_FONT_SIZE) -> list[str]:
    """What is wrong with a frame's text, one line per problem; empty when all is well."""
    left, right, bottom, top = safe_box()
    problems = []
    for text in texts:
        if (
            text.left < left - 1e-3
            or text.right > right + 1e-3
            or text.bottom < bottom - 1e-3
            or text.top > top + 1e-3
        ):
            problems.append(f"outside the 5% margin: {text.content!r}")
        if text.font_size < min_font_size:
            problems.append(f"too small ({text.font_size:.1f}): {text.content!r}")
    for i, a in enumerate(texts):
        for b in texts[i + 1 :]:
            width = min(a.right, b.right) - max(a.left, b.left)
            height = min(a.top, b.top) - max(a.bottom, b.bottom)
            if width > OVERLAP_TOLERANCE and height > OVERLAP_TOLERANCE:
                problems.append(f"overlap: {a.content!r} and {b.content!r}")
    return problems
