"""The frame critic (tests/frame_critic.py) on every scene's slide stops and held frame, on the
stores users bring (tests/critic_stores.py): nothing covers data, text stays readable and inside
the title-safe area, axes end near their data, nothing is drawn outside its plot area. A scene
the store cannot support is refused in one line, exit 2."""

from __future__ import annotations

import pytest
from manim import Circle, Dot, Line, Scene, VMobject

from scenes import kit
from tests.critic_stores import STORES
from tests.frame_critic import capture, problems
from tests.scene_probe import CRITIC_FRAME_RATE

SCENES = [
    ("race", "ProgressRace"),
    ("comparison", "TrainingComparison"),
    ("curves", "AccuracyVsTime"),
    ("curves", "LossVsTime"),
    ("scaling", "ScalingEfficiency"),
    ("cost", "CostOfSpeed"),
    ("curves", "MetricVsTime"),
]

# what each store cannot show, and so must refuse in one line
REFUSED = {
    ("exports", "AccuracyVsTime"),  # a runs table alone has no histories
    ("exports", "LossVsTime"),
    ("laptop-only", "ProgressRace"),  # nothing to race the laptop against
    ("laptop-only", "TrainingComparison"),
    ("laptop-only", "AccuracyVsTime"),
    ("laptop-only", "LossVsTime"),
    ("laptop-only", "ScalingEfficiency"),
    ("one-gpu-count", "ScalingEfficiency"),  # one GPU count has no scaling
    ("laptop-only", "CostOfSpeed"),  # no cluster run paid for any speed
    ("exports", "MetricVsTime"),  # no history: no key to draw
    ("laptop-only", "MetricVsTime"),  # the laptops logged no history
    ("offline", "MetricVsTime"),  # no run logged learning_rate (Hugging Face's is train/...)
}


@pytest.mark.render
@pytest.mark.parametrize("store", STORES)
@pytest.mark.parametrize(("module", "scene"), SCENES, ids=[s for _, s in SCENES])
def test_every_held_frame_and_slide_stop(critic_stores, probes, store, module, scene):
    if store == "sample":
        # the sample's probe at a deck's frame rate, which the holds and layout checks read:
        # its stops are where `make slides QUALITY=l` puts them
        probed = probes.get(scene, None, "sample study")
    else:
        path, cfg = critic_stores[store]
        probed = probes.get(scene, path, cfg=cfg, frame_rate=CRITIC_FRAME_RATE)
    if probed.refused is not None:
        assert (store, scene) in REFUSED, f"{scene} refused the {store} store: {probed.refused}"
        assert probed.exit_code == 2
        lines = probed.error_lines
        assert len(lines) == 1 and lines[0].startswith("error: "), lines
        return
    assert (store, scene) not in REFUSED, f"{scene} drew the {store} store"
    judged = probed.judged
    assert judged[-1].name == "held frame" and len(judged) >= 2
    assert judged[-1].texts and judged[-1].marks, "the held frame shows text and data"
    assert probed.held_contrast > 5, "the held frame, drawn, is one flat colour"
    found = [p for frame in judged for p in frame.problems]
    assert found == [], "\n".join(found[:10])


# --- the critic sees what it must -------------------------------------------------------------


def _chart(theme: kit.Theme) -> kit.Chart:
    return kit.Chart(
        kit.Scale(1, 100, log=True),
        kit.Scale(0, 1),
        (-4.0, 4.0, -2.0, 2.0),
        theme,
        kit.time_ticks(1, 100),
        [(0.0, "0"), (1.0, "1")],
    )


def _curve(chart: kit.Chart, last_s: float) -> VMobject:
    curve = VMobject(stroke_width=3).set_points_as_corners(
        [chart.c2p(1, 0.1), chart.c2p(last_s**0.5, 0.5), chart.c2p(last_s, 0.9)]
    )
    return kit.marks.data(curve, axis=chart)


def test_the_critic_catches_a_box_over_a_curve_and_text_over_a_point():
    theme = kit.THEMES["dark"]
    scene = Scene()
    chart = _chart(theme)
    curve = _curve(chart, 95)
    dot = kit.marks.data(Dot(chart.c2p(10, 0.2)), axis=chart)
    box = kit.callout([("ranking", 21, theme.foreground, True)], theme, max_width=3)
    box.move_to(curve.point_from_proportion(0.5))
    label = kit.text("a label", 21, theme.foreground).move_to(dot)
    scene.add(chart, curve, dot, box, label)
    found = problems(capture(scene, "held frame"))
    assert any("RoundedRectangle covers a VMobject" in p for p in found), found
    assert any("text 'a label' covers a Dot" in p for p in found), found


