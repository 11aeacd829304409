"""One scaling study logged to three trackers at once (issue 31): 1, 2, 4 and 8 GPUs as Slurm
jobs on a LUMI-G node and a laptop run stopped part way, each training one child process that
logs the same loop to

- ``plain/``: W&B offline with the real SDK (``run.log(row)``, W&B counting the steps);
- ``tb/<name>/``: TensorBoard with tensorboardX's ``SummaryWriter`` (``add_scalar`` per tag at
  the optimizer's global step, every 50 of them; the hyperparameters as Lightning's
  ``log_hyperparams`` writes them, the hparams plugin's records in the run's own event file);
- ``synced/``: W&B with ``wandb.init(sync_tensorboard=True)``, the way W&B's docs teach a
  TensorBoard user to get runs into W&B: wandb patches tensorboardX's ``EventFileWriter`` and
  wandb-core reads the event files as they grow (wandb/wandb core/internal/tensorboard,
  read on 2026-12-06: each event becomes a history row of its tags, with ``global_step`` = the
  event's step and ``_timestamp`` = its wall time; ``_runtime`` is when wandb-core read it).

A W&B run and a ``sync_tensorboard`` run cannot both be the global run of one process
(``reinit="create_new"`` runs are never ``wandb.run``, and the patched writer tells only
``wandb.run`` of its log directory), so the synced run is started first, as the global run, and
the plain one beside it with ``reinit="create_new"``. Every child runs on the fixed clock
(tests/fixed_clock.py); between ``wandb.init`` and the SummaryWriter's creation the script
loads its data (``STARTUP_S`` of the clock): W&B counts a run's time from ``wandb.init``,
TensorBoard from the writer's first event, which is what the trackers' clocks differ by.

What each tracker cannot record: TensorBoard keeps no run state and nothing of the machine
(W&B records Slurm's allocation and the host's CPUs), so the config states the GPUs and the
planned epochs and nothing else: the nodes (Slurm's ``SLURM_NNODES``) and the laptop's cores
(wandb's ``cpu_count_logical``) are known to W&B only.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path
from typing import Any

from tests.corpus_cache import sdk_corpus
from tests.fixed_clock import CLOCK
from tests.stack_studies import LAPTOP, NODE_LUMI_G, slurm

STARTUP_S = 15.0  # data loading between wandb.init and the SummaryWriter's first event
EPOCHS = 3
STEPS_PER_EPOCH = 10
TARGET = 90.0  # the study file's target accuracy, in percent

# name -> what the training is: its GPUs (None: the laptop), seconds a step takes, the epochs
# it runs before it ends (the laptop is stopped half-way through its second), its held-out
# accuracy after each epoch (percent), the machine wandb records and Slurm's environment
RUNS: dict[str, dict[str, Any]] = {
    "gpus_1": {"gpus": 1, "step_s": 240.0, "epochs_run": 3.0, "accuracy": [71.0, 86.5, 91.25]},
    "gpus_2": {"gpus": 2, "step_s": 123.0, "epochs_run": 3.0, "accuracy": [70.5, 87.0, 91.5]},
    "gpus_4": {"gpus": 4, "step_s": 64.0, "epochs_run": 3.0, "accuracy": [70.0, 88.25, 91.0]},
    "gpus_8": {"gpus": 8, "step_s": 34.0, "epochs_run": 3.0, "accuracy": [69.5, 87.5, 90.5]},
    "laptop": {"gpus": None, "step_s": 1800.0, "epochs_run": 1.5, "accuracy": [64.0]},
}
for _number, (_name, _spec) in enumerate(RUNS.items()):
    _gpus = _spec["gpus"]
    _spec["machine"] = NODE_LUMI_G if _gpus else LAPTOP
    _spec["env"] = slurm(8100 + _number, 1, _gpus, 8) if _gpus else {}
    _spec["config"] = (
        {"total_gpus": _gpus, "epochs": EPOCHS, "batch_size_per_gpu": 32, "lr": 0.001}
        if _gpus
        else {"device": "cpu", "epochs": EPOCHS, "batch_size_per_gpu": 32, "lr": 0.001}
    )

WRITER = (
    CLOCK
    + r"""
import json, os, sys
from pathlib import Path
import wandb
from tensorboardX import SummaryWriter
from tensorboardX.summary import hparams

NAME, SPEC = sys.argv[1], json.loads(os.environ["TRACKER_SPEC"])
ROOT = Path(os.environ["TRACKER_ROOT"])
clock.at(SPEC["start"])
machine = wandb.Settings(**{"x_stats_" + k: v for k, v in SPEC["machine"].items()})
for part in ("plain", "synced"):
    (ROOT / part).mkdir(exist_ok=True)
