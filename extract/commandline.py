"""What every command of `python -m extract` shares: the error console, the study-file option,
and for a source's command (extract/sources/) its options, the corrections the study file and
the command line state, and writing what it read into the store."""

from __future__ import annotations

import argparse
from collections.abc import Callable
from pathlib import Path
from typing import Any, TypeAlias

from rich.console import Console

from .classify import Correction, Corrections
from .errors import InputError
from .kinds import decide_kinds
from .merge import merge
from .paths import DEFAULT_STORE, store_path
from .runs import IngestResult
from .store import is_sample_store, load_runs, save_runs, store_argument
from .studyfile import StudyFile, load_study
from .unknown import unknown_warnings

err = Console(stderr=True, highlight=False)

# what a command runs: its parsed arguments in, the exit status out (None for 0)
Handler = Callable[[argparse.Namespace], int | None]
# what add_subparsers() returns; argparse only names it privately (a string: it is generic in
# typeshed, not at run time)
Commands: TypeAlias = "argparse._SubParsersAction[argparse.ArgumentParser]"


def warn(text: str) -> None:
    # plain text: a run name may hold brackets that rich would read as markup
    err.print(text, soft_wrap=True, markup=False, highlight=False)


def _assignment(kind: Callable[[str], Any]) -> Callable[[str], tuple[str, Any]]:
    def parse(text: str) -> tuple[str, Any]:
        name, sep, value = text.rpartition("=")
        if not sep or not name:
            raise argparse.ArgumentTypeError(f"expected RUN_NAME=VALUE, got {text!r}")
        try:
            return name, kind(value)
        except ValueError:
            raise argparse.ArgumentTypeError(f"bad value in {text!r}") from None

    return parse


def _platform(value: str) -> str:
    if value not in ("cluster", "laptop"):
        raise ValueError(value)
    return value


def source_command(
    commands: Commands, name: str, help: str, epilog: str
) -> argparse.ArgumentParser:
    """A source's command, with the options every source command has (source_options)."""
    command = commands.add_parser(
        name, help=help, epilog=epilog, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    source_options(command)
    return command


def source_options(command: argparse.ArgumentParser) -> None:
    """Options every source command has: where to write, and corrections to what runs logged."""
    command.add_argument(
        "-o",
        "--output",
        type=store_argument,
        default=None,
        help=f"store to write (default {DEFAULT_STORE})",
    )
    command.add_argument(
        "--platform",
        type=_assignment(_platform),
        action="append",
        default=[],
        metavar="RUN=cluster|laptop",
        help="set a run's platform (repeatable)",
    )
    command.add_argument(
        "--gpus",
        type=_assignment(int),
        action="append",
        default=[],
        metavar="RUN=N",
        help="set a run's total GPU count (repeatable)",
    )
    command.add_argument(
        "--nodes",
        type=_assignment(int),
        action="append",
        default=[],
        metavar="RUN=N",
        help="set a run's node count (repeatable)",
    )
    command.add_argument(
        "--merge",
        action="store_true",
        help="add to the runs already in the store (same run: by id, else name; newer wins)",
    )
    study_option(command)


def study_option(command: argparse.ArgumentParser) -> None:
    command.add_argument(
        "--study",
        type=Path,
        default=None,
        metavar="STUDY.toml",
        help="the study file (default: $LUMI_STUDY, manim.cfg's 'study', or ./study.toml)",
    )


def corrections(args: argparse.Namespace, study: StudyFile) -> Corrections:
    """The study file's corrections, with the command line's shortcuts winning."""
    given: dict[str, Correction] = {}

    def entry(name: str) -> Correction:
        return given.setdefault(name, Correction(origin="command line"))

    for name, platform in args.platform:
        entry(name).platform = platform
    for name, gpus in args.gpus:
        entry(name).gpus = gpus
    for name, nodes in args.nodes:
        entry(name).nodes = nodes
    return study.corrections.merged_with(Corrections(given))


def ingest_into_store(
    args: argparse.Namespace, ingest: Callable[[Corrections], IngestResult]
) -> None:
    """A source command's work: its runs, read with the study's corrections, into the store."""
    study = load_study(args.study)
    write_store(args, ingest(corrections(args, study)), study)


def write_store(args: argparse.Namespace, result: IngestResult, study: StudyFile) -> None:
    output = store_path(args.output)
    runs = result.runs
    by_name: list[tuple[str, str]] = []
    if args.merge and is_sample_store(output):
        raise InputError(
            "this store holds the sample study; your runs are not merged into it",
            path=output,
            hint="drop --merge to replace it with your runs, or write elsewhere with -o",
        )
    if args.merge and output.exists():
        # a run's kind may rest on the others (a login node is the Slurm jobs' submit host)
        merged = merge(load_runs(output), runs)
        runs, by_name = decide_kinds(merged.runs), merged.by_name
    save_runs(output, runs)
    for line in told_by_name(by_name):
        print(line)
    warnings = list(result.warnings)
    warnings += [f"{run.name}: {note}" for run in result.runs for note in run.notes]
    study.corrections.for_runs(runs)
    warnings += study.unused_warnings(run.name for run in runs)
    warnings += unknown_warnings(runs, study)
    for warning in warnings:
        warn(f"warning: {warning}")
    histories = sum(1 for r in runs if len(r.history))
    print(f"wrote {count_of_runs(len(runs))} ({histories} with histories) to {output}")


def told_by_name(joined: list[tuple[str, str]], most: int = 5) -> list[str]:
    """The runs joined to a stored run by name: a line each, or one line when many."""
    if len(joined) <= most:
        return [line for _, line in joined]
    names = ", ".join(name for name, _ in joined)
    return [f"{len(joined)} runs joined by name with the stored runs of those names: {names}"]


def count_of_runs(count: int) -> str:
    return f"{count} run" if count == 1 else f"{count} runs"
