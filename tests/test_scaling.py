import numpy as np
import pytest

from extract import load_runs
from extract.model import Run
from study.metrics import time_to_percent
from study.scaling import AmdahlFit, fit_amdahl, gpus_per_node, scaling_points


def cluster_run(gpus: int, time_s: float, epochs: float = 10, nodes: int = 1) -> Run:
    return Run(
        run_id=str(gpus),
        name=f"{gpus} GPUs",
        platform="cluster",
        state="finished",
        gpus=gpus,
        nodes=nodes,
        epochs=epochs,
        epochs_done=epochs,
        time_s=time_s,
    )


def test_amdahl_fit_recovers_a_known_serial_fraction():
    law = AmdahlFit(serial_fraction=0.05, baseline_gpus=1)
    runs = [cluster_run(g, 1000.0 / float(law.speedup(g))) for g in (1, 2, 4, 8, 16, 32)]
    fit = fit_amdahl(scaling_points(runs))
    assert fit.serial_fraction == pytest.approx(0.05, rel=1e-4)
    assert fit.limit == pytest.approx(20.0)


def test_perfect_scaling_has_no_serial_fraction():
    fit = fit_amdahl(scaling_points([cluster_run(g, 800.0 / g) for g in (1, 2, 4, 8)]))
    assert fit.serial_fraction == pytest.approx(0.0, abs=1e-12)
    assert fit.limit == float("inf")


def test_sample_scaling_points_are_per_epoch(sample_store):
    points = scaling_points(load_runs(sample_store))
    assert [p.gpus for p in points] == [1, 2, 4, 8, 16, 24, 32, 64]
    sixty_four = points[-1]
    assert sixty_four.speedup == pytest.approx(722.4 / (196 / 6))
    assert sixty_four.efficiency == pytest.approx(sixty_four.speedup / 64)
    fit = fit_amdahl(points)
    assert 0 < fit.serial_fraction < 0.1
    assert gpus_per_node(load_runs(sample_store)) == 8


def test_time_to_reach_a_target():
    run = cluster_run(1, 100)
    import pandas as pd

    run.history = pd.DataFrame({"_runtime": [10.0, 20.0, 30.0, 40.0], "acc": [10, 95, np.nan, 99]})
    assert time_to_percent(run, "acc", 90) == 20.0
    assert time_to_percent(run, "acc", 99.5) is None
    assert time_to_percent(run, "missing", 1) is None


def test_every_sample_gpu_run_reaches_90_percent_within_its_runtime(sample_store):
    runs = [r for r in load_runs(sample_store) if r.platform == "cluster"]
    timed = [(run, time_to_percent(run, "running_accuracy", 90)) for run in runs]
    assert len(timed) == 8
    assert all(t is not None and t <= run.time_s for run, t in timed)
