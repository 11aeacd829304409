"""Runs from TensorBoard event files: every folder under a log directory that holds
``events.out.tfevents.*`` is one run (several event files in one folder are one run, appended).

An event file is TFRecord framing around ``Event`` protobufs (TensorFlow's
``core/lib/io/record_writer.cc``): ``length u64 LE | masked CRC32C of length u32 | data | masked
CRC32C of data u32``. Read here with the protobuf classes tensorboardX ships (generated from
TensorBoard's own .proto files): tensorboard's reader pulls in ~49 MB (grpcio, its data server)
to read the same bytes. A damaged tail is handled here: every record before it is kept.

What a run is: its scalars against their steps and wall times (the history, ``_runtime`` counted
from the first event the writer wrote, without the waits between the processes of a resumed
job), its hyperparameters (the hparams plugin's session start info, Lightning's ``hparams.yaml``
beside the event file) as its config, its text entries in its summary, and the host its writer
ran on, from the event file's name. TensorBoard records no run state: it is decided from the
history against the planned epochs (config or study file). (The hparams plugin's session end
info is no state: torch's and tensorboardX's ``hparams()`` write STATUS_SUCCESS with the
hyperparameters, before the training starts.)
"""

from __future__ import annotations

import argparse
import hashlib
import json
import re
import struct
from collections.abc import Iterator
from dataclasses import dataclass, field, replace
from datetime import UTC, datetime
from pathlib import Path
from typing import Any, TypeAlias

import numpy as np
import pandas as pd

from ..classify import Corrections
from ..commandline import Commands, ingest_into_store, source_command
from ..epochs_done import STEP_COUNTER
from ..errors import InputError
from ..kinds import activity_of, decide_kinds
from ..model import Evidence
from ..runs import IngestResult, RunFacts, flatten, make_run, no_state

EVENT_GLOB = "events.out.tfevents.*"
HPARAMS_YAML = "hparams.yaml"  # Lightning's TensorBoardLogger writes it beside the event file
TRACKER = "TensorBoard"
NO_STATE = no_state(TRACKER)
# a generated protobuf message (untyped): fields read by name as the .proto file defines them
Proto: TypeAlias = Any

_HEADER = 12  # length u64 + its CRC u32


def _crc32c_table() -> list[int]:
    table = []
    for byte in range(256):
        crc = byte
        for _ in range(8):
            crc = (crc >> 1) ^ 0x82F63B78 if crc & 1 else crc >> 1
        table.append(crc)
    return table


_CRC_TABLE = _crc32c_table()


def masked_crc32c(data: bytes) -> int:
    """TFRecord's checksum: CRC-32C (Castagnoli), rotated and offset (``crc32c::Mask``)."""
    crc = 0xFFFFFFFF
    table = _CRC_TABLE
    for byte in data:
        crc = table[(crc ^ byte) & 0xFF] ^ (crc >> 8)
    crc ^= 0xFFFFFFFF
    return (((crc >> 15) | (crc << 17)) + 0xA282EAD8) & 0xFFFFFFFF


@dataclass
class EventFile:
    """What one event file holds; ``damage`` says why reading stopped early, if it did."""

    path: Path
    # (step, wall time, tag, value) of every scalar
    scalars: list[tuple[int, float, str, float]] = field(default_factory=list)
    hparams: dict[str, Any] = field(default_factory=dict)
    # the hparams plugin's session was written (its hyperparameters, maybe none), and the
    # metrics its experiment names (the metric_dict of add_hparams, Lightning's hp_metric)
    session: bool = False
    metric_tags: set[str] = field(default_factory=set)
    texts: dict[str, str] = field(default_factory=dict)
    first_wall_time: float | None = None
    last_wall_time: float | None = None
    events: int = 0
    damage: str | None = None
    # the record was cut short: the writer stopped while writing (killed), not a flipped byte
    cut_short: bool = False


