"""How many epochs a run did, read from how it logged them.

An ``epoch`` key is logged in two common ways that read differently: an INDEX logged with every
batch while the epoch runs (Lightning's ``epoch``, a script's ``for epoch in range(n)``), or a
value logged ONCE per epoch, at its end (a count 1..N, or the index of the epoch just finished)
or at its start. Which one a run did is decided from the history itself, never assumed:

- rows per value: many rows with one value = logged during the epoch; one row = once per epoch;
- where the first value falls: a value logged once, about one epoch's interval after the run
  started, was logged at the epoch's end; right at the start, at its beginning;
- the first value: the first epoch's number (0 for a 0-based index, 1 for a count);
- the plan and the state: a finished run did its plan, unless it stopped early (said), and
  never more (then the reading is wrong, and the fact is unknown).

A stopped run's share of its last, unfinished epoch comes from a logged step counter where there
is one (its steps since the last complete epoch's end over a complete epoch's: rows logged every
n steps are no measure of steps when n does not divide an epoch), else from the training steps it
logged since the last epoch boundary over a complete epoch's, counted in rows, so approximate. An
index logged during each epoch says the epoch ended at its last row (Lightning's ``val_acc`` and
``train_loss_epoch`` rows), which is when the pace of a stopped run is timed from. Training rows
are told by the step counter, not by the keys they carry (a stack may add keys after a
warm-up): rows that advance a logged step counter (``trainer/global_step``), so an evaluation
row logged at an epoch's end (Lightning's ``val_acc`` row, which carries ``epoch`` too) is no
step. An epoch index logged once more after the last training step with the next number
(Lightning's test metrics after fit) is a count of what was done. The evidence states the
number used.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any

import numpy as np
import pandas as pd

from .model import Evidence

# where a source knows which history column counts the steps the writer was given (TensorBoard's
# event step: the trainer's global step for Lightning and Hugging Face), its summary names it
# here: a column of wandb's own (``_step``, its row counter) is otherwise no step counter
STEP_COUNTER = "_step_counter"


@dataclass
class EpochsDone:
    value: float | None
    evidence: Evidence | None
    notes: list[str] = field(default_factory=list)


def _text(value: float) -> str:
    return f"{value:g}" if value != int(value) else str(int(value))


def epochs_done(
    history: pd.DataFrame,
    summary: Mapping[str, Any],
    finished: bool,
    planned: float | None,
    per_epoch: tuple[float, str] | None = None,
    step_limit: str | None = None,
) -> EpochsDone:
    """Epochs done from an overall progress percentage, a fractional epoch counter, or an epoch
    key; a finished run with a plan did its plan. ``per_epoch``: the steps an epoch has, where
    the run says (rules.steps_per_epoch), with how it was found. ``step_limit``: the positive
    step limit a run with no plan in epochs logged ('trainer/max_steps = 30'), where it ended:
    its last epoch index is an epoch begun, not one done."""
    notes: list[str] = []
    if planned is not None:
        progress = _progress(history, summary)
        if progress is not None:
            percent, source = progress
            done = round(min(percent, 100.0) / 100.0 * planned, 6)
            return EpochsDone(
                done,
                Evidence(
                    source,
                    "progress_percentage x planned epochs",
                    f"{percent:g}% x {_text(planned)} = {_text(done)}",
                ),
            )
    for key in _epoch_keys(history, summary):
        result = _from_epoch_key(history, summary, key, finished, planned, per_epoch, step_limit)
        if result is None:
            continue
        if result.value is not None or result.notes:
            return result
    if finished and planned is not None:
        return EpochsDone(
            planned, Evidence("state", "finished, so its planned epochs", _text(planned)), notes
        )
    return EpochsDone(None, None, notes)


def _epoch_keys(history: pd.DataFrame, summary: Mapping[str, Any]) -> list[str]:
    """Keys whose last part is 'epoch' (``epoch``, ``train/epoch``, ``trainer/epoch``), the
    plain one first."""
    names = {str(c) for c in history.columns} | {str(k) for k in summary}
    found = [n for n in names if n.lower().replace("/", ".").split(".")[-1] == "epoch"]
    return sorted(found, key=lambda n: (n != "epoch", n))


def _values(history: pd.DataFrame, key: str) -> pd.Series:
    if key not in history or not len(history):
        return pd.Series(dtype=float)
    values = pd.to_numeric(history[key], errors="coerce")
    return values[np.isfinite(values)]


def _progress(history: pd.DataFrame, summary: Mapping[str, Any]) -> tuple[float, str] | None:
    """An overall progress_percentage: it must never go back (a per-epoch percentage restarts
    every epoch, and is no measure of the whole job)."""
    values = _values(history, "progress_percentage").to_numpy(dtype=float)
    if values.size:
        if np.any(np.diff(values) < -1e-9) or values.max() <= 0:
            return None
        return float(values[-1]), "history"
    value = summary.get("progress_percentage")
    if isinstance(value, int | float) and not isinstance(value, bool) and value > 0:
        return float(value), "summary"
    return None


def _positions(history: pd.DataFrame) -> tuple[pd.Series, str]:
    """Where each row falls in the run: its step, else its time since the start."""
    for column, name in (("_step", "steps"), ("_runtime", "time")):
        if column in history:
            values = pd.to_numeric(history[column], errors="coerce")
            if values.notna().any():
                return values, name
    return pd.Series(np.arange(len(history), dtype=float), index=history.index), "rows"


def _from_epoch_key(
    history: pd.DataFrame,
    summary: Mapping[str, Any],
    key: str,
    finished: bool,
    planned: float | None,
    per_epoch: tuple[float, str] | None = None,
    step_limit: str | None = None,
) -> EpochsDone | None:
    values = _values(history, key)
    if values.empty:
        return _from_summary(summary, key, finished, planned)
    numbers = values.to_numpy(dtype=float)
    last = float(numbers.max())
    if np.any(numbers != np.floor(numbers)) or key.lower() == "train/epoch":
        # a counter of epochs done, in fractions (Hugging Face's train/epoch)
        done = round(last, 6)
        evidence = Evidence("history", f"{key} (fractional: epochs done)", _text(done))
        return _checked(done, evidence, finished, planned, key)
    within = _ended_within_an_epoch(history, key)
    if within is not None:
        return EpochsDone(None, None, [within])
    after = _counted_after_training(history, key, finished, planned)
    if after is not None:
        total, said_after = after
        evidence = Evidence("history", f"{said_after}: a count of epochs done", _text(total))
        return _checked(total, evidence, finished, planned, key)
    numbering = epoch_numbering(history, key, finished, planned)
    if isinstance(numbering, str):
        return EpochsDone(None, None, [numbering])
    first, during, at_end = numbering.first, numbering.during, numbering.at_end
    positions, _ = _positions(history)
    said = "0-based index" if first == 0 else "count from 1"
    completed = last - first + 1 if finished else last - first
    steps, kind = _training_rows(history, key)
    if during and finished and step_limit and planned is None:
        # the loop ended at its step limit, anywhere in the epoch it had begun
        return EpochsDone(
            None,
            None,
            [
                f"epochs done: '{key}' was {_text(last)} ({said}, logged during each epoch) when "
                f"the run ended at its step limit ({step_limit}): how much of that epoch it "
                "trained is not logged"
            ],
        )
    if during:
        how = f"{key}: a {said} logged during each epoch"
        rows = values[steps.loc[values.index]]
        if finished and planned is not None and completed < planned - 1e-6:
            # finished before its plan: the index of its last epoch says only that it began
            completed -= 1
            last_share = _share_by_counter(history, values, last, summary) or _last_epoch_share(
                rows, last, per_epoch, kind
            )
            if last_share is None:
                return EpochsDone(
                    None,
                    None,
                    [
                        f"epochs done: finished during its epoch {_text(last)} ('{key}', a "
                        f"{said}) of {_text(planned)} planned, and neither a complete epoch "
                        "nor the steps an epoch has say how much of it; unknown"
                    ],
                )
            share, counted = last_share
            how += f", run finished before its plan, + {share:.2f} of an epoch from {counted}"
            evidence = Evidence(
                "history", how, f"last {_text(last)}, so {_text(round(completed + share, 6))} done"
            )
            return _checked(round(completed + share, 6), evidence, finished, planned, key)
        share, axis = 0.0, "rows"
        if not finished:
            by_counter = _share_by_counter(history, values, last, summary)
            if by_counter is not None:
                share, kind = by_counter
                axis = "counter"
            else:
                share = _share_by_rows(rows, last)
                if not share and per_epoch is not None:
                    share = (_last_epoch_share(rows, last, per_epoch, kind) or (0.0, ""))[0]
        if finished:
            how += ", run finished"
    else:
        moment = "end" if at_end else "start"
        how = f"{key}: a {said} logged once at each epoch's {moment}"
        if at_end:
            completed = last - first + 1
        share, axis = (0.0, "rows") if finished else _share_after(values, positions, steps)
    done = round(completed + share, 6)
    if share:
        counted = {"rows": f"{kind} logged since, approximate", "counter": kind}.get(
            axis, "time since"
        )
        how += f", + {share:.2f} of an epoch from the {counted}"
    evidence = Evidence("history", how, f"last {_text(last)}, so {_text(done)} done")
    return _checked(done, evidence, finished, planned, key)


@dataclass(frozen=True)
class Numbering:
    """How a run logged an epoch key: the first epoch's number (0 or 1), and whether a value
    was logged during its epoch (with every batch) or once, at the epoch's end or start."""

    first: float
    during: bool
    at_end: bool

    @property
    def shift(self) -> float:
        """What a logged value plus this is: the epochs complete when it was first logged."""
        return -self.first + (1.0 if not self.during and self.at_end else 0.0)


