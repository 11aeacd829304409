"""Each scene's plan: the words and numbers it shows, computed from a StudyView, no drawing.

A scene draws its plan and nothing else, so what the screen says is tested here, on any store,
in milliseconds (tests/test_plans.py).
"""

from __future__ import annotations

import math
from dataclasses import dataclass

import numpy as np

from extract.errors import InputError
from extract.model import Run

from . import units
from .labels import plural
from .metric_keys import MetricKeys, study_metric_keys
from .metrics import (
    AccuracyScale,
    first_at_target,
    logged_keys,
    percent_decimals,
    percent_series,
    percent_text,
    study_scale,
    target_percent,
)
from .metrics import target_text as shown_target
from .progress import ProgressCurve, progress_curve
from .scaling import (
    AmdahlFit,
    ScalingPoint,
    fit_amdahl,
    gpus_per_node,
    limit_holds,
    scaling_points,
)
from .settings import Metric
from .view import StudyView, source_text

TIMES = "\u00d7"
# between the names of a list on screen: a label may hold a comma ("Laptop, 2 threads")
LIST_SEPARATOR = " \u00b7 "
WRAP_CHARACTERS = 34  # a line of small print in a callout or a lane's label column


def wrap_list(lead: str, items: list[str], width: int = WRAP_CHARACTERS) -> tuple[str, ...]:
    """``lead`` and ``items`` joined by LIST_SEPARATOR, broken between items into lines of at
    most ``width`` characters where the items allow (an item is never split). The line break
    separates: no separator is left hanging at a line's end ("8 GPUs ·")."""
    lines: list[str] = []
    line = lead.rstrip()
    for index, item in enumerate(items):
        joiner = " " if index == 0 else LIST_SEPARATOR.rstrip() + " "
        if len(line) + len(joiner) + len(item) > width and line.strip():
            lines.append(line)
            line = item
        else:
            line = f"{line}{joiner}{item}" if line else item
    lines.append(line)
    return tuple(lines)


@dataclass(frozen=True)
class Line:
    """A line of a callout; ``role`` says how it is drawn: lead, laptop, headline, muted,
    emphasis."""

    text: str
    role: str


@dataclass(frozen=True)
class RaceLane:
    run: Run
    label: str
    stamp: str  # finishing time, "≈" for an estimate
    curve: ProgressCurve
    estimate_note: str | None  # where measured ends and the estimate begins

    @property
    def platform(self) -> str:
        return self.run.platform


@dataclass(frozen=True)
class RacePlan:
    title: str
    source: str
    lanes: tuple[RaceLane, ...]
    first_cluster: RaceLane | None
    closing: tuple[Line, ...]
    start_notes: str
    closing_notes: str
    t_start: float
    t_end: float


def laptop_range(view: StudyView, values: list[float]) -> str | None:
    return units.time_span(min(values), max(values)) if values else None


def require_both_sides(view: StudyView, runs: list[Run], scene: str) -> None:
    """A race or comparison needs a cluster run and a laptop run: with one side only (or a
    single run) there is nothing to compare, and the scene says so in one line."""
    cluster = sum(r.platform == "cluster" for r in runs)
    laptop = sum(r.platform == "laptop" for r in runs)
    if cluster and laptop:
        return
    settings = view.settings
    missing = settings.laptop_name if cluster else settings.cluster_name
    raise InputError(
        f"{scene} compares {settings.cluster_name} with {settings.laptop_name}, and no shown run "
        f"is a {missing} run ({plural(cluster, 'cluster run')}, {plural(laptop, 'laptop run')})",
        hint="'python -m extract runs' lists each run's platform and its evidence",
    )


def _multi_node_from(per_node: int | None, points: list[ScalingPoint]) -> float | None:
    """Where the multi-node shade begins: between one node's GPUs and the next point, if every
    point's own node count agrees (a 1-node run of 8 GPUs never sits in a shade begun at 2)."""
    if per_node is None:
        return None
    above = [p for p in points if p.gpus > per_node]
    below = [p for p in points if p.gpus <= per_node]
    if not above or any(p.run.nodes is None or p.run.nodes < 2 for p in above):
        return None
    if any(p.run.nodes is not None and p.run.nodes > 1 for p in below):
        return None
    return math.sqrt(per_node * min(p.gpus for p in above))


