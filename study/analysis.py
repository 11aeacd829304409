"""The numbers that matter, computed from the runs: speedup, efficiency, headline figures.

Speedup and efficiency compare time per epoch done, so runs that trained different amounts are
compared for the same work (when every run did the same epochs this is the ratio of total
times); a run whose epochs done are unknown gets no per-epoch figures, and the report says so.
Headline figures use only the runs a scene would show (see selection.py): known facts, not
excluded, a finished run or a laptop estimate.
"""

from __future__ import annotations

from dataclasses import asdict, dataclass, field
from typing import Any

from extract.errors import InputError
from extract.kinds import shown_kind
from extract.model import Run
from extract.studyfile import StudyFile
from extract.unknown import facts_asked, unknown_facts, unknown_warnings

from . import units
from .cost import RunCost, rate_of, run_cost
from .labels import base_label, unique_labels
from .metric_keys import MetricKeys, study_metric_keys
from .metrics import (
    AccuracyScale,
    accuracy_scale,
    best_accuracy_at,
    study_scale,
    target_percent,
    time_to_percent,
)
from .selection import LANE_ROOM, Chosen, Selection, describe_configuration, select
from .settings import Settings


@dataclass
class RunFigures:
    name: str
    run_id: str
    label: str
    platform: str
    state: str
    gpus: int | None
    nodes: int | None
    cores: int | None
    epochs: float | None
    epochs_done: float | None
    time_s: float
    measured_s: float | None
    time_per_epoch_s: float | None
    extrapolated: bool
    reconstructed: bool
    speedup: float | None
    efficiency: float | None
    best_accuracy: float | None
    accuracy_key: str | None  # the key its best accuracy is from (its own, in a mixed store)
    # measured wall time at which best_accuracy was first logged (None: only a summary has it)
    best_accuracy_s: float | None
    time_to_target_s: float | None
    shown: bool
    left_out_because: str | None
    evidence: dict[str, str]
    # what the run is (extract/model.py KIND_WORDS; None: not decided), and what its run file
    # lost (its time is then short of what it ran)
    kind: str | None = None
    damage: str | None = None
    # where its best accuracy is read ("history" or "summary": a summary's value, no history
    # of it), and the key its curve and time to the target are read from (its history)
    accuracy_source: str | None = None
    curve_key: str | None = None
    # what the run cost (study/cost.py): GPUs x time; energy from its recorded power, else
    # unknown (None); cost only from a rate the study file or manim.cfg gives
    gpu_hours: float | None = None
    gpu_hours_per_epoch: float | None = None
    node_hours: float | None = None
    energy_kwh: float | None = None
    energy_per_epoch_kwh: float | None = None
    energy_estimated: bool = False
    cost: float | None = None
    cost_unit: str | None = None
    co2_kg: float | None = None


@dataclass
class CostHeadline:
    """One configuration's price for the same work (one epoch)."""

    run: str
    label: str
    gpus: int | None
    time_per_epoch_s: float
    gpu_hours_per_epoch: float
    cost_per_epoch: float | None


@dataclass
class CostHeadlines:
    """The cheapest and the fastest cluster configuration to the same work, per epoch."""

    work: str
    cheapest: CostHeadline
    fastest: CostHeadline
    cost_unit: str | None


@dataclass
class BestAccuracy:
    percent: float
    run: str
    label: str
    key: str
    time_s: float  # the run's time: an estimate where the run's is (``estimated``)
    reached_s: float | None = None  # measured: when the run first logged this accuracy
    estimated: bool = False
    source: str = "history"  # or "summary": the run's summary value, no history of it
    # False: a repeat of a configuration, not the run that stands for it on screen
    on_screen: bool = True