def epoch_numbering(
    history: pd.DataFrame, key: str, finished: bool, planned: float | None
) -> Numbering | str:
    """How ``key`` was logged, read from the history (the module's docstring); a string says
    why it cannot be told. What epochs done and the race's progress both read."""
    values = _values(history, key)
    if values.empty:
        return f"epochs done: '{key}' has no values"
    numbers = values.to_numpy(dtype=float)
    first, last = float(numbers[0]), float(numbers.max())
    during = float(values.groupby(values).size().median()) > 1.5
    if first not in (0.0, 1.0):
        if finished and planned is not None and last - planned + 1 in (0.0, 1.0):
            first = last - planned + 1  # resumed: numbering from an earlier part
        else:
            return (
                f"epochs done: '{key}' starts at {_text(first)}: neither a 0-based index nor a "
                "count, and no finished plan says which; unknown"
            )
    if during:
        return Numbering(first, True, False)
    positions, _ = _positions(history)
    at_end = _logged_at_end(values, positions, history)
    if at_end is None:
        if not finished:
            return f"epochs done: {_logged_once(history, values, key)}; unknown"
        at_end = True  # a finished run's total does not depend on it
    return Numbering(first, False, at_end)


def _logged_once(history: pd.DataFrame, values: pd.Series, key: str) -> str:
    """What a run that logged ``key`` once per epoch, at a moment that cannot be told, logged:
    said as it was (a run stopped mid-epoch may have logged it once, with a step count)."""
    if len(values) == 1:
        # a step counter logged once is no sequence _step_counter can check: its name says it
        counter = _step_counter(history) or next(
            (
                str(c)
                for c in history.columns
                if not str(c).startswith("_")
                and str(c).lower().replace("/", ".").split(".")[-1] in ("step", "global_step")
            ),
            None,
        )
        step = history.loc[values.index[0], counter] if counter is not None else None
        at = (
            f", with {counter} = {_text(float(step))}"
            if step is not None and pd.notna(step)
            else ""
        )
        return (
            f"'{key}' = {_text(float(values.iloc[0]))} logged once{at}, and no epoch's end "
            "after it: whether during, at the start or at the end of an epoch cannot be told"
        )
    return (
        f"'{key}' is logged once per epoch ({len(values)} values), and nothing says whether at "
        "the epoch's start or end"
    )


