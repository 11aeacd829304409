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

import argparse
import json
import re
import threading
from collections.abc import Callable, Iterable, Mapping
from concurrent.futures import Future, ThreadPoolExecutor, as_completed
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path
from typing import TYPE_CHECKING, Any, Protocol

import pandas as pd

from ..classify import Corrections
from ..commandline import Commands, corrections, err, source_command
from ..errors import InputError
from ..groups import join_rank_runs
from ..history import join_on_step
from ..kinds import decide_kinds
from ..merge import merge
from ..model import Run
from ..paths import store_path
from ..runfilter import RunFields, RunFilter
from ..runs import RunFacts, flatten, make_run
from ..store import is_sample_store, load_runs, run_records, save_runs
from ..studyfile import load_study
from .wandb_cache import CachedRun, RunCache, cache_folder, digest

if TYPE_CHECKING:
    from rich.progress import Progress, TaskID

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

    def runs(
        self, path: str, *, filters: dict[str, Any], per_page: int, lazy: bool
    ) -> Iterable[RemoteRun]: ...


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
    fetched: int = 0  # runs whose history was fetched
    from_cache: int = 0  # runs added or updated from what an earlier pull fetched
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
        return _no_system()
    return pd.DataFrame(kept).sort_values("_runtime", kind="stable", ignore_index=True)


def _scalar(value: Any) -> bool:
    return isinstance(value, int | float | str) and not isinstance(value, bool)


def remote_facts(
    remote_run: RemoteRun, history: pd.DataFrame, system: pd.DataFrame, signature: str
) -> RunFacts:
    """What the API says of a run, before any rule or correction (what the cache keeps)."""
    summary = dict(remote_run.summary_metrics)
    runtime = summary.get("_runtime")
    if not isinstance(runtime, int | float) and "_runtime" in history and len(history):
        runtime = float(history["_runtime"].max())
    numeric = history.apply(pd.to_numeric, errors="coerce") if len(history) else history
    if "_runtime" not in numeric:
        numeric["_runtime"] = float("nan")
    numeric = on_the_training_clock(numeric, getattr(remote_run, "metadata", None))
    summary["_heartbeat_at"] = str(getattr(remote_run, "heartbeat_at", "") or "")
    summary["_history_rows"] = int(getattr(remote_run, "history_line_count", 0) or len(history))
    summary["_api_signature"] = signature
    summary["tags"] = list(getattr(remote_run, "tags", []) or [])
    summary["group"] = getattr(remote_run, "group", None)
    return RunFacts(
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
        system=system,
    )


# a row this much before the run's start is still this process's (clocks read at different times)
CLOCK_TOLERANCE_S = 0.5


def on_the_training_clock(history: pd.DataFrame, metadata: Any) -> pd.DataFrame:
    """Each row's ``_runtime`` on the training process's own clock: its ``_timestamp`` less the
    run's ``startedAt`` (wandb-metadata.json: the process's ``time.time()`` at ``wandb.init``,
    as ``_timestamp`` is), as the offline reader times rows. wandb-core's ``_runtime`` is when
    it read the row: a run syncing TensorBoard (``sync_tensorboard=True``) gets its rows when
    wandb-core reads the event files, up to 15 s late, a short run's all at its end. Rows from
    before that start are a resumed run's earlier parts (the metadata is the last part's,
    and ``_runtime`` goes on across the parts): such a history keeps wandb-core's clock."""
    started = _started_at(metadata)
    if started is None or "_timestamp" not in history or not len(history):
        return history
    writer = history["_timestamp"] - started
    known = writer.dropna()
    if not len(known) or bool((known < -CLOCK_TOLERANCE_S).any()):
        return history
    timed = history.copy()
    timed["_runtime"] = writer.clip(lower=0.0).fillna(history["_runtime"])
    return timed


def _started_at(metadata: Any) -> float | None:
    # wandb-metadata.json's camelCase (protojson); the run file's own record says started_at
    value = (
        metadata.get("startedAt", metadata.get("started_at"))
        if isinstance(metadata, dict)
        else None
    )
    if not isinstance(value, str):
        return None
    try:
        moment = datetime.fromisoformat(value.replace("Z", "+00:00"))
    except ValueError:
        return None
    if moment.tzinfo is None:  # wandb writes UTC
        moment = moment.replace(tzinfo=UTC)
    return moment.timestamp()


# the RunFacts fields a cache file keeps as JSON (the two frames are kept as datasets)
CACHED_FACTS = (
    "run_id",
    "name",
    "state",
    "runtime_s",
    "config",
    "summary",
    "source",
    "created_at",
    "metadata",
    "group",
    "job_type",
    "sweep_id",
)


