"""One selection for every command, and one lane per configuration, on a team's project of a
thousand runs (a runs-table export) and on runs written by the real wandb SDK whose tags, group,
job type and sweep say which are the study (tests/big_project.py)."""

from __future__ import annotations

import json
import tempfile
from pathlib import Path

import pytest
import wandb

from extract.errors import InputError
from extract.explain import explain
from extract.model import Run
from extract.sources.wandb_api import Selection as ApiSelection
from extract.sources.wandb_exports import ingest_exports
from extract.sources.wandb_files import ingest_offline
from extract.store import load_runs, save_runs
from extract.studyfile import StudyFile, load_study
from study.plans import comparison_plan, race_plan
from study.selection import LANE_ROOM, choose, configuration, select
from study.settings import Settings
from study.view import view_of
from tests.big_project import STUDY_TAG, SWEEP_ID, big_runs, write_big_export, write_sdk_runs
from tests.cli_run import run_cli
from tests.wandb_standin import StandInApi, StandInRun


@pytest.fixture(scope="module")
def big(tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, list[Run]]:
    folder = tmp_path_factory.mktemp("big")
    export = write_big_export(folder)
    runs = ingest_exports([export]).runs
    store = folder / "runs.h5"
    save_runs(store, runs)
    return store, runs


def study_file(folder: Path, text: str) -> Path:
    path = folder / "study.toml"
    path.write_text(text, encoding="utf-8")
    return path


def load_study_text(text: str) -> StudyFile:
    with tempfile.TemporaryDirectory() as scratch:
        return load_study(study_file(Path(scratch), text))


# --- with default settings: a thousand runs, one lane per configuration ------------------------


def test_a_thousand_runs_draw_one_lane_per_configuration_within_the_room(big):
    _, runs = big
    view = view_of(runs, store_name="big")
    race = race_plan(view)
    lanes = [lane.run for lane in race.lanes]
    assert 2 < len(lanes) <= LANE_ROOM
    # laptops stand for their configuration too: never two lanes of one
    assert len({configuration(run) for run in lanes}) == len(lanes)
    # the report's shown runs are exactly the lanes, and the comparison's bars
    shown = {f.run_id for f in view.report.runs if f.shown}
    assert shown == {run.run_id for run in lanes}
    assert {bar.run.run_id for bar in comparison_plan(view).bars} == shown
    # the screen says how many configurations are not drawn
    eligible = [r for r in runs if r.known and (r.finished or r.extrapolated) and r.time_s > 0]
    configurations = {configuration(r) for r in eligible}
    more = len(configurations) - len(lanes)
    assert more > 100
    assert f"and {more} more configurations" in race.source


def test_the_lanes_kept_are_the_ones_the_story_needs(big):
    _, runs = big
    view = view_of(runs)
    lanes = {configuration(r) for r in view.shown}
    eligible = [r for r in runs if r.known and (r.finished or r.extrapolated) and r.time_s > 0]
    laptops = [r for r in eligible if r.platform == "laptop"]
    cluster = [r for r in eligible if r.platform == "cluster" and r.finished]
    # every GPU count, and both ends of the laptop range: the fastest laptop configuration and
    # the slowest (each as fast as its best run: it stands for its repeats)
    assert {r.gpus for r in view.selection.cluster} == {r.gpus for r in cluster}
    best: dict[object, float] = {}
    for run in laptops:
        key = configuration(run)
        best[key] = min(best.get(key, run.time_s), run.time_s)
    assert min(best, key=best.__getitem__) in lanes
    assert max(best, key=best.__getitem__) in lanes
    assert len(best) > LANE_ROOM
    # a laptop lane stands for its repeats and says so; the report gives their spread
    repeated = [r for r in view.selection.laptops if view.selection.stands_for[r.run_id] > 1]
    assert repeated
    assert "(best of 6)" in view.label(repeated[0])
    assert any("stands for 6 runs of its configuration" in line for line in view.report.selection)


# --- one [select] line: report, runs and the scenes agree ---------------------------------------