def test_the_critic_catches_leaders_that_cross_or_pass_over_another_run_s_end():
    """A reader follows a leader from its label to the first end dot it meets: leaders that
    cross, or one that runs over another run's dot, point at the wrong run."""
    scene = Scene()
    dots = [kit.marks.data(Dot([x, y, 0], radius=0.06)) for x, y in ((0, 0), (1, 0), (2, -1))]

    def leader(start: tuple[float, float], label_y: float) -> Line:
        return kit.marks.leader(Line([start[0] + 0.08, start[1], 0], [3.5, label_y, 0]))

    # the first end's leader rises over the second's, whose label is higher: they cross; the
    # third's, level, clears the others
    scene.add(*dots, leader((0, 0), 1.0), leader((1, 0), 2.0), leader((2, -1), -1.0))
    found = problems(capture(scene, "held frame"))
    assert found == ["held frame: the leaders from (0.08, 0.00) and (1.08, 0.00) cross"], found
    # level from the first end: over the second's dot (the leader's own dot does not count)
    scene.add(leader((0, 0), 0.0))
    found = problems(capture(scene, "held frame"))
    assert "held frame: the leader from (0.08, 0.00) passes over the point at (1.00, 0.00)" in found


def test_the_critic_catches_an_axis_past_its_data_and_a_mark_outside():
    theme = kit.THEMES["dark"]
    scene = Scene()
    chart = _chart(theme)
    short = _curve(chart, 3)  # ends at 3 s on an axis to 100 s
    outside = kit.marks.data(Circle(radius=0.1).move_to([4.5, 0, 0]), axis=chart)
    scene.add(chart, short, outside)
    found = problems(capture(scene, "held frame"))
    assert any("drawn outside its plot area" in p for p in found), found
    scene.remove(outside)
    found = problems(capture(scene, "held frame"))
    assert any("the axis runs" in p for p in found), found


def test_the_critic_catches_small_text_and_text_off_the_safe_area():
    theme = kit.THEMES["light"]
    scene = Scene()
    scene.add(kit.text("fine print", kit.MIN_TEXT_SIZE - 2, theme.foreground))
    scene.add(kit.text("off the edge", 21, theme.foreground).move_to([7.0, 0, 0]))
    found = problems(capture(scene, "held frame"))
    assert any("text below" in p for p in found), found
    assert any("outside the 5% margin" in p for p in found), found


def test_a_y_caption_with_no_room_for_its_baseline_says_its_short_form():
    """ScalingEfficiency's caption names its baseline ("over 1 GPU, 1 node (best of 3)"); beside
    the ideal line's label a long one gives way to the baseline's GPU count, not to an ellipsis."""
    whole = "speedup per epoch over 1 GPU, 1 node (best of 3), a very long baseline name"
    chart = kit.Chart(
        kit.Scale(1, 16, log=True),
        kit.Scale(1, 16, log=True),
        (-4.0, 2.0, -2.0, 2.0),
        kit.THEMES["dark"],
        kit.power_of_two_ticks(1, 16),
        kit.power_of_two_ticks(1, 16),
        y_caption=whole,
        y_caption_end=0.5,
        y_caption_short="speedup per epoch over 1 GPU",
    )
    assert chart.y_caption.text == "speedupperepochover1GPU"  # Manim's Text keeps no spaces


def test_a_log_axis_is_filled_by_its_data():
    """A loss that moved from 0.81 to 0.99 fills its axis (0.8 to 1), not a tenth of 0.1 to 1;
    one from 0.73 to 2.6 ends at 0.7 and 3, labelled at 1 and 2 too (a newcomer's 0.5-5 left a
    third of the chart empty); a loss over decades keeps its decades."""
    assert kit.log_ticks(0.81, 0.99) == (0.8, 1.0, [(0.8, "0.8"), (0.9, "0.9"), (1.0, "1")])
    low, high, ticks = kit.log_ticks(0.73, 2.6)
    assert (low, high) == (0.7, 3.0) and [label for _, label in ticks] == ["0.7", "1", "2", "3"]
    # a lowest value on the axis line would hide there: the axis ends a mark lower
    assert kit.log_ticks(0.404, 2.6)[0] == 0.3
    low, high, ticks = kit.log_ticks(0.03, 8.0)  # the sample's training loss
    assert (low, high) == (0.01, 10.0) and [label for _, label in ticks] == [
        "0.01",
        "0.1",
        "1",
        "10",
    ]
