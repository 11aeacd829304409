"""The run record every source produces and every scene consumes."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any, Literal

import pandas as pd

Platform = Literal["cluster", "laptop", "unknown"]
PLATFORMS: tuple[Platform, ...] = ("cluster", "laptop", "unknown")
# what a user may state of a run (study file, command line): "unknown" is no statement
STATED_PLATFORMS: tuple[Platform, ...] = ("cluster", "laptop")
# the facts the analysis uses, each decided from evidence (see classify.py)
FACTS = ("platform", "gpus", "nodes", "cores", "epochs", "epochs_done", "time", "kind")

# what a run is, decided from evidence (extract/kinds.py, the rules in rules.py KIND_RULES): only
# a complete training stands for its configuration; a stopped one only as an estimate
Kind = Literal[
    "training", "partial", "debug", "eval-only", "sweep", "no-training", "missing", "unknown"
]
KIND_WORDS: dict[str, str] = {
    "training": "complete training",
    "partial": "partial or stopped training",
    "debug": "debugging run",
    "eval-only": "evaluation only",
    "sweep": "sweep trial",
    "no-training": "preprocessing or login node (no training)",
    "missing": "missing (empty run file)",
    "unknown": "unknown",
}


def platform_or_none(value: object, allowed: tuple[Platform, ...] = PLATFORMS) -> Platform | None:
    """``value`` as a platform when it is one of ``allowed``, else None: platforms read from a
    store, a study file or the command line arrive as plain text."""
    return next((platform for platform in allowed if value == platform), None)


@dataclass(frozen=True)
class Evidence:
    """Where a fact came from: ``source`` (config, summary, environment, history, study file,
    command line, state), the ``key`` it was read from, and the ``value`` found there."""

    source: str
    key: str
    value: str

    def describe(self) -> str:
        return f"{self.source}: {self.key} = {self.value}"


@dataclass
class Run:
    """One training run: the facts decided from what it logged, and the logs themselves.

    ``time_s`` is total training time in seconds; for a laptop run that trained on part of the
    data, or stopped early, it is an estimate of the full job and ``extrapolated`` is True.
    ``measured_s`` is the wall time the run really ran. ``epochs`` is what the run planned,
    ``epochs_done`` what it did; ``None`` is unknown, never a default. ``evidence`` maps each
    fact in FACTS to where it came from (a fact without evidence is unknown).
    ``reconstructed`` marks histories rebuilt from published charts, not logged.
    """

    run_id: str
    name: str
    platform: Platform
    state: str
    gpus: int | None
    nodes: int | None
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
    # wandb's system metrics (its `stats` records: gpu.0.powerWatts, ...) against _runtime, s
    system: pd.DataFrame = field(default_factory=lambda: pd.DataFrame({"_runtime": []}))
    cores: int | None = None
    cores_word: str = "cores"
    epochs_done: float | None = None
    metadata: dict[str, Any] = field(default_factory=dict)
    evidence: dict[str, Evidence] = field(default_factory=dict)
    # from a study file or the command line: what the screen calls the run, and whether to show it
    label_override: str | None = None
    excluded: bool = False
    # what the evidence said beside the facts: conflicts (and which piece won), a stopped-early
    # or unreadable epoch count; shown by the report and `extract runs`
    notes: list[str] = field(default_factory=list)
    # GPUs wandb saw on the machine when the run did not log how many it used: a bound only
    gpus_on_machine: int | None = None
    group: str | None = None
    job_type: str | None = None
    sweep_id: str | None = None  # the W&B sweep the run was a trial of
    ranks: int = 1  # runs joined into this one (the ranks of one training in a W&B group)
    # every history key the store holds for the run, read or not (a partial read loads some)
    stored_keys: tuple[str, ...] = ()
    # ... and every system metric it holds (a partial read loads power only)
    system_keys: tuple[str, ...] = ()
    # what kind of run it is (KIND_WORDS), decided from evidence over the runs extracted
    # together (extract/kinds.py); None: not decided (a run built by hand), read as before
    kind: str | None = None
    # what the run's history shows it did (extract/kinds.py Activity), counted at extraction
    # from the whole history, so a later partial read decides the same
    activity: dict[str, Any] = field(default_factory=dict)
    # the run file lost records (a killed run's last 32 KiB block, or an earlier part's):
    # what is said of it; its time is short of what it ran
    damage: str | None = None

    @property
    def tags(self) -> tuple[str, ...]:
        """The run's W&B tags (every source keeps them in the summary, where the rules read
        them)."""
        value = self.summary.get("tags")
        if isinstance(value, str):
            return (value,) if value else ()
        return tuple(str(t) for t in value) if isinstance(value, list | tuple) else ()

    @property
    def finished(self) -> bool:
        return self.state == "finished"

    @property
    def kind_text(self) -> str:
        return KIND_WORDS.get(self.kind or "", "not decided")

    @property
    def kind_reason(self) -> str:
        """The kind as the reason a run is left out: "kind unknown", not a bare "unknown"."""
        return "kind unknown" if self.kind == "unknown" else self.kind_text

    @property
    def known(self) -> bool:
        """Enough evidence to place the run: a laptop, or a cluster run with a GPU count."""
        if self.platform == "laptop":
            return True
        return self.platform == "cluster" and self.gpus is not None and self.gpus >= 1

    @property
    def work_epochs(self) -> float | None:
        """The epochs ``time_s`` covers: the planned job for an estimate, else what was done."""
        return self.epochs if self.extrapolated else self.epochs_done

    @property
    def time_per_epoch_s(self) -> float | None:
        epochs = self.work_epochs
        if not epochs:
            return None
        return self.time_s / epochs