def _from_summary(
    summary: Mapping[str, Any], key: str, finished: bool, planned: float | None
) -> EpochsDone | None:
    """Only the last value (a runs table without panels): enough for a finished run with a
    plan to say which numbering it used, not for a stopped one."""
    value = summary.get(key)
    if not isinstance(value, int | float) or isinstance(value, bool) or value < 0:
        return None
    if not np.isfinite(value):  # an export's "inf" or "NaN": no count of anything
        return None
    last = float(value)
    if last != int(last):
        return _checked(
            last,
            Evidence("summary", f"{key} (fractional: epochs done)", _text(last)),
            finished,
            planned,
            key,
        )
    if finished and planned is not None:
        numbering = {planned - 1: "0-based index", planned: "count from 1"}.get(last)
        if numbering is not None:
            return EpochsDone(
                planned,
                Evidence(
                    "summary",
                    f"{key}: last value, a {numbering} of the planned {_text(planned)} (finished)",
                    _text(planned),
                ),
            )
        if last < planned - 1:
            return EpochsDone(
                None,
                None,
                [
                    f"epochs done: finished with last '{key}' = {_text(last)} of "
                    f"{_text(planned)} planned: stopped early after {_text(last)} or "
                    f"{_text(last + 1)}; unknown"
                ],
            )
    return None


