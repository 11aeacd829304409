"""A corpus of W&B projects logged the way the common stacks really log them (issue 17), written
by the real wandb SDK (offline mode) in child processes, and the facts a correct reader must
find in each, as data (``EXPECTED``). Used by tests/test_stacks.py.

Where each pattern comes from (read on 2026-12-01; wandb 0.31 as installed here):

- W&B, "Log distributed training experiments" (docs.wandb.ai/models/track/log/distributed-training,
  source wandb/docs models/track/log/distributed-training.mdx):
  * "Track a single process": only rank 0 calls ``wandb.init`` (case b, ``method1/``).
  * "Track each process separately": every rank calls ``wandb.init(group="DDP")``; "Organize
    distributed runs": ``job_type="main"`` for the coordinating process, ``"worker"`` for the
    others (study ``grouped/``). The guide's script, wandb/examples
    examples/pytorch/pytorch-ddp/log-ddp.py, launched by ``torch.distributed.launch`` (which passes
    ``--local_rank=N``): with ``--log_all`` every rank logs the same keys, ``batch_loss`` every
    batch and ``{"epoch": epoch, "loss": mean}`` once at the END of each epoch with the 0-based
    index (study ``grouped_nows/``: no world size anywhere, ranks told apart by name and args).
  * "Track all processes to a single run": ``wandb.Settings(mode="shared", x_label=...,
    x_primary=...)``, one run id for every rank. Not in this corpus (one run, nothing to group).
- W&B support, "How can I use wandb with multiprocessing": ``group`` shares a group, each process
  its own run.
- Hydra (docs.wandb.ai/models/integrations/hydra): the config goes in as
  ``omegaconf.OmegaConf.to_container(cfg, resolve=True, throw_on_missing=True)``: nested dicts
  (``hydra/``, run ``hydra-plain``).
- PyTorch Lightning WandbLogger (Lightning-AI/pytorch-lightning
  src/lightning/pytorch/loggers/wandb.py): ``log_hyperparams`` FLATTENS nested hyperparameters
  with ``_flatten_dict(params)`` whose delimiter is ``"/"`` (lightning/fabric/utilities/logger.py),
  so a Hydra config logged through Lightning (ashleve/lightning-hydra-template) arrives as
  ``trainer/devices``, ``trainer/num_nodes``, ``trainer/max_epochs``; ``log_metrics`` runs on
  rank 0 only (``rank_zero_only``) and adds ``trainer/global_step``; Lightning adds ``epoch``
  (``trainer.current_epoch``, 0-based) to every logged row. The template's metric names:
  ``train/loss``, ``train/acc``, ``val/loss``, ``val/acc``, ``val/acc_best`` (fractions).
- Hugging Face Trainer (huggingface/transformers src/transformers/integrations/
  integration_utils.py, WandbCallback): only ``state.is_world_process_zero`` logs; config is
  ``args.to_dict()`` merged with the model config plus ``model/num_parameters``; ``rewrite_logs``
  turns ``eval_accuracy`` into ``eval/accuracy`` and ``epoch`` into ``train/epoch``
  (fractional); ``train/global_step`` is defined as the step metric; ``train_runtime``,
  ``train_samples_per_second``, ``train_loss``, ``total_flos`` go to the summary. TrainingArguments
  holds ``local_rank`` but no world size.
- Accelerate (docs.wandb.ai/models/integrations/accelerate; huggingface.co/docs/accelerate,
  usage_guides/tracking): ``Accelerator(log_with="wandb")``, ``init_trackers(project, config)``
  runs ``wandb.init`` on the main process only. Its ``*_no_trainer.py`` examples log
  ``{"accuracy": eval_metric, "train_loss": ..., "epoch": epoch, "step": completed_steps}`` with
  ``step=completed_steps`` once per epoch, ``eval_metric`` being the dict ``{"accuracy": x}``
  (so the key is ``accuracy.accuracy``), config ``vars(args)`` (``num_train_epochs``, ...).
- DeepSpeed (deepspeed.ai/docs/config-json, "Batch Size Related Parameters"): "train_batch_size
  must be equal to train_micro_batch_size_per_gpu * gradient_accumulation_steps * number of
  GPUs"; DeepSpeed's own WandbMonitor (deepspeedai/DeepSpeed deepspeed/monitor/wandb.py) logs on
  rank 0 only, events such as ``Train/Samples/train_loss`` at ``step`` = samples seen.
- torchrun sets ``RANK``, ``LOCAL_RANK``, ``WORLD_SIZE`` for every process; wandb records NONE of
  them (wandb/wandb core/internal/monitor/system.go: the environment record's ``slurm`` map holds
  every ``SLURM_*`` variable, prefix removed, lower-cased; ``LOCAL_RANK`` is read only by the
  Trainium monitor). What wandb records of the process is ``args`` (sys.argv[1:]), ``program``,
  ``host``, ``started_at``.
- Slurm: ``SLURM_JOB_ID``, ``SLURM_NNODES``, ``SLURM_NTASKS``, ``SLURM_NTASKS_PER_NODE``,
  ``SLURM_GPUS_ON_NODE``, ``SLURM_CPUS_PER_TASK``, ``SLURM_PROCID``, ... in the environment of the
  process that starts wandb's service (recorded as ``slurm.nnodes``, ``slurm.gpus_on_node``...).
- wandb's machine inventory: ``wandb.Settings(x_stats_gpu_count=, x_stats_gpu_type=,
  x_stats_cpu_count=, x_stats_cpu_logical_count=)``, documented in wandb/sdk/wandb_settings.py as
  "If set, overrides the auto-detected value in the run metadata" (core/internal/monitor/
  monitor.go writes them into the environment record as ``gpu_count``, ``gpu_type``,
  ``cpu_count``, ``cpu_count_logical``): how this GPU-less machine records a GPU node the way
  wandb would. ``gpu_count`` is every GPU the machine shows, not how many the job used.
- Plain PyTorch loops: ``epoch`` logged once at the END of each epoch as a count 1..N, against
  the 0-based index logged with every batch (log-ddp.py above logs the index once at the end).

Each study is a folder of its own (``wandb/offline-run-*`` inside), so a test extracts one study
the way a user would. What the children logged goes to ``manifest.json``, so tests compare with
what was logged, never with what a reader made of it.
"""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
import time
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from tests.corpus_cache import sdk_corpus
from tests.fixed_clock import CLOCK
from tests.real_projects import TableRun, write_runs_table

# --- the scenarios' facts, as their author knows them ----------------------------------------


@dataclass(frozen=True)
class Expected:
    """What a correct reader finds for one training of the corpus.

    ``facts`` holds only the facts asserted (a Run field -> its value; None = unknown; a tuple:
    any of these is right, where the evidence allows either).
    ``members`` is how many W&B runs (ranks) make this one training. ``machine_gpus``: the GPUs
    the machine has, when that is the only GPU evidence (must be said as "on the machine", never
    passed off as the job's size). ``conflict``: words a warning about the run must contain.
    ``accuracy_key``/``best_accuracy``: the key the run's best accuracy is read from, in percent.
    ``estimate_epochs``: a stopped laptop run whose full-job time is its own pace x this many
    epochs (of ``facts['epochs_done']`` done).
    """

    key: str  # the scenario's key in the manifest
    study: str  # folder under the corpus root
    case: str  # the brief's case letter and what it shows
    source: str  # the documented pattern it follows
    facts: dict[str, Any] = field(default_factory=dict)
    members: int = 1
    machine_gpus: int | None = None
    conflict: tuple[str, ...] = ()
    accuracy_key: str | None = None
    best_accuracy: float | None = None
    estimate_epochs: float | None = None
    # where an epochs-done figure is asserted: how close it must be (2.4 of 8 logged by batch)
    epochs_tolerance: float = 0.0
    # a word the evidence of the GPU count must name (the job fact that decided)
    decided_by: str | None = None


