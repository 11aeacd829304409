"""`make bench`: how fast the scenes render and the sources extract, on this machine.

Prints a table and writes bench/results/bench.json. Not part of `make test`: it measures, it does
not assert. `--quick` renders at 480p15 only and skips the 1-million-row history run.

For every scene: render time through the manim CLI, frames per second, and the time that
encoding the same frames alone takes (decode the MP4, re-encode with the same codec settings
through PyAV) divided by the render time: 1.0 means rendering costs no more than encoding.
Extraction: CSV rows/s, `.wandb` MB/s, a store's load, and `extract wandb` of a 2,000-run
project against the tests' stand-in for the W&B service (first pull, unchanged, 1 in 10 changed).
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import shutil
import struct
import subprocess
import sys
import tempfile
import time
import zlib
from pathlib import Path

import av
import numpy as np
import pandas as pd
from rich.console import Console
from rich.table import Table

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from extract import load_runs, save_runs  # noqa: E402
from extract.model import Run  # noqa: E402
from extract.sample import build_sample_store, sample_exports  # noqa: E402
from extract.sources.wandb_exports import ingest_exports  # noqa: E402
from extract.sources.wandb_files import FILE_HEADER, read_run_file  # noqa: E402
from scenes.kit.manim_compat import X264_OPTIONS  # noqa: E402
from scenes.render import QUALITY_FOLDERS, all_scenes  # noqa: E402

console = Console(width=120)


RENDER_GOAL = 0.7  # encoding alone / rendering, every scene at 1080p60
HISTORY_GOAL = 1.2  # 1M rows per run against 1k


def run_measured(
    command: list[str], env: dict[str, str], cwd: Path = ROOT
) -> tuple[float, float, float]:
    """Wall seconds, peak memory (MB) and CPU seconds (user and system, every thread) of one
    child process (os.wait4 gives its own rusage; RUSAGE_CHILDREN would be the largest of all
    children so far). On a loaded machine CPU seconds move less than wall seconds."""
    with tempfile.TemporaryFile() as errors:  # a file, not a pipe: a full pipe would block
        start = time.perf_counter()
        child = subprocess.Popen(
            command, cwd=cwd, env=env, stdout=subprocess.DEVNULL, stderr=errors
        )
        _, status, usage = os.wait4(child.pid, 0)
        seconds = time.perf_counter() - start
        if os.waitstatus_to_exitcode(status):
            errors.seek(0)
            raise RuntimeError(f"{command[-1]} failed: {errors.read().decode()[-2000:]}")
    return seconds, usage.ru_maxrss / 1024, usage.ru_utime + usage.ru_stime


def render(scene_file: Path, scene: str, quality: str, store: Path, media: Path) -> dict:
    manim = Path(sys.executable).with_name("manim")
    env = {**os.environ, "RUNS_STORE": str(store)}
    command = [
        str(manim),
        "render",
        f"-q{quality}",
        "--disable_caching",
        "--media_dir",
        str(media),
        "--progress_bar",
        "none",
        "-v",
        "WARNING",
        str(scene_file),
        scene,
    ]
    seconds, peak_mb, cpu_s = run_measured(command, env)
    video = media / "videos" / scene_file.stem / QUALITY_FOLDERS[quality] / f"{scene}.mp4"
    encode_s, frames = encode_only(video)
    return {
        "render_s": seconds,
        "cpu_s": cpu_s,
        "frames": frames,
        "fps": frames / seconds,
        "encode_only_s": encode_s,
        "encode_over_render": encode_s / seconds,
        "peak_mb": peak_mb,
    }


def encode_only(video: Path) -> tuple[float, int]:
    """Seconds to encode the video's frames again with the settings our scenes' writer uses
    (scenes/kit/manim_compat.py), and the count.

    Frames are decoded one at a time and only the encoder's calls are timed, as the renderer
    hands it RGB frames: holding every decoded 1080p frame would take gigabytes.
    """
    encoding_s, count = 0.0, 0
    with av.open(str(video)) as source, tempfile.TemporaryDirectory() as folder:
        stream = source.streams.video[0]
        context = stream.codec_context
        with av.open(str(Path(folder) / "again.mp4"), "w") as target:
            codec = "libx264" if context.name == "h264" else context.name
            options = X264_OPTIONS if codec == "libx264" else {}
            out = target.add_stream(codec, rate=stream.average_rate, options=options)
            out.width, out.height, out.pix_fmt = context.width, context.height, context.pix_fmt
            for frame in source.decode(video=0):
                rgb = av.VideoFrame.from_ndarray(frame.to_ndarray(format="rgb24"), format="rgb24")
                start = time.perf_counter()
                packets = out.encode(rgb)
                encoding_s += time.perf_counter() - start
                for packet in packets:
                    target.mux(packet)
                count += 1
            start = time.perf_counter()
            packets = out.encode()
            encoding_s += time.perf_counter() - start
            for packet in packets:
                target.mux(packet)
    return encoding_s, count


def synthetic_store(path: Path, rows_per_run: int) -> None:
    """The sample study with each cluster run's history stretched to ``rows_per_run`` rows."""
    runs = load_runs(build_store(path.parent / "sample.h5"))
    stretched: list[Run] = []
    for run in runs:
        if len(run.history):
            old = run.history
            t = np.linspace(old["_runtime"].min(), old["_runtime"].max(), rows_per_run)
            frame = pd.DataFrame({"_runtime": t})
            for column in old.columns:
                if column != "_runtime":
                    frame[column] = np.interp(t, old["_runtime"], old[column].fillna(0))
            frame["running_accuracy"] += np.random.default_rng(0).normal(0, 0.3, rows_per_run)
            run.history = frame
        stretched.append(run)
    save_runs(path, stretched)


