"""A wall-time axis always says what its times are: at least two labelled ticks, whatever the
range of the data (issue 17: AccuracyVsTime over runs of about 2 to 9 s showed none, as no
power of ten falls inside)."""

from __future__ import annotations

import pandas as pd
import pytest
from manim import tempconfig

from extract.model import Evidence, Run
from scenes.kit.timeaxis import time_range_ticks
from study.view import view_of


def gpu_run(gpus: int, times: list[float]) -> Run:
    return Run(
        run_id=f"{gpus}g",
        name=f"{gpus} GPU run",
        platform="cluster",
        state="finished",
        gpus=gpus,
        nodes=1,
        epochs=3,
        epochs_done=3,
        time_s=times[-1],
        evidence={"gpus": Evidence("config", "total_gpus", str(gpus))},
        history=pd.DataFrame(
            {"_runtime": times, "val_accuracy": [60.0 + 10 * i for i in range(len(times))]}
        ),
    )


@pytest.mark.parametrize(
    ("low", "high"), [(2.0, 9.0), (2.1, 4.9), (0.8, 9.9), (11.0, 55.0), (130.0, 170.0)]
)
def test_a_time_range_gets_two_labelled_ticks(low, high):
    start, end, ticks = time_range_ticks(low, high)
    assert start <= low and end >= high
    assert len(ticks) >= 2 and all(start <= s <= end for s, _ in ticks)


@pytest.mark.render  # runs the scene (a dry run)
@pytest.mark.parametrize("times", [[2.0, 5.5, 9.0], [2.2, 3.0, 4.4], [0.3, 0.6, 0.9]])
def test_accuracy_vs_time_labels_its_time_axis(times):
    from scenes.curves import AccuracyVsTime

    runs = [gpu_run(1, times), gpu_run(2, [t / 1.5 + 0.01 for t in times])]
    with tempconfig({"dry_run": True, "quality": "low_quality", "verbosity": "WARNING"}):
        scene = AccuracyVsTime(view=view_of(runs))
        scene.setup()
        scene.set_stage()
        chart = scene.chart
        below = [m for m in chart.tick_labels if m.get_top()[1] < chart.bottom]
    assert len(below) >= 2, f"x tick labels: {len(below)} for times {times}"


@pytest.mark.parametrize(("low", "high"), [(2.2, 4.4), (130.0, 170.0), (1.0, 100.0), (0.3, 0.9)])
def test_a_fixed_time_axis_labels_two_times_inside_it(low, high):
    """The race's and the comparison's axis keep their range: two ticks inside it, the ends
    themselves where no 1-2-5 step falls inside."""
    from scenes.kit.timeaxis import axis_ticks

    ticks = axis_ticks(low, high)
    assert len(ticks) >= 2 and all(low <= s <= high for s, _ in ticks), ticks
