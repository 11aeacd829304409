"""`python -m extract tensorboard`: event files tensorboardX's SummaryWriter wrote in a child
process (tests/tb_runs.py), read into the run store with the same evidence rules as W&B runs."""

from __future__ import annotations

import json
import shutil
from pathlib import Path

import pytest

from extract import load_runs
from extract.sources.tensorboard import masked_crc32c, run_id_of
from tests.cli_run import run_cli


@pytest.fixture(scope="module")
def tb_store(tb_logdir, tmp_path_factory) -> Path:
    logdir, _ = tb_logdir
    store = tmp_path_factory.mktemp("tb_store") / "runs.h5"
    ran = run_cli("tensorboard", logdir, "-o", store)
    assert ran.returncode == 0, ran.stderr
    assert "wrote 5 runs (5 with histories)" in ran.stdout
    return store


def by_name(store: Path) -> dict:
    return {run.name: run for run in load_runs(store)}


def test_masked_crc32c_is_tfrecords():
    # TensorFlow's crc32c_test: CRC-32C of 32 zero bytes is 0x8a9136aa; masked as TFRecord does
    crc = 0x8A9136AA
    assert masked_crc32c(bytes(32)) == (((crc >> 15) | (crc << 17)) + 0xA282EAD8) & 0xFFFFFFFF


def test_every_run_folder_is_a_run_named_by_its_path(tb_store):
    runs = by_name(tb_store)
    # the empty folder is no run; the resumed run's two event files are one
    assert sorted(runs) == [
        "laptop/version_0",
        "scaling/gpus_1/version_0",
        "scaling/gpus_2/version_0",
        "scaling/gpus_4/version_0",
        "stopped/version_0",
    ]
    assert runs["scaling/gpus_1/version_0"].run_id == run_id_of("scaling/gpus_1/version_0")
    assert all(run.source.startswith("tensorboard:") for run in runs.values())


def test_history_is_every_logged_scalar_with_its_wall_time(tb_logdir, tb_store):
    _, logged = tb_logdir
    for name, run in by_name(tb_store).items():
        rows = logged[name]
        history = run.history
        assert history["_step"].tolist() == [row["step"] for row in rows]
        assert history["train_loss"].tolist() == pytest.approx(
            [row["train_loss"] for row in rows], rel=1e-6
        )
        assert history["epoch"].tolist() == [row["epoch"] for row in rows]
        # the writer's first event is at the clock's start (clock.at(0) before each training)
        assert history["_timestamp"].tolist() == pytest.approx([row["t"] for row in rows])
        assert history["_runtime"].tolist() == pytest.approx([row["runtime"] for row in rows])
        assert run.measured_s == pytest.approx(rows[-1]["runtime"])
    # the resumed run: 30 steps of 21 s in two processes; the 30 s between them are not its time
    resumed = by_name(tb_store)["scaling/gpus_2/version_0"]
    assert resumed.measured_s == 630.0
    runs = by_name(tb_store)
    # float32 as logged: 0.5 + 0.1 * 2 is shown as 0.7, not 0.699999988; the laptop's written
    # as TensorFlow 2 writes scalars (a tensor of the scalars plugin), the others' as
    # simple_value
    for name in ("scaling/gpus_4/version_0", "laptop/version_0"):
        assert runs[name].history["val_acc"].dropna().tolist() == [0.5, 0.6, 0.7]
        assert runs[name].summary["val_acc"] == 0.7


def test_a_run_folder_given_as_the_log_dir_is_named_by_its_folder(tb_logdir, tmp_path):
    logdir, _ = tb_logdir
    store = tmp_path / "runs.h5"
    ran = run_cli("tensorboard", logdir / "laptop" / "version_0", "-o", store)
    assert ran.returncode == 0, ran.stderr
    (run,) = load_runs(store)
    assert run.name == "version_0"
    # nested hyperparameters (hparams.yaml nested, the hparams plugin's "optimizer/name" as
    # Lightning flattens them) dotted, as W&B's nested config keys are: one key each
    assert run.config["optimizer.name"] == "adam"
    assert not [key for key in run.config if "/" in key]


