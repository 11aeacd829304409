"""Rendering scenes through the manim CLI, several at once, and saying where the files are:
what `python -m scenes` runs (scenes/__main__.py), and what the deck, the gallery and the bench
render with.
"""

from __future__ import annotations

import argparse
import os
import subprocess
import sys
import time
from collections.abc import Callable, Sequence
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field
from pathlib import Path

from .registry import SCENES

# what scenes/kit/run.py reads (not imported from there: that loads Manim, and this answers first)
STILL_FORMAT_ENV = "LUMI_STILL_FORMAT"

USAGE = """render every scene through the manim CLI and say where the files are

python -m scenes                          # MP4 + poster PNG at preview quality (480p15)
python -m scenes --quality h              # 1080p60
python -m scenes --quality k --still      # the held final frame of each scene as PNG (4K)
python -m scenes --still --format svg     # ... and as SVG (or pdf): vectors, beside the PNG
python -m scenes --transparent            # WebM (VP9 + alpha) and MOV (QuickTime + alpha)
python -m scenes --media-dir /tmp/media   # somewhere other than ./media
"""

SCENES_DIR = Path(__file__).resolve().parent
PROJECT_ROOT = SCENES_DIR.parent
MEDIA = PROJECT_ROOT / "media"
# every scene's slide class (manim-slides): a video render draws through it (same frames), so the
# deck can take the slides it leaves (scenes/made_from.py)
SLIDES_FILE = SCENES_DIR / "deck" / "slides.py"
QUALITY_FOLDERS = {"l": "480p15", "m": "720p30", "h": "1080p60", "p": "1440p60", "k": "2160p60"}
# "{scene}" in a pass's arguments becomes the scene's name
SCENE = "{scene}"
# what each kind of output asks of manim: one render per pass, the passes of a scene one after
# the other
PASSES: dict[str, tuple[tuple[str, ...], ...]] = {
    "video": ((),),
    # -o names the file: without it manim appends its version ("_ManimCE_v0.21.0.png")
    "still": (("-s", "-o", SCENE),),
    # the MOV only: its WebM is made from it (scenes/kit/output.py), not rendered again
    "transparent": (("-t", "--format", "mov"),),
}


def all_scenes() -> list[tuple[Path, str]]:
    """(file, scene name) of every scene, in the registry's order."""
    return [(entry.path, entry.name) for entry in SCENES]


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
        *(argument.replace(SCENE, name) for argument in extra),
        str(path.relative_to(PROJECT_ROOT)),
        name,
    ]


@dataclass
class Rendered:
    """What a batch of renders came to: scenes drawn, scenes the data cannot draw (exit 2, with
    their one-line reason), and renders that failed (anything else)."""

    done: list[str] = field(default_factory=list)
    skipped: dict[str, str] = field(default_factory=dict)
    failed: dict[str, str] = field(default_factory=dict)

    @property
    def status(self) -> int:
        """0 when every scene the data can draw was drawn; 1 on a failure; 2 when none could."""
        if self.failed:
            return 1
        return 0 if self.done else 2

    def __bool__(self) -> bool:  # truthy when something went wrong, as an exit status is
        return self.status != 0


def render_all(
    scenes: list[tuple[Path, str]],
    quality: str,
    *extra: str,
    jobs: int = 0,
    env: dict[str, str] | None = None,
    passes: Sequence[Sequence[str]] = ((),),
    label: Callable[[str], str] = str,
) -> Rendered:
    """Render ``scenes`` through the manim CLI, several at once when there are cores for it
    (renders may share the media folder: kit/text.py locks the text cache). Each scene is
    rendered once per pass, with ``extra`` and that pass's arguments; ``label`` names a scene
    class in what is said and in the outcome."""
    if not scenes:
        return Rendered()
    jobs = jobs or max(1, min(len(scenes), os.cpu_count() or 1))
    counted = f"{len(scenes)} scene{'' if len(scenes) == 1 else 's'}"
    print(f"rendering {counted} at {QUALITY_FOLDERS[quality]}, {jobs} at a time")

    def render(item: tuple[Path, str]) -> tuple[str, int, float, str]:
        path, name = item
        started = time.monotonic()
        for arguments in passes:
            result = subprocess.run(
                render_command(path, name, quality, *extra, *arguments),
                cwd=PROJECT_ROOT,
                capture_output=True,
                text=True,
                env=env,
            )
            if result.returncode:
                break
        return name, result.returncode, time.monotonic() - started, result.stderr

    outcome = Rendered()
    with ThreadPoolExecutor(jobs) as pool:
        for drawn, status, seconds, stderr in pool.map(render, scenes):
            name = label(drawn)
            reason = _one_line_reason(stderr)
            if status == 2 and reason:
                # the data cannot support this scene (no such metric, one GPU count): the others
                # still render, and this one is named with why
                outcome.skipped[name] = reason
                print(f"  {name} skipped: {reason}", file=sys.stderr, flush=True)
            elif status:
                outcome.failed[name] = stderr.strip()
                print(f"  {name} failed (exit {status}):\n{stderr.strip()}", file=sys.stderr)
            else:
                outcome.done.append(name)
                print(f"  {name} {seconds:.0f} s", flush=True)
    return outcome


