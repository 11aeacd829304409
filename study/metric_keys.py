"""Which logged key is each run's accuracy (or loss): one answer, with its evidence, for the
report, the curves and their captions. One study may mix stacks that name the same measure
their own way (a Hugging Face Trainer run's ``eval/accuracy`` beside a PyTorch DDP script's
``val_accuracy``): a run that did not log the study's key is read from its own, of the same
split where it has one, and whatever shows several runs says which key each one is."""

from __future__ import annotations

from dataclasses import dataclass

from extract.metric_names import is_accuracy, is_loss, split_of
from extract.model import Evidence, Run
from extract.studyfile import StudyFile

from .metrics import (
    _SPLIT_RANK,
    ACCURACY_KEYS,
    LOSS_KEYS,
    MetricChoice,
    accuracy_key,
    choose_key,
    logged_keys,
)
from .settings import Metric, Settings

# how a caption names the measure of keys that share a split but not a name
_SPLIT_WORDS = {"validation": "validation", "test": "test", "training": "training"}


@dataclass(frozen=True)
class RunKey:
    """The key a run's figures are read from (None: it logged none), and why: ``evidence``'s
    source says where the values are (history, summary), its value why this key."""

    key: str | None
    evidence: Evidence
    in_history: bool = False


@dataclass(frozen=True)
class MetricKeys:
    """The study's key of a metric (``choice``) and each run's own (by run id)."""

    metric: Metric
    choice: MetricChoice
    by_run: dict[str, RunKey]

    @property
    def key(self) -> str | None:
        """The study's key: the one most of the shown runs logged."""
        return self.choice.key

    def of(self, run: Run) -> RunKey:
        return self.by_run.get(run.run_id) or RunKey(
            None, Evidence("history", self.choice.asked, "not looked at")
        )

    def key_of(self, run: Run) -> str | None:
        return self.of(run).key

    def counted(self, runs: list[Run]) -> dict[str, int]:
        """The keys of ``runs``, each with how many of them it is, most first."""
        counts: dict[str, int] = {}
        for run in runs:
            key = self.key_of(run)
            if key is not None:
                counts[key] = counts.get(key, 0) + 1
        return dict(sorted(counts.items(), key=lambda item: -item[1]))

    def one_key(self, runs: list[Run]) -> str | None:
        """The key every one of ``runs`` that has one shares, or None when they differ."""
        keys = list(self.counted(runs))
        return keys[0] if len(keys) == 1 else None

    def name(self, runs: list[Run]) -> str:
        """What the values of ``runs`` are, for an axis: their key when they share one; else
        the measure, with its split when every key has the same one ("validation
        accuracy"): never one key's name for values read from several."""
        one = self.one_key(runs)
        if one is not None or not self.counted(runs):
            return one or self.choice.caption
        splits = {split_of(key) for key in self.counted(runs)}
        split = _SPLIT_WORDS.get(splits.pop()) if len(splits) == 1 else None
        return f"{split} {self.metric}" if split else self.metric

    def keys_text(self, runs: list[Run]) -> str | None:
        """The keys of ``runs`` named with their counts, when they differ: "'eval/accuracy'
        (2 runs), 'val_accuracy' (1 run)"; None when they share one."""
        counted = self.counted(runs)
        if len(counted) < 2:
            return None
        return ", ".join(
            f"'{key}' ({count} {'run' if count == 1 else 'runs'})" for key, count in counted.items()
        )


def metric_keys(
    runs: list[Run],
    metric: Metric,
    asked: str,
    chosen: str | None = None,
    *,
    among: list[Run] | None = None,
    summaries: bool = False,
) -> MetricKeys:
    """Each of ``runs``' key for ``metric``: the study's key (decided over ``among``, the shown
    runs: ``chosen``, the study file's, when a run logged it; else the key most of them
    logged, ``asked``, manim.cfg's, among equals) where the run logged it, else its own key of
    the family, of the study key's split first (validation beside validation), held-out
    measures then. ``summaries``: a key only a summary holds counts (a best accuracy may be
    read from it; a curve needs a history)."""
    among = among if among is not None else runs
    family = ACCURACY_KEYS if metric == "accuracy" else LOSS_KEYS
    if metric == "accuracy":
        # a best accuracy is read from a held-out measure where the runs have one (a running
        # training accuracy reaches 100% on memorised data); a curve from what has histories
        choice = accuracy_key(among, asked, chosen, held_out_first=summaries)
    else:
        choice = choose_key(among, chosen or asked, family, summaries=summaries)
    study = choice.key
    sharing = sum(study in logged_keys([run], summaries=summaries) for run in among) if study else 0
    by_run = {}
    for run in runs:
        in_history = logged_keys([run])
        logged = in_history + [
            k for k in logged_keys([run], summaries=summaries) if k not in in_history
        ]
        if study is not None and study in logged:
            if chosen and study == chosen:
                why = "the study file's key"
            else:
                why = f"the study's key: logged by {sharing} of {len(among)} runs shown"
            by_run[run.run_id] = RunKey(
                study, _evidence(study, in_history, why), study in in_history
            )
            continue
        own = _own_key(logged, in_history, metric, study)
        if own is None:
            by_run[run.run_id] = RunKey(
                None, Evidence("history", study or asked, f"no {metric} key logged")
            )
            continue
        why = f"its own key: it did not log '{study}'" if study else "its own key"
        if study and split_of(own) == split_of(study) and split_of(own) != "unspecified":
            why += f", {split_of(own)} like it"
        by_run[run.run_id] = RunKey(own, _evidence(own, in_history, why), own in in_history)
    return MetricKeys(metric, choice, by_run)


def study_metric_keys(
    runs: list[Run],
    shown: list[Run],
    settings: Settings,
    study: StudyFile,
    metric: Metric,
    *,
    summaries: bool = False,
) -> MetricKeys:
    """``metric_keys`` as the report and the scenes ask it: the study file's key chosen,
    manim.cfg's asked, decided over the shown runs (every run where none is shown)."""
    if metric == "accuracy":
        asked, chosen = settings.accuracy_key, study.accuracy_key
    else:
        asked, chosen = settings.loss_key, study.loss_key
    return metric_keys(runs, metric, asked, chosen, among=shown or runs, summaries=summaries)


def _own_key(
    logged: list[str], in_history: list[str], metric: Metric, study: str | None
) -> str | None:
    family = ACCURACY_KEYS if metric == "accuracy" else LOSS_KEYS
    matches = is_accuracy if metric == "accuracy" else is_loss
    candidates = [k for k in logged if k in family or matches(k)]
    if not candidates:
        return None
    order = {name: i for i, name in enumerate(family)}
    # the study key's split where its name says one; else held-out measures first
    split = split_of(study) if study and split_of(study) != "unspecified" else None

    def rank(k: str) -> tuple[object, ...]:
        # the study key's split, held-out measures first (as the study's key is chosen), a
        # history before a summary's lone value among equals; beside a training key, a key
        # that names no split is the training one (Keras logs 'loss' and 'val_loss')
        unnamed_first = split == "training" and split_of(k) == "unspecified"
        return (
            split is not None and split_of(k) != split,
            not unnamed_first,
            _SPLIT_RANK[split_of(k)],
            k not in in_history,
            order.get(k, len(order)),
            k,
        )

    return min(candidates, key=rank)


def _evidence(key: str, in_history: list[str], why: str) -> Evidence:
    return Evidence("history" if key in in_history else "summary", key, why)
