"""`python -m extract ARGS` run in the test's own process, for tests of what a command prints and
writes (not of the process itself): each Python process costs seconds of CPU to start
(manim, wandb and h5py imported again). Tests of the process itself (its exit status as a shell
sees it, the environment it inherits, a kill -9) start a real one.

``run_cli`` gives what ``subprocess.run(..., capture_output=True, text=True)`` gives: the exit
status (``main``'s return, or a ``SystemExit``'s code, as Python's own exit makes of it), stdout
and stderr. ``env`` replaces the whole environment for the call, as ``subprocess.run(env=...)``
does; ``cwd`` is the working directory for the call. Both are restored afterwards.
"""

from __future__ import annotations

import contextlib
import io
import os
import traceback
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from pathlib import Path

from extract.__main__ import main as extract_main


@dataclass
class Ran:
    returncode: int
    stdout: str
    stderr: str


def run_cli(
    *args: str | Path,
    env: Mapping[str, str] | None = None,
    cwd: str | Path | None = None,
    main: Callable[[list[str]], int] = extract_main,
) -> Ran:
    out, err = io.StringIO(), io.StringIO()
    saved_env, saved_cwd = dict(os.environ), os.getcwd()
    try:
        if env is not None:
            os.environ.clear()
            os.environ.update(env)
        if cwd is not None:
            os.chdir(cwd)
        with contextlib.redirect_stdout(out), contextlib.redirect_stderr(err):
            try:
                status = main([str(arg) for arg in args])
            except SystemExit as stop:  # argparse's --help and usage errors
                if stop.code is None or isinstance(stop.code, int):
                    status = stop.code or 0
                else:
                    print(stop.code, file=err)
                    status = 1
            except Exception:  # an uncaught error: a traceback and status 1, as Python ends
                traceback.print_exc(file=err)
                status = 1
    finally:
        os.chdir(saved_cwd)
        os.environ.clear()
        os.environ.update(saved_env)
    return Ran(status, out.getvalue(), err.getvalue())