def render_videos(
    scenes: list[tuple[Path, str]], quality: str, media: Path, extra: list[str], jobs: int
) -> Rendered:
    """Every scene's MP4 and poster where manim puts a plain render, drawn through the scene's
    slide class: the same frames, and the deck (`python -m scenes.deck`) finds the slides made."""
    from .made_from import PRESENTATIONS_ENV, forget, remember, render_inputs, slides_lock
    from .registry import BY_NAME, entry

    presentations = media / "slides" / "presentations"
    slides = [BY_NAME[name].slide for _, name in scenes]
    environment = {**os.environ, PRESENTATIONS_ENV: str(presentations)}
    with slides_lock(presentations):
        before = render_inputs(quality)
        for slide in slides:
            forget(presentations, slide)
            # what an earlier render of the slide class left must never pass for this one's
            for made in outputs(media, SLIDES_FILE, slide, quality, "video"):
                made.unlink(missing_ok=True)
        outcome = render_all(
            [(SLIDES_FILE, slide) for slide in slides],
            quality,
            *extra,
            jobs=jobs,
            env=environment,
            label=lambda slide: entry(slide).name,
        )
        for name in outcome.done:
            scene = BY_NAME[name]
            for made, wanted in zip(
                outputs(media, SLIDES_FILE, scene.slide, quality, "video"),
                outputs(media, scene.path, name, quality, "video"),
                strict=True,
            ):
                if made.exists():  # else the check of what was written names it
                    wanted.parent.mkdir(parents=True, exist_ok=True)
                    os.replace(made, wanted)
        # a file changed while the scenes were drawn: which state they read is unknown, so the
        # slides are not offered to a deck
        after = render_inputs(quality)
        for name in outcome.done:
            remember(presentations, BY_NAME[name].slide, before, after)
    return outcome


def configured_media() -> Path:
    """Manim's media folder for renders in the project: manim.cfg's [CLI] media_dir if it
    names one (relative to the project, where renders run), else ./media."""
    from extract.paths import manim_cfg_value

    named = manim_cfg_value("CLI", "media_dir")
    return (PROJECT_ROOT / named[1]).resolve() if named else MEDIA


def _one_line_reason(stderr: str) -> str | None:
    """A scene's own one-line refusal ('error: ...'), as the scenes print it before any frame."""
    lines = [line for line in stderr.strip().splitlines() if line.strip()]
    if lines and lines[-1].startswith("error: "):
        return lines[-1].removeprefix("error: ")
    return None


def outputs(
    media: Path, path: Path, name: str, quality: str, kind: str, still_format: str = "png"
) -> list[Path]:
    """The files one render of ``kind`` leaves for a scene (manim's own layout); a still in a
    vector format has its PNG beside it."""
    videos = media / "videos" / path.stem / QUALITY_FOLDERS[quality]
    if kind == "still":
        png = media / "images" / path.stem / f"{name}.png"
        return [png] if still_format == "png" else [png, png.with_suffix(f".{still_format}")]
    if kind == "transparent":
        return [videos / f"{name}.webm", videos / f"{name}.mov"]
    return [videos / f"{name}.mp4", videos / f"{name}.png"]


def shown(path: Path) -> str:
    try:
        return str(path.relative_to(Path.cwd()))
    except ValueError:
        return str(path)


