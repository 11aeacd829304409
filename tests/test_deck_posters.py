"""The PPTX deck's posters are each video's held final frame (scenes/deck/posters.py), on a deck
built the way manim-slides builds it: python-pptx's add_movie with the first frame as poster."""

from __future__ import annotations

import io
from pathlib import Path

import av
import numpy as np
from PIL import Image
from pptx import Presentation
from pptx.oxml.ns import qn
from pptx.util import Emu

from scenes.deck.posters import use_last_frames_as_posters

SIZE = (160, 90)


def two_colour_video(path: Path, first: tuple[int, int, int], last: tuple[int, int, int]) -> None:
    with av.open(str(path), "w") as container:
        stream = container.add_stream("libx264", rate=15)
        stream.width, stream.height, stream.pix_fmt = *SIZE, "yuv420p"
        for colour in [first] * 10 + [last] * 10:
            picture = np.full((SIZE[1], SIZE[0], 3), colour, dtype=np.uint8)
            for packet in stream.encode(av.VideoFrame.from_ndarray(picture, format="rgb24")):
                container.mux(packet)
        for packet in stream.encode():
            container.mux(packet)


def poster_and_video(slide) -> tuple[np.ndarray, bytes]:
    picture = next(slide.shapes._spTree.iter(qn("p:pic")))
    blip = picture.find(f"{qn('p:blipFill')}/{qn('a:blip')}")
    video = picture.find(f"{qn('p:nvPicPr')}/{qn('p:nvPr')}/{qn('a:videoFile')}")
    poster = slide.part.related_part(blip.get(qn("r:embed"))).blob
    image = np.asarray(Image.open(io.BytesIO(poster)).convert("RGB")).astype(int)
    return image, slide.part.related_part(video.get(qn("r:link"))).blob


def test_every_poster_becomes_its_videos_last_frame(tmp_path):
    blank = tmp_path / "blank.png"
    Image.new("RGB", SIZE, (16, 19, 24)).save(blank)
    presentation = Presentation()
    ends = [(200, 40, 40), (40, 200, 40), (40, 40, 200)]
    for number, end in enumerate(ends):
        video = tmp_path / f"slide{number}.mp4"
        two_colour_video(video, (16, 19, 24), end)
        slide = presentation.slides.add_slide(presentation.slide_layouts[6])
        # as manim-slides does, with one shared flat first frame: one image part for all
        slide.shapes.add_movie(
            str(video), 0, 0, Emu(SIZE[0] * 9525), Emu(SIZE[1] * 9525), str(blank)
        )
    deck = tmp_path / "deck.pptx"
    presentation.save(str(deck))

    assert use_last_frames_as_posters(deck) == len(ends)

    reread = Presentation(str(deck))
    for slide, end in zip(reread.slides, ends, strict=True):
        poster, video = poster_and_video(slide)
        assert np.abs(poster - np.array(end)).max() <= 3  # H.264 rounding of a flat colour
        images = [r for r in slide.part.rels.values() if r.reltype.endswith("/image")]
        assert len(images) == 1  # the first-frame poster is gone, not left beside it
        assert len(video) > 0
    assert not list(tmp_path.glob(".deck.pptx*"))
