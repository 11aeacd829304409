"""What a user sets without editing Python: the [lumi_vs_laptop] section of manim.cfg.

Read from $LUMI_CONFIG if set, else ./manim.cfg (the file manim itself reads), else the project's
manim.cfg. Every key is optional; see manim.cfg for the documented defaults.
"""

from __future__ import annotations

import ast
import configparser
import contextlib
import os
import re
from dataclasses import dataclass, fields, replace
from pathlib import Path
from typing import Any, Literal, get_args, get_origin, get_type_hints

from extract.errors import InputError
from extract.model import Run
from extract.paths import manim_cfg
from extract.studyfile import StudyFile

SECTION = "lumi_vs_laptop"
METRIC_ENV = "LUMI_METRIC"  # MetricVsTime's key, over manim.cfg's ``metric``
METRIC_X_ENV = "LUMI_METRIC_X"  # ... and its x axis, over manim.cfg's ``metric_x``


Theme = Literal["dark", "light"]
ComparisonTime = Literal["total", "per_epoch"]
Metric = Literal["accuracy", "loss"]
# MetricVsTime's x axis, as the W&B UI offers it: wall time, W&B's step (``_step``) or the epoch
MetricX = Literal["time", "step", "epoch"]


@dataclass(frozen=True)
class Settings:
    theme: Theme = "dark"
    cluster_name: str = "LUMI"
    laptop_name: str = "Laptop"
    title_race: str = "The training race: {cluster} vs {laptop}"
    title_scaling: str = "How training speeds up with GPUs on {cluster}"
    title_comparison: str = "Time to train: {cluster} vs {laptop}"
    title_accuracy: str = "Accuracy against wall time"
    title_loss: str = "Loss against wall time"
    title_cost: str = "What the speed costs: {cluster} vs {laptop}"
    title_metric: str = "{metric} against {x}"
    include_runs: str = ""
    exclude_runs: str = ""
    accuracy_key: str = "running_accuracy"
    loss_key: str = "train_loss"
    target_accuracy: float = 90.0
    # MetricVsTime: the history or system key it draws ($LUMI_METRIC wins), and the weight of
    # the exponential moving average a noisy key is drawn with (0: never smoothed)
    metric: str = "learning_rate"
    smoothing: float = 0.6
    metric_x: MetricX = "time"
    comparison_time: ComparisonTime = "total"
    # billing: cost_rate (a number; empty = no cost shown) in cost_unit per cost_per
    # (gpu_hour or node_hour); the study file's [cost] wins over these (study/cost.py)
    cost_rate: str = ""
    cost_per: str = "gpu_hour"
    cost_unit: str = ""
    # the study file (corrections, baseline, metric scale), relative to this manim.cfg; read by
    # extract/studyfile.py, named here so the setting is known
    study: str = ""

    def title(self, template: str) -> str:
        # names as the user wrote them: "MacBook" stays "MacBook" in a title
        return template.format(cluster=self.cluster_name, laptop=self.laptop_name)

    def select(self, runs: list[Run]) -> list[Run]:
        """The runs the user chose: names matching include_runs and not exclude_runs (regexes)."""
        include = _pattern(self.include_runs, "include_runs")
        exclude = _pattern(self.exclude_runs, "exclude_runs")
        return [
            run
            for run in runs
            if (include is None or include.search(run.name))
            and (exclude is None or not exclude.search(run.name))
        ]


def asked_key(settings: Settings, study: StudyFile, metric: Metric) -> str:
    """The history key a metric is drawn from, as the user asked for it: the study file's
    [metrics], else manim.cfg's (a project that logged another name falls back on a common one:
    study/metrics.py)."""
    if metric == "accuracy":
        return study.accuracy_key or settings.accuracy_key
    return study.loss_key or settings.loss_key


def config_file() -> Path | None:
    return manim_cfg()