def test_one_select_line_is_the_study_for_report_runs_and_scenes(big, tmp_path):
    store, runs = big
    study = study_file(tmp_path, f'[select]\ntags = ["{STUDY_TAG}"]\n')
    tagged = {r.name for r in big_runs() if STUDY_TAG in r.tags}
    assert len(tagged) == 26

    report = run_cli("report", store, "--json", "--study", study)
    assert report.returncode == 0, report.stderr
    figures = json.loads(report.stdout)
    assert {r["name"] for r in figures["runs"]} == tagged
    left_out = f"{len(runs) - len(tagged):,} runs left out by the study file's [select]"
    assert figures["left_out"] == left_out and left_out not in figures["selection"]
    # in Markdown, under a heading of its own, not an item of the runs shown
    markdown = run_cli("report", store, "--study", study).stdout
    assert f"\n\nRuns left out:\n- {left_out} (`python -m extract runs --all`" in markdown
    shown = markdown.split("Runs shown:", 1)[-1].split("\n\n", 1)[0]
    assert "left out" not in shown, markdown

    listed = run_cli("runs", store, "--study", study)
    assert listed.returncode == 0, listed.stderr
    assert left_out in listed.stderr
    # the header counts what it lists of what the store holds, and says why
    assert f"26 of {len(runs):,} runs in " in listed.stdout
    assert f"({left_out}; --all lists them)" in listed.stdout.replace("\n", " ")
    assert "debug-" not in listed.stdout and "laptop-16t" not in listed.stdout
    # --all lists them with why, '[select]' as written (rich read it as markup: "(: no tag")
    every = run_cli("runs", store, "--study", study, "--all")
    assert "[select]" in every.stdout and "(: no tag" not in every.stdout
    assert f"{len(runs):,} runs in " in every.stdout and "(26 in the study; " in every.stdout
    # a thousand runs: one line each, not a table of a thousand evidence cells
    lines = every.stdout.splitlines()
    assert lines[0].startswith(f"{len(runs):,} runs in") and "one line each" in lines[0]
    assert len(lines) == len(runs) + 2  # the title, the column names, a line per run
    assert sum(line.split()[0].startswith("debug-") for line in lines[2:]) == 60

    view = view_of(runs, Settings(), load_study(study), "big")
    lanes = race_plan(view).lanes
    shown = {f["run_id"] for f in figures["runs"] if f["shown"]}
    assert {lane.run.run_id for lane in lanes} == shown
    # the study's seven GPU counts, three repeats each, and its laptop
    assert [lane.label for lane in lanes].count("64 GPUs, 8 nodes (best of 3)") == 1
    assert len(lanes) == 8
    assert left_out in race_plan(view).source


def test_select_reads_group_job_type_sweep_dates_config_and_names(big):
    _, runs = big
    table = big_runs()

    def chosen(text: str) -> set[str]:
        study = load_study_text(text)
        return {r.name for r in choose(runs, Settings(), study).runs}

    assert chosen(f'[select]\nsweep = "{SWEEP_ID}"') == {r.name for r in table if r.sweep}
    assert chosen("[select]\nsweep = false") == {r.name for r in table if not r.sweep}
    assert chosen('[select]\njob_type = "debug"') == {
        r.name for r in table if r.job_type == "debug"
    }
    assert chosen('[select]\ngroup = ["vit-scaling-old"]') == {
        r.name for r in table if r.group == "vit-scaling-old"
    }
    assert chosen('[select]\nconfig = { script_version = "v1" }') == {
        r.name for r in table if r.config.get("script_version") == "v1"
    }
    assert chosen("[select]\ncreated_before = 2025-07-01") == {
        r.name for r in table if r.created < "2025-07"
    }
    assert chosen('[select]\nstate = ["failed", "crashed"]\nnames = "^v2-"') == {
        "v2-16gpu-failed",
        "v2-32gpu-crashed",
    }
    assert chosen('[select]\nexclude = ["^debug-", "^laptop-", "^sweep-", "^mystery"]') == {
        r.name for r in table if r.name.startswith("v")
    }


def test_select_and_the_manim_cfg_regexes_both_apply_and_are_counted(big):
    _, runs = big
    study = load_study_text(f'[select]\ntags = ["{STUDY_TAG}"]')
    chosen = choose(runs, Settings(exclude_runs="-r0$"), study)
    assert {r.name for r in chosen.runs} == {
        r.name for r in big_runs() if STUDY_TAG in r.tags and not r.name.endswith("-r0")
    }
    assert chosen.note() == (
        "998 runs left out by the study file's [select], 8 by manim.cfg's include_runs/exclude_runs"
    )


