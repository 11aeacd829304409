"""`make slides`: the sample study as one offline reveal.js deck and a PPTX, built through
manim-slides (by the session's README run: tests/readme_run.py) and checked by parsing what it
wrote."""

from __future__ import annotations

import base64
import io
import json
from pathlib import Path

import av
import pytest
from bs4 import BeautifulSoup
from pptx import Presentation

from extract import load_runs
from study.analysis import build_report
from study.units import duration, ratio
from tests.readme_run import SLIDES_PER_SCENE

pytestmark = pytest.mark.render


@pytest.fixture(scope="module")
def deck(readme) -> Path:
    """`make slides QUALITY=l`, every scene, as the session's README run built it."""
    repo, results = readme
    built = results["make slides QUALITY=l"]
    assert built.returncode == 0, built.output()
    return repo / "media" / "slides"


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
