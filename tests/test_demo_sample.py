"""`make demo` shows the sample study, as the Quickstart says, even after a user extracted their
own runs into data/runs.h5 (LUMI_SAMPLE=1, set by the Makefile's demo target)."""

from __future__ import annotations

import os
from pathlib import Path

import pandas as pd

from extract.paths import PROJECT_ROOT
from extract.runs import RunFacts, make_run
from extract.store import save_runs
from tests.cli_run import run_cli


def test_the_demo_reads_the_sample_whatever_store_there_is(tmp_path: Path) -> None:
    store = tmp_path / "runs.h5"
    own = RunFacts(
        run_id="mine",
        name="my own run",
        state="finished",
        runtime_s=100.0,
        config={"total_gpus": 4, "epochs": 2},
        summary={},
        history=pd.DataFrame({"_runtime": []}),
        source="csv:mine.csv",
    )
    save_runs(store, [make_run(own)])
    env = {**os.environ, "RUNS_STORE": str(store)}
    mine = run_cli("report", cwd=PROJECT_ROOT, env=env)
    assert "my own run" in mine.stdout
    demo = run_cli("report", cwd=PROJECT_ROOT, env={**env, "LUMI_SAMPLE": "1"})
    assert demo.returncode == 0, demo.stderr
    assert "my own run" not in demo.stdout and "Eight Node Run 2.0" in demo.stdout
    makefile = (PROJECT_ROOT / "Makefile").read_text()
    demo_recipe = makefile.split("\ndemo:", 1)[1].split("\n\n", 1)[0]
    assert demo_recipe.count("LUMI_SAMPLE=1 $(PY) -m") == 2
