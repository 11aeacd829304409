"""`python -m extract runs --explain RUN`: every evidence rule that matched a run, what it
said, and which one decided each fact."""

from __future__ import annotations

from .model import Run
from .rules import Fact, readings
from .runs import facts_of, paths_of

FACT_ORDER: tuple[tuple[str, tuple[Fact, ...]], ...] = (
    ("platform", ("device", "host")),
    ("gpus", ("gpus",)),
    ("nodes", ("nodes",)),
    ("cores", ("cores", "threads")),
    ("epochs", ("epochs",)),
)


def explain(run: Run) -> list[str]:
    paths = paths_of(facts_of(run))
    lines = [f"{run.name} ({run.run_id}), from {run.source or 'unknown source'}"]
    if run.ranks > 1:
        lines.append(f"  joined from {run.ranks} ranks of W&B group {run.group!r}")
    for fact, rule_facts in FACT_ORDER:
        decided = run.evidence.get(fact)
        value = getattr(run, fact, None)
        shown = "unknown" if value is None else f"{value:g}" if isinstance(value, float) else value
        lines.append(
            f"{fact}: {shown}  (decided by {decided.describe() if decided else 'nothing'})"
        )
        found = [r for f in rule_facts for r in readings(paths, f)]
        if not found:
            lines.append("  no rule matched")
        for reading in found:
            mark = "*" if decided is not None and reading.evidence == decided else "-"
            rule = reading.rule
            lines.append(
                f"  {mark} [{rule.scope}, strength {rule.strength}] {rule.says}: "
                f"{reading.evidence.describe()} -> {reading.value}"
            )
    done = run.evidence.get("epochs_done")
    done_value = "unknown" if run.epochs_done is None else f"{run.epochs_done:g}"
    lines.append(f"epochs_done: {done_value}  ({done.describe() if done else 'no evidence'})")
    if run.gpus_on_machine:
        lines.append(
            f"note: {run.gpus_on_machine} GPUs on the machine; the run did not log how many it used"
        )
    lines += [f"note: {note}" for note in run.notes]
    return lines
