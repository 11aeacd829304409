"""`make gallery`: refresh the README's previews (media/gallery/): every scene rendered from the
sample study, as a short GIF and its held final frame as PNG.

Renders go to a temporary media folder with a temporary store, so the only files this writes are
media/gallery/*.gif and *.png: your own renders and data/runs.h5 stay as they were.

python scripts/gallery.py [--out media/gallery] [Scene ...]
"""

from __future__ import annotations

import argparse
import dataclasses
import hashlib
import os
import shutil
import sys
import tempfile
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from extract.sample import build_sample_store  # noqa: E402
from scenes.kit.gif import video_to_gif  # noqa: E402
from scenes.render import MEDIA, QUALITY_FOLDERS, all_scenes, render_all, shown  # noqa: E402

GALLERY = MEDIA / "gallery"
# the digest of what the scenes say on the sample study when the gallery was made; the tests
# compare it with today's plans (tests/test_gallery.py), so a stale gallery fails cheaply
DIGEST = "plans.sha256"
# what the README promises for each preview
LIMIT = 500_000
WIDTH = 480
FPS = 7.5
QUALITY = "l"


def _words(value: object) -> list[str]:
    """Every text and number a plan holds, in order (runs, curves and arrays left out: the
    words and figures drawn from them are in the plan already)."""
    if isinstance(value, str):
        return [value]
    if isinstance(value, bool | int | float):
        return [f"{value:.6g}" if isinstance(value, float) else str(value)]
    if isinstance(value, list | tuple):
        return [word for item in value for word in _words(item)]
    if dataclasses.is_dataclass(value) and not isinstance(value, type):
        if type(value).__name__ in ("Run", "ProgressCurve", "AmdahlFit"):
            return []
        return [w for f in dataclasses.fields(value) for w in _words(getattr(value, f.name))]
    return []


def plans_digest() -> str:
    """SHA-256 of every scene's plan on the sample study with the default settings."""
    from extract.sample import sample_runs
    from scenes.registry import SCENES
    from study.settings import Settings
    from study.view import view_of

    view = view_of(sample_runs(), Settings(), store_name="sample study")
    # every scene's, in the registry's order: a scene added there is in the digest
    plans = [entry.plan(view) for entry in SCENES]
    text = "\n".join(word for plan in plans for word in _words(plan))
    return hashlib.sha256(text.encode("utf-8")).hexdigest()


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--out", type=Path, default=GALLERY, help="where the previews go")
    parser.add_argument("scene", nargs="*", help="scene names (default: every scene)")
    args = parser.parse_args(argv)
    scenes = [(path, name) for path, name in all_scenes() if not args.scene or name in args.scene]
    if not scenes:
        parser.error(f"no scene named {', '.join(args.scene)}")
    args.out.mkdir(parents=True, exist_ok=True)
    too_big = []
    with tempfile.TemporaryDirectory(prefix="gallery-") as folder:
        store, media = Path(folder) / "runs.h5", Path(folder) / "media"
        build_sample_store(store)  # the sample study, whatever data/runs.h5 holds now
        env = {**os.environ, "RUNS_STORE": str(store)}
        env.pop("LUMI_CONFIG", None)  # the README shows the default look
        if render_all(scenes, QUALITY, "--media_dir", str(media), env=env):
            return 1
        if not args.scene:  # a partial refresh leaves the other scenes as stale as they were
            (args.out / DIGEST).write_text(plans_digest() + "\n", encoding="utf-8")
        for path, name in scenes:
            video = media / "videos" / path.stem / QUALITY_FOLDERS[QUALITY] / f"{name}.mp4"
            gif, poster = args.out / f"{name}.gif", args.out / f"{name}.png"
            video_to_gif(video, gif, width=WIDTH, fps=FPS)
            shutil.copyfile(video.with_suffix(".png"), poster)
            for output in (gif, poster):
                size = output.stat().st_size
                print(f"  {shown(output)}  {size / 1000:.0f} kB")
                if size > LIMIT:
                    too_big.append(output.name)
    if too_big:
        print(f"over {LIMIT / 1e6:g} MB, too big for the README: {', '.join(too_big)}")
        return 1
    return 0


if __name__ == "__main__":
    sys.exit(main())
