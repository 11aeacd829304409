"""The study's runs, as the study file's [select] table names them: tags, group, job type, sweep,
state, creation date, config values, names and ids.

    [select]
    tags = ["scaling-v2"]             # any of these tags
    group = "vit-scaling"             # a W&B group (or a list: any of)
    job_type = ["train"]              # any of these job types
    sweep = false                     # false: no sweep trials; true: trials only; or sweep ids
    state = ["finished", "crashed"]   # any of these states
    created_after = 2025-08-01        # a date (UTC) or a date and time; created_before too
    config = { script_version = "v2" }  # config values (a list: any of); nested keys dotted
    names = "GPU|Laptop"              # a regular expression, searched in each run's name and id
    exclude = ["debug-.*"]            # regular expressions: runs whose name or id match are out

Every line narrows the study (they combine with AND; a list inside a line is any of), as the
W&B runs table's filters do. One filter serves every command: the scenes, `report` and `runs`
read it through study/selection.py, and `extract wandb` sends it to the API as MongoDB-style
``filters`` and checks it again on what comes back.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, time
from pathlib import Path
from typing import Any

from .errors import InputError
from .model import Run

SELECT_KEYS = {
    "tags",
    "group",
    "job_type",
    "sweep",
    "state",
    "created_after",
    "created_before",
    "config",
    "names",
    "exclude",
}
# the states W&B gives a run (offline files and exports give the first three)
STATES = (
    "finished",
    "failed",
    "crashed",
    "killed",
    "running",
    "preempted",
    "preempting",
    "pending",
)


@dataclass(frozen=True)
class RunFields:
    """What the filter reads of a run, from the store or from the API before its history is
    fetched."""

    run_id: str
    name: str
    state: str
    tags: tuple[str, ...] = ()
    group: str | None = None
    job_type: str | None = None
    sweep_id: str | None = None
    created_at: str | None = None
    config: Mapping[str, Any] = field(default_factory=dict)

    @classmethod
    def of(cls, run: Run) -> RunFields:
        return cls(
            run.run_id,
            run.name,
            run.state,
            run.tags,
            run.group,
            run.job_type,
            run.sweep_id,
            run.created_at,
            run.config,
        )


@dataclass(frozen=True)
class RunFilter:
    tags: tuple[str, ...] = ()
    groups: tuple[str, ...] = ()
    job_types: tuple[str, ...] = ()
    sweep: bool | tuple[str, ...] | None = None
    states: tuple[str, ...] = ()
    created_after: datetime | None = None
    created_before: datetime | None = None
    config: tuple[tuple[str, tuple[Any, ...]], ...] = ()
    names: str | None = None
    exclude: tuple[str, ...] = ()

    @property
    def empty(self) -> bool:
        return self == RunFilter()

    def why_not(self, run: RunFields) -> str | None:
        """Why the filter leaves ``run`` out (the first line it fails), None when it keeps it."""
        if self.tags and not set(self.tags) & set(run.tags):
            has = f"its tags are {', '.join(run.tags)}" if run.tags else "it has no tag"
            return f"no tag {_any(self.tags)} ({has})"
        for what, wanted, value in (
            ("group", self.groups, run.group),
            ("job type", self.job_types, run.job_type),
        ):
            if wanted and value not in wanted:
                return f"{what} {value!r} is not {_any(wanted)}" if value else f"no {what}"
        if self.sweep is not None:
            reason = _sweep_reason(self.sweep, run.sweep_id)
            if reason:
                return reason
        if self.states and run.state not in self.states:
            return f"state {run.state} is not {_any(self.states)}"
        reason = self._date_reason(run.created_at)
        if reason:
            return reason
        for key, values in self.config:
            if key not in run.config:
                return f"config {key} not logged"
            if not any(_same(run.config[key], v) for v in values):
                return f"config {key} = {run.config[key]!r} is not {_any(values)}"
        if self.names and not any(re.search(self.names, t) for t in (run.name, run.run_id)):
            return f"name does not match names = {self.names!r}"
        for pattern in self.exclude:
            if any(re.search(pattern, t) for t in (run.name, run.run_id)):
                return f"name matches exclude {pattern!r}"
        return None

    def _date_reason(self, created_at: str | None) -> str | None:
        if self.created_after is None and self.created_before is None:
            return None
        created = parse_time(created_at)
        if created is None:
            return "creation date unknown"
        if self.created_after is not None and created < self.created_after:
            return f"created {created_at}, before {_when(self.created_after)}"
        if self.created_before is not None and created >= self.created_before:
            return f"created {created_at}, not before {_when(self.created_before)}"
        return None

    def api_filters(self) -> dict[str, Any]:
        """The filter in W&B's MongoDB-style ``filters`` (Api.runs). ``sweep = true/false`` is
        left to the check on what comes back: how the server reads a missing sweep is not
        documented."""
        clauses: list[dict[str, Any]] = []
        if self.tags:
            clauses.append({"tags": {"$in": list(self.tags)}})
        for key, values in (
            ("group", self.groups),
            ("jobType", self.job_types),
            ("state", self.states),
        ):
            if values:
                clauses.append({key: _one_or_in(values)})
        if isinstance(self.sweep, tuple):
            clauses.append({"sweep": _one_or_in(self.sweep)})
        if self.created_after is not None:
            clauses.append({"createdAt": {"$gte": _api_time(self.created_after)}})
        if self.created_before is not None:
            clauses.append({"createdAt": {"$lt": _api_time(self.created_before)}})
        for key, values in self.config:
            clauses.append({f"config.{key}": _one_or_in(values)})
        if self.names:
            clauses.append(
                {
                    "$or": [
                        {"displayName": {"$regex": self.names}},
                        {"name": {"$regex": self.names}},
                    ]
                }
            )
        for pattern in self.exclude:
            clauses.append(
                {"$nor": [{"displayName": {"$regex": pattern}}, {"name": {"$regex": pattern}}]}
            )
        if not clauses:
            return {}
        return clauses[0] if len(clauses) == 1 else {"$and": clauses}

    def describe(self) -> str:
        """The filter in words, one clause per line of [select]."""
        parts = []
        if self.tags:
            parts.append(f"tags {_any(self.tags)}")
        if self.groups:
            parts.append(f"group {_any(self.groups)}")
        if self.job_types:
            parts.append(f"job type {_any(self.job_types)}")
        if self.sweep is True:
            parts.append("sweep trials only")
        elif self.sweep is False:
            parts.append("no sweep trials")
        elif self.sweep:
            parts.append(f"sweep {_any(self.sweep)}")
        if self.states:
            parts.append(f"state {_any(self.states)}")
        if self.created_after is not None:
            parts.append(f"created from {_when(self.created_after)}")
        if self.created_before is not None:
            parts.append(f"created before {_when(self.created_before)}")
        parts += [f"config {key} {_any(values)}" for key, values in self.config]
        if self.names:
            parts.append(f"names {self.names!r}")
        if self.exclude:
            parts.append("not " + " or ".join(repr(p) for p in self.exclude))
        return "; ".join(parts)


def _any(values: tuple[Any, ...]) -> str:
    shown = [str(v) for v in values]
    return shown[0] if len(shown) == 1 else "any of " + ", ".join(shown)


def _one_or_in(values: tuple[Any, ...]) -> Any:
    return values[0] if len(values) == 1 else {"$in": list(values)}


def _sweep_reason(sweep: bool | tuple[str, ...], sweep_id: str | None) -> str | None:
    if sweep is False:
        return f"a trial of sweep {sweep_id}" if sweep_id else None
    if not sweep_id:
        return "not a sweep trial"
    if sweep is True or sweep_id in sweep:
        return None
    return f"sweep {sweep_id} is not {_any(sweep)}"


def _same(logged: Any, wanted: Any) -> bool:
    """A config value against the study file's: numbers by value (8 and 8.0), the rest as
    logged (a runs-table export keeps "v2" as text)."""
    if isinstance(logged, bool) or isinstance(wanted, bool):
        return logged is wanted
    if isinstance(logged, int | float) and isinstance(wanted, int | float):
        return float(logged) == float(wanted)
    return bool(logged == wanted)


def parse_time(text: str | None) -> datetime | None:
    """A run's creation time (ISO 8601 as every source writes it) in UTC; None when unreadable."""
    if not text:
        return None
    try:
        moment = datetime.fromisoformat(text.strip().replace("Z", "+00:00"))
    except ValueError:
        return None
    return moment.replace(tzinfo=UTC) if moment.tzinfo is None else moment.astimezone(UTC)


