"""W&B runs-table and panel exports, in the format the web UI writes (platform-notes)."""

import csv
import random
from pathlib import Path

import numpy as np
import pytest

from extract.classify import Correction, Corrections
from extract.errors import InputError
from extract.sources.wandb_exports import ingest_exports


def read_rows(path: Path) -> list[list[str]]:
    with path.open(newline="") as handle:
        return list(csv.reader(handle))


def write_rows(
    path: Path, rows: list[list[str]], delimiter: str = ",", bom: bool = False, newline: str = "\n"
) -> Path:
    with path.open("w", newline="", encoding="utf-8-sig" if bom else "utf-8") as handle:
        csv.writer(
            handle, quoting=csv.QUOTE_ALL, delimiter=delimiter, lineterminator=newline
        ).writerows(rows)
    return path


def summary_of(runs):
    return {
        r.name: (r.platform, r.gpus, r.nodes, r.epochs, r.time_s, r.extrapolated, r.measured_s)
        for r in runs
    }


def test_sample_runs_table_gives_gpus_platform_and_estimates(sample_exports):
    runs = {r.name: r for r in ingest_exports([sample_exports / "runs_table.csv"]).runs}
    assert runs["16 GPU 2 Node Run"].gpus == 16 and runs["16 GPU 2 Node Run"].nodes == 2
    assert runs["Eight Node Run 2.0"].gpus == 64 and runs["Eight Node Run 2.0"].epochs == 6
    laptop = runs["Laptop-Benchmark-1.0pct-subset"]
    assert laptop.platform == "laptop" and laptop.gpus is None
    assert laptop.extrapolated and laptop.time_s == pytest.approx(75.831 * 3600, rel=1e-4)
    assert laptop.measured_s == 2908
    assert runs["1 GPU 1 Node Run"].summary["acc"] == 57.625
    assert runs["1 GPU 1 Node Run"].config["architecture"] == "vit_b_16"


def test_columns_are_matched_by_name_not_position(sample_exports, tmp_path):
    original = sample_exports / "runs_table.csv"
    rows = read_rows(original)
    order = list(range(len(rows[0])))
    random.Random(7).shuffle(order)
    shuffled = write_rows(tmp_path / "shuffled.csv", [[row[i] for i in order] for row in rows])
    assert summary_of(ingest_exports([shuffled]).runs) == summary_of(
        ingest_exports([original]).runs
    )


def test_missing_optional_columns_are_fine(sample_exports, tmp_path):
    rows = read_rows(sample_exports / "runs_table.csv")
    drop = {rows[0].index(c) for c in ("State", "Notes", "User", "Tags", "Created", "Sweep")}
    trimmed = [[cell for i, cell in enumerate(row) if i not in drop] for row in rows]
    runs = ingest_exports([write_rows(tmp_path / "trimmed.csv", trimmed)]).runs
    assert len(runs) == 10 and all(r.state == "finished" for r in runs)


def test_spreadsheet_resaved_export_is_read(sample_exports, tmp_path):
    rows = read_rows(sample_exports / "runs_table.csv")
    resaved = write_rows(tmp_path / "excel.csv", rows, delimiter=";", bom=True, newline="\r\n")
    assert summary_of(ingest_exports([resaved]).runs) == summary_of(
        ingest_exports([sample_exports / "runs_table.csv"]).runs
    )


def test_gpu_count_from_nodes_times_gpus_per_node(tmp_path):
    table = write_rows(
        tmp_path / "t.csv",
        [
            ["Name", "Runtime", "gpus_per_node", "nodes"],
            ["a", "100", "8", "4"],
        ],
    )
    (run,) = ingest_exports([table]).runs
    assert (run.gpus, run.nodes, run.platform) == (32, 4, "cluster")


def test_overrides_win_over_what_the_run_logged(tmp_path):
    table = write_rows(tmp_path / "t.csv", [["Name", "Runtime"], ["mystery", "100"]])
    stated = Corrections({"mystery": Correction("command line", platform="cluster", gpus=8)})
    (run,) = ingest_exports([table], stated).runs
    assert (run.platform, run.gpus) == ("cluster", 8)
    assert run.evidence["gpus"].describe() == "command line: gpus = 8"


@pytest.mark.parametrize(
    ("cells", "message"),
    [
        ({"Runtime": "abc"}, "row 3, column 'Runtime': runtime 'abc' is not a number of seconds"),
        ({"Runtime": "-5"}, "row 3, column 'Runtime': runtime '-5' must be a positive"),
        ({"Runtime": ""}, "row 3, column 'Runtime'"),
        ({"Name": ""}, "row 3, column 'Name': run has no name"),
    ],
)
def test_bad_cells_name_file_row_and_column(sample_exports, cells, message):
    path = sample_exports / "runs_table.csv"
    rows = read_rows(path)
    for column, value in cells.items():
        rows[2][rows[0].index(column)] = value
    write_rows(path, rows)
    with pytest.raises(InputError) as error:
        ingest_exports([path])
    assert str(error.value).startswith(str(path))
    assert message in str(error.value)
    assert "\n" not in str(error.value)


