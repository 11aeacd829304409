"""Runs from W&B's own run files: `wandb/offline-run-*/run-*.wandb` (and synced `run-*`).

The file is a LevelDB-style log (wandb's `core/pkg/leveldb/record.go`): a 7-byte header
(`:W&B`, magic 0xBEE1 little-endian, version 0) in block 0, then 32 KiB blocks of chunks, each
`crc32 u32 LE | length u16 LE | type u8` + payload, FULL=1 or FIRST/MIDDLE/LAST=2/3/4 pieces of
one record. The CRC is plain CRC-32 of the type byte and the payload. Fewer than 7 bytes left in
a block are padding. Each record is a `wandb_internal_pb2.Record`.

Read directly, not through `wandb leet inspect --json`: no subprocess, no JSON layout that may
change, and a damaged tail is handled here (everything before it is kept, the run is "crashed").

Several files with one run id are one run. Files whose processes ran at the same time (the ranks
of a multi-process run) are joined on ``_step``. Files that follow each other (a run resumed, or a
Slurm job requeued after a kill) are put end to end: offline, a resumed process starts ``_step``
and ``_runtime`` again at 0, so the later part is shifted past the earlier ones and the run's time
is the sum of the parts' times.
"""

from __future__ import annotations

import argparse
import ast
import contextlib
import json
import math
import re
import struct
import zlib
from collections.abc import Iterable, Iterator
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path
from typing import Any, TypeAlias

import numpy as np
import pandas as pd

from ..classify import Corrections
from ..commandline import Commands, ingest_into_store, source_command
from ..errors import InputError
from ..groups import join_ranks
from ..history import join_on_step
from ..kinds import decide_kinds
from ..runs import IngestResult, RunFacts, flatten, make_run

BLOCK_SIZE = 32 * 1024
CHUNK_HEADER = 7
FILE_HEADER = b":W&B" + struct.pack("<H", 0xBEE1) + b"\x00"
FULL, FIRST, MIDDLE, LAST = 1, 2, 3, 4

# Environment record fields left out of the metadata: personal (email, username), one per
# process (writer_id), per-mount noise (disk), and a git remote that may carry a token.
_ENVIRONMENT_SKIPPED = {"email", "username", "writer_id", "_info", "disk", "git.remote_url"}
# When one file of a run id starts after another has ended, it is a later part of the run only
# if it is a resume, or if it came clearly after: processes of one multi-process run start a
# little apart, and a toy run can end before its neighbour rank has even started. A real
# restart (requeue, relaunch) waits for a scheduler or a person: many seconds.
_CLOCK_TOLERANCE_S = 0.5
_INTEGER = re.compile(r"[+-]?[0-9]+")
_TIMESTAMP = "google.protobuf.Timestamp"
_RESTART_GAP_S = 5.0
# a record or a part of one, of wandb's generated protobuf classes (wandb_internal_pb2), which
# ship no type information: their fields are read by name as the .proto file defines them
Proto: TypeAlias = Any