def _checked(
    done: float, evidence: Evidence, finished: bool, planned: float | None, key: str
) -> EpochsDone:
    if planned is not None and done > planned + 1e-6:
        return EpochsDone(
            None,
            None,
            [
                f"epochs done: '{key}' says {_text(done)} ({evidence.key}) but {_text(planned)} "
                "were planned; unknown"
            ],
        )
    notes = []
    if finished and planned is not None and done < planned - 1e-6:
        notes.append(
            f"epochs done: finished after {_text(done)} of {_text(planned)} planned epochs "
            "(stopped early)"
        )
    return EpochsDone(done, evidence, notes)


def _step_counter(history: pd.DataFrame) -> str | None:
    """A logged step counter (``trainer/global_step``, ``train/global_step``, ``step``): a key
    whose last part ends in 'step', whole numbers that never go back."""
    for column in sorted(str(c) for c in history.columns):
        last = column.lower().replace("/", ".").split(".")[-1]
        if column.startswith("_") or not last.endswith("step"):
            continue
        values = _values(history, column).to_numpy(dtype=float)
        if values.size >= 2 and np.all(values == np.floor(values)) and np.all(np.diff(values) >= 0):
            return column
    return None


def _declared_counter(history: pd.DataFrame, summary: Mapping[str, Any]) -> str | None:
    """The step counter the source named (STEP_COUNTER), where the history has it."""
    named = summary.get(STEP_COUNTER)
    return named if isinstance(named, str) and named in history else None


def _training_rows(history: pd.DataFrame, key: str) -> tuple[pd.Series, str]:
    """Which rows are training steps, and what they are said as. Told by the step counter, not
    by which keys a row carries (a stack may add keys after a warm-up): where a step counter is
    logged, the rows that advance it with a measured value of their own; else the rows that
    carry any measured key most rows carry (every row advances wandb's ``_step``). Measured
    keys are those other than the epoch key, wandb's own ``_`` keys and counters (whole numbers
    throughout: Composer's ``time/batch``, ``time/sample``). An evaluation row at an epoch's end
    repeats the step it follows, or carries only keys few rows carry, so it is no step; nor is
    a row of counters alone (Composer's final time values after its loop)."""
    steps = pd.Series(True, index=history.index)
    if not len(history):
        return steps, "rows"
    columns = [str(c) for c in history.columns if not str(c).startswith("_") and str(c) != key]
    counter = _step_counter(history)
    carried = history[columns].notna() if columns else pd.DataFrame(index=history.index)
    measured = [c for c in columns if c != counter and not _whole_numbers(history, c)]
    if counter is not None:
        values = pd.to_numeric(history[counter], errors="coerce")
        before = values.cummax().shift(1)
        steps &= values.notna() & (before.isna() | (values > before))
        if measured:
            steps &= carried[measured].any(axis=1)
        return steps, f"training rows (advancing {counter})"
    most = [c for c in measured if float(carried[c].mean()) > 0.5] or [
        c for c in columns if float(carried[c].mean()) > 0.5
    ]
    if not most:
        return steps, "rows"
    steps &= carried[most].any(axis=1)
    return steps, "training rows (with " + " or ".join(most) + ")"


