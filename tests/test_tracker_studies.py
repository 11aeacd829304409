"""One training, three trackers (issue 31): the scaling study of tests/tracker_studies.py, logged
at once to W&B, to TensorBoard and to W&B syncing that TensorBoard, extracted the way a user of
each would (`extract offline`, `extract tensorboard`, and all three into one store with
`--merge`), under one study file. The study's numbers agree between the trackers; where a tracker
cannot know a fact, it says unknown and why.

The tolerance is what the trackers' clocks allow: W&B counts a run's time from ``wandb.init``,
TensorBoard from the SummaryWriter's first event, so a time differs by what the script does in
between (``STARTUP_S``, its data loading) plus 1 s (wandb's exit record counts whole seconds).
A ratio of two such times (speedup, efficiency, per-epoch speedup) differs by at most the sum of
their relative slacks. Epochs done and accuracies are the same logged numbers (TensorBoard keeps
float32: 1e-6 relative).
"""

from __future__ import annotations

import contextlib
import io
import json
import math
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import pytest

from extract.__main__ import main as extract_main
from extract.model import Run
from extract.sources.wandb_api import Selection, pull
from extract.sources.wandb_files import find_run_files, read_run_file
from extract.store import load_runs
from tests.tracker_studies import RUNS, STARTUP_S, build_corpus
from tests.wandb_standin import StandInApi, StandInRun

SLACK_S = STARTUP_S + 1.0
TRACKERS = ("W&B", "TensorBoard", "W&B sync_tensorboard", "merged")
STUDY = """baseline = "gpus_1"
[metrics]
accuracy_key = "val/accuracy"
accuracy_scale = "percent"
"""


def cli(*args: str | Path) -> str:
    out, err = io.StringIO(), io.StringIO()
    with contextlib.redirect_stdout(out), contextlib.redirect_stderr(err):
        status = extract_main([str(a) for a in args])
    assert status == 0, err.getvalue()
    return out.getvalue()


@dataclass
class Tracked:
    store: Path
    runs: dict[str, Run]
    report: dict[str, Any]

    def figures(self, name: str) -> dict[str, Any]:
        return next(f for f in self.report["runs"] if f["name"] == name)


@pytest.fixture(scope="module")
def corpus(tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, dict[str, Any]]:
    root = tmp_path_factory.mktemp("trackers")
    return root, build_corpus(root)


@pytest.fixture(scope="module")
def tracked(corpus: tuple[Path, dict[str, Any]], tmp_path_factory) -> dict[str, Tracked]:
    root, _ = corpus
    stores = tmp_path_factory.mktemp("tracker_stores")
    study = stores / "study.toml"
    study.write_text(STUDY)
    plain, synced, logdir = root / "plain" / "wandb", root / "synced" / "wandb", root / "tb"
    commands = {
        "W&B": [("offline", plain)],
        "TensorBoard": [("tensorboard", logdir)],
        "W&B sync_tensorboard": [("offline", synced)],
        "merged": [("offline", plain), ("offline", synced), ("tensorboard", logdir)],
    }
    found = {}
    for tracker, steps in commands.items():
        store = stores / f"{tracker.replace(' ', '_').replace('&', '')}.h5"
        for number, (command, source) in enumerate(steps):
            merge = ["--merge"] if number else []
            cli(command, source, "-o", store, "--study", study, *merge)
        report = json.loads(cli("report", store, "--json", "--study", study))
        found[tracker] = Tracked(store, {r.name: r for r in load_runs(store)}, report)
    return found


def _time_close(got: float | None, want: float | None) -> bool:
    if got is None or want is None:
        return got is want
    return abs(got - want) <= SLACK_S


def _ratio_close(got: float | None, want: float | None, *times: float) -> bool:
    if got is None or want is None:
        return got is want
    return abs(got - want) <= abs(want) * sum(SLACK_S / t for t in times)


def _same(got: float | None, want: float | None) -> bool:
    if got is None or want is None:
        return got is want
    return math.isclose(got, want, rel_tol=1e-6)


