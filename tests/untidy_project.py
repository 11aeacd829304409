"""An untidy W&B project as teams leave it, written by the real wandb SDK (offline mode) in child
processes: a Hugging Face Trainer scaling study under Slurm on LUMI-like nodes (1 to 32 GPUs,
repeats), and around it what real projects hold besides the study (issue 27):

- debugging runs: ``max_steps`` far below the plan (HF's ``max_steps`` > 0 ends training there,
  whatever ``num_train_epochs`` says), one with ``job_type="debug"``, one tagged ``debug``;
- two evaluation-only runs (``do_train`` false, ``do_eval`` true: HF's Trainer logs the eval
  metrics with ``train/global_step`` 0 and no ``train/epoch``, since ``state.epoch`` is None);
- a sweep of three trials (``WANDB_SWEEP_ID`` in the agent's environment: wandb.init reads it
  into ``settings.sweep_id``, recorded in the run record's ``sweep_id``), other hyperparameters;
- a login node's preprocessing run (no training metrics) and smoke tests (five steps; two of a
  plain DDP script, world size 1 and backend NCCL where wandb saw no GPU, stopped half-way
  through an epoch), on the host the Slurm jobs record as their submit host
  (``SLURM_SUBMIT_HOST``);
- a 16-GPU repeat killed with SIGKILL (its file keeps whole 32 KiB blocks only: the tail is lost);
- a 4-GPU run killed and resumed under its id (``resume="allow"``, a Slurm requeue): its first
  part lost its tail, so its time is short of what it ran;
- two 32-GPU jobs killed right after ``wandb.init`` with their service (a node failure): run
  files of the 7-byte header only, no record;
- a laptop run that finished, and two given up after 1.3 of their 4 epochs (one of the DDP
  script, logging a 0-based epoch index), each with a start-up (loading the data) before the
  first step.

The Slurm variables and the GPU machine are faked the way tests/real_projects.py and
tests/stacks.py do (wandb's service records the ``SLURM_*`` it starts with, so each Slurm job is a
process of its own; ``WANDB_HOST`` names the host as wandb reads it). What each child logged goes
to ``manifest.json``, so tests compare with what was logged.
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

PLANNED_EPOCHS = 4
STEPS_PER_EPOCH = 100
SUBMIT_HOST = "uan01"  # the login node the Slurm jobs were submitted from
SWEEP_ID = "q3x9ab2c"

WRITER = r"""
import json, os, signal, sys, time
import wandb
SPEC = json.loads(os.environ["CORPUS_SPEC"])
logged = {}
SPE = SPEC["spe"]

def save():
    with open(SPEC["out"], "w") as f:
        json.dump(logged, f)

def hf(key, name, *, gpus=None, epochs=SPEC["epochs"], pace=0.01, startup=0.2, max_steps=-1,
       do_train=True, do_eval=True, job_type=None, tags=None, lr=5e-5, batch=32, stop_at=None,
       exit_code=0, run_id=None, resume=None, first_step=0, kill=False, cpu=False, settings=None):
    # TrainingArguments.to_dict() as HF's WandbCallback logs it; the team's wrapper adds the
    # world size when srun started it
    args = {"output_dir": "out", "num_train_epochs": epochs, "max_steps": max_steps,
            "do_train": do_train, "do_eval": do_eval, "per_device_train_batch_size": batch,
            "learning_rate": lr, "logging_steps": 1, "eval_strategy": "epoch", "seed": 42,
            "use_cpu": cpu, "report_to": ["wandb"], "_name_or_path": "google/vit-base-patch16-224",
            "script_version": "v2"}
    if "SLURM_NTASKS" in os.environ:
        args["world_size"] = int(os.environ["SLURM_NTASKS"])
    init = dict(project="vit-scaling", name=name, config=args, job_type=job_type, tags=tags)
    if run_id:
        init.update(id=run_id, resume=resume)
    if settings:
        init["settings"] = wandb.Settings(**settings)
    began = time.time()
    run = wandb.init(**init)
    entry = logged.setdefault(key, {"id": run.id, "name": name, "rows": [], "parts": []})
    entry["parts"].append({"began": began})
    if kill == "at-init":
        save()
        os.killpg(0, signal.SIGKILL)  # the node failed: the service dies with the job
    run.define_metric("train/global_step")
    run.define_metric("*", step_metric="train/global_step", step_sync=True)
    time.sleep(startup)  # loading the model and the data
    def log(row):
        run.log(row)
        entry["rows"].append(row)
    if do_train:
        total = epochs * SPE if max_steps <= 0 else min(max_steps, epochs * SPE)
        stop = total if stop_at is None else int(round(stop_at * SPE))
        step = first_step
        while step < stop:
            time.sleep(pace)
            step += 1
            log({"train/loss": round(2.3 * 0.995 ** step, 4), "train/grad_norm": 1.25,
                 "train/learning_rate": lr * (1 - step / (epochs * SPE)),
                 "train/epoch": round(step / SPE, 4), "train/global_step": step})
            if step % SPE == 0 and do_eval:
                time.sleep(pace * 5)  # evaluation at the epoch's end
                epoch = step // SPE
                log({"eval/accuracy": round(0.6 + 0.08 * epoch, 4),
                     "eval/loss": round(1.2 / epoch, 4), "train/epoch": float(epoch),
                     "train/global_step": step})
        entry["steps"] = step
    elif do_eval:
        time.sleep(pace * 20)
        log({"eval/accuracy": 0.905, "eval/loss": 0.31, "eval/runtime": round(pace * 20, 3),
             "train/global_step": 0})
    entry["parts"][-1]["ended"] = time.time()
    if kill == "mid-run":
        save()
        time.sleep(0.5)  # the service has the rows; its last, unfinished block dies with it
        os.kill(os.getpid(), signal.SIGKILL)
    if do_train and stop_at is None:
        run.summary.update({"train_runtime": round(time.time() - began, 3), "train_loss": 0.4})
    run.finish(exit_code=exit_code)

