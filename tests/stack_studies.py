"""A third corpus (issue 28): one scaling study per common stack, each run logged the way the
stack's own W&B logger, callback or documented example script logs it, written by the real
wandb SDK (offline mode) in child processes on a fixed clock (tests/fixed_clock.py), with what
a careful person can state of every run from its files (``EXPECTED``). Measured by
tests/test_stack_studies.py.

Where each study's logging comes from (read on 2026-12-06 in the stacks' sources, fetched):

- ``deepspeed/``: DeepSpeed's ``WandbMonitor`` (deepspeed/monitor/wandb.py) calls
  ``wandb.init(project, group, entity)`` on rank 0 with no config and logs each event as
  ``wandb.log({label: value}, step=global_samples)``: ``Train/Samples/train_loss``,
  ``Train/Samples/lr`` (deepspeed/runtime/engine.py). The DeepSpeedExamples CIFAR script adds its
  arguments (``wandb.config.update(vars(args))``: ``epochs``, ``local_rank``, ``stage``,
  ``dtype``) and its test accuracy in percent once an epoch (``epoch`` the 0-based index). Under
  Slurm, ``deepspeed --launcher slurm`` (or ``srun``) starts one task per GPU.
- ``nemo/``: NeMo's ``exp_manager`` logs through Lightning's ``WandbLogger``, which flattens the
  Hydra config with ``/`` (``trainer/devices``, ``trainer/num_nodes``, ``trainer/max_epochs``,
  ``trainer/accelerator``); Lightning adds ``epoch`` (0-based) and ``trainer/global_step`` to
  every row; ``EncDecClassificationModel`` logs ``val_epoch_top@1`` (a fraction) and
  ``training_batch_accuracy_top@1``. NeMo's configs default ``devices: -1`` with
  ``accelerator: auto`` (every device; Lightning on Slurm wants a task per device).
- ``horovod/``: Horovod has no W&B logger; its examples/pytorch/pytorch_mnist.py is the
  documented script: rank 0 calls ``wandb.init(config=vars(args))`` (``epochs``, ``no_cuda``,
  ``batch_size`` ...), epochs are counted from 1 (``for epoch in range(1, args.epochs + 1)``),
  a training loss every ``log_interval`` batches and ``test_accuracy`` (a fraction) each epoch.
  ``horovodrun``/``srun`` start one process per GPU.
- ``keras/``: wandb's ``WandbMetricsLogger`` (wandb/integration/keras/callbacks/
  metrics_logger.py) logs ``epoch/<metric>`` with ``epoch/epoch`` (the 0-based index, at the
  epoch's end) and ``epoch/learning_rate``; a ``tf.distribute.MirroredStrategy`` script (keras.io
  guide, "distributed training with TensorFlow") states its size as
  ``strategy.num_replicas_in_sync``, logged in its config. EarlyStopping ends a run early.
- ``fastai/``: fastai's ``WandbCallback`` (fastai/callback/wandb.py) logs
  ``Learner.gather_args()`` as config (``batch size``, ``batch per epoch``, ``device``, the
  callbacks' stored arguments; never the epochs ``fit`` was given), then every batch
  ``{'epoch': fractional epochs done, 'train_loss', 'raw_loss', 'lr_0', 'mom_0'}`` at its own
  step, and after each epoch ``{'epoch': round(epoch)}`` and the recorder's metrics
  (``valid_loss``, ``accuracy`` a fraction).
- ``timm/``: pytorch-image-models train.py: ``wandb.init(config=args)`` on the primary process
  (the whole argparse namespace: ``epochs``, ``world_size``, ``device``, ``workers`` the data
  loader's processes ...) and timm.utils.update_summary's row once an epoch: ``epoch`` (0-based),
  ``train_loss``, ``eval_loss``, ``eval_top1``, ``eval_top5`` (percent), ``lr``.
- ``flax/``: the Flax ImageNet example (examples/imagenet/train.py, configs/default.py) writes
  ``train_loss``, ``train_accuracy``, ``train_learning_rate``, ``steps_per_second`` every
  ``log_every_steps`` and ``eval_loss``, ``eval_accuracy`` (a fraction) after each epoch, at
  ``step + 1``; a W&B user logs the same scalars with ``wandb.log(..., step=step + 1)`` and
  ``config.to_dict()`` (``num_epochs``, ``num_train_steps = -1``: the plan is the epochs).
  Under Slurm, ``jax.distributed.initialize()`` takes one process per task.
- ``mmengine/``: MMEngine's ``WandbVisBackend`` logs the whole config
  (``wandb.config.update(dict(config))``: ``launcher``, ``train_cfg.max_epochs``,
  ``env_cfg.dist_cfg.backend = 'nccl'`` the Runner's default) and each LoggerHook row with
  ``wandb.log`` (``epoch`` counted from 1, ``iter`` the global iteration, ``lr``, ``loss``),
  the validation's ``accuracy/top1`` in percent; ``launcher='slurm'`` runs a task per GPU.
- ``composer/``: Composer's Trainer logs its arguments (``max_duration`` "3ep", "1000ba",
  "50000sp": composer/core/time.py), then ``num_nodes`` and ``num_{device}s_per_node``
  (composer/trainer/trainer.py, ``_train_loop``: ``num_gpus_per_node``, ``num_cpus_per_node``);
  its WandBLogger is ``wandb.log(metrics, step=batch)``: ``time/epoch`` at each epoch's start and
  after the loop, ``time/batch``, ``time/sample``, ``time/batch_in_epoch``,
  ``metrics/eval/MulticlassAccuracy`` (a fraction).

What a run's facts are (``EXPECTED``): what its author knows from the files, a careful person's
reading; ``None`` where the files do not say (a reader must then say "unknown", and such a fact
is not counted as one a person could state).
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
import tempfile
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from tests.corpus_cache import sdk_corpus
from tests.fixed_clock import CLOCK

# the facts measured, in the order the table prints them
FACTS = ("platform", "gpus", "nodes", "cores", "epochs", "epochs_done", "state", "accuracy")


@dataclass(frozen=True)
class Expected:
    """One run: its study (= the stack), what it shows, and its facts as a careful person
    states them from the files; None: the files do not say. ``accuracy`` is the run's best
    accuracy in percent."""

    key: str
    study: str
    case: str
    facts: dict[str, Any] = field(default_factory=dict)
    tolerance: float = 1e-6


LAPTOP = {"cpu_count": 4, "cpu_logical_count": 8}
NODE_A100 = {"gpu_count": 4, "gpu_type": "NVIDIA A100-SXM4-40GB", "cpu_count": 32}
NODE_LUMI_G = {"gpu_count": 8, "gpu_type": "AMD Instinct MI250X", "cpu_count": 64}
WORKSTATION_1 = {"gpu_count": 1, "gpu_type": "NVIDIA GeForce RTX 4090", "cpu_count": 16}


def slurm(job: int, nodes: int, tasks_per_node: int, gpus_on_node: int) -> dict[str, str]:
    """What Slurm puts in the environment of the task that starts wandb (task 0 on node 0)."""
    return {
        "SLURM_JOB_ID": str(job),
        "SLURM_CLUSTER_NAME": "lumi",
        "SLURM_NNODES": str(nodes),
        "SLURM_JOB_NUM_NODES": str(nodes),
        "SLURM_NTASKS": str(nodes * tasks_per_node),
        "SLURM_NTASKS_PER_NODE": str(tasks_per_node),
        "SLURM_GPUS_ON_NODE": str(gpus_on_node),
        "SLURM_PROCID": "0",
        "SLURM_LOCALID": "0",
        "SLURM_NODEID": "0",
    }


def _cluster(
    gpus: int,
    nodes: int | None,
    epochs: float | None,
    done: float | None,
    state: str = "finished",
    accuracy: float | None = None,
) -> dict[str, Any]:
    return {
        "platform": "cluster",
        "gpus": gpus,
        "nodes": nodes,
        "epochs": epochs,
        "epochs_done": done,
        "state": state,
        "accuracy": accuracy,
    }


def _laptop(
    cores: int,
    epochs: float | None,
    done: float | None,
    state: str = "finished",
    accuracy: float | None = None,
) -> dict[str, Any]:
    return {
        "platform": "laptop",
        "nodes": 1,
        "cores": cores,
        "epochs": epochs,
        "epochs_done": done,
        "state": state,
        "accuracy": accuracy,
    }


# key -> (machine, extra environment, what the writer does, what a careful person states)
RUNS: dict[str, tuple[dict[str, Any], dict[str, str], dict[str, Any], Expected]] = {}


def _run(
    key: str,
    study: str,
    case: str,
    machine: dict[str, Any],
    env: dict[str, str],
    spec: dict[str, Any],
    facts: dict[str, Any],
    tolerance: float = 1e-6,
) -> None:
    RUNS[key] = (
        machine,
        env,
        {"stack": study, **spec},
        Expected(key, study, case, facts, tolerance),
    )


# --- DeepSpeed: WandbMonitor on rank 0, a Slurm task per GPU ----------------------------------
for n, nodes in ((8, 1), (16, 2), (32, 4)):
    _run(
        f"ds-{n}",
        "deepspeed",
        f"WandbMonitor, srun {nodes} x 8 tasks",
        NODE_LUMI_G,
        slurm(7100 + n, nodes, 8, 8),
        {"epochs": 3, "done": 3.0, "acc": 60 + n / 8},
        _cluster(n, nodes, 3, 3, accuracy=60 + n / 8 + 0.5 * 2),
    )
_run(
    "ds-16-stopped",
    "deepspeed",
    "killed half-way through its third epoch (2.5 by its steps)",
    NODE_LUMI_G,
    slurm(7199, 2, 8, 8),
    {"epochs": 3, "done": 2.5, "acc": 62.0, "exit": 1},
    _cluster(16, 2, 3, 2.5, state="failed", accuracy=62.5),
    tolerance=0.1,
)

# --- NeMo: Lightning's WandbLogger, Hydra config flattened with '/' ---------------------------
_run(
    "nemo-1",
    "nemo",
    "trainer.devices 1, accelerator gpu",
    NODE_A100,
    slurm(7201, 1, 1, 1),
    {"devices": 1, "nodes": 1, "accelerator": "gpu", "epochs": 3},
    _cluster(1, 1, 3, 3, accuracy=91.0),
)
_run(
    "nemo-4",
    "nemo",
    "NeMo's default devices -1, accelerator auto, 4 Slurm tasks on 4 GPUs",
    NODE_A100,
    slurm(7204, 1, 4, 4),
    {"devices": -1, "nodes": 1, "accelerator": "auto", "epochs": 3},
    _cluster(4, 1, 3, 3, accuracy=91.0),
)
_run(
    "nemo-2-auto",
    "nemo",
    "NeMo's accelerator auto with devices 2 on a 4-GPU workstation (no Slurm): 2 GPUs",
    NODE_A100,
    {},
    {"devices": 2, "nodes": 1, "accelerator": "auto", "epochs": 3},
    _cluster(2, 1, 3, 3, accuracy=91.0),
)
_run(
    "nemo-16",
    "nemo",
    "trainer.devices 8 x trainer.num_nodes 2",
    NODE_LUMI_G,
    slurm(7216, 2, 8, 8),
    {"devices": 8, "nodes": 2, "accelerator": "gpu", "epochs": 3},
    _cluster(16, 2, 3, 3, accuracy=91.0),
)
_run(
    "nemo-gpt-16",
    "nemo",
    "Megatron GPT: devices 8 x num_nodes 2, tensor parallel 2, max_epochs null, max_steps 30: "
    "Lightning's epoch stays 0, no epoch completes",
    NODE_LUMI_G,
    slurm(7217, 2, 8, 8),
    {"devices": 8, "nodes": 2, "accelerator": "gpu", "epochs": None, "max_steps": 30, "tp": 2},
    _cluster(16, 2, None, None, accuracy=None),
)
_run(
    "nemo-laptop",
    "nemo",
    "accelerator cpu on a laptop",
    LAPTOP,
    {},
    {"devices": 1, "nodes": 1, "accelerator": "cpu", "epochs": 3},
    _laptop(8, 3, 3, accuracy=91.0),
)

# --- Horovod: pytorch_mnist.py, rank 0 logs, epochs counted from 1 ------------------------------
_run(
    "hvd-4",
    "horovod",
    "srun 4 tasks on a 4-GPU node",
    NODE_A100,
    slurm(7304, 1, 4, 4),
    {"epochs": 4, "done": 4, "no_cuda": False},
    _cluster(4, 1, 4, 4, accuracy=97.0),
)
_run(
    "hvd-8",
    "horovod",
    "srun 2 x 4 tasks",
    NODE_A100,
    slurm(7308, 2, 4, 4),
    {"epochs": 4, "done": 4, "no_cuda": False},
    _cluster(8, 2, 4, 4, accuracy=97.0),
)
_run(
    "hvd-8-stopped",
    "horovod",
    "killed half-way through epoch 3 (of 4, counted from 1)",
    NODE_A100,
    slurm(7309, 2, 4, 4),
    {"epochs": 4, "done": 2.5, "no_cuda": False, "exit": 1},
    _cluster(8, 2, 4, 2.5, state="failed", accuracy=95.0),
    tolerance=0.1,
)
_run(
    "hvd-laptop",
    "horovod",
    "horovodrun -np 1 --no-cuda on a laptop",
    LAPTOP,
    {},
    {"epochs": 4, "done": 4, "no_cuda": True},
    _laptop(8, 4, 4, accuracy=97.0),
)

# --- Keras: WandbMetricsLogger, MirroredStrategy's replicas ------------------------------------
for n in (1, 2, 4):
    _run(
        f"keras-{n}",
        "keras",
        f"MirroredStrategy, {n} replicas on a 4-GPU workstation",
        NODE_A100,
        {},
        {"replicas": n, "epochs": 6, "done": 6},
        _cluster(n, 1 if n == 1 else None, 6, 6, accuracy=88.0),
    )
_run(
    "keras-early",
    "keras",
    "EarlyStopping after 4 of 6 epochs, 4 replicas",
    NODE_A100,
    {},
    {"replicas": 4, "epochs": 6, "done": 4},
    _cluster(4, None, 6, 4, accuracy=84.0),
)
_run(
    "keras-batch-stopped",
    "keras",
    "log_freq='batch' (batch/batch_step), 4 replicas, killed half-way through epoch 3 of 6",
    NODE_A100,
    {},
    {"replicas": 4, "epochs": 6, "done": 2.5, "batches": 6, "exit": 1},
    _cluster(4, None, 6, 2.5, state="failed", accuracy=80.0),
    tolerance=0.1,
)
_run(
    "keras-laptop",
    "keras",
    "the default strategy on a laptop's CPU",
    LAPTOP,
    {},
    {"replicas": 1, "epochs": 6, "done": 6, "cpu": True},
    _laptop(8, 6, 6, accuracy=88.0),
)

# --- fastai: WandbCallback (gather_args: no planned epochs) -----------------------------------
_run(
    "fastai-1",
    "fastai",
    "device cuda on a workstation with one GPU",
    WORKSTATION_1,
    {},
    {"device": "cuda", "done": 3},
    _cluster(1, 1, None, 3, accuracy=93.0),
)
_run(
    "fastai-4",
    "fastai",
    "distrib_ctx under srun, 4 tasks on 4 GPUs",
    NODE_A100,
    slurm(7404, 1, 4, 4),
    {"device": "cuda", "done": 3},
    _cluster(4, 1, None, 3, accuracy=93.0),
)
_run(
    "fastai-stopped",
    "fastai",
    "interrupted half-way through its second epoch",
    WORKSTATION_1,
    {},
    {"device": "cuda", "done": 1.5, "exit": 255},
    _cluster(1, 1, None, 1.5, state="failed", accuracy=87.0),
    tolerance=0.05,
)
_run(
    "fastai-laptop",
    "fastai",
    "device cpu on a laptop",
    LAPTOP,
    {},
    {"device": "cpu", "done": 3},
    _laptop(8, None, 3, accuracy=93.0),
)

# --- timm: train.py, config = args, one row an epoch ------------------------------------------
_run(
    "timm-1",
    "timm",
    "world_size 1, device cuda:0",
    NODE_A100,
    slurm(7501, 1, 1, 1),
    {"world_size": 1, "device": "cuda:0", "epochs": 5, "done": 5},
    _cluster(1, 1, 5, 5, accuracy=76.0),
)
_run(
    "timm-4",
    "timm",
    "torchrun --nproc-per-node 4 on a 4-GPU node (no Slurm, no node count)",
    NODE_A100,
    {},
    {"world_size": 4, "device": "cuda:0", "epochs": 5, "done": 5},
    _cluster(4, None, 5, 5, accuracy=76.0),
)
_run(
    "timm-8",
    "timm",
    "srun 2 x 4 tasks, world_size 8",
    NODE_A100,
    slurm(7508, 2, 4, 4),
    {"world_size": 8, "device": "cuda:0", "epochs": 5, "done": 5},
    _cluster(8, 2, 5, 5, accuracy=76.0),
)
_run(
    "timm-8-stopped",
    "timm",
    "killed in its third epoch: a row an epoch, so how far into it is not said",
    NODE_A100,
    slurm(7509, 2, 4, 4),
    {"world_size": 8, "device": "cuda:0", "epochs": 5, "done": 2, "exit": 1},
    _cluster(8, 2, 5, None, state="failed", accuracy=63.0),
)
_run(
    "timm-cooldown",
    "timm",
    "--epochs 4 --cooldown-epochs 1 with the cosine schedule: timm trains 5",
    NODE_A100,
    slurm(7510, 1, 4, 4),
    {"world_size": 4, "device": "cuda:0", "epochs": 4, "cooldown": 1, "done": 5},
    _cluster(4, 1, 5, 5, accuracy=76.0),
)
_run(
    "timm-laptop",
    "timm",
    "device cpu, world_size 1, 4 data-loader workers",
    LAPTOP,
    {},
    {"world_size": 1, "device": "cpu", "epochs": 5, "done": 5},
    _laptop(8, 5, 5, accuracy=76.0),
)

# --- Flax: the ImageNet example's scalars at step + 1, config.to_dict() ------------------------
_run(
    "flax-4",
    "flax",
    "a process per GPU under Slurm, 4 tasks",
    NODE_A100,
    slurm(7604, 1, 4, 4),
    {"epochs": 3, "done": 3},
    _cluster(4, 1, 3, 3, accuracy=75.0),
)
_run(
    "flax-8",
    "flax",
    "a process per GPU under Slurm, 2 x 4 tasks",
    NODE_A100,
    slurm(7608, 2, 4, 4),
    {"epochs": 3, "done": 3},
    _cluster(8, 2, 3, 3, accuracy=75.0),
)
_run(
    "flax-steps",
    "flax",
    "num_train_steps 6 overrides num_epochs 3: the plan is in steps, no steps per epoch logged",
    NODE_A100,
    slurm(7609, 1, 4, 4),
    {"epochs": 3, "done": 3, "train_steps": 6},
    _cluster(4, 1, None, None, accuracy=65.0),
)
_run(
    "flax-laptop",
    "flax",
    "JAX on a laptop's CPU",
    LAPTOP,
    {},
    {"epochs": 3, "done": 3},
    _laptop(8, 3, 3, accuracy=75.0),
)

# --- MMEngine: WandbVisBackend, launcher slurm -----------------------------------------------
_run(
    "mm-8",
    "mmengine",
    "launcher slurm, 8 tasks on one node",
    NODE_LUMI_G,
    slurm(7708, 1, 8, 8),
    {"launcher": "slurm", "epochs": 3, "done": 3},
    _cluster(8, 1, 3, 3, accuracy=80.0),
)
_run(
    "mm-16",
    "mmengine",
    "launcher slurm, 2 x 8 tasks",
    NODE_LUMI_G,
    slurm(7716, 2, 8, 8),
    {"launcher": "slurm", "epochs": 3, "done": 3},
    _cluster(16, 2, 3, 3, accuracy=80.0),
)
_run(
    "mm-16-stopped",
    "mmengine",
    "killed half-way through its third epoch",
    NODE_LUMI_G,
    slurm(7717, 2, 8, 8),
    {"launcher": "slurm", "epochs": 3, "done": 2.5, "exit": 1},
    _cluster(16, 2, 3, 2.5, state="failed", accuracy=75.0),
    tolerance=0.1,
)
_run(
    "mm-laptop",
    "mmengine",
    "launcher none on a laptop (the Runner's default nccl)",
    LAPTOP,
    {},
    {"launcher": "none", "epochs": 3, "done": 3},
    _laptop(8, 3, 3, accuracy=80.0),
)

# --- Composer: max_duration in epochs, batches and samples ---------------------------------------
_run(
    "composer-8-ep",
    "composer",
    "max_duration '3ep', num_gpus_per_node 8",
    NODE_LUMI_G,
    slurm(7808, 1, 8, 8),
    {"duration": "3ep", "per_node": 8, "nodes": 1, "batches": 60},
    _cluster(8, 1, 3, 3, accuracy=80.0),
)
_run(
    "composer-16-ba",
    "composer",
    "max_duration '60ba', 20 batches an epoch (logged): 3 epochs",
    NODE_LUMI_G,
    slurm(7816, 2, 8, 8),
    {"duration": "60ba", "per_node": 8, "nodes": 2, "batches": 60},
    _cluster(16, 2, 3, 3, accuracy=80.0),
)
_run(
    "composer-16-sp",
    "composer",
    "max_duration '15360sp', 5120 samples an epoch: 3 epochs",
    NODE_LUMI_G,
    slurm(7817, 2, 8, 8),
    {"duration": "15360sp", "per_node": 8, "nodes": 2, "batches": 60},
    _cluster(16, 2, 3, 3, accuracy=80.0),
)
_run(
    "composer-8-ba-short",
    "composer",
    "max_duration '10ba' ends within its first epoch: no batches per epoch, plan unknown",
    NODE_LUMI_G,
    slurm(7818, 1, 8, 8),
    {"duration": "10ba", "per_node": 8, "nodes": 1, "batches": 10},
    _cluster(8, 1, None, None, accuracy=None),
)
_run(
    "composer-16-killed",
    "composer",
    "max_duration '3ep', killed half-way through its third epoch (no final time values)",
    NODE_LUMI_G,
    slurm(7819, 2, 8, 8),
    {"duration": "3ep", "per_node": 8, "nodes": 2, "batches": 50, "exit": 1},
    _cluster(16, 2, 3, 2.5, state="failed", accuracy=70.0),
    tolerance=0.1,
)
_run(
    "composer-laptop",
    "composer",
    "device cpu: num_cpus_per_node 1",
    LAPTOP,
    {},
    {"duration": "3ep", "per_node": 1, "nodes": 1, "batches": 60, "device": "cpu"},
    _laptop(8, 3, 3, accuracy=80.0),
)

EXPECTED: list[Expected] = [entry[3] for entry in RUNS.values()]
STUDIES = sorted({e.study for e in EXPECTED})


def expected(key: str) -> Expected:
    return RUNS[key][3]


WRITER = (
    CLOCK
    + r"""
