import hashlib
import os
import signal
import subprocess
import sys
import time

import h5py
import numpy as np
import pandas as pd
import pytest

from extract import SCHEMA_VERSION, StoreError, load_runs, save_runs
from extract.model import Run


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


def test_loading_only_some_columns(tmp_path):
    path = tmp_path / "runs.h5"
    save_runs(path, [make_run()])
    (run,) = load_runs(path, columns=["loss"])
    assert list(run.history.columns) == ["_runtime", "loss"]


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


WRITER = """
import sys, numpy as np, pandas as pd
from extract import save_runs
from extract.model import Run
history = pd.DataFrame({"_runtime": np.arange(2_000_000.0), "loss": np.random.rand(2_000_000)})
runs = [Run(run_id=str(i), name=str(i), platform="cluster", state="finished", gpus=1, nodes=1,
            epochs=1, time_s=1.0, history=history) for i in range(40)]
print("writing", flush=True)
save_runs(sys.argv[1], runs)
"""


def test_killed_write_leaves_the_previous_store_intact(tmp_path):
    path = tmp_path / "runs.h5"
    save_runs(path, [make_run(name="before")])
    digest = hashlib.sha256(path.read_bytes()).hexdigest()
    writer = subprocess.Popen(
        [sys.executable, "-c", WRITER, str(path)], stdout=subprocess.PIPE, text=True
    )
    assert writer.stdout.readline().strip() == "writing"
    # wait until the new file is being written, then kill without warning
    deadline = time.monotonic() + 60
    while not list(tmp_path.glob(".runs.h5.*.tmp")) and time.monotonic() < deadline:
        time.sleep(0.01)
    time.sleep(0.3)
    assert writer.poll() is None, "the writer finished before it could be interrupted"
    os.kill(writer.pid, signal.SIGKILL)
    writer.wait()
    assert hashlib.sha256(path.read_bytes()).hexdigest() == digest
    assert [r.name for r in load_runs(path)] == ["before"]


def test_failed_write_removes_its_temporary_file(tmp_path):
    path = tmp_path / "runs.h5"
    bad = make_run()
    bad.config = {"x": object()}  # serialised with default=str: fine
    bad.history = "not a frame"  # type: ignore[assignment]
    with pytest.raises(AttributeError):
        save_runs(path, [bad])
    assert list(tmp_path.iterdir()) == []
