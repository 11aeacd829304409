"""Save frames of a rendered video as PNG for looking at: first, middle, last, or given times.

python scripts/frames.py media/videos/race/1080p60/ProgressRace.mp4 [-t 2.5 -t 7] [-o media/frames]
"""

from __future__ import annotations

import argparse
from pathlib import Path

import av


def main() -> None:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("video", type=Path)
    parser.add_argument("-t", "--time", type=float, action="append", help="seconds (repeatable)")
    parser.add_argument("-o", "--out", type=Path, default=Path("media/frames"))
    args = parser.parse_args()
    args.out.mkdir(parents=True, exist_ok=True)
    with av.open(str(args.video)) as container:
        frames = [(f.time, f.to_image()) for f in container.decode(video=0)]
    picks = {"first": frames[0], "middle": frames[len(frames) // 2], "last": frames[-1]}
    for seconds in args.time or []:
        picks[f"t{seconds:g}"] = min(frames, key=lambda item: abs(item[0] - seconds))
    for name, (_, image) in picks.items():
        path = args.out / f"{args.video.stem}_{name}.png"
        image.save(path)
        print(path)


if __name__ == "__main__":
    main()