def records(data: bytes, into: EventFile) -> Iterator[bytes]:
    """The payloads of a TFRecord file, up to the first damaged record (said in ``into``)."""
    position = 0
    while position < len(data):
        if len(data) - position < _HEADER:
            into.damage, into.cut_short = f"the file ends inside a record at byte {position}", True
            return
        header = data[position : position + 8]
        (length,) = struct.unpack("<Q", header)
        (header_crc,) = struct.unpack("<I", data[position + 8 : position + _HEADER])
        if masked_crc32c(header) != header_crc:
            into.damage = f"corrupt record header at byte {position}"
            return
        end = position + _HEADER + length
        if end + 4 > len(data):
            into.damage, into.cut_short = f"the last record (byte {position}) is cut short", True
            return
        payload = data[position + _HEADER : end]
        (data_crc,) = struct.unpack("<I", data[end : end + 4])
        if masked_crc32c(payload) != data_crc:
            into.damage = f"checksum mismatch in the record at byte {position}"
            return
        yield payload
        position = end + 4


def read_event_file(path: Path) -> EventFile:
    from tensorboardX.proto import event_pb2  # imported here: protobuf classes load slowly

    found = EventFile(path=path)
    version_time, to_the_second = None, True
    try:
        data = path.read_bytes()
    except OSError as error:
        raise InputError(error.strerror or str(error), path=path) from None
    for payload in records(data, found):
        event = event_pb2.Event()
        try:
            event.ParseFromString(payload)
        except Exception:  # protobuf raises DecodeError, a plain Exception subclass
            found.damage = "a record does not decode as a TensorBoard event"
            break
        found.events += 1
        wall = float(event.wall_time)
        if event.HasField("file_version"):
            version_time = wall
        elif wall > 0:
            found.first_wall_time = min(found.first_wall_time or wall, wall)
            found.last_wall_time = max(found.last_wall_time or wall, wall)
            to_the_second = to_the_second and wall.is_integer()
        if event.HasField("summary"):
            for value in event.summary.value:
                _apply(found, int(event.step), wall, value)
    # TensorFlow's EventsWriter (Keras' callback) stamps a file's first event, its version,
    # with the whole second it names the file by (core/util/events_writer.cc), the others to
    # the microsecond: up to a second before the writer began, no time of the run's (torch and
    # tensorboardX stamp it as the others; on a clock of whole seconds, every event is)
    truncated = version_time is not None and version_time.is_integer() and not to_the_second
    if version_time and not truncated:
        found.first_wall_time = min(found.first_wall_time or version_time, version_time)
        found.last_wall_time = max(found.last_wall_time or version_time, version_time)
    if data and not found.events:
        raise InputError(
            f"no readable event ({found.damage}): not a TensorBoard event file, or damaged at "
            "its start",
            path=path,
            hint="move it out of the log directory, or delete it",
        )
    return found


def _apply(found: EventFile, step: int, wall: float, value: Proto) -> None:
    plugin = value.metadata.plugin_data.plugin_name
    if plugin == "hparams":
        _read_hparams(found, value.metadata.plugin_data.content)
        return
    if plugin == "text":
        text = _tensor_text(value.tensor)
        if text is not None:
            found.texts[value.tag.removesuffix("/text_summary")] = text
        return
    kind = value.WhichOneof("value")
    number = None
    if kind == "simple_value":
        number = _logged(value.simple_value)
    elif kind == "tensor" and plugin in ("scalars", ""):
        number = _tensor_scalar(value.tensor)  # TF2's tf.summary.scalar writes a tensor
    if number is not None:
        found.scalars.append((step, wall, value.tag, number))


