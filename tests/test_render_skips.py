"""`make render` and `make slides` on a study some scenes cannot draw: the others are rendered,
each skipped scene is named with its reason, and a deck says what it holds (or is not written)."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest

from extract import save_runs
from extract.model import Evidence, Run
from extract.paths import PROJECT_ROOT

pytestmark = pytest.mark.render


def one_gpu_count_study(path: Path) -> Path:
    """One cluster run and one laptop: a race can be drawn, a scaling chart cannot."""
    runs = [
        Run(
            run_id="g8",
            name="8 GPU run",
            platform="cluster",
            state="finished",
            gpus=8,
            nodes=1,
            epochs=3,
            epochs_done=3,
            time_s=600.0,
            evidence={"gpus": Evidence("config", "total_gpus", "8")},
        ),
        Run(
            run_id="lap",
            name="laptop run",
            platform="laptop",
            state="finished",
            gpus=None,
            nodes=None,
            epochs=3,
            epochs_done=3,
            time_s=90000.0,
        ),
    ]
    save_runs(path, runs)
    return path


def run(module: str, *arguments: str, store: Path) -> subprocess.CompletedProcess:
    env = {**os.environ, "RUNS_STORE": str(store)}
    env.pop("LUMI_CONFIG", None)
    return subprocess.run(
        [sys.executable, "-m", module, *arguments],
        cwd=PROJECT_ROOT,
        env=env,
        capture_output=True,
        text=True,
    )


@pytest.fixture(scope="module")
def rendered(tmp_path_factory) -> tuple[Path, Path, subprocess.CompletedProcess]:
    """`python -m scenes ProgressRace ScalingEfficiency` on a study with one GPU count: the
    store, the media folder and what the command did."""
    folder = tmp_path_factory.mktemp("skips")
    store = one_gpu_count_study(folder / "runs.h5")
    media = folder / "media"
    # what a render of an earlier study left, which this study cannot draw
    stale = media / "videos" / "scaling" / "480p15"
    stale.mkdir(parents=True)
    (stale / "ScalingEfficiency.mp4").write_bytes(b"an earlier study's video")
    (stale / "ScalingEfficiency.png").write_bytes(b"an earlier study's poster")
    arguments = ("-q", "l", "--media-dir", str(media), "ProgressRace", "ScalingEfficiency")
    return store, media, run("scenes", *arguments, store=store)


def test_render_draws_what_it_can_and_names_what_it_cannot(rendered):
    _, media, done = rendered
    # named on the command line and not drawn: the others are written, and the exit says so
    assert done.returncode == 2, done.stderr
    assert "error: not drawn: ScalingEfficiency" in done.stderr
    assert "ScalingEfficiency skipped: " in done.stderr and "two GPU counts" in done.stderr
    assert (media / "videos" / "race" / "480p15" / "ProgressRace.mp4").exists()
    assert "ScalingEfficiency" not in done.stdout.split("written:")[-1]


def test_a_skipped_scene_leaves_no_earlier_render_beside_the_new_ones(rendered):
    _, media, done = rendered
    folder = media / "videos" / "scaling" / "480p15"
    assert not (folder / "ScalingEfficiency.mp4").exists()
    assert not (folder / "ScalingEfficiency.png").exists()
    assert "ScalingEfficiency: removed its earlier " in done.stderr


def test_a_deck_says_what_it_holds_and_none_is_written_when_nothing_can_be_drawn(rendered):
    store, media, _ = rendered
    output = media / "slides"  # where the render left its slides
    arguments = ("-q", "l", "-o", str(output), "--media-dir", str(media))
    built = run("scenes.deck", *arguments, "ProgressRace", "ScalingEfficiency", store=store)
    assert built.returncode == 2, built.stderr
    # the render's slides are taken; the scene it could not draw is tried again, and refuses
    assert (
        "slides of an earlier render (same store, settings, study file, code): "
        + ("ProgressRace\n")
        in built.stdout
    )
    assert "ScalingEfficiency: drawn, no render of it to take" in built.stdout
    assert "rendering 1 scene at" in built.stdout
    assert "error: not drawn: ScalingEfficiency" in built.stderr
    assert "the deck holds: ProgressRace" in built.stdout
    assert "left out: ScalingEfficiency (" in built.stdout
    html = output / "deck.html"
    before = html.stat().st_mtime_ns
    refused = run("scenes.deck", *arguments, "ScalingEfficiency", store=store)
    assert refused.returncode == 2
    assert f"not written; {html} is a previous deck" in refused.stderr
    assert html.stat().st_mtime_ns == before


def test_a_broken_manim_cfg_is_one_line_before_any_render(tmp_path):
    """manim parses manim.cfg before any scene code and answers a syntax error with a traceback;
    `python -m scenes` (make render) and the deck (make slides) read it first."""
    broken = tmp_path / "manim.cfg"
    broken.write_text("[CLI]\nquality = low_quality\n\n[lumi_vs_laptop]\ntheme dark\n")
    env = {**os.environ, "LUMI_CONFIG": str(broken)}
    for module in ("scenes", "scenes.deck"):
        result = subprocess.run(
            [sys.executable, "-m", module, "-q", "l", "ProgressRace"],
            cwd=PROJECT_ROOT,
            env=env,
            capture_output=True,
            text=True,
        )
        assert result.returncode == 2, result.stderr
        lines = result.stderr.strip().splitlines()
        assert len(lines) == 1 and "line 5: 'theme dark' is not 'key = value'" in lines[0], lines
        assert "Traceback" not in result.stderr
