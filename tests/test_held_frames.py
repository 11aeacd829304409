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
