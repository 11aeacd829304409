"""`extract wandb` against a stand-in for the W&B service (unreachable from here)."""

from __future__ import annotations

import inspect

import pytest
import wandb.apis.public as public

from extract import load_runs
from extract.sources.wandb_api import Selection, pull
from tests.wandb_standin import StandInApi, StandInRun


def params(function) -> list[str]:
    return [p for p in inspect.signature(function).parameters if p != "self"]


def test_the_stand_in_has_the_real_signatures():
    assert params(StandInApi.__init__) == params(public.Api.__init__)
    assert params(StandInApi.runs) == params(public.Api.runs)
    assert params(StandInRun.scan_history) == params(public.Run.scan_history)
    assert params(StandInRun.history) == params(public.Run.history)


def training_rows(count: int) -> list[dict]:
    rows = []
    for step in range(count):
        row = {
            "_step": step,
            "_runtime": 0.5 * step,
            "_timestamp": 1.7e9 + 0.5 * step,
            "epoch": step * 10 // count,
            "loss": 5.0 / (step + 1),
        }
        if step % 50 == 0:  # logged in a separate log() call, on fewer steps
            row["val_accuracy"] = min(99.0, step / 25)
        rows.append(row)
    return rows


@pytest.fixture
def api() -> StandInApi:
    api = StandInApi()
    api.projects["lumi/scaling"] = [
        StandInRun(
            "a1",
            "8 GPU 1 Node Run",
            training_rows(2500),
            config={"total_gpus": 8, "nodes": 1, "epochs": 10, "optimizer": {"lr": 1e-3}},
            summary={"_runtime": 1249.5, "acc": 98.12},
        ),
        StandInRun(
            "b2",
            "16 GPU 2 Node Run",
            training_rows(1200),
            config={"gpus": 8, "nodes": 2, "epochs": 10},
            summary={"_runtime": 599.5},
        ),
    ]
    return api


def test_pull_stores_every_row_through_pages(api, tmp_path):
    store = tmp_path / "runs.h5"
    result = pull(api, Selection("lumi/scaling"), store)
    assert sorted(result.added) == ["16 GPU 2 Node Run", "8 GPU 1 Node Run"]
    runs = {r.name: r for r in load_runs(store)}
    eight = runs["8 GPU 1 Node Run"]
    assert len(eight.history) == 2500 and eight.gpus == 8 and eight.time_s == 1249.5
    assert eight.config["optimizer.lr"] == 1e-3 and eight.summary["acc"] == 98.12
    assert runs["16 GPU 2 Node Run"].gpus == 16
    assert api.projects["lumi/scaling"][0].pages_served == 3  # 2500 rows in pages of 1000


def test_keys_logged_in_separate_calls_are_all_kept(api, tmp_path):
    store = tmp_path / "runs.h5"
    pull(api, Selection("lumi/scaling", keys=["loss", "val_accuracy"]), store)
    run = {r.name: r for r in load_runs(store)}["8 GPU 1 Node Run"]
    assert run.history["loss"].notna().sum() == 2500
    assert run.history["val_accuracy"].notna().sum() == 50
    scans = api.projects["lumi/scaling"][0].scans
    assert [keys[0] for keys, _ in scans] == ["loss", "val_accuracy"]  # one scan per key


def test_second_pull_is_incremental(api, tmp_path):
    store = tmp_path / "runs.h5"
    pull(api, Selection("lumi/scaling"), store)
    again = pull(api, Selection("lumi/scaling"), store)
    assert sorted(again.unchanged) == ["16 GPU 2 Node Run", "8 GPU 1 Node Run"]
    api.projects["lumi/scaling"][1].heartbeat_at = "2025-08-09T00:00:00Z"
    third = pull(api, Selection("lumi/scaling"), store)
    assert third.updated == ["16 GPU 2 Node Run"] and third.unchanged == ["8 GPU 1 Node Run"]
    forced = pull(api, Selection("lumi/scaling"), store, refresh=True)
    assert len(forced.updated) == 2
    assert len(load_runs(store)) == 2


