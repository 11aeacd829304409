"""What a run cost: GPU-hours, node-hours, billing, and energy from its recorded power.

A centre bills the GPUs (or nodes) a job holds times the hours it holds them, so a run's
GPU-hours are its GPUs x its time, and the same work costs the same only at perfect parallel
efficiency. Per epoch means per epoch the time covers (``Run.work_epochs``), the equal work the
other figures use.

Energy is integrated from the power wandb's system monitor recorded (``Run.system``), never
assumed: each power sample stands for the time around it up to half the sampling interval on
either side, so a gap in the samples is a gap in the energy, and is said. Metric names are
wandb's own (its ``xpu`` crate and ``core/internal/monitor``): ``gpu.{i}.powerWatts`` for NVIDIA
(NVML), AMD (rocm-smi) and Apple's GPU, with a ``/l:{node}`` suffix when it comes through an
NVIDIA DCGM exporter; ``system.powerWatts`` for a whole Apple machine. The per-process copies
(``gpu.process.{i}.powerWatts``) repeat a device's power and are not added. A run with no power
recorded has energy unknown; a laptop's stated power (``laptop_watts`` in the study file) gives
an estimate, marked as one.
"""

from __future__ import annotations

import math
import re
from dataclasses import dataclass

import numpy as np
import pandas as pd
from numpy.typing import NDArray

from extract.costfile import Rate
from extract.model import Run
from extract.studyfile import StudyFile

from . import units
from .settings import Settings

HOUR = 3600.0
JOULES_PER_KWH = 3.6e6
GPU_POWER = re.compile(r"^gpu\.(?P<device>\d+)\.powerWatts(?:/l:(?P<node>.+))?$")
SYSTEM_POWER = re.compile(r"^system\.powerWatts(?:/l:(?P<node>.+))?$")
# a step between samples longer than this many intervals is a gap, not sampling jitter
GAP_FACTOR = 1.5


@dataclass(frozen=True)
class Energy:
    """Energy of one run; ``evidence`` says how it was found (measured or estimated, from
    what), ``coverage`` the share of the run's time the samples cover."""

    kwh: float
    estimated: bool
    evidence: str
    devices: int = 0
    samples: int = 0
    interval_s: float | None = None
    coverage: float | None = None
    gaps: tuple[str, ...] = ()
    scope: str = "GPU power"  # what the power counts: "GPU power", "whole machine"


@dataclass(frozen=True)
class RunCost:
    run: Run
    gpu_hours: float | None
    node_hours: float | None
    epochs: float | None  # the work the time covers
    cost: float | None  # in rate.unit
    rate: Rate | None
    energy: Energy | None  # None: unknown
    co2_kg: float | None
    energy_unknown_why: str | None = None  # power recorded, but not of the job's GPUs

    def per_epoch(self, value: float | None) -> float | None:
        return value / self.epochs if value is not None and self.epochs else None

    @property
    def gpu_hours_per_epoch(self) -> float | None:
        return self.per_epoch(self.gpu_hours)

    @property
    def node_hours_per_epoch(self) -> float | None:
        return self.per_epoch(self.node_hours)

    @property
    def cost_per_epoch(self) -> float | None:
        return self.per_epoch(self.cost)

    @property
    def energy_kwh(self) -> float | None:
        return self.energy.kwh if self.energy is not None else None

    @property
    def energy_per_epoch_kwh(self) -> float | None:
        return self.per_epoch(self.energy_kwh)

    def energy_evidence(self) -> str:
        if self.energy is not None:
            return self.energy.evidence
        if self.energy_unknown_why is not None:
            return f"unknown: {self.energy_unknown_why}"
        if self.run.platform == "laptop":
            return (
                "unknown: no power recorded (laptop_watts in the study file's [cost] gives "
                "an estimate)"
            )
        return "unknown: no power recorded"


def rate_of(study: StudyFile | None, settings: Settings | None) -> Rate | None:
    """The billing rate: the study file's [cost] table, else manim.cfg's cost_rate; none given,
    none used."""
    if study is not None and study.cost.rate is not None:
        return study.cost.rate
    if settings is not None and settings.cost_rate:
        return Rate(float(settings.cost_rate), settings.cost_per, settings.cost_unit, "manim.cfg")
    return None


