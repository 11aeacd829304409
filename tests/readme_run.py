"""Every command the README shows, run as a newcomer runs it, on a fresh copy of the project:
the steps, what each must leave, and the run itself (tests/test_readme.py checks them; the
renders it leaves are what every test of videos and decks reads: tests/conftest.py `readme`).

The commands are read from the README itself: every line of its ``bash`` code blocks and every
inline code span that starts like a command (``make ...``, ``python ...``, ``manim ...``). Each
must have an entry below, either a STEP that runs it (at the lowest quality, where it renders)
and checks what the README says it makes, or a SKIPPED reason. A README command without an entry
fails ``test_every_readme_command_has_an_entry``: add it to STEPS or SKIPPED.

The copy holds the files git would commit (tracked and new, not ignored ones) and reuses this
environment (.venv linked, PYTHONPATH on the copy), so nothing is installed again. Renders are
shared: several README commands that come to the same render at the lowest quality are covered
by one step. Steps of one phase run two at a time (this machine has two cores).
"""

from __future__ import annotations

import json
import os
import re
import shlex
import shutil
import subprocess
import sys
import time
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field
from pathlib import Path

import av
import numpy as np
from PIL import Image

from extract.paths import PROJECT_ROOT
from scenes.deck.posters import last_frame_png
from scenes.kit.output import has_index_first
from scenes.registry import SCENES

README = PROJECT_ROOT / "README.md"
SHELL_BLOCKS = {"bash", "sh", "shell", "console"}
# an inline code span that is a command line, not a file name or a setting
INLINE_COMMAND = re.compile(r"^(make|python3?|manim|manim-slides|wandb|source|uv|pip)\s+\S")
SCENE_FILES = {entry.name: entry.file for entry in SCENES}
# where each scene stops for the presenter (see StudyScene.begin_part): slides per scene
SLIDES_PER_SCENE = {
    "ProgressRaceSlides": 2,
    "ScalingEfficiencySlides": 3,
    "TrainingComparisonSlides": 2,
    "AccuracyVsTimeSlides": 2,
    "LossVsTimeSlides": 2,
    "CostOfSpeedSlides": 3,
    "MetricVsTimeSlides": 2,
}
GALLERY_LIMIT = 500_000  # "under 0.5 MB" in the README's gallery row
GIF_WIDTH, GIF_FPS = 480, 7.5  # the gallery's GIFs (scripts/gallery.py WIDTH, FPS)
CHART_KINDS = ("png", "svg", "pdf")  # what `make charts` writes of each key


def normalized(line: str) -> str | None:
    """One command line as the shell reads it: comments and extra spaces gone."""
    try:
        tokens = shlex.split(line, comments=True)
    except ValueError:  # an unbalanced quote: keep the line as written so it is still listed
        return line.strip() or None
    return shlex.join(tokens) if tokens else None


def readme_commands(text: str) -> list[str]:
    """Every command the README shows, in order, once each."""
    found: list[str] = []
    in_shell = in_block = False
    pending = ""
    for line in text.splitlines():
        if line.startswith("```"):
            in_block = not in_block
            in_shell = in_block and line[3:].strip().lower() in SHELL_BLOCKS
            continue
        if in_shell:
            pending += line
            if pending.rstrip().endswith("\\"):  # continued on the next line
                pending = pending.rstrip()[:-1] + " "
                continue
            command, pending = normalized(pending), ""
            if command:
                found.append(command)
        elif not in_block:
            for span in re.findall(r"`([^`\n]+)`", line):
                if INLINE_COMMAND.match(span) and (command := normalized(span)):
                    found.append(command)
    return list(dict.fromkeys(found))


# --- what each step leaves, checked ---------------------------------------------------------


@dataclass
class Result:
    command: str
    returncode: int
    stdout: str
    stderr: str
    seconds: float
    changed: set[str] = field(default_factory=set)  # files added or changed, relative to repo

    def output(self) -> str:
        return f"$ {self.command}\n{self.stdout[-3000:]}\n{self.stderr[-3000:]}"