def test_missing_runtime_column_is_named(tmp_path):
    table = write_rows(tmp_path / "t.csv", [["Name", "State"], ["a", "finished"]])
    with pytest.raises(InputError, match="column 'Runtime'"):
        ingest_exports([table])


def test_truncated_line_is_rejected(sample_exports):
    path = sample_exports / "runs_table.csv"
    text = path.read_text().splitlines()
    text[4] = text[4][: len(text[4]) // 2]
    path.write_text("\n".join(text) + "\n")
    with pytest.raises(InputError, match="row 5: has .* fields, the header has"):
        ingest_exports([path])


def test_panel_exports_become_histories(sample_exports):
    paths = [sample_exports / "runs_table.csv", *sorted(sample_exports.glob("panel_*.csv"))]
    runs = {r.name: r for r in ingest_exports(paths).runs}
    history = runs["8 GPU 1 Node Run"].history
    assert {"_runtime", "epoch", "running_accuracy", "train_loss"} <= set(history.columns)
    # one row per time, no duplicates: 10 epochs x 40 points of the epoch panels, and 10 x 32
    # of the per-batch ones (every 10th of 313 batches), logged at other times
    assert history["epoch"].notna().sum() == 400
    assert history["learning_rate"].notna().sum() == history["batch_loss"].notna().sum() == 320
    assert len(history) == 400 + 320
    assert history["_runtime"].is_monotonic_increasing
    assert history["epoch"].dropna().iloc[-1] == 9
    assert history["_runtime"].iloc[-1] == pytest.approx(963)
    assert history["running_accuracy"].iloc[-1] == pytest.approx(98.67)
    assert len(runs["Laptop-Benchmark-1.0pct-subset"].history) == 0


def test_step_axis_panel_with_buckets_and_a_dash_in_the_run_name(tmp_path):
    table = write_rows(
        tmp_path / "t.csv", [["Name", "Runtime", "total_gpus"], ["run - a", "200", "2"]]
    )
    panel = write_rows(
        tmp_path / "p.csv",
        [
            ["Step", "run - a - loss", "run - a - loss__MIN", "run - a - loss__MAX"],
            ["0", "5.0", "4.0", "6.0"],
            ["50", "", "", ""],
            ["100", "1.0", "0.5", "1.5"],
        ],
    )
    result = ingest_exports([table, panel])
    history = result.runs[0].history
    assert list(history["_step"]) == [0, 100]
    assert list(history["loss"]) == [5.0, 1.0]
    assert np.allclose(history["_runtime"], [0, 200])
    assert any("spread evenly over the steps" in w for w in result.warnings)


def test_panel_column_for_an_unknown_run_is_reported(tmp_path):
    table = write_rows(tmp_path / "t.csv", [["Name", "Runtime"], ["a", "10"]])
    panel = write_rows(tmp_path / "p.csv", [["Relative Time (Process)", "b - loss"], ["1", "2"]])
    result = ingest_exports([table, panel])
    assert any("'b - loss' names no run" in w for w in result.warnings)


def test_non_numeric_panel_value_is_named(tmp_path):
    table = write_rows(tmp_path / "t.csv", [["Name", "Runtime"], ["a", "10"]])
    panel = write_rows(tmp_path / "p.csv", [["Relative Time (Process)", "a - loss"], ["1", "oops"]])
    with pytest.raises(InputError, match=r"row 2, column 'a - loss': 'oops' is not a number"):
        ingest_exports([table, panel])


@pytest.mark.parametrize("value", ["inf", "NaN", "-2", "2.5"])
def test_impossible_device_counts_are_named(tmp_path, value):
    # found by tests/test_fuzz_csv.py: int(inf) used to crash the reader
    table = write_rows(tmp_path / "t.csv", [["Name", "Runtime", "total_gpus"], ["a", "10", value]])
    with pytest.raises(InputError, match=r"row 2, column 'total_gpus': .* is not a whole number"):
        ingest_exports([table])


def test_laptop_estimate_from_its_own_throughput(tmp_path):
    table = write_rows(
        tmp_path / "t.csv",
        [
            [
                "Name",
                "Runtime",
                "device",
                "epochs",
                "subset_percentage",
                "epoch",
                "progress_percentage",
            ],
            ["subset run", "3600", "cpu", "3", "2", "2", ""],
            ["progress run", "1800", "cpu", "3", "", "", "25"],
        ],
    )
    runs = {r.name: r for r in ingest_exports([table]).runs}
    subset = runs["subset run"]
    # finished, last 0-based epoch 2 of 3: 3 epochs on 2% in 1 h, 20 min per epoch on 2%,
    # 1000 min per full epoch, 50 h for 3 epochs
    assert subset.epochs_done == 3
    assert subset.extrapolated and subset.time_s == pytest.approx(50 * 3600)
    assert subset.config["extrapolation_inputs"]["subset_percentage"] == 2
    progress = runs["progress run"]
    assert progress.extrapolated and progress.time_s == pytest.approx(7200)
    from study.analysis import build_report

    warning = next(w for w in build_report(list(runs.values())).warnings if "subset run" in w)
    assert "pace" in warning and "subset_percentage=2" in warning


def test_system_chart_exports_give_power_for_energy(tmp_path):
    """A GPU power chart exported from the run's System section: the UI names the metric
    "system/gpu.0.powerWatts" (wandb/wandb#9123 quotes such a key), against relative time."""
    from study.analysis import build_report

    table = write_rows(
        tmp_path / "t.csv",
        [
            ["Name", "State", "Runtime", "total_gpus", "epochs"],
            ["2 GPU run", "finished", "60", "2", "2"],
        ],
    )
    header = ["Relative Time (Process)"]
    for gpu in (0, 1):
        column = f"2 GPU run - system/gpu.{gpu}.powerWatts"
        header += [column, f"{column}__MIN", f"{column}__MAX"]
    rows = [header]
    for t in (10, 20, 30, 40, 50, 60):
        rows.append([str(t), "200", "190", "210", "300", "290", "310"])
    panel = write_rows(tmp_path / "power.csv", rows)
    steps = write_rows(
        tmp_path / "steps.csv",
        [["Step", "2 GPU run - system/gpu.0.temp"], ["0", "50"], ["1", "51"]],
    )
    result = ingest_exports([table, panel, steps])
    (run,) = result.runs
    assert list(run.system.columns) == ["_runtime", "gpu.0.powerWatts", "gpu.1.powerWatts"]
    assert len(run.history) == 0  # system charts are not logged metrics
    assert any("system chart 'gpu.0.temp' is against '_step'" in w for w in result.warnings)
    figures = build_report([run]).run("2 GPU run")
    # samples every 10 s from 10 s to 60 s: covered from 5 s to 60 s, 55 s at 500 W = 27,500 J
    assert figures is not None and figures.energy_kwh == pytest.approx(27_500 / 3.6e6)
    assert figures.energy_per_epoch_kwh == pytest.approx(13_750 / 3.6e6)


def test_the_sweep_column_makes_sweep_trials_whose_hyperparameters_differ(tmp_path):
    """The runs table's Sweep column names the sweep a run is a trial of: trials whose learning
    rate differs are sweep trials; a sweep that varies only the GPU count is the study."""
    header = ["Name", "State", "Runtime", "Sweep", "epochs", "lr", "total_gpus", "epoch"]
    table = write_rows(
        tmp_path / "t.csv",
        [
            header,
            ["trial a", "finished", "100", "lr-sweep", "2", "0.1", "8", "1"],
            ["trial b", "finished", "90", "lr-sweep", "2", "0.01", "8", "1"],
            ["study 4", "finished", "200", "gpu-grid", "2", "0.1", "4", "1"],
            ["study 8", "finished", "120", "gpu-grid", "2", "0.1", "8", "1"],
        ],
    )
    runs = {r.name: r for r in ingest_exports([table]).runs}
    assert {name: run.kind for name, run in runs.items()} == {
        "trial a": "sweep",
        "trial b": "sweep",
        "study 4": "training",
        "study 8": "training",
    }
    assert runs["trial b"].evidence["kind"].describe() == (
        "runs table: sweep = lr-sweep (2 trials; lr differs)"
    )


def test_an_evaluation_in_a_runs_table_did_no_epoch(tmp_path):
    """A Hugging Face evaluation (do_train false) exported in the runs table: finished, with
    its last train/global_step 0: it did none of its planned epochs, and is no training."""
    header = ["Name", "State", "Runtime", "do_train", "num_train_epochs", "train/global_step"]
    table = write_rows(
        tmp_path / "t.csv",
        [
            header,
            ["eval", "finished", "30", "false", "8", "0"],
            ["train", "finished", "900", "true", "8", "800"],
        ],
    )
    runs = {r.name: r for r in ingest_exports([table]).runs}
    assert (runs["eval"].kind, runs["eval"].epochs_done) == ("eval-only", 0)
    assert (runs["train"].kind, runs["train"].epochs_done) == ("training", 8)