def test_a_failing_run_is_reported_and_the_others_are_kept(api, tmp_path):
    store = tmp_path / "runs.h5"
    api.projects["lumi/scaling"][1].fail_after_rows = 700
    result = pull(api, Selection("lumi/scaling"), store, workers=1)
    assert result.added == ["8 GPU 1 Node Run"]
    assert len(result.failed) == 1 and result.failed[0].startswith("16 GPU 2 Node Run: CommError")
    assert [r.name for r in load_runs(store)] == ["8 GPU 1 Node Run"]


def test_selection_becomes_w_and_b_filters(api, tmp_path):
    selection = Selection(
        "lumi/scaling",
        filters={"tags": {"$in": ["scaling"]}},
        state="finished",
        group="lumi",
        name_regex="GPU",
    )
    pull(api, selection, tmp_path / "runs.h5")
    assert api.calls[0]["filters"] == {
        "$and": [
            {"tags": {"$in": ["scaling"]}},
            {"state": "finished"},
            {"group": "lumi"},
            {"displayName": {"$regex": "GPU"}},
        ]
    }
    assert Selection("x/y").api_filters() == {}


def test_size_only_in_the_recorded_slurm_environment_comes_from_the_run_metadata(tmp_path):
    """A LUMI DDP run whose config says nothing of its size: wandb's run.metadata holds the
    Slurm allocation (as wandb-metadata.json records it: values as text), and that decides."""
    metadata = {
        "host": "nid005123",
        "email": "someone@example.org",
        "slurm": {"job_id": "8812345", "nnodes": "2", "gpus_on_node": "8", "ntasks": "16"},
        "cpu_count": 64,
    }
    run = StandInRun(
        "ddp1",
        "ddp",
        training_rows(20),
        config={"epochs": 10},
        summary={"_runtime": 10.0, "epoch": 9},
        metadata=metadata,
    )
    api = StandInApi()
    api.projects["team/p"] = [run]
    store = tmp_path / "runs.h5"
    pull(api, Selection("team/p"), store)
    (stored,) = load_runs(store)
    assert (stored.platform, stored.gpus, stored.nodes) == ("cluster", 16, 2)
    assert stored.evidence["gpus"].source == "environment"
    assert "slurm.gpus_on_node" in stored.evidence["gpus"].key
    assert "email" not in stored.metadata  # nothing that names a person is kept


def test_ranks_logged_as_runs_of_one_group_become_one_training(tmp_path):
    """W&B's documented way to log DDP with every rank its own run: one group, a job_type per
    rank, the ranks running at the same time. A later pull does not fetch them again."""
    ranks = [
        StandInRun(
            f"r{rank}",
            f"rank-{rank}",
            training_rows(40) if rank == 0 else [],
            config={"epochs": 10, "backend": "nccl"},
            summary={"_runtime": 20.0 + rank},
            created_at=f"2025-08-07T12:48:0{rank}Z",
            group="ddp-4gpu",
            job_type=f"rank-{rank}",
            metadata={"gpu_count": 8},
        )
        for rank in range(4)
    ]
    alone = StandInRun(
        "other",
        "sweep-trial",
        training_rows(40),
        config={"epochs": 10, "total_gpus": 2},
        summary={"_runtime": 20.0},
        created_at="2025-08-09T10:00:00Z",
        group="ddp-4gpu",
    )
    api = StandInApi()
    api.projects["team/ddp"] = [*ranks, alone]
    store = tmp_path / "runs.h5"
    first = pull(api, Selection("team/ddp"), store)
    assert any("joined as the ranks of one training" in note for note in first.notes)
    stored = {r.name: r for r in load_runs(store)}
    assert set(stored) == {"ddp-4gpu", "sweep-trial"}
    training = stored["ddp-4gpu"]
    # 4 ranks, not the 8 GPUs wandb saw on the node; time from the first start to the last end
    assert (training.gpus, training.ranks, training.gpus_on_machine) == (4, 4, None)
    assert training.measured_s == pytest.approx(3 + 23.0)
    assert training.evidence["time"].key == "wall span of the group's 4 ranks"
    assert len(training.history) == 40  # the rank that logged
    again = pull(api, Selection("team/ddp"), store)
    assert sorted(again.unchanged) == ["rank-0", "rank-1", "rank-2", "rank-3", "sweep-trial"]
    assert {r.name for r in load_runs(store)} == {"ddp-4gpu", "sweep-trial"}


