"""Which runs a figure shows, and why the others are left out.

A run is shown when it is a training of the study (its kind, extract/kinds.py: not a debugging
run, an evaluation, a sweep trial, preprocessing or an empty run file), its facts are known (a
laptop, or a cluster run with a GPU count), it is not excluded (study file, include/exclude
settings), and its time is real: a finished run, or a laptop run whose full time is an estimate
from its own pace. When several cluster runs share a GPU count, one stands for them: the fastest
finished (per epoch when known), or the latest, as the study file's ``pick`` says, never one
whose file lost records over a whole one; the screen says "best of N".
"""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass, field

from extract.kinds import shown_kind
from extract.model import Run
from extract.studyfile import StudyFile
from extract.unknown import cpu_job_on_cluster, gpu_bound, missing_facts

from .labels import plural


@dataclass
class Selection:
    shown: list[Run]  # cluster by GPU count, most first, then laptops fastest first
    stands_for: dict[str, int] = field(default_factory=dict)  # run id -> runs it stands for
    left_out: list[tuple[Run, str]] = field(default_factory=list)

    @property
    def cluster(self) -> list[Run]:
        return [r for r in self.shown if r.platform == "cluster"]

    @property
    def laptops(self) -> list[Run]:
        return [r for r in self.shown if r.platform == "laptop"]


def why_left_out(run: Run) -> str | None:
    if run.excluded:
        return "excluded in the study file"
    if not shown_kind(run):
        # only a training of the study stands for a configuration (extract/kinds.py)
        kind = run.evidence.get("kind")
        return run.kind_text + (f" ({kind.describe()})" if kind else "")
    if cpu_job_on_cluster(run):
        return "a CPU job on the cluster: neither a GPU run nor the laptop"
    missing = missing_facts(run)
    bound = gpu_bound(run)
    if "gpus" in missing and run.platform == "cluster" and bound:
        return f"GPU count unknown: {bound}, and the run did not log how many it used"
    if missing:
        return "no evidence of its " + " or ".join(
            "GPU count" if m == "gpus" else "node count" if m == "nodes" else m for m in missing
        )
    if run.time_s <= 0:
        return "no time logged"
    if run.platform == "cluster" and not run.finished:
        return f"state {run.state}"
    if run.platform == "laptop" and not run.finished and not run.extrapolated:
        return f"state {run.state} with no progress logged to estimate the full job from"
    if run.kind == "partial" and not run.extrapolated:
        # finished before its plan, too little done to estimate the full job from
        return f"{run.kind_text}: {_done(run)}, too little to estimate the full job from"
    return None


def _done(run: Run) -> str:
    done = "?" if run.epochs_done is None else f"{run.epochs_done:g}"
    planned = "?" if run.epochs is None else f"{run.epochs:g}"
    return f"{done} of {planned} epochs"


def select(runs: list[Run], study: StudyFile | None = None) -> Selection:
    study = study or StudyFile()
    left_out: list[tuple[Run, str]] = []
    candidates = []
    for run in runs:
        reason = why_left_out(run)
        if reason is None:
            candidates.append(run)
        else:
            left_out.append((run, reason))
    by_gpus: dict[int, list[Run]] = defaultdict(list)
    laptops = []
    for run in candidates:
        if run.platform == "cluster" and run.gpus:
            by_gpus[run.gpus].append(run)
        else:
            laptops.append(run)
    cluster, stands_for = [], {}
    for gpus in sorted(by_gpus, reverse=True):
        group = by_gpus[gpus]
        # a run whose file lost its tail was timed short of what it ran: never picked over a
        # whole one (the report says so)
        whole = [r for r in group if not r.damage] or group
        chosen = _pick(whole, study.pick)
        cluster.append(chosen)
        stands_for[chosen.run_id] = len(group)
        for run in group:
            if run is not chosen:
                stands = f"{chosen.name} stands for its {plural(gpus, 'GPU')} ({study.pick})"
                if run.damage and not chosen.damage:
                    stands += "; its own time is short: its run file lost records"
                left_out.append((run, stands))
    laptops.sort(key=lambda r: r.time_s)
    return Selection(cluster + laptops, stands_for, left_out)


def _pick(group: list[Run], how: str) -> Run:
    if how == "latest":
        return max(group, key=lambda r: r.created_at or "")
    # like with like: per epoch when every run's is known, else the total time (a time per
    # epoch against another run's total picked the slower run as "fastest")
    if all(r.time_per_epoch_s for r in group):
        return min(group, key=lambda r: (r.time_per_epoch_s or 0.0, r.time_s))
    return min(group, key=lambda r: r.time_s)
