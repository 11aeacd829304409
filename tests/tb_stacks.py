"""TensorBoard event files as four stacks write them, by tensorboardX's SummaryWriter in a child
process (written once per script: tests/corpus_cache.py), for tests/test_tensorboard_stacks.py.

torch's own SummaryWriter, Keras and TensorFlow are not installed here (each is hundreds of MB);
tensorboardX writes the same records (TensorBoard's protos: its SummaryWriter and torch's share
their code), so each stack's layout is written with it, tag for tag and step for step, as read
in the stack's source:

- Lightning's TensorBoardLogger (``lightning/pytorch/loggers/tensorboard.py``): a
  ``version_N`` folder per run, ``hparams.yaml`` beside the event file, log_hyperparams'
  ``hp_metric`` = -1 at step 0 and the hparams plugin's records, then ``log_metrics`` at the
  steps the trainer passes (every ``log_every_n_steps``, 0-based), with ``epoch``; here a run
  planned in steps (``max_steps``, ``max_epochs: -1``), one stopped short of it, and one
  planned in epochs that logs nothing at an epoch's end.
- Hugging Face's TensorBoardCallback (``transformers/integrations/integration_utils.py``):
  ``add_text("args", args.to_json_string())`` at train begin, then every log through
  ``rewrite_logs`` (``train/loss``, ``train/epoch``, ``eval/accuracy``) at
  ``state.global_step``, in ``output_dir/runs/<date>_<host>``; a run planned in epochs and one
  whose ``max_steps`` overrides them.
- Keras' TensorBoard callback (``keras/src/callbacks/tensorboard.py``): two writers,
  ``log_dir/train`` and ``log_dir/validation``; ``epoch_<metric>`` at the epoch's index as step
  (``val_`` dropped in the validation writer), ``evaluation_<metric>_vs_iterations`` at the
  optimizer's iteration after each validation, the model's JSON at step 0 (plugin
  ``graph_keras_model``); TensorFlow 2 writes scalars as tensors of the scalars plugin.
- torch's SummaryWriter (``torch/utils/tensorboard/writer.py``): ``add_scalar`` per epoch,
  ``add_text``, then ``add_hparams(hparams, metrics)``, which writes the hyperparameters and
  the metrics with a writer of its own in a folder beneath the run's, named by the time; and a
  job resumed in the same folder, a second event file beside the first.
"""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import pytest

from tests.corpus_cache import sdk_corpus
from tests.fixed_clock import CLOCK, START