def _read_hparams(found: EventFile, content: bytes) -> None:
    """The hparams plugin's records: the experiment (which metrics it names) and the session
    start info (the hyperparameters), as Lightning's log_hyperparams and torch's and
    tensorboardX's ``hparams()`` write them."""
    from tensorboardX.proto import plugin_hparams_pb2

    data = plugin_hparams_pb2.HParamsPluginData()
    try:
        data.ParseFromString(content)
    except Exception:  # a plugin message of another version: its hyperparameters unread
        return
    if data.HasField("experiment"):
        found.metric_tags.update(info.name.tag for info in data.experiment.metric_infos)
    if not data.HasField("session_start_info"):
        return
    found.session = True
    for key, value in data.session_start_info.hparams.items():
        # Lightning flattens nested hyperparameters with "/" (its hparams.yaml keeps them
        # nested): dotted here, as hparams.yaml's and W&B's nested keys are
        name = key.replace("/", ".")
        kind = value.WhichOneof("kind")
        if kind == "number_value":
            number = float(value.number_value)
            found.hparams[name] = int(number) if number.is_integer() else number
        elif kind in ("string_value", "bool_value"):
            found.hparams[name] = getattr(value, kind)


def _logged(value: float) -> float:
    """A float32 scalar as the number the script logged: 0.7 is stored as 0.699999988, and
    the shortest text that is the same float32 is what was written (numpy's repr)."""
    return float(str(np.float32(value)))


def _tensor_scalar(tensor: Proto) -> float | None:
    if tensor.float_val:
        return _logged(tensor.float_val[0])
    if tensor.double_val:
        return float(tensor.double_val[0])
    if tensor.int_val:
        return float(tensor.int_val[0])
    content = bytes(tensor.tensor_content)
    formats = {1: "<f", 2: "<d"}  # DT_FLOAT, DT_DOUBLE
    if tensor.dtype in formats and len(content) == struct.calcsize(formats[tensor.dtype]):
        number = float(struct.unpack(formats[tensor.dtype], content)[0])
        return _logged(number) if tensor.dtype == 1 else number
    return None


def _tensor_text(tensor: Proto) -> str | None:
    if not tensor.string_val:
        return None
    return "\n".join(bytes(s).decode("utf-8", errors="replace") for s in tensor.string_val)


# torch and TensorFlow name a file events.out.tfevents.<time>.<host>.<pid>.<n>[.v2];
# tensorboardX events.out.tfevents.<time>.<host>[suffix]. A host name may hold dots.
_EVENT_NAME = re.compile(r"events\.out\.tfevents\.(\d+)\.(.+?)(?:\.\d+\.\d+)?(?:\.v2)?")


def host_of(path: Path) -> str | None:
    named = _EVENT_NAME.fullmatch(path.name)
    return named.group(2) if named else None


def find_run_folders(logdir: Path) -> dict[Path, list[Path]]:
    """Run folders under ``logdir`` and their event files (in the order they were written)."""
    if not logdir.exists():
        raise InputError("no such directory", path=logdir)
    if not logdir.is_dir():
        raise InputError(
            "not a directory: give the log directory (TensorBoard's --logdir)", path=logdir
        )
    folders: dict[Path, list[Path]] = {}
    for path in sorted(logdir.rglob(EVENT_GLOB)):
        if path.is_file():
            folders.setdefault(path.parent, []).append(path)
    if not folders:
        raise InputError(
            f"no TensorBoard event files ({EVENT_GLOB}) under it",
            path=logdir,
            hint="give the folder TensorBoard is started on (tensorboard --logdir ...)",
        )
    return folders


def _hparams_yaml(folder: Path, warnings: list[str]) -> dict[str, Any]:
    path = folder / HPARAMS_YAML
    if not path.is_file():
        return {}
    import yaml

    try:
        loaded = yaml.safe_load(path.read_text(encoding="utf-8"))
    except (OSError, UnicodeDecodeError, yaml.YAMLError) as error:
        # Lightning dumps objects it cannot say as YAML tags (!!python/object): not read
        why = str(error).splitlines()[0] if str(error) else type(error).__name__
        warnings.append(f"{path}: not read ({why}); the run's config is its hparams plugin's")
        return {}
    return loaded if isinstance(loaded, dict) else {}


def run_id_of(name: str) -> str:
    """A run's id: stable across extractions, from its folder path relative to the log dir."""
    return "tb-" + hashlib.sha256(name.encode("utf-8")).hexdigest()[:12]