def race_plan(view: StudyView) -> RacePlan:
    settings = view.settings
    require_both_sides(view, view.shown, "ProgressRace")
    lanes = []
    for run in view.shown:
        curve = progress_curve(run)
        stamp = units.duration(run.time_s)
        note = None
        if curve.estimated:
            stamp = f"\u2248{stamp}"
            note = f"estimate: {units.duration(curve.measured_until_s)} measured, rest extrapolated"
        lanes.append(RaceLane(run, view.label(run), stamp, curve, note))
    cluster = [lane for lane in lanes if lane.platform == "cluster"]
    first = min(cluster, key=lambda lane: lane.run.time_s, default=None)
    t_end = max(r.time_s for r in view.shown)
    # the clock starts well before the first finish, so even a sub-second run has a race
    t_start = max(0.01, min(r.time_s for r in view.shown) / 20)
    return RacePlan(
        title=settings.title(settings.title_race),
        source=source_text(view, view.shown, histories=False),
        lanes=tuple(lanes),
        first_cluster=first,
        closing=tuple(_race_closing(view)),
        start_notes=_race_notes(view, lanes, first),
        closing_notes=_closing_notes(view, lanes),
        t_start=t_start,
        t_end=t_end,
    )


def _race_closing(view: StudyView) -> list[Line]:
    """Every figure is the report's, computed from the store."""
    settings, report = view.settings, view.report
    lines = []
    fastest = next((r for r in view.shown if r.run_id == report.fastest_cluster_run_id), None)
    speedup = report.max_speedup
    if fastest is None and view.selection.cluster:
        # the store's fastest run is not on screen (another stands for its GPU count): the
        # callout speaks of the fastest run drawn, so every figure matches a lane
        fastest = min(view.selection.cluster, key=lambda r: r.time_s)
        high = max((r.time_s for r in view.selection.laptops), default=None)
        speedup = high / fastest.time_s if high else None
    if fastest is not None:
        lines.append(
            Line(
                f"{view.label(fastest)} on {settings.cluster_name}: "
                f"{units.duration(fastest.time_s)}",
                "lead",
            )
        )
    laptops = view.selection.laptops
    laptop_time = laptop_range(view, [r.time_s for r in laptops])
    if laptop_time is not None:
        estimated = units.estimated_note([r.extrapolated for r in laptops])
        lines.append(Line(f"{settings.laptop_name}: {laptop_time}{estimated}", "laptop"))
    if speedup is not None:
        # over the slowest laptop: the top of a range when the laptops' times differ
        top = "up to " if len({r.time_s for r in laptops}) > 1 else ""
        lines.append(Line(f"{top}{units.ratio(speedup, TIMES)} faster", "headline"))
    laptop_epochs = {r.work_epochs for r in laptops if r.work_epochs}
    if fastest is not None and laptop_epochs and laptop_epochs != {fastest.work_epochs}:
        fastest_epochs = _epochs_text({fastest.work_epochs}) if fastest.work_epochs else "? epochs"
        lines.append(
            Line(
                f"total time: {settings.laptop_name} ran {_epochs_text(laptop_epochs)}, "
                f"{view.short(fastest)} ran {fastest_epochs}",
                "muted",
            )
        )
        if report.max_speedup_per_epoch is not None:
            per_epoch = units.ratio(report.max_speedup_per_epoch, TIMES)
            paces = {r.time_per_epoch_s for r in laptops if r.time_per_epoch_s}
            top = "up to " if len(paces) > 1 else ""
            lines.append(Line(f"Per epoch, equal work: {top}{per_epoch} faster", "emphasis"))
    return lines


