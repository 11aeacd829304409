"""`python -m extract mlflow`: runs the real mlflow client logged in child processes
(tests/mlflow_runs.py) to a folder store, a SQLite store and a real tracking server, read into
the run store with the same evidence rules as W&B runs."""

from __future__ import annotations

import json
import shutil
import sqlite3
from pathlib import Path

import pytest

from extract import load_runs
from extract.sources.mlflow import param_value, system_name
from tests.cli_run import run_cli
from tests.mlflow_runs import free_port

SCALING = ("1 GPU", "2 GPU", "4 GPU")
OTHER_EXPERIMENTS = ("laptop", "hf max_steps", "no step", "autolog crash")
EVERY_RUN = sorted(
    (*SCALING, "no GPU count", "out of memory", "cancelled", "queued", *OTHER_EXPERIMENTS)
)


def extracted(store_uri: str | Path, tmp_path: Path, *more: str) -> dict:
    store = tmp_path / "runs.h5"
    ran = run_cli("mlflow", store_uri, "-o", store, *more)
    assert ran.returncode == 0, ran.stderr
    return {run.name: run for run in load_runs(store)}


@pytest.fixture(scope="module")
def folder_runs(mlflow_folder, tmp_path_factory) -> dict:
    mlruns, _ = mlflow_folder
    return extracted(mlruns, tmp_path_factory.mktemp("mlflow_store"))


def test_every_run_of_every_experiment(folder_runs, mlflow_folder):
    _, logged = mlflow_folder
    assert sorted(folder_runs) == EVERY_RUN
    for name, run in folder_runs.items():
        assert run.run_id == logged[name]["id"]
        assert run.source.startswith("mlflow:")
    assert folder_runs["laptop"].metadata["experiment"] == "laptop"
    assert folder_runs["1 GPU"].metadata["experiment"] == "scaling"


def test_history_is_every_metric_at_its_step_and_time(folder_runs, mlflow_folder):
    _, logged = mlflow_folder
    for name, run in folder_runs.items():
        rows = logged[name]["rows"]
        history = run.history
        if name == "queued":  # never started: no metric
            assert not len(history)
            continue
        assert history["_step"].tolist() == [row["step"] for row in rows]
        if name != "hf max_steps":
            train_loss = [row["train_loss"] for row in rows]
            assert history["train_loss"].tolist() == pytest.approx(train_loss)
        # mlflow.pytorch.autolog() logs no epoch: its steps are the epochs (extract/sources)
        epoch = "train/epoch" if name == "autolog crash" else "epoch"
        assert history[epoch].tolist() == [row["epoch"] for row in rows]
        # each value's timestamp less the run's start time, on the writer's clock
        assert history["_runtime"].tolist() == pytest.approx([row["runtime"] for row in rows])
        assert not [key for key in history if str(key).startswith("system/")]
    # a run ended by end_run: its time is end_time - start_time
    assert folder_runs["2 GPU"].measured_s == logged["2 GPU"]["end"] == 630.0
    assert folder_runs["2 GPU"].evidence["time"].describe() == (
        "MLflow: end_time - start_time = 630 s"
    )
    assert folder_runs["4 GPU"].history["val_acc"].dropna().tolist() == [0.5, 0.6, 0.7]
    assert folder_runs["4 GPU"].summary["val_acc"] == 0.7


def test_params_are_the_config_as_the_script_gave_them(folder_runs):
    run = folder_runs["4 GPU"]
    # MLflow stores every param as text; Lightning's "/"-flattened keys dotted
    assert run.config["gpus_per_node"] == 4 and run.config["lr"] == 0.001
    assert run.config["use_amp"] is True and run.config["scheduler"] is None
    assert run.config["optimizer.name"] == "adam"
    assert run.metadata["slurm.job_id"] == 1004 and run.metadata["slurm.nnodes"] == 1
    assert run.metadata["host"] == "nid005123"
    assert run.metadata["user"] and run.metadata["program"]


def test_scaling_study_facts(folder_runs):
    for gpus, name in zip((1, 2, 4), SCALING, strict=True):
        run = folder_runs[name]
        assert (run.platform, run.gpus, run.nodes, run.epochs, run.epochs_done) == (
            "cluster",
            gpus,
            1,
            3,
            3,
        )
        assert run.state == "finished" and run.kind == "training"
        assert run.evidence["state"].describe() == "MLflow: status = FINISHED"
    laptop = folder_runs["laptop"]
    assert (laptop.platform, laptop.cores) == ("laptop", 8)


