"""Which logged key a figure shows, and in what scale: projects log accuracy under many names,
as a percentage or as a fraction (Hugging Face's eval/accuracy, Lightning's val_acc: 0.92)."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

import numpy as np
import pandas as pd
from numpy.typing import NDArray

from extract.metric_names import is_accuracy, is_loss, split_of
from extract.model import Evidence, Run

ACCURACY_KEYS = (
    "running_accuracy",
    "accuracy",
    "acc",
    "val_acc",
    "val_accuracy",
    "eval/accuracy",
    "val/acc",
    "train_accuracy",
    "train/accuracy",
    "eval_accuracy",
    "test_accuracy",
    "test_acc",
)
LOSS_KEYS = (
    "train_loss",
    "loss",
    "train/loss",
    "batch_loss",
    "val_loss",
    "eval/loss",
    "val/loss",
    "eval_loss",
    "train_loss_epoch",
    "train_loss_step",
)


@dataclass(frozen=True)
class MetricChoice:
    """The key a scene draws: the one asked for if any run logged it, else the first common
    name that a run logged (``fallback``), else None; ``logged`` lists what the runs have."""

    key: str | None
    asked: str
    fallback: bool
    logged: tuple[str, ...]

    @property
    def caption(self) -> str:
        return self.key or self.asked

    @property
    def why_not_asked(self) -> str | None:
        """Why another key than the asked one is shown, or None."""
        if not self.fallback or self.key is None:
            return None
        if self.asked not in self.logged:
            return "the configured key is not logged"
        return (
            f"logged by more of the runs shown than '{self.asked}', or held out (validation) "
            "where it is not"
        )


def logged_keys(runs: list[Run], *, summaries: bool = False) -> list[str]:
    """Keys with values in the runs' histories (and, with ``summaries``, their summaries: a runs
    table without panel exports has only those)."""
    keys: dict[str, None] = {}
    for run in runs:
        for column in run.history.columns:
            if not str(column).startswith("_") and _has_values(run.history[column]):
                keys[str(column)] = None
        if summaries:
            for key, value in run.summary.items():
                if not key.startswith("_") and isinstance(value, int | float):
                    keys[key] = None
    return list(keys)


def _has_values(column: pd.Series) -> bool:
    # a logged key has values among its first rows, as a rule: the whole column (a million
    # rows) is searched only when they are empty
    return bool(column.iloc[:64].notna().any() or column.notna().any())


def _family_matches(family: tuple[str, ...]) -> Callable[[str], bool]:
    return is_loss if family is LOSS_KEYS else is_accuracy


_SPLIT_RANK = {"validation": 0, "unspecified": 1, "test": 2, "training": 3}


def _ranked(keys: list[str], family: tuple[str, ...]) -> list[str]:
    """Keys of the family, held-out measures first (validation, eval), then the common names'
    order, then the rest by name."""
    order = {name: i for i, name in enumerate(family)}
    return sorted(keys, key=lambda k: (_SPLIT_RANK[split_of(k)], order.get(k, len(order)), k))


def choose_key(
    runs: list[Run], asked: str, family: tuple[str, ...], *, summaries: bool = False
) -> MetricChoice:
    """The asked key if logged, else the best logged key that the family's pattern recognises
    (accuracy: ``val/accuracy``, ``top1``, ``eval_accuracy`` ...; loss: ``train/loss`` ...)."""
    logged = logged_keys(runs, summaries=summaries)
    if asked in logged:
        return MetricChoice(asked, asked, False, tuple(logged))
    matches = _family_matches(family)
    candidates = [k for k in logged if k in family or matches(k)]
    if candidates:
        # the key most runs logged, so a chart draws as many runs as it can; then held-out
        # measures first, then the common names' order
        coverage = {
            k: sum(k in logged_keys([run], summaries=summaries) for run in runs) for k in candidates
        }
        ranked = _ranked(candidates, family)
        # a fallback keeps the asked key's split: asked for training loss, a stack that names it
        # its own way (Lightning's train_loss_epoch) is drawn before its validation loss
        split = split_of(asked)

        def other_split(key: str) -> int:
            if split == "unspecified" or split_of(key) == split:
                return 0
            # beside a training key, one that names no split is the training one (Keras logs
            # 'loss' and 'val_loss')
            return 1 if split == "training" and split_of(key) == "unspecified" else 2

        best = min(ranked, key=lambda k: (-coverage[k], other_split(k), ranked.index(k)))
        return MetricChoice(best, asked, True, tuple(logged))
    return MetricChoice(None, asked, False, tuple(logged))


def accuracy_key(
    runs: list[Run], asked: str, chosen: str | None = None, *, held_out_first: bool = False
) -> MetricChoice:
    """THE accuracy key of a study: the one the accuracy curves draw, the best-accuracy headline
    names and the report's table reads (each run's own where it did not log it:
    study/metric_keys.py). ``held_out_first``: the key of the best accuracy, which may be a
    summary's (the published study's 'acc'); without it, the key with histories first.

    ``chosen`` (the study file's ``accuracy_key``) when a run logged it. Else the accuracy key
    most of ``runs`` (the shown runs) logged in their histories (then in their summaries), a
    held-out measure (validation, eval) before an unnamed one before training accuracy (which
    reaches 100% on memorised data), then ``asked`` (manim.cfg's), then the common names."""
    logged = logged_keys(runs, summaries=True)
    if chosen and chosen in logged:
        return MetricChoice(chosen, chosen, False, tuple(logged))
    candidates = [k for k in logged if k == asked or k in ACCURACY_KEYS or is_accuracy(k)]
    if not candidates:
        return MetricChoice(None, chosen or asked, False, tuple(logged))
    in_history = {k: sum(k in logged_keys([run]) for run in runs) for k in candidates}
    anywhere = {k: sum(k in logged_keys([run], summaries=True) for run in runs) for k in candidates}
    order = {name: i for i, name in enumerate(ACCURACY_KEYS)}

    def rank(k: str) -> tuple[object, ...]:
        split = _SPLIT_RANK[split_of(k)]
        common = (k != asked, order.get(k, len(order)), k)
        if held_out_first:
            return (-anywhere[k], split, -in_history[k], *common)
        return (-in_history[k], -anywhere[k], split, *common)

    best = min(candidates, key=rank)
    return MetricChoice(best, chosen or asked, best != (chosen or asked), tuple(logged))


def target_percent(target: float) -> float:
    """A target accuracy given as 90 or as 0.9 means the same: 90%."""
    return target * 100.0 if 0 < target <= 1 else target


@dataclass(frozen=True)
class AccuracyScale:
    factor: float  # multiply logged values by this to get percent
    evidence: Evidence

    @property
    def name(self) -> str:
        return "fraction" if self.factor == 100.0 else "percent"


# a scale as the study file states it ("fraction", "percent"), or as decided over a study
Scale = str | AccuracyScale | None


def accuracy_scale(run: Run, key: str, stated: Scale = None) -> AccuracyScale:
    """Percent or fraction: the study file's word if it gives one, else the scale decided over
    the study (``study_scale``), else this run's values: all within [0, 1] for an accuracy key
    is a fraction."""
    if isinstance(stated, AccuracyScale):
        return stated
    if stated in ("fraction", "percent"):
        return _stated_scale(str(stated))
    values = _logged(run, key)
    if values.size == 0:
        return AccuracyScale(1.0, Evidence("default", key, "not logged"))
    top = float(values.max())
    if is_accuracy(key) and values.min() >= 0 and top <= 1.0:
        return AccuracyScale(100.0, Evidence("history", key, f"all within 0-1 (max {top:.4g})"))
    return AccuracyScale(1.0, Evidence("history", key, f"max {top:.4g}"))


def study_scale(runs: list[Run], key: str, stated: str | None = None) -> AccuracyScale:
    """Percent or fraction of ``key``, decided over every run of the study that logged it: a
    key that runs above 1 in any run is a percentage in all of them (a diverged run at chance
    level, 1%, stays 1%), and a fraction only when every run keeps it within 0..1. The study
    file's word wins. The evidence names the run that decided."""
    if stated in ("fraction", "percent"):
        return _stated_scale(stated)
    logged = [(run, values) for run in runs if (values := _logged(run, key)).size]
    if not logged:
        return AccuracyScale(1.0, Evidence("default", key, "not logged"))
    run, values = max(logged, key=lambda item: float(item[1].max()))
    top = float(values.max())
    others = f" (of {len(logged)} runs that logged it)" if len(logged) > 1 else ""
    if top > 1.0:
        return AccuracyScale(1.0, Evidence("history", key, f"percent: {top:.4g} in {run.name}"))
    if is_accuracy(key) and all(float(v.min()) >= 0 for _, v in logged):
        return AccuracyScale(
            100.0,
            Evidence("history", key, f"fraction: all within 0-1{others} (max {top:.4g})"),
        )
    return AccuracyScale(1.0, Evidence("history", key, f"max {top:.4g}{others}"))


def _stated_scale(stated: str) -> AccuracyScale:
    return AccuracyScale(
        100.0 if stated == "fraction" else 1.0,
        Evidence("study file", "metrics.accuracy_scale", stated),
    )


def _logged(run: Run, key: str) -> NDArray[np.float64]:
    """A run's values of ``key``: its history, else its summary's last value."""
    values = _values(run, key)
    if values.size == 0:
        summary = run.summary.get(key)
        if isinstance(summary, int | float) and not isinstance(summary, bool):
            values = np.array([float(summary)])
            values = values[np.isfinite(values)]
    return values


def _values(run: Run, key: str) -> NDArray[np.float64]:
    if key not in run.history:
        return np.array([])
    values: NDArray[np.float64] = run.history[key].to_numpy(dtype=float)
    finite = np.isfinite(values)
    if finite.all():  # the history itself, read only: no copy of a million rows
        values = values.view()
        values.flags.writeable = False
        return values
    return values[finite]


def percent_series(run: Run, key: str, stated: Scale = None) -> tuple[np.ndarray, np.ndarray]:
    """(times, accuracy in percent) of a run, in time order, without gaps."""
    if key not in run.history:
        return np.array([]), np.array([])
    scale = accuracy_scale(run, key, stated)
    times = run.history["_runtime"].to_numpy(dtype=float)
    values = run.history[key].to_numpy(dtype=float) * scale.factor
    keep = np.isfinite(times) & np.isfinite(values)
    if keep.all():  # a copy, not a selection of every row (``values`` is one already)
        times = times.copy()
    else:
        times, values = times[keep], values[keep]
    if np.any(times[1:] < times[:-1]):
        order = np.argsort(times, kind="stable")
        times, values = times[order], values[order]
    return times, values


def best_accuracy(run: Run, key: str, stated: Scale = None) -> float | None:
    """The best accuracy (percent) a run logged under ``key``: history, else summary."""
    _, values = percent_series(run, key, stated)
    if values.size:
        return float(values.max())
    summary = run.summary.get(key)
    if isinstance(summary, int | float) and not isinstance(summary, bool) and np.isfinite(summary):
        return float(summary) * accuracy_scale(run, key, stated).factor
    return None


def best_accuracy_at(run: Run, key: str, stated: Scale = None) -> tuple[float | None, float | None]:
    """The best accuracy (percent) a run logged under ``key`` and the measured wall time it was
    first logged at (None when only the summary holds it)."""
    times, values = percent_series(run, key, stated)
    if values.size:
        at = int(np.argmax(values))
        return float(values[at]), float(times[at])
    return best_accuracy(run, key, stated), None


MAX_PERCENT_DECIMALS = 4


def percent_decimals(target: float | None) -> int:
    """How many decimals an accuracy is shown with: one, or as many as the target has
    ("92.55%"), so that a value and the target are read at the same precision."""
    if target is None:
        return 1
    written = f"{target:g}"
    decimals = len(written.split(".")[1]) if "." in written and "e" not in written else 0
    return min(MAX_PERCENT_DECIMALS, max(1, decimals))


def shown_percent(values: NDArray[np.float64], decimals: int) -> NDArray[np.float64]:
    """Accuracies (percent) as the screen shows them, cut (never rounded up) to ``decimals``:
    one rounding for the labels and for deciding "reached". 0.8997 reads "89.9%" beside "not
    reached" for 90% (a newcomer saw "90.0%" beside "not reached"), and a shown figure never
    claims more than the run logged: "reached" stays what the run did. The epsilon keeps a
    logged fraction's float error (0.57 * 100 is 56.99999999999999) from cutting a digit."""
    scale = 10.0**decimals
    shown: NDArray[np.float64] = np.floor(np.asarray(values, dtype=float) * scale + 1e-6) / scale
    return shown


def percent_text(value: float, decimals: int) -> str:
    return f"{float(shown_percent(np.array([value]), decimals)[0]):.{decimals}f}%"


def target_text(target: float) -> str:
    """The target as the screen writes it ("90%", "92.55%"), at the precision values are
    compared with it."""
    return f"{round(target, percent_decimals(target)):g}%"


def first_at_target(values: NDArray[np.float64], target: float) -> int | None:
    """The index of the first value (percent) that reaches ``target`` as the screen shows
    both (which is the value itself reaching it: the target has no more decimals than are
    shown); None when none does."""
    decimals = percent_decimals(target)
    goal = round(target, decimals)
    reached = np.nonzero(shown_percent(values, decimals) >= goal)[0]
    return int(reached[0]) if reached.size else None


def time_to_percent(run: Run, key: str, target: float, stated: Scale = None) -> float | None:
    """First wall time at which the run's accuracy, as shown, reached ``target`` percent."""
    times, values = percent_series(run, key, stated)
    at = first_at_target(values, target)
    return float(times[at]) if at is not None else None
