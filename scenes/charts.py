"""`python -m scenes.charts` (`make charts`): the seed's static comparisons, one chart per logged
key, each as a 4K PNG, an SVG and a PDF under media/charts/.

python -m scenes.charts                       # batch_loss, epoch, learning_rate, the study's
                                              # accuracy and loss keys (those the runs logged)
python -m scenes.charts gpu.0.gpu train_loss  # these keys (a key no run logged: refused)
python -m scenes.charts --quality l           # a quick look at 480p

A chart is MetricVsTime's held final frame for its key (the same plan, theme, names and fonts as
the scene, its x axis and smoothing as manim.cfg sets them) as a figure: without the clock's
readout, which belongs to the video playing. It is drawn once: only that frame, the
PNG by Manim's renderer, the SVG and PDF from the same objects through Cairo's vector surfaces
(scenes/kit/manim_compat.py vector_frame). Each file is named by the GPU counts it draws and its
key, as the seed's were (`1-32GPU_batch_loss.png`): `1-64GPU_batch_loss.png` on the sample.
"""

from __future__ import annotations

import argparse
import os
import re
import sys
import time
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING

from extract.errors import InputError
from extract.model import Run
from study.metric_keys import study_metric_keys
from study.metric_plan import MetricPlan, metric_plan
from study.settings import METRIC_ENV
from study.view import StudyView

from .render import QUALITY_FOLDERS, check_settings, configured_media, shown

if TYPE_CHECKING:  # Manim loads only when a chart is drawn: a refusal answers at once
    from scenes.curves import MetricVsTime

# the seed's five charts: per-batch loss, the epochs, the learning-rate schedule, accuracy and
# loss (the study's own keys for these two: study/settings.py asked_key)
SEED_KEYS = ("batch_loss", "epoch", "learning_rate")
FORMATS = ("png", "svg", "pdf")
MANIM_QUALITIES = {
    "l": "low_quality",
    "m": "medium_quality",
    "h": "high_quality",
    "p": "production_quality",
    "k": "fourk_quality",
}


@dataclass(frozen=True)
class Chart:
    key: str
    name: str  # the files' name, without the suffix
    view: StudyView  # the view MetricVsTime draws it from (the store read for this key)


def default_keys(view: StudyView) -> list[str]:
    """The seed's charts in its order (by name): batch_loss, epoch, learning_rate, and the
    study's accuracy and loss keys as the report decides them (running_accuracy and
    train_loss on the sample)."""
    studied = [
        study_metric_keys(view.runs, view.shown, view.settings, view.study, metric).key
        or view.asked_key(metric)
        for metric in ("accuracy", "loss")
    ]
    return sorted(dict.fromkeys([*SEED_KEYS, *studied]))


def runs_part(runs: list[Run]) -> str:
    """What a chart's file name says of its runs, from their data: the range of GPU counts
    ('1-64GPU', '8GPU'), with 'laptop' when a laptop is drawn ('laptop+1-64GPU')."""
    gpus = sorted({r.gpus for r in runs if r.platform == "cluster" and r.gpus})
    parts = ["laptop"] if any(r.platform == "laptop" for r in runs) else []
    if gpus:
        span = f"{gpus[0]}" if gpus[0] == gpus[-1] else f"{gpus[0]}-{gpus[-1]}"
        parts.append(f"{span}GPU")
    return "+".join(parts) or "runs"


def file_key(key: str) -> str:
    """A key as a file name carries it: a system metric's 'system/gpu.0.gpu' as
    'system_gpu.0.gpu'."""
    return re.sub(r"[^A-Za-z0-9._-]+", "_", key).strip("_") or "key"


def chart_name(plan: MetricPlan) -> str:
    name = f"{runs_part([s.run for s in plan.series])}_{file_key(plan.key)}"
    return name if plan.x_axis == "time" else f"{name}_by_{plan.x_axis}"


@contextmanager
def metric_set(key: str) -> Iterator[None]:
    """$LUMI_METRIC naming ``key`` while the view is read (the store is read for its key only:
    study/view.py drawn_keys)."""
    before = os.environ.get(METRIC_ENV)
    os.environ[METRIC_ENV] = key
    try:
        yield
    finally:
        if before is None:
            os.environ.pop(METRIC_ENV, None)
        else:
            os.environ[METRIC_ENV] = before


