"""Every run's facts with their evidence, as rows for `python -m extract runs`: so a user checks
how each run was classified before rendering anything."""

from __future__ import annotations

from extract.model import FACTS, Run
from extract.studyfile import StudyFile
from extract.unknown import bound_is_allocation

from . import units
from .selection import select


def _value(value: float | int | None, unknown: str = "unknown") -> str:
    if value is None:
        return unknown
    return f"{value:g}" if isinstance(value, float) else str(value)


def rows(runs: list[Run], study: StudyFile | None = None) -> list[list[str]]:
    selection = select(runs, study)
    shown = {r.run_id for r in selection.shown}
    reasons = {r.run_id: why for r, why in selection.left_out}
    result = []
    for run in runs:
        # no time logged (a missing run's empty file) is unknown, not 0 s
        time = units.duration(run.time_s) if run.time_s > 0 else "unknown"
        time += " (estimate)" if run.extrapolated else ""
        done = f"{_value(run.epochs_done, '?')} of {_value(run.epochs, '?')}"
        evidence = "\n".join(
            f"{fact}: {run.evidence[fact].describe()}"
            for fact in FACTS
            if fact in run.evidence and fact != "kind"  # in its own column
        )
        if run.damage:
            evidence += f"\ndamage: {run.damage}"
        missing = [
            f for f in FACTS if f not in run.evidence and f not in ("cores", "nodes", "kind")
        ]
        if missing:
            evidence += "\nno evidence: " + ", ".join(missing)
        if run.ranks > 1:
            evidence += f"\njoined from {run.ranks} ranks of W&B group {run.group!r}"
        evidence += "".join(f"\nnote: {note}" for note in run.notes)
        # the kind under the run's name (a column of its own would squeeze the others), its
        # evidence first among the evidence
        kind = run.evidence.get("kind")
        if run.kind is not None:
            why = f": {kind.describe()}" if kind else ""
            evidence = f"kind {run.kind_text}{why}\n{evidence}"
        result.append(
            [
                f"{run.name}\n{run.run_id} [{run.state}]" + (f"\n{run.kind}" if run.kind else ""),
                "yes" if run.run_id in shown else f"no: {reasons.get(run.run_id, '')}",
                run.platform,
                _gpus(run),
                _value(run.nodes, "-" if run.platform == "laptop" else "unknown"),
                _value(run.cores, "-"),
                done,
                time,
                evidence,
            ]
        )
    return result


def _gpus(run: Run) -> str:
    if run.gpus is None and run.gpus_on_machine:
        # a bound, said as one: never the job's size
        where = "Slurm gave" if bound_is_allocation(run) else "machine has"
        return f"unknown ({where} {run.gpus_on_machine})"
    return _value(run.gpus, "-" if run.platform == "laptop" else "unknown")


# above this many runs `extract runs` lists one line per run: a table with every run's evidence
# is slow to lay out (rich measures each wrapped cell) and no one reads ten thousand of them
MOST_TABLE_ROWS = 200
LINE_COLUMNS = (
    "run", "id", "state", "kind", "platform", "GPUs", "nodes", "cores", "epochs done", "time",
    "shown",
)  # fmt: skip
WIDEST_NAME = 40


def one_line_each(table_rows: list[list[str]]) -> list[str]:
    """The rows of :func:`rows` as aligned lines, one per run, without the evidence column
    (``--explain RUN`` gives one run's): a large project stays greppable and quick to list."""
    cells = []
    for row in table_rows:
        run, shown, platform, gpus, nodes, cores, done, time, _ = row
        name, id_state, *kind = run.split("\n")
        run_id, _, state = id_state.partition(" [")
        if len(name) > WIDEST_NAME:
            name = name[: WIDEST_NAME - 1] + "\u2026"
        cells.append(
            [name, run_id, state.rstrip("]"), kind[0] if kind else "-", platform, gpus, nodes]
            + [cores, done.replace(" of ", "/"), time, shown]
        )
    widths = [
        max([len(column)] + [len(line[i]) for line in cells])
        for i, column in enumerate(LINE_COLUMNS[:-1])
    ]

    def aligned(values: list[str] | tuple[str, ...]) -> str:
        padded = [value.ljust(width) for value, width in zip(values, widths, strict=False)]
        return "  ".join([*padded, values[-1]]).rstrip()

    return [aligned(LINE_COLUMNS), *(aligned(line) for line in cells)]
