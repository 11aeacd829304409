from __future__ import annotations

import shutil
import tempfile
from collections.abc import Iterator
from pathlib import Path

import manim.utils.testing.frames_comparison as frames_comparison
import pytest
from hypothesis import settings
from hypothesis.configuration import set_hypothesis_home_dir
from hypothesis.database import DirectoryBasedExampleDatabase
from manim import config

from extract.paths import PROJECT_ROOT, SAMPLE_DIR
from extract.sample import build_sample_store
from extract.store import load_runs
from extract.studyfile import StudyFile
from study.settings import Settings
from study.view import StudyView, view_of
from tests.readme_run import Result, run_readme
from tests.scene_probe import Probes
from tests.sdk_runs import wandb_dir  # noqa: F401 (a fixture for every test module)

# Debian 12 ships Cairo 1.16; manim skips its frame tests below 1.18 because control frames
# differ slightly between Cairo versions. Ours are made and checked on the same Cairo.
frames_comparison.MIN_CAIRO_VERSION = 0


# nothing a test run writes lands in the checkout: hypothesis' example database and manim's
# media folder (text SVG cache, partial movies of in-process scenes) live in a temporary folder
_SCRATCH = Path(tempfile.mkdtemp(prefix="lumi-tests-"))
set_hypothesis_home_dir(str(_SCRATCH / "hypothesis-home"))
settings.register_profile(
    "hermetic", database=DirectoryBasedExampleDatabase(str(_SCRATCH / "hypothesis"))
)
settings.load_profile("hermetic")
config.media_dir = str(_SCRATCH / "media")


def pytest_sessionfinish(session: pytest.Session, exitstatus: int) -> None:
    shutil.rmtree(_SCRATCH, ignore_errors=True)


def pytest_addoption(parser: pytest.Parser) -> None:
    parser.addoption("--set_test", action="store_true", help="write frames_comparison control data")
    parser.addoption("--show_diff", action="store_true", help="show frame differences")


@pytest.fixture(scope="session")
def sample_store(tmp_path_factory: pytest.TempPathFactory) -> Path:
    path = tmp_path_factory.mktemp("store") / "runs.h5"
    build_sample_store(path)
    return path


@pytest.fixture(scope="session")
def sample_view(sample_store: Path) -> StudyView:
    """The sample study as a scene is handed it: ``ProgressRace(view=sample_view)``."""
    return view_of(load_runs(sample_store), Settings(), StudyFile(), "sample study")


@pytest.fixture
def sample_exports(tmp_path: Path) -> Path:
    """A writable copy of the sample study's exports."""
    target = tmp_path / "sample"
    shutil.copytree(SAMPLE_DIR, target)
    return target


@pytest.fixture(scope="session")
def probes() -> Iterator[Probes]:
    """Dry runs of (scene, store), each once per session, two at a time in worker processes:
    every layout and opacity check of a pair reads the same probe."""
    pool = Probes(_SCRATCH / "media")
    try:
        yield pool
    finally:
        pool.close()


@pytest.fixture(scope="session")
def readme(tmp_path_factory, wandb_dir) -> tuple[Path, dict[str, Result]]:  # noqa: F811
    """Every README command run once on a fresh copy of the project (tests/readme_run.py): the
    renders it leaves (every scene's video at 480p15, the whole slide deck, an overlay, stills)
    are what every test of videos and decks reads, so each is rendered once per session."""
    if shutil.which("git") is None or not (PROJECT_ROOT / ".git").exists():
        pytest.skip("needs a git checkout to know the project's files")
    runs_dir, _ = wandb_dir
    return run_readme(tmp_path_factory.mktemp("fresh"), runs_dir)