NODE_A100 = {
    "gpu_count": 4,
    "gpu_type": "NVIDIA A100-SXM4-40GB",
    "cpu_count": 32,
    "cpu_logical_count": 64,
}
NODE_LUMI_G = {
    "gpu_count": 8,
    "gpu_type": "AMD Instinct MI250X",
    "cpu_count": 64,
    "cpu_logical_count": 128,
}
NODE_LUMI_C = {"cpu_count": 128, "cpu_logical_count": 256}
LAPTOP = {"cpu_count": 4, "cpu_logical_count": 8}

# the trainings of the grouped studies: GPUs -> its W&B group
GROUPED = {1: "exp-a1", 2: "exp-a2", 4: "exp-a3"}
GROUPED_NOWS = {1: "DDP-b1", 2: "DDP-b2", 4: "DDP-b3"}

EXPECTED: list[Expected] = [
    *(
        Expected(
            f"grouped-{n}",
            "grouped",
            "a: grouped ranks (method 2) with world_size in config; rank 0 logs, workers nothing",
            "W&B distributed-training guide: group per training, job_type main/worker",
            {"platform": "cluster", "gpus": n, "epochs": 3, "epochs_done": 3, "state": "finished"},
            members=n,
            accuracy_key="val_accuracy",
            best_accuracy={1: 71.5, 2: 73.0, 4: 74.5}[n],
        )
        for n in GROUPED
    ),
    *(
        Expected(
            f"grouped_nows-{n}",
            "grouped_nows",
            "a: grouped ranks (log-ddp.py --log_all): no world size anywhere, the ranks decide",
            "wandb/examples pytorch-ddp/log-ddp.py, group='DDP', every rank logs the same keys",
            {
                "platform": "cluster",
                # a group of one rank-0 run looks like method 1 (rank 0 logs for all): its
                # size is 1 or unknown, never the machine's 4 as the job's
                "gpus": n if n > 1 else (1, None),
                "epochs": 3,
                "epochs_done": 3,
                "state": "finished",
            },
            members=n,
        )
        for n in GROUPED_NOWS
    ),
    Expected(
        "method1-8",
        "method1",
        "b + a: rank 0 only with world_size; its group is a study name shared with another run",
        "W&B guide 'Track a single process'; group used as a study name",
        {"platform": "cluster", "gpus": 8, "nodes": 1, "epochs": 2, "epochs_done": 2},
        accuracy_key="running_accuracy",
        best_accuracy=64.0,
    ),
    Expected(
        "method1-16",
        "method1",
        "b + a: rank 0 only with world_size; same group, a different training at another time",
        "W&B guide 'Track a single process'; group used as a study name",
        {"platform": "cluster", "gpus": 16, "nodes": 2, "epochs": 2, "epochs_done": 2},
        accuracy_key="running_accuracy",
        best_accuracy=66.0,
    ),
    Expected(
        "hydra-plain",
        "hydra",
        "c: Hydra nested config trainer.devices=4, trainer.num_nodes=2, trainer.max_epochs=5",
        "W&B Hydra integration: OmegaConf.to_container(cfg, resolve=True)",
        {"platform": "cluster", "gpus": 8, "nodes": 2, "epochs": 5, "epochs_done": 5},
        accuracy_key="val_acc",
        best_accuracy=88.0,
    ),
    Expected(
        "hydra-lightning",
        "hydra",
        "c + h: Lightning-Hydra template on Slurm, hyperparameters flattened with '/'",
        "Lightning WandbLogger.log_hyperparams (_flatten_dict, '/'), lightning-hydra-template",
        {"platform": "cluster", "gpus": 8, "nodes": 2, "epochs": 5, "epochs_done": 5},
        best_accuracy=90.0,
    ),
    Expected(
        "machine-1gpu",
        "machine",
        "d: a 1-GPU job on a 4-GPU node; gpu_count = 4 is the only GPU evidence",
        "wandb environment record gpu_count (x_stats_gpu_count)",
        {"gpus": None},
        machine_gpus=4,
    ),
    Expected(
        "machine-slurm8",
        "machine",
        "d: an 8-GPU job on two 4-GPU nodes: Slurm nnodes=2, gpus_on_node=4; gpu_count=4",
        "wandb environment record slurm map + gpu_count",
        {"platform": "cluster", "gpus": 8, "nodes": 2},
    ),
    Expected(
        "laptop-count",
        "laptop",
        "e: laptop, epochs=8, epoch counted 1..N at epoch end, stopped (Ctrl-C) at 2.4 epochs",
        "plain PyTorch loop logging the epoch count at the end of each epoch",
        {"platform": "laptop", "epochs": 8, "epochs_done": 2.4, "extrapolated": True},
        estimate_epochs=8,
        epochs_tolerance=0.05,
    ),
    Expected(
        "laptop-index",
        "laptop",
        "e: laptop, epochs=8, 0-based epoch index with every batch, failed at 2.4 epochs",
        "plain PyTorch loop logging the epoch index with every batch",
        {"platform": "laptop", "epochs": 8, "epochs_done": 2.4, "extrapolated": True},
        estimate_epochs=8,
        epochs_tolerance=0.05,
    ),
    Expected(
        "epochs-noplan",
        "epochs",
        "e: a finished cluster run without epochs in config, epoch counted 1..4 at epoch end",
        "plain PyTorch loop logging the epoch count at the end of each epoch",
        {"platform": "cluster", "gpus": 4, "epochs": (None, 4), "epochs_done": 4},
    ),
    Expected(
        "conflict-cpu",
        "conflict",
        "f: device=cpu inside a Slurm job given 32 CPUs of a 128-core node (LUMI-C's shared "
        "partition): a CPU job on the cluster of 32 cores, not the node's 128",
        "wandb environment record slurm map + cpu_count; config device; Slurm "
        "SLURM_CPUS_PER_TASK, SLURM_CPUS_ON_NODE",
        {"platform": "cluster", "cores": 32},
        conflict=("device", "slurm"),
    ),
    Expected(
        "metrics-valslash",
        "metrics",
        "g: accuracy logged as val/accuracy (fraction)",
        "metric names by path",
        {"platform": "cluster", "gpus": 1},
        accuracy_key="val/accuracy",
        best_accuracy=91.0,
    ),
    Expected(
        "metrics-top1",
        "metrics",
        "g: accuracy logged as top1 (percent)",
        "metric names by path",
        {"platform": "cluster", "gpus": 2},
        accuracy_key="top1",
        best_accuracy=76.1,
    ),
    Expected(
        "metrics-evalacc",
        "metrics",
        "g: accuracy logged as eval_accuracy (percent)",
        "metric names by path",
        {"platform": "cluster", "gpus": 4},
        accuracy_key="eval_accuracy",
        best_accuracy=88.0,
    ),
    Expected(
        "metrics-running",
        "metrics",
        "g: running_accuracy reaches 100 (memorised), val_accuracy beside it peaks at 98",
        "metric names by path; validation preferred",
        {"platform": "cluster", "gpus": 8},
        accuracy_key="val_accuracy",
        best_accuracy=98.0,
    ),
    Expected(
        "hf-trainer",
        "stacks",
        "h: HF Trainer under torchrun (4 processes) on a 4-GPU node: no GPU count logged",
        "transformers WandbCallback (integration_utils.py)",
        {"gpus": None, "epochs": 3, "epochs_done": 3, "state": "finished"},
        machine_gpus=4,
        accuracy_key="eval/accuracy",
        best_accuracy=92.0,
    ),
    Expected(
        "accelerate-glue",
        "stacks",
        "h: Accelerate no_trainer example: init_trackers on the main process, epoch index once "
        "per epoch, accuracy as the dict {'accuracy': x}",
        "accelerate tracking guide; transformers examples/pytorch/*_no_trainer.py",
        {"gpus": None, "epochs": 3, "epochs_done": 3, "state": "finished"},
        machine_gpus=8,
        accuracy_key="accuracy.accuracy",
        best_accuracy=86.0,
    ),
    Expected(
        "deepspeed",
        "stacks",
        "h: DeepSpeed config in the run's config: 256 / (16 x 2) = 8 GPUs",
        "deepspeed.ai config-json: train_batch_size = micro x accumulation x GPUs",
        {"platform": "cluster", "gpus": 8, "epochs": 2, "epochs_done": 2},
        decided_by="train_batch_size",
        accuracy_key="val_accuracy",
        best_accuracy=81.0,
    ),
    # Slurm allocations: what Slurm gave a job is its size only when the job shows it used it
    Expected(
        "alloc-torchrun",
        "allocation",
        "i: HF Trainer under torchrun in ONE Slurm task on a whole 8-GPU node; nothing logged "
        "says how many processes torchrun started",
        "HF WandbCallback (args.to_dict(): local_rank, _n_gpu per process); torchrun's "
        "WORLD_SIZE is not recorded by wandb; Slurm SLURM_NTASKS=1, SLURM_GPUS_ON_NODE=8",
        {"platform": "cluster", "gpus": None},
    ),
    Expected(
        "alloc-index",
        "allocation",
        "i: Lightning devices='1,' (the GPU with index 1: one device) on a whole 8-GPU node",
        "Lightning Trainer(devices=...): a string with a comma is a list of device indices",
        {"platform": "cluster", "gpus": 1, "nodes": 1},
        decided_by="trainer.devices",
    ),
    Expected(
        "alloc-auto",
        "allocation",
        "i: Lightning devices='auto' (every GPU it can see) in a 2-GPU Slurm allocation, 1 task",
        "Lightning Trainer(devices='auto'); Slurm SLURM_GPUS_ON_NODE=2",
        {"platform": "cluster", "gpus": 2, "nodes": 1},
        decided_by="slurm.gpus_on_node",
    ),
    Expected(
        "alloc-srun",
        "allocation",
        "i: srun starts one task per GPU (4 tasks, 4 GPUs); rank 0 logs; no size in config",
        "Slurm srun --ntasks-per-node=4 --gpus-per-node=4 (SLURM_NTASKS=4)",
        {"platform": "cluster", "gpus": 4, "nodes": 1},
        decided_by="slurm.gpus_on_node",
    ),
    # a Slurm job array as a sweep: one 1-GPU training per task, at the same time, in one W&B
    # group, each named by its task: three trainings, not three ranks
    *(
        Expected(
            f"array-{task}",
            "sweep",
            "j: a Slurm job array (3 tasks, a learning-rate sweep) logged as one W&B group, run "
            "names 'lr-sweep-task-N'",
            "W&B group as a sweep name; Slurm job arrays (SLURM_ARRAY_TASK_ID, a job id per task)",
            {"platform": "cluster", "gpus": 1, "state": "finished"},
        )
        for task in (1, 2, 3)
    ),
    Expected(
        "accel-cpu",
        "devices",
        "k: Accelerate on a laptop's CPU (--cpu --num_processes 4): processes, not GPUs",
        "accelerate launch --cpu; its examples' config vars(args)",
        {"platform": "laptop", "gpus": None},
    ),
    Expected(
        "laptop-cuda",
        "devices",
        "k: a laptop's GPU (device cuda, tag 'laptop'; wandb saw 1 GPU): a laptop, not a "
        "cluster, and not labelled by its CPU",
        "wandb.init(tags=...); device cuda",
        {"platform": "laptop", "gpus": None, "cores": None},
    ),
    Expected(
        "laptop-mps",
        "devices",
        "k: Apple silicon (device mps, no tag, no word): a laptop that trained on its GPU",
        "PyTorch's mps device (Apple silicon only)",
        {"platform": "laptop", "cores": None},
    ),
    Expected(
        "megatron-3d",
        "parallel",
        "l: Megatron-DeepSpeed, tensor 2 x pipeline 2 x data 4 = 16 GPUs on two 8-GPU nodes, one "
        "Slurm task per node; the batch sizes alone say 4 (the data-parallel replicas)",
        "Megatron-LM arguments (tensor/pipeline_model_parallel_size); DeepSpeed config batch "
        "sizes; Slurm SLURM_NTASKS=2",
        {"platform": "cluster", "gpus": 16, "nodes": 2},
        decided_by="tensor_model_parallel_size",
    ),
    Expected(
        "rank0-alone",
        "parallel",
        "l: torchrun of 4 processes in one Slurm task on 4 GPUs, only rank 0 logs, alone in its "
        "W&B group with config rank 0: one rank or rank 0 of four, nothing says which",
        "W&B distributed guide, method 1 (rank 0 logs) with a group; torchrun in a Slurm task",
        {"platform": "cluster", "gpus": None},
    ),
    # a W&B sweep run by four agents that srun starts in ONE Slurm job, one task per GPU, in one
    # W&B group: Slurm task ids 0..3 look like ranks, but each is a trial with its own settings
    *(
        Expected(
            f"srun-sweep-{task}",
            "srunsweep",
            "j: four sweep agents started by srun in one Slurm job (SLURM_PROCID 0..3, 4 tasks on "
            "4 GPUs), one W&B group, a learning rate each: four trainings; the job's 4 GPUs are "
            "no one trial's size",
            "W&B sweeps: wandb.agent per process, run config from the sweep; srun --ntasks=4",
            {"platform": "cluster", "gpus": None, "state": "finished"},
        )
        for task in range(4)
    ),
]