def _whole_numbers(history: pd.DataFrame, column: str) -> bool:
    """A counter's values: whole numbers in every row that has one."""
    values = _values(history, column).to_numpy(dtype=float)
    return bool(values.size) and bool(np.all(values == np.floor(values)))


def _counted_after_training(
    history: pd.DataFrame, key: str, finished: bool, planned: float | None
) -> tuple[float, str] | None:
    """A 0-based epoch index logged with the training steps or at each epoch's start, then
    once more after the last training step with the next number (Lightning's test metrics
    after fit carry ``current_epoch``, Composer logs ``time/epoch`` after its loop: by then the
    epochs completed): that value is a count of what was done, not the start of one more.
    Returns (epochs done, how said); None when the key was not logged so (an index logged at
    each epoch's end puts its last value after the last step too, and is read as such)."""
    values = _values(history, key)
    steps, kind = _training_rows(history, key)
    if values.empty or not steps.any():
        return None
    positions, _ = _positions(history)
    order = positions.sort_values(kind="stable").index
    is_step = steps.loc[order].to_numpy(dtype=bool)
    last = int(np.flatnonzero(is_step)[-1])
    before = values[values.index.isin(order[: last + 1])]
    after = values[values.index.isin(order[last + 1 :])]
    if before.empty or after.empty:
        return None
    top = float(before.max())
    if float(after.max()) != top + 1:
        return None
    numbering = epoch_numbering(history.drop(index=after.index), key, finished, planned)
    if not isinstance(numbering, Numbering) or numbering.first != 0.0:
        return None
    if not numbering.during and numbering.at_end:
        return None
    moment = "with every batch" if numbering.during else "at each epoch's start"
    return top + 1, (
        f"{key}: a 0-based index logged {moment}, then {_text(top + 1)} after the last "
        f"training step ({kind})"
    )


def _last_epoch_share(
    rows: pd.Series, last: float, per_epoch: tuple[float, str] | None, kind: str
) -> tuple[float, str] | None:
    """How much of its last epoch a run did, with what it was counted from: its training rows
    in it over a complete epoch's (counted in its own history), else over the steps an epoch
    has (``per_epoch``); None when neither is known."""
    counts = rows.groupby(rows).size()
    if (counts.index < last).any():
        return _share_by_rows(rows, last), f"the {kind} logged in it, approximate"
    if per_epoch is None:
        return None
    steps, how = per_epoch
    done = int(counts.get(last, 0))
    return round(min(1.0, done / steps), 6), f"its {done} {kind} over {how} = {steps:g}"


def _share_by_counter(
    history: pd.DataFrame, values: pd.Series, last: float, summary: Mapping[str, Any]
) -> tuple[float, str] | None:
    """The unfinished epoch's share by a logged step counter: its steps since the last complete
    epoch's end (the counter's top in that epoch's rows, its evaluation and epoch-end rows
    included) over the steps of a complete epoch (between two epochs' ends; with one complete
    epoch, its end's value + 1, a counter from 0). Rows are no measure of steps: a stack logs
    every n steps, and n need not divide an epoch, and an epoch-end row may advance the
    counter. With how it was counted; None without a counter or a complete epoch."""
    declared = _declared_counter(history, summary)
    counter = declared or _step_counter(history)
    if counter is None:
        return None
    said = f"{counter} (the step each value was logged at)" if declared else counter
    steps = pd.to_numeric(history[counter], errors="coerce")
    ends = steps.loc[values.index].groupby(values.to_numpy()).max().dropna().sort_index()
    complete = ends[ends.index < last]
    if complete.empty or last not in ends.index:
        return None
    tops = complete.to_numpy(dtype=float)
    if declared and tops.size >= 3 and np.ptp(np.diff(tops)) > 0:
        # the step a value was logged at where nothing marks an epoch's end: each epoch's top is
        # its last logged step, up to a logging interval short of its end, and the steps
        # between them measure no epoch (the rows logged in each do better)
        return None
    per_epoch = float(np.median(np.diff(tops))) if tops.size >= 2 else float(tops[0]) + 1.0
    if per_epoch <= 0:
        return None
    since = float(ends[last]) - float(tops[-1])
    # a whole epoch's steps since the last end: that epoch ended too (an index logged during
    # each epoch says no more than that it began, so short of that, less than a whole one)
    share = 1.0 if since >= per_epoch else round(min(0.99, max(0.0, since / per_epoch)), 4)
    # one epoch's end says its steps only as far as the counter's first value is known
    rough = ", approximate" if tops.size < 2 else ""
    return share, (
        f"steps by {said}: {since:g} since the last epoch's end, of {per_epoch:g} an epoch{rough}"
    )


