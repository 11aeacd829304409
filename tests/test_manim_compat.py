"""What scenes/kit/manim_compat.py relies on in Manim beyond its documented API. A Manim
upgrade that changes any of it fails here, loudly, not somewhere inside a render."""

from __future__ import annotations

import av
import numpy as np
import pytest
from av.video.reformatter import VideoReformatter
from manim import LEFT, RIGHT, UP, Dot, Scene, Text, VGroup, tempconfig
from manim import __version__ as manim_version

from scenes.kit import manim_compat


def test_the_manim_version_is_the_one_checked():
    assert manim_version == manim_compat.CHECKED_WITH, (
        "a new Manim: check every function of scenes/kit/manim_compat.py against it (this "
        "module's tests), then update CHECKED_WITH"
    )


def test_a_text_is_one_glyph_per_visible_character_in_reading_order(tmp_path):
    with tempconfig({"media_dir": str(tmp_path)}):
        glyphs = manim_compat.glyphs_of(Text("0a0"))
        spaced = manim_compat.glyphs_of(Text("a b"))
    assert len(glyphs) == 3 and len(spaced) == 2
    lefts = [g.get_left()[0] for g in glyphs]
    assert lefts == sorted(lefts)


def test_texts_are_cached_as_svg_files_where_the_lock_is_taken(tmp_path):
    with tempconfig({"media_dir": str(tmp_path)}):
        Text("cache me")
        folder = manim_compat.text_cache_dir()
    assert folder.is_relative_to(tmp_path)
    assert list(folder.glob("*.svg"))


def test_one_shape_keeps_the_outlines(tmp_path):
    with tempconfig({"media_dir": str(tmp_path)}):
        text = Text("3.3 min")
    points = np.concatenate([g.points for g in manim_compat.glyphs_of(text)])
    box = text.get_left(), text.get_right(), text.get_top(), text.get_bottom()
    manim_compat.draw_as_one_shape(text)
    assert len(text.submobjects) == 1
    assert np.array_equal(text.submobjects[0].points, points)
    assert np.allclose(box, (text.get_left(), text.get_right(), text.get_top(), text.get_bottom()))
    assert text.original_text == "3.3 min"


def test_family_lists_every_member_once():
    dot, other = Dot(), Dot()
    group = VGroup(dot, VGroup(other))
    members = manim_compat.family([group, dot])
    assert sum(m is dot for m in members) == 1 and any(m is other for m in members)


@pytest.mark.render
def test_a_rendered_scene_names_its_movie_and_keeps_its_last_frame(tmp_path):
    class Tiny(Scene):
        def construct(self):
            self.add(Dot())
            self.wait(0.2)

    with tempconfig({"media_dir": str(tmp_path), "quality": "low_quality", "frame_rate": 5}):
        scene = Tiny()
        scene.render()
        movie = manim_compat.movie_path(scene)
        frame = manim_compat.last_frame(scene)
    assert movie is not None and movie.exists() and movie.is_relative_to(tmp_path)
    assert frame.ndim == 3 and frame.shape[2] == 4 and frame.any()


def x264_settings(movie) -> dict[str, str]:
    """The settings libx264 wrote into the video (its SEI message in the first packet): the
    preset is not named there, what it chose is."""
    with av.open(str(movie)) as container:
        first = bytes(next(container.demux(video=0)))
    written = first[first.index(b"options: ") + len(b"options: ") :].split(b"\x00")[0]
    return dict(item.split("=", 1) for item in written.decode().split() if "=" in item)


def psnr(a: np.ndarray, b: np.ndarray) -> float:
    error = ((a.astype(float) - b.astype(float)) ** 2).mean()
    return float(10 * np.log10(255**2 / error)) if error else 99.0


# what x264's superfast preset chooses, where its default (medium) chooses otherwise
SUPERFAST = {"me": "dia", "subme": "1", "ref": "1", "trellis": "0", "crf": "23.0"}


