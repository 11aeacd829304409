"""One study whose runs name their accuracy and loss each the way its stack does (issue 27),
written by the real wandb SDK (offline mode) in child processes on a fixed clock
(tests/fixed_clock.py). Used by tests/test_mixed_keys.py.

- ``hf-4gpu``: a Hugging Face Trainer run in a Slurm job on one node with 4 GPUs. Its
  WandbCallback (transformers/integrations/integration_utils.py, ``on_log``) logs the
  Trainer's logs through ``rewrite_logs``: ``eval_accuracy`` (what ``compute_metrics``
  returned as ``accuracy``, a fraction) becomes ``eval/accuracy``, ``eval_loss``
  ``eval/loss``, the training ``loss`` ``train/loss``, each row with ``train/global_step``,
  which ``setup`` declared the step metric of every key (``define_metric("*", step_metric=
  "train/global_step", step_sync=True)``); the config is ``TrainingArguments.to_dict()``.
- ``ddp-2gpu``, ``ddp-1gpu``: a plain PyTorch DDP script launched by srun, rank 0 logging
  ``epoch`` and ``train_loss`` each batch and ``val_accuracy`` (percent) and ``val_loss``
  after each epoch.

The runs' paces differ (12, 30 and 60 s a step), so they end at different times.
What the children logged goes to ``manifest.json``.
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

WRITER = (
    CLOCK
    + r"""
import json, os, wandb
SPEC = json.loads(os.environ["CORPUS_SPEC"])
case = SPEC["case"]
node = wandb.Settings(x_stats_cpu_count=64, x_stats_cpu_logical_count=128,
                      x_stats_gpu_count=SPEC["gpus"], x_stats_gpu_type="AMD Instinct MI250X")
rows = []

def log(run, row, pace):
    clock.tick(pace)
    run.log(row)
    rows.append(row)

if case == "hf-4gpu":
    args = {"output_dir": "vit-ft", "num_train_epochs": 3, "per_device_train_batch_size": 32,
            "per_device_eval_batch_size": 64, "learning_rate": 5e-05, "logging_steps": 1,
            "eval_strategy": "epoch", "report_to": ["wandb"], "seed": 42, "bf16": True,
            "_name_or_path": "google/vit-base-patch16-224-in21k", "model_type": "vit"}
    run = wandb.init(project="mixed", name="vit-hf-4gpu", config=args, settings=node)
    run.define_metric("train/global_step")
    run.define_metric("*", step_metric="train/global_step", step_sync=True)
    accuracy = {1: 0.62, 2: 0.85, 3: 0.93}
    for step in range(1, 25):
        log(run, {"train/loss": round(2.3 * 0.88 ** step, 4), "train/learning_rate": 5e-05,
                  "train/epoch": round(step / 8, 4), "train/global_step": step}, 12.0)
        if step % 8 == 0:
            epoch = step // 8
            log(run, {"eval/accuracy": accuracy[epoch], "eval/loss": round(1.1 / epoch, 4),
                      "train/epoch": float(epoch), "train/global_step": step}, 2.0)
    run.summary.update({"train_runtime": 246.0, "train_loss": 0.61})
else:
    gpus = SPEC["gpus"]
    pace = 30.0 if gpus == 2 else 60.0
    run = wandb.init(project="mixed", name=f"vit-ddp-{gpus}gpu", settings=node,
                     config={"epochs": 3, "batch_size": 32, "lr": 0.001, "backend": "nccl"})
    accuracy = {2: (55.0, 80.5, 91.2), 1: (54.0, 79.0, 90.4)}[gpus]
    for epoch in range(3):
        for batch in range(6):
            log(run, {"epoch": epoch, "train_loss": round(2.2 * 0.86 ** (6 * epoch + batch), 4)},
                pace)
        log(run, {"epoch": epoch, "val_accuracy": accuracy[epoch],
                  "val_loss": round(1.2 / (epoch + 1), 4)}, 1.0)
run.finish()
json.dump({case: {"id": run.id, "rows": rows}}, open(SPEC["out"], "w"))
"""
)

CASES = {"hf-4gpu": 4, "ddp-2gpu": 2, "ddp-1gpu": 1}


def _slurm(job: int, gpus: int) -> dict[str, str]:
    """A one-node Slurm job with ``gpus`` GPUs, a task per GPU (wandb records SLURM_*)."""
    return {
        "SLURM_JOB_ID": str(job),
        "SLURM_CLUSTER_NAME": "lumi",
        "SLURM_JOB_PARTITION": "standard-g",
        "SLURM_NNODES": "1",
        "SLURM_JOB_NUM_NODES": "1",
        "SLURM_NTASKS": str(gpus),
        "SLURM_NTASKS_PER_NODE": str(gpus),
        "SLURM_GPUS_ON_NODE": str(gpus),
        "SLURM_PROCID": "0",
        "SLURM_LOCALID": "0",
    }


def _write(root: Path) -> None:
    env = {
        **os.environ,
        "WANDB_MODE": "offline",
        "WANDB_SILENT": "true",
        "WANDB_DISABLE_GIT": "true",
        "WANDB_DIR": str(root),
    }
    for name in [n for n in env if n.startswith(("SLURM_", "WANDB_API_KEY"))]:
        env.pop(name)
    for name in ("RANK", "LOCAL_RANK", "WORLD_SIZE", "LOCAL_WORLD_SIZE"):
        env.pop(name, None)
    jobs = []
    # a process per run: wandb's service reads SLURM_* when it starts
    for job, (case, gpus) in enumerate(CASES.items(), start=8200001):
        out = root / f".{case}.json"
        spec = {"case": case, "gpus": gpus, "out": str(out)}
        process = subprocess.Popen(
            [sys.executable, "-c", WRITER],
            env={**env, **_slurm(job, gpus), "CORPUS_SPEC": json.dumps(spec)},
            stdout=subprocess.PIPE,
            stderr=subprocess.PIPE,
            text=True,
        )
        jobs.append((process, out, case))
    logged: dict[str, Any] = {}
    for process, out, case in jobs:
        _, stderr = process.communicate(timeout=600)
        assert process.returncode == 0, f"{case}: exit {process.returncode}: {stderr[-3000:]}"
        logged.update(json.loads(out.read_text()))
    (root / "manifest.json").write_text(json.dumps(logged, indent=1))


def mixed_keys_study(root: Path) -> tuple[Path, dict[str, Any]]:
    """The study under ``root`` (written once per version of this module and wandb:
    tests/corpus_cache.py): its wandb/ folder and what each run logged, by case."""
    sources = [Path(__file__), Path(__file__).with_name("fixed_clock.py")]
    sdk_corpus("mixed-keys", sources, _write, root)
    return root / "wandb", json.loads((root / "manifest.json").read_text())


if __name__ == "__main__":  # python -m tests.mixed_keys DIR
    target = Path(sys.argv[1] if len(sys.argv) > 1 else "mixed-keys-study")
    folder, manifest = mixed_keys_study(target)
    print(f"wrote {len(manifest)} runs under {folder}")
