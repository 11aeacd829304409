"""`python -m extract runs --explain RUN`: every evidence rule that matched a run, what it
said, and which one decided each fact."""

from __future__ import annotations

from .kinds import kind_rule_lines
from .model import Run
from .rules import Fact, readings, rules_for
from .runs import facts_of, paths_of
from .unknown import gpu_bound

FACT_ORDER: tuple[tuple[str, tuple[Fact, ...]], ...] = (
    ("platform", ("device", "host")),
    ("gpus", ("gpus",)),
    ("nodes", ("nodes",)),
    ("cores", ("cores", "threads")),
    ("epochs", ("epochs",)),
)


COUNTS = ("gpus", "nodes", "cores", "threads", "epochs")


def explain(run: Run, runs: list[Run] | None = None) -> list[str]:
    """Every rule that matched ``run``; ``runs``: those it was extracted with, which some kind
    rules read (the Slurm jobs' submit host, the other trials of its sweep)."""
    paths = paths_of(facts_of(run))
    lines = [f"{run.name} ({run.run_id}), from {run.source or 'unknown source'}"]
    # what the study file's [select] reads of it
    organised = [
        f"{what} {value}"
        for what, value in (
            ("created", run.created_at),
            ("tags", ", ".join(run.tags)),
            ("group", run.group),
            ("job type", run.job_type),
            ("sweep", run.sweep_id),
        )
        if value
    ]
    state = run.evidence.get("state")  # where the tracker records none (TensorBoard)
    said = f" ({state.describe()})" if state else ""
    lines.append(f"  state {run.state}{said}" + "".join(f"; {part}" for part in organised))
    kind = run.evidence.get("kind")
    lines.append(f"kind: {run.kind_text}  (decided by {kind.describe() if kind else 'nothing'})")
    kind_lines = kind_rule_lines(run, runs if runs is not None else [run])
    lines += kind_lines or ["  no kind rule matched"]
    if run.damage:
        lines.append(f"damage: {run.damage}")
    if run.ranks > 1:
        members = ", ".join(
            f"{name} ({run_id})"
            for name, run_id in zip(
                run.summary.get("_rank_run_names") or [],
                run.summary.get("_rank_run_ids") or [],
                strict=False,
            )
        )
        lines.append(
            f"  joined from {run.ranks} ranks of W&B group {run.group!r}"
            + (f": {members}" if members else "")
        )
    for fact, rule_facts in FACT_ORDER:
        decided = run.evidence.get(fact)
        value = getattr(run, fact, None)
        shown = "unknown" if value is None else f"{value:g}" if isinstance(value, float) else value
        lines.append(
            f"{fact}: {shown}  (decided by {decided.describe() if decided else 'nothing'})"
        )
        found = [r for f in rule_facts for r in readings(paths, f)]
        unread = {
            (entry.place, entry.path, str(entry.value)): rule
            for f in rule_facts
            if f in COUNTS
            for rule in rules_for(f)
            for entry in rule.unread(paths)
        }
        if not found and not unread:
            # what decided it then: a correction, the GPU count (a job that counted GPUs ran
            # on them), or wandb's view of the machine (CPU only)
            lines.append(
                f"  no {' or '.join(rule_facts)} rule matched"
                + (f"; decided by {decided.describe()}" if decided else "")
            )
        for reading in found:
            mark = "*" if decided is not None and reading.evidence == decided else "-"
            rule = reading.rule
            lines.append(
                f"  {mark} [{rule.scope}, strength {rule.strength}] {rule.says}: "
                f"{reading.evidence.describe()} -> {reading.value}"
            )
        for (place, path, value), rule in unread.items():
            # read by no rule, yet a rule's key: shown, so that nothing read is hidden
            lines.append(f"  ? [{rule.scope}] {rule.says}: {place}: {path} = {value} -> no count")
    time = run.evidence.get("time")
    lines.append(f"time: {run.time_s:g} s  ({time.describe() if time else 'no evidence'})")
    done = run.evidence.get("epochs_done")
    done_value = "unknown" if run.epochs_done is None else f"{run.epochs_done:g}"
    lines.append(f"epochs_done: {done_value}  ({done.describe() if done else 'no evidence'})")
    bound = gpu_bound(run)
    if bound:
        lines.append(f"note: {bound}; the run did not log how many it used")
    lines += [f"note: {note}" for note in run.notes]
    return lines
