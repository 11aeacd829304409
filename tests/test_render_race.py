"""ProgressRace rendered through the manim CLI, the way a user renders it, checked with PyAV."""

import os
import subprocess
import sys
from pathlib import Path

import av
import numpy as np
import pytest

from extract.paths import PROJECT_ROOT
from scenes import race

pytestmark = pytest.mark.render


@pytest.fixture(scope="module")
def rendered(sample_store, tmp_path_factory) -> Path:
    media = tmp_path_factory.mktemp("media")
    env = {**os.environ, "RUNS_STORE": str(sample_store)}
    manim = Path(sys.executable).with_name("manim")
    result = subprocess.run(
        [
            str(manim),
            "render",
            "-ql",
            "--media_dir",
            str(media),
            "--progress_bar",
            "none",
            "scenes/race.py",
            "ProgressRace",
        ],
        cwd=PROJECT_ROOT,
        env=env,
        capture_output=True,
        text=True,
    )
    assert result.returncode == 0, result.stderr[-3000:]
    return media / "videos" / "race" / "480p15" / "ProgressRace.mp4"


def test_video_has_the_size_rate_and_length_of_the_scene(rendered):
    seconds = race.INTRO_SECONDS + race.RACE_SECONDS + race.CLOSING_SECONDS + race.HOLD_SECONDS
    with av.open(str(rendered)) as container:
        stream = container.streams.video[0]
        assert (stream.codec_context.width, stream.codec_context.height) == (854, 480)
        assert stream.average_rate == 15
        assert stream.codec_context.name == "h264"
        frames = sum(1 for _ in container.decode(video=0))
    assert frames == round(seconds * 15)
    assert 8 <= seconds <= 15


def changed_fraction(a: np.ndarray, b: np.ndarray) -> float:
    """Share of pixels that differ by more than H.264's noise on a still picture."""
    return float((np.abs(a.astype(int) - b.astype(int)).max(axis=2) > 32).mean())


def test_final_frame_is_held(rendered):
    with av.open(str(rendered)) as container:
        frames = [f.to_ndarray(format="rgb24") for f in container.decode(video=0)]
    held = frames[-int(race.HOLD_SECONDS * 15) :]
    # a clock or label still changing would alter ~1% of the pixels
    assert max(changed_fraction(frame, frames[-1]) for frame in held) < 1e-3
    # the race really moved: halfway through, the picture differs from the end
    assert changed_fraction(frames[len(frames) // 2], frames[-1]) > 0.01
