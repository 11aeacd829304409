"""CostOfSpeed's plan: time per epoch against what the epoch cost, for every configuration.

Equal work is one epoch of each run (the work its time covers). The price is GPU-hours per
epoch, or energy per epoch when every cluster run shown recorded its power. At perfect parallel
efficiency every GPU count costs what the baseline costs: that is the ideal line, and a point's
height over it is what the speed was bought with. A laptop holds no GPU: it sits on the
GPU-hours axis at zero, with its time per epoch, and says so.
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from dataclasses import dataclass

from extract.errors import InputError
from extract.model import Run

from . import units
from .analysis import baseline_run, speedup_over
from .cost import RunCost, energy_numbers, energy_text, hours_text, money_text, run_cost
from .labels import plural
from .plans import TIMES, Line, laptop_range
from .selection import one_per_gpu_count
from .settings import Settings
from .view import StudyView, source_text

# the title when no laptop is drawn and the template's "vs {laptop}" cannot be cut out of it
CLUSTER_ONLY_TITLE = "What the speed costs on {cluster}"
# "vs {laptop}" and its kin, cut from a title that would name a laptop not drawn
VERSUS_LAPTOP = re.compile(r"\s*(?:vs\.?|versus|against|and|&)\s*\{laptop\}", re.IGNORECASE)


@dataclass(frozen=True)
class CostPoint:
    run: Run
    label: str
    short: str
    time_per_epoch_s: float
    value: float  # the y axis' unit per epoch: GPU-hours or kWh
    estimated: bool  # the time or the energy is an estimate: drawn hollow
    row: tuple[str, ...]  # the table's cells


@dataclass(frozen=True)
class LaptopMark:
    run: Run
    label: str
    time_per_epoch_s: float
    value: float | None  # on the y axis: 0 GPU-hours, its energy, or None (not drawn)
    estimated: bool
    note: str


@dataclass(frozen=True)
class CostPlan:
    title: str
    source: str
    measure: str  # "gpu_hours" or "energy"
    work: str  # said on screen: what equal work means here
    x_caption: str
    y_caption: str
    points: tuple[CostPoint, ...]  # cluster configurations, fewest GPUs first
    laptops: tuple[LaptopMark, ...]
    ideal_value: float
    ideal_label: str
    header: tuple[str, ...]
    energy_line: str  # what is known of energy: measured, estimated or not recorded
    closing: tuple[Line, ...]
    start_notes: str
    points_notes: str
    closing_notes: str
    named_runs: tuple[str, ...] = ()  # run ids the closing words name: the table keeps them

    def named(self, point: CostPoint) -> bool:
        return point.run.run_id in self.named_runs

    @property
    def drawn_times(self) -> list[float]:
        # a laptop whose energy is unknown is not drawn: the time axis need not reach it
        return [p.time_per_epoch_s for p in self.points] + [
            m.time_per_epoch_s for m in self.laptops if m.value is not None
        ]

    @property
    def t_low(self) -> float:
        return min(self.drawn_times)

    @property
    def t_high(self) -> float:
        return max(self.drawn_times)


def cost_plan(view: StudyView) -> CostPlan:
    settings, study = view.settings, view.study
    cluster = sorted(
        (r for r in one_per_gpu_count(view.selection.cluster) if r.gpus and r.time_per_epoch_s),
        key=lambda r: r.gpus or 0,
    )
    costs = {r.run_id: run_cost(r, study, settings) for r in view.shown}
    if len(cluster) < 1:
        raise InputError(
            "the cost of speed needs a finished cluster run with its GPUs and epochs done known",
            hint="'python -m extract runs' lists each run's facts",
        )
    energy = all(
        costs[r.run_id].energy is not None and not costs[r.run_id].energy.estimated  # type: ignore[union-attr]
        for r in cluster
    )
    measure = "energy" if energy else "gpu_hours"
    baseline = baseline_run(cluster, study) or cluster[0]
    base_cost = costs[baseline.run_id]
    rate = base_cost.rate

    def value(cost: RunCost) -> float | None:
        return cost.energy_per_epoch_kwh if energy else cost.gpu_hours_per_epoch

    points = []
    for run in cluster:
        cost = costs[run.run_id]
        amount = value(cost)
        if amount is None or run.time_per_epoch_s is None:
            continue
        cells = [f"{run.gpus:,}", units.duration(run.time_per_epoch_s), hours_text(amount)]
        if energy:
            cells.append(hours_text(cost.gpu_hours_per_epoch))
        elif rate is not None:
            per_epoch = cost.cost_per_epoch
            cells.append(hours_text(per_epoch) if per_epoch is not None else "unknown")
        points.append(
            CostPoint(
                run,
                view.label(run),
                view.short(run),
                run.time_per_epoch_s,
                amount,
                run.extrapolated,
                tuple(cells),
            )
        )
    base_value = value(base_cost)
    if not points or base_value is None:
        raise InputError("no cluster run with a known price per epoch to draw")
    laptops = tuple(_laptop_marks(view, costs, energy))
    unit = "kWh" if energy else "GPU-hours"
    # the table's caption says "per epoch"; the cells stay short
    header = ["GPUs", "time", "kWh" if energy else "GPU-h"]
    if energy:
        header.append("GPU-h")
    elif rate is not None:
        header.append(rate.unit)
    base_label = view.label(baseline)
    energy_line = _energy_line([costs[p.run.run_id] for p in points], energy)
    closing, named = _closing(view, points, baseline, base_value, unit, costs, energy)
    return CostPlan(
        title=cost_title(settings, drawn_laptop=any(m.value is not None for m in laptops)),
        source=source_text(
            view, [p.run for p in points] + [m.run for m in laptops], histories=False
        ),
        measure=measure,
        work="Per epoch: equal work, one epoch of each run",
        x_caption="time per epoch (log scale)",
        y_caption=(
            f"energy per epoch (kWh, {base_cost.energy.scope})"  # type: ignore[union-attr]
            if energy
            else "GPU-hours per epoch (GPUs \u00d7 time)"
        ),
        points=tuple(points),
        laptops=laptops,
        ideal_value=base_value,
        ideal_label="ideal: 100% efficient",
        header=tuple(header),
        energy_line=energy_line,
        closing=tuple(closing),
        start_notes=(
            f"Time per epoch (log scale) against {unit} per epoch, for equal work. "
            f"The dashed line is perfect parallel efficiency: {base_label}'s "
            f"{hours_text(base_value)} {unit} per epoch at any GPU count."
        ),
        points_notes="\n".join(
            f"{p.label}: {units.duration(p.time_per_epoch_s)} per epoch, "
            f"{hours_text(p.value)} {unit} per epoch"
            for p in points
        ),
        closing_notes="\n".join([*(line.text for line in closing), energy_line]),
        named_runs=named,
    )


def cost_title(settings: Settings, *, drawn_laptop: bool) -> str:
    """The title names only what is drawn: without a laptop point, no "vs Laptop"."""
    template = settings.title_cost
    if not drawn_laptop and "{laptop}" in template:
        template = VERSUS_LAPTOP.sub("", template)
        if "{laptop}" in template:
            template = CLUSTER_ONLY_TITLE
    return settings.title(template)


def table_points(plan: CostPlan, limit: int) -> tuple[tuple[CostPoint, ...], str]:
    """The points the table has room for (at most ``limit``, at least the ones the closing
    words name), fewest GPUs first, and a line saying how many it shows ("" when all).
    The others are spread over the GPU counts, so the table still shows the trend."""
    points = plan.points
    if len(points) <= limit:
        return points, ""
    named = {p.run.run_id for p in points if plan.named(p)}
    chosen = [i for i, p in enumerate(points) if p.run.run_id in named]
    others = [i for i in range(len(points)) if i not in chosen]
    room = max(limit - len(chosen), 0)
    if room and others:
        step = len(others) / room
        chosen += [others[min(int(k * step + step / 2), len(others) - 1)] for k in range(room)]
    kept = tuple(points[i] for i in sorted(set(chosen)))
    return kept, f"{len(kept)} of {len(points)} GPU counts in the table"


def laptop_spot_label(marks: Sequence[LaptopMark], laptop_name: str) -> str:
    """What names the laptop runs drawn at one spot: the run's label; several runs whose marks
    coincide, what their labels share and how many they are ("Laptop, 8 cores (2 runs)"), so
    that no run is hidden behind another's mark."""
    if len(marks) == 1:
        return marks[0].label
    common = []
    for parts in zip(*(m.label.split(", ") for m in marks), strict=False):
        if len(set(parts)) > 1:
            break
        common.append(parts[0])
    return f"{', '.join(common) or laptop_name} ({len(marks)} runs)"