@dataclass
class Report:
    fastest_cluster_s: float | None
    fastest_cluster_run: str | None
    laptop_low_s: float | None
    laptop_high_s: float | None
    max_speedup: float | None
    max_speedup_per_epoch: float | None
    fastest_cluster_per_epoch_run: str | None
    baseline_run: str | None
    best_accuracy: BestAccuracy | None
    accuracy_key: str | None  # the study's key of the accuracy curves (study/metric_keys.py)
    target_accuracy: float
    runs: list[RunFigures]
    warnings: list[str] = field(default_factory=list)
    # run names repeat in W&B (reruns, resumed jobs): the id says which run is the fastest
    fastest_cluster_run_id: str | None = None
    fastest_cluster_per_epoch_run_id: str | None = None
    cost: CostHeadlines | None = None
    # what the runs are priced in and the CO2 intensity, when given (None: not given, so no
    # cost or CO2 column in the Markdown table)
    cost_unit: str | None = None
    co2_g_per_kwh: float | None = None
    # what the settings call the two sides (manim.cfg's cluster_name, laptop_name)
    cluster_name: str = "LUMI"
    laptop_name: str = "Laptop"
    # which runs are drawn: the configurations drawn and not, the spread of the runs a drawn
    # one stands for
    selection: list[str] = field(default_factory=list)
    # what the selections (the study file's [select], manim.cfg's) left out of the study
    left_out: str | None = None
    # the facts of the runs a careful reader would state, and how many no evidence decided
    # (extract/unknown.py; `python -m extract runs --unknown` lists them)
    facts_asked: int = 0
    unknown_facts: int = 0
    # the study's key of the best accuracy (a summary's key where the runs have no held-out
    # history: the published study's 'acc')
    best_key: str | None = None

    def as_dict(self) -> dict[str, Any]:
        return asdict(self)

    def run(self, name: str) -> RunFigures | None:
        return next((r for r in self.runs if r.name == name), None)


def baseline_run(runs: list[Run], study: StudyFile | None = None) -> Run | None:
    """What speedup and efficiency refer to: the study file's baseline, else the finished
    cluster run with the fewest GPUs."""
    if study and study.baseline:
        chosen = next((r for r in runs if study.baseline in (r.run_id, r.name) and r.known), None)
        if chosen is None:  # a typo must not quietly remove every speedup
            raise InputError(
                f"baseline = {study.baseline!r} matches no shown run (by id or name)",
                path=study.path,
                hint="'python -m extract runs' lists the runs and whether each is shown",
            )
        return chosen
    candidates = [r for r in runs if r.platform == "cluster" and r.finished and r.gpus]
    return min(candidates, key=lambda r: (r.gpus or 0, r.time_s), default=None)


def speedup_over(baseline: Run, run: Run) -> float | None:
    """Per epoch done; None when either run's epochs are unknown (unequal work unseen)."""
    base, mine = baseline.time_per_epoch_s, run.time_per_epoch_s
    if base is None or mine is None or mine <= 0:
        return None
    return base / mine


def efficiency_of(baseline: Run, run: Run, speedup: float | None) -> float | None:
    """Parallel efficiency: speedup over the ideal for the GPUs added (1.0 = linear)."""
    if speedup is None or run.platform != "cluster" or not run.gpus or not baseline.gpus:
        return None
    return speedup * baseline.gpus / run.gpus


@dataclass(frozen=True)
class _Context:
    """What every run's figures are computed against."""

    study: StudyFile
    baseline: Run | None
    labels: dict[str, str]
    curve_keys: MetricKeys
    best_keys: MetricKeys
    target: float
    shown: set[str]
    reasons: dict[str, str]
    settings: Settings
    runs: tuple[Run, ...] = ()
    scales: dict[str, AccuracyScale] = field(default_factory=dict)

    def scale_of(self, key: str) -> AccuracyScale:
        """A metric's scale, decided once per key over every run of the study."""
        if key not in self.scales:
            self.scales[key] = study_scale(list(self.runs), key, self.study.accuracy_scale)
        return self.scales[key]


