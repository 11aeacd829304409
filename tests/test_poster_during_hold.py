"""A video's poster (its held final frame as PNG, scenes/kit/run.py) is written while Manim's
writer still encodes the hold, not after the video is finished."""

from __future__ import annotations

import threading

import numpy as np
import pytest
from manim import tempconfig
from PIL import Image

from extract.sample import sample_runs
from scenes.kit import run
from scenes.kit.manim_compat import last_frame, movie_path
from scenes.scaling import ScalingEfficiency
from study.settings import Settings
from study.view import view_of

pytestmark = pytest.mark.render


def test_the_poster_is_written_while_the_writer_finishes_the_video(tmp_path, monkeypatch):
    begun = threading.Event()
    seen: dict[str, bool] = {}
    write = run.write_poster

    def writing(frame: np.ndarray, path) -> None:
        begun.set()
        write(frame, path)

    monkeypatch.setattr(run, "write_poster", writing)
    view = view_of(sample_runs(), Settings(), store_name="sample study")
    small = {"media_dir": str(tmp_path), "pixel_width": 160, "pixel_height": 90,
             "frame_rate": 5, "disable_caching": True, "verbosity": "WARNING",
             "progress_bar": "none"}  # fmt: skip
    with tempconfig(small):
        scene = ScalingEfficiency(view=view)
        finish = scene.renderer.file_writer.finish

        def finishing() -> None:
            # the poster has begun before the writer is done: waited for here, so the order
            # is not left to the threads' timing (the wait is a guard, not a measurement)
            seen["poster began before the video was finished"] = begun.wait(timeout=30)
            finish()

        scene.renderer.file_writer.finish = finishing
        scene.render()
        movie = movie_path(scene)
        held = last_frame(scene)
    assert seen == {"poster began before the video was finished": True}
    assert movie is not None and movie.exists()
    with Image.open(movie.with_suffix(".png")) as poster:
        assert np.array_equal(np.asarray(poster.convert("RGB")), held[:, :, :3])


def test_a_render_that_fails_after_its_last_frame_leaves_no_poster(tmp_path):
    view = view_of(sample_runs(), Settings(), store_name="sample study")
    small = {"media_dir": str(tmp_path), "pixel_width": 160, "pixel_height": 90,
             "frame_rate": 5, "disable_caching": True, "verbosity": "WARNING",
             "progress_bar": "none"}  # fmt: skip
    with tempconfig(small):
        scene = ScalingEfficiency(view=view)

        def failing() -> None:
            raise RuntimeError("the disk filled up while the parts were joined")

        scene.renderer.file_writer.finish = failing
        with pytest.raises(RuntimeError, match="disk filled up"):
            scene.render()
        movie = movie_path(scene)
    for thread in threading.enumerate():  # a poster still being written would land after
        if thread.name.startswith("poster"):
            thread.join()
    assert movie is not None and not movie.exists()
    assert sorted(p.name for p in movie.parent.glob("*.png")) == []