# the runs-table export with Hydra-style dotted columns (no offline files)
EXPECTED_CSV: list[Expected] = [
    Expected(
        "csv-1x1",
        "csv",
        "c (export): trainer.devices=1, trainer.num_nodes=1",
        "W&B runs-table export: nested config keys dot-joined",
        {"platform": "cluster", "gpus": 1, "nodes": 1, "epochs": 5, "epochs_done": 5},
    ),
    Expected(
        "csv-4x1",
        "csv",
        "c (export): trainer.devices=4, trainer.num_nodes=1",
        "W&B runs-table export: nested config keys dot-joined",
        {"platform": "cluster", "gpus": 4, "nodes": 1, "epochs": 5, "epochs_done": 5},
    ),
    Expected(
        "csv-4x2",
        "csv",
        "c (export): trainer.devices=4, trainer.num_nodes=2",
        "W&B runs-table export: nested config keys dot-joined",
        {"platform": "cluster", "gpus": 8, "nodes": 2, "epochs": 5, "epochs_done": 5},
    ),
    Expected(
        "csv-cpu",
        "csv",
        "c (export): trainer.accelerator=cpu: a laptop run, devices are CPU processes",
        "Lightning Trainer(accelerator='cpu'); export dotted columns",
        {"platform": "laptop", "gpus": None, "epochs": 5, "epochs_done": 5},
    ),
]