def run_cost(run: Run, study: StudyFile | None = None, settings: Settings | None = None) -> RunCost:
    hours = run.time_s / HOUR if run.time_s > 0 else None
    gpu_hours = run.gpus * hours if run.platform == "cluster" and run.gpus and hours else None
    node_hours = run.nodes * hours if run.platform == "cluster" and run.nodes and hours else None
    rate = rate_of(study, settings)
    cost = None
    if rate is not None:
        billed = gpu_hours if rate.per == "gpu_hour" else node_hours
        cost = billed * rate.amount if billed is not None else None
    energy = measured_energy(run)
    unknown_why = None
    if energy is not None and (why := _not_the_jobs(energy, run)) is not None:
        energy, unknown_why = None, why
    if energy is None and run.platform == "laptop" and study is not None:
        energy = laptop_estimate(run, study.cost.laptop_watts, study.cost.origin)
    intensity = study.cost.co2_g_per_kwh if study is not None else None
    co2 = energy.kwh * intensity / 1000 if energy is not None and intensity else None
    return RunCost(
        run, gpu_hours, node_hours, run.work_epochs, cost, rate, energy, co2, unknown_why
    )


def _not_the_jobs(energy: Energy, run: Run) -> str | None:
    """Why recorded GPU power is not the job's: wandb records every GPU its process sees, so a
    multi-node job's file holds one node's GPUs (or one GPU, bound per task), and a job on part
    of a node may hold GPUs it did not use. Power of another number of devices than the job's
    GPUs is no measure of the job's energy (a 1-of-8 sum reads as 8x cheaper)."""
    if energy.scope != "GPU power" or run.platform != "cluster":
        return None
    if run.gpus is None:
        return (
            f"GPU power of {energy.devices} {'device' if energy.devices == 1 else 'devices'} "
            "recorded, and the job's GPU count is unknown"
        )
    if energy.devices != run.gpus:
        return (
            f"GPU power of {energy.devices} of the job's {run.gpus} GPUs recorded "
            if energy.devices < run.gpus
            else f"GPU power of {energy.devices} devices recorded for a {run.gpus}-GPU job "
        ) + f"({energy_text(energy.kwh)} for the devices recorded)"
    return None


def laptop_estimate(run: Run, watts: float | None, origin: str) -> Energy | None:
    if not watts or run.time_s <= 0:
        return None
    kwh = watts * run.time_s / JOULES_PER_KWH
    timed = "estimated time " if run.extrapolated else ""
    return Energy(
        kwh,
        estimated=True,
        evidence=(
            f"estimate: laptop_watts = {watts:g} W ({origin}) x {timed}"
            f"{units.duration(run.time_s)}; no power recorded"
        ),
        scope="stated laptop power",
    )


def power_keys(system: pd.DataFrame) -> tuple[list[str], str]:
    """The power columns to add up, and what they count. A whole machine's power (Apple's
    system.powerWatts) already holds its GPU's: then it alone is used."""
    columns = [str(c) for c in system.columns]
    whole = [c for c in columns if SYSTEM_POWER.match(c)]
    if whole:
        return whole, "whole machine"
    return [c for c in columns if GPU_POWER.match(c)], "GPU power"


