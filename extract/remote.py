"""Runs with full histories from the W&B public API (`python -m extract wandb ENTITY/PROJECT`).

Histories come from `Run.scan_history`, which returns every row (the sampled `Run.history` is
never used for them). System metrics (GPU power, for energy) come from the run's system
stream, `Run.history(stream="system")`: the only way the API gives them, sampled by the server
on long runs (the samples it returns are integrated as they are). With `--keys`, each key is
scanned on its own and the rows are joined on `_step`: scan_history only returns rows holding
all requested keys, so keys logged in separate `log()` calls would be lost if asked for
together. Authentication is W&B's own (WANDB_API_KEY,
~/.netrc, `wandb login`): the key never passes through this code.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Iterable, Mapping
from concurrent.futures import ThreadPoolExecutor, as_completed
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Any, Protocol

import pandas as pd

from .classify import Overrides
from .groups import join_rank_runs
from .history import join_on_step
from .kinds import decide_kinds
from .merge import merge_runs
from .model import Run
from .runfilter import RunFields, RunFilter
from .runs import RunFacts, flatten, make_run
from .store import load_runs, save_runs

if TYPE_CHECKING:
    from rich.progress import Progress

SYSTEM_KEYS = ("_step", "_runtime", "_timestamp")
# rows asked of the system stream; W&B samples it down on the server when a run has more
SYSTEM_SAMPLES = 100_000
# the system stream names each metric as wandb's monitor did, behind this prefix
SYSTEM_PREFIX = "system."


class RemoteRun(Protocol):
    """What is read of a W&B public-API run (``wandb.apis.public.Run``; the tests hand in a
    stand-in). ``created_at``, ``group``, ``heartbeat_at``, ``history_line_count``,
    ``job_type``, ``metadata`` and ``tags`` are read with getattr: not every version has them."""

    @property
    def id(self) -> str: ...
    @property
    def name(self) -> str | None: ...
    @property
    def state(self) -> str: ...
    @property
    def config(self) -> Mapping[str, Any]: ...
    @property
    def summary_metrics(self) -> Mapping[str, Any]: ...

    def scan_history(
        self, keys: list[str] | None = ..., page_size: int = ...
    ) -> Iterable[Mapping[str, Any]]: ...

    def history(self, *, samples: int, pandas: bool, stream: str) -> Any: ...


class RunsApi(Protocol):
    """What is asked of ``wandb.Api``: the runs of a project."""

    def runs(self, path: str, *, filters: dict[str, Any], per_page: int) -> Iterable[RemoteRun]: ...


@dataclass
class Selection:
    path: str
    filters: dict[str, Any] = field(default_factory=dict)
    state: str | None = None
    group: str | None = None
    name_regex: str | None = None
    keys: list[str] | None = None
    # the study file's [select]: sent as filters, and checked again on what the API returns
    run_filter: RunFilter = field(default_factory=RunFilter)

    def api_filters(self) -> dict[str, Any]:
        """W&B's MongoDB-style filters, with the shorthand options and [select] folded in."""
        clauses = [self.filters] if self.filters else []
        if not self.run_filter.empty and self.run_filter.api_filters():
            clauses.append(self.run_filter.api_filters())
        if self.state:
            clauses.append({"state": self.state})
        if self.group:
            clauses.append({"group": self.group})
        if self.name_regex:
            clauses.append({"displayName": {"$regex": self.name_regex}})
        if not clauses:
            return {}
        return clauses[0] if len(clauses) == 1 else {"$and": clauses}


@dataclass
class FetchSummary:
    added: list[str] = field(default_factory=list)
    updated: list[str] = field(default_factory=list)
    unchanged: list[str] = field(default_factory=list)
    failed: list[str] = field(default_factory=list)  # "name: what failed"
    notes: list[str] = field(default_factory=list)  # ranks joined into one training, and why


def fetch_history(
    remote_run: RemoteRun, keys: list[str] | None, on_rows: Callable[[int], None]
) -> pd.DataFrame:
    """Every history row of a run; with ``keys``, one scan per key joined on ``_step``."""
    if not keys:
        return pd.DataFrame(_scan(remote_run, None, on_rows))
    frames = [pd.DataFrame(_scan(remote_run, [key, *SYSTEM_KEYS[:2]], on_rows)) for key in keys]
    return join_on_step([f for f in frames if "_step" in f])