def video_facts(path: Path, decoder: str | None = None) -> dict:
    """Codec, pixel format of the decoded frames, size and frame count of a video."""
    with av.open(str(path)) as container:
        stream = container.streams.video[0]
        context = av.CodecContext.create(decoder, "r") if decoder else None
        frames = 0
        pix_fmt = None
        last = None
        for packet in container.demux(stream):
            decoded = context.decode(packet) if context else packet.decode()
            for frame in decoded:
                frames += 1
                pix_fmt = frame.format.name
                last = frame
        return {
            "codec": stream.codec_context.name,
            "pix_fmt": pix_fmt,
            "size": (stream.codec_context.width, stream.codec_context.height),
            "frames": frames,
            "last": last,
        }


def demo_video(repo: Path, scene: str, quality: str = "480p15") -> Path:
    """The video `make demo` leaves of ``scene``."""
    return repo / "media" / "videos" / SCENE_FILES[scene] / quality / f"{scene}.mp4"


def check_mp4_and_poster(repo: Path, scenes: list[str], quality: str = "480p15") -> None:
    blank = []
    for scene in scenes:
        video = repo / "media" / "videos" / SCENE_FILES[scene] / quality / f"{scene}.mp4"
        facts = video_facts(video)
        assert facts["codec"] == "h264" and facts["pix_fmt"] == "yuv420p", facts
        assert facts["size"] == (854, 480) and facts["frames"] > 8 * 15, facts
        assert has_index_first(video), f"{video}: index not at the front"
        # no blank opening: a player or slide tool shows the first frame before playing
        with av.open(str(video)) as container:
            first = next(container.decode(video=0)).to_ndarray(format="rgb24")
        if first.std() < 10:
            blank.append(scene)
        with Image.open(video.with_suffix(".png")) as poster:
            assert poster.size == (854, 480)
    assert not blank, f"the first frame is one flat colour: {', '.join(blank)}"


def check_alpha(path: Path, decoder: str | None, pix_fmt: str, codec: str) -> None:
    facts = video_facts(path, decoder)
    assert facts["codec"] == codec, facts
    assert facts["pix_fmt"] == pix_fmt, facts
    assert facts["size"] == (854, 480), facts
    alpha = facts["last"].to_ndarray(format="rgba")[:, :, 3]
    # see-through background, opaque chart
    assert (alpha == 0).mean() > 0.3 and (alpha == 255).mean() > 0.005


def check_demo(repo: Path, result: Result) -> None:
    check_mp4_and_poster(repo, list(SCENE_FILES))
    assert "speedup" in result.stdout.lower(), "make demo prints the key metrics"


def decoded_frames(*videos: Path) -> list[bytes]:
    frames = []
    for video in videos:
        with av.open(str(video)) as container:
            frames += [f.to_ndarray(format="rgb24").tobytes() for f in container.decode(video=0)]
    return frames


def check_preview(repo: Path, result: Result) -> None:
    video = repo / "media/videos/race/480p15/ProgressRace.mp4"
    assert f"no display to preview on; the file is {video}" in result.stdout + result.stderr
    check_mp4_and_poster(repo, ["ProgressRace"])
    # make demo drew through the slide class, leaving slides for the deck: its slides, one after
    # the other, are the frames of this plain render of the scene
    assert "media/videos/race/480p15/ProgressRace.mp4" in result.changed
    presentation = repo / "media/slides/presentations/ProgressRaceSlides.json"
    parts = [Path(slide["file"]) for slide in json.loads(presentation.read_text())["slides"]]
    assert len(parts) == SLIDES_PER_SCENE["ProgressRaceSlides"]
    assert decoded_frames(*parts) == decoded_frames(video)


def check_still(repo: Path, result: Result) -> None:
    (still,) = (repo / "media/images/race").glob("ProgressRace_ManimCE_*.png")
    with (
        Image.open(still) as image,
        Image.open(repo / "media/videos/race/480p15/ProgressRace.png") as poster,
    ):
        assert image.size == (854, 480)
        # the held final frame: the same picture as the video's poster
        assert image.convert("RGB").tobytes() == poster.convert("RGB").tobytes()


def check_stills(repo: Path, result: Result) -> None:
    with Image.open(repo / "media/images/race/ProgressRace.png") as image:
        assert image.size == (3840, 2160)


def check_vector_stills(repo: Path, result: Result) -> None:
    import pypdfium2 as pdfium

    (page,) = pdfium.PdfDocument(repo / "media/images/scaling/ScalingEfficiency.pdf")
    assert page.get_size() == (854, 480)
    # the PNG's frame, drawn as vectors (tests/test_vector_stills.py compares the pictures)
    assert (repo / "media/images/scaling/ScalingEfficiency.png").exists()