def test_metrics_logged_with_no_step_are_a_row_per_time(mlflow_folder, tmp_path):
    # every value at MLflow's step 0: the history test above reads their rows in time order
    mlruns, _ = mlflow_folder
    ran = run_cli("mlflow", mlruns, "-o", tmp_path / "runs.h5", "--experiment", "no step")
    assert ran.returncode == 0, ran.stderr
    assert "no step: its metrics were logged with no step (all at step 0)" in ran.stderr
    (run,) = load_runs(tmp_path / "runs.h5")
    assert run.epochs_done == 2 and run.state == "finished"


def test_hugging_face_plan_in_max_steps(folder_runs):
    # the Trainer's epoch (fractions) at its global step give its steps per epoch, as its W&B
    # callback's train/epoch and train/global_step do: 25 steps of 10 an epoch
    run = folder_runs["hf max_steps"]
    assert (run.summary["train/epoch"], run.summary["train/global_step"]) == (2.5, 25)
    assert (run.epochs, run.epochs_done, run.gpus, run.state) == (2.5, 2.5, 4, "finished")
    assert "max_steps" in run.evidence["epochs"].describe()
    # do_train False among its TrainingArguments, as the Trainer logs them unless a script
    # sets it: its logged steps say it trained
    assert run.kind == "training"


def test_pytorch_autolog_epochs_are_its_steps(folder_runs):
    # mlflow.pytorch.autolog() logs each epoch's metrics at its end, at step = its index, and
    # no epoch key: a run that crashed in its 3rd of 5 epochs did 2
    run = folder_runs["autolog crash"]
    assert (run.state, run.epochs, run.epochs_done, run.kind) == ("failed", 5, 2, "partial")
    assert list(run.history["train/epoch"]) == [1.0, 2.0]


def test_status_is_the_state_said_as_mlflow_records_it(folder_runs, tmp_path, mlflow_folder):
    assert folder_runs["out of memory"].state == "failed"
    assert folder_runs["cancelled"].state == "killed"
    # ended by no end_run (its process gone without atexit): RUNNING, no end time
    laptop = folder_runs["laptop"]
    assert laptop.state == "running"
    assert "its process was killed" in laptop.evidence["state"].value
    assert laptop.measured_s == 3000.0  # its last logged value's time
    queued = folder_runs["queued"]
    assert queued.state == "unknown"
    assert queued.evidence["state"].describe() == "MLflow: status = SCHEDULED: not started yet"
    mlruns, _ = mlflow_folder
    store = tmp_path / "runs.h5"
    assert run_cli("mlflow", mlruns, "-o", store).returncode == 0
    explained = run_cli("runs", store, "--explain", "out of memory")
    assert "state failed (MLflow: status = FAILED)" in explained.stdout


def test_no_gpu_param_is_unknown(folder_runs, tmp_path, mlflow_folder):
    run = folder_runs["no GPU count"]
    assert run.gpus is None and run.platform == "cluster"
    mlruns, _ = mlflow_folder
    store = tmp_path / "runs.h5"
    ran = run_cli("mlflow", mlruns, "-o", store)
    assert "no GPU count" in ran.stderr and "no evidence of its gpus" in ran.stderr
    unknown = run_cli("runs", store, "--unknown")
    assert unknown.returncode == 0, unknown.stderr
    assert "no GPU count" in unknown.stdout and "gpus = N" in unknown.stdout


def test_system_metrics_kept_and_power_gives_energy(folder_runs, tmp_path, mlflow_folder):
    run = folder_runs["2 GPU"]
    # the monitor's GPU power as wandb names it, the rest under MLflow's names
    assert {"gpu.0.powerWatts", "gpu.1.powerWatts", "gpu_0_utilization_percentage"} <= set(
        run.system.columns
    )
    assert run.system["gpu.0.powerWatts"].tolist() == [300.0] * 30
    assert run.system["_runtime"].tolist() == pytest.approx([21.0 * (i + 1) for i in range(30)])
    # the real monitor on this machine: CPU and memory
    assert "cpu_utilization_percentage" in folder_runs["laptop"].system
    mlruns, _ = mlflow_folder
    store = tmp_path / "runs.h5"
    assert run_cli("mlflow", mlruns, "-o", store).returncode == 0
    report = json.loads(run_cli("report", store, "--json").stdout)
    energy = {row["name"]: row["evidence"]["energy"] for row in report["runs"]}
    assert "GPU power of 2 devices" in energy["2 GPU"]
    assert energy["no GPU count"].startswith("unknown")