def build_store(path: Path) -> Path:
    if not path.exists():
        build_sample_store(path)
    return path


def write_wandb_file(path: Path, rows: int) -> None:
    """A run file in W&B's format (header, 32 KiB blocks, CRC'd chunks) with ``rows`` history
    records, written here so the benchmark needs no wandb service process."""
    from wandb.proto import wandb_internal_pb2 as pb

    def records():
        run = pb.Record()
        run.run.run_id, run.run.display_name = "bench", "bench run"
        yield run.SerializeToString()
        for step in range(rows):
            record = pb.Record()
            for key, value in (
                ("_step", step),
                ("_runtime", step * 0.01),
                ("epoch", step // 10000),
                ("loss", 1.0 / (step + 1)),
                ("acc", step % 100),
            ):
                item = record.history.item.add()
                item.nested_key.append(key)
                item.value_json = json.dumps(value)
            yield record.SerializeToString()
        done = pb.Record()
        done.exit.runtime = int(rows * 0.01)
        yield done.SerializeToString()

    block = 32 * 1024
    out = bytearray(FILE_HEADER)
    for payload in records():
        first = True
        while True:
            left = block - len(out) % block
            if left < 7:
                out += b"\0" * left
                continue
            piece, payload = payload[: left - 7], payload[left - 7 :]
            last = not payload
            kind = 1 if first and last else 2 if first else 4 if last else 3
            out += struct.pack("<IHB", zlib.crc32(bytes([kind]) + piece), len(piece), kind) + piece
            first = False
            if last:
                break
    path.write_bytes(bytes(out))


def extraction(work: Path) -> dict:
    results = {}
    exports = sample_exports()
    rows = sum(len(p.read_text().splitlines()) - 1 for p in exports)
    start = time.perf_counter()
    ingest_exports(exports)
    seconds = time.perf_counter() - start
    results["csv_rows_per_s"] = rows / seconds
    run_file = work / "run-bench.wandb"
    write_wandb_file(run_file, 200_000)
    megabytes = run_file.stat().st_size / 1e6
    start = time.perf_counter()
    read_run_file(run_file).history()
    results["offline_mb_per_s"] = megabytes / (time.perf_counter() - start)
    results["offline_file_mb"] = megabytes
    for rows_per_run in (1_000, 1_000_000):
        store = work / f"store_{rows_per_run}.h5"
        synthetic_store(store, rows_per_run)
        start = time.perf_counter()
        load_runs(store, columns=["running_accuracy"])
        results[f"store_load_s_{rows_per_run}_rows"] = time.perf_counter() - start
    results.update(wandb_pull(work / "pull"))
    return results


WANDB_PULL_RUNS = 2_000


def wandb_pull(work: Path, runs: int = WANDB_PULL_RUNS, rows: int = 100) -> dict[str, float]:
    """`extract wandb` of a project of ``runs`` runs against the tests' stand-in for the W&B
    service (no network: what is measured is this tool's side), pulled once, then again
    unchanged (the runs list only), then with one run in ten changed."""
    from extract.sources.wandb_api import Selection, pull
    from tests.wandb_standin import StandInApi, StandInRun

    api = StandInApi()
    api.projects["bench/pull"] = [
        StandInRun(
            f"r{i:05d}",
            f"run {i}",
            [
                {"_step": s, "_runtime": 2.0 * s, "epoch": s // 10, "loss": 1 / (s + 1)}
                for s in range(rows)
            ],
            config={"total_gpus": 2 ** (i % 7), "nodes": 1, "epochs": 10},
            summary={"_runtime": 2.0 * rows, "epoch": 9},
        )
        for i in range(runs)
    ]
    store = work / "runs.h5"
    results = {}
    for step in ("first", "again", "tenth_changed"):
        if step == "tenth_changed":
            for run in api.projects["bench/pull"][::10]:
                run.heartbeat_at = "2025-08-09T00:00:00Z"
        start = time.perf_counter()
        pull(api, Selection("bench/pull"), store)
        results[f"wandb_pull_{runs}_runs_{step}_s"] = time.perf_counter() - start
    return results


# the seed's three matplotlib animations and the scenes that draw the same story
SEED_PAIRS = (
    ("progress_race", "ProgressRace"),
    ("training_comparison", "TrainingComparison"),
    ("scaling_efficiency", "ScalingEfficiency"),
)
FRAME_RATE_GOAL = 10.0  # our frames/s over the seed's, its three animations side by side
SEED_HOW = (
    "the seed's frame rate is not measured: give its folder, `make bench "
    "SEED=/path/to/9-Wandb-visualization/visualizations` (from "
    "https://github.com/kimtakala/LUMI-AI-Guide-Visualizations). It runs with the seed's own "
    "environment, ../visualization_env beside that folder (or $SEED_PYTHON): python -m venv "
    "visualization_env && visualization_env/bin/pip install matplotlib pandas numpy; and "
    "ffmpeg on PATH or in visualization_env/bin (matplotlib writes the MP4s through it)"
)


class SeedError(Exception):
    """The seed's folder or its environment cannot run its animations here (says what to do)."""


def seed_python(folder: Path) -> Path:
    """The interpreter the seed's own scripts run with: $SEED_PYTHON, else the environment its
    generate_animations.sh activates (../visualization_env)."""
    named = os.environ.get("SEED_PYTHON")
    python = Path(named) if named else folder.parent / "visualization_env" / "bin" / "python"
    if not python.exists():
        raise SeedError(f"no Python for the seed at {python}; {SEED_HOW}")
    return python


def seed_copy(folder: Path, work: Path) -> Path:
    """The seed's scripts and the data they read (../charts), copied: they write their MP4s
    beside themselves, and the user's folder stays as it was. Returns the copied scripts' folder."""
    missing = [name for name, _ in SEED_PAIRS if not (folder / f"{name}.py").exists()]
    if missing:
        raise SeedError(f"{folder} has no {', '.join(m + '.py' for m in missing)}; {SEED_HOW}")
    media = shutil.ignore_patterns("*.mp4", "*.png", "*.gif", "__pycache__")
    target = work / "seed" / folder.name
    shutil.copytree(folder, target, ignore=media)
    if (folder.parent / "charts").is_dir():
        shutil.copytree(folder.parent / "charts", target.parent / "charts", ignore=media)
    return target


def seed_animation(scripts: Path, name: str, python: Path) -> dict:
    """One of the seed's scripts run as its generate_animations.sh does (from its folder, its
    environment's bin first on PATH), and the frames of the MP4 it wrote."""
    env = {**os.environ, "PATH": f"{python.parent}{os.pathsep}{os.environ.get('PATH', '')}"}
    seconds, peak_mb, cpu_s = run_measured([str(python), f"{name}.py"], env, cwd=scripts)
    video = scripts / "charts" / f"{name}.mp4"
    if not video.exists():
        raise SeedError(f"{name}.py wrote no {video.relative_to(scripts)}; is ffmpeg on PATH?")
    with av.open(str(video)) as container:
        stream = container.streams.video[0]
        frames = stream.frames or sum(1 for _ in container.decode(stream))
        width, height = stream.codec_context.width, stream.codec_context.height
        rate = float(stream.average_rate or 0)
    return {
        "render_s": seconds,
        "cpu_s": cpu_s,
        "frames": frames,
        "fps": frames / seconds,
        "size": f"{width}x{height}@{rate:g}",
        "peak_mb": peak_mb,
    }


def draw_only(scene: str, store: Path, media: Path) -> dict:
    """Our scene at 1080p60 drawn, every frame, without writing the video (its own process):
    what drawing costs apart from encoding."""
    env = {**os.environ, "RUNS_STORE": str(store)}
    with tempfile.TemporaryDirectory() as folder:
        counted = Path(folder) / "frames"
        command = [sys.executable, __file__, "--draw-only", scene, str(media), str(counted)]
        seconds, peak_mb, cpu_s = run_measured(command, env)
        frames = int(counted.read_text())
    return {"render_s": seconds, "cpu_s": cpu_s, "frames": frames, "peak_mb": peak_mb}


def _draw_only_child(scene: str, media: Path, counted: Path) -> None:
    import importlib

    from manim import tempconfig

    from scenes.registry import SCENES

    entry = next(e for e in SCENES if e.name == scene)
    frames = 0
    settings = {"pixel_width": 1920, "pixel_height": 1080, "frame_rate": 60,
                "write_to_movie": False, "media_dir": str(media), "disable_caching": True,
                "progress_bar": "none", "verbosity": "WARNING"}  # fmt: skip
    with tempconfig(settings):
        scene_class = getattr(importlib.import_module(entry.module), scene)

        class Counted(scene_class):
            def setup(self) -> None:
                super().setup()
                add_frame = self.renderer.add_frame

                def count(frame: np.ndarray, num_frames: int = 1) -> None:
                    nonlocal frames
                    frames += num_frames
                    add_frame(frame, num_frames)

                self.renderer.add_frame = count

        Counted().render()
    counted.write_text(str(frames))


def side_by_side(folder: Path, work: Path, store: Path) -> dict:
    """The seed's three animations and our three scenes (1080p60) in one run, each pair one
    after the other so both see the same machine."""
    python = seed_python(folder)
    scripts = seed_copy(folder, work)
    files = dict((scene, path) for path, scene in all_scenes())
    pairs: dict = {}
    for seed_name, scene in SEED_PAIRS:
        console.print(f"the seed's {seed_name}.py ...")
        seed = seed_animation(scripts, seed_name, python)
        console.print(f"{scene} at 1080p60 ...")
        ours = render(files[scene], scene, "h", store, work / f"side_{scene}")
        ours["size"] = "1920x1080@60"
        console.print(f"{scene} at 1080p60, drawn without writing the video ...")
        drawn = draw_only(scene, store, work / f"draw_{scene}")
        ours["draw_only_s"], ours["draw_only_cpu_s"] = drawn["render_s"], drawn["cpu_s"]
        pairs[scene] = {"seed": seed, "ours": ours}
    return pairs


def print_side_by_side(pairs: dict) -> None:
    table = Table(title="the seed's matplotlib animations and ours, side by side")
    columns = ("animation", "seed", "frames/s", "ours", "frames/s ", "ratio",
               "ours: encoding alone", "ours: drawing alone")  # fmt: skip
    for column in columns:
        table.add_column(column, justify="left" if column == "animation" else "right")

    def cell(frames: int, seconds: float, cpu_s: float | None = None) -> str:
        cpu = f" ({cpu_s:.0f} s CPU)" if cpu_s is not None else ""
        return f"{frames} in {seconds:.1f} s{cpu}"

    def alone(seconds: float, frames: int) -> str:
        return f"{seconds:.1f} s ({frames / seconds:.0f}/s)"

    for scene, pair in pairs.items():
        seed, ours = pair["seed"], pair["ours"]
        table.add_row(
            scene, cell(seed["frames"], seed["render_s"], seed.get("cpu_s")),
            f"{seed['fps']:.1f}",
            cell(ours["frames"], ours["render_s"], ours.get("cpu_s")), f"{ours['fps']:.1f}",
            f"{ours['fps'] / seed['fps']:.1f}x",
            alone(ours["encode_only_s"], ours["frames"]),
            alone(ours["draw_only_s"], ours["frames"]),
        )  # fmt: skip
    total = {
        side: (
            sum(p[side]["frames"] for p in pairs.values()),
            sum(p[side]["render_s"] for p in pairs.values()),
        )
        for side in ("seed", "ours")
    }
    rates = {side: frames / seconds for side, (frames, seconds) in total.items()}
    ratio = rates["ours"] / rates["seed"]
    table.add_row(
        "all three", cell(*total["seed"]), f"{rates['seed']:.1f}",
        cell(*total["ours"]), f"{rates['ours']:.1f}", f"{ratio:.1f}x",
        alone(sum(p["ours"]["encode_only_s"] for p in pairs.values()), total["ours"][0]),
        alone(sum(p["ours"]["draw_only_s"] for p in pairs.values()), total["ours"][0]),
    )  # fmt: skip
    console.print(table)
    cpu = {side: sum(p[side].get("cpu_s", 0.0) for p in pairs.values()) for side in total}
    if all(cpu.values()):
        per_cpu = (total["ours"][0] / cpu["ours"]) / (total["seed"][0] / cpu["seed"])
        console.print(
            f"CPU seconds (every thread): the seed {cpu['seed']:.0f} s, ours {cpu['ours']:.0f} s; "
            f"frames per CPU second, ours against the seed's: {per_cpu:.1f}x"
        )
    sizes = ", ".join(sorted({p["seed"]["size"] for p in pairs.values()}))
    verdict = "met" if ratio >= FRAME_RATE_GOAL else "MISSED"
    console.print(
        f"frame rate against the seed's: {ratio:.1f}x (goal >= {FRAME_RATE_GOAL:g}x: {verdict}). "
        f"The seed's frames: {sizes}; ours 1920x1080@60. Encoding alone: H.264 of the same "
        "frames through PyAV, as Manim encodes them (no render of ours is faster than that); "
        "drawing alone: the scene drawn, every frame, with no video written (a process of its "
        "own, start-up included)"
    )


SCALE_SIZES = (10, 100, 1_000, 10_000)
SCALE_COLUMNS = (
    "Name", "State", "Notes", "User", "Tags", "Created", "Runtime", "Sweep",
    "device_type", "epochs", "gpus", "nodes", "total_gpus", "cpu_cores", "acc", "epoch",
)  # fmt: skip


def scale_export(path: Path, runs: int) -> Path:
    """A runs-table export of a scaling sweep as the W&B web UI writes it: 1 to 64 GPUs with
    repeats, every tenth run a laptop run (issue 29's measurement)."""
    import csv

    rng = np.random.default_rng(runs)
    with path.open("w", newline="", encoding="utf-8") as handle:
        writer = csv.writer(handle, quoting=csv.QUOTE_ALL)
        writer.writerow(SCALE_COLUMNS)
        for index in range(runs):
            created = f"2025-08-{1 + index % 28:02d}T{index % 24:02d}:00:00.000Z"
            if index % 10 == 9:
                runtime = 250_000 * rng.uniform(0.9, 1.1)
                row = ["CPU", "10", "", "", "", str(2 + index % 15), "91.5", "10"]
            else:
                gpus = 2 ** (index % 7)
                nodes = max(1, gpus // 8)
                runtime = 7200 / gpus**0.9 * rng.uniform(0.95, 1.05)
                row = ["GPU", "10", str(gpus // nodes), str(nodes), str(gpus), "", "98.1", "10"]
            writer.writerow(
                [f"run-{index}", "finished", "-", "", "", created, f"{runtime:.0f}", "", *row]
            )
    return path


def scale(work: Path, sizes: tuple[int, ...]) -> dict:
    """Seconds and peak memory of `extract csv`, `report`, `extract runs` and a race still
    (-ql -s) on exports of ``sizes`` runs, each in its own process."""
    results: dict = {}
    python = sys.executable
    for runs in sizes:
        folder = work / f"scale_{runs}"
        folder.mkdir()
        export = scale_export(folder / "wandb_export_runs.csv", runs)
        store = folder / "runs.h5"
        env = {**os.environ, "RUNS_STORE": str(store)}
        env.pop("LUMI_STUDY", None)
        measured = {}
        steps = {
            "extract csv": [python, "-m", "extract", "csv", str(export), "-o", str(store)],
            "report": [python, "-m", "extract", "report", str(store)],
            "extract runs": [python, "-m", "extract", "runs", str(store)],
            "race still": [
                python, "-m", "manim", "render", "-ql", "-s", "--media_dir",
                str(folder / "media"), "--progress_bar", "none", "-v", "WARNING",
                "scenes/race.py", "ProgressRace",
            ],
        }  # fmt: skip
        for step, command in steps.items():
            console.print(f"{step} of {runs:,} runs ...")
            seconds, peak, _ = run_measured(command, env)
            measured[step] = {"s": seconds, "peak_mb": peak}
        results[str(runs)] = measured
    return results


def print_scale(scaled: dict, previous: dict | None) -> None:
    table = Table(title="cost against the project's size (s, peak MB)")
    table.add_column("runs", justify="right")
    steps = list(next(iter(scaled.values())))
    for step in steps:
        table.add_column(step, justify="right")
    for runs, measured in scaled.items():
        cells = []
        for step in steps:
            now = measured[step]
            cell = f"{now['s']:.1f} s, {now['peak_mb']:.0f} MB"
            before = ((previous or {}).get(runs) or {}).get(step)
            if before:  # the last recorded run, so a change that slows it shows
                cell += f" (was {before['s']:.1f} s)"
            cells.append(cell)
        table.add_row(f"{int(runs):,}", *cells)
    console.print(table)


def history_renders(work: Path, sizes: tuple[int, ...], repeat: int = 1) -> dict:
    """AccuracyVsTime at 480p15 on the sample with ``sizes`` history rows per run, each size
    rendered ``repeat`` times, in turn (so each sees the same machine): the render of least CPU
    time of each size, with every CPU time measured."""
    curves = next((f, s) for f, s in all_scenes() if s == "AccuracyVsTime")
    stores = {}
    for rows in sizes:
        stores[rows] = work / f"rows_{rows}.h5"
        synthetic_store(stores[rows], rows)
    history: dict = {}
    for attempt in range(repeat):
        for rows in sizes:
            console.print(f"AccuracyVsTime with {rows:,} history rows per run ({attempt + 1}) ...")
            result = render(*curves, "l", stores[rows], work / f"media_rows_{rows}_{attempt}")
            best = history.get(str(rows))
            cpu = [*(best or {}).get("cpu_all_s", []), result["cpu_s"]]
            if best is None or result["cpu_s"] < best["cpu_s"]:
                best = result
            history[str(rows)] = {**best, "cpu_all_s": cpu}
    return history


def print_history(history: dict) -> None:
    """How the render grows with the history's length, in CPU time (the shared machine's load
    moves wall times far more) and in wall time."""
    sizes_done = sorted(int(k) for k in history)
    if len(sizes_done) < 2:
        return
    small, large = history[str(sizes_done[0])], history[str(sizes_done[-1])]
    growth = large["cpu_s"] / small["cpu_s"]
    verdict = "met" if growth <= HISTORY_GOAL else f"MISSED by {growth - HISTORY_GOAL:.2f}x"
    repeats = len(large.get("cpu_all_s", [None]))
    # renders of both sizes one after the other see about the same load: their ratios
    rounds = zip(small.get("cpu_all_s", []), large.get("cpu_all_s", []), strict=True)
    pairs = [b / a for a, b in rounds]
    console.print(
        f"history scaling: {sizes_done[-1]:,} rows/run renders in {growth:.2f}x the CPU time of "
        f"{sizes_done[0]:,} ({large['cpu_s']:.1f} s against {small['cpu_s']:.1f} s"
        + (
            f", the least of {repeats} renders each; the median of each round's ratio "
            f"{float(np.median(pairs)):.2f}x"
            if repeats > 1
            else ""
        )
        + f"; wall time {large['render_s'] / small['render_s']:.2f}x) "
        f"(goal <= {HISTORY_GOAL}x: {verdict})"
    )


def print_report(report: dict) -> None:
    table = Table(title="lumi-vs-laptop benchmark")
    for column in ("what", "render s", "frames/s", "encode-only s", "encode/render", "peak MB"):
        table.add_column(column, justify="right" if column != "what" else "left")
    rows_to_show = list(report["scenes"].items())
    rows_to_show += [
        (f"AccuracyVsTime@480p15, {int(k):,} rows/run", v) for k, v in report["history"].items()
    ]
    for name, r in rows_to_show:
        table.add_row(
            name,
            f"{r['render_s']:.1f}",
            f"{r['fps']:.1f}",
            f"{r['encode_only_s']:.1f}",
            f"{r['encode_over_render']:.2f}",
            f"{r['peak_mb']:.0f}",
        )
    console.print(table)
    full_hd = {name: r for name, r in report["scenes"].items() if name.endswith("@1080p60")}
    if full_hd:
        worst_name, worst = min(full_hd.items(), key=lambda item: item[1]["encode_over_render"])
        ratio = worst["encode_over_render"]
        verdict = "met" if ratio >= RENDER_GOAL else f"MISSED by {RENDER_GOAL - ratio:.2f}"
        console.print(
            f"goal encode/render >= {RENDER_GOAL} at 1080p60: {verdict} (lowest: {worst_name} "
            f"{ratio:.2f}; on 2 cores the renderer and the encoder share the CPU)"
        )
    print_history(report["history"])
    for key, value in report["extraction"].items():
        console.print(f"{key}: {value:,.2f}")


def main() -> None:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--quick", action="store_true", help="480p15 only, fewer history sizes")
    parser.add_argument("--out", type=Path, default=ROOT / "bench" / "results" / "bench.json")
    parser.add_argument(
        "--scale-only",
        action="store_true",
        help="only the scale table (exports of 10 to 10,000 runs; to 1,000 with --quick)",
    )
    parser.add_argument(
        "--seed",
        type=Path,
        help="the seed's visualizations folder: its three animations run beside ours (1080p60)",
    )
    parser.add_argument(
        "--side-by-side",
        action="store_true",
        help="only the seed's animations and ours, side by side (needs --seed)",
    )
    parser.add_argument(
        "--history-only",
        action="store_true",
        help="only AccuracyVsTime at 480p15 with 1 thousand and 1 million history rows per run",
    )
    parser.add_argument(
        "--repeat",
        type=int,
        default=1,
        help="with --history-only: renders of each size, in turn; the least CPU time counts",
    )
    parser.add_argument("--draw-only", nargs=3, help=argparse.SUPPRESS)  # draw_only's child
    args = parser.parse_args()
    if args.draw_only:
        scene, media, counted = args.draw_only
        _draw_only_child(scene, Path(media), Path(counted))
        return
    if args.side_by_side and args.seed is None:
        parser.error("--side-by-side needs --seed (make bench SEED=...)")
    history = args.out.parent / "history.jsonl"
    previous = _last_scale(history)
    qualities = ["l"] if args.quick else ["l", "h"]
    sizes = (1_000, 100_000) if args.quick else (1_000, 100_000, 1_000_000)
    report: dict = {
        "machine": {
            "cpus": os.cpu_count(),
            "python": platform.python_version(),
            "platform": platform.platform(),
        },
        "scenes": {},
        "history": {},
    }
    scale_sizes = SCALE_SIZES[:-1] if args.quick else SCALE_SIZES
    with tempfile.TemporaryDirectory() as folder:
        work = Path(folder)
        if args.history_only:
            report["history"] = history_renders(work, (1_000, 1_000_000), max(1, args.repeat))
            print_history(report["history"])
            _record(history, report)
            return
        if args.side_by_side:
            report["side_by_side"] = _side_by_side_or_why(args.seed, work)
            if report["side_by_side"]:
                print_side_by_side(report["side_by_side"])
                _record(history, report)
            return
        report["scale"] = scale(work, scale_sizes)
        if args.scale_only:
            print_scale(report["scale"], previous)
            _record(history, report)
            return
        store = build_store(work / "sample.h5")
        for scene_file, scene in all_scenes():
            for quality in qualities:
                console.print(f"rendering {scene} at {QUALITY_FOLDERS[quality]} ...")
                result = render(
                    scene_file, scene, quality, store, work / f"media_{scene}_{quality}"
                )
                report["scenes"][f"{scene}@{QUALITY_FOLDERS[quality]}"] = result
        report["history"] = history_renders(work, sizes)
        console.print("extraction ...")
        report["extraction"] = extraction(work)
        if args.seed is not None:
            report["side_by_side"] = _side_by_side_or_why(args.seed, work)

    print_report(report)
    print_scale(report["scale"], previous)
    if report.get("side_by_side"):
        print_side_by_side(report["side_by_side"])
    elif args.seed is None:
        console.print(SEED_HOW)
    args.out.parent.mkdir(parents=True, exist_ok=True)
    args.out.write_text(json.dumps(report, indent=2))
    _record(history, report)
    console.print(f"written: {args.out}, and a line in {history}")


def _side_by_side_or_why(folder: Path, work: Path) -> dict | None:
    """The side-by-side run, or None once it has said why the seed cannot run here."""
    try:
        return side_by_side(folder.expanduser().resolve(), work, build_store(work / "sample.h5"))
    except SeedError as error:
        console.print(f"[bold red]seed:[/] {error}")
        return None


def _last_scale(history: Path) -> dict | None:
    """The scale table of the last recorded run on this machine's core count, if any."""
    if not history.exists():
        return None
    for line in reversed(history.read_text(encoding="utf-8").splitlines()):
        try:
            entry = json.loads(line)
        except json.JSONDecodeError:
            continue
        if entry.get("machine", {}).get("cpus") == os.cpu_count() and entry.get("scale"):
            return entry["scale"]
    return None


# what the history keeps of each side-by-side render
RECORDED = ("frames", "render_s", "cpu_s", "encode_only_s", "draw_only_s", "draw_only_cpu_s")


def _record(history: Path, report: dict) -> None:
    """One line per run, kept in git, so a change that slows a step shows in the next run."""
    commit = subprocess.run(
        ["git", "rev-parse", "--short", "HEAD"], cwd=ROOT, capture_output=True, text=True
    ).stdout.strip()
    entry = {
        "date": time.strftime("%Y-%m-%d %H:%M:%S"),
        "commit": commit or None,
        "machine": report["machine"],
        "scale": report.get("scale"),
        "scenes": {k: v["render_s"] for k, v in report.get("scenes", {}).items()},
    }
    if report.get("history"):
        entry["history"] = {
            rows: {k: r[k] for k in ("render_s", "cpu_s", "cpu_all_s") if k in r}
            for rows, r in report["history"].items()
        }
    if report.get("side_by_side"):
        entry["side_by_side"] = {
            scene: {side: {k: r[k] for k in RECORDED if k in r} for side, r in pair.items()}
            for scene, pair in report["side_by_side"].items()
        }
    history.parent.mkdir(parents=True, exist_ok=True)
    with history.open("a", encoding="utf-8") as handle:
        handle.write(json.dumps(entry) + "\n")


if __name__ == "__main__":
    main()
