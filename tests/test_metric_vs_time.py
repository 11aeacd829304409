"""MetricVsTime: any logged key against wall time, on runs the real wandb SDK wrote.

Two runs log, every batch, a learning rate with a linear warm-up from 0 and a cosine decay to 0
(as ``transformers.get_cosine_schedule_with_warmup`` shapes it) and a noisy per-batch loss; their
system monitor samples GPU power from a DCGM exporter served here (tests/test_cost_offline.py
says how), so the runs also hold system metrics, as on a cluster. What each run logged is kept
beside its files: the plan must draw exactly that (smoothed where the key is noisy), in the axis
the values call for, and refuse a key no run logged in one line that names the keys they did.
"""

from __future__ import annotations

import dataclasses
import json
import math
import os
import subprocess
import sys
import threading
from http.server import ThreadingHTTPServer
from pathlib import Path

import numpy as np
import pytest

from extract.errors import InputError
from extract.paths import PROJECT_ROOT
from extract.sample import load_default_runs
from extract.sources.wandb_files import ingest_offline
from extract.store import save_runs
from scenes.kit.chart import linear_ticks
from study.metric_plan import VIEWPORT_SCALE, metric_plan, twema
from study.settings import Settings, load_settings
from study.view import StudyView, drawn_keys, view_of
from tests import test_cost_offline
from tests.corpus_cache import sdk_corpus
from tests.test_cost_offline import NODE, Exporter

SAMPLES = 4  # system samples each run waits for
POWER = f"gpu.0.powerWatts/l:{NODE}"

WRITER = r"""
import json, math, random, sys, time, urllib.request, wandb
port = sys.argv[1]
query = f"http://127.0.0.1:{port}/api/v1/query?query=DCGM_FI_DEV_POWER_USAGE"
random.seed(20261206)
def sampled():
    return json.load(urllib.request.urlopen(f"http://127.0.0.1:{port}/count"))
logged = {}
for name, gpus, steps in (("4 GPU 1 Node Run", 4, 60), ("8 GPU 1 Node Run", 8, 30)):
    run = wandb.init(project="metrics", name=name, mode="offline",
                     config={"total_gpus": gpus, "nodes": 1, "epochs": 2},
                     settings=wandb.Settings(x_stats_dcgm_exporter=query,
                                             x_stats_sampling_interval=0.2))
    start = sampled()
    warm, rows = steps // 6, []
    for step in range(steps):
        if step < warm:  # a linear warm-up from 0, then a cosine decay to 0
            lr = 1e-3 * step / warm
        else:
            lr = 0.5e-3 * (1 + math.cos(math.pi * (step - warm) / (steps - warm)))
        loss = 5.0 * math.exp(-8.0 * step / steps) * math.exp(random.gauss(0, 0.3))
        row = {"epoch": 2 * step // steps, "lr": lr, "batch_loss": loss}
        run.log(row)
        rows.append(row)
        # wait for the monitor, not for a time: a busy machine only makes this slower
        while sampled() - start < (step + 1) * %(samples)d // steps:
            time.sleep(0.05)
    run.finish()
    logged[name] = rows
json.dump(logged, open(sys.argv[2], "w"))
"""


def write(root: Path) -> None:
    Exporter.count = 0
    server = ThreadingHTTPServer(("127.0.0.1", 0), Exporter)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    env = {
        **os.environ,
        "WANDB_MODE": "offline",
        "WANDB_SILENT": "true",
        "WANDB_DIR": str(root),
        "WANDB_DISABLE_GIT": "true",
    }
    env.pop("WANDB_API_KEY", None)
    try:
        result = subprocess.run(
            [
                sys.executable,
                "-c",
                WRITER % {"samples": SAMPLES},
                str(server.server_address[1]),
                str(root / "logged.json"),
            ],
            env=env,
            capture_output=True,
            text=True,
        )
    finally:
        server.shutdown()
    assert result.returncode == 0, result.stderr[-2000:]


