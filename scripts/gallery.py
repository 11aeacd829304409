"""`make gallery`: refresh the README's previews (media/gallery/): every scene rendered from the
sample study, as a short GIF and its final frame as PNG, each well under 1 MB."""

from __future__ import annotations

import os
import shutil
import sys
import tempfile
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from extract.paths import PROJECT_ROOT  # noqa: E402
from extract.sample import build_sample_store  # noqa: E402
from scenes.__main__ import MEDIA, QUALITY_FOLDERS, all_scenes, render_all  # noqa: E402
from scenes.kit.gif import video_to_gif  # noqa: E402

GALLERY = MEDIA / "gallery"
LIMIT = 1_000_000


def main() -> int:
    with tempfile.TemporaryDirectory() as folder:
        store = Path(folder) / "runs.h5"
        build_sample_store(store)  # the sample study, whatever data/runs.h5 holds now
        env = {**os.environ, "RUNS_STORE": str(store)}
        env.pop("LUMI_CONFIG", None)
        scenes = all_scenes()
        if render_all(scenes, "l", jobs=0, env=env):
            return 1
    GALLERY.mkdir(parents=True, exist_ok=True)
    too_big = []
    for path, name in scenes:
        video = MEDIA / "videos" / path.stem / QUALITY_FOLDERS["l"] / f"{name}.mp4"
        gif, poster = GALLERY / f"{name}.gif", GALLERY / f"{name}.png"
        video_to_gif(video, gif)
        shutil.copyfile(video.with_suffix(".png"), poster)
        for output in (gif, poster):
            size = output.stat().st_size
            print(f"  {output.relative_to(PROJECT_ROOT)}  {size / 1000:.0f} kB")
            if size > LIMIT:
                too_big.append(output.name)
    if too_big:
        print(f"over {LIMIT / 1e6:g} MB, not fit for the README: {', '.join(too_big)}")
        return 1
    return 0


if __name__ == "__main__":
    sys.exit(main())
