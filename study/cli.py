"""`python -m extract report` and `python -m extract runs`: a store read through the study layer
(the selection, the analysis, the report), so they live here and not in extract/, which never
imports study/. extract/__main__.py adds them to the extraction commands.

Like scenes/load.py, this is an entry point: it reads the store and the study file and applies
the study file's corrections before the study layer sees the runs.
"""

from __future__ import annotations

import argparse
import sys
from pathlib import Path
from typing import TYPE_CHECKING

from rich.console import Console
from rich.markup import escape

from extract.commandline import Commands, err, study_option
from extract.errors import InputError
from extract.model import Run
from extract.runs import reapply
from extract.sample import load_default_runs
from extract.studyfile import StudyFile, load_study
from extract.unknown import facts_asked, unknown_facts, unknown_warnings, unsaid_facts

if TYPE_CHECKING:
    from .selection import Chosen


def add_commands(commands: Commands) -> None:
    report_cmd = commands.add_parser(
        "report",
        help="print the key metrics of a store (Markdown, or --json)",
        epilog="example:\n  python -m extract report data/runs.h5 --json",
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    report_cmd.add_argument(
        "store", nargs="?", type=Path, help="default: $RUNS_STORE or data/runs.h5"
    )
    report_cmd.add_argument("--json", action="store_true", help="machine-readable output")
    study_option(report_cmd)
    report_cmd.set_defaults(run=run_report)

    runs_cmd = commands.add_parser(
        "runs",
        help="list every run's facts (platform, GPUs, nodes, epochs, time) and their evidence",
        epilog="example:\n  python -m extract runs data/runs.h5",
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    runs_cmd.add_argument(
        "store", nargs="?", type=Path, help="default: $RUNS_STORE or data/runs.h5"
    )
    runs_cmd.add_argument(
        "--explain",
        metavar="RUN",
        help="every evidence rule that matched RUN (id or name), what it said, which decided",
    )
    runs_cmd.add_argument(
        "--summary",
        action="store_true",
        help="the project at a glance: configurations and their runs, sweeps, what is shown",
    )
    runs_cmd.add_argument(
        "--all",
        action="store_true",
        help="list the runs the study file's [select] or manim.cfg's regexes leave out too",
    )
    runs_cmd.add_argument(
        "--unknown",
        action="store_true",
        help="every unknown fact: what was seen instead, and the study-file line that settles it",
    )
    study_option(runs_cmd)
    runs_cmd.set_defaults(run=run_runs)


def _study_runs(args: argparse.Namespace) -> tuple[list[Run], StudyFile, str]:
    study = load_study(args.study)
    loaded = load_default_runs(explicit=args.store)
    runs = reapply(loaded.runs, study.corrections)
    study.corrections.for_runs(runs)
    return runs, study, loaded.name


def _chosen(args: argparse.Namespace) -> tuple[Chosen, StudyFile, str, int]:
    """The study's runs, as the scenes choose them (the study file's [select], then
    manim.cfg's include_runs/exclude_runs), and how many runs the store holds."""
    from .selection import choose
    from .settings import load_settings

    runs, study, name = _study_runs(args)
    return choose(runs, load_settings(), study), study, name, len(runs)


def run_report(args: argparse.Namespace) -> None:
    # the analysis is imported when a report is asked for, not by every `python -m extract`
    from .analysis import build_report
    from .report import to_json, to_markdown
    from .settings import load_settings

    chosen, study, _, _ = _chosen(args)
    report = build_report(chosen.runs, study, load_settings(), chosen)
    print(to_json(report) if args.json else to_markdown(report), end="" if not args.json else "\n")


def _rank_runs(run: Run) -> list[str]:
    """Ids and names of the W&B runs (ranks) joined into ``run``."""
    return [
        str(value)
        for key in ("_rank_run_ids", "_rank_run_names")
        for value in run.summary.get(key) or []
    ]


def unknown_lines(runs: list[Run], study: StudyFile, name: str) -> list[str]:
    """`runs --unknown`: one line per unknown fact, then how many of the facts asked."""
    found = unknown_facts(runs, study)
    asked = sum(len(facts_asked(run)) for run in runs)
    lines = [
        f"{u.run.name} ({u.run.run_id}): {u.fact} unknown; seen: {u.seen}; add {u.line}"
        for u in found
    ]
    runs_with = len({u.run.run_id for u in found})
    silent = unsaid_facts(runs)
    for fact in sorted({f for _, f in silent}):
        names = [r.name for r, f in silent if f == fact]
        shown = ", ".join(names[:4]) + (f" and {len(names) - 4} more" if len(names) > 4 else "")
        lines.append(
            f"{fact} of {len(names)} {'run' if len(names) == 1 else 'runs'} ({shown}): no file "
            f"of theirs speaks of {fact} (no count, Slurm allocation or rank), so not counted; "
            f"`NAME = {{ {fact} = N }}` under [runs] states it"
        )
    return [
        *lines,
        f"{len(found)} of {asked} facts unknown, in {runs_with} of {len(runs)} runs of {name}",
    ]


def runs_title(chosen: Chosen, name: str, total: int, every: bool) -> str:
    """How many runs the table lists of how many the store holds, and why the others are
    not listed ('8 of 14 runs in runs.h5 (6 runs left out by ...; --all lists them)')."""
    note = chosen.note()
    runs = f"{total:,} run" if total == 1 else f"{total:,} runs"
    if note is None:
        return f"{runs} in {name}"
    if every:
        return f"{runs} in {name} ({len(chosen.runs):,} in the study; {note}, listed last)"
    return f"{len(chosen.runs):,} of {runs} in {name} ({note}; --all lists them)"


def _print_one_line_each(chosen: Chosen, study: StudyFile, title: str, everything: bool) -> None:
    """A project too large for the table with evidence: one line per run, then the same notes."""
    from .runs_table import one_line_each, rows

    table_rows = rows(chosen.runs, study)
    if everything:
        left_out = [run for run, _ in chosen.left_out]
        for row, (_, why) in zip(rows(left_out, study), chosen.left_out, strict=True):
            row[1] = f"no: not in the study ({why})"
            table_rows.append(row)
    print(f"{title}, one line each (a run's evidence: --explain RUN)")
    print("\n".join(one_line_each(table_rows)))
    _notes_after_listing(chosen, study, everything)


def run_runs(args: argparse.Namespace) -> None:
    from rich.table import Table

    from extract.explain import explain

    from .runs_table import MOST_TABLE_ROWS, rows

    chosen, study, name, total = _chosen(args)
    runs = chosen.runs
    if args.explain:
        everything = runs + [run for run, _ in chosen.left_out]
        matches = [r for r in everything if args.explain in (r.run_id, r.name)]
        # a rank joined into its training is found by its own name or id too
        matches = matches or [r for r in everything if args.explain in _rank_runs(r)]
        if not matches:
            raise InputError(
                f"no run {args.explain!r} in {name}",
                hint="'python -m extract runs' lists every run by name and id",
            )
        reasons = {r.run_id: why for r, why in chosen.left_out}
        for run in matches:
            print("\n".join(explain(run, everything)))
            if run.run_id in reasons:
                print(f"  not in the study: {reasons[run.run_id]}")
        return
    if args.unknown:
        print("\n".join(unknown_lines(runs, study, name)))
        return
    console = Console(highlight=False, width=None if sys.stdout.isatty() else 160)
    if args.summary:
        from .summary import summary

        console.print(summary(chosen, study, name, total))
        return
    listed = len(runs) + (len(chosen.left_out) if args.all else 0)
    title = runs_title(chosen, name, total, args.all)
    if listed > MOST_TABLE_ROWS:
        _print_one_line_each(chosen, study, title, args.all)
        return
    table = Table(title=escape(title), show_lines=True)
    for column in ("run", "shown", "platform", "GPUs", "nodes", "cores", "epochs done", "time"):
        table.add_column(column, overflow="fold")
    table.add_column("evidence", overflow="fold")
    for row in rows(runs, study):
        table.add_row(*(escape(cell) for cell in row))
    if args.all:
        left_out = [run for run, _ in chosen.left_out]
        for row, (_, why) in zip(rows(left_out, study), chosen.left_out, strict=True):
            row[1] = f"no: not in the study ({why})"
            table.add_row(*(escape(cell) for cell in row))
    # a pipe or a file gets the full table, not one folded to 80 columns
    console.print(table)
    _notes_after_listing(chosen, study, args.all)


def _notes_after_listing(chosen: Chosen, study: StudyFile, everything: bool) -> None:
    note = chosen.note()
    if note:
        more = "" if everything else " (--all lists them)"
        err.print(f"{note}{more}", soft_wrap=True, markup=False, highlight=False)
    unused = study.unused_warnings(run.name for run in chosen.runs)
    for warning in unused + unknown_warnings(chosen.runs, study):
        err.print(f"warning: {warning}", soft_wrap=True, markup=False, highlight=False)
