"""`python -m extract`: W&B exports -> run store, and the key metrics of a store."""

from __future__ import annotations

import argparse
import json
import sys
from pathlib import Path

from rich.console import Console

from .analysis import build_report
from .classify import Overrides
from .errors import InputError
from .ingest import ingest_exports
from .merge import merge_runs
from .offline import ingest_offline
from .paths import DEFAULT_STORE, store_path
from .report import to_json, to_markdown
from .sample import build_sample_store
from .store import load_runs, save_runs

EXAMPLES = """\
examples:
  python -m extract csv wandb_export.csv -o data/runs.h5
  python -m extract csv runs.csv accuracy_panel.csv epoch_panel.csv --platform "My CPU run=laptop"
  python -m extract offline wandb/ --merge  # offline runs (wandb/offline-run-*) into the store
  python -m extract wandb my-team/scaling --state finished --merge   # from the W&B API
  python -m extract report                  # Markdown key metrics of data/runs.h5 (or $RUNS_STORE)
  python -m extract report my.h5 --json
  python -m extract sample                  # rebuild data/runs.h5 from the sample study
"""

err = Console(stderr=True, highlight=False)


def _assignment(kind: type):
    def parse(text: str) -> tuple[str, object]:
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
        "-o", "--output", type=Path, default=None, help=f"store to write (default {DEFAULT_STORE})"
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


def build_parser() -> argparse.ArgumentParser:
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
        "--refresh", action="store_true", help="fetch again runs already stored unchanged"
    )
    wandb_cmd.add_argument("--workers", type=int, default=4, help="runs fetched at once")
    _source_options(wandb_cmd)

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

    sample_cmd = commands.add_parser(
        "sample",
        help="build a store from the embedded sample study",
        epilog="example:\n  python -m extract sample -o /tmp/sample.h5",
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    sample_cmd.add_argument("-o", "--output", type=Path, default=DEFAULT_STORE)
    return parser


def _overrides(args: argparse.Namespace) -> Overrides:
    return Overrides(platform=dict(args.platform), gpus=dict(args.gpus), nodes=dict(args.nodes))


def _write(args: argparse.Namespace, result) -> None:
    output = store_path(args.output)
    runs = result.runs
    if args.merge and output.exists():
        runs = merge_runs(load_runs(output), runs)
    save_runs(output, runs)
    for warning in result.warnings:
        err.print(f"[yellow]warning:[/] {warning}", soft_wrap=True)
    histories = sum(1 for r in runs if len(r.history))
    print(f"wrote {len(runs)} runs ({histories} with histories) to {output}")


def run_csv(args: argparse.Namespace) -> None:
    _write(
        args,
        ingest_exports(
            args.exports,
            _overrides(args),
            reconstructed=args.reconstructed,
            skip_invalid=args.skip_invalid,
        ),
    )


def run_offline(args: argparse.Namespace) -> None:
    _write(args, ingest_offline(args.paths, _overrides(args)))


def run_wandb(args: argparse.Namespace) -> int:
    import wandb
    from rich.progress import Progress

    from .remote import Selection, pull

    selection = Selection(
        args.path, args.filters, args.state, args.group, args.name_regex, args.keys
    )
    output = store_path(args.output)
    try:
        api = wandb.Api(timeout=60)
        with Progress(console=err, transient=True) as progress:
            result = pull(
                api, selection, output, _overrides(args), args.refresh, args.workers, progress
            )
    except wandb.errors.CommError as error:
        from .remote import describe

        raise InputError(
            f"W&B API: {describe(error)}",
            path=args.path,
            hint="check ENTITY/PROJECT, the network, and 'wandb login'",
        ) from None
    print(
        f"added {len(result.added)}, updated {len(result.updated)}, unchanged "
        f"{len(result.unchanged)}, failed {len(result.failed)} -> {output}"
    )
    for failure in result.failed:
        err.print(f"[red]failed:[/] {failure}", soft_wrap=True)
    if result.failed:
        err.print(
            "check the network and 'wandb login', then run the same command again: runs "
            "already stored and unchanged are skipped"
        )
    return 1 if result.failed else 0


def run_report(args: argparse.Namespace) -> None:
    report = build_report(load_runs(store_path(args.store)))
    print(to_json(report) if args.json else to_markdown(report), end="" if not args.json else "\n")


def run_sample(args: argparse.Namespace) -> None:
    runs = build_sample_store(args.output)
    print(f"wrote the sample study ({len(runs)} runs) to {args.output}")


def main(argv: list[str] | None = None) -> int:
    parser = build_parser()
    args = parser.parse_args(argv)
    handlers = {
        "csv": run_csv,
        "offline": run_offline,
        "wandb": run_wandb,
        "report": run_report,
        "sample": run_sample,
    }
    try:
        status = handlers[args.command](args)
    except InputError as error:
        if args.debug:
            raise
        err.print(f"[bold red]error:[/] {error.one_line()}", soft_wrap=True)
        return 2
    except KeyboardInterrupt:
        err.print("interrupted; the store keeps every run written before")
        return 130
    return status or 0


if __name__ == "__main__":
    sys.exit(main())