def test_system_names():
    assert system_name("system/gpu_3_power_usage_watts") == "gpu.3.powerWatts"
    assert system_name("system/node_1/gpu_0_power_usage_watts") == "gpu.0.powerWatts/l:node_1"
    assert system_name("system/cpu_utilization_percentage") == "cpu_utilization_percentage"


def test_param_values():
    assert [param_value(t) for t in ("3", "0.001", "True", "None", "[1, 2]", "adam")] == [
        3,
        0.001,
        True,
        None,
        "[1, 2]",
        "adam",
    ]


def _facts(runs: dict) -> dict:
    return {
        name: (r.state, r.platform, r.gpus, r.nodes, r.epochs, r.epochs_done, r.time_s)
        for name, r in runs.items()
    }


def test_sqlite_store_reads_the_same(mlflow_sqlite, folder_runs, tmp_path):
    uri, logged = mlflow_sqlite
    runs = extracted(uri, tmp_path)
    assert _facts(runs) == _facts(folder_runs)
    assert runs["1 GPU"].run_id == logged["1 GPU"]["id"]
    # the database's file given as a path: MLflow 3's mlflow.db
    path = uri.removeprefix("sqlite:///")
    assert _facts(extracted(path, tmp_path / "again")) == _facts(folder_runs)


def test_tracking_server_reads_the_same(mlflow_server, folder_runs, tmp_path):
    uri, logged = mlflow_server
    runs = extracted(uri, tmp_path, "--experiment", "scaling")
    assert sorted(runs) == sorted(n for n in EVERY_RUN if n not in OTHER_EXPERIMENTS)
    assert _facts(runs) == {n: f for n, f in _facts(folder_runs).items() if n in runs}
    assert runs["4 GPU"].history["train_loss"].tolist() == pytest.approx(
        [row["train_loss"] for row in logged["4 GPU"]["rows"]]
    )


def test_experiment_option_reads_only_it(mlflow_folder, tmp_path):
    mlruns, _ = mlflow_folder
    assert sorted(extracted(mlruns, tmp_path, "--experiment", "laptop")) == ["laptop"]


def test_merge_keeps_the_other_runs(mlflow_folder, tmp_path):
    mlruns, _ = mlflow_folder
    store = tmp_path / "runs.h5"
    assert run_cli("mlflow", mlruns, "-o", store, "--experiment", "laptop").returncode == 0
    ran = run_cli("mlflow", mlruns, "-o", store, "--experiment", "scaling", "--merge")
    assert ran.returncode == 0, ran.stderr
    assert sorted(run.name for run in load_runs(store)) == [
        name for name in EVERY_RUN if name not in ("hf max_steps", "no step", "autolog crash")
    ]


def test_runs_of_two_mlflow_stores_are_kept_apart_though_named_alike(
    mlflow_folder, mlflow_sqlite, tmp_path
):
    # the same script logged to a folder store and to a SQLite store: two trainings, each with
    # its own MLflow run id; a name is no reason to take one for the other
    mlruns, from_folder = mlflow_folder
    uri, from_sqlite = mlflow_sqlite
    store = tmp_path / "runs.h5"
    assert run_cli("mlflow", mlruns, "-o", store, "--experiment", "scaling").returncode == 0
    ran = run_cli("mlflow", uri, "-o", store, "--experiment", "scaling", "--merge")
    assert ran.returncode == 0, ran.stderr
    ids = sorted(run.run_id for run in load_runs(store))
    scaling = [n for n in EVERY_RUN if n not in OTHER_EXPERIMENTS]
    assert ids == sorted(
        [from_folder[n]["id"] for n in scaling] + [from_sqlite[n]["id"] for n in scaling]
    )
    assert "joined by name" not in ran.stdout


def _not_mlflow_db(root: Path) -> tuple[str, Path]:
    path = root / "other.db"
    with sqlite3.connect(path) as db:
        db.execute("CREATE TABLE notes (text TEXT)")
    return f"sqlite:///{path}", path


