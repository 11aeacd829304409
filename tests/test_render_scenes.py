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
from PIL import Image

from extract.paths import PROJECT_ROOT
from scenes.__main__ import all_scenes
from scenes.kit.output import has_index_first

pytestmark = pytest.mark.render
SCENES = [(path.stem, name) for path, name in all_scenes()]


def render(
    media: Path, store: Path, module: str, scene: str, *extra: str
) -> subprocess.CompletedProcess:
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
        *extra,
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
        "CostOfSpeed",
    }


def changed_fraction(a: np.ndarray, b: np.ndarray) -> float:
    """Share of pixels that differ by more than H.264's noise on a still picture."""
    return float((np.abs(a.astype(int) - b.astype(int)).max(axis=2) > 32).mean())


@pytest.mark.parametrize("scene", [name for _, name in SCENES])
def test_video_format_length_and_held_final_frame(videos, scene):
    with av.open(str(videos[scene])) as container:
        stream = container.streams.video[0]
        assert (stream.codec_context.width, stream.codec_context.height) == (854, 480)
        # the clock plays as several animations; joining their files can shift one timestamp by
        # a fraction of a millisecond
        assert abs(float(stream.average_rate) - 15) < 0.01
        assert stream.codec_context.name == "h264"
        assert stream.codec_context.pix_fmt == "yuv420p"
        frames = [f.to_ndarray(format="rgb24") for f in container.decode(video=0)]
    assert 8 * 15 <= len(frames) <= 15 * 15, f"{len(frames) / 15:.1f} s"
    # no blank opening: the first frame already shows the title and the empty chart
    assert frames[0].std() > 10 and changed_fraction(frames[0], np.zeros_like(frames[0])) > 0.01
    # the last 2.5 s hold still (a changing clock or label would alter ~1% of the pixels) ...
    held = frames[-int(2.5 * 15) :]
    assert max(changed_fraction(frame, frames[-1]) for frame in held) < 1e-3
    # ... and the scene really moved before that
    assert changed_fraction(frames[len(frames) // 2], frames[-1]) > 0.01
    # plays while loading (index first), and the held frame is there as a poster image
    assert has_index_first(videos[scene])
    with Image.open(videos[scene].with_suffix(".png")) as poster:
        assert poster.size == (854, 480)
        still = np.asarray(poster.convert("RGB"))
    # lossless, so it differs from the H.264 frames at sharp edges; it is the last one
    to_last = changed_fraction(still, frames[-1])
    assert to_last < 0.03
    assert to_last < changed_fraction(still, frames[len(frames) // 2]) / 2


def test_transparent_overlay_has_real_alpha(sample_store, tmp_path):
    result = render(
        tmp_path, sample_store, "scaling", "ScalingEfficiency", "-t", "--format", "webm"
    )
    assert result.returncode == 0, result.stderr[-3000:]
    webm = tmp_path / "videos" / "scaling" / "480p15" / "ScalingEfficiency.webm"
    with av.open(str(webm)) as container:
        stream = container.streams.video[0]
        assert stream.codec_context.name == "vp9"
        # FFmpeg's own VP9 decoder drops the alpha plane; libvpx's keeps it
        decoder = av.CodecContext.create("libvpx-vp9", "r")
        frames = [frame for packet in container.demux(stream) for frame in decoder.decode(packet)]
    assert frames[-1].format.name == "yuva420p"
    alpha = frames[-1].to_ndarray(format="rgba")[:, :, 3]
    # the background is see-through, the chart and its text are opaque
    assert (alpha == 0).mean() > 0.5
    assert (alpha == 255).mean() > 0.005
