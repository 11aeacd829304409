"""Real MLflow runs: scripts the mlflow client runs in child processes on a fixed clock
(tests/fixed_clock.py: the client stamps start and end times and every metric with
``time.time()``), written once per script and mlflow version (tests/corpus_cache.py), to

- a folder store (``mlruns/``, as the LUMI AI Guide's chapter 8 and many guides still write it:
  MLflow 3 allows it with ``MLFLOW_ALLOW_FILE_STORE=true``),
- a SQLite store (``mlflow.db``, MLflow 3's default),
- a real ``mlflow server`` (tests start it on 127.0.0.1, a free port, and stop it: the runs are
  logged through it once, its database cached; each session serves that database again), and
- W&B (offline, the real SDK) and MLflow from one training loop (``BOTH``), the same study in
  two trackers.

How each run logs is how a user's training loop does (LUMI AI Guide ch. 8 style):
``mlflow.set_tracking_uri``, ``mlflow.set_experiment``, ``mlflow.start_run(run_name=...)``,
``mlflow.log_params``, ``mlflow.set_tags`` (Slurm's variables, the host), ``mlflow.log_metric(key,
value, step=...)`` each step and epoch. GPU power is logged under the names and steps
mlflow's system metrics monitor uses (``system/gpu_0_power_usage_watts`` ..., one step per
sample: mlflow/system_metrics/system_metrics_monitor.py): this machine has no GPU, and the
monitor's GPU part needs NVML or ROCm SMI to find one. The laptop run turns the real monitor on
(``mlflow.enable_system_metrics_logging()``), which logs its CPU and memory here.
"""

from __future__ import annotations

import json
import os
import signal
import socket
import subprocess
import sys
import time
import urllib.request
from collections.abc import Iterator
from importlib.metadata import version
from pathlib import Path

import pytest

from tests.corpus_cache import sdk_corpus
from tests.fixed_clock import CLOCK, START