def _laptop_marks(view: StudyView, costs: dict[str, RunCost], energy: bool) -> list[LaptopMark]:
    marks = []
    for run in view.selection.laptops:
        per_epoch = run.time_per_epoch_s
        if not per_epoch:
            continue
        cost = costs[run.run_id]
        estimate = "\u2248" if run.extrapolated else ""
        timing = f"{estimate}{units.duration(per_epoch)} per epoch"
        if energy:
            kwh = cost.energy_per_epoch_kwh
            if kwh is None:
                value, note = None, f"{timing}, energy unknown"
            elif cost.energy is not None and cost.energy.scope != "GPU power":
                # a whole machine's stated power is not on an axis of GPU power: said, not drawn
                value = None
                note = f"{timing}, \u2248{energy_text(kwh)} ({cost.energy.scope}, not GPU power)"
            else:
                marked = " (estimate)" if cost.energy and cost.energy.estimated else ""
                value, note = kwh, f"{timing}, {energy_text(kwh)}{marked}"
            estimated = run.extrapolated or bool(cost.energy and cost.energy.estimated)
        else:
            value, note, estimated = 0.0, f"{timing}, no GPU: 0 GPU-hours", run.extrapolated
        marks.append(LaptopMark(run, view.label(run), per_epoch, value, estimated, note))
    return marks