@pytest.fixture(scope="module")
def corpus(tmp_path_factory) -> tuple[Path, dict[str, list[dict[str, float]]]]:
    sources = [Path(__file__), Path(test_cost_offline.__file__)]
    root = sdk_corpus("metric-vs-time", sources, write, tmp_path_factory.mktemp("metrics"))
    return root / "wandb", json.loads((root / "logged.json").read_text())


@pytest.fixture(scope="module")
def store(corpus, tmp_path_factory) -> Path:
    path = tmp_path_factory.mktemp("metric-store") / "runs.h5"
    save_runs(path, ingest_offline([corpus[0]]).runs)
    return path


def view_with(store: Path, metric: str) -> StudyView:
    """The view a scene gets of ``store`` when manim.cfg names ``metric``: the store read for
    the columns the scenes draw only, as scenes/load.py reads it."""
    settings = Settings(metric=metric)
    loaded = load_default_runs(columns=drawn_keys(settings, view_of([]).study), explicit=store)
    return view_of(loaded.runs, settings, store_name=store.name)


def twin_twema(x: list[float], values: list[float], param: float, x_range: float) -> np.ndarray:
    """The W&B UI's default smoothing, written line for line from the sample code of its docs
    ("Smooth line plots": smoothingWeight, changeInX, smoothingWeightAdj, debiasWeight), with
    the VIEWPORT_SCALE those leave unnamed taken as study/metric_plan.py takes it."""
    smoothing_weight = min(math.sqrt(param or 0), 0.999)
    last_y, debias_weight, out = 0.0, 0.0, []
    for index, y_point in enumerate(values):
        prev_x = index - 1 if index > 0 else 0
        change_in_x = ((x[index] - x[prev_x]) / x_range) * VIEWPORT_SCALE
        smoothing_weight_adj = smoothing_weight**change_in_x
        last_y = last_y * smoothing_weight_adj + y_point
        debias_weight = debias_weight * smoothing_weight_adj + 1
        out.append(last_y / debias_weight)
    return np.array(out)


def test_smoothing_is_wandbs_time_weighted_ema_on_uneven_steps():
    # logged at uneven places: a gap of 40 after the third point
    x = np.array([0.0, 1.0, 2.0, 42.0, 43.0, 43.5, 44.0, 100.0])
    y = np.array([5.0, 3.0, 4.0, 1.0, 2.0, 1.5, 1.2, 0.5])
    assert np.allclose(twema(x, y, 0.6, 100.0), twin_twema(list(x), list(y), 0.6, 100.0))
    # the distance counts, not the number of points: after the long gap the past has decayed
    # (the value is near what was logged there), a point close after another keeps its past
    smoothed = twema(x, y, 0.9, 100.0)
    assert abs(smoothed[3] - y[3]) < 1e-3 and abs(smoothed[1] - y[1]) > 0.5
    assert not np.allclose(smoothed, twema(np.arange(8.0), y, 0.9, 100.0))
    # one range for every line of a chart: a line spread over half of it is smoothed less
    assert not np.allclose(twema(x, y, 0.6, 200.0), twema(x, y, 0.6, 100.0))


def test_a_schedule_is_drawn_as_logged_on_a_linear_axis(store, corpus):
    _, logged = corpus
    plan = metric_plan(view_with(store, "lr"))
    assert sorted(s.run.name for s in plan.series) == ["4 GPU 1 Node Run", "8 GPU 1 Node Run"]
    for series in plan.series:
        rows = logged[series.run.name]
        # the warm-up's first row (lr 0) is at a time after the start: every row is drawn
        assert np.allclose(series.values, [r["lr"] for r in rows], rtol=0, atol=1e-15)
        assert np.all(np.diff(series.times) >= 0) and series.times[0] > 0
    # a warm-up from 0 cannot go on a log axis; a smooth schedule is not smoothed
    assert not plan.log and plan.smoothing is None and plan.raw == ()
    assert plan.y_caption == "lr (linear scale)"
    assert plan.title == "lr against wall time"


