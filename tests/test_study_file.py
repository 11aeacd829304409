"""The study file: corrections by run id or name, applied at every extraction and again at
render; the baseline and the pick; and the sample study kept apart from the user's runs."""

from __future__ import annotations

import csv
import json
import tomllib
from pathlib import Path

import pytest

from extract import load_runs
from extract.__main__ import main
from extract.runs import reapply
from extract.sample import load_default_runs
from extract.sources.wandb_exports import ingest_exports
from extract.studyfile import load_study, suggestion
from study.analysis import build_report
from study.plans import race_plan
from study.view import view_of

HEADER = ["Name", "State", "Notes", "User", "Tags", "Created", "Runtime", "Sweep"]


def runs_table(path: Path, rows: list[dict[str, str]]) -> Path:
    """A runs table as the W&B UI exports it: config then summary columns, alphabetical,
    empty where a run did not log the key (older runs lack the newer columns)."""
    config = sorted({k for r in rows for k in r.get("config", {})})
    summary = sorted({k for r in rows for k in r.get("summary", {})})
    with path.open("w", newline="") as handle:
        writer = csv.writer(handle, quoting=csv.QUOTE_ALL, lineterminator="\n")
        writer.writerow(HEADER + config + summary)
        for r in rows:
            fixed = [r["name"], r.get("state", "finished"), "-", "", r.get("tags", "")]
            fixed += [r.get("created", "2025-08-05T10:17:47.000Z"), r["runtime"], ""]
            cells = [str(r.get("config", {}).get(k, "")) for k in config]
            cells += [str(r.get("summary", {}).get(k, "")) for k in summary]
            writer.writerow(fixed + cells)
    return path


@pytest.fixture
def project(tmp_path: Path) -> Path:
    return runs_table(
        tmp_path / "wandb_export.csv",
        [
            {"name": "Four Node Run", "runtime": "300", "config": {"epochs": 10}},
            {"name": "Two Node Run", "runtime": "600", "config": {"epochs": 10}},
            {
                "name": "1 GPU",
                "runtime": "7200",
                "config": {"epochs": 10, "total_gpus": 1, "nodes": 1},
                "summary": {"epoch": 9},
            },
            {
                "name": "laptop",
                "runtime": "3600",
                "config": {"device_type": "CPU", "epochs": 3, "subset_percentage": 1},
                "summary": {"epoch": 0, "progress_percentage": 100},
            },
        ],
    )


STUDY = """
baseline = "1 GPU"
[runs."Four Node Run"]
platform = "cluster"
gpus = 32
nodes = 4
[runs."Two Node Run"]
exclude = true
[runs."No Such Run"]
gpus = 2
"""


def test_unknown_runs_are_stored_listed_and_named_with_the_line_to_add(project, tmp_path, capsys):
    store = tmp_path / "runs.h5"
    assert main(["csv", str(project), "-o", str(store)]) == 0
    err = capsys.readouterr().err
    lines = [line for line in err.splitlines() if "Four Node Run" in line]
    assert len(lines) == 1 and "no evidence of its platform, gpus, nodes" in lines[0]
    # the line to add is valid TOML once N is filled in
    added = lines[0].split(": ", 2)[-1].split("]: ", 1)[-1]
    toml_line = (
        added[added.index('"Four Node Run"') :].split(" (a laptop:")[0].replace("= N", "= 4")
    )
    assert tomllib.loads("[runs]\n" + toml_line)["runs"]["Four Node Run"]["gpus"] == 4
    runs = {r.name: r for r in load_runs(store)}
    assert runs["Four Node Run"].platform == "unknown" and runs["Four Node Run"].gpus is None
    report = build_report(list(runs.values()))
    assert report.fastest_cluster_run == "1 GPU"  # never an unknown run
    assert not report.run("Four Node Run").shown
    plan = race_plan(view_of(list(runs.values())))
    assert {lane.run.name for lane in plan.lanes} == {"1 GPU", "laptop"}


