"""A deck takes the slides an earlier render drew only when nothing they depend on has changed
(scenes/made_from.py); that a render's slides are the frames of the plain scene is checked on the
README's own renders (tests/readme_run.py check_preview)."""

from __future__ import annotations

import argparse
import importlib
import json
import threading
from pathlib import Path

import pytest

from scenes import made_from, render
from scenes.registry import BY_NAME
from scenes.render import Rendered

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


def test_a_setting_the_environment_changes_changes_the_digest(project, monkeypatch):
    # `LUMI_METRIC=batch_loss make render`, then `make slides`: MetricVsTime of learning_rate
    # is not the one rendered
    for name in ("LUMI_METRIC", "LUMI_METRIC_X"):
        monkeypatch.delenv(name, raising=False)
    before = made_from.render_inputs("l")
    monkeypatch.setenv("LUMI_METRIC", "batch_loss")
    metric = made_from.render_inputs("l")
    monkeypatch.setenv("LUMI_METRIC_X", "step")
    x_axis = made_from.render_inputs("l")
    assert before["settings"] != metric["settings"] != x_axis["settings"] != before["settings"]
    assert {k for k in before if before[k] != x_axis[k]} == {"settings"}


def presentation(folder, slide, files):
    folder.mkdir(parents=True, exist_ok=True)
    listed = []
    for name in files:
        (folder / name).write_bytes(b"video")
        listed.append({"file": str(folder / name), "notes": ""})
    (folder / f"{slide}.json").write_text(json.dumps({"slides": listed}))


def test_slides_are_taken_only_when_made_from_the_same_inputs_and_as_left(project, tmp_path):
    folder = tmp_path / "presentations"
    slide = "ProgressRaceSlides"
    presentation(folder, slide, ["a.mp4", "b.mp4"])
    inputs = made_from.render_inputs("l")
    assert made_from.why_drawn_again(folder, "CostOfSpeedSlides", inputs) == (
        "no render of it to take"
    )
    # slides with no stamp: a direct `manim render scenes/deck/slides.py ProgressRaceSlides`
    assert made_from.why_drawn_again(folder, slide, inputs) == made_from.UNRECORDED
    made_from.note_read(folder, slide)  # as the scene does once it has read its inputs
    made_from.remember(folder, slide, inputs, inputs)
    assert made_from.why_drawn_again(folder, slide, inputs) is None
    (project / "manim.cfg").write_text("[lumi_vs_laptop]\ntheme = light\n")
    assert made_from.why_drawn_again(folder, slide, made_from.render_inputs("l")) == (
        "the settings changed since its render"
    )
    assert made_from.why_drawn_again(folder, slide, made_from.render_inputs("h")) == (
        "its render was at another quality (l)"
    )
    (folder / "b.mp4").write_bytes(b"another render's video")
    assert made_from.why_drawn_again(folder, slide, inputs) == (
        "its slides were rewritten since (another render)"
    )
    (folder / "b.mp4").unlink()
    assert made_from.why_drawn_again(folder, slide, inputs) == "its slides are incomplete"
    made_from.forget(folder, slide)  # a render began: the stamp no longer holds
    assert made_from.why_drawn_again(folder, slide, inputs) == made_from.UNRECORDED


def test_a_render_that_left_no_presentation_is_not_stamped(tmp_path):
    made_from.remember(tmp_path, "CostOfSpeedSlides", {"quality": "l"}, {"quality": "l"})
    assert not list(tmp_path.iterdir())


def fake_render(media: Path, settings: Path, change: str):
    """Stands in for manim: leaves what a render of ProgressRaceSlides leaves, the scene noting
    what it read as the real one does, and changes the settings while it draws: not at all,
    before the scene reads them ("changed"), or only while it reads them ("undone")."""

    def render_all(scenes, quality, *extra, env=None, label=str, **kwargs):
        presentations = Path(env[made_from.PRESENTATIONS_ENV])
        original = settings.read_text()
        if change != "none":
            settings.write_text(original + "# changed while drawing\n")
        made_from.note_read(presentations, "ProgressRaceSlides")
        if change == "undone":
            settings.write_text(original)
        presentation(presentations, "ProgressRaceSlides", ["p.mp4"])
        drawn = media / "videos" / "slides" / "480p15"
        drawn.mkdir(parents=True, exist_ok=True)
        for suffix in (".mp4", ".png"):
            (drawn / f"ProgressRaceSlides{suffix}").write_bytes(b"frames")
        return Rendered(done=["ProgressRace"])

    return render_all