def build_report(
    runs: list[Run],
    study: StudyFile | None = None,
    settings: Settings | None = None,
    chosen: Chosen | None = None,
) -> Report:
    """The figures of ``runs``: the study's runs (``chosen``, study/selection.py, says what the
    selections left out of them)."""
    study = study or StudyFile()
    settings = settings or Settings()
    selection = select(runs, study)
    labels = {r.run_id: base_label(r, settings.laptop_name) for r in runs}
    labels.update(unique_labels(selection.shown, settings.laptop_name, selection.best_of))
    # each run's key of the curves (histories), and of its best accuracy (held-out first,
    # summaries too: a running training accuracy reaches 100% on memorised data); one key
    # when the held-out one has histories
    curves = study_metric_keys(runs, selection.shown, settings, study, "accuracy")
    best = study_metric_keys(runs, selection.shown, settings, study, "accuracy", summaries=True)
    context = _Context(
        study=study,
        baseline=baseline_run(selection.shown, study),
        labels=labels,
        curve_keys=curves,
        best_keys=best,
        target=target_percent(settings.target_accuracy),
        shown={r.run_id for r in selection.shown},
        reasons={r.run_id: why for r, why in selection.left_out},
        settings=settings,
        runs=tuple(runs),
    )
    figures = [_figures(run, context) for run in runs]
    headline = _headline(runs, selection)
    return Report(
        **headline,
        baseline_run=context.baseline.name if context.baseline else None,
        best_accuracy=_best_accuracy(figures, context.shown, best.key),
        accuracy_key=curves.key,
        target_accuracy=context.target,
        runs=figures,
        warnings=_warnings(runs, selection, figures, study, context) + _scale_warnings(context),
        cost=_cost_headlines(selection, study, settings, labels),
        cost_unit=rate.unit if (rate := rate_of(study, settings)) is not None else None,
        co2_g_per_kwh=study.cost.co2_g_per_kwh,
        cluster_name=settings.cluster_name,
        laptop_name=settings.laptop_name,
        selection=selection_lines(selection, labels, settings.laptop_name),
        left_out=chosen.note() if chosen else None,
        facts_asked=sum(len(facts_asked(run)) for run in runs),
        unknown_facts=len(unknown_facts(runs, study)),
        best_key=best.key,
    )


def _not_whole(estimates: int, damaged: int) -> str:
    """Why runs of a configuration were not compared, in words true of any tracker."""
    said = []
    if estimates:
        said.append(
            "an estimate from a stopped run's pace"
            if estimates == 1
            else f"{estimates} estimates from stopped runs' pace"
        )
    if damaged:
        said.append(
            "a record that lost its tail"
            if damaged == 1
            else f"{damaged} records that lost their tail"
        )
    return ", ".join(said) or "unknown"


def selection_lines(selection: Selection, labels: dict[str, str], laptop_name: str) -> list[str]:
    """What is drawn of the study, in a few lines."""
    lines = []
    drawn = len(selection.shown)
    if selection.more:
        lines.append(
            f"{drawn} of {selection.configurations} configurations drawn ({LANE_ROOM} lanes at "
            "most): the fastest and slowest cluster runs, the baseline and the laptop range's "
            f"ends first, then GPU counts, then laptops across their range; "
            f"{selection.more_text()}"
        )
    for run in selection.shown:
        count = selection.stands_for.get(run.run_id, 1)
        what = labels.get(run.run_id) or describe_configuration(run, laptop_name)
        compared = selection.picked_from.get(run.run_id, count)
        others = (
            f" ({count - compared} more not timed whole: "
            f"{_not_whole(*selection.not_whole.get(run.run_id, (0, 0)))})"
            if compared < count
            else ""
        )
        if count > 1 and run.run_id in selection.spread:
            low, high = selection.spread[run.run_id]
            took = "which took" if compared == count else f"the {compared} timed whole took"
            lines.append(
                f"{what}: {run.name} stands for {count} runs of its configuration, {took} "
                f"{units.duration_range(low, high)}{others}"
            )
        elif count > 1:
            lines.append(
                f"{what}: {run.name} stands for {count} runs of its configuration, the only "
                f"one timed whole{others}"
            )
    return lines