def add_render_options(parser: argparse.ArgumentParser, quality: str) -> None:
    """--quality and --jobs, as every command that renders takes them."""
    parser.add_argument("--quality", "-q", choices=sorted(QUALITY_FOLDERS), default=quality)
    parser.add_argument(
        "--jobs", "-j", type=int, default=0, help="renders at once (default: cores)"
    )


def check_settings() -> str | None:
    """What is wrong with the settings a render would read (manim.cfg), in one line; None when
    nothing is."""
    from extract.errors import InputError
    from study.settings import load_settings

    try:
        load_settings()
    except InputError as error:
        return error.one_line()
    return None


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(
        prog="python -m scenes",
        description=USAGE,
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    add_render_options(parser, quality="l")
    kinds = parser.add_mutually_exclusive_group()
    kinds.add_argument(
        "--still",
        "-s",
        action="store_const",
        dest="kind",
        const="still",
        help="only the held final frame, as PNG under media/images/<file>/",
    )
    kinds.add_argument(
        "--transparent",
        "-t",
        action="store_const",
        dest="kind",
        const="transparent",
        help="transparent background: WebM (VP9 with alpha) and MOV (QuickTime with alpha)",
    )
    parser.add_argument(
        "--format",
        choices=("png", "svg", "pdf"),
        default="png",
        help="with --still: svg or pdf draws the held frame as vectors too, beside the PNG",
    )
    parser.add_argument(
        "--media-dir", type=Path, help="manim's media folder (default: media, from manim.cfg)"
    )
    parser.add_argument("scene", nargs="*", help="scene names (default: every scene)")
    args = parser.parse_args(argv)
    kind = args.kind or "video"
    if args.format != "png" and kind != "still":
        parser.error("--format is for stills (--still)")
    scenes = all_scenes()
    if args.scene:
        unknown = sorted(set(args.scene) - {name for _, name in scenes})
        if unknown:
            known = ", ".join(name for _, name in scenes)
            parser.error(f"no scene named {', '.join(unknown)} (there are: {known})")
        scenes = [(path, name) for path, name in scenes if name in args.scene]
    media = args.media_dir.resolve() if args.media_dir else configured_media()
    extra = ["--media_dir", str(media)]
    settings_error = check_settings()
    if settings_error:
        # manim parses manim.cfg before any scene code runs and answers a syntax error with a
        # traceback: read it here first, and say what is wrong in one line
        print(f"error: {settings_error}", file=sys.stderr)
        return 2
    started = time.time()
    if kind == "video":
        outcome = render_videos(scenes, args.quality, media, extra, args.jobs)
    else:
        # the scene process draws the vector form (scenes/kit/run.py finish_still)
        env = {**os.environ, STILL_FORMAT_ENV: args.format}
        outcome = render_all(
            scenes, args.quality, *extra, jobs=args.jobs, env=env, passes=PASSES[kind]
        )
    for path, name in scenes:
        if name in outcome.skipped:
            # an earlier render of a study the scene could draw must not pass for this study's
            for stale in outputs(media, path, name, args.quality, kind, args.format):
                if stale.exists():
                    stale.unlink()
                    print(f"  {name}: removed its earlier {shown(stale)}", file=sys.stderr)
    if outcome.status:
        return outcome.status
    if kind == "transparent":
        from .kit.output import webm_from_mov

        for path, name in scenes:
            if name in outcome.done:
                webm, mov = outputs(media, path, name, args.quality, kind)
                webm_from_mov(mov, webm)
    written = [
        file
        for path, name in scenes
        if name in outcome.done
        for file in outputs(media, path, name, args.quality, kind, args.format)
    ]
    missing = [file for file in written if not file.exists() or file.stat().st_mtime < started]
    if missing:
        # manim exited 0 and yet left no new file there: say so rather than list a stale one
        for file in missing:
            print(f"error: manim wrote no {shown(file)}", file=sys.stderr)
        return 1
    print("\nwritten:")
    for file in written:
        print(f"  {shown(file)}  {file.stat().st_size / 1e6:.1f} MB")
    if args.scene and outcome.skipped:
        # a scene asked for by name that the data cannot draw is a failure of the request,
        # not a skip (every scene by default: the others are what the data can show)
        print(f"error: not drawn: {', '.join(outcome.skipped)}", file=sys.stderr)
        return 2
    return 0


if __name__ == "__main__":
    sys.exit(main())