@pytest.mark.parametrize(
    ("make", "said"),
    [
        (lambda root: (str(root / "missing"), root / "missing"), "no such directory"),
        (lambda root: (str(root), root), "no MLflow experiment"),
        (lambda root: (f"sqlite:///{root / 'none.db'}", root / "none.db"), "no such database"),
        (_not_mlflow_db, "not an MLflow database"),
        (lambda root: ("s3://bucket/mlruns", "s3://bucket/mlruns"), "not a store"),
    ],
)
def test_bad_input_is_one_line_naming_it(tmp_path, make, said):
    given, named = make(tmp_path)
    before = {p: p.read_bytes() for p in tmp_path.rglob("*") if p.is_file()}
    ran = run_cli("mlflow", given, "-o", tmp_path / "runs.h5")
    assert ran.returncode == 2
    (line,) = ran.stderr.strip().splitlines()
    assert line.startswith(f"error: {named}: ") and said in line
    # nothing written: no store, no MLflow tables or folders created in what was named
    assert {p: p.read_bytes() for p in tmp_path.rglob("*") if p.is_file()} == before


def test_missing_experiment_leaves_the_store_untouched(mlflow_folder, tmp_path):
    mlruns, _ = mlflow_folder
    store = tmp_path / "runs.h5"
    assert run_cli("mlflow", mlruns, "-o", store, "--experiment", "laptop").returncode == 0
    before = store.read_bytes()
    ran = run_cli("mlflow", mlruns, "-o", store, "--experiment", "nope")
    assert ran.returncode == 2
    (line,) = ran.stderr.strip().splitlines()
    assert line.startswith(f"error: {mlruns}: no experiment named 'nope'")
    assert "laptop" in line and "scaling" in line
    assert store.read_bytes() == before


def test_server_that_does_not_answer_is_one_line(tmp_path):
    uri = f"http://127.0.0.1:{free_port()}"  # nothing listens there
    ran = run_cli("mlflow", uri, "-o", tmp_path / "runs.h5")
    assert ran.returncode == 2
    (line,) = ran.stderr.strip().splitlines()
    assert line.startswith(f"error: {uri}: MLflow: cannot reach the tracking server")
    assert not (tmp_path / "runs.h5").exists()


def test_folder_store_given_its_parent_is_told_where_it_is(mlflow_folder, tmp_path):
    mlruns, _ = mlflow_folder
    shutil.copytree(mlruns, tmp_path / "project" / "mlruns")
    ran = run_cli("mlflow", tmp_path / "project", "-o", tmp_path / "runs.h5")
    assert ran.returncode == 2
    assert f"its mlruns/ folder is {tmp_path / 'project' / 'mlruns'}" in ran.stderr


# not "cores": wandb records the machine it ran on (its CPUs, a cluster run's here the test
# machine's), MLflow does not
NUMBERS = (
    "state",
    "platform",
    "gpus",
    "nodes",
    "epochs",
    "epochs_done",
    "time_s",
    "time_per_epoch_s",
    "extrapolated",
    "speedup",
    "efficiency",
    "best_accuracy",
    "accuracy_key",
    "time_to_target_s",
)


def test_wandb_and_mlflow_of_one_training_give_the_same_numbers(both_trackers, tmp_path):
    root, logged = both_trackers
    wandb_store, mlflow_store = tmp_path / "wandb.h5", tmp_path / "mlflow.h5"
    for ran in (
        run_cli("offline", root / "wandb", "-o", wandb_store),
        run_cli("mlflow", root / "mlruns", "-o", mlflow_store),
    ):
        assert ran.returncode == 0, ran.stderr
    reports = {}
    for tracker, store in (("wandb", wandb_store), ("mlflow", mlflow_store)):
        report = run_cli("report", store, "--json")
        assert report.returncode == 0, report.stderr
        reports[tracker] = json.loads(report.stdout)
    rows = {
        tracker: {row["name"]: {key: row[key] for key in NUMBERS} for row in report["runs"]}
        for tracker, report in reports.items()
    }
    assert sorted(rows["mlflow"]) == sorted(logged)
    assert rows["mlflow"] == rows["wandb"]
    # what the numbers are: 30 steps of 6 s on 8 GPUs against 30 of 40 s on one
    eight = rows["mlflow"]["8 GPU 1 Node Run"]
    assert (eight["time_s"], eight["epochs_done"], eight["gpus"]) == (180.0, 3.0, 8)
    assert eight["speedup"] == pytest.approx(1200 / 180)
    assert eight["efficiency"] == pytest.approx(1200 / 180 / 8)
    assert eight["best_accuracy"] == pytest.approx(90.8)
    laptop = rows["mlflow"]["Laptop"]
    # one epoch of three measured (3000 s): the full job estimated from its pace, the same way
    assert laptop["extrapolated"] and laptop["time_s"] > 2 * 3000.0
    headline = ("fastest_cluster_s", "laptop_low_s", "laptop_high_s", "max_speedup")
    assert {k: reports["mlflow"][k] for k in headline} == {k: reports["wandb"][k] for k in headline}