def _ended_within_an_epoch(history: pd.DataFrame, key: str) -> str | None:
    """The counters a stack logs after its loop (Composer's final time values: ``time/epoch``
    with ``time/batch_in_epoch``) put the run inside an epoch: a position within the epoch
    above 0 says the loop ended part-way through epoch ``key``, a plan in batches or samples
    reached there. How far into that epoch is not said without the epoch's length: what was
    seen, for `extract runs --unknown`; None when no such row ends the history."""
    if not len(history) or key not in history:
        return None
    positions, _ = _positions(history)
    last = history.loc[positions.sort_values(kind="stable").index[-1]]
    inside = [
        str(c)
        for c in history.columns
        if str(c).lower().endswith("_in_epoch") and pd.notna(last[c]) and float(last[c]) > 0
    ]
    if not inside or pd.isna(last[key]):
        return None
    at = ", ".join(f"{c} = {_text(float(last[c]))}" for c in inside)
    return (
        f"epochs done: the last row logs {key} = {_text(float(last[key]))} with {at}: the run "
        "ended part-way through that epoch, whose length it did not log"
    )


def _share_by_rows(values: pd.Series, last: float) -> float:
    """Rows logged in the last (unfinished) epoch over the median rows of a complete one."""
    counts = values.groupby(values).size()
    complete = counts[counts.index < last]
    if complete.empty:
        return 0.0
    return min(1.0, float(counts.get(last, 0)) / float(complete.median()))


def _logged_at_end(values: pd.Series, positions: pd.Series, history: pd.DataFrame) -> bool | None:
    """Logged once per epoch: at its end when the first value comes about one epoch's interval
    after the start, at its start when it comes right away. None: cannot tell."""
    at = positions.loc[values.index].to_numpy(dtype=float)
    if at.size < 2 or not np.all(np.isfinite(at)):
        return None
    interval = float(np.median(np.diff(at)))
    if interval <= 0:
        return None
    start = (
        0.0
        if "_runtime" in history and positions.name == "_runtime"
        else float(np.nanmin(positions.to_numpy(dtype=float)))
    )
    offset = float(at[0]) - start
    if offset > 0.5 * interval:
        return True
    if offset < 0.25 * interval and len(history) > len(values):
        return False  # other rows follow the first value: the epoch it opened
    return None


def _share_after(values: pd.Series, positions: pd.Series, steps: pd.Series) -> tuple[float, str]:
    """Training rows logged after the last once-per-epoch value, over the training rows logged
    between two such values (a complete epoch's batches); by time where no rows come between
    them. With what it was counted by: 'rows' or 'time'."""
    order = positions.sort_values(kind="stable")
    is_step = steps.loc[order.index].to_numpy(dtype=bool)
    counted = np.concatenate([[0], np.cumsum(is_step)])  # steps before each row, and in all
    marks: list[int] = [order.index.get_loc(i) for i in values.index]
    between = np.diff([counted[m + 1] for m in marks])
    after = int(counted[-1] - counted[marks[-1] + 1])
    if len(marks) >= 2 and float(np.median(between)) > 0:
        return round(min(0.99, after / float(np.median(between))), 2), "rows"
    at = positions.loc[values.index].to_numpy(dtype=float)
    if at.size < 2:
        return 0.0, "rows"
    interval = float(np.median(np.diff(at)))
    end = float(np.nanmax(positions.to_numpy(dtype=float)))
    if interval <= 0 or end <= at[-1]:
        return 0.0, "rows"
    return round(min(0.99, (end - float(at[-1])) / interval), 2), "time"


