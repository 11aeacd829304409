"""One store from many sources: the same run from a runs table, a panel export and an offline
file becomes one run.

Runs match by run id, else by name: a runs-table export has no ids, and two trackers that
logged one training (W&B and TensorBoard, W&B and MLflow) give it two ids. Two runs one tracker
gave different ids are two runs, even of one name (MLflow's folder and SQLite stores each give
their own); they are kept apart. Each match by name is told (``Merged.by_name``).

For a matched pair the incoming (newer) source wins field by field; config and summary are
merged key by key; the history is the incoming one unless it is empty (a runs table brings
none), so rows are never duplicated; a real W&B id replaces a name, or a TensorBoard folder's
id, used as id. What the incoming source cannot say does not unsay what the other said: a fact
it leaves unknown keeps the other's value and evidence (TensorBoard records neither the machine
nor a state, W&B records both), and what each recorded of the machine is kept.
"""

from __future__ import annotations

from dataclasses import dataclass, field, replace
from typing import Any

from .model import FACTS, Evidence, Run
from .runs import no_state

# a source's kind (before its ":") -> the tracker that logged it
TRACKERS = {
    "offline": "W&B",
    "csv": "W&B",
    "wandb-api": "W&B",
    "mlflow": "MLflow",
    "tensorboard": "TensorBoard",
}


@dataclass
class Merged:
    runs: list[Run]
    # each incoming run matched to a stored run by name alone: its name, and a line saying so
    by_name: list[tuple[str, str]] = field(default_factory=list)


def merge_runs(existing: list[Run], incoming: list[Run]) -> list[Run]:
    return merge(existing, incoming).runs


def merge(existing: list[Run], incoming: list[Run]) -> Merged:
    merged = list(existing)
    told: list[tuple[str, str]] = []
    # the first run of each id and of each name: thousands of runs pulled at once are matched
    # by a lookup each, not a scan of the store each
    by_id, by_name = _first_of(merged)
    for new in incoming:
        index = by_id.get(new.run_id)
        if index is None and new.name in by_name:
            index = by_name[new.name]
            if _one_training(merged[index], new):
                told.append((new.name, _joined(merged[index], new)))
            else:
                index = None
        if index is None:
            by_id.setdefault(new.run_id, len(merged))
            by_name.setdefault(new.name, len(merged))
            merged.append(new)
            continue
        old = merged[index]
        merged[index] = _combine(old, new)
        if (merged[index].run_id, merged[index].name) != (old.run_id, old.name):
            by_id, by_name = _first_of(merged)  # rare: a real id replaced a name used as id
    return Merged(merged, told)


def trackers_of(run: Run) -> set[str]:
    """The trackers that logged the run (its source, ``+``-joined when merged)."""
    kinds = (s.split(":", 1)[0] for s in run.source.split("+") if s)
    return {TRACKERS.get(kind, kind) for kind in kinds}


def _one_training(old: Run, new: Run) -> bool:
    """Whether two runs of one name are one training: logged by different trackers, or one
    of them has no id of its tracker (a runs table's name used as id)."""
    return (
        old.run_id == old.name or new.run_id == new.name or not trackers_of(old) & trackers_of(new)
    )


def _joined(old: Run, new: Run) -> str:
    def said(run: Run) -> str:
        return "+".join(sorted(trackers_of(run))) or "unknown"

    return (
        f"{new.name}: joined by name with the stored run of that name "
        f"({said(old)} id {old.run_id}; this {said(new)} id {new.run_id})"
    )


def _first_of(runs: list[Run]) -> tuple[dict[str, int], dict[str, int]]:
    by_id: dict[str, int] = {}
    by_name: dict[str, int] = {}
    for index, run in enumerate(runs):
        by_id.setdefault(run.run_id, index)
        by_name.setdefault(run.name, index)
    return by_id, by_name


def _combine(old: Run, new: Run) -> Run:
    history = new.history if len(new.history) else old.history
    run_id = old.run_id if _made_up_id(new) and not _made_up_id(old) else new.run_id
    sources = [s for s in dict.fromkeys([*old.source.split("+"), *new.source.split("+")]) if s]
    known = _known_of(old, new)
    return replace(
        new,
        run_id=run_id,
        config={**old.config, **new.config},
        summary=known.pop("summary", {**old.summary, **new.summary}),
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
        metadata={**old.metadata, **new.metadata},
        **known,
    )


def _made_up_id(run: Run) -> bool:
    """An id no tracker gave: a name used as id (a runs table has none), or TensorBoard's, made
    from the run folder's path (extract/sources/tensorboard.py run_id_of)."""
    sources = [s for s in run.source.split("+") if s]
    return (
        run.run_id == run.name
        or bool(sources)
        and all(s.startswith("tensorboard:") for s in sources)
    )


def _known_of(old: Run, new: Run) -> dict[str, Any]:
    """The facts ``new`` leaves unknown that ``old``'s tracker recorded, with their evidence;
    the state, where ``new``'s tracker records none and ``old``'s recorded one."""
    kept: dict[str, Any] = {}
    evidence = dict(new.evidence)
    for fact in FACTS:
        if fact in ("time", "kind") or not hasattr(new, fact):
            continue
        if (
            getattr(new, fact) in (None, "unknown")
            and getattr(old, fact) not in (None, "unknown")
            and _recorded(old.evidence.get(fact))
        ):
            kept[fact] = getattr(old, fact)
            if fact == "cores":
                kept["cores_word"] = old.cores_word
            _move(evidence, old.evidence, fact)
    if (
        _stateless(new.evidence.get("state"))
        and not _stateless(old.evidence.get("state"))
        and old.state != "unknown"
    ):
        kept["state"] = old.state
        _move(evidence, old.evidence, "state")
        # how the run ended, as the tracker that recorded it said
        summary = {**old.summary, **new.summary}
        summary.pop("_ended", None)
        if "_ended" in old.summary:
            summary["_ended"] = old.summary["_ended"]
        kept["summary"] = summary
    if kept:
        kept["evidence"] = evidence
    return kept


def _recorded(said: Evidence | None) -> bool:
    """Evidence a tracker recorded: not a statement of the study file or the command line,
    which is applied again whenever it is still made (and, dropped since, is no evidence)."""
    return said is not None and not said.source.startswith(("study file", "command line"))


def _move(into: dict[str, Evidence], source: dict[str, Evidence], fact: str) -> None:
    if fact in source:
        into[fact] = source[fact]
    else:
        into.pop(fact, None)


def _stateless(said: Evidence | None) -> bool:
    return said is not None and said.source.endswith(no_state(""))
