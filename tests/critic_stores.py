"""The stores and settings the frame critic (tests/test_frame_critic.py) judges every held frame
on: what users bring, kept cheap to build.

- sample: the published study (data/sample), as `python -m extract sample` writes it;
- exports: the messy runs-table exports of tests/real_projects.py (unknown, duplicate, failed
  and crashed runs, no histories);
- offline: run files written by the real wandb SDK (Hugging Face, Lightning, a Slurm job, a
  killed laptop run), from tests/real_projects.py, read on the clock their writers fixed (see
  ``writer_clock_runs``);
- laptop-only: the sample's laptop runs alone;
- one GPU count: the sample's 8-GPU run and its laptops;
- twenty runs: the sample and ten more cluster runs at other GPU counts (copies of its runs,
  their histories stretched in time);
- long names, light theme: the sample with long cluster and laptop names, long study-file labels
  and `theme = light`.
"""

from __future__ import annotations

import dataclasses
import math
from pathlib import Path
from unittest import mock

from extract.model import Evidence, Run
from extract.sample import sample_runs
from extract.sources import wandb_files as offline
from extract.store import save_runs

STORES = [
    "sample",
    "exports",
    "offline",
    "laptop-only",
    "one-gpu-count",
    "twenty-runs",
    "long-names-light",
]

LONG_NAMES_CFG = """\
[lumi_vs_laptop]
theme = light
cluster_name = LUMI-G supercomputer (AMD MI250X)
laptop_name = MacBook Air M2 (CPU only)
study = study.toml
"""

LONG_NAMES_STUDY = """\
[runs."4 GPU 1 Node Run"]
label = "4 GPUs on one node, second attempt after the driver update"
[runs."Laptop-Multicore-2.0pct-8cores"]
label = "MacBook Air M2 (CPU only), 8 cores, 2% subset"
"""

EXTRA_GPUS = (3, 5, 6, 12, 20, 40, 48, 56, 96, 128)


def _stretched(run: Run, gpus: int, base_s: float) -> Run:
    """A copy of ``run`` at ``gpus`` GPUs, its times scaled to 85% parallel efficiency."""
    time_s = base_s / (gpus * 0.85)
    factor = time_s / run.time_s
    history = run.history.copy()
    history["_runtime"] = history["_runtime"] * factor
    nodes = math.ceil(gpus / 8)
    evidence = dict(run.evidence)
    evidence["gpus"] = Evidence("study file", "gpus", str(gpus))
    evidence["nodes"] = Evidence("study file", "nodes", str(nodes))
    return dataclasses.replace(
        run,
        run_id=f"{run.run_id}-x{gpus}",
        name=f"{gpus} GPU {nodes} Node Run",
        gpus=gpus,
        nodes=nodes,
        time_s=time_s,
        measured_s=time_s,
        history=history,
        evidence=evidence,
    )


def writer_clock_runs(directory: Path, killed_kept: int) -> list[Run]:
    """The runs under ``directory`` as the reader makes them, on the clock the writers fixed
    (tests/fixed_clock.py) instead of wandb-core's: every row's ``_runtime`` is its
    ``_timestamp`` less the run's start time, the run ends at its last row, and a killed run
    keeps its first ``killed_kept`` rows (how many more reached the file before the kill
    depends on the moment, and so on the machine's load). wandb-core's system metrics, on its
    own clock, are left out. So the words a scene draws from these runs are the same on every
    machine."""
    read = offline.read_run_file

    def on_writer_clock(path: Path) -> offline.OfflineRun:
        run = read(path)
        if run.exit_code is None:  # killed: how much reached the disk is up to the moment
            assert len(run.rows) >= killed_kept, f"{path}: {len(run.rows)} rows kept"
            run.rows = run.rows[:killed_kept]
        if run.start_time is not None:
            for row in run.rows:
                row["_runtime"] = row["_timestamp"] - run.start_time
            if run.runtime_s is not None:
                run.runtime_s = max([0.0, *(row["_runtime"] for row in run.rows)])
        run.stats = []
        return run

    with mock.patch.object(offline, "read_run_file", on_writer_clock):
        return offline.ingest_offline([directory]).runs


def build_stores(
    root: Path, export_runs: list[Run], offline_runs: list[Run]
) -> dict[str, tuple[Path, Path | None]]:
    """Every store under ``root``: name -> (store, its manim.cfg or None for the default).
    The messy runs come from the session's fixtures (tests/conftest.py), written once."""
    root.mkdir(parents=True, exist_ok=True)
    sample = sample_runs()
    by_name = {run.name: run for run in sample}
    laptops = [run for run in sample if run.platform == "laptop"]
    stores: dict[str, list[Run]] = {
        "sample": sample,
        "exports": export_runs,
        "offline": offline_runs,
        "laptop-only": laptops,
        "one-gpu-count": [by_name["8 GPU 1 Node Run"], *laptops],
        "long-names-light": sample,
    }
    base = by_name["1 GPU 1 Node Run"].time_s
    template = by_name["8 GPU 1 Node Run"]
    stores["twenty-runs"] = sample + [_stretched(template, g, base) for g in EXTRA_GPUS]
    found: dict[str, tuple[Path, Path | None]] = {}
    for name, runs in stores.items():
        path = root / f"{name}.h5"
        save_runs(path, runs, sample=name == "sample")
        found[name] = (path, None)
    cfg_dir = root / "long-names"
    cfg_dir.mkdir(exist_ok=True)
    (cfg_dir / "manim.cfg").write_text(LONG_NAMES_CFG, encoding="utf-8")
    (cfg_dir / "study.toml").write_text(LONG_NAMES_STUDY, encoding="utf-8")
    found["long-names-light"] = (found["long-names-light"][0], cfg_dir / "manim.cfg")
    return found
