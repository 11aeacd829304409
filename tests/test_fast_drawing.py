"""The shortcuts that make rendering fast leave the pictures as they were: the clock's cached
glyphs, merged glyph outlines, the intro veil and parts of a scene drawn once as background."""

from __future__ import annotations

import numpy as np
import pytest
from manim import tempconfig

from scenes.comparison import TrainingComparison
from scenes.curves import AccuracyVsTime
from scenes.kit.text import GlyphText, merge_glyphs, text
from scenes.race import ProgressRace
from study import units


def outline(points: np.ndarray) -> np.ndarray:
    return points - points.min(axis=0)


@pytest.mark.parametrize("seconds", [0, 5, 59.5, 956, 7200, 3 * 86400 + 3 * 3600])
def test_clock_glyphs_draw_the_same_outline_as_a_text(seconds):
    content = units.clock(seconds)
    readout = GlyphText(40, "#ffffff", bold=True)
    readout.set_text("88:88")  # whatever it showed before
    readout.set_text(content)
    reference = np.concatenate([glyph.points for glyph in text(content, 40, "#ffffff", bold=True)])
    np.testing.assert_allclose(outline(readout.shape.points), outline(reference), atol=1e-9)
    assert readout.original_text == content


def test_merged_glyphs_keep_every_outline_and_the_box():
    plain = text("64 GPUs: 3.3 min", 30, "#88ccee")
    merged = merge_glyphs(plain.copy())
    assert len(merged.submobjects) == 1
    np.testing.assert_array_equal(
        merged.submobjects[0].points, np.concatenate([g.points for g in plain])
    )
    np.testing.assert_allclose(merged.get_corner([-1, -1, 0]), plain.get_corner([-1, -1, 0]))


def frames_of(scene_class, view, fast: bool) -> list[np.ndarray]:
    frames: list[np.ndarray] = []

    class Recorded(scene_class):
        fast_drawing = fast

        def setup(self) -> None:
            super().setup()
            add_frame = self.renderer.add_frame

            def record(frame, num_frames: int = 1) -> None:
                frames.extend([frame[:, :, :3].copy()] * num_frames)
                add_frame(frame, num_frames)

            self.renderer.add_frame = record

    small = {
        "pixel_width": 320,
        "pixel_height": 180,
        "frame_rate": 5,  # every shortcut is taken at any rate; frames cost the time
        "write_to_movie": False,
        "disable_caching": True,
    }
    with tempconfig(small):
        Recorded(view=view).render()
    return frames


@pytest.mark.render
@pytest.mark.parametrize("scene_class", [ProgressRace, TrainingComparison, AccuracyVsTime])
def test_fast_drawing_renders_the_frames_plain_drawing_does(scene_class, sample_view):
    fast, plain = (
        frames_of(scene_class, sample_view, True),
        frames_of(scene_class, sample_view, False),
    )
    assert len(fast) == len(plain) > 50
    changed = [
        float((np.abs(a.astype(int) - b.astype(int)).max(axis=2) > 24).mean())
        for a, b in zip(fast, plain, strict=True)
    ]
    # layers that overlap blend a little differently mid-fade; nothing else may differ
    assert max(changed) < 0.01, (int(np.argmax(changed)), max(changed))
    assert np.mean(changed) < 0.001