def _scan(
    remote_run: RemoteRun, keys: list[str] | None, on_rows: Callable[[int], None]
) -> list[dict[str, Any]]:
    rows = []
    for row in remote_run.scan_history(keys=keys, page_size=1000):
        rows.append({k: v for k, v in row.items() if _scalar(v)})
        if len(rows) % 1000 == 0:
            on_rows(1000)
    on_rows(len(rows) % 1000)
    return rows


def fetch_system(remote_run: RemoteRun) -> pd.DataFrame:
    """The run's system metrics (``system.gpu.0.powerWatts`` in the stream) against
    ``_runtime``, named as wandb's monitor named them (``gpu.0.powerWatts``)."""
    rows = remote_run.history(samples=SYSTEM_SAMPLES, pandas=False, stream="system")
    kept = []
    for row in rows or []:
        if not isinstance(row.get("_runtime"), int | float):
            continue
        values = {
            key.removeprefix(SYSTEM_PREFIX): value
            for key, value in row.items()
            if key.startswith(SYSTEM_PREFIX) and _scalar(value) and not isinstance(value, str)
        }
        kept.append({"_runtime": float(row["_runtime"]), **values})
    if not kept:
        return pd.DataFrame({"_runtime": pd.Series([], dtype=float)})
    return pd.DataFrame(kept).sort_values("_runtime", kind="stable", ignore_index=True)


def _scalar(value: Any) -> bool:
    return isinstance(value, int | float | str) and not isinstance(value, bool)


def to_run(remote_run: RemoteRun, history: pd.DataFrame, overrides: Overrides) -> Run:
    summary = dict(remote_run.summary_metrics)
    runtime = summary.get("_runtime")
    if not isinstance(runtime, int | float) and "_runtime" in history and len(history):
        runtime = float(history["_runtime"].max())
    numeric = history.apply(pd.to_numeric, errors="coerce") if len(history) else history
    if "_runtime" not in numeric:
        numeric["_runtime"] = float("nan")
    summary["_heartbeat_at"] = str(getattr(remote_run, "heartbeat_at", "") or "")
    summary["_history_rows"] = int(getattr(remote_run, "history_line_count", 0) or len(history))
    summary["tags"] = list(getattr(remote_run, "tags", []) or [])
    summary["group"] = getattr(remote_run, "group", None)
    return make_run(
        RunFacts(
            run_id=remote_run.id,
            name=_name(remote_run),
            state=remote_run.state,
            runtime_s=float(runtime or 0.0),
            config=flatten(dict(remote_run.config)),
            summary=summary,
            history=numeric,
            source="wandb-api",
            created_at=str(getattr(remote_run, "created_at", "") or "") or None,
            metadata=machine_facts(getattr(remote_run, "metadata", None)),
            group=getattr(remote_run, "group", None) or None,
            job_type=getattr(remote_run, "job_type", None) or None,
            sweep_id=_sweep_id(remote_run),
        ),
        overrides,
    )


def _sweep_id(remote_run: RemoteRun) -> str | None:
    """The id of the sweep the run is a trial of: the API's ``run.sweep_name``, which comes with
    the run (``run.sweep`` would fetch the sweep, a request per run), else None."""
    found = getattr(remote_run, "sweep_name", None)
    return str(found) if found else None


# what wandb-metadata.json holds that says nothing about the machine, or could identify a person
PRIVATE_METADATA = ("email", "username", "git", "codePath", "codePathLocal", "root", "docker")


def machine_facts(metadata: Any) -> dict[str, Any]:
    """The run's metadata (what wandb recorded about the machine: slurm, gpu_count, cpu_count,
    host, args) flattened like the offline reader's: 'slurm.nnodes'; whole numbers logged as
    text (Slurm's variables) become numbers."""
    if not isinstance(metadata, dict):
        return {}
    kept = {k: v for k, v in metadata.items() if k not in PRIVATE_METADATA}
    facts: dict[str, Any] = {}
    for key, value in flatten(kept).items():
        if isinstance(value, list):
            facts[f"{key}.count"] = len(value)
            continue
        if isinstance(value, str) and value.strip().isdigit():
            value = int(value)
        facts[key] = value
    return facts


