"""A scene given a bad store or bad settings stops before rendering, with one line."""

import os
import subprocess
import sys
from pathlib import Path

import pytest

from extract.paths import PROJECT_ROOT

# through the manim CLI, as a user renders (a process start of Manim per test)
pytestmark = pytest.mark.render


def render(tmp_path: Path, **env) -> subprocess.CompletedProcess:
    manim = Path(sys.executable).with_name("manim")
    return subprocess.run(
        [
            str(manim),
            "render",
            "-ql",
            "--media_dir",
            str(tmp_path / "media"),
            "scenes/scaling.py",
            "ScalingEfficiency",
        ],
        cwd=PROJECT_ROOT,
        env={**os.environ, **env},
        capture_output=True,
        text=True,
    )


@pytest.mark.parametrize("content", [b"not a store", b""])
def test_bad_store_is_one_line_and_exit_2(tmp_path, content):
    store = tmp_path / "runs.h5"
    store.write_bytes(content)
    result = render(tmp_path, RUNS_STORE=str(store))
    assert result.returncode == 2
    output = result.stdout + result.stderr
    assert f"error: {store}" in output and "Traceback" not in output
    assert not list((tmp_path / "media").rglob("*.mp4"))


def test_bad_setting_is_one_line_and_exit_2(tmp_path, sample_store):
    config = tmp_path / "study.cfg"
    config.write_text("[lumi_vs_laptop]\ntheme = sepia\n")
    result = render(tmp_path, RUNS_STORE=str(sample_store), LUMI_CONFIG=str(config))
    assert result.returncode == 2
    assert "theme = 'sepia': use dark or light" in result.stderr
