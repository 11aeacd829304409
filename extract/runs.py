"""Building runs: what any source knows of a run (RunFacts) becomes a Run whose facts are
decided from evidence (classify.py), the same way for every source; the study file's
corrections applied again to stored runs."""

from __future__ import annotations

from dataclasses import dataclass, field, replace
from typing import Any

import numpy as np
import pandas as pd
from numpy.typing import NDArray

from .classify import (
    MIN_MEASURED_EPOCHS,
    Correction,
    Corrections,
    Extrapolation,
    logged_extrapolation,
    pace_extrapolation,
)
from .decide import (
    Decision,
    decide,
    decide_cores,
    decide_device,
    decide_gpus,
    decide_platform,
    processes_without_gpus,
)
from .epochs_done import epoch_progress, epochs_done, first_training
from .kinds import activity_of, decide_kinds
from .model import STATED_PLATFORMS, Evidence, Run, platform_or_none
from .rules import Paths, step_limit, step_plan, steps_per_epoch


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
    config: dict[str, Any]
    summary: dict[str, Any]
    history: pd.DataFrame
    source: str
    created_at: str | None = None
    reconstructed: bool = False
    # what wandb recorded about the machine (offline environment records, the API's
    # run.metadata), flattened with dots: "slurm.nnodes", "gpu_count", "cpu_count", "host"...
    metadata: dict[str, Any] = field(default_factory=dict)
    # parts of a resumed run and how its time was added up; empty for a run in one piece
    parts: int = 1
    # the W&B group and job type; ``group_facts`` holds what joining the ranks of one training
    # found (``ranks``: how many runs were its ranks), read by the evidence rules
    group: str | None = None
    job_type: str | None = None
    sweep_id: str | None = None
    group_facts: dict[str, Any] = field(default_factory=dict)
    # wandb's system metrics (power, for energy), where the source has them
    system: pd.DataFrame | None = None
    # what the history shows the run did (kinds.activity_of), when counted before (a stored run)
    activity: dict[str, Any] | None = None
    damage: str | None = None  # records the run file lost (a killed run's last block)
    # the tracker records no run state (TensorBoard): its name. A state of "unknown" is then
    # decided from the history against the planned epochs (make_run), said as such
    stateless: str | None = None
    # why the source gave the state it gave, where the tracker records none (an event file cut
    # short while written: crashed)
    state_evidence: Evidence | None = None


SOURCE_NAMES = {
    "csv": "runs table",
    "offline": "run file",
    "wandb-api": "W&B API",
    "tensorboard": "event file",
}


def make_run(facts: RunFacts, corrections: Corrections | None = None) -> Run:
    """Decide a run's facts from its own logs, the same way for every source; corrections (study
    file, command line) win. Each fact keeps the evidence that decided it; a fact nothing
    speaks for stays unknown; conflicts between pieces of evidence are kept as notes."""
    correction = (corrections or Corrections()).for_run(facts.run_id, facts.name)
    if facts.activity is None:
        # a run file that lost nothing holds every row the run logged
        whole = (
            facts.source.startswith("offline:")
            and facts.damage is None
            and not facts.summary.get("_empty_file")
        )
        facts = replace(facts, activity=activity_of(facts.history, facts.summary, whole))
    decided = decide_facts(facts, correction)
    state_said = facts.state_evidence
    if facts.stateless and facts.state == "unknown":
        state, state_said = state_from_history(facts.stateless, facts, decided)
        if state != facts.state:
            facts = replace(facts, state=state)
            decided = decide_facts(facts, correction)
    if facts.stateless:
        summary = {k: v for k, v in facts.summary.items() if k != "_ended"}
        if state_said is not None and facts.state != "finished":
            summary["_ended"] = f"{state_said.source}: {state_said.value}"
        facts = replace(facts, summary=summary)
    platform = platform_or_none(decided["platform"].value) or "unknown"
    evidence = {name: d.evidence for name, d in decided.items() if d.evidence is not None}
    if state_said is not None:
        evidence["state"] = state_said
    evidence["time"] = _time_evidence(facts)
    value = {name: d.value for name, d in decided.items()}
    estimate = _laptop_estimate(facts, value) if platform == "laptop" else None
    config = dict(facts.config)
    if estimate:
        config["extrapolation_method"] = estimate.method
        if estimate.inputs:
            config["extrapolation_inputs"] = estimate.inputs
        evidence["time"] = Evidence("estimate", estimate.method, f"{estimate.time_s:.0f} s")
    bound = decided["gpus"].bound
    if bound is not None and value["gpus"] is None:
        evidence["gpus_bound"] = bound.evidence
    kind = correction.kind if correction else None
    if kind is not None:  # a stated kind: kinds.decide_kinds keeps it
        evidence["kind"] = Evidence(correction.origin if correction else "", "kind", kind)
    notes = [note for d in decided.values() for note in d.notes]
    if estimate is None and platform == "laptop":
        notes += _no_estimate(facts, value)
    return Run(
        run_id=facts.run_id,
        name=facts.name,
        platform=platform,
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
        cores_word=decided["cores"].word or "cores",
        epochs_done=value["epochs_done"],
        metadata=dict(facts.metadata),
        evidence=evidence,
        label_override=correction.label if correction else None,
        excluded=bool(correction and correction.exclude),
        notes=notes,
        gpus_on_machine=int(bound.value) if bound is not None and value["gpus"] is None else None,
        group=facts.group,
        job_type=facts.job_type,
        sweep_id=facts.sweep_id,
        ranks=int(facts.group_facts.get("ranks", 1)),
        kind=kind,
        activity=dict(facts.activity or {}),
        damage=facts.damage,
        **({"system": facts.system} if facts.system is not None else {}),
    )


