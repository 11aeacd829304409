"""`make bench`'s scale table measures real work: its exports read as the scaling sweep they
describe (not as errors), and each run's table is kept so the next shows what changed."""

from __future__ import annotations

import importlib.util
import json

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
