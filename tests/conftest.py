from __future__ import annotations

import os
import shutil
import tempfile
from collections.abc import Iterator
from concurrent.futures import Future, ThreadPoolExecutor
from pathlib import Path
from typing import Any

import manim.utils.testing.frames_comparison as frames_comparison
import pytest
from hypothesis import settings
from hypothesis.configuration import set_hypothesis_home_dir
from hypothesis.database import DirectoryBasedExampleDatabase
from manim import config

from extract.model import Run
from extract.paths import PROJECT_ROOT, SAMPLE_DIR
from extract.sample import build_sample_store
from extract.sources.wandb_exports import ingest_exports
from extract.sources.wandb_files import ingest_offline
from extract.store import load_runs
from extract.studyfile import StudyFile
from scenes.kit.text import KEPT_TEXTS_ENV
from study.settings import Settings
from study.view import StudyView, view_of
from tests.critic_stores import build_stores, writer_clock_runs
from tests.mlflow_runs import (  # noqa: F401 (fixtures for every test module)
    both_trackers,
    mlflow_folder,
    mlflow_server,
    mlflow_server_started,
    mlflow_sqlite,
)
from tests.random_stores import FIXED_STUDIES, WrittenStudies
from tests.readme_run import GIF_FPS, GIF_WIDTH, Result, demo_video, run_readme
from tests.real_projects import KILLED_KEPT, write_exports, write_offline_runs
from tests.scene_probe import CRITIC_FRAME_RATE, Probes
from tests.sdk_runs import wandb_dir  # noqa: F401 (a fixture for every test module)
from tests.tb_runs import tb_logdir  # noqa: F401 (a fixture for every test module)

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
# every render of the test run keeps its texts in one folder, whatever its media folder (the
# README run's too): each text is built once per run. One run may be several pytest processes
# (pytest-xdist's workers inherit this environment; `make test` names the folder for both of
# its pytests), so the folder is named once and passed on.
SHARED_TEXTS_ENV = "LUMI_TEST_TEXTS"
os.environ.setdefault(SHARED_TEXTS_ENV, str(_SCRATCH / "texts"))
os.environ[KEPT_TEXTS_ENV] = os.environ[SHARED_TEXTS_ENV]


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
def readme_started(
    tmp_path_factory: pytest.TempPathFactory,
    wandb_dir: tuple[Path, Any],  # noqa: F811
) -> Iterator[Future[tuple[Path, dict[str, Result]]] | None]:
    """The README run (minutes of renders in child processes), begun in a thread of its own so
    that the tests that do not need it run meanwhile. It reads the environment as it is now,
    before any test changes it."""
    if shutil.which("git") is None or not (PROJECT_ROOT / ".git").exists():
        yield None
        return
    runs_dir, _ = wandb_dir
    fresh = tmp_path_factory.mktemp("fresh")
    with ThreadPoolExecutor(1, thread_name_prefix="readme") as pool:
        yield pool.submit(run_readme, fresh, runs_dir, dict(os.environ))


@pytest.fixture(scope="session")
def readme(
    readme_started: Future[tuple[Path, dict[str, Result]]] | None,
) -> tuple[Path, dict[str, Result]]:
    """Every README command run once on a fresh copy of the project (tests/readme_run.py): the
    renders it leaves (every scene's video at 480p15, the whole slide deck, an overlay, stills)
    are what every test of videos and decks reads, so each is rendered once per session."""
    if readme_started is None:
        pytest.skip("needs a git checkout to know the project's files")
    repo, results = readme_started.result()
    for result in results.values():  # the time each command takes (pytest -s)
        print(f"{result.seconds:6.1f} s  {result.command}")
    return repo, results


# what runs outside this process for minutes (see _long_work_begun_first)
LONG_WORK = ("readme", "probes", "critic_stores", "mlflow_server")
# the long work the tests wait for, in the order it is ready: the sample's probes (queued first),
# the README run and the mlflow server, the critic's studies' probes, the messy stores' probes
READY_ORDER = ("probes", "readme", "mlflow_server", "critic_studies", "critic_stores")


def _ready_rank(item: pytest.Item) -> int:
    """Where in READY_ORDER the last long work ``item`` waits for is (-1: none)."""
    names = getattr(item, "fixturenames", ())
    return max((rank for rank, name in enumerate(READY_ORDER) if name in names), default=-1)


@pytest.hookimpl(tryfirst=True)  # before `-m` selects by the marker set here
def pytest_collection_modifyitems(items: list[pytest.Item]) -> None:
    """The tests that read the README run, the probes or the mlflow server are marked
    ``long_work`` (`make test` runs them in a pytest of their own beside the others) and go
    last, in the order their long work is ready (READY_ORDER), else in their order: the long work
    they wait for runs beside every other test first, and what the README run's tests check
    in this process runs beside the probes still running."""
    for item in items:
        if any(name in LONG_WORK for name in getattr(item, "fixturenames", ())):
            item.add_marker(pytest.mark.long_work)
    items.sort(key=lambda item: (item.get_closest_marker("long_work") is not None,
                                 _ready_rank(item)))  # fmt: skip