@pytest.mark.render
def test_encoding_faster_writes_the_fast_settings_at_the_same_quality(tmp_path):
    class Tiny(Scene):
        def construct(self):
            self.add(Text("0.25 min", font_size=72), Dot(RIGHT * 3))
            self.wait(0.4)

    movies, frames = {}, {}
    for fast in (False, True):
        media = {"media_dir": str(tmp_path / str(fast)), "quality": "low_quality"}
        with tempconfig({**media, "frame_rate": 5}):
            scene = Tiny()
            if fast:
                manim_compat.encode_faster(scene)
            scene.render()
            movies[fast] = manim_compat.movie_path(scene)
            frames[fast] = manim_compat.last_frame(scene)[:, :, :3]
    assert manim_compat.X264_OPTIONS["preset"] == "superfast"
    settings = x264_settings(movies[True])
    assert {key: settings[key] for key in SUPERFAST} == SUPERFAST
    assert x264_settings(movies[False])["subme"] != "1"  # Manim's own: medium
    decoded = {}
    for fast, movie in movies.items():
        with av.open(str(movie)) as container:
            decoded[fast] = [f.to_ndarray(format="rgb24") for f in container.decode(video=0)][-1]
    # the held frame is as close to what was drawn as with Manim's own settings (within 1 dB)
    assert psnr(decoded[True], frames[True]) > psnr(decoded[False], frames[False]) - 1


class _Moved(Scene):
    """A few frames that change, then a held frame (``wait``): what every scene ends on."""

    def construct(self):
        dot = Dot(LEFT * 2)
        self.add(Text("0.25 min", font_size=48).shift(UP), dot)
        self.play(dot.animate.shift(RIGHT * 4), run_time=0.4)
        self.wait(1)


def _rendered(folder) -> tuple[list[np.ndarray], int]:
    """_Moved rendered with encode_faster at 10 fps: its decoded frames, and how many frames
    the renderer handed the writer (a held frame is handed over once, with its count)."""
    handed = 0
    with tempconfig({"media_dir": str(folder), "quality": "low_quality", "frame_rate": 10}):
        scene = _Moved()
        manim_compat.encode_faster(scene)
        write = scene.renderer.file_writer.write_frame

        def counted(frame, num_frames=1):
            nonlocal handed
            handed += 1
            write(frame, num_frames)

        scene.renderer.file_writer.write_frame = counted
        scene.render()
        movie = manim_compat.movie_path(scene)
    with av.open(str(movie)) as container:
        return [f.to_ndarray(format="rgb24") for f in container.decode(video=0)], handed


@pytest.mark.render
def test_a_held_frame_is_converted_once_for_all_the_frames_it_lasts(tmp_path, monkeypatch):
    """Manim converts every frame it writes from RGBA to the video's YUV, a held frame once per
    frame it lasts; our writer converts each frame the renderer hands over once."""
    conversions: list[int] = []

    class Counting:
        def __init__(self) -> None:
            self.inner = VideoReformatter()

        def reformat(self, *args, **kwargs):
            conversions.append(1)
            return self.inner.reformat(*args, **kwargs)

    monkeypatch.setattr(manim_compat, "VideoReformatter", Counting, raising=False)
    frames, handed = _rendered(tmp_path)
    assert len(frames) == 4 + 10  # 0.4 s of motion and the 1 s hold, at 10 fps
    assert len(conversions) == handed == 4 + 1


@pytest.mark.render
def test_converting_once_writes_the_frames_manim_writes(tmp_path, monkeypatch):
    """The same pixels as Manim's own conversion of every frame, held frames included."""
    ours, _ = _rendered(tmp_path / "ours")
    monkeypatch.setattr(manim_compat, "convert_each_frame_once", lambda job: None)
    manims, _ = _rendered(tmp_path / "manim")
    assert len(ours) == len(manims) == 14
    assert all(np.array_equal(a, b) for a, b in zip(ours, manims, strict=True))
    assert not np.array_equal(ours[0], ours[-1])  # the dot moved: frames that differ compared