def no_state(tracker: str) -> str:
    return f"{tracker} records no state"


def state_from_history(
    tracker: str, facts: RunFacts, decided: dict[str, Decision]
) -> tuple[str, Evidence]:
    """A run's state where its tracker records none: finished when its history reaches the
    planned epochs (its config or the study file), or, planned in steps only (max_steps), when
    its last logged step is within one logging interval of the limit; else unknown. Each is
    said as such."""
    planned, done = decided["epochs"].value, decided["epochs_done"].value
    plan = decided["epochs"].evidence
    plan_said = f" ({plan.describe()})" if plan else ""
    source = no_state(tracker)
    if planned and done is not None and done >= planned - 1e-6:
        return "finished", Evidence(
            source, "history", f"finished: {done:g} of {planned:g} planned epochs{plan_said}"
        )
    if planned and done is not None:
        return "unknown", Evidence(
            source,
            "history",
            f"stops at {done:g} of {planned:g} planned epochs{plan_said}: stopped early, "
            "killed or still running",
        )
    if planned:
        return "unknown", Evidence(
            source,
            "history",
            f"its history logs no count of epochs done to hold against its {planned:g} planned"
            f" epochs{plan_said} (state the run's 'epochs_done' in the study file)",
        )
    steps = step_plan(paths_of(facts))
    logged = _logged_steps(facts.history)
    if steps is not None and len(logged):
        limit, seen = steps
        last = float(logged[-1])
        # a run logging every n steps logs no row between its last and the limit
        every = float(np.median(np.diff(logged))) if len(logged) > 1 else 1.0
        said = f"its last logged step {last:g}, logged every {every:g}, of the config's {seen}"
        if last + every >= limit:
            return "finished", Evidence(
                source, "history", f"finished: {said} (within one logging interval)"
            )
        return "unknown", Evidence(
            source, "history", f"stops at {said}: stopped early, killed or still running"
        )
    return "unknown", Evidence(
        source,
        "history",
        "no planned epoch count to hold its history against (state the run's 'epochs' in the "
        "study file)",
    )


def _logged_steps(history: pd.DataFrame) -> NDArray[np.float64]:
    if "_step" not in history:
        return np.array([], dtype=float)
    steps = pd.to_numeric(history["_step"], errors="coerce").dropna().to_numpy(dtype=float)
    return np.unique(steps)


def paths_of(facts: RunFacts) -> Paths:
    """Where the evidence rules look: the script's config and summary, what wandb recorded of
    the machine, and what joining a group's ranks found."""
    return Paths(
        {
            "config": facts.config,
            "summary": facts.summary,
            "environment": facts.metadata,
            "group": facts.group_facts,
        }
    )


