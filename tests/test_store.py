import os
import random
import subprocess
import sys
import time
from pathlib import Path

import h5py
import numpy as np
import pandas as pd
import pytest

from extract import SCHEMA_VERSION, StoreError, load_runs, save_runs
from extract.model import Run
from extract.paths import PROJECT_ROOT


def make_run(rows: int = 5, name: str = "r") -> Run:
    t = np.linspace(0, 100, rows)
    return Run(
        run_id=f"id-{name}",
        name=name,
        platform="cluster",
        state="finished",
        gpus=8,
        nodes=1,
        epochs=10,
        time_s=100.0,
        measured_s=100.0,
        reconstructed=True,
        created_at="2025-08-07T12:48:01Z",
        source="test",
        config={"lr": 0.001, "optimizer": {"name": "adam"}, "tags": ["a", "b"]},
        summary={"acc": 98.1},
        history=pd.DataFrame(
            {"_runtime": t, "loss": np.where(t > 50, np.nan, t), "train/acc": t * 2}
        ),
    )


def test_round_trip_keeps_every_field(tmp_path):
    path = tmp_path / "runs.h5"
    original = [make_run(name="a"), make_run(name="b")]
    original[1].platform, original[1].extrapolated, original[1].epochs = "laptop", True, None
    save_runs(path, original)
    loaded = load_runs(path)
    assert [r.name for r in loaded] == ["a", "b"]
    for before, after in zip(original, loaded, strict=True):
        for field in (
            "run_id",
            "platform",
            "state",
            "gpus",
            "nodes",
            "epochs",
            "time_s",
            "extrapolated",
            "measured_s",
            "reconstructed",
            "created_at",
            "source",
            "config",
            "summary",
        ):
            assert getattr(after, field) == getattr(before, field), field
        pd.testing.assert_frame_equal(after.history, before.history, check_dtype=False)


def test_schema_is_versioned_and_histories_are_compressed(tmp_path):
    path = tmp_path / "runs.h5"
    save_runs(path, [make_run(rows=10_000)])
    with h5py.File(path) as h5:
        assert h5.attrs["schema_version"] == SCHEMA_VERSION
        dataset = h5["runs/0/history/train%2Facc"]
        assert dataset.compression == "gzip" and dataset.chunks is not None


def test_runs_without_rows_are_records_only(tmp_path):
    """A runs-table export's thousands of runs log no rows: a record each, no HDF5 group (ten
    thousand groups of attributes took tens of seconds to write and read)."""
    path = tmp_path / "runs.h5"
    without = make_run(rows=0, name="without rows")
    save_runs(path, [without, make_run(name="with rows"), without])
    with h5py.File(path) as h5:
        assert len(h5["records"]) == 3
        assert set(h5["runs"]) == {"1"}  # only the run that logged rows
    first, second, third = load_runs(path)
    assert list(first.history.columns) == ["_runtime", "loss", "train/acc"]
    assert len(first.history) == 0 and len(second.history) == 5
    assert first.stored_keys == ("_runtime", "loss", "train/acc")
    first.history["extra"] = []  # runs sharing a set of keys share no frame
    assert "extra" not in third.history


def test_a_version_3_store_reads_as_it_was_written():
    """A store written by the previous schema (a group of attributes per run; written by that
    version's save_runs) reads into the same runs a store of this version does."""
    old = load_runs(PROJECT_ROOT / "tests" / "control_data" / "store_version_3.h5")
    assert [run.name for run in old] == ["with rows", "without rows"]
    with_rows, without_rows = old
    assert with_rows.kind == "training" and with_rows.activity == {"training_steps": 5}
    assert with_rows.evidence["gpus"].key == "total_gpus" and len(with_rows.history) == 5
    assert without_rows.cores == 8 and without_rows.sweep_id == "sw1"
    assert without_rows.notes == ["a note"] and without_rows.platform == "laptop"


