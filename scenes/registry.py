"""Every scene in one place: its name, the file that draws it, the plan it draws (from
study/plans.py) and its slide deck class (scenes/deck/slides.py).

The command line (`python -m scenes`), the deck, the gallery, the bench and the tests read this;
nothing here imports Manim, so the command line answers before Manim loads.
"""

from __future__ import annotations

import importlib
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from study.view import StudyView

SCENES_DIR = Path(__file__).resolve().parent


@dataclass(frozen=True)
class SceneEntry:
    name: str  # the Scene class, as `manim render` names it
    file: str  # its file under scenes/, without .py
    plan_name: str  # the function of study/plans.py that makes its words and numbers
    slide: str  # its manim-slides class in scenes/deck/slides.py
    plan_args: tuple[str, ...] = ()  # what that function takes after the view
    plan_module: str = "study.plans"  # where that function lives

    @property
    def path(self) -> Path:
        return SCENES_DIR / f"{self.file}.py"

    @property
    def module(self) -> str:
        return f"scenes.{self.file}"

    def plan(self, view: StudyView) -> Any:
        """What the scene shows of ``view`` (study.plans is imported here: it loads pandas,
        which the command line does not need to parse its arguments)."""
        plans = importlib.import_module(self.plan_module)
        return getattr(plans, self.plan_name)(view, *self.plan_args)

    def scene_class(self) -> type:
        """The Scene class itself (imports Manim)."""
        scene: type = getattr(importlib.import_module(self.module), self.name)
        return scene

    def slide_class(self) -> type:
        slides: type = getattr(importlib.import_module("scenes.deck.slides"), self.slide)
        return slides


SCENES: tuple[SceneEntry, ...] = (
    SceneEntry("ProgressRace", "race", "race_plan", "ProgressRaceSlides"),
    SceneEntry("ScalingEfficiency", "scaling", "scaling_plan", "ScalingEfficiencySlides"),
    SceneEntry("TrainingComparison", "comparison", "comparison_plan", "TrainingComparisonSlides"),
    SceneEntry("AccuracyVsTime", "curves", "curves_plan", "AccuracyVsTimeSlides", ("accuracy",)),
    SceneEntry("LossVsTime", "curves", "curves_plan", "LossVsTimeSlides", ("loss",)),
    SceneEntry("CostOfSpeed", "cost", "cost_plan", "CostOfSpeedSlides", (), "study.cost_plan"),
    SceneEntry(
        "MetricVsTime", "curves", "metric_plan", "MetricVsTimeSlides", (), "study.metric_plan"
    ),
)
BY_NAME = {entry.name: entry for entry in SCENES}


def entry(name: str) -> SceneEntry:
    """A scene by its name or its slide class's name."""
    return BY_NAME.get(name) or next(e for e in SCENES if e.slide == name)
