"""Runs from MLflow: a folder store (``mlruns/``), a ``sqlite:///`` database (MLflow 3's
default store) or an ``http(s)://`` tracking server, read through MLflow's own client
(``MlflowClient``: search_experiments, search_runs, get_metric_history).

What a run is: its params as its config (MLflow keeps every param as text: read back as the
number or flag it was; Lightning's MLFlowLogger flattens nested hyperparameters with ``/``,
dotted here as W&B's and TensorBoard's nested keys are), its metrics against their steps with
each value's timestamp (the history: ``_runtime`` is a row's latest timestamp less the run's
start time), its last metric values and its own tags as its summary, MLflow's tags of the
machine (``mlflow.source.*``, ``mlflow.user``, a Slurm or host tag the user set) as what is
known of the machine, and its status (FINISHED, FAILED, KILLED, RUNNING) as its state, said as
such. Its time is ``end_time - start_time``; a run still RUNNING (or killed before it ended the
run: MLflow cannot tell the two apart) has no end time: its time is its last logged value's.

The system metrics monitor (``mlflow.enable_system_metrics_logging()``) logs
``system/gpu_0_power_usage_watts``, ``system/cpu_utilization_percentage``, ... (with
``system/<node>/...`` where a node id is set) as metrics: they are the run's system metrics, the
power of each GPU named as wandb names it (``SYSTEM_NAMES``), so that energy is integrated
from it as from a W&B run's (study/cost.py). The other place the two trackers' names meet is a
Hugging Face Trainer's epoch and global step (``HF_ARGS``), which its W&B callback names
``train/epoch`` and ``train/global_step`` and the evidence rules read; a Lightning run of
``mlflow.pytorch.autolog()``, which logs no epoch (its steps are the epochs), gets its epochs
done as ``train/epoch`` too (``AUTOLOG_EPOCHS``).

A SQLite store is read through a copy: MLflow's client upgrades an older MLflow's database in
place as it opens it.
"""

from __future__ import annotations

import argparse
import logging
import os
import re
import sqlite3
import tempfile
from collections.abc import Iterator
from contextlib import closing, contextmanager
from dataclasses import dataclass, replace
from datetime import UTC, datetime
from pathlib import Path
from typing import Any
from urllib.parse import unquote, urlparse

import numpy as np
import pandas as pd

from ..classify import Corrections
from ..commandline import Commands, ingest_into_store, source_command
from ..errors import InputError
from ..kinds import activity_of, decide_kinds
from ..model import Evidence
from ..runs import IngestResult, RunFacts, flatten, make_run

TRACKER = "MLflow"
# MLflow's RunStatus -> the run's state, as W&B's states are named (SCHEDULED, a run not
# started yet, is none of them: unknown, said as such)
STATES = {
    "FINISHED": "finished",
    "FAILED": "failed",
    "KILLED": "killed",
    "RUNNING": "running",
}
STATE_SAID = {
    "RUNNING": "RUNNING: still running, or its process was killed before it ended the run "
    "(MLflow cannot tell the two apart)",
    "SCHEDULED": "SCHEDULED: not started yet",
}
SYSTEM_PREFIX = "system/"
# the system metrics monitor's names (mlflow/system_metrics/metrics/gpu_monitor.py,
# rocm_monitor.py) of what wandb's monitor also records, as wandb names it (study/cost.py reads
# those); every other system metric keeps MLflow's name, without "system/"
SYSTEM_NAMES = {
    re.compile(r"gpu_(?P<device>\d+)_power_usage_watts"): "gpu.{device}.powerWatts",
}
# MLflow's own tags that say where the run ran, as wandb's metadata names them
MACHINE_TAGS = {
    "mlflow.user": "user",
    "mlflow.source.name": "program",
    "mlflow.source.type": "source_type",
    "mlflow.source.git.commit": "git.commit",
    "mlflow.source.git.repoURL": "git.remote",
}
HOST_TAGS = ("host", "hostname", "slurmd_nodename")
# Hugging Face's MLflowCallback logs TrainingArguments as params (these among them) and each
# log at state.global_step, its "epoch" the epochs done in fractions; its WandbCallback names
# the same "train/epoch" and "train/global_step", which the evidence rules read
HF_ARGS = ("num_train_epochs", "max_steps", "per_device_train_batch_size")
# mlflow.pytorch.autolog() around a Lightning Trainer (mlflow/pytorch/_lightning_autolog.py)
# logs ``epochs`` (the Trainer's max_epochs) and every metric once per epoch, at its end, at
# step = the epoch's 0-based index, and no epoch key: a row's step + 1 is the epochs done, kept
# as a counter of epochs done is named (``train/epoch``, as Hugging Face's W&B callback logs it)
AUTOLOG_EPOCHS = "train/epoch"
AUTOLOG_TAG = ("mlflow.autologging", "pytorch")
AUTOLOG_PARAM = "epochs"
NOTE_TAG = "mlflow.note.content"  # the run's description in the UI
PAGE = 1000  # runs asked for at once (search_runs' largest page is 50,000)