def test_loading_only_some_columns(tmp_path):
    path = tmp_path / "runs.h5"
    save_runs(path, [make_run()])
    (run,) = load_runs(path, columns=["loss"])
    # the asked key, and every accuracy or loss key (metrics are recognised by pattern); the
    # rest stays on disk, but the store says it is there
    assert set(run.history.columns) == {"_runtime", "loss", "train/acc"}
    assert set(run.stored_keys) >= set(run.history.columns)


def test_store_from_a_newer_schema_is_refused(tmp_path):
    path = tmp_path / "runs.h5"
    save_runs(path, [make_run()])
    with h5py.File(path, "a") as h5:
        h5.attrs["schema_version"] = SCHEMA_VERSION + 1
    with pytest.raises(StoreError, match="schema version"):
        load_runs(path)


@pytest.mark.parametrize("content", [b"", b"Name,Runtime\na,1\n", b"\x89HDF\r\n\x1a\n garbage"])
def test_not_a_store_is_a_clear_error(tmp_path, content):
    path = tmp_path / "runs.h5"
    path.write_bytes(content)
    with pytest.raises(StoreError) as error:
        load_runs(path)
    assert str(path) in str(error.value)


def exports_of(folder: Path, runs: int = 12, rows: int = 2_000) -> list[Path]:
    """A runs table and a panel export: ``runs`` runs with histories."""
    table = folder / "runs.csv"
    lines = ["Name,Runtime,total_gpus"] + [f"run {i},{1000 + i},{i % 8 + 1}" for i in range(runs)]
    table.write_text("\n".join(lines) + "\n")
    panel = folder / "panel.csv"
    generator = np.random.default_rng(7)
    values = generator.random((rows, runs))
    header = "Relative Time (Process)," + ",".join(f"run {i} - loss" for i in range(runs))
    body = np.column_stack([np.arange(rows, dtype=float), values])
    np.savetxt(panel, body, delimiter=",", header=header, comments="", fmt="%.9g")
    return [table, panel]


PAUSED_WRITER = """
import os, sys, time
marker, pause_in = sys.argv[1], sys.argv[2]
after = pause_in.startswith("after:")
name = pause_in.removeprefix("after:")
real = getattr(os, name)

def paused(*args):
    # the moment to be killed at (before the call, or just after it): say so, then wait
    if after:
        real(*args)
    open(marker, "w").close()
    time.sleep(120)
    return real(*args)

setattr(os, name, paused)
from extract.cli import main
sys.exit(main(sys.argv[3:]))
"""