def test_a_mistake_in_select_names_the_key(tmp_path):
    for text, said in (
        ("[select]\ntag = ['x']", "unknown key select.tag"),
        ("[select]\nstate = 'done'", "select.state: 'done'"),
        ("[select]\nnames = '('", "not a regular expression"),
        ("[select]\ncreated_after = 'last week'", "select.created_after"),
    ):
        with pytest.raises(InputError, match=said.replace("(", r"\(")):
            load_study(study_file(tmp_path, text))


# --- extract runs --summary ------------------------------------------------------------------


def test_summary_is_one_screen_for_a_thousand_runs(big):
    store, _ = big
    result = run_cli("runs", store, "--summary")
    assert result.returncode == 0, result.stderr
    lines = result.stdout.splitlines()
    assert len(lines) <= 30
    text = result.stdout
    assert "1,024 runs" in text
    assert f"sweeps: {SWEEP_ID} (40); 40 trials, 32 finished" in text
    assert "job types: benchmark (882), train (78), debug (60)" in text
    assert "64 GPUs, 8 nodes" in text and "more configurations" in text
    assert "shown: 20 lanes of" in text


def test_summary_with_a_selection_describes_what_it_keeps(big, tmp_path):
    """With one [select] line, the sweeps, groups, job types and tags are those of the runs
    the study keeps, and how many runs it leaves out of them is said apart (the sweep is no
    part of this study: a store-wide count said it was)."""
    store, runs = big
    study = study_file(tmp_path, f'[select]\ntags = ["{STUDY_TAG}"]\n')
    result = run_cli("runs", store, "--summary", "--study", study)
    assert result.returncode == 0, result.stderr
    kept = [r for r in runs if STUDY_TAG in r.tags]
    assert {r.job_type for r in kept} == {"train"} and not any(r.sweep_id for r in kept)
    sweep_trials = sum(1 for r in runs if r.sweep_id == SWEEP_ID)
    lines = result.stdout.splitlines()
    assert (
        f"sweeps: none in the study; {sweep_trials} runs left out by the selection: "
        in "\n".join(lines)
    )
    (job_types,) = [line for line in lines if line.startswith("job types: ")]
    left_typed = sum(1 for r in runs if STUDY_TAG not in r.tags and r.job_type)
    assert job_types.startswith(
        f"job types: train ({len(kept)}); {left_typed} runs left out by the selection: "
    ), job_types


# --- runs written by the real SDK: tags, group, job type, sweep -------------------------------


@pytest.fixture(scope="module")
def organised(tmp_path_factory: pytest.TempPathFactory) -> tuple[list[Run], dict]:
    folder, logged = write_sdk_runs(tmp_path_factory.mktemp("organised"))
    runs = ingest_offline([folder]).runs
    store = tmp_path_factory.mktemp("organised-store") / "runs.h5"
    save_runs(store, runs)
    return load_runs(store), logged


def test_offline_runs_keep_their_tags_group_job_type_and_sweep(organised):
    runs, logged = organised
    by_name = {r.name: r for r in runs}
    assert set(by_name) == set(logged)
    for name, given in logged.items():
        run = by_name[name]
        assert run.tags == tuple(given["tags"])
        assert (run.group, run.job_type) == (given["group"], given["job_type"])
        assert run.sweep_id == given.get("sweep")
    # --explain says what [select] reads of a run
    said = explain(by_name["v2-8gpu-trial"])[1]
    assert f"tags scaling-v2; group vit-scaling; job type train; sweep {SWEEP_ID}" in said


def test_select_on_sdk_runs_leaves_the_trial_and_the_debugging_run_out(organised):
    runs, _ = organised
    study = load_study_text('[select]\nsweep = false\njob_type = "train"')
    chosen = choose(runs, Settings(), study)
    assert {r.name for r in chosen.runs} == {"v2-8gpu", "laptop-8c"}
    reasons = {r.name: why for r, why in chosen.left_out}
    assert reasons == {
        "v2-8gpu-trial": f"[select]: a trial of sweep {SWEEP_ID}",
        "v2-8gpu-debug": "[select]: job type 'debug' is not train",
    }
    assert [r.name for r in select(chosen.runs, study).shown] == ["v2-8gpu", "laptop-8c"]


