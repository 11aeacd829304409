"""A Lightning team's untidy project, written by the real wandb SDK (offline mode) in child
processes on a fixed clock (tests/fixed_clock.py): what Lightning's WandbLogger leaves behind
besides the study's trainings (issue 27, a newcomer's Lightning project). Used by
tests/test_lightning_project.py.

What Lightning logs, and in which order (read in Lightning-AI/pytorch-lightning at 7f0c343):

- ``WandbLogger.__init__`` calls ``define_metric("trainer/global_step")`` and
  ``define_metric("*", step_metric="trainer/global_step", step_sync=True)``; its
  ``log_hyperparams`` is ``experiment.config.update(params, allow_val_change=True)``, after
  ``wandb.init`` (so the hyperparameters reach wandb's debug.log as ``config_cb`` lines, not on
  the ``wandb.init called with ... config:`` line).
- ``log_metrics`` logs ``dict(metrics, trainer/global_step=step)``, one row a call, and
  ``_LoggerConnector.log_metrics`` adds ``epoch = current_epoch``. The step is
  ``fit_loop.epoch_loop._batches_that_stepped``.
- Training rows: ``loops/training_epoch_loop.py`` logs in ``advance`` every
  ``log_every_n_steps`` batches (``(_batches_that_stepped + 1) % n == 0``) and increments
  ``_batches_that_stepped`` in ``on_advance_end``, after the epoch's validation: a training row
  carries the batches stepped before its own, the validation row at the epoch's end the same
  value as the epoch's last batch.
- ``loops/fit_loop.py`` ``on_advance_end`` logs the epoch-end training metrics
  (``train_loss_epoch``) with ``_batches_that_stepped`` decreased by one for the call ("loggers
  expect that the same step is used when logging epoch-end metrics"): the same step again.
- ``trainer/call.py`` ``_call_and_handle_interrupt``: on ``KeyboardInterrupt`` it prints
  "Detected KeyboardInterrupt, attempting graceful shutdown ...", finalizes the loggers with
  "failed" (WandbLogger does nothing then) and calls ``sys.exit(1)``: wandb's exit hook records
  exit code 1, the run's state is failed. Any other exception propagates (exit code 1 too, and a
  traceback in the run's output). Lightning never calls ``wandb.finish()``: the run ends at
  interpreter exit.
- ``fast_dev_run`` replaces the loggers with a ``DummyLogger``: nothing is logged, although
  ``wandb.init`` ran (the team's script made the logger) and its hyperparameters were sent.

What each child logged goes to ``manifest.json``: tests compare with what was logged.
"""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
from pathlib import Path
from typing import Any

from tests.corpus_cache import sdk_corpus
from tests.fixed_clock import CLOCK

SPE_1GPU = 32  # batches an epoch on one GPU (DistributedSampler splits them)
LAPTOP_SPE = 128
PLANNED = 4
SUBMIT_HOST = "uan02"

