"""Builds the default store from the embedded sample study."""

from __future__ import annotations

from pathlib import Path

from .ingest import ingest_exports
from .model import Run
from .paths import DEFAULT_STORE, SAMPLE_DIR, STORE_ENV, store_path
from .store import load_runs, save_runs


def sample_exports() -> list[Path]:
    return [SAMPLE_DIR / "runs_table.csv", *sorted(SAMPLE_DIR.glob("panel_*.csv"))]


def build_sample_store(path: Path = DEFAULT_STORE) -> list[Run]:
    runs = ingest_exports(sample_exports(), reconstructed=True).runs
    save_runs(path, runs)
    return runs


def load_default_runs(columns: list[str] | None = None) -> tuple[Path, list[Run]]:
    """Runs for scenes: $RUNS_STORE if set (it must exist), else data/runs.h5, built from the
    sample study the first time it is needed."""
    path = store_path()
    if path == DEFAULT_STORE and not path.exists():
        build_sample_store(path)
    elif not path.exists():
        from .errors import StoreError

        raise StoreError(
            "no run store here",
            path=path,
            hint=f"${STORE_ENV} names it; create it with 'python -m extract', or unset "
            f"${STORE_ENV} for the sample study",
        )
    return path, load_runs(path, columns=columns)
