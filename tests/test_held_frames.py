"""What a newcomer saw on the held frames of a project of their own (issue 26), each on a store
built here like the sample, probed without video (tests/scene_probe.py)."""

from __future__ import annotations

import dataclasses
import re

import pytest

from extract.model import Run
from extract.sample import sample_runs
from study.view import view_of
from tests.scene_probe import CRITIC_FRAME_RATE, probe


def scaled(runs: list[Run], factor: float) -> list[Run]:
    """``runs`` with every time (totals, measured parts, histories) times ``factor``."""
    out = []
    for run in runs:
        history = run.history.copy()
        if "_runtime" in history:
            history["_runtime"] = history["_runtime"] * factor
        measured = run.measured_s * factor if run.measured_s is not None else None
        out.append(
            dataclasses.replace(
                run, time_s=run.time_s * factor, measured_s=measured, history=history
            )  # fmt: skip
        )
    return out


def seconds_study() -> list[Run]:
    """The sample's runs, the fastest finishing at 0.56 s (a newcomer's study of seconds)."""
    runs = sample_runs()
    return scaled(runs, 0.56 / min(r.time_s for r in runs))


CLOCK = re.compile(r"\d+:\d\d(\.\d)?")


@pytest.mark.render
def test_the_race_clock_reads_a_sub_second_finish_in_tenths():
    from scenes.race import ProgressRace

    probed = probe(ProgressRace, view_of(seconds_study()), frame_rate=CRITIC_FRAME_RATE)
    # the frame where the first run's finishing stamp appears: the clock has passed 0.5 s
    stamped = next(f for f in probed.frames if any("0.56 s" in t.content for t in f))
    (reading,) = [t.content for t in stamped if CLOCK.fullmatch(t.content)]
    assert reading.startswith("0:00.") and reading != "0:00.0", reading
    held = [t.content for t in probed.frames[-1] if CLOCK.fullmatch(t.content)]
    assert held and all("." in r for r in held), held  # one unit for the whole clock


def four_laptops() -> list[Run]:
    """The sample with four laptop runs: a run of one laptop on another subset at the same time
    per epoch (its mark coincides with the first's) and one at a third of the other's time."""
    runs = sample_runs()
    multicore, benchmark = (
        (r for r in runs if r.platform == "laptop" and "Multicore" in r.name),
        (r for r in runs if r.platform == "laptop" and "Benchmark" in r.name),
    )
    again = next(multicore)
    faster = next(benchmark)
    # another configuration (a 3% subset: a lane of its own), at the same time per epoch
    again = dataclasses.replace(
        again,
        run_id=f"{again.run_id}-again",
        name=f"{again.name}-again",
        config={**again.config, "subset_percentage": 3},
    )
    faster = dataclasses.replace(
        faster,
        run_id=f"{faster.run_id}-4c",
        name="Laptop-4cores",
        time_s=faster.time_s / 3,
        measured_s=(faster.measured_s or 0) / 3,
    )
    return [*runs, again, faster]


def test_laptops_at_one_spot_are_counted_in_one_name():
    from study.cost_plan import cost_plan, laptop_spot_label

    marks = {m.run.name: m for m in cost_plan(view_of(four_laptops())).laptops}
    twins = [marks["Laptop-Multicore-2.0pct-8cores"], marks["Laptop-Multicore-2.0pct-8cores-again"]]
    assert twins[0].time_per_epoch_s == twins[1].time_per_epoch_s
    assert laptop_spot_label(twins, "Laptop") == "Laptop, 8 cores (2 runs)"
    apart = [marks["Laptop-4cores"], marks["Laptop-Multicore-2.0pct-8cores"]]
    assert laptop_spot_label(apart, "Laptop") == "Laptop (2 runs)"
    assert laptop_spot_label(apart[:1], "Laptop") == apart[0].label


@pytest.mark.render
def test_every_laptop_mark_of_the_cost_chart_is_named():
    # four laptop runs drew three marks (two coincide) and named none (found by a newcomer)
    from scenes.cost import CostOfSpeed

    probed = probe(CostOfSpeed, view_of(four_laptops()), frame_rate=CRITIC_FRAME_RATE)
    held = [t.content for t in probed.frames[-1]]
    assert "Laptop, 8 cores (2 runs)" in held, held
    # the benchmark and Laptop-4cores are one configuration (1% subset, 8 threads): one lane
    assert "Laptop, 8-thread CPU (best of 2)" in held, held
    found = [p for frame in probed.judged for p in frame.problems]
    assert found == [], found


def fine_tuning() -> list[Run]:
    """The sample with every accuracy moved to 91-99%: runs that start near the target run
    along the target line from the chart's left edge (fine-tuning a trained model)."""
    runs = []
    for run in sample_runs():
        history = run.history.copy()
        if "running_accuracy" in history:
            accuracy = history["running_accuracy"]
            history["running_accuracy"] = 0.91 + 0.08 * accuracy / accuracy.max()
        runs.append(dataclasses.replace(run, history=history))
    return runs


@pytest.mark.render
def test_the_target_label_sits_where_no_curve_is():
    # curves crossed "target 90%" at the line's left end (found by a newcomer); the frame
    # critic saw it once a store had curves there: none of its stores had
    from scenes.curves import AccuracyVsTime

    probed = probe(AccuracyVsTime, view_of(fine_tuning()), frame_rate=CRITIC_FRAME_RATE)
    found = [p for frame in probed.judged for p in frame.problems]
    assert found == [], found
    (label,) = [t for t in probed.frames[-1] if t.content == "target 90%"]
    assert label.right - label.left > 0.5  # shown whole, at its size


@pytest.mark.render
def test_a_speedup_above_the_ideal_sits_under_a_labelled_power():
    """A slow 1-GPU baseline puts every speedup above the ideal: the axis goes up to the next
    labelled power of two, so the fastest point is under a gridline, not on the chart's edge
    above the last label (a newcomer's 22.5x at 8 GPUs sat over an axis labelled up to 16x)."""
    from scenes.scaling import ScalingEfficiency

    runs = [scaled([r], 4.0)[0] if r.gpus == 1 else r for r in sample_runs()]
    held = [
        t.content for t in probe(ScalingEfficiency, view_of(runs), CRITIC_FRAME_RATE).frames[-1]
    ]
    powers = [int(c[:-1]) for c in held if re.fullmatch(r"\d+×", c)]
    speedups = [float(c[:-1]) for c in held if re.fullmatch(r"\d+\.\d+×", c)]
    assert max(speedups) > 64, speedups  # above the ideal of the sample's 64 GPUs
    assert max(powers) >= max(speedups), (powers, speedups)
