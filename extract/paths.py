"""Where the run store and the sample study live."""

from __future__ import annotations

import os
from pathlib import Path

PROJECT_ROOT = Path(__file__).resolve().parents[1]
SAMPLE_DIR = PROJECT_ROOT / "data" / "sample"
DEFAULT_STORE = PROJECT_ROOT / "data" / "runs.h5"
STORE_ENV = "RUNS_STORE"


def store_path(explicit: str | Path | None = None) -> Path:
    """The store to use: an explicit path, else $RUNS_STORE, else data/runs.h5."""
    if explicit:
        return Path(explicit)
    from_env = os.environ.get(STORE_ENV)
    return Path(from_env) if from_env else DEFAULT_STORE
