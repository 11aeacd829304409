"""What a user sets without editing Python: the [lumi_vs_laptop] section of manim.cfg.

Read from $LUMI_CONFIG if set, else ./manim.cfg (the file manim itself reads), else the project's
manim.cfg. Every key is optional; see manim.cfg for the documented defaults.
"""

from __future__ import annotations

import configparser
import os
import re
from dataclasses import dataclass, fields
from pathlib import Path
from typing import Any

from extract.errors import InputError
from extract.model import Run
from extract.paths import PROJECT_ROOT

SECTION = "lumi_vs_laptop"
CONFIG_ENV = "LUMI_CONFIG"


@dataclass(frozen=True)
class Settings:
    theme: str = "dark"
    cluster_name: str = "LUMI"
    laptop_name: str = "Laptop"
    title_race: str = "The training race: {cluster} vs {laptop}"
    title_scaling: str = "How training speeds up with GPUs on {cluster}"
    title_comparison: str = "Time to train: {cluster} vs {laptop}"
    title_accuracy: str = "Accuracy against wall time"
    title_loss: str = "Loss against wall time"
    title_cost: str = "What the speed costs: {cluster} vs {laptop}"
    include_runs: str = ""
    exclude_runs: str = ""
    accuracy_key: str = "running_accuracy"
    loss_key: str = "train_loss"
    target_accuracy: float = 90.0
    comparison_time: str = "total"
    # billing: cost_rate (a number; empty = no cost shown) in cost_unit per cost_per
    # (gpu_hour or node_hour); the study file's [cost] wins over these (study/cost.py)
    cost_rate: str = ""
    cost_per: str = "gpu_hour"
    cost_unit: str = ""
    # the study file (corrections, baseline, metric scale), relative to this manim.cfg; read by
    # extract/studyfile.py, named here so the setting is known
    study: str = ""

    def title(self, template: str) -> str:
        return template.format(cluster=self.cluster_name, laptop=self.laptop_name.lower())

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


def config_file() -> Path | None:
    explicit = os.environ.get(CONFIG_ENV)
    if explicit:
        return Path(explicit)
    for candidate in (Path.cwd() / "manim.cfg", PROJECT_ROOT / "manim.cfg"):
        if candidate.exists():
            return candidate
    return None


def load_settings() -> Settings:
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
        where = f"line {line}: " if line else ""
        raise InputError(f"cannot read settings: {where}{reason}", path=path) from None
    except (OSError, UnicodeDecodeError) as error:
        raise InputError(f"cannot read settings ({error})", path=path) from None
    if not parser.has_section(SECTION):
        return Settings()
    known = {f.name: f for f in fields(Settings)}
    values: dict[str, Any] = {}
    for key, raw in parser.items(SECTION):
        if key not in known:
            raise InputError(
                f"unknown setting {key!r} in [{SECTION}]",
                path=path,
                hint="known: " + ", ".join(known),
            )
        values[key] = _convert(path, key, raw.strip(), known[key].type)
    settings = Settings(**values)
    _validate(path, settings)
    return settings


def _convert(path: Path, key: str, raw: str, kind) -> object:
    if kind in (float, "float"):
        try:
            return float(raw)
        except ValueError:
            raise InputError(f"{key} = {raw!r} is not a number", path=path) from None
    return raw


def _validate(path: Path, settings: Settings) -> None:
    if settings.theme not in ("dark", "light"):
        raise InputError(f"theme = {settings.theme!r}: use dark or light", path=path)
    if settings.comparison_time not in ("total", "per_epoch"):
        raise InputError(
            f"comparison_time = {settings.comparison_time!r}: use total or per_epoch", path=path
        )
    if not 0 < settings.target_accuracy <= 100:
        raise InputError(
            f"target_accuracy = {settings.target_accuracy:g}: use a percentage (90) or a "
            "fraction (0.9)",
            path=path,
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


def _pattern(text: str, key: str, path: Path | None = None) -> re.Pattern | None:
    if not text:
        return None
    try:
        return re.compile(text)
    except re.error as error:
        raise InputError(
            f"{key} = {text!r} is not a regular expression ({error})", path=path
        ) from None