@dataclass
class OfflineRun:
    """What one run file holds; ``damage`` says why reading stopped early, if it did."""

    path: Path
    run_id: str = ""
    name: str = ""
    project: str = ""
    config: dict[str, Any] = field(default_factory=dict)
    summary: dict[str, Any] = field(default_factory=dict)
    rows: list[dict[str, Any]] = field(default_factory=list)
    exit_code: int | None = None
    runtime_s: float | None = None
    start_time: float | None = None
    damage: str | None = None
    host: str = ""
    group: str = ""
    job_type: str = ""
    sweep_id: str = ""
    tags: list[str] = field(default_factory=list)
    # the process asked to resume this id (resume="allow"/"must"/"auto", WANDB_RESUME); true
    # also on the first part of a script that always passes resume="allow"
    resume: bool = False
    # what wandb recorded about the machine, flattened: "slurm.nnodes", "cpu_count", "host"...
    environment: dict[str, Any] = field(default_factory=dict)
    # for runs put together from several files: how many parts followed each other, and what
    # went wrong in the earlier ones (the run went on, so that is no longer its state)
    parts: int = 1
    earlier_damage: list[str] = field(default_factory=list)
    raw_summary: dict[str, str] = field(default_factory=dict, repr=False)
    joined: pd.DataFrame | None = field(default=None, repr=False)
    # wandb's system metrics (`stats` records): one row per sample, with its "_timestamp"
    stats: list[dict[str, Any]] = field(default_factory=list, repr=False)
    joined_system: pd.DataFrame | None = field(default=None, repr=False)
    # the last lines the process wrote to its console (wandb's output records), where how it
    # ended is said: a traceback's error, a stack's "Detected KeyboardInterrupt"
    output_tail: list[str] = field(default_factory=list, repr=False)

    @property
    def state(self) -> str:
        if self.exit_code is None:
            return "crashed"
        return "finished" if self.exit_code == 0 else "failed"

    def history(self, core_clock: bool = False) -> pd.DataFrame:
        """One row per logged step, one column per key (NaN where a row lacks it); its
        ``_runtime`` on the training process's clock, or as wandb-core wrote it
        (``core_clock``: the parts of a resumed run are put end to end on that clock)."""
        if self.joined is not None:
            return self.joined.copy()
        numeric = [{k: v for k, v in row.items() if _is_number(v)} for row in self.rows]
        frame = pd.DataFrame(numeric)
        if "_runtime" not in frame:
            frame["_runtime"] = np.nan
        writer = None if core_clock else self._writer_clock(frame)
        if writer is not None:
            frame["_runtime"] = writer.fillna(frame["_runtime"])
        return frame

    def _writer_clock(self, frame: pd.DataFrame) -> pd.Series | None:
        """Each row's seconds since the run's start on the training process's own clock
        (``_timestamp - start_time``, both Python's ``time.time()`` there), where it has one.
        wandb-core's ``_runtime`` is when it *read* the row: for a plain ``log()`` the same to
        a second, but a run syncing TensorBoard (``sync_tensorboard=True``) gets its rows when
        wandb-core reads the event files (wandb/wandb core/internal/tensorboard: every 5 s, the
        first time after guessing the root log directory for up to 10 s, and what is left at
        the run's finish: a short run's rows all then), while ``_timestamp`` is the event's own
        wall time. TensorBoard's runs are timed by that clock too
        (extract/sources/tensorboard.py), so the trackers of one training agree."""
        if self.start_time is None or "_timestamp" not in frame:
            return None
        writer = frame["_timestamp"] - self.start_time
        return writer.where(writer >= -_CLOCK_TOLERANCE_S).clip(lower=0.0)

    def system(self) -> pd.DataFrame:
        """System metrics against ``_runtime``, seconds since this run's start (the clock its
        history uses), one column per metric as wandb named it."""
        if self.joined_system is not None:
            return self.joined_system.copy()
        return system_frame(self.stats, self.start_time)

    def measured_runtime(self, core_clock: bool = False) -> float:
        """Seconds the process ran: the exit record counts whole seconds only (and a killed
        process has none), so the last logged row's time can be the larger."""
        logged: list[float] = [
            row["_runtime"] for row in self.rows if _is_number(row.get("_runtime"))
        ]
        if self.joined is None and not core_clock:
            writer = self._writer_clock(self.history(core_clock=True))
            if writer is not None:
                logged += writer.dropna().tolist()
        if self.joined is not None and "_runtime" in self.joined:
            logged += self.joined["_runtime"].dropna().tolist()
        return max([self.runtime_s or 0.0, *logged])


OUTPUT_KEPT = 40  # console lines kept: a traceback's end

# wandb's exit hook (wandb/sdk/lib/exit_hooks.py) records exit code 255 for an uncaught
# KeyboardInterrupt; Lightning catches it, prints "Detected KeyboardInterrupt, attempting
# graceful shutdown ..." and exits 1 (trainer/call.py _call_and_handle_interrupt); a script
# that catches it may print the same word. An uncaught exception prints its traceback, whose
# last line is the error.
CTRL_C_EXIT = 255
TRACEBACK = "Traceback (most recent call last)"


