"""How the common stacks name accuracy and loss metrics, recognised by the last part of a key's
path rather than by a list of whole names: ``val/accuracy``, ``eval/accuracy`` (Hugging Face),
``val_acc`` (Lightning), ``top1``, ``acc@1`` (timm, torchvision references), ``top@1``
(NeMo's TopKClassificationAccuracy: ``val_epoch_top@1``), ``running_accuracy``,
the split as a suffix (``accuracy_val``, Lightning's ``val_acc_epoch``) and a metric class's
name (Composer's ``metrics/eval/MulticlassAccuracy``).
The first parts say which split: validation or evaluation, test, or training."""

from __future__ import annotations

import re
from typing import Literal

Split = Literal["validation", "test", "unspecified", "training"]

_ACCURACY = re.compile(r"(?:^|[_\-])(?:acc|accuracy|top[-_@]?1(?:[-_]?acc(?:uracy)?)?|acc[@_-]?1)$")
_SPLIT_WORDS = r"(?:val|valid|validation|eval|evaluation|dev|test|train|training)"
# the split as a suffix (Keras-style ``accuracy_val``), or Lightning's aggregation suffix after a
# split prefix (``self.log("val_acc", on_step=True, on_epoch=True)`` logs ``val_acc_step`` and
# ``val_acc_epoch``); a bare ``acc_step`` (gradient accumulation) is none
_ACCURACY_SUFFIXED = re.compile(
    rf"^(?:(?:acc|accuracy)[_\-]{_SPLIT_WORDS}|{_SPLIT_WORDS}[_\-](?:acc|accuracy)[_\-](?:epoch|step))$"
)
# a metric class's name, as Composer and torchmetrics' MetricCollection log it
# (``metrics/eval/MulticlassAccuracy``, ``BinaryAccuracy``)
_ACCURACY_CLASS = re.compile(r"^(?:[A-Z][a-z0-9]*)*Accuracy$")
_LOSS = re.compile(r"(?:^|[_\-])(?:loss|nll|cross[-_]?entropy)$")
_SPLITS: tuple[tuple[Split, tuple[str, ...]], ...] = (
    ("validation", ("val", "valid", "validation", "eval", "evaluation", "dev")),
    ("test", ("test",)),
    ("training", ("train", "training", "running", "batch", "step")),
)


def _parts(key: str) -> list[str]:
    return [p for p in re.split(r"[./]", key.lower()) if p]


def is_accuracy(key: str) -> bool:
    parts = _parts(key)
    if not parts or key.startswith("_"):
        return False
    last = re.split(r"[./]", key)[-1]
    return bool(
        _ACCURACY.search(parts[-1])
        or _ACCURACY_SUFFIXED.match(parts[-1])
        or _ACCURACY_CLASS.match(last)
    )


def is_loss(key: str) -> bool:
    parts = _parts(key)
    return bool(parts) and not key.startswith("_") and bool(_LOSS.search(parts[-1]))


def is_metric(key: str) -> bool:
    return is_accuracy(key) or is_loss(key)


def split_of(key: str) -> Split:
    """Which data a metric was measured on, from the words of its path (``val/accuracy``,
    ``eval_accuracy``, ``train_acc_epoch``)."""
    words = [w for part in _parts(key) for w in re.split(r"[_\-]", part) if w]
    for split, names in _SPLITS:
        if any(word in names for word in words):
            return split
    return "unspecified"