def expected(key: str) -> Expected:
    return next(e for e in [*EXPECTED, *EXPECTED_CSV] if e.key == key)


# --- the child processes ---------------------------------------------------------------------

# Shared by every child: the spec comes in the environment (so wandb's recorded ``args`` are the
# script's own), what was logged goes to the spec's ``out`` file. Every child runs on a fixed
# clock (tests/fixed_clock.py): starting a run, and each logged step, takes PACE seconds of it,
# so start times and ``_timestamp`` are the same on every machine and runs one process writes
# in turn never overlap in time, however busy the machine.
PRELUDE = (
    CLOCK
    + r"""
import json, os, signal, sys, time
import wandb
SPEC = json.loads(os.environ["CORPUS_SPEC"])
ROOT = SPEC["root"]
PACE = 10.0
logged = {}

def machine(facts):
    return wandb.Settings(**{"x_stats_" + k: v for k, v in facts.items()})

def start(key, study, **init):
    os.makedirs(os.path.join(ROOT, study), exist_ok=True)
    clock.tick(PACE)
    began = time.time()
    run = wandb.init(project="stacks", dir=os.path.join(ROOT, study), **init)
    logged[key] = {"id": run.id, "name": init.get("name"), "group": init.get("group"),
                   "job_type": init.get("job_type"), "began": began, "rows": []}
    return run

def log(key, run, row, **kwargs):
    clock.tick(PACE)
    run.log(row, **kwargs)
    logged[key]["rows"].append(row)

def end(key, run, **kwargs):
    run.finish(**kwargs)
    logged[key]["ended"] = time.time()

def save():
    with open(SPEC["out"], "w") as f:
        json.dump(logged, f)
"""
)

# One process per rank of a 4-GPU node launched by torchrun / torch.distributed.launch; each
# rank process takes part in the trainings its rank is in, in lockstep with the other ranks
# (files in SPEC["sync"] are the barrier DDP's collectives would be).
RANK_WRITER = (
    PRELUDE
    + r"""
RANK = SPEC["rank"]

def barrier(name, ranks):
    open(os.path.join(SPEC["sync"], f"{name}.{RANK}"), "w").close()
    deadline = time.monotonic() + 300  # a rank that died: fail, do not hang the test session
    while not all(os.path.exists(os.path.join(SPEC["sync"], f"{name}.{r}")) for r in ranks):
        if time.monotonic() > deadline:
            sys.exit(f"rank {RANK}: the other ranks never reached {name}")
        time.sleep(0.01)

for number, training in enumerate(SPEC["trainings"]):
    ranks = list(range(training["world_size"]))
    if RANK not in ranks:
        continue
    # the ranks of a training start together, as processes do: a few milliseconds apart
    clock.at(3600.0 * number + 0.01 * RANK)
    # what torchrun sets for this launch (a script reads them; wandb records none of them)
    os.environ.update({"RANK": str(RANK), "LOCAL_RANK": str(RANK),
                       "WORLD_SIZE": str(training["world_size"])})
    key = f"{training['key']}.rank{RANK}"
    barrier(training["key"] + ".start", ranks)
    if training["style"] == "main-worker":
        config = {"model": "vit_b_16", "epochs": 3, "batch_size_per_gpu": 64, "backend": "nccl",
                  "world_size": int(os.environ["WORLD_SIZE"]), "rank": int(os.environ["RANK"])}
        run = start(key, training["study"], group=training["group"],
                    job_type="main" if RANK == 0 else "worker", config=config,
                    settings=machine(SPEC["machine"]))
    else:  # log-ddp.py --log_all: no job_type, a name per rank, args as the launcher passed
        config = {"epochs": 3, "batch": 512, "log_all": True, "local_rank": RANK}
        run = start(key, training["study"], group=training["group"], name=f"rank-{RANK}",
                    config=config, settings=machine(SPEC["machine"]))
    barrier(training["key"] + ".init", ranks)
    peak = training["peak"]
    for epoch in range(3):
        losses = []
        for batch in range(6):
            loss = round(2.0 * 0.9 ** (6 * epoch + batch) + 0.01 * RANK, 4)
            losses.append(loss)
            if training["style"] == "main-worker":
                if RANK == 0:
                    log(key, run, {"epoch": epoch, "train_loss": loss})
                else:
                    clock.tick(PACE)  # a worker trains the batch too, and logs nothing
            else:
                log(key, run, {"batch_loss": loss})
        if training["style"] == "main-worker":
            if RANK == 0:
                log(key, run, {"epoch": epoch, "val_accuracy": peak - 2.0 * (2 - epoch)})
            else:
                clock.tick(PACE)
        else:
            log(key, run, {"epoch": epoch, "loss": round(sum(losses) / len(losses), 4)})
    barrier(training["key"] + ".done", ranks)  # DDP's last all-reduce: every rank ends together
    end(key, run)
save()
"""
)