def to_cache(facts: RunFacts, signature: str) -> CachedRun:
    system = facts.system if facts.system is not None else _no_system()
    kept = {name: getattr(facts, name) for name in CACHED_FACTS}
    return CachedRun(signature, kept, facts.history, system)


def from_cache(cached: CachedRun) -> RunFacts:
    return RunFacts(**cached.facts, history=cached.history, system=cached.system)


def signature(remote_run: RemoteRun, keys: list[str] | None) -> str:
    """What says a run changed since it was fetched, as the runs list gives it (no request per
    run): its state, heartbeat (and ``updatedAt`` where the API has it), history length and
    summary; and the history keys asked for, so a pull of other keys fetches again."""
    return digest(
        {
            "state": remote_run.state,
            "heartbeat_at": str(getattr(remote_run, "heartbeat_at", "") or ""),
            "updated_at": str(getattr(remote_run, "updated_at", "") or ""),
            "history_rows": int(getattr(remote_run, "history_line_count", 0) or 0),
            "summary": digest(dict(remote_run.summary_metrics)),
            "keys": sorted(keys) if keys else None,
        }
    )


def _no_system() -> pd.DataFrame:
    return pd.DataFrame({"_runtime": pd.Series([], dtype=float)})


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


def unchanged(stored: _Held | None, remote_run: RemoteRun) -> bool:
    """A finished run stored, by a version that kept no signature, with the same history length
    and heartbeat."""
    if stored is None or stored.state != "finished" or remote_run.state != "finished":
        return False
    return stored.summary.get("_heartbeat_at") == str(
        getattr(remote_run, "heartbeat_at", "") or ""
    ) and stored.summary.get("_history_rows") == int(
        getattr(remote_run, "history_line_count", 0) or -1
    )


# runs asked for in one request of the runs list; each page holds their config and summary
# (lazy=False), so deciding what changed costs no request per run
RUNS_PER_PAGE = 100


class PullInterrupted(KeyboardInterrupt):
    """Ctrl-C during a pull: the store is unchanged, ``fetched`` runs are kept in ``cache``."""

    def __init__(self, fetched: int, cache: Path) -> None:
        super().__init__(f"{fetched} runs fetched are kept in {cache}")
        self.fetched, self.cache = fetched, cache


class _Stopped(Exception):
    """A fetch given up because the pull was interrupted."""


class _Bar:
    """The pull's progress: runs done of the total, how many fetched and how many reused
    (unchanged in the store, or taken from the cache), and a row per run being fetched."""

    def __init__(self, progress: Progress | None, path: str) -> None:
        self.progress, self.path = progress, path
        self.fetched = self.reused = self.failed = 0
        self.task = progress.add_task(f"{path}: listing runs", total=None) if progress else None

    def listing(self, count: int) -> None:
        if self.progress is not None and self.task is not None:
            self.progress.update(self.task, description=f"{self.path}: listing runs ({count:,})")

    def listed(self, count: int) -> None:
        if self.progress is not None and self.task is not None:
            self.progress.update(self.task, total=count, description=self._words())

    def done(self, *, fetched: int = 0, reused: int = 0, failed: int = 0) -> None:
        self.fetched += fetched
        self.reused += reused
        self.failed += failed
        if self.progress is not None and self.task is not None:
            self.progress.update(
                self.task, advance=fetched + reused + failed, description=self._words()
            )

    def _words(self) -> str:
        failed = f", {self.failed:,} failed" if self.failed else ""
        return f"{self.path}: {self.fetched:,} fetched, {self.reused:,} reused{failed}"

    def run_started(self, name: str, total: int | None) -> TaskID | None:
        return self.progress.add_task(f"  {name}", total=total) if self.progress else None

    def run_rows(self, task: TaskID | None, rows: int) -> None:
        if self.progress is not None and task is not None:
            self.progress.advance(task, rows)

    def run_ended(self, task: TaskID | None) -> None:
        if self.progress is not None and task is not None:
            self.progress.remove_task(task)