@dataclass
class Segment:
    """Event files written one after another (a resumed job) or at the same time (files of one
    process, or its ranks), in wall time; ``offset``: the run's seconds before it began."""

    start: float
    end: float
    offset: float = 0.0


def segments_of(files: list[EventFile]) -> list[Segment]:
    """The run's stretches of writing: a file that starts after every earlier one ended begins
    a new one. Time between them (a requeued job waiting in the queue) is not the run's, as for
    a W&B run resumed in a later process, whose time is the sum of its parts'."""
    segments: list[Segment] = []
    spans = sorted(
        (f.first_wall_time, f.last_wall_time)
        for f in files
        if f.first_wall_time is not None and f.last_wall_time is not None
    )
    for start, end in spans:
        if segments and start <= segments[-1].end:
            segments[-1].end = max(segments[-1].end, end)
            continue
        offset = segments[-1].offset + segments[-1].end - segments[-1].start if segments else 0.0
        segments.append(Segment(start, end, offset))
    return segments


def runtime_at(segments: list[Segment], wall: pd.Series) -> pd.Series:
    """Seconds of the run at each wall time: its segment's offset plus time since it began."""
    runtime = pd.Series(np.nan, index=wall.index)
    for segment in segments:
        inside = wall >= segment.start
        runtime[inside] = segment.offset + wall[inside] - segment.start
    return runtime


# keras.callbacks.TensorBoard writes a run's training and validation scalars into two writers,
# log_dir/train and log_dir/validation (set_model): one run, its tags named by the writer, as
# W&B's sync_tensorboard names them (namespaced_tag: "validation/epoch_accuracy")
KERAS_WRITERS = ("train", "validation")
# ... and its epoch_* scalars at the epoch's index as step (_log_epoch_metrics), beside
# batch_* and evaluation_*_vs_iterations at the optimizer's iteration: two counters
KERAS_EPOCH_PREFIX = "epoch_"
# Lightning's TensorBoardLogger logs hp_metric = -1 at step 0 with the hyperparameters unless
# default_hp_metric=False (log_hyperparams): a placeholder for a metric, no measurement
PLACEHOLDER_METRIC = ("hp_metric", 0, -1.0)
# Hugging Face's TensorBoardCallback writes TrainingArguments as the text "args" (JSON) and
# every log at state.global_step (on_log)
HF_ARGS = "args"


@dataclass
class RunFolder:
    """One run's event files: its own folder's, or Keras' two writers' (each with the prefix
    its tags get), and add_hparams' folders beneath it (their hyperparameters and metrics)."""

    folder: Path
    parts: list[tuple[str, list[EventFile]]] = field(default_factory=list)
    hparams_parts: list[list[EventFile]] = field(default_factory=list)
    keras: bool = False

    @property
    def files(self) -> list[EventFile]:
        return [f for _, files in self.parts for f in files]


def _only_hparams(files: list[EventFile]) -> bool:
    """What torch's and tensorboardX's ``add_hparams`` write: a writer of its own in a folder
    beneath the run's (named by the time, unless given a name) holding the hparams plugin's
    records and one scalar per metric it names, nothing else."""
    metrics = {tag for f in files for tag in f.metric_tags}
    return any(f.session for f in files) and all(
        tag in metrics for f in files for _, _, tag, _ in f.scalars
    )


def group_runs(logdir: Path, read: dict[Path, list[EventFile]]) -> list[RunFolder]:
    """The runs of the event folders under ``logdir``: a folder is a run, except Keras' train/
    and validation/ (one run, their parent's, where it holds no event file and is under
    ``logdir``) and add_hparams' folders beneath a run (part of it)."""
    grouped: dict[Path, RunFolder] = {}
    hparams_only: list[tuple[Path, list[EventFile]]] = []
    for folder, files in read.items():
        if folder.name in KERAS_WRITERS and folder != logdir and folder.parent not in read:
            run = grouped.setdefault(folder.parent, RunFolder(folder.parent, keras=True))
            run.parts.append((f"{folder.name}/", files))
        elif _only_hparams(files):
            hparams_only.append((folder, files))
        else:
            grouped.setdefault(folder, RunFolder(folder)).parts.append(("", files))
    for folder, files in hparams_only:
        owner = next((grouped[p] for p in folder.parents if p in grouped), None)
        if owner is None:  # no run around it: what it holds is a run of its own
            grouped.setdefault(folder, RunFolder(folder)).parts.append(("", files))
        else:
            owner.hparams_parts.append(files)
    return [grouped[folder] for folder in sorted(grouped)]


