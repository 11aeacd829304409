"""Which runs are the study, which a figure shows, and why the others are left out.

Two steps, read by every command (the scenes, the deck, `report`, `extract runs`):

1. ``choose``: the runs of the study. The study file's [select] (tags, group, job type, sweep,
   state, creation date, config values, names: extract/runfilter.py), then manim.cfg's
   ``include_runs``/``exclude_runs`` name regexes; a run must pass both. What they leave out is
   counted and said ("12 runs left out by the study file's [select]").
2. ``select``: what is shown. A run is shown when it is a training of the study (its kind,
   extract/kinds.py: not a debugging run, an evaluation, a sweep trial, preprocessing or an
   empty run file), its facts are known (a laptop, or a cluster run with a GPU count), it is
   not excluded, and its time is real: a finished run, or a laptop run
   whose full time is an estimate from its own pace. Runs of one configuration (a GPU count; a
   laptop's machine, cores and data subset) are one lane: the fastest finished (per epoch when
   known), or the latest, as the study file's ``pick`` says, never one whose file lost records
   over a whole one, nor an estimate over a measured time; the screen says "best of N" and
   the report the spread of their times. When there are more configurations than lanes fit
   (LANE_ROOM), the ones the story needs stay (fastest and slowest cluster run, the baseline,
   both ends of the laptop range), then GPU counts, then laptops spread over their range; the
   rest are counted ("and 14 more configurations").
"""

from __future__ import annotations

import math
from collections import defaultdict
from collections.abc import Hashable
from dataclasses import dataclass, field

from extract.kinds import shown_kind
from extract.model import Run
from extract.runfilter import RunFields
from extract.studyfile import StudyFile
from extract.unknown import cpu_job_on_cluster, gpu_bound, missing_facts

from .labels import base_label, plural, subset_percent
from .settings import Settings

STUDY_SELECT = "the study file's [select]"
SETTINGS_SELECT = "manim.cfg's include_runs/exclude_runs"
# lanes a race or comparison draws at most: what the lane layout holds at the smallest text
# (scenes/kit/lanes.py; the frame critic's twenty-runs store draws 20)
LANE_ROOM = 20


@dataclass
class Chosen:
    """The runs of the study, and those the selections left out, with why."""

    runs: list[Run]
    left_out: list[tuple[Run, str]] = field(default_factory=list)  # run, "[select]: why"
    by_study: int = 0
    by_settings: int = 0

    def note(self) -> str | None:
        """'12 runs left out by the study file's [select], 3 by manim.cfg's ...'."""
        counts = [
            (n, where)
            for n, where in ((self.by_study, STUDY_SELECT), (self.by_settings, SETTINGS_SELECT))
            if n
        ]
        if not counts:
            return None
        (first, where), rest = counts[0], counts[1:]
        lead = f"{plural(first, 'run')} left out by {where}"
        return ", ".join([lead, *(f"{n:,} by {where}" for n, where in rest)])


def choose(runs: list[Run], settings: Settings, study: StudyFile) -> Chosen:
    """The study's runs: the study file's [select], then manim.cfg's name regexes."""
    kept, left_out = [], []
    by_study = by_settings = 0
    in_settings = {id(run) for run in settings.select(runs)}
    for run in runs:
        why = study.select.why_not(RunFields.of(run)) if not study.select.empty else None
        if why is not None:
            by_study += 1
            left_out.append((run, f"[select]: {why}"))
        elif id(run) not in in_settings:
            by_settings += 1
            left_out.append((run, "include_runs/exclude_runs in manim.cfg"))
        else:
            kept.append(run)
    return Chosen(kept, left_out, by_study, by_settings)