def pull(
    api: RunsApi,
    selection: Selection,
    store: Path,
    overrides: Corrections | None = None,
    refresh: bool = False,
    workers: int = 4,
    progress: Progress | None = None,
) -> FetchSummary:
    """Fetch the selected runs into ``store``, ``workers`` histories at a time.

    Every run fetched is kept at once in the project's cache beside the store (wandb_cache.py);
    the store is written once, at the end, and left as it was if the pull is interrupted
    (PullInterrupted). A run is fetched only if neither the store nor the
    cache holds it with the signature the runs list gives now."""
    overrides = overrides or Corrections()
    bar = _Bar(progress, selection.path)
    cache = RunCache(cache_folder(store, selection.path))
    stored = _held(store)
    listing = api.runs(
        selection.path, filters=selection.api_filters(), per_page=RUNS_PER_PAGE, lazy=False
    )
    # by id: paging has been seen to return a run twice (wandb/wandb#6614)
    by_id: dict[str, RemoteRun] = {}
    for remote_run in listing:
        by_id[remote_run.id] = remote_run
        if len(by_id) % RUNS_PER_PAGE == 0:
            bar.listing(len(by_id))
    remote_runs = list(by_id.values())
    if selection.name_regex:  # the server's $regex differs between deployments: check here too
        pattern = re.compile(selection.name_regex)
        remote_runs = [r for r in remote_runs if pattern.search(r.name or "")]
    if not selection.run_filter.empty:  # before any history is fetched
        wanted = selection.run_filter
        remote_runs = [r for r in remote_runs if wanted.why_not(fields_of(r, wanted)) is None]
    bar.listed(len(remote_runs))
    # ranks joined into one training at an earlier pull: the training stands for them
    for held in list(stored.values()):
        for rank_id in held.summary.get("_rank_run_ids") or []:
            stored.setdefault(str(rank_id), held)
    summary = FetchSummary()
    new_runs: list[Run] = []
    todo: list[tuple[RemoteRun, str]] = []
    for remote_run in remote_runs:
        sign = signature(remote_run, selection.keys)
        found = stored.get(remote_run.id)
        if not refresh and found is not None and _kept(found, remote_run, sign):
            summary.unchanged.append(_name(remote_run))
            bar.done(reused=1)
            continue
        cached = None if refresh else cache.load(remote_run.id, sign)
        if cached is None:
            todo.append((remote_run, sign))
            continue
        try:
            new_runs.append(make_run(from_cache(cached), overrides))
        except Exception as error:  # as a fetched run's failure: named, the others kept
            summary.failed.append(f"{_name(remote_run)}: {describe(error)}")
            bar.done(failed=1)
            continue
        (summary.updated if found is not None else summary.added).append(_name(remote_run))
        summary.from_cache += 1
        bar.done(reused=1)

    stop = threading.Event()

    def fetch(remote_run: RemoteRun, sign: str) -> Run:
        task = bar.run_started(_name(remote_run), getattr(remote_run, "history_line_count", None))

        def on_rows(rows: int) -> None:
            if stop.is_set():
                raise _Stopped
            bar.run_rows(task, rows)

        try:
            history = fetch_history(remote_run, selection.keys, on_rows)
            facts = remote_facts(remote_run, history, fetch_system(remote_run), sign)
            cache.save(remote_run.id, to_cache(facts, sign))
        finally:
            bar.run_ended(task)
        return make_run(facts, overrides)

    pool = ThreadPoolExecutor(max_workers=max(1, workers))
    futures: dict[Future[Run], RemoteRun] = {}
    try:
        futures = {pool.submit(fetch, *job): job[0] for job in todo}
        for future in as_completed(futures):
            remote_run = futures.pop(future)
            try:
                run = future.result()
            except Exception as error:  # one run's failure must not lose the others
                summary.failed.append(f"{_name(remote_run)}: {describe(error)}")
                bar.done(failed=1)
                continue
            (summary.updated if remote_run.id in stored else summary.added).append(run.name)
            new_runs.append(run)
            summary.fetched += 1
            bar.done(fetched=1)
    except KeyboardInterrupt:
        # the fetches under way stop at their next page; those not begun never start
        stop.set()
        pool.shutdown(wait=True, cancel_futures=True)
        # a fetch past its last page when the pull stopped is kept too
        late = sum(1 for f in futures if not f.cancelled() and f.exception() is None)
        raise PullInterrupted(bar.fetched + late, cache.folder) from None
    finally:
        pool.shutdown(wait=True, cancel_futures=True)
    if not new_runs:
        return summary
    current = load_runs(store) if store.exists() else []
    matched = merge(current, new_runs)
    merged = decide_kinds(matched.runs)
    joined, notes = join_rank_runs(merged)
    save_runs(store, decide_kinds(joined) if len(joined) != len(merged) else merged)
    summary.notes = [line for _, line in matched.by_name] + notes
    return summary


@dataclass(frozen=True)
class _Held:
    """What the store holds of a run that decides whether it is fetched again."""

    run_id: str
    state: str
    summary: dict[str, Any]


def _held(store: Path) -> dict[str, _Held]:
    """The store's runs by id, read from their records alone (their rows are read only if the
    store is written): an unchanged project of thousands of runs is compared in a moment."""
    if not store.exists():
        return {}
    records = run_records(store)
    if records is None:
        runs = load_runs(store, columns=())
        return {r.run_id: _Held(r.run_id, r.state, r.summary) for r in runs}
    return {
        str(r["run_id"]): _Held(str(r["run_id"]), str(r["state"]), dict(r["summary"]))
        for r in records
    }


