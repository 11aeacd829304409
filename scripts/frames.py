"""Save frames of a rendered video as PNG for looking at: first, middle and last, and the frame
nearest each time given with -t.

python scripts/frames.py media/videos/race/1080p60/ProgressRace.mp4 [-t 2.5 -t 7] [-o media/frames]

writes media/frames/ProgressRace_1080p60_first.png, ..._middle, ..._last, ..._t2.5, ...

Frames are decoded one at a time and only the wanted ones are kept, so a long 4K video needs no
more memory than a few of its frames.
"""

from __future__ import annotations

import argparse
import sys
from dataclasses import dataclass, field
from pathlib import Path

import av


@dataclass
class Pick:
    """The frame nearest to ``target`` seconds among those decoded so far."""

    name: str
    target: float
    distance: float = float("inf")
    # a decoded frame holds its own reference-counted buffer: keeping it pins that one frame,
    # and converting only the winners at the end saves a conversion per frame decoded
    frame: av.VideoFrame | None = field(default=None, repr=False)

    def offer(self, seconds: float, frame: av.VideoFrame) -> None:
        distance = abs(seconds - self.target)
        if distance < self.distance:
            self.distance, self.frame = distance, frame


def duration_of(container: av.container.InputContainer) -> float | None:
    stream = container.streams.video[0]
    if stream.duration is not None and stream.time_base is not None:
        return float(stream.duration * stream.time_base)
    if container.duration is not None:
        return container.duration / av.time_base
    return None


def save_frames(video: Path, times: list[float], out: Path) -> list[Path]:
    """Write the first, middle and last frame, and the frame nearest each of ``times``."""
    out.mkdir(parents=True, exist_ok=True)
    with av.open(str(video)) as container:
        length = duration_of(container)
        picks = [Pick("first", 0.0)]
        if length is not None:
            picks.append(Pick("middle", length / 2))
        picks += [Pick(f"t{seconds:g}", seconds) for seconds in times]
        last: av.VideoFrame | None = None
        index = 0
        rate = float(container.streams.video[0].average_rate or 0) or None
        # in the name as Manim names its folders (480p15, 1080p60): renders of one scene at two
        # qualities would otherwise overwrite each other's frames
        quality = f"{container.streams.video[0].height}p{round(rate) if rate else ''}"
        for frame in container.decode(video=0):
            if frame.time is not None:
                seconds = frame.time
            elif rate:
                seconds = index / rate
            else:
                seconds = float(index)
            for pick in picks:
                pick.offer(seconds, frame)
            last, index = frame, index + 1
        if last is None:
            raise SystemExit(f"error: {video}: no video frames")
        # a video without a known length: its middle by frame count, decoded again (cheap, and
        # still one frame at a time)
        if length is None:
            middle = index // 2
            container.seek(0)
            for number, frame in enumerate(container.decode(video=0)):
                if number == middle:
                    picks.append(Pick("middle", 0.0, 0.0, frame))
                    break
        picks.append(Pick("last", 0.0, 0.0, last))
    written = []
    for pick in picks:
        assert pick.frame is not None
        path = out / f"{video.stem}_{quality}_{pick.name}.png"
        pick.frame.to_image().save(path)
        written.append(path)
    return written


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("video", type=Path)
    parser.add_argument("-t", "--time", type=float, action="append", help="seconds (repeatable)")
    parser.add_argument("-o", "--out", type=Path, default=Path("media/frames"))
    args = parser.parse_args(argv)
    if not args.video.is_file():
        print(f"error: {args.video}: no such video", file=sys.stderr)
        return 2
    for path in save_frames(args.video, args.time or [], args.out):
        print(path)
    return 0


if __name__ == "__main__":
    sys.exit(main())