def ddp(key, name, *, config, epochs=SPEC["epochs"], pace=0.01, startup=0.2, max_steps=None,
        stop_at=None, exit_code=0, tags=None):
    # a plain PyTorch DDP script: the 0-based epoch index with every batch, the validation
    # accuracy once per epoch with the count of epochs done
    began = time.time()
    run = wandb.init(project="vit-scaling", name=name, config=config, tags=tags)
    entry = logged.setdefault(key, {"id": run.id, "name": name, "rows": [], "parts": []})
    entry["parts"].append({"began": began})
    time.sleep(startup)
    def log(row):
        run.log(row)
        entry["rows"].append(row)
    step, stop = 0, None if stop_at is None else int(round(stop_at * SPE))
    for epoch in range(epochs):
        for batch in range(SPE):
            time.sleep(pace)
            step += 1
            log({"epoch": epoch, "batch": batch, "train_loss": round(2.3 * 0.995 ** step, 4)})
            if step in (max_steps, stop):
                break
        if step in (max_steps, stop):
            break
        time.sleep(pace * 5)
        log({"epoch": epoch + 1, "val_accuracy": round(60 + 8 * (epoch + 1), 2)})
    entry["steps"] = step
    entry["parts"][-1]["ended"] = time.time()
    run.finish(exit_code=exit_code)

for job in SPEC["runs"]:
    kind = job.pop("writer", "hf")
    if kind == "ddp":
        ddp(**job)
        continue
    if kind == "preprocess":
        began = time.time()
        run = wandb.init(project="vit-scaling", name=job["name"], job_type="preprocess",
                         config={"dataset": "imagenet-subset", "shards": 5, "num_workers": 16})
        entry = logged.setdefault(job["key"], {"id": run.id, "name": job["name"], "rows": []})
        for shard in range(5):
            time.sleep(0.05)
            row = {"shard": shard, "images_written": 10000 * (shard + 1)}
            run.log(row)
            entry["rows"].append(row)
        run.finish()
        continue
    hf(**job)
