"""A short, small GIF of a rendered scene for READMEs and chat: fewer frames per second, one
palette, the held final frame kept as one long frame."""

from __future__ import annotations

from pathlib import Path

import av
from PIL import Image


def video_to_gif(video: Path, gif: Path, *, width: int = 480, fps: float = 7.5) -> int:
    """Write ``gif`` from ``video``; returns its size in bytes."""
    frames: list[Image.Image] = []
    times: list[float] = []
    step = 1.0 / fps
    with av.open(str(video)) as container:
        next_time = 0.0
        for frame in container.decode(video=0):
            if frame.time is None or frame.time + 1e-6 < next_time:
                continue
            image = frame.to_image()
            height = round(image.height * width / image.width / 2) * 2
            frames.append(image.resize((width, height), Image.Resampling.LANCZOS))
            times.append(frame.time)
            next_time += step
        end = float(container.duration or 0) / av.time_base if container.duration else times[-1]
    # frames that do not change (the held end) become one frame shown for as long
    palette = frames[-1].quantize(colors=128, method=Image.Quantize.MEDIANCUT)
    quantized = [f.quantize(palette=palette, dither=Image.Dither.NONE) for f in frames]
    kept, durations = [quantized[0]], [0.0]
    for image, shown_at, following in zip(quantized, times, [*times[1:], end], strict=True):
        if image.tobytes() != kept[-1].tobytes():
            kept.append(image)
            durations.append(0.0)
        durations[-1] += following - shown_at
    kept[0].save(
        gif,
        save_all=True,
        append_images=kept[1:],
        duration=[max(20, round(d * 1000)) for d in durations],
        loop=0,
        optimize=True,
    )
    return gif.stat().st_size
