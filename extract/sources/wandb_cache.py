"""What `extract wandb` fetched of each run, kept beside the store until the project is pulled
again: ``<store folder>/.wandb-cache/<entity>/<project>/<run id>.h5``.

A pull that is interrupted (Ctrl-C, the network gone) keeps here every run it finished, and the
next pull fetches only the rest; a run whose signature (state, heartbeat, history length,
summary, the keys asked for) is unchanged is never fetched again. Each file is the run as the API
gave it, before any rule or correction is applied, so a store rebuilt from the cache reads the
study file as it is then. One file per run, written whole under a temporary name and renamed: a
file is either complete or absent. The API key is never in what the API returns of a run.
"""

from __future__ import annotations

import hashlib
import io
import json
import os
import tempfile
from dataclasses import dataclass
from pathlib import Path
from typing import Any
from urllib.parse import quote, unquote

import h5py
import pandas as pd

from ..store import read_frame, write_frame

CACHE_DIR = ".wandb-cache"
# bumped when what a file holds changes: older files are fetched again
CACHE_VERSION = 1


def cache_folder(store: Path, project_path: str) -> Path:
    """The folder of one project's cache, beside the store."""
    parts = [quote(part, safe="") for part in project_path.strip("/").split("/") if part]
    return store.parent / CACHE_DIR / Path(*parts)


def digest(value: Any) -> str:
    """A short, stable digest of a JSON-able value (a run's summary, its signature)."""
    text = json.dumps(value, sort_keys=True, default=str, separators=(",", ":"))
    return hashlib.sha256(text.encode()).hexdigest()[:32]


@dataclass
class CachedRun:
    """A run as fetched: its facts as JSON-able values, and its two frames."""

    signature: str
    facts: dict[str, Any]
    history: pd.DataFrame
    system: pd.DataFrame


class RunCache:
    def __init__(self, folder: Path) -> None:
        self.folder = folder

    def _file(self, run_id: str) -> Path:
        return self.folder / f"{quote(run_id, safe='')}.h5"

    def load(self, run_id: str, signature: str) -> CachedRun | None:
        """The run fetched with this signature, or None (not fetched, changed since, damaged)."""
        path = self._file(run_id)
        if not path.is_file():
            return None
        try:
            with h5py.File(path, "r") as h5:
                if int(h5.attrs.get("version", -1)) != CACHE_VERSION:
                    return None
                if str(h5.attrs["signature"]) != signature:
                    return None
                return CachedRun(
                    signature=signature,
                    facts=json.loads(str(h5.attrs["facts_json"])),
                    history=read_frame(h5["history"], None),
                    system=read_frame(h5["system"], None),
                )
        except (OSError, KeyError, ValueError):
            # a file cut by a crash reads as absent: the run is fetched again
            return None

    def save(self, run_id: str, cached: CachedRun) -> None:
        image = io.BytesIO()
        with h5py.File(image, "w") as h5:
            h5.attrs["version"] = CACHE_VERSION
            h5.attrs["signature"] = cached.signature
            h5.attrs["facts_json"] = json.dumps(cached.facts, default=str)
            write_frame(h5.create_group("history"), cached.history)
            write_frame(h5.create_group("system"), cached.system)
        self.folder.mkdir(parents=True, exist_ok=True)
        fd, tmp_name = tempfile.mkstemp(prefix=".", suffix=".tmp", dir=self.folder)
        try:
            # no fsync: a file a power cut leaves short reads as absent (load), and syncing
            # thousands of small files would cost more than fetching them again
            with os.fdopen(fd, "wb") as handle:
                handle.write(image.getbuffer())
            os.replace(tmp_name, self._file(run_id))
        except BaseException:
            Path(tmp_name).unlink(missing_ok=True)
            raise

    def run_ids(self) -> set[str]:
        """The runs held (their files' names), for telling what a pull kept."""
        if not self.folder.is_dir():
            return set()
        return {unquote(p.stem) for p in self.folder.glob("*.h5")}