def fields_of(remote_run: RemoteRun, wanted: RunFilter) -> RunFields:
    """What [select] reads of an API run; its config only when [select] names config values
    (a lazy run fetches its config with one more request)."""
    return RunFields(
        run_id=remote_run.id,
        name=_name(remote_run),
        state=remote_run.state,
        tags=tuple(str(t) for t in getattr(remote_run, "tags", []) or []),
        group=getattr(remote_run, "group", None) or None,
        job_type=getattr(remote_run, "job_type", None) or None,
        sweep_id=_sweep_id(remote_run),
        created_at=str(getattr(remote_run, "created_at", "") or "") or None,
        config=flatten(dict(remote_run.config)) if wanted.config else {},
    )


def _name(remote_run: RemoteRun) -> str:
    # W&B's display name is optional; the id always exists
    return remote_run.name or remote_run.id


def unchanged(stored: Run | None, remote_run: RemoteRun) -> bool:
    """A finished run already stored with the same history length and heartbeat."""
    if stored is None or stored.state != "finished" or remote_run.state != "finished":
        return False
    return stored.summary.get("_heartbeat_at") == str(
        getattr(remote_run, "heartbeat_at", "") or ""
    ) and stored.summary.get("_history_rows") == int(
        getattr(remote_run, "history_line_count", 0) or -1
    )


def pull(
    api: RunsApi,
    selection: Selection,
    store: Path,
    overrides: Overrides | None = None,
    refresh: bool = False,
    workers: int = 4,
    progress: Progress | None = None,
) -> FetchSummary:
    """Fetch the selected runs into ``store``; the store is saved after every run, so an
    interruption keeps every run completed before it."""
    overrides = overrides or Overrides()
    stored = {r.run_id: r for r in load_runs(store)} if store.exists() else {}
    remote_runs = list(api.runs(selection.path, filters=selection.api_filters(), per_page=50))
    if selection.name_regex:  # the server's $regex differs between deployments: check here too
        pattern = re.compile(selection.name_regex)
        remote_runs = [r for r in remote_runs if pattern.search(r.name or "")]
    if not selection.run_filter.empty:  # before any history is fetched
        wanted = selection.run_filter
        remote_runs = [r for r in remote_runs if wanted.why_not(fields_of(r, wanted)) is None]
    # ranks joined into one training at an earlier pull: the training stands for them
    for run in list(stored.values()):
        for rank_id in run.summary.get("_rank_run_ids") or []:
            stored.setdefault(str(rank_id), run)
    summary = FetchSummary()
    todo = []
    for remote_run in remote_runs:
        training = stored.get(remote_run.id)
        if (
            not refresh
            and training is not None
            and training.run_id != remote_run.id
            and training.finished
        ):
            summary.unchanged.append(_name(remote_run))
            continue
        if not refresh and unchanged(stored.get(remote_run.id), remote_run):
            summary.unchanged.append(_name(remote_run))
        else:
            todo.append(remote_run)
    current = list({id(run): run for run in stored.values()}.values())

    def fetch(remote_run: RemoteRun) -> Run:
        total = getattr(remote_run, "history_line_count", None)
        task = progress.add_task(_name(remote_run), total=total) if progress else None

        def advance(rows: int) -> None:
            if progress is not None and task is not None:
                progress.advance(task, rows)

        history = fetch_history(remote_run, selection.keys, advance)
        run = to_run(remote_run, history, overrides)
        run.system = fetch_system(remote_run)
        return run

    with ThreadPoolExecutor(max_workers=max(1, workers)) as pool:
        futures = {pool.submit(fetch, r): r for r in todo}
        for future in as_completed(futures):
            remote_run = futures[future]
            try:
                run = future.result()
            except Exception as error:  # one run's failure must not lose the others
                summary.failed.append(f"{_name(remote_run)}: {describe(error)}")
                continue
            (summary.updated if remote_run.id in stored else summary.added).append(run.name)
            current = decide_kinds(merge_runs(current, [run]))
            save_runs(store, current)
    joined, notes = join_rank_runs(current)
    if len(joined) != len(current):
        save_runs(store, decide_kinds(joined))
    summary.notes = notes
    return summary


def describe(error: BaseException) -> str:
    """An API or network error as one line, without anything that could hold a credential."""
    text = str(error).splitlines()[0] if str(error) else type(error).__name__
    text = re.sub(r"[0-9a-f]{40}", "<key>", text)
    return f"{type(error).__name__}: {text[:200]}"
