"""`python -m extract runs --summary`: a project at a glance, in one screen however many runs it
holds: its configurations and their runs by state, the sweeps, groups, job types and tags of the
runs the study's selection keeps (and how many it leaves out of each), what the scenes draw, and
why the rest is left out."""

from __future__ import annotations

from collections import Counter, defaultdict
from collections.abc import Hashable

from rich.console import Group
from rich.markup import escape
from rich.table import Table
from rich.text import Text

from extract.kinds import shown_kind
from extract.model import Run
from extract.studyfile import StudyFile

from . import units
from .labels import plural
from .selection import Chosen, configuration, describe_configuration, select

ROWS = 14  # configurations listed; the others are counted in one row
LISTED = 6  # sweeps, groups, job types, tags named in a line
STATES = ("finished", "failed", "crashed", "killed")


def summary(chosen: Chosen, study: StudyFile, store: str, total: int) -> Group:
    runs = chosen.runs
    selection = select(runs, study)
    lines: list[Text | Table] = [
        Text(f"{store}: {plural(total, 'run')}", style="bold"),
    ]
    if chosen.note():
        lines.append(Text(f"the study: {plural(len(runs), 'run')}; {chosen.note()}"))
        if not study.select.empty:
            lines.append(Text(f"  [select]: {study.select.describe()}", style="dim"))
    lines.append(_configurations(runs, selection.shown, selection.stands_for))
    lines += [Text(line) for line in _organisation(runs, [r for r, _ in chosen.left_out])]
    drawn = f"shown: {plural(len(selection.shown), 'lane')}"
    if selection.more:
        drawn += f" of {selection.configurations} configurations ({selection.more_text()})"
    lines.append(Text(drawn, style="bold"))
    reasons = Counter(_category(why) for _, why in selection.left_out + chosen.left_out)
    if reasons:
        lines.append(
            Text(
                "left out: " + "; ".join(f"{n:,} {why}" for why, n in reasons.most_common()),
            )
        )
    lines.append(
        Text("'python -m extract runs' lists every run, --all with those left out", style="dim")
    )
    return Group(*lines)


def _configurations(runs: list[Run], shown: list[Run], stands_for: dict[str, int]) -> Table:
    """One row per configuration: its runs by state, the times of its finished trainings, whether
    a lane stands for it."""
    groups: dict[Hashable, list[Run]] = defaultdict(list)
    unplaced = []
    for run in runs:
        if run.known and not run.excluded:
            groups[configuration(run)].append(run)
        else:
            unplaced.append(run)
    lane = {configuration(r): r for r in shown}
    table = Table(title="configurations", title_justify="left", box=None, pad_edge=False)
    for column in ("configuration", "runs", *STATES, "other", "times", "lane"):
        table.add_column(column, justify="left" if column in ("configuration", "lane") else "right")
    ordered = sorted(groups.items(), key=lambda item: _order(item[1]))
    for key, members in ordered[:ROWS] if len(ordered) > ROWS + 1 else ordered:
        # run names are text, not rich markup ('[select]', a name in brackets)
        table.add_row(*(escape(cell) for cell in _row(members, lane.get(key), stands_for)))
    if len(ordered) > ROWS + 1:
        rest = [r for _, members in ordered[ROWS:] for r in members]
        drawn = sum(1 for key, _ in ordered[ROWS:] if key in lane)
        table.add_row(
            f"and {len(ordered) - ROWS} more configurations",
            *_counts(rest),
            "",
            f"{drawn} drawn" if drawn else "-",
            style="dim",
        )
    if unplaced:
        table.add_row("facts unknown or excluded", *_counts(unplaced), "", "-", style="dim")
    return table


def _order(members: list[Run]) -> tuple[int, float]:
    run = members[0]
    if run.platform == "cluster":
        return (0, float(run.gpus or 0))
    times = [r.time_s for r in members if r.time_s > 0]
    return (1, min(times, default=float("inf")))


def _row(members: list[Run], lane: Run | None, stands_for: dict[str, int]) -> list[str]:
    first = lane or members[0]
    # the times of the runs that may stand for it: a debugging run or a sweep trial of the same
    # GPU count took another amount of work
    timed = [
        r
        for r in members
        if (r.finished or r.extrapolated) and r.time_s > 0 and shown_kind(r) and not r.damage
    ]
    times = ""
    if timed:
        low, high = min(r.time_s for r in timed), max(r.time_s for r in timed)
        times = units.duration(low) if low == high else units.duration_range(low, high)
        times = ("\u2248" if any(r.extrapolated for r in timed) else "") + times
    if lane is None:
        shown = "-"
    else:
        count = stands_for.get(lane.run_id, 1)
        shown = lane.name + (f" (best of {count})" if count > 1 else "")
    return [describe_configuration(first), *_counts(members), times, shown]


def _counts(runs: list[Run]) -> list[str]:
    states = Counter(r.state for r in runs)
    other = sum(n for state, n in states.items() if state not in STATES)
    return [f"{len(runs):,}", *(f"{states[s]:,}" if states[s] else "" for s in STATES)] + [
        f"{other:,}" if other else ""
    ]


def _organisation(runs: list[Run], left_out: list[Run]) -> list[str]:
    """Sweeps, groups, job types and tags of the study's runs, most runs first, and of those
    the selection leaves out, counted apart (a store-wide count would describe runs the study
    does not hold)."""
    lines = []
    for what in ("sweeps", "groups", "job types", "tags"):
        kept = Counter(v for r in runs for v in _values(r, what))
        dropped = Counter(v for r in left_out for v in _values(r, what))
        if not kept and not dropped:
            continue
        line = f"{what}: {_named(kept)}" if kept else f"{what}: none in the study"
        if what == "sweeps" and kept:
            trials = [r for r in runs if r.sweep_id]
            finished = sum(r.finished for r in trials)
            line += f"; {plural(len(trials), 'trial')}, {finished:,} finished"
        if dropped:
            having = sum(1 for r in left_out if _values(r, what))
            line += f"; {plural(having, 'run')} left out by the selection: {_named(dropped)}"
        lines.append(line)
    if not lines:
        lines.append("no sweeps, groups, job types or tags recorded")
    return lines


def _values(run: Run, what: str) -> list[str]:
    if what == "tags":
        return list(run.tags)
    value = {"sweeps": run.sweep_id, "groups": run.group, "job types": run.job_type}[what]
    return [value] if value else []


def _named(counts: Counter[str]) -> str:
    named = ", ".join(f"{value} ({n:,})" for value, n in counts.most_common(LISTED))
    return named + (f" and {len(counts) - LISTED} more" if len(counts) > LISTED else "")


def _category(why: str) -> str:
    """A reason a run is left out, as one of a few kinds (the runs table says each in full)."""
    for start, kind in (
        ("[select]", "by the study file's [select]"),
        ("include_runs", "by manim.cfg's include_runs/exclude_runs"),
        ("excluded", "excluded in the study file"),
        ("state ", "not finished"),
        ("its configuration has no lane", "in configurations with no lane"),
        ("GPU count unknown", "with facts unknown"),
        ("no evidence", "with facts unknown"),
    ):
        if why.startswith(start):
            return kind
    if " stands for " in why:
        return "repeats another run stands for"
    return why