def _figures(run: Run, context: _Context) -> RunFigures:
    baseline = context.baseline
    cost = run_cost(run, context.study, context.settings)
    # a run whose facts are unknown gets no figure that would read as a fact about it
    # nor one of a run that is no training of the study (a debugging run's "speedup")
    speedup = speedup_over(baseline, run) if baseline and run.known and shown_kind(run) else None
    best = time_to = None
    key = context.best_keys.key_of(run)
    best_s = None
    if key:
        best, best_s = best_accuracy_at(run, key, context.scale_of(key))
    curve_key = context.curve_keys.key_of(run)
    if curve_key:
        time_to = time_to_percent(run, curve_key, context.target, context.scale_of(curve_key))
    return RunFigures(
        name=run.name,
        run_id=run.run_id,
        label=context.labels[run.run_id],
        platform=run.platform,
        state=run.state,
        gpus=run.gpus,
        nodes=run.nodes,
        cores=run.cores,
        epochs=run.epochs,
        epochs_done=run.epochs_done,
        time_s=run.time_s,
        measured_s=run.measured_s,
        time_per_epoch_s=run.time_per_epoch_s,
        extrapolated=run.extrapolated,
        reconstructed=run.reconstructed,
        speedup=speedup,
        efficiency=efficiency_of(baseline, run, speedup) if baseline else None,
        best_accuracy=best,
        best_accuracy_s=best_s,
        accuracy_key=key if best is not None else None,
        time_to_target_s=time_to,
        shown=run.run_id in context.shown,
        left_out_because=context.reasons.get(run.run_id),
        evidence={k: v.describe() for k, v in run.evidence.items()}
        | _cost_evidence(cost)
        | _key_evidence(run, context),
        kind=run.kind,
        damage=run.damage,
        accuracy_source=context.best_keys.of(run).evidence.source if best is not None else None,
        curve_key=curve_key,
        **_cost_figures(cost),
    )


def _key_evidence(run: Run, context: _Context) -> dict[str, str]:
    """Which key a run's best accuracy and its accuracy curve are read from, and why."""
    said = {}
    for name, keys in (("accuracy", context.best_keys), ("accuracy_curve", context.curve_keys)):
        own = keys.of(run)
        if own.key is not None:
            said[name] = own.evidence.describe()
    return said


def headline_cluster_runs(runs: list[Run]) -> list[Run]:
    """Every run a "fastest cluster run" headline may name: a complete training of the study
    (not a debugging run, an evaluation, a sweep trial), known, not excluded, timed whole (its
    file lost nothing). Not only the runs shown: a run that another stands for on screen (its
    GPU count's pick) is still the fastest if it is, and the headline must be literally true."""
    return [
        r
        for r in runs
        if r.platform == "cluster"
        and r.known
        and r.finished
        and not r.excluded
        and r.time_s > 0
        and shown_kind(r)
        and not r.damage
    ]


def _cost_evidence(cost: RunCost) -> dict[str, str]:
    evidence = {"energy": cost.energy_evidence()}
    if cost.rate is not None:
        rate = cost.rate
        evidence["cost"] = f"{rate.origin}: {rate.amount:g} {rate.unit} per {rate.per_text}"
    return evidence


def _cost_figures(cost: RunCost) -> dict[str, Any]:
    return {
        "gpu_hours": cost.gpu_hours,
        "gpu_hours_per_epoch": cost.gpu_hours_per_epoch,
        "node_hours": cost.node_hours,
        "energy_kwh": cost.energy_kwh,
        "energy_per_epoch_kwh": cost.energy_per_epoch_kwh,
        "energy_estimated": bool(cost.energy and cost.energy.estimated),
        "cost": cost.cost,
        "cost_unit": cost.rate.unit if cost.rate and cost.cost is not None else None,
        "co2_kg": cost.co2_kg,
    }


