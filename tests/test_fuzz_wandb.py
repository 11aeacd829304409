"""Whatever happened to a run file (cut short, bytes flipped, overwritten, inserted, or plain
garbage): a clear InputError, or runs whose history is exactly the start of what was logged."""

from __future__ import annotations

import tempfile
from pathlib import Path

import numpy as np
import pytest
from hypothesis import HealthCheck, event, given, settings
from hypothesis import strategies as st

from extract.errors import InputError
from extract.sources.wandb_files import FILE_HEADER, find_run_files, ingest_offline


@pytest.fixture(scope="module")
def cluster_file(wandb_dir) -> tuple[bytes, np.ndarray]:
    directory, logged = wandb_dir
    path = next(f for f in find_run_files([directory]) if logged["cluster"]["id"] in f.name)
    losses = np.array([row["train_loss"] for row in logged["cluster"]["rows"]])
    return path.read_bytes(), losses


@st.composite
def damaged(draw, data: bytes) -> bytes:
    size = len(data)
    at = draw(st.integers(0, size - 1))
    kind = draw(st.sampled_from(["cut", "flip", "overwrite", "insert", "zero"]))
    event(kind)
    if kind == "cut":
        return data[:at]
    if kind == "flip":
        mask = draw(st.integers(1, 255))
        return data[:at] + bytes([data[at] ^ mask]) + data[at + 1 :]
    if kind == "zero":
        length = draw(st.integers(1, 4096))
        return data[:at] + bytes(min(length, size - at)) + data[at + length :]
    noise = draw(st.binary(min_size=1, max_size=64))
    if kind == "overwrite":
        return data[:at] + noise + data[at + len(noise) :]
    return data[:at] + noise + data[at:]


def check(data: bytes, losses: np.ndarray | None) -> None:
    with tempfile.TemporaryDirectory() as folder:
        path = Path(folder) / "run-fuzz.wandb"
        path.write_bytes(data)
        try:
            result = ingest_offline([path])
        except InputError as error:
            event("clear error")
            assert "\n" not in error.one_line() and str(path) in error.one_line()
            return
    event("read")
    for run in result.runs:
        assert run.time_s >= 0 and run.gpus >= 0
        if losses is not None and "train_loss" in run.history:
            kept = run.history.sort_values("_step")["train_loss"].dropna().to_numpy()
            np.testing.assert_array_equal(kept, losses[: len(kept)])


@settings(
    max_examples=400, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture]
)
@given(data=st.data())
def test_damaged_real_run_file(cluster_file, data):
    original, losses = cluster_file
    check(data.draw(damaged(original)), losses)


@settings(max_examples=150, deadline=None)
@given(body=st.binary(max_size=2048), header=st.sampled_from([b"", FILE_HEADER, FILE_HEADER[:4]]))
def test_garbage_after_a_header(body, header):
    check(header + body, None)