def check_charts(repo: Path, result: Result) -> None:
    import io
    import xml.etree.ElementTree as ElementTree

    import cairosvg
    import pypdfium2 as pdfium
    import pypdfium2.raw as pdfium_c

    charts = repo / "media/charts"
    # named as the seed's were, with the sample's GPU range: 1 to 64 GPUs
    names = {f"1-64GPU_{key}.{kind}" for key in ("epoch", "learning_rate") for kind in CHART_KINDS}
    assert {p.name for p in charts.iterdir()} == names, sorted(charts.iterdir())
    for name in sorted(names):
        assert f"media/charts/{name}" in result.stdout, result.output()
    png = charts / "1-64GPU_epoch.png"
    with Image.open(png) as image:
        assert image.size == (3840, 2160)
        # a quarter of the size, to compare the vector forms' pictures with it cheaply
        small = np.asarray(image.convert("RGB").reduce(4), dtype=float)
    svg = ElementTree.parse(charts / "1-64GPU_epoch.svg").getroot()
    assert svg.tag == "{http://www.w3.org/2000/svg}svg" and svg.get("viewBox") == "0 0 3840 2160"
    assert len(svg.findall(".//{http://www.w3.org/2000/svg}path")) > 100
    assert not svg.findall(".//{http://www.w3.org/2000/svg}image")
    (page,) = pdfium.PdfDocument(charts / "1-64GPU_epoch.pdf")
    assert page.get_size() == (3840, 2160)
    kinds = [obj.type for obj in page.get_objects()]
    assert kinds.count(pdfium_c.FPDF_PAGEOBJ_PATH) > 100
    assert pdfium_c.FPDF_PAGEOBJ_IMAGE not in kinds
    drawn = {
        "svg": cairosvg.svg2png(
            url=str(charts / "1-64GPU_epoch.svg"), output_width=960, output_height=540
        ),
        "pdf": page.render(scale=0.25).to_pil(),
    }
    for kind, picture in drawn.items():
        if isinstance(picture, bytes):
            picture = Image.open(io.BytesIO(picture))
        # the PNG's picture, rasterised by another library at a quarter of its size
        difference = np.abs(np.asarray(picture.convert("RGB"), dtype=float) - small).max(axis=2)
        assert difference.mean() < 1.5 and (difference > 64).mean() < 0.005, kind


def shown_over_black(video: Path, decoder: str | None, every: int = 4) -> list[np.ndarray | None]:
    """Every ``every``-th frame of a transparent video as it shows over a black slide (colour x
    alpha), and None for the others (so that frame counts compare)."""
    shown: list[np.ndarray | None] = []
    with av.open(str(video)) as container:
        stream = container.streams.video[0]
        context = av.CodecContext.create(decoder, "r") if decoder else None
        for packet in container.demux(stream):
            for frame in context.decode(packet) if context else packet.decode():
                if len(shown) % every:
                    shown.append(None)
                    continue
                rgba = frame.to_ndarray(format="rgba").astype(np.float32)
                shown.append(rgba[..., :3] * rgba[..., 3:] / 255)
    return shown


def check_overlays(repo: Path, result: Result) -> None:
    videos = repo / "media/videos/scaling/480p15"
    # FFmpeg's own VP9 decoder drops the alpha plane; libvpx's keeps it
    check_alpha(videos / "ScalingEfficiency.webm", "libvpx-vp9", "yuva420p", "vp9")
    check_alpha(videos / "ScalingEfficiency.mov", None, "argb", "qtrle")
    # the WebM is made from the lossless MOV: every frame, close to it (manim's own VP9 pass
    # measured 45 dB here)
    webm = shown_over_black(videos / "ScalingEfficiency.webm", "libvpx-vp9")
    mov = shown_over_black(videos / "ScalingEfficiency.mov", None)
    assert len(webm) == len(mov) > 100
    pairs = [(a, b) for a, b in zip(webm, mov, strict=True) if a is not None and b is not None]
    error = np.mean([np.mean((a - b) ** 2) for a, b in pairs])
    assert 10 * np.log10(255**2 / error) > 40


