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
from scenes.render import QUALITY_FOLDERS, all_scenes  # noqa: E402

console = Console(width=120)


RENDER_GOAL = 0.7  # encoding alone / rendering, every scene at 1080p60
HISTORY_GOAL = 1.2  # 1M rows per run against 1k


def run_measured(command: list[str], env: dict[str, str]) -> tuple[float, float]:
    """Wall seconds and peak memory (MB) of one child process (os.wait4 gives its own rusage;
    RUSAGE_CHILDREN would be the largest of all children so far)."""
    with tempfile.TemporaryFile() as errors:  # a file, not a pipe: a full pipe would block
        start = time.perf_counter()
        child = subprocess.Popen(
            command, cwd=ROOT, env=env, stdout=subprocess.DEVNULL, stderr=errors
        )
        _, status, usage = os.wait4(child.pid, 0)
        seconds = time.perf_counter() - start
        if os.waitstatus_to_exitcode(status):
            errors.seek(0)
            raise RuntimeError(f"{command[-1]} failed: {errors.read().decode()[-2000:]}")
    return seconds, usage.ru_maxrss / 1024


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
    seconds, peak_mb = run_measured(command, env)
    video = media / "videos" / scene_file.stem / QUALITY_FOLDERS[quality] / f"{scene}.mp4"
    encode_s, frames = encode_only(video)
    return {
        "render_s": seconds,
        "frames": frames,
        "fps": frames / seconds,
        "encode_only_s": encode_s,
        "encode_over_render": encode_s / seconds,
        "peak_mb": peak_mb,
    }


def encode_only(video: Path) -> tuple[float, int]:
    """Seconds to encode the video's frames again with its own codec settings, and the count.

    Frames are decoded one at a time and only the encoder's calls are timed, as the renderer
    hands it RGB frames: holding every decoded 1080p frame would take gigabytes.
    """
    encoding_s, count = 0.0, 0
    with av.open(str(video)) as source, tempfile.TemporaryDirectory() as folder:
        stream = source.streams.video[0]
        context = stream.codec_context
        with av.open(str(Path(folder) / "again.mp4"), "w") as target:
            codec = "libx264" if context.name == "h264" else context.name
            out = target.add_stream(codec, rate=stream.average_rate)
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
            seconds, peak = run_measured(command, env)
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
    sizes_done = sorted(int(k) for k in report["history"])
    if len(sizes_done) > 1:
        small, large = report["history"][str(sizes_done[0])], report["history"][str(sizes_done[-1])]
        growth = large["render_s"] / small["render_s"]
        verdict = "met" if growth <= HISTORY_GOAL else f"MISSED by {growth - HISTORY_GOAL:.2f}x"
        console.print(
            f"history scaling: {sizes_done[-1]:,} rows/run renders in {growth:.2f}x the time of "
            f"{sizes_done[0]:,} (goal <= {HISTORY_GOAL}x: {verdict})"
        )
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
    args = parser.parse_args()
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
        curves = next((f, s) for f, s in all_scenes() if s == "AccuracyVsTime")
        for rows in sizes:
            console.print(f"AccuracyVsTime with {rows:,} history rows per run ...")
            big = work / f"rows_{rows}.h5"
            synthetic_store(big, rows)
            report["history"][str(rows)] = render(*curves, "l", big, work / f"media_rows_{rows}")
        console.print("extraction ...")
        report["extraction"] = extraction(work)

    print_report(report)
    print_scale(report["scale"], previous)
    args.out.parent.mkdir(parents=True, exist_ok=True)
    args.out.write_text(json.dumps(report, indent=2))
    _record(history, report)
    console.print(f"written: {args.out}, and a line in {history}")


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
    history.parent.mkdir(parents=True, exist_ok=True)
    with history.open("a", encoding="utf-8") as handle:
        handle.write(json.dumps(entry) + "\n")


if __name__ == "__main__":
    main()
