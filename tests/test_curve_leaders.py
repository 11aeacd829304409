"""The curves' end labels (scenes/kit/labels.py): each leader starts at its own curve's last
point, no two leaders cross, no leader passes over another run's end dot, and the labels keep
the order of their ends. (A newcomer saw every leader start at the chart's right edge at its
run's final value: a run that ended early seemed to point at the curve that reaches the edge
there. On the sample's epoch chart, where every run stops at epoch 9, leaders crossed and ran
over other runs' end dots.)"""

from __future__ import annotations

import dataclasses

import numpy as np
import pytest
from manim import tempconfig

from extract.sample import sample_runs
from scenes.kit import marks
from scenes.kit.labels import crosses, leader_slots
from study.settings import Settings
from study.view import StudyView, view_of
from tests.frame_critic import HELD, capture, leader_problems

RADIUS, MARGIN = 0.06, 0.04  # scenes/kit/curve_scene.py END_DOT, LEADER_MARGIN
COLUMN = 3.27  # where the leaders end, left of the labels
BOUNDS = (-2.8, 2.4)


def leaders_of(scene_class: type, view: StudyView) -> list[tuple[object, np.ndarray]]:
    with tempconfig({"dry_run": True, "quality": "low_quality", "verbosity": "WARNING"}):
        scene = scene_class(view=view)
        scene.setup()
        scene.set_stage()
        found = []
        for trace in scene.traces:
            (leader,) = [m for m in trace.label if marks.role(m) == "leader"]
            corners = np.vstack([leader.get_start_anchors(), leader.get_end_anchors()[-1:]])
            found.append((trace, corners[:, :2]))
        return found


def sample_view(metric: str) -> StudyView:
    settings = dataclasses.replace(Settings(metric=metric))
    return view_of(sample_runs(), settings, store_name="sample study")


@pytest.mark.render  # runs the scene (a dry run)
@pytest.mark.parametrize("name", ["AccuracyVsTime", "LossVsTime"])
def test_each_leader_starts_at_its_own_curves_end_and_none_cross(sample_view, name):
    import scenes.curves

    leaders = leaders_of(getattr(scenes.curves, name), sample_view)
    # the sample's runs end from 3.3 min to 2 h: most curves end well inside the chart
    ends = [float(trace.end_dot.get_center()[0]) for trace, _ in leaders]
    assert max(ends) - min(ends) > 2.0
    for trace, corners in leaders:
        dot = trace.end_dot.get_center()
        start, end = corners[0], corners[-1]
        # beside its own end dot, at its height: not at the chart's edge
        assert abs(start[1] - dot[1]) < 1e-6, trace.run.name
        assert 0 < start[0] - dot[0] < 0.15, trace.run.name
        label = trace.label[0]
        assert end[0] < label.get_left()[0] and label.get_bottom()[1] - 0.2 < end[1]
    for i, (_, one) in enumerate(leaders):
        for trace, other in leaders[i + 1 :]:
            assert not crosses(*one[:2], *other[:2]), trace.run.name


@pytest.mark.render  # runs the scene (a dry run of its held frame alone)
@pytest.mark.parametrize("key", ["epoch", "batch_loss", "learning_rate"])
def test_the_sample_charts_leaders_neither_cross_nor_pass_over_a_dot(key):
    """`make charts` on the sample: every run stops at epoch 9, at a minute or an hour apart;
    the per-batch loss of 1 and 2 GPUs ends at one height; 32 and 64 GPUs end their learning
    rate schedules side by side."""
    from scenes.curves import MetricVsTime

    with tempconfig({"dry_run": True, "quality": "low_quality", "verbosity": "WARNING"}):
        scene = MetricVsTime(view=sample_view(key), as_figure=True)
        scene.renderer.update_frame = lambda *args, **kwargs: None  # where, not pixels
        scene.render()
        frame = capture(scene, HELD)
    assert len(frame.leaders) == 8
    assert leader_problems(frame) == []
    # a bent leader faded in is a line, not a filled wedge
    for trace in scene.traces:
        (leader,) = [m for m in trace.label if marks.role(m) == "leader"]
        assert leader.get_fill_opacity() == 0, trace.run.name


def _faults(dots, leaders) -> list[str]:
    found = []
    for i, one in enumerate(leaders):
        for j, other in enumerate(leaders):
            if j > i and any(
                crosses(a, b, c, d)
                for a, b in zip(one.corners, one.corners[1:], strict=False)
                for c, d in zip(other.corners, other.corners[1:], strict=False)
            ):
                found.append(f"{i} crosses {j}")
        for j, dot in enumerate(dots):
            # a dot touching the leader's own cannot be cleared
            touching = np.hypot(dot[0] - dots[i][0], dot[1] - dots[i][1]) <= 2 * RADIUS + MARGIN
            if not touching and _distance(np.array(dot), one.corners) < RADIUS + 0.01:
                found.append(f"{i} passes over dot {j}")
    return found


def _distance(point: np.ndarray, corners) -> float:
    nearest = np.inf
    for a, b in zip(corners, corners[1:], strict=False):
        a, b = np.array(a), np.array(b)
        share = np.clip(np.dot(point - a, b - a) / np.dot(b - a, b - a), 0, 1)
        nearest = min(nearest, float(np.linalg.norm(point - (a + share * (b - a)))))
    return nearest


def _placed(dots, gap=0.3):
    starts = [(x + RADIUS + 0.02, y) for x, y in dots]
    return leader_slots(dots, starts, COLUMN, gap, BOUNDS, RADIUS, MARGIN)