def _placeholder(found: EventFile, step: int, tag: str, value: float) -> bool:
    return found.session and (tag, step, value) == PLACEHOLDER_METRIC


def history_of(run: RunFolder, segments: list[Segment]) -> pd.DataFrame:
    """One row per step: each scalar's last value at that step, ``_timestamp`` the step's
    latest wall time, ``_runtime`` the run's seconds at it (segments_of). A Keras run has two
    counters: a row per epoch (its epoch_* scalars, and ``epoch``, the index Keras wrote them
    at) and a row per iteration (the others), in the order they were written, without
    ``_step``, which would count two things."""
    rows = [
        (step, wall, prefix + tag, value, run.keras and tag.startswith(KERAS_EPOCH_PREFIX))
        for prefix, files in run.parts
        for found in files
        for step, wall, tag, value in found.scalars
        if not _placeholder(found, step, tag, value)
    ]
    if not rows:
        return pd.DataFrame({"_step": np.array([], dtype=int), "_runtime": np.array([])})
    frame = pd.DataFrame(rows, columns=["_step", "_timestamp", "tag", "value", "per_epoch"])
    # several files of one run are appended: a step logged again (a resumed run) keeps the later
    index = ["per_epoch", "_step"] if run.keras else ["_step"]
    values = frame.pivot_table(index=index, columns="tag", values="value", aggfunc="last")
    times = frame.groupby(index)["_timestamp"].max()
    history = values.join(times).reset_index()
    history.columns.name = None
    if run.keras:
        epochs = history["per_epoch"].astype(bool)
        history["epoch"] = history["_step"].where(epochs).astype(float)
        history = history.drop(columns=["per_epoch", "_step"])
        history = history.sort_values("_timestamp", kind="stable").reset_index(drop=True)
    history["_runtime"] = runtime_at(segments, history["_timestamp"])
    return history


def _time_of(segments: list[Segment]) -> float:
    if not segments:
        return 0.0
    last = segments[-1]
    return last.offset + last.end - last.start


def _damage_said(files: list[EventFile]) -> str | None:
    damaged = [f for f in files if f.damage]
    if not damaged:
        return None
    said = "; ".join(f"{f.path.name}: {f.damage}" for f in damaged)
    return f"its event file lost its tail ({said}): every record before it is kept"


def _json_object(text: str) -> dict[str, Any] | None:
    try:
        loaded = json.loads(text)
    except ValueError:
        return None
    return loaded if isinstance(loaded, dict) else None


def _last_values(history: pd.DataFrame) -> dict[str, Any]:
    """Each key's last logged value, as a W&B run's summary holds it."""
    last: dict[str, Any] = {}
    for column in history.columns:
        if str(column).startswith("_"):
            continue
        logged = history[column].dropna()
        if len(logged):
            last[str(column)] = logged.iloc[-1].item()
    return last