def test_a_study_file_read_later_keeps_what_mlflow_said_of_the_state(mlflow_folder, tmp_path):
    # the store's runs decided again with a study file that came after (runs.reapply)
    mlruns, _ = mlflow_folder
    store = tmp_path / "runs.h5"
    assert run_cli("mlflow", mlruns, "-o", store, "--experiment", "scaling").returncode == 0
    study = tmp_path / "study.toml"
    study.write_text('[runs."no GPU count"]\ngpus = 4\n')
    explained = run_cli("runs", store, "--explain", "no GPU count", "--study", study)
    assert explained.returncode == 0, explained.stderr
    assert "gpus: 4  (decided by study file" in explained.stdout
    assert "state finished (MLflow: status = FINISHED)" in explained.stdout


def _older_mlflow_database(uri: str, root: Path) -> Path:
    """A copy of the SQLite store as an MLflow two schema revisions older left it: MLflow's
    own migrations, downgraded (the last one drops a table and columns)."""
    import sqlalchemy
    from alembic import command
    from mlflow.store.db.utils import _get_alembic_config

    path = root / "older.db"
    shutil.copyfile(uri.removeprefix("sqlite:///"), path)
    engine = sqlalchemy.create_engine(f"sqlite:///{path}")
    tables = set(sqlalchemy.inspect(engine).get_table_names())
    config = _get_alembic_config(f"sqlite:///{path}")
    with engine.begin() as connection:
        config.attributes["connection"] = connection
        command.downgrade(config, "-2")
    engine.dispose()
    with sqlite3.connect(path) as db:
        kept = {row[0] for row in db.execute("SELECT name FROM sqlite_master WHERE type='table'")}
    assert kept < tables
    return path


def test_an_older_mlflow_database_is_read_and_left_as_it_was(mlflow_sqlite, tmp_path):
    # MLflow's client upgrades an older database in place as it opens it: a copy is read
    uri, _ = mlflow_sqlite
    older = _older_mlflow_database(uri, tmp_path)
    before = older.read_bytes()
    runs = extracted(f"sqlite:///{older}", tmp_path)
    assert sorted(runs) == EVERY_RUN
    assert older.read_bytes() == before
    assert sorted(p.name for p in tmp_path.iterdir()) == ["older.db", "runs.h5"]


def test_a_folder_store_mlflow_cannot_open_is_one_line(mlflow_folder, tmp_path):
    # MLflow's client makes a .trash folder in a folder store that has none: where it cannot
    # (a colleague's store, read-only; here a link to nowhere in its place), one line says why
    mlruns, _ = mlflow_folder
    copy = tmp_path / "mlruns"
    shutil.copytree(mlruns, copy)
    shutil.rmtree(copy / ".trash")
    (copy / ".trash").symlink_to(tmp_path / "nowhere")
    ran = run_cli("mlflow", copy, "-o", tmp_path / "runs.h5")
    assert ran.returncode == 2, ran.stderr
    (line,) = ran.stderr.strip().splitlines()
    assert line.startswith(f"error: {copy}: MLflow cannot read it (File exists: ")
    assert not (tmp_path / "runs.h5").exists()


