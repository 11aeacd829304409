"""The HDF5 run store: one file, a record per run and the histories of runs that logged rows,
written atomically.

Schema (version 4)::

    /                      attrs: schema_version, writer, sample (True for the sample study)
    /records               one UTF-8 JSON text per run, in the order saved: run_id, name,
                           platform (cluster, laptop or unknown), state, epochs, time_s,
                           extrapolated, measured_s, reconstructed, created_at, source, config,
                           summary, metadata (what wandb recorded of the machine), facts (gpus,
                           nodes, cores, epochs_done, kind, sweep, activity, damage, ...; null =
                           unknown), evidence (fact -> source, key, value), history_keys and
                           system_keys (the keys logged, in their order)
    /runs/<n>              the n-th record's logged rows, only for runs that logged any
        history/<key>      one float64 dataset per logged key, all of one length, NaN where a
                           row did not log the key; chunked and gzip-compressed. Dataset names
                           are the keys percent-encoded ("/" -> "%2F"), so nested keys survive.
        system/<key>       wandb's system metrics (gpu.0.powerWatts, ...) against system/_runtime,
                           stored as the history is

Records in one dataset, not a group per run: a project of ten thousand runs (most without
histories, from a runs-table export) is read and written in a second, where ten thousand groups
of attributes took tens. Version 3 stores (a group of attributes per run) are still read.

Writes go to a temporary file in the same folder and replace the store with one rename, so an
interrupted write (Ctrl-C, kill -9, full disk) leaves the previous store as it was.
"""

from __future__ import annotations

import glob
import io
import json
import math
import os
import tempfile
from collections.abc import Callable, Iterable, Sequence
from dataclasses import asdict
from pathlib import Path
from typing import Any
from urllib.parse import quote

import h5py
import numpy as np
import pandas as pd

from .errors import StoreError
from .metric_names import is_metric
from .model import Evidence, Run, platform_or_none

SCHEMA_VERSION = 4
# versions read as they were written: the same facts, kept another way
READABLE_VERSIONS = (3, 4)
# what each version before this one lacks, said when such a store is refused
OLDER_VERSIONS = {
    1: "without evidence for its facts",
    2: "without the kind of each run (training, debugging, evaluation, sweep trial, ...)",
}
HDF5_SIGNATURE = b"\x89HDF\r\n\x1a\n"
CHUNK_ROWS = 4096
STORE_NAME = "runs.h5"  # the file a folder given as a store means (data/runs.h5)


def save_runs(path: str | Path, runs: Sequence[Run], *, sample: bool = False) -> None:
    """Write ``runs`` to ``path``, replacing what was there only once the new file is complete.
    ``sample`` marks the sample study's store, so user runs are never merged into it."""
    path = Path(path)
    if path.is_dir():  # a folder names where the store goes, as `cp FILE DIR/` would
        path = path / STORE_NAME
    path.parent.mkdir(parents=True, exist_ok=True)
    # HDF5 is built in memory and written with plain file writes: the HDF5 library does not
    # survive a failed write (a full disk crashed it), a Python write raises a clean OSError
    image = io.BytesIO()
    with h5py.File(image, "w") as h5:
        h5.attrs["schema_version"] = SCHEMA_VERSION
        h5.attrs["writer"] = "lumi-vs-laptop"
        h5.attrs["sample"] = bool(sample)
        runs_group = h5.create_group("runs")
        records = []
        for index, run in enumerate(runs):
            records.append(json.dumps(_record(run), default=str))
            if len(run.history) or len(run.system):
                rows = runs_group.create_group(str(index))
                if len(run.history):
                    write_frame(rows.create_group("history"), run.history)
                if len(run.system):
                    write_frame(rows.create_group("system"), run.system)
        h5.create_dataset("records", data=records, dtype=h5py.string_dtype("utf-8"))
    _remove_abandoned_temporaries(path)
    fd, tmp_name = tempfile.mkstemp(
        prefix=f".{path.name}.{os.getpid()}.", suffix=".tmp", dir=path.parent
    )
    try:
        with os.fdopen(fd, "wb") as handle:
            handle.write(image.getbuffer())
            handle.flush()
            os.fsync(handle.fileno())
        # mkstemp makes the file private (0600); the store gets the mode a plain open would
        # give it, so colleagues sharing a project folder can read it
        os.chmod(tmp_name, _mode_for(path))
        os.replace(tmp_name, path)
    except OSError as error:
        Path(tmp_name).unlink(missing_ok=True)
        reason = getattr(error, "strerror", None) or _reason(error)
        raise StoreError(
            f"cannot write the store ({reason})",
            path=path,
            hint="the previous store is unchanged; free some space, or write elsewhere with -o",
        ) from None
    except BaseException:
        Path(tmp_name).unlink(missing_ok=True)
        raise


