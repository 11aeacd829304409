"""What a first user hits (issue 19): a folder given as the store, `-o DIR/`, a shared project
folder's permissions, an INI syntax error, names in their own case, a sub-second time."""

from __future__ import annotations

import os
import stat
from pathlib import Path

import pytest

from extract.errors import InputError
from study import units
from study.settings import Settings, load_settings
from tests.cli_run import Ran, run_cli


def cli(*args: str, cwd: Path, env: dict[str, str] | None = None) -> Ran:
    """`python -m extract ARGS` in ``cwd``, in this process (tests/cli_run.py)."""
    return run_cli(*args, cwd=cwd, env={**os.environ, **(env or {})})


def test_output_folder_gets_the_store_inside_with_the_umask_mode(tmp_path):
    old = os.umask(0o022)
    try:
        written = cli("sample", "-o", "out/", cwd=tmp_path)
    finally:
        os.umask(old)
    assert written.returncode == 0, written.stderr
    store = tmp_path / "out" / "runs.h5"
    assert store.is_file()
    # as a plain open() would make it: readable by the group and others under umask 022
    assert stat.S_IMODE(store.stat().st_mode) == 0o644


def test_a_replaced_store_keeps_its_mode(tmp_path):
    store = tmp_path / "runs.h5"
    assert cli("sample", "-o", str(store), cwd=tmp_path).returncode == 0
    store.chmod(0o640)
    assert cli("sample", "-o", str(store), cwd=tmp_path).returncode == 0
    assert stat.S_IMODE(store.stat().st_mode) == 0o640


@pytest.mark.parametrize("spelling", ["folder", "folder/"])
def test_a_folder_as_the_store_is_one_line(tmp_path, spelling):
    (tmp_path / "folder").mkdir()
    result = cli("report", cwd=tmp_path, env={"RUNS_STORE": spelling})
    assert result.returncode == 2
    lines = result.stderr.strip().splitlines()
    assert len(lines) == 1 and "a folder, not a run store" in lines[0], result.stderr


def test_an_ini_syntax_error_names_its_line(tmp_path):
    cfg = tmp_path / "manim.cfg"
    cfg.write_text("[lumi_vs_laptop]\ncluster_name = LUMI\ntheme dark\n", encoding="utf-8")
    result = cli("report", cwd=tmp_path, env={"LUMI_CONFIG": str(cfg)})
    assert result.returncode == 2
    lines = result.stderr.strip().splitlines()
    assert len(lines) == 1, result.stderr
    assert "cannot read settings: line 3: 'theme dark' is not 'key = value'" in lines[0]


def test_an_unknown_setting_names_its_section(tmp_path):
    cfg = tmp_path / "manim.cfg"
    cfg.write_text("[lumi_vs_laptop]\nthem = dark\n", encoding="utf-8")
    result = cli("report", cwd=tmp_path, env={"LUMI_CONFIG": str(cfg)})
    assert result.returncode == 2
    assert "unknown setting 'them' in [lumi_vs_laptop] (known: theme," in result.stderr


def test_names_keep_the_users_case(monkeypatch, tmp_path):
    cfg = tmp_path / "manim.cfg"
    cfg.write_text("[lumi_vs_laptop]\nlaptop_name = MacBook\n", encoding="utf-8")
    monkeypatch.setenv("LUMI_CONFIG", str(cfg))
    settings = load_settings()
    assert settings.title(settings.title_race) == "The training race: LUMI vs MacBook"
    assert Settings().title("{cluster} vs {laptop}") == "LUMI vs Laptop"


def test_a_parse_error_from_the_settings_is_an_input_error(monkeypatch, tmp_path):
    cfg = tmp_path / "manim.cfg"
    cfg.write_text("[lumi_vs_laptop\n", encoding="utf-8")
    monkeypatch.setenv("LUMI_CONFIG", str(cfg))
    with pytest.raises(InputError, match="cannot read settings: line 1"):
        load_settings()


def test_a_sub_second_time_is_not_zero():
    assert units.duration(0.37) == "0.37 s"
    assert units.duration(0.012) == "0.012 s"
    assert units.duration(3.0) == "3 s"