def how_it_ended(exit_code: int | None, output: list[str]) -> str | None:
    """How a run that exited with an error ended, from its exit code and console output: stopped
    by the user (Ctrl-C), or an error with its message; None when nothing says (or it exited
    0, or has no exit record: see DIED)."""
    if not exit_code:
        return None
    interrupted = [line.strip() for line in output if "KeyboardInterrupt" in line]
    if exit_code == CTRL_C_EXIT or interrupted:
        said = f"'{interrupted[-1]}' in its output, " if interrupted else ""
        return f"stopped by the user (Ctrl-C: {said}exit code {exit_code})"
    if any(TRACEBACK in line for line in output):
        start = max(i for i, line in enumerate(output) if TRACEBACK in line)
        error = next(
            (line.strip() for line in reversed(output[start:]) if not line.startswith(" ")),
            "",
        )
        if error and TRACEBACK not in error:
            return f"an error: {error} (exit code {exit_code})"
    return None


# A file without an exit record: the process died before wandb's exit (SIGKILL, the OOM
# killer, a node failure). W&B calls such a run crashed (it stopped sending heartbeats), and so
# is it said everywhere, whatever of its file survived.
DIED_WHY = "the process died: killed, or its machine failed"
DIED = f"crashed ({DIED_WHY})"


def find_run_files(paths: list[Path]) -> list[Path]:
    """Run files under each path: a .wandb file, a run directory, or a whole wandb/ directory."""
    found: list[Path] = []
    for path in paths:
        if path.is_file():
            found.append(path)
        elif path.is_dir():
            # wandb's latest-run link repeats a run found under its own name; but a user may
            # name latest-run itself
            files = sorted(
                p
                for p in path.rglob("run-*.wandb")
                if "latest-run" not in p.relative_to(path).parts
            )
            if not files:
                raise InputError("no run-*.wandb files here", path=path)
            found.extend(files)
        else:
            raise InputError("no such file or directory", path=path)
    return list(dict.fromkeys(p.resolve() for p in found))


def read_run_file(path: Path) -> OfflineRun:
    from wandb.proto import wandb_internal_pb2 as pb  # imported here: it is slow to import

    run = OfflineRun(path=path)
    try:
        data = path.read_bytes()
    except OSError as error:
        raise InputError(error.strerror or str(error), path=path) from None
    if not data.startswith(FILE_HEADER[:6]):
        raise InputError("not a W&B run file (no ':W&B' header)", path=path)
    for payload in _records(data, run):
        record = pb.Record()  # a generated protobuf class (untyped)
        try:
            record.ParseFromString(payload)
        except Exception:  # protobuf raises DecodeError, a plain Exception subclass
            run.damage = "a record does not decode"
            break
        _apply(run, record)
    run.summary = _decoded(run.raw_summary)
    return run


def _records(data: bytes, run: OfflineRun) -> Iterator[bytes]:
    position = len(FILE_HEADER)
    pieces: list[bytes] = []
    while position < len(data):
        left_in_block = BLOCK_SIZE - position % BLOCK_SIZE
        if left_in_block < CHUNK_HEADER:
            position += left_in_block
            continue
        header = data[position : position + CHUNK_HEADER]
        if len(header) < CHUNK_HEADER:
            run.damage = "the file ends inside a chunk header"
            return
        checksum, length, kind = struct.unpack("<IHB", header)
        if checksum == 0 and length == 0 and kind == 0:
            position += left_in_block
            continue
        start = position + CHUNK_HEADER
        if length > left_in_block - CHUNK_HEADER:  # chunks never cross a block boundary
            run.damage = f"corrupt chunk header at byte {position}"
            return
        payload = data[start : start + length]
        if len(payload) < length:
            run.damage = "the last record is cut short"
            return
        if zlib.crc32(bytes([kind]) + payload) != checksum:
            run.damage = f"checksum mismatch at byte {position}"
            return
        position = start + length
        if kind == FULL:
            yield payload
        elif kind == FIRST:
            pieces = [payload]
        elif kind == MIDDLE and pieces:
            pieces.append(payload)
        elif kind == LAST and pieces:
            pieces.append(payload)
            yield b"".join(pieces)
            pieces = []
        else:
            run.damage = f"unexpected chunk type {kind} at byte {position}"
            return
    if pieces:
        run.damage = "the last record is cut short"


def _key(item: Proto) -> str:
    return ".".join(item.nested_key) if item.nested_key else item.key


def _value(text: str) -> Any:
    try:  # most values are plain numbers: float() is many times faster than json.loads
        return float(text) if "." in text or "e" in text else int(text)
    except ValueError:
        pass
    try:
        return json.loads(text)
    except json.JSONDecodeError:
        return text


