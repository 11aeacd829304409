"""The curves' end labels: each leader line starts at its own curve's last point, and no two
leaders cross. (A newcomer saw every leader start at the chart's right edge at its run's final
value: a run that ended early seemed to point at the curve that reaches the edge there.)"""

from __future__ import annotations

import numpy as np
import pytest
from manim import Line, tempconfig

from scenes.kit.labels import uncrossed
from study.view import StudyView


def _cross(a, b, c, d) -> bool:
    def side(p, q, r):
        return (q[0] - p[0]) * (r[1] - p[1]) - (q[1] - p[1]) * (r[0] - p[0])

    return side(a, b, c) * side(a, b, d) < 0 and side(c, d, a) * side(c, d, b) < 0


def leaders_of(scene_class: type, view: StudyView) -> list[tuple[object, np.ndarray, np.ndarray]]:
    with tempconfig({"dry_run": True, "quality": "low_quality", "verbosity": "WARNING"}):
        scene = scene_class(view=view)
        scene.setup()
        scene.set_stage()
        found = []
        for trace in scene.traces:
            (leader,) = [m for m in trace.label if isinstance(m, Line)]
            found.append((trace, leader.get_start(), leader.get_end()))
        return found


@pytest.mark.render  # runs the scene (a dry run)
@pytest.mark.parametrize("name", ["AccuracyVsTime", "LossVsTime"])
def test_each_leader_starts_at_its_own_curves_end_and_none_cross(sample_view, name):
    import scenes.curves

    leaders = leaders_of(getattr(scenes.curves, name), sample_view)
    # the sample's runs end from 3.3 min to 2 h: most curves end well inside the chart
    ends = [float(trace.end_dot.get_center()[0]) for trace, _, _ in leaders]
    assert max(ends) - min(ends) > 2.0
    for trace, start, end in leaders:
        dot = trace.end_dot.get_center()
        # beside its own end dot, at its height: not at the chart's edge
        assert abs(start[1] - dot[1]) < 1e-6, trace.run.name
        assert 0 < start[0] - dot[0] < 0.15, trace.run.name
        label = trace.label[0]
        assert end[0] < label.get_left()[0] and label.get_bottom()[1] - 0.2 < end[1]
    for i, (_, a, b) in enumerate(leaders):
        for trace, c, d in leaders[i + 1 :]:
            assert not _cross(a[:2], b[:2], c[:2], d[:2]), trace.run.name


def test_label_places_are_shared_out_so_that_leaders_do_not_cross():
    # two curves ending at about one height, one early, one late: with the labels in the
    # order of their final values, the early one's leader rises across the later one's
    starts = [(0.0, 0.0), (2.0, 0.01)]
    assert _cross(starts[0], (3.0, 1.0), starts[1], (3.0, 2.0))
    slots = uncrossed(starts, [1.0, 2.0], 3.0)
    assert slots == [2.0, 1.0]
    # leaders that do not cross keep their places
    assert uncrossed([(0.0, 1.0), (1.0, 2.0)], [1.0, 2.0], 3.0) == [1.0, 2.0]
