"""Which logged key is each run's accuracy (or loss): one answer, with its evidence, for the
report, the curves and their captions. One study may mix stacks that name the same measure
their own way (a Hugging Face Trainer run's ``eval/accuracy`` beside a PyTorch DDP script's
``val_accuracy``): a run that did not log the study's key is read from its own, of the same
split where it has one, and whatever shows several runs says which key each one is."""

from __future__ import annotations

from dataclasses import dataclass, field, replace

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
    # keys of the family the run logged once beside another's curve, passed over for a curve
    # (a Hugging Face Trainer's end-of-training 'train_loss' beside its 'loss' every few steps)
    passed_over: tuple[str, ...] = field(default=())


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

    def passed_over(self, runs: list[Run]) -> str | None:
        """What the source line says of keys passed over for a curve ("'loss' drawn:
        'train_loss' logged once"), None when no run of ``runs`` passed one over."""
        keys = dict.fromkeys(k for run in runs for k in self.of(run).passed_over)
        if not keys:
            return None
        one = self.one_key(runs)
        drawn = f"'{one}' drawn: " if one else ""
        return drawn + ", ".join(f"'{k}'" for k in keys) + " logged once"

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
    read from it; a curve needs a history): without it, a key a run logged once is not its key
    when another of the family has a curve in its history."""
    family = ACCURACY_KEYS if metric == "accuracy" else LOSS_KEYS
    lone: dict[str, tuple[str, ...]] = {}
    if not summaries:
        every = [*runs, *(among or [])]
        lone = {run.run_id: _lone_keys(run, metric) for run in every}
        # a key another run draws as a curve stays a one-point curve beside it (a run that
        # ended after its first epoch's train_loss, in a study of train_loss curves)
        curves = {k for run in every for k in _curve_keys(run, metric)}
        lone = {run_id: tuple(k for k in keys if k not in curves) for run_id, keys in lone.items()}
        runs = [_without(run, lone[run.run_id]) for run in runs]
        among = [_without(run, lone[run.run_id]) for run in among] if among is not None else None
    among = among if among is not None else runs
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
            passed = _passed_over(run, lone.get(run.run_id, ()), metric, chosen or asked, study)
            if passed:
                why += f"; it logged '{passed[0]}' once, '{study}' a curve"
            by_run[run.run_id] = RunKey(
                study, _evidence(study, in_history, why), study in in_history, passed
            )
            continue
        own = _own_key(logged, in_history, metric, study)
        if own is None:
            by_run[run.run_id] = RunKey(
                None, Evidence("history", study or asked, f"no {metric} key logged")
            )
            continue
        passed = _passed_over(run, lone.get(run.run_id, ()), metric, chosen or asked, study)
        if passed:
            why = f"its own key: it logged '{passed[0]}' once, '{own}' a curve"
        else:
            why = f"its own key: it did not log '{study}'" if study else "its own key"
        if study and split_of(own) == split_of(study) and split_of(own) != "unspecified":
            why += f", {split_of(own)} like it"
        by_run[run.run_id] = RunKey(own, _evidence(own, in_history, why), own in in_history, passed)
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


def _family_counts(run: Run, metric: Metric) -> dict[str, int]:
    """How many values each key of the family has in the run's history."""
    family = ACCURACY_KEYS if metric == "accuracy" else LOSS_KEYS
    matches = is_accuracy if metric == "accuracy" else is_loss
    return {
        str(k): int(run.history[k].notna().sum())
        for k in run.history.columns
        if not str(k).startswith("_") and (k in family or matches(str(k)))
    }


def _curve_keys(run: Run, metric: Metric) -> list[str]:
    return [k for k, n in _family_counts(run, metric).items() if n > 1]


def _lone_keys(run: Run, metric: Metric) -> tuple[str, ...]:
    """The run's keys of the family with one value in its history, when another key of the
    family has several: one point is no curve, and a stack that logs its measure every few
    steps may log one key once at the end (the Trainer's average 'train_loss')."""
    counts = _family_counts(run, metric)
    if not any(n > 1 for n in counts.values()):
        return ()
    return tuple(k for k, n in counts.items() if n == 1)


def _passed_over(
    run: Run, lone: tuple[str, ...], metric: Metric, asked: str, study: str | None
) -> tuple[str, ...]:
    """The key logged once that would have been the run's but for ``_lone_keys``: the asked
    one, the study's, or its own of the family (none when another would have been)."""
    for key in (asked, study):
        if key in lone:
            return (key,)
    if not lone:
        return ()
    whole = [*lone, *logged_keys([run])]
    before = _own_key(whole, whole, metric, study)
    return (before,) if before in lone else ()


def _without(run: Run, keys: tuple[str, ...]) -> Run:
    """The run as a curve's key is decided: ``keys`` (logged once) left out of its history."""
    return replace(run, history=run.history.drop(columns=list(keys))) if keys else run


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
