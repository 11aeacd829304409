"""`python -m extract`: the extraction commands (extract/cli.py) and the study's `report` and
`runs` (study/cli.py), one command line as the README shows it.

The one place in extract/ that names study/: report and runs read a store through the analysis,
so their code lives in study/ (which depends on extract/, never the reverse) and they are joined
here, at the entry point, not in the library. Their parsers are added to every command line so
that `python -m extract --help` and a mistyped command still list every command; the analysis
itself is imported only when report or runs runs (study/cli.py imports it in their handlers).
"""

import sys

from study.cli import add_commands

from . import cli


def main(argv: list[str] | None = None) -> int:
    return cli.main(argv, more_commands=add_commands)


if __name__ == "__main__":
    sys.exit(main())
