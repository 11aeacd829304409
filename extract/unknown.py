"""Runs whose facts the evidence left undecided: what is missing, and the study-file line that
decides it. Extraction warns with these lines (`python -m extract csv`, ...) and the study
layer leaves such runs out for the same reasons, so both read them from here."""

from __future__ import annotations

from dataclasses import dataclass

from .decide import decide_device
from .kinds import shown_kind
from .model import Run
from .rules import Fact, host_word, length_in_units, rules_for
from .runs import facts_of, paths_of
from .studyfile import StudyFile, inline_table
from .studyfile import suggestion as study_line


def study_key(run: Run, runs: list[Run]) -> str:
    """The key that names ``run`` alone under [runs] of the study file: its name where no other
    run has it, else its id (a name key corrects every run of that name: three runs named
    resnet50-cpu, one complete, would all take the line written for one)."""
    shared = sum(1 for other in runs if run.name in (other.name, other.run_id)) > 1
    return run.run_id if shared else run.name


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
                f"{study_line(study_key(run, runs), missing)}"
            )
            continue
        key = study_key(run, runs)
        if platform_hint(run) == "laptop" and "platform" in missing:
            # a laptop is one machine, and its GPUs are not what it trained on
            line = study_line(key, ["platform"], "laptop")
            other = f"(on the cluster: {inline_table(missing)})"
        else:
            line, other = study_line(key, missing), '(a laptop: platform = "laptop")'
        lines.append(
            f"{run.name} ({run.run_id}): left out, no evidence of its "
            f"{', '.join(missing)} (nothing in its config, summary or recorded environment); "
            f"add under [runs] in {where}: {line} {other}"
        )
    return lines


def platform_hint(run: Run) -> str:
    """The platform a suggested line names: the one the run's name says (a folder laptop/...),
    else the cluster. A suggestion the user checks, never evidence: the name decides nothing."""
    return host_word("name", run.name) or "cluster"


def _gpus(count: int) -> str:
    # as study.labels.plural says a whole count, which extract/ does not import
    return f"{count:,} GPU" if count == 1 else f"{count:,} GPUs"


# --- every unknown fact, for `python -m extract runs --unknown` and the report's count ---------


@dataclass(frozen=True)
class UnknownFact:
    """A fact of a run that no evidence decided: what was seen instead, and the study-file line
    that settles it."""

    run: Run
    fact: str
    seen: str
    line: str


# the facts a figure or a label uses, by the kind of run they are facts of
FACTS_OF_CLUSTER = ("platform", "gpus", "nodes", "epochs", "epochs_done")
FACTS_OF_LAPTOP = ("platform", "cores", "epochs", "epochs_done")
NOTE_PREFIX = {"platform": "platform:", "gpus": "gpus:", "epochs_done": "epochs done:"}
RULE_FACTS: dict[str, tuple[Fact, ...]] = {
    "gpus": ("gpus",),
    "nodes": ("nodes",),
    "cores": ("cores", "threads"),
    "epochs": ("epochs",),
}
NOTHING = {
    "platform": "no device, host word, Slurm job or machine record",
    "gpus": "no GPU count in its config, summary or recorded environment",
    "nodes": "no node count in its config or a Slurm allocation",
    "cores": "no core or thread count, and no record of the machine's CPUs",
    "epochs": "no planned length (epochs, max_epochs, num_train_epochs ...) in its config",
    "epochs_done": "no epoch key, progress percentage or finished plan",
}