WRITER = (
    CLOCK
    + f"START = {START!r}\n"
    + r"""
import json, sys
from pathlib import Path
import numpy as np
import yaml
from tensorboardX import SummaryWriter
from tensorboardX.summary import hparams
from tensorboardX.proto.summary_pb2 import Summary, SummaryMetadata
from tensorboardX.proto.tensor_pb2 import TensorProto

logdir = Path(sys.argv[1])
logged = {}

def lightning(folder, params, steps_run, steps_per_epoch, every, step_s):
    folder = logdir / folder
    folder.mkdir(parents=True)
    (folder / "hparams.yaml").write_text(yaml.safe_dump(params))
    writer = SummaryWriter(str(folder))
    writer.add_scalar("hp_metric", -1, 0)
    for summary in hparams(params, {"hp_metric": -1}):
        writer._get_file_writer().add_summary(summary)
    steps = []
    for step in range(steps_run):
        clock.tick(step_s)
        if (step + 1) % every == 0:  # Lightning logs when (step + 1) % log_every_n_steps == 0
            writer.add_scalar("train_loss", 2.0 * 0.97 ** step, step)
            writer.add_scalar("epoch", step // steps_per_epoch, step)
            steps.append(step)
    writer.close()
    logged[folder.relative_to(logdir).as_posix()] = {"steps": steps, "end": clock() - START}

def hugging_face(folder, args, steps_per_epoch, steps_run, step_s):
    folder = logdir / folder
    writer = SummaryWriter(str(folder))
    writer.add_text("args", json.dumps(args, indent=2))
    rows = []
    for step in range(1, steps_run + 1):
        clock.tick(step_s)
        epoch = round(step / steps_per_epoch, 4)
        if step % args["logging_steps"] == 0:
            for key, value in (("train/loss", 3.0 * 0.98 ** step), ("train/grad_norm", 1.5),
                               ("train/learning_rate", 5e-05), ("train/epoch", epoch)):
                writer.add_scalar(key, value, step)
        if step % steps_per_epoch == 0:
            accuracy = 0.6 + 0.1 * step / steps_per_epoch
            for key, value in (("eval/loss", 1.0 / step), ("eval/accuracy", accuracy),
                               ("eval/runtime", 2.5), ("train/epoch", epoch)):
                writer.add_scalar(key, value, step)
            rows.append({"step": step, "accuracy": accuracy})
    writer.add_scalar("train/train_runtime", clock() - START, steps_run)
    writer.add_scalar("train/epoch", round(steps_run / steps_per_epoch, 4), steps_run)
    writer.close()
    logged[folder.relative_to(logdir).as_posix()] = {"eval": rows, "end": clock() - START}

def tf2_scalar(writer, tag, value, step):
    tensor = TensorProto(dtype=1, tensor_content=np.float32(value).tobytes())
    plugin = SummaryMetadata(plugin_data=SummaryMetadata.PluginData(plugin_name="scalars"))
    writer._get_file_writer().add_summary(
        Summary(value=[Summary.Value(tag=tag, tensor=tensor, metadata=plugin)]), step)

def keras(folder, epochs, steps_per_epoch, step_s):
    folder = logdir / folder
    train = SummaryWriter(str(folder / "train"), filename_suffix=".v2")
    validation = SummaryWriter(str(folder / "validation"), filename_suffix=".v2")
    model = TensorProto(dtype=7, string_val=[b'{"class_name": "Sequential"}'])
    graph = SummaryMetadata(plugin_data=SummaryMetadata.PluginData(
        plugin_name="graph_keras_model", content=b"1"))
    train._get_file_writer().add_summary(
        Summary(value=[Summary.Value(tag="keras", tensor=model, metadata=graph)]), 0)
    rows = []
    for epoch in range(epochs):
        clock.tick(steps_per_epoch * step_s)
        iterations = (epoch + 1) * steps_per_epoch
        val_accuracy = 0.5 + 0.1 * epoch
        for name, value in (("loss", 0.9 - 0.1 * epoch), ("accuracy", val_accuracy)):
            tf2_scalar(validation, f"evaluation_{name}_vs_iterations", value, iterations)
        for name, value in (("accuracy", 0.55 + 0.1 * epoch), ("loss", 1.0 - 0.1 * epoch),
                            ("learning_rate", 0.001)):
            tf2_scalar(train, "epoch_" + name, value, epoch)
        for name, value in (("accuracy", val_accuracy), ("loss", 0.9 - 0.1 * epoch)):
            tf2_scalar(validation, "epoch_" + name, value, epoch)
        rows.append({"epoch": epoch, "val_accuracy": val_accuracy, "t": clock() - START})
    train.close()
    validation.close()
    logged[folder.relative_to(logdir).as_posix()] = {"epochs": rows}

def torch_script(folder, lr, epochs, step_s, resumed_at=None):
    folder = logdir / folder
    writer = SummaryWriter(str(folder))
    writer.add_text("notes", f"lr {lr}", 0)
    for epoch in range(epochs):
        if resumed_at is not None and epoch == resumed_at:
            writer.close()  # requeued: a second job goes on, a second event file
            clock.tick(60.0)
            writer = SummaryWriter(str(folder), filename_suffix=".resumed")
        clock.tick(step_s)
        writer.add_scalar("Loss/train", 1.0 / (epoch + 1), epoch)
        writer.add_scalar("Accuracy/test", 0.7 + 0.05 * epoch, epoch)
    writer.add_hparams({"lr": lr, "bsize": 64, "epochs": epochs},
                       {"hparam/accuracy": 0.7 + 0.05 * (epochs - 1), "hparam/loss": 0.25})
    writer.close()
    logged[folder.relative_to(logdir).as_posix()] = {"end": clock() - START}

clock.at(0.0)
lightning("lightning/steps/version_0",
          {"lr": 0.01, "max_steps": 40, "max_epochs": -1, "accelerator": "gpu", "devices": 2,
           "num_nodes": 1}, 40, 20, 5, 2.0)
clock.at(0.0)
lightning("lightning/steps/version_1",
          {"lr": 0.01, "max_steps": 40, "max_epochs": -1, "accelerator": "gpu", "devices": 2,
           "num_nodes": 1}, 25, 20, 5, 2.0)
clock.at(0.0)
# planned in epochs, logging every 5 steps of 32-step epochs and nothing at an epoch's end (no
# validation, no on_epoch metric): the last step logged in an epoch is not its last step
lightning("lightning/epochs/version_0", {"lr": 0.01, "max_epochs": 4}, 128, 32, 5, 0.5)
args = {"output_dir": "out", "num_train_epochs": 3.0, "max_steps": -1, "logging_steps": 10,
        "per_device_train_batch_size": 16, "learning_rate": 5e-05}
clock.at(0.0)
hugging_face("hf/runs/Dec06_10-00-00_node1", args, 50, 150, 1.0)
clock.at(0.0)
hugging_face("hf/runs/Dec06_11-00-00_node1", {**args, "max_steps": 120}, 50, 120, 1.0)
clock.at(0.0)
keras("keras/fit", 3, 100, 0.5)
clock.at(0.0)
torch_script("torch/lr_0.01", 0.01, 4, 30.0)
clock.at(0.0)
torch_script("torch/lr_0.1", 0.1, 4, 30.0, resumed_at=2)
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
def tb_stacks(tmp_path_factory) -> tuple[Path, dict]:
    sources = [Path(__file__), Path(__file__).with_name("fixed_clock.py")]
    root = sdk_corpus("tb-stacks", sources, write, tmp_path_factory.mktemp("tb_stacks"))
    return root / "logs", json.loads((root / "logged.json").read_text())