def epoch_progress(
    history: pd.DataFrame, finished: bool, planned: float | None
) -> list[tuple[float, float]]:
    """Epochs complete against time (seconds since the start, ``_runtime``), row by row, read
    from how the run logged them: a fractional counter, an epoch key with its numbering, else an
    overall progress percentage. Empty when the history does not say."""
    if not len(history) or "_runtime" not in history:
        return []
    times = pd.to_numeric(history["_runtime"], errors="coerce")
    for key in _epoch_keys(history, {}):
        values = _values(history, key)
        if values.empty:
            continue
        numbers = values.to_numpy(dtype=float)
        if np.any(numbers != np.floor(numbers)) or key.lower() == "train/epoch":
            return _pairs(times.loc[values.index], values)
        numbering = epoch_numbering(history, key, finished, planned)
        if isinstance(numbering, Numbering):
            pairs = _pairs(times.loc[values.index], values + numbering.shift)
            if numbering.during:
                pairs = sorted(pairs + _epoch_ends(times, values, numbering.first, finished))
            return pairs
    progress = _values(history, "progress_percentage")
    if planned and not progress.empty and not np.any(np.diff(progress.to_numpy()) < -1e-9):
        return _pairs(times.loc[progress.index], progress / 100.0 * planned)
    return []


def _epoch_ends(
    times: pd.Series, values: pd.Series, first: float, finished: bool
) -> list[tuple[float, float]]:
    """An index logged during each epoch: an epoch ended when its last row was logged (its
    evaluation and epoch-end rows, Lightning's ``val_acc`` and ``train_loss_epoch``), not
    when the next epoch's first row came, log_every_n_steps batches later. The last epoch
    logged ended only if the run finished."""
    at = pd.DataFrame({"t": times.loc[values.index], "epoch": values}).dropna()
    ends = at.groupby("epoch")["t"].max().sort_index()
    top = float(ends.index.max()) if len(ends) else 0.0
    return [
        (float(t), float(epoch) - first + 1.0)
        for epoch, t in ends.items()
        if float(epoch) < top or finished
    ]


def _pairs(times: pd.Series, completed: pd.Series) -> list[tuple[float, float]]:
    return sorted(
        (float(t), float(c))
        for t, c in zip(times, completed, strict=True)
        if np.isfinite(t) and np.isfinite(c)
    )


def first_training(
    history: pd.DataFrame, finished: bool, planned: float | None
) -> tuple[float, float] | None:
    """When the run's first training row was logged (seconds since the start: what came before
    is its start-up), and the epochs complete then (from its progress, 0 before any); None
    when the history has no time or no training row told apart."""
    if not len(history) or "_runtime" not in history:
        return None
    keys = _epoch_keys(history, {})
    steps, kind = _training_rows(history, keys[0] if keys else "")
    if kind == "rows":
        return None  # every row: the training rows are not told apart
    times = pd.to_numeric(history["_runtime"], errors="coerce")[steps]
    times = times[np.isfinite(times)]
    if times.empty:
        return None
    start = float(times.min())
    before = [c for t, c in epoch_progress(history, finished, planned) if t <= start]
    done = max(before, default=0.0)
    key = keys[0] if keys else ""
    values = _values(history, key)
    numbering = epoch_numbering(history, key, finished, planned) if not values.empty else None
    if isinstance(numbering, Numbering) and numbering.during and not np.any(values % 1):
        # an index logged with each training row says its epoch began, and the first row is
        # one training row into it: a complete epoch's rows say how much that is
        rows = values[steps.loc[values.index]]
        counts = rows.groupby(rows).size()
        complete = counts[counts.index < rows.max()]
        if not complete.empty:
            done += 1.0 / float(complete.median())
    return start, done
