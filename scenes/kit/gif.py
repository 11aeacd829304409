"""A short, small GIF of a rendered scene for READMEs and chat: fewer frames per second, one
palette, and each frame storing only the pixels that visibly changed."""

from __future__ import annotations

from pathlib import Path

import av
import numpy as np
from PIL import Image

# one palette entry is kept for "unchanged": a frame leaves those pixels as the one before drew
# them, and runs of them compress to almost nothing
COLORS = 128
UNCHANGED = COLORS - 1
# a pixel is redrawn only when its colour moved more than this (0-255, per channel): fades then
# advance in slightly coarser steps, and H.264's flicker on still parts costs nothing. Measured on
# the sample study at 480 px, 7.5 fps: a third of the lossless size
THRESHOLD = 16


def resized(frame: av.VideoFrame, width: int) -> Image.Image:
    image: Image.Image = frame.to_image()
    height = round(image.height * width / image.width / 2) * 2
    return image.resize((width, height), Image.Resampling.LANCZOS)


def sampled_frames(
    video: Path, width: int, fps: float
) -> tuple[list[Image.Image], list[float], float]:
    """Frames of ``video`` at ``fps``, resized to ``width``; their times; the video's end."""
    frames: list[Image.Image] = []
    times: list[float] = []
    step = 1.0 / fps
    with av.open(str(video)) as container:
        next_time = 0.0
        last: av.VideoFrame | None = None
        for frame in container.decode(video=0):
            last = frame
            if frame.time is None or frame.time + 1e-6 < next_time:
                continue
            frames.append(resized(frame, width))
            times.append(frame.time)
            next_time += step
            last = None
        if last is not None and last.time is not None:
            # the video's very last frame ends the GIF, as it ends the video and the poster
            frames.append(resized(last, width))
            times.append(last.time)
        if not frames:
            raise ValueError(f"{video}: no video frames")
        end = container.duration / av.time_base if container.duration else times[-1] + step
    return frames, times, end


def video_to_gif(
    video: Path, gif: Path, *, width: int = 480, fps: float = 7.5, threshold: int = THRESHOLD
) -> int:
    """Write ``gif`` from ``video``; returns its size in bytes. The held final frame is exact
    (it is the one a reader looks at longest); frames before it may differ from the video by up
    to ``threshold`` per channel."""
    frames, times, end = sampled_frames(video, width, fps)
    # the palette of the final frame: every element of the scene is on it
    palette_image = frames[-1].quantize(colors=COLORS - 1, method=Image.Quantize.MEDIANCUT)
    flat = palette_image.getpalette() or []
    palette = np.zeros((COLORS, 3), dtype=np.int16)
    entries = np.array(flat[: 3 * (COLORS - 1)], dtype=np.int16).reshape(-1, 3)
    palette[: len(entries)] = entries
    indexed = [
        np.asarray(f.quantize(palette=palette_image, dither=Image.Dither.NONE)) for f in frames
    ]
    held = indexed[-1]
    # the final hold starts where frames stop differing visibly from the last one; from there on
    # the GIF shows the last frame itself, so the long-shown picture is the exact held frame
    final = palette[held]
    hold_start = len(indexed) - 1
    while hold_start > 0 and (np.abs(palette[indexed[hold_start - 1]] - final).max() <= threshold):
        hold_start -= 1
    indexed[hold_start:] = [held] * (len(indexed) - hold_start)
    shown: np.ndarray | None = None  # the colours on screen so far
    kept: list[np.ndarray] = []
    durations: list[float] = []
    for index, shown_at, following in zip(indexed, times, [*times[1:], end], strict=True):
        colours = palette[index]
        if shown is None:
            shown = colours.copy()
            kept.append(index)
            durations.append(following - shown_at)
            continue
        limit = 0 if index is held else threshold
        changed = np.abs(colours - shown).max(axis=2) > limit
        if not changed.any():
            durations[-1] += following - shown_at
            continue
        patch = np.full_like(index, UNCHANGED)
        patch[changed] = index[changed]
        shown[changed] = colours[changed]
        kept.append(patch)
        durations.append(following - shown_at)
    images = []
    for patch in kept:
        image = Image.fromarray(patch.astype(np.uint8), "P")
        image.putpalette(palette.astype(np.uint8).flatten().tolist())
        images.append(image)
    images[0].save(
        gif,
        save_all=True,
        append_images=images[1:],
        duration=[max(20, round(d * 1000)) for d in durations],
        loop=0,
        transparency=UNCHANGED,
        disposal=1,  # keep each frame: the next one draws only its changes over it
        optimize=True,
    )
    return gif.stat().st_size