def kill_when_paused(exports: list[Path], store: Path, pause_in: str, marker: Path) -> None:
    """Run 'extract csv' until it reaches ``os.<pause_in>`` (``after:NAME``: just after it),
    then kill -9 it there. Kills at set points: timed kills may all land before the write
    starts or after the rename on a busy machine; these cannot."""
    command = [sys.executable, "-c", PAUSED_WRITER, str(marker), pause_in, "csv"]
    writer = subprocess.Popen(
        [*command, *map(str, exports), "-o", str(store)],
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    deadline = time.monotonic() + 300
    while not marker.exists():
        assert writer.poll() is None, "the writer ended before reaching its pause"
        assert time.monotonic() < deadline
        time.sleep(0.01)
    writer.kill()
    assert writer.wait() == -9
    marker.unlink()


def test_kill_9_during_extract_leaves_the_previous_store(tmp_path):
    """`python -m extract csv` killed -9 at each step of writing the new store: the temporary
    file made but empty (os.fdopen), written but not flushed to disk (os.fsync), complete but
    not renamed (os.replace): the old store stays byte-for-byte. Killed just after the rename:
    the new store is whole."""
    exports = exports_of(tmp_path)
    store_dir = tmp_path / "store"
    store_dir.mkdir()
    path = store_dir / "runs.h5"
    save_runs(path, [make_run(name="before")])
    before = path.read_bytes()
    for pause_in in ("fdopen", "fsync", "replace"):
        kill_when_paused(exports, path, pause_in, tmp_path / "paused")
        assert path.read_bytes() == before, f"store changed by a writer killed in os.{pause_in}"
        # it was killed mid-write, for real: its temporary file is left behind
        assert list(store_dir.glob(".runs.h5.*.tmp")), pause_in
    assert [r.name for r in load_runs(path)] == ["before"]
    kill_when_paused(exports, path, "after:replace", tmp_path / "paused")
    assert sorted(r.name for r in load_runs(path)) == sorted(f"run {i}" for i in range(12))
    # the next write clears what killed writers left behind
    save_runs(path, [make_run(name="after")])
    assert [p.name for p in store_dir.iterdir()] == ["runs.h5"]


def write_with_file_size_limit(path: Path, limit: int) -> subprocess.CompletedProcess:
    """A process whose writes fail past ``limit`` bytes, as on a full disk (EFBIG)."""
    script = (
        "import resource, signal, sys\n"
        "signal.signal(signal.SIGXFSZ, signal.SIG_IGN)\n"
        f"resource.setrlimit(resource.RLIMIT_FSIZE, ({limit}, resource.RLIM_INFINITY))\n"
        "from extract.cli import main\n"
        "sys.exit(main(['sample', '-o', sys.argv[1]]))\n"
    )
    return subprocess.run([sys.executable, "-c", script, str(path)], capture_output=True, text=True)


def test_a_write_that_runs_out_of_space_keeps_the_previous_store(tmp_path):
    path = tmp_path / "runs.h5"
    save_runs(path, [make_run(name="before")])
    before = path.read_bytes()
    result = write_with_file_size_limit(path, 60_000)
    assert result.returncode == 2, result.stderr
    assert result.stderr.startswith(f"error: {path}: cannot write the store (File too large)")
    assert "Traceback" not in result.stderr and len(result.stderr.splitlines()) == 1
    assert path.read_bytes() == before
    assert list(tmp_path.iterdir()) == [path]


@pytest.fixture
def tiny_disk(tmp_path):
    """A 256 KiB tmpfs (root only, as in CI's container): a real ENOSPC."""
    mount = tmp_path / "disk"
    mount.mkdir()
    if (
        os.geteuid() != 0
        or subprocess.run(
            ["mount", "-t", "tmpfs", "-o", "size=256k", "tmpfs", str(mount)], capture_output=True
        ).returncode
    ):
        pytest.skip("needs root to mount a small tmpfs")
    yield mount
    subprocess.run(["umount", str(mount)], check=True)


def test_a_full_disk_keeps_the_previous_store(tiny_disk):
    path = tiny_disk / "runs.h5"
    save_runs(path, [make_run(name="before")])
    before = path.read_bytes()
    with pytest.raises(StoreError, match="No space left on device"):
        save_runs(path, [make_run(name=str(i)) for i in range(400)])
    assert path.read_bytes() == before
    assert list(tiny_disk.iterdir()) == [path]


def test_failed_write_removes_its_temporary_file(tmp_path):
    path = tmp_path / "runs.h5"
    bad = make_run()
    bad.config = {"x": object()}  # serialised with default=str: fine
    bad.history = "not a frame"  # type: ignore[assignment]
    with pytest.raises(AttributeError):
        save_runs(path, [bad])
    assert list(tmp_path.iterdir()) == []


READER = """
import sys
from extract import load_runs
counts = set()
for _ in range(int(sys.argv[2])):
    counts.add(len(load_runs(sys.argv[1])))
print(sorted(counts))
"""


def test_readers_see_whole_stores_while_a_writer_replaces_it(tmp_path):
    path = tmp_path / "runs.h5"
    save_runs(path, [make_run(name="a")])
    readers = [
        subprocess.Popen(
            [sys.executable, "-c", READER, str(path), "150"], stdout=subprocess.PIPE, text=True
        )
        for _ in range(2)
    ]
    while any(reader.poll() is None for reader in readers):
        count = random.choice([1, 2, 3])
        save_runs(path, [make_run(rows=2000, name=str(i)) for i in range(count)])
    for reader in readers:
        output, _ = reader.communicate()
        assert reader.returncode == 0
        assert set(eval(output)) <= {1, 2, 3}
