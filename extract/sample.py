"""The store the scenes and the report read when none is named, and the sample study.

$RUNS_STORE if set (it must exist); else data/runs.h5, which holds only the user's own runs once
they extract any; else the sample study, built in memory from its exports in data/sample (never
written into data/runs.h5, so a user's runs and the sample never mix). $LUMI_SAMPLE=1 asks for
the sample study whatever store there is (`make demo` shows the sample, as its README says).
"""

from __future__ import annotations

import copy
import os
from dataclasses import dataclass
from functools import cache
from pathlib import Path

from .errors import StoreError
from .model import Run
from .paths import DEFAULT_STORE, SAMPLE_DIR, STORE_ENV, store_path
from .sources.wandb_exports import ingest_exports
from .store import Columns, Whole, is_sample_store, load_runs, save_runs

# decided facts are checked again at render (a study file may have changed): these history keys
# are evidence for epochs done, so a read of named keys reads them too (the scenes read the runs
# the study file corrects whole instead: scenes/load.py)
EVIDENCE_KEYS = ("epoch", "train/epoch", "progress_percentage")
SAMPLE_ENV = "LUMI_SAMPLE"


@dataclass
class LoadedRuns:
    path: Path | None  # None: the sample study, built in memory
    runs: list[Run]
    sample: bool

    @property
    def name(self) -> str:
        return "sample study" if self.sample else (self.path.name if self.path else "")


def sample_exports() -> list[Path]:
    return [SAMPLE_DIR / "runs_table.csv", *sorted(SAMPLE_DIR.glob("panel_*.csv"))]


def sample_runs() -> list[Run]:
    """The sample study's runs: read once per process while its files stay as they are (the
    per-batch panels take half a second to parse; a test session and its probe workers read the
    sample hundreds of times), each caller given copies of its own to change."""
    exports = sample_exports()
    stamps = tuple((str(path), path.stat().st_mtime_ns) for path in exports)
    return copy.deepcopy(_parsed(stamps))


@cache
def _parsed(stamps: tuple[tuple[str, int], ...]) -> list[Run]:
    return ingest_exports([Path(path) for path, _ in stamps], reconstructed=True).runs


def build_sample_store(path: Path) -> list[Run]:
    runs = sample_runs()
    save_runs(path, runs, sample=True)
    return runs


def chosen_store(explicit: Path | None = None) -> Path | None:
    """The store scenes and reports read: ``explicit``, else $RUNS_STORE, else data/runs.h5;
    None for the sample study ($LUMI_SAMPLE=1, or no store named and none at data/runs.h5)."""
    if explicit is None and os.environ.get(SAMPLE_ENV) == "1":
        return None
    path = store_path(explicit)
    if explicit is None and path == DEFAULT_STORE and not path.exists():
        return None
    return path


def load_default_runs(
    columns: Columns = None, explicit: Path | None = None, whole: Whole = None
) -> LoadedRuns:
    """Runs for scenes and reports; ``columns`` limits the histories read, ``whole`` names runs
    read whole all the same (see load_runs). A list of keys gets the evidence keys besides."""
    wanted: Columns = columns
    if columns is not None and not callable(columns):
        wanted = [*columns, *EVIDENCE_KEYS]
    path = chosen_store(explicit)
    if path is None:
        return LoadedRuns(None, sample_runs(), True)
    if not path.exists():
        raise StoreError(
            "no run store here",
            path=path,
            hint=f"${STORE_ENV} names it; create it with 'python -m extract', or unset "
            f"${STORE_ENV} for the sample study",
        )
    return LoadedRuns(path, load_runs(path, wanted, whole), is_sample_store(path))