def test_a_saved_text_loads_as_the_text_manim_builds(tmp_path):
    with tempconfig({"media_dir": str(tmp_path)}):
        built = Text("1,393x faster", font_size=30, color="#E69F00", weight="BOLD")
        loaded = manim_compat.loaded_mobject(manim_compat.saved_mobject(built))
    assert isinstance(loaded, Text) and loaded is not built
    assert loaded.original_text == built.original_text and loaded.font_size == built.font_size
    assert len(loaded.submobjects) == len(built.submobjects)
    assert np.array_equal(loaded.get_all_points(), built.get_all_points())
    for mine, theirs in zip(loaded.get_family(), built.get_family(), strict=True):
        assert type(mine) is type(theirs)
        assert np.array_equal(mine.fill_rgbas, theirs.fill_rgbas)
        assert np.array_equal(mine.stroke_rgbas, theirs.stroke_rgbas)
    loaded.shift([1, 0, 0])  # its own: changing it leaves the built one as it was
    assert not np.array_equal(loaded.get_all_points(), built.get_all_points())


def test_bytes_that_are_not_a_saved_mobject_say_so():
    saved = manim_compat.saved_mobject(Dot())
    for broken in (saved[: len(saved) // 2], b"", manim_compat.saved_mobject(Dot())[:-3]):
        with pytest.raises(ValueError, match="not a saved mobject"):
            manim_compat.loaded_mobject(broken)


def test_a_lightened_text_animates_to_the_same_frames(tmp_path):
    """Without what only building needed, a Text copies, fades, moves and transforms as Manim's
    own: every frame the same."""
    from manim import FadeIn, FadeOut, Transform

    def frames(light: bool) -> list[np.ndarray]:
        shown: list[np.ndarray] = []

        class Animated(Scene):
            def construct(self):
                def made(content: str) -> Text:
                    text = Text(content, font_size=40, color="#56B4E9")
                    return manim_compat.lightened(text) if light else text

                label = made("3.3 min")
                self.play(FadeIn(label), run_time=0.4)
                self.play(label.animate.shift([1, 0.5, 0]), run_time=0.4)
                self.play(Transform(label, made("75.8 h").shift([-1, 0, 0])), run_time=0.4)
                self.play(FadeOut(label.copy()), run_time=0.4)

            def update_to_time(self, t: float) -> None:
                super().update_to_time(t)
                shown.append(self.renderer.get_frame().copy())

        small = {"media_dir": str(tmp_path), "pixel_width": 160, "pixel_height": 90,
                 "frame_rate": 10, "write_to_movie": False, "disable_caching": True}  # fmt: skip
        with tempconfig(small):
            Animated().render()
        return shown

    light, heavy = frames(True), frames(False)
    assert len(light) == len(heavy) > 10
    assert all(np.array_equal(a, b) for a, b in zip(light, heavy, strict=True))
    text = manim_compat.lightened(Text("1,393x"))
    assert not any(hasattr(glyph, "path_obj") for glyph in text.get_family())
    assert np.array_equal(text.copy().get_all_points(), text.get_all_points())


def test_a_vector_frame_has_the_colours_and_places_manim_draws(tmp_path):
    """vector_frame hands Manim's camera a vector surface: its transform and its colour order
    (the camera's own hands Cairo blue-green-red for its pixel array) must be what Manim does."""
    from manim import Square

    small = {"media_dir": str(tmp_path), "pixel_width": 160, "pixel_height": 90,
             "write_to_movie": False, "disable_caching": True}  # fmt: skip
    with tempconfig(small):
        scene = Scene()
        # pure red, in the top right quarter of the frame
        scene.add(
            Square(0.5, fill_color="#FF0000", fill_opacity=1, stroke_width=0).move_to([3, 2, 0])
        )
        svg = manim_compat.vector_frame(scene, tmp_path / "frame.svg").read_text()
    assert "fill:rgb(100%,0%,0%)" in svg and "fill:rgb(0%,0%,100%)" not in svg
    # 3 units right and 2 up of the middle, 160 / 14.22 pixels a unit: about (113.75, 22.5)
    import re

    path = re.search(r'fill:rgb\(100%,0%,0%\)[^>]* d="([^"]+)"', svg)
    assert path is not None, svg
    numbers = [float(n) for n in re.findall(r"[-\d.]+", path.group(1))]
    xs, ys = numbers[0::2], numbers[1::2]
    assert (min(xs) + max(xs)) / 2 == pytest.approx(113.75, abs=0.2)
    assert (min(ys) + max(ys)) / 2 == pytest.approx(22.5, abs=0.2)
