"""`python -m scenes`: render every scene through the manim CLI and say where the videos are.

python -m scenes                 # preview quality (480p15)
python -m scenes --quality h     # 1080p60
"""

from __future__ import annotations

import argparse
import importlib
import inspect
import os
import subprocess
import sys
import time
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

SCENES_DIR = Path(__file__).resolve().parent
PROJECT_ROOT = SCENES_DIR.parent
MEDIA = PROJECT_ROOT / "media"
QUALITY_FOLDERS = {"l": "480p15", "m": "720p30", "h": "1080p60", "p": "1440p60", "k": "2160p60"}


def scene_classes(path: Path) -> list[str]:
    """Scenes a file defines: Scene subclasses of its own that no other class there extends
    (those are shared bases, such as MetricVsTime)."""
    from manim import Scene

    module = importlib.import_module(f"scenes.{path.stem}")
    own = [
        cls
        for cls in vars(module).values()
        if inspect.isclass(cls) and issubclass(cls, Scene) and cls.__module__ == module.__name__
    ]
    return [
        cls.__name__ for cls in own if not any(o is not cls and issubclass(o, cls) for o in own)
    ]


def all_scenes() -> list[tuple[Path, str]]:
    return [
        (path, name)
        for path in sorted(SCENES_DIR.glob("*.py"))
        if not path.name.startswith("_")
        for name in scene_classes(path)
    ]


def render_command(path: Path, name: str, quality: str, *extra: str) -> list[str]:
    manim = Path(sys.executable).with_name("manim")
    return [
        str(manim),
        "render",
        f"-q{quality}",
        "--progress_bar",
        "none",
        "-v",
        "WARNING",
        *extra,
        str(path.relative_to(PROJECT_ROOT)),
        name,
    ]


def render_all(
    scenes: list[tuple[Path, str]],
    quality: str,
    *extra: str,
    jobs: int = 0,
    env: dict[str, str] | None = None,
) -> int:
    """Render ``scenes`` through the manim CLI, several at once when there are cores for it
    (renders may share the media folder: kit/text.py locks the text cache)."""
    jobs = jobs or max(1, min(len(scenes), os.cpu_count() or 1))
    print(f"rendering {len(scenes)} scenes at {QUALITY_FOLDERS[quality]}, {jobs} at a time")

    def render(item: tuple[Path, str]) -> tuple[str, int, float, str]:
        path, name = item
        started = time.monotonic()
        result = subprocess.run(
            render_command(path, name, quality, *extra),
            cwd=PROJECT_ROOT,
            capture_output=True,
            text=True,
            env=env,
        )
        return name, result.returncode, time.monotonic() - started, result.stderr

    failed = 0
    with ThreadPoolExecutor(jobs) as pool:
        for name, status, seconds, stderr in pool.map(render, scenes):
            if status:
                failed += 1
                print(f"  {name} failed (exit {status}):\n{stderr.strip()}", file=sys.stderr)
            else:
                print(f"  {name} {seconds:.0f} s", flush=True)
    return 1 if failed else 0


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(
        prog="python -m scenes",
        description=__doc__,
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    parser.add_argument("--quality", "-q", choices=sorted(QUALITY_FOLDERS), default="l")
    parser.add_argument(
        "--jobs", "-j", type=int, default=0, help="renders at once (default: cores)"
    )
    args = parser.parse_args(argv)
    scenes = all_scenes()
    status = render_all(scenes, args.quality, jobs=args.jobs)
    if status:
        return status
    print("\nvideos:")
    for path, name in scenes:
        video = MEDIA / "videos" / path.stem / QUALITY_FOLDERS[args.quality] / f"{name}.mp4"
        print(f"  {video.relative_to(PROJECT_ROOT)}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
