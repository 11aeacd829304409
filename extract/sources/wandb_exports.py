"""The W&B web UI's CSV exports: the runs table and line-plot panels, read into runs.

Columns are matched by name, never by position: users reorder and hide columns in the UI.
"""

from __future__ import annotations

import argparse
import csv
import io
import json
import math
from collections import defaultdict
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd

from ..classify import BadValue, Corrections
from ..commandline import Commands, ingest_into_store, source_command
from ..errors import InputError
from ..kinds import decide_kinds
from ..model import Run
from ..runs import IngestResult, RunFacts, make_run

RUNS_TABLE_FIXED = ("Name", "State", "Notes", "User", "Tags", "Created", "Runtime", "Sweep")
# columns of the run itself that a user may add to the table in the UI: not config or summary
RUNS_TABLE_OPTIONAL = ("Group", "Job Type", "JobType")
PANEL_TIME_AXES = {
    "Relative Time (Process)": "_runtime",
    "Relative Time (Wall)": "_runtime",
    "Wall Time": "_timestamp",
    "Step": "_step",
}
PANEL_SEPARATOR = " - "
# the web UI names a system chart's metric "system/<name as wandb's monitor wrote it>"
SYSTEM_PANEL_PREFIX = "system/"
BUCKET_SUFFIXES = ("__MIN", "__MAX")


@dataclass
class TableRow:
    """One run as the runs table describes it; ``row`` is the 1-based line number in the file."""

    row: int
    name: str
    state: str
    created_at: str | None
    runtime_s: float
    tags: list[str]
    config: dict[str, Any]
    summary: dict[str, Any]
    # the run's sweep, group and job type where the export has those columns
    sweep_id: str | None = None
    group: str | None = None
    job_type: str | None = None


@dataclass
class PanelSeries:
    """One metric of one run from a line-plot panel export, against its x axis."""

    run_name: str
    metric: str
    x_key: str
    x: np.ndarray
    y: np.ndarray


class Invalid:
    """Where invalid rows go: raised at once (strict, the default) or set aside and named
    (``--skip-invalid``)."""

    def __init__(self, skip: bool = False) -> None:
        self.skip = skip
        self.skipped: list[InputError] = []

    def reject(self, error: InputError) -> None:
        if not self.skip:
            if error.hint is None:
                error.hint = "fix that row, or pass --skip-invalid to leave it out"
            raise InputError(
                error.message, path=error.path, row=error.row, column=error.column, hint=error.hint
            )
        self.skipped.append(error)


STRICT = Invalid()

Rows = list[tuple[int, list[str]]]


def read_table(path: Path, invalid: Invalid = STRICT) -> tuple[list[str], Rows]:
    """Header and numbered non-blank rows of a CSV file; BOM, CRLF and ';' or tab delimiters
    are accepted. Row numbers count records from the header's 1, as a spreadsheet shows them."""
    try:
        text = path.read_text(encoding="utf-8-sig")
    except UnicodeDecodeError as error:
        raise InputError(
            f"not UTF-8 text (byte {error.start})",
            path=path,
            hint="export it from W&B again, or re-save it as CSV UTF-8",
        ) from None
    except OSError as error:
        raise InputError(error.strerror or str(error), path=path) from None
    if not text.strip():
        raise InputError("file is empty", path=path)
    first_line = text.splitlines()[0]
    delimiter = max((",", ";", "\t"), key=first_line.count)
    try:
        rows = list(csv.reader(io.StringIO(text, newline=""), delimiter=delimiter))
    except csv.Error as error:
        raise InputError(f"not a readable CSV file ({error})", path=path) from None
    header = [h.strip() for h in rows[0]]
    body: Rows = []
    for number, cells in enumerate(rows[1:], start=2):
        if not any(cell.strip() for cell in cells):
            continue
        if len(cells) != len(header):
            invalid.reject(
                InputError(
                    f"has {len(cells)} fields, the header has {len(header)}",
                    path=path,
                    row=number,
                    hint="is the line truncated or the file re-saved with another delimiter?",
                )
            )
            continue
        body.append((number, cells))
    return header, body


def is_panel_export(header: list[str]) -> bool:
    return len(header) >= 2 and all(PANEL_SEPARATOR in column for column in header[1:])


