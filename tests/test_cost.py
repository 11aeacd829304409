"""What the speed cost: GPU-hours, billing and energy per run, and CostOfSpeed's plan, without
Manim. Figures are checked against values worked out by hand from the published study's runs
table (data/sample/runs_table.csv) and from power samples whose integral is known."""

from __future__ import annotations

import dataclasses
import json
from pathlib import Path

import numpy as np
import pandas as pd
import pytest

from extract.errors import InputError
from extract.model import Evidence, Run
from extract.sample import sample_runs
from extract.studyfile import load_study
from study.analysis import build_report
from study.cost import hours_text, measured_energy, run_cost
from study.cost_plan import cost_plan
from study.report import to_json, to_markdown
from study.settings import Settings
from study.view import view_of

TIMES = "\u00d7"


@pytest.fixture(scope="module")
def sample() -> list[Run]:
    return sample_runs()


def by_name(runs: list[Run], name: str) -> Run:
    return next(r for r in runs if r.name == name)


def write_study(tmp_path: Path, text: str):
    path = tmp_path / "study.toml"
    path.write_text(text, encoding="utf-8")
    return load_study(path)


def test_gpu_hours_of_the_published_runs_by_hand(sample):
    # 1 GPU: 10 epochs in 7224 s -> 1 x 7224 / 3600 = 2.0067 GPU-hours, 0.20067 per epoch
    one = run_cost(by_name(sample, "1 GPU 1 Node Run"))
    assert one.gpu_hours == pytest.approx(7224 / 3600)
    assert one.gpu_hours_per_epoch == pytest.approx(7224 / 3600 / 10)
    assert one.node_hours == pytest.approx(7224 / 3600)
    # 64 GPUs on 8 nodes: 6 epochs in 196 s -> 3.4844 GPU-hours, 0.58074 per epoch
    big = run_cost(by_name(sample, "Eight Node Run 2.0"))
    assert big.gpu_hours == pytest.approx(64 * 196 / 3600)
    assert big.gpu_hours_per_epoch == pytest.approx(64 * 196 / 3600 / 6)
    assert big.node_hours == pytest.approx(8 * 196 / 3600)
    assert (hours_text(one.gpu_hours), hours_text(one.gpu_hours_per_epoch)) == ("2.01", "0.20")
    assert (hours_text(big.gpu_hours), hours_text(big.gpu_hours_per_epoch)) == ("3.48", "0.58")
    # no rate given, no cost; no power recorded, energy unknown
    assert one.cost is None and one.rate is None
    assert one.energy is None and one.energy_evidence() == "unknown: no power recorded"


def test_a_laptop_holds_no_gpu_hours(sample):
    laptop = run_cost(by_name(sample, "Laptop-Multicore-2.0pct-8cores"))
    assert laptop.gpu_hours is None and laptop.node_hours is None and laptop.cost is None
    assert laptop.energy is None and "laptop_watts" in laptop.energy_evidence()


def test_report_fields_and_headlines(sample):
    report = build_report(sample)
    one = report.run("1 GPU 1 Node Run")
    assert one is not None
    assert one.gpu_hours == pytest.approx(2.00667, rel=1e-4)
    assert one.gpu_hours_per_epoch == pytest.approx(0.200667, rel=1e-4)
    assert one.energy_kwh is None and one.cost is None
    assert one.evidence["energy"] == "unknown: no power recorded"
    assert report.cost is not None and report.cost.work == "per epoch"
    # cheapest to the same work: 1 GPU (0.2007 GPU-h per epoch; 2 GPUs: 2 x 3700 / 36000 =
    # 0.2056); fastest: 32 GPUs, 298 s / 10 = 29.8 s per epoch (64 GPUs: 196 / 6 = 32.7 s)
    assert report.cost.cheapest.run == "1 GPU 1 Node Run"
    assert report.cost.fastest.run == "32 GPU 4 Node Run"
    assert report.cost.fastest.gpu_hours_per_epoch == pytest.approx(32 * 298 / 3600 / 10)
    markdown = to_markdown(report)
    assert "- **Cheapest per epoch** (1 GPU, 1 node): 0.20 GPU-hours, 12.0 min" in markdown
    assert "- **Fastest per epoch** (32 GPUs, 4 nodes): 0.26 GPU-hours, 30 s" in markdown
    assert "- **Energy**: not recorded" in markdown