def _apply(run: OfflineRun, record: Proto) -> None:
    kind = record.WhichOneof("record_type")
    if kind == "run":
        run.run_id = record.run.run_id
        run.name = record.run.display_name or record.run.run_id
        run.project = record.run.project
        run.host = record.run.host
        run.group = record.run.run_group
        run.job_type = record.run.job_type
        run.sweep_id = record.run.sweep_id or run.sweep_id
        run.tags = list(record.run.tags) or run.tags
        run.resume = record.run.resume or record.run.resumed
        if record.run.HasField("start_time"):
            run.start_time = record.run.start_time.seconds + record.run.start_time.nanos / 1e9
        _update(run.config, record.run.config.update)
    elif kind == "config":
        _update(run.config, record.config.update)
        for item in record.config.remove:
            run.config.pop(_key(item), None)
    elif kind == "history":
        row = {_key(item): _value(item.value_json) for item in record.history.item}
        if record.history.HasField("step") and "_step" not in row:
            row["_step"] = record.history.step.num
        run.rows.append(row)
    elif kind == "summary":
        # W&B rewrites the summary after every log(): keep the text, decode the last one once
        for item in record.summary.update:
            run.raw_summary[_key(item)] = item.value_json
        for item in record.summary.remove:
            run.raw_summary.pop(_key(item), None)
    elif kind == "stats":
        stamp = record.stats.timestamp
        row = {item.key: _value(item.value_json) for item in record.stats.item}
        row["_timestamp"] = stamp.seconds + stamp.nanos / 1e9
        run.stats.append(row)
    elif kind in ("output_raw", "output"):
        lines = [line.rstrip() for line in getattr(record, kind).line.splitlines()]
        run.output_tail = (run.output_tail + [line for line in lines if line.strip()])[
            -OUTPUT_KEPT:
        ]
    elif kind == "exit":
        run.exit_code = record.exit.exit_code
        run.runtime_s = float(record.exit.runtime)
    elif kind == "environment":
        # the first record has slurm, host, args; a later one cpu, memory and GPUs
        _environment(record.environment, "", run.environment)


def _environment(message: Proto, prefix: str, into: dict[str, Any]) -> None:
    """Set fields of an environment record (or a message inside it) as flat dotted keys."""
    from google.protobuf.message import Message

    for descriptor, value in message.ListFields():
        name = prefix + descriptor.name
        if name in _ENVIRONMENT_SKIPPED:
            continue
        if hasattr(value, "items"):  # a map, such as slurm
            for key, item in value.items():
                if isinstance(item, Message):
                    _environment(item, f"{name}.{key}.", into)
                else:
                    into[f"{name}.{key}"] = _whole_number(item)
        elif descriptor.message_type and descriptor.message_type.full_name == _TIMESTAMP:
            # a damaged file's nonsense time is no metadata
            with contextlib.suppress(OverflowError, OSError, ValueError):
                into[name] = datetime.fromtimestamp(value.seconds, UTC).isoformat()
        elif isinstance(value, Message):
            _environment(value, f"{name}.", into)
        elif isinstance(value, str | bytes | int | float | bool):
            into[name] = _whole_number(value)
        elif value and isinstance(value[0], Message):  # gpu_nvidia, gpu_amd: one per device
            into[f"{name}.count"] = len(value)
            first = value[0]
            for field_name in ("name", "series", "model", "sku"):
                label = getattr(first, field_name, "")
                if label:
                    into[f"{name}.name"] = label
                    break
        else:
            into[name] = list(value)  # args


def _whole_number(value: Any) -> Any:
    # slurm values arrive as text ("2"); counts are wanted as numbers
    if isinstance(value, str) and _INTEGER.fullmatch(value):
        return int(value)
    return value


def _decoded(raw: dict[str, str]) -> dict[str, Any]:
    return {
        key: _value(text)
        for key, text in raw.items()
        if key != "_wandb" and not key.startswith("_wandb.")
    }