def parse_value(text: str) -> Any:
    """A cell of a W&B export as a Python value: numbers, booleans, JSON lists, else text."""
    text = text.strip()
    if text in ("", "-"):
        return None
    lowered = text.lower()
    if lowered in ("true", "false"):
        return lowered == "true"
    try:
        number = float(text)
    except ValueError:
        pass
    else:
        if number.is_integer() and "." not in text and "e" not in lowered:
            return int(number)
        return number
    if text[0] in "[{":
        try:
            return json.loads(text)
        except json.JSONDecodeError:
            return text
    return text


def parse_runs_table(path: Path, invalid: Invalid = STRICT) -> list[TableRow]:
    header, body = read_table(path, invalid)
    index = {name: i for i, name in enumerate(header)}
    if len(header) == 1 and len(body):
        raise InputError(
            f"cannot tell the delimiter: the header is one column ({header[0][:40]!r})",
            path=path,
            hint="W&B exports use ',', spreadsheets ';' or tab; re-save with one of those",
        )
    for required in ("Name", "Runtime"):
        if required not in index:
            raise InputError(
                f"no {required!r} column; is this a W&B runs-table export?",
                path=path,
                column=required,
            )
    config_columns, summary_columns = split_config_summary(header)
    parsed = []
    seen: dict[str, int] = {}
    for row_number, cells in body:
        try:
            row = _table_row(path, row_number, cells, index, seen, config_columns, summary_columns)
        except InputError as error:
            invalid.reject(error)
            continue
        seen[row.name] = row_number
        parsed.append(row)
    if not parsed:
        what = "no valid runs" if invalid.skipped else "a header but no runs"
        raise InputError(f"export has {what}", path=path)
    return parsed


def _table_row(
    path: Path,
    row_number: int,
    cells: list[str],
    index: dict[str, int],
    seen: dict[str, int],
    config_columns: list[str],
    summary_columns: list[str],
) -> TableRow:
    name = cells[index["Name"]].strip()
    if not name:
        raise InputError("run has no name", path=path, row=row_number, column="Name")
    if name in seen:
        raise InputError(
            f"run {name!r} appears twice (first in row {seen[name]})",
            path=path,
            row=row_number,
            column="Name",
        )
    runtime_text = cells[index["Runtime"]].strip()
    runtime = parse_value(runtime_text)
    if not isinstance(runtime, int | float) or isinstance(runtime, bool):
        raise InputError(
            f"runtime {runtime_text!r} is not a number of seconds",
            path=path,
            row=row_number,
            column="Runtime",
        )
    if not math.isfinite(runtime) or runtime <= 0:
        raise InputError(
            f"runtime {runtime_text!r} must be a positive number of seconds",
            path=path,
            row=row_number,
            column="Runtime",
        )
    state = cells[index["State"]].strip().lower() if "State" in index else "finished"
    created = cells[index["Created"]].strip() if "Created" in index else ""
    tags_value = parse_value(cells[index["Tags"]]) if "Tags" in index else None
    return TableRow(
        row=row_number,
        name=name,
        state=state or "finished",
        created_at=created or None,
        runtime_s=float(runtime),
        tags=_as_tags(tags_value),
        config=_values(cells, index, config_columns),
        summary=_values(cells, index, summary_columns),
        sweep_id=_cell_text(cells, index, "Sweep"),
        group=_cell_text(cells, index, "Group"),
        job_type=_cell_text(cells, index, "Job Type") or _cell_text(cells, index, "JobType"),
    )


def _cell_text(cells: list[str], index: dict[str, int], column: str) -> str | None:
    """A column's text, None where the export has no such column or the cell is empty (the UI
    writes "-" for an empty one in some columns)."""
    if column not in index:
        return None
    text = cells[index[column]].strip()
    return text if text and text != "-" else None


def split_config_summary(header: list[str]) -> tuple[list[str], list[str]]:
    """Config and summary columns of a runs-table header.

    W&B writes config columns, then summary columns, each block in alphabetical order, so the
    summary block starts where the alphabetical order restarts. If the user reordered columns and
    there is no single restart, every column counts as both config and summary.
    """
    extra = [h for h in header if h not in RUNS_TABLE_FIXED + RUNS_TABLE_OPTIONAL and h]
    restarts = [i for i in range(1, len(extra)) if extra[i].lower() < extra[i - 1].lower()]
    if len(restarts) == 1:
        return extra[: restarts[0]], extra[restarts[0] :]
    return extra, extra