def test_cost_plan_on_the_published_study(sample):
    plan = cost_plan(view_of(sample, store_name="sample study"))
    assert plan.measure == "gpu_hours"
    assert plan.work == "Per epoch: equal work, one epoch of each run"
    assert [p.run.gpus for p in plan.points] == [1, 2, 4, 8, 16, 24, 32, 64]
    assert plan.ideal_value == pytest.approx(7224 / 3600 / 10)
    assert plan.points[0].row == ("1", "12.0 min", "0.20")
    assert plan.points[-1].row == ("64", "33 s", "0.58")
    # 64 GPUs: (7224 / 10) / (196 / 6) = 22.1x faster per epoch, for
    # (64 x 196 / 6) / (7224 / 10) = 2.89x the GPU-hours per epoch
    texts = [line.text for line in plan.closing]
    assert (
        texts[0]
        == f"64 GPUs: 22.1{TIMES} faster per epoch than 1 GPU, for 2.89{TIMES} the GPU-hours"
    )
    # 32 GPUs: 722.4 / 29.8 = 24.2x, for 32 x 298 / 7224 = 1.32x
    assert texts[1] == (
        f"Fastest, 32 GPUs: 24.2{TIMES} faster per epoch than 1 GPU, for 1.32{TIMES} the GPU-hours"
    )
    assert texts[2] == "Cheapest per epoch: 1 GPU, 0.20 GPU-hours"
    # the laptops: 54.094 h / 3 and 75.831 h / 3, estimates, no GPU
    assert texts[3] == "Laptop: 18\u201325 h per epoch (estimated), no GPU"
    assert all(m.value == 0.0 and m.estimated for m in plan.laptops)
    # the published study logged no power: said, not invented
    assert plan.energy_line == "Energy: not recorded by these runs"
    assert "22.1" not in plan.start_notes and "0.20 GPU-hours per epoch" in plan.start_notes


def test_a_rate_from_the_study_file_prices_the_runs(sample, tmp_path):
    study = write_study(tmp_path, '[cost]\nrate = 0.5\nper = "gpu_hour"\nunit = "EUR"\n')
    one = run_cost(by_name(sample, "1 GPU 1 Node Run"), study)
    assert one.cost == pytest.approx(0.5 * 7224 / 3600)
    plan = cost_plan(view_of(sample, study=study))
    assert plan.header == ("GPUs", "time", "GPU-h", "EUR")
    assert plan.points[0].row[-1] == "0.10"  # 0.5 x 0.2007
    assert "Cheapest per epoch: 1 GPU, 0.10 EUR at 0.5 EUR per GPU-hour (0.20 GPU-hours)" in [
        line.text for line in plan.closing
    ]
    report = build_report(sample, study)
    figures = report.run("Eight Node Run 2.0")
    assert figures is not None and figures.cost_unit == "EUR"
    assert figures.cost == pytest.approx(0.5 * 64 * 196 / 3600)
    assert figures.evidence["cost"] == "study file study.toml: 0.5 EUR per GPU-hour"


def test_a_node_hour_rate_bills_nodes(sample, tmp_path):
    study = write_study(tmp_path, '[cost]\nrate = 2\nper = "node_hour"\nunit = "billing units"\n')
    big = run_cost(by_name(sample, "Eight Node Run 2.0"), study)
    assert big.cost == pytest.approx(2 * 8 * 196 / 3600)


def test_a_rate_from_manim_cfg_and_the_study_file_wins(sample, tmp_path):
    settings = Settings(cost_rate="3", cost_unit="credits")
    one = run_cost(by_name(sample, "1 GPU 1 Node Run"), None, settings)
    assert one.cost == pytest.approx(3 * 7224 / 3600) and one.rate and one.rate.unit == "credits"
    study = write_study(tmp_path, '[cost]\nrate = 1\nunit = "EUR"\n')
    assert run_cost(by_name(sample, "1 GPU 1 Node Run"), study, settings).cost == pytest.approx(
        7224 / 3600
    )


@pytest.mark.parametrize(
    ("text", "message"),
    [
        ("[cost]\nrate = 1\n", "cost.rate needs cost.unit"),
        ('[cost]\nrate = -1\nunit = "EUR"\n', "cost.rate = -1: use a number above 0"),
        ('[cost]\nrate = 1\nunit = "EUR"\nper = "hour"\n', "cost.per = 'hour'"),
        ('[cost]\nunit = "EUR"\n', "cost.per and cost.unit need cost.rate"),
        ("[cost]\nwatts = 30\n", "unknown key cost.watts"),
    ],
)
def test_bad_cost_entries_stop_with_one_line(tmp_path, text, message):
    with pytest.raises(InputError, match=message.replace("(", r"\(")):
        write_study(tmp_path, text)