def _race_notes(view: StudyView, lanes: list[RaceLane], first: RaceLane | None) -> str:
    """Speaker notes for the race up to the first cluster finish; every figure from the data."""
    cluster = [lane.run for lane in lanes if lane.platform == "cluster"]
    laptops = [lane for lane in lanes if lane.platform == "laptop"]
    lines = [
        f"{plural(len(lanes), 'run')} on one wall clock (log scale); bars fill as epochs complete."
    ]
    if cluster:
        gpus = sorted(run.gpus or 0 for run in cluster)
        span = plural(gpus[0], "GPU") if gpus[0] == gpus[-1] else f"{gpus[0]}-{gpus[-1]} GPUs"
        lines.append(f"{view.settings.cluster_name}: {plural(len(cluster), 'run')} on {span}.")
    if first is not None:
        finished = units.duration(first.run.time_s)
        lines.append(f"First to finish: {first.label}, after {finished}.")
        for lane in laptops:
            done = float(lane.curve.at(first.run.time_s))
            share = units.percent(done) if done >= 0.01 else f"{done * 100:.2g}%"
            lines.append(f"At that moment {lane.label} has done {share} of its job.")
    return "\n".join(lines)


def _closing_notes(view: StudyView, lanes: list[RaceLane]) -> str:
    report = view.report
    lines = []
    cluster = [lane for lane in lanes if lane.platform == "cluster"]
    if cluster:
        slowest = max(cluster, key=lambda lane: lane.run.time_s)
        lines.append(
            f"Slowest {view.settings.cluster_name} run: {slowest.label}, "
            f"{units.duration(slowest.run.time_s)}."
        )
    for lane in lanes:
        if lane.platform == "laptop":
            run = lane.run
            how = (
                f" (estimate: {units.duration(run.measured_s)} measured, rest extrapolated)"
                if run.extrapolated and run.measured_s
                else ""
            )
            lines.append(f"{lane.label}: {units.duration(run.time_s)}{how}.")
    if report.max_speedup is not None:
        top = "up to " if report.laptop_low_s != report.laptop_high_s else ""
        lines.append(
            f"Headline: {top}{units.ratio(report.max_speedup, TIMES)} faster in total time."
        )
    if report.max_speedup_per_epoch is not None:
        per_epoch = units.ratio(report.max_speedup_per_epoch, TIMES)
        lines.append(f"Per epoch (equal work): up to {per_epoch} faster.")
    lines += configuration_notes(view, [lane.run for lane in lanes])
    return "\n".join(lines)


def configuration_notes(view: StudyView, runs: list[Run]) -> list[str]:
    """What the lanes stand for: the spread of each drawn configuration's runs, and how many
    configurations have no lane."""
    selection = view.selection
    lines = []
    for run in runs:
        count = selection.picked_from.get(run.run_id, selection.stands_for.get(run.run_id, 1))
        whole = " timed whole" if run.run_id in selection.picked_from else ""
        if count > 1 and run.run_id in selection.spread:
            low, high = selection.spread[run.run_id]
            lines.append(
                f"{view.label(run)}: the {view.study.pick} of {count} runs{whole}, which took "
                f"{units.duration_range(low, high)}."
            )
    more = selection.more_text()
    if more:
        lines.append(
            f"{more.capitalize()} are not drawn ('python -m extract runs --summary' lists them)."
        )
    return lines


def _epochs_text(epochs: set[float] | set[float | None]) -> str:
    values = sorted(e for e in epochs if e)
    return " or ".join(f"{e:g}" for e in values) + (" epoch" if values == [1] else " epochs")


@dataclass(frozen=True)
class ComparisonBar:
    run: Run
    label: str
    value_s: float
    measured_s: float  # up to here measured; beyond, an estimate
    estimated: bool
    stamp: str
    speedup: str  # "994-1,393x" faster than the laptops ("" for laptops or without laptops)


@dataclass(frozen=True)
class ComparisonPlan:
    title: str
    source: str
    per_epoch: bool
    bars: tuple[ComparisonBar, ...]
    laptop_values: tuple[float, ...]
    range_label: str | None  # names the band of laptop times
    start_notes: str
    closing_notes: str


def bar_value(run: Run, per_epoch: bool) -> float | None:
    return run.time_per_epoch_s if per_epoch else run.time_s


