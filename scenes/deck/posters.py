"""The PPTX deck's poster images: each slide's held final frame, not manim-slides' first frame.

A slide tool shows the poster wherever the video is not playing: in the slide sorter, in
thumbnails, in a PDF or a printout, and on the slide until playback starts. A scene's first
frame is its empty opening (one flat colour for several slides); its last frame is the picture
that slide leaves on screen.
"""

from __future__ import annotations

import io
from collections import deque
from pathlib import Path

import av
from pptx import Presentation
from pptx.oxml.ns import qn
from pptx.slide import Slide

R_EMBED, R_LINK = qn("r:embed"), qn("r:link")


def last_frame_png(video: bytes) -> bytes:
    """The final frame of an encoded video, as PNG; decoded one frame at a time."""
    with av.open(io.BytesIO(video), mode="r") as container:
        (frame,) = deque(container.decode(video=0), maxlen=1)
        image = frame.to_image()
    buffer = io.BytesIO()
    image.save(buffer, format="PNG", optimize=True)
    return buffer.getvalue()


def references(slide: Slide, rId: str) -> int:
    return sum(
        1
        for element in slide.part._element.iter()
        for name in (R_EMBED, R_LINK, qn("r:id"))
        if element.get(name) == rId
    )


def set_video_posters(slide: Slide) -> int:
    """Point every video's poster on ``slide`` at that video's last frame; returns how many."""
    changed = 0
    for picture in slide.shapes._spTree.iter(qn("p:pic")):
        video_file = picture.find(f"{qn('p:nvPicPr')}/{qn('p:nvPr')}/{qn('a:videoFile')}")
        blip = picture.find(f"{qn('p:blipFill')}/{qn('a:blip')}")
        if video_file is None or blip is None:
            continue
        video = slide.part.related_part(video_file.get(R_LINK)).blob
        _, poster_rId = slide.part.get_or_add_image_part(io.BytesIO(last_frame_png(video)))
        old = blip.get(R_EMBED)
        blip.set(R_EMBED, poster_rId)
        if old and old != poster_rId and not references(slide, old):
            slide.part.drop_rel(old)
        changed += 1
    return changed


def use_last_frames_as_posters(pptx: Path) -> int:
    """Rewrite ``pptx`` in place; returns the number of videos whose poster was set."""
    presentation = Presentation(str(pptx))
    changed = sum(set_video_posters(slide) for slide in presentation.slides)
    partial = pptx.with_name(f".{pptx.name}.partial")
    presentation.save(str(partial))
    partial.replace(pptx)
    return changed
