"""Nothing is mid-fade on a held frame: at every wait() of every scene (the holds a video ends
on, its poster and still) and at every slide stop, each text shown is at full opacity."""

from __future__ import annotations

import pytest
from manim import Text, tempconfig

from scenes.comparison import TrainingComparison
from scenes.cost import CostOfSpeed
from scenes.curves import AccuracyVsTime, LossVsTime
from scenes.kit.manim_compat import family
from scenes.kit.text import GlyphText
from scenes.race import ProgressRace
from scenes.scaling import ScalingEfficiency

SCENES = [
    ProgressRace,
    ScalingEfficiency,
    TrainingComparison,
    AccuracyVsTime,
    LossVsTime,
    CostOfSpeed,
]


def faded_texts(scene) -> list[str]:
    faded = []
    for mob in family(scene.mobjects):
        if not isinstance(mob, Text | GlyphText):
            continue
        glyphs = [m for m in mob.get_family()[1:] if m.has_points()]
        opacity = max((g.get_fill_opacity() for g in glyphs), default=0.0)
        if 0.01 < opacity < 0.99:
            faded.append(f"{mob.original_text!r} at {opacity:.2f}")
    return faded


@pytest.mark.parametrize("scene_class", SCENES, ids=lambda c: c.__name__)
def test_every_hold_and_stop_shows_every_text_at_full_opacity(
    scene_class, sample_store, monkeypatch
):
    monkeypatch.setenv("RUNS_STORE", str(sample_store))
    monkeypatch.delenv("LUMI_CONFIG", raising=False)
    problems: list[str] = []

    class Probe(scene_class):
        stops_at_parts = True  # as in a slide deck: a stop at every part

        def wait(self, *args, **kwargs):
            super().wait(*args, **kwargs)
            problems.extend(f"hold: {t}" for t in faded_texts(self))

        def begin_part(self, notes: str) -> None:
            super().begin_part(notes)
            if len(self.parts) > 1:  # the first part begins before anything is shown
                problems.extend(f"stop {len(self.parts)}: {t}" for t in faded_texts(self))

    settings = {"dry_run": True, "quality": "low_quality", "frame_rate": 15}
    with tempconfig(settings):
        Probe().render()
    assert not problems, problems
