"""Run a scene without making video and record what it shows: the text after each play/wait (for
the layout checks) and any text caught mid-fade at a hold or a slide stop (for the holds check).

One probe per (scene, store) serves every check of that pair: ``probe`` runs one, ``Probes``
runs many at once in worker processes (this machine has two cores) and keeps each result for the
whole test session.
"""

from __future__ import annotations

import contextlib
import io
import multiprocessing
import os
import threading
from concurrent.futures import Future, ProcessPoolExecutor
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import numpy as np
from manim import Scene, Text, tempconfig

from scenes.kit.manim_compat import family
from scenes.kit.text import GlyphText
from tests.frame_critic import HELD, capture, problems
from tests.layout_check import ShownText, shown_texts

# a slide deck's frame rate at preview quality: the stops land where `make slides QUALITY=l`
# puts them
FRAME_RATE = 15
# the frame critic's and the messy stores' layout probes: a couple of frames a second reach
# every end state and every play's end
CRITIC_FRAME_RATE = 2
# what a kind of output sets in Manim's configuration (`manim render -t` for an overlay), for a
# probe to take a scene's own code for that output
MODE_CONFIG: dict[str, dict[str, Any]] = {"video": {}, "transparent": {"transparent": True}}
SETTINGS = {
    "dry_run": True,
    "quality": "low_quality",
    "disable_caching": True,
    "verbosity": "WARNING",
    "progress_bar": "none",
}


def faded_texts(scene: Scene) -> list[str]:
    """Texts shown neither hidden nor at full opacity."""
    faded = []
    for mob in family(scene.mobjects):
        if not isinstance(mob, Text | GlyphText):
            continue
        glyphs = [m for m in mob.get_family()[1:] if m.has_points()]
        opacity = max((g.get_fill_opacity() for g in glyphs), default=0.0)
        if 0.01 < opacity < 0.99:
            faded.append(f"{mob.original_text!r} at {opacity:.2f}")
    return faded


@dataclass
class Judged:
    """What the frame critic (tests/frame_critic.py) found on a slide stop or the held frame;
    judged where the scene ran, as the drawn objects do not cross processes."""

    name: str
    problems: list[str]
    texts: int
    marks: int


@dataclass
class Probed:
    frames: list[list[ShownText]] = field(default_factory=list)  # after every play and wait
    faded: list[str] = field(default_factory=list)  # mid-fade at a hold or a stop
    parts: list[str] = field(default_factory=list)  # speaker notes, one per part
    judged: list[Judged] = field(default_factory=list)  # every slide stop, then the held frame
    refused: str | None = None  # the scene's one line when the data cannot support it
    exit_code: int | None = None  # a refusal's exit status
    error_lines: list[str] = field(default_factory=list)  # what a refusal printed, line by line
    held_contrast: float = 0.0  # the drawn held frame's pixel spread: 0 for a blank frame


def probe(
    scene_class: type[Scene],
    view: Any = None,
    frame_rate: float = FRAME_RATE,
    stops: bool = True,
    mode: dict[str, Any] | None = None,
) -> Probed:
    """Run ``scene_class`` on ``view`` (None: what the environment names, as Manim's CLI
    starts it), stopping at every part as a slide deck does (``stops``). A scene that refuses
    raises SystemExit(2) after its one line on stderr, as under Manim's CLI. ``mode`` is the
    configuration a kind of output sets (``{"transparent": True}`` for `manim render -t`): the
    scene takes its own code for that output, without writing it."""
    probed = Probed()

    class Probe(scene_class):  # type: ignore[valid-type, misc]
        stops_at_parts = stops

        def play(self, *args: Any, **kwargs: Any) -> None:
            super().play(*args, **kwargs)
            probed.frames.append(shown_texts(self))

        def wait(self, *args: Any, **kwargs: Any) -> None:
            super().wait(*args, **kwargs)
            probed.frames.append(shown_texts(self))
            probed.faded.extend(f"hold: {t}" for t in faded_texts(self))

        def begin_part(self, notes: str) -> None:
            super().begin_part(notes)
            if len(self.parts) > 1:  # the first part begins before anything is shown
                probed.faded.extend(f"stop {len(self.parts)}: {t}" for t in faded_texts(self))
            if stops:
                judge(self, f"stop {len(probed.judged) + 1}")

    def judge(scene: Scene, name: str) -> None:
        frame = capture(scene, name)
        probed.judged.append(Judged(name, problems(frame), len(frame.texts), len(frame.marks)))

    with tempconfig({**SETTINGS, "frame_rate": frame_rate, **(mode or {})}):
        scene = Probe() if view is None else Probe(view=view)
        # Manim's dry run still draws every frame with Cairo; what is checked here is where
        # each text is and how opaque, so nothing is drawn (a third of a probe's time)
        scene.renderer.update_frame = lambda *args, **kwargs: None
        scene.render()
        judge(scene, HELD)
        # the held frame alone is drawn, with Cairo as a render draws it: data a dry run only
        # places (NaN points, an empty path) would fail here as in a render
        del scene.renderer.update_frame
        scene.renderer.update_frame(scene)
        probed.held_contrast = float(np.asarray(scene.renderer.get_frame())[:, :, :3].std())
    probed.parts = list(getattr(scene, "parts", []))
    return probed


def key_frames(scene_class: type[Scene], view: Any = None) -> list[list[ShownText]]:
    """The text after each play and wait, as a video plays; a couple of frames per second reach
    every end state, and layout needs no more."""
    return probe(scene_class, view, frame_rate=2, stops=False).frames


# --- many probes at once, in worker processes ------------------------------------------------