@pytest.mark.parametrize("change", ["none", "changed", "undone"])
def test_a_render_offers_its_slides_only_when_nothing_changed_while_it_drew(
    project, tmp_path, monkeypatch, change
):
    media = tmp_path / "media"
    monkeypatch.setattr(render, "render_all", fake_render(media, project / "manim.cfg", change))
    scene = BY_NAME["ProgressRace"]
    render.render_videos([(scene.path, scene.name)], "l", media, [], 1)
    assert (media / "videos" / "race" / "480p15" / "ProgressRace.mp4").read_bytes() == b"frames"
    folder = media / "slides" / "presentations"
    why = made_from.why_drawn_again(folder, scene.slide, made_from.render_inputs("l"))
    if change == "none":
        assert why is None
    else:
        assert why == "a file it reads changed while its render drew it"


def test_one_render_of_a_presentations_folder_at_a_time(tmp_path, capsys):
    order = []
    with made_from.slides_lock(tmp_path):

        def second() -> None:
            with made_from.slides_lock(tmp_path):
                order.append("second")

        waiting = threading.Thread(target=second)
        waiting.start()
        waiting.join(timeout=0.5)
        order.append("first")
    waiting.join()
    assert order == ["first", "second"]
    assert "waiting for another render of these slides" in capsys.readouterr().out


def test_renders_go_where_manim_cfg_names_the_media_folder(tmp_path, monkeypatch):
    cfg = tmp_path / "manim.cfg"
    cfg.write_text("[CLI]\nmedia_dir = ./out\n")
    monkeypatch.setenv("LUMI_CONFIG", str(cfg))
    assert render.configured_media() == (render.PROJECT_ROOT / "out").resolve()
    cfg.write_text("[CLI]\nquality = low_quality\n")
    assert render.configured_media() == render.PROJECT_ROOT / "media"


def test_a_deck_whose_taken_slides_are_rewritten_while_it_is_built_is_not_left(
    project, tmp_path, monkeypatch, capsys
):
    deck_main = importlib.import_module("scenes.deck.__main__")
    output = tmp_path / "slides"
    folder = output / "presentations"
    slide = "ScalingEfficiencySlides"
    presentation(folder, slide, ["s.mp4"])
    inputs = made_from.render_inputs("l")
    made_from.note_read(folder, slide)
    made_from.remember(folder, slide, inputs, inputs)

    def convert(names, presentations, destination, to, *options):
        destination.write_bytes(b"deck")
        # a `manim render scenes/deck/slides.py ...` beside the deck, which takes no lock
        (folder / "s.mp4").write_bytes(b"another study's video")

    monkeypatch.setattr(deck_main, "convert", convert)
    monkeypatch.setattr(deck_main, "use_last_frames_as_posters", lambda pptx: None)
    arguments = argparse.Namespace(quality="l", jobs=1, title="deck", scene=["ScalingEfficiency"])
    status = deck_main.build([slide], arguments, tmp_path / "media", output)
    said = capsys.readouterr()
    assert "slides of an earlier render" in said.out  # taken when the build began
    assert status == 1
    assert "slides of ScalingEfficiency were rewritten while the deck was built" in said.err
    assert not (output / "deck.html").exists() and not (output / "deck.pptx").exists()


def test_a_slide_class_rendered_alone_keeps_its_slides_in_manims_media_folder(
    tmp_path, monkeypatch
):
    """`manim render scenes/deck/slides.py X` (no deck, no `python -m scenes`): its slides go
    where `make slides` looks, under the media folder manim.cfg or --media_dir gave Manim."""
    from manim import tempconfig

    from scenes.deck.slides import presentations_folder

    monkeypatch.delenv(made_from.PRESENTATIONS_ENV, raising=False)
    with tempconfig({"media_dir": str(tmp_path / "elsewhere")}):
        assert presentations_folder() == tmp_path / "elsewhere" / "slides" / "presentations"
    monkeypatch.setenv(made_from.PRESENTATIONS_ENV, str(tmp_path / "named"))
    assert presentations_folder() == tmp_path / "named"