def test_wandb_and_mlflow_runs_of_one_training_merge_into_one_run_each(both_trackers, tmp_path):
    root, logged = both_trackers
    store = tmp_path / "runs.h5"
    assert run_cli("offline", root / "wandb", "-o", store).returncode == 0
    ran = run_cli("mlflow", root / "mlruns", "-o", store, "--merge")
    assert ran.returncode == 0, ran.stderr
    runs = {run.name: run for run in load_runs(store)}
    assert sorted(runs) == sorted(logged)
    for name, run in runs.items():
        assert run.source.startswith("offline:") and "+mlflow:scaling/" in run.source
        assert run.state == "finished" and run.epochs == 3
        assert run.run_id == logged[name]["mlflow"]  # the newer source's id
    # each run matched by name alone is told, a line each (five runs), with both ids
    told = sorted(line for line in ran.stdout.splitlines() if "joined by name" in line)
    assert [line.split(":", 1)[0] for line in told] == sorted(logged)
    for name, line in zip(sorted(logged), told, strict=True):
        assert f"W&B id {logged[name]['wandb']}" in line
        assert f"MLflow id {logged[name]['mlflow']}" in line


def test_many_runs_joined_by_name_are_told_in_one_line():
    from extract.commandline import told_by_name

    joined = [(f"run {n}", f"run {n}: joined by name ...") for n in range(7)]
    (line,) = told_by_name(joined)
    assert line.startswith("7 runs joined by name") and line.endswith(
        "run 0, run 1, run 2, run 3, run 4, run 5, run 6"
    )
    assert told_by_name(joined[:2]) == [joined[0][1], joined[1][1]]


def test_metric_vs_time_finds_a_system_metric_by_mlflows_name(folder_runs):
    from study.metric_plan import logged_series

    times, _, values = logged_series(folder_runs["2 GPU"], "system/gpu_0_utilization_percentage")
    assert values.tolist() == [90.0] * 30 and times.tolist() == sorted(times.tolist())


def test_hugging_face_loss_curve_is_its_loss_not_the_train_summary(folder_runs):
    # the Trainer logs 'loss' every logging_steps and 'train_loss' (its average) once at the
    # end: asked for train_loss, the curve is 'loss' and the source line says why
    from study.metric_keys import metric_keys

    run = folder_runs["hf max_steps"]
    assert run.history["train_loss"].notna().sum() == 1
    keys = metric_keys([run], "loss", "train_loss")
    assert keys.key_of(run) == "loss"
    assert "'train_loss' once" in keys.of(run).evidence.value
    assert keys.passed_over([run]) == "'loss' drawn: 'train_loss' logged once"
    # LossVsTime draws it and its source line says which key
    from extract.studyfile import StudyFile
    from study.plans import curves_plan
    from study.settings import Settings
    from study.view import view_of

    plan = curves_plan(view_of([run], Settings(), StudyFile(), "hf"), "loss")
    assert [len(s.values) for s in plan.series] == [5]
    assert "'loss' drawn: 'train_loss' logged once" in plan.source
    # a final value is still read from it
    assert metric_keys([run], "loss", "train_loss", summaries=True).key_of(run) == "train_loss"


def test_a_key_another_run_draws_as_a_curve_stays_the_runs_one_point(folder_runs):
    # beside a run with a train_loss curve, a run's lone train_loss is a point of the same
    # measure (a run that ended after one epoch): not passed over
    from study.metric_keys import metric_keys

    hf, laptop = folder_runs["hf max_steps"], folder_runs["laptop"]
    assert laptop.history["train_loss"].notna().sum() > 1
    keys = metric_keys([hf, laptop], "loss", "train_loss")
    assert (keys.key_of(hf), keys.key_of(laptop)) == ("train_loss", "train_loss")
    assert keys.passed_over([hf, laptop]) is None


def test_metric_vs_time_names_the_step_as_mlflow_does(folder_runs, both_trackers, tmp_path):
    import dataclasses

    from study.metric_plan import metric_plan
    from study.settings import Settings
    from study.view import view_of

    settings = dataclasses.replace(Settings(metric="train_loss"), metric_x="step")
    plan = metric_plan(view_of(list(folder_runs.values()), settings))
    assert plan.x_caption == "step (MLflow's step)"
    # runs two trackers logged: the step is named by neither
    root, _ = both_trackers
    store = tmp_path / "runs.h5"
    assert run_cli("offline", root / "wandb", "-o", store).returncode == 0
    assert run_cli("mlflow", root / "mlruns", "-o", store, "--merge").returncode == 0
    assert metric_plan(view_of(load_runs(store), settings)).x_caption == "step"
