"""lumi-vs-laptop extraction: W&B runs -> one HDF5 run store -> the numbers that matter.

from extract import load_runs, save_runs
runs = load_runs("data/runs.h5")
"""

from .analysis import Report, build_report
from .errors import InputError, StoreError
from .model import Run
from .store import SCHEMA_VERSION, load_runs, save_runs

__all__ = [
    "SCHEMA_VERSION",
    "InputError",
    "Report",
    "Run",
    "StoreError",
    "build_report",
    "load_runs",
    "save_runs",
]
