"""The scenes as manim-slides presentations: the same animation, stopping where a part of the
story begins (``StudyScene.begin_part``) with that part's figures as speaker notes.

    manim render scenes/deck/slides.py ProgressRaceSlides
    manim-slides present --folder media/slides/presentations ProgressRaceSlides

or `make slides` for all of them in one deck.
"""

from __future__ import annotations

import os
from pathlib import Path
from typing import Any

from manim import config
from manim_slides import Slide  # type: ignore[attr-defined]  # exported lazily

from scenes.comparison import TrainingComparison
from scenes.cost import CostOfSpeed
from scenes.curves import AccuracyVsTime, LossVsTime, MetricVsTime
from scenes.made_from import PRESENTATIONS_ENV, note_read
from scenes.race import ProgressRace
from scenes.scaling import ScalingEfficiency


def presentations_folder() -> Path:
    """Where manim-slides keeps each scene's slide list and videos: the folder the deck or a
    render names, else the media folder of this render (manim.cfg's media_dir or
    ``--media_dir``), as `make slides` looks for them there."""
    default = Path(config.media_dir).resolve() / "slides" / "presentations"
    return Path(os.environ.get(PRESENTATIONS_ENV) or default)


class StudySlides(Slide):  # type: ignore[misc]  # manim-slides ships no type information
    """Turns a StudyScene into slides; put it first among the bases."""

    stops_at_parts = True
    # reversed copies of every slide are only for going back in `manim-slides present`;
    # browsers and PowerPoint never play them, and they double the render time
    skip_reversing = True

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        kwargs.setdefault("output_folder", presentations_folder())
        super().__init__(*args, **kwargs)

    def prepare(self) -> None:
        super().prepare()
        # what the store, settings and study file held when this scene read them (its view was
        # built in setup): a render's slides are offered to a deck only if that is what stayed
        note_read(presentations_folder(), type(self).__name__)

    def begin_part(self, notes: str) -> None:
        super().begin_part(notes)
        # one bullet per line: reveal.js reads notes as Markdown (which joins plain lines), and
        # PowerPoint shows the dashes as they are
        self.next_slide(notes="\n".join(f"- {line}" for line in notes.splitlines() if line))


class ProgressRaceSlides(StudySlides, ProgressRace):
    pass


class ScalingEfficiencySlides(StudySlides, ScalingEfficiency):
    pass


class TrainingComparisonSlides(StudySlides, TrainingComparison):
    pass


class AccuracyVsTimeSlides(StudySlides, AccuracyVsTime):
    pass


class LossVsTimeSlides(StudySlides, LossVsTime):
    pass


class CostOfSpeedSlides(StudySlides, CostOfSpeed):
    pass


class MetricVsTimeSlides(StudySlides, MetricVsTime):
    pass


SLIDE_SCENES = [
    ProgressRaceSlides,
    ScalingEfficiencySlides,
    TrainingComparisonSlides,
    AccuracyVsTimeSlides,
    LossVsTimeSlides,
    CostOfSpeedSlides,
    MetricVsTimeSlides,
]