save()
"""


def _pace(gpus: int) -> float:
    """Seconds per step: the study scales, not perfectly (a quarter of a step does not scale)."""
    return 0.012 * (0.25 + 0.75 / gpus)


def _job(job_id: int, gpus: int, host: str) -> dict[str, str]:
    """A Slurm job of ``gpus`` GPUs, one task per GPU, 8 GPUs a node, submitted from the login
    node."""
    nodes = max(1, gpus // 8)
    last = int(host[3:]) + nodes - 1
    return {
        "SLURM_JOB_ID": str(job_id),
        "SLURM_CLUSTER_NAME": "lumi",
        "SLURM_JOB_PARTITION": "standard-g" if gpus >= 8 else "small-g",
        "SLURM_NNODES": str(nodes),
        "SLURM_JOB_NUM_NODES": str(nodes),
        "SLURM_NTASKS": str(gpus),
        "SLURM_NTASKS_PER_NODE": str(gpus // nodes),
        "SLURM_GPUS_ON_NODE": str(gpus // nodes),
        "SLURM_PROCID": "0",
        "SLURM_SUBMIT_HOST": SUBMIT_HOST,
        "SLURM_JOB_NODELIST": host if nodes == 1 else f"nid[{host[3:]}-{last:06d}]",
        "WANDB_HOST": host,
    }


# the team's plain PyTorch DDP script (torch.distributed with NCCL on the cluster)
DDP_CONFIG = {"epochs": PLANNED_EPOCHS, "batch_size": 256, "lr": 1e-3, "backend": "nccl",
              "model": "vit_tiny", "script_version": "v2"}  # fmt: skip

GPU_NODE = {"x_stats_gpu_count": 8, "x_stats_gpu_type": "AMD Instinct MI250X"}


def _study(key: str, name: str, gpus: int, **more: Any) -> dict[str, Any]:
    return {"key": key, "name": name, "gpus": gpus, "pace": _pace(gpus), "settings": GPU_NODE,
            **more}  # fmt: skip


# One process per Slurm job (and per machine outside Slurm); each is (name, env, runs, expected
# exit statuses, own session: killed with its service).
def _processes() -> list[list[tuple[str, dict[str, str], list[dict[str, Any]], set[int], bool]]]:
    study = [
        ("1gpu", _job(9100001, 1, "nid005001"), [_study("1gpu", "vit-1gpu", 1)], {0}, False),
        ("4gpu-a", _job(9100002, 4, "nid005002"), [_study("4gpu-a", "vit-4gpu", 4)], {0}, False),
        ("4gpu-b", _job(9100003, 4, "nid005003"), [_study("4gpu-b", "vit-4gpu", 4)], {0}, False),
        ("8gpu-a", _job(9100004, 8, "nid005004"), [_study("8gpu-a", "vit-8gpu", 8)], {0}, False),
        ("8gpu-b", _job(9100005, 8, "nid005005"), [_study("8gpu-b", "vit-8gpu", 8)], {0}, False),
        ("16gpu", _job(9100006, 16, "nid005006"), [_study("16gpu", "vit-16gpu", 16)], {0}, False),
        ("32gpu", _job(9100008, 32, "nid005010"), [_study("32gpu", "vit-32gpu", 32)], {0}, False),
    ]
    killed = [
        # killed at 1.5 epochs: the last, unfinished block of its file is lost
        (
            "16gpu-killed",
            _job(9100007, 16, "nid005008"),
            [_study("16gpu-killed", "vit-16gpu", 16, stop_at=1.5, kill="mid-run")],
            {-signal.SIGKILL},
            False,
        ),
        # a requeued job: killed at 2.5 epochs (tail lost), then resumed from its epoch-2
        # checkpoint under the same id; a faster node than the other 4-GPU runs
        (
            "4gpu-resumed-1",
            _job(9100009, 4, "nid005014"),
            [
                _study(
                    "4gpu-resumed",
                    "vit-4gpu",
                    4,
                    stop_at=2.5,
                    kill="mid-run",
                    run_id="vit4gpurequeued",
                    resume="allow",
                    pace=_pace(4) * 0.5,
                )
            ],  # fmt: skip
            {-signal.SIGKILL},
            False,
        ),
        *(
            (
                f"32gpu-empty-{n}",
                _job(9100010 + n, 32, f"nid00502{n}"),
                [_study(f"32gpu-empty-{n}", "vit-32gpu", 32, kill="at-init")],
                {-signal.SIGKILL},
                True,
            )
            for n in (1, 2)
        ),
    ]
    around = [
        (
            "debug",
            _job(9100020, 8, "nid005030"),
            [
                _study("debug-maxsteps", "vit-8gpu-try", 8, max_steps=6),
                _study("debug-jobtype", "vit-8gpu-check", 8, max_steps=8, job_type="debug"),
                _study("debug-tagged", "vit-8gpu", 8, max_steps=5, tags=["debug"]),
                # half the epochs its script names: over the quarter, still a try-out
                _study("debug-half", "vit-8gpu-half", 8, max_steps=2 * STEPS_PER_EPOCH),
            ],
            {0},
            False,
        ),
        (
            "eval",
            _job(9100021, 1, "nid005031"),
            [
                _study("eval-best", "vit-eval-best-ckpt", 1, do_train=False),
                _study("eval-final", "vit-eval", 1, do_train=False, job_type="eval"),
            ],
            {0},
            False,
        ),
        (
            "sweep",
            # a sweep agent sets the project (wandb.init ignores project= in a sweep)
            {
                **_job(9100022, 2, "nid005032"),
                "WANDB_SWEEP_ID": SWEEP_ID,
                "WANDB_PROJECT": "vit-scaling",
            },  # fmt: skip
            [
                _study(
                    f"sweep-{n}",
                    f"vit-sweep-{n}",
                    2,
                    lr=lr,
                    batch=batch,
                    pace=_pace(2) * batch / 64,
                )
                for n, (lr, batch) in enumerate(((1e-4, 64), (3e-5, 48), (5e-5, 64)))
            ],  # fmt: skip
            {0},
            False,
        ),
        (
            "login",
            {"WANDB_HOST": SUBMIT_HOST},
            [
                {"key": "preprocess", "name": "prepare-imagenet-subset", "writer": "preprocess"},
                {"key": "smoke", "name": "vit-smoke", "max_steps": 5, "pace": 0.02},
                # the DDP script's smoke test: its world size of 1 is one process on a machine
                # where wandb saw no GPU, its backend names GPUs; it stops half-way through an
                # epoch, whose steps the second one's config names (a OneCycleLR schedule's)
                *(
                    {
                        "key": f"smoke-ddp{suffix}",
                        "name": f"vit-ddp-smoke{suffix}",
                        "writer": "ddp",
                        "config": {**DDP_CONFIG, "world_size": 1, **more},
                        "max_steps": STEPS_PER_EPOCH // 2,
                        "pace": 0.002,
                    }
                    for suffix, more in (("", {}), ("-2", {"steps_per_epoch": STEPS_PER_EPOCH}))
                ),
            ],
            {0},
            False,
        ),
        (
            "laptop",
            {"WANDB_HOST": "mbp-anna.local"},
            [
                {
                    "key": "laptop-full",
                    "name": "vit-laptop",
                    "cpu": True,
                    "pace": 0.02,
                    "startup": 0.4,
                    "tags": ["laptop"],
                },
                {
                    "key": "laptop-stopped",
                    "name": "vit-laptop-2",
                    "cpu": True,
                    "pace": 0.03,
                    "startup": 1.5,
                    "stop_at": 1.3,
                    "exit_code": 1,
                    "tags": ["laptop"],
                },
                # the DDP script on the laptop, given up after 1.3 epochs: its epoch index is
                # 0 in its first epoch's rows, and 1 first at that epoch's end
                {
                    "key": "laptop-ddp-stopped",
                    "name": "vit-laptop-ddp",
                    "writer": "ddp",
                    "config": {**DDP_CONFIG, "backend": "gloo", "device": "cpu"},
                    "pace": 0.02,
                    "startup": 1.5,
                    "stop_at": 1.3,
                    "exit_code": 1,
                    "tags": ["laptop"],
                },
            ],  # fmt: skip
            {0},
            False,
        ),
    ]
    resumed = [
        (
            "4gpu-resumed-2",
            _job(9100012, 4, "nid005015"),
            [
                _study(
                    "4gpu-resumed",
                    "vit-4gpu",
                    4,
                    run_id="vit4gpurequeued",
                    resume="allow",
                    first_step=2 * STEPS_PER_EPOCH,
                    pace=_pace(4) * 0.5,
                )
            ],  # fmt: skip
            {0},
            False,
        )
    ]
    every = study + killed + around
    return [every[i : i + 4] for i in range(0, len(every), 4)] + [resumed]


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
    for wave in _processes():
        jobs = []
        for name, extra, runs, codes, own_session in wave:
            out = root / f".{name}.json"
            spec = {"out": str(out), "runs": runs, "spe": STEPS_PER_EPOCH,
                    "epochs": PLANNED_EPOCHS}  # fmt: skip
            process = subprocess.Popen(
                [sys.executable, "-c", WRITER],
                env={**env, **extra, "CORPUS_SPEC": json.dumps(spec)},
                stdout=subprocess.PIPE,
                stderr=subprocess.PIPE,
                text=True,
                start_new_session=own_session,
            )
            jobs.append((process, out, codes, name))
        for process, out, codes, name in jobs:
            _, stderr = process.communicate(timeout=600)
            assert process.returncode in codes, f"{name}: {process.returncode}: {stderr[-3000:]}"
            for key, entry in json.loads(out.read_text()).items():
                if key in logged:  # the later part of a resumed run
                    logged[key]["rows"] += entry["rows"]
                    logged[key]["parts"] += entry["parts"]
                else:
                    logged[key] = entry
    (root / "manifest.json").write_text(json.dumps(logged))


def untidy_project(into: Path) -> tuple[Path, dict[str, Any]]:
    """The project's wandb/ folder under ``into`` (written once per version of this module and
    wandb: tests/corpus_cache.py), and what each run logged, by key."""
    sdk_corpus("untidy", [Path(__file__)], _write, into)
    return into / "wandb", json.loads((into / "manifest.json").read_text())