def _cost_headlines(
    selection: Selection, study: StudyFile, settings: Settings, labels: dict[str, str]
) -> CostHeadlines | None:
    """Cheapest and fastest configuration per epoch (equal work) among the shown cluster runs
    whose GPU-hours per epoch are known."""
    costs = [run_cost(r, study, settings) for r in selection.cluster]
    known = [c for c in costs if c.gpu_hours_per_epoch and c.run.time_per_epoch_s]
    if not known:
        return None

    def headline(cost: RunCost) -> CostHeadline:
        return CostHeadline(
            cost.run.name,
            labels.get(cost.run.run_id, cost.run.name),
            cost.run.gpus,
            cost.run.time_per_epoch_s or 0.0,
            cost.gpu_hours_per_epoch or 0.0,
            cost.cost_per_epoch,
        )

    # with a rate, cheapest is what is billed (per node-hour it is not the fewest GPU-hours)
    billed = all(c.cost_per_epoch is not None for c in known)
    cheapest = min(
        known,
        key=lambda c: (
            (c.cost_per_epoch or 0.0) if billed else (c.gpu_hours_per_epoch or 0.0),
            c.run.gpus or 0,
        ),
    )
    fastest = min(known, key=lambda c: (c.run.time_per_epoch_s or 0.0, c.run.gpus or 0))
    unit = known[0].rate.unit if known[0].rate is not None else None
    return CostHeadlines("per epoch", headline(cheapest), headline(fastest), unit)


def _headline(runs: list[Run], selection: Selection) -> dict[str, Any]:
    """The seed's key metrics: fastest cluster run, the laptop range, the speedups."""
    cluster, laptops = headline_cluster_runs(runs), selection.laptops
    if not selection.cluster:
        cluster = []
    fastest = min(cluster, key=lambda r: r.time_s, default=None)
    laptop_times = [r.time_s for r in laptops]
    laptop_high = max(laptop_times, default=None)
    per_epoch_cluster = [r for r in cluster if r.time_per_epoch_s]
    fastest_per_epoch = min(per_epoch_cluster, key=lambda r: r.time_per_epoch_s or 0, default=None)
    laptop_per_epoch = [r.time_per_epoch_s for r in laptops if r.time_per_epoch_s]
    per_epoch = None
    if fastest_per_epoch and fastest_per_epoch.time_per_epoch_s and laptop_per_epoch:
        per_epoch = max(laptop_per_epoch) / fastest_per_epoch.time_per_epoch_s
    return {
        "fastest_cluster_s": fastest.time_s if fastest else None,
        "fastest_cluster_run": fastest.name if fastest else None,
        "fastest_cluster_run_id": fastest.run_id if fastest else None,
        "laptop_low_s": min(laptop_times, default=None),
        "laptop_high_s": laptop_high,
        "max_speedup": laptop_high / fastest.time_s if fastest and laptop_high else None,
        "max_speedup_per_epoch": per_epoch,
        "fastest_cluster_per_epoch_run": fastest_per_epoch.name if fastest_per_epoch else None,
        "fastest_cluster_per_epoch_run_id": fastest_per_epoch.run_id if fastest_per_epoch else None,
    }


def _best_accuracy(
    figures: list[RunFigures], shown: set[str], key: str | None
) -> BestAccuracy | None:
    """The best accuracy under the study's key (the one the accuracy scene draws); runs' own
    keys only when no shown run logged it. Over the study's complete trainings: a repeat of a
    configuration that reached more than the run on screen is the study's best (said so)."""
    candidates = [
        f
        for f in figures
        if f.best_accuracy is not None
        and (f.run_id in shown or (f.kind == "training" and f.state == "finished" and not f.damage))
    ]
    same_key = [f for f in candidates if f.accuracy_key == key]
    candidates = same_key or candidates
    best = max(candidates, key=lambda f: (f.best_accuracy or 0, -f.time_s), default=None)
    if best is None or best.accuracy_key is None or best.best_accuracy is None:
        return None
    return BestAccuracy(
        best.best_accuracy,
        best.name,
        best.label,
        best.accuracy_key,
        best.time_s,
        best.best_accuracy_s,
        best.extrapolated,
        best.accuracy_source or "history",
        best.run_id in shown,
    )


def _scale_warnings(context: _Context) -> list[str]:
    """A run whose own values alone would read in the other scale (a diverged run's accuracy
    within 0..1 where the study logs percent): the study's scale and its evidence, said."""
    warnings = []
    for key, scale in context.scales.items():
        alone = [
            r.name
            for r in context.runs
            if r.history is not None
            and key in r.history
            and accuracy_scale(r, key).factor != scale.factor
        ]
        if alone:
            warnings.append(
                f"'{key}' is read as a {scale.name} in every run ({scale.evidence.value}); "
                f"{', '.join(alone)} alone would read as a "
                f"{'fraction' if scale.name == 'percent' else 'percent'}"
            )
    return warnings


