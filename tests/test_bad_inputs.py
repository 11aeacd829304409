"""The bad-input corpus (tests/bad_inputs/cases.toml): every case is one clear line naming the
file (and row and column where they apply), exit status 2, no traceback, and the store that was
there before is byte-for-byte the same."""

from __future__ import annotations

import hashlib
import shutil
import tomllib
from pathlib import Path

import pytest

from extract.__main__ import main
from scenes.comparison import TrainingComparison
from scenes.cost import CostOfSpeed
from scenes.curves import AccuracyVsTime, LossVsTime
from scenes.race import ProgressRace
from scenes.scaling import ScalingEfficiency
from tests.scene_probe import key_frames

CORPUS = Path(__file__).with_name("bad_inputs")
CASES = tomllib.loads((CORPUS / "cases.toml").read_text())["case"]
SCENES = [
    ProgressRace,
    ScalingEfficiency,
    TrainingComparison,
    AccuracyVsTime,
    LossVsTime,
    CostOfSpeed,
]


def case_id(case: dict) -> str:
    return f"{case['kind']}:{'+'.join(Path(f).name for f in case['files'])}"


def digest(path: Path) -> str:
    return hashlib.sha256(path.read_bytes()).hexdigest()


def assert_one_clear_line(stderr: str, case: dict) -> None:
    lines = [line for line in stderr.splitlines() if line.strip()]
    assert len(lines) == 1, stderr
    assert lines[0].startswith("error: ") and "Traceback" not in stderr
    for words in case["expect"]:
        assert words in lines[0], (words, lines[0])


def test_the_corpus_is_large_and_every_file_is_used():
    assert len(CASES) >= 30
    used = {f for case in CASES for f in case["files"]}
    on_disk = {
        str(p.relative_to(CORPUS)) for p in CORPUS.rglob("*") if p.is_file() and p.suffix != ".toml"
    }
    unused = {f for f in on_disk if not any(f == u or f.startswith(u + "/") for u in used)}
    assert not unused


@pytest.mark.parametrize("case", [c for c in CASES if c["kind"] in ("csv", "offline")], ids=case_id)
def test_extract_commands(case, tmp_path, sample_store, capsys):
    store = tmp_path / "runs.h5"
    shutil.copy(sample_store, store)
    before = digest(store)
    status = main([case["kind"], *(str(CORPUS / f) for f in case["files"]), "-o", str(store)])
    assert status == 2
    captured = capsys.readouterr()
    assert captured.out == ""
    assert_one_clear_line(captured.err, case)
    assert digest(store) == before
    assert sorted(p.name for p in tmp_path.iterdir()) == ["runs.h5"]  # no temporary left


@pytest.mark.parametrize("case", [c for c in CASES if c["kind"] == "store"], ids=case_id)
def test_report_and_every_scene_on_a_bad_store(case, monkeypatch, capsys):
    path = str(CORPUS / case["files"][0])
    assert main(["report", path]) == 2
    assert_one_clear_line(capsys.readouterr().err, case)
    monkeypatch.setenv("RUNS_STORE", path)
    monkeypatch.delenv("LUMI_CONFIG", raising=False)
    for scene in SCENES:
        with pytest.raises(SystemExit) as stop:
            key_frames(scene)
        assert stop.value.code == 2, scene.__name__
        assert_one_clear_line(capsys.readouterr().err, case)


@pytest.mark.parametrize("case", [c for c in CASES if c["kind"] == "config"], ids=case_id)
def test_every_scene_on_bad_settings(case, monkeypatch, capsys, sample_store):
    monkeypatch.setenv("RUNS_STORE", str(sample_store))
    monkeypatch.setenv("LUMI_CONFIG", str(CORPUS / case["files"][0]))
    for scene in SCENES:
        with pytest.raises(SystemExit) as stop:
            key_frames(scene)
        assert stop.value.code == 2, scene.__name__
        assert_one_clear_line(capsys.readouterr().err, case)


def test_skip_invalid_writes_the_valid_rows_and_names_each_skipped(tmp_path, capsys):
    store = tmp_path / "runs.h5"
    table = CORPUS / "csv" / "runtime_text.csv"
    assert main(["csv", str(table), "--skip-invalid", "-o", str(store)]) == 0
    captured = capsys.readouterr()
    assert "wrote 1 run (" in captured.out
    assert f"skipped {table}, row 3, column 'Runtime': runtime 'fast'" in captured.err
    from extract import load_runs

    assert [run.name for run in load_runs(store)] == ["1 GPU 1 Node Run"]


def test_skip_invalid_leaves_out_bad_panel_cells_only(tmp_path, capsys):
    store = tmp_path / "runs.h5"
    files = [CORPUS / "panel" / "runs_table.csv", CORPUS / "panel" / "value_text.csv"]
    assert main(["csv", *map(str, files), "--skip-invalid", "-o", str(store)]) == 0
    assert "row 3, column '1 GPU 1 Node Run - running_accuracy'" in capsys.readouterr().err
    from extract import load_runs

    (run,) = load_runs(store)
    assert run.history["running_accuracy"].dropna().tolist() == [5.0]


def test_skip_invalid_with_nothing_valid_is_still_an_error(tmp_path, capsys):
    store = tmp_path / "runs.h5"
    table = CORPUS / "csv" / "empty_name.csv"
    only_bad = tmp_path / "bad.csv"
    lines = table.read_text().splitlines()
    only_bad.write_text("\n".join([lines[0], lines[2]]) + "\n")
    assert main(["csv", str(only_bad), "--skip-invalid", "-o", str(store)]) == 2
    assert "export has no valid runs" in capsys.readouterr().err
    assert not store.exists()


@pytest.mark.parametrize("case", [c for c in CASES if c["kind"] == "study"], ids=case_id)
def test_bad_study_file_stops_extraction_report_and_scenes(
    case, tmp_path, sample_store, monkeypatch, capsys
):
    study = str(CORPUS / case["files"][0])
    store = tmp_path / "runs.h5"
    shutil.copy(sample_store, store)
    before = digest(store)
    table = str(CORPUS.parent.parent / "data" / "sample" / "runs_table.csv")
    assert main(["csv", table, "-o", str(store), "--study", study]) == 2
    assert_one_clear_line(capsys.readouterr().err, case)
    assert digest(store) == before
    assert main(["report", str(store), "--study", study]) == 2
    assert_one_clear_line(capsys.readouterr().err, case)
    monkeypatch.setenv("RUNS_STORE", str(store))
    monkeypatch.setenv("LUMI_STUDY", study)
    monkeypatch.delenv("LUMI_CONFIG", raising=False)
    for scene in SCENES:
        with pytest.raises(SystemExit) as stop:
            key_frames(scene)
        assert stop.value.code == 2, scene.__name__
        assert_one_clear_line(capsys.readouterr().err, case)
