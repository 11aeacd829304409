"""`python -m extract` as a user runs it, real files: a real process where the process is the
point (the exit status a shell sees, RUNS_STORE from the environment, --help), the command's
own entry point in this process elsewhere (tests/cli_run.py)."""

import hashlib
import json
import subprocess
import sys

import pytest

from extract.__main__ import main as extract_main
from extract.paths import SAMPLE_DIR
from tests.cli_run import run_cli


def extract(*args, env_store=None, cwd=None):
    import os

    env = dict(os.environ)
    env.pop("RUNS_STORE", None)
    if env_store:
        env["RUNS_STORE"] = str(env_store)
    return subprocess.run(
        [sys.executable, "-m", "extract", *map(str, args)],
        capture_output=True,
        text=True,
        env=env,
        cwd=cwd,
    )


def digest(path):
    return hashlib.sha256(path.read_bytes()).hexdigest()


def test_csv_then_report_json(tmp_path):
    store = tmp_path / "runs.h5"
    exports = [SAMPLE_DIR / "runs_table.csv", *sorted(SAMPLE_DIR.glob("panel_*.csv"))]
    result = run_cli("csv", *exports, "-o", store)
    assert result.returncode == 0, result.stderr
    assert "wrote 10 runs (8 with histories)" in result.stdout
    report = run_cli("report", store, "--json")
    assert report.returncode == 0, report.stderr
    data = json.loads(report.stdout)
    expected = {
        "fastest_cluster_s",
        "laptop_low_s",
        "laptop_high_s",
        "max_speedup",
        "max_speedup_per_epoch",
        "runs",
        "warnings",
    }
    assert expected <= set(data)
    assert round(data["max_speedup"]) == 1393
    run_keys = {
        "name",
        "platform",
        "state",
        "gpus",
        "nodes",
        "epochs",
        "time_s",
        "extrapolated",
        "speedup",
        "efficiency",
    }
    assert all(run_keys <= set(run) for run in data["runs"])


def test_report_reads_the_store_named_by_runs_store(sample_store):
    result = extract("report", env_store=sample_store)
    assert result.returncode == 0, result.stderr
    assert "**Max speedup**: up to 1,393x" in result.stdout


def test_bad_export_is_one_line_exit_2_and_the_store_is_untouched(tmp_path, sample_store):
    store = tmp_path / "runs.h5"
    store.write_bytes(sample_store.read_bytes())
    before = digest(store)
    bad = tmp_path / "bad.csv"
    bad.write_text('"Name","Runtime"\n"a","12"\n"b","twelve"\n')
    result = extract("csv", bad, "-o", store)
    assert result.returncode == 2
    lines = result.stderr.strip().splitlines()
    assert len(lines) == 1, result.stderr
    assert str(bad) in lines[0] and "row 3" in lines[0] and "'Runtime'" in lines[0]
    assert "Traceback" not in result.stderr
    assert digest(store) == before


@pytest.mark.parametrize("content", [b"not a store", b""])
def test_report_on_a_broken_store_is_a_clear_error(tmp_path, content):
    store = tmp_path / "runs.h5"
    store.write_bytes(content)
    result = run_cli("report", store)
    assert result.returncode == 2
    assert str(store) in result.stderr and "Traceback" not in result.stderr


def test_every_command_has_an_example_in_its_help(capsys):
    result = extract("--help")  # one real process; the subcommands' help in this one
    assert result.returncode == 0
    assert "python -m extract" in result.stdout and "example" in result.stdout
    for command in ("csv", "offline", "wandb", "report", "runs", "sample"):
        with pytest.raises(SystemExit) as stop:
            extract_main([command, "--help"])
        assert stop.value.code == 0
        shown = capsys.readouterr().out
        assert "python -m extract" in shown and "example" in shown, command