# Rank-0-only runs on nodes without Slurm, one after the other (so never overlapping).
PLAIN_WRITER = (
    PRELUDE
    + r"""
def batches(key, run, epochs, per_epoch, accuracy, extra=None):
    # the 0-based epoch index with every batch, a running accuracy
    steps = epochs * per_epoch
    for step in range(steps):
        row = {"epoch": step // per_epoch, "train_loss": round(2.0 * 0.93 ** step, 4),
               "running_accuracy": round(accuracy * (step + 1) / steps, 3)}
        row.update((extra or {}).get(step, {}))
        log(key, run, row)

if SPEC["part"] == 2:
    # k: laptops that say so by a word, whatever they computed on
    # Accelerate on a laptop: `accelerate launch --cpu --num_processes 4 train.py`, config
    # vars(args) (its examples' argparse) and the launcher's cpu / num_processes
    run = start("accel-cpu", "devices", name="glue-cpu-4proc",
                config={"num_train_epochs": 2, "learning_rate": 2e-5, "cpu": True,
                        "num_processes": 4, "mixed_precision": "no"},
                settings=machine(SPEC["laptop"]))
    batches("accel-cpu", run, 2, 4, 80.0)
    end("accel-cpu", run)
    # a gaming laptop's GPU: device cuda, tagged laptop; wandb sees the GPU
    run = start("laptop-cuda", "devices", name="rtx-laptop", tags=["laptop", "rtx4060"],
                config={"device": "cuda", "epochs": 2, "batch_size": 32},
                settings=machine({**SPEC["laptop"], "gpu_count": 1,
                                  "gpu_type": "NVIDIA GeForce RTX 4060 Laptop GPU"}))
    batches("laptop-cuda", run, 2, 4, 85.0)
    end("laptop-cuda", run)
    # Apple silicon: device mps (only Macs have it), nothing else; wandb records no GPU for it
    run = start("laptop-mps", "devices", name="m2-air",
                config={"device": "mps", "epochs": 2, "batch_size": 32},
                settings=machine(SPEC["laptop"]))
    batches("laptop-mps", run, 2, 4, 84.0)
    end("laptop-mps", run)

if SPEC["part"] == 1:
    # b: method 1, world_size in config; both trainings in one group used as a study name
    for key, size, nodes, peak in (("method1-8", 8, 1, 64.0), ("method1-16", 16, 2, 66.0)):
        run = start(key, "method1", name=f"lumi-scaling-{size:02d}", group="lumi-scaling",
                    job_type="train",
                    config={"world_size": size, "num_nodes": nodes, "epochs": 2,
                            "batch_size_per_gpu": 32, "device": "cuda"},
                    settings=machine(SPEC["lumi_g"]))
        batches(key, run, 2, 8, peak)
        end(key, run)
    # g: metric names
    def metric_run(key, size, rows):
        run = start(key, "metrics", name=key, config={"world_size": size, "epochs": 2,
                    "device": "cuda"}, settings=machine(SPEC["lumi_g"]))
        for row in rows:
            log(key, run, row)
        end(key, run)
    metric_run("metrics-valslash", 1, [
        {"epoch": e, "train/loss": 1.0 / (e + 1), "val/accuracy": a}
        for e, a in enumerate((0.62, 0.91))])
    metric_run("metrics-top1", 2, [
        {"epoch": e, "loss": 1.0 / (e + 1), "top1": a, "top5": a + 15.0}
        for e, a in enumerate((61.3, 76.1))])
    metric_run("metrics-evalacc", 4, [
        {"epoch": e, "train_loss": 1.0 / (e + 1), "eval_accuracy": a, "eval_loss": 0.5 / (e + 1)}
        for e, a in enumerate((80.5, 88.0))])
    running = [{"epoch": s // 5, "train_loss": round(0.5 * 0.5 ** s, 5),
                "running_accuracy": min(100.0, 80.0 + 2.5 * s)} for s in range(10)]
    running[4]["val_accuracy"] = 98.0
    running[9]["val_accuracy"] = 97.5
    metric_run("metrics-running", 8, running)
else:
    # c: Hydra, config as OmegaConf.to_container(cfg, resolve=True): nested
    cfg = {"seed": 42,
           "trainer": {"devices": 4, "num_nodes": 2, "max_epochs": 5, "accelerator": "gpu",
                       "strategy": "ddp", "precision": "bf16-mixed"},
           "model": {"name": "resnet50", "optimizer": {"lr": 0.1, "momentum": 0.9}},
           "data": {"batch_size": 128, "num_workers": 8}}
    run = start("hydra-plain", "hydra", name="hydra-plain", config=cfg,
                settings=machine(SPEC["a100"]))
    for epoch in range(5):
        for batch in range(4):
            log("hydra-plain", run, {"epoch": epoch, "train_loss": round(1.5 * 0.9 ** batch, 3)})
        log("hydra-plain", run, {"epoch": epoch, "val_acc": round(0.68 + 0.05 * epoch, 2)})
    end("hydra-plain", run)

    # h: Hugging Face Trainer, rank 0 of 4 torchrun processes on a 4-GPU node
    args = {"output_dir": "vit-cifar10", "num_train_epochs": 3, "per_device_train_batch_size": 32,
            "per_device_eval_batch_size": 64, "gradient_accumulation_steps": 1,
            "learning_rate": 5e-05, "local_rank": 0, "use_cpu": False, "fp16": True,
            "eval_strategy": "epoch", "logging_steps": 5, "report_to": ["wandb"], "seed": 42,
            "ddp_backend": None, "run_name": "vit-cifar10"}
    model_config = {"architectures": ["ViTForImageClassification"], "hidden_size": 768,
                    "num_hidden_layers": 12, "model_type": "vit"}
    run = start("hf-trainer", "stacks", name="vit-cifar10",
                config={**model_config, **args, "model/num_parameters": 85806346},
                settings=machine(SPEC["a100"]))
    run.define_metric("train/global_step")
    run.define_metric("*", step_metric="train/global_step", step_sync=True)
    per_epoch = 10
    for step in range(5, 3 * per_epoch + 1, 5):
        log("hf-trainer", run, {"train/loss": round(2.2 * 0.9 ** step, 4),
            "train/grad_norm": 1.5, "train/learning_rate": 5e-05 * (1 - step / 30),
            "train/epoch": round(step / per_epoch, 2), "train/global_step": step})
        if step % per_epoch == 0:
            log("hf-trainer", run, {"eval/loss": round(0.9 / (step // per_epoch), 4),
                "eval/accuracy": {10: 0.85, 20: 0.92, 30: 0.915}[step],
                "eval/runtime": 3.1, "train/epoch": float(step // per_epoch),
                "train/global_step": step})
    run.summary.update({"train_runtime": 95.2, "train_samples_per_second": 1575.6,
                        "train_steps_per_second": 0.315, "train_loss": 0.52, "total_flos": 2.1e18})
    end("hf-trainer", run)

    # h: Accelerate no_trainer example: main process only, accuracy as a dict, epoch index at end
    args = {"task_name": "mrpc", "model_name_or_path": "bert-base-cased", "num_train_epochs": 3,
            "per_device_train_batch_size": 32, "gradient_accumulation_steps": 1,
            "learning_rate": 2e-05, "lr_scheduler_type": "linear", "with_tracking": True,
            "report_to": "wandb", "seed": 42, "max_train_steps": 345}
    run = start("accelerate-glue", "stacks", name="glue-mrpc", config=args,
                settings=machine(SPEC["lumi_g"]))
    for epoch, accuracy in enumerate((0.80, 0.86, 0.855)):
        log("accelerate-glue", run, {"accuracy": {"accuracy": accuracy},
            "train_loss": round(0.6 / (epoch + 1), 4), "epoch": epoch,
            "step": 115 * (epoch + 1)}, step=115 * (epoch + 1))
    end("accelerate-glue", run)

    # h: DeepSpeed: the DeepSpeed config the script passed to deepspeed.initialize, in config
    ds = {"train_batch_size": 256, "train_micro_batch_size_per_gpu": 16,
          "gradient_accumulation_steps": 2, "bf16": {"enabled": True},
          "zero_optimization": {"stage": 2, "overlap_comm": True}}
    # launched by the deepspeed launcher on two 4-GPU nodes (a hostfile, no Slurm): the
    # machine shows 4 GPUs, the batch sizes say 8
    run = start("deepspeed", "stacks", name="ds-zero2",
                config={"epochs": 2, "lr": 3e-4, "model": "gpt2-medium", "deepspeed_config": ds},
                settings=machine(SPEC["a100"]))
    samples = 0
    for epoch in range(2):
        for batch in range(5):
            samples += 256
            log("deepspeed", run, {"Train/Samples/train_loss": round(3.0 * 0.9 ** samples, 4),
                "Train/Samples/lr": 3e-4}, step=samples)
        log("deepspeed", run, {"epoch": epoch, "val_accuracy": (74.0, 81.0)[epoch]}, step=samples)
    end("deepspeed", run)

    # d: a 1-GPU job on a 4-GPU node: nothing but the machine says anything about GPUs
    run = start("machine-1gpu", "machine", name="finetune-1gpu",
                config={"lr": 1e-3, "epochs": 2, "batch_size": 32},
                settings=machine(SPEC["a100"]))
    for step in range(8):
        log("machine-1gpu", run, {"epoch": step // 4, "train_loss": 1.0 / (step + 1)})
    end("machine-1gpu", run)

    # e: a finished cluster run without epochs in config: the count 1..4 at each epoch's end
    run = start("epochs-noplan", "epochs", name="resnet-noplan",
                config={"world_size": 4, "device": "cuda", "lr": 0.1, "batch_size": 256},
                settings=machine(SPEC["a100"]))
    for epoch in range(4):
        for batch in range(5):
            log("epochs-noplan", run, {"batch_loss": round(1.0 * 0.9 ** (5 * epoch + batch), 4)})
        log("epochs-noplan", run, {"epoch": epoch + 1, "val_accuracy": 60.0 + 5 * epoch})
    end("epochs-noplan", run)
save()
"""
)