@dataclass
class Source:
    """Where the runs are: the tracking URI the client is given, and what the user named."""

    uri: str
    given: str
    folder: bool = False  # a folder store (mlruns/), which MLflow 3 reads only when allowed
    database: Path | None = None  # a SQLite store's file, read through a copy (read_runs)


def source_of(given: str) -> Source:
    """The tracking URI of what the user named, checked before MLflow's client opens it (the
    client would create a missing folder store or database, and MLflow's tables in any SQLite
    file it is given)."""
    if re.match(r"https?://", given):
        return Source(given, given)
    if given.startswith("sqlite:"):
        # sqlite:///relative.db, sqlite:////absolute.db (SQLAlchemy's form)
        path = Path(unquote(given.removeprefix("sqlite:///")))
        if not given.startswith("sqlite:///") or not given.removeprefix("sqlite:///"):
            raise InputError("a SQLite store's URI is sqlite:/// and its file's path", path=given)
        _check_database(path)
        return Source(given, given, database=path)
    if re.match(r"[a-z][a-z0-9+.-]+://", given) and not given.startswith("file://"):
        raise InputError(
            "not a store this command reads",
            path=given,
            hint="give an mlruns/ folder, a sqlite:///FILE.db or an http(s):// tracking server",
        )
    path = Path(unquote(urlparse(given).path)) if given.startswith("file://") else Path(given)
    if path.is_file() and path.suffix == ".db":  # mlflow.db, MLflow 3's default store
        _check_database(path)
        return Source(f"sqlite:///{path.resolve()}", given, database=path)
    _check_folder(path)
    return Source(path.resolve().as_uri(), given, folder=True)


def _check_database(path: Path) -> None:
    if not path.is_file():
        raise InputError("no such database file", path=path)
    try:
        with closing(sqlite3.connect(f"{path.resolve().as_uri()}?mode=ro", uri=True)) as db:
            tables = {row[0] for row in db.execute("SELECT name FROM sqlite_master")}
    except sqlite3.DatabaseError as error:
        raise InputError(f"not a SQLite database ({error})", path=path) from None
    if not {"experiments", "runs", "metrics"} <= tables:
        raise InputError("not an MLflow database (no experiments, runs and metrics)", path=path)


def _check_folder(path: Path) -> None:
    if not path.exists():
        raise InputError("no such directory", path=path)
    if not path.is_dir():
        raise InputError(
            "not an MLflow store: give its mlruns/ folder, a sqlite:/// database or an "
            "http(s):// tracking server",
            path=path,
        )
    if not any(child.is_dir() and (child / "meta.yaml").is_file() for child in path.iterdir()):
        hint = (
            f"its mlruns/ folder is {path / 'mlruns'}"
            if (path / "mlruns").is_dir()
            else "give the folder MLflow wrote (mlruns/, the tracking URI's path)"
        )
        raise InputError(
            "no MLflow experiment (a folder with meta.yaml) in it", path=path, hint=hint
        )


@contextmanager
def _client_settings(source: Source) -> Iterator[None]:
    """What the client needs for one read: a folder store allowed (MLflow 3 refuses one unless
    told), a server that does not answer given up on in seconds (MLflow retries for minutes),
    and MLflow's INFO lines kept off the command's output. Settings the user made stay."""
    wanted = {
        "MLFLOW_HTTP_REQUEST_MAX_RETRIES": "1",
        "MLFLOW_HTTP_REQUEST_BACKOFF_FACTOR": "1",
        "MLFLOW_HTTP_REQUEST_TIMEOUT": "60",
    }
    if source.folder:
        wanted["MLFLOW_ALLOW_FILE_STORE"] = "true"
    saved = {key: os.environ.get(key) for key in wanted}
    import mlflow  # noqa: F401 (its import sets its logger's level: set after it)

    logger = logging.getLogger("mlflow")
    level = logger.level
    for key, value in wanted.items():
        if key == "MLFLOW_ALLOW_FILE_STORE" or key not in os.environ:
            os.environ[key] = value
    logger.setLevel(logging.WARNING)
    try:
        yield
    finally:
        logger.setLevel(level)
        for key, before in saved.items():
            if before is None:
                os.environ.pop(key, None)
            else:
                os.environ[key] = before