def _update(target: dict[str, Any], items: Iterable[Proto]) -> None:
    for item in items:
        key = _key(item)
        if key == "_wandb" or key.startswith("_wandb."):
            continue
        value = _value(item.value_json)
        if isinstance(value, dict) and set(value) == {"value"}:
            value = value["value"]  # config items arrive as {"value": ...} in some versions
        target[key] = value


def _is_number(value: Any) -> bool:
    return isinstance(value, int | float) and not isinstance(value, bool) and math.isfinite(value)


def _combine_parts(parts: list[OfflineRun]) -> OfflineRun:
    """One run from the files of one run id: files running at the same time are joined on
    ``_step``, files that follow each other are put end to end."""
    if len(parts) == 1:
        return parts[0]
    segments = _segments(parts)
    joined = [_join(segment) for segment in segments]
    if len(joined) == 1:
        return joined[0]
    return _concatenate(joined)


def _segments(parts: list[OfflineRun]) -> list[list[OfflineRun]]:
    """Files grouped by the processes that ran together, in order of time."""
    ordered = sorted(parts, key=lambda p: (p.start_time is None, p.start_time or 0.0, str(p.path)))
    segments: list[list[OfflineRun]] = [[ordered[0]]]
    for part in ordered[1:]:
        current = segments[-1]
        ends = [p.start_time + p.measured_runtime() for p in current if p.start_time is not None]
        if part.start_time is None or not ends:
            current.append(part)  # no clock to tell: as before, one run joined on _step
            continue
        gap = part.start_time - max(ends)
        follows = gap >= -_CLOCK_TOLERANCE_S and (part.resume or gap >= _RESTART_GAP_S)
        if follows:
            segments.append([part])
        else:
            current.append(part)
    return segments


def _join(parts: list[OfflineRun]) -> OfflineRun:
    """Files of processes that ran at the same time (ranks): one history joined on _step."""
    if len(parts) == 1:
        return parts[0]
    parts = sorted(parts, key=_rank)
    first = parts[0]
    combined = OfflineRun(
        path=first.path,
        run_id=first.run_id,
        name=_name(parts),
        project=first.project,
        host=first.host,
        resume=first.resume,
        # what the run record says of the study's organisation: one run, one record
        group=first.group,
        job_type=first.job_type,
        sweep_id=first.sweep_id,
        tags=list(first.tags),
        output_tail=list(first.output_tail),
    )
    for part in parts:
        combined.config.update(part.config)
        combined.summary.update(part.summary)
        for key, value in part.environment.items():
            combined.environment.setdefault(key, value)  # rank 0's own values win
    combined.joined = join_on_step([p.history() for p in parts])
    combined.joined_system = _ranks_system(parts, combined.start_time)
    combined.runtime_s = max(p.measured_runtime() for p in parts)
    codes = [p.exit_code for p in parts]
    known = [code for code in codes if code is not None]
    combined.exit_code = None if len(known) < len(codes) else max(known)
    combined.start_time = min((p.start_time for p in parts if p.start_time), default=None)
    damaged = [f"{p.path.parent.name}: {p.damage}" for p in parts if p.damage]
    combined.damage = "; ".join(damaged) or None
    return combined


def _rank(part: OfflineRun) -> tuple[float, float]:
    # rank 0 first where Slurm says which process is which, else in order of start
    procid = part.environment.get("slurm.procid")
    return (procid if isinstance(procid, int) else math.inf, part.start_time or 0.0)


