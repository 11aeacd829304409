"""The key metrics as Markdown (ready to paste into a README or slide notes) or JSON."""

from __future__ import annotations

import json

from extract.model import KIND_WORDS

from . import units
from .analysis import BestAccuracy, Report, RunFigures
from .cost import energy_text, hours_text
from .metrics import percent_decimals, percent_text


def to_json(report: Report) -> str:
    return json.dumps(report.as_dict(), indent=2)


def to_markdown(report: Report) -> str:
    lines = ["## Key Metrics", "", *_headline_lines(report), "", *_table_lines(report)]
    if report.baseline_run:
        lines += ["", f"\\* per epoch done, against {report.baseline_run}."]
    if report.left_out:
        lines += [
            "",
            "Runs left out:",
            f"- {report.left_out} (`python -m extract runs --all` lists them, with why)",
        ]
    if report.selection:
        lines += ["", "Runs shown:"] + [f"- {line}" for line in report.selection]
    if report.warnings:
        lines += ["", "Notes:"] + [f"- {w}" for w in report.warnings]
    return "\n".join(lines) + "\n"


def _percent(report: Report, value: float) -> str:
    """An accuracy as every screen shows it: at the target's precision, rounded as the
    curves decide whether it reached the target."""
    return percent_text(value, percent_decimals(report.target_accuracy))


def _headline_lines(report: Report) -> list[str]:
    laptops = [r.extrapolated for r in report.runs if r.platform == "laptop" and r.shown]
    estimated = bool(laptops) and all(laptops)
    estimate = units.estimated_note(laptops)
    lines = []
    fastest = next((r for r in report.runs if r.run_id == report.fastest_cluster_run_id), None)
    if fastest is not None:
        who = fastest.label if fastest.shown else f"{fastest.name}, {fastest.label}"
        head = f"- **Fastest {report.cluster_name} run** ({who}): {units.duration(fastest.time_s)}"
        if report.laptop_low_s is not None and report.laptop_high_s is not None:
            span = units.time_span(report.laptop_low_s, report.laptop_high_s)
            head += f" | **{report.laptop_name}**: {span}"
            head += estimate
        lines.append(head + _not_shown(report, fastest.run_id))
    if report.max_speedup is not None:
        top = "up to " if report.laptop_low_s != report.laptop_high_s else ""
        lines.append(
            f"- **Max speedup**: {top}{units.ratio(report.max_speedup)} "
            f"(slowest laptop time{', an estimate,' if estimated else ''} over fastest cluster "
            "time)"
        )
    if report.max_speedup_per_epoch is not None:
        lines.append(
            f"- **Max speedup per epoch**: {_up_to(report)}"
            f"{units.ratio(report.max_speedup_per_epoch)} "
            f"(same work: slowest laptop time per epoch over fastest cluster time per epoch, "
            f"{report.fastest_cluster_per_epoch_run})"
            + _not_shown(report, report.fastest_cluster_per_epoch_run_id)
        )
    lines += _cost_lines(report)
    if report.best_accuracy is not None:
        best = report.best_accuracy
        lines.append(
            f"- **Best accuracy**: {_percent(report, best.percent)} "
            f"({best.label}, {_when(best)}; "
            f"{'summary ' if best.source == 'summary' else ''}'{best.key}'"
            f"{'' if best.on_screen else f'; {best.run}, a repeat, not the run on screen'})"
        )
    lines += _target_lines(report)
    if report.facts_asked:
        unknown = report.unknown_facts
        lines.append(
            f"- **Unknown facts**: {unknown or 'none'} of {report.facts_asked}"
            + (
                " (`python -m extract runs --unknown` lists them, with the study-file lines "
                "that settle them)"
                if unknown
                else ""
            )
        )
    return lines


def _target_lines(report: Report) -> list[str]:
    """The first shown run to reach the target accuracy on its curve, as AccuracyVsTime ranks."""
    curves = [r for r in report.runs if r.shown and "accuracy_curve" in r.evidence]
    reached = [r for r in curves if r.time_to_target_s is not None]
    if not reached:
        return []
    first = min(reached, key=lambda r: r.time_to_target_s or 0.0)
    return [
        f"- **First to {_percent(report, report.target_accuracy)}**{_curve_key(report)}: "
        f"{first.label}, in {units.duration(first.time_to_target_s or 0.0)} "
        f"({len(reached)} of {len(curves)} accuracy curves on screen reach it)"
    ]


def _curve_key(report: Report) -> str:
    """The curves' key where the best accuracy is read from another (a summary's 'acc')."""
    key = report.accuracy_key
    return f" ('{key}')" if key is not None and key != report.best_key else ""


def _to_target(run: RunFigures) -> str:
    if run.time_to_target_s is not None:
        return units.duration(run.time_to_target_s)
    # a run with no accuracy curve has no time to say, one with a curve did not get there
    return "not reached" if "accuracy_curve" in run.evidence else "-"


def _up_to(report: Report) -> str:
    """Over the slowest laptop: the top of a range when the shown laptops' paces differ."""
    paces = {
        r.time_per_epoch_s
        for r in report.runs
        if r.platform == "laptop" and r.shown and r.time_per_epoch_s
    }
    return "up to " if len(paces) > 1 else ""


def _when(best: BestAccuracy) -> str:
    """The time beside a best accuracy: measured, when it was reached; else the run's time,
    marked where it is an estimate."""
    if best.reached_s is not None:
        return f"reached at {units.duration(best.reached_s)}"
    if best.estimated:
        return f"in a run of {units.duration(best.time_s)} (estimated)"
    return f"in a run of {units.duration(best.time_s)}"