def param_value(text: str) -> Any:
    """A param as the script gave it: MLflow stores ``str(value)``."""
    if text in ("True", "False"):
        return text == "True"
    if text == "None":
        return None
    for kind in (int, float):
        try:
            return kind(text)
        except ValueError:
            pass
    return text


def system_name(key: str) -> str:
    """A system metric's name in the run's system metrics: ``system/`` dropped, a node's
    metric as wandb labels it (``.../l:<node>``), the ones wandb also records named as wandb
    names them."""
    name = key.removeprefix(SYSTEM_PREFIX)
    node, _, metric = name.rpartition("/")
    for pattern, wandb_name in SYSTEM_NAMES.items():
        found = pattern.fullmatch(metric)
        if found:
            metric = wandb_name.format(**found.groupdict())
            break
    return f"{metric}/l:{node}" if node else metric


def history_of(
    points: list[tuple[str, int, int, float]], start_s: float | None, warnings: list[str], name: str
) -> pd.DataFrame:
    """One row per step from (key, step, timestamp ms, value): each key's last value at the
    step (by timestamp), ``_timestamp`` the step's latest timestamp, ``_runtime`` that less the
    run's start. A run that logged a key several times with no step (MLflow's step 0) has a row
    per time it logged instead, in time order, as wandb counts its steps."""
    if not points:
        return pd.DataFrame({"_step": np.array([], dtype=int), "_runtime": np.array([])})
    frame = pd.DataFrame(points, columns=["key", "_step", "_timestamp", "value"])
    frame["_timestamp"] = frame["_timestamp"] / 1000.0
    frame = frame.sort_values(["_timestamp", "_step"], kind="stable")
    if (frame["_step"] == 0).all() and frame.duplicated(["key", "_step"]).any():
        warnings.append(
            f"{name}: its metrics were logged with no step (all at step 0): its history's "
            "steps are the times it logged, in order"
        )
        frame["_step"] = frame["_timestamp"].rank(method="dense").astype(int) - 1
    values = frame.pivot_table(index="_step", columns="key", values="value", aggfunc="last")
    times = frame.groupby("_step")["_timestamp"].max()
    history = values.join(times).reset_index()
    history.columns.name = None
    history["_step"] = history["_step"].astype(int)
    history["_runtime"] = history["_timestamp"] - start_s if start_s is not None else np.nan
    return history


def system_of(points: list[tuple[str, int, int, float]], start_s: float | None) -> pd.DataFrame:
    """The system metrics monitor's samples, one row per sample (its own step count)."""
    if not points or start_s is None:
        return pd.DataFrame({"_runtime": np.array([], dtype=float)})
    frame = pd.DataFrame(points, columns=["key", "_step", "_timestamp", "value"])
    frame["key"] = frame["key"].map(system_name)
    frame["_timestamp"] = frame["_timestamp"] / 1000.0
    values = frame.pivot_table(index="_step", columns="key", values="value", aggfunc="last")
    times = frame.groupby("_step")["_timestamp"].max()
    system = values.join(times).sort_values("_timestamp", kind="stable").reset_index(drop=True)
    system.columns.name = None
    system.insert(0, "_runtime", system.pop("_timestamp") - start_s)
    return system


def _tags(tags: dict[str, str]) -> tuple[dict[str, Any], dict[str, Any]]:
    """The run's tags: what MLflow and the user recorded of the machine (metadata, as wandb's
    are named: ``slurm.job_id``, ``host``, ``user``...), and the user's other tags (summary)."""
    metadata: dict[str, Any] = {}
    own: dict[str, Any] = {}
    for key, value in tags.items():
        lowered = key.lower()
        if key in MACHINE_TAGS:
            metadata[MACHINE_TAGS[key]] = value
        elif key.startswith("mlflow."):
            continue
        elif lowered.startswith(("slurm_", "slurm.")):
            # SLURM_NNODES as a tag: wandb's record drops SLURM_ and lower-cases the rest
            metadata["slurm." + lowered[len("slurm_") :]] = param_value(value)
        elif lowered in HOST_TAGS:
            metadata["host"] = value
        else:
            own[key] = param_value(value)
    return metadata, own