def load_settings() -> Settings:
    settings = _load_file()
    metric = os.environ.get(METRIC_ENV, "").strip()
    if metric:
        settings = replace(settings, metric=metric)
    x = os.environ.get(METRIC_X_ENV, "").strip()
    if x:
        words = get_args(MetricX)
        if x not in words:
            raise InputError(f"${METRIC_X_ENV} = {x!r}: use {' or '.join(words)}")
        settings = replace(settings, metric_x=x)  # type: ignore[arg-type]  # checked above
    return settings


def _load_file() -> Settings:
    path = config_file()
    if path is None:
        return Settings()
    parser = configparser.ConfigParser(interpolation=None)
    try:
        parser.read(path, encoding="utf-8")
    except configparser.Error as error:
        # configparser's messages span lines and repeat the path; keep the reason and line
        reason = getattr(error, "message", str(error)).splitlines()[0].rstrip(".")
        line = getattr(error, "lineno", None)
        if isinstance(error, configparser.ParsingError) and getattr(error, "errors", None):
            # a line that is neither a section, a key = value nor a comment
            line, text = error.errors[0]
            with contextlib.suppress(ValueError, SyntaxError):
                text = ast.literal_eval(text)  # configparser keeps the line's repr
            reason = f"{str(text).strip()!r} is not 'key = value'"
        where = f"line {line}: " if line else ""
        raise InputError(f"cannot read settings: {where}{reason}", path=path) from None
    except (OSError, UnicodeDecodeError) as error:
        raise InputError(f"cannot read settings ({error})", path=path) from None
    if not parser.has_section(SECTION):
        return Settings()
    known = {f.name: f for f in fields(Settings)}
    types = get_type_hints(Settings)
    values: dict[str, Any] = {}
    for key, raw in parser.items(SECTION):
        if key not in known:
            raise InputError(
                f"unknown setting {key!r} in [{SECTION}]",
                path=path,
                hint="known: " + ", ".join(known),
            )
        values[key] = _convert(path, key, raw.strip(), types[key])
    settings = Settings(**values)
    _validate(path, settings)
    return settings


def _convert(path: Path, key: str, raw: str, kind: Any) -> object:
    """A setting's text as its field's type: a number, one of a Literal's words, or text."""
    if kind is float:
        try:
            return float(raw)
        except ValueError:
            raise InputError(f"{key} = {raw!r} is not a number", path=path) from None
    if get_origin(kind) is Literal:
        words = get_args(kind)
        if raw not in words:
            raise InputError(f"{key} = {raw!r}: use {' or '.join(words)}", path=path)
    return raw


def _validate(path: Path, settings: Settings) -> None:
    if not 0 < settings.target_accuracy <= 100:
        raise InputError(
            f"target_accuracy = {settings.target_accuracy:g}: use a percentage (90) or a "
            "fraction (0.9)",
            path=path,
        )
    if not 0 <= settings.smoothing < 1:
        raise InputError(
            f"smoothing = {settings.smoothing:g}: use a weight from 0 (none) to below 1", path=path
        )
    for key in ("include_runs", "exclude_runs"):
        _pattern(getattr(settings, key), key, path)
    _validate_rate(path, settings)


def _validate_rate(path: Path, settings: Settings) -> None:
    if settings.cost_per not in ("gpu_hour", "node_hour"):
        raise InputError(f"cost_per = {settings.cost_per!r}: use gpu_hour or node_hour", path=path)
    if not settings.cost_rate:
        return
    try:
        rate = float(settings.cost_rate)
    except ValueError:
        raise InputError(f"cost_rate = {settings.cost_rate!r} is not a number", path=path) from None
    if not rate > 0 or rate == float("inf"):
        raise InputError(f"cost_rate = {settings.cost_rate}: use a number above 0", path=path)
    if not settings.cost_unit:
        raise InputError(
            "cost_rate needs cost_unit: what the rate is in (EUR, billing units, ...)", path=path
        )


def _pattern(text: str, key: str, path: Path | None = None) -> re.Pattern[str] | None:
    if not text:
        return None
    try:
        return re.compile(text)
    except re.error as error:
        raise InputError(
            f"{key} = {text!r} is not a regular expression ({error})", path=path
        ) from None
