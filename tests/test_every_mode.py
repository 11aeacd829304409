"""Every mode of every scene, run: one table, scene x kind of output.

Each cell runs at the cheapest setting that still takes that scene's own code in that mode:
the video, slide and GIF cells read what the README run rendered (`make demo` draws every scene
through its slide class, `make slides` builds the deck from those slides), the still cell renders
the held frame as `manim render -s` does (every animation skipped), the transparent cell runs
the scene dry with `manim render -t`'s configuration (its own opening: no background to veil
with). A scene added without its row (the registry), or a kind of output without its column (a
render pass of scenes/render.py, a make target that renders scenes), fails here.
"""

from __future__ import annotations

import json
import re
from collections.abc import Callable
from pathlib import Path
from typing import Any

import av
import numpy as np
import pytest
from PIL import Image

from extract.paths import PROJECT_ROOT
from scenes.registry import SCENES
from scenes.render import PASSES
from tests.readme_run import (
    GIF_FPS,
    GIF_WIDTH,
    SLIDES_PER_SCENE,
    check_mp4_and_poster,
    demo_video,
)
from tests.scene_probe import CRITIC_FRAME_RATE, Probes

pytestmark = pytest.mark.render

# the make targets that render scenes, and the kind of output each makes
TARGET_MODES = {
    "demo": "video",
    "render": "video",
    "stills": "still",
    # MetricVsTime's held frame of each key (its charts: tests/readme_run.py check_charts)
    "charts": "still",
    "overlays": "transparent",
    "slides": "slides",
    "gallery": "gif",
}
GIF_LIMIT = 500_000  # the README's gallery row: under 0.5 MB


def _video(scene: str, readme: Any, probes: Probes, tmp_path: Path) -> None:
    repo, results = readme
    assert results["make demo"].returncode == 0, results["make demo"].output()
    check_mp4_and_poster(repo, [scene])


def _still(scene: str, readme: Any, probes: Probes, tmp_path: Path) -> None:
    png = Path(probes.still(scene).result())
    with Image.open(png) as image:
        assert image.size == (854, 480)
        pixels = np.asarray(image.convert("RGB"))
    assert pixels.std() > 10, f"{png.name}: a blank still"


def _transparent(scene: str, readme: Any, probes: Probes, tmp_path: Path) -> None:
    probed = probes.get(scene, None, "sample study", frame_rate=CRITIC_FRAME_RATE,
                        mode="transparent")  # fmt: skip
    assert probed.refused is None, probed.refused
    assert probed.held_contrast > 0, "a blank held frame"
    held = probed.judged[-1]
    assert held.problems == [], held.problems


def _slides(scene: str, readme: Any, probes: Probes, tmp_path: Path) -> None:
    repo, results = readme
    assert results["make slides QUALITY=l"].returncode == 0, results[
        "make slides QUALITY=l"
    ].output()
    slide = next(entry.slide for entry in SCENES if entry.name == scene)
    presentation = repo / "media" / "slides" / "presentations" / f"{slide}.json"
    files = [Path(s["file"]) for s in json.loads(presentation.read_text())["slides"]]
    assert len(files) == SLIDES_PER_SCENE[slide]
    for file in files:
        with av.open(str(file)) as container:
            assert next(container.decode(video=0), None) is not None, f"{file.name}: no frame"


def _gif(scene: str, readme: Any, probes: Probes, tmp_path: Path) -> None:
    repo, _ = readme
    # made in a worker (queued as soon as the README run is done: tests/conftest.py)
    gif = Path(probes.gif(demo_video(repo, scene), width=GIF_WIDTH, fps=GIF_FPS).result())
    with Image.open(gif) as image:
        assert image.width == 480 and getattr(image, "n_frames", 1) > 10
    assert gif.stat().st_size < GIF_LIMIT


MODES: dict[str, Callable[[str, Any, Probes, Path], None]] = {
    "video": _video,
    "still": _still,
    "transparent": _transparent,
    "slides": _slides,
    "gif": _gif,
}


def _rendering_targets() -> set[str]:
    """The Makefile's targets whose recipe renders scenes."""
    text = (PROJECT_ROOT / "Makefile").read_text()
    found = set()
    for target, recipe in re.findall(r"^([a-z]+):[^\n]*\n((?:\t[^\n]*\n)+)", text, re.M):
        if re.search(r"-m scenes\b|scripts/gallery\.py", recipe):
            found.add(target)
    return found


def test_the_table_has_every_scene_and_every_mode():
    """A render pass or a make target that renders is a column; every scene is a row (the cells
    are parametrized over the registry and MODES below)."""
    assert set(PASSES) <= set(MODES), set(PASSES) - set(MODES)
    targets = _rendering_targets()
    assert "overlays" in targets and "gallery" in targets  # the parse reads the Makefile
    assert targets <= set(TARGET_MODES), (
        f"make targets with no column: {targets - set(TARGET_MODES)}"
    )
    assert set(TARGET_MODES.values()) == set(MODES)


@pytest.mark.parametrize("mode", list(MODES))
@pytest.mark.parametrize("scene", [entry.name for entry in SCENES])
def test_every_scene_in_every_mode(scene, mode, readme, sample_outputs, tmp_path):
    MODES[mode](scene, readme, sample_outputs, tmp_path)