def check_slides(repo: Path, result: Result) -> None:
    from bs4 import BeautifulSoup
    from pptx import Presentation

    # after make demo at the same quality, on the same study: nothing to draw again
    reused = "slides of an earlier render (same store, settings, study file, code): "
    assert reused + ", ".join(SCENE_FILES) in result.stdout, result.output()
    assert "rendering" not in result.stdout, result.output()

    deck = repo / "media/slides"
    soup = BeautifulSoup((deck / "deck.html").read_text(), "html.parser")
    assert soup.title is not None and soup.title.string == "LUMI vs Laptop"  # manim.cfg's names
    slides = soup.select("div.slides > section")
    assert len(slides) == sum(SLIDES_PER_SCENE.values())
    for slide in slides:
        assert slide["data-background-video"].startswith("data:video/mp4;base64,")
        assert slide.find("aside", class_="notes").get_text().strip()
    presentation = Presentation(str(deck / "deck.pptx"))
    assert len(presentation.slides) == len(slides)
    for slide in presentation.slides:
        blobs = {r.reltype.rsplit("/", 1)[-1]: r.target_part.blob for r in slide.part.rels.values()}
        assert slide.notes_slide.notes_text_frame.text.strip()
        # the poster (shown before playing, in thumbnails and printouts) is the held final frame
        assert blobs["image"] == last_frame_png(blobs["video"])


def check_gallery(repo: Path, result: Result) -> None:
    assert result.changed == {
        "media/gallery/ScalingEfficiency.gif",
        "media/gallery/ScalingEfficiency.png",
    }
    gif = repo / "media/gallery/ScalingEfficiency.gif"
    assert gif.stat().st_size < GALLERY_LIMIT
    with Image.open(gif) as image:
        assert image.width == 480 and image.n_frames > 10


def check_frames(repo: Path, result: Result) -> None:
    written = result.stdout.split()
    assert [Path(p).name for p in written] == [
        f"ProgressRace_480p15_{name}.png" for name in ("first", "middle", "last")
    ]
    for path in written:
        with Image.open(repo / path) as image:
            assert image.size == (854, 480)


def check_written(result: Result, *files: str) -> None:
    assert set(files) <= result.changed, f"{files} not written; changed: {sorted(result.changed)}"


def check_store(repo: Path, result: Result) -> None:
    check_written(result, "data/runs.h5")


def check_json(repo: Path, result: Result) -> None:
    assert isinstance(json.loads(result.stdout), dict)


def check_explain(repo: Path, result: Result) -> None:
    # the rules that matched the run, and the one that decided its GPU count
    assert "gpus: 8  (decided by config: total_gpus = 8)" in result.stdout, result.stdout
    assert "[job, strength 3]" in result.stdout, result.stdout


def check_summary(repo: Path, result: Result) -> None:
    # the sample's exports: ten configurations, one lane each
    assert "shown: 10 lanes" in result.stdout, result.stdout
    assert "64 GPUs, 8 nodes" in result.stdout, result.stdout


def check_unknown(repo: Path, result: Result) -> None:
    # one line per unknown fact, then the count over every run
    assert re.search(r"\d+ of \d+ facts unknown, in \d+ of \d+ runs", result.stdout), result.stdout


def check_activate(repo: Path, result: Result) -> None:
    assert result.stdout.strip().endswith("/.venv/bin/manim"), result.stdout


# --- preparing what a command needs that a newcomer brings -----------------------------------


def csv_exports(repo: Path, wandb_runs: Path) -> None:
    # the README's file names for a W&B export, with the sample study's exports in them
    sample = repo / "data" / "sample"
    shutil.copyfile(sample / "runs_table.csv", repo / "runs.csv")
    shutil.copyfile(sample / "panel_epoch.csv", repo / "panel_epoch.csv")
    shutil.copyfile(sample / "panel_running_accuracy.csv", repo / "panel_acc.csv")


def offline_runs(repo: Path, wandb_runs: Path) -> None:
    # real offline run files written by the wandb SDK (tests/sdk_runs.py); one of them under
    # the folder name the README uses
    target = repo / "wandb"
    shutil.copytree(wandb_runs, target)
    first = sorted(target.glob("offline-run-*"))[0]
    first.rename(target / "offline-run-20250807_124801-abc123")


