"""Every common stack's own words, measured (issue 28): one scaling study per stack
(tests/stack_studies.py, written by the real wandb SDK in child processes), each extracted the
way a user would (`python -m extract offline DIR -o STORE`), and every fact of every run
compared with what a careful person states from its files.

The measure, counted per fact: no fact is wrong (a value where the files say none is wrong
too), and of the facts a careful person can state at most 1 in 20 is left unknown. The failure
message prints the whole table.
"""

from __future__ import annotations

import contextlib
import io
import json
import math
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest

from extract.__main__ import main as extract_main
from extract.model import Run
from extract.store import load_runs
from tests.stack_studies import EXPECTED, FACTS, STUDIES, Corpus, Expected, build_corpus

UNKNOWN_SHARE = 1 / 20


def cli(*args: str) -> tuple[int, str, str]:
    out, err = io.StringIO(), io.StringIO()
    with contextlib.redirect_stdout(out), contextlib.redirect_stderr(err):
        status = extract_main(list(args))
    return status, out.getvalue(), err.getvalue()


@dataclass
class Study:
    store: Path
    runs: list[Run]
    report: dict[str, Any]


@pytest.fixture(scope="module")
def corpus(tmp_path_factory: pytest.TempPathFactory) -> Corpus:
    return build_corpus(tmp_path_factory.mktemp("studies"))


@pytest.fixture(scope="module")
def studies(corpus: Corpus, tmp_path_factory: pytest.TempPathFactory) -> dict[str, Study]:
    stores = tmp_path_factory.mktemp("study_stores")
    found = {}
    for name in STUDIES:
        store = stores / f"{name}.h5"
        status, _, err = cli("offline", str(corpus.study(name)), "-o", str(store))
        assert status == 0, err
        status, out, err = cli("report", str(store), "--json")
        assert status == 0, err
        found[name] = Study(store, load_runs(store), json.loads(out))
    return found


def _got(run: Run, fact: str, study: Study) -> Any:
    if fact == "accuracy":
        figures = next(f for f in study.report["runs"] if f["run_id"] == run.run_id)
        return figures.get("best_accuracy")
    if fact == "platform":
        return None if run.platform == "unknown" else run.platform
    return getattr(run, fact)


def _right(want: Any, got: Any, tolerance: float) -> bool:
    if isinstance(want, int | float) and isinstance(got, int | float):
        return math.isclose(float(got), float(want), abs_tol=max(tolerance, 0.05))
    return bool(got == want)


@dataclass(frozen=True)
class Cell:
    case: Expected
    fact: str
    want: Any
    got: Any
    verdict: str  # right, wrong, unknown (a person could state it), or "-" (the files do not say)


def measure(corpus: Corpus, studies: dict[str, Study]) -> list[Cell]:
    cells = []
    for case in EXPECTED:
        study = studies[case.study]
        logged = corpus.manifest[case.key]["id"]
        (run,) = [r for r in study.runs if r.run_id == logged]
        for fact in FACTS:
            if fact not in case.facts:
                continue
            want, got = case.facts[fact], _got(run, fact, study)
            if want is None:
                verdict = "-" if got is None else "wrong"
            elif got is None:
                verdict = "unknown"
            else:
                verdict = "right" if _right(want, got, case.tolerance) else "wrong"
            cells.append(Cell(case, fact, want, got, verdict))
    return cells


def table(cells: list[Cell]) -> str:
    lines = [f"{'study':<10} {'run':<20} " + " ".join(f"{f:<13}" for f in FACTS)]
    for case in EXPECTED:
        own = {c.fact: c for c in cells if c.case is case}
        shown = []
        for fact in FACTS:
            cell = own.get(fact)
            if cell is None:
                shown.append(f"{'':<13}")
                continue
            mark = {"right": "", "-": "", "wrong": "WRONG ", "unknown": "UNKNOWN "}[cell.verdict]
            text = f"{mark}{cell.got}" if cell.verdict != "wrong" else f"{mark}{cell.got}!={cell.want}"
            shown.append(f"{text:<13}")
        lines.append(f"{case.study:<10} {case.key:<20} " + " ".join(shown))
    stateable = [c for c in cells if c.want is not None]
    wrong = [c for c in cells if c.verdict == "wrong"]
    unknown = [c for c in cells if c.verdict == "unknown"]
    lines.append(
        f"{len(wrong)} wrong of {len(cells)} facts; {len(unknown)} unknown of {len(stateable)} "
        f"a careful person states ({len(unknown) / max(len(stateable), 1):.1%}, at most "
        f"{UNKNOWN_SHARE:.0%})"
    )
    return "\n".join(lines)


def test_every_stacks_study_no_fact_wrong_and_few_unknown(
    corpus: Corpus, studies: dict[str, Study]
):
    cells = measure(corpus, studies)
    wrong = [c for c in cells if c.verdict == "wrong"]
    unknown = [c for c in cells if c.verdict == "unknown"]
    stateable = [c for c in cells if c.want is not None]
    assert len(cells) > 200, len(cells)
    assert not wrong and len(unknown) <= UNKNOWN_SHARE * len(stateable), "\n" + table(cells)


def test_every_stack_of_the_brief_has_a_scaling_study():
    """Several GPU counts, a laptop or CPU run, for each stack."""
    for study in STUDIES:
        cases = [e for e in EXPECTED if e.study == study]
        gpus = {e.facts.get("gpus") for e in cases if e.facts.get("platform") == "cluster"}
        assert len(gpus) >= 2, (study, gpus)
    assert set(STUDIES) >= {
        "deepspeed", "nemo", "horovod", "keras", "fastai", "timm", "flax", "mmengine", "composer"
    }  # fmt: skip