def facts_asked(run: Run) -> tuple[str, ...]:
    """The facts a careful reader would state of ``run``: a laptop's cores, a cluster GPU run's
    GPUs and nodes (a CPU job on the cluster has no GPUs to count); none of an excluded run or
    of one that trained nothing."""
    if run.excluded or run.kind == "no-training":
        # preprocessing or a login node's run trained nothing: no size or plan to state
        return ()
    if run.platform == "laptop":
        # a laptop that trained on its GPU is labelled by its name, not by its CPUs
        on_gpu = run.cores is None and decide_device(paths_of(facts_of(run))).value == "gpu"
        return tuple(f for f in FACTS_OF_LAPTOP if f != "cores" or not on_gpu)
    if cpu_job_on_cluster(run):
        return ("platform", "epochs", "epochs_done")
    if run.kind == "missing":
        # counted by its configuration; what it did was lost with its file
        return tuple(f for f in FACTS_OF_CLUSTER if f != "epochs_done" and not unsaid(run, f))
    return tuple(f for f in FACTS_OF_CLUSTER if not unsaid(run, f))


# facts a run's files may say nothing of at all: a run of several GPUs that logged no node
# count, no Slurm allocation and no node rank (a torchrun on one workstation) gives a careful
# reader nothing to state its nodes from; such a fact is no coverage gap of the rules
SILENT_FACTS = ("nodes",)


def unsaid(run: Run, fact: str) -> bool:
    """Whether ``fact`` is unknown and nothing in the run's files speaks of it."""
    if fact not in SILENT_FACTS or getattr(run, fact) is not None:
        return False
    return _seen(run, fact) == NOTHING[fact]


def unsaid_facts(runs: list[Run]) -> list[tuple[Run, str]]:
    """(run, fact) for each fact of FACTS_OF_CLUSTER that no file of the run speaks of."""
    return [
        (run, fact)
        for run in runs
        if not run.excluded and run.platform == "cluster" and not cpu_job_on_cluster(run)
        for fact in SILENT_FACTS
        if unsaid(run, fact)
    ]


def unknown_facts(runs: list[Run], study: StudyFile | None = None) -> list[UnknownFact]:
    """Every fact of every run that is unknown, with what was seen instead and the line to
    add to the study file."""
    where = str(study.path) if study and study.path else "study.toml"
    found = []
    for run in runs:
        for fact in facts_asked(run):
            value = run.platform if fact == "platform" else getattr(run, fact)
            if value is not None and value != "unknown":
                continue
            line = f"under [runs] in {where}: {_settling_line(run, fact, study_key(run, runs))}"
            found.append(UnknownFact(run, fact, _seen(run, fact), line))
    return found


def _settling_line(run: Run, fact: str, key: str) -> str:
    """The study-file line for ``fact``, following the run's words as the platform's line does:
    a run of unknown platform that its name says is a laptop is asked its platform, not a
    cluster's GPU or node count (a laptop states none), and the cluster's line comes after."""
    hint = platform_hint(run)
    if run.platform == "unknown" and hint == "laptop" and fact not in FACTS_OF_LAPTOP:
        return (
            f"{study_line(key, ['platform'], hint)} (a laptop states no "
            f"{'GPU' if fact == 'gpus' else 'node'} count; on the cluster: "
            f"{inline_table([fact])})"
        )
    return study_line(key, [fact], hint)


def _seen(run: Run, fact: str) -> str:
    said = []
    if fact == "gpus" and (bound := gpu_bound(run)):
        said.append(f"{bound} (a bound)")
    prefix = NOTE_PREFIX.get(fact)
    if prefix:
        said += [n.removeprefix(prefix).strip() for n in run.notes if n.startswith(prefix)]
    if fact in RULE_FACTS:
        paths = paths_of(facts_of(run))
        said += [
            f"{entry.place} {entry.path} = {entry.value} ({rule.says}: no count)"
            for f in RULE_FACTS[fact]
            for rule in rules_for(f)
            for entry in rule.unread(paths)
        ]
        # a rule whose condition failed is said by what it found missing, not by its text
        said += [
            f"{entry.place} {entry.path} = {entry.value} ("
            + (f"{length}, " if (length := length_in_units(entry.path, entry.value)) else "")
            + f"{rule.unmet})"
            for f in RULE_FACTS[fact]
            for rule in rules_for(f)
            if rule.unmet
            for entry in rule.unused(paths)
        ]
    return "; ".join(dict.fromkeys(said)) or NOTHING[fact]
