"""Every scene's key frames: text inside the 5% margin, no overlaps, nothing too small; and the
numbers on screen are the report's."""

import pytest
from manim import RIGHT, Scene

from extract import load_runs
from scenes import kit
from scenes.comparison import TrainingComparison
from scenes.cost import CostOfSpeed
from scenes.curves import AccuracyVsTime, LossVsTime, MetricVsTime
from scenes.race import ProgressRace
from scenes.scaling import ScalingEfficiency
from study import units
from study.analysis import build_report
from study.cost import hours_text
from study.plans import speedup_text
from study.scaling import scaling_points
from study.settings import Settings
from study.view import view_of
from tests.layout_check import layout_problems, shown_texts
from tests.scene_probe import key_frames

TIMES = "\u00d7"

SCENES = [
    ProgressRace,
    ScalingEfficiency,
    TrainingComparison,
    AccuracyVsTime,
    LossVsTime,
    CostOfSpeed,
    MetricVsTime,
]


@pytest.fixture(scope="module")
def frames_by_scene(probes):
    """Each scene's key frames on the sample study, from the session's one probe of it (the
    holds check reads the same probe)."""
    names = [scene.__name__ for scene in SCENES]
    probes.start(names, None, "sample study")
    return {scene: probes.get(scene.__name__, None, "sample study").frames for scene in SCENES}


@pytest.mark.render
@pytest.mark.parametrize("scene", SCENES, ids=lambda s: s.__name__)
def test_key_frames_are_laid_out_cleanly(frames_by_scene, scene):
    frames = frames_by_scene[scene]
    assert len(frames) >= 3
    for index, texts in enumerate(frames):
        assert texts, f"frame {index} shows no text"
        assert layout_problems(texts) == [], f"key frame {index}"


def final_strings(frames_by_scene, scene) -> set[str]:
    return {t.content for t in frames_by_scene[scene][-1]}


@pytest.mark.render
def test_cost_numbers_are_the_reports(frames_by_scene, sample_store):
    report = build_report(load_runs(sample_store))
    shown = final_strings(frames_by_scene, CostOfSpeed)
    for run in report.runs:
        if run.platform == "cluster":
            assert hours_text(run.gpu_hours_per_epoch) in shown, run.name
            assert units.duration(run.time_per_epoch_s) in shown, run.name
    # a note too long for the table's column is broken over lines, read in order
    read = " ".join(t.content for t in frames_by_scene[CostOfSpeed][-1])
    assert "Energy: not recorded by these runs" in read
    assert "Per epoch: equal work, one epoch of each run" in read


@pytest.mark.render
def test_race_numbers_are_the_reports(frames_by_scene, sample_store):
    report = build_report(load_runs(sample_store))
    shown = " | ".join(final_strings(frames_by_scene, ProgressRace))
    assert f"{units.ratio(report.max_speedup, TIMES)} faster" in shown
    assert units.ratio(report.max_speedup_per_epoch, TIMES) in shown
    assert units.duration_range(report.laptop_low_s, report.laptop_high_s) in shown
    for run in report.runs:
        assert units.duration(run.time_s) in shown, run.name


@pytest.mark.render
def test_scaling_numbers_are_the_reports(frames_by_scene, sample_store):
    report = build_report(load_runs(sample_store))
    shown = final_strings(frames_by_scene, ScalingEfficiency)
    for run in report.runs:
        if run.platform == "cluster":
            assert units.ratio(run.speedup, TIMES) in shown, run.name
            assert units.percent(run.efficiency) in shown, run.name
    assert len(scaling_points(load_runs(sample_store))) == 8


@pytest.mark.render
def test_comparison_numbers_are_the_reports(frames_by_scene, sample_store):
    report = build_report(load_runs(sample_store))
    shown = final_strings(frames_by_scene, TrainingComparison)
    laptops = [r.time_s for r in report.runs if r.platform == "laptop"]
    for run in report.runs:
        if run.platform == "cluster":
            assert units.duration(run.time_s) in shown
            assert speedup_text(run.time_s, laptops) in shown
        else:
            assert f"\u2248{units.duration(run.time_s)}" in shown


@pytest.mark.render
def test_accuracy_ranking_is_time_to_target(frames_by_scene, sample_store):
    from study.metrics import time_to_percent

    settings = Settings()
    view = view_of(load_runs(sample_store), settings)
    times = [
        (seconds, run)
        for run in view.shown
        if (seconds := time_to_percent(run, settings.accuracy_key, settings.target_accuracy))
        is not None
    ]
    ranking = sorted(times, key=lambda item: item[0])
    assert len(ranking) == 8
    shown = final_strings(frames_by_scene, AccuracyVsTime)
    for rank, (seconds, run) in enumerate(ranking, start=1):
        assert f"{rank}. {view.short(run)}  {units.duration(seconds)}" in shown


class CutOffAnnotation(Scene):
    """The seed's weak point: an annotation box running off the frame's right edge."""

    def construct(self):
        box = kit.callout(
            [("1,393x faster than the laptop", 30, "#FFFFFF", True)],
            kit.THEMES["dark"],
            max_width=20,
        )
        box.to_edge(RIGHT, buff=0).shift(RIGHT * 1.2)
        self.add(box)
        self.wait(0.1)


def test_the_checker_catches_a_cut_off_annotation():
    frames = key_frames(CutOffAnnotation)
    assert any("outside the 5% margin" in p for p in layout_problems(frames[-1]))


def test_the_checker_catches_overlaps_and_tiny_text():
    scene = Scene()
    a = kit.text("label one", 20, "#FFFFFF")
    b = kit.text("label two", 20, "#FFFFFF").move_to(a).shift(RIGHT * 0.3)
    tiny = kit.text("fine print", 8, "#FFFFFF").shift([0, -2, 0])
    scene.add(a, b, tiny)
    problems = layout_problems(shown_texts(scene))
    assert any(p.startswith("overlap") for p in problems)
    assert any(p.startswith("too small") for p in problems)


def test_a_long_title_ends_before_the_clocks_widest_time():
    """With long cluster and laptop names the title reached over the clock's time ('23 h 59 min'
    is wider than the column it had), 5 px above it at 480p (found by a newcomer)."""
    from scenes.kit.clock import ClockReadout
    from scenes.kit.frame import CLOCK_GAP
    from scenes.kit.theme import DARK as theme

    shown = kit.title("The training race: Mahti vs ThinkPad X1", theme)
    clock = ClockReadout(theme)
    clock.show(units.DAY - 1)
    assert shown.get_right()[0] <= clock.value.get_left()[0] - CLOCK_GAP + 1e-6
    # a clock in tenths (a study of seconds) at its widest
    tenths = ClockReadout(theme, tenths=True)
    tenths.show(units.HOUR - 0.05)
    assert tenths.value.original_text == "59:59.9"
    assert shown.get_right()[0] <= tenths.value.get_left()[0] - CLOCK_GAP + 1e-6


def test_a_sign_stays_on_the_line_of_its_number():
    """'One node: ≥ 120% efficient' broke after the sign ('One node: ≥' over '120% efficient'),
    as a number keeps its unit."""
    from manim import Text

    from scenes import kit

    size = kit.SMALL_SIZE
    whole = kit.text("One node: ≥ 120% efficient", size, "#ffffff").width
    for width in (whole * 0.55, whole * 0.7, whole * 0.85):
        lines = kit.callout_lines("One node: ≥ 120% efficient", size, "#ffffff", width)
        texts = [m.text for m in lines if isinstance(m, Text)]
        assert len(texts) > 1 and not any(t.endswith("≥") for t in texts), texts
