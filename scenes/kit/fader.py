"""Opacity set every frame, applied only when it changes: re-colouring every glyph of a text
is not free, and most frames change no fade."""

from __future__ import annotations

from collections.abc import Callable

from manim import Mobject


class Fader:
    def __init__(self) -> None:
        self._shown: dict[tuple[int, str], float] = {}

    def fade(self, mob: Mobject, opacity: float) -> None:
        """Fill and stroke opacity of ``mob`` and its family."""
        self._apply(mob, "all", opacity, mob.set_opacity)

    def stroke(self, mob: Mobject, opacity: float) -> None:
        """Stroke only (a ring that must stay hollow)."""
        self._apply(mob, "stroke", opacity, lambda o: mob.set_stroke(opacity=o))

    def _apply(
        self, mob: Mobject, kind: str, opacity: float, set_it: Callable[[float], object]
    ) -> None:
        key = (id(mob), kind)
        if self._shown.get(key) != opacity:
            set_it(opacity)
            self._shown[key] = opacity
