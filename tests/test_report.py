"""The report's figures against the published study (../shared/reference/published-study.md)."""

import math

import pytest

from extract import load_runs
from extract.model import Run
from study.analysis import build_report
from study.report import to_markdown


@pytest.fixture(scope="module")
def report(sample_store):
    return build_report(load_runs(sample_store))


def test_headline_figures_match_the_published_study(report):
    assert report.fastest_cluster_s == 196
    assert report.fastest_cluster_run == "Eight Node Run 2.0"
    assert report.laptop_low_s == pytest.approx(54.094 * 3600, rel=1e-4)
    assert report.laptop_high_s == pytest.approx(75.831 * 3600, rel=1e-4)
    assert round(report.max_speedup) == 1393


def test_per_epoch_speedup_compares_equal_work(report):
    # slowest laptop per epoch (25.277 h) over the fastest cluster epoch (32 GPUs: 298 s / 10)
    assert report.fastest_cluster_per_epoch_run == "32 GPU 4 Node Run"
    assert report.max_speedup_per_epoch == pytest.approx(75.831 * 3600 / 3 / 29.8)


def test_speedup_and_efficiency_against_the_fewest_gpus(report):
    by_name = {r.name: r for r in report.runs}
    assert report.baseline_run == "1 GPU 1 Node Run"
    eight = by_name["8 GPU 1 Node Run"]
    assert eight.speedup == pytest.approx(7224 / 963)
    assert eight.efficiency == pytest.approx(7224 / 963 / 8)
    # the 64-GPU run trained 6 epochs, not 10: compared per epoch
    sixty_four = by_name["Eight Node Run 2.0"]
    assert sixty_four.speedup == pytest.approx((7224 / 10) / (196 / 6))
    assert sixty_four.efficiency == pytest.approx(sixty_four.speedup / 64)
    assert by_name["Laptop-Benchmark-1.0pct-subset"].efficiency is None


def test_warnings_name_unequal_epochs_and_estimates(report):
    text = " ".join(report.warnings)
    assert "different numbers of epochs (3, 6, 10)" in text
    assert "Laptop-Multicore-2.0pct-8cores: time is an estimate" in text
    assert "reconstructed" in text


def test_failed_runs_are_listed_but_left_out_of_headlines(sample_store):
    runs = load_runs(sample_store)
    crashed = Run(
        run_id="x",
        name="64 GPU crash",
        platform="cluster",
        state="crashed",
        gpus=64,
        nodes=8,
        epochs=10,
        time_s=12.0,
    )
    report = build_report([*runs, crashed])
    assert report.fastest_cluster_s == 196
    assert "64 GPU crash" in [r.name for r in report.runs]
    assert any("64 GPU crash: state crashed" in w for w in report.warnings)


def test_no_laptop_runs_means_no_speedup_over_laptop(sample_store):
    cluster_only = [r for r in load_runs(sample_store) if r.platform == "cluster"]
    report = build_report(cluster_only)
    assert report.max_speedup is None and report.laptop_high_s is None
    assert math.isclose(report.fastest_cluster_s, 196)


def test_markdown_marks_estimates(report):
    text = to_markdown(report)
    assert "**Max speedup**: 1,393x" in text
    assert "54\u201376 h (estimated)" in text
    assert "75.8 h (est.)" in text