def speedup_text(value_s: float, laptop_values: list[float] | tuple[float, ...]) -> str:
    """'994-1,393x': how many times faster than the range of laptop times."""
    if not laptop_values:
        return ""
    low, high = min(laptop_values) / value_s, max(laptop_values) / value_s
    if units.ratio(low, TIMES) == units.ratio(high, TIMES):
        return units.ratio(high, TIMES)
    return f"{units.ratio(low, '')}\u2013{units.ratio(high, TIMES)}"


def comparison_plan(view: StudyView) -> ComparisonPlan:
    settings = view.settings
    per_epoch = settings.comparison_time == "per_epoch"
    shown = [r for r in view.shown if bar_value(r, per_epoch)]
    require_both_sides(view, shown, "TrainingComparison")
    laptop_values = tuple(
        float(bar_value(r, per_epoch) or 0) for r in shown if r.platform == "laptop"
    )
    bars = []
    for run in shown:
        value = float(bar_value(run, per_epoch) or 0)
        estimated = run.extrapolated
        # per epoch, an extrapolated laptop time is an estimate all the way
        measured = (0.0 if per_epoch else float(run.measured_s or 0.0)) if estimated else value
        stamp = f"\u2248{units.duration(value)}" if estimated else units.duration(value)
        faster = speedup_text(value, laptop_values) if run.platform == "cluster" else ""
        bars.append(ComparisonBar(run, view.label(run), value, measured, estimated, stamp, faster))
    what = "per epoch" if per_epoch else "in total"
    range_label = None
    if len(laptop_values) >= 2:
        laptop = settings.laptop_name
        laptop_estimates = [b.estimated for b in bars if b.run.platform == "laptop"]
        kind = "estimates" if all(laptop_estimates) else "times"
        note = units.estimated_note(laptop_estimates) if kind == "times" else ""
        range_label = (
            f"{laptop} {kind} {what}: {laptop_range(view, list(laptop_values))}{note}   "
            f"({TIMES}: times faster)"
        )
    plan_bars = tuple(bars)
    cluster_bars = tuple(b for b in plan_bars if b.run.platform == "cluster")
    laptop_bars = tuple(b for b in plan_bars if b.run.platform == "laptop")
    return ComparisonPlan(
        title=settings.title(settings.title_comparison),
        source=source_text(view, shown, histories=False),
        per_epoch=per_epoch,
        bars=plan_bars,
        laptop_values=laptop_values,
        range_label=range_label,
        start_notes=_comparison_notes(
            view, cluster_bars, "Bars grow with the clock (log scale).", what
        ),
        closing_notes="\n".join(
            line
            for line in [
                _comparison_notes(
                    view, laptop_bars, _comparison_range_note(view, laptop_values), what
                ),
                *configuration_notes(view, [b.run for b in plan_bars]),
            ]
            if line
        ),
    )


def _comparison_notes(
    view: StudyView, bars: tuple[ComparisonBar, ...], first_line: str, what: str
) -> str:
    lines = [first_line] if first_line else []
    for bar in bars:
        line = f"{bar.label}: {units.duration(bar.value_s)} {what}"
        if bar.estimated:
            line += f" (estimate; {units.duration(bar.measured_s)} measured)"
        if bar.speedup:
            line += f", {bar.speedup} faster than {view.settings.laptop_name}"
        lines.append(line + ".")
    return "\n".join(lines)


def _comparison_range_note(view: StudyView, laptop_values: tuple[float, ...]) -> str:
    if len(laptop_values) < 2:
        return ""
    return (
        f"{view.settings.laptop_name} estimates: "
        f"{units.duration_range(min(laptop_values), max(laptop_values))}."
    )


@dataclass(frozen=True)
class ScalingPlan:
    title: str
    source: str
    points: tuple[ScalingPoint, ...]
    rows: tuple[tuple[str, str, str], ...]  # GPUs, speedup, efficiency: as the table shows them
    y_caption: str
    # where the baseline's whole label does not fit beside the ideal line's: its GPU count
    y_caption_short: str
    node_caption: str | None  # names the multi-node part of the axis
    gpus_per_node: int | None
    # where the multi-node part of the GPU axis starts: between one node's count and the next
    # point's (log midpoint), so the point at one node's count is not on the edge
    multi_node_from: float | None
    fit: AmdahlFit | None
    fit_label: str | None
    start_notes: str
    points_notes: str
    closing: tuple[str, ...]