# the study every store holds; run names as a user names them
LOOP = r"""
import json, os, sys, time
import mlflow

def gpu_power(step, gpus, watts):
    # as the system metrics monitor logs a sample: every metric at the sample's step
    mlflow.log_metrics({f"system/gpu_{i}_power_usage_watts": watts for i in range(gpus)}
                       | {f"system/gpu_{i}_utilization_percentage": 90.0 for i in range(gpus)},
                       step=step)

def training(name, params, epochs_run, steps_per_epoch, step_s, tags=None, power=None,
             end=True, fail=False, status=None):
    clock.at(0.0)
    run = mlflow.start_run(run_name=name)
    mlflow.log_params(params)
    if tags:
        mlflow.set_tags(tags)
    rows, step, sample = [], 0, 0
    try:
        for epoch in range(epochs_run):
            for _ in range(steps_per_epoch):
                clock.tick(step_s)
                loss = 2.0 * 0.9 ** step
                mlflow.log_metric("train_loss", loss, step=step)
                mlflow.log_metric("epoch", epoch, step=step)
                rows.append({"step": step, "epoch": epoch, "train_loss": loss,
                             "runtime": clock() - START})
                if power:
                    gpu_power(sample, params.get("gpus_per_node", 1), power)
                    sample += 1
                step += 1
            mlflow.log_metric("val_acc", 0.5 + 0.1 * epoch, step=step - 1)
            if fail and epoch == 0:
                raise RuntimeError("out of memory")
    except RuntimeError:
        mlflow.end_run(status="FAILED")  # as `with mlflow.start_run()` ends a run that raised
        end = False
    if end:
        mlflow.end_run(status=status or "FINISHED")
    logged[name] = {"id": run.info.run_id, "rows": rows, "end": clock() - START}

logged = {}
mlflow.set_tracking_uri(sys.argv[1])
mlflow.set_experiment("scaling")
slurm = lambda job, nodes: {"SLURM_JOB_ID": str(job), "SLURM_NNODES": str(nodes),
                            "host": "nid005123"}
for gpus, step_s in ((1, 40.0), (2, 21.0), (4, 11.0)):
    training(f"{gpus} GPU", {"lr": 0.001, "epochs": 3, "nodes": 1, "gpus_per_node": gpus,
             "optimizer/name": "adam", "use_amp": True, "scheduler": None},
             3, 10, step_s, tags=slurm(1000 + gpus, 1), power=300.0)
# the GPU count is nowhere: unknown
training("no GPU count", {"lr": 0.001, "epochs": 3}, 3, 10, 11.0, tags=slurm(1100, 1))
training("out of memory", {"lr": 0.001, "epochs": 3, "nodes": 1, "gpus_per_node": 8}, 3, 10,
         6.0, tags=slurm(1200, 1), fail=True)
training("cancelled", {"lr": 0.001, "epochs": 3, "nodes": 1, "gpus_per_node": 8}, 1, 10, 6.0,
         tags=slurm(1300, 1), status="KILLED")
# Hugging Face's Trainer with its MLflowCallback (transformers/integrations/
# integration_utils.py): TrainingArguments as params (str() of each), every log at
# state.global_step ("loss", "learning_rate", "epoch" in fractions), an evaluation each epoch,
# the train summary at the end; planned in max_steps (25 of 10 a epoch), which overrides
# num_train_epochs
mlflow.set_experiment("hugging face")
clock.at(0.0)
with mlflow.start_run(run_name="hf max_steps") as run:
    # do_train False, do_eval True: what transformers 5.25's Trainer.train() logged with
    # report_to="mlflow" in a real run (the Trainer never reads do_train)
    mlflow.log_params({"output_dir": "out", "num_train_epochs": 3.0, "max_steps": 25,
                       "per_device_train_batch_size": 8, "logging_steps": 5, "use_cpu": False,
                       "eval_strategy": "epoch", "world_size": 4, "do_train": False,
                       "do_eval": True})
    rows = []
    for step in range(1, 26):
        clock.tick(2.0)
        if step % 5 == 0:
            mlflow.log_metrics({"loss": 1.0 / step, "learning_rate": 5e-5, "epoch": step / 10},
                               step=step)
            rows.append({"step": step, "epoch": step / 10, "runtime": clock() - START})
        if step % 10 == 0 or step == 25:
            mlflow.log_metrics({"eval_loss": 0.5, "eval_accuracy": 0.8, "epoch": step / 10},
                               step=step)
    # the train summary: train_loss, the average over every step, logged once
    mlflow.log_metrics({"train_runtime": 50.0, "train_loss": 0.09, "epoch": 2.5}, step=25)
logged["hf max_steps"] = {"id": run.info.run_id, "rows": rows, "end": clock() - START}
# mlflow.pytorch.autolog() around a Lightning Trainer (lightning 2.6.6, mlflow 3.18) that
# crashed in its 3rd of 5 epochs, as a real run of it logged:
# params epochs (max_epochs) and the optimizer's, its tags, each epoch's metrics at its end at
# step = the epoch's index, and no epoch key; autolog ends the run FAILED
mlflow.set_experiment("autolog")
clock.at(0.0)
run = mlflow.start_run(run_name="autolog crash")
mlflow.set_tags({"mlflow.autologging": "pytorch", "Mode": "training"})
mlflow.log_params({"epochs": 5, "optimizer_name": "SGD", "lr": 0.1, "momentum": 0,
                   "nesterov": False, "foreach": None})
rows = []
for epoch in range(2):
    clock.tick(5.0)
    loss = 1.3 - 0.3 * epoch
    mlflow.log_metrics({"train_loss": loss, "train_loss_epoch": loss,
                        "train_loss_step": loss - 0.1, "val_acc": 0.58 + 0.15 * epoch},
                       step=epoch)
    # its epochs done at the row: what the history's train/epoch says
    rows.append({"step": epoch, "epoch": epoch + 1.0, "train_loss": loss,
                 "runtime": clock() - START})
clock.tick(2.0)
mlflow.end_run(status="FAILED")
logged["autolog crash"] = {"id": run.info.run_id, "rows": rows, "end": clock() - START}
# a loop that logs with no step= (MLflow's step 0 for every value): one row per time logged
mlflow.set_experiment("no step")
clock.at(0.0)
with mlflow.start_run(run_name="no step") as run:
    mlflow.log_params({"epochs": 2, "cores": 4, "device": "cpu"})
    rows = []
    for step in range(6):
        clock.tick(60.0)
        mlflow.log_metric("train_loss", 1.0 / (step + 1))
        mlflow.log_metric("epoch", step // 3)
        rows.append({"step": step, "epoch": step // 3, "train_loss": 1.0 / (step + 1),
                     "runtime": clock() - START})
logged["no step"] = {"id": run.info.run_id, "rows": rows, "end": clock() - START}
mlflow.set_experiment("scaling")
# queued by a workflow tool, never started (MLflow's SCHEDULED)
client = mlflow.MlflowClient()
queued = client.create_run(mlflow.get_experiment_by_name("scaling").experiment_id,
                           run_name="queued")
client.update_run(queued.info.run_id, status="SCHEDULED")
logged["queued"] = {"id": queued.info.run_id, "rows": [], "end": 0.0}
mlflow.set_experiment("laptop")
mlflow.set_system_metrics_sampling_interval(1)
mlflow.set_system_metrics_samples_before_logging(1)
mlflow.enable_system_metrics_logging()
training("laptop", {"lr": 0.001, "epochs": 3, "device": "cpu", "cores": 8}, 1, 10, 300.0,
         end=False)
# the real monitor's first sample (it samples on the real clock, each second): then the run
# is ended as a killed process leaves it (RUNNING), with no end time
deadline = time.monotonic() + 120
client = mlflow.MlflowClient()
while time.monotonic() < deadline and not any(
        k.startswith("system/") for k in client.get_run(logged["laptop"]["id"]).data.metrics):
    time.sleep(0.5)
json.dump(logged, open(sys.argv[2], "w"))
sys.stdout.flush()
os._exit(0)  # no atexit: mlflow's end_run never runs, the laptop run stays RUNNING
"""
WRITER = CLOCK + f"START = {START!r}\n" + LOOP
SERVER_ENV = {
    # the server's job runner (huey workers for its GenAI jobs) is not needed to log or read
    # runs, and would start eight processes
    "MLFLOW_SERVER_ENABLE_JOB_EXECUTION": "false",
}