def test_every_tracker_gives_the_study_the_same_numbers(tracked: dict[str, Tracked]):
    wandb = tracked["W&B"]
    baseline = wandb.figures("gpus_1")["time_s"]
    wrong = []
    for tracker in TRACKERS[1:]:
        other = tracked[tracker]
        assert sorted(other.runs) == sorted(RUNS), tracker
        for name in RUNS:
            want, got = wandb.figures(name), other.figures(name)
            time = want["time_s"]
            checks = {
                "time_s": _time_close(got["time_s"], time),
                "time_to_target_s": _time_close(got["time_to_target_s"], want["time_to_target_s"]),
                "speedup": _ratio_close(got["speedup"], want["speedup"], time, baseline),
                "efficiency": _ratio_close(got["efficiency"], want["efficiency"], time, baseline),
                "epochs_done": _same(got["epochs_done"], want["epochs_done"]),
                "best_accuracy": _same(got["best_accuracy"], want["best_accuracy"]),
                "accuracy_key": got["accuracy_key"] == want["accuracy_key"] == "val/accuracy",
            }
            wrong += [
                f"{tracker} {name} {fact}: {got.get(fact)} != W&B's {want.get(fact)}"
                for fact, right in checks.items()
                if not right
            ]
        want, got = wandb.report, other.report
        fastest, best = want["fastest_cluster_s"], got["best_accuracy"]
        headlines = {
            "fastest_cluster_s": _time_close(got["fastest_cluster_s"], fastest),
            "laptop_low_s": _time_close(got["laptop_low_s"], want["laptop_low_s"]),
            "max_speedup": _ratio_close(
                got["max_speedup"], want["max_speedup"], fastest, want["laptop_high_s"]
            ),
            "max_speedup_per_epoch": _ratio_close(
                got["max_speedup_per_epoch"],
                want["max_speedup_per_epoch"],
                fastest,
                want["laptop_high_s"],
            ),
            "best_accuracy": _same(best["percent"], want["best_accuracy"]["percent"])
            and best["run"] == want["best_accuracy"]["run"],
            "fastest_cluster_run": got["fastest_cluster_run"] == want["fastest_cluster_run"],
        }
        wrong += [
            f"{tracker} {fact}: {got.get(fact)} != W&B's {want.get(fact)}"
            for fact, right in headlines.items()
            if not right
        ]
    assert not wrong, "\n".join(wrong)


def test_the_study_s_numbers_are_the_training_s(tracked: dict[str, Tracked], corpus):
    """What every tracker agrees on is what the training did (else agreeing proves nothing):
    the W&B run's time from ``wandb.init`` on the training's clock, 1 to 8 GPUs faster."""
    _, logged = corpus
    wandb = tracked["W&B"]
    for name, spec in RUNS.items():
        figures = wandb.figures(name)
        assert figures["epochs_done"] == pytest.approx(spec["epochs_run"])
        assert figures["best_accuracy"] == max(spec["accuracy"])
        if spec["gpus"]:
            assert figures["time_s"] == pytest.approx(logged[name]["rows"][-1]["t"], abs=1.0)
    assert wandb.figures("gpus_8")["speedup"] == pytest.approx(
        wandb.figures("gpus_1")["time_s"] / wandb.figures("gpus_8")["time_s"]
    )
    assert 6.5 < wandb.figures("gpus_8")["speedup"] < 8


def test_a_synced_run_is_read_by_tensorboard_s_steps_and_wall_times(tracked, corpus):
    """wandb-core hands a synced run its rows when it reads the event files (here all at its
    finish, so every ``_runtime`` is the same few seconds): the run's clock is each event's wall
    time (``_timestamp``) since the run's start, as for a plain run's rows."""
    _, logged = corpus
    synced, plain = tracked["W&B sync_tensorboard"], tracked["W&B"]
    for name in RUNS:
        rows = logged[name]["rows"]
        history = synced.runs[name].history
        assert history["global_step"].dropna().tolist() == [r["step"] for r in rows]
        accuracy = history.dropna(subset=["val/accuracy"])
        want = [r for r in rows if "val/accuracy" in r]
        assert accuracy["val/accuracy"].tolist() == pytest.approx(
            [r["val/accuracy"] for r in want], rel=1e-6
        )
        assert accuracy["_runtime"].tolist() == pytest.approx([r["t"] for r in want])
        assert accuracy["epoch"].tolist() == [r["epoch"] for r in want]
        mine = plain.runs[name].history.dropna(subset=["val/accuracy"])
        assert mine["_runtime"].tolist() == pytest.approx([r["t"] for r in want])
        # TensorBoard's own clock starts at the writer's first event, after the data loading
        board = tracked["TensorBoard"].runs[name].history.dropna(subset=["val/accuracy"])
        assert board["_runtime"].tolist() == pytest.approx([r["t"] - STARTUP_S for r in want])


