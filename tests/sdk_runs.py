"""Real W&B run files: a script the wandb SDK runs in offline mode, and the fixture that hands
its files to a test session (written once per script and wandb version: tests/corpus_cache.py)."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest

from tests.corpus_cache import sdk_corpus
from tests.fixed_clock import CLOCK

# on a fixed clock (tests/fixed_clock.py): a step of the cluster run takes 30 s of it, a step of
# the laptop run 10 min, whatever the machine's load
WRITER = (
    CLOCK
    + r"""
import json, sys, wandb
logged = {}
# a cluster run: nested metrics, and keys logged in separate log() calls
run = wandb.init(project="scaling", name="8 GPU 1 Node Run", mode="offline",
                 config={"total_gpus": 8, "nodes": 1, "epochs": 3, "optimizer": {"lr": 0.001}})
rows = []
for step in range(30):
    clock.tick(30.0)
    row = {"epoch": step // 10, "train_loss": 7.0 * 0.8 ** step,
           "perf": {"samples_per_s": 100.0 + step}}
    run.log(row, step=step)
    run.log({"running_accuracy": min(99.0, 4.0 * step)}, step=step, commit=True)
    rows.append({**row, "running_accuracy": min(99.0, 4.0 * step)})
run.summary["acc"] = 98.12
run.finish()
logged["cluster"] = {"id": run.id, "rows": rows}
# a laptop run that logged its own extrapolation
run = wandb.init(project="scaling", name="Laptop-Benchmark", mode="offline",
                 config={"device": "cpu", "epochs": 3, "cores": 8})
for step in range(5):
    clock.tick(600.0)
    run.log({"epoch": 0, "progress_percentage": 20.0 * (step + 1)})
run.summary.update({"extrapolated_total_time_hr": 54.094, "extrapolated_epoch_time_hr": 18.031})
run.finish()
logged["laptop"] = {"id": run.id}
json.dump(logged, open(sys.argv[1], "w"))
"""
)


def write(root: Path) -> None:
    """The two runs under ``root/wandb``, what was logged in ``root/logged.json``."""
    env = {
        **os.environ,
        "WANDB_MODE": "offline",
        "WANDB_SILENT": "true",
        "WANDB_DIR": str(root),
        "WANDB_DISABLE_GIT": "true",
    }
    env.pop("WANDB_API_KEY", None)
    result = subprocess.run(
        [sys.executable, "-c", WRITER, str(root / "logged.json")],
        env=env,
        capture_output=True,
        text=True,
    )
    assert result.returncode == 0, result.stderr[-2000:]


@pytest.fixture(scope="session")
def wandb_dir(tmp_path_factory) -> tuple[Path, dict]:
    sources = [Path(__file__), Path(__file__).with_name("fixed_clock.py")]
    root = sdk_corpus("sdk-runs", sources, write, tmp_path_factory.mktemp("wandb_runs"))
    return root / "wandb", json.loads((root / "logged.json").read_text())