@dataclass
class Selection:
    shown: list[Run]  # cluster by GPU count, most first, then laptops fastest first
    stands_for: dict[str, int] = field(default_factory=dict)  # run id -> runs it stands for
    left_out: list[tuple[Run, str]] = field(default_factory=list)
    # run id -> (fastest, slowest) time of the runs it was picked among, when several
    spread: dict[str, tuple[float, float]] = field(default_factory=dict)
    # run id -> the runs it was picked among, where fewer than it stands for: an estimate or a
    # file that lost its tail is no time to compare (its lane is not "best of" those)
    picked_from: dict[str, int] = field(default_factory=dict)
    # run id -> how many of the runs it stands for, not picked among, were estimates (a stopped
    # run's pace) and how many lost the tail of their record
    not_whole: dict[str, tuple[int, int]] = field(default_factory=dict)
    configurations: int = 0  # configurations with a run to show, drawn or not
    more: int = 0  # configurations not drawn: more than LANE_ROOM

    @property
    def best_of(self) -> dict[str, int]:
        """Run id -> the runs its lane is the best of (labels: "best of 3")."""
        return {run_id: self.picked_from.get(run_id, n) for run_id, n in self.stands_for.items()}

    @property
    def cluster(self) -> list[Run]:
        return [r for r in self.shown if r.platform == "cluster"]

    @property
    def laptops(self) -> list[Run]:
        return [r for r in self.shown if r.platform == "laptop"]

    def more_text(self) -> str | None:
        if not self.more:
            return None
        return f"and {plural(self.more, 'more configuration')}"


def why_left_out(run: Run) -> str | None:
    if run.excluded:
        return "excluded in the study file"
    if not shown_kind(run):
        # only a training of the study stands for a configuration (extract/kinds.py)
        kind = run.evidence.get("kind")
        return run.kind_reason + (f" ({kind.describe()})" if kind else "")
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


def configuration(run: Run) -> Hashable:
    """What a lane stands for: a cluster GPU count; a laptop's machine (its host, where wandb
    recorded it), cores or threads, the share of the data it trained on and the epochs it
    planned (its time on screen is the whole job's)."""
    if run.platform == "cluster":
        # 8 GPUs on one node and on two are two configurations (their communication differs)
        return ("cluster", run.gpus, run.nodes)
    host = run.metadata.get("host")
    # a run the study file names on screen is its own lane
    return (
        "laptop",
        str(host) if host else None,
        run.cores,
        run.cores_word,
        subset_percent(run),
        run.epochs,
        run.label_override,
    )


def one_per_gpu_count(runs: list[Run]) -> list[Run]:
    """The fastest per epoch of the runs at each GPU count (8 GPUs on one node and on two
    nodes are two lanes; a chart against GPU count has one point for 8), in their order."""
    best: dict[int | None, Run] = {}
    for run in runs:
        kept = best.get(run.gpus)
        if kept is None or (run.time_per_epoch_s or math.inf) < (kept.time_per_epoch_s or math.inf):
            best[run.gpus] = run
    return [run for run in runs if best.get(run.gpus) is run]