def _when(moment: datetime) -> str:
    if moment.time() == time(0):
        return moment.date().isoformat()
    return moment.isoformat().replace("+00:00", "Z")


def _api_time(moment: datetime) -> str:
    return moment.astimezone(UTC).strftime("%Y-%m-%dT%H:%M:%S")


def parse_select(path: Path, table: Any) -> RunFilter:
    """The [select] table of the study file; a mistake stops with the file and the key."""
    if table is None:
        return RunFilter()
    if not isinstance(table, dict):
        raise InputError("[select] must be a table (select.tags = [...], ...)", path=path)
    for key in table:
        if key not in SELECT_KEYS:
            raise InputError(
                f"unknown key select.{key}",
                path=path,
                hint="known: " + ", ".join(sorted(SELECT_KEYS)),
            )
    states = _texts(path, table, "state")
    for state in states:
        if state not in STATES:
            raise InputError(f"select.state: {state!r}: use {', '.join(STATES)}", path=path)
    names = table.get("names")
    if names is not None and (not isinstance(names, str) or not names):
        raise InputError("select.names must be a regular expression (text)", path=path)
    exclude = _texts(path, table, "exclude")
    for key, pattern in [("names", names), *(("exclude", p) for p in exclude)]:
        if pattern is not None:
            try:
                re.compile(pattern)
            except re.error as error:
                raise InputError(
                    f"select.{key}: {pattern!r} is not a regular expression ({error})", path=path
                ) from None
    return RunFilter(
        tags=_texts(path, table, "tags"),
        groups=_texts(path, table, "group"),
        job_types=_texts(path, table, "job_type"),
        sweep=_sweep(path, table.get("sweep")),
        states=states,
        created_after=_moment(path, table, "created_after"),
        created_before=_moment(path, table, "created_before"),
        config=_config(path, table.get("config")),
        names=names,
        exclude=exclude,
    )