def tensorboard_logs(repo: Path, wandb_runs: Path) -> None:
    # real event files written by tensorboardX's SummaryWriter (tests/tb_runs.py) as the
    # README's lightning_logs/
    from tests.corpus_cache import sdk_corpus
    from tests.tb_runs import write

    tb_runs = Path(__file__).with_name("tb_runs.py")
    sources = [tb_runs, tb_runs.with_name("fixed_clock.py")]
    written = sdk_corpus("tb-runs", sources, write, repo.parent / "tb_runs")
    shutil.copytree(written / "logs", repo / "lightning_logs")


def check_tensorboard(repo: Path, result: Result) -> None:
    assert "wrote 5 runs (5 with histories)" in result.stdout, result.stdout


def check_tensorboard_runs(repo: Path, result: Result) -> None:
    assert "scaling/gpus_4/version_0" in result.stdout, result.stdout


def check_tensorboard_report(repo: Path, result: Result) -> None:
    assert "| scaling/gpus_4/version_0 | 4 GPUs, 1 node | 4 | 1 | 3/3 |" in result.stdout, (
        result.stdout
    )


def mlflow_folder_store(repo: Path, wandb_runs: Path) -> None:
    # runs the real mlflow client logged (tests/mlflow_runs.py) as the README's mlruns/
    from tests.corpus_cache import sdk_corpus
    from tests.mlflow_runs import corpus_name, write_folder_store, writer_sources

    written = sdk_corpus(
        corpus_name("mlflow-folder"), writer_sources(), write_folder_store,
        repo.parent / "mlflow_folder",
    )  # fmt: skip
    shutil.copytree(written / "mlruns", repo / "mlruns")


def mlflow_sqlite_store(repo: Path, wandb_runs: Path) -> None:
    # ... and as the README's mlflow.db, MLflow 3's default store
    from tests.corpus_cache import sdk_corpus
    from tests.mlflow_runs import corpus_name, write_sqlite_store, writer_sources

    written = sdk_corpus(
        corpus_name("mlflow-sqlite"), writer_sources(), write_sqlite_store,
        repo.parent / "mlflow_sqlite",
    )  # fmt: skip
    shutil.copyfile(written / "mlflow.db", repo / "mlflow.db")


def check_mlflow(repo: Path, result: Result) -> None:
    # every run of tests/mlflow_runs.py's folder store, the one that never logged a value too
    assert "wrote 11 runs (10 with histories)" in result.stdout, result.stdout


def check_mlflow_runs(repo: Path, result: Result) -> None:
    assert "no GPU count" in result.stdout and "[failed]" in result.stdout, result.stdout


def check_mlflow_report(repo: Path, result: Result) -> None:
    assert "| 4 GPU | 4 GPUs, 1 node | 4 | 1 | 3/3 |" in result.stdout, result.stdout


def check_mlflow_experiment(repo: Path, result: Result) -> None:
    # the experiment "scaling" only: the laptop's run is in "laptop"
    assert "wrote 7 runs (6 with histories)" in result.stdout, result.stdout


@dataclass(frozen=True)
class Step:
    """README commands that one command run covers, and how to check it."""

    covers: tuple[str, ...]
    # what runs, at the lowest quality; None: the first of ``covers`` that the README shows
    run: str | None
    phase: int
    check: Callable[[Path, Result], None] | None = None
    env: tuple[tuple[str, str], ...] = ()
    prepare: Callable[[Path, Path], None] | None = None
    why: str = ""  # how `run` differs from the README's commands, if it does

    @property
    def name(self) -> str:
        return self.run or self.covers[0]

    def command(self, shown: list[str]) -> str | None:
        """What to run, or None when the README shows none of the commands this covers (a
        command that left the README needs no test; its entry can go)."""
        present = [c for c in self.covers if normalized(c) in shown]
        if not present:
            return None
        return self.run or present[0]


