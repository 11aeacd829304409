"""scripts/frames.py: the right frames, and memory bounded by a few frames, however long the
video."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import av
import numpy as np
import pytest
from PIL import Image

from extract.paths import PROJECT_ROOT

SCRIPT = PROJECT_ROOT / "scripts" / "frames.py"
RATE = 24


def grey_video(path: Path, frames: int, size: tuple[int, int]) -> None:
    """Frame i is one flat grey that grows with i, so a saved PNG tells which frame it was."""
    width, height = size
    with av.open(str(path), "w") as container:
        stream = container.add_stream("libx264", rate=RATE)
        stream.width, stream.height, stream.pix_fmt = width, height, "yuv420p"
        stream.options = {"preset": "ultrafast", "crf": "10"}
        for index in range(frames):
            level = round(255 * index / (frames - 1))
            picture = np.full((height, width, 3), level, dtype=np.uint8)
            for packet in stream.encode(av.VideoFrame.from_ndarray(picture, format="rgb24")):
                container.mux(packet)
        for packet in stream.encode():
            container.mux(packet)


# runs the script as its only child, then reports that child's peak memory: the test process's
# own children (renders, earlier tests) would otherwise count too
MEASURE = """
import resource, subprocess, sys
result = subprocess.run(sys.argv[1:])
print(resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss, file=sys.stderr)
sys.exit(result.returncode)
"""


def run_frames(*args: str) -> tuple[subprocess.CompletedProcess, int]:
    """Run the script; returns its result and its peak memory in kB."""
    result = subprocess.run(
        [sys.executable, "-c", MEASURE, sys.executable, str(SCRIPT), *args],
        cwd=PROJECT_ROOT,
        capture_output=True,
        text=True,
    )
    *message, peak = result.stderr.splitlines()
    result.stderr = "\n".join(message)
    return result, int(peak)


def grey(path: Path) -> float:
    with Image.open(path) as image:
        return float(np.asarray(image.convert("L")).mean())


def test_first_middle_last_and_given_times(tmp_path):
    frames = 96  # 4 s at 24 fps
    video = tmp_path / "grey.mp4"
    grey_video(video, frames, (64, 48))
    result, _ = run_frames(str(video), "-t", "1", "-t", "2.5", "-o", str(tmp_path / "out"))
    assert result.returncode == 0, result.stderr
    # named with the quality as Manim names its folders: two renders' frames never overwrite
    written = {
        Path(line).stem.removeprefix("grey_48p24_"): Path(line) for line in result.stdout.split()
    }
    assert set(written) == {"first", "middle", "last", "t1", "t2.5"}

    def level(index: int) -> float:
        return 255 * index / (frames - 1)

    expected = {"first": 0, "middle": 48, "last": frames - 1, "t1": RATE, "t2.5": 60}
    for name, index in expected.items():
        assert abs(grey(written[name]) - level(index)) < 2, name


@pytest.mark.render
def test_memory_stays_bounded_on_a_long_video(tmp_path):
    # 40 s of 640x360: holding every decoded frame as an image would take ~660 MB
    video = tmp_path / "long.mp4"
    grey_video(video, 40 * RATE, (640, 360))
    result, peak_kb = run_frames(str(video), "-t", "20", "-o", str(tmp_path / "out"))
    assert result.returncode == 0, result.stderr
    assert len(result.stdout.split()) == 4
    assert peak_kb < 300_000, f"peak {peak_kb / 1000:.0f} MB"


def test_a_missing_video_is_one_line(tmp_path):
    result, _ = run_frames(str(tmp_path / "nothing.mp4"))
    assert result.returncode == 2
    assert result.stderr.strip() == f"error: {tmp_path / 'nothing.mp4'}: no such video"
