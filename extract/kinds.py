"""What kind of run each is, decided from evidence: a complete training of the study, a partial
or stopped one, a debugging run, an evaluation, a sweep trial, preprocessing or a login node's
run, a run file that holds no record, or unknown. The rules are a table (rules.py KIND_RULES,
the first whose evidence is found decides); this module gathers what they read.

Some evidence is about the runs extracted together, not one run: the host the study's Slurm
jobs were submitted from (a run outside Slurm on that host ran on a login node), and the other
trials of a sweep (which hyperparameters differ). So kinds are decided over the whole set of
runs, each time a set is written or corrected (decide_kinds).

What a run's history shows it did (training steps, evaluation rows, training metrics) is counted
once, from the whole history, at extraction (``activity_of``) and kept with the run: a scene
reads a few columns only, and its kinds must not change for that.
"""

from __future__ import annotations

import math
import re
from collections import Counter
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from typing import Any

import numpy as np
import pandas as pd

from .metric_names import is_metric, split_of
from .model import KIND_WORDS, Run
from .rules import KIND_RULES, Signs

# words of a key that say it is part of training (``lm loss``, ``iteration``, ``train/lr``)
TRAINING_WORDS = frozenset(
    (
        "loss",
        "acc",
        "accuracy",
        "epoch",
        "step",
        "steps",
        "iteration",
        "iter",
        "lr",
        "learning",
        "perplexity",
        "ppl",
        "grad",
        "progress",
        "top1",
        "f1",
        "reward",
        "nll",
    )
)
# config keys that say a run's size, not its hyperparameters (a scaling study launched as a
# sweep varies these), and keys that differ between any two runs
NOT_HYPERPARAMETERS = frozenset(
    (
        "world_size",
        "total_gpus",
        "gpus",
        "gpus_per_node",
        "nodes",
        "num_nodes",
        "devices",
        "num_processes",
        "num_machines",
        "n_gpus_total",
        "num_gpus_total",
        "seed",
        "output_dir",
        "run_name",
        "logging_dir",
    )
)
STUDY_KINDS = ("training", "partial")  # the kinds a configuration may be shown by


def _words(key: str) -> set[str]:
    return set(re.findall(r"[a-z0-9]+", key.lower()))


def is_training_key(key: str) -> bool:
    return not key.startswith("_") and (is_metric(key) or bool(_words(key) & TRAINING_WORDS))


def _held_out(key: str) -> bool:
    return is_metric(key) and split_of(key) in ("validation", "test")


def _step_counter(history: pd.DataFrame) -> str | None:
    for column in sorted(str(c) for c in history.columns):
        last = re.split(r"[./]", column.lower())[-1]
        if not column.startswith("_") and (last.endswith("global_step") or last == "step"):
            return column
    return None


def activity_of(
    history: pd.DataFrame, summary: Mapping[str, Any], whole: bool = False
) -> dict[str, Any]:
    """What the history shows the run did: training steps (the step counter's top, else the rows
    that carry a training key other than a held-out metric), evaluation rows, training keys.
    ``whole``: the history is all the run logged (a run file that lost nothing), so a history
    without a row, beside a summary that says no training, is a run that logged no step
    (Lightning's fast_dev_run swaps the logger for one that logs nothing)."""
    keys = [str(c) for c in history.columns if not str(c).startswith("_")]
    logged = len(history) > 0 and bool(keys)
    source = keys if logged else [str(k) for k in summary if not str(k).startswith("_")]
    training = sorted(k for k in source if is_training_key(k))
    activity: dict[str, Any] = {
        "training_keys": training,
        "logged_keys": keys if logged else [],
        "training_steps": None,
        "step_key": None,
        "evaluation_rows": 0,
    }
    if not logged:
        # a runs table holds the last values only: a step counter's says how many steps
        last = _summary_step(summary)
        if last is not None:
            activity["step_key"], activity["training_steps"] = last
        elif whole and not _summary_trained(summary):
            activity["training_steps"] = 0
        return activity
    held_out = [k for k in keys if _held_out(k)]
    if held_out:
        activity["evaluation_rows"] = int(history[held_out].notna().any(axis=1).sum())
    counter = _step_counter(history)
    if counter is not None:
        values = pd.to_numeric(history[counter], errors="coerce").to_numpy(dtype=float)
        values = values[np.isfinite(values)]
        activity["step_key"] = counter
        activity["training_steps"] = int(values.max()) if values.size else 0
    else:
        stepping = [k for k in training if not _held_out(k)]
        rows = history[stepping].notna().any(axis=1) if stepping else pd.Series(dtype=bool)
        activity["training_steps"] = int(rows.sum())
    if activity["training_steps"] == 0 and _summary_trained(summary):
        # a history fetched for some keys only (`extract wandb --keys`) may hold no training
        # row of a run whose summary says it trained: then the history does not say
        activity["training_steps"] = None
    return activity


