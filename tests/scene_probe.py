"""Run a scene without rendering video and record the text it shows after each play/wait."""

from __future__ import annotations

from manim import tempconfig

from tests.layout_check import ShownText, shown_texts


def key_frames(scene_class) -> list[list[ShownText]]:
    frames: list[list[ShownText]] = []

    class Probe(scene_class):
        def play(self, *args, **kwargs):
            super().play(*args, **kwargs)
            frames.append(shown_texts(self))

        def wait(self, *args, **kwargs):
            super().wait(*args, **kwargs)
            frames.append(shown_texts(self))

    # a couple of frames per second reach every end state; layout needs no more
    settings = {"dry_run": True, "quality": "low_quality", "frame_rate": 2, "disable_caching": True}
    with tempconfig(settings):
        Probe().render()
    return frames