def _log(uri: str, logged: Path, cwd: Path) -> None:
    env = {**os.environ, "MLFLOW_ALLOW_FILE_STORE": "true"}
    result = subprocess.run(
        [sys.executable, "-c", WRITER, uri, str(logged)],
        capture_output=True,
        text=True,
        env=env,
        cwd=cwd,
    )
    assert result.returncode == 0, result.stderr[-3000:]


def writer_sources() -> list[Path]:
    return [Path(__file__), Path(__file__).with_name("fixed_clock.py")]


def corpus_name(name: str) -> str:
    return f"{name}-mlflow{version('mlflow-skinny')}"


def write_folder_store(root: Path) -> None:
    _log((root / "mlruns").as_uri(), root / "logged.json", root)


def write_sqlite_store(root: Path) -> None:
    _log(f"sqlite:///{root / 'mlflow.db'}", root / "logged.json", root)


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


class Server:
    """A real ``mlflow server`` on 127.0.0.1 serving ``database``, until stopped."""

    def __init__(self, database: Path, artifacts: Path) -> None:
        self.port = free_port()
        self.uri = f"http://127.0.0.1:{self.port}"
        self.log = database.with_suffix(".log")
        with self.log.open("w") as out:
            self.process = subprocess.Popen(
                [sys.executable, "-m", "mlflow", "server", "--host", "127.0.0.1",
                 "--port", str(self.port), "--workers", "1",
                 "--backend-store-uri", f"sqlite:///{database}",
                 "--default-artifact-root", artifacts.as_uri()],
                stdout=out,
                stderr=subprocess.STDOUT,
                env={**os.environ, **SERVER_ENV},
                start_new_session=True,  # stopped with the workers it starts
            )  # fmt: skip

    def wait(self) -> str:
        """Its URI once it answers (it takes seconds to start, a minute on a busy machine)."""
        deadline = time.monotonic() + 300
        while time.monotonic() < deadline:
            if self.process.poll() is not None:
                raise AssertionError(f"mlflow server exited: {self.log.read_text()[-3000:]}")
            try:
                with urllib.request.urlopen(f"{self.uri}/health", timeout=5) as answer:
                    if answer.status == 200:
                        return self.uri
            except OSError:
                time.sleep(0.5)
        raise AssertionError(f"mlflow server did not answer: {self.log.read_text()[-3000:]}")

    def stop(self) -> None:
        if self.process.poll() is None:
            os.killpg(self.process.pid, signal.SIGTERM)
            try:
                self.process.wait(timeout=30)
            except subprocess.TimeoutExpired:
                os.killpg(self.process.pid, signal.SIGKILL)
                self.process.wait()


def write_through_server(root: Path) -> None:
    """The runs logged through a real server into its database, ``root/server.db``."""
    server = Server(root / "server.db", root / "artifacts")
    try:
        _log(server.wait(), root / "logged.json", root)
    finally:
        server.stop()


@pytest.fixture(scope="session")
def mlflow_folder(tmp_path_factory) -> tuple[Path, dict]:
    root = sdk_corpus(
        corpus_name("mlflow-folder"), writer_sources(), write_folder_store,
        tmp_path_factory.mktemp("mlflow_folder"),
    )  # fmt: skip
    return root / "mlruns", json.loads((root / "logged.json").read_text())