def _concatenate(parts: list[OfflineRun]) -> OfflineRun:
    """Parts of a resumed or requeued run, in order: each later part's _step and _runtime go on
    from where the earlier parts stopped; state, exit code and summary are the last part's."""
    first, last = parts[0], parts[-1]
    combined = OfflineRun(
        path=last.path,
        run_id=first.run_id,
        name=_name(parts),
        project=first.project,
        host=last.host,
        resume=last.resume,
        # a part resumed with other tags (a requeue script may add one) counts as the run's
        group=last.group or first.group,
        job_type=last.job_type or first.job_type,
        sweep_id=last.sweep_id or first.sweep_id,
        tags=list(dict.fromkeys(t for part in parts for t in part.tags)),
        start_time=first.start_time,
        exit_code=last.exit_code,
        damage=last.damage,
        summary=dict(last.summary),
        parts=len(parts),
        output_tail=list(last.output_tail),
    )
    frames = []
    elapsed = 0.0  # seconds the earlier parts ran
    last_step: float | None = None
    summed = True
    systems = []
    for number, part in enumerate(parts, 1):
        combined.config.update(part.config)
        combined.environment.update(part.environment)  # where the run went on: the later machine
        if part is not last and (part.damage or part.exit_code is None):
            why = [part.damage] if part.damage else []
            if part.exit_code is None:
                why.append(f"no exit record ({DIED})")
            combined.earlier_damage.append(
                f"part {number} of {len(parts)} ({part.path}): {'; '.join(why)}"
            )
        frame = part.history(core_clock=True)
        runtime = part.measured_runtime(core_clock=True)
        before = elapsed
        if number > 1 and _clock_went_on(part, frame, elapsed):
            summed = False
            elapsed = max(elapsed, runtime)
        else:
            frame["_runtime"] = frame["_runtime"] + elapsed
            elapsed += runtime
        if "_step" in frame and frame["_step"].notna().any():
            steps = frame["_step"]
            if last_step is not None and steps.min() <= last_step:
                # restarted at 0 (offline resume): go on after the earlier parts' last step
                frame["_step"] = steps + (last_step + 1 - steps.min())
            last_step = frame["_step"].max()
        frames.append(frame)
        system = part.system()
        system["_runtime"] = system["_runtime"] + before  # on the history's clock
        systems.append(system)
    combined.joined = pd.concat([f for f in frames if len(f)] or frames, ignore_index=True)
    combined.joined_system = pd.concat([f for f in systems if len(f)] or systems, ignore_index=True)
    combined.runtime_s = elapsed
    combined.summary["_runtime"] = elapsed
    if last_step is not None and "_step" in combined.summary:
        combined.summary["_step"] = int(last_step)
    combined.summary["_time_basis"] = (
        f"sum of {len(parts)} parts" if summed else f"last of {len(parts)} parts (clock went on)"
    )
    return combined


def system_frame(stats: list[dict[str, Any]], start_time: float | None) -> pd.DataFrame:
    numeric = [{k: v for k, v in row.items() if _is_number(v)} for row in stats]
    frame = pd.DataFrame(numeric)
    if "_timestamp" in frame and start_time is not None:
        frame.insert(0, "_runtime", frame.pop("_timestamp") - start_time)
    else:
        frame = pd.DataFrame({"_runtime": np.array([], dtype=float)})
    return frame


def _ranks_system(parts: list[OfflineRun], start_time: float | None) -> pd.DataFrame:
    """The system metrics of processes that ran together. Ranks on one node each record that
    node's devices: a device is kept once (rank 0's samples). Devices of other nodes get the
    node's name as wandb's own label suffix (``gpu.0.powerWatts/l:nid002``), so gpu.0 of two
    nodes stays two devices."""
    hosts = {p.host for p in parts if p.host}
    frames, seen = [], set()
    for part in parts:
        frame = system_frame(part.stats, start_time)
        if len(hosts) > 1 and part.host:
            frame = frame.rename(
                columns={
                    c: f"{c}/l:{part.host}"
                    for c in frame.columns
                    if c != "_runtime" and "/l:" not in c
                }
            )
        keep = ["_runtime"] + [c for c in frame.columns if c != "_runtime" and c not in seen]
        seen.update(keep[1:])
        if len(keep) > 1:
            frames.append(frame[keep])
    if not frames:
        return pd.DataFrame({"_runtime": np.array([], dtype=float)})
    return pd.concat(frames, ignore_index=True).sort_values("_runtime", kind="stable")


def _clock_went_on(part: OfflineRun, frame: pd.DataFrame, elapsed: float) -> bool:
    """Whether a later part's ``_runtime`` already counts the earlier parts' time.

    Offline it never does: ``_runtime`` is the time since this process's own start, so it is
    about ``_timestamp - start_time``. A clock that went on (a server told the process where the
    run stood) is ahead of that by the earlier parts' time."""
    if part.start_time is None or elapsed <= 0 or "_timestamp" not in frame:
        return False
    clocked = frame[["_runtime", "_timestamp"]].dropna()
    if not len(clocked):
        return False
    runtime, timestamp = clocked.iloc[0]
    return bool(runtime - (timestamp - part.start_time) > elapsed / 2)