import json, os, time
import wandb
PACE = 10.0
TODO = json.loads(os.environ["CORPUS_SPEC"])
written = {}
for SPEC in TODO:
    # wandb-core records the Slurm variables of its own environment (core/internal/monitor/
    # system.go): each run gets a service started in its own job's environment
    for name in [n for n in os.environ if n.startswith("SLURM_")]:
      del os.environ[name]
    os.environ.update(SPEC["env"])
    KEY, S = SPEC["key"], SPEC["spec"]
    rows = []

    def log(row, **kwargs):
        clock.tick(PACE)
        run.log(row, **kwargs)
        rows.append(row)

    def init(**kwargs):
        os.makedirs(SPEC["dir"], exist_ok=True)
        clock.tick(PACE)
        settings = wandb.Settings(**{"x_stats_" + k: v for k, v in SPEC["machine"].items()})
        return wandb.init(project=S["stack"], dir=SPEC["dir"], name=KEY, settings=settings,
                          **kwargs)

    def curve(e, top, epochs):  # an accuracy that reaches top at the last planned epoch
        return round(top - 3.0 * (epochs - 1 - e), 3)

    stack, exit_code = S["stack"], S.get("exit", 0)
    if stack == "deepspeed":
        run = init(group=f"ds-{KEY}")  # WandbMonitor: no config
        run.config.update({"epochs": S["epochs"], "local_rank": 0, "stage": 0, "dtype": "bf16",
                           "moe": False, "log_interval": 200})
        samples, per_epoch = 0, 50000
        for step in range(int(S["done"] * 4)):
            samples += per_epoch // 4
            log({"Train/Samples/train_loss": round(2.3 * 0.8 ** step, 4)}, step=samples)
            log({"Train/Samples/lr": 0.001}, step=samples)
            if (step + 1) % 4 == 0:
                e = (step + 1) // 4 - 1
                log({"epoch": e, "accuracy": round(S["acc"] + 0.5 * e, 2)}, step=samples)
    elif stack == "nemo":
        cfg = {"name": "MatchboxNet-3x1x64",
               "trainer": {"devices": S["devices"], "num_nodes": S["nodes"],
                           "accelerator": S["accelerator"], "strategy": "ddp",
                           "max_epochs": S["epochs"], "max_steps": -1, "precision": 32},
               "model": {"sample_rate": 16000, "train_ds": {"batch_size": 128, "shuffle": True},
                         "optim": {"name": "novograd", "lr": 0.05}},
               "exp_manager": {"create_wandb_logger": True,
                               "wandb_logger_kwargs": {"name": KEY, "project": "nemo"}}}
        def flat(d, p=""):
            out = {}
            for k, v in d.items():
                out.update(flat(v, f"{p}{k}/") if isinstance(v, dict) else {f"{p}{k}": v})
            return out
        if S.get("max_steps"):  # megatron_gpt_config.yaml: steps, not epochs
            cfg["name"] = "megatron_gpt"
            cfg["trainer"].update({"max_epochs": None, "max_steps": S["max_steps"],
                                   "precision": "bf16", "val_check_interval": 10})
            cfg["model"] = {"micro_batch_size": 4, "global_batch_size": 64,
                            "tensor_model_parallel_size": S["tp"],
                            "pipeline_model_parallel_size": 1, "encoder_seq_length": 2048}
        run = init(config=flat(cfg))
        run.define_metric("trainer/global_step")
        run.define_metric("*", step_metric="trainer/global_step", step_sync=True)
        for step in range(1, S.get("max_steps", 0) + 1):
            # MegatronGPTModel.training_step: reduced_train_loss, lr, global_step,
            # consumed_samples; Lightning adds epoch (the dataset is far from done)
            log({"reduced_train_loss": round(9.0 / step, 4), "lr": 3e-4,
                 "global_step": step, "consumed_samples": 64 * step, "epoch": 0,
                 "trainer/global_step": step})
            if step % 10 == 0:
                log({"val_loss": round(8.0 / step, 4), "epoch": 0, "trainer/global_step": step})
        step = 0
        for e in range(S["epochs"] or 0):
            for b in range(3):
                step += 1
                log({"train_loss": round(1.5 / step, 4), "learning_rate": 0.05,
                     "training_batch_accuracy_top@1": 0.5 + 0.1 * e, "epoch": e,
                     "trainer/global_step": step})
            log({"val_loss": 0.5 - 0.1 * e, "val_epoch_top@1": round(0.85 + 0.03 * e, 3),
                 "epoch": e, "trainer/global_step": step})
    elif stack == "horovod":
        args = {"batch_size": 64, "test_batch_size": 1000, "epochs": S["epochs"], "lr": 0.01,
                "momentum": 0.5, "no_cuda": S["no_cuda"], "seed": 42, "log_interval": 10,
                "fp16_allreduce": False, "use_mixed_precision": False, "use_adasum": False,
                "gradient_predivide_factor": 1.0, "data_dir": None}
        run = init(config=args)
        done = S["done"]
        for epoch in range(1, int(done + 0.999) + 1):
            batches = 4 if epoch <= done else int(4 * (done % 1))
            for b in range(batches):
                log({"epoch": epoch, "train_loss": round(2.0 / (4 * epoch + b), 4)})
            if epoch <= done:
                accuracy = round(0.97 - 0.01 * (4 - epoch), 3)
                log({"epoch": epoch, "test_loss": 0.3, "test_accuracy": accuracy})
    elif stack == "keras":
        config = {"epochs": S["epochs"], "batch_size": 256, "optimizer": "adam",
                  "loss": "sparse_categorical_crossentropy", "metric": "accuracy",
                  "num_replicas_in_sync": S["replicas"]}
        if S.get("cpu"):
            config["device"] = "cpu"
        run = init(config=config)
        if S.get("batches"):  # WandbMetricsLogger(log_freq="batch")
            run.define_metric("batch/batch_step")
            run.define_metric("batch/*", step_metric="batch/batch_step")
        run.define_metric("epoch/epoch")
        run.define_metric("epoch/*", step_metric="epoch/epoch")
        batch_step = 0
        for e in range(int(S["done"] + 0.999)):
            batches = S.get("batches", 0)
            if e + 1 > S["done"]:
                batches = int(batches * (S["done"] % 1))
            for b in range(batches):
                log({"batch/loss": round(1.0 / (batch_step + 1), 4), "batch/accuracy": 0.5,
                     "batch/batch_step": batch_step, "batch/learning_rate": 0.001})
                batch_step += 1
            if e + 1 > S["done"]:
                break
            accuracy = round(0.88 - 0.02 * (S["epochs"] - 1 - e), 3)
            log({"epoch/loss": round(1.0 / (e + 1), 4), "epoch/accuracy": 0.6 + 0.04 * e,
                 "epoch/val_loss": 0.5, "epoch/val_accuracy": accuracy,
                 "epoch/epoch": e, "epoch/learning_rate": 0.001})
    elif stack == "fastai":
        run = init()
        args = {"Learner": "<fastai.learner.Learner object at 0x7f>", "TrainEvalCallback": True,
                "Recorder": {"add_time": True, "train_metrics": False, "valid_metrics": True},
                "CastToTensor": True, "ProgressCallback": True,
                "WandbCallback": {"log": "gradients", "log_preds": False, "log_model": False,
                                  "log_dataset": False, "dataset_name": None, "valid_dl": None,
                                  "n_preds": 36, "seed": 12345, "reorder": True},
                "n_inp": 1, "input 1 dim 1": 64, "input 1 dim 2": 3, "input 1 dim 3": 224,
                "input 1 dim 4": 224, "batch size": 64, "batch per epoch": 4,
                "model parameters": 11704896, "device": S["device"], "frozen": False,
                "frozen idx": 0, "dataset.tfms": "[PILBase.create, parent_label]"}
        run.config.update(args, allow_val_change=True)
        step, epoch, n_iter, done = -1, 0.0, 4, S["done"]
        for e in range(int(done + 0.999)):
            batches = n_iter if e + 1 <= done else int(n_iter * (done % 1))
            for b in range(batches):
                step += 1
                epoch += 1 / n_iter
                log({"epoch": epoch, "train_loss": round(1.0 / (step + 1), 4), "raw_loss": 0.5,
                     "lr_0": 0.001, "mom_0": 0.9, "wd_0": 0.01, "sqr_mom_0": 0.99, "eps_0": 1e-5},
                    step=step)
            if e + 1 <= done:
                epoch = round(epoch)
                log({"epoch": epoch}, step=step)
                log({"valid_loss": 0.3, "accuracy": round(0.93 - 0.03 * (2 - e), 3),
                     "error_rate": 0.07}, step=step)
    elif stack == "timm":
        args = {"data_dir": "/data/imagenet", "dataset": "", "model": "resnet50",
                "pretrained": False, "num_classes": 1000, "batch_size": 128, "opt": "sgd",
                "lr": 0.1, "sched": "cosine", "epochs": S["epochs"],
                "cooldown_epochs": S.get("cooldown", 0),
                "warmup_epochs": 0, "workers": 4, "amp": True, "device": S["device"],
                "distributed": S["world_size"] > 1, "world_size": S["world_size"], "rank": 0,
                "local_rank": 0, "log_wandb": True, "eval_metric": "top1", "output": "",
                "experiment": ""}
        run = init(config=args)
        for e in range(S["done"]):
            trained = S["epochs"] + S.get("cooldown", 0)
            top1 = curve(e, 76.0, trained) if S["done"] == trained else 60.0 + 3 * e
            log({"epoch": e, "train_loss": round(6.0 / (e + 1), 3), "eval_loss": 2.0,
                 "eval_top1": top1, "eval_top5": 90.0, "lr": 0.1})
    elif stack == "flax":
        config = {"model": "ResNet50", "dataset": "imagenet2012:5.*.*", "learning_rate": 0.1,
                  "warmup_epochs": 1.0, "momentum": 0.9, "batch_size": 1024,
                  "shuffle_buffer_size": 2048, "prefetch": 10, "num_epochs": float(S["epochs"]),
                  "log_every_steps": 2, "cache": False, "half_precision": True,
                  "num_train_steps": S.get("train_steps", -1), "steps_per_eval": -1,
                  "profile": False}
        run = init(config=config)
        steps_per_epoch = 4
        for step in range(S.get("train_steps", S["done"] * steps_per_epoch)):
            if (step + 1) % 2 == 0:
                log({"train_loss": round(5.0 / (step + 1), 3),
                     "train_accuracy": 0.1 * (step // 4 + 1), "train_learning_rate": 0.1,
                     "steps_per_second": 3.0}, step=step + 1)
            if (step + 1) % steps_per_epoch == 0:
                e = step // steps_per_epoch
                accuracy = round(0.75 - 0.05 * (S["epochs"] - 1 - e), 3)
                log({"eval_loss": 1.0, "eval_accuracy": accuracy}, step=step + 1)
    elif stack == "mmengine":
        cfg = {"default_scope": "mmpretrain", "launcher": S["launcher"],
               "work_dir": "./work_dirs/r50",
               "model": {"type": "ImageClassifier", "backbone": {"type": "ResNet", "depth": 50}},
               "train_cfg": {"by_epoch": True, "max_epochs": S["epochs"], "val_interval": 1},
               "optim_wrapper": {"optimizer": {"type": "SGD", "lr": 0.1, "momentum": 0.9}},
               "env_cfg": {"cudnn_benchmark": False,
                           "mp_cfg": {"mp_start_method": "fork", "opencv_num_threads": 0},
                           "dist_cfg": {"backend": "nccl"}},
               "randomness": {"seed": 42, "deterministic": False}}
        run = init()
        run.config.update(cfg)  # WandbVisBackend.add_config
        per_epoch, done = 4, S["done"]
        for it in range(1, int(done * per_epoch) + 1):
            epoch = (it - 1) // per_epoch + 1
            log({"lr": 0.1, "loss": round(2.3 / it, 4), "time": 0.5, "data_time": 0.01,
                 "memory": 9000, "epoch": epoch, "iter": it})
            if it % per_epoch == 0:
                log({"accuracy/top1": round(80.0 - 5.0 * (S["epochs"] - epoch), 2),
                     "accuracy/top5": 95.0, "epoch": epoch, "iter": it})
    elif stack == "composer":
        device = S.get("device", "gpu")
        run = init()
        run.config.update({"max_duration": S["duration"], "device": device,
                           "precision": "amp_bf16" if device == "gpu" else "fp32",
                           "eval_interval": 1, "seed": 17, "run_name": KEY})
        run.config.update({"composer_version": "0.29.0"})
        run.config.update({"composer_commit_hash": "None"})
        run.config.update({"num_nodes": S["nodes"], f"num_{device}s_per_node": S["per_node"],
                           "node_name": "unknown because NODENAME environment variable not set"})
        run.config.update({"rank_zero_seed": 17})
        per_epoch, batch = 20, 0
        while batch < S["batches"]:
            epoch, in_epoch = divmod(batch, per_epoch)
            row = {"time/batch": batch, "time/sample": 256 * batch,
                   "time/batch_in_epoch": in_epoch, "time/sample_in_epoch": 256 * in_epoch,
                   "loss/train/total": round(2.3 * 0.97 ** batch, 4)}
            if in_epoch == 0:
                row["time/epoch"] = epoch  # Event.EPOCH_START
                if epoch:  # the previous epoch's evaluation
                    row["metrics/eval/MulticlassAccuracy"] = round(0.8 - 0.1 * (3 - epoch), 3)
            log(row, step=batch)
            batch += 1
        epoch, in_epoch = divmod(batch, per_epoch)
        if in_epoch == 0:
            log({"metrics/eval/MulticlassAccuracy": 0.8}, step=batch)
        if not exit_code:  # "Log final time values" after the training loop
            log({"time/epoch": epoch, "time/batch": batch, "time/sample": 256 * batch,
                 "time/batch_in_epoch": in_epoch, "time/sample_in_epoch": 256 * in_epoch},
                step=batch)
    run.finish(exit_code=exit_code)
    written[KEY] = {"id": run.id, "name": KEY, "rows": rows}
    wandb.teardown()
with open(os.environ["CORPUS_OUT"], "w") as f:
    json.dump(written, f)
"""
)


@dataclass
class Corpus:
    root: Path
    manifest: dict[str, Any]

    def study(self, name: str) -> Path:
        return self.root / name


def _environment(root: Path) -> dict[str, str]:
    env = {
        **os.environ,
        "WANDB_MODE": "offline",
        "WANDB_SILENT": "true",
        "WANDB_DISABLE_GIT": "true",
        "WANDB_DIR": str(root),
    }
    for name in [n for n in env if n.startswith(("SLURM_", "WANDB_API_KEY"))]:
        env.pop(name)
    for name in ("RANK", "LOCAL_RANK", "WORLD_SIZE", "LOCAL_WORLD_SIZE", "GROUP_RANK"):
        env.pop(name, None)
    return env


def _write(root: Path) -> None:
    """Each study's runs in one child process (a wandb service for each run, started in that
    run's environment), two studies at a time."""
    env = _environment(root)
    logged: dict[str, Any] = {}
    studies = sorted({case.study for *_, case in RUNS.values()})
    for wave in (studies[i : i + 2] for i in range(0, len(studies), 2)):
        jobs = []
        for study in wave:
            todo = [
                {"key": key, "spec": spec, "machine": machine, "env": extra,
                 "dir": str(root / case.study)}
                for key, (machine, extra, spec, case) in RUNS.items()
                if case.study == study
            ]  # fmt: skip
            out = root / f".{study}.json"
            process = subprocess.Popen(
                [sys.executable, "-c", WRITER],
                env={**env, "CORPUS_SPEC": json.dumps(todo), "CORPUS_OUT": str(out)},
                stdout=subprocess.PIPE,
                stderr=subprocess.PIPE,
                text=True,
            )
            jobs.append((process, out, study))
        for process, out, study in jobs:
            _, stderr = process.communicate(timeout=600)
            assert process.returncode == 0, f"{study}: exit {process.returncode}: {stderr[-3000:]}"
            logged.update(json.loads(out.read_text()))
            out.unlink()
    (root / "manifest.json").write_text(json.dumps(logged, indent=1))


def build_corpus(root: Path) -> Corpus:
    """Every study under ``root``, written once per version of this module and wandb
    (tests/corpus_cache.py)."""
    # the key is what the writer writes (its script and every run's spec), not what a reader
    # should find: a corrected expectation does not write the corpus again
    writes = {k: (m, e, s, c.study) for k, (m, e, s, c) in RUNS.items()}
    with tempfile.TemporaryDirectory() as folder:
        source = Path(folder) / "stack_studies_writer"
        source.write_text(WRITER + json.dumps(writes, sort_keys=True))
        sdk_corpus(
            "stack-studies", [source, Path(__file__).with_name("fixed_clock.py")], _write, root
        )
    return Corpus(root, json.loads((root / "manifest.json").read_text()))


if __name__ == "__main__":  # python -m tests.stack_studies DIR
    target = Path(sys.argv[1] if len(sys.argv) > 1 else "stack-studies-corpus")
    print(f"wrote {len(build_corpus(target).manifest)} runs under {target}")