def _closing(
    view: StudyView,
    points: list[CostPoint],
    baseline: Run,
    base_value: float,
    unit: str,
    costs: dict[str, RunCost],
    energy: bool,
) -> tuple[list[Line], tuple[str, ...]]:
    """What the speed cost, in words computed from the points: the largest configuration and
    the fastest against the baseline, its energy when both recorded it, and the cheapest;
    with the ids of the runs the words name."""
    lines: list[Line] = []
    base_short = view.short(baseline)
    per_what = "energy" if energy else "GPU-hours"
    largest = max(points, key=lambda p: p.run.gpus or 0)
    fastest = min(points, key=lambda p: (p.time_per_epoch_s, p.run.gpus or 0))
    rate = costs[baseline.run_id].rate
    # with a rate, cheapest is what is billed (per node-hour it is not the fewest GPU-hours),
    # whether the chart is in GPU-hours or in energy
    billed = rate is not None and all(
        costs[p.run.run_id].cost_per_epoch is not None for p in points
    )
    cheapest = min(
        points,
        key=lambda p: (
            (costs[p.run.run_id].cost_per_epoch or 0.0) if billed else p.value,
            p.run.gpus or 0,
        ),
    )
    least_energy = min(points, key=lambda p: (p.value, p.run.gpus or 0)) if energy else None
    compared = [(largest, "", "headline")]
    if fastest is not largest:
        compared.append((fastest, "Fastest, ", "lead"))
    for point, lead, role in compared:
        speedup = speedup_over(baseline, point.run)
        if point.run.run_id == baseline.run_id or speedup is None:
            continue
        pace = _pace(speedup)
        lines.append(
            Line(
                f"{lead}{plural(point.run.gpus or 0, 'GPU')}: {pace} "
                f"per epoch than {base_short}, for "
                f"{units.ratio(point.value / base_value, TIMES)} the {per_what}",
                role,
            )
        )
    if not energy:
        lines += _energy_headline(view, largest, baseline, costs)
    if least_energy is not None:  # in energy, "cheapest" would not be what is billed
        lines.append(
            Line(
                f"Least energy per epoch: {plural(least_energy.run.gpus or 0, 'GPU')}, "
                f"{hours_text(least_energy.value)} {unit}",  # the unit of the chart and table
                "muted",
            )
        )
    cheap = costs[cheapest.run.run_id]
    said = None if energy else f"{hours_text(cheapest.value)} {unit}"
    if billed and rate is not None and cheap.cost_per_epoch is not None:
        money = f"{money_text(cheap.cost_per_epoch, rate.unit)} at {rate.amount:g} {rate.unit} "
        said = money + f"per {rate.per_text}" + (f" ({said})" if said else "")
    if said is not None:
        lines.append(
            Line(f"Cheapest per epoch: {plural(cheapest.run.gpus or 0, 'GPU')}, {said}", "muted")
        )
    laptops = view.selection.laptops
    times = [r.time_per_epoch_s for r in laptops if r.time_per_epoch_s]
    span = laptop_range(view, times)
    if span is not None:
        estimated = " (estimated)" if all(r.extrapolated for r in laptops) else ""
        what = "no GPU"
        kwh = [c.energy_per_epoch_kwh for r in laptops if (c := costs[r.run_id]).energy]
        if energy and kwh and len(kwh) == len(laptops):
            low, high = min(kwh), max(kwh)  # type: ignore[type-var]
            *ends, unit = energy_numbers(*dict.fromkeys((low, high)))  # type: ignore[arg-type]
            text = "\u2013".join(ends) + f" {unit}"
            scopes = {costs[r.run_id].energy.scope for r in laptops}  # type: ignore[union-attr]
            estimated_energy = any(costs[r.run_id].energy.estimated for r in laptops)  # type: ignore[union-attr]
            sign = "\u2248" if estimated_energy else ""
            # the laptop's from its stated power (whole machine), the cluster's GPU power only
            whose = (
                "" if scopes == {"GPU power"} else f" ({', '.join(sorted(scopes))}, not GPU power)"
            )
            what = f"{sign}{text} per epoch{whose}"
        elif energy:
            what = "energy unknown"
        lines.append(
            Line(f"{view.settings.laptop_name}: {span} per epoch{estimated}, {what}", "laptop")
        )
    named = [baseline.run_id, largest.run.run_id, fastest.run.run_id, cheapest.run.run_id]
    if least_energy is not None:
        named.append(least_energy.run.run_id)
    return lines, tuple(dict.fromkeys(named))


