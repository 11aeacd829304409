"""The run record every source produces and every scene consumes."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any, Literal

import pandas as pd

Platform = Literal["cluster", "laptop"]
PLATFORMS: tuple[str, ...] = ("cluster", "laptop")


@dataclass
class Run:
    """One training run: its metadata, its config and summary, and its logged history.

    ``time_s`` is total training time in seconds; for a laptop run that trained on part of the
    data it is the run's own extrapolation to the full job, and ``extrapolated`` is True.
    ``measured_s`` is the wall time the run actually ran (equal to ``time_s`` unless extrapolated).
    ``reconstructed`` marks histories that were rebuilt from published charts, not logged.
    """

    run_id: str
    name: str
    platform: Platform
    state: str
    gpus: int
    nodes: int
    epochs: float | None
    time_s: float
    extrapolated: bool = False
    measured_s: float | None = None
    reconstructed: bool = False
    created_at: str | None = None
    source: str = ""
    config: dict[str, Any] = field(default_factory=dict)
    summary: dict[str, Any] = field(default_factory=dict)
    history: pd.DataFrame = field(default_factory=lambda: pd.DataFrame({"_runtime": []}))

    @property
    def finished(self) -> bool:
        return self.state == "finished"

    @property
    def time_per_epoch_s(self) -> float | None:
        if not self.epochs:
            return None
        return self.time_s / self.epochs

    @property
    def label(self) -> str:
        """Short description for screens and tables, derived from the data, not the run name."""
        if self.platform == "laptop":
            cores = self.config.get("cores") or self.config.get("num_cores")
            return f"Laptop, {int(cores)} cores" if cores and int(cores) > 1 else "Laptop, 1 core"
        node_word = "node" if self.nodes == 1 else "nodes"
        return f"{self.short_label}, {self.nodes} {node_word}"

    @property
    def short_label(self) -> str:
        """'32 GPUs' or 'Laptop, 8 cores': for tight spaces."""
        if self.platform == "laptop":
            return self.label
        return f"{self.gpus} GPU" if self.gpus == 1 else f"{self.gpus} GPUs"