def _kept(held: _Held, remote_run: RemoteRun, sign: str) -> bool:
    """The store holds this run as the API gives it now (or the training its rank is part of,
    finished: a rank is not fetched again on its own)."""
    if held.run_id != remote_run.id:
        return held.state == "finished"
    if "_api_signature" in held.summary:
        return bool(held.summary["_api_signature"] == sign)
    return unchanged(held, remote_run)


def describe(error: BaseException) -> str:
    """An API or network error as one line, without anything that could hold a credential."""
    text = str(error).splitlines()[0] if str(error) else type(error).__name__
    text = re.sub(r"[0-9a-f]{40}", "<key>", text)
    return f"{type(error).__name__}: {text[:200]}"


def add_command(commands: Commands) -> None:
    command = source_command(
        commands,
        "wandb",
        help="pull runs with full histories from the W&B API into the store (incremental)",
        epilog="examples:\n  python -m extract wandb my-team/scaling -o data/runs.h5\n"
        '  python -m extract wandb my-team/scaling --filters \'{"tags": {"$in": '
        '["scaling"]}}\' --keys epoch running_accuracy --merge\n'
        "auth: WANDB_API_KEY, ~/.netrc or 'wandb login' (the key is never printed or stored)",
    )
    command.add_argument("path", help="ENTITY/PROJECT")
    command.add_argument(
        "--filters", type=json.loads, default={}, help="W&B MongoDB-style filters as JSON"
    )
    command.add_argument("--state", help="only runs in this state (e.g. finished)")
    command.add_argument("--group", help="only runs of this group")
    command.add_argument("--name-regex", help="only runs whose display name matches")
    command.add_argument("--keys", nargs="+", help="history keys to fetch (default: all)")
    command.add_argument(
        "--every-run",
        action="store_true",
        help="fetch runs the study file's [select] leaves out too (it is applied by default)",
    )
    command.add_argument(
        "--refresh",
        action="store_true",
        help="fetch every run again, even one the store or the cache holds unchanged",
    )
    command.add_argument("--workers", type=int, default=4, help="runs fetched at once")
    command.set_defaults(run=run_command)


def run_command(args: argparse.Namespace) -> int:
    import wandb
    from rich.progress import MofNCompleteColumn, Progress

    output = store_path(args.output)
    study = load_study(args.study)
    selection = Selection(
        args.path,
        args.filters,
        args.state,
        args.group,
        args.name_regex,
        args.keys,
        RunFilter() if args.every_run else study.select,
    )
    if not selection.run_filter.empty:
        err.print(
            f"fetching the runs of {study.path}'s [select]: {selection.run_filter.describe()}"
            " (--every-run fetches every run)",
            soft_wrap=True,
            markup=False,
            highlight=False,
        )
    if is_sample_store(output):
        raise InputError(
            "this store holds the sample study; your runs are not added to it",
            path=output,
            hint="write them elsewhere with -o, or delete the sample store first",
        )
    try:
        api = wandb.Api(timeout=60)
        columns = (*Progress.get_default_columns(), MofNCompleteColumn())
        with Progress(*columns, console=err, transient=True) as progress:
            result = pull(
                api,
                selection,
                output,
                corrections(args, study),
                args.refresh,
                args.workers,
                progress,
            )
    except PullInterrupted as stopped:
        err.print(
            f"interrupted: the store is unchanged; the {stopped.fetched} runs fetched are kept "
            f"in {stopped.cache}: the same command fetches only the rest",
            soft_wrap=True,
            markup=False,
            highlight=False,
        )
        return 130
    except wandb.errors.CommError as error:
        raise InputError(
            f"W&B API: {describe(error)}",
            path=args.path,
            hint="check ENTITY/PROJECT, the network, and 'wandb login'",
        ) from None
    print(
        f"added {len(result.added)}, updated {len(result.updated)}, unchanged "
        f"{len(result.unchanged)}, failed {len(result.failed)} -> {output} ({result.fetched} "
        f"fetched, {result.from_cache} from the cache)"
    )
    for note in result.notes:
        err.print(f"note: {note}", soft_wrap=True, markup=False, highlight=False)
    for failure in result.failed:
        err.print(f"[red]failed:[/] {failure}", soft_wrap=True)
    if result.failed:
        err.print(
            "check the network and 'wandb login', then run the same command again: runs "
            "already stored and unchanged are skipped"
        )
    return 1 if result.failed else 0