def test_laptop_watts_gives_a_marked_estimate(sample, tmp_path):
    study = write_study(tmp_path, "[cost]\nlaptop_watts = 28\nco2_g_per_kwh = 250\n")
    laptop = run_cost(by_name(sample, "Laptop-Multicore-2.0pct-8cores"), study)
    assert laptop.energy is not None and laptop.energy.estimated
    # 28 W x the estimated 54.094 h = 1.515 kWh
    assert laptop.energy_kwh == pytest.approx(28 * laptop.run.time_s / 3.6e6)
    assert laptop.energy_kwh == pytest.approx(1.5146, rel=1e-3)
    assert laptop.energy.evidence.startswith("estimate: laptop_watts = 28 W")
    assert laptop.co2_kg == pytest.approx(laptop.energy_kwh * 0.25)
    # a cluster run is never given a laptop's stated power
    assert run_cost(by_name(sample, "1 GPU 1 Node Run"), study).energy is None


def gpu_run(system: pd.DataFrame, time_s: float = 100.0, gpus: int = 2) -> Run:
    return Run(
        run_id="r",
        name="r",
        platform="cluster",
        state="finished",
        gpus=gpus,
        nodes=1,
        epochs=2,
        epochs_done=2,
        time_s=time_s,
        system=system,
        evidence={"gpus": Evidence("config", "total_gpus", str(gpus))},
    )


def test_energy_integrates_every_device_over_its_samples():
    # samples every 10 s from 5 s to 95 s of a 100 s run: each stands for 10 s, the whole
    # run covered; 300 W + 400 W for 100 s = 70,000 J = 0.019444 kWh
    t = np.arange(5.0, 100.0, 10.0)
    system = pd.DataFrame(
        {
            "_runtime": t,
            "gpu.0.powerWatts": np.full(t.size, 300.0),
            "gpu.1.powerWatts": np.full(t.size, 400.0),
            # the same GPUs' per-process figures: not added again
            "gpu.process.0.powerWatts": np.full(t.size, 300.0),
            "gpu.0.temp": np.full(t.size, 60.0),
        }
    )
    energy = measured_energy(gpu_run(system))
    assert energy is not None and not energy.estimated
    assert energy.kwh == pytest.approx(70_000 / 3.6e6)
    assert (energy.devices, energy.samples, energy.interval_s) == (2, 10, 10.0)
    assert energy.coverage == pytest.approx(1.0) and energy.gaps == ()
    assert "2 devices" in energy.evidence and "every 10 s" in energy.evidence


def test_energy_leaves_gaps_out_and_says_so():
    # every 10 s, but nothing between 30 s and 80 s: the 40 s gap is not guessed
    t = np.array([5.0, 15.0, 25.0, 85.0, 95.0])
    system = pd.DataFrame({"_runtime": t, "gpu.0.powerWatts/l:nid001": np.full(t.size, 500.0)})
    energy = measured_energy(gpu_run(system, gpus=1))
    assert energy is not None
    # 5 samples x 10 s x 500 W = 25,000 J
    assert energy.kwh == pytest.approx(25_000 / 3.6e6)
    assert energy.coverage == pytest.approx(0.5)
    assert energy.gaps == ("50 s without samples after 25 s",)
    assert "gaps: 50 s without samples after 25 s" in energy.evidence


def test_a_whole_machine_power_is_used_alone():
    # Apple silicon: system.powerWatts already counts gpu.0.powerWatts
    t = np.arange(5.0, 100.0, 10.0)
    system = pd.DataFrame(
        {
            "_runtime": t,
            "gpu.0.powerWatts": np.full(t.size, 5.0),
            "system.powerWatts": np.full(t.size, 20.0),
        }
    )
    energy = measured_energy(gpu_run(system))
    assert energy is not None and energy.scope == "whole machine"
    assert energy.kwh == pytest.approx(2000 / 3.6e6)


def test_one_sample_is_no_energy():
    system = pd.DataFrame({"_runtime": [10.0], "gpu.0.powerWatts": [300.0]})
    assert measured_energy(gpu_run(system)) is None


def test_a_configuration_slower_than_the_baseline_is_called_slower():
    # 8 GPUs: 10 epochs in 100 s; 16 GPUs: 10 epochs in 400 s (a bad run): 4x slower per
    # epoch, for 16 x 400 / (8 x 100) = 8x the GPU-hours
    def cluster(gpus: int, time_s: float) -> Run:
        return Run(
            run_id=f"{gpus}g",
            name=f"{gpus} GPU run",
            platform="cluster",
            state="finished",
            gpus=gpus,
            nodes=1,
            epochs=10,
            epochs_done=10,
            time_s=time_s,
            evidence={"gpus": Evidence("config", "total_gpus", str(gpus))},
        )

    plan = cost_plan(view_of([cluster(8, 100.0), cluster(16, 400.0)]))
    assert plan.closing[0].text == (
        f"16 GPUs: 4.00{TIMES} slower per epoch than 8 GPUs, for 8.00{TIMES} the GPU-hours"
    )
    assert plan.closing[1].text == "Cheapest per epoch: 8 GPUs, 0.022 GPU-hours"