# One Slurm job per process: wandb's service records the SLURM_* variables it starts with.
SLURM_WRITER = (
    PRELUDE
    + r"""
case = SPEC["case"]
if case == "hydra-lightning":
    # lightning-hydra-template: log_hyperparams flattens the config with "/"; rank 0 only
    hparams = {"trainer/devices": 4, "trainer/num_nodes": 2, "trainer/max_epochs": 5,
               "trainer/accelerator": "gpu", "trainer/strategy": "ddp",
               "model/optimizer/lr": 0.001, "model/net/_target_": "src.models.components.Net",
               "data/batch_size": 64, "model/params/total": 21840, "seed": 12345}
    run = start(case, "hydra", name="mnist-ddp", config=hparams, settings=machine(SPEC["machine"]))
    run.define_metric("trainer/global_step")
    run.define_metric("*", step_metric="trainer/global_step", step_sync=True)
    step = 0
    for epoch in range(5):
        for batch in range(3):
            step += 1
            log(case, run, {"train/loss": round(0.9 * 0.8 ** step, 4),
                "train/acc": 0.5 + 0.02 * step, "epoch": epoch, "trainer/global_step": step})
        acc = (0.82, 0.86, 0.9, 0.89, 0.885)[epoch]
        log(case, run, {"val/loss": round(0.5 / (epoch + 1), 4), "val/acc": acc,
            "val/acc_best": max((0.82, 0.86, 0.9, 0.89, 0.885)[: epoch + 1]), "epoch": epoch,
            "trainer/global_step": step})
    end(case, run)
elif case == "machine-slurm8":
    run = start(case, "machine", name="pretrain-2nodes",
                config={"lr": 3e-4, "epochs": 2, "batch_size": 64},
                settings=machine(SPEC["machine"]))
    for step in range(8):
        log(case, run, {"epoch": step // 4, "train_loss": 1.0 / (step + 1)})
    end(case, run)
elif case == "alloc-torchrun":
    args = {"output_dir": "out", "num_train_epochs": 2.0, "per_device_train_batch_size": 32,
            "learning_rate": 5e-5, "local_rank": 0, "_n_gpu": 1, "report_to": ["wandb"]}
    run = start(case, "allocation", name="vit-torchrun", config=args,
                settings=machine(SPEC["machine"]))
    for step in range(1, 9):
        log(case, run, {"train/loss": round(1.0 / step, 4), "train/epoch": step / 4,
                        "train/global_step": step})
    log(case, run, {"eval/accuracy": 0.81, "train/epoch": 2.0, "train/global_step": 8})
    end(case, run)
elif case in ("alloc-index", "alloc-auto"):
    devices = {"alloc-index": "1,", "alloc-auto": "auto"}[case]
    config = {"trainer": {"devices": devices, "num_nodes": 1, "accelerator": "gpu",
                          "max_epochs": 2, "strategy": "ddp"}, "model": {"lr": 1e-3}}
    run = start(case, "allocation", name=f"lit-{case}", config=config,
                settings=machine(SPEC["machine"]))
    for step in range(8):
        log(case, run, {"train/loss": round(1.0 / (step + 1), 4), "epoch": step // 4,
                        "trainer/global_step": step})
    end(case, run)
elif case == "alloc-srun":
    run = start(case, "allocation", name="resnet-srun",
                config={"epochs": 2, "lr": 0.1, "batch_size": 256, "backend": "nccl"},
                settings=machine(SPEC["machine"]))
    for step in range(8):
        log(case, run, {"epoch": step // 4, "train_loss": round(1.0 / (step + 1), 4)})
    end(case, run)
elif case.startswith("array-"):
    task = int(os.environ["SLURM_ARRAY_TASK_ID"])
    def barrier(name):  # the tasks run at the same time (what a sweep's runs can do, too)
        open(os.path.join(SPEC["sync"], f"{name}.{task}"), "w").close()
        deadline = time.monotonic() + 300
        while not all(os.path.exists(os.path.join(SPEC["sync"], f"{name}.{t}"))
                      for t in (1, 2, 3)):
            if time.monotonic() > deadline:
                sys.exit(f"task {task}: the other tasks never reached {name}")
            time.sleep(0.01)
    barrier("array.start")
    clock.tick(0.01 * task)  # processes started together, a few milliseconds apart
    run = start(case, "sweep", name=f"lr-sweep-task-{task}", group="lr-sweep",
                config={"epochs": 2, "lr": (1e-3, 3e-4, 1e-4)[task - 1], "device": "cuda"},
                settings=machine(SPEC["machine"]))
    barrier("array.init")
    for step in range(8):
        log(case, run, {"epoch": step // 4, "train_loss": round(1.0 / (step + 1), 4)})
    barrier("array.done")
    end(case, run)
elif case.startswith("srun-sweep-"):
    task = int(os.environ["SLURM_PROCID"])
    def barrier(name):  # srun starts the four agents together
        open(os.path.join(SPEC["sync"], f"{name}.{task}"), "w").close()
        deadline = time.monotonic() + 300
        while not all(os.path.exists(os.path.join(SPEC["sync"], f"{name}.{t}"))
                      for t in range(4)):
            if time.monotonic() > deadline:
                sys.exit(f"task {task}: the other tasks never reached {name}")
            time.sleep(0.01)
    barrier("srun.start")
    clock.tick(0.01 * task)  # processes started together, a few milliseconds apart
    # a sweep agent's run: the config the sweep chose for it
    run = start(case, "srunsweep", group="sweep-q7x2kd1p", job_type="sweep",
                config={"lr": (1e-3, 5e-4, 2e-4, 1e-4)[task], "batch_size": 64, "epochs": 2,
                        "optimizer": "adamw"},
                settings=machine(SPEC["machine"]))
    barrier("srun.init")
    for step in range(8):
        log(case, run, {"epoch": step // 4, "loss": round(1.0 / (step + 1) + task, 4),
                        "val_acc": 0.5 + 0.05 * step})
    barrier("srun.done")
    end(case, run)
elif case == "megatron-3d":
    args = {"tensor_model_parallel_size": 2, "pipeline_model_parallel_size": 2,
            "num_layers": 24, "hidden_size": 2048, "seq_length": 2048,
            "train_batch_size": 128, "train_micro_batch_size_per_gpu": 4,
            "gradient_accumulation_steps": 8, "train_iters": 40, "lr": 2e-4}
    run = start(case, "parallel", name="gpt-1.3b-3d", config=args,
                settings=machine(SPEC["machine"]))
    for iteration in range(1, 9):
        log(case, run, {"iteration": iteration * 5, "lm loss": round(8.0 / iteration, 3)})
    end(case, run)
elif case == "rank0-alone":
    run = start(case, "parallel", name="resnet50-ddp", group="resnet50-ddp-exp",
                config={"rank": 0, "local_rank": 0, "epochs": 2, "lr": 0.1, "backend": "nccl"},
                settings=machine(SPEC["machine"]))
    for step in range(8):
        log(case, run, {"epoch": step // 4, "train_loss": round(1.0 / (step + 1), 4)})
    end(case, run)
elif case == "conflict-cpu":
    run = start(case, "conflict", name="cpu-baseline",
                config={"device": "cpu", "epochs": 2, "batch_size": 64},
                settings=machine(SPEC["machine"]))
    for step in range(8):
        log(case, run, {"epoch": step // 4, "train_loss": 1.0 / (step + 1),
                        "running_accuracy": 30.0 + 5 * step})
    end(case, run)
save()
"""
)

