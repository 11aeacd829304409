"""lumi-vs-laptop extraction: W&B runs (API, offline files, CSV exports), TensorBoard and MLflow
runs -> one HDF5 run store.

from extract import load_runs, save_runs
runs = load_runs("data/runs.h5")
"""

from .errors import InputError, StoreError
from .model import Run
from .store import SCHEMA_VERSION, load_runs, save_runs

__all__ = [
    "SCHEMA_VERSION",
    "InputError",
    "Run",
    "StoreError",
    "load_runs",
    "save_runs",
]