def _name(parts: list[OfflineRun]) -> str:
    # a resumed part started without name= shows only its id
    return next((p.name for p in parts if p.name and p.name != p.run_id), parts[0].name)


def _with_end(offline: OfflineRun) -> dict[str, Any]:
    summary = {**offline.summary, "tags": offline.tags} if offline.tags else dict(offline.summary)
    ended = how_it_ended(offline.exit_code, offline.output_tail)
    if ended:
        summary["_ended"] = ended
    return summary


def _lost_records(offline: OfflineRun) -> str | None:
    """What the run's files lost, said as what it means for its time; None: nothing lost. A
    file without an exit record was killed: wandb writes in 32 KiB blocks, and the last one,
    not yet written, died with the process, whether or not a record was cut in two."""
    lost = offline.earlier_damage
    if offline.damage or offline.exit_code is None:
        why = offline.damage or f"no exit record: {DIED}, or still running"
        return (
            f"its run file lost its tail ({why}; wandb writes in 32 KiB blocks, and a killed "
            "run's last block is missing): its time is short of what it ran"
        )
    if lost:
        return (
            f"{'; '.join(lost)}: the file of an earlier part lost its tail (wandb writes in "
            "32 KiB blocks, and a killed run's last block is missing): its time is short of "
            "what it ran"
        )
    return None


_LOG_CONFIG = re.compile(r"wandb\.init called with sweep_config: .*?\nconfig: (\{.*?\})\n", re.S)
_RUN_FOLDER = re.compile(r"(?:offline-)?run-(\d{8})_(\d{6})-(.+)")


# wandb's Run._config_callback logs every config change it sends: "config_cb None None {...}"
# for config.update(d) (Lightning's WandbLogger.log_hyperparams, after wandb.init), "config_cb
# key value None" for config.key = value
_CONFIG_CALLBACK = re.compile(r"config_cb (None None (\{.*\})|(\S+) (.*) None)$", re.M)


def _literal(text: str) -> Any:
    try:
        return ast.literal_eval(text)
    except (ValueError, SyntaxError, MemoryError, RecursionError):
        return None


def _logged_config(log: str) -> dict[str, Any]:
    """The config a run's debug.log says was sent: the wandb.init line's, then every config
    change in order (a value that is no Python literal, an object's repr, is left out)."""
    config: dict[str, Any] = {}
    found = _LOG_CONFIG.search(log)
    if found and isinstance(parsed := _literal(found.group(1)), dict):
        config.update(parsed)
    for change in _CONFIG_CALLBACK.finditer(log):
        if change.group(2) is not None:
            if isinstance(parsed := _literal(change.group(2)), dict):
                config.update(parsed)
        elif not change.group(3).startswith("("):  # a nested key's tuple: not said whole
            text = change.group(4)
            value = _literal(text)
            config[change.group(3)] = text if value is None and text != "None" else value
    config.pop("_wandb", None)
    return config


def _empty_run(path: Path, damage: str) -> RunFacts:
    """A run file that holds no record: the job was killed before wandb wrote its first block.
    Its id and start come from its folder's name, its config from the wandb.init line of its
    debug.log, where the SDK wrote one (nothing else of it survives)."""
    folder = _RUN_FOLDER.fullmatch(path.parent.name)
    run_id = folder.group(3) if folder else path.stem.removeprefix("run-")
    created = None
    if folder:
        with contextlib.suppress(ValueError):
            created = (
                datetime.strptime(folder.group(1) + folder.group(2), "%Y%m%d%H%M%S")
                .replace(tzinfo=UTC)
                .isoformat()
            )
    config: dict[str, Any] = {}
    with contextlib.suppress(OSError):
        config = _logged_config((path.parent / "logs" / "debug.log").read_text(errors="replace"))
    size = path.stat().st_size if path.exists() else 0
    return RunFacts(
        run_id=run_id,
        name=run_id,
        state="crashed",
        runtime_s=0.0,
        config=flatten(config),
        summary={
            "_empty_file": f"{size} bytes, no record{damage}: crashed before wandb wrote one "
            f"({DIED_WHY})" + ("; config from its debug.log" if config else "")
        },
        history=pd.DataFrame({"_runtime": np.array([], dtype=float)}),
        source=f"offline:{path.parent.name}",
        created_at=created,
    )


