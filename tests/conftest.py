from __future__ import annotations

import shutil
import tempfile
from pathlib import Path

import manim.utils.testing.frames_comparison as frames_comparison
import pytest
from hypothesis import settings
from hypothesis.configuration import set_hypothesis_home_dir
from hypothesis.database import DirectoryBasedExampleDatabase
from manim import config

from extract.paths import SAMPLE_DIR
from extract.sample import build_sample_store
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


@pytest.fixture
def sample_exports(tmp_path: Path) -> Path:
    """A writable copy of the sample study's exports."""
    target = tmp_path / "sample"
    shutil.copytree(SAMPLE_DIR, target)
    return target