def _summary_step(summary: Mapping[str, Any]) -> tuple[str, int] | None:
    """A step counter's last value in the summary (``train/global_step``), if one is there."""
    for key, value in summary.items():
        last = re.split(r"[./]", str(key).lower())[-1]
        if str(key).startswith("_") or not (last.endswith("global_step") or last == "step"):
            continue
        # a damaged export's cell can be inf
        number = isinstance(value, int | float) and not isinstance(value, bool)
        if number and math.isfinite(value) and value >= 0:
            return str(key), int(value)
    return None


def _summary_trained(summary: Mapping[str, Any]) -> bool:
    """The summary's last values say the run trained: a step counter above 0, or a training
    metric (a loss or an accuracy not measured on held-out data)."""
    for key, value in summary.items():
        key = str(key)
        if key.startswith("_") or isinstance(value, bool) or not isinstance(value, int | float):
            continue
        last = re.split(r"[./]", key.lower())[-1]
        if (last.endswith("global_step") or last == "step") and value > 0:
            return True
        if is_metric(key) and not _held_out(key):
            return True
    return False


def _hyperparameters(config: Mapping[str, Any]) -> dict[str, str]:
    return {
        path: repr(value)
        for path, value in config.items()
        if re.split(r"[./]", path.lower())[-1] not in NOT_HYPERPARAMETERS
        and path not in ("extrapolation_method", "extrapolation_inputs")
    }


def _sweep_differs(trials: list[Run]) -> tuple[str, ...]:
    configs = [_hyperparameters(r.config) for r in trials]
    keys = sorted({k for c in configs for k in c})
    return tuple(k for k in keys if len({c.get(k) for c in configs}) > 1)


def _submit_hosts(runs: Iterable[Run]) -> Counter[str]:
    """Hosts the Slurm jobs were submitted from, with how many jobs name each."""
    jobs: dict[str, str] = {}
    for run in runs:
        job, host = run.metadata.get("slurm.job_id"), run.metadata.get("slurm.submit_host")
        if job is not None and isinstance(host, str) and host:
            jobs[str(job)] = host
    return Counter(jobs.values())


@dataclass(frozen=True)
class Sweep:
    """A sweep's trials among the runs, and the hyperparameters that differ between them
    (found once per sweep, not once per trial: a sweep can hold hundreds)."""

    trials: list[Run]
    differs: tuple[str, ...]


def _sweeps(runs: Iterable[Run]) -> dict[str, Sweep]:
    """Each sweep among the runs."""
    trials: dict[str, list[Run]] = {}
    for run in runs:
        if run.sweep_id:
            trials.setdefault(run.sweep_id, []).append(run)
    return {
        sweep: Sweep(found, _sweep_differs(found) if len(found) > 1 else ())
        for sweep, found in trials.items()
    }


def _tags(run: Run) -> tuple[str, ...]:
    tags = run.summary.get("tags")
    if isinstance(tags, str):
        return tuple(t.strip() for t in tags.split(",") if t.strip())
    return tuple(str(t) for t in tags) if isinstance(tags, list | tuple) else ()


