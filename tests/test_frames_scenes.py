"""Last-frame regressions of every scene with manim's own frames_comparison.

After an intended visual change, regenerate the control frames:
    .venv/bin/python -m pytest tests/test_frames_scenes.py --set_test
"""

import pytest
from manim.utils.testing.frames_comparison import frames_comparison

from scenes.comparison import TrainingComparison
from scenes.curves import AccuracyVsTime, LossVsTime
from scenes.race import ProgressRace
from scenes.scaling import ScalingEfficiency

__module_test__ = "scenes"

pytestmark = pytest.mark.render


@pytest.fixture(autouse=True)
def _sample_store(sample_store, monkeypatch):
    monkeypatch.setenv("RUNS_STORE", str(sample_store))


@frames_comparison(base_scene=ProgressRace)
def test_progress_race(scene):
    ProgressRace.construct(scene)


@frames_comparison(base_scene=ScalingEfficiency)
def test_scaling_efficiency(scene):
    ScalingEfficiency.construct(scene)


@frames_comparison(base_scene=TrainingComparison)
def test_training_comparison(scene):
    TrainingComparison.construct(scene)


@frames_comparison(base_scene=AccuracyVsTime)
def test_accuracy_vs_time(scene):
    AccuracyVsTime.construct(scene)


@frames_comparison(base_scene=LossVsTime)
def test_loss_vs_time(scene):
    LossVsTime.construct(scene)


@pytest.fixture
def light_theme(tmp_path, monkeypatch):
    config = tmp_path / "light.cfg"
    config.write_text("[lumi_vs_laptop]\ntheme = light\n")
    monkeypatch.setenv("LUMI_CONFIG", str(config))


@pytest.mark.usefixtures("light_theme")
@frames_comparison(base_scene=TrainingComparison)
def test_training_comparison_light(scene):
    TrainingComparison.construct(scene)
