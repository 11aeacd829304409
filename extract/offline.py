"""Runs from W&B's own run files: `wandb/offline-run-*/run-*.wandb` (and synced `run-*`).

The file is a LevelDB-style log (wandb's `core/pkg/leveldb/record.go`): a 7-byte header
(`:W&B`, magic 0xBEE1 little-endian, version 0) in block 0, then 32 KiB blocks of chunks, each
`crc32 u32 LE | length u16 LE | type u8` + payload, FULL=1 or FIRST/MIDDLE/LAST=2/3/4 pieces of
one record. The CRC is plain CRC-32 of the type byte and the payload. Fewer than 7 bytes left in
a block are padding. Each record is a `wandb_internal_pb2.Record`.

Read directly, not through `wandb leet inspect --json`: no subprocess, no JSON layout that may
change, and a damaged tail is handled here (everything before it is kept, the run is "crashed").
"""

from __future__ import annotations

import json
import math
import struct
import zlib
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd

from .errors import InputError
from .history import join_on_step

BLOCK_SIZE = 32 * 1024
CHUNK_HEADER = 7
FILE_HEADER = b":W&B" + struct.pack("<H", 0xBEE1) + b"\x00"
FULL, FIRST, MIDDLE, LAST = 1, 2, 3, 4


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
    raw_summary: dict[str, str] = field(default_factory=dict, repr=False)

    @property
    def state(self) -> str:
        if self.exit_code is None:
            return "crashed"
        return "finished" if self.exit_code == 0 else "failed"

    def history(self) -> pd.DataFrame:
        """One row per logged step, one column per key (NaN where a row lacks it)."""
        numeric = [{k: v for k, v in row.items() if _is_number(v)} for row in self.rows]
        frame = pd.DataFrame(numeric)
        if "_runtime" not in frame:
            frame["_runtime"] = np.nan
        return frame


def find_run_files(paths: list[Path]) -> list[Path]:
    """Run files under each path: a .wandb file, a run directory, or a whole wandb/ directory."""
    found: list[Path] = []
    for path in paths:
        if path.is_file():
            found.append(path)
        elif path.is_dir():
            files = sorted(p for p in path.rglob("run-*.wandb") if "latest-run" not in p.parts)
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
        record = pb.Record()
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


def _key(item) -> str:
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


def _apply(run: OfflineRun, record) -> None:
    kind = record.WhichOneof("record_type")
    if kind == "run":
        run.run_id = record.run.run_id
        run.name = record.run.display_name or record.run.run_id
        run.project = record.run.project
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
    elif kind == "exit":
        run.exit_code = record.exit.exit_code
        run.runtime_s = float(record.exit.runtime)


def _decoded(raw: dict[str, str]) -> dict[str, Any]:
    return {
        key: _value(text)
        for key, text in raw.items()
        if key != "_wandb" and not key.startswith("_wandb.")
    }


def _update(target: dict[str, Any], items) -> None:
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
    if len(parts) == 1:
        return parts[0]
    first = parts[0]
    combined = OfflineRun(
        path=first.path, run_id=first.run_id, name=first.name, project=first.project
    )
    for part in parts:
        combined.config.update(part.config)
        combined.summary.update(part.summary)
    combined.rows = join_on_step([p.history() for p in parts]).to_dict("records")
    runtimes = [p.runtime_s for p in parts if p.runtime_s is not None]
    combined.runtime_s = max(runtimes) if runtimes else None
    codes = [p.exit_code for p in parts]
    combined.exit_code = None if None in codes else max(codes)
    combined.start_time = min((p.start_time for p in parts if p.start_time), default=None)
    damaged = [f"{p.path.parent.name}: {p.damage}" for p in parts if p.damage]
    combined.damage = "; ".join(damaged) or None
    return combined


def flatten(values: dict[str, Any], prefix: str = "") -> dict[str, Any]:
    """Nested config as the W&B runs table shows it: {'optimizer': {'lr': 1}} -> 'optimizer.lr'."""
    flat: dict[str, Any] = {}
    for key, value in values.items():
        name = f"{prefix}{key}"
        if isinstance(value, dict) and value:
            flat.update(flatten(value, f"{name}."))
        else:
            flat[name] = value
    return flat


def ingest_offline(paths: list[Path], overrides=None):
    """Runs from run files, run directories or wandb/ directories."""
    from datetime import UTC, datetime

    from .classify import Overrides
    from .ingest import IngestResult, RunFacts, make_run

    overrides = overrides or Overrides()
    runs, warnings = [], []
    by_id: dict[str, list[OfflineRun]] = {}
    for path in find_run_files(paths):
        offline = read_run_file(path)
        if not offline.run_id:
            damage = f" ({offline.damage})" if offline.damage else ""
            raise InputError(
                f"no run record: not a W&B run, or damaged at the start{damage}", path=path
            )
        by_id.setdefault(offline.run_id, []).append(offline)
    for parts in by_id.values():
        # several files of one run: the ranks of a multi-process run, or a resumed run
        offline = _combine_parts(parts)
        path = offline.path
        history = offline.history()
        logged = history["_runtime"].dropna()
        runtime = offline.runtime_s or (float(logged.max()) if len(logged) else 0.0)
        if offline.damage or offline.exit_code is None:
            why = offline.damage or "no exit record (killed, or still running)"
            warnings.append(f"{path}: {why}; kept what came before, state 'crashed'")
        created = (
            datetime.fromtimestamp(offline.start_time, UTC).isoformat()
            if offline.start_time
            else None
        )
        runs.append(
            make_run(
                RunFacts(
                    run_id=offline.run_id,
                    name=offline.name,
                    state="crashed" if offline.damage else offline.state,
                    runtime_s=runtime,
                    config=flatten(offline.config),
                    summary=offline.summary,
                    history=history,
                    source=f"offline:{path.parent.name}",
                    created_at=created,
                ),
                overrides,
            )
        )
    return IngestResult(runs, warnings)