def _start_worker(media_dir: str) -> None:
    from manim import config

    config.media_dir = media_dir  # the test session's scratch folder (text cache included)


def _probe_in_worker(
    scene: str,
    store: str | None,
    store_name: str,
    cfg: str | None,
    frame_rate: float,
    mode: str = "video",
) -> Probed:
    from extract.sample import sample_runs
    from extract.store import load_runs
    from scenes.registry import BY_NAME

    errors = io.StringIO()
    try:
        with contextlib.redirect_stderr(errors):
            if cfg is None:
                from study.view import view_of

                runs = sample_runs() if store is None else load_runs(Path(store))
                view = view_of(runs, store_name=store_name)
                return probe(BY_NAME[scene].scene_class(), view, frame_rate, mode=MODE_CONFIG[mode])
            # with settings of its own, the scene loads as under Manim's CLI: from what the
            # environment names (the view is cached per such combination)
            os.environ.update({"RUNS_STORE": store or "", "LUMI_CONFIG": cfg})
            os.environ.pop("LUMI_STUDY", None)
            return probe(BY_NAME[scene].scene_class(), None, frame_rate, mode=MODE_CONFIG[mode])
    except SystemExit as stop:
        lines = [line for line in errors.getvalue().splitlines() if line.strip()]
        code = stop.code if isinstance(stop.code, int) else None
        return Probed(
            refused=f"exit {stop.code}: " + " | ".join(lines), exit_code=code, error_lines=lines
        )


def _still_in_worker(scene: str, media_dir: str) -> str:
    """The held final frame of ``scene`` on the sample study as `manim render -s` writes it
    (save_last_frame, no movie: every animation skipped, the last frame drawn), at 480p; the
    PNG's path."""
    from extract.sample import sample_runs
    from scenes.registry import BY_NAME
    from study.view import view_of

    still = {**SETTINGS, "dry_run": False, "save_last_frame": True, "write_to_movie": False}
    with tempconfig({**still, "media_dir": media_dir, "output_file": scene}):
        made = BY_NAME[scene].scene_class()(view=view_of(sample_runs(), store_name="sample study"))
        made.render()
        return str(made.renderer.file_writer.image_file_path)


def _gif_in_worker(video: str, gif: str, width: int, fps: float) -> str:
    """``video`` as a GIF (scenes/kit/gif.py, as `make gallery` makes one); the GIF's path."""
    from scenes.kit.gif import video_to_gif

    Path(gif).parent.mkdir(parents=True, exist_ok=True)
    video_to_gif(Path(video), Path(gif), width=width, fps=fps)
    return gif


class Probes:
    """Probes of (scene, store), each run once per session, two at a time."""

    def __init__(self, media_dir: Path, workers: int = 2) -> None:
        self._stills_dir = media_dir / "stills"
        self._pool = ProcessPoolExecutor(
            workers,
            mp_context=multiprocessing.get_context("spawn"),
            initializer=_start_worker,
            initargs=(str(media_dir),),
        )
        self._runs: dict[tuple[str, str | None, str | None, float, str], Future[Probed]] = {}
        self._stills: dict[str, Future[str]] = {}
        self._gifs: dict[tuple[str, int, float], Future[str]] = {}
        # gifs are queued from the README run's thread too (tests/conftest.py)
        self._gifs_lock = threading.Lock()

    def start(
        self,
        scenes: list[str],
        store: Path | None,
        store_name: str = "",
        cfg: Path | None = None,
        frame_rate: float = FRAME_RATE,
        mode: str = "video",
    ) -> None:
        """Queue the probes of ``scenes`` on ``store`` (None: the sample study); with ``cfg``,
        the scene reads its settings from that manim.cfg as under Manim's CLI; ``mode`` names
        the kind of output it runs as (MODE_CONFIG)."""
        for scene in scenes:
            key = self._key(scene, store, cfg, frame_rate, mode)
            if key not in self._runs:
                self._runs[key] = self._pool.submit(_probe_in_worker, scene, key[1], store_name,
                                                    key[2], frame_rate, mode)  # fmt: skip

    def get(
        self,
        scene: str,
        store: Path | None,
        store_name: str = "",
        cfg: Path | None = None,
        frame_rate: float = FRAME_RATE,
        mode: str = "video",
    ) -> Probed:
        self.start([scene], store, store_name, cfg, frame_rate, mode)
        return self._runs[self._key(scene, store, cfg, frame_rate, mode)].result()

    @staticmethod
    def _key(
        scene: str, store: Path | None, cfg: Path | None, frame_rate: float, mode: str
    ) -> tuple[str, str | None, str | None, float, str]:
        where = None if store is None else str(store)
        return scene, where, None if cfg is None else str(cfg), frame_rate, mode

    def still(self, scene: str) -> Future[str]:
        """``scene``'s still (see _still_in_worker), made once per session, queued beside the
        probes."""
        if scene not in self._stills:
            self._stills[scene] = self._pool.submit(_still_in_worker, scene, str(self._stills_dir))
        return self._stills[scene]

    def gif(self, video: Path, width: int, fps: float) -> Future[str]:
        """``video`` made into a GIF once per session, in a worker: its path."""
        key = (str(video), width, fps)
        with self._gifs_lock:
            if key not in self._gifs:
                gif = self._stills_dir.parent / "gifs" / f"{len(self._gifs)}-{video.stem}.gif"
                self._gifs[key] = self._pool.submit(_gif_in_worker, *key[:1], str(gif), width, fps)
            return self._gifs[key]

    def close(self) -> None:
        self._pool.shutdown(cancel_futures=True)