def test_gpu_power_comes_from_the_system_stream(tmp_path):
    """A LUMI node's 8 GPU dies (AMD, rocm-smi: gpu.{i}.powerWatts), sampled every 15 s as the
    system stream serves them; energy is integrated from those samples."""
    events = [
        {
            "_wandb": True,
            "_timestamp": 1.7e9 + t,
            "_runtime": float(t),
            "system.cpu": 12.5,
            **{f"system.gpu.{i}.powerWatts": 500.0 for i in range(8)},
            **{f"system.gpu.{i}.temp": 60.0 for i in range(8)},
        }
        for t in range(15, 601, 15)
    ]
    run = StandInRun(
        "amd1",
        "8 GPU 1 Node Run",
        training_rows(100),
        config={"total_gpus": 8, "nodes": 1, "epochs": 10},
        summary={"_runtime": 600.0},
        events=events,
    )
    api = StandInApi()
    api.projects["lumi/scaling"] = [run]
    store = tmp_path / "runs.h5"
    pull(api, Selection("lumi/scaling"), store)
    (stored,) = load_runs(store)
    assert len(stored.system) == 40 and "gpu.7.powerWatts" in stored.system
    assert "system.cpu" not in stored.system and stored.system["cpu"].eq(12.5).all()
    from study.analysis import build_report

    figures = build_report([stored]).run("8 GPU 1 Node Run")
    assert figures is not None
    # 40 samples 15 s apart from 15 s to 600 s, each standing for 7.5 s either side: covered
    # from 7.5 s (half an interval before the first) to the run's end at 600 s, 592.5 s; so
    # 8 x 500 W x 592.5 s = 2,370,000 J = 0.65833 kWh, 0.065833 per epoch
    assert figures.energy_kwh == pytest.approx(2_370_000 / 3.6e6)
    assert figures.energy_per_epoch_kwh == pytest.approx(237_000 / 3.6e6)
    assert figures.evidence["energy"] == (
        "measured: GPU power of 8 devices (gpu.0.powerWatts ... gpu.7.powerWatts), 40 samples "
        "every 15 s, covering 99% of 10.0 min; CPUs, memory and network not counted"
    )


def test_trials_of_a_sweep_are_sweep_trials(tmp_path):
    """The API names the sweep of each run (``run.sweep_name``): two trials whose learning rate
    differs are sweep trials, left out of every figure; the run outside the sweep is the study."""
    runs = [
        StandInRun(
            run_id,
            run_id,
            training_rows(20),
            config={"epochs": 10, "total_gpus": 8, "lr": lr},
            summary={"_runtime": 10.0, "epoch": 9},
            sweep_name=sweep,
        )
        for run_id, lr, sweep in (
            ("t1", 0.1, "q3x9ab2c"),
            ("t2", 0.01, "q3x9ab2c"),
            ("s1", 0.1, None),
        )
    ]
    api = StandInApi()
    api.projects["team/p"] = runs
    store = tmp_path / "runs.h5"
    pull(api, Selection("team/p"), store)
    kinds = {run.run_id: run.kind for run in load_runs(store)}
    assert kinds == {"t1": "sweep", "t2": "sweep", "s1": "training"}


# --- a large project: paged, four at a time, resumable, incremental ----------------------------


def project(count: int, rows: int = 3, ids: str = "r", names: str = "run") -> list[StandInRun]:
    return [
        StandInRun(
            f"{ids}{index:04d}",
            f"{names} {index}",
            training_rows(rows),
            config={"total_gpus": 8, "nodes": 1, "epochs": 10},
            summary={"_runtime": 1.0 + index, "acc": 90.0},
        )
        for index in range(count)
    ]


def cached_ids(store) -> set[str]:
    folder = store.parent / ".wandb-cache" / "lumi" / "big"
    return {path.name.removesuffix(".h5") for path in folder.glob("*.h5")}


