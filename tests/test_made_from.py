"""A deck takes the slides an earlier render drew only when nothing they depend on has changed
(scenes/made_from.py); that a render's slides are the frames of the plain scene is checked on the
README's own renders (tests/readme_run.py check_preview)."""

from __future__ import annotations

import json

import pytest

from scenes import made_from

INPUTS = {
    "manim.cfg": "[CLI]\nquality = low_quality\n",
    "runs.h5": "a store",
    "study.toml": "[corrections]\n",
    "scenes/race.py": "class ProgressRace: ...\n",
    "data/sample/runs_table.csv": "name,gpus\n",
}


@pytest.fixture
def project(tmp_path, monkeypatch):
    for name, content in INPUTS.items():
        (tmp_path / name).parent.mkdir(parents=True, exist_ok=True)
        (tmp_path / name).write_text(content)
    monkeypatch.setattr(made_from, "PROJECT_ROOT", tmp_path)
    monkeypatch.setenv("RUNS_STORE", str(tmp_path / "runs.h5"))
    monkeypatch.setenv("LUMI_STUDY", str(tmp_path / "study.toml"))
    for name in ("LUMI_CONFIG", "LUMI_SAMPLE"):
        monkeypatch.delenv(name, raising=False)
    monkeypatch.chdir(tmp_path)
    return tmp_path


def test_the_same_inputs_give_the_same_digest(project):
    assert made_from.render_digest("l") == made_from.render_digest("l")


@pytest.mark.parametrize("changed", sorted(INPUTS))
def test_a_changed_file_changes_the_digest(project, changed):
    before = made_from.render_digest("l")
    (project / changed).write_text(INPUTS[changed] + "# changed\n")
    assert made_from.render_digest("l") != before


def test_a_new_file_of_the_code_changes_the_digest(project):
    before = made_from.render_digest("l")
    (project / "scenes" / "kit.py").write_text("")
    assert made_from.render_digest("l") != before


def test_the_quality_and_what_chooses_the_inputs_change_the_digest(project, monkeypatch):
    before = made_from.render_digest("l")
    assert made_from.render_digest("h") != before
    monkeypatch.setenv("LUMI_SAMPLE", "1")
    assert made_from.render_digest("l") != before
    monkeypatch.delenv("LUMI_SAMPLE")
    (project / "other.h5").write_text(INPUTS["runs.h5"])  # the same bytes, another store
    monkeypatch.setenv("RUNS_STORE", str(project / "other.h5"))
    assert made_from.render_digest("l") != before


def presentation(folder, slide, files):
    folder.mkdir(parents=True, exist_ok=True)
    listed = []
    for name in files:
        (folder / name).write_bytes(b"video")
        listed.append({"file": str(folder / name), "notes": ""})
    (folder / f"{slide}.json").write_text(json.dumps({"slides": listed}))


def test_slides_are_reused_only_when_stamped_with_the_digest_and_whole(tmp_path):
    folder = tmp_path / "presentations"
    presentation(folder, "ProgressRaceSlides", ["a.mp4", "b.mp4"])
    assert not made_from.reusable(folder, "ProgressRaceSlides", "d1")  # never stamped
    made_from.remember(folder, "ProgressRaceSlides", "d1")
    assert made_from.reusable(folder, "ProgressRaceSlides", "d1")
    assert not made_from.reusable(folder, "ProgressRaceSlides", "d2")
    (folder / "b.mp4").unlink()
    assert not made_from.reusable(folder, "ProgressRaceSlides", "d1")
    (folder / "b.mp4").write_bytes(b"video")
    made_from.forget(folder, "ProgressRaceSlides")  # a render began: the stamp no longer holds
    assert not made_from.reusable(folder, "ProgressRaceSlides", "d1")


def test_a_render_that_left_no_presentation_is_not_stamped(tmp_path):
    made_from.remember(tmp_path, "CostOfSpeedSlides", "d1")
    assert not list(tmp_path.iterdir())
