"""Every scene rendered through the manim CLI, the way a user renders it (`make demo`, run by
the session's README run: tests/readme_run.py), checked with PyAV."""

from __future__ import annotations

from pathlib import Path

import av
import numpy as np
import pytest
from PIL import Image

from scenes.kit.output import has_index_first
from scenes.registry import SCENES
from tests.test_manim_compat import SUPERFAST, psnr, x264_settings
from tests.test_registry import drawn_scene_classes

pytestmark = pytest.mark.render
NAMES = [entry.name for entry in SCENES]


@pytest.fixture(scope="module")
def videos(readme) -> dict[str, Path]:
    repo, results = readme
    assert results["make demo"].returncode == 0, results["make demo"].output()
    media = repo / "media" / "videos"
    return {entry.name: media / entry.file / "480p15" / f"{entry.name}.mp4" for entry in SCENES}


def test_every_scene_is_rendered(videos):
    """Every scene a scenes/*.py file defines (found by reading the files, not the registry)
    has a playable video from `make demo`."""
    for name in drawn_scene_classes():
        video = videos.get(name)
        assert video is not None and video.exists(), f"{name}: not rendered by make demo"
        with av.open(str(video)) as container:
            assert next(container.decode(video=0), None) is not None, f"{name}: no frame"


def changed_fraction(a: np.ndarray, b: np.ndarray) -> float:
    """Share of pixels that differ by more than H.264's noise on a still picture."""
    return float((np.abs(a.astype(int) - b.astype(int)).max(axis=2) > 32).mean())


@pytest.mark.parametrize("scene", NAMES)
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
    # encoded with our writer's x264 settings (scenes/kit/manim_compat.py), the held frame
    # close to the drawn one (PSNR at 480p15: 32.9 dB for TrainingComparison to 36.8 dB; Manim's
    # own settings gave ScalingEfficiency 35.9 dB, as ours do)
    settings = x264_settings(videos[scene])
    assert {key: settings[key] for key in SUPERFAST} == SUPERFAST
    assert psnr(frames[-1], still) > 31


def test_transparent_overlay_has_real_alpha(readme):
    """`make overlays` (run by the README run): a see-through background, an opaque chart."""
    repo, _ = readme
    webm = repo / "media" / "videos" / "scaling" / "480p15" / "ScalingEfficiency.webm"
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