STEPS = [
    Step(
        ("source .venv/bin/activate",),
        "source .venv/bin/activate && command -v manim",
        phase=0,
        check=check_activate,
    ),
    Step(
        ("python -m extract sample -o sample.h5",),
        "python -m extract sample -o sample.h5",
        phase=0,
        check=lambda repo, result: check_written(result, "sample.h5"),
    ),
    # before any step leaves files in the copy (a wandb/ folder changes how ruff sorts imports)
    Step(("make lint",), "make lint", phase=0),
    Step(("make format",), "make format", phase=1),
    # alone, so that what it wrote is all that changed
    Step(
        ("make gallery",),
        "make gallery",
        phase=2,
        check=check_gallery,
        env=(("SCENES", "ScalingEfficiency"),),
        why="one scene; the size limit of every GIF is checked by scripts/gallery.py itself",
    ),
    Step(
        (
            "make demo",
            "make render",
            "make render QUALITY=h",
            "python -m scenes",
        ),
        "make demo",
        phase=3,
        check=check_demo,
        why=(
            "make render at the lowest quality and python -m scenes are the render make demo "
            "does; its videos are what tests/test_render_scenes.py checks"
        ),
    ),
    # the longest first: two at a time, they then finish together
    Step(
        ("make overlays QUALITY=h", "make overlays"),
        "make overlays QUALITY=l",
        phase=4,
        check=check_overlays,
        env=(("SCENES", "ScalingEfficiency"),),
    ),
    Step(
        ("make slides", "make slides QUALITY=l", "make slides SCENES=ProgressRace"),
        "make slides QUALITY=l",
        phase=4,
        check=check_slides,
        why=(
            "the whole deck, which tests/test_deck.py and test_deck_browser.py check, after make "
            "demo (it takes the demo's slides); a deck of named scenes (the SCENES form) is built "
            "by tests/test_render_skips.py"
        ),
    ),
    Step(
        (
            "manim render -pql scenes/race.py ProgressRace",
            "manim render scenes/race.py ProgressRace",
            "manim render -qk scenes/race.py ProgressRace",
            "manim render -p",
        ),
        "manim render -pql scenes/race.py ProgressRace",
        phase=4,
        check=check_preview,
        why="without a display; the others are this render at the lowest quality",
    ),
    Step(
        ("manim render -s scenes/race.py ProgressRace", "manim render -s"),
        "manim render -ql -s scenes/race.py ProgressRace",
        phase=4,
        check=check_still,
    ),
    Step(
        ("make stills",),
        "make stills",
        phase=4,
        check=check_stills,
        env=(("SCENES", "ProgressRace"),),
        why="one scene, at 4K as the README says",
    ),
    Step(
        ("make stills FORMAT=svg", "make stills FORMAT=pdf"),
        "make stills FORMAT=pdf QUALITY=l",
        phase=4,
        check=check_vector_stills,
        # not the race: `make stills` leaves its 4K PNG for check_stills
        env=(("SCENES", "ScalingEfficiency"),),
        why="one scene at 480p, as PDF (the SVG is the same drawing: tests/test_vector_stills.py)",
    ),
    Step(
        ("make charts", 'make charts CHARTS="epoch learning_rate"'),
        'make charts CHARTS="epoch learning_rate"',
        phase=4,
        check=check_charts,
        why=(
            "two of the five charts at 4K, as PNG, SVG and PDF; the default keys and the names "
            "of the others: tests/test_charts.py"
        ),
    ),
    Step(
        ("python scripts/frames.py media/videos/race/1080p60/ProgressRace.mp4",),
        "python scripts/frames.py media/videos/race/480p15/ProgressRace.mp4",
        phase=6,
        check=check_frames,
    ),
    Step(
        ("python -m extract csv runs.csv panel_epoch.csv panel_acc.csv -o data/runs.h5",),
        "python -m extract csv runs.csv panel_epoch.csv panel_acc.csv -o data/runs.h5",
        phase=6,
        check=check_store,
        prepare=csv_exports,
    ),
    Step(("python -m extract report",), "python -m extract report", phase=7),
    Step(
        ("python -m extract report --json",),
        "python -m extract report --json",
        phase=7,
        check=check_json,
    ),
    Step(("python -m extract runs",), "python -m extract runs", phase=7),
    Step(
        ("python -m extract runs --summary",),
        "python -m extract runs --summary",
        phase=7,
        check=check_summary,
    ),
    Step(("python -m extract runs --all",), "python -m extract runs --all", phase=7),
    Step(
        ("python -m extract runs --unknown",),
        "python -m extract runs --unknown",
        phase=7,
        check=check_unknown,
    ),
    Step(
        ('python -m extract runs --explain "8 GPU 1 Node Run"',),
        'python -m extract runs --explain "8 GPU 1 Node Run"',
        phase=7,
        check=check_explain,
    ),
    Step(
        ("python -m extract offline wandb/ --merge", "python -m extract offline wandb/"),
        None,
        phase=8,
        prepare=offline_runs,
        why="the offline run files come from tests/sdk_runs.py",
    ),
    Step(
        ("python -m extract offline wandb/offline-run-20250807_124801-abc123 --merge",),
        "python -m extract offline wandb/offline-run-20250807_124801-abc123 --merge",
        phase=9,
    ),
    Step(
        ("python -m extract tensorboard lightning_logs/ -o tb.h5",),
        None,
        phase=8,
        check=check_tensorboard,
        prepare=tensorboard_logs,
        why="the event files come from tests/tb_runs.py",
    ),
    Step(
        ("python -m extract runs tb.h5",),
        None,
        phase=9,
        check=check_tensorboard_runs,
    ),
    Step(
        ("python -m extract report tb.h5",),
        None,
        phase=9,
        check=check_tensorboard_report,
    ),
    # after the offline runs went into data/runs.h5: the TensorBoard runs go beside them
    Step(("python -m extract tensorboard lightning_logs/ --merge",), None, phase=10),
    Step(
        ("python -m extract mlflow mlruns/ -o ml.h5",),
        None,
        phase=8,
        check=check_mlflow,
        prepare=mlflow_folder_store,
        why="the runs come from tests/mlflow_runs.py",
    ),
    Step(("python -m extract runs ml.h5",), None, phase=9, check=check_mlflow_runs),
    Step(("python -m extract report ml.h5",), None, phase=9, check=check_mlflow_report),
    Step(
        ("python -m extract mlflow sqlite:///mlflow.db --experiment scaling -o ml.h5",),
        None,
        phase=10,
        check=check_mlflow_experiment,
        prepare=mlflow_sqlite_store,
        why="the runs come from tests/mlflow_runs.py",
    ),
]

