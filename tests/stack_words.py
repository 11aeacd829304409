"""A second corpus of W&B projects, logged in the stacks' own words (issue 28), written by the
real wandb SDK (offline mode) in child processes on a fixed clock (tests/fixed_clock.py), and
the facts a correct reader must find in each (``EXPECTED``). Used by tests/test_stack_words.py.

Where each pattern comes from (read on 2026-12-06; wandb 0.31 as installed here):

- A run per node (study ``nodes/``): torchrun (pytorch.org/docs/stable/elastic/run.html,
  "Environment Variables") sets ``LOCAL_WORLD_SIZE`` (processes on this node), ``GROUP_RANK``
  (this node's rank), ``WORLD_SIZE`` and ``RANK`` for every worker; a script that logs on its
  node's local rank 0 (``if int(os.environ["LOCAL_RANK"]) == 0: wandb.init(group=...)``, the
  "Track each process separately" pattern of W&B's distributed-training guide applied per node)
  leaves one run per node, each with its node's local world size. Launched as
  ``srun --ntasks-per-node=1 torchrun --nnodes=2 --nproc-per-node=8``: wandb records
  ``SLURM_NNODES=2``, ``SLURM_NTASKS_PER_NODE=1``, ``SLURM_GPUS_ON_NODE=8`` and each task's
  ``SLURM_PROCID``/``SLURM_NODEID`` (the node).
- Progress marked after training (``after/``): Lightning's ``_LoggerConnector.log_metrics``
  (src/lightning/pytorch/trainer/connectors/logger_connector/logger_connector.py) adds
  ``epoch = trainer.current_epoch`` to every row it logs without a step, and WandbLogger adds
  ``trainer/global_step``; after ``fit`` the current epoch counts the epochs completed
  (``max_epochs``), so the test metrics ``trainer.test()`` logs after training carry
  ``epoch = max_epochs`` at the last global step.
- Keys added after a warm-up (``warmup/``): a loop that logs its epoch index once at each
  epoch's start (``{"epoch": e, "global_step": step}``), ``loss`` and ``global_step`` with every
  batch, and the learning rate only once its warm-up scheduler hands over (from the second
  epoch); stopped by an error half-way through its third epoch (2.5 epochs by its own counter).
- A library's default (``defaults/``): MMEngine's ``Runner`` takes
  ``env_cfg=dict(dist_cfg=dict(backend='nccl'))`` by default (mmengine/runner/runner.py; the
  OpenMMLab ``configs/_base_/default_runtime.py`` files repeat it), and its WandbVisBackend
  logs the whole config (``wandb.config.update(dict(config))``,
  mmengine/visualization/vis_backend.py): a CPU run on a laptop (``launcher='none'``) carries
  ``env_cfg.dist_cfg.backend = 'nccl'`` although no NCCL was ever used.
- The stacks' own words (``words/``): MosaicML Composer's Trainer logs its arguments and then
  ``num_nodes`` and ``num_gpus_per_node`` (composer/trainer/trainer.py, ``log_hyperparameters``;
  its WandBLogger is ``wandb.config.update`` and ``wandb.log(metrics, step=batch)``), its planned
  length as ``max_duration`` ("3ep", or "60ba" in batches: composer/core/time.py ``TimeUnit``),
  and ``time/epoch`` at each epoch's start and once more after the loop.
- Planned in steps (``steps/``): Hugging Face's TrainingArguments ``max_steps`` "overrides
  num_train_epochs" (its docs), which ``to_dict()`` still logs at its default 3.0; the
  WandbCallback's ``train/epoch`` is epochs done in fractions (step / steps per epoch).
- Percent over the study (``scale/``): a scaling study logging ``accuracy`` in percent (to
  about 70); one run diverged and sits at chance level, 1% of 100 classes, its values never
  above 1.0.

Each study is a folder of its own (``wandb/offline-run-*`` inside). What the children logged
goes to ``manifest.json``: tests compare with what was logged.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from tests.corpus_cache import sdk_corpus
from tests.fixed_clock import CLOCK


@dataclass(frozen=True)
class Expected:
    """What a correct reader finds for one training: ``facts`` (a Run field -> its value; a
    float within ``tolerance``), ``members`` W&B runs make it, ``best_accuracy`` in percent."""

    key: str
    study: str
    case: str
    facts: dict[str, Any] = field(default_factory=dict)
    members: int = 1
    best_accuracy: float | None = None
    tolerance: float = 1e-9


EXPECTED: list[Expected] = [
    Expected(
        "nodes-2x8",
        "nodes",
        "1: a run per node (local rank 0 of each node logs), 2 nodes x LOCAL_WORLD_SIZE 8",
        {"platform": "cluster", "gpus": 16, "nodes": 2, "epochs": 2, "epochs_done": 2},
        members=2,
    ),
    Expected(
        "lightning-test-4",
        "after",
        "2: Lightning, max_epochs 4, trainer.test() after fit logs epoch = 4",
        {"platform": "cluster", "gpus": 1, "epochs": 4, "epochs_done": 4},
    ),
    Expected(
        "lightning-test-1",
        "after",
        "2: Lightning, one epoch, no max_epochs logged, trainer.test() logs epoch = 1",
        {"platform": "cluster", "gpus": 1, "epochs_done": 1},
    ),
    Expected(
        "warmup",
        "warmup",
        "3: lr logged only after the warm-up epoch; epoch index at each epoch's start; stopped "
        "at 2.5 epochs by its global_step",
        {"platform": "laptop", "epochs": 4, "epochs_done": 2.5, "state": "failed"},
        tolerance=0.05,
    ),
    Expected(
        "mmengine-cpu",
        "defaults",
        "4: MMEngine on a laptop's CPU: env_cfg.dist_cfg.backend = 'nccl' is the Runner's "
        "default; wandb saw no GPU and no Slurm job",
        {"platform": "laptop", "gpus": None, "epochs": 2},
    ),
    Expected(
        "composer-3ep",
        "words",
        "6: Composer logs num_gpus_per_node x num_nodes and max_duration '3ep'",
        {"platform": "cluster", "gpus": 4, "nodes": 1, "epochs": 3, "epochs_done": 3},
    ),
    Expected(
        "composer-ba",
        "words",
        "6: Composer's max_duration in batches ('60ba') over the 20 batches of an epoch its "
        "final time values show: 3 epochs",
        {"platform": "cluster", "gpus": 4, "epochs": 3, "epochs_done": 3},
    ),
    Expected(
        "hf-max-steps",
        "steps",
        "6: Hugging Face Trainer with max_steps 30 (20 steps an epoch): 1.5 epochs planned, "
        "not num_train_epochs' default 3",
        {"platform": "cluster", "gpus": 4, "epochs": 1.5, "epochs_done": 1.5},
    ),
    *(
        Expected(
            f"scale-{n}",
            "scale",
            "5: accuracy in percent, to about 70",
            {"platform": "cluster", "gpus": n},
            best_accuracy=peak,
        )
        for n, peak in ((1, 70.0), (2, 69.5), (4, 68.0))
    ),
    Expected(
        "scale-8-diverged",
        "scale",
        "5: the same key, a diverged run at chance level: 1%, never above 1.0",
        {"platform": "cluster", "gpus": 8},
        best_accuracy=1.0,
    ),
]


def expected(key: str) -> Expected:
    return next(e for e in EXPECTED if e.key == key)


NODE_LUMI_G = {"gpu_count": 8, "gpu_type": "AMD Instinct MI250X", "cpu_count": 64}
NODE_A100 = {"gpu_count": 4, "gpu_type": "NVIDIA A100-SXM4-40GB", "cpu_count": 32}
LAPTOP = {"cpu_count": 4, "cpu_logical_count": 8}

PRELUDE = (
    CLOCK
    + r"""
