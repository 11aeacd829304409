"""The numbers that matter, computed from the runs: speedup, efficiency, headline figures.

Speedup and efficiency compare time per epoch, so runs that trained different numbers of epochs
are compared for the same work; when every run trained the same amount this equals the ratio of
total times.
"""

from __future__ import annotations

from dataclasses import asdict, dataclass, field

from .model import Run


@dataclass
class RunFigures:
    name: str
    platform: str
    state: str
    gpus: int
    nodes: int
    epochs: float | None
    time_s: float
    time_per_epoch_s: float | None
    extrapolated: bool
    reconstructed: bool
    speedup: float | None
    efficiency: float | None


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
    runs: list[RunFigures]
    warnings: list[str] = field(default_factory=list)

    def as_dict(self) -> dict:
        return asdict(self)


def baseline_run(runs: list[Run]) -> Run | None:
    """The finished cluster run with the fewest GPUs: what speedup and efficiency refer to."""
    candidates = [r for r in runs if r.platform == "cluster" and r.finished and r.gpus >= 1]
    return min(candidates, key=lambda r: (r.gpus, r.time_s), default=None)


def speedup_over(baseline: Run, run: Run) -> float | None:
    base, mine = baseline.time_per_epoch_s, run.time_per_epoch_s
    if base is None or mine is None:
        base, mine = baseline.time_s, run.time_s
    return base / mine if mine > 0 else None


def build_report(runs: list[Run]) -> Report:
    finished_cluster = [r for r in runs if r.platform == "cluster" and r.finished]
    laptops = [r for r in runs if r.platform == "laptop" and r.finished]
    baseline = baseline_run(runs)

    figures = []
    for run in runs:
        speedup = speedup_over(baseline, run) if baseline else None
        efficiency = None
        if speedup is not None and run.platform == "cluster" and run.gpus and baseline:
            efficiency = speedup * baseline.gpus / run.gpus
        figures.append(
            RunFigures(
                name=run.name,
                platform=run.platform,
                state=run.state,
                gpus=run.gpus,
                nodes=run.nodes,
                epochs=run.epochs,
                time_s=run.time_s,
                time_per_epoch_s=run.time_per_epoch_s,
                extrapolated=run.extrapolated,
                reconstructed=run.reconstructed,
                speedup=speedup,
                efficiency=efficiency,
            )
        )

    fastest = min(finished_cluster, key=lambda r: r.time_s, default=None)
    laptop_times = [r.time_s for r in laptops]
    laptop_high = max(laptop_times, default=None)
    max_speedup = laptop_high / fastest.time_s if fastest and laptop_high else None

    per_epoch_cluster = [r for r in finished_cluster if r.time_per_epoch_s]
    fastest_per_epoch = min(per_epoch_cluster, key=lambda r: r.time_per_epoch_s, default=None)
    laptop_per_epoch = [r.time_per_epoch_s for r in laptops if r.time_per_epoch_s]
    max_speedup_per_epoch = (
        max(laptop_per_epoch) / fastest_per_epoch.time_per_epoch_s
        if fastest_per_epoch and laptop_per_epoch
        else None
    )

    return Report(
        fastest_cluster_s=fastest.time_s if fastest else None,
        fastest_cluster_run=fastest.name if fastest else None,
        laptop_low_s=min(laptop_times, default=None),
        laptop_high_s=laptop_high,
        max_speedup=max_speedup,
        max_speedup_per_epoch=max_speedup_per_epoch,
        fastest_cluster_per_epoch_run=fastest_per_epoch.name if fastest_per_epoch else None,
        baseline_run=baseline.name if baseline else None,
        runs=figures,
        warnings=_warnings(runs, finished_cluster, laptops),
    )


def _warnings(runs: list[Run], finished_cluster: list[Run], laptops: list[Run]) -> list[str]:
    warnings = []
    epochs = {r.epochs for r in finished_cluster + laptops}
    if len(epochs) > 1:
        listed = ", ".join(_epochs_text(e) for e in sorted(epochs, key=lambda e: e or 0))
        warnings.append(
            f"runs trained different numbers of epochs ({listed}): max_speedup compares total "
            "times of unequal work; max_speedup_per_epoch, speedup and efficiency compare time "
            "per epoch"
        )
    for run in runs:
        if run.extrapolated:
            method = run.config.get("extrapolation_method", "extrapolated")
            measured = f" from {run.measured_s:.0f} s measured" if run.measured_s else ""
            inputs = run.config.get("extrapolation_inputs")
            given = ""
            if isinstance(inputs, dict) and inputs:
                given = "; " + ", ".join(f"{k}={v:g}" for k, v in inputs.items())
            warnings.append(f"{run.name}: time is an estimate ({method}{measured}{given})")
        if not run.finished:
            warnings.append(f"{run.name}: state {run.state}; left out of the headline figures")
    if any(r.reconstructed for r in runs):
        warnings.append("histories are reconstructed from published charts, not logged data")
    return warnings


def _epochs_text(epochs: float | None) -> str:
    if epochs is None:
        return "unknown"
    return f"{epochs:g}"
