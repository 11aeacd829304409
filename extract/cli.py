"""`python -m extract`: runs from each source (extract/sources/) into the run store, and the
sample study's store; extract/__main__.py adds the study's report and runs."""

from __future__ import annotations

import argparse
import sys
from collections.abc import Callable

from rich.markup import escape

from .commandline import Commands, Handler, count_of_runs, err
from .errors import InputError
from .paths import PROJECT_ROOT
from .sample import build_sample_store
from .sources import tensorboard, wandb_api, wandb_exports, wandb_files
from .store import store_argument

# every source's command, in the order --help lists them: a new tracker is a module of
# extract/sources/ with its add_command, named here
SOURCES = (wandb_exports, wandb_files, tensorboard, wandb_api)

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

# adds commands of another layer to these (study/cli.py: report, runs), each parser naming its
# handler with ``set_defaults(run=...)``; extract/__main__.py is where the two meet
MoreCommands = Callable[[Commands], None]


def build_parser(more_commands: MoreCommands | None = None) -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="python -m extract",
        description="Build the run store from tracked runs and report its key metrics.",
        epilog=EXAMPLES,
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    parser.add_argument("--debug", action="store_true", help="show tracebacks on errors")
    commands = parser.add_subparsers(dest="command", required=True)

    for source in SOURCES:
        source.add_command(commands)

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


def run_sample(args: argparse.Namespace) -> None:
    runs = build_sample_store(args.output)
    print(f"wrote the sample study ({count_of_runs(len(runs))}) to {args.output}")


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