def _mode_for(path: Path) -> int:
    """The store's mode as it was, or for a new store 0666 less the umask."""
    try:
        return path.stat().st_mode & 0o777
    except OSError:
        pass
    # the umask can only be read by setting it; 077 meanwhile errs on the private side
    umask = os.umask(0o077)
    os.umask(umask)
    return 0o666 & ~umask


def store_argument(text: str) -> Path:
    """A store named on the command line: a folder (existing, or written with a trailing
    slash) means the file ``runs.h5`` in it."""
    path = Path(text)
    if text.endswith(("/", os.sep)) or path.is_dir():
        return path / STORE_NAME
    return path


def _remove_abandoned_temporaries(path: Path) -> None:
    """Temporary files of writers that were killed (kill -9, power loss) before their rename."""
    for temporary in path.parent.glob(f".{glob.escape(path.name)}.*.tmp"):
        pid = temporary.name[len(path.name) + 2 :].split(".", 1)[0]
        if pid.isdigit() and not _process_exists(int(pid)):
            temporary.unlink(missing_ok=True)


def _process_exists(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:
        return True
    return True


# which history keys are read: names (and every accuracy or loss key), or a test of the name
Columns = Iterable[str] | Callable[[str], bool] | None
# the runs read with every key whatever ``Columns`` says: a test of (run_id, name)
Whole = Callable[[str, str], bool] | None


def load_runs(path: str | Path, columns: Columns = None, whole: Whole = None) -> list[Run]:
    """Read every run of the store at ``path``.

    ``columns`` limits the history to these keys (plus ``_runtime``), so a scene reads only
    what it draws: a list of keys (every accuracy and loss key is read too), or a test of a
    key's name (only what it accepts). ``whole`` names runs read with every key all the same
    (runs whose facts are decided again from their histories).
    """
    path = Path(path)
    _check_is_store(path)
    wanted = _wanted(columns)
    try:
        with h5py.File(path, "r") as h5:
            version = int(h5.attrs.get("schema_version", -1))
            if version > SCHEMA_VERSION:
                raise StoreError(
                    f"store has schema version {version}, this tool reads up to {SCHEMA_VERSION}",
                    path=path,
                    hint="update lumi-vs-laptop, or rebuild the store with 'python -m extract'",
                )
            if h5.attrs.get("writer") == "lumi-vs-laptop" and version < min(READABLE_VERSIONS):
                # version 1 decided GPU counts and platforms without evidence, version 2 took every
                # finished run for a training: their facts cannot be trusted, so such a store is
                # rebuilt from its sources, not read
                old = OLDER_VERSIONS.get(version, "older than any release")
                raise StoreError(
                    f"store has schema version {version}, {old}",
                    path=path,
                    hint="rebuild it from its sources with 'python -m extract'",
                )
            if version < 1 or "runs" not in h5:
                raise StoreError("not a lumi-vs-laptop run store", path=path)
            if version >= 4:
                return _read_records(h5, wanted, whole, path)
            groups = sorted(h5["runs"].values(), key=lambda g: int(g.name.rsplit("/", 1)[1]))
            runs = []
            for group in groups:
                try:
                    attrs = group.attrs
                    read_all = whole is not None and whole(str(attrs["run_id"]), str(attrs["name"]))
                    runs.append(_read_run(group, None if read_all else wanted))
                except (OSError, KeyError, ValueError, TypeError, json.JSONDecodeError) as error:
                    raise StoreError(
                        f"store is damaged: {group.name}: {_reason(error)}",
                        path=path,
                        hint="rebuild it with 'python -m extract'",
                    ) from None
                except StoreError as error:
                    raise StoreError(error.message, path=path, hint=error.hint) from None
            return runs
    except (OSError, KeyError, ValueError) as error:
        raise StoreError(f"store is damaged ({_reason(error)})", path=path) from None


def run_records(path: str | Path) -> list[dict[str, Any]] | None:
    """Each run's record (``run_id``, ``state``, ``summary``...) without its rows: what an
    incremental pull compares, read without opening a run's datasets. None for a store of an
    older layout (``load_runs`` reads those)."""
    path = Path(path)
    _check_is_store(path)
    try:
        with h5py.File(path, "r") as h5:
            version = int(h5.attrs.get("schema_version", -1))
            if not min(READABLE_VERSIONS) <= version <= SCHEMA_VERSION or "records" not in h5:
                return None
            return [json.loads(text) for text in h5["records"].asstr()[()]]
    except (OSError, KeyError, ValueError):
        return None


def _reason(error: Exception) -> str:
    text = str(error).strip("\"' ")
    return text.removeprefix("Unable to synchronously open ")


def _check_is_store(path: Path) -> None:
    if path.is_dir():
        inside = path / STORE_NAME
        hint = f"did you mean {inside}?" if inside.exists() else "name the store file itself"
        raise StoreError("a folder, not a run store", path=path, hint=hint)
    if not path.exists():
        raise StoreError(
            "no run store here", path=path, hint="create one with 'python -m extract csv EXPORT'"
        )
    with open(path, "rb") as handle:
        if handle.read(8) != HDF5_SIGNATURE:
            raise StoreError("not an HDF5 file", path=path)


def _record(run: Run) -> dict[str, object]:
    """Everything about a run but its logged rows, as the record stored for it."""
    return {
        "run_id": run.run_id,
        "name": run.name,
        "platform": run.platform,
        "state": run.state,
        "epochs": run.epochs,
        "time_s": float(run.time_s),
        "extrapolated": bool(run.extrapolated),
        "measured_s": run.measured_s,
        "reconstructed": bool(run.reconstructed),
        "created_at": run.created_at or "",
        "source": run.source,
        "config": run.config,
        "summary": run.summary,
        "metadata": run.metadata,
        "facts": _facts(run),
        "evidence": {k: asdict(v) for k, v in run.evidence.items()},
        "history_keys": [str(c) for c in run.history.columns],
        "system_keys": [str(c) for c in run.system.columns],
    }


def _facts(run: Run) -> dict[str, object]:
    return {
        "gpus": run.gpus,
        "nodes": run.nodes,
        "cores": run.cores,
        "cores_word": run.cores_word,
        "epochs_done": run.epochs_done,
        "label_override": run.label_override,
        "excluded": run.excluded,
        "notes": run.notes,
        "gpus_on_machine": run.gpus_on_machine,
        "group": run.group,
        "job_type": run.job_type,
        "sweep_id": run.sweep_id,
        "ranks": run.ranks,
        "kind": run.kind,
        "activity": run.activity,
        "damage": run.damage,
    }


def _wanted(columns: Columns) -> Callable[[str], bool] | None:
    """The test of a history key that ``load_runs``' ``columns`` means (None: every key)."""
    if columns is None:
        return None
    if callable(columns):
        test = columns
        return lambda c: c == "_runtime" or test(c)
    named = {"_runtime", *columns}
    # the asked keys, and every accuracy or loss key: a project names its metrics its own way,
    # and the scenes recognise them by pattern (metric_names.py)
    return lambda c: c in named or is_metric(c)


def _read_records(
    h5: h5py.File, wanted: Callable[[str], bool] | None, whole: Whole, path: Path
) -> list[Run]:
    runs_group = h5["runs"]
    # listed once: a lookup of a missing member costs h5py an exception (2 s for 10,000 runs)
    with_rows = set(runs_group)
    runs = []
    for index, text in enumerate(h5["records"].asstr()[()]):
        try:
            record = json.loads(text)
            rows = runs_group[str(index)] if str(index) in with_rows else None
            read_all = whole is not None and whole(str(record["run_id"]), str(record["name"]))
            runs.append(_run_from_record(record, rows, None if read_all else wanted))
        except (OSError, KeyError, ValueError, TypeError) as error:
            raise StoreError(
                f"store is damaged: record {index}: {_reason(error)}",
                path=path,
                hint="rebuild it with 'python -m extract'",
            ) from None
        except StoreError as error:
            raise StoreError(error.message, path=path, hint=error.hint) from None
    return runs


def _run_from_record(
    record: dict[str, Any], rows: h5py.Group | None, wanted: Callable[[str], bool] | None
) -> Run:
    platform = platform_or_none(str(record["platform"]))
    if platform is None:
        raise StoreError(f"run {record['name']!r} has unknown platform {record['platform']!r}")
    history_keys = [str(c) for c in record["history_keys"]]
    if rows is not None and "history" in rows:
        history = read_frame(rows["history"], wanted)
    else:
        history = _no_rows(history_keys, wanted)
    if "_runtime" not in history:
        history["_runtime"] = np.zeros(len(history))
    system_filter = _system_filter(wanted)
    if rows is not None and "system" in rows:
        system = read_frame(rows["system"], system_filter)
    else:
        system = _no_rows([str(c) for c in record["system_keys"]] or ["_runtime"], system_filter)
    facts = record["facts"]
    epochs, measured = record["epochs"], record["measured_s"]
    return Run(
        run_id=str(record["run_id"]),
        name=str(record["name"]),
        platform=platform,
        state=str(record["state"]),
        gpus=_int_or_none(facts["gpus"]),
        nodes=_int_or_none(facts["nodes"]),
        epochs=None if epochs is None else float(epochs),
        time_s=float(record["time_s"]),
        extrapolated=bool(record["extrapolated"]),
        measured_s=None if measured is None else float(measured),
        reconstructed=bool(record["reconstructed"]),
        created_at=str(record["created_at"]) or None,
        source=str(record["source"]),
        config=record["config"],
        summary=record["summary"],
        history=history,
        system=system,
        stored_keys=tuple(history_keys),
        system_keys=tuple(str(c) for c in record["system_keys"]),
        metadata=record["metadata"],
        evidence={k: Evidence(**v) for k, v in record["evidence"].items()},
        **_facts_read(facts),
    )


def _facts_read(facts: dict[str, Any]) -> dict[str, Any]:
    """The facts kept beside the record's fields, as Run takes them (both schema versions)."""
    return {
        "cores": _int_or_none(facts["cores"]),
        "cores_word": str(facts.get("cores_word", "cores")),
        "epochs_done": facts["epochs_done"],
        "label_override": facts.get("label_override"),
        "excluded": bool(facts.get("excluded", False)),
        "notes": [str(n) for n in facts.get("notes", [])],
        "gpus_on_machine": _int_or_none(facts.get("gpus_on_machine")),
        "group": facts.get("group"),
        "job_type": facts.get("job_type"),
        "sweep_id": facts.get("sweep_id"),
        "ranks": int(facts.get("ranks", 1)),
        "kind": facts.get("kind"),
        "activity": dict(facts.get("activity") or {}),
        "damage": facts.get("damage"),
    }


_EMPTY_COLUMN = np.array([], dtype=np.float64)
_NO_ROWS: dict[tuple[str, ...], pd.DataFrame] = {}


def _no_rows(keys: list[str], wanted: Callable[[str], bool] | None) -> pd.DataFrame:
    """An empty frame of the keys a run without rows logged (a runs-table export's): one
    frame per set of keys, copied, since thousands of runs share a few such sets."""
    if wanted is not None:
        keys = [c for c in keys if c == "_runtime" or wanted(c)]
    template = _NO_ROWS.get(tuple(keys))
    if template is None:
        template = pd.DataFrame({c: _EMPTY_COLUMN for c in keys})
        _NO_ROWS[tuple(keys)] = template
    return template.copy()


def write_frame(history: h5py.Group, frame: pd.DataFrame) -> None:
    """One chunked, compressed float64 dataset per column (the history and the system metrics)."""
    columns = [str(c) for c in frame.columns]
    history.attrs["columns_json"] = json.dumps(columns)
    for column in columns:
        values = pd.to_numeric(frame[column], errors="coerce").to_numpy(dtype=np.float64)
        chunks = (min(len(values), CHUNK_ROWS),) if len(values) else None
        history.create_dataset(
            quote(column, safe=""),
            data=values,
            chunks=chunks,
            compression="gzip" if len(values) else None,
            compression_opts=4 if len(values) else None,
            shuffle=bool(len(values)),
        )


def _read_run(group: h5py.Group, wanted: Callable[[str], bool] | None) -> Run:
    attrs = group.attrs
    platform = platform_or_none(str(attrs["platform"]))
    if platform is None:
        raise StoreError(f"run {attrs['name']!r} has unknown platform {str(attrs['platform'])!r}")
    stored_keys = tuple(str(c) for c in json.loads(group["history"].attrs["columns_json"]))
    history = read_frame(group["history"], wanted)
    if "_runtime" not in history:
        history["_runtime"] = np.zeros(len(history))
    # power only is what a figure uses of the system metrics (study/cost.py); with ``columns``
    # (a scene's partial read) the rest is left on disk
    system = (
        read_frame(group["system"], _system_filter(wanted))
        if "system" in group
        else pd.DataFrame({"_runtime": np.array([], dtype=float)})
    )
    system_keys = (
        tuple(str(c) for c in json.loads(group["system"].attrs["columns_json"]))
        if "system" in group
        else ()
    )
    facts = json.loads(attrs["facts_json"])
    evidence = {k: Evidence(**v) for k, v in json.loads(attrs["evidence_json"]).items()}
    return Run(
        run_id=str(attrs["run_id"]),
        name=str(attrs["name"]),
        platform=platform,
        state=str(attrs["state"]),
        gpus=_int_or_none(facts["gpus"]),
        nodes=_int_or_none(facts["nodes"]),
        epochs=_none_if_nan(attrs["epochs"]),
        time_s=float(attrs["time_s"]),
        extrapolated=bool(attrs["extrapolated"]),
        measured_s=_none_if_nan(attrs["measured_s"]),
        reconstructed=bool(attrs["reconstructed"]),
        created_at=str(attrs["created_at"]) or None,
        source=str(attrs["source"]),
        config=json.loads(attrs["config_json"]),
        summary=json.loads(attrs["summary_json"]),
        history=history,
        system=system,
        metadata=json.loads(attrs["metadata_json"]),
        evidence=evidence,
        stored_keys=stored_keys,
        system_keys=system_keys,
        **_facts_read(facts),
    )


def read_frame(
    frame_group: h5py.Group, wanted: set[str] | Callable[[str], bool] | None
) -> pd.DataFrame:
    columns = json.loads(frame_group.attrs["columns_json"])
    if callable(wanted):
        columns = [c for c in columns if c == "_runtime" or wanted(c)]
    elif wanted is not None:
        columns = [c for c in columns if c in wanted]
    # each column as read, not copied into one block (a million rows of every column)
    return pd.DataFrame({c: frame_group[quote(c, safe="")][()] for c in columns}, copy=False)


def _system_filter(wanted: Callable[[str], bool] | None) -> Callable[[str], bool] | None:
    # power is what a figure uses of the system metrics (study/cost.py), and a key asked for by
    # name (MetricVsTime's); with ``columns`` (a scene's partial read) the rest stays on disk
    return None if wanted is None else (lambda c: wanted(c) or _power_column(c))


def _power_column(key: str) -> bool:
    return key.split("/l:", 1)[0].endswith("powerWatts")


def is_sample_store(path: str | Path) -> bool:
    """Whether the store at ``path`` holds the sample study (False if there is none)."""
    path = Path(path)
    if not path.exists():
        return False
    try:
        with h5py.File(path, "r") as h5:
            return bool(h5.attrs.get("sample", False))
    except OSError:
        return False


def _int_or_none(value: float | str | None) -> int | None:
    return None if value is None else int(value)


def _float_or_nan(value: float | None) -> float:
    return math.nan if value is None else float(value)


def _none_if_nan(value: float) -> float | None:
    value = float(value)
    return None if math.isnan(value) else value
