"""Plans on random stores (hypothesis): no plan shows a time, speedup or device count that the
report does not hold; every GPU, node or core number in a label has evidence in its run; no two
lanes or bars share a label; no unknown run appears; nothing says "0 GPUs"."""

from __future__ import annotations

import re

import numpy as np
import pandas as pd
import pytest
from hypothesis import HealthCheck, event, given, settings
from hypothesis import strategies as st

from extract.errors import InputError
from extract.model import Evidence, Run
from study import units
from study.plans import TIMES, comparison_plan, race_plan, speedup_text
from study.settings import Settings
from study.view import view_of

STATES = ("finished", "failed", "crashed", "killed", "running")
# names without digits, so that every number in a label is a fact's (or a date's, or epochs')
NAMES = ("alpha", "beta", "gamma", "delta", "resnet", "vit run", "Baseline")
OVERRIDES = ("Reference machine", "Old code", "Baseline")


@st.composite
def a_run(draw, index: int) -> Run:
    platform = draw(st.sampled_from(("cluster", "laptop", "unknown")))
    gpus = nodes = cores = None
    evidence: dict[str, Evidence] = {}
    if platform == "cluster":
        # mostly the usual sizes, so that several runs share one (best of N)
        usual = st.sampled_from((1, 8, 64))
        gpus = draw(st.one_of(st.none(), usual, usual, usual, st.integers(1, 512)))
        nodes = draw(st.none() | st.integers(1, 64))
        evidence["platform"] = Evidence("config", "device_type", "cuda")
    elif platform == "laptop":
        cores = draw(st.none() | st.integers(1, 64))
        evidence["platform"] = Evidence("config", "device_type", "cpu")
    if gpus is not None:
        evidence["gpus"] = Evidence("config", "total_gpus", str(gpus))
    if nodes is not None:
        evidence["nodes"] = Evidence("config", "nodes", str(nodes))
    if cores is not None:
        evidence["cores"] = Evidence("config", "cpu_cores", str(cores))
    epochs = draw(st.none() | st.integers(1, 20).map(float))
    state = draw(st.sampled_from(("finished",) * 4 + STATES))
    epochs_done = None
    if epochs is not None:
        evidence["epochs"] = Evidence("config", "epochs", f"{epochs:g}")
        if state == "finished":
            epochs_done = epochs
        else:
            epochs_done = draw(st.none() | st.floats(0.1, epochs).map(lambda e: round(e, 2)))
    if epochs_done is not None:
        evidence["epochs_done"] = Evidence("summary", "epoch", f"{epochs_done:g}")
    measured = draw(st.floats(1.0, 5e5))
    time_s, extrapolated = measured, False
    if platform == "laptop" and epochs and draw(st.booleans()):
        # an estimate of the whole job from part of it (a subset, or a stopped run)
        extrapolated = True
        time_s = measured * draw(st.floats(1.5, 200.0))
    evidence["time"] = Evidence("estimate" if extrapolated else "runs table", "runtime", "")
    label = draw(st.none() | st.sampled_from(OVERRIDES)) if draw(st.integers(0, 9)) == 0 else None
    day = draw(st.integers(1, 28))
    history = pd.DataFrame({"_runtime": np.array([], dtype=float)})
    if epochs and draw(st.booleans()):
        # an epoch staircase over the measured time
        n = int(epochs) * 3
        history = pd.DataFrame(
            {"_runtime": np.linspace(0, measured, n), "epoch": np.repeat(range(int(epochs)), 3)}
        )
    return Run(
        run_id=f"id{index}",
        name=draw(st.sampled_from(NAMES)),
        platform=platform,
        state=state,
        gpus=gpus,
        nodes=nodes,
        epochs=epochs,
        time_s=time_s,
        extrapolated=extrapolated,
        measured_s=measured,
        created_at=f"2025-07-{day:02d}T10:00:00.000Z",
        source="csv:export.csv",
        history=history,
        cores=cores,
        cores_word=draw(st.sampled_from(("cores", "threads"))),
        epochs_done=epochs_done,
        evidence=evidence,
        label_override=label,
    )


@st.composite
def stores(draw) -> list[Run]:
    count = draw(st.integers(0, 9))
    return [draw(a_run(i)) for i in range(count)]


a_setting = st.builds(
    Settings,
    laptop_name=st.sampled_from(("Laptop", "Workstation")),
    cluster_name=st.sampled_from(("LUMI", "Mahti")),
    comparison_time=st.sampled_from(("total", "per_epoch")),
)

COUNT = r"(\d[\d,]*)"


def numbers(pattern: str, text: str) -> list[int]:
    return [int(m.replace(",", "")) for m in re.findall(pattern, text)]


def check_label(run: Run, label: str) -> None:
    """Every device count a label claims is the run's, with evidence."""
    for value in numbers(COUNT + r" GPUs?\b", label):
        assert value == run.gpus and "gpus" in run.evidence, (label, run)
    for value in numbers(COUNT + r" nodes?\b", label):
        assert value == run.nodes and "nodes" in run.evidence, (label, run)
    for value in numbers(COUNT + r" (?:cores?|threads?)\b", label):
        assert value == run.cores and "cores" in run.evidence, (label, run)


