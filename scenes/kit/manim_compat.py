"""Every use of Manim beyond its documented API, in one place, with the version it was checked
against. tests/test_manim_compat.py fails loudly when a Manim upgrade changes one of them; a
Manim upgrade should need changes here and nowhere else.

Checked against Manim Community 0.21.0.
"""

from __future__ import annotations

import pickle
import zlib
from collections.abc import Iterable
from importlib.metadata import version
from pathlib import Path
from typing import Any

import numpy as np
from av.video.frame import VideoFrame
from av.video.reformatter import VideoReformatter
from manim import ManimColor, Mobject, Scene, Text, VMobject, config
from manim import __version__ as manim_version

CHECKED_WITH = "0.21.0"


def movie_path(scene: Scene) -> Path | None:
    """The video file a rendered scene wrote (None for a still or a dry run). Manim keeps it on
    the Cairo renderer's file writer; there is no public accessor."""
    writer = getattr(scene.renderer, "file_writer", None)
    path = getattr(writer, "movie_file_path", None)
    return Path(path) if path else None


# x264's settings for every MP4 a scene writes. Manim 0.21 fixes crf 23 and leaves the preset
# at libx264's default (medium): ~30 ms of CPU a 1080p frame, most of a render. "superfast"
# encodes the same frames in ~40% of that at crf 23 with the same PSNR against the frames drawn
# (43.5 dB against 43.6 on ScalingEfficiency at 1080p60) in ~1.4x the bytes (0.8 MB for 12 s).
X264_OPTIONS = {"preset": "superfast", "crf": "23"}


def encode_faster(scene: Scene) -> None:
    """Make the scene's file writer encode each H.264 part with ``X264_OPTIONS``, and every
    part converting each drawn frame once (``convert_each_frame_once``). Manim builds its
    encoder's options inside SceneFileWriter.open_partial_movie_stream (no setting reaches
    them) and hands the stream to an encode job (``_current_encode_job``); PyAV opens the codec
    at the first frame, so options set on the stream before that are the ones it opens with.
    WebM (VP9) and transparent MOV parts keep Manim's own settings."""
    writer = getattr(scene.renderer, "file_writer", None)
    if writer is None or getattr(writer, "encodes_faster", False):
        return
    opened = writer.open_partial_movie_stream

    def opening(file_path: Any = None) -> None:
        opened(file_path)
        job = writer._current_encode_job
        context = job.stream.codec_context
        if context.name == "libx264" and not context.is_open:
            context.options = {**context.options, **X264_OPTIONS}
        convert_each_frame_once(job)

    writer.open_partial_movie_stream = opening
    writer.encodes_faster = True


def convert_each_frame_once(job: Any) -> None:
    """Make one of Manim's encode jobs (a _PartialMovieEncodeJob: a thread reading a queue of
    ``(num_frames, RGBA frame)``) convert each drawn frame to the codec's pixels once.

    Manim's own _encode_and_write_frame copies the frame into a new av.VideoFrame twice (holding
    the GIL, which the drawing thread needs) and PyAV converts it inside ``stream.encode``, once
    per frame written: a held frame (``self.wait``, 180 frames for a 3 s hold at 60 fps) is
    copied and converted 180 times. Here the frame is wrapped without a copy (the renderer hands
    each frame over as an array of its own), converted once by the call PyAV makes inside
    ``encode`` (the same pixels), and that picture is handed to the encoder as often as the frame
    lasts, numbered as the next frame each time (``pts`` None). Encoders copy or reference what
    they are handed and never write to it, so one picture can be handed over again.

    The job's thread looks the method up on the job for every frame it takes from the queue;
    nothing is queued before the job is handed back by open_partial_movie_stream."""
    stream, container = job.stream, job.container
    context = stream.codec_context
    reformatter = VideoReformatter()

    def encode(frame: np.ndarray, num_frames: int) -> None:
        drawn = VideoFrame.from_numpy_buffer(np.ascontiguousarray(frame), format="rgba")
        picture = reformatter.reformat(
            drawn, context.width, context.height, context.format, threads=context.thread_count
        )
        for _ in range(num_frames):
            picture.pts = None
            for packet in stream.encode(picture):
                container.mux(packet)

    job._encode_and_write_frame = encode


def last_frame(scene: Scene) -> np.ndarray:
    """The frame the scene ended on, as RGBA pixels (the renderer's public get_frame)."""
    return scene.renderer.get_frame()


def text_cache_dir() -> Path:
    """Where Manim writes each Text's SVG (media/texts/<hash>.svg), reading a cached file as soon
    as it exists: the folder renders sharing a media folder must lock."""
    return Path(config.get_dir("text_dir"))


def glyphs_of(text: Text) -> list[VMobject]:
    """A Text's glyph outlines, one per visible character in reading order (Pango's order; spaces
    have none). Manim builds a Text as one submobject per glyph."""
    return [m for m in text.family_members_with_points() if isinstance(m, VMobject)]


def draw_as_one_shape(text: Text) -> Text:
    """Replace a Text's glyph submobjects by one shape with the same outlines: Manim draws each
    mobject with a Python path-building cost, which dominates for text drawn every frame. The
    Text keeps its content, size and place (layout checks read them)."""
    glyphs = glyphs_of(text)
    if len(glyphs) > 1:
        merged = VMobject()
        merged.points = np.concatenate([glyph.points for glyph in glyphs])
        merged.match_style(glyphs[0])
        text.submobjects = [merged]
    return text