@pytest.fixture(scope="session")
def mlflow_sqlite(tmp_path_factory) -> tuple[str, dict]:
    root = sdk_corpus(
        corpus_name("mlflow-sqlite"), writer_sources(), write_sqlite_store,
        tmp_path_factory.mktemp("mlflow_sqlite"),
    )  # fmt: skip
    return f"sqlite:///{root / 'mlflow.db'}", json.loads((root / "logged.json").read_text())


@pytest.fixture(scope="session")
def mlflow_server_started(tmp_path_factory) -> Iterator[tuple[Server, dict]]:
    """A real server on 127.0.0.1 starting to serve runs logged through a real server (cached),
    stopped at the session's end: started before the first test (tests/conftest.py), it takes
    seconds to a minute to answer."""
    root = sdk_corpus(
        corpus_name("mlflow-server"), writer_sources(), write_through_server,
        tmp_path_factory.mktemp("mlflow_server"),
    )  # fmt: skip
    server = Server(root / "server.db", root / "artifacts")
    try:
        yield server, json.loads((root / "logged.json").read_text())
    finally:
        server.stop()


@pytest.fixture(scope="session")
def mlflow_server(mlflow_server_started) -> tuple[str, dict]:
    """The server's URI once it answers, and what was logged through it."""
    server, logged = mlflow_server_started
    return server.wait(), logged


# one training loop logging to W&B (offline) and MLflow at once: each run's params as both
# trackers' config, each step's values to both at the same step (the user's loop of the LUMI AI
# Guide, with both loggers on)
BOTH = (
    CLOCK
    + r"""
import json, sys, wandb, mlflow
mlflow.set_tracking_uri(sys.argv[1])
mlflow.set_experiment("scaling")
logged = {}

def training(name, params, epochs_run, steps_per_epoch, step_s, accuracy_top):
    clock.at(0.0)
    run = wandb.init(project="scaling", name=name, mode="offline", config=params)
    mlflow.start_run(run_name=name)
    mlflow.log_params(params)
    step = 0
    for epoch in range(epochs_run):
        for batch in range(steps_per_epoch):
            clock.tick(step_s)
            row = {"epoch": epoch, "train_loss": 2.0 * 0.9 ** step,
                   "running_accuracy": accuracy_top * (step + 1) / (3 * steps_per_epoch)}
            run.log(row, step=step)
            mlflow.log_metrics(row, step=step)
            step += 1
    run.finish()
    mlflow.end_run()
    logged[name] = {"wandb": run.id, "mlflow": mlflow.last_active_run().info.run_id}

for gpus, step_s in ((1, 40.0), (2, 21.0), (4, 11.0), (8, 6.0)):
    training(f"{gpus} GPU 1 Node Run",
             {"epochs": 3, "total_gpus": gpus, "nodes": 1, "lr": 0.001, "cluster": "LUMI"},
             3, 10, step_s, 90.0 + gpus / 10)
# the laptop: one epoch of three, its pace gives the full job's estimate
training("Laptop", {"epochs": 3, "device": "cpu", "cores": 8, "lr": 0.001, "steps_per_epoch": 10},
         1, 10, 300.0, 80.0)
json.dump(logged, open(sys.argv[2], "w"))
"""
)


def write_both(root: Path) -> None:
    env = {
        **os.environ,
        "MLFLOW_ALLOW_FILE_STORE": "true",
        "WANDB_MODE": "offline",
        "WANDB_SILENT": "true",
        "WANDB_DIR": str(root),
        "WANDB_DISABLE_GIT": "true",
    }
    env.pop("WANDB_API_KEY", None)
    result = subprocess.run(
        [sys.executable, "-c", BOTH, (root / "mlruns").as_uri(), str(root / "logged.json")],
        capture_output=True,
        text=True,
        env=env,
        cwd=root,
    )
    assert result.returncode == 0, result.stderr[-3000:]


@pytest.fixture(scope="session")
def both_trackers(tmp_path_factory) -> tuple[Path, dict]:
    """``root`` with ``wandb/`` and ``mlruns/`` of the same training, what was logged."""
    root = sdk_corpus(
        corpus_name("wandb-and-mlflow"), writer_sources(), write_both,
        tmp_path_factory.mktemp("both_trackers"),
    )  # fmt: skip
    return root, json.loads((root / "logged.json").read_text())