SWEEP_SOURCES = {"offline": "run record", "csv": "runs table", "wandb-api": "W&B API"}


def _longest(runs: Iterable[Run]) -> list[Run]:
    """The two finished runs that logged the most training steps, the most first (a run is
    compared with the longest other than itself)."""
    counted = [r for r in runs if r.finished and (r.activity or {}).get("training_steps")]
    return sorted(counted, key=lambda r: -int(r.activity["training_steps"]))[:2]


def signs_of(
    run: Run,
    submit_hosts: Mapping[str, int],
    sweeps: Mapping[str, Sweep],
    longest_two: list[Run] | None = None,
) -> Signs:
    activity = run.activity or {}
    longest = longest_two[0] if longest_two else None
    other = next((r for r in longest_two or [] if r is not run), None)
    sweep = sweeps.get(run.sweep_id or "")
    host = run.metadata.get("host")
    return Signs(
        state=run.state,
        config=run.config,
        job_type=run.job_type,
        tags=_tags(run),
        sweep=run.sweep_id,
        sweep_source=SWEEP_SOURCES.get(run.source.split(":", 1)[0], "run"),
        sweep_trials=len(sweep.trials) if sweep else 0,
        sweep_differs=sweep.differs if sweep else (),
        host=host if isinstance(host, str) and host else None,
        in_slurm=run.metadata.get("slurm.job_id") is not None,
        submit_hosts=submit_hosts,
        epochs=run.epochs,
        epochs_done=run.epochs_done,
        training_steps=activity.get("training_steps"),
        step_key=activity.get("step_key"),
        evaluation_rows=int(activity.get("evaluation_rows") or 0),
        training_keys=tuple(activity.get("training_keys") or ()),
        logged_keys=tuple(activity.get("logged_keys") or ()),
        empty_file=str(run.summary["_empty_file"]) if run.summary.get("_empty_file") else None,
        longest_steps=int(longest.activity["training_steps"]) if longest else None,
        longest_run=longest.name if longest else "",
        longest_steps_per_epoch=(
            int(other.activity["training_steps"]) / other.epochs_done
            if other and other.epochs_done
            else None
        ),
        longest_config=other.config if other else {},
        ended=str(run.summary["_ended"]) if run.summary.get("_ended") else None,
    )


def decide_kinds(runs: list[Run]) -> list[Run]:
    """Each run's kind and the evidence that decided it, over the runs extracted together; a
    kind stated in the study file or on the command line stays. The runs are changed in place
    and returned."""
    submit_hosts, sweeps, longest = _submit_hosts(runs), _sweeps(runs), _longest(runs)
    for run in runs:
        stated = run.evidence.get("kind")
        if stated is not None and stated.key == "kind":
            continue  # a correction (no rule's evidence is read from a key named kind)
        signs = signs_of(run, submit_hosts, sweeps, longest)
        run.kind = "unknown"
        run.evidence.pop("kind", None)
        for rule in KIND_RULES:
            evidence = rule.test(signs)
            if evidence is not None:
                run.kind, run.evidence["kind"] = rule.kind, evidence
                break
    return runs


def kind_rule_lines(run: Run, runs: list[Run]) -> list[str]:
    """For --explain: every kind rule whose evidence was found, the deciding one marked."""
    signs = signs_of(run, _submit_hosts(runs), _sweeps(runs), _longest(runs))
    decided = run.evidence.get("kind")
    lines = []
    for rule in KIND_RULES:
        evidence = rule.test(signs)
        if evidence is None:
            continue
        mark = "*" if decided is not None and evidence == decided else "-"
        lines.append(f"  {mark} {rule.says}: {evidence.describe()} -> {KIND_WORDS[rule.kind]}")
    return lines


def shown_kind(run: Run) -> bool:
    """Whether a run's kind lets it stand for its configuration (undecided: read as before)."""
    return run.kind is None or run.kind in STUDY_KINDS