@pytest.fixture(scope="session", autouse=True)
def _long_work_begun_first(request: pytest.FixtureRequest) -> None:
    """What takes minutes outside this process starts before the first test, so that it runs
    beside the tests that need none of it: the README run, and the probes of every scene (the
    sample at a deck's frame rate first: the holds, layout and cost checks read those; then the
    sample's stills and overlays, the critic's studies, the frame critic's stores), and a real
    mlflow server. Only what the selected tests use. The probes are queued longest first, so
    that the two workers finish together."""
    wanted = {name for item in request.session.items for name in item.fixturenames}
    if "readme" in wanted:
        started = request.getfixturevalue("readme_started")
        if started is not None and "sample_outputs" in wanted:
            # every scene's GIF is made from the demo's video in the workers as soon as the
            # README run is done, beside the checks of the README run in this process
            outputs: Probes = request.getfixturevalue("sample_outputs")
            started.add_done_callback(lambda done: _queue_gifs(outputs, done))
    if "probes" in wanted:
        from scenes.registry import SCENES

        probes: Probes = request.getfixturevalue("probes")
        probes.start([entry.name for entry in SCENES], None, "sample study")
    for name in ("sample_outputs", "critic_studies", "critic_stores"):
        if name in wanted:
            request.getfixturevalue(name)
    # a real mlflow server, answering after seconds to a minute; not in pytest-xdist's workers
    # (`make check`): each collects every test, and only the one that runs its test needs it
    if "mlflow_server" in wanted and "PYTEST_XDIST_WORKER" not in os.environ:
        request.getfixturevalue("mlflow_server_started")


def _queue_gifs(probes: Probes, readme: Future[tuple[Path, dict[str, Result]]]) -> None:
    from scenes.registry import SCENES

    if readme.exception() is None:
        repo, _ = readme.result()
        for entry in SCENES:
            probes.gif(demo_video(repo, entry.name), width=GIF_WIDTH, fps=GIF_FPS)


@pytest.fixture(scope="session")
def sample_outputs(probes: Probes) -> Probes:
    """The probes, with every scene's still and overlay run on the sample (tests/test_every_mode.py)
    queued: made once per session, in the workers, while the README run renders."""
    from scenes.registry import SCENES

    for entry in SCENES:
        probes.still(entry.name)
        probes.start([entry.name], None, "sample study", frame_rate=CRITIC_FRAME_RATE,
                     mode="transparent")  # fmt: skip
    return probes


@pytest.fixture(scope="session")
def critic_studies(tmp_path_factory: pytest.TempPathFactory, probes: Probes) -> WrittenStudies:
    """The frame critic property's studies (tests/random_stores.py), each written once per
    session; the fixed ones written, and every scene's probe on each queued, at once."""
    from scenes.registry import SCENES

    studies = WrittenStudies(tmp_path_factory.mktemp("studies"))
    for study in FIXED_STUDIES:
        store, cfg = studies.written(study)
        probes.start([entry.name for entry in SCENES], store, cfg=cfg,
                     frame_rate=CRITIC_FRAME_RATE)  # fmt: skip
    return studies


# --- the messy projects (tests/real_projects.py), written once per session --------------------


@pytest.fixture(scope="session")
def exports(tmp_path_factory: pytest.TempPathFactory) -> list[Path]:
    """Runs-table and panel exports as the W&B web UI writes them (unknown, duplicate, failed
    and crashed runs, no histories)."""
    return write_exports(tmp_path_factory.mktemp("exports"))


@pytest.fixture(scope="session")
def csv_runs(exports: list[Path]) -> list[Run]:
    result = ingest_exports(exports)
    assert result.warnings == []
    return result.runs


@pytest.fixture(scope="session")
def offline(tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, dict[str, Any]]:
    """A study written by the real wandb SDK (Hugging Face, Lightning, a Slurm job, a killed
    laptop run)."""
    return write_offline_runs(tmp_path_factory.mktemp("sdk"))


@pytest.fixture(scope="session")
def offline_runs(offline: tuple[Path, dict[str, Any]]) -> dict[str, Run]:
    directory, _ = offline
    return {run.name: run for run in ingest_offline([directory]).runs}


@pytest.fixture(scope="session")
def fixed_offline_runs(offline: tuple[Path, dict[str, Any]]) -> dict[str, Run]:
    """The same study on the clock its writers fixed, not wandb-core's (tests/critic_stores.py):
    what the frame critic judges is the same on every machine."""
    directory, _ = offline
    return {run.name: run for run in writer_clock_runs(directory, KILLED_KEPT)}


@pytest.fixture(scope="session")
def critic_stores(
    tmp_path_factory: pytest.TempPathFactory,
    csv_runs: list[Run],
    fixed_offline_runs: dict[str, Run],
    probes: Probes,
) -> dict[str, tuple[Path, Path]]:
    """The stores users bring (tests/critic_stores.py), each with the manim.cfg a scene reads
    there, and every scene's probe on each queued at once (two run at a time in worker
    processes): the frame critic and the layout checks on messy stores read the same probes."""
    from scenes.registry import SCENES

    built = build_stores(
        tmp_path_factory.mktemp("critic"), csv_runs, list(fixed_offline_runs.values())
    )
    stores: dict[str, tuple[Path, Path]] = {}
    for store, (path, cfg) in built.items():
        # no manim.cfg of its own: the project's, as Manim's CLI reads it from the project
        stores[store] = (path, cfg or PROJECT_ROOT / "manim.cfg")
        if store == "sample":  # the critic reads the sample's probe at a deck's frame rate
            continue
        probes.start([entry.name for entry in SCENES], path, cfg=stores[store][1],
                     frame_rate=CRITIC_FRAME_RATE)  # fmt: skip
    return stores
