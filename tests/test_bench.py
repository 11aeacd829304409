"""`make bench`'s scale table measures real work: its exports read as the scaling sweep they
describe (not as errors), and each run's table is kept so the next shows what changed."""

from __future__ import annotations

import importlib.util
import json
import sys
from pathlib import Path

import pytest

from extract.paths import PROJECT_ROOT
from extract.sources.wandb_exports import ingest_exports


def _bench():
    spec = importlib.util.spec_from_file_location("bench", PROJECT_ROOT / "bench" / "bench.py")
    assert spec is not None and spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def test_a_scale_export_reads_as_a_scaling_sweep_with_laptops(tmp_path):
    bench = _bench()
    export = bench.scale_export(tmp_path / "wandb_export_runs.csv", 30)
    runs = ingest_exports([export]).runs
    assert len(runs) == 30
    laptops = [r for r in runs if r.platform == "laptop"]
    cluster = [r for r in runs if r.platform == "cluster"]
    assert len(laptops) == 3 and len(cluster) == 27
    assert {r.gpus for r in cluster} == {1, 2, 4, 8, 16, 32, 64}
    assert all(r.epochs == 10 and r.epochs_done == 10 for r in runs)


def test_the_last_scale_table_is_read_back_for_this_core_count(tmp_path):
    bench = _bench()
    history = tmp_path / "history.jsonl"
    assert bench._last_scale(history) is None
    scale = {"10": {"report": {"s": 1.0, "peak_mb": 100.0}}}
    bench._record(history, {"machine": {"cpus": bench.os.cpu_count()}, "scale": scale})
    bench._record(history, {"machine": {"cpus": -1}, "scale": {"10": {}}})  # another machine
    assert bench._last_scale(history) == scale
    assert len(history.read_text().splitlines()) == 2
    assert json.loads(history.read_text().splitlines()[0])["scale"] == scale


def test_the_history_renders_are_kept_and_judged_by_cpu_time(tmp_path, capsys):
    """The 1-million-row render against the 1-thousand-row one, in CPU time (the shared
    machine's load moves wall times far more), and each render's CPU time in the history."""
    bench = _bench()
    history = {
        "1000": {"render_s": 20.0, "cpu_s": 9.0, "cpu_all_s": [9.0, 12.0]},
        "1000000": {"render_s": 10.0, "cpu_s": 10.0, "cpu_all_s": [13.0, 10.0]},
    }
    bench.print_history(history)
    said = " ".join(capsys.readouterr().out.split())
    assert "1.11x the CPU time" in said and "least of 2 renders" in said and "met" in said
    assert "median of each round's ratio 1.14x" in said  # of 13 / 9 and 10 / 12
    kept = tmp_path / "history.jsonl"
    bench._record(kept, {"machine": {"cpus": 2}, "history": history})
    assert json.loads(kept.read_text())["history"] == history


# a stand-in for one of the seed's scripts: it reads ../charts as the seed's do and writes its
# MP4 beside itself, in charts/, through PyAV (the seed's go through matplotlib and ffmpeg)
SEED_SCRIPT = """
import sys
from pathlib import Path

import av
import numpy as np

here = Path(__file__).parent
frames = int((here.parent / "charts" / "benchmark_data.csv").read_text().split()[-1])
(here / "charts").mkdir(exist_ok=True)
with av.open(str(here / "charts" / (Path(__file__).stem + ".mp4")), "w") as out:
    stream = out.add_stream("libx264", rate=30)
    stream.width, stream.height, stream.pix_fmt = 64, 48, "yuv420p"
    for i in range(frames):
        image = np.full((48, 64, 3), i, dtype=np.uint8)
        out.mux(stream.encode(av.VideoFrame.from_ndarray(image, format="rgb24")))
    out.mux(stream.encode())
"""


def _seed_folder(root):
    scripts = root / "9-Wandb-visualization" / "visualizations"
    (scripts / "charts").mkdir(parents=True)
    (scripts / "charts" / "progress_race.mp4").write_bytes(b"the seed's own video")
    for name, _ in _bench().SEED_PAIRS:
        (scripts / f"{name}.py").write_text(SEED_SCRIPT)
    (root / "9-Wandb-visualization" / "charts").mkdir()
    (root / "9-Wandb-visualization" / "charts" / "benchmark_data.csv").write_text("frames\n7\n")
    return scripts


def test_the_seeds_scripts_run_from_a_copy_and_their_frames_are_counted(tmp_path):
    bench = _bench()
    scripts = _seed_folder(tmp_path / "given")
    copied = bench.seed_copy(scripts, tmp_path / "work")
    assert not (copied / "charts" / "progress_race.mp4").exists()  # not the user's video
    python = Path(sys.executable)
    measured = bench.seed_animation(copied, "scaling_efficiency", python)
    assert measured["frames"] == 7 and measured["size"] == "64x48@30"
    assert measured["fps"] == 7 / measured["render_s"]
    # the user's folder is as it was: only the copy holds what the scripts wrote
    assert (scripts / "charts" / "progress_race.mp4").read_bytes() == b"the seed's own video"
    assert not (scripts / "charts" / "scaling_efficiency.mp4").exists()


def test_a_folder_without_the_seeds_scripts_says_how_to_get_them(tmp_path, monkeypatch):
    bench = _bench()
    scripts = _seed_folder(tmp_path / "given")
    (scripts / "training_comparison.py").unlink()
    with pytest.raises(bench.SeedError, match="no training_comparison.py.*kimtakala"):
        bench.seed_copy(scripts, tmp_path / "work")
    monkeypatch.delenv("SEED_PYTHON", raising=False)
    with pytest.raises(bench.SeedError, match="no Python for the seed.*visualization_env"):
        bench.seed_python(scripts)
    monkeypatch.setenv("SEED_PYTHON", sys.executable)
    assert bench.seed_python(scripts) == Path(sys.executable)