NEEDS_WANDB = "needs the W&B service and an account's API key"
SKIPPED = {
    "make test": "the suite this test is part of",
    "make check": "the part of this suite without the render marker, with ruff and mypy",
    "make setup": (
        "installs system packages and the locked environment; this test runs in that "
        "environment (reused, not installed again)"
    ),
    "make setup && source .venv/bin/activate": (
        "installs system packages and the locked environment; this test runs in that "
        "environment (reused, not installed again), and `source` is run by its own step"
    ),
    "wandb login": NEEDS_WANDB,
    "pip install mlflow-skinny sqlalchemy alembic": (
        "installs into the training's environment, not this project's, whose lock holds the "
        "three (tests/mlflow_runs.py logs to a sqlite:/// store with them)"
    ),
    "python -m extract wandb my-team/scaling": NEEDS_WANDB,
    'python -m extract wandb my-team/scaling --state finished --name-regex "GPU|Laptop" '
    "--keys epoch running_accuracy train_loss": NEEDS_WANDB,
    "python -m extract wandb my-team/scaling --state finished "
    "--keys epoch running_accuracy train_loss -o data/runs.h5": NEEDS_WANDB,
    "python -m extract mlflow http://127.0.0.1:5000 --experiment scaling --merge": (
        "needs a tracking server at that address; tests/test_mlflow.py reads runs through a "
        "real one it starts on a free port"
    ),
    "manim-slides present": "needs a display and a Qt binding (the README says so)",
    "$EDITOR manim.cfg": "opens an editor",
    "python -m extract": "names the command-line tool; its commands are each listed here",
    "make bench": "renders every scene at 480p15 and 1080p60 to measure; asserts nothing",
    "make bench BENCH_ARGS=--quick": "measures for about 3.5 minutes; asserts nothing",
    "make bench BENCH_ARGS=--scale-only": (
        "measures for about 2 minutes; asserts nothing (tests/test_bench.py checks that its "
        "exports read as the sweep they describe and that its history is read back)"
    ),
    "make bench 'BENCH_ARGS=--history-only --repeat 4'": (
        "renders AccuracyVsTime eight times for about 2 minutes; asserts nothing "
        "(tests/test_bench.py checks how it judges and keeps the renders)"
    ),
    "make bench SEED=/path/to/9-Wandb-visualization/visualizations": (
        "runs the seed's matplotlib scripts from a folder this machine may not have, for about "
        "10 minutes; asserts nothing (tests/test_bench.py runs stand-in seed scripts from a copy "
        "and counts their frames)"
    ),
    ".venv/bin/python -m pytest tests/test_frames_scenes.py --set_test": (
        "rewrites the control frames of tests/test_frames_scenes.py, which this suite runs"
    ),
}


