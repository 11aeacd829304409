"""A stand-in for the W&B service, the only part of these tests that is not real.

It has the public API's shape (wandb 0.31): `Api(overrides, timeout, api_key)`,
`Api.runs(path, filters, order, per_page, include_sweeps, lazy)` served a page of ``per_page``
runs at a time as they are iterated (a lazy listing leaves out config and summary: reading them
costs a request per run, counted in ``full_loads``), and runs whose
`scan_history(keys, page_size, min_step, max_step, use_cache)` pages through step ranges and,
with keys, returns only rows that hold every requested key (as the service does);
`history(samples, keys, x_axis, pandas, stream)` with stream="system" returns the system
stream's rows as wandb-core sends them (core/internal/filestream/updatestats.go: `_wandb`,
`_timestamp`, `_runtime` and every metric as `system.<name>`), at most ``samples`` of them.
tests/test_wandb_api.py checks these signatures against the installed wandb.

What the service was asked is counted on the ``StandInApi``: ``pages_listed`` (pages of the
runs list), ``history_fetches`` (scans per run id), ``max_in_flight`` (most scans open at
once). ``hold_until`` holds every scan open until that many are open at once, and is given up
once no scan has opened for ``HOLD_GUARD_S``: with ``hold_until`` one more than a pull should
open, a pull that opens more shows it in ``max_in_flight`` whatever the threads' timing, and
one that opens fewer too. ``interrupt_after`` raises KeyboardInterrupt (a Ctrl-C) in the scan
after that many.
"""

from __future__ import annotations

import math
import threading
from collections import Counter
from typing import Any

# how long a hold waits with no scan opening before it is given up: no pull opening more
HOLD_GUARD_S = 5.0


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
        sweep_name=None,
    ):
        self.id, self.name, self.state = run_id, name, state
        self._config = dict(config or {})
        self._summary = dict(summary or {})
        self.api: StandInApi | None = None  # the service that listed it
        self._lazy = False
        self._rows = rows
        self.heartbeat_at, self.created_at = heartbeat_at, created_at
        self.tags, self.group = list(tags), group
        self.fail_after_rows = fail_after_rows
        self.metadata = metadata
        self.job_type = job_type
        self.sweep_name = sweep_name  # the public API's name for the sweep's id
        self._events = list(events or [])
        self.pages_served = 0
        self.scans: list[tuple[list[str] | None, int]] = []

    @property
    def history_line_count(self) -> int:
        return len(self._rows)

    def _full_load(self) -> None:
        # a lazily listed run fetches its config and summary with one request, once
        if self._lazy and self.api is not None:
            self._lazy = False
            with self.api.lock:
                self.api.full_loads += 1

    @property
    def config(self) -> dict[str, Any]:
        self._full_load()
        return dict(self._config)

    @config.setter
    def config(self, value: dict[str, Any]) -> None:
        self._config = dict(value)

    @property
    def summary_metrics(self) -> dict[str, Any]:
        self._full_load()
        return dict(self._summary)

    @summary_metrics.setter
    def summary_metrics(self, value: dict[str, Any]) -> None:
        self._summary = dict(value)

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
        self.scans.append((keys, page_size))
        if self.api is not None:
            self.api.scan_started(self.id)
        try:
            yield from self._pages(keys, page_size, min_step, max_step)
        finally:
            if self.api is not None:
                self.api.scan_ended()

    def _pages(self, keys, page_size, min_step, max_step):
        from wandb.errors import CommError

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
        self.lock = threading.Condition()
        self.pages_listed = 0
        self.full_loads = 0
        self.history_fetches: Counter[str] = Counter()
        self.in_flight = 0
        self.max_in_flight = 0
        self.hold_until: int | None = None
        self.interrupt_after: int | None = None

    def scan_started(self, run_id: str) -> None:
        with self.lock:
            if self.interrupt_after is not None and self.history_fetches.total() >= (
                self.interrupt_after
            ):
                raise KeyboardInterrupt
            self.history_fetches[run_id] += 1
            self.in_flight += 1
            self.max_in_flight = max(self.max_in_flight, self.in_flight)
            if self.hold_until is not None and self.in_flight >= self.hold_until:
                self.hold_until = None  # seen: the hold has shown what it was for
            self.lock.notify_all()
            while self.hold_until is not None:
                if not self.lock.wait(timeout=HOLD_GUARD_S):
                    self.hold_until = None  # nothing opened for a while: no more will
                    self.lock.notify_all()

    def scan_ended(self) -> None:
        with self.lock:
            self.in_flight -= 1
            self.lock.notify_all()

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

        self.calls.append(
            {"path": path, "filters": filters, "order": order, "per_page": per_page, "lazy": lazy}
        )
        if path not in self.projects:
            raise CommError(f"Could not find project {path}")
        return self._paged(self.projects[path], per_page, lazy)

    def _paged(self, runs: list[StandInRun], per_page: int, lazy: bool):
        # as wandb's Runs paginator: a page is asked for when the previous one is used up
        for start in range(0, len(runs), per_page):
            with self.lock:
                self.pages_listed += 1
            for run in runs[start : start + per_page]:
                run.api, run._lazy = self, lazy
                yield run