def _texts(path: Path, table: dict[str, Any], key: str) -> tuple[str, ...]:
    value = table.get(key)
    if value is None:
        return ()
    values = value if isinstance(value, list) else [value]
    if not values or not all(isinstance(v, str) and v for v in values):
        raise InputError(f"select.{key} must be text or a list of text", path=path)
    return tuple(values)


def _sweep(path: Path, value: Any) -> bool | tuple[str, ...] | None:
    if value is None or isinstance(value, bool):
        return value
    values = value if isinstance(value, list) else [value]
    if not values or not all(isinstance(v, str) and v for v in values):
        raise InputError(
            "select.sweep: use false (no sweep trials), true (trials only) or sweep ids",
            path=path,
        )
    return tuple(values)


def _moment(path: Path, table: dict[str, Any], key: str) -> datetime | None:
    value = table.get(key)
    if value is None:
        return None
    if isinstance(value, datetime):
        return value.replace(tzinfo=UTC) if value.tzinfo is None else value.astimezone(UTC)
    if isinstance(value, date):
        return datetime.combine(value, time(0), UTC)
    moment = parse_time(value) if isinstance(value, str) else None
    if moment is None:
        raise InputError(
            f"select.{key} = {value!r}: use a date (2025-08-01) or a date and time", path=path
        )
    return moment


def _config(path: Path, value: Any) -> tuple[tuple[str, tuple[Any, ...]], ...]:
    if value is None:
        return ()
    if not isinstance(value, dict) or not value:
        raise InputError(
            'select.config must be a table of config values: config = { script_version = "v2" }',
            path=path,
        )
    found: list[tuple[str, tuple[Any, ...]]] = []
    for key, wanted in _flat(value).items():
        values = tuple(wanted) if isinstance(wanted, list) else (wanted,)
        if not values or any(isinstance(v, dict | list) for v in values):
            raise InputError(f"select.config.{key}: use a value or a list of values", path=path)
        found.append((key, values))
    return tuple(found)


def _flat(values: dict[str, Any], prefix: str = "") -> dict[str, Any]:
    """Nested keys dotted, as the runs keep their config: {trainer = {devices = 8}}."""
    flat: dict[str, Any] = {}
    for key, value in values.items():
        if isinstance(value, dict):
            flat.update(_flat(value, f"{prefix}{key}."))
        else:
            flat[f"{prefix}{key}"] = value
    return flat
