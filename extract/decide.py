"""Deciding each fact from the readings of the evidence rules (rules.py).

The policy, the same for every fact: a correction (study file, command line) decides; else the
strongest JOB reading decides, and every job reading that says otherwise is a conflict, named
with the one that won; an ALLOCATION reading (GPUs Slurm gave a job that does not show it used
them all) or a MACHINE reading (wandb's ``gpu_count`` is every GPU of the node) never decides a
job's size on its own: alone, it is kept as a bound and said. The platform is
decided from what the job computed on (device) and where it ran (host): a Slurm job is never a
laptop, and a CPU job inside one is a cluster CPU job, not a laptop.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from .model import Evidence
from .rules import Fact, Paths, Reading, readings


@dataclass
class Decision:
    """One fact: its value (None: unknown), the evidence that decided, every reading, and what
    is worth saying about them (conflicts, a machine bound)."""

    fact: str
    value: Any = None
    evidence: Evidence | None = None
    readings: list[Reading] = field(default_factory=list)
    notes: list[str] = field(default_factory=list)
    bound: Reading | None = None
    word: str = ""  # how a count is said: cores, threads, a machine's CPUs

    @property
    def decided_by(self) -> str:
        return self.evidence.describe() if self.evidence else "nothing: unknown"


def _said(reading: Reading) -> str:
    return f"{reading.evidence.source} {reading.evidence.key} = {reading.evidence.value}"


def _value_text(value: Any) -> str:
    if isinstance(value, float) and value.is_integer():
        return str(int(value))
    return str(value)


def decide(
    paths: Paths,
    fact: Fact,
    stated: Any = None,
    origin: str = "",
    found: list[Reading] | None = None,
) -> Decision:
    """The generic policy for one fact (gpus, nodes, epochs, cores, threads)."""
    found = readings(paths, fact) if found is None else found
    decision = Decision(fact, readings=found)
    job = [r for r in found if r.rule.scope == "job"]
    # the tightest bound first: what Slurm gave the job, then what the machine has
    bounds = [r for r in found if r.rule.scope == "allocation"] + [
        r for r in found if r.rule.scope == "machine"
    ]
    if stated is not None:
        decision.value = stated
        decision.evidence = Evidence(origin, fact, _value_text(stated))
        return decision
    if job:
        # a library's default only where nothing of the run's own says otherwise
        own = [r for r in job if not r.default] or job
        top = max(r.rule.strength for r in own)
        winner = next(r for r in own if r.rule.strength == top)
        decision.value, decision.evidence = winner.value, winner.evidence
        others = [r for r in job if r.value != winner.value]
        if others:
            decision.notes.append(
                f"{fact}: {_said(winner)} decided; "
                + "; ".join(f"{_said(r)} disagrees" for r in others)
            )
        return decision
    if bounds:
        decision.bound = bounds[0]
    return decision


def decide_gpus(paths: Paths, stated: int | None, origin: str) -> Decision:
    # a machine count alone stays a bound (Decision.bound); the report's warning for a run
    # whose GPU count is unknown says it, once
    return decide(paths, "gpus", stated, origin)


def processes_without_gpus(paths: Paths, gpus: Decision, device: Decision) -> Decision:
    """A count of processes (``world_size``, the ranks of a group) counts GPUs only where the
    processes had GPUs. On a machine where wandb saw no GPU and no Slurm job, it counts CPU
    processes: no GPU, unless the job itself named a GPU device (an NCCL backend), which
    contradicts the machine: then how many GPUs is unknown, and said. A count that names GPUs
    (``total_gpus``) or a stated one is kept."""
    winner = next((r for r in gpus.readings if r.evidence == gpus.evidence), None)
    if winner is None or not winner.rule.processes:
        return gpus
    cpu_only = _cpu_only_machine(paths)
    if cpu_only is None:
        return gpus
    machine = Evidence("environment", "gpu_count, slurm", cpu_only)
    said = f"{_said(winner)} counts processes, and wandb recorded no GPU on its machine"
    named = next((r for r in device.readings if r.evidence == device.evidence), None)
    if device.value == "gpu" and not (named is not None and named.default):
        return Decision(
            "gpus",
            readings=gpus.readings,
            notes=[
                f"gpus: {said} ({cpu_only}), but the job named a GPU device "
                f"({device.decided_by}): unknown"
            ],
        )
    notes = [f"gpus: {said} ({cpu_only}): no GPU"]
    return Decision("gpus", 0, machine, gpus.readings, notes=notes)


def decide_cores(paths: Paths, stated: int | None, origin: str) -> Decision:
    """CPU cores or threads a run used; the machine's count only as what it is (the CPUs of the
    machine, said so), since a CPU job may use fewer."""
    if stated is not None:
        return decide(paths, "cores", stated, origin, found=[])
    cores = decide(paths, "cores")
    if cores.value is not None:
        cores.word = "cores"
        return cores
    threads = decide(paths, "threads")
    if threads.value is not None:
        threads.word = "threads"
        return threads
    for decision, word in ((threads, "machine threads"), (cores, "machine cores")):
        if decision.bound is not None:
            decision.value, decision.evidence = decision.bound.value, decision.bound.evidence
            decision.word = word
            return decision
    return cores


def decide_device(paths: Paths) -> Decision:
    return decide(paths, "device")


def decide_platform(
    paths: Paths, stated: str | None, origin: str, gpus: Decision
) -> tuple[Decision, Decision]:
    """(platform, device): cluster or laptop, and gpu or cpu, from the job's device, its host
    and the machine wandb saw. Every disagreement is noted with what won."""
    device = decide_device(paths)
    inferred = bool(gpus.value and device.value is None)
    if inferred:
        device.value, device.evidence = "gpu", gpus.evidence
    host_readings = readings(paths, "host")
    platform = Decision("platform", readings=host_readings + device.readings)
    if stated is not None:
        platform.value = stated
        platform.evidence = Evidence(origin, "platform", stated)
        return platform, device
    slurm = next((r for r in host_readings if r.rule.reads == ("slurm.job_id",)), None)
    words = [r for r in host_readings if r.rule.scope == "job" and r is not slurm]
    machine = [r for r in host_readings if r.rule.scope == "machine"]
    if slurm is not None:
        platform.value, platform.evidence = "cluster", slurm.evidence
        for reading in words:
            if reading.value == "laptop":
                platform.notes.append(
                    f"platform: {_said(slurm)} (a Slurm job) decided cluster; "
                    f"{_said(reading)} says laptop"
                )
        if device.value == "cpu":
            platform.notes.append(
                f"platform: a CPU job on the cluster ({device.decided_by} inside Slurm job "
                f"{slurm.evidence.value}): not a laptop, and no GPU run"
            )
        return platform, device
    hosts_named = {r.value for r in words}
    if len(hosts_named) == 1 and device.value is not None:
        host = words[0]
        if (device.value, host.value) in (("gpu", "laptop"), ("cpu", "cluster")):
            # a word naming the host says where it ran; the device only what it computed on
            platform.value, platform.evidence = host.value, host.evidence
            what = "a laptop with a GPU" if host.value == "laptop" else "a CPU job on the cluster"
            if host.evidence.key != (device.evidence.key if device.evidence else None):
                platform.notes.append(
                    f"platform: {_said(host)} names the host and decided {host.value}; "
                    f"{device.decided_by} says {device.value}: {what}"
                )
            return platform, device
    cpu_only = _cpu_only_machine(paths)
    weak = next((r for r in device.readings if r.evidence == device.evidence and r.default), None)
    if weak is not None and cpu_only is not None and not words:
        # the value is a library's default: weak, below what wandb saw on the machine
        device.value = "cpu"
        device.evidence = Evidence("environment", "gpu_count, slurm", cpu_only)
        platform.value, platform.evidence = "laptop", device.evidence
        platform.notes.append(
            f"platform: {_said(weak)} is {weak.default}, which a run logs whether it used it "
            f"or not; wandb recorded no GPU and no Slurm job on its machine ({cpu_only}), "
            "which decided: a CPU machine"
        )
        return platform, device
    if device.value == "gpu":
        platform.value, platform.evidence = "cluster", device.evidence
        _note_against(platform, words, "laptop", device)
        cpu_only = _cpu_only_machine(paths)
        if cpu_only is not None:
            how = "counted GPUs" if inferred else "named a GPU device"
            platform.notes.append(
                f"platform: the job {how} ({device.decided_by}) but wandb recorded no GPU on "
                f"its machine ({cpu_only}); the job's evidence decided"
            )
        return platform, device
    if device.value == "cpu":
        platform.value, platform.evidence = "laptop", device.evidence
        _note_against(platform, words, "cluster", device)
        if machine:
            platform.notes.append(
                f"platform: a CPU job ({device.decided_by}) on a machine with GPUs "
                f"({_said(machine[0])}); counted as the CPU side (laptop)"
            )
        return platform, device
    if words:
        said = {r.value for r in words}
        platform.value, platform.evidence = words[0].value, words[0].evidence
        if len(said) > 1:
            platform.notes.append(
                f"platform: {_said(words[0])} decided; "
                + "; ".join(_said(r) + " disagrees" for r in words if r.value != words[0].value)
            )
        return platform, device
    if machine:
        platform.value = "cluster"
        platform.evidence = Evidence(
            machine[0].evidence.source,
            machine[0].evidence.key,
            f"{machine[0].evidence.value} (GPUs on the machine)",
        )
        return platform, device
    cpu_only = _cpu_only_machine(paths)
    if cpu_only is not None:
        platform.value = "laptop"
        platform.evidence = Evidence("environment", "gpu_count, slurm", cpu_only)
    return platform, device


def _note_against(platform: Decision, words: list[Reading], contrary: str, by: Decision) -> None:
    for reading in words:
        if reading.value == contrary:
            platform.notes.append(
                f"platform: {by.decided_by} decided {platform.value}; {_said(reading)} says "
                f"{contrary}"
            )


def _cpu_only_machine(paths: Paths) -> str | None:
    """wandb looked at the machine (it recorded its CPUs) and found no GPU and no Slurm job."""
    environment = [e for e in paths.entries if e.place == "environment"]
    has_cpus = any(e.path in ("cpu_count", "cpu_count_logical") for e in environment)
    gpu_or_slurm = any(
        e.path.startswith("slurm.") or (e.path.startswith("gpu") and e.value not in (0, [], ""))
        for e in environment
    )
    return "none recorded: CPU only" if has_cpus and not gpu_or_slurm else None
