"""A stand-in for the W&B service, the only part of these tests that is not real.

It has the public API's shape (wandb 0.31): `Api(overrides, timeout, api_key)`,
`Api.runs(path, filters, order, per_page, include_sweeps, lazy)`, and runs whose
`scan_history(keys, page_size, min_step, max_step, use_cache)` pages through step ranges and,
with keys, returns only rows that hold every requested key (as the service does);
`history(samples, keys, x_axis, pandas, stream)` with stream="system" returns the system
stream's rows as wandb-core sends them (core/internal/filestream/updatestats.go: `_wandb`,
`_timestamp`, `_runtime` and every metric as `system.<name>`), at most ``samples`` of them.
tests/test_wandb_api.py checks these signatures against the installed wandb.
"""

from __future__ import annotations

import math
from typing import Any


class StandInRun:
    def __init__(
        self,
        run_id: str,
        name: str,
        rows: list[dict[str, Any]],
        *,
        state="finished",
        config=None,
        summary=None,
        heartbeat_at="2025-08-07T13:04:00Z",
        created_at="2025-08-07T12:48:01Z",
        tags=(),
        group=None,
        fail_after_rows=None,
        metadata=None,
        job_type=None,
        events=None,
        sweep=None,
    ):
        self.id, self.name, self.state = run_id, name, state
        self.config = dict(config or {})
        self._summary = dict(summary or {})
        self._rows = rows
        self.heartbeat_at, self.created_at = heartbeat_at, created_at
        self.tags, self.group = list(tags), group
        self.fail_after_rows = fail_after_rows
        self.metadata = metadata
        self.job_type = job_type
        # the public API's Run.sweep_name: the id of the sweep the run is a trial of, or None
        self.sweep_name = sweep
        self._events = list(events or [])
        self.pages_served = 0
        self.scans: list[tuple[list[str] | None, int]] = []

    @property
    def history_line_count(self) -> int:
        return len(self._rows)

    @property
    def summary_metrics(self) -> dict[str, Any]:
        return dict(self._summary)

    def history(
        self,
        samples: int = 500,
        keys: list[str] | None = None,
        x_axis: str = "_step",
        pandas: bool = True,
        stream: str = "default",
    ):
        if stream != "system" or pandas or keys:
            raise NotImplementedError("the stand-in serves the system stream as dicts only")
        if len(self._events) <= samples:
            return [dict(row) for row in self._events]
        # the service samples a long stream down, keeping the first and last rows
        picks = {round(i * (len(self._events) - 1) / (samples - 1)) for i in range(samples)}
        return [dict(self._events[i]) for i in sorted(picks)]

    def scan_history(
        self,
        keys: list[str] | None = None,
        page_size: int = 1000,
        min_step: int = 0,
        max_step: int | None = None,
        use_cache: bool = True,
    ):
        from wandb.errors import CommError

        self.scans.append((keys, page_size))
        last = max_step if max_step is not None else math.inf
        served = 0
        start = min_step
        while True:
            page = [r for r in self._rows if start <= r["_step"] < min(start + page_size, last)]
            if not page and start > max((r["_step"] for r in self._rows), default=-1):
                return
            self.pages_served += 1
            for row in page:
                if self.fail_after_rows is not None and served >= self.fail_after_rows:
                    raise CommError("Could not connect to the W&B server (HTTP 502)")
                served += 1
                if keys is None:
                    yield dict(row)
                elif all(k in row for k in keys):
                    yield {k: row[k] for k in keys}
            start += page_size


class StandInApi:
    def __init__(
        self,
        overrides: dict[str, Any] | None = None,
        timeout: int | None = None,
        api_key: str | None = None,
    ):
        self.projects: dict[str, list[StandInRun]] = {}
        self.calls: list[dict[str, Any]] = []

    def runs(
        self,
        path: str | None = None,
        filters: dict[str, Any] | None = None,
        order: str = "+created_at",
        per_page: int = 50,
        include_sweeps: bool = False,
        lazy: bool = True,
    ):
        from wandb.errors import CommError

        self.calls.append({"path": path, "filters": filters, "order": order, "per_page": per_page})
        if path not in self.projects:
            raise CommError(f"Could not find project {path}")
        return iter(self.projects[path])