def test_scaling_study_facts_from_hparams(tb_store):
    runs = by_name(tb_store)
    for gpus in (1, 2, 4):
        run = runs[f"scaling/gpus_{gpus}/version_0"]
        assert (run.platform, run.gpus, run.nodes, run.epochs, run.epochs_done) == (
            "cluster",
            gpus,
            1,
            3,
            3,
        )
        assert run.state == "finished"
        assert run.config["world_size"] == gpus
        assert run.summary["notes"] == f"LUMI-G, {gpus} GCDs"
        said = run.evidence["state"]
        assert said.source == "TensorBoard records no state"
        assert "3 of 3 planned epochs (config: max_epochs = 3)" in said.value
    laptop = runs["laptop/version_0"]
    assert (laptop.platform, laptop.cores, laptop.state) == ("laptop", 8, "finished")
    # the hparams.yaml beside the event file and the hparams plugin agree; "host" is the
    # writer's machine as the event file's name says it
    assert laptop.metadata["host"]


def test_run_stopped_early_is_said_unknown(tb_store):
    run = by_name(tb_store)["stopped/version_0"]
    assert run.state == "unknown"
    assert run.epochs == 3 and run.epochs_done == 0
    assert "stops at 0 of 3 planned epochs" in run.summary["_ended"]
    assert "TensorBoard records no state" in run.summary["_ended"]


def test_study_file_gives_the_plan(tb_logdir, tmp_path):
    # the state is the history against the plan, and the study file's plan wins
    logdir, _ = tb_logdir
    one = tmp_path / "logs"
    shutil.copytree(logdir / "scaling" / "gpus_1", one / "gpus_1")
    params = one / "gpus_1" / "version_0" / "hparams.yaml"
    params.unlink()  # the hyperparameters from the event file's hparams plugin alone
    study = tmp_path / "study.toml"
    study.write_text('[runs."gpus_1/version_0"]\nepochs = 5\n')
    store = tmp_path / "runs.h5"
    ran = run_cli("tensorboard", one, "-o", store, "--study", study)
    assert ran.returncode == 0, ran.stderr
    (run,) = load_runs(store)
    assert run.state == "unknown"
    assert "stops at 3 of 5 planned epochs (study file" in run.summary["_ended"]
    assert run.config["max_epochs"] == 3


def test_truncated_event_file_keeps_the_run_up_to_the_damage(tb_logdir, tmp_path):
    logdir, logged = tb_logdir
    copy = tmp_path / "logs"
    shutil.copytree(logdir / "scaling" / "gpus_4", copy / "gpus_4")
    (event,) = (copy / "gpus_4" / "version_0").glob("events.out.tfevents.*")
    data = event.read_bytes()
    event.write_bytes(data[:-7])  # a writer killed inside its last record
    store = tmp_path / "runs.h5"
    ran = run_cli("tensorboard", copy, "-o", store)
    assert ran.returncode == 0, ran.stderr
    assert f"{event}: the last record" in ran.stderr and "kept every record before it" in ran.stderr
    (run,) = load_runs(store)
    assert run.state == "crashed"
    assert run.damage and event.name in run.damage
    rows = logged["scaling/gpus_4/version_0"]
    # the last record held the last scalar: val_acc at the last step; every train_loss is kept
    assert run.history["train_loss"].notna().sum() == len(rows)
    explained = run_cli("runs", store, "--explain", run.name)
    assert "TensorBoard records no state: event file = its last record is cut short" in (
        explained.stdout
    )