def scaling_plan(view: StudyView) -> ScalingPlan:
    """Speedup and efficiency per GPU count against the baseline; a study without two GPU
    counts cannot be drawn, and says so."""
    points = scaling_points(view.shown, view.study)
    if len(points) < 2:
        raise InputError(
            "scaling needs finished cluster runs at two GPU counts with their epochs done known; "
            f"there are {len(points)}",
            hint="'python -m extract runs' lists each run's facts",
        )
    settings = view.settings
    base_label = view.label(points[0].run)
    max_gpus, base = points[-1].gpus, points[0].gpus
    per_node = gpus_per_node(view.shown)
    multi_node_from = _multi_node_from(per_node, points)
    fit = fit_amdahl(points)
    lines = [
        f"{plural(p.gpus, 'GPU')}: {units.ratio(p.speedup, TIMES)}, "
        f"{units.percent(p.efficiency)} efficient"
        for p in points
    ]
    if fit is not None and fit.poor:
        # a curve that misses the points says nothing about them: said, not drawn
        lines.append(
            "Amdahl's law does not fit these points (off by "
            f"{units.percent(fit.residual)} on average): no fit drawn."
        )
        fit = None
    fit_text = f"{fit.serial_fraction * 100:.1f}%" if fit is not None else None
    if fit is not None:
        lines.append(
            f"Amdahl's law fitted to these points: {fit_text} of the work does not parallelise "
            f"(points off the curve by {units.percent(fit.residual)} on average)."
        )
    return ScalingPlan(
        title=settings.title(settings.title_scaling),
        source=source_text(view, [p.run for p in points], histories=False),
        points=tuple(points),
        rows=tuple(
            (f"{p.gpus:,}", units.ratio(p.speedup, TIMES), units.percent(p.efficiency))
            for p in points
        ),
        y_caption=f"speedup per epoch over {base_label}",
        y_caption_short=f"speedup per epoch over {plural(base, 'GPU')}",
        node_caption=(
            f"multi-node ({plural(per_node, 'GPU')} per node)"
            if per_node is not None and multi_node_from is not None
            else None
        ),
        gpus_per_node=per_node,
        multi_node_from=multi_node_from,
        fit=fit,
        fit_label=(
            f"Amdahl fit: {fit_text} serial, points {units.percent(fit.residual)} off"
            if fit is not None and fit_text is not None
            else None
        ),
        start_notes=(
            f"Speedup per epoch over {base_label} against GPU count, both log scale. "
            f"The dashed line is ideal scaling: {max_gpus // base}x the GPUs, "
            f"{max_gpus // base}x as fast."
        ),
        points_notes="\n".join(lines),
        closing=tuple(_scaling_closing(points, fit)),
    )


def _scaling_closing(points: list[ScalingPoint], fit: AmdahlFit | None) -> list[str]:
    """What the data says, in a few lines computed from it."""
    last = points[-1]
    lines = []
    one_node = [p for p in points if p.run.nodes == 1 and p.gpus > points[0].gpus]
    if one_node:
        lowest = min(p.efficiency for p in one_node)
        lines.append(f"One node: \u2265 {units.percent(lowest)} efficient")
    lines.append(
        f"{plural(last.gpus, 'GPU')}: {units.ratio(last.speedup, TIMES)}, "
        f"{units.percent(last.efficiency)} efficient"
    )
    above = [p for p in points if p.efficiency > 1.0 + 1e-9]
    if above:
        # superlinear speedup happens (caches), but is as often a wrong GPU count or epochs
        lines.append(f"Above 100% at {plural(above[0].gpus, 'GPU')}: check its GPUs and epochs")
    best = max(points, key=lambda p: p.speedup)
    if best is not last:
        lines.append(f"Fastest: {plural(best.gpus, 'GPU')}, {units.ratio(best.speedup, TIMES)}")
    # a limit is quoted only from a fit that follows the points closely (within 10%) and that no
    # measured speedup has already passed
    if (
        fit is not None
        and fit.serial_fraction > 0
        and fit.residual <= 0.10
        and limit_holds(fit, points)
    ):
        lines.append(f"Amdahl limit: {units.ratio(fit.limit, TIMES)}")
    return lines


