"""The key metrics as Markdown (ready to paste into a README or slide notes) or JSON."""

from __future__ import annotations

import json

from . import units
from .analysis import Report


def to_json(report: Report) -> str:
    return json.dumps(report.as_dict(), indent=2)


def to_markdown(report: Report) -> str:
    lines = ["## Key Metrics", ""]
    estimate = (
        " (estimates)" if any(r.extrapolated for r in report.runs if r.platform == "laptop") else ""
    )
    if report.fastest_cluster_s is not None:
        fastest = next(r for r in report.runs if r.name == report.fastest_cluster_run)
        head = f"- **Fastest cluster run** ({_describe(fastest)}): {units.duration(fastest.time_s)}"
        if report.laptop_low_s is not None and report.laptop_high_s is not None:
            laptop = (
                units.duration(report.laptop_low_s)
                if report.laptop_low_s == report.laptop_high_s
                else units.duration_range(report.laptop_low_s, report.laptop_high_s)
            )
            head += f" | **Laptop**: {laptop}{estimate}"
        lines.append(head)
    if report.max_speedup is not None:
        lines.append(
            f"- **Max speedup**: {units.ratio(report.max_speedup)} "
            f"(slowest laptop time{estimate and ', an estimate,'} over fastest cluster time)"
        )
    if report.max_speedup_per_epoch is not None:
        lines.append(
            f"- **Max speedup per epoch**: {units.ratio(report.max_speedup_per_epoch)} "
            f"(same work: slowest laptop time per epoch over fastest cluster time per epoch, "
            f"{report.fastest_cluster_per_epoch_run})"
        )
    lines += [
        "",
        "| Run | Platform | GPUs | Nodes | Epochs | Time | Time/epoch | Speedup* | Efficiency* |",
        "|---|---|---:|---:|---:|---:|---:|---:|---:|",
    ]
    for run in report.runs:
        mark = " (est.)" if run.extrapolated else ""
        state = "" if run.state == "finished" else f" [{run.state}]"
        lines.append(
            f"| {run.name}{state} | {run.platform} | {run.gpus or '-'} | {run.nodes} "
            f"| {_epochs(run.epochs)} | {units.duration(run.time_s)}{mark} "
            f"| {units.duration(run.time_per_epoch_s) if run.time_per_epoch_s else '-'}{mark} "
            f"| {units.ratio(run.speedup) if run.speedup else '-'} "
            f"| {units.percent(run.efficiency) if run.efficiency is not None else '-'} |"
        )
    if report.baseline_run:
        lines += ["", f"\\* per epoch, against {report.baseline_run}."]
    if report.warnings:
        lines += ["", "Notes:"] + [f"- {w}" for w in report.warnings]
    return "\n".join(lines) + "\n"


def _describe(run) -> str:
    gpu_word = "GPU" if run.gpus == 1 else "GPUs"
    node_word = "node" if run.nodes == 1 else "nodes"
    return f"{run.gpus} {gpu_word}, {run.nodes} {node_word}"


def _epochs(epochs: float | None) -> str:
    return "-" if epochs is None else f"{epochs:g}"