def test_a_damaged_record_keeps_the_records_before_it(tb_logdir, tmp_path):
    # a byte flipped in the middle (a disk or copy error): the record's checksum says so
    logdir, logged = tb_logdir
    copy = tmp_path / "logs"
    shutil.copytree(logdir / "scaling" / "gpus_1", copy / "gpus_1")
    (event,) = (copy / "gpus_1" / "version_0").glob("events.out.tfevents.*")
    data = bytearray(event.read_bytes())
    data[len(data) // 2] ^= 0xFF
    event.write_bytes(bytes(data))
    store = tmp_path / "runs.h5"
    ran = run_cli("tensorboard", copy, "-o", store)
    assert ran.returncode == 0, ran.stderr
    assert "checksum mismatch" in ran.stderr or "corrupt record header" in ran.stderr
    (run,) = load_runs(store)
    rows = logged["scaling/gpus_1/version_0"]
    assert 0 < len(run.history) < len(rows)
    assert run.history["train_loss"].tolist() == pytest.approx(
        [row["train_loss"] for row in rows[: len(run.history)]], rel=1e-6
    )
    assert run.damage and "every record before it is kept" in run.damage
    # short of its plan, and no cut-short record says the writer was stopped: state unknown
    assert run.state == "unknown"
    assert run.summary["_ended"].startswith("TensorBoard records no state: stops at")
    unknown = run_cli("runs", store, "--unknown")
    assert unknown.returncode == 0, unknown.stderr


def test_empty_event_file_is_a_missing_run(tb_logdir, tmp_path):
    logdir, _ = tb_logdir
    copy = tmp_path / "logs"
    shutil.copytree(logdir / "scaling" / "gpus_1", copy / "gpus_1")
    killed = copy / "killed" / "events.out.tfevents.1754560800.nid005123"
    killed.parent.mkdir()
    killed.touch()
    store = tmp_path / "runs.h5"
    ran = run_cli("tensorboard", copy, "-o", store)
    assert ran.returncode == 0, ran.stderr
    runs = by_name(store)
    assert runs["killed"].state == "crashed"
    assert runs["killed"].metadata["host"] == "nid005123"
    assert runs["gpus_1/version_0"].state == "finished"


@pytest.mark.parametrize(
    ("make", "said"),
    [
        (lambda root: (root / "missing", root / "missing"), "no such directory"),
        (lambda root: (root, root), "no TensorBoard event files"),
        (
            lambda root: (root, _write(root / "events.out.tfevents.1.host", b"not events\n")),
            "no readable event",
        ),
    ],
)
def test_bad_input_is_one_line_naming_the_file(tmp_path, make, said):
    given, named = make(tmp_path)
    ran = run_cli("tensorboard", given, "-o", tmp_path / "runs.h5")
    assert ran.returncode == 2
    (line,) = ran.stderr.strip().splitlines()
    assert line.startswith(f"error: {named}: ") and said in line


def _write(path: Path, data: bytes) -> Path:
    path.write_bytes(data)
    return path


def test_merge_with_other_sources_keeps_both(tb_store, tmp_path, tb_logdir):
    logdir, _ = tb_logdir
    store = tmp_path / "runs.h5"
    shutil.copy(tb_store, store)
    ran = run_cli("tensorboard", logdir / "laptop", "-o", store, "--merge")
    assert ran.returncode == 0, ran.stderr
    names = sorted(by_name(store))
    assert len(names) == 6 and "version_0" in names
    report = run_cli("report", store, "--json")
    assert report.returncode == 0, report.stderr
    assert json.loads(report.stdout)


def test_a_study_file_written_after_extraction_decides_the_state_again(tb_store, tmp_path):
    # TensorBoard records no state: it is the history against the plan, whichever plan is
    # read, so a study file stating another plan after extraction decides it again
    study = tmp_path / "study.toml"
    study.write_text('[runs."scaling/gpus_1/version_0"]\nepochs = 5\n')
    ran = run_cli("runs", tb_store, "--study", study, "--explain", "scaling/gpus_1/version_0")
    assert ran.returncode == 0, ran.stderr
    assert (
        "state unknown (TensorBoard records no state: history = stops at 3 of 5 planned epochs"
        " (study file" in ran.stdout
    )
    # without it, the plan logged: finished
    ran = run_cli("runs", tb_store, "--explain", "scaling/gpus_1/version_0")
    assert "state finished (TensorBoard records no state: history = finished: 3 of 3" in (
        ran.stdout
    )


def test_lightnings_placeholder_hp_metric_is_no_metric(tb_store):
    # TensorBoardLogger logs hp_metric = -1 at step 0 with the hyperparameters: no measurement,
    # so no key a scene could draw, and no accuracy
    for run in by_name(tb_store).values():
        assert "hp_metric" not in run.history
        assert "hp_metric" not in run.summary
        assert "hp_metric" not in run.stored_keys