# --- extract wandb: the same selection as the API's filters ------------------------------------


def test_extract_wandb_fetches_the_runs_of_select(tmp_path, monkeypatch):
    api = StandInApi()
    rows = [{"_step": s, "_runtime": 10.0 * s, "epoch": s // 5} for s in range(20)]
    size = {"total_gpus": 8, "nodes": 1, "epochs": 4, "script_version": "v2"}
    api.projects["team/vit"] = [
        StandInRun("a1", "v2-8gpu", rows, config=size, tags=["scaling-v2"], job_type="train"),
        StandInRun(
            "b2",
            "trial",
            rows,
            config=size,
            tags=["scaling-v2"],
            job_type="train",
            sweep_name=SWEEP_ID,
        ),
        StandInRun("c3", "debug-1", rows, config=size, tags=["debug"], job_type="debug"),
        StandInRun(
            "d4", "v1-8gpu", rows, config={**size, "script_version": "v1"}, tags=["scaling-v2"]
        ),
    ]
    monkeypatch.setattr(wandb, "Api", lambda timeout=None: api)
    study = study_file(
        tmp_path,
        '[select]\ntags = ["scaling-v2"]\nsweep = false\nconfig = { script_version = "v2" }\n',
    )
    store = tmp_path / "runs.h5"
    result = run_cli("wandb", "team/vit", "-o", store, "--study", study)
    assert result.returncode == 0, result.stderr
    assert api.calls[0]["filters"] == {
        "$and": [{"tags": {"$in": ["scaling-v2"]}}, {"config.script_version": "v2"}]
    }
    # the server's answer is checked again: sweep = false, and a server that ignored a filter
    assert [r.name for r in load_runs(store)] == ["v2-8gpu"]
    assert "fetching the runs of" in result.stderr


def test_select_as_api_filters():
    study = load_study_text(
        "[select]\n"
        'tags = ["a", "b"]\ngroup = "g"\njob_type = ["train"]\nsweep = ["s1", "s2"]\n'
        'state = "finished"\ncreated_after = 2025-08-01\ncreated_before = 2025-09-01T12:00:00Z\n'
        'names = "GPU"\nexclude = ["debug"]\n'
    )
    assert ApiSelection("x/y", run_filter=study.select).api_filters() == {
        "$and": [
            {"tags": {"$in": ["a", "b"]}},
            {"group": "g"},
            {"jobType": "train"},
            {"state": "finished"},
            {"sweep": {"$in": ["s1", "s2"]}},
            {"createdAt": {"$gte": "2025-08-01T00:00:00"}},
            {"createdAt": {"$lt": "2025-09-01T12:00:00"}},
            {"$or": [{"displayName": {"$regex": "GPU"}}, {"name": {"$regex": "GPU"}}]},
            {"$nor": [{"displayName": {"$regex": "debug"}}, {"name": {"$regex": "debug"}}]},
        ]
    }


def test_the_same_gpu_count_on_other_nodes_is_another_configuration():
    """8 GPUs on one node and on two nodes: two lanes, each named by its nodes (a newcomer's
    '8 GPUs, 1 node (best of 4)' stood for a 2-node run too, its time in the range); a chart
    against GPU count keeps one point for 8, the faster."""
    from extract.model import Evidence, Run
    from study.scaling import scaling_points

    def run(run_id: str, gpus: int, nodes: int, seconds: float) -> Run:
        return Run(
            run_id=run_id,
            name=run_id,
            platform="cluster",
            state="finished",
            gpus=gpus,
            nodes=nodes,
            epochs=2,
            epochs_done=2,
            time_s=seconds,
            evidence={"gpus": Evidence("config", "world_size", str(gpus))},
        )

    runs = [run("one", 1, 1, 40.0), run("8x1", 8, 1, 6.0), run("8x1b", 8, 1, 6.2)]
    runs.append(run("4x2", 8, 2, 7.0))
    view = view_of(runs, Settings(), None, "nodes")
    labels = sorted(view.label(r) for r in view.shown)
    assert labels == ["1 GPU, 1 node", "8 GPUs, 1 node (best of 2)", "8 GPUs, 2 nodes"], labels
    assert [(p.gpus, p.run.run_id) for p in scaling_points(runs)] == [(1, "one"), (8, "8x1")]