def run_facts(logdir: Path, run: RunFolder, warnings: list[str]) -> RunFacts:
    """A run's raw run record: its state "unknown" (the evidence rules decide it from its
    history, runs.make_run), unless its writer was stopped (crashed)."""
    files = sorted(
        run.files,
        key=lambda f: (f.first_wall_time is None, f.first_wall_time or 0.0, f.path.name),
    )
    for found in files:
        if found.damage:
            warnings.append(f"{found.path}: {found.damage}; kept every record before it")
    relative = run.folder.relative_to(logdir)
    name = relative.as_posix() if relative.parts else logdir.resolve().name
    config = {**_hparams_yaml(run.folder, warnings)}
    summary: dict[str, Any] = {}
    for found in files:
        config.update(found.hparams)
        summary.update(found.texts)
    for text_tag, text in list(summary.items()):
        # a text of a JSON object holds hyperparameters: Hugging Face's TrainingArguments
        # ("args") and model config ("model_config")
        loaded = _json_object(text)
        if loaded is not None:
            config[text_tag] = loaded
    for hparams_files in run.hparams_parts:
        # add_hparams: the hyperparameters and the metrics as the script gave them at its call
        for found in hparams_files:
            config.update(found.hparams)
            summary.update({tag: value for _, _, tag, value in found.scalars})
    segments = segments_of(files)
    history = history_of(run, segments)
    runtime = _time_of(segments)
    start = segments[0].start if segments else None
    paths = [f.path for f in files]
    hosts = sorted({h for p in paths if (h := host_of(p))})
    if not any(f.events for f in files):
        warnings.append(
            f"{run.folder}: its event files hold no event; kept as a missing run (its writer "
            "never wrote one: killed before its first flush, or still running)"
        )
        summary["_empty_file"] = (
            f"{sum(p.stat().st_size for p in paths)} bytes, no event: its writer never wrote "
            "one (killed before its first flush, or still running)"
        )
    for key, value in _last_values(history).items():
        summary.setdefault(key, value)
    if "_step" in history:
        # the step each scalar was logged at, as the script gave it: the trainer's global step
        # for Lightning and Hugging Face, so a run stopped mid-epoch (max_steps) is measured in
        # steps, not in the rows it logged every log_every_n_steps
        summary[STEP_COUNTER] = "_step"
    if HF_ARGS in config and "train/epoch" in history and "_step" in history:
        # Hugging Face's TensorBoardCallback logs at state.global_step: the step of its last
        # train/epoch is the run's global step there, as its WandbCallback logs it
        logged = history.dropna(subset=["train/epoch"])
        if len(logged):
            summary.setdefault("train/global_step", int(logged["_step"].iloc[-1]))
    damage = _damage_said(files)
    state, said = "unknown", None
    if summary.get("_empty_file"):
        state, said = "crashed", Evidence(NO_STATE, "event files", "no event written: crashed")
    elif any(f.cut_short for f in files):
        state, said = (
            "crashed",
            Evidence(
                NO_STATE, "event file", "its last record is cut short: the writer was stopped"
            ),
        )
    facts = RunFacts(
        run_id=run_id_of(name),
        name=name,
        state=state,
        runtime_s=float(runtime),
        config=flatten(config),
        summary=summary,
        history=history,
        source=f"tensorboard:{name}",
        created_at=datetime.fromtimestamp(start, UTC).isoformat() if start else None,
        metadata={"host": hosts[0]} if len(hosts) == 1 else {},
        damage=damage,
        stateless=TRACKER,
        state_evidence=said,
    )
    # an undamaged event file holds every scalar the run logged
    return replace(facts, activity=activity_of(history, summary, whole=damage is None))


def ingest_tensorboard(logdir: Path, corrections: Corrections | None = None) -> IngestResult:
    """Every run under ``logdir``."""
    corrections = corrections or Corrections()
    warnings: list[str] = []
    read = {
        folder: [read_event_file(path) for path in paths]
        for folder, paths in find_run_folders(logdir).items()
    }
    runs = [
        make_run(run_facts(logdir, run, warnings), corrections) for run in group_runs(logdir, read)
    ]
    return IngestResult(decide_kinds(runs), warnings)


def add_command(commands: Commands) -> None:
    command = source_command(
        commands,
        "tensorboard",
        help="read TensorBoard event files (every run folder under LOGDIR) into the store",
        epilog="example:\n  python -m extract tensorboard lightning_logs/ -o data/runs.h5",
    )
    command.add_argument("logdir", type=Path, help="the log directory (TensorBoard's --logdir)")
    command.set_defaults(run=run_command)


def run_command(args: argparse.Namespace) -> None:
    ingest_into_store(args, lambda corrections: ingest_tensorboard(args.logdir, corrections))