def test_study_file_corrections_apply_at_extraction_and_again_at_render(project, tmp_path, capsys):
    study = tmp_path / "study.toml"
    study.write_text(STUDY)
    store = tmp_path / "runs.h5"
    assert main(["csv", str(project), "-o", str(store), "--study", str(study)]) == 0
    err = capsys.readouterr().err
    assert "No Such Run" in err and "matches no run" in err
    runs = {r.name: r for r in load_runs(store)}
    four = runs["Four Node Run"]
    assert (four.platform, four.gpus, four.nodes) == ("cluster", 32, 4)
    assert four.evidence["gpus"].describe() == "study file study.toml: gpus = 32"
    assert runs["Two Node Run"].excluded

    # a fresh extraction without the file, then the file at render: the correction is back
    bare = tmp_path / "bare.h5"
    assert main(["csv", str(project), "-o", str(bare)]) == 0
    capsys.readouterr()
    reread = reapply(load_runs(bare), load_study(study).corrections)
    assert {r.name: r.gpus for r in reread}["Four Node Run"] == 32
    assert main(["report", str(bare), "--study", str(study), "--json"]) == 0
    report = json.loads(capsys.readouterr().out)
    four = next(r for r in report["runs"] if r["name"] == "Four Node Run")
    assert four["label"] == "32 GPUs, 4 nodes" and four["shown"]
    assert report["baseline_run"] == "1 GPU"
    assert four["speedup"] == pytest.approx((7200 / 10) / (300 / 10))


def test_command_line_shortcuts_win_over_the_study_file(project, tmp_path):
    study = tmp_path / "study.toml"
    study.write_text(STUDY)
    store = tmp_path / "runs.h5"
    assert (
        main(
            [
                "csv",
                str(project),
                "-o",
                str(store),
                "--study",
                str(study),
                "--gpus",
                "Four Node Run=24",
            ]
        )
        == 0
    )
    four = {r.name: r for r in load_runs(store)}["Four Node Run"]
    assert four.gpus == 24 and four.evidence["gpus"].source == "command line"
    # and they survive the study file being applied again at render
    (again,) = [r for r in reapply([four], load_study(study).corrections)]
    assert again.gpus == 24 and again.nodes == 4


def test_pick_latest_and_best_of(tmp_path):
    rows = [
        {
            "name": f"64 GPU try {i}",
            "runtime": str(runtime),
            "created": f"2025-07-1{i}T10:00:00.000Z",
            "config": {"total_gpus": 64, "nodes": 8, "epochs": 6},
            "summary": {"epoch": 5},
        }
        for i, runtime in enumerate((196, 250, 230))
    ]
    runs = ingest_exports([runs_table(tmp_path / "t.csv", rows)]).runs
    # what stands for the GPU count on every screen (a race needs a laptop too: not drawn here)
    view = view_of(runs)
    (chosen,) = view.selection.cluster
    assert chosen.name == "64 GPU try 0" and view.label(chosen) == "64 GPUs, 8 nodes (best of 3)"
    study = tmp_path / "study.toml"
    study.write_text('pick = "latest"\n')
    (chosen,) = view_of(runs, study=load_study(study)).selection.cluster
    assert chosen.name == "64 GPU try 2"


def test_suggestion_is_one_line_of_toml():
    line = suggestion('Run "quoted" one', ["platform", "gpus", "nodes"])
    parsed = tomllib.loads("[runs]\n" + line.replace("= N", "= 8"))
    assert parsed["runs"]['Run "quoted" one'] == {"platform": "cluster", "gpus": 8, "nodes": 8}


def test_your_runs_never_mix_with_the_sample(tmp_path, project, monkeypatch, capsys):
    monkeypatch.delenv("RUNS_STORE", raising=False)
    sample = tmp_path / "sample.h5"
    assert main(["sample", "-o", str(sample)]) == 0
    assert main(["csv", str(project), "-o", str(sample), "--merge"]) == 2
    assert "holds the sample study" in capsys.readouterr().err
    # without a store of their own, scenes read the sample and say so in the source line
    monkeypatch.setattr("extract.sample.DEFAULT_STORE", tmp_path / "missing.h5")
    monkeypatch.setattr("extract.sample.store_path", lambda explicit=None: tmp_path / "missing.h5")
    loaded = load_default_runs()
    assert loaded.sample and loaded.name == "sample study"
    plan = race_plan(view_of(loaded.runs, store_name=loaded.name))
    assert plan.source.startswith("Data: sample study, 10 runs")