def measured_energy(run: Run) -> Energy | None:
    """Energy integrated from the run's power samples, device by device (each at its own
    sampling interval: nodes sample at their own moments); None when it recorded none."""
    system = run.system
    keys, scope = power_keys(system)
    if not keys or "_runtime" not in system:
        return None
    times = system["_runtime"].to_numpy(dtype=float)
    devices = []
    for key in keys:
        values = system[key].to_numpy(dtype=float)
        keep = np.isfinite(times) & np.isfinite(values)
        t, index = np.unique(times[keep], return_index=True)
        if t.size >= 2 and np.median(np.diff(t)) > 0:  # one sample has no interval
            devices.append((key, t, values[keep][index]))
    if not devices:
        return None
    # the samples cover what really ran; an estimated full job is scaled from them below
    end = max(run.measured_s or run.time_s, max(float(t[-1]) for _, t, _ in devices))
    joules, coverages, intervals, gaps = 0.0, [], [], []
    for _, t, p in devices:
        interval = float(np.median(np.diff(t)))
        spans = _spans(t, interval, end)
        joules += float(np.sum(p * spans))
        coverages.append(float(np.sum(spans)))
        intervals.append(interval)
        gaps += [g for g in _gaps(t, interval) if g not in gaps]
    covered = min(coverages)
    interval = float(np.median(intervals))
    samples = max(t.size for _, t, _ in devices)
    coverage = covered / end if end > 0 else None
    names = [key for key, _, _ in devices]
    evidence = _measured_text(names, scope, len(devices), samples, interval, coverage, end, gaps)
    kwh = joules / JOULES_PER_KWH
    if run.extrapolated and covered > 0:
        # the run did part of the job: its mean power over what ran, for the estimated time
        watts = joules / float(np.mean(coverages))
        kwh = watts * run.time_s / JOULES_PER_KWH
        evidence = (
            f"estimate: mean {watts:.0f} W over the measured part x estimated time "
            f"{units.duration(run.time_s)}; {evidence}"
        )
    return Energy(
        kwh,
        estimated=run.extrapolated,
        evidence=evidence,
        devices=len(devices),
        samples=int(samples),
        interval_s=interval,
        coverage=coverage,
        gaps=tuple(gaps),
        scope=scope,
    )


def _spans(t: NDArray[np.float64], interval: float, end: float) -> NDArray[np.float64]:
    """Seconds each sample stands for: up to half an interval either side, never past a
    neighbour's half-way point, the run's start or its end."""
    half = interval / 2
    before = np.empty_like(t)
    after = np.empty_like(t)
    before[0] = min(half, max(t[0], 0.0))
    before[1:] = np.minimum(half, np.diff(t) / 2)
    after[-1] = min(half, max(end - t[-1], 0.0))
    after[:-1] = np.minimum(half, np.diff(t) / 2)
    return before + after


def _gaps(stamps: np.ndarray, interval: float) -> list[str]:
    steps = np.diff(stamps)
    return list(
        f"{units.duration(float(step - interval))} without samples after "
        f"{units.duration(float(start))}"
        for start, step in zip(stamps[:-1], steps, strict=True)
        if step > GAP_FACTOR * interval
    )


def _measured_text(
    keys: list[str],
    scope: str,
    devices: int,
    samples: int,
    interval: float,
    coverage: float | None,
    end: float,
    gaps: list[str],
) -> str:
    names = keys[0] if len(keys) == 1 else f"{keys[0]} ... {keys[-1]}"
    what = f"{devices} {'device' if devices == 1 else 'devices'}" if scope == "GPU power" else scope
    text = (
        f"measured: {scope} of {what} ({names}), {samples} samples every {units.duration(interval)}"
    )
    if coverage is not None:
        text += f", covering {units.percent(min(coverage, 1.0))} of {units.duration(end)}"
    if gaps:
        text += "; gaps: " + "; ".join(gaps)
    if scope == "GPU power":
        text += "; CPUs, memory and network not counted"
    return text


def energy_text(kwh: float | None) -> str:
    """Energy with its unit as a person says it: '3.48 kWh', but '0.38 Wh' below 0.1 kWh,
    where kWh would take four zeros."""
    if kwh is None or not math.isfinite(kwh):
        return "unknown"
    return " ".join(energy_numbers(kwh))


def energy_numbers(*kwh: float) -> tuple[str, ...]:
    """The numbers in one unit, chosen by the largest, and the unit last:
    ('0.15', '0.060', 'kWh'), ('0.30', '0.38', 'Wh'). Figures compared side by side share it."""
    if 0 < max(kwh) < 0.1:
        return (*(hours_text(v * 1000) for v in kwh), "Wh")
    return (*(hours_text(v) for v in kwh), "kWh")


def hours_text(value: float | None) -> str:
    """GPU-hours and kWh as a person reads them: '0.20', '3.48', '12.5', '2,007'."""
    if value is None or not math.isfinite(value):
        return "unknown"
    if value >= 100:
        return f"{value:,.0f}"
    if value >= 10:
        return f"{value:.1f}"
    if value >= 1:
        return f"{value:.2f}"
    if value <= 0:
        return "0"
    decimals = 1 - math.floor(math.log10(value))
    return f"{value:.{decimals}f}"


def money_text(value: float, unit: str) -> str:
    return f"{hours_text(value)} {unit}"