# A laptop (no GPU, no Slurm): runs stopped part-way; the last one by Ctrl-C (SIGINT), which
# wandb records as exit code 255 with every row written.
LAPTOP_WRITER = (
    PRELUDE
    + r"""
PER_EPOCH = 40
STOP = int(2.4 * PER_EPOCH)  # 2 epochs and 40% of the third
config = {"device": "cpu", "epochs": 8, "batch_size": 32, "lr": 1e-3, "num_threads": 8}

# the 0-based epoch index with every batch; the script gives up (an error) at 2.4 epochs
run = start("laptop-index", "laptop", name="laptop-index", config=config,
            settings=machine(SPEC["machine"]))
for step in range(STOP):
    log("laptop-index", run, {"epoch": step // PER_EPOCH,
        "batch_loss": round(2.0 * 0.99 ** step, 4),
        "running_accuracy": round(10.0 + 0.3 * step, 2)})
logged["laptop-index"]["runtime"] = time.time() - logged["laptop-index"]["began"]
end("laptop-index", run, exit_code=1)

# the count 1..N once at each epoch's end; stopped with Ctrl-C at 2.4 epochs
run = start("laptop-count", "laptop", name="laptop-count", config=config,
            settings=machine(SPEC["machine"]))
for step in range(STOP):
    log("laptop-count", run, {"batch_loss": round(2.0 * 0.99 ** step, 4),
        "running_accuracy": round(10.0 + 0.3 * step, 2)})
    if (step + 1) % PER_EPOCH == 0:
        log("laptop-count", run, {"epoch": (step + 1) // PER_EPOCH,
            "val_accuracy": 20.0 + 5 * (step + 1) // PER_EPOCH})
save()
# Ctrl-C at a terminal: Python's own handler. A process started from a background job
# inherits SIGINT ignored (bash does so without job control), and then Python never raises
# KeyboardInterrupt: the run would end with status 0, as a clean-clone `make test` run in the
# background saw
signal.signal(signal.SIGINT, signal.default_int_handler)
os.kill(os.getpid(), signal.SIGINT)  # the user's Ctrl-C
# KeyboardInterrupt comes at the next instruction: wait for it, as a training loop would
for _ in range(600):
    time.sleep(0.1)
"""
)

TORCHRUN_ARGS = ["--epochs", "3", "--batch", "512"]

SLURM_BASE = {
    "SLURM_CLUSTER_NAME": "lumi",
    "SLURM_PROCID": "0",
    "SLURM_LOCALID": "0",
    "SLURM_NODEID": "0",
    "SLURM_SUBMIT_DIR": "/scratch/project_465000001",
}
# a whole LUMI-G node (standard-g is allocated by node: 8 GPUs whatever the job uses)
LUMI_NODE_JOB = {
    "SLURM_JOB_PARTITION": "standard-g",
    "SLURM_NNODES": "1",
    "SLURM_JOB_NUM_NODES": "1",
    "SLURM_GPUS_ON_NODE": "8",
    "SLURM_JOB_NODELIST": "nid005012",
}
SLURM_JOBS: dict[str, dict[str, Any]] = {
    "hydra-lightning": {
        "machine": NODE_A100,
        "env": {
            "SLURM_JOB_ID": "4410021",
            "SLURM_JOB_PARTITION": "gpu",
            "SLURM_NNODES": "2",
            "SLURM_JOB_NUM_NODES": "2",
            "SLURM_NTASKS": "8",
            "SLURM_NTASKS_PER_NODE": "4",
            "SLURM_GPUS_ON_NODE": "4",
            "SLURM_JOB_NODELIST": "gpu[001-002]",
        },
    },
    "machine-slurm8": {
        "machine": NODE_A100,
        "env": {
            "SLURM_JOB_ID": "4410388",
            "SLURM_JOB_PARTITION": "gpu",
            "SLURM_NNODES": "2",
            "SLURM_JOB_NUM_NODES": "2",
            "SLURM_NTASKS": "8",
            "SLURM_NTASKS_PER_NODE": "4",
            "SLURM_GPUS_ON_NODE": "4",
            "SLURM_JOB_NODELIST": "gpu[007-008]",
        },
    },
    "alloc-torchrun": {
        "machine": NODE_LUMI_G,
        "env": {**LUMI_NODE_JOB, "SLURM_JOB_ID": "8100001", "SLURM_NTASKS": "1"},
    },
    "alloc-index": {
        "machine": NODE_LUMI_G,
        "env": {**LUMI_NODE_JOB, "SLURM_JOB_ID": "8100002", "SLURM_NTASKS": "1"},
    },
    "alloc-auto": {
        "machine": NODE_LUMI_G,
        "env": {
            **LUMI_NODE_JOB,
            "SLURM_JOB_ID": "8100003",
            "SLURM_NTASKS": "1",
            "SLURM_GPUS_ON_NODE": "2",
            "SLURM_JOB_PARTITION": "small-g",
        },
    },
    "alloc-srun": {
        "machine": NODE_LUMI_G,
        "env": {
            **LUMI_NODE_JOB,
            "SLURM_JOB_ID": "8100004",
            "SLURM_NTASKS": "4",
            "SLURM_NTASKS_PER_NODE": "4",
            "SLURM_GPUS_ON_NODE": "4",
            "SLURM_JOB_PARTITION": "small-g",
        },
    },
    **{
        f"array-{task}": {
            "machine": NODE_LUMI_G,
            "env": {
                **LUMI_NODE_JOB,
                "SLURM_JOB_ID": str(8200000 + task),
                "SLURM_ARRAY_JOB_ID": "8200000",
                "SLURM_ARRAY_TASK_ID": str(task),
                "SLURM_NTASKS": "1",
                "SLURM_GPUS_ON_NODE": "1",
                "SLURM_JOB_PARTITION": "small-g",
            },
        }
        for task in (1, 2, 3)
    },
    "megatron-3d": {
        "machine": NODE_LUMI_G,
        "env": {
            **LUMI_NODE_JOB,
            "SLURM_JOB_ID": "8400001",
            "SLURM_NNODES": "2",
            "SLURM_JOB_NUM_NODES": "2",
            "SLURM_NTASKS": "2",
            "SLURM_NTASKS_PER_NODE": "1",
            "SLURM_JOB_NODELIST": "nid[005012-005013]",
        },
    },
    "rank0-alone": {
        "machine": NODE_LUMI_G,
        "env": {
            **LUMI_NODE_JOB,
            "SLURM_JOB_ID": "8400002",
            "SLURM_NTASKS": "1",
            "SLURM_GPUS_ON_NODE": "4",
            "SLURM_JOB_PARTITION": "small-g",
        },
    },
    **{
        f"srun-sweep-{task}": {
            "machine": NODE_LUMI_G,
            "env": {
                **LUMI_NODE_JOB,
                "SLURM_JOB_ID": "8300001",
                "SLURM_PROCID": str(task),
                "SLURM_LOCALID": str(task),
                "SLURM_NTASKS": "4",
                "SLURM_NTASKS_PER_NODE": "4",
                "SLURM_GPUS_ON_NODE": "4",
                "SLURM_JOB_PARTITION": "small-g",
            },
        }
        for task in range(4)
    },
    "conflict-cpu": {
        "machine": NODE_LUMI_C,
        "env": {
            "SLURM_JOB_ID": "7730115",
            "SLURM_JOB_PARTITION": "small",
            "SLURM_NNODES": "1",
            "SLURM_JOB_NUM_NODES": "1",
            "SLURM_NTASKS": "1",
            "SLURM_CPUS_PER_TASK": "32",
            "SLURM_CPUS_ON_NODE": "32",
            "SLURM_JOB_NODELIST": "nid001042",
        },
    },
}