@dataclass(frozen=True)
class CurveSeries:
    run: Run
    label: str
    short: str
    times: np.ndarray  # wall time, s, ascending, > 0 (a log axis)
    values: np.ndarray  # in the axis' unit: accuracy in percent, loss as logged
    final_text: str
    target_s: float | None
    key: str = ""  # the logged key its values are read from (the run's own, in a mixed study)


@dataclass(frozen=True)
class CurvesPlan:
    title: str
    source: str
    key: str
    rising: bool
    y_caption: str
    target: float | None  # percent, for accuracy
    target_text: str | None
    series: tuple[CurveSeries, ...]
    ranking_header: str | None
    ranking: tuple[tuple[CurveSeries, str], ...]  # fastest to the target first, with its line
    missed: str | None
    missed_lines: tuple[str, ...]  # ``missed`` wrapped for a narrow box
    start_notes: str
    closing_notes: str


def shared_decimals(values: list[float], significant: int = 3) -> int:
    """One number of decimals for a column of values, enough for the smallest to keep
    ``significant`` digits ('0.0420' beside '0.0453', not '0.042')."""
    positive = [abs(v) for v in values if v and np.isfinite(v)]
    if not positive:
        return 0
    return int(min(6, max(0, significant - 1 - np.floor(np.log10(min(positive))))))


def curves_plan(view: StudyView, metric: Metric) -> CurvesPlan:
    """AccuracyVsTime (``metric`` "accuracy") or LossVsTime ("loss"): each run's key
    (study/metric_keys.py: the study's, else the run's own, as the report reads it), each run's
    series in the axis' unit, and the ranking by time to the target accuracy. The axis names
    the key when every drawn run has the same one, else the measure ("validation accuracy"),
    and the source line names the keys."""
    settings = view.settings
    accuracy = metric == "accuracy"
    keys = _curve_keys(view, metric)
    target = target_percent(settings.target_accuracy) if accuracy else None
    series = _curve_series(view, keys, accuracy, target)
    reached = sorted((s for s in series if s.target_s is not None), key=_target_time)
    ranking = tuple(
        (s, f"{rank}. {s.short}  {units.duration(_target_time(s))}")
        for rank, s in enumerate(reached, start=1)
    )
    missed = [s.short for s in series if s.target_s is None]
    drawn = [s.run for s in series]
    name = keys.name(drawn)
    y_caption = f"{name} (%)" if accuracy else f"{name} (log scale)"
    target_text = shown_target(target) if target is not None else None
    title = settings.title_accuracy if accuracy else settings.title_loss
    return CurvesPlan(
        title=settings.title(title),
        source=source_text(
            view,
            drawn,
            key=keys.one_key(drawn),
            keys=keys.keys_text(drawn),
            passed_over=keys.passed_over(drawn),
        ),
        key=keys.one_key(drawn) or name,
        rising=accuracy,
        y_caption=y_caption,
        target=target,
        target_text=target_text,
        series=tuple(series),
        ranking_header=f"Time to {target_text}" if ranking and target_text else None,
        ranking=ranking,
        missed=f"not reached: {LIST_SEPARATOR.join(missed)}" if ranking and missed else None,
        missed_lines=wrap_list("not reached: ", missed) if ranking and missed else (),
        start_notes=_curves_start_notes(y_caption, target_text, reached, series),
        closing_notes=_curves_closing_notes(series, target_text, reached),
    )


