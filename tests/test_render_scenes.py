"""Every scene rendered through the manim CLI, the way a user renders it, checked with PyAV."""

from __future__ import annotations

import os
import subprocess
import sys
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import av
import numpy as np
import pytest

from extract.paths import PROJECT_ROOT
from scenes.__main__ import all_scenes

pytestmark = pytest.mark.render
SCENES = [(path.stem, name) for path, name in all_scenes()]


def render(media: Path, store: Path, module: str, scene: str) -> subprocess.CompletedProcess:
    # every render shares one media folder and one store, two at a time, as a user's parallel
    # renders do: the text cache (kit/text.py) must not hand one a half-written SVG
    env = {**os.environ, "RUNS_STORE": str(store)}
    manim = Path(sys.executable).with_name("manim")
    command = [
        str(manim),
        "render",
        "-ql",
        "--media_dir",
        str(media),
        "--progress_bar",
        "none",
        f"scenes/{module}.py",
        scene,
    ]
    return subprocess.run(command, cwd=PROJECT_ROOT, env=env, capture_output=True, text=True)


@pytest.fixture(scope="module")
def videos(sample_store, tmp_path_factory) -> dict[str, Path]:
    media = tmp_path_factory.mktemp("media")
    workers = 2
    with ThreadPoolExecutor(workers) as pool:
        results = list(pool.map(lambda item: render(media, sample_store, *item), SCENES))
    for (_, scene), result in zip(SCENES, results, strict=True):
        assert result.returncode == 0, f"{scene}: {result.stderr[-3000:]}"
    return {
        scene: media / "videos" / module / "480p15" / f"{scene}.mp4" for module, scene in SCENES
    }


def test_every_scene_is_rendered():
    assert {name for _, name in SCENES} == {
        "ProgressRace",
        "ScalingEfficiency",
        "TrainingComparison",
        "AccuracyVsTime",
        "LossVsTime",
    }


def changed_fraction(a: np.ndarray, b: np.ndarray) -> float:
    """Share of pixels that differ by more than H.264's noise on a still picture."""
    return float((np.abs(a.astype(int) - b.astype(int)).max(axis=2) > 32).mean())


@pytest.mark.parametrize("scene", [name for _, name in SCENES])
def test_video_format_length_and_held_final_frame(videos, scene):
    with av.open(str(videos[scene])) as container:
        stream = container.streams.video[0]
        assert (stream.codec_context.width, stream.codec_context.height) == (854, 480)
        assert stream.average_rate == 15
        assert stream.codec_context.name == "h264"
        assert stream.codec_context.pix_fmt == "yuv420p"
        frames = [f.to_ndarray(format="rgb24") for f in container.decode(video=0)]
    assert 8 * 15 <= len(frames) <= 15 * 15, f"{len(frames) / 15:.1f} s"
    # the last 2.5 s hold still (a changing clock or label would alter ~1% of the pixels) ...
    held = frames[-int(2.5 * 15) :]
    assert max(changed_fraction(frame, frames[-1]) for frame in held) < 1e-3
    # ... and the scene really moved before that
    assert changed_fraction(frames[len(frames) // 2], frames[-1]) > 0.01