synced = wandb.init(project="trackers", name=NAME, dir=str(ROOT / "synced"),
                    config=SPEC["config"], sync_tensorboard=True, settings=machine)
plain = wandb.init(project="trackers", name=NAME, dir=str(ROOT / "plain"),
                   config=SPEC["config"], reinit="create_new", settings=machine)
began = clock()
clock.tick(SPEC["startup"])  # loading the data
writer = SummaryWriter(str(ROOT / "tb" / NAME))
for summary in hparams(SPEC["config"], {}):  # Lightning's log_hyperparams
    writer._get_file_writer().add_summary(summary)
rows = []
steps = round(SPEC["epochs_run"] * SPEC["steps_per_epoch"])
for step in range(steps):
    clock.tick(SPEC["step_s"])
    epoch, in_epoch = divmod(step, SPEC["steps_per_epoch"])
    row = {"epoch": epoch, "train/loss": round(2.3 * 0.9 ** step, 6)}
    if in_epoch == SPEC["steps_per_epoch"] - 1:
        row["val/accuracy"] = SPEC["accuracy"][epoch]
    plain.log(row)
    # logged every 50 optimizer steps at the global step, as Lightning's log_every_n_steps does
    global_step = 50 * step + 49
    for tag, value in row.items():
        writer.add_scalar(tag, value, global_step)
    rows.append({**row, "step": global_step, "t": clock() - began})
writer.close()
stopped = steps < SPEC["epochs"] * SPEC["steps_per_epoch"]
# stopped part way: Ctrl-C, which wandb's exit hook records as exit code 255
plain.finish(exit_code=255 if stopped else 0)
synced.finish(exit_code=255 if stopped else 0)
Path(os.environ["TRACKER_OUT"]).write_text(json.dumps(
    {"plain": plain.id, "synced": synced.id, "began": began, "rows": rows}))
"""
)


def _environment() -> dict[str, str]:
    env = {
        **os.environ,
        "WANDB_MODE": "offline",
        "WANDB_SILENT": "true",
        "WANDB_DISABLE_GIT": "true",
    }
    for name in [n for n in env if n.startswith(("SLURM_", "WANDB_API_KEY", "WANDB_DIR"))]:
        env.pop(name)
    return env


def _write(root: Path) -> None:
    """Each run in a child process of its own (its Slurm job's environment), all at once:
    they wait on wandb's service more than they compute."""
    jobs = []
    for number, (name, spec) in enumerate(RUNS.items()):
        out = root / f".{name}.json"
        todo = {
            **spec,
            "start": 3 * 3600.0 * number,  # one after the other, never overlapping
            "startup": STARTUP_S,
            "epochs": EPOCHS,
            "steps_per_epoch": STEPS_PER_EPOCH,
        }
        env = {
            **_environment(),
            **spec["env"],
            "TRACKER_SPEC": json.dumps(todo),
            "TRACKER_ROOT": str(root),
            "TRACKER_OUT": str(out),
        }
        process = subprocess.Popen(
            [sys.executable, "-c", WRITER, name],
            env=env,
            stdout=subprocess.PIPE,
            stderr=subprocess.PIPE,
            text=True,
        )
        jobs.append((process, out, name))
    logged = {}
    for process, out, name in jobs:
        _, stderr = process.communicate(timeout=600)
        assert process.returncode == 0, f"{name}: exit {process.returncode}: {stderr[-3000:]}"
        logged[name] = json.loads(out.read_text())
        out.unlink()
    (root / "manifest.json").write_text(json.dumps(logged, indent=1))


def build_corpus(root: Path) -> dict[str, Any]:
    """The study under ``root`` (``plain/``, ``synced/``, ``tb/``), written once per version
    of this module and wandb (tests/corpus_cache.py); what each run logged, by name."""
    # this module is the writer whole (what each run logs; what is expected is in the test)
    sources = [Path(__file__), Path(__file__).with_name("fixed_clock.py")]
    sdk_corpus("tracker-studies", sources, _write, root)
    manifest: dict[str, Any] = json.loads((root / "manifest.json").read_text())
    return manifest


if __name__ == "__main__":  # python -m tests.tracker_studies DIR
    target = Path(sys.argv[1] if len(sys.argv) > 1 else "tracker-studies-corpus")
    print(f"wrote {len(build_corpus(target))} runs under {target}")