def test_a_noisy_per_batch_key_is_smoothed_as_wandb_does_on_a_log_axis(store, corpus):
    _, logged = corpus
    plan = metric_plan(view_with(store, "batch_loss"))
    assert plan.log and plan.smoothing == 0.6
    assert plan.y_caption == "batch_loss (log scale), smoothed: time-weighted EMA 0.6"
    # the runs logged as the machine let them: at uneven wall times, over one time axis
    times = np.concatenate([s.times for s in plan.series])
    x_range = float(times.max() - times.min())
    for series, raw in zip(plan.series, plan.raw, strict=True):
        values = [r["batch_loss"] for r in logged[series.run.name]]
        assert np.allclose(raw, values)
        expected = twin_twema(list(series.times), values, 0.6, x_range)
        assert np.allclose(series.values, expected)
        # the label at the line's end: the average's last value, to three significant digits
        # (rounding to three digits moves a value by up to 5 parts in 1,000: 1.005 -> 1.00)
        assert float(series.final_text) == pytest.approx(expected[-1], rel=5e-3)
    assert "time-weighted EMA, weight 0.6" in plan.start_notes
    off = dataclasses.replace(view_with(store, "batch_loss").settings, smoothing=0.0)
    unsmoothed = metric_plan(view_of(view_with(store, "batch_loss").runs, off))
    assert unsmoothed.smoothing is None and unsmoothed.raw == ()


@pytest.mark.parametrize("key", [f"system/{POWER}", POWER])
def test_a_system_metric_is_a_key_like_any_other(store, key):
    plan = metric_plan(view_with(store, key))
    assert sorted(s.run.name for s in plan.series) == ["4 GPU 1 Node Run", "8 GPU 1 Node Run"]
    for series in plan.series:
        # the exporter served 300 W for GPU 0, every sample
        assert len(series.values) >= 1 and np.all(series.values == 300.0)
        assert series.final_text == "300"
    assert not plan.log


def view_against(store: Path, metric: str, x: str) -> StudyView:
    view = view_with(store, metric)
    settings = dataclasses.replace(Settings(metric=metric), metric_x=x)
    loaded = load_default_runs(columns=drawn_keys(settings, view.study), explicit=store)
    return view_of(loaded.runs, settings, store_name=store.name)


def test_a_key_against_wandbs_step_and_against_the_epoch(store, corpus):
    _, logged = corpus
    for x, caption in (("step", "step (W&B's _step)"), ("epoch", "epoch")):
        plan = metric_plan(view_against(store, "lr", x))
        assert plan.x_axis == x and plan.x_caption == caption
        assert plan.title == f"lr against {x}"
        for series, xs in zip(plan.series, plan.xs, strict=True):
            rows = logged[series.run.name]
            # one wandb.log per row: W&B's step counts them from 0; the epoch as logged
            expected = range(len(rows)) if x == "step" else [r["epoch"] for r in rows]
            assert list(xs) == list(expected)
            assert np.allclose(series.values, [r["lr"] for r in rows], rtol=0, atol=1e-15)
        assert f"against {x}" in plan.start_notes
        assert f"at {x} " in plan.closing_notes
    noisy = metric_plan(view_against(store, "batch_loss", "step"))
    steps = np.concatenate(noisy.xs)
    for series, xs in zip(noisy.series, noisy.xs, strict=True):
        values = [r["batch_loss"] for r in logged[series.run.name]]
        # smoothed along the steps, over the chart's range of steps
        expected = twin_twema(list(xs), values, 0.6, float(steps.max() - steps.min()))
        assert np.allclose(series.values, expected)


def test_runs_that_logged_no_step_with_the_key_are_said_or_refused(store):
    # wandb's system monitor counts no steps: its metrics are drawn against time only
    with pytest.raises(InputError) as refused:
        metric_plan(view_against(store, f"system/{POWER}", "step"))
    line = refused.value.one_line()
    assert line.startswith(f"no shown run logged '_step' in its rows of 'system/{POWER}'")
    assert "metric_x" in line and "\n" not in line
    # the sample's laptops logged no epoch rows: left out, and said
    from extract.sample import sample_runs

    settings = dataclasses.replace(Settings(metric="running_accuracy"), metric_x="epoch")
    plan = metric_plan(view_of(sample_runs(), settings, store_name="sample study"))
    assert len(plan.series) == 8
    assert "2 runs without 'running_accuracy' against 'epoch' or 'train/epoch'" in plan.source