def add_command(commands: Commands) -> None:
    command = source_command(
        commands,
        "offline",
        help="read W&B run files (wandb/offline-run-*/run-*.wandb) into the store",
        epilog="example:\n  python -m extract offline wandb/ -o data/runs.h5\n"
        "  python -m extract offline wandb/offline-run-20250807_124801-abc123 --merge",
    )
    command.add_argument(
        "paths", nargs="+", type=Path, help="run files, run directories or a wandb/ directory"
    )
    command.set_defaults(run=run_command)


def run_command(args: argparse.Namespace) -> None:
    ingest_into_store(args, lambda corrections: ingest_offline(args.paths, corrections))


def ingest_offline(paths: list[Path], overrides: Corrections | None = None) -> IngestResult:
    """Runs from run files, run directories or wandb/ directories."""
    overrides = overrides or Corrections()
    warnings: list[str] = []
    missing: list[RunFacts] = []
    by_id: dict[str, list[OfflineRun]] = {}
    named = {p.resolve() for p in paths if p.is_file()}
    for path in find_run_files(paths):
        offline = read_run_file(path)
        if not offline.run_id:
            damage = f" ({offline.damage})" if offline.damage else ""
            if path in named:
                raise InputError(
                    f"no run record: not a W&B run, or damaged at the start{damage}", path=path
                )
            # in a folder of runs, a job killed before wandb wrote its first record leaves a
            # file of a few bytes: the other runs are still read, and this one is kept as a
            # missing run (kinds.py), counted where its configuration is known
            missing.append(_empty_run(path, damage))
            warnings.append(
                f"{path}: no run record{damage}; kept as a missing run (crashed before wandb "
                f"wrote its first block, {DIED_WHY}; what it logged, if anything, was lost)"
            )
            continue
        by_id.setdefault(offline.run_id, []).append(offline)
    if not by_id:
        why = "; ".join(warnings) if warnings else "no run file found"
        raise InputError(
            f"no readable run among the run files ({why})", path=paths[0] if paths else None
        )
    projects = sorted({o.project for parts in by_id.values() for o in parts if o.project})
    if len(projects) > 1:
        # a study compares one training job run on different hardware; runs of several W&B
        # projects may be different trainings, compared as if they were one
        warnings.append(
            f"the runs come from {len(projects)} W&B projects ({', '.join(projects)}): a study "
            "compares one training job, so extract each project into a store of its own (-o), "
            "or exclude the others in the study file"
        )
    found: list[RunFacts] = []
    for parts in by_id.values():
        # several files of one run: the ranks of a multi-process run, or a resumed run
        offline = _combine_parts(parts)
        path = offline.path
        history = offline.history()
        runtime = offline.measured_runtime()
        warnings += [
            f"{offline.run_id}: {why}; the run went on in a later part, so it counts as time"
            for why in offline.earlier_damage
        ]
        if offline.damage or offline.exit_code is None:
            why = offline.damage or f"no exit record ({DIED}, or still running)"
            warnings.append(f"{path}: {why}; kept what came before, state 'crashed'")
        lost = _lost_records(offline)
        created = (
            datetime.fromtimestamp(offline.start_time, UTC).isoformat()
            if offline.start_time
            else None
        )
        found.append(
            RunFacts(
                run_id=offline.run_id,
                name=offline.name,
                state="crashed" if offline.damage else offline.state,
                runtime_s=runtime,
                config=flatten(offline.config),
                # where the web UI's export and the API put them (the tag rules read them);
                # how the run ended, where its exit code and output say
                summary=_with_end(offline),
                history=history,
                source=f"offline:{path.parent.name}",
                created_at=created,
                metadata=dict(offline.environment),
                parts=offline.parts,
                group=offline.group or None,
                job_type=offline.job_type or None,
                sweep_id=offline.sweep_id or None,
                # power, for energy (study/cost.py); a joined training keeps its first rank's
                # record, which wandb takes of every GPU of that rank's node
                system=offline.system(),
                damage=lost,
            )
        )
    joined, notes = join_ranks(found)
    warnings += notes
    runs = decide_kinds([make_run(facts, overrides) for facts in joined + missing])

    return IngestResult(runs, warnings)
