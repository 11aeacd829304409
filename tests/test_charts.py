"""`make charts` (scenes/charts.py): which keys it draws by default, what it names each chart's
files from the data, and its refusal of a key no run logged. The charts themselves (4K PNG, SVG
and PDF, parsed and compared) are checked where the README's command runs them
(tests/readme_run.py check_charts)."""

from __future__ import annotations

import dataclasses
import os
import subprocess
import sys

import pytest

from extract.paths import PROJECT_ROOT
from extract.sample import sample_runs
from scenes.charts import (
    Chart,
    chart_name,
    chart_scene,
    default_keys,
    earlier_charts,
    file_key,
    runs_part,
)
from study.metric_plan import metric_plan
from study.settings import Settings
from study.view import view_of

SEED_FILES = [  # the seed's hand-exported charts, by key
    "1-32GPU_batch_loss.png",
    "1-32GPU_epochs.png",
    "1-32GPU_learning_rate.png",
    "1-32GPU_running_accuracy.png",
    "1-32GPU_train_loss.png",
]


def sample_view(metric: str, x: str = "time"):
    settings = dataclasses.replace(Settings(metric=metric), metric_x=x)  # type: ignore[arg-type]
    return view_of(sample_runs(), settings, store_name="sample study")


def test_the_defaults_are_the_seeds_five_charts_named_by_the_sample_s_gpu_range():
    keys = default_keys(sample_view("batch_loss"))
    assert keys == ["batch_loss", "epoch", "learning_rate", "running_accuracy", "train_loss"]
    # the seed's names, its GPU range (1 to 32) now the sample's drawn runs' (1 to 64)
    names = [chart_name(metric_plan(sample_view(key))) for key in keys]
    assert names == [f"1-64GPU_{key}" for key in keys]
    assert [n.replace("1-64", "1-32").replace("epoch", "epochs") + ".png" for n in names] == (
        SEED_FILES
    )
    assert chart_name(metric_plan(sample_view("running_accuracy", "epoch"))) == (
        "1-64GPU_running_accuracy_by_epoch"
    )


def test_a_study_s_own_accuracy_and_loss_keys_are_its_default_charts():
    runs = sample_runs()
    for run in runs:  # a study that logged its accuracy under its own name
        run.history = run.history.rename(columns={"running_accuracy": "val_accuracy"})
        run.stored_keys = tuple(run.history.columns)
    keys = default_keys(view_of(runs, Settings(metric="batch_loss")))
    assert keys == ["batch_loss", "epoch", "learning_rate", "train_loss", "val_accuracy"]


@pytest.mark.render  # runs the scene (a dry run of its held frame alone)
def test_a_chart_is_a_figure_without_the_video_s_clock():
    """A chart is not a video frame: the readout "elapsed 2 h 00 min" that drove the curves
    is not on it; everything else of the held frame is, at full opacity."""
    from manim import tempconfig

    from study import units
    from tests.frame_critic import HELD, capture
    from tests.scene_probe import faded_texts

    view = sample_view("epoch")
    with tempconfig({"dry_run": True, "quality": "low_quality", "verbosity": "WARNING"}):
        scene = chart_scene(Chart("epoch", "1-64GPU_epoch", view))
        scene.renderer.update_frame = lambda *args, **kwargs: None  # what, not pixels
        scene.render()
        frame = capture(scene, HELD)
        faded = faded_texts(scene)
    texts = [text.content for _, text in frame.texts]
    held = scene.stage.held_s
    assert "elapsed" not in texts
    assert not {units.clock(held), units.clock(held, True)} & set(texts), texts
    assert texts[0] == "epoch against wall time" and "wall time (log scale)" in texts
    assert sum("GPU" in t for t in texts) == 8 and faded == []
    assert len(frame.marks) >= 16  # every run's curve and its end dot


def test_the_file_name_says_the_gpu_counts_drawn():
    runs = sample_runs()
    cluster = [r for r in runs if r.platform == "cluster"]
    laptops = [r for r in runs if r.platform == "laptop"]
    assert runs_part(cluster) == "1-64GPU"
    assert runs_part([r for r in cluster if r.gpus == 8]) == "8GPU"
    assert runs_part(laptops + cluster) == "laptop+1-64GPU"
    assert runs_part(laptops) == "laptop"
    assert file_key("system/gpu.0.powerWatts") == "system_gpu.0.powerWatts"


def test_an_earlier_chart_of_the_same_key_is_found_and_no_other(tmp_path):
    for name in (
        "1-32GPU_loss.png",
        "laptop+2-8GPU_loss.svg",
        "8GPU_loss_by_step.pdf",
        "1-64GPU_train_loss.png",  # another key that ends like it
        "1-64GPU_loss_smoothed.png",
        "notes_loss.png",
    ):
        (tmp_path / name).touch()
    found = [p.name for p in earlier_charts(tmp_path, "1-64GPU_loss")]
    assert found == ["1-32GPU_loss.png", "laptop+2-8GPU_loss.svg"]
    # against steps: another chart of the key
    assert [p.name for p in earlier_charts(tmp_path, "1-64GPU_loss_by_step")] == [
        "8GPU_loss_by_step.pdf"
    ]


def test_a_named_key_no_run_logged_is_refused_in_one_line_and_nothing_drawn(tmp_path):
    env = {**os.environ, "LUMI_SAMPLE": "1"}
    env.pop("LUMI_METRIC", None)
    start = "error: no shown run logged 'system/gpu.0.gpu'; keys logged: batch_loss, "
    done = subprocess.run(
        [
            sys.executable,
            "-m",
            "scenes.charts",
            "train_loss",
            "system/gpu.0.gpu",
            "--media-dir",
            str(tmp_path),
        ],
        cwd=PROJECT_ROOT,
        env=env,
        capture_output=True,
        text=True,
    )
    assert done.returncode == 2, done.stderr
    lines = [line for line in done.stderr.splitlines() if line.strip()]
    assert len(lines) == 1 and lines[0].startswith(start), lines
    assert lines[0].endswith('(name keys they logged: make charts CHARTS="...")')
    assert "running_accuracy, train_loss" in lines[0]
    assert not (tmp_path / "charts").exists() and done.stdout == ""


def test_a_default_key_no_run_logged_is_skipped_and_said(tmp_path, monkeypatch, capsys):
    from extract.store import save_runs
    from scenes import charts

    runs = sample_runs()
    for run in runs:  # a study whose script logged no per-batch keys
        run.history = run.history.drop(columns=["batch_loss", "learning_rate"], errors="ignore")
    save_runs(tmp_path / "runs.h5", runs)
    monkeypatch.setenv("RUNS_STORE", str(tmp_path / "runs.h5"))
    for name in ("LUMI_SAMPLE", "LUMI_METRIC", "LUMI_CONFIG"):
        monkeypatch.delenv(name, raising=False)
    drawn = []
    monkeypatch.setattr(charts, "draw", lambda chart, *_: drawn.append(chart.name) or [])
    assert charts.main(["--media-dir", str(tmp_path)]) == 0
    assert drawn == ["1-64GPU_epoch", "1-64GPU_running_accuracy", "1-64GPU_train_loss"]
    said = capsys.readouterr().err.splitlines()
    assert [line.split(" skipped: ")[0].strip() for line in said] == ["batch_loss", "learning_rate"]
    assert said[0].endswith("skipped: no shown run logged 'batch_loss'; keys logged: epoch, "
                            "running_accuracy, train_loss (name keys they logged: make charts "
                            'CHARTS="...")')  # fmt: skip
