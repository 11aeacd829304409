"""Real W&B run files, written by the wandb SDK in offline mode (once per version of their writer
and of wandb: tests/corpus_cache.py)."""

from __future__ import annotations

import csv
import os
import shutil
import struct
import subprocess
import sys
from pathlib import Path

import numpy as np
import pytest

from extract import load_runs
from extract.errors import InputError
from extract.merge import merge_runs
from extract.paths import SAMPLE_DIR
from extract.sources.wandb_exports import ingest_exports
from extract.sources.wandb_files import find_run_files, ingest_offline, read_run_file
from tests.cli_run import run_cli
from tests.corpus_cache import sdk_corpus
from tests.fixed_clock import CLOCK


def test_finds_every_run_file(wandb_dir):
    directory, _ = wandb_dir
    files = find_run_files([directory])
    assert len(files) == 2 and all(f.name.startswith("run-") for f in files)


def test_values_are_the_logged_ones(wandb_dir):
    directory, logged = wandb_dir
    runs = {r.name: r for r in ingest_offline([directory]).runs}
    run = runs["8 GPU 1 Node Run"]
    assert run.run_id == logged["cluster"]["id"]
    assert (run.platform, run.gpus, run.nodes, run.epochs, run.state) == (
        "cluster",
        8,
        1,
        3,
        "finished",
    )
    assert run.config["optimizer.lr"] == 0.001
    assert run.summary["acc"] == 98.12
    history = run.history.sort_values("_step").reset_index(drop=True)
    expected = logged["cluster"]["rows"]
    assert len(history) == len(expected)
    for i, row in enumerate(expected):
        assert history.loc[i, "epoch"] == row["epoch"]
        assert history.loc[i, "train_loss"] == pytest.approx(row["train_loss"], rel=1e-12)
        assert history.loc[i, "running_accuracy"] == row["running_accuracy"]
        assert history.loc[i, "perf.samples_per_s"] == row["perf"]["samples_per_s"]
    assert history["_runtime"].is_monotonic_increasing


def test_laptop_extrapolation_from_an_offline_run(wandb_dir):
    directory, _ = wandb_dir
    laptop = {r.name: r for r in ingest_offline([directory]).runs}["Laptop-Benchmark"]
    assert laptop.platform == "laptop" and laptop.extrapolated
    assert laptop.time_s == pytest.approx(54.094 * 3600)


def test_truncated_run_keeps_what_came_before(wandb_dir, tmp_path):
    directory, logged = wandb_dir
    source = next(f for f in find_run_files([directory]) if logged["cluster"]["id"] in f.name)
    full = read_run_file(source)
    damaged = tmp_path / "offline-run-x" / source.name
    damaged.parent.mkdir()
    data = source.read_bytes()
    damaged.write_bytes(data[: int(len(data) * 0.6)])
    result = ingest_offline([damaged])
    (run,) = result.runs
    assert run.state == "crashed"
    assert 0 < len(run.history) < len(full.rows)
    assert any("crashed" in w for w in result.warnings)
    # what was kept is exactly the beginning of what was logged
    kept = run.history.sort_values("_step")["train_loss"].dropna().to_numpy()
    logged_loss = np.array([r["train_loss"] for r in logged["cluster"]["rows"]])
    assert np.allclose(kept, logged_loss[: len(kept)])