@settings(
    max_examples=150,
    deadline=None,
    database=None,
    suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large],
)
@given(runs=stores(), chosen=a_setting)
def test_plans_hold_only_what_the_report_holds(runs: list[Run], chosen: Settings) -> None:
    view = view_of(runs, chosen)
    report = view.report
    figures = {f.run_id: f for f in report.runs}
    shown = view.shown
    for run in shown:
        assert run.platform != "unknown" and run.known and figures[run.run_id].shown
    if not shown:
        assert report.fastest_cluster_s is None and report.max_speedup is None
        return
    platforms = {r.platform for r in shown}
    if platforms != {"cluster", "laptop"}:
        # one side only: nothing to race or compare, refused in one line (issue 19)
        with pytest.raises(InputError, match="no shown run is a"):
            race_plan(view)
        return
    race = race_plan(view)
    try:
        comparison = comparison_plan(view)
    except InputError:
        # per epoch, a side whose runs have no time per epoch leaves nothing to compare
        assert chosen.comparison_time == "per_epoch"
        return
    # what the examples covered (pytest --hypothesis-show-statistics)
    event(f"{len(race.lanes)} lanes")
    if any("best of" in lane.label for lane in race.lanes):
        event("best of N")
    if report.max_speedup is not None:
        event("a speedup headline")
    if any(r.platform == "unknown" for r in runs):
        event("an unknown run left out")
    per_epoch = chosen.comparison_time == "per_epoch"

    # which runs: only shown ones, each once, labels unique
    lanes = race.lanes
    assert [lane.run.run_id for lane in lanes] == [r.run_id for r in shown]
    assert len({lane.label for lane in lanes}) == len(lanes)
    assert len({bar.label for bar in comparison.bars}) == len(comparison.bars)
    assert {bar.run.run_id for bar in comparison.bars} <= {r.run_id for r in shown}

    # labels: facts with evidence, best of N the size of the group it stands for
    for lane in lanes:
        check_label(lane.run, lane.label)
        best = re.search(r"\(best of (\d+)\)", lane.label)
        if best:
            # a configuration: a GPU count on the cluster; a laptop's is of laptop runs
            same = [
                r
                for r in runs
                if r.platform == lane.run.platform
                and (r.platform == "laptop" or r.gpus == lane.run.gpus)
                and figures[r.run_id]
            ]
            assert int(best.group(1)) <= len(same)
            assert int(best.group(1)) == view.selection.stands_for[lane.run.run_id]
    for bar in comparison.bars:
        check_label(bar.run, bar.label)

    # times: each stamp is the report's time of that run
    for lane in lanes:
        figure = figures[lane.run.run_id]
        stamp = units.duration(figure.time_s)
        assert lane.stamp == (f"\u2248{stamp}" if figure.extrapolated else stamp)
    laptop_values = []
    for bar in comparison.bars:
        figure = figures[bar.run.run_id]
        value = figure.time_per_epoch_s if per_epoch else figure.time_s
        assert value is not None and bar.value_s == value
        if figure.platform == "laptop":
            laptop_values.append(value)
    for bar in comparison.bars:
        expected = speedup_text(bar.value_s, laptop_values) if bar.run.platform == "cluster" else ""
        assert bar.speedup == expected

    # headline figures: the report's when its fastest run is drawn; else the fastest drawn
    # run's (another run stands for the store's fastest on screen), so every figure has a lane
    texts = [line.text for line in race.closing]
    fastest_s, speedup = report.fastest_cluster_s, report.max_speedup
    drawn = view.selection.cluster
    if fastest_s is not None and report.fastest_cluster_run_id not in {r.run_id for r in drawn}:
        fastest_s = min(r.time_s for r in drawn)
        high = max((r.time_s for r in view.selection.laptops), default=None)
        speedup = high / fastest_s if high else None
        event("the store's fastest run not drawn")
    if fastest_s is not None:
        assert texts[0].endswith(f": {units.duration(fastest_s)}")
    if speedup is not None:
        # over the slowest laptop: the top of a range when the laptops' times differ
        laptop_times = {r.time_s for r in view.selection.laptops}
        top = "up to " if len(laptop_times) > 1 else ""
        assert f"{top}{units.ratio(speedup, TIMES)} faster" in texts
    else:
        assert not any(line.role == "headline" for line in race.closing)
    per_epoch_lines = [t for t in texts if t.startswith("Per epoch")]
    if per_epoch_lines:
        assert report.max_speedup_per_epoch is not None
        assert units.ratio(report.max_speedup_per_epoch, TIMES) in per_epoch_lines[0]

    # every device count anywhere is a shown run's; never zero GPUs
    everything = [race.title, race.source, race.start_notes, race.closing_notes, *texts]
    everything += [lane.label for lane in lanes] + [lane.estimate_note or "" for lane in lanes]
    everything += [comparison.source, comparison.start_notes, comparison.closing_notes]
    everything += [comparison.range_label or ""] + [bar.label for bar in comparison.bars]
    gpus = {f.gpus for f in report.runs if f.shown and f.gpus}
    nodes = {f.nodes for f in report.runs if f.shown and f.nodes}
    cores = {f.cores for f in report.runs if f.shown and f.cores}
    for text in everything:
        assert not re.search(r"(?<![\d,.])0 GPUs?\b", text), text
        for value in numbers(r"(?<![\d,.-])" + COUNT + r" GPUs?\b", text):
            assert value in gpus, text
        for low, high in re.findall(r"(\d+)-(\d+) GPUs", text):
            assert {int(low), int(high)} <= gpus, text
        for value in numbers(r"(?<![\d,.])" + COUNT + r" nodes?\b", text):
            assert value in nodes, text
        for value in numbers(r"(?<![\d,.])" + COUNT + r" (?:cores?|threads?)\b", text):
            assert value in cores, text