WRITER = (
    CLOCK
    + r"""
import json, os, signal, sys
import wandb
SPEC = json.loads(os.environ["CORPUS_SPEC"])
logged = {}

def save():
    with open(SPEC["out"], "w") as f:
        json.dump(logged, f)

def trainer_config(gpus, epochs, every, accelerator="gpu", **more):
    t = {"accelerator": accelerator, "devices": min(gpus, 8), "num_nodes": max(1, gpus // 8),
         "strategy": "ddp" if gpus > 1 else "auto", "max_epochs": epochs,
         "log_every_n_steps": every, "fast_dev_run": False, "limit_train_batches": None,
         "limit_val_batches": None, "overfit_batches": 0.0}
    t.update(more)
    return t

def lightning(key, name, *, gpus=1, spe=None, epochs=4, every=4, step_s=0.05, val_s=0.2,
              startup_s=2.0, trainer=None, accelerator="gpu", tags=None, settings=None,
              interrupt_at=None, crash_at=None, kill_at_init=False, dummy=False, batches=None):
    spe = spe if spe is not None else 32 // gpus
    began = clock.now
    run = wandb.init(project="resnet-lightning", name=name, tags=tags,
                     settings=wandb.Settings(**(settings or {})))
    entry = logged.setdefault(key, {"id": run.id, "name": name, "rows": [], "began": began})
    run.define_metric("trainer/global_step")
    run.define_metric("*", step_metric="trainer/global_step", step_sync=True)
    # the LightningModule's hparams, then the team's own log_hyperparams (nested)
    run.config.update({"arch": "resnet50", "lr": 0.1, "batch_size": 64}, allow_val_change=True)
    hyper = trainer_config(gpus, epochs, every, accelerator, **(trainer or {}))
    run.config.update({"trainer": hyper, "script_version": "v2"}, allow_val_change=True)
    if kill_at_init:
        save()
        os.killpg(0, signal.SIGKILL)  # the node failed: the job and wandb's service die
    clock.tick(startup_s)  # DDP set-up, the sanity check (not logged)
    if dummy:  # fast_dev_run: a DummyLogger logs nothing
        clock.tick(1.0)
        save()
        return run
    def log(row):
        run.log(row)
        entry["rows"].append(dict(row, _writer_t=clock.now - began))
    stepped = 0
    per_epoch = batches if batches is not None else spe
    for epoch in range(epochs):
        for batch in range(per_epoch):
            clock.tick(step_s)
            if (stepped + 1) % every == 0:
                log({"train_loss_step": round(2.3 / (stepped + 1) ** 0.3, 4), "epoch": epoch,
                     "trainer/global_step": stepped})
            if crash_at is not None and stepped + 1 >= crash_at:
                entry["stepped"] = stepped + 1
                save()
                raise RuntimeError("NCCL error in: ProcessGroupNCCL.cpp:1970, system error")
            if interrupt_at is not None and stepped + 1 >= interrupt_at:
                entry["stepped"] = stepped + 1
                save()
                print("\nDetected KeyboardInterrupt, attempting graceful shutdown ...", flush=True)
                sys.exit(1)
            if batch == per_epoch - 1:  # validation in on_advance_end of the epoch's last batch
                clock.tick(val_s)
                log({"val_loss": round(1.0 - 0.05 * epoch, 4),
                     "val_acc": round(0.6 + 0.04 * epoch, 4),
                     "epoch": epoch, "trainer/global_step": stepped})
            stepped += 1
        # fit_loop.on_advance_end: epoch-end metrics at the same step
        log({"train_loss_epoch": round(1.5 - 0.1 * epoch, 4), "epoch": epoch,
             "trainer/global_step": stepped - 1})
    entry["stepped"] = stepped
    save()
    return run

def prep(key, name):
    began = clock.now
    run = wandb.init(project="resnet-lightning", name=name,
                     config={"num_shards": 6, "image_size": 224, "script_version": "v2"})
    entry = logged.setdefault(key, {"id": run.id, "name": name, "rows": [], "began": began})
    for shard in range(6):
        clock.tick(0.3)
        row = {"shard": shard, "images_written": 1280 * (shard + 1)}
        run.log(row)
        entry["rows"].append(row)
    save()
    return run

for job in SPEC["runs"]:
    writer = job.pop("writer", "lightning")
    run = prep(**job) if writer == "prep" else lightning(**job)
    run.finish()  # the interpreter's exit would do it; the next run of this process needs it
save()
"""
)

GPU_NODE = {"x_stats_gpu_count": 8, "x_stats_gpu_type": "AMD Instinct MI250X"}
LAPTOP = {"x_stats_cpu_count": 4, "x_stats_cpu_logical_count": 8}


def _slurm(job_id: int, gpus: int, host: str) -> dict[str, str]:
    """A Slurm job launched as srun + torchrun, one task a node; the GPUs on the node."""
    env = {
        "SLURM_JOB_ID": str(job_id),
        "SLURM_CLUSTER_NAME": "lumi",
        "SLURM_JOB_PARTITION": "small-g",
        "SLURM_NNODES": "1",
        "SLURM_NTASKS": "1",
        "SLURM_PROCID": "0",
        "SLURM_SUBMIT_HOST": SUBMIT_HOST,
        "SLURM_JOB_NODELIST": host,
        "WANDB_HOST": host,
    }
    if gpus:
        env["SLURM_GPUS_ON_NODE"] = str(gpus)
    return env


def _gpu(key: str, name: str, gpus: int, **more: Any) -> dict[str, Any]:
    return {"key": key, "name": name, "gpus": gpus, "settings": GPU_NODE, **more}


def _laptop(key: str, **more: Any) -> dict[str, Any]:
    # log_every_n_steps=50 over 128 batches: the epoch's last training row comes 28 batches
    # before its end, the next epoch's first 22 batches after it
    return {"key": key, "name": "resnet50-cpu", "gpus": 1, "spe": LAPTOP_SPE, "every": 50,
            "step_s": 0.09, "startup_s": 1.0, "accelerator": "cpu", "settings": LAPTOP,
            "tags": ["laptop"], **more}  # fmt: skip


