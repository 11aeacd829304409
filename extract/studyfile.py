"""The study file: what the user states about their study, committed next to their slides.

    # study.toml
    baseline = "1 GPU 1 Node Run"     # speedup and efficiency are against this run (id or name)
    pick = "fastest"                  # which run stands for a GPU count when there are several:
                                      # fastest (default) or latest
    [metrics]
    accuracy_key = "eval/accuracy"
    accuracy_scale = "fraction"       # fraction (0-1) or percent (0-100)
    loss_key = "train/loss"

    [runs."Four Node Run"]            # a run id or a run name
    platform = "cluster"              # cluster or laptop
    gpus = 32
    nodes = 4
    cores = 8                         # a laptop's CPU cores
    epochs = 10                       # planned
    epochs_done = 10
    label = "32 GPUs (2024 code)"     # what the screen calls it
    exclude = true                    # leave it out of every figure and scene

    [cost]                            # extract/costfile.py: billing rate, laptop power, CO2
    rate = 0.5
    unit = "EUR"

    [select]                          # extract/runfilter.py: which runs are the study
    tags = ["scaling-v2"]
    sweep = false

Found at $LUMI_STUDY, else the ``study`` key of manim.cfg's [lumi_vs_laptop] section (relative
to that file), else ./study.toml. Applied at every extraction, from every source, and again at
render, so a fresh extraction never loses a correction.
"""

from __future__ import annotations

import math
import os
import tomllib
from collections.abc import Iterable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from .classify import Correction, Corrections
from .costfile import CostInputs, parse_cost
from .errors import InputError
from .model import KIND_WORDS, STATED_PLATFORMS, platform_or_none
from .paths import manim_cfg_value
from .runfilter import RunFilter, parse_select

STUDY_ENV = "LUMI_STUDY"
DEFAULT_NAME = "study.toml"
TOP_KEYS = {"baseline", "pick", "metrics", "runs", "cost", "select"}
METRIC_KEYS = {"accuracy_key", "accuracy_scale", "loss_key"}
RUN_KEYS = {
    "platform",
    "gpus",
    "nodes",
    "cores",
    "epochs",
    "epochs_done",
    "label",
    "exclude",
    "kind",
}
PICKS = ("fastest", "latest")
SCALES = ("fraction", "percent")


@dataclass
class StudyFile:
    path: Path | None = None
    corrections: Corrections = field(default_factory=Corrections)
    baseline: str | None = None
    pick: str = "fastest"
    accuracy_key: str | None = None
    accuracy_scale: str | None = None
    loss_key: str | None = None
    # billing rate, laptop power, carbon intensity (extract/costfile.py)
    cost: CostInputs = field(default_factory=CostInputs)
    # which runs are the study ([select]): every command reads it (study/selection.py)
    select: RunFilter = field(default_factory=RunFilter)

    def unused_warnings(self, names: Iterable[str] = ()) -> list[str]:
        """One line per run entry that matched no run: a typo, a run not extracted yet, or one
        named from another folder (a TensorBoard run's name is its folder relative to the log
        directory given: `runs/` names it scaling/gpus_1, `runs/scaling/` gpus_1)."""
        names = sorted(set(names))
        lines = []
        for key in self.corrections.unused():
            line = f"{self.path}: [runs.{_quoted(key)}] matches no run (by id or name)"
            near = named_from_elsewhere(key, names)
            if near is not None and key.startswith(near + "/"):
                line += (
                    f"; a run here is named {_quoted(near)}, the folder around the one it names "
                    "(Keras' train/ and validation/ writers are one run, named by their parent)"
                )
            elif near is not None:
                line += (
                    f"; a run here is named {_quoted(near)}: a run's name is its folder relative "
                    "to the log directory it was extracted from, so name it as this extraction "
                    "does, or extract from the log directory the line was written for"
                )
            lines.append(line)
        return lines


def named_from_elsewhere(key: str, names: Iterable[str]) -> str | None:
    """The run name that is ``key`` seen from another folder: one ends the other as a path
    (scaling/gpus_1 and gpus_1), or ``key`` names a folder inside the run's (a Keras run's
    train/ writer: mlp_cpu/train of the run mlp_cpu). The longest such name, or None."""
    found = [
        name
        for name in names
        if key.endswith("/" + name) or name.endswith("/" + key) or key.startswith(name + "/")
    ]
    return max(found, key=len) if found else None


def study_path(explicit: str | Path | None = None) -> Path | None:
    if explicit:
        return Path(explicit)
    from_env = os.environ.get(STUDY_ENV)
    if from_env:
        return Path(from_env)
    from_cfg = _path_in_manim_cfg()
    if from_cfg is not None:
        return from_cfg
    local = Path.cwd() / DEFAULT_NAME
    return local if local.exists() else None


def _path_in_manim_cfg() -> Path | None:
    named = manim_cfg_value("lumi_vs_laptop", "study")
    if named is None:
        return None
    candidate, value = named
    return (candidate.parent / value).resolve()


def load_study(explicit: str | Path | None = None) -> StudyFile:
    """The study file, or an empty one when there is none; a named file must exist."""
    path = study_path(explicit)
    if path is None:
        return StudyFile()
    try:
        data = tomllib.loads(path.read_text(encoding="utf-8"))
    except FileNotFoundError:
        raise InputError(
            "no study file here", path=path, hint=f"create it, or unset ${STUDY_ENV}"
        ) from None
    except tomllib.TOMLDecodeError as error:
        raise InputError(f"not valid TOML ({error})", path=path) from None
    except (OSError, UnicodeDecodeError) as error:
        raise InputError(f"cannot read the study file ({error})", path=path) from None
    return _parse(path, data)


