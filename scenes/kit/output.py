"""What a finished render leaves besides manim's video: an MP4 that starts playing before it has
fully loaded, and the held final frame as a poster image."""

from __future__ import annotations

import os
from pathlib import Path

import av
import numpy as np
from PIL import Image


def move_index_to_front(video: Path) -> None:
    """Remux an MP4 with its index (moov) before the frames (fast start), so browsers, slide
    tools and video hosts can begin playback while downloading. Packets are copied, not
    re-encoded: the frames stay bit-identical."""
    partial = video.with_name(f".{video.stem}.faststart.mp4")
    try:
        with (
            av.open(str(video)) as source,
            av.open(str(partial), "w", format="mp4", options={"movflags": "+faststart"}) as target,
        ):
            streams = {s.index: target.add_stream_from_template(s) for s in source.streams}
            for packet in source.demux():
                if packet.dts is None:  # the demuxer's end-of-stream marker
                    continue
                packet.stream = streams[packet.stream.index]
                target.mux(packet)
        os.replace(partial, video)
    finally:
        partial.unlink(missing_ok=True)


def write_poster(frame: np.ndarray, path: Path) -> None:
    """The held final frame, for <video poster=...> and as a preview image."""
    Image.fromarray(np.asarray(frame)[:, :, :3]).save(path, optimize=True)


def has_index_first(video: Path) -> bool:
    """Whether the MP4's moov box comes before its mdat box."""
    with open(video, "rb") as handle:
        while header := handle.read(8):
            if len(header) < 8:
                break
            size = int.from_bytes(header[:4], "big")
            kind = header[4:8]
            if kind in (b"moov", b"mdat"):
                return kind == b"moov"
            if size == 1:
                size = int.from_bytes(handle.read(8), "big") - 8
            handle.seek(size - 8, os.SEEK_CUR)
    return False
