"""Runs whose facts the evidence left undecided: what is missing, and the study-file line that
decides it. Extraction warns with these lines (`python -m extract csv`, ...) and the study
layer leaves such runs out for the same reasons, so both read them from here."""

from __future__ import annotations

from .kinds import shown_kind
from .model import Run
from .studyfile import StudyFile
from .studyfile import suggestion as study_line


def missing_facts(run: Run) -> list[str]:
    if run.platform == "unknown":
        return ["platform", "gpus", "nodes"] if run.gpus is None else ["platform"]
    if run.platform == "cluster" and not run.gpus:
        return ["gpus"] + (["nodes"] if run.nodes is None else [])
    return []


def bound_is_allocation(run: Run) -> bool:
    """Whether an unknown GPU count's bound is what Slurm gave the job (else the machine's)."""
    said = run.evidence.get("gpus_bound")
    return said is not None and said.key.startswith("slurm.")


def gpu_bound(run: Run) -> str | None:
    """What bounds an unknown GPU count, said as what it is: "8 GPUs allocated by Slurm (1
    task)" or "8 GPUs on the machine"; None when nothing does."""
    if not run.gpus_on_machine or run.gpus is not None:
        return None
    if bound_is_allocation(run):
        tasks = run.metadata.get("slurm.ntasks")
        task_text = f" to {tasks} {'task' if str(tasks) == '1' else 'tasks'}" if tasks else ""
        return f"{_gpus(run.gpus_on_machine)} allocated by Slurm{task_text}"
    return f"{_gpus(run.gpus_on_machine)} on the machine"


def cpu_job_on_cluster(run: Run) -> bool:
    return run.platform == "cluster" and run.gpus == 0


def unknown_warnings(runs: list[Run], study: StudyFile | None = None) -> list[str]:
    """One line per run whose platform or size is unknown: what is missing, and the line to add
    to the study file. The name may hint at the answer, but it is never taken as evidence."""
    where = str(study.path) if study and study.path else "study.toml"
    lines = []
    for run in runs:
        missing = missing_facts(run)
        if not missing or run.excluded or cpu_job_on_cluster(run) or not shown_kind(run):
            continue
        bound = gpu_bound(run)
        if bound:
            lines.append(
                f"{run.name} ({run.run_id}): left out, {bound} (a bound) and the run did not "
                f"log how many it used; add under [runs] in {where}: "
                f"{study_line(run.name, missing)}"
            )
            continue
        lines.append(
            f"{run.name} ({run.run_id}): left out, no evidence of its "
            f"{', '.join(missing)} (nothing in its config, summary or recorded environment); "
            f"add under [runs] in {where}: {study_line(run.name, missing)} (a laptop: "
            'platform = "laptop")'
        )
    return lines


def _gpus(count: int) -> str:
    # as study.labels.plural says a whole count, which extract/ does not import
    return f"{count:,} GPU" if count == 1 else f"{count:,} GPUs"