def test_ends_at_one_height_fan_out_so_that_no_leader_passes_over_a_dot():
    # the sample's epoch chart: seven runs stop at epoch 9, the nearest to the labels 0.3 apart,
    # one run at epoch 5 (in scene units, as the chart draws them)
    dots = [(0.82, 1.84), (1.07, 1.84), (1.32, 1.84), (1.85, 1.84), (2.45, 1.84), (2.99, 1.84)]
    dots += [(3.0 - 0.6, 0.0)]
    leaders = _placed(dots)
    assert _faults(dots, leaders) == []
    # straight leaders to the labels' column, each at least the gap from the next
    assert all(len(leader.corners) == 2 for leader in leaders)
    heights = sorted(leader.label_y for leader in leaders)
    assert min(np.diff(heights)) >= 0.3 - 1e-9
    # the run at epoch 5 keeps its label under those at epoch 9
    assert leaders[-1].label_y == heights[0]


def test_labels_keep_the_order_of_their_ends():
    # ends one above the other: each label at its end's height, in its end's order
    dots = [(1.0, 1.0), (1.0, 0.0), (1.0, -1.0), (1.0, 2.0)]
    heights = [leader.label_y for leader in _placed(dots)]
    assert heights == pytest.approx([1.0, 0.0, -1.0, 2.0], abs=0.011)
    # ends close together: pushed apart, still in order
    dots = [(2.0, 0.1), (2.5, 0.0), (1.5, -0.1)]
    heights = [leader.label_y for leader in _placed(dots)]
    assert heights[0] > heights[1] > heights[2]


def test_an_early_end_s_leader_does_not_cross_a_later_one_at_its_height():
    # two curves ending at about one height, one early, one late: the early one's leader
    # straight to the labels at its end's height runs over the later one's end
    dots = [(-2.0, 0.0), (2.0, 0.01)]
    assert _distance(np.array(dots[1]), [(-1.92, 0.0), (COLUMN, 0.0)]) < RADIUS
    leaders = _placed(dots)
    assert _faults(dots, leaders) == []
    assert leaders[0].label_y < leaders[1].label_y  # under the later end, below its dot


# the sample's loss and learning rate charts as drawn (scene units), the labels' gap and bounds
CHART_GAP, CHART_BOUNDS = 0.328, (-2.84, 2.39)
LOSS_ENDS = [(-0.29, -1.23), (0.08, -1.19), (0.33, -1.23), (0.57, -1.34), (1.1, -1.37)]
LOSS_ENDS += [(1.7, -1.18), (2.27, -1.49), (2.86, -1.29)]
RATE_ENDS = [(0.0, -0.22), (0.34, -0.2), (0.57, -0.75), (0.79, -0.86), (1.27, -1.79)]
RATE_ENDS += [(1.81, -1.79), (2.33, -1.76), (2.86, -1.86)]


def _chart_placed(dots):
    starts = [(x + RADIUS + 0.02, y) for x, y in dots]
    return leader_slots(dots, starts, COLUMN, CHART_GAP, CHART_BOUNDS, RADIUS, MARGIN)


def _column(leaders) -> tuple[list[int], np.ndarray]:
    order = sorted(range(len(leaders)), key=lambda i: -leaders[i].label_y)
    return order, -np.diff([leaders[i].label_y for i in order])


def test_ends_at_about_one_height_keep_a_compact_column_in_the_order_they_fan():
    # the loss of eight runs ends within 0.3 of one height, from 3 min to 2 h: the labels are
    # one column, the farthest end's on top (their leaders fan up without crossing), the end
    # clearly lower (2 GPUs) under the rest; none sent away to clear a dot (it was at 0.74,
    # 2.5 gaps above the next, with the labels out of that order)
    leaders = _chart_placed(LOSS_ENDS)
    assert _faults(LOSS_ENDS, leaders) == []
    order, gaps = _column(leaders)
    assert order == [0, 1, 2, 3, 4, 5, 7, 6]
    assert max(gaps) < CHART_GAP + 0.021  # one grid step of slack


def test_an_early_end_beside_a_later_one_at_its_height_keeps_its_label_in_the_column():
    # 64 GPUs' learning rate ends just left of 32 GPUs' at about its height: a straight
    # leader clear of that dot climbs so steeply that its label went 4.5 gaps above the
    # column; bent just past the dot, it stays on top of the column
    leaders = _chart_placed(RATE_ENDS)
    assert _faults(RATE_ENDS, leaders) == []
    order, gaps = _column(leaders)
    assert order == list(range(8))
    assert max(gaps) < CHART_GAP + 0.021


def ends_at_one_height_view() -> StudyView:
    """The sample's cluster runs with accuracy rising from 5% to 94% over each run's own
    time, as a newcomer's scaling study did: ends at one height, from seconds to minutes apart,
    so the labels beside the chart fan out far below the ends and the leaders cross the chart."""
    runs = []
    for run in sample_runs():
        if run.platform != "cluster" or run.gpus not in (1, 2, 4, 8, 16):
            continue
        history = run.history.copy()
        times = history["_runtime"].clip(lower=1.0)
        share = np.log(times) / np.log(float(times.max()))  # straight on the log time axis
        history["running_accuracy"] = 5.0 + 89.0 * share
        runs.append(dataclasses.replace(run, history=history))
    return view_of(runs, Settings(), store_name="ends at one height")


@pytest.mark.render  # runs the scene (a dry run)
def test_no_leader_runs_through_the_ranking_box():
    from scenes.curves import AccuracyVsTime

    with tempconfig({"dry_run": True, "quality": "low_quality", "verbosity": "WARNING"}):
        scene = AccuracyVsTime(view=ends_at_one_height_view())
        scene.renderer.update_frame = lambda *args, **kwargs: None  # where, not pixels
        scene.render()
        frame = capture(scene, HELD)
    assert frame.panels, "the ranking box is on the held frame"
    assert leader_problems(frame) == []