import json, os, sys, time
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
    run = wandb.init(project="words", dir=os.path.join(ROOT, study), **init)
    logged[key] = {"id": run.id, "name": init.get("name"), "group": init.get("group"),
                   "began": began, "rows": []}
    return run

def log(key, run, row, **kwargs):
    clock.tick(PACE)
    run.log(row, **kwargs)
    logged[key]["rows"].append(row)

def end(key, run, **kwargs):
    run.finish(**kwargs)
    logged[key]["ended"] = time.time()
"""
)

WRITER = (
    PRELUDE
    + r"""
case = SPEC["case"]
if case.startswith("nodes-2x8."):
    # torchrun on this node; only its local rank 0 logs, a run per node in one group
    node = int(os.environ["SLURM_NODEID"])
    os.environ.update({"LOCAL_RANK": "0", "LOCAL_WORLD_SIZE": "8", "GROUP_RANK": str(node),
                       "RANK": str(8 * node), "WORLD_SIZE": "16"})
    clock.at(0.01 * node)  # the nodes' processes start together, milliseconds apart
    config = {"model": "bert-large", "epochs": 2, "lr": 1e-4, "batch_size_per_gpu": 16,
              "local_world_size": int(os.environ["LOCAL_WORLD_SIZE"]),
              "node_rank": int(os.environ["GROUP_RANK"])}
    run = start(case, "nodes", group="bert-2x8", name=f"bert-2x8-node{node}", config=config,
                settings=machine(SPEC["machine"]))
    for step in range(8):
        log(case, run, {"epoch": step // 4, "train_loss": round(2.0 / (step + 1) + 0.01 * node, 4)})
    end(case, run)
elif case == "after":
    # Lightning + WandbLogger: hyperparameters flattened with "/", epoch and global step added
    for key, max_epochs, plan in (("lightning-test-4", 4, True), ("lightning-test-1", 1, False)):
        hparams = {"trainer/accelerator": "gpu", "trainer/devices": 1,
                   "model/optimizer/lr": 1e-3, "data/batch_size": 64}
        if plan:
            hparams["trainer/max_epochs"] = max_epochs
        run = start(key, "after", name=key, config=hparams, settings=machine(SPEC["machine"]))
        run.define_metric("trainer/global_step")
        run.define_metric("*", step_metric="trainer/global_step", step_sync=True)
        step = 0
        for epoch in range(max_epochs):
            for batch in range(3):
                step += 1
                log(key, run, {"train/loss": round(1.0 / step, 4), "epoch": epoch,
                               "trainer/global_step": step})
            log(key, run, {"val/acc": 0.6 + 0.05 * epoch, "epoch": epoch,
                           "trainer/global_step": step})
        # trainer.test(): current_epoch now counts the epochs done
        log(key, run, {"test/acc": 0.6 + 0.05 * max_epochs, "epoch": max_epochs,
                       "trainer/global_step": step})
        end(key, run)
elif case == "warmup":
    run = start(case, "warmup", name="warmup-laptop",
                config={"epochs": 4, "device": "cpu", "batch_size": 32, "warmup_epochs": 1},
                settings=machine(SPEC["machine"]))
    step = 0
    for epoch in range(3):
        log(case, run, {"epoch": epoch, "global_step": step})
        for batch in range(10 if epoch < 2 else 5):
            step += 1
            row = {"loss": round(2.0 * 0.95 ** step, 4), "global_step": step}
            if epoch >= 1:  # the warm-up scheduler has handed over
                row["lr"] = round(1e-3 * 0.9 ** (step - 10), 6)
            log(case, run, row)
    end(case, run, exit_code=1)
elif case == "defaults":
    cfg = {"default_scope": "mmpretrain", "launcher": "none", "work_dir": "./work_dirs/r18",
           "model": {"type": "ImageClassifier", "backbone": {"type": "ResNet", "depth": 18}},
           "train_cfg": {"by_epoch": True, "max_epochs": 2, "val_interval": 1},
           "optim_wrapper": {"optimizer": {"type": "SGD", "lr": 0.1, "momentum": 0.9}},
           "env_cfg": {"cudnn_benchmark": False,
                       "mp_cfg": {"mp_start_method": "fork", "opencv_num_threads": 0},
                       "dist_cfg": {"backend": "nccl"}},
           "randomness": {"seed": 42, "deterministic": False}}
    run = start("mmengine-cpu", "defaults", name="resnet18_cifar10_cpu",
                settings=machine(SPEC["machine"]))
    run.config.update(cfg)  # WandbVisBackend.add_config
    for it in range(1, 9):  # LoggerHook after each iteration
        log("mmengine-cpu", run, {"lr": 0.1, "loss": round(2.3 / it, 4), "time": 0.5,
                                  "data_time": 0.01, "epoch": (it - 1) // 4 + 1, "iter": it})
        if it % 4 == 0:  # after each validation epoch
            log("mmengine-cpu", run, {"accuracy/top1": 30.0 + 10 * it // 4})
    end("mmengine-cpu", run)
elif case == "composer":
    # Composer's WandBLogger: log_hyperparameters is wandb.config.update, log_metrics is
    # wandb.log(metrics, step=timestamp.batch); the Trainer logs its own arguments, then its
    # version, then num_nodes and num_{device}s_per_node, then rank_zero_seed
    for key, duration in (("composer-3ep", "3ep"), ("composer-ba", "60ba")):
        run = start(key, "words", name=key, settings=machine(SPEC["machine"]))
        run.config.update({"max_duration": duration, "device": "gpu", "precision": "amp_bf16",
                           "eval_interval": 1, "seed": 17, "run_name": key})
        run.config.update({"composer_version": "0.29.0"})
        run.config.update({"composer_commit_hash": "None"})
        run.config.update({"num_nodes": 1, "num_gpus_per_node": 4,
                           "node_name": "unknown because NODENAME environment variable not set"})
        run.config.update({"rank_zero_seed": 17})
        batch = 0
        for epoch in range(3):
            for in_epoch in range(20):
                row = {"time/batch": batch, "time/sample": 256 * batch,
                       "time/batch_in_epoch": in_epoch, "time/sample_in_epoch": 256 * in_epoch,
                       "loss/train/total": round(2.3 * 0.97 ** batch, 4)}
                if in_epoch == 0:
                    row["time/epoch"] = epoch  # Event.EPOCH_START
                    if epoch:  # the previous epoch's evaluation, at this timestamp
                        row["metrics/eval/MulticlassAccuracy"] = 0.5 + 0.1 * epoch
                log(key, run, row, step=batch)
                batch += 1
        log(key, run, {"metrics/eval/MulticlassAccuracy": 0.8}, step=batch)
        # "Log final time values" after the training loop
        log(key, run, {"time/epoch": 3, "time/batch": batch, "time/sample": 256 * batch,
                       "time/batch_in_epoch": 0, "time/sample_in_epoch": 0}, step=batch)
        end(key, run)
elif case == "steps":
    # Hugging Face Trainer with max_steps: TrainingArguments.to_dict() logs num_train_epochs at
    # its default 3.0 beside max_steps, which overrides it; WandbCallback logs train/epoch (in
    # fractions) and train/global_step, and puts both in the summary
    args = {"output_dir": "llama-sft", "num_train_epochs": 3.0, "max_steps": 30,
            "per_device_train_batch_size": 8, "learning_rate": 2e-5, "local_rank": 0,
            "logging_steps": 5, "report_to": ["wandb"], "world_size": 4}
    run = start("hf-max-steps", "steps", name="llama-sft", config=args,
                settings=machine(SPEC["machine"]))
    run.define_metric("train/global_step")
    run.define_metric("*", step_metric="train/global_step", step_sync=True)
    for step in range(5, 31, 5):
        log("hf-max-steps", run, {"train/loss": round(2.0 * 0.9 ** step, 4),
            "train/learning_rate": 2e-5, "train/epoch": round(step / 20, 2),
            "train/global_step": step})
    run.summary.update({"train_runtime": 61.0, "train_loss": 0.9})
    end("hf-max-steps", run)
elif case == "scale":
    curves = {1: (20.0, 55.0, 70.0), 2: (21.0, 56.0, 69.5), 4: (19.0, 50.0, 68.0),
              8: (0.9, 1.0, 0.95)}
    for n, values in curves.items():
        key = f"scale-{n}" + ("-diverged" if n == 8 else "")
        run = start(key, "scale", name=key,
                    config={"world_size": n, "epochs": 3, "device": "cuda", "lr": 0.1 * n},
                    settings=machine(SPEC["machine"]))
        for epoch, accuracy in enumerate(values):
            for batch in range(3):
                loss = round(4.6 / (3 * epoch + batch + 1), 4)
                log(key, run, {"epoch": epoch, "train_loss": loss})
            log(key, run, {"epoch": epoch, "accuracy": accuracy})
        end(key, run)
with open(SPEC["out"], "w") as f:
    json.dump(logged, f)
"""
)

NODE_JOB = {
    "SLURM_JOB_ID": "9100001",
    "SLURM_CLUSTER_NAME": "lumi",
    "SLURM_JOB_PARTITION": "standard-g",
    "SLURM_NNODES": "2",
    "SLURM_JOB_NUM_NODES": "2",
    "SLURM_NTASKS": "2",
    "SLURM_NTASKS_PER_NODE": "1",
    "SLURM_GPUS_ON_NODE": "8",
    "SLURM_LOCALID": "0",
    "SLURM_JOB_NODELIST": "nid[005100-005101]",
}

# case -> (machine, extra environment)
CASES: dict[str, tuple[dict[str, Any], dict[str, str]]] = {
    **{
        f"nodes-2x8.node{n}": (
            NODE_LUMI_G,
            {**NODE_JOB, "SLURM_PROCID": str(n), "SLURM_NODEID": str(n)},
        )
        for n in (0, 1)
    },
    "after": (NODE_A100, {}),
    "warmup": (LAPTOP, {}),
    "defaults": (LAPTOP, {}),
    "scale": (NODE_A100, {}),
    "composer": (NODE_A100, {}),
    "steps": (NODE_A100, {}),
}


@dataclass
class Corpus:
    root: Path
    manifest: dict[str, Any]

    def study(self, name: str) -> Path:
        return self.root / name

    def members(self, key: str) -> list[dict[str, Any]]:
        if key in self.manifest:
            return [self.manifest[key]]
        return [v for k, v in sorted(self.manifest.items()) if k.split(".")[0] == key]


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
    env = _environment(root)
    logged: dict[str, Any] = {}
    cases = list(CASES)
    for wave in (cases[i : i + 3] for i in range(0, len(cases), 3)):
        jobs = []
        for case in wave:
            facts, extra = CASES[case]
            out = root / f".{case}.json"
            spec = {"root": str(root), "out": str(out), "case": case, "machine": facts}
            process = subprocess.Popen(
                [sys.executable, "-c", WRITER],
                env={**env, **extra, "CORPUS_SPEC": json.dumps(spec)},
                stdout=subprocess.PIPE,
                stderr=subprocess.PIPE,
                text=True,
            )
            jobs.append((process, out, case))
        for process, out, case in jobs:
            _, stderr = process.communicate(timeout=600)
            assert process.returncode == 0, f"{case}: exit {process.returncode}: {stderr[-3000:]}"
            logged.update(json.loads(out.read_text()))
    (root / "manifest.json").write_text(json.dumps(logged, indent=1))


def build_corpus(root: Path) -> Corpus:
    """Every study under ``root``, written once per version of this module and wandb
    (tests/corpus_cache.py)."""
    sources = [Path(__file__), Path(__file__).with_name("fixed_clock.py")]
    sdk_corpus("stack-words", sources, _write, root)
    return Corpus(root, json.loads((root / "manifest.json").read_text()))


if __name__ == "__main__":  # python -m tests.stack_words DIR
    target = Path(sys.argv[1] if len(sys.argv) > 1 else "stack-words-corpus")
    print(f"wrote {len(build_corpus(target).manifest)} runs under {target}")