def describe_configuration(run: Run, laptop_name: str = "Laptop") -> str:
    """A configuration in words, from the run that stands for it: '8 GPUs, 1 node',
    'Laptop, 8 cores, 2% subset, on mbp-anna'."""
    if run.platform == "cluster":
        return base_label(run) if not run.label_override else plural(run.gpus or 0, "GPU")
    label = base_label(run, laptop_name) if not run.label_override else laptop_name
    subset = subset_percent(run)
    if subset is not None:
        label += f", {subset:g}% subset"
    if run.epochs:
        label += f", {plural(run.epochs, 'epoch')}"
    host = run.metadata.get("host")
    return label + (f", on {host}" if host else "")


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
    groups: dict[Hashable, list[Run]] = defaultdict(list)
    for run in candidates:
        groups[configuration(run)].append(run)
    stands_for, spread, chosen, picked_from = {}, {}, {}, {}
    not_whole: dict[str, tuple[int, int]] = {}
    for key, group in groups.items():
        # a run whose file lost its tail was timed short of what it ran: never picked over a
        # whole one (the report says so); nor is an estimate (a stopped laptop's pace, which
        # leaves out what slows the rest of a job) picked over a run timed whole
        measured = [r for r in group if not r.damage]
        pool = [r for r in measured if not r.extrapolated] or measured or group
        pick = _pick(pool, study.pick)
        chosen[key] = pick
        stands_for[pick.run_id] = len(group)
        if len(pool) < len(group):
            picked_from[pick.run_id] = len(pool)
            rest = [r for r in group if r not in pool]
            damaged = sum(1 for r in rest if r.damage)
            not_whole[pick.run_id] = (len(rest) - damaged, damaged)
        if len(pool) > 1:
            times = [r.time_s for r in pool]
            spread[pick.run_id] = (min(times), max(times))
    cluster = sorted(
        (r for r in chosen.values() if r.platform == "cluster"),
        key=lambda r: r.gpus or 0,
        reverse=True,
    )
    laptops = sorted(
        (r for r in chosen.values() if r.platform != "cluster"), key=lambda r: r.time_s
    )
    kept = _room(cluster, laptops, study)
    more = 0
    for key, pick in chosen.items():
        if pick.run_id not in kept:
            more += 1
            why = f"its configuration has no lane: more than {LANE_ROOM} configurations"
            left_out += [(run, why) for run in groups[key]]
            continue
        what = plural(pick.gpus, "GPU") if pick.platform == "cluster" and pick.gpus else None
        stands = f"{pick.name} stands for its {what or 'configuration'} ({study.pick})"
        short = "; its own time is short: its run file lost records"
        left_out += [
            (run, stands + (short if run.damage and not pick.damage else ""))
            for run in groups[key]
            if run is not pick
        ]
    shown = [r for r in cluster + laptops if r.run_id in kept]
    return Selection(
        shown,
        stands_for,
        left_out,
        spread,
        picked_from,
        not_whole,
        configurations=len(chosen),
        more=more,
    )


def _room(cluster: list[Run], laptops: list[Run], study: StudyFile) -> set[str]:
    """The run ids of the configurations drawn: every one when they fit, else the story's."""
    if len(cluster) + len(laptops) <= LANE_ROOM:
        return {r.run_id for r in cluster + laptops}
    needed: list[Run] = []
    if cluster:
        needed.append(min(cluster, key=lambda r: r.time_s))
        per_epoch = [r for r in cluster if r.time_per_epoch_s]
        if per_epoch:
            needed.append(min(per_epoch, key=lambda r: r.time_per_epoch_s or 0.0))
        needed.append(max(cluster, key=lambda r: r.time_s))
        named = [r for r in cluster if study.baseline in (r.run_id, r.name)]
        needed += named or [min(cluster, key=lambda r: (r.gpus or 0, r.time_s))]
    if laptops:
        needed += [laptops[0], laptops[-1]]
    kept = {r.run_id for r in needed}
    for side in (cluster, laptops):  # GPU counts first: the study is how training scales
        rest = [r for r in side if r.run_id not in kept]
        kept |= {r.run_id for r in _evenly(rest, LANE_ROOM - len(kept))}
    return kept


def _evenly(runs: list[Run], count: int) -> list[Run]:
    """``count`` runs spread evenly over ``runs`` (in their order), ends included."""
    if count <= 0:
        return []
    if count >= len(runs):
        return runs
    if count == 1:
        return [runs[len(runs) // 2]]
    step = (len(runs) - 1) / (count - 1)
    return [runs[round(i * step)] for i in range(count)]


def _pick(group: list[Run], how: str) -> Run:
    if how == "latest":
        return max(group, key=lambda r: r.created_at or "")
    # like with like: per epoch when every run's is known, else the total time (a time per
    # epoch against another run's total picked the slower run as "fastest")
    if all(r.time_per_epoch_s for r in group):
        return min(group, key=lambda r: (r.time_per_epoch_s or 0.0, r.time_s))
    return min(group, key=lambda r: r.time_s)
