"""Layout checks on what a scene shows: text inside the safe area, no overlaps, nothing tiny.

Used by the tests after every play() and wait() of every scene (test-only: it ships in tests/).
"""

from __future__ import annotations

from dataclasses import dataclass

from manim import Scene, Text

from scenes.kit.manim_compat import family
from scenes.kit.text import GlyphText
from scenes.kit.theme import safe_box

MIN_FONT_SIZE = 12.0  # Manim font units; 12 is about 16 px tall capitals at 1080p
OVERLAP_TOLERANCE = 0.01  # scene units: glyph boxes may touch, not overlap


@dataclass(frozen=True)
class ShownText:
    content: str
    left: float
    right: float
    bottom: float
    top: float
    font_size: float


def shown_texts(scene: Scene) -> list[ShownText]:
    """Every Text the scene currently shows (opacity above zero)."""
    shown = []
    for mob in family(scene.mobjects):
        if not isinstance(mob, Text | GlyphText) or not len(mob.get_family()) > 1:
            continue
        opacity = max(
            (m.get_fill_opacity() for m in mob.get_family()[1:] if m.has_points()), default=0.0
        )
        if opacity <= 0.01:
            continue
        left, bottom = mob.get_corner([-1, -1, 0])[:2]
        right, top = mob.get_corner([1, 1, 0])[:2]
        shown.append(ShownText(mob.original_text, left, right, bottom, top, mob.font_size))
    return shown


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