def test_flipped_byte_stops_at_the_bad_checksum(wandb_dir, tmp_path):
    directory, logged = wandb_dir
    source = next(f for f in find_run_files([directory]) if logged["cluster"]["id"] in f.name)
    data = bytearray(source.read_bytes())
    # the first chunk starts after the 7-byte file header; its payload after its own 7 bytes
    (length,) = struct.unpack("<H", data[11:13])
    data[14 + length // 2] ^= 0xFF
    damaged = tmp_path / "run-bad.wandb"
    damaged.write_bytes(bytes(data))
    run = read_run_file(damaged)
    assert run.damage == "checksum mismatch at byte 7"
    # a length that would cross the 32 KiB block is a corrupt header, not a short file
    data = bytearray(source.read_bytes())
    data[11:13] = struct.pack("<H", 40000)
    damaged.write_bytes(bytes(data))
    assert read_run_file(damaged).damage == "corrupt chunk header at byte 7"


@pytest.mark.parametrize("content", [b"", b"hello world, not a run", b"\x89HDF\r\n\x1a\nxxxx"])
def test_a_file_that_is_not_a_run_is_a_clear_error(tmp_path, content):
    path = tmp_path / "run-x.wandb"
    path.write_bytes(content)
    with pytest.raises(InputError, match="not a W&B run file"):
        ingest_offline([path])


def test_offline_run_equals_its_runs_table_and_panel_export(wandb_dir, tmp_path):
    """The same run as an offline file and as web-UI exports gives the same run and history."""
    directory, _ = wandb_dir
    offline = {r.name: r for r in ingest_offline([directory]).runs}["8 GPU 1 Node Run"]
    table = tmp_path / "runs.csv"
    with table.open("w", newline="") as handle:
        writer = csv.writer(handle, quoting=csv.QUOTE_ALL)
        writer.writerow(
            ["Name", "State", "Runtime", "epochs", "nodes", "optimizer.lr", "total_gpus", "acc"]
        )
        writer.writerow(
            [offline.name, "finished", repr(offline.measured_s), "3", "1", "0.001", "8", "98.12"]
        )
    panel = tmp_path / "panel.csv"
    with panel.open("w", newline="") as handle:
        writer = csv.writer(handle, quoting=csv.QUOTE_ALL)
        name = offline.name
        writer.writerow(
            [
                "Relative Time (Process)",
                f"{name} - train_loss",
                f"{name} - train_loss__MIN",
                f"{name} - train_loss__MAX",
            ]
        )
        for t, loss in zip(offline.history["_runtime"], offline.history["train_loss"], strict=True):
            writer.writerow(
                [repr(float(t)), repr(float(loss)), repr(float(loss)), repr(float(loss))]
            )
    (exported,) = ingest_exports([table, panel]).runs
    for field in ("name", "platform", "gpus", "nodes", "epochs", "time_s", "state"):
        assert getattr(exported, field) == getattr(offline, field), field
    assert np.allclose(exported.history["train_loss"], offline.history["train_loss"])
    assert np.allclose(exported.history["_runtime"], offline.history["_runtime"])
    # merged, the two sources are one run with the offline id and one copy of each row
    (merged,) = merge_runs([exported], [offline])
    assert merged.run_id == offline.run_id and len(merged.history) == len(offline.history)
    assert merged.source.startswith("csv:") and "offline:" in merged.source


def test_cli_offline_merges_into_an_existing_store(wandb_dir, tmp_path):
    directory, _ = wandb_dir
    store = tmp_path / "runs.h5"
    # a store of one's own runs (the sample study's runs table, extracted as a user would):
    # the sample study's store itself takes no runs in
    exported = run_cli("csv", SAMPLE_DIR / "runs_table.csv", "-o", store)
    assert exported.returncode == 0, exported.stderr
    result = run_cli("offline", directory, "-o", store, "--merge")
    assert result.returncode == 0, result.stderr
    names = [r.name for r in load_runs(store)]
    assert names.count("8 GPU 1 Node Run") == 1 and "Laptop-Benchmark" in names
    assert len(names) == 11  # the sample's 10, the offline laptop run added, the 8-GPU run merged


# on a fixed clock (tests/fixed_clock.py): the ranks start a few milliseconds apart, a step takes
# 6 s of it
RANK = (
    CLOCK
    + r"""
import pathlib, sys, time, wandb
rank, meeting = int(sys.argv[1]), pathlib.Path(sys.argv[2])
clock.tick(0.01 * rank)
run = wandb.init(project="ddp", id="ddprun01", name="2 GPU DDP", mode="offline",
                 config={"total_gpus": 2, "nodes": 1, "epochs": 1},
                 settings=wandb.Settings(x_label=f"rank{rank}"))
# a barrier, as DDP has one: both ranks run at once however slowly each one started
(meeting / f"rank{rank}").touch()
deadline = time.monotonic() + 120
while len(list(meeting.glob("rank*"))) < 2 and time.monotonic() < deadline:
    time.sleep(0.05)
for step in range(10):
    clock.tick(6.0)
    if rank == 0:
        run.log({"loss": 1.0 / (step + 1), "epoch": 0}, step=step)
    else:
        run.log({"rank1/samples_per_second": 200.0 + step, "epoch": 0}, step=step)
run.finish()
"""
)


def write_ranks(root: Path) -> None:
    """DDP-like: two processes log to one run id at once; each leaves its own run file. Each
    rank writes under its own WANDB_DIR, as ranks on two nodes do, and the ranks meet at a
    barrier after wandb.init. In one folder, wandb names both offline-run-<second>-<id> and
    adds "-1" when the folder exists: a check two processes starting at the same moment can
    race on; and without the barrier a rank slowed by a busy machine could start after the
    other ended, which no longer reads as ranks of one run. Either made this test flaky."""
    meeting = root / "barrier"
    meeting.mkdir()
    ranks = []
    for rank in (0, 1):
        env = {
            **os.environ,
            "WANDB_MODE": "offline",
            "WANDB_SILENT": "true",
            "WANDB_DIR": str(root / f"rank{rank}"),
            "WANDB_DISABLE_GIT": "true",
        }
        env.pop("WANDB_API_KEY", None)
        (root / f"rank{rank}").mkdir()
        command = [sys.executable, "-c", RANK, str(rank), str(meeting)]
        ranks.append(subprocess.Popen(command, env=env, stderr=subprocess.PIPE, text=True))
    for process in ranks:
        assert process.wait() == 0, process.stderr.read()[-2000:]


def test_a_multi_process_run_becomes_one_run(tmp_path):
    """Two ranks' run files of one run id (``write_ranks``, written once per version of this
    module and wandb: tests/corpus_cache.py) are one run."""
    sources = [Path(__file__), Path(__file__).with_name("fixed_clock.py")]
    sdk_corpus("ddp-ranks", sources, write_ranks, tmp_path)
    folders = [tmp_path / "rank0" / "wandb", tmp_path / "rank1" / "wandb"]
    assert len(find_run_files(folders)) == 2
    (run,) = ingest_offline(folders).runs
    assert (run.run_id, run.gpus, run.state) == ("ddprun01", 2, "finished")
    history = run.history
    assert len(history) == 10 and list(history["_step"]) == list(range(10))
    assert list(history["loss"]) == [1.0 / (s + 1) for s in range(10)]
    assert list(history["rank1/samples_per_second"]) == [200.0 + s for s in range(10)]


def test_a_run_killed_before_its_first_record_does_not_block_the_folder(wandb_dir, tmp_path):
    """A job killed right after wandb.init leaves a run file of a few bytes; in a folder of runs
    it is named and kept as a missing run (its id from its folder), the others are read. Named
    on its own it is still an error."""
    directory, _ = wandb_dir
    folder = tmp_path / "wandb"
    shutil.copytree(directory, folder)
    killed = folder / "offline-run-20250807_120000-killed01" / "run-killed01.wandb"
    killed.parent.mkdir()
    killed.write_bytes(b":W&B" + struct.pack("<H", 0xBEE1) + b"\x00")
    result = ingest_offline([folder])
    assert len(result.runs) == 3
    (killed_run,) = [r for r in result.runs if r.run_id == "killed01"]
    assert killed_run.kind == "missing" and killed_run.state == "crashed"
    assert [r.kind for r in result.runs if r is not killed_run] == ["training", "training"]
    assert any("run-killed01.wandb: no run record" in w for w in result.warnings)
    with pytest.raises(InputError, match="no run record"):
        ingest_offline([killed])


def test_latest_run_can_be_named(wandb_dir, tmp_path):
    directory, logged = wandb_dir
    run_dir = next(p for p in directory.iterdir() if logged["laptop"]["id"] in p.name)
    latest = tmp_path / "latest-run"
    latest.symlink_to(run_dir, target_is_directory=True)
    (run,) = ingest_offline([latest]).runs
    assert run.run_id == logged["laptop"]["id"]
