"""scenes/kit/gif.py: a GIF that stores only visible changes still ends on the exact held frame,
and every frame before it is within the threshold of the video."""

from __future__ import annotations

from pathlib import Path

import av
import numpy as np
from PIL import Image

from scenes.kit.gif import THRESHOLD, video_to_gif

RATE = 15


def moving_square_video(path: Path, seconds: float = 3.0, hold: float = 1.0) -> None:
    """A square sliding and fading in over a still background, then held."""
    width, height = 320, 180
    moving = round(seconds * RATE)
    with av.open(str(path), "w") as container:
        stream = container.add_stream("libx264", rate=RATE)
        stream.width, stream.height, stream.pix_fmt = width, height, "yuv420p"
        stream.options = {"preset": "ultrafast", "crf": "18"}
        for index in range(moving + round(hold * RATE)):
            share = min(index / moving, 1.0)
            picture = np.full((height, width, 3), (16, 19, 24), dtype=np.uint8)
            picture[20:40, 10:300] = (90, 140, 200)  # a title bar that never changes
            left = 20 + round(200 * share)
            colour = np.array((240, 160, 40)) * share + np.array((16, 19, 24)) * (1 - share)
            picture[80:140, left : left + 60] = colour.astype(np.uint8)
            frame = av.VideoFrame.from_ndarray(picture, format="rgb24")
            for packet in stream.encode(frame):
                container.mux(packet)
        for packet in stream.encode():
            container.mux(packet)


def composited(gif: Path) -> list[np.ndarray]:
    with Image.open(gif) as image:
        frames = []
        for number in range(image.n_frames):
            image.seek(number)
            frames.append(np.asarray(image.convert("RGB")).astype(int))
    return frames


def test_the_held_frame_is_exact_and_the_rest_close(tmp_path):
    video, gif = tmp_path / "square.mp4", tmp_path / "square.gif"
    moving_square_video(video)
    size = video_to_gif(video, gif, width=160, fps=7.5)
    assert size == gif.stat().st_size
    frames = composited(gif)
    # 3 s of motion at 7.5 fps, at most one frame each, then the hold as one long frame
    assert 5 <= len(frames) <= 24
    with av.open(str(video)) as container:
        last = list(container.decode(video=0))[-1].to_image()
    expected = last.resize((160, 90), Image.Resampling.LANCZOS)
    palette = expected.quantize(colors=127, method=Image.Quantize.MEDIANCUT)
    exact = np.asarray(expected.quantize(palette=palette, dither=Image.Dither.NONE).convert("RGB"))
    assert np.array_equal(frames[-1], exact.astype(int))
    with Image.open(gif) as image:
        image.seek(image.n_frames - 1)
        assert image.info["duration"] >= 900  # the one-second hold is one frame
    # the square moved: the frames are not all the same picture
    assert np.abs(frames[0] - frames[-1]).max() > 100
    # still parts are drawn once: no pixel of the title bar differs between frames
    for frame in frames:
        assert np.abs(frame[12:18, 10:150] - frames[-1][12:18, 10:150]).max() <= THRESHOLD
