"""Building runs: what any source knows of a run (RunFacts) becomes a Run whose facts are
decided from evidence (classify.py), the same way for every source; the study file's
corrections applied again to stored runs."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any, cast

import pandas as pd

from .classify import (
    Correction,
    Corrections,
    Extrapolation,
    Found,
    Logged,
    decide_cores,
    decide_epochs,
    decide_epochs_done,
    decide_gpus,
    decide_nodes,
    decide_platform,
    logged_extrapolation,
    pace_extrapolation,
)
from .model import Evidence, Platform, Run


@dataclass
class IngestResult:
    runs: list[Run]
    warnings: list[str] = field(default_factory=list)


@dataclass
class RunFacts:
    """What any source knows of a run before classification."""

    run_id: str
    name: str
    state: str
    runtime_s: float
    config: dict
    summary: dict
    history: pd.DataFrame
    source: str
    created_at: str | None = None
    reconstructed: bool = False
    # what wandb recorded about the machine (offline environment records, the API's
    # run.metadata), flattened with dots: "slurm.nnodes", "gpu_count", "cpu_count", "host"...
    metadata: dict = field(default_factory=dict)
    # parts of a resumed run and how its time was added up; empty for a run in one piece
    parts: int = 1


SOURCE_NAMES = {"csv": "runs table", "offline": "run file", "wandb-api": "W&B API"}


def make_run(facts: RunFacts, corrections: Corrections | None = None) -> Run:
    """Decide a run's facts from its own logs, the same way for every source; corrections (study
    file, command line) win. Each fact keeps the evidence that decided it; a fact nothing
    speaks for stays unknown."""
    correction = (corrections or Corrections()).for_run(facts.run_id, facts.name)
    found = decide_facts(facts, correction)
    platform = found["platform"].value if found["platform"] else "unknown"
    if platform == "laptop":
        found["gpus"] = None  # a laptop's GPU count is not what it trained on (CPU runs)
    evidence = {name: item.evidence for name, item in found.items() if item is not None}
    evidence["time"] = _time_evidence(facts)
    value = {name: item.value if item else None for name, item in found.items()}
    estimate = _laptop_estimate(facts, value) if platform == "laptop" else None
    config = dict(facts.config)
    if estimate:
        config["extrapolation_method"] = estimate.method
        if estimate.inputs:
            config["extrapolation_inputs"] = estimate.inputs
        evidence["time"] = Evidence("estimate", estimate.method, f"{estimate.time_s:.0f} s")
    return Run(
        run_id=facts.run_id,
        name=facts.name,
        platform=cast(Platform, platform),
        state=facts.state,
        gpus=value["gpus"],
        nodes=value["nodes"],
        epochs=value["epochs"],
        time_s=estimate.time_s if estimate else facts.runtime_s,
        extrapolated=estimate is not None,
        measured_s=facts.runtime_s,
        reconstructed=facts.reconstructed,
        created_at=facts.created_at,
        source=facts.source,
        config=config,
        summary=facts.summary,
        history=facts.history,
        cores=value["cores"],
        cores_word=found["cores"].word if found["cores"] else "cores",
        epochs_done=value["epochs_done"],
        metadata=dict(facts.metadata),
        evidence=evidence,
        label_override=correction.label if correction else None,
        excluded=bool(correction and correction.exclude),
    )


def decide_facts(facts: RunFacts, correction: Correction | None) -> dict[str, Found | None]:
    """Each fact of FACTS but time, from the run's evidence (None: unknown)."""
    tags = facts.summary.get("tags")
    logged = Logged(facts.config, facts.summary, facts.metadata, [str(t) for t in tags or [] if t])
    gpus = decide_gpus(logged, correction)
    epochs = decide_epochs(logged, correction)
    cores, word = decide_cores(logged, correction)
    return {
        "platform": decide_platform(logged, correction, gpus),
        "gpus": gpus,
        "nodes": decide_nodes(logged, correction),
        "cores": Found(cores.value, cores.evidence, word) if cores else None,
        "epochs": epochs,
        "epochs_done": decide_epochs_done(logged, facts.history, facts.state, epochs, correction),
    }


def _time_evidence(facts: RunFacts) -> Evidence:
    basis = facts.summary.get("_time_basis")
    return Evidence(
        SOURCE_NAMES.get(facts.source.split(":", 1)[0], facts.source or "run"),
        str(basis) if basis else "runtime",
        f"{facts.runtime_s:g} s",
    )


def _laptop_estimate(facts: RunFacts, value: dict[str, Any]) -> Extrapolation | None:
    """A laptop's full job: its own logged extrapolation, else an estimate from its pace."""
    return logged_extrapolation(facts.summary, value["epochs"]) or pace_extrapolation(
        facts.config, facts.summary, facts.runtime_s, value["epochs"], value["epochs_done"]
    )


def reapply(runs: list[Run], corrections: Corrections) -> list[Run]:
    """Runs with the study file's corrections applied again (it may have changed since the
    store was written); corrections given on the command line at extraction still win."""
    if not corrections.by_key:
        return runs
    result = []
    for run in runs:
        stated = corrections.for_run(run.run_id, run.name)
        if stated is None:
            result.append(run)
            continue
        mine = Corrections({run.run_id: stated})
        earlier = _command_line_correction(run)
        if earlier is not None:
            mine = mine.merged_with(Corrections({run.run_id: earlier}))
        result.append(make_run(facts_of(run), mine))
    return result


def _command_line_correction(run: Run) -> Correction | None:
    stated = {k: e.value for k, e in run.evidence.items() if e.source == "command line"}
    if not stated:
        return None
    platform = stated.get("platform")
    return Correction(
        origin="command line",
        platform=platform if platform in ("cluster", "laptop") else None,  # type: ignore[arg-type]
        gpus=int(stated["gpus"]) if "gpus" in stated else None,
        nodes=int(stated["nodes"]) if "nodes" in stated else None,
    )


def facts_of(run: Run) -> RunFacts:
    """What a stored run was built from, so its facts can be decided again (a study file
    changed since extraction, and is applied at render too)."""
    config = {
        k: v
        for k, v in run.config.items()
        if k not in ("extrapolation_method", "extrapolation_inputs")
    }
    return RunFacts(
        run_id=run.run_id,
        name=run.name,
        state=run.state,
        runtime_s=float(run.measured_s if run.measured_s is not None else run.time_s),
        config=config,
        summary=run.summary,
        history=run.history,
        source=run.source,
        created_at=run.created_at,
        reconstructed=run.reconstructed,
        metadata=run.metadata,
    )


def flatten(values: dict[str, Any], prefix: str = "") -> dict[str, Any]:
    """Nested config as the W&B runs table shows it: {'optimizer': {'lr': 1}} -> 'optimizer.lr'."""
    flat: dict[str, Any] = {}
    for key, value in values.items():
        name = f"{prefix}{key}"
        if isinstance(value, dict) and value:
            flat.update(flatten(value, f"{name}."))
        else:
            flat[name] = value
    return flat
