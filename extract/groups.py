"""Runs of one W&B group that are the ranks of one training become one run.

W&B documents two ways to log distributed training: only rank 0 logs (one run), or every rank
logs its own run in one ``group`` (with ``job_type`` or a name per rank). A group is also used
for other things (a sweep, a study's name, repeats), so ranks are joined only on evidence:

- each run of the cluster names its rank: a rank in its config (``rank``, ``global_rank``,
  ``local_rank``, ``process_index``), in its ``job_type`` or name (``rank-1``, ``worker_3``), or in
  what wandb recorded of the Slurm task (``slurm.procid``); no two runs claim the same rank;
- their wall times overlap (ranks run at the same time; repeats of a study do not);
- nothing says they are separate trainings: wandb recorded one Slurm job for them all (a job
  array's tasks, or jobs of a sweep, have a job id each), and no run logged a world size
  smaller than the number of runs (three runs of ``world_size = 1`` are three trainings).

The training's GPUs then come from a logged world size (the evidence rules), else from the
number of ranks; its time is the group's wall span; its history is the rank that logged the
most metrics. Every decision is said as a note.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, replace
from datetime import datetime
from typing import Any

from .decide import decide
from .model import Run
from .rules import NODE_RUNS
from .runs import RunFacts, facts_of, make_run, paths_of

RANK_KEYS = ("rank", "global_rank", "local_rank", "process_index", "rank_id", "procid")
RANK_WORD = re.compile(r"(?:rank|worker|proc(?:ess)?|task)[\s_:-]*(\d+)", re.IGNORECASE)


@dataclass(frozen=True)
class RankEvidence:
    rank: int
    said: str  # where: "config rank = 1", "job_type 'rank-1'"


def rank_of(facts: RunFacts) -> RankEvidence | None:
    for key, value in facts.config.items():
        last = re.split(r"[./]", key.lower())[-1]
        if last in ("rank", "global_rank", "process_index", "rank_id") and _whole(value):
            return RankEvidence(int(value), f"config {key} = {value}")
    for where, text in (("job_type", facts.job_type), ("name", facts.name)):
        match = RANK_WORD.search(text or "")
        if match:
            return RankEvidence(int(match.group(1)), f"{where} {text!r}")
    procid = facts.metadata.get("slurm.procid")
    if procid is not None and _whole(procid):
        return RankEvidence(int(procid), f"environment slurm.procid = {procid}")
    node = decide(paths_of(facts), "node_rank")
    said = node.evidence
    # a run per node (its local rank 0 logs): the node's rank the script logged tells the runs
    # apart (a Slurm node id alone is every task's of that node)
    if node.value is not None and said is not None and said.source != "environment":
        return RankEvidence(int(node.value), f"{said.describe()} (a node)")
    local = next(
        (v for k, v in facts.config.items() if k.lower().split(".")[-1] == "local_rank"), None
    )
    if local is not None and _whole(local):
        return RankEvidence(int(local), f"config local_rank = {local}")
    return None


def _whole(value: Any) -> bool:
    if isinstance(value, bool):
        return False
    if isinstance(value, str):
        return value.strip().isdigit()
    return isinstance(value, int | float) and float(value).is_integer() and value >= 0


def _start(facts: RunFacts) -> float | None:
    if not facts.created_at:
        return None
    try:
        return datetime.fromisoformat(facts.created_at.replace("Z", "+00:00")).timestamp()
    except ValueError:
        return None


def join_ranks(runs: list[RunFacts]) -> tuple[list[RunFacts], list[str]]:
    """The runs with each group of ranks of one training joined into one; notes say what was
    joined and why, and which groups were kept apart and why."""
    by_group: dict[str, list[RunFacts]] = {}
    for facts in runs:
        if facts.group:
            by_group.setdefault(facts.group, []).append(facts)
    joined: dict[int, RunFacts] = {}
    absorbed: set[int] = set()
    notes: list[str] = []
    lone: list[tuple[str, RunFacts]] = []
    for group, members in by_group.items():
        clusters = _overlapping(members)
        if len(clusters) > 1:
            notes.append(
                f"group {group!r}: {len(members)} runs at {len(clusters)} different times "
                "(repeats, or the group names a study): not ranks of one training; kept apart"
            )
        for cluster in clusters:
            if len(cluster) < 2:
                if cluster and _one_rank(cluster[0]) is not None:
                    lone.append((group, cluster[0]))
                continue
            ranks = [rank_of(f) for f in cluster]
            if any(r is None for r in ranks):
                notes.append(
                    f"group {group!r}: {len(cluster)} runs ran at the same time but not every "
                    "one names a rank (config, job_type, name or Slurm task): kept apart"
                )
                continue
            numbers = [r.rank for r in ranks if r is not None]
            if len(set(numbers)) != len(numbers):
                notes.append(
                    f"group {group!r}: {len(cluster)} runs at the same time claim the same "
                    "rank: not the ranks of one training; kept apart"
                )
                continue
            apart = _separate_trainings(cluster)
            if apart:
                notes.append(
                    f"group {group!r}: {len(cluster)} runs at the same time, each naming a rank, "
                    f"but {apart}: separate trainings, kept apart"
                )
                continue
            one = _join(group, cluster, numbers)
            joined[id(cluster[0])] = one
            absorbed.update(id(f) for f in cluster[1:])
            said = sorted((r for r in ranks if r is not None), key=lambda r: r.rank)
            per_node = one.summary.get(NODE_RUNS)
            what = (
                f"one run per node of one training (GPUs: each node run's local world size, "
                f"{per_node['local_world_size']})"
                if per_node
                else "the ranks of one training"
            )
            notes.append(
                f"{one.name}: {len(cluster)} runs of W&B group {group!r} joined as {what} "
                f"(ranks by {'; '.join(r.said for r in said)}; their wall times overlap)"
            )
    every_rank_logs = [f.group for f in joined.values() if f.group_facts.get("ranks", 1) > 1]
    for group, facts in lone:
        # rank 0 alone: the one rank of a one-process training, or rank 0 of a training where
        # only rank 0 logs (W&B's first way); the study's other groups say which it does
        if every_rank_logs:
            single = _one_rank(facts)
            if single is not None:
                joined[id(facts)] = single
                notes.append(
                    f"{single.name}: the only run of W&B group {group!r} at its time, naming "
                    f"itself rank 0, where every rank logs its own run (group "
                    f"{every_rank_logs[0]!r} holds several): a training of one rank"
                )
        else:
            notes.append(
                f"{facts.name}: the only run of W&B group {group!r}, naming itself rank 0: one "
                "rank, or rank 0 of a training where only rank 0 logs (no group here holds "
                "several ranks); its GPU count comes from other evidence"
            )
    result = [joined.get(id(f), f) for f in runs if id(f) not in absorbed]
    return _sharing_a_slurm_job(result, notes), notes


JOB_SHARERS = "_runs_in_slurm_job"  # in a run's summary: runs wandb recorded in its Slurm job


def _sharing_a_slurm_job(runs: list[RunFacts], notes: list[str]) -> list[RunFacts]:
    """Runs that are not ranks of one training yet ran at the same time in one Slurm job (a
    sweep's agents started by srun, one per GPU): the job's allocation is not any one run's
    size, which the run's summary then says (rules.every_allocated_gpu reads it)."""
    by_job: dict[str, list[RunFacts]] = {}
    for facts in runs:
        job = facts.metadata.get("slurm.job_id")
        if job is not None:
            by_job.setdefault(str(job), []).append(facts)
    marked: dict[int, RunFacts] = {}
    for job, members in by_job.items():
        for cluster in _overlapping(members):
            if len(cluster) < 2:
                continue
            names = ", ".join(f.name for f in cluster)
            notes.append(
                f"Slurm job {job}: {len(cluster)} runs at the same time ({names}), not the "
                "ranks of one training: the job's GPU allocation is not any one run's size"
            )
            for facts in cluster:
                marked[id(facts)] = replace(
                    facts, summary={**facts.summary, JOB_SHARERS: len(cluster)}
                )
    return [marked.get(id(f), f) for f in runs]


WORLD_SIZE_KEYS = ("world_size", "num_processes", "total_gpus")


def _separate_trainings(cluster: list[RunFacts]) -> str | None:
    """Evidence that runs naming ranks are not the ranks of one training, said; None if none."""
    jobs = {str(j) for f in cluster if (j := f.metadata.get("slurm.job_id")) is not None}
    if len(jobs) > 1:
        return f"wandb recorded {len(jobs)} Slurm jobs ({', '.join(sorted(jobs))})"
    arrays = {str(t) for f in cluster if (t := f.metadata.get("slurm.array_task_id")) is not None}
    if len(arrays) > 1:
        return f"they are {len(arrays)} tasks of a Slurm job array"
    differing = _differing_settings(cluster)
    if differing:
        return f"their config differs ({differing})"
    for facts in cluster:
        for key, value in facts.config.items():
            named = re.split(r"[./]", key.lower())[-1] in WORLD_SIZE_KEYS
            if named and _whole(value) and int(value) < len(cluster):
                return f"{facts.name} logged {key} = {value}, fewer than {len(cluster)} runs"
    return None


# config that differs from rank to rank of one training (its rank, device, seed, port, paths,
# when it started)
PER_RANK = re.compile(
    r"rank|seed|device|gpu|local|port|host|addr|url|node|proc|pid|dir|path|file|name|id$|"
    r"time|date|stamp"
)


def _differing_settings(cluster: list[RunFacts]) -> str | None:
    """A setting every run logged with different values (a learning rate): ranks of one
    training share their settings, a sweep's trials do not."""
    shared = set.intersection(*(set(f.config) for f in cluster))
    for key in sorted(shared):
        if key.startswith("_") or PER_RANK.search(re.split(r"[./]", key.lower())[-1]):
            continue
        values = [f.config[key] for f in cluster]
        if (
            all(isinstance(v, str | int | float | bool) for v in values)
            and len({repr(v) for v in values}) > 1
        ):
            return f"{key}: " + ", ".join(dict.fromkeys(str(v) for v in values))
    return None


def join_rank_runs(runs: list[Run]) -> tuple[list[Run], list[str]]:
    """Stored runs (from the W&B API, fetched one by one) with a group's ranks joined."""
    if not any(run.group for run in runs):
        return runs, []
    facts = [facts_of(run) for run in runs]
    joined, notes = join_ranks(facts)
    if len(joined) == len(facts):
        return runs, notes
    kept = {id(f) for f in facts}
    return [runs[facts.index(f)] if id(f) in kept else make_run(f) for f in joined], notes


def _one_rank(facts: RunFacts) -> RunFacts | None:
    """A group's lone run that names itself rank 0 by config, job_type or name (a Slurm task id
    alone is every single-task job's): the one rank of a one-process training."""
    rank = rank_of(facts)
    if rank is None or rank.rank != 0 or rank.said.startswith("environment"):
        return None
    return replace(facts, group_facts={"ranks": 1})


def node_runs(cluster: list[RunFacts]) -> dict[str, Any] | None:
    """The runs of a joined group as one run per node (each its node's local rank 0, W&B's
    "track each process" done per node): every run names its node and its local world size,
    and no two name one node. Then a run stands for its node's GPUs, not for one; ranks that
    share a node (every rank logs) are one GPU each. None when the runs are not that."""
    nodes: list[int] = []
    sizes: list[int] = []
    for facts in cluster:
        paths = paths_of(facts)
        node, local = decide(paths, "node_rank"), decide(paths, "local_gpus")
        if node.value is None or local.value is None:
            return None
        nodes.append(int(node.value))
        sizes.append(int(local.value))
    if len(set(nodes)) != len(nodes):
        return None
    by_node = [size for _, size in sorted(zip(nodes, sizes, strict=True))]
    return {"count": len(cluster), "local_world_size": " + ".join(map(str, by_node))}


def _overlapping(members: list[RunFacts]) -> list[list[RunFacts]]:
    """Runs split into clusters whose wall-time intervals overlap (runs with no start time are
    never joined: nothing shows they ran together)."""
    timed = [(s, s + max(f.runtime_s, 0.0), f) for f in members if (s := _start(f)) is not None]
    timed.sort(key=lambda item: item[0])
    clusters: list[list[RunFacts]] = []
    end = float("-inf")
    for start, stop, facts in timed:
        if clusters and start < end:
            clusters[-1].append(facts)
            end = max(end, stop)
        else:
            clusters.append([facts])
            end = stop
    return clusters


def _metrics_logged(facts: RunFacts) -> int:
    history = facts.history
    columns = [c for c in history.columns if not str(c).startswith("_")]
    return int(history[columns].notna().sum().sum()) if columns else 0


def _join(group: str, cluster: list[RunFacts], ranks: list[int]) -> RunFacts:
    by_rank = sorted(zip(ranks, cluster, strict=True), key=lambda item: item[0])
    first = by_rank[0][1]
    logger = max(cluster, key=lambda f: (_metrics_logged(f), f is first))
    starts = [s for f in cluster if (s := _start(f)) is not None]
    ends = [s + f.runtime_s for f in cluster if (s := _start(f)) is not None]
    states = [f.state for _, f in by_rank]
    state = (
        "finished"
        if all(s == "finished" for s in states)
        else next(s for s in states if s != "finished")
    )
    config: dict[str, Any] = {}
    for _, facts in reversed(by_rank):
        config.update(facts.config)
    config.update(first.config)
    summary = dict(logger.summary)
    summary["_rank_run_ids"] = [f.run_id for _, f in by_rank]
    summary["_rank_run_names"] = [f.name for _, f in by_rank]
    summary["_time_basis"] = f"wall span of the group's {len(cluster)} ranks"
    nodes = node_runs(cluster)
    if nodes is not None:
        summary[NODE_RUNS] = nodes
    return replace(
        logger,
        summary=summary,
        run_id=first.run_id,
        name=group,
        state=state,
        runtime_s=max(ends) - min(starts),
        config=config,
        metadata=first.metadata or logger.metadata,
        created_at=first.created_at if _start(first) == min(starts) else logger.created_at,
        job_type=None,
        group_facts={"ranks": len(cluster)},
    )
