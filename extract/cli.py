"""`python -m extract`: W&B exports -> run store, and the key metrics of a store."""

from __future__ import annotations

import argparse
import json
import sys
from collections.abc import Callable
from pathlib import Path
from typing import Any, TypeAlias

from rich.console import Console
from rich.markup import escape

from .classify import Correction, Corrections
from .errors import InputError
from .ingest import ingest_exports
from .kinds import decide_kinds
from .merge import merge_runs
from .offline import ingest_offline
from .paths import DEFAULT_STORE, PROJECT_ROOT, store_path
from .runfilter import RunFilter
from .runs import IngestResult
from .sample import build_sample_store
from .store import is_sample_store, load_runs, save_runs, store_argument
from .studyfile import StudyFile, load_study
from .unknown import unknown_warnings

SAMPLE_STORE = PROJECT_ROOT / "data" / "sample.h5"

EXAMPLES = """\
examples:
  python -m extract csv wandb_export.csv -o data/runs.h5
  python -m extract csv runs.csv accuracy_panel.csv epoch_panel.csv --platform "My CPU run=laptop"
  python -m extract offline wandb/ --merge  # offline runs (wandb/offline-run-*) into the store
  python -m extract wandb my-team/scaling --state finished --merge   # from the W&B API
  python -m extract tensorboard lightning_logs/ --merge  # TensorBoard event files
  python -m extract report                  # Markdown key metrics of data/runs.h5 (or $RUNS_STORE)
  python -m extract report my.h5 --json
  python -m extract runs                    # every run's facts and where each came from
  python -m extract sample -o sample.h5     # the sample study as a store of its own
"""

err = Console(stderr=True, highlight=False)

# what a command runs: its parsed arguments in, the exit status out (None for 0)
Handler = Callable[[argparse.Namespace], int | None]
# what add_subparsers() returns; argparse only names it privately (a string: it is generic in
# typeshed, not at run time)
Commands: TypeAlias = "argparse._SubParsersAction[argparse.ArgumentParser]"
# adds commands of another layer to these (study/cli.py: report, runs), each parser naming its
# handler with ``set_defaults(run=...)``; extract/__main__.py is where the two meet
MoreCommands = Callable[[Commands], None]


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


def _source_options(command: argparse.ArgumentParser) -> None:
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


