"""What the screen calls a run: built from its facts' evidence and the settings' names only.

"8 GPUs, 1 node" needs a logged (or stated) GPU and node count; "Laptop, 8 cores" a logged core
or thread count, else the laptop's name alone. Two runs on one screen never share a label: what
tells them apart (epochs, data subset, date, name) is added.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Callable

from extract.model import Run


def plural(number: float, word: str) -> str:
    """'1 GPU', '8 GPUs', '1 node', '2.5 epochs'."""
    text = f"{number:,.0f}" if float(number).is_integer() else f"{number:g}"
    return f"{text} {word}" if number == 1 else f"{text} {word}s"


def base_label(run: Run, laptop_name: str = "Laptop") -> str:
    if run.label_override:
        return run.label_override
    if run.platform == "laptop":
        if run.cores and run.cores_word.startswith("machine"):
            # the machine's CPUs, not a count the run logged using: said as the CPU's size
            kind = "thread" if run.cores_word.endswith("threads") else "core"
            return f"{laptop_name}, {run.cores:,}-{kind} CPU"
        if run.cores:
            return f"{laptop_name}, {plural(run.cores, run.cores_word.rstrip('s'))}"
        return laptop_name
    if run.platform == "cluster" and run.gpus:
        gpus = plural(run.gpus, "GPU")
        return f"{gpus}, {plural(run.nodes, 'node')}" if run.nodes else gpus
    return run.name


def short_label(run: Run, laptop_name: str = "Laptop") -> str:
    """'32 GPUs' or 'Laptop, 8 cores': for tight spaces."""
    if run.label_override or run.platform != "cluster" or not run.gpus:
        return base_label(run, laptop_name)
    return plural(run.gpus, "GPU")


def _epochs(run: Run) -> str | None:
    return plural(run.epochs, "epoch") if run.epochs else None


def subset_percent(run: Run) -> float | None:
    """The share of the data the run trained on, in percent, when it logged one below 100."""
    value = run.config.get("subset_percentage")
    if isinstance(value, int | float) and not isinstance(value, bool) and 0 < value < 100:
        return float(value)
    return None


def _subset(run: Run) -> str | None:
    value = subset_percent(run)
    return f"{value:g}% subset" if value is not None else None


def _date(run: Run) -> str | None:
    return run.created_at[:10] if run.created_at else None


def _name(run: Run) -> str | None:
    return run.name


TELLERS: tuple[Callable[[Run], str | None], ...] = (_epochs, _subset, _date, _name)


def unique_labels(
    runs: list[Run],
    laptop_name: str = "Laptop",
    stands_for: dict[str, int] | None = None,
    short: bool = False,
) -> dict[str, str]:
    """Labels by run id, none shared: equal ones get the first fact that tells them apart.
    ``stands_for`` (run id -> runs of its configuration) adds "best of 3"."""
    stands_for = stands_for or {}
    make = short_label if short else base_label
    labels = {run.run_id: make(run, laptop_name) for run in runs}
    groups: dict[str, list[Run]] = defaultdict(list)
    for run in runs:
        groups[labels[run.run_id]].append(run)
    for label, group in groups.items():
        if len(group) < 2:
            continue
        for teller in TELLERS:
            told = [teller(run) for run in group]
            # one run of the whole data set among subsets is told apart by saying nothing:
            # "Laptop, 1 thread" beside "Laptop, 1 thread, 2% subset"
            partly = teller is _subset and told.count(None) == 1
            if (all(told) or partly) and len(set(told)) == len(told):
                for run, extra in zip(group, told, strict=True):
                    if extra:
                        labels[run.run_id] = f"{label}, {extra}"
                break
        else:
            for run in group:
                labels[run.run_id] = f"{label} ({run.name}, {run.run_id})"
    for run_id, count in stands_for.items():
        if count > 1 and run_id in labels:
            labels[run_id] += f" (best of {count})"
    return labels


ELLIPSIS = "\u2026"


def cut_name(name: str, length: int) -> str:
    """``name`` cut with an ellipsis to ``length`` characters, at a word where it can be."""
    if len(name) <= length:
        return name
    head = name[: length - 1]
    cut = head.rsplit(" ", 1)[0] if " " in head.strip() else head
    return cut.rstrip(",;:( ") + ELLIPSIS


def distinct_cuts(names: list[str], length: int) -> dict[str, str]:
    """Each name cut to ``length`` characters so that names that differ still differ: what
    every name of one head shares ("Laptop, 3 epochs, on vm" and "Laptop, 4 epochs, on vm"
    share ", on vm") goes first, and where a cut would still make two names one ("Laptop…"),
    the head goes too: the colour tells a laptop, the words which one."""
    parts = {name: name.split(", ") for name in names}
    heads: dict[str, list[str]] = defaultdict(list)
    for name in dict.fromkeys(names):
        heads[parts[name][0]].append(name)
    shorter: dict[str, str] = {}
    for head, group in heads.items():
        shared = set.intersection(*(set(parts[n][1:]) for n in group)) if len(group) > 1 else set()
        for name in group:
            kept = [p for p in parts[name][1:] if p not in shared]
            shorter[name] = ", ".join([head, *kept])
    cuts = {
        name: cut_name(name if len(name) <= length else shorter[name], length) for name in names
    }
    counts: dict[str, int] = defaultdict(int)
    for name in dict.fromkeys(names):
        counts[cuts[name]] += 1
    for name in dict.fromkeys(names):
        rest = shorter[name].split(", ")[1:]
        if counts[cuts[name]] > 1 and rest:
            cuts[name] = cut_name(", ".join(rest), length)
    return cuts
