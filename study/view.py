"""One study as the scenes see it: the runs chosen and shown, their labels, the report.

Built once, from runs as they are (the entry point that reads the store applies the study file's
corrections first: scenes/load.py), and handed to every scene and plan.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Literal

from extract.metric_names import is_accuracy, is_loss
from extract.model import Run
from extract.studyfile import StudyFile

from .analysis import Report, build_report
from .labels import unique_labels
from .metrics import ACCURACY_KEYS, LOSS_KEYS
from .selection import Chosen, Selection, choose, select
from .settings import Metric, Settings, asked_key

# what the race reads of every run's history (progress: study/progress.py)
PROGRESS_KEYS = ("epoch", "train/epoch", "progress_percentage")
# the keys MetricVsTime's x axis is read from, by its setting (study/metric_plan.py): W&B's step
# counter; the epoch as scripts log it, or as the Hugging Face Trainer does
X_KEYS = {"step": ("_step",), "epoch": ("epoch", "train/epoch")}


@dataclass
class StudyView:
    settings: Settings
    study: StudyFile
    store_name: str  # "sample study" or the store's file name, for the source line
    runs: list[Run]  # every run chosen by the settings, shown or not
    selection: Selection
    labels: dict[str, str]
    short_labels: dict[str, str]
    report: Report
    # what the study file's [select] and manim.cfg's regexes left out of ``runs``
    chosen: Chosen | None = None

    @property
    def shown(self) -> list[Run]:
        return self.selection.shown

    def label(self, run: Run) -> str:
        return self.labels.get(run.run_id, run.name)

    def short(self, run: Run) -> str:
        return self.short_labels.get(run.run_id, run.name)

    def asked_key(self, metric: Metric) -> str:
        return asked_key(self.settings, self.study, metric)


# what a scene draws of the histories, so what it reads of them: progress (the race), the
# accuracy or loss curves, MetricVsTime's key; every scene reads the accuracy besides, which the
# report's figures (time to target, best accuracy) are computed from
Measure = Literal["progress", "accuracy", "loss", "metric"]
EVERY_MEASURE: frozenset[Measure] = frozenset(("progress", "accuracy", "loss", "metric"))


def drawn_keys(
    settings: Settings, study: StudyFile, reads: frozenset[Measure] = EVERY_MEASURE
) -> list[str]:
    """Every history key a scene that draws ``reads`` may draw (all scenes': progress, each
    metric's asked key with the common names it falls back on, and MetricVsTime's key, as a
    system metric too, without the W&B UI's ``system/``). A store is read for these only."""
    keys = [asked_key(settings, study, "accuracy"), *ACCURACY_KEYS]
    if "progress" in reads:
        keys += PROGRESS_KEYS
    if "loss" in reads:
        keys += [asked_key(settings, study, "loss"), *LOSS_KEYS]
    if "metric" in reads:
        keys += [settings.metric, settings.metric.removeprefix("system/")]
        # MetricVsTime against steps or epochs: the x axis' key
        keys += X_KEYS.get(settings.metric_x, ())
    return list(dict.fromkeys(keys))


def drawn_columns(
    settings: Settings, study: StudyFile, reads: frozenset[Measure] = EVERY_MEASURE
) -> Callable[[str], bool]:
    """Whether a history key is read for a scene that draws ``reads``: ``drawn_keys``, and the
    keys of the metrics it draws that a project names its own way (study/metrics.py finds them
    by pattern). The rest of a history, a million rows of each key, stays on disk."""
    named = set(drawn_keys(settings, study, reads))
    losses = "loss" in reads
    return lambda key: key in named or is_accuracy(key) or (losses and is_loss(key))


def view_of(
    runs: list[Run],
    settings: Settings | None = None,
    study: StudyFile | None = None,
    store_name: str = "",
) -> StudyView:
    """The view of ``runs`` (the study file's corrections already applied to them)."""
    settings = settings or Settings()
    study = study or StudyFile()
    chosen = choose(runs, settings, study)
    selection = select(chosen.runs, study)
    return StudyView(
        settings=settings,
        study=study,
        store_name=store_name,
        runs=chosen.runs,
        selection=selection,
        labels=unique_labels(selection.shown, settings.laptop_name, selection.best_of),
        short_labels=unique_labels(selection.shown, settings.laptop_name, short=True),
        report=build_report(chosen.runs, study, settings, chosen),
        chosen=chosen,
    )


def source_text(
    view: StudyView,
    runs: list[Run],
    *,
    histories: bool = True,
    key: str | None = None,
    keys: str | None = None,
    without: str | None = None,
    passed_over: str | None = None,
) -> str:
    """The small print under every scene: where the numbers come from, and what is estimated,
    reconstructed or left out. ``key``: the one key drawn; ``keys``: the keys drawn, named
    with their counts, where runs drew different ones (study/metric_keys.py); ``without``: what
    the runs not drawn lack, where that is more than ``key`` ("'batch_loss' against '_step'");
    ``passed_over``: the keys logged once that a curve was not drawn from."""
    count = len(runs)
    parts = [f"Data: {view.store_name}, {count} {'run' if count == 1 else 'runs'}"]
    estimated = sum(r.extrapolated for r in runs)
    if estimated:
        parts.append(
            f"{estimated} {'time' if estimated == 1 else 'times'} estimated from partial runs"
        )
    if histories and any(r.reconstructed for r in runs):
        parts.append("histories reconstructed from published charts")
    if keys is not None:
        parts.append(f"keys: {keys}")
    if passed_over is not None:
        parts.append(passed_over)
    # every run of the study is counted once: drawn, shown but not on this chart, not shown,
    # or left out by a selection
    drawn = {r.run_id for r in runs}
    absent = [r for r in view.shown if r.run_id not in drawn]
    if (key is not None or keys is not None) and absent:
        named = without or (f"'{key}'" if keys is None else "any of them")
        parts.append(f"{len(absent)} {'run' if len(absent) == 1 else 'runs'} without {named}")
    elif absent:
        laptops = sum(r.platform == "laptop" for r in absent)
        for n, what in ((laptops, f"{view.settings.laptop_name} "), (len(absent) - laptops, "")):
            if n:
                parts.append(f"{n} {what}{'run' if n == 1 else 'runs'} not on this chart")
    more = view.selection.more_text()
    if more:
        parts.append(f"{more} not drawn")
    left_out = len(view.selection.left_out)
    if left_out:
        parts.append(f"{left_out:,} more not shown ('python -m extract runs' says why)")
    note = view.chosen.note() if view.chosen else None
    if note:
        parts.append(note)
    return "  \u00b7  ".join(parts)