def test_the_cpu_the_monitor_sampled_is_read_from_the_store(store):
    # not power: a scene's partial read of the store loads the system metric asked for
    plan = metric_plan(view_with(store, "system/cpu"))
    assert len(plan.series) == 2 and all(len(s.values) for s in plan.series)


def test_a_key_no_run_logged_is_refused_with_the_keys_they_did(store):
    with pytest.raises(InputError) as refused:
        metric_plan(view_with(store, "learning_rate"))
    line = refused.value.one_line()
    assert "\n" not in line
    assert line.startswith("no shown run logged 'learning_rate'; keys logged: ")
    for key in ("lr", "batch_loss", "epoch", f"system/{POWER}", "system/cpu"):
        assert key in line.split("keys logged: ")[1], key
    assert "_runtime" not in line and "_step" not in line


def test_the_setting_and_its_environment_variable(tmp_path, monkeypatch):
    cfg = tmp_path / "manim.cfg"
    cfg.write_text("[lumi_vs_laptop]\nmetric = batch_loss\nsmoothing = 0.8\n")
    monkeypatch.setenv("LUMI_CONFIG", str(cfg))
    monkeypatch.delenv("LUMI_METRIC", raising=False)
    assert load_settings().metric == "batch_loss" and load_settings().smoothing == 0.8
    monkeypatch.setenv("LUMI_METRIC", "system/gpu.0.gpu")
    assert load_settings().metric == "system/gpu.0.gpu"
    cfg.write_text("[lumi_vs_laptop]\nsmoothing = 1\n")
    with pytest.raises(InputError, match="smoothing = 1"):
        load_settings()
    cfg.write_text("[lumi_vs_laptop]\nmetric_x = step\n")
    assert load_settings().metric_x == "step"
    monkeypatch.setenv("LUMI_METRIC_X", "epoch")
    assert load_settings().metric_x == "epoch"
    monkeypatch.setenv("LUMI_METRIC_X", "steps")
    with pytest.raises(InputError, match=r"\$LUMI_METRIC_X = 'steps': use time or step or epoch"):
        load_settings()
    monkeypatch.delenv("LUMI_METRIC_X")
    cfg.write_text("[lumi_vs_laptop]\nmetric_x = batch\n")
    with pytest.raises(InputError, match="metric_x = 'batch'"):
        load_settings()


def test_step_ticks_read_as_the_w_and_b_axes_write_them():
    # a six-digit step under the chart's right end ran into the end labels beside it
    assert [label for _, label in linear_ticks(0.0, 250_000.0)[2]][-2:] == ["200k", "250k"]
    assert [label for _, label in linear_ticks(0.0, 1_500_000.0)[2]] == [
        "0",
        "0.5M",
        "1.0M",
        "1.5M",
    ]
    assert [label for _, label in linear_ticks(0.0, 5_000.0)[2]][-1] == "5,000"


def test_linear_ticks_end_at_round_steps():
    assert linear_ticks(0.0, 0.001)[:2] == (0.0, 0.001)
    low, high, ticks = linear_ticks(45.0, 98.0)
    assert (low, high) == (40.0, 100.0)
    assert [label for _, label in ticks] == ["40", "60", "80", "100"]
    assert [label for _, label in linear_ticks(0.0, 0.003)[2]] == ["0", "0.001", "0.002", "0.003"]


@pytest.mark.render
def test_manim_refuses_a_key_no_run_logged_in_one_line(store, tmp_path):
    env = {**os.environ, "RUNS_STORE": str(store), "LUMI_METRIC": "learning_rate"}
    env.pop("LUMI_SAMPLE", None)
    done = subprocess.run(
        [
            str(Path(sys.executable).with_name("manim")),
            "render",
            "-ql",
            "-s",
            "--media_dir",
            str(tmp_path),
            "scenes/curves.py",
            "MetricVsTime",
        ],
        cwd=PROJECT_ROOT,
        env=env,
        capture_output=True,
        text=True,
    )
    assert done.returncode == 2, done.stderr[-2000:]
    lines = [line for line in done.stderr.splitlines() if line.strip()]
    assert len(lines) == 1 and lines[0].startswith("error: no shown run logged 'learning_rate'")
    assert "batch_loss" in lines[0] and f"system/{POWER}" in lines[0]


