"""`python -m scenes`: render every scene through the manim CLI and say where the videos are.

python -m scenes                 # preview quality (480p15)
python -m scenes --quality h     # 1080p60
"""

from __future__ import annotations

import argparse
import importlib
import inspect
import subprocess
import sys
from pathlib import Path

SCENES_DIR = Path(__file__).resolve().parent
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


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(
        prog="python -m scenes",
        description=__doc__,
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    parser.add_argument("--quality", "-q", choices=sorted(QUALITY_FOLDERS), default="l")
    args = parser.parse_args(argv)
    manim = Path(sys.executable).with_name("manim")
    outputs = []
    for path, name in all_scenes():
        print(f"rendering {name} ({path.name}) at {QUALITY_FOLDERS[args.quality]} ...", flush=True)
        command = [
            str(manim),
            "render",
            f"-q{args.quality}",
            "--progress_bar",
            "none",
            "-v",
            "WARNING",
            str(path.relative_to(SCENES_DIR.parent)),
            name,
        ]
        result = subprocess.run(command, cwd=SCENES_DIR.parent)
        if result.returncode:
            print(f"{name} failed (exit {result.returncode})", file=sys.stderr)
            return result.returncode
        outputs.append(
            SCENES_DIR.parent
            / "media"
            / "videos"
            / path.stem
            / QUALITY_FOLDERS[args.quality]
            / f"{name}.mp4"
        )
    print("\nvideos:")
    for output in outputs:
        print(f"  {output.relative_to(SCENES_DIR.parent)}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
