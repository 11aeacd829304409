"""Opacity set every frame, applied only when it changes: re-colouring every glyph of a text
is not free, and most frames change no fade."""

from __future__ import annotations

from collections.abc import Callable

from manim import Mobject


class Fader:
    def __init__(self) -> None:
        self._shown: dict[tuple[int, str], tuple[float, Callable[[float], object]]] = {}

    def fade(self, mob: Mobject, opacity: float) -> None:
        """Fill and stroke opacity of ``mob`` and its family."""
        self._apply(mob, "all", opacity, mob.set_opacity)

    def stroke(self, mob: Mobject, opacity: float) -> None:
        """Stroke only (a ring that must stay hollow)."""
        self._apply(mob, "stroke", opacity, lambda o: mob.set_stroke(opacity=o))

    def settle(self) -> None:
        """Everything faded so far at full opacity: a held frame shows nothing mid-fade, even
        where the last frame of a fade fell a rounding short of its end."""
        for key, (_, set_it) in self._shown.items():
            set_it(1.0)
            self._shown[key] = (1.0, set_it)

    def _apply(
        self, mob: Mobject, kind: str, opacity: float, set_it: Callable[[float], object]
    ) -> None:
        key = (id(mob), kind)
        shown = self._shown.get(key)
        if shown is None or shown[0] != opacity:
            set_it(opacity)
            self._shown[key] = (opacity, set_it)
