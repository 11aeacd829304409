"""Corpora written by the real wandb SDK, written once and reused by later test runs.

Writing a corpus starts wandb's service in child processes and takes seconds of CPU each time
(the stacks' corpus about half a minute). What it writes is a function of the script that writes
it, the wandb version and the Python version: the same script run by the same SDK writes the same
kind of files (run ids and clock times differ from one writing to the next, and no test asserts
one particular id or time: the tests compare with what the writer logged, which is cached with
the files). So the files are still written by the real SDK, only not on every run. (The run
files name the folder they were written in, wandb's ``root`` metadata: a temporary folder of the
cache, which nothing reads; extract/sources/wandb_api.py keeps ``root`` out of a store as private.)

The cache key is the sha256 of the writer's source files (the modules that define the scripts
and the scenarios, whole), ``wandb``'s version and Python's version: change a script, a
scenario or the SDK and the corpus is written afresh. The cache lives outside the checkout, in
``${XDG_CACHE_HOME:-~/.cache}/lumi-vs-laptop/sdk-corpora/<name>-<key>/``. A corpus is written
into a temporary folder beside it and renamed into place, which is atomic: a half-written corpus
(a killed run, a failed writer) is never used, and of two sessions writing the same corpus at
once the first rename wins and the other's copy is dropped. A test gets a copy of its own in its
temporary folder, so whatever it does there never reaches the cache.

``LUMI_NO_CORPUS_CACHE=1`` writes every corpus afresh into the test's folder (the cache is
neither read nor written).
"""

from __future__ import annotations

import hashlib
import os
import shutil
import sys
import tempfile
import time
from collections.abc import Callable, Sequence
from importlib.metadata import version
from pathlib import Path

STALE_S = 24 * 3600  # a temporary folder this old was left by a session that died


def cache_root() -> Path:
    base = os.environ.get("XDG_CACHE_HOME") or str(Path.home() / ".cache")
    return Path(base) / "lumi-vs-laptop" / "sdk-corpora"


def key_of(name: str, sources: Sequence[Path]) -> str:
    digest = hashlib.sha256()
    for part in (name, version("wandb"), sys.version):
        digest.update(part.encode() + b"\0")
    for source in sources:
        digest.update(Path(source).name.encode() + b"\0" + Path(source).read_bytes() + b"\0")
    return digest.hexdigest()[:24]


def sdk_corpus(
    name: str, sources: Sequence[Path], write: Callable[[Path], None], into: Path
) -> Path:
    """``into`` (created, or an empty folder) holding what ``write(folder)`` writes into an
    empty folder: from the cache when this writer already wrote it, else written now (and
    cached). ``sources``: the files that define what ``write`` writes."""
    if os.environ.get("LUMI_NO_CORPUS_CACHE") == "1":
        into.mkdir(parents=True, exist_ok=True)
        write(into)
        return into
    root = cache_root()
    try:
        root.mkdir(parents=True, exist_ok=True)
    except OSError:  # no writable cache here: write as if there were none
        into.mkdir(parents=True, exist_ok=True)
        write(into)
        return into
    cached = root / f"{name}-{key_of(name, sources)}"
    if not cached.is_dir():
        _drop_stale(root)
        scratch = Path(tempfile.mkdtemp(prefix=f".tmp-{name}-", dir=root))
        try:
            write(scratch)
            try:
                os.rename(scratch, cached)
            except OSError:
                if not cached.is_dir():  # not another session's corpus renamed in first
                    raise
        finally:
            shutil.rmtree(scratch, ignore_errors=True)
    # symlinks as they are (wandb's latest-run and debug.log links are relative)
    shutil.copytree(cached, into, symlinks=True, dirs_exist_ok=True)
    return into


def _drop_stale(root: Path) -> None:
    now = time.time()
    for folder in root.glob(".tmp-*"):
        try:
            if now - folder.stat().st_mtime > STALE_S:
                shutil.rmtree(folder, ignore_errors=True)
        except OSError:
            pass