def test_billed_per_node_hour_the_cheapest_is_what_is_billed(sample, tmp_path):
    """Per node-hour, 1 GPU holds a whole node for 2 h: 0.2 node-hours per epoch, while 8 GPUs
    on one node take 0.027 (963 s / 10 epochs / 3600): the fewest GPU-hours is not the cheapest
    (found by a newcomer's try)."""
    study = write_study(tmp_path, '[cost]\nrate = 2\nper = "node_hour"\nunit = "billing units"\n')
    plan = cost_plan(view_of(sample, study=study))
    cheapest = next(line.text for line in plan.closing if line.text.startswith("Cheapest"))
    assert cheapest.startswith("Cheapest per epoch: 8 GPUs, "), cheapest
    report = build_report(sample, study)
    assert report.cost is not None and report.cost.cheapest.gpus == 8


def with_power(run: Run, watts: float) -> Run:
    """``run`` with every GPU's power recorded at ``watts``, sampled evenly over its whole
    time (every 15 s, or ten times in a short run): its energy is gpus x watts x time."""
    count = max(10, int(np.ceil(run.time_s / 15.0)))
    interval = run.time_s / count
    stamps = (np.arange(count) + 0.5) * interval
    columns = {f"gpu.{i}.powerWatts": np.full(count, watts) for i in range(run.gpus or 0)}
    return dataclasses.replace(run, system=pd.DataFrame({"_runtime": stamps, **columns}))


def test_energy_recorded_by_the_compared_runs_is_said_in_the_closing_words(sample):
    """Power recorded by 1 GPU (300 W) and 64 GPUs (250 W each) but not by every run: the
    chart stays in GPU-hours, and the closing words still say what the speed cost in energy
    (found by a newcomer's try: no energy headline)."""
    watts = {"1 GPU 1 Node Run": 300.0, "Eight Node Run 2.0": 250.0}
    runs = [with_power(r, watts[r.name]) if r.name in watts else r for r in sample]
    plan = cost_plan(view_of(runs))
    assert plan.measure == "gpu_hours"
    # 64 x 250 W x 196 s / 6 epochs = 0.14519 kWh per epoch; 300 W x 7224 s / 10 = 0.060200;
    # 0.14519 / 0.0602 = 2.41x
    assert (
        f"64 GPUs: 22.1{TIMES} faster per epoch than 1 GPU, for 2.41{TIMES} the energy "
        "(0.15 against 0.060 kWh)"
    ) in [line.text for line in plan.closing]


def test_energy_recorded_by_every_run_is_the_headline(sample):
    runs = [with_power(r, 300.0) if r.platform == "cluster" else r for r in sample]
    plan = cost_plan(view_of(runs))
    assert plan.measure == "energy"
    # the same power everywhere: the energy grows as the GPU-hours do, 2.89x
    assert plan.closing[0].text == (
        f"64 GPUs: 22.1{TIMES} faster per epoch than 1 GPU, for 2.89{TIMES} the energy"
    )
    assert sum("the energy" in line.text for line in plan.closing) == 2  # and the fastest


def test_the_title_names_only_what_is_drawn(sample):
    cluster = [r for r in sample if r.platform == "cluster"]
    assert cost_plan(view_of(sample)).title == "What the speed costs: LUMI vs Laptop"
    # no laptop run in the store: no "vs Laptop" (found by a newcomer's try)
    assert cost_plan(view_of(cluster)).title == "What the speed costs: LUMI"
    mine = Settings(title_cost="{cluster} against {laptop}: the bill")
    assert cost_plan(view_of(cluster, mine)).title == "LUMI: the bill"
    odd = Settings(title_cost="Is {laptop} cheaper than {cluster}?")
    assert cost_plan(view_of(cluster, odd)).title == "What the speed costs on LUMI"
    # energy known for the cluster, not for the laptop: the laptop is no point on the chart
    powered = [with_power(r, 300.0) if r.platform == "cluster" else r for r in sample]
    plan = cost_plan(view_of(powered))
    assert "Laptop" not in plan.title
    # nor does the time axis run on to its 18-25 h: the slowest drawn is 1 GPU, 722.4 s
    assert plan.t_high == pytest.approx(722.4)