def test_a_project_of_many_pages_is_paged_fetched_four_at_a_time_and_pulled_again_from_the_list(
    tmp_path,
):
    # five pages, the last one part full (make bench pulls 2,000 runs and times it)
    runs = 450
    api = StandInApi()
    api.projects["lumi/big"] = project(runs, rows=0)  # no rows: the pages and fetches are counted
    api.hold_until = 5  # the first scans are held open until five are, which none should be
    store = tmp_path / "runs.h5"
    first = pull(api, Selection("lumi/big"), store)
    assert len(first.added) == runs and not first.failed
    assert set(api.history_fetches.values()) == {1} and len(api.history_fetches) == runs
    assert api.max_in_flight == 4
    per_page = api.calls[0]["per_page"]
    assert 1 < per_page < runs and api.pages_listed == -(-runs // per_page)
    # each page holds config and summary (lazy=False): no request per run for them
    assert api.calls[0]["lazy"] is False and api.full_loads == 0
    assert len(load_runs(store)) == runs
    api.pages_listed, api.history_fetches = 0, type(api.history_fetches)()
    again = pull(api, Selection("lumi/big"), store)
    assert len(again.unchanged) == runs and not again.added and not again.updated
    assert not api.history_fetches and api.full_loads == 0  # the runs list's pages only
    assert api.pages_listed == -(-runs // per_page)


def test_a_run_is_fetched_again_only_when_it_changed(tmp_path):
    api = StandInApi()
    runs = project(6)
    runs[5].state, runs[5].heartbeat_at = "running", "2025-08-07T13:00:00Z"
    api.projects["lumi/big"] = runs
    store = tmp_path / "runs.h5"
    pull(api, Selection("lumi/big"), store)
    assert api.history_fetches == dict.fromkeys((r.id for r in runs), 1)
    api.history_fetches.clear()
    pull(api, Selection("lumi/big"), store)
    assert not api.history_fetches  # a running run that sent nothing since is not fetched again
    runs[0].heartbeat_at = "2025-08-09T00:00:00Z"
    runs[1].state = "crashed"
    runs[2].summary_metrics = {"_runtime": 3.0, "acc": 91.5}  # the summary only
    changed = pull(api, Selection("lumi/big"), store)
    assert set(api.history_fetches) == {"r0000", "r0001", "r0002"}
    assert sorted(changed.updated) == ["run 0", "run 1", "run 2"]
    stored = {r.name: r for r in load_runs(store)}
    assert stored["run 2"].summary["acc"] == 91.5 and stored["run 1"].state == "crashed"


def test_an_interrupted_pull_keeps_what_it_fetched_and_the_next_fetches_the_rest(tmp_path):
    api = StandInApi()
    api.projects["lumi/other"] = project(1, ids="o", names="other")
    api.projects["lumi/big"] = project(12)
    store = tmp_path / "runs.h5"
    pull(api, Selection("lumi/other"), store)
    before = store.read_bytes()
    api.history_fetches.clear()
    api.interrupt_after = 5  # Ctrl-C during the sixth run's history
    with pytest.raises(KeyboardInterrupt) as stopped:
        pull(api, Selection("lumi/big"), store)
    assert store.read_bytes() == before  # the store is written once, at the end, or not at all
    kept = cached_ids(store)
    assert len(kept) >= 5 and kept <= set(api.history_fetches)
    assert stopped.value.fetched == len(kept)  # what it says it kept, a fetch ending late too
    assert not [p for p in kept if p.startswith(".")]  # no half-written cache file
    api.history_fetches.clear()
    api.interrupt_after = None
    resumed = pull(api, Selection("lumi/big"), store)
    assert set(api.history_fetches) == {f"r{i:04d}" for i in range(12)} - kept
    assert set(api.history_fetches.values()) == {1}
    assert len(resumed.added) == 12 and not resumed.failed
    assert {r.name for r in load_runs(store)} == {"other 0", *(f"run {i}" for i in range(12))}
    assert len(load_runs(store)) == 13


def test_a_store_lost_is_rebuilt_from_the_cache_without_fetching(tmp_path):
    api = StandInApi()
    api.projects["lumi/big"] = project(5, rows=40)
    store = tmp_path / "runs.h5"
    pull(api, Selection("lumi/big"), store)
    first = {r.run_id: r for r in load_runs(store)}
    store.unlink()
    api.history_fetches.clear()
    again = pull(api, Selection("lumi/big"), store)
    assert not api.history_fetches and len(again.added) == 5
    for run in load_runs(store):
        assert run.history.equals(first[run.run_id].history)
        assert (run.gpus, run.time_s, run.summary) == (
            first[run.run_id].gpus,
            first[run.run_id].time_s,
            first[run.run_id].summary,
        )


def test_the_progress_bar_counts_runs_fetched_and_reused(tmp_path):
    import io

    from rich.console import Console
    from rich.progress import Progress

    api = StandInApi()
    runs = project(6)
    api.projects["lumi/big"] = runs
    store = tmp_path / "runs.h5"
    pull(api, Selection("lumi/big"), store)
    runs[3].heartbeat_at = "2025-08-09T00:00:00Z"
    with Progress(console=Console(file=io.StringIO())) as progress:
        pull(api, Selection("lumi/big"), store, progress=progress)
    (bar,) = progress.tasks  # one bar for the pull; a run's own row goes when it is done
    assert (bar.completed, bar.total) == (6, 6)
    assert "1 fetched" in bar.description and "5 reused" in bar.description


def test_extract_wandb_interrupted_says_what_it_kept_and_resumes(tmp_path, monkeypatch):
    import wandb

    from tests.cli_run import run_cli

    api = StandInApi()
    api.projects["lumi/big"] = project(8)
    api.interrupt_after = 3
    monkeypatch.setattr(wandb, "Api", lambda timeout=None: api)
    store = tmp_path / "runs.h5"
    stopped = run_cli("wandb", "lumi/big", "-o", store, "--workers", "1")
    assert stopped.returncode == 130 and not store.exists()
    folder = tmp_path / ".wandb-cache" / "lumi" / "big"
    assert "the 3 runs fetched are kept in" in stopped.stderr and str(folder) in stopped.stderr
    assert cached_ids(store) == {"r0000", "r0001", "r0002"}
    api.interrupt_after = None
    resumed = run_cli("wandb", "lumi/big", "-o", store)
    assert resumed.returncode == 0, resumed.stderr
    assert "added 8, updated 0, unchanged 0, failed 0" in resumed.stdout
    assert "(5 fetched, 3 from the cache)" in resumed.stdout


def test_a_run_the_runs_list_gives_twice_is_fetched_once(tmp_path):
    api = StandInApi()
    (run,) = project(1)
    api.projects["lumi/big"] = [run, run]  # paging has been seen to repeat a run
    pull(api, Selection("lumi/big"), tmp_path / "runs.h5")
    assert api.history_fetches == {"r0000": 1}
    assert [r.run_id for r in load_runs(tmp_path / "runs.h5")] == ["r0000"]


def test_a_damaged_cache_file_is_fetched_again(tmp_path):
    api = StandInApi()
    api.projects["lumi/big"] = project(4)
    store = tmp_path / "runs.h5"
    pull(api, Selection("lumi/big"), store)
    (tmp_path / ".wandb-cache" / "lumi" / "big" / "r0001.h5").write_bytes(b"\x89HDF\r\n cut")
    store.unlink()
    api.history_fetches.clear()
    again = pull(api, Selection("lumi/big"), store)
    assert api.history_fetches == {"r0001": 1}
    assert (again.fetched, again.from_cache, len(load_runs(store))) == (1, 3, 4)


def test_runs_the_network_failed_on_are_the_only_ones_fetched_next_time(tmp_path):
    api = StandInApi()
    runs = project(10)
    for run in runs[4:]:
        run.fail_after_rows = 1  # the connection lost in each of their histories
    api.projects["lumi/big"] = runs
    store = tmp_path / "runs.h5"
    first = pull(api, Selection("lumi/big"), store)
    assert len(first.added) == 4 and len(first.failed) == 6
    assert cached_ids(store) == {f"r{i:04d}" for i in range(4)}  # no part of a failed run
    for run in runs:
        run.fail_after_rows = None
    api.history_fetches.clear()
    again = pull(api, Selection("lumi/big"), store)
    assert set(api.history_fetches) == {f"r{i:04d}" for i in range(4, 10)}
    assert len(again.added) == 6 and len(again.unchanged) == 4 and len(load_runs(store)) == 10
