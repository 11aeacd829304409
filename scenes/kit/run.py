"""What runs around a scene, outside its class: the view it draws when none was handed (Manim's
CLI starts a scene with no arguments), the exit policy for bad input, and the finishing of the
MP4. StudyScene only hangs these on Manim's hooks (``setup``, ``render``)."""

from __future__ import annotations

import os
import sys
import weakref
from collections.abc import Callable
from concurrent.futures import Future, ThreadPoolExecutor
from pathlib import Path
from typing import NoReturn, TypeVar

from manim import Scene, config

from extract.errors import InputError
from study.view import EVERY_MEASURE, Measure, StudyView

from .manim_compat import VECTOR_FORMATS, encode_faster, last_frame, movie_path, vector_frame
from .output import move_index_to_front, write_poster

T = TypeVar("T")
# a still's vector form (svg, pdf) beside its PNG: `python -m scenes --still --format svg`
STILL_FORMAT_ENV = "LUMI_STILL_FORMAT"


def view_for(given: StudyView | None, reads: frozenset[Measure] = EVERY_MEASURE) -> StudyView:
    """The view handed to the scene (a test, the deck), else the one the environment names,
    read for what the scene draws (``reads``)."""
    if given is not None:
        return given
    from scenes.load import load_view  # reads the store: only when no view was handed

    return load_view(reads)


def rendered(scene: Scene, render: Callable[[], T]) -> T:
    """``render()`` (Manim's rendering of ``scene``) with the one error path for bad input,
    then the finished video."""
    encode_faster(scene)
    try:
        result = render()
    except InputError as error:
        discard_poster(scene)
        stop(error)
    except BaseException:
        discard_poster(scene)
        raise
    finish_video(scene)
    finish_still(scene)
    return result


def stop(error: InputError) -> NoReturn:
    """Bad input anywhere in a scene's setup or construct: one line and exit status 2, not
    Manim's traceback ($LUMI_DEBUG=1 for the traceback)."""
    if os.environ.get("LUMI_DEBUG"):
        raise error
    print(f"error: {error.one_line()}", file=sys.stderr)
    raise SystemExit(2) from None


# posters being written while the held frame is encoded (see start_poster), by scene
_POSTERS: weakref.WeakKeyDictionary[Scene, Future[None]] = weakref.WeakKeyDictionary()


def start_poster(scene: Scene) -> None:
    """Begin writing the MP4's poster, its held final frame, once the last frame is drawn
    (Manim calls Scene.tear_down after the last play, before it waits for its encoders to
    finish the hold): PNG compression releases the GIL, so it runs beside the encoding of
    the hold instead of after it. finish_video waits for it."""
    movie = movie_path(scene)
    if movie is None or movie.suffix != ".mp4" or scene in _POSTERS:
        return
    writer = ThreadPoolExecutor(max_workers=1, thread_name_prefix="poster")
    _POSTERS[scene] = writer.submit(write_poster, last_frame(scene), poster_part(movie))
    writer.shutdown(wait=False)


def poster_part(movie: Path) -> Path:
    """Where a poster begun before its video is finished is written: it takes the poster's
    name only once the video is there, so a render that fails in its last steps leaves the
    previous video's poster beside that video, not the new frame."""
    return movie.with_suffix(".poster-part.png")


def discard_poster(scene: Scene) -> None:
    started = _POSTERS.pop(scene, None)
    movie = movie_path(scene)
    if started is None or movie is None:
        return
    started.exception()  # waits: the file is closed before it is removed
    poster_part(movie).unlink(missing_ok=True)


def finish_video(scene: Scene) -> None:
    """A finished MP4 plays before it has fully downloaded (index at the front) and has a
    poster: its held final frame."""
    started = _POSTERS.pop(scene, None)
    if started is not None:
        started.result()  # raises what writing it raised
    movie = movie_path(scene)
    if movie is None or movie.suffix != ".mp4":
        return
    if not movie.exists():
        poster_part(movie).unlink(missing_ok=True)
        return
    move_index_to_front(movie)
    if started is None:
        write_poster(last_frame(scene), movie.with_suffix(".png"))
    else:
        poster_part(movie).replace(movie.with_suffix(".png"))


def finish_still(scene: Scene) -> None:
    """A still (`manim render -s`) asked for as vectors ($LUMI_STILL_FORMAT: svg or pdf): the
    held frame drawn again as vectors, beside its PNG, with the same name."""
    kind = os.environ.get(STILL_FORMAT_ENV, "png")
    if kind not in VECTOR_FORMATS or not config.save_last_frame:
        return
    image = getattr(scene.renderer.file_writer, "image_file_path", None)
    if image is not None:
        vector_frame(scene, Path(image).with_suffix(f".{kind}"))
