"""No W&B key in any output, log, store or rendered file."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest

from extract.paths import PROJECT_ROOT, SAMPLE_DIR

# built here so that no 40-hex string that looks like a real key is tracked
FAKE_KEY = "0123456789abcdef" * 2 + "01234567"


def run(args: list[str], tmp_path: Path) -> subprocess.CompletedProcess:
    env = {
        **os.environ,
        "WANDB_API_KEY": FAKE_KEY,
        "WANDB_MODE": "offline",
        "WANDB_DIR": str(tmp_path),
        "RUNS_STORE": str(tmp_path / "runs.h5"),
    }
    return subprocess.run(args, cwd=PROJECT_ROOT, env=env, capture_output=True, text=True)


def assert_no_key_under(folder: Path) -> None:
    for path in folder.rglob("*"):
        if path.is_file():
            assert FAKE_KEY.encode() not in path.read_bytes(), path


@pytest.mark.render
def test_no_command_leaks_the_key(tmp_path):
    python = sys.executable
    exports = [str(SAMPLE_DIR / "runs_table.csv"), str(SAMPLE_DIR / "panel_epoch.csv")]
    commands = [
        [python, "-m", "extract", "csv", *exports, "-o", str(tmp_path / "runs.h5")],
        [python, "-m", "extract", "report"],
        [python, "-m", "extract", "report", "--json"],
        [python, "-m", "extract", "sample", "-o", str(tmp_path / "sample.h5")],
        [python, "-m", "extract", "csv", str(tmp_path / "missing.csv")],  # an error path
        [python, "-m", "extract", "--debug", "report", str(tmp_path / "nothing.h5")],
        [
            str(Path(python).with_name("manim")),
            "render",
            "-ql",
            "-s",
            "--media_dir",
            str(tmp_path / "media"),
            "scenes/race.py",
            "ProgressRace",
        ],
    ]
    for command in commands:
        result = run(command, tmp_path)
        assert FAKE_KEY not in result.stdout + result.stderr, command
    assert_no_key_under(tmp_path)