def covered() -> dict[str, str]:
    entries = {}
    for step in STEPS:
        for command in step.covers:
            entries[normalized(command) or command] = f"run as: {step.run}"
    for command, reason in SKIPPED.items():
        entries[normalized(command) or command] = f"skipped: {reason}"
    return entries


def project_files() -> list[str]:
    """What git would commit: tracked files still present, and new files not ignored."""
    listed = subprocess.run(
        ["git", "ls-files", "-z", "--cached", "--others", "--exclude-standard"],
        cwd=PROJECT_ROOT,
        capture_output=True,
        check=True,
    ).stdout.decode()
    return [name for name in listed.split("\0") if name and (PROJECT_ROOT / name).is_file()]


def snapshot(repo: Path) -> dict[str, tuple[int, int]]:
    files = {}
    for folder, subfolders, names in os.walk(repo):
        # the linked environment and caches are not the project's files
        subfolders[:] = [s for s in subfolders if s not in {".venv", ".tools", "__pycache__"}]
        for name in names:
            path = Path(folder) / name
            stat = path.stat()
            files[str(path.relative_to(repo))] = (stat.st_size, stat.st_mtime_ns)
    return files


# no display (the preview must cope), none of this checkout's settings. The texts the session's
# renders keep are shared (tests/conftest.py): a kept text draws what building it draws
# (tests/test_text_cache.py), and the first render of each text builds it, whichever it is
NOT_PASSED = {
    "DISPLAY",
    "WAYLAND_DISPLAY",
    "RUNS_STORE",
    "LUMI_CONFIG",
    "LUMI_STUDY",
}


def environment(repo: Path, base: dict[str, str]) -> dict[str, str]:
    env = {key: value for key, value in base.items() if key not in NOT_PASSED}
    venv = repo / ".venv"
    env["PATH"] = f"{venv / 'bin'}{os.pathsep}{env.get('PATH', '')}"
    env["VIRTUAL_ENV"] = str(venv)
    # the environment's editable install points at this checkout; the copy's code comes first
    env["PYTHONPATH"] = str(repo)
    return env


def shell(repo: Path, step: Step, command: str, base: dict[str, str]) -> Result:
    shown = command
    if command.startswith("make "):
        # the environment is this one, already installed: never rebuild it from the copy
        command = "make -o .venv/.installed " + command.removeprefix("make ")
    env = {**environment(repo, base), **dict(step.env)}
    before = snapshot(repo)
    started = time.monotonic()
    done = subprocess.run(
        ["bash", "-c", command], cwd=repo, env=env, capture_output=True, text=True
    )
    after = snapshot(repo)
    changed = {path for path, facts in after.items() if before.get(path) != facts}
    return Result(
        shown, done.returncode, done.stdout, done.stderr, time.monotonic() - started, changed
    )


def run_readme(root: Path, runs_dir: Path, base: dict[str, str]) -> tuple[Path, dict[str, Result]]:
    """Copy the project into ``root`` and run every README command there, phase by phase, in
    the environment ``base`` (a copy: tests running beside it may change os.environ). Prints
    nothing: it may run in a thread while a test captures what is printed."""
    repo = root / "lumi-vs-laptop"
    for name in project_files():
        target = repo / name
        target.parent.mkdir(parents=True, exist_ok=True)
        shutil.copy2(PROJECT_ROOT / name, target)
    (repo / ".venv").symlink_to(Path(sys.prefix))
    if (PROJECT_ROOT / ".tools" / "cache").is_dir():  # reveal.js, fetched once per machine
        (repo / ".tools").mkdir()
        (repo / ".tools" / "cache").symlink_to(PROJECT_ROOT / ".tools" / "cache")
    shown = readme_commands((repo / "README.md").read_text())
    results: dict[str, Result] = {}
    for phase in sorted({step.phase for step in STEPS}):
        steps = [(s, command) for s in STEPS if s.phase == phase and (command := s.command(shown))]
        for step, _ in steps:
            if step.prepare:
                step.prepare(repo, runs_dir)
        with ThreadPoolExecutor(2) as pool:
            done = pool.map(lambda item: shell(repo, *item, base), steps)
            for (step, _), result in zip(steps, done, strict=True):
                results[step.name] = result
    return repo, results
