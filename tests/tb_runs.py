"""Real TensorBoard event files: a script tensorboardX's SummaryWriter runs in a child process,
logging as Lightning's TensorBoardLogger does (hparams.yaml beside the event file, the hparams
plugin's session info in it, then scalars per step), and the fixture that hands the log
directory to a test session (written once per script: tests/corpus_cache.py)."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import pytest

from tests.corpus_cache import sdk_corpus
from tests.fixed_clock import CLOCK, START

# on a fixed clock (tests/fixed_clock.py): tensorboardX stamps every event with time.time()
WRITER = (
    CLOCK
    + f"START = {START!r}\n"
    + r"""
import json, sys
from pathlib import Path
import yaml
from tensorboardX import SummaryWriter
from tensorboardX.summary import hparams
from tensorboardX.proto.summary_pb2 import Summary, SummaryMetadata
from tensorboardX.proto.tensor_pb2 import TensorProto
import numpy as np

logdir = Path(sys.argv[1])
logged = {}

def flattened(params, prefix=""):
    # Lightning's _flatten_dict: nested hyperparameters as "outer/inner" in the hparams plugin
    flat = {}
    for key, value in params.items():
        if isinstance(value, dict):
            flat.update(flattened(value, f"{prefix}{key}/"))
        else:
            flat[f"{prefix}{key}"] = str(value) if isinstance(value, list) else value
    return flat

def tf2_scalar(writer, tag, value, step):
    # as TensorFlow 2's tf.summary.scalar writes it: a float32 tensor of the scalars plugin
    # (tensorboardX writes simple_value); tensorboardX's protos are TensorBoard's own
    tensor = TensorProto(dtype=1, tensor_content=np.float32(value).tobytes())
    plugin = SummaryMetadata(plugin_data=SummaryMetadata.PluginData(plugin_name="scalars"))
    summary = Summary(value=[Summary.Value(tag=tag, tensor=tensor, metadata=plugin)])
    writer._get_file_writer().add_summary(summary, step)

def training(folder, params, epochs_run, steps_per_epoch, step_s, notes=None, files=1,
             tensor_scalars=False):
    # Lightning's TensorBoardLogger: log_hyperparams saves hparams.yaml in the version folder
    # and writes the hparams plugin's summaries (default hp_metric -1) into the event file
    folder = logdir / folder
    folder.mkdir(parents=True)
    (folder / "hparams.yaml").write_text(yaml.safe_dump(params))
    writer = SummaryWriter(str(folder))
    writer.add_scalar("hp_metric", -1, 0)  # log_metrics({"hp_metric": -1}, 0), then hparams()
    for summary in hparams(flattened(params), {"hp_metric": -1}):
        writer._get_file_writer().add_summary(summary)
    if notes:
        writer.add_text("notes", notes, 0)
    step, rows, paused = 0, [], 0.0
    for epoch in range(epochs_run):
        if files > 1 and epoch == epochs_run // 2:
            # a second process goes on in the same folder (a resumed job): a second file
            writer.close()
            clock.tick(30.0)  # waiting in the queue: not the run's time
            paused += 30.0
            writer = SummaryWriter(str(folder), filename_suffix=".resumed")
        for _ in range(steps_per_epoch):
            clock.tick(step_s)
            loss = 2.0 * 0.9 ** step
            writer.add_scalar("train_loss", loss, step)
            writer.add_scalar("epoch", epoch, step)
            rows.append({"step": step, "epoch": epoch, "train_loss": loss, "t": clock(),
                         "runtime": clock() - START - paused})
            step += 1
        if tensor_scalars:
            tf2_scalar(writer, "val_acc", 0.5 + 0.1 * epoch, step - 1)
        else:
            writer.add_scalar("val_acc", 0.5 + 0.1 * epoch, step - 1)
    writer.close()
    logged[folder.relative_to(logdir).as_posix()] = rows

for gpus, step_s in ((1, 40.0), (2, 21.0), (4, 11.0)):
    clock.at(0.0)
    training(f"scaling/gpus_{gpus}/version_0",
             {"lr": 0.001, "max_epochs": 3, "accelerator": "gpu", "devices": gpus,
              "num_nodes": 1, "world_size": gpus, "cluster": "LUMI"},
             3, 10, step_s, notes=f"LUMI-G, {gpus} GCDs", files=2 if gpus == 2 else 1)
clock.at(0.0)
training("laptop/version_0",
         {"lr": 0.001, "max_epochs": 3, "accelerator": "cpu", "devices": 1, "cores": 8,
          "machine": "laptop", "optimizer": {"name": "adam", "betas": [0.9, 0.99]}}, 3, 10,
         300.0, tensor_scalars=True)
clock.at(0.0)
# stopped early: planned 3 epochs, logged 1 (Ctrl-C, then the writer closed cleanly)
training("stopped/version_0",
         {"lr": 0.001, "max_epochs": 3, "accelerator": "gpu", "devices": 4, "num_nodes": 1,
          "world_size": 4, "cluster": "LUMI"}, 1, 10, 11.0)
(logdir / "empty").mkdir()
json.dump(logged, open(sys.argv[2], "w"))
"""
)


def write(root: Path) -> None:
    """The runs under ``root/logs``, what was logged in ``root/logged.json``."""
    result = subprocess.run(
        [sys.executable, "-c", WRITER, str(root / "logs"), str(root / "logged.json")],
        capture_output=True,
        text=True,
    )
    assert result.returncode == 0, result.stderr[-2000:]


@pytest.fixture(scope="session")
def tb_logdir(tmp_path_factory) -> tuple[Path, dict]:
    sources = [Path(__file__), Path(__file__).with_name("fixed_clock.py")]
    root = sdk_corpus("tb-runs", sources, write, tmp_path_factory.mktemp("tb_runs"))
    return root / "logs", json.loads((root / "logged.json").read_text())