def _warnings(
    runs: list[Run],
    selection: Selection,
    figures: list[RunFigures],
    study: StudyFile,
    context: _Context,
) -> list[str]:
    warnings = unknown_warnings(runs, study)
    warnings += kind_warnings(runs)
    # what the evidence said beside the facts: conflicts and which piece won, a stopped-early
    # or unreadable epoch count, a CPU job on the cluster
    warnings += [f"{run.name}: {note}" for run in runs if shown_kind(run) for note in run.notes]
    warnings += study.unused_warnings(run.name for run in runs)
    if not selection.cluster or not selection.laptops:
        missing = "cluster" if not selection.cluster else "laptop"
        warnings.append(f"nothing to compare: no {missing} run to show; no speedup headline")
    warnings += _work_warnings(runs, selection)
    warnings += _efficiency_warnings(figures)
    warnings += _label_warnings(selection)
    warnings += _accuracy_notes(selection.shown, context)
    if any(r.reconstructed for r in runs):
        warnings.append("histories are reconstructed from published charts, not logged data")
    return warnings


def _accuracy_notes(shown: list[Run], context: _Context) -> list[str]:
    """Where the accuracy figures of the shown runs come from, key by key: the best accuracy
    (headline and table) and the curves with the time to the target, when either is read
    from more than one key or the two differ (the published study's best accuracy is its
    summary 'acc', its curves the 'running_accuracy' histories)."""
    best, curves = context.best_keys, context.curve_keys
    notes = []
    if curves.choice.why_not_asked:
        notes.append(
            f"accuracy shown from '{curves.key}', not the configured '{curves.choice.asked}' "
            f"({curves.choice.why_not_asked})"
        )
    best_from = _sources(best, shown)
    curves_from = _sources(curves, shown)
    same = all(best.of(r) == curves.of(r) for r in shown)
    if same and len(best.counted(shown)) > 1:
        notes.append(f"accuracy of each run from its own key: {best_from}")
    elif not same:
        notes.append(f"best accuracy (headline and table) from {best_from}")
        if curves.counted(shown):
            notes.append(f"accuracy curves and time to the target from {curves_from}")
        else:
            notes.append("no accuracy curve and no time to the target: no accuracy history")
    return notes


def _sources(keys: MetricKeys, runs: list[Run]) -> str:
    """The keys by where the values are: "histories: 'running_accuracy' (8 runs); run
    summaries (a value each, no history): 'acc' (8 runs); none in 2 runs"."""
    counts: dict[str, dict[str, int]] = {"summary": {}, "history": {}}
    without = 0
    for run in runs:
        own = keys.of(run)
        if own.key is None:
            without += 1
            continue
        counted = counts["summary" if own.evidence.source == "summary" else "history"]
        counted[own.key] = counted.get(own.key, 0) + 1
    parts = []
    for source, words in (
        ("history", "histories"),
        ("summary", "run summaries (a value each, no history)"),
    ):
        if counts[source]:
            keys_text = ", ".join(
                f"'{key}' ({_runs_text(count)})"
                for key, count in sorted(counts[source].items(), key=lambda item: -item[1])
            )
            parts.append(f"{words}: {keys_text}")
    if without:
        parts.append(f"none in {_runs_text(without)}")
    return "; ".join(parts)


def _runs_text(count: int) -> str:
    return "1 run" if count == 1 else f"{count} runs"