def _parse(path: Path, data: dict[str, Any]) -> StudyFile:
    _known(path, data, TOP_KEYS, "")
    study = StudyFile(path=path)
    study.baseline = _text(path, data, "baseline", "")
    pick = _text(path, data, "pick", "") or "fastest"
    if pick not in PICKS:
        raise InputError(f"pick = {pick!r}: use {' or '.join(PICKS)}", path=path)
    study.pick = pick
    metrics = data.get("metrics", {})
    if not isinstance(metrics, dict):
        raise InputError("[metrics] must be a table", path=path)
    _known(path, metrics, METRIC_KEYS, "metrics.")
    study.accuracy_key = _text(path, metrics, "accuracy_key", "metrics.")
    study.loss_key = _text(path, metrics, "loss_key", "metrics.")
    scale = _text(path, metrics, "accuracy_scale", "metrics.")
    if scale is not None and scale not in SCALES:
        raise InputError(
            f"accuracy_scale = {scale!r}: use fraction or percent",
            path=path,
        )
    study.accuracy_scale = scale
    study.cost = parse_cost(path, data.get("cost"))
    study.select = parse_select(path, data.get("select"))
    runs = data.get("runs", {})
    if not isinstance(runs, dict):
        raise InputError("[runs] must hold one table per run", path=path)
    origin = f"study file {path.name}"
    for key, entry in runs.items():
        where = f"runs.{_quoted(key)}"
        if not isinstance(entry, dict):
            raise InputError(f"{where} must be a table of facts", path=path)
        _known(path, entry, RUN_KEYS, f"{where}.")
        study.corrections.by_key[key] = Correction(
            origin=origin,
            platform=platform_or_none(
                _choice(path, entry, "platform", where, STATED_PLATFORMS), STATED_PLATFORMS
            ),
            gpus=_whole(path, entry, "gpus", where),
            nodes=_whole(path, entry, "nodes", where),
            cores=_whole(path, entry, "cores", where),
            epochs=_positive(path, entry, "epochs", where),
            epochs_done=_positive(path, entry, "epochs_done", where),
            label=_text(path, entry, "label", f"{where}."),
            exclude=_flag(path, entry, "exclude", where),
            kind=_choice(path, entry, "kind", where, tuple(KIND_WORDS)),
        )
    return study


def _quoted(key: str) -> str:
    return key if key.replace("_", "").replace("-", "").isalnum() else f'"{key}"'


def _known(path: Path, table: dict[str, Any], known: set[str], prefix: str) -> None:
    for key in table:
        if key not in known:
            raise InputError(
                f"unknown key {prefix}{key}",
                path=path,
                hint="known: " + ", ".join(sorted(known)),
            )


def _text(path: Path, table: dict[str, Any], key: str, prefix: str) -> str | None:
    value = table.get(key)
    if value is None:
        return None
    if not isinstance(value, str) or not value.strip():
        raise InputError(f"{prefix}{key} must be non-empty text", path=path)
    return value.strip()


def _choice(
    path: Path, table: dict[str, Any], key: str, where: str, choices: tuple[str, ...]
) -> str | None:
    value = table.get(key)
    if value is None:
        return None
    if value not in choices:
        raise InputError(
            f"{where}.{key} = {value!r}: use {' or '.join(choices)}",
            path=path,
        )
    return str(value)


def _whole(path: Path, table: dict[str, Any], key: str, where: str) -> int | None:
    value = table.get(key)
    if value is None:
        return None
    if isinstance(value, bool) or not isinstance(value, int) or value < 1:
        raise InputError(
            f"{where}.{key} = {value!r}: use a whole number of at least 1",
            path=path,
        )
    return value


def _positive(path: Path, table: dict[str, Any], key: str, where: str) -> float | None:
    value = table.get(key)
    if value is None:
        return None
    if (
        isinstance(value, bool)
        or not isinstance(value, int | float)
        or not math.isfinite(value)
        or value <= 0
    ):
        raise InputError(f"{where}.{key} = {value!r}: use a number above 0", path=path)
    return float(value)


def _flag(path: Path, table: dict[str, Any], key: str, where: str) -> bool:
    value = table.get(key, False)
    if not isinstance(value, bool):
        raise InputError(f"{where}.{key} = {value!r}: use true or false", path=path)
    return value


def suggestion(run_name: str, missing: list[str], platform: str = "cluster") -> str:
    """The line to add under [runs] of the study file for a run whose facts are unknown (an
    inline table, so it is one line of valid TOML once N is filled in)."""
    return f"{_toml_key(run_name)} = {inline_table(missing, platform)}"


def inline_table(missing: list[str], platform: str = "cluster") -> str:
    values = {"platform": f'"{platform}"', "gpus": "N", "nodes": "N"}
    assignments = ", ".join(f"{fact} = {values.get(fact, 'N')}" for fact in missing)
    return f"{{ {assignments} }}"


def _toml_key(key: str) -> str:
    bare = key.replace("_", "").replace("-", "").isalnum() and key.isascii()
    return key if bare else '"' + key.replace("\\", "\\\\").replace('"', '\\"') + '"'
