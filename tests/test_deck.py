"""`make slides`: the sample study as one offline reveal.js deck and a PPTX, built through
manim-slides and checked by parsing what it wrote."""

from __future__ import annotations

import base64
import io
import json
import os
import subprocess
import sys
from pathlib import Path

import av
import pytest
from bs4 import BeautifulSoup
from pptx import Presentation

from extract import load_runs
from extract.paths import PROJECT_ROOT
from study.analysis import build_report
from study.units import duration, ratio

pytestmark = pytest.mark.render
# where each scene stops for the presenter (see StudyScene.begin_part)
SLIDES_PER_SCENE = {
    "ProgressRaceSlides": 2,
    "ScalingEfficiencySlides": 3,
    "TrainingComparisonSlides": 2,
    "AccuracyVsTimeSlides": 2,
    "LossVsTimeSlides": 2,
    "CostOfSpeedSlides": 3,
}


@pytest.fixture(scope="module")
def deck(sample_store, tmp_path_factory) -> Path:
    output = tmp_path_factory.mktemp("slides")
    env = {**os.environ, "RUNS_STORE": str(sample_store)}
    env.pop("LUMI_CONFIG", None)
    result = subprocess.run(
        [
            sys.executable,
            "-m",
            "scenes.deck",
            "--quality",
            "l",
            "--output",
            str(output),
            "--media-dir",
            str(output / "media"),
        ],
        cwd=PROJECT_ROOT,
        env=env,
        capture_output=True,
        text=True,
    )
    assert result.returncode == 0, result.stdout[-2000:] + result.stderr[-3000:]
    return output


def decoded_frames(data: bytes) -> tuple[int, tuple[int, int]]:
    with av.open(io.BytesIO(data)) as container:
        stream = container.streams.video[0]
        frames = sum(1 for _ in container.decode(stream))
        return frames, (stream.codec_context.width, stream.codec_context.height)


def expected_notes(deck: Path) -> list[str]:
    notes = []
    for scene in SLIDES_PER_SCENE:
        config = json.loads((deck / "presentations" / f"{scene}.json").read_text())
        assert len(config["slides"]) == SLIDES_PER_SCENE[scene], scene
        notes += [slide["notes"] for slide in config["slides"]]
    return notes


def test_html_deck_is_one_offline_file_with_every_video(deck):
    html = deck / "deck.html"
    soup = BeautifulSoup(html.read_text(), "html.parser")
    slides = soup.select("div.slides > section")
    assert len(slides) == sum(SLIDES_PER_SCENE.values())
    for slide in slides:
        source = slide["data-background-video"]
        assert source.startswith("data:video/mp4;base64,")  # inside the file, not beside it
        frames, size = decoded_frames(base64.b64decode(source.split(",", 1)[1]))
        assert frames > 0 and size == (854, 480)
    # reveal.js itself is inlined: nothing is fetched from the network when presenting
    for tag in soup.find_all(["script", "link", "img", "video", "source"]):
        for attribute in ("src", "href"):
            assert not str(tag.get(attribute, "")).startswith(("http:", "https:", "//")), tag
    assert any("Reveal.initialize" in (s.string or "") for s in soup.find_all("script"))
    shown = [slide.find("aside", class_="notes").get_text().strip() for slide in slides]
    assert shown == [n.strip() for n in expected_notes(deck)]


def test_pptx_has_a_video_and_the_notes_on_every_slide(deck):
    presentation = Presentation(str(deck / "deck.pptx"))
    notes = expected_notes(deck)
    assert len(presentation.slides) == len(notes)
    for slide, expected in zip(presentation.slides, notes, strict=True):
        media = [r.target_part for r in slide.part.rels.values() if r.reltype.endswith("/media")]
        assert len(media) == 1
        frames, size = decoded_frames(media[0].blob)
        assert frames > 0 and size == (854, 480)
        assert slide.notes_slide.notes_text_frame.text.strip() == expected.strip()


def test_speaker_notes_carry_the_key_numbers_from_the_store(deck, sample_store):
    report = build_report(load_runs(sample_store))
    notes = "\n".join(expected_notes(deck))
    assert ratio(report.max_speedup, "\u00d7") in notes  # 1,393x
    assert duration(report.fastest_cluster_s) in notes  # 3.3 min
    assert duration(report.laptop_high_s) in notes  # 75.8 h
    assert "Amdahl" in notes and "Time to 90%" in notes
