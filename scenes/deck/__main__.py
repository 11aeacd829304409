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
from scenes.made_from import (
    PRESENTATIONS_ENV,
    forget,
    remember,
    render_inputs,
    slides_lock,
    why_drawn_again,
)
from scenes.registry import SCENES, entry
from scenes.render import (
    SLIDES_FILE,
    add_render_options,
    configured_media,
    render_all,
)
from study.settings import Settings, load_settings

from .posters import use_last_frames_as_posters
from .revealjs import ensure_assets


def slide_scene_names() -> list[str]:
    return [entry.slide for entry in SCENES]


def deck_title(settings: Settings) -> str:
    """The names the scenes show: a deck of another cluster's study is not titled LUMI."""
    return f"{settings.cluster_name} vs {settings.laptop_name}"


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
    parser.add_argument(
        "--title", help="the deck's title (default: the settings' names, e.g. 'LUMI vs Laptop')"
    )
    parser.add_argument(
        "--output", "-o", type=Path, help="where the decks go (default: the media folder's slides/)"
    )
    parser.add_argument("--media-dir", type=Path, help="manim's media folder (default: media)")
    parser.add_argument(
        "scene", nargs="*", help="scenes for the deck, e.g. ProgressRace (default: every scene)"
    )
    args = parser.parse_args(argv)
    names = slide_scene_names()
    if args.scene:
        wanted = {name if name.endswith("Slides") else f"{name}Slides" for name in args.scene}
        if unknown := sorted(wanted - set(names)):
            parser.error(f"no slides for {', '.join(unknown)} (there are: {', '.join(names)})")
        names = [name for name in names if name in wanted]
    try:  # one line for bad settings, before manim answers them with a traceback
        settings = load_settings()
    except InputError as error:
        print(f"error: {error.one_line()}", file=sys.stderr)
        return 2
    args.title = args.title or deck_title(settings)
    media = args.media_dir.resolve() if args.media_dir else configured_media()
    output = (args.output or media / "slides").resolve()
    with slides_lock(output / "presentations"):
        return build(names, args, media, output)


def build(names: list[str], args: argparse.Namespace, media: Path, output: Path) -> int:
    """The deck of the slide classes ``names``: slides a render made from what this one would
    draw from (`make demo`, `make render`, an earlier deck) are taken as they are; the rest are
    drawn, each with why."""
    presentations = output / "presentations"
    html, pptx = output / "deck.html", output / "deck.pptx"
    inputs = render_inputs(args.quality)
    reasons = {name: why_drawn_again(presentations, name, inputs) for name in names}
    made = [name for name in names if reasons[name] is None]
    if made:
        shown = ", ".join(entry(name).name for name in made)
        print(f"slides of an earlier render (same store, settings, study file, code): {shown}")
    for name in names:
        if name not in made:
            print(f"  {entry(name).name}: drawn, {reasons[name]}")
            forget(presentations, name)
    outcome = render_all(
        [(SLIDES_FILE, name) for name in names if name not in made],
        args.quality,
        "--media_dir",
        str(media),
        jobs=args.jobs,
        env={**os.environ, PRESENTATIONS_ENV: str(presentations)},
        label=lambda slide: entry(slide).name,
    )
    drawn = [entry(name).slide for name in outcome.done]
    after = render_inputs(args.quality)
    for name in drawn:
        remember(presentations, name, inputs, after)
    outcome.done = [name for name in names if name in made or name in drawn]
    if outcome.status:
        for deck in (html, pptx):  # never let a previous deck pass for this one
            if deck.exists():
                print(f"  not written; {deck} is a previous deck", file=sys.stderr)
        return outcome.status
    names = outcome.done
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
    # a render outside this command (`manim render scenes/deck/slides.py ...`) takes no lock:
    # slides it rewrote while the deck was built make a deck of two studies
    if rewritten := [name for name in made if why_drawn_again(presentations, name, inputs)]:
        for deck in (html, pptx):
            deck.unlink(missing_ok=True)
        shown = ", ".join(entry(name).name for name in rewritten)
        print(f"error: slides of {shown} were rewritten while the deck was built (another "
              "render); no deck written, run it again", file=sys.stderr)  # fmt: skip
        return 1
    for deck in (html, pptx):
        print(f"  {deck}  {deck.stat().st_size / 1e6:.1f} MB")
    print(f"the deck holds: {', '.join(entry(name).name for name in names)}")
    for name, reason in outcome.skipped.items():
        print(f"left out: {name} ({reason})")
    print("present: open deck.html in a browser (S: speaker notes), or deck.pptx")
    if args.scene and outcome.skipped:
        # asked for by name and not drawn: the deck is written with the rest, and the request
        # did not succeed
        print(f"error: not drawn: {', '.join(outcome.skipped)}", file=sys.stderr)
        return 2
    return 0


if __name__ == "__main__":
    sys.exit(main())