def build_parser(more_commands: MoreCommands | None = None) -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="python -m extract",
        description="Build the run store from W&B exports and report its key metrics.",
        epilog=EXAMPLES,
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    parser.add_argument("--debug", action="store_true", help="show tracebacks on errors")
    commands = parser.add_subparsers(dest="command", required=True)

    csv_cmd = commands.add_parser(
        "csv",
        help="read W&B runs-table and line-plot panel CSV exports into the store",
        epilog="example:\n  python -m extract csv export.csv panel_epoch.csv -o data/runs.h5",
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    csv_cmd.add_argument("exports", nargs="+", type=Path, help="runs-table and panel exports")
    _source_options(csv_cmd)
    csv_cmd.set_defaults(run=run_csv)
    csv_cmd.add_argument(
        "--reconstructed",
        action="store_true",
        help="mark the panel histories as reconstructed (not logged); scenes say so on screen",
    )
    csv_cmd.add_argument(
        "--skip-invalid",
        action="store_true",
        help="leave out invalid rows (each is named) instead of rejecting the export",
    )

    offline_cmd = commands.add_parser(
        "offline",
        help="read W&B run files (wandb/offline-run-*/run-*.wandb) into the store",
        epilog="example:\n  python -m extract offline wandb/ -o data/runs.h5\n"
        "  python -m extract offline wandb/offline-run-20250807_124801-abc123 --merge",
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    offline_cmd.add_argument(
        "paths", nargs="+", type=Path, help="run files, run directories or a wandb/ directory"
    )
    _source_options(offline_cmd)
    offline_cmd.set_defaults(run=run_offline)

    tensorboard_cmd = commands.add_parser(
        "tensorboard",
        help="read TensorBoard event files (every run folder under LOGDIR) into the store",
        epilog="example:\n  python -m extract tensorboard lightning_logs/ -o data/runs.h5",
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    tensorboard_cmd.add_argument(
        "logdir", type=Path, help="the log directory (TensorBoard's --logdir)"
    )
    _source_options(tensorboard_cmd)
    tensorboard_cmd.set_defaults(run=run_tensorboard)

    wandb_cmd = commands.add_parser(
        "wandb",
        help="pull runs with full histories from the W&B API into the store (incremental)",
        epilog="examples:\n  python -m extract wandb my-team/scaling -o data/runs.h5\n"
        '  python -m extract wandb my-team/scaling --filters \'{"tags": {"$in": '
        '["scaling"]}}\' --keys epoch running_accuracy --merge\n'
        "auth: WANDB_API_KEY, ~/.netrc or 'wandb login' (the key is never printed or stored)",
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    wandb_cmd.add_argument("path", help="ENTITY/PROJECT")
    wandb_cmd.add_argument(
        "--filters", type=json.loads, default={}, help="W&B MongoDB-style filters as JSON"
    )
    wandb_cmd.add_argument("--state", help="only runs in this state (e.g. finished)")
    wandb_cmd.add_argument("--group", help="only runs of this group")
    wandb_cmd.add_argument("--name-regex", help="only runs whose display name matches")
    wandb_cmd.add_argument("--keys", nargs="+", help="history keys to fetch (default: all)")
    wandb_cmd.add_argument(
        "--every-run",
        action="store_true",
        help="fetch runs the study file's [select] leaves out too (it is applied by default)",
    )
    wandb_cmd.add_argument(
        "--refresh",
        action="store_true",
        help="fetch every run again, even one the store or the cache holds unchanged",
    )
    wandb_cmd.add_argument("--workers", type=int, default=4, help="runs fetched at once")
    _source_options(wandb_cmd)
    wandb_cmd.set_defaults(run=run_wandb)

    if more_commands is not None:
        more_commands(commands)

    sample_cmd = commands.add_parser(
        "sample",
        help="build a store from the embedded sample study",
        epilog="example:\n  python -m extract sample -o /tmp/sample.h5",
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    sample_cmd.add_argument("-o", "--output", type=store_argument, default=SAMPLE_STORE)
    sample_cmd.set_defaults(run=run_sample)
    return parser


def _corrections(args: argparse.Namespace, study: StudyFile) -> Corrections:
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


def _write(args: argparse.Namespace, result: IngestResult, study: StudyFile) -> None:
    output = store_path(args.output)
    runs = result.runs
    if args.merge and is_sample_store(output):
        raise InputError(
            "this store holds the sample study; your runs are not merged into it",
            path=output,
            hint="drop --merge to replace it with your runs, or write elsewhere with -o",
        )
    if args.merge and output.exists():
        # a run's kind may rest on the others (a login node is the Slurm jobs' submit host)
        runs = decide_kinds(merge_runs(load_runs(output), runs))
    save_runs(output, runs)
    warnings = list(result.warnings)
    warnings += [f"{run.name}: {note}" for run in result.runs for note in run.notes]
    study.corrections.for_runs(runs)
    warnings += study.unused_warnings()
    warnings += unknown_warnings(runs, study)
    for warning in warnings:
        # plain text: a run name may hold brackets that rich would read as markup
        err.print(f"warning: {warning}", soft_wrap=True, markup=False, highlight=False)
    histories = sum(1 for r in runs if len(r.history))
    print(f"wrote {_runs(len(runs))} ({histories} with histories) to {output}")


def _runs(count: int) -> str:
    return f"{count} run" if count == 1 else f"{count} runs"


def run_csv(args: argparse.Namespace) -> None:
    study = load_study(args.study)
    result = ingest_exports(
        args.exports,
        _corrections(args, study),
        reconstructed=args.reconstructed,
        skip_invalid=args.skip_invalid,
    )
    _write(args, result, study)


def run_offline(args: argparse.Namespace) -> None:
    study = load_study(args.study)
    _write(args, ingest_offline(args.paths, _corrections(args, study)), study)


def run_tensorboard(args: argparse.Namespace) -> None:
    from .sources.tensorboard import ingest_tensorboard

    study = load_study(args.study)
    _write(args, ingest_tensorboard(args.logdir, _corrections(args, study)), study)


def run_wandb(args: argparse.Namespace) -> int:
    import wandb
    from rich.progress import MofNCompleteColumn, Progress

    from .remote import PullInterrupted, Selection, pull

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
                _corrections(args, study),
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
        from .remote import describe

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


def run_sample(args: argparse.Namespace) -> None:
    runs = build_sample_store(args.output)
    print(f"wrote the sample study ({_runs(len(runs))}) to {args.output}")


def main(argv: list[str] | None = None, more_commands: MoreCommands | None = None) -> int:
    """The extraction commands, and ``more_commands``: `python -m extract` adds the study's."""
    parser = build_parser(more_commands)
    args = parser.parse_args(argv)
    run: Handler = args.run
    try:
        status = run(args)
    except InputError as error:
        if args.debug:
            raise
        # escaped: a message naming "[lumi_vs_laptop]" is not markup
        err.print(f"[bold red]error:[/] {escape(error.one_line())}", soft_wrap=True)
        return 2
    except KeyboardInterrupt:
        err.print("interrupted; the store keeps every run written before")
        return 130
    return status or 0


if __name__ == "__main__":
    sys.exit(main())