# (name, environment, runs, exit statuses, own session: killed with its service)
PROCESSES: list[tuple[str, dict[str, str], list[dict[str, Any]], set[int], bool]] = [
    (
        "study",
        _slurm(7700001, 4, "nid007001"),
        [
            _gpu("1gpu", "resnet50-1gpu", 1),
            _gpu("4gpu", "resnet50-4gpu", 4),
            # debugging runs: a limit Lightning's Trainer takes
            _gpu("fast-dev-run", "resnet50-4gpu", 4, trainer={"fast_dev_run": True}, dummy=True),
            _gpu(
                "limit-fraction",
                "resnet50-4gpu",
                4,
                batches=1,
                trainer={"limit_train_batches": 0.1, "limit_val_batches": 0.1},
            ),  # fmt: skip
            _gpu(
                "limit-batches",
                "resnet50-1gpu",
                1,
                batches=10,
                epochs=2,
                trainer={"limit_train_batches": 10},
            ),  # fmt: skip
            _gpu("limit-val", "resnet50-1gpu", 1, trainer={"limit_val_batches": 5}),
            _gpu("overfit", "resnet50-1gpu", 1, batches=2, trainer={"overfit_batches": 2}),
        ],
        {0},
        False,
    ),
    # an NCCL error in the second epoch, after 49 batches (32 an epoch): exception, exit 1
    (
        "crash",
        _slurm(7700002, 1, "nid007002"),
        [_gpu("crash", "resnet50-1gpu", 1, crash_at=49)],
        {1},
        False,
    ),  # fmt: skip
    # killed right after its hyperparameters were sent: a run file of its header only
    (
        "killed",
        _slurm(7700003, 4, "nid007003"),
        [_gpu("killed", "resnet50-4gpu", 4, kill_at_init=True)],
        {-signal.SIGKILL},
        True,
    ),  # fmt: skip
    # preprocessing on the cluster: a CPU job, no training metrics
    (
        "prep",
        _slurm(7700004, 0, "nid002001"),
        [{"key": "prep", "name": "shards", "writer": "prep"}],
        {0},
        False,
    ),  # fmt: skip
    ("laptop", {"WANDB_HOST": "anna-x1"}, [_laptop("laptop-full")], {0}, False),
    # Ctrl-C at 2.5 epochs and at 0.6 of one: Lightning exits 1
    (
        "laptop-stop25",
        {"WANDB_HOST": "anna-x1"},
        [_laptop("laptop-stop25", interrupt_at=2 * LAPTOP_SPE + 64)],
        {1},
        False,
    ),  # fmt: skip
    (
        "laptop-stop06",
        {"WANDB_HOST": "anna-x1"},
        [_laptop("laptop-stop06", interrupt_at=77)],
        {1},
        False,
    ),  # fmt: skip
]


def _environment(root: Path) -> dict[str, str]:
    env = {
        **os.environ,
        "WANDB_MODE": "offline",
        "WANDB_SILENT": "true",
        "WANDB_DISABLE_GIT": "true",
        "WANDB_DIR": str(root),
    }
    for name in [n for n in env if n.startswith(("SLURM_", "WANDB_API_KEY", "WANDB_SWEEP"))]:
        env.pop(name)
    env.pop("WANDB_HOST", None)
    return env


def _write(root: Path) -> None:
    env = _environment(root)
    logged: dict[str, Any] = {}
    jobs = []
    for name, extra, runs, codes, own_session in PROCESSES:
        out = root / f".{name}.json"
        spec = {"out": str(out), "runs": runs}
        process = subprocess.Popen(
            [sys.executable, "-c", WRITER],
            env={**env, **extra, "CORPUS_SPEC": json.dumps(spec)},
            stdout=subprocess.PIPE,
            stderr=subprocess.PIPE,
            text=True,
            start_new_session=own_session,
        )
        jobs.append((process, out, codes, name))
        if len(jobs) == 3:
            _collect(jobs, logged)
    _collect(jobs, logged)
    (root / "manifest.json").write_text(json.dumps(logged))


def _collect(
    jobs: list[tuple[subprocess.Popen[str], Path, set[int], str]], logged: dict[str, Any]
) -> None:
    for process, out, codes, name in jobs:
        _, stderr = process.communicate(timeout=600)
        assert process.returncode in codes, f"{name}: {process.returncode}: {stderr[-3000:]}"
        logged.update(json.loads(out.read_text()))
    jobs.clear()


def lightning_project(into: Path) -> tuple[Path, dict[str, Any]]:
    """The project's wandb/ folder under ``into`` (written once per version of this module and
    wandb: tests/corpus_cache.py), and what each run logged, by key."""
    sdk_corpus("lightning", [Path(__file__)], _write, into)
    return into / "wandb", json.loads((into / "manifest.json").read_text())
