"""Last-frame regression of ProgressRace with manim's own frames_comparison.

Regenerate the control frame after an intended visual change:
    .venv/bin/python -m pytest tests/test_frames_race.py --set_test
"""

import pytest
from manim.utils.testing.frames_comparison import frames_comparison

from scenes.race import ProgressRace

__module_test__ = "race"


@pytest.fixture(autouse=True)
def _sample_store(sample_store, monkeypatch):
    monkeypatch.setenv("RUNS_STORE", str(sample_store))


@frames_comparison(base_scene=ProgressRace)
def test_progress_race_last_frame(scene):
    ProgressRace.construct(scene)
