import numpy as np
import pandas as pd
import pytest

from extract.model import Run
from study.progress import progress_curve


def run_with(history: dict, **overrides) -> Run:
    fields = dict(
        run_id="r",
        name="r",
        platform="cluster",
        state="finished",
        gpus=4,
        nodes=1,
        epochs=4,
        time_s=100.0,
        history=pd.DataFrame(history),
    )
    fields.update(overrides)
    return Run(**fields)


def test_progress_follows_the_epoch_staircase_not_a_straight_line():
    # first epoch takes 40 s, the other three 20 s each
    times = np.array([10, 20, 30, 40, 50, 60, 70, 80, 90, 100], dtype=float)
    epochs = np.array([0, 0, 0, 0, 1, 1, 2, 2, 3, 3], dtype=float)
    curve = progress_curve(run_with({"_runtime": times, "epoch": epochs}))
    assert curve.method == "epoch staircase"
    assert curve.at(50.0) == pytest.approx(0.25)
    assert curve.at(25.0) == pytest.approx(0.125)  # slower than t / T = 0.25
    assert curve.at(100.0) == 1.0


def test_per_epoch_percentage_that_resets_is_not_taken_as_overall_progress():
    history = {"_runtime": [10.0, 20.0, 30.0, 40.0], "progress_percentage": [50, 100, 50, 100]}
    curve = progress_curve(run_with(history, epochs=None))
    assert curve.method == "assumed uniform"


def test_overall_progress_percentage_is_used():
    history = {"_runtime": [10.0, 50.0, 100.0], "progress_percentage": [20.0, 40.0, 100.0]}
    curve = progress_curve(run_with(history, epochs=None))
    assert curve.method == "progress_percentage"
    assert curve.at(50.0) == pytest.approx(0.4)


def test_extrapolated_laptop_run_is_measured_then_estimated():
    run = run_with(
        {"_runtime": []},
        platform="laptop",
        gpus=0,
        time_s=10_000.0,
        extrapolated=True,
        measured_s=500.0,
    )
    curve = progress_curve(run)
    assert curve.estimated and curve.measured_until_s == 500.0
    assert curve.at(5_000.0) == pytest.approx(0.5)