@dataclass
class Corpus:
    root: Path
    manifest: dict[str, Any]
    csv: Path
    seconds: float  # what building it cost (wall clock), for the report

    def study(self, name: str) -> Path:
        return self.root / name

    def members(self, key: str) -> list[dict[str, Any]]:
        """What each rank of a training logged (one entry for a single-process run)."""
        if key in self.manifest:
            return [self.manifest[key]]
        return [v for k, v in sorted(self.manifest.items()) if k.split(".rank")[0] == key]


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
    for name in ("RANK", "LOCAL_RANK", "WORLD_SIZE", "MASTER_ADDR", "MASTER_PORT"):
        env.pop(name, None)
    return env


def _spawn(
    script: str, spec: dict[str, Any], env: dict[str, str], args: list[str]
) -> subprocess.Popen[str]:
    return subprocess.Popen(
        [sys.executable, "-c", script, *args],
        env={**env, "CORPUS_SPEC": json.dumps(spec)},
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
    )


Job = tuple[subprocess.Popen[str], Path, set[int]]


def _wait(jobs: list[Job]) -> dict[str, Any]:
    logged: dict[str, Any] = {}
    for process, out, expected_codes in jobs:
        _, stderr = process.communicate(timeout=600)
        assert process.returncode in expected_codes, (
            f"{out.name}: exit status {process.returncode}, not {expected_codes}: {stderr[-3000:]}"
        )
        logged.update(json.loads(out.read_text()))
    return logged


# what the writers are made of, besides this module: a change to any writes the corpus afresh
STACKS_SOURCES = ("real_projects.py", "fixed_clock.py")


def build_corpus(root: Path) -> Corpus:
    """Every study under ``root`` (written once per version of this module, tests/real_projects.py
    and wandb: tests/corpus_cache.py) and the CSV export; returns where, and what was logged."""
    began = time.monotonic()
    sources = [Path(__file__), *(Path(__file__).with_name(n) for n in STACKS_SOURCES)]
    sdk_corpus("stacks", sources, _write_studies, root)
    logged = json.loads((root / "manifest.json").read_text())
    csv = write_hydra_export(root / "csv")
    return Corpus(root, logged, csv, time.monotonic() - began)


def _write_studies(root: Path) -> None:
    """Write every study under ``root`` with the real SDK (child processes, at most 4 at once),
    what was logged in ``root/manifest.json``."""
    sync = root / ".sync"
    sync.mkdir(exist_ok=True)
    env = _environment(root)
    trainings = [
        {"key": f"grouped-{n}", "study": "grouped", "group": g, "world_size": n,
         "style": "main-worker", "peak": {1: 71.5, 2: 73.0, 4: 74.5}[n]}
        for n, g in GROUPED.items()
    ] + [
        {"key": f"grouped_nows-{n}", "study": "grouped_nows", "group": g, "world_size": n,
         "style": "log-all", "peak": 0.0}
        for n, g in GROUPED_NOWS.items()
    ]  # fmt: skip
    # wave 1: the four ranks of the 4-GPU node (they wait for each other)
    jobs: list[Job] = []
    for rank in range(4):
        out = root / f".rank{rank}.json"
        spec = {"root": str(root), "out": str(out), "rank": rank, "sync": str(sync),
                "trainings": trainings, "machine": NODE_A100}  # fmt: skip
        # torch.distributed.launch passes --local_rank to every process (log-ddp.py reads it)
        jobs.append(
            (_spawn(RANK_WRITER, spec, env, [f"--local_rank={rank}", *TORCHRUN_ARGS]), out, {0})
        )
    logged = _wait(jobs)
    # wave 2: runs without Slurm, the laptop; wave 3: one process per Slurm job
    jobs = []
    for part in (1, 2):
        out = root / f".plain{part}.json"
        spec = {"root": str(root), "out": str(out), "part": part, "a100": NODE_A100,
                "lumi_g": NODE_LUMI_G, "laptop": LAPTOP}  # fmt: skip
        jobs.append((_spawn(PLAIN_WRITER, spec, env, []), out, {0}))
    out = root / ".laptop.json"
    spec = {"root": str(root), "out": str(out), "machine": LAPTOP}
    # Ctrl-C: an uncaught KeyboardInterrupt ends Python by the signal itself (-2); wandb's
    # own exit handling may end it first with a status of its own
    jobs.append((_spawn(LAPTOP_WRITER, spec, env, []), out, {-signal.SIGINT, 1, 130, 255}))
    logged.update(_wait(jobs))
    # then the Slurm jobs, four at a time; processes that meet (a job array's tasks, srun's
    # tasks) in a wave of their own
    cases = list(SLURM_JOBS)
    meeting = [[c for c in cases if c.startswith(p)] for p in ("array-", "srun-sweep-")]
    rest = [c for c in cases if not any(c in m for m in meeting)]
    for wave in [*meeting, *(rest[i : i + 4] for i in range(0, len(rest), 4))]:
        jobs = []
        for case in wave:
            job = SLURM_JOBS[case]
            out = root / f".{case}.json"
            spec = {"root": str(root), "out": str(out), "case": case, "machine": job["machine"],
                    "sync": str(sync)}  # fmt: skip
            slurm_env = {**env, **SLURM_BASE, **job["env"]}
            jobs.append((_spawn(SLURM_WRITER, spec, slurm_env, []), out, {0}))
        logged.update(_wait(jobs))
    (root / "manifest.json").write_text(json.dumps(logged, indent=1))


# --- a runs-table export of a Hydra/Lightning project -----------------------------------------


def _hydra_config(devices: int, nodes: int, accelerator: str = "gpu") -> dict[str, Any]:
    # W&B exports nested config keys dot-joined (platform notes); no flat GPU column at all
    return {
        "trainer.accelerator": accelerator,
        "trainer.devices": devices,
        "trainer.max_epochs": 5,
        "trainer.num_nodes": nodes,
        "trainer.strategy": "ddp" if devices * nodes > 1 else "auto",
        "model.optimizer.lr": 0.001,
        "data.batch_size": 64,
    }


HYDRA_EXPORT = [
    TableRun("csv-1x1", "finished", "2025-09-01T08:00:00.000Z", 3720, _hydra_config(1, 1),
             {"epoch": 4, "val/acc": 0.91, "trainer/global_step": 4690}),
    TableRun("csv-4x1", "finished", "2025-09-01T10:00:00.000Z", 1010, _hydra_config(4, 1),
             {"epoch": 4, "val/acc": 0.905, "trainer/global_step": 1175}),
    TableRun("csv-4x2", "finished", "2025-09-01T11:00:00.000Z", 560, _hydra_config(4, 2),
             {"epoch": 4, "val/acc": 0.9, "trainer/global_step": 590}),
    TableRun("csv-cpu", "finished", "2025-09-02T07:00:00.000Z", 86000,
             _hydra_config(1, 1, accelerator="cpu"),
             {"epoch": 4, "val/acc": 0.91, "trainer/global_step": 4690}),
]  # fmt: skip


def write_hydra_export(directory: Path) -> Path:
    directory.mkdir(parents=True, exist_ok=True)
    return write_runs_table(
        directory / "wandb_export_2025-09-03T09_00_00.000+02_00.csv", HYDRA_EXPORT
    )


if __name__ == "__main__":  # build a corpus to look at: python -m tests.stacks DIR
    target = Path(sys.argv[1] if len(sys.argv) > 1 else "stacks-corpus")
    corpus = build_corpus(target)
    print(f"wrote {len(corpus.manifest)} runs under {target} in {corpus.seconds:.1f} s")
