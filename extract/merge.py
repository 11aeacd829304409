"""One store from many sources: the same run from a runs table, a panel export and an offline
file becomes one run.

Runs match by run id, else by name (a runs-table export has no ids). For a matched pair the
incoming (newer) source wins field by field; config and summary are merged key by key; the
history is the incoming one unless it is empty (a runs table brings none), so rows are never
duplicated; a real W&B id replaces a name used as id.
"""

from __future__ import annotations

from dataclasses import replace

from .model import Run


def merge_runs(existing: list[Run], incoming: list[Run]) -> list[Run]:
    merged = list(existing)
    for new in incoming:
        index = _match(merged, new)
        if index is None:
            merged.append(new)
        else:
            merged[index] = _combine(merged[index], new)
    return merged


def _match(runs: list[Run], new: Run) -> int | None:
    for index, run in enumerate(runs):
        if run.run_id == new.run_id:
            return index
    for index, run in enumerate(runs):
        if run.name == new.name:
            return index
    return None


def _combine(old: Run, new: Run) -> Run:
    history = new.history if len(new.history) else old.history
    run_id = new.run_id if new.run_id != new.name or old.run_id == old.name else old.run_id
    sources = [s for s in dict.fromkeys([*old.source.split("+"), *new.source.split("+")]) if s]
    return replace(
        new,
        run_id=run_id,
        config={**old.config, **new.config},
        summary={**old.summary, **new.summary},
        history=history,
        # what the history shows it did goes with the history kept
        activity=new.activity if len(new.history) else old.activity,
        system=new.system if len(new.system) else old.system,
        reconstructed=new.reconstructed if len(new.history) else old.reconstructed,
        created_at=new.created_at or old.created_at,
        # a runs table without its Group or Sweep column does not unsay what a run file said
        group=new.group or old.group,
        job_type=new.job_type or old.job_type,
        sweep_id=new.sweep_id or old.sweep_id,
        source="+".join(sources),
    )