def _hugging_face_counters(config: dict[str, Any], history: pd.DataFrame) -> dict[str, Any]:
    """A Hugging Face Trainer run's last epoch (in fractions) and the global step it was
    logged at, as its W&B callback names them: its steps per epoch, which a plan in
    ``max_steps`` is held against."""
    if not all(key in config for key in HF_ARGS) or "epoch" not in history:
        return {}
    logged = history.dropna(subset=["epoch"])
    if not len(logged):
        return {}
    return {
        "train/epoch": float(logged["epoch"].iloc[-1]),
        "train/global_step": int(logged["_step"].iloc[-1]),
    }


def _autolog_epochs(history: pd.DataFrame, tags: dict[str, str], params: dict[str, str]) -> None:
    """A Lightning run logged by ``mlflow.pytorch.autolog()`` gets the epochs done at each of
    its rows (``AUTOLOG_EPOCHS``): its steps are the epochs' indexes, each logged at the
    epoch's end, so a run that crashed did as many epochs as it has rows. Not where its steps
    are not one per epoch (``log_every_n_step``, ``log_every_n_epoch`` above 1) or it logged an
    epoch of its own."""
    key, value = AUTOLOG_TAG
    if tags.get(key) != value or AUTOLOG_PARAM not in params:
        return
    if {"epoch", AUTOLOG_EPOCHS} & set(history.columns):
        return
    steps = history["_step"].to_numpy()
    if len(steps) and (steps == np.arange(len(steps))).all():
        history[AUTOLOG_EPOCHS] = (steps + 1).astype(float)


def _history_points(client: Any, run_id: str, keys: list[str]) -> list[tuple[str, int, int, float]]:
    points = []
    for key in keys:
        for metric in client.get_metric_history(run_id, key):
            points.append((key, int(metric.step), int(metric.timestamp), float(metric.value)))
    return points


def run_facts(client: Any, run: Any, experiment: str, warnings: list[str]) -> RunFacts:
    """One MLflow run's raw run record."""
    info, data = run.info, run.data
    tags = dict(data.tags)
    name = tags.get("mlflow.runName") or info.run_name or info.run_id
    keys = sorted(data.metrics)
    logged = [k for k in keys if not k.startswith(SYSTEM_PREFIX)]
    system_keys = [k for k in keys if k.startswith(SYSTEM_PREFIX)]
    start_s = info.start_time / 1000.0 if info.start_time else None
    history = history_of(_history_points(client, info.run_id, logged), start_s, warnings, name)
    _autolog_epochs(history, tags, dict(data.params))
    system = system_of(_history_points(client, info.run_id, system_keys), start_s)
    metadata, own = _tags(tags)
    metadata["experiment"] = experiment
    config = flatten({key.replace("/", "."): param_value(v) for key, v in data.params.items()})
    summary: dict[str, Any] = {**own}
    if NOTE_TAG in tags:
        summary["notes"] = tags[NOTE_TAG]
    summary.update({k: float(v) for k, v in data.metrics.items() if k in logged})
    status = str(info.status)
    if info.end_time and start_s is not None:
        runtime, basis = info.end_time / 1000.0 - start_s, "end_time - start_time"
    else:
        times = pd.to_numeric(history["_runtime"], errors="coerce").dropna()
        runtime = float(times.max()) if len(times) else 0.0
        basis = "last logged value (no end time: the run was never ended)"
    summary["_runtime"] = runtime
    summary["_time_basis"] = basis
    summary.update(_hugging_face_counters(config, history))
    said = STATE_SAID.get(status, status)
    return RunFacts(
        run_id=info.run_id,
        name=name,
        state=STATES.get(status, "unknown"),
        runtime_s=float(runtime),
        config=config,
        summary=summary,
        history=history,
        source=f"mlflow:{experiment}/{info.run_id}",
        created_at=datetime.fromtimestamp(start_s, UTC).isoformat() if start_s else None,
        metadata=metadata,
        system=system,
        state_evidence=Evidence(TRACKER, "status", said),
        # every value the run logged is in the store: its history is whole
        activity=activity_of(history, summary, whole=True),
    )


def _experiments(client: Any, source: Source, name: str | None) -> list[Any]:
    if name is not None:
        found = client.get_experiment_by_name(name)
        if found is None or found.lifecycle_stage != "active":
            known = [e.name for e in _all_experiments(client)]
            raise InputError(
                f"no experiment named {name!r}",
                path=source.given,
                hint=f"its experiments: {', '.join(known)}" if known else "it has none",
            )
        return [found]
    return _all_experiments(client)