def _energy_headline(
    view: StudyView, point: CostPoint, baseline: Run, costs: dict[str, RunCost]
) -> list[Line]:
    """Drawn in GPU-hours (not every run recorded its power), the energy is still said where
    the two runs the headline compares both recorded theirs: what the speed cost in kWh."""
    big, base = costs[point.run.run_id], costs[baseline.run_id]
    big_kwh, base_kwh = big.energy_per_epoch_kwh, base.energy_per_epoch_kwh
    speedup = speedup_over(baseline, point.run)
    if point.run.run_id == baseline.run_id or not big_kwh or not base_kwh or speedup is None:
        return []
    pace = _pace(speedup)
    estimated = any(c.energy is not None and c.energy.estimated for c in (big, base))
    return [
        Line(
            f"{plural(point.run.gpus or 0, 'GPU')}: {pace} per epoch than "
            f"{view.short(baseline)}, for "
            f"{units.ratio(big_kwh / base_kwh, TIMES)} the energy "
            "({} against {} {}".format(*energy_numbers(big_kwh, base_kwh))
            + f"{', estimated' if estimated else ''})",
            "lead",
        )
    ]


def _pace(speedup: float) -> str:
    # a configuration slower than the baseline is said to be slower, not "0.12x faster"
    if speedup >= 1:
        return f"{units.ratio(speedup, TIMES)} faster"
    return f"{units.ratio(1 / speedup, TIMES)} slower"


def _energy_line(costs: list[RunCost], energy: bool) -> str:
    measured = [c for c in costs if c.energy is not None and not c.energy.estimated]
    if energy:
        scope = measured[0].energy.scope if measured else "GPU power"  # type: ignore[union-attr]
        return f"Energy: from recorded {scope}"
    if not measured:
        other = [c for c in costs if c.energy_unknown_why is not None]
        if other:  # recorded, but not of the jobs' own GPUs: not "not recorded"
            return (
                f"Energy unknown: {len(other)} of {plural(len(costs), 'run')} recorded "
                "the power of other GPUs than the job's"
            )
        return "Energy: not recorded by these runs"
    return f"Energy recorded by {len(measured)} of {plural(len(costs), 'run')} only"
