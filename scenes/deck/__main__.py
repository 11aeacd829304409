"""`python -m scenes.deck`: every scene as slides, in one offline reveal.js deck and a PPTX.

python -m scenes.deck                 # 1080p60 -> media/slides/deck.html, media/slides/deck.pptx
python -m scenes.deck --quality l     # a quick draft
python -m scenes.deck ProgressRace    # a deck of some scenes only
"""

from __future__ import annotations

import argparse
import os
import subprocess
import sys
from pathlib import Path

from extract.errors import InputError
from scenes.registry import SCENES
from scenes.render import PROJECT_ROOT, add_render_options, check_settings, render_all

from .posters import use_last_frames_as_posters
from .revealjs import ensure_assets

SLIDES_FILE = Path(__file__).with_name("slides.py")
OUTPUT = PROJECT_ROOT / "media" / "slides"


def slide_scene_names() -> list[str]:
    return [entry.slide for entry in SCENES]


def convert(
    names: list[str], presentations: Path, destination: Path, to: str, *options: str
) -> None:
    manim_slides = Path(sys.executable).with_name("manim-slides")
    command = [
        str(manim_slides),
        "convert",
        "--folder",
        str(presentations),
        "--to",
        to,
        *options,
        *names,
        str(destination),
    ]
    environment = ensure_assets() if to == "html" else None
    result = subprocess.run(command, env=environment, capture_output=True, text=True)
    if result.returncode or not destination.exists():
        lines = (result.stderr or result.stdout).strip().splitlines()
        raise InputError(
            f"manim-slides convert --to {to} failed: {lines[-1] if lines else result.returncode}",
            path=destination,
        )


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(
        prog="python -m scenes.deck",
        description=__doc__,
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    add_render_options(parser, quality="h")
    parser.add_argument("--title", default="LUMI vs laptop", help="the deck's title")
    parser.add_argument("--output", "-o", type=Path, default=OUTPUT, help="where the decks go")
    parser.add_argument("--media-dir", type=Path, help="manim's media folder (default: media)")
    parser.add_argument(
        "scene", nargs="*", help="scenes for the deck, e.g. ProgressRace (default: every scene)"
    )
    args = parser.parse_args(argv)
    from scenes.made_from import PRESENTATIONS_ENV, forget, remember, render_digest, reusable

    output = args.output.resolve()
    presentations = output / "presentations"
    names = slide_scene_names()
    if args.scene:
        wanted = {name if name.endswith("Slides") else f"{name}Slides" for name in args.scene}
        if unknown := sorted(wanted - set(names)):
            parser.error(f"no slides for {', '.join(unknown)} (there are: {', '.join(names)})")
        names = [name for name in names if name in wanted]
    env = {**os.environ, PRESENTATIONS_ENV: str(presentations)}
    extra = ["--media_dir", str(args.media_dir.resolve())] if args.media_dir else []
    scenes = [(SLIDES_FILE, name) for name in names]
    html, pptx = output / "deck.html", output / "deck.pptx"
    settings_error = check_settings()
    if settings_error:  # one line, before manim answers it with a traceback
        print(f"error: {settings_error}", file=sys.stderr)
        return 2
    # slides a render made from what this one would draw from (`make demo`, `make render`,
    # an earlier deck) are taken as they are; the rest are drawn
    digest = render_digest(args.quality)
    made = [name for name in names if reusable(presentations, name, digest)]
    to_draw = [(path, name) for path, name in scenes if name not in made]
    for _, name in to_draw:
        forget(presentations, name)
    if made:
        shown = ", ".join(name.removesuffix("Slides") for name in made)
        print(f"slides of an earlier render (same store, settings, study file, code): {shown}")
    outcome = render_all(to_draw, args.quality, *extra, jobs=args.jobs, env=env)
    for name in outcome.done:
        remember(presentations, name, digest)
    outcome.done = [name for name in names if name in made or name in outcome.done]
    if outcome.status:
        for deck in (html, pptx):  # never let a previous deck pass for this one
            if deck.exists():
                print(f"  not written; {deck} is a previous deck", file=sys.stderr)
        return outcome.status
    names = [name for name in names if name in outcome.done]
    try:
        # one file with the videos inside and reveal.js inlined: opens with no network
        options = ("--one-file", "--offline", "-c", f"title={args.title}")
        convert(names, presentations, html, "html", *options)
        convert(names, presentations, pptx, "pptx")
        # manim-slides' posters are first frames: the empty opening of every scene
        use_last_frames_as_posters(pptx)
    except InputError as error:
        print(f"error: {error.one_line()}", file=sys.stderr)
        return 2
    for deck in (html, pptx):
        print(f"  {deck}  {deck.stat().st_size / 1e6:.1f} MB")
    print(f"the deck holds: {', '.join(n.removesuffix('Slides') for n in names)}")
    for name, reason in outcome.skipped.items():
        print(f"left out: {name.removesuffix('Slides')} ({reason})")
    print("present: open deck.html in a browser (S: speaker notes), or deck.pptx")
    if args.scene and outcome.skipped:
        # asked for by name and not drawn: the deck is written with the rest, and the request
        # did not succeed
        print(f"error: not drawn: {', '.join(outcome.skipped)}", file=sys.stderr)
        return 2
    return 0


if __name__ == "__main__":
    sys.exit(main())