def kind_warnings(runs: list[Run]) -> list[str]:
    """Runs that are not the study's trainings, by kind; runs whose files hold no record, per
    configuration; runs whose files lost records (their time is short)."""
    lines = []
    missing: dict[str, list[str]] = {}
    for run in runs:
        if run.kind == "missing":
            where = _configuration(run)
            missing.setdefault(where, []).append(run.run_id)
    for where, ids in missing.items():
        count = "1 run" if len(ids) == 1 else f"{len(ids)} runs"
        lines.append(
            f"{count} {where} missing: empty run files, crashed before wandb wrote a record "
            f"({', '.join(ids)})"
        )
    others: dict[str, list[Run]] = {}
    for run in runs:
        if run.kind is not None and not shown_kind(run) and run.kind != "missing":
            others.setdefault(run.kind, []).append(run)
    if others:
        lines.append(
            "not trainings of the study, listed with their kind and left out of every figure: "
            + "; ".join(
                f"{len(kept)} x {kept[0].kind_reason} ({', '.join(_named(r) for r in kept)})"
                for kept in others.values()
            )
        )
    lines += [f"{run.name} ({run.run_id}): {run.damage}" for run in runs if run.damage]
    return lines


def _named(run: Run) -> str:
    """A run's name, and why where its kind is unknown (a bare "unknown" says nothing)."""
    said = run.evidence.get("kind")
    return f"{run.name}: {said.key}" if run.kind == "unknown" and said else run.name


def _configuration(run: Run) -> str:
    """'of 32 GPUs', 'of the laptop', or 'of an unknown configuration'."""
    if run.platform == "cluster" and run.gpus:
        return f"of {run.gpus:,} GPU" if run.gpus == 1 else f"of {run.gpus:,} GPUs"
    if run.platform == "laptop":
        return "of the laptop"
    return "of an unknown configuration"


def _work_warnings(runs: list[Run], selection: Selection) -> list[str]:
    """Unequal work, unknown epochs done, estimates and unfinished runs."""
    warnings = []
    epochs = {r.work_epochs for r in selection.shown}
    if len(epochs) > 1:
        listed = ", ".join(_epochs_text(e) for e in sorted(epochs, key=lambda e: e or 0))
        warnings.append(
            f"runs trained different numbers of epochs ({listed}): max_speedup compares total "
            "times of unequal work; max_speedup_per_epoch, speedup and efficiency compare time "
            "per epoch"
        )
    for run in runs:
        if not shown_kind(run):
            continue  # said once, with its kind (kind_warnings)
        if run.known and run.epochs_done is None and not run.extrapolated:
            # a note from the evidence says what it did log, and is listed with the notes
            said = any(note.startswith("epochs done:") for note in run.notes)
            why = "" if said else " (no epoch, progress or finished state logged)"
            warnings.append(f"{run.name}: epochs done unknown{why}: no per-epoch figures")
        if run.extrapolated:
            warnings.append(f"{run.name}: time is an estimate ({_estimate_text(run)})")
        if not run.finished and run.known and not run.extrapolated:
            # how it ended, where its exit code and output say (extract/sources/wandb_files.py)
            ended = f" ({run.summary['_ended']})" if run.summary.get("_ended") else ""
            warnings.append(
                f"{run.name}: state {run.state}{ended}; left out of the headline figures"
            )
    return warnings


def _estimate_text(run: Run) -> str:
    method = run.config.get("extrapolation_method", "extrapolated")
    measured = f" (in {units.duration(run.measured_s)} of running)" if run.measured_s else ""
    inputs = run.config.get("extrapolation_inputs")
    given = ""
    if isinstance(inputs, dict) and inputs:
        given = "; " + ", ".join(f"{k}={v:g}" for k, v in inputs.items())
    return f"{method}{measured}{given}"


def _efficiency_warnings(figures: list[RunFigures]) -> list[str]:
    return [
        f"{figure.name}: {units.percent(figure.efficiency)} parallel efficiency, above "
        "100%: check its GPU count and epochs done (evidence: "
        f"{figure.evidence.get('gpus', 'none')}; {figure.evidence.get('epochs_done', 'none')})"
        for figure in figures
        if figure.efficiency is not None and figure.efficiency > 1.0 + 1e-9
    ]


def _label_warnings(selection: Selection) -> list[str]:
    same: dict[str, list[str]] = {}
    for run in selection.shown:
        same.setdefault(base_label(run), []).append(run.name)
    return [
        f"{len(names)} runs would read '{label}': told apart on screen"
        for label, names in same.items()
        if len(names) > 1
    ]


def _epochs_text(epochs: float | None) -> str:
    if epochs is None:
        return "unknown"
    return f"{epochs:g}"
