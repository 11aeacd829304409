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

import numpy as np
from manim import Mobject, Scene, Text, VMobject, config
from manim import __version__ as manim_version

CHECKED_WITH = "0.21.0"


def movie_path(scene: Scene) -> Path | None:
    """The video file a rendered scene wrote (None for a still or a dry run). Manim keeps it on
    the Cairo renderer's file writer; there is no public accessor."""
    writer = getattr(scene.renderer, "file_writer", None)
    path = getattr(writer, "movie_file_path", None)
    return Path(path) if path else None


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


def version_note() -> str:
    if manim_version == CHECKED_WITH:
        return f"manim {manim_version}"
    return f"manim {manim_version} (scenes/kit/manim_compat.py was checked with {CHECKED_WITH})"
