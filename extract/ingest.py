"""The CSV source: W&B web-UI exports (a runs table plus optional line-plot panels) to runs."""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Sequence
from pathlib import Path

import numpy as np
import pandas as pd

from .classify import BadValue, Corrections
from .csv_exports import (
    Invalid,
    PanelSeries,
    TableRow,
    is_panel_export,
    parse_panel_export,
    parse_runs_table,
    read_table,
    series_to_history,
    split_system,
)
from .errors import InputError
from .kinds import decide_kinds
from .model import Run
from .runs import IngestResult, RunFacts, make_run


def ingest_exports(
    paths: Sequence[Path],
    corrections: Corrections | None = None,
    reconstructed: bool = False,
    skip_invalid: bool = False,
) -> IngestResult:
    """Read runs-table and panel exports (told apart by their header) into runs.

    Strict by default: the first invalid row is an error. With ``skip_invalid`` invalid rows are
    left out and each is named in the warnings.
    """
    corrections = corrections or Corrections()
    invalid = Invalid(skip=skip_invalid)
    rows: list[tuple[Path, TableRow]] = []
    series: list[tuple[Path, PanelSeries]] = []
    for path in paths:
        header, _ = read_table(path, Invalid(skip=True))
        if is_panel_export(header):
            series.extend((path, item) for item in parse_panel_export(path, invalid))
        else:
            rows.extend((path, row) for row in parse_runs_table(path, invalid))
    if not rows:
        raise InputError(
            "no runs-table export among the inputs; panel exports only add histories",
            path=paths[0] if paths else None,
        )
    rows = _without_duplicate_names(rows, invalid)

    by_run: dict[str, list[PanelSeries]] = defaultdict(list)
    for _, item in series:
        by_run[item.run_name].append(item)
    names = {row.name for _, row in rows}
    warnings = [
        f"{path}: panel column '{item.run_name} - {item.metric}' names no run of the runs table;"
        " skipped"
        for path, item in series
        if item.run_name not in names
    ]
    runs = []
    for path, row in rows:
        try:
            runs.append(
                run_from_row(path, row, by_run.get(row.name, []), corrections, reconstructed)
            )
        except BadValue as error:
            invalid.reject(InputError(str(error), path=path, row=row.row, column=error.key))
    if not runs:
        raise InputError("no valid runs in the exports", path=paths[0])
    for name, run_series in by_run.items():
        logged, system = split_system(run_series)
        warnings += [
            f"{name}: system chart '{item.metric}' is against '{item.x_key}', not time; skipped"
            " (export system charts against 'Relative Time (Process)')"
            for item in system
            if item.x_key != "_runtime"
        ]
        run_series = logged
        if (
            name in names
            and run_series
            and not any(item.x_key == "_runtime" for item in run_series)
        ):
            warnings.append(
                f"{name}: panels have no time axis; '_runtime' spread evenly over the steps"
                " (export panels against 'Relative Time (Process)' for real times)"
            )
    warnings += [f"skipped {error.one_line()}" for error in invalid.skipped]
    return IngestResult(decide_kinds(runs), warnings)


def run_from_row(
    path: Path,
    row: TableRow,
    series: list[PanelSeries],
    corrections: Corrections,
    reconstructed: bool,
) -> Run:
    logged, system = split_system(series)
    run = make_run(
        RunFacts(
            run_id=row.name,
            name=row.name,
            state=row.state,
            runtime_s=row.runtime_s,
            config=row.config,
            summary={**row.summary, "_runtime": row.runtime_s, "tags": row.tags},
            history=_history(logged, row.runtime_s),
            source=f"csv:{path.name}",
            created_at=row.created_at,
            reconstructed=reconstructed and bool(logged),
            group=row.group,
            job_type=row.job_type,
            sweep_id=row.sweep_id,
        ),
        corrections,
    )
    timed = [item for item in system if item.x_key == "_runtime"]
    if timed:  # power from the run's system charts, for energy (study/cost.py)
        run.system = series_to_history(timed)
    return run


def _history(series: list[PanelSeries], runtime_s: float) -> pd.DataFrame:
    if not series:
        return pd.DataFrame({"_runtime": np.array([], dtype=float)})
    history = series_to_history(series)
    if "_runtime" not in history and "_step" in history and len(history):
        steps = history["_step"].to_numpy(dtype=float)
        span = steps.max() - steps.min()
        fraction = (steps - steps.min()) / span if span > 0 else np.ones_like(steps)
        history["_runtime"] = fraction * runtime_s
    return history


def _without_duplicate_names(
    rows: list[tuple[Path, TableRow]], invalid: Invalid
) -> list[tuple[Path, TableRow]]:
    first_seen: dict[str, tuple[Path, int]] = {}
    kept = []
    for path, row in rows:
        if row.name in first_seen:
            other_path, other_row = first_seen[row.name]
            invalid.reject(
                InputError(
                    f"run {row.name!r} is also in {other_path} row {other_row}",
                    path=path,
                    row=row.row,
                    column="Name",
                )
            )
            continue
        first_seen[row.name] = (path, row.row)
        kept.append((path, row))
    return kept