def decide_facts(facts: RunFacts, correction: Correction | None) -> dict[str, Decision]:
    """Each fact of FACTS but time, decided from the run's evidence (value None: unknown)."""
    stated = correction or Correction(origin="")
    origin = stated.origin
    paths = paths_of(facts)
    gpus = decide_gpus(paths, stated.gpus, origin)
    if stated.gpus is None:
        gpus = processes_without_gpus(paths, gpus, decide_device(paths))
    platform, device = decide_platform(paths, stated.platform, origin, gpus)
    cores = decide_cores(paths, stated.cores, origin)
    if platform.value == "laptop" and stated.gpus is None:
        # a laptop's GPU count is not what it trained on (CPU runs)
        gpus = Decision("gpus", readings=gpus.readings)
        if device.value == "gpu" and stated.cores is None and cores.word.startswith("machine"):
            # it trained on its GPU: the machine's CPUs are not what it trained on
            cores = Decision("cores", readings=cores.readings)
    elif platform.value == "cluster" and device.value == "cpu" and gpus.value is None:
        gpus = Decision("gpus", 0, device.evidence, gpus.readings)
    elif gpus.value is None and one_gpu_machine(gpus, device):
        # a job on a GPU, on a machine with one: at least one and at most one
        bound = gpus.bound.evidence if gpus.bound else None
        said = f"{bound.value}: {device.decided_by} names a GPU device" if bound else ""
        gpus = Decision(
            "gpus", 1, Evidence("environment", bound.key if bound else "", said), gpus.readings
        )
    epochs = decide(paths, "epochs", stated.epochs, origin)
    if stated.epochs_done is not None:
        done = Decision(
            "epochs_done",
            stated.epochs_done,
            Evidence(origin, "epochs_done", f"{stated.epochs_done:g}"),
        )
    elif (facts.activity or {}).get("training_steps") == 0:
        # a run that logged no training step did none, whatever its state and plan say
        step_key = (facts.activity or {}).get("step_key")
        said = f"{step_key} never above 0" if step_key else "no training row"
        done = Decision("epochs_done", 0.0, Evidence("history", "no training step logged", said))
    else:
        found = epochs_done(
            facts.history,
            facts.summary,
            facts.state == "finished",
            epochs.value,
            steps_per_epoch(paths),
            step_limit(paths) if epochs.value is None else None,
        )
        done = Decision("epochs_done", found.value, found.evidence, notes=found.notes)
    return {
        "platform": platform,
        "gpus": gpus,
        "nodes": one_machine(decide(paths, "nodes", stated.nodes, origin), platform, gpus),
        "cores": cores,
        "epochs": epochs,
        "epochs_done": done,
    }


def one_gpu_machine(gpus: Decision, device: Decision) -> bool:
    """The job named a GPU device (not a count inferred), and the only bound on its GPUs is a
    machine wandb saw with one GPU, outside any Slurm allocation."""
    bound = gpus.bound
    return (
        device.value == "gpu"
        and device.evidence is not None
        and bound is not None
        and bound.rule.scope == "machine"
        and bound.value == 1
    )


def one_machine(nodes: Decision, platform: Decision, gpus: Decision) -> Decision:
    """Nodes no evidence counted, where they cannot be more than one: a laptop is one machine,
    and a job on one GPU runs on the machine that GPU is in."""
    if nodes.value is not None:
        return nodes
    if platform.value == "laptop":
        said = Evidence("principle", "a laptop", "one machine")
    elif platform.value == "cluster" and gpus.value == 1 and gpus.evidence is not None:
        said = Evidence("principle", "one GPU", f"one machine ({gpus.evidence.describe()})")
    else:
        return nodes
    return Decision("nodes", 1, said, nodes.readings)


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
        facts.config,
        facts.summary,
        facts.runtime_s,
        value["epochs"],
        value["epochs_done"],
        epoch_progress(facts.history, facts.state == "finished", value["epochs"]),
        _last_logged(facts.history),
        first_training(facts.history, facts.state == "finished", value["epochs"]),
    )


def _last_logged(history: pd.DataFrame) -> float | None:
    if "_runtime" not in history or not len(history):
        return None
    times = pd.to_numeric(history["_runtime"], errors="coerce")
    return float(times.max()) if times.notna().any() else None


def _no_estimate(facts: RunFacts, value: dict[str, Any]) -> list[str]:
    """Why a laptop run that did part of its plan has no full-job estimate."""
    done, planned = value["epochs_done"], value["epochs"]
    if done is None or not planned or done >= planned or done <= 0:
        return []
    return [
        f"estimate: {done:g} of {planned:g} epochs measured, less than the "
        f"{MIN_MEASURED_EPOCHS:g} of an epoch an estimate rests on; the full job's time is "
        "unknown"
    ]


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
    return decide_kinds(result)


def _command_line_correction(run: Run) -> Correction | None:
    stated = {k: e.value for k, e in run.evidence.items() if e.source == "command line"}
    if not stated:
        return None
    platform = stated.get("platform")
    return Correction(
        origin="command line",
        platform=platform_or_none(platform, STATED_PLATFORMS),
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
    said = run.evidence.get("state")
    tracker = said.source.removesuffix(no_state("")) if said else ""
    stateless = tracker if said and said.source == no_state(tracker) else None
    # a state decided from the history is decided again (the plan may have changed)
    from_history = stateless is not None and said is not None and said.key == "history"
    return RunFacts(
        run_id=run.run_id,
        name=run.name,
        state="unknown" if from_history else run.state,
        runtime_s=float(run.measured_s if run.measured_s is not None else run.time_s),
        config=config,
        summary=run.summary,
        history=run.history,
        source=run.source,
        created_at=run.created_at,
        reconstructed=run.reconstructed,
        metadata=run.metadata,
        group=run.group,
        job_type=run.job_type,
        sweep_id=run.sweep_id,
        group_facts={"ranks": run.ranks} if run.ranks > 1 else {},
        system=run.system,
        activity=dict(run.activity) if run.activity else None,
        damage=run.damage,
        stateless=stateless,
        state_evidence=None if from_history else said if stateless else None,
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