def planned(key: str) -> Chart:
    """The chart of ``key``, or InputError with MetricVsTime's one line (a key no run logged,
    with the keys they did)."""
    from scenes.load import load_view

    with metric_set(key):
        view = load_view()
    try:
        return Chart(key, chart_name(metric_plan(view)), view)
    except InputError as error:
        if error.hint and error.hint.startswith("set metric in manim.cfg"):
            # charts are named on the command line, not by MetricVsTime's setting
            error.hint = 'name keys they logged: make charts CHARTS="..."'
        raise


def earlier_charts(folder: Path, name: str) -> list[Path]:
    """Charts of the same key and x axis as the chart ``name`` that an earlier run left under
    another name (another study's GPU range): they must not pass for this study's."""
    drawn = name.split("_", 1)[1]  # the key and x axis: the runs part has no "_"
    pattern = re.compile(
        rf"^(?:laptop|runs|(?:laptop\+)?\d+(?:-\d+)?GPU)_{re.escape(drawn)}\.(?:{'|'.join(FORMATS)})$"
    )
    return sorted(p for p in folder.glob("*") if pattern.match(p.name))


def chart_scene(chart: Chart) -> MetricVsTime:
    """MetricVsTime drawing ``chart``: its held frame as a figure, without what only the video
    needs (the clock's readout: scenes/kit/clocked.py)."""
    from scenes.curves import MetricVsTime

    return MetricVsTime(view=chart.view, as_figure=True)


def draw(chart: Chart, folder: Path, media: Path, quality: str) -> list[Path]:
    """MetricVsTime's held frame of ``chart``: the PNG as `manim render -s` draws it (only that
    frame), then the same objects as SVG and PDF."""
    from manim import tempconfig

    from scenes.kit.manim_compat import vector_frame

    settings = {
        "quality": MANIM_QUALITIES[quality],
        "save_last_frame": True,
        "write_to_movie": False,
        "media_dir": str(media),
        "output_file": chart.name,
        "progress_bar": "none",
        "verbosity": "WARNING",
    }
    with tempconfig(settings):
        scene = chart_scene(chart)
        scene.render()
        drawn = Path(scene.renderer.file_writer.image_file_path)
        for stale in earlier_charts(folder, chart.name):
            stale.unlink()
        png = folder / f"{chart.name}.png"
        os.replace(drawn, png)
        return [png, *(vector_frame(scene, png.with_suffix(f".{f}")) for f in FORMATS[1:])]


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(
        prog="python -m scenes.charts",
        description=__doc__,
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    parser.add_argument("--quality", "-q", choices=sorted(QUALITY_FOLDERS), default="k")
    parser.add_argument(
        "--media-dir", type=Path, help="manim's media folder (default: media, from manim.cfg)"
    )
    parser.add_argument("key", nargs="*", help="logged keys to chart (default: the seed's five)")
    args = parser.parse_args(argv)
    settings_error = check_settings()
    if settings_error:
        print(f"error: {settings_error}", file=sys.stderr)
        return 2
    try:
        keys = list(dict.fromkeys(args.key))
        if not keys:
            with metric_set(SEED_KEYS[0]):
                from scenes.load import load_view

                keys = default_keys(load_view())
        charts = []
        for key in keys:
            try:
                charts.append(planned(key))
            except InputError as error:
                if args.key:  # asked for by name: nothing is drawn, and why is said
                    raise
                # one of the seed's charts this study cannot draw: the others are
                print(f"  {key} skipped: {error.one_line()}", file=sys.stderr)
    except InputError as error:
        print(f"error: {error.one_line()}", file=sys.stderr)
        return 2
    if not charts:
        print("error: no run logged any of the seed's keys; name keys: CHARTS=...", file=sys.stderr)
        return 2
    media = args.media_dir.resolve() if args.media_dir else configured_media()
    folder = media / "charts"
    folder.mkdir(parents=True, exist_ok=True)
    counted = f"{len(charts)} chart{'' if len(charts) == 1 else 's'}"
    print(f"drawing {counted} at {QUALITY_FOLDERS[args.quality][:-2]}: PNG, SVG and PDF")
    written = []
    for chart in charts:
        started = time.monotonic()
        written += draw(chart, folder, media, args.quality)
        print(f"  {chart.key} {time.monotonic() - started:.0f} s", flush=True)
    print("\nwritten:")
    for file in written:
        print(f"  {shown(file)}  {file.stat().st_size / 1e6:.1f} MB")
    return 0


if __name__ == "__main__":
    sys.exit(main())
