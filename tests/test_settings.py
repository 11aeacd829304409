"""Re-targeting the scenes from manim.cfg's [lumi_vs_laptop] section, without touching Python."""

import pytest

from extract import load_runs
from extract.errors import InputError
from scenes.comparison import TrainingComparison
from scenes.race import ProgressRace
from study.settings import Settings, load_settings
from tests.layout_check import layout_problems
from tests.scene_probe import key_frames


@pytest.fixture
def settings_file(tmp_path, monkeypatch, sample_store):
    monkeypatch.setenv("RUNS_STORE", str(sample_store))

    def write(body: str):
        path = tmp_path / "study.cfg"
        path.write_text("[lumi_vs_laptop]\n" + body)
        monkeypatch.setenv("LUMI_CONFIG", str(path))
        return path

    return write


def test_defaults_without_a_section(settings_file, tmp_path, monkeypatch):
    other = tmp_path / "plain.cfg"
    other.write_text("[CLI]\nframe_rate = 30\n")
    monkeypatch.setenv("LUMI_CONFIG", str(other))
    assert load_settings() == Settings()


def test_project_manim_cfg_documents_every_setting():
    from extract.paths import PROJECT_ROOT

    text = (PROJECT_ROOT / "manim.cfg").read_text()
    for name in Settings.__dataclass_fields__:
        assert f"\n{name} =" in text, name


@pytest.mark.parametrize(
    ("body", "message"),
    [
        ("theme = sepia\n", "theme = 'sepia': use dark or light"),
        ("target_accuracy = high\n", "target_accuracy = 'high' is not a number"),
        ("target_accuracy = 120\n", "use a percentage (90) or a fraction (0.9)"),
        ("comparison_time = weekly\n", "use total or per_epoch"),
        ("include_runs = [unclosed\n", "is not a regular expression"),
        ("colour = red\n", "unknown setting 'colour'"),
    ],
)
def test_bad_settings_are_named(settings_file, body, message):
    path = settings_file(body)
    with pytest.raises(InputError) as error:
        load_settings()
    assert message in str(error.value) and str(path) in str(error.value)


@pytest.mark.render
def test_names_titles_and_run_selection_reach_the_screen(settings_file, sample_store):
    settings_file(
        "cluster_name = Frontier\n"
        "laptop_name = Workstation\n"
        "title_race = {cluster} against a {laptop}\n"
        "exclude_runs = ^(1|2) GPU\n"
    )
    shown = {t.content for t in key_frames(ProgressRace)[-1]}
    assert "Frontier against a Workstation" in shown  # names keep the case they were given
    assert any(s.startswith("Workstation: ") for s in shown)
    assert not any(s.startswith(("1 GPU", "2 GPUs")) for s in shown)
    kept = Settings(exclude_runs="^(1|2) GPU").select(load_runs(sample_store))
    assert len(kept) == 8


@pytest.mark.render
def test_per_epoch_comparison(settings_file):
    settings_file("comparison_time = per_epoch\n")
    frames = key_frames(TrainingComparison)
    shown = {t.content for t in frames[-1]}
    assert "per epoch,\nlog scale" in shown
    assert "33 s" in shown  # the 64-GPU run: 196 s over 6 epochs
    assert "\u224825.3 h" in shown  # the slowest laptop estimate per epoch
    for texts in frames:
        assert layout_problems(texts) == []


def test_include_nothing_is_a_clear_error(settings_file, capsys):
    settings_file("include_runs = ^no such run$\n")
    with pytest.raises(SystemExit) as stop:
        key_frames(ProgressRace)
    assert stop.value.code == 2
    assert "no runs left after include_runs/exclude_runs" in capsys.readouterr().err


def test_the_deck_is_titled_with_the_names_the_scenes_show():
    from scenes.deck.__main__ import deck_title

    assert deck_title(Settings()) == "LUMI vs Laptop"
    assert deck_title(Settings(cluster_name="Mahti", laptop_name="ThinkPad")) == "Mahti vs ThinkPad"
