"""Where the run store and the sample study live."""

from __future__ import annotations

import configparser
import os
from pathlib import Path

PROJECT_ROOT = Path(__file__).resolve().parents[1]
SAMPLE_DIR = PROJECT_ROOT / "data" / "sample"
DEFAULT_STORE = PROJECT_ROOT / "data" / "runs.h5"
STORE_ENV = "RUNS_STORE"
CONFIG_ENV = "LUMI_CONFIG"


def store_path(explicit: str | Path | None = None) -> Path:
    """The store to use: an explicit path, else $RUNS_STORE, else data/runs.h5."""
    if explicit:
        return Path(explicit)
    from_env = os.environ.get(STORE_ENV)
    return Path(from_env) if from_env else DEFAULT_STORE


def manim_cfg() -> Path | None:
    """The manim.cfg whose [lumi_vs_laptop] section holds the settings and may name the study
    file: $LUMI_CONFIG, else ./manim.cfg (the file manim itself reads), else the project's."""
    explicit = os.environ.get(CONFIG_ENV)
    if explicit:
        return Path(explicit)
    for candidate in (Path.cwd() / "manim.cfg", PROJECT_ROOT / "manim.cfg"):
        if candidate.exists():
            return candidate
    return None


def manim_cfg_value(section: str, key: str) -> tuple[Path, str] | None:
    """What manim.cfg (see ``manim_cfg``) sets ``key`` of ``section`` to, with the file; None
    when it sets nothing or cannot be read (the settings reader reports a broken file with its
    line)."""
    candidate = manim_cfg()
    if candidate is None or not candidate.exists():
        return None
    parser = configparser.ConfigParser(interpolation=None)
    try:
        parser.read(candidate, encoding="utf-8")
    except (configparser.Error, OSError, UnicodeDecodeError):
        return None
    value = parser.get(section, key, fallback="").strip()
    return (candidate, value) if value else None