def _cost_lines(report: Report) -> list[str]:
    """Cheapest and fastest configuration to the same work (one epoch), in GPU-hours."""
    if report.cost is None:
        return []
    lines = []
    for word, item in (("Cheapest", report.cost.cheapest), ("Fastest", report.cost.fastest)):
        money = ""
        if item.cost_per_epoch is not None and report.cost.cost_unit:
            money = f", {hours_text(item.cost_per_epoch)} {report.cost.cost_unit}"
        lines.append(
            f"- **{word} {report.cost.work}** ({item.label}): "
            f"{hours_text(item.gpu_hours_per_epoch)} GPU-hours{money}, "
            f"{units.duration(item.time_per_epoch_s)}"
        )
    energy = [r for r in report.runs if r.shown and r.platform == "cluster"]
    if energy and all(r.energy_kwh is None for r in energy):
        lines.append("- **Energy**: not recorded (no power samples in the cluster runs)")
    return lines


def _laptop_range(low: float, high: float) -> str:
    return units.duration(low) if low == high else units.duration_range(low, high)


def _table_lines(report: Report) -> list[str]:
    # cost and CO2 only when a rate and an intensity were given, as in the JSON report
    extra = []
    if report.cost_unit is not None:
        extra.append(f"Cost ({report.cost_unit})")
    if report.co2_g_per_kwh is not None:
        extra.append("CO2 (kg)")
    lines = [
        "| Run | Label | GPUs | Nodes | Epochs done | Time | Time/epoch | Speedup* | Efficiency* "
        f"| Best acc. | To {_percent(report, report.target_accuracy)}{_curve_key(report)} "
        "| GPU-hours (per epoch) | Energy |" + "".join(f" {e} |" for e in extra),
        "|---|---|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|" + "---:|" * len(extra),
    ]
    for run in report.runs:
        mark = " (est.)" if run.extrapolated else ""
        state = "" if run.state == "finished" else f" [{run.state}]"
        shown = "" if run.shown else " (not shown)"
        if not run.shown and run.kind not in (None, "training", "partial"):
            kind = "kind unknown" if run.kind == "unknown" else KIND_WORDS.get(run.kind or "")
            shown = f" (not shown: {kind or 'kind unknown'})"
        if run.damage:
            mark += " (file lost records: short)"
        per_epoch = units.duration(run.time_per_epoch_s) + mark if run.time_per_epoch_s else "-"
        efficiency = units.percent(run.efficiency) if run.efficiency is not None else "-"
        accuracy = _percent(report, run.best_accuracy) if run.best_accuracy is not None else "-"
        if run.accuracy_key is not None and run.accuracy_key != report.best_key:
            accuracy += f" ({run.accuracy_key})"  # not the study's key: say whose figure it is
        lines.append(
            f"| {run.name}{state}{shown} | {run.label} | {_count(run.gpus, run.platform)} "
            f"| {_count(run.nodes, run.platform)} "
            f"| {_epochs(run.epochs_done)}/{_epochs(run.epochs)} "
            f"| {_time(run.time_s)}{mark} | {per_epoch} "
            f"| {units.ratio(run.speedup) if run.speedup else '-'} | {efficiency} | {accuracy} "
            f"| {_to_target(run)} | {_gpu_hours(run)} | {_energy(run)} |"
            + (f" {_cost(run)} |" if report.cost_unit is not None else "")
            + (f" {_co2(run)} |" if report.co2_g_per_kwh is not None else "")
        )
    return lines


def _cost(run: RunFigures) -> str:
    if run.cost is None:
        # a laptop holds no GPU-hours to bill, as its GPU-hours cell says
        return "-" if run.platform == "laptop" else "unknown"
    return hours_text(run.cost)


def _co2(run: RunFigures) -> str:
    if run.co2_kg is None:
        return "unknown"
    return f"{hours_text(run.co2_kg)}{' (est.)' if run.energy_estimated else ''}"


def _gpu_hours(run: RunFigures) -> str:
    if run.gpu_hours is None:
        return "-" if run.platform == "laptop" else "unknown"
    per_epoch = run.gpu_hours_per_epoch
    return hours_text(run.gpu_hours) + (f" ({hours_text(per_epoch)})" if per_epoch else "")


def _energy(run: RunFigures) -> str:
    if run.energy_kwh is None:
        return "unknown"
    return f"{energy_text(run.energy_kwh)}{' (est.)' if run.energy_estimated else ''}"


def _count(value: int | None, platform: str) -> str:
    if value is None:
        return "-" if platform == "laptop" else "unknown"
    return str(value)


def _epochs(epochs: float | None) -> str:
    # a share of an epoch to two decimals (2.34/4), as the rest of the table rounds
    return "?" if epochs is None else f"{round(epochs, 2):g}"


def _not_shown(report: Report, run_id: str | None) -> str:
    """Where a headline's run is not the one on screen for its GPU count, say so."""
    figures = next((r for r in report.runs if r.run_id == run_id), None)
    if figures is None or figures.shown:
        return ""
    return f"; not the run on screen: {figures.left_out_because}"


def _time(seconds: float) -> str:
    """A run's time; none logged (a missing run's empty file) is unknown, not 0 s."""
    return units.duration(seconds) if seconds > 0 else "unknown"