def parse_panel_export(path: Path, invalid: Invalid = STRICT) -> list[PanelSeries]:
    header, body = read_table(path, invalid)
    x_label = header[0]
    x_key = PANEL_TIME_AXES.get(x_label, x_label)
    columns = [
        (i, column)
        for i, column in enumerate(header[1:], start=1)
        if not column.endswith(BUCKET_SUFFIXES)
    ]
    if not columns:
        raise InputError("panel export has no '<run> - <metric>' columns", path=path)
    grid = np.full((len(body), 1 + len(columns)), np.nan)
    for r, (row_number, cells) in enumerate(body):
        for c, (column_index, column) in enumerate([(0, x_label), *columns]):
            try:
                grid[r, c] = _number(cells[column_index], path, row_number, column)
            except InputError as error:
                invalid.reject(error)
                if c == 0:
                    break  # a row without its x value has nothing to place
    x_values = grid[:, 0]
    series = []
    for c, (_, column) in enumerate(columns, start=1):
        run_name, metric = column.rsplit(PANEL_SEPARATOR, 1)
        values = grid[:, c]
        present = ~np.isnan(values) & ~np.isnan(x_values)
        x = x_values[present]
        if x_key == "_timestamp" and len(x) and np.nanmax(x) > 1e11:
            x = x / 1000.0  # the UI writes wall time in milliseconds
        series.append(PanelSeries(run_name.strip(), metric.strip(), x_key, x, values[present]))
    return series


def split_system(series: list[PanelSeries]) -> tuple[list[PanelSeries], list[PanelSeries]]:
    """A run's panel series: the logged metrics, and its system charts' (power, ...) named
    without the UI's "system/" prefix."""
    logged, system = [], []
    for item in series:
        if item.metric.startswith(SYSTEM_PANEL_PREFIX):
            name = item.metric.removeprefix(SYSTEM_PANEL_PREFIX)
            system.append(PanelSeries(item.run_name, name, item.x_key, item.x, item.y))
        else:
            logged.append(item)
    return logged, system


def series_to_history(series: list[PanelSeries]) -> pd.DataFrame:
    """Join one run's panel series on their x axis into a W&B-like history frame."""
    frames = []
    for item in series:
        frame = pd.DataFrame({item.x_key: item.x, item.metric: item.y})
        frames.append(frame.groupby(item.x_key, as_index=False).last())
    history = frames[0]
    for frame in frames[1:]:
        shared = [c for c in frame.columns if c in history.columns and c != frame.columns[1]]
        history = history.merge(frame, on=shared, how="outer")
    x_keys = [k for k in ("_step", "_runtime", "_timestamp") if k in history.columns]
    sort_key = "_runtime" if "_runtime" in history else (x_keys[0] if x_keys else None)
    if sort_key:
        history = history.sort_values(sort_key, kind="stable").reset_index(drop=True)
    return history


def _number(text: str, path: Path, row: int, column: str) -> float:
    value = parse_value(text)
    if value is None:
        return math.nan
    if isinstance(value, bool) or not isinstance(value, int | float):
        raise InputError(f"{text.strip()!r} is not a number", path=path, row=row, column=column)
    return float(value)


def _values(cells: list[str], index: dict[str, int], columns: list[str]) -> dict[str, Any]:
    values = {}
    for column in columns:
        value = parse_value(cells[index[column]])
        if value is not None:
            values[column] = value
    return values


def _as_tags(value: Any) -> list[str]:
    if value is None:
        return []
    if isinstance(value, list):
        return [str(v) for v in value]
    return [t.strip() for t in str(value).split(",") if t.strip()]


def add_command(commands: Commands) -> None:
    command = source_command(
        commands,
        "csv",
        help="read W&B runs-table and line-plot panel CSV exports into the store",
        epilog="example:\n  python -m extract csv export.csv panel_epoch.csv -o data/runs.h5",
    )
    command.add_argument("exports", nargs="+", type=Path, help="runs-table and panel exports")
    command.add_argument(
        "--reconstructed",
        action="store_true",
        help="mark the panel histories as reconstructed (not logged); scenes say so on screen",
    )
    command.add_argument(
        "--skip-invalid",
        action="store_true",
        help="leave out invalid rows (each is named) instead of rejecting the export",
    )
    command.set_defaults(run=run_command)


def run_command(args: argparse.Namespace) -> None:
    ingest_into_store(
        args,
        lambda corrections: ingest_exports(
            args.exports,
            corrections,
            reconstructed=args.reconstructed,
            skip_invalid=args.skip_invalid,
        ),
    )


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