def lightened(text: Text) -> Text:
    """A Text without what Manim keeps only for building it: each glyph's parsed SVG path
    (svgelements objects, read by VMobjectFromSVGPath.generate_points when the glyph is made)
    and the SVG's groups by id (read by Tex and Typst, not Text). Every copy Manim makes (each
    FadeIn, each Transform) deep-copies all of it: a 36-character text copied in 62 ms, and in
    under 1 ms without."""
    for glyph in text.get_family():
        if hasattr(glyph, "path_obj"):
            del glyph.path_obj
    text.id_to_vgroup_dict = {}
    return text


# what a saved mobject depends on besides what built it: a saved Text is only reused by the same
# Manim, the same Pango binding and the same pickle format (lightened: see ``lightened``)
SAVED_MOBJECT_FORMAT = (
    f"manim {manim_version}, manimpango {version('manimpango')}, pickle {pickle.HIGHEST_PROTOCOL}"
    ", lightened"
)


def saved_mobject(mob: Mobject) -> bytes:
    """A mobject as bytes to keep (a file of the text cache). Manim documents copying mobjects,
    not pickling them; a Text pickles whole (its glyphs, their SVG paths, its style) and loads
    ~10x faster than Manim builds or deep-copies one."""
    return zlib.compress(pickle.dumps(mob, protocol=pickle.HIGHEST_PROTOCOL), 1)


def loaded_mobject(saved: bytes) -> Mobject:
    """A mobject ``saved_mobject`` kept; raises ValueError when the bytes are not one."""
    try:
        mob = pickle.loads(zlib.decompress(saved))
    except Exception as error:  # truncated, or written by another format: built again
        raise ValueError(f"not a saved mobject: {error}") from error
    if not isinstance(mob, Mobject):
        raise ValueError(f"not a saved mobject: {type(mob).__name__}")
    return mob


def family(mobjects: Iterable[Mobject]) -> list[Mobject]:
    """Every mobject and submobject, each once (Manim's own utility, not in its public API)."""
    from manim.utils.family import extract_mobject_family_members

    return list(extract_mobject_family_members(list(mobjects), only_those_with_points=False))


# the vector forms of a still: the file's suffix names the Cairo surface it is drawn on
VECTOR_FORMATS = ("svg", "pdf")


def vector_frame(scene: Scene, path: Path) -> Path:
    """The frame ``scene`` shows now, drawn as vectors into ``path`` (.svg or .pdf) by Cairo's
    own SVG or PDF surface: Manim's camera draws each mobject onto a Cairo context it makes for
    its pixel array (Camera.get_cairo_context, display_vectorized: not public API); here the
    same drawing goes to a vector surface of the frame's pixel size, with the camera's
    transform, so a line or a glyph is a path, crisp at any zoom. Text is already outlines
    (Manim draws glyphs as paths). The background is one rectangle, left out when the render
    is transparent."""
    import cairo
    from manim import PMobject
    from manim.camera.camera import Camera
    from manim.mobject.types.image_mobject import AbstractImageMobject

    if path.suffix not in (".svg", ".pdf"):
        raise ValueError(f"{path.name}: a vector still is .svg or .pdf")
    camera = scene.renderer.camera
    if not isinstance(camera, Camera):  # the OpenGL renderer draws no Cairo paths
        raise ValueError("vector stills need Manim's Cairo renderer")
    width, height = camera.pixel_width, camera.pixel_height
    frame_w, frame_h, center = camera.frame_width, camera.frame_height, camera.frame_center
    surface: cairo.Surface
    if path.suffix == ".svg":
        surface = cairo.SVGSurface(str(path), width, height)
    else:
        surface = cairo.PDFSurface(str(path), width, height)
    ctx = cairo.Context(surface)
    # the matrix of Camera.get_cairo_context: scene units to pixels, y up
    ctx.set_matrix(
        cairo.Matrix(
            width / frame_w,
            0,
            0,
            -(height / frame_h),
            width / 2 - center[0] * width / frame_w,
            height / 2 + center[1] * height / frame_h,
        )
    )
    if not config.transparent:
        red, green, blue = ManimColor(camera.background_color).to_rgb()
        ctx.set_source_rgba(red, green, blue, camera.background_opacity)
        ctx.rectangle(center[0] - frame_w / 2, center[1] - frame_h / 2, frame_w, frame_h)
        ctx.fill()
    shown = camera.get_mobjects_to_display([*scene.mobjects, *scene.foreground_mobjects])
    # Camera.set_cairo_context_color hands Cairo blue, green, red (its pixel array is read as
    # RGBA while Cairo writes BGRA): on a vector surface the colours are Cairo's own, so they
    # are handed over swapped back, for this drawing only
    own = camera.set_cairo_context_color

    def swapped(ctx: Any, rgbas: np.ndarray, vmobject: VMobject) -> object:
        return own(ctx, np.asarray(rgbas)[:, [2, 1, 0, 3]], vmobject)

    camera.set_cairo_context_color = swapped  # type: ignore[method-assign,assignment]
    try:
        for mob in shown:
            if isinstance(mob, VMobject):
                camera.display_vectorized(mob, ctx)
            elif isinstance(mob, PMobject | AbstractImageMobject):
                raise ValueError(f"{type(mob).__name__} has no vector form")
            # else a plain Mobject (a ValueTracker): the camera draws nothing of it either
    finally:
        del camera.set_cairo_context_color  # the class's own again
        surface.finish()
    return path


def version_note() -> str:
    if manim_version == CHECKED_WITH:
        return f"manim {manim_version}"
    return f"manim {manim_version} (scenes/kit/manim_compat.py was checked with {CHECKED_WITH})"