# --- the sample study's per-batch keys (data/sample/generate.py) -----------------------------


def test_the_sample_says_its_per_batch_keys_are_reconstructed():
    provenance = json.loads((PROJECT_ROOT / "data/sample/provenance.json").read_text())
    batch = provenance["batch_histories"]
    assert batch["keys"] == ["batch_loss", "learning_rate"]
    assert "reconstructed" in batch["status"] and "OneCycleLR" in batch["learning_rate"]


def test_the_sample_learning_rate_is_the_one_cycle_schedule_of_each_run():
    from extract.sample import sample_runs

    cluster = [r for r in sample_runs() if r.platform == "cluster"]
    assert len(cluster) == 8
    for run in cluster:
        assert run.reconstructed  # said on screen: "histories reconstructed ..."
        lr = run.history["learning_rate"].dropna().to_numpy()
        peak = float(run.config["learning_rate"])
        top = int(np.argmax(lr))
        # OneCycleLR's defaults: from peak / 25 up to the peak at 30% of the steps, then down
        # to peak / 25 / 1e4 (logged every 10 batches: the rows are evenly spread over steps)
        assert lr[0] == pytest.approx(peak / 25, rel=0.05), run.name
        assert lr[top] == pytest.approx(peak, rel=1e-3), run.name
        assert top / len(lr) == pytest.approx(0.3, abs=0.02), run.name
        assert np.all(np.diff(lr[: top + 1]) >= 0) and np.all(np.diff(lr[top:]) <= 0)
        assert lr[-1] < peak / 100  # the last logged row is a few batches before the end
        loss = run.history["batch_loss"].dropna().to_numpy()
        assert len(loss) == len(lr) and loss[0] > 1 > loss[-1]
    # the multi-node runs' own learning rates, as the published runs table has them
    rates = {r.gpus: float(r.config["learning_rate"]) for r in cluster}
    assert (rates[8], rates[16], rates[24], rates[32]) == (0.001, 0.002, 0.003, 0.003)


def test_the_demo_draws_the_learning_rate_schedule():
    from extract.sample import sample_runs

    view = view_of(sample_runs(), store_name="sample study")
    assert view.settings.metric == "learning_rate"
    plan = metric_plan(view)
    assert plan.key == "learning_rate" and len(plan.series) == 8
    # from 4e-5 to 0.003 and down to 4e-9: six decades, a log axis; a schedule, not smoothed
    assert plan.log and plan.smoothing is None
    assert "2 runs without 'learning_rate'" in plan.source  # the laptops logged no history
    noisy = metric_plan(view_of(view.runs, Settings(metric="batch_loss")))
    assert noisy.smoothing == 0.6 and len(noisy.raw) == 8


def test_runs_without_histories_are_refused_for_having_none():
    from extract.sample import sample_runs

    laptops = [r for r in sample_runs() if r.platform == "laptop"]
    with pytest.raises(InputError) as refused:
        metric_plan(view_of(laptops))
    assert refused.value.one_line().startswith(
        "no shown run has a logged history to draw 'learning_rate' from (add panel exports"
    )


@pytest.mark.render
def test_the_scene_draws_its_key_against_the_epoch_on_a_linear_axis():
    from extract.sample import sample_runs
    from scenes.curves import MetricVsTime
    from tests.scene_probe import CRITIC_FRAME_RATE, probe

    settings = dataclasses.replace(Settings(metric="running_accuracy"), metric_x="epoch")
    view = view_of(sample_runs(), settings, store_name="sample study")
    probed = probe(MetricVsTime, view, frame_rate=CRITIC_FRAME_RATE, stops=False)
    assert probed.judged[-1].problems == []
    shown = [t.content for t in probed.frames[-1]]
    assert "running_accuracy against epoch" in shown and "epoch" in shown
    assert "wall time (log scale)" not in shown
    # the sample's epochs run from 0 to 9: a linear axis labelled in epochs
    assert {"0", "2", "4", "6", "8", "10"} <= set(shown)
