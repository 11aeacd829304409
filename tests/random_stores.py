"""Random studies for the frame critic's property test (tests/test_critic_property.py): 1 to 30
lanes, names up to 60 characters (study-file labels and the sides' names), times from 0.1 s to
30 days, either theme. Runs are copies of the sample's, their histories stretched to the drawn
time, so every scene has what it draws."""

from __future__ import annotations

import dataclasses
import math
from dataclasses import dataclass
from pathlib import Path

from hypothesis import strategies as st

from extract.model import Evidence, Run
from extract.sample import sample_runs
from extract.store import save_runs

# lanes a study may have here; beyond what a slide has room for, the scenes keep what the story
# needs (issue 27's lanes per configuration)
MOST_LANES = 30
SHORTEST_S = 0.1
LONGEST_S = 30 * 24 * 3600.0
# words a user's names are made of: letters, digits, the punctuation names carry ('%' only in
# study-file labels: an INI file's value reads it as interpolation)
LETTERS = "abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789-_.()"
LABEL_WORDS = st.text(alphabet=st.sampled_from(LETTERS + "%,"), min_size=1, max_size=14)
NAME_WORDS = st.text(alphabet=st.sampled_from(LETTERS), min_size=1, max_size=14)


@dataclass(frozen=True)
class Lane:
    gpus: int  # 0: a laptop run
    seconds: float
    label: str | None  # the study file's label, None: the run's own


@dataclass(frozen=True)
class Study:
    lanes: tuple[Lane, ...]
    theme: str
    cluster_name: str
    laptop_name: str


# the two studies `make test` always judges (tests/test_critic_property.py):
# the most lanes, every one with a long label, long names on both sides, the light theme
CROWDED = Study(
    tuple(
        Lane(0 if i < 3 else i, 0.1 * 1.6**i, "x" * 20 + " long label number " + "y" * 20)
        for i in range(MOST_LANES)
    ),
    "light",
    "A cluster with a long name of forty chars",
    "A laptop with a long name of forty chars",
)
# a study of seconds (the race's clock, times on the axis)
SECONDS = Study(
    (Lane(0, 0.56, None), Lane(16, 0.49, None), Lane(32, 0.12, None)), "dark", "LUMI", "Laptop"
)
FIXED_STUDIES = (CROWDED, SECONDS)


def _name(draw: st.DrawFn, longest: int, words: st.SearchStrategy[str] = NAME_WORDS) -> str:
    words_drawn = draw(st.lists(words, min_size=1, max_size=8))
    return " ".join(words_drawn)[:longest].strip() or "x"


@st.composite
def studies(draw: st.DrawFn) -> Study:
    """A study of seconds or of weeks: its 1-GPU time is drawn from 0.1 s to 30 days, each GPU
    count scales it at an efficiency of its own, each laptop run is 3 to 3,000 times slower,
    all kept within 0.1 s and 30 days."""
    count = draw(st.integers(1, MOST_LANES))
    gpu_counts = draw(st.lists(st.integers(1, 512), min_size=count, max_size=count, unique=True))
    laptops = draw(st.integers(0, min(3, count - 1))) if count > 1 else 0
    one_gpu = 10.0 ** draw(st.floats(math.log10(SHORTEST_S), math.log10(LONGEST_S)))
    lanes = []
    for index, gpus in enumerate(gpu_counts):
        if index < laptops:
            seconds = one_gpu * 10.0 ** draw(st.floats(0.5, 3.5))
        else:
            seconds = one_gpu / gpus ** draw(st.floats(0.3, 1.0))
        labelled = draw(st.booleans())
        lanes.append(
            Lane(
                0 if index < laptops else gpus,
                min(LONGEST_S, max(SHORTEST_S, seconds)),
                _name(draw, 60, LABEL_WORDS) if labelled else None,
            )
        )
    return Study(
        tuple(lanes),
        draw(st.sampled_from(["dark", "light"])),
        _name(draw, 40),
        _name(draw, 40),
    )


def _toml(value: str) -> str:
    return '"' + value.replace("\\", "\\\\").replace('"', '\\"') + '"'


def write_study(study: Study, root: Path) -> tuple[Path, Path]:
    """The study's store, manim.cfg and study file under ``root``: (store, manim.cfg)."""
    root.mkdir(parents=True, exist_ok=True)
    sample = {run.name: run for run in sample_runs()}
    cluster, laptop = sample["8 GPU 1 Node Run"], sample["Laptop-Multicore-2.0pct-8cores"]
    runs: list[Run] = []
    labels: dict[str, str] = {}
    for index, lane in enumerate(study.lanes):
        template = laptop if lane.gpus == 0 else cluster
        factor = lane.seconds / template.time_s
        history = template.history.copy()
        history["_runtime"] = history["_runtime"] * factor
        name = f"run {index} " + ("laptop" if lane.gpus == 0 else f"{lane.gpus} GPUs")
        evidence = dict(template.evidence)
        config, summary = dict(template.config), dict(template.summary)
        changes: dict[str, object] = {}
        if lane.gpus:
            # the facts are decided again from the config when a scene reads a study file
            nodes = math.ceil(lane.gpus / 8)
            config.update(total_gpus=lane.gpus, gpus=min(lane.gpus, 8), nodes=nodes)
            evidence["gpus"] = Evidence("config", "total_gpus", str(lane.gpus))
            evidence["nodes"] = Evidence("config", "nodes", str(nodes))
            changes = {"gpus": lane.gpus, "nodes": nodes}
        for key in ("extrapolated_total_time_hr", "extrapolated_epoch_time_hr"):
            if key in summary:  # a laptop's own extrapolation, scaled with the rest
                summary[key] = float(summary[key]) * factor
        runs.append(
            dataclasses.replace(
                template,
                run_id=f"r{index}",
                name=name,
                time_s=lane.seconds,
                measured_s=template.measured_s * factor,
                history=history,
                evidence=evidence,
                config=config,
                summary=summary,
                **changes,  # type: ignore[arg-type]
            )
        )
        if lane.label:
            labels[f"r{index}"] = lane.label
    store = root / "runs.h5"
    save_runs(store, runs)
    study_lines = [
        f"[runs.{_toml(run_id)}]\nlabel = {_toml(label)}" for run_id, label in labels.items()
    ]
    (root / "study.toml").write_text("\n".join(study_lines) + "\n", encoding="utf-8")
    cfg = root / "manim.cfg"
    cfg.write_text(
        "[lumi_vs_laptop]\n"
        f"theme = {study.theme}\n"
        f"cluster_name = {study.cluster_name}\n"
        f"laptop_name = {study.laptop_name}\n"
        "study = study.toml\n",
        encoding="utf-8",
    )
    return store, cfg


class WrittenStudies:
    """Each study written once per test session, in a folder of its own under ``root``: the
    fixed studies are written, and their probes queued, when the session begins
    (tests/conftest.py), and the test reads the same store."""

    def __init__(self, root: Path) -> None:
        self._root = root
        self._written: dict[Study, tuple[Path, Path]] = {}

    def written(self, study: Study) -> tuple[Path, Path]:
        """The study's (store, manim.cfg), written now if not yet."""
        if study not in self._written:
            folder = self._root / f"study-{len(self._written)}"
            self._written[study] = write_study(study, folder)
        return self._written[study]