def _all_experiments(client: Any) -> list[Any]:
    found, token = [], None
    while True:
        page = client.search_experiments(max_results=PAGE, page_token=token)
        found += list(page)
        token = page.token
        if not token:
            return found


def _runs(client: Any, experiment_id: str) -> Iterator[Any]:
    token = None
    while True:
        page = client.search_runs(
            [experiment_id], max_results=PAGE, page_token=token, order_by=["attributes.start_time"]
        )
        yield from page
        token = page.token
        if not token:
            return


@contextmanager
def _snapshot(source: Source) -> Iterator[Source]:
    """The source as read: a SQLite store through a copy of its database, taken with SQLite's
    backup (whole, even while a training writes to it), because MLflow's client upgrades the
    schema of an older MLflow's database in place as it opens it, and the user's is left as it
    was."""
    if source.database is None:
        yield source
        return
    with tempfile.TemporaryDirectory(prefix="lumi-mlflow-") as folder:
        copy = Path(folder) / "mlflow.db"
        original = sqlite3.connect(f"{source.database.resolve().as_uri()}?mode=ro", uri=True)
        target = sqlite3.connect(copy)
        try:
            original.backup(target)
        except sqlite3.DatabaseError as error:
            raise InputError(f"not read ({error})", path=source.database) from None
        finally:
            target.close()
            original.close()
        yield replace(source, uri=f"sqlite:///{copy}")


def read_runs(given: str, experiment: str | None = None) -> tuple[list[RunFacts], list[str]]:
    """Every run of every experiment (or of ``experiment``) in the store ``given`` names."""
    warnings: list[str] = []
    facts = []
    with _snapshot(source_of(given)) as source, _client_settings(source):
        from mlflow.exceptions import MlflowException
        from mlflow.tracking import MlflowClient

        try:
            client = MlflowClient(tracking_uri=source.uri)
            for found in _experiments(client, source, experiment):
                for run in _runs(client, found.experiment_id):
                    facts.append(run_facts(client, run, found.name, warnings))
        except MlflowException as error:
            raise InputError(f"MLflow: {_first_line(error)}", path=source.given) from None
        except OSError as error:
            # a folder store the client cannot read, or write its .trash folder in (it makes
            # one where there is none): a colleague's, read-only
            what = f"{error.strerror or error}" + (f": {error.filename}" if error.filename else "")
            raise InputError(f"MLflow cannot read it ({what})", path=source.given) from None
    if not facts:
        where = f"experiment {experiment!r}" if experiment else "any experiment"
        raise InputError(f"no run in {where}", path=source.given)
    return facts, warnings


def _first_line(error: Exception) -> str:
    text = str(getattr(error, "message", "") or error).strip()
    if "Max retries exceeded" in text or "Failed to establish a new connection" in text:
        # the client's message names the URL and its retries: the reason is in the last part
        reason = re.search(r"\[Errno -?\d+\] ([^'\")]+)", text)
        return "cannot reach the tracking server" + (f" ({reason.group(1)})" if reason else "")
    return text.splitlines()[0] if text else type(error).__name__


def ingest_mlflow(
    given: str, experiment: str | None = None, corrections: Corrections | None = None
) -> IngestResult:
    facts, warnings = read_runs(given, experiment)
    runs = [make_run(one, corrections) for one in facts]
    return IngestResult(decide_kinds(runs), warnings)


def add_command(commands: Commands) -> None:
    command = source_command(
        commands,
        "mlflow",
        help="read MLflow runs (an mlruns/ folder, a sqlite:/// database or a tracking server)",
        epilog="examples:\n  python -m extract mlflow mlruns/ -o data/runs.h5\n"
        "  python -m extract mlflow sqlite:///mlflow.db --experiment scaling --merge\n"
        "  python -m extract mlflow http://127.0.0.1:5000 --experiment scaling",
    )
    command.add_argument(
        "store", help="an mlruns/ folder, sqlite:///FILE.db, or http(s)://HOST:PORT"
    )
    command.add_argument(
        "--experiment", default=None, metavar="NAME", help="only this experiment's runs"
    )
    command.set_defaults(run=run_command)


def run_command(args: argparse.Namespace) -> None:
    ingest_into_store(
        args, lambda corrections: ingest_mlflow(args.store, args.experiment, corrections)
    )