def test_what_tensorboard_cannot_record_it_says_unknown_and_why(tracked: dict[str, Tracked]):
    board, wandb, merged = tracked["TensorBoard"], tracked["W&B"], tracked["merged"]
    for name in ("gpus_2", "gpus_4", "gpus_8"):
        # Slurm's allocation: recorded by W&B, not by TensorBoard
        assert wandb.runs[name].nodes == 1
        assert wandb.runs[name].evidence["nodes"].source == "environment"
        assert board.runs[name].nodes is None and "nodes" not in board.runs[name].evidence
        assert board.figures(name)["nodes"] is None
        said = board.runs[name].evidence["state"]
        assert board.runs[name].state == "finished"
        assert said.source == "TensorBoard records no state" and "3 of 3 planned" in said.value
    laptop = board.runs["laptop"]
    # the machine's CPUs: recorded by W&B only
    assert wandb.runs["laptop"].cores == 8 and laptop.cores is None
    assert "cores" not in laptop.evidence
    # Ctrl-C: W&B recorded the exit; TensorBoard's history stops short of the plan, no more
    assert wandb.runs["laptop"].state == "failed"
    assert laptop.state == "unknown"
    said = laptop.evidence["state"]
    assert said.source == "TensorBoard records no state"
    assert "stops at 1.5 of 3 planned epochs" in said.value
    explained = cli("runs", board.store, "--explain", "laptop")
    assert "TensorBoard records no state" in explained
    assert "stops at 1.5 of 3 planned epochs" in explained
    # one store of all three: what TensorBoard could not record does not unsay what W&B did
    assert merged.runs["laptop"].state == "failed" and merged.runs["laptop"].cores == 8
    assert "Ctrl-C" in merged.runs["laptop"].evidence["kind"].value
    assert all(merged.runs[name].nodes == 1 for name in RUNS)
    # W&B's id, not the one made from TensorBoard's folder, so the study file's ids still match
    synced = tracked["W&B sync_tensorboard"]
    assert all(merged.runs[name].run_id == synced.runs[name].run_id for name in RUNS)
    assert merged.report["unknown_facts"] == wandb.report["unknown_facts"] == 0
    assert board.report["unknown_facts"] > 0


def test_a_correction_dropped_since_is_not_kept_by_a_merge(corpus, tmp_path):
    """Only what a tracker recorded outlives a source that cannot say it: a fact stated on the
    command line (or in the study file) and no longer stated is unknown again."""
    root, _ = corpus
    store = tmp_path / "runs.h5"
    cli("tensorboard", root / "tb", "-o", store, "--nodes", "gpus_2=1")
    assert {r.name: r for r in load_runs(store)}["gpus_2"].nodes == 1
    cli("tensorboard", root / "tb", "-o", store, "--merge")
    again = {r.name: r for r in load_runs(store)}["gpus_2"]
    assert again.nodes is None and "nodes" not in again.evidence


def test_a_synced_run_pulled_from_the_api_is_timed_by_its_events(corpus, tmp_path):
    """The same synced runs as the W&B service serves them (tests/wandb_standin.py, fed the
    rows wandb-core wrote, ``_runtime`` its reading time): ``_timestamp`` less the run's
    ``startedAt`` (wandb-metadata.json) times each row, as offline. A history with rows from
    before that start (a resumed run: the metadata is its last part's) keeps ``_runtime``."""
    root, logged = corpus
    api = StandInApi()
    files = {read_run_file(p).name: read_run_file(p) for p in find_run_files([root / "synced"])}
    for name, part in files.items():
        assert part.start_time is not None
        started = datetime.fromtimestamp(part.start_time, UTC).isoformat().replace("+00:00", "Z")
        api.projects.setdefault("team/trackers", []).append(
            StandInRun(
                part.run_id,
                name,
                part.rows,
                config=part.config,
                summary={"_runtime": part.measured_runtime(core_clock=True)},
                metadata={"startedAt": started, "host": part.host},
            )
        )
    resumed = files["gpus_4"]
    later = datetime.fromtimestamp(resumed.start_time + 600.0, UTC).isoformat()
    api.projects["team/trackers"].append(
        StandInRun("resumed", "resumed", resumed.rows, metadata={"startedAt": later})
    )
    store = tmp_path / "runs.h5"
    pull(api, Selection("team/trackers"), store)
    runs = {r.name: r for r in load_runs(store)}
    for name in RUNS:
        accuracy = runs[name].history.dropna(subset=["val/accuracy"])
        want = [r["t"] for r in logged[name]["rows"] if "val/accuracy" in r]
        assert accuracy["_runtime"].tolist() == pytest.approx(want)
    kept = runs["resumed"].history["_runtime"].tolist()
    assert kept == pytest.approx([r["_runtime"] for r in resumed.rows])