def _curve_keys(view: StudyView, metric: Metric) -> MetricKeys:
    """Each shown run's key of ``metric``, as the report reads it (study/metric_keys.py)."""
    keys = study_metric_keys(view.shown, view.shown, view.settings, view.study, metric)
    if not keys.counted(view.shown):
        asked = view.asked_key(metric)
        # every key the runs logged, run by run, as the key was chosen among them: its history's
        # keys as stored (a scene reads only those it draws), then its summary's where counted
        counted = set(keys.choice.logged)
        every: dict[str, None] = {}
        for run in view.shown:
            every.update(dict.fromkeys(run.stored_keys))
            every.update(
                dict.fromkeys(k for k in logged_keys([run], summaries=True) if k in counted)
            )
        every.update(dict.fromkeys(keys.choice.logged))
        names = [k for k in every if not k.startswith("_")]
        logged = ", ".join(names[:20]) + (f" and {len(names) - 20} more" if len(names) > 20 else "")
        if not logged:  # a runs table alone has no histories: curves need panels or run files
            raise InputError(
                f"no shown run has a logged history to draw {asked!r} from",
                hint="add panel exports (python -m extract csv ... --merge) or run files",
            )
        raise InputError(
            f"no shown run logged {asked!r} or a common name for it; keys logged: {logged}",
            hint="set accuracy_key/loss_key in manim.cfg or [metrics] in the study file",
        )
    return keys


def _curve_series(
    view: StudyView, keys: MetricKeys, accuracy: bool, target: float | None
) -> list[CurveSeries]:
    raw = []
    # percent or fraction: decided once per key, over every run of the study
    scales: dict[str, AccuracyScale] = {}
    for run in view.shown:
        key = keys.key_of(run)
        if key is None:
            continue
        if accuracy:
            if key not in scales:
                scales[key] = study_scale(view.runs, key, view.study.accuracy_scale)
            times, values = percent_series(run, key, scales[key])
        else:
            times, values = _loss_series(run, key)
        keep = times > 0  # a log time axis
        if np.any(keep):
            raw.append((run, key, times[keep], values[keep]))
    if not raw:
        named = keys.key or keys.choice.asked
        raise InputError(f"no shown run logged {named!r} at a time after the start")
    series = []
    for run, key, times, values in raw:
        if accuracy:
            # the label and "reached" read one rounding: the label's
            final = percent_text(float(values[-1]), percent_decimals(target))
        else:
            final = f"{values[-1]:.{shared_decimals([float(v[-1]) for _, _, _, v in raw])}f}"
        hit = first_at_target(values, target) if target is not None else None
        series.append(
            CurveSeries(
                run,
                view.label(run),
                view.short(run),
                times,
                values,
                final,
                float(times[hit]) if hit is not None else None,
                key,
            )
        )
    return series


def _curves_start_notes(
    y_caption: str, target_text: str | None, reached: list[CurveSeries], series: list[CurveSeries]
) -> str:
    lines = [f"{y_caption} against wall time (log scale), as each run logged it."]
    if len({s.key for s in series}) > 1:
        lines.append("Keys: " + "; ".join(f"{s.label}: {s.key}" for s in series) + ".")
    if target_text:
        lines.append(f"Dashed line: the target, {target_text}.")
    if reached:
        first = reached[0]
        lines.append(
            f"First to reach it: {first.label}, after {units.duration(_target_time(first))}."
        )
    return "\n".join(lines)


def _curves_closing_notes(
    series: list[CurveSeries], target_text: str | None, reached: list[CurveSeries]
) -> str:
    lines = [f"Time to {target_text}:"] if reached and target_text else []
    lines += [f"{s.label}: {units.duration(_target_time(s))}" for s in reached]
    lines.append("Final values: " + "; ".join(f"{s.label}: {s.final_text}" for s in series) + ".")
    return "\n".join(lines)


def _target_time(series: CurveSeries) -> float:
    return series.target_s if series.target_s is not None else float("inf")


def _loss_series(run: Run, key: str) -> tuple[np.ndarray, np.ndarray]:
    if key not in run.history:
        return np.array([]), np.array([])
    times = run.history["_runtime"].to_numpy(dtype=float)
    values = run.history[key].to_numpy(dtype=float)
    keep = np.isfinite(times) & np.isfinite(values)
    times, values = times[keep], values[keep]
    if np.any(np.diff(times) < 0):  # logged in order almost always; sorting is not free
        order = np.argsort(times, kind="stable")
        times, values = times[order], values[order]
    return times, values