def test_the_markdown_report_has_cost_and_co2_columns_when_given(sample, tmp_path):
    """As the JSON report: a column for the cost when a rate is given and for CO2 when an
    intensity is, "unknown" where the fact is missing (found by a newcomer's try)."""
    plain = to_markdown(build_report(sample))
    assert "Cost (" not in plain and "CO2" not in plain
    study = write_study(
        tmp_path,
        '[cost]\nrate = 0.5\nper = "gpu_hour"\nunit = "EUR"\nlaptop_watts = 28\n'
        "co2_g_per_kwh = 250\n",
    )
    report = build_report(sample, study)
    markdown = to_markdown(report)
    header = next(line for line in markdown.splitlines() if line.startswith("| Run |"))
    assert header.endswith("| Energy | Cost (EUR) | CO2 (kg) |")
    table = [line for line in markdown.splitlines() if line.startswith("| ")]
    rows = {line.split(" | ")[0][2:]: line for line in table}
    # 1 GPU: 0.5 EUR x 2.0067 GPU-hours = 1.00 EUR; no power recorded, so no CO2
    assert rows["1 GPU 1 Node Run"].endswith("| 1.00 | unknown |")
    # the laptop: no GPU-hours billed; 28 W x 54.094 h = 1.515 kWh x 250 g = 0.38 kg, estimated
    assert rows["Laptop-Multicore-2.0pct-8cores"].endswith("| - | 0.38 (est.) |")
    assert all(line.count("|") == header.count("|") for line in table)
    assert json.loads(to_json(report))["cost_unit"] == "EUR"


def test_small_energy_reads_in_wh_and_compared_figures_share_a_unit():
    from study.cost import energy_numbers, energy_text

    assert energy_text(0.00038) == "0.38 Wh"  # not "0.00038 kWh"
    assert energy_text(3.484) == "3.48 kWh"
    assert energy_text(None) == "unknown"
    assert energy_numbers(0.14519, 0.0602) == ("0.15", "0.060", "kWh")
    assert energy_numbers(0.0003, 0.00038) == ("0.30", "0.38", "Wh")


def test_a_laptops_stated_power_is_not_drawn_on_a_gpu_power_axis(sample, tmp_path):
    """Every cluster run recorded GPU power; the laptop's energy is an estimate from its stated
    power (the whole machine): a different measure, said beside the chart, not drawn on it
    (found by a newcomer's try: the laptop point sat below the 2-GPU run)."""
    runs = [with_power(r, 300.0) if r.platform == "cluster" else r for r in sample]
    study = write_study(tmp_path, "[cost]\nlaptop_watts = 28\n")
    plan = cost_plan(view_of(runs, Settings(), study))
    assert plan.measure == "energy"
    assert plan.laptops and all(mark.value is None for mark in plan.laptops)
    assert all("not GPU power" in mark.note for mark in plan.laptops)
    (laptop_line,) = [line.text for line in plan.closing if line.text.startswith("Laptop: ")]
    assert "not GPU power" in laptop_line and "estimate, " not in laptop_line


def test_with_energy_drawn_the_billed_cheapest_is_still_said_and_matches_the_report(
    sample, tmp_path
):
    """Energy recorded by every cluster run and a billing rate given: the chart is in energy,
    and the closing words say both the least energy and the cheapest bill, the same run the
    report calls cheapest (a newcomer saw the rate vanish from the scene while the report
    named another run cheapest)."""
    watts = {r.name: 200.0 + 10 * (r.gpus or 0) for r in sample if r.platform == "cluster"}
    runs = [with_power(r, watts[r.name]) if r.name in watts else r for r in sample]
    study = write_study(tmp_path, '[cost]\nrate = 0.5\nper = "gpu_hour"\nunit = "EUR"\n')
    plan = cost_plan(view_of(runs, Settings(), study))
    assert plan.measure == "energy"
    texts = [line.text for line in plan.closing]
    assert any(t.startswith("Least energy per epoch: ") for t in texts), texts
    (billed,) = [t for t in texts if t.startswith("Cheapest per epoch: ")]
    assert "EUR at 0.5 EUR per GPU-hour" in billed
    report = build_report(runs, study)
    markdown = to_markdown(report)
    cheapest_line = next(line for line in markdown.splitlines() if "**Cheapest" in line)
    gpus = billed.removeprefix("Cheapest per epoch: ").split(",")[0]  # "1 GPU"
    assert f"({gpus}" in cheapest_line, (billed, cheapest_line)
