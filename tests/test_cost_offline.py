"""Energy from power the real wandb SDK recorded: a run on this GPU-less machine whose system
monitor reads NVIDIA GPU power through a DCGM exporter's Prometheus API, served on 127.0.0.1.

That is how wandb's own tests sample GPUs without GPUs (core/internal/monitor/
dcgm_exporter_test.go serves DCGM_FI_DEV_* samples from an httptest server); the SDK's
``x_stats_dcgm_exporter`` setting points its monitor there, and it writes
``gpu.{i}.powerWatts/l:{node}`` into the run file's stats records, as on a DCGM cluster."""

from __future__ import annotations

import dataclasses
import json
import os
import subprocess
import sys
import threading
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path

import pytest

from extract.sources.wandb_files import ingest_offline
from extract.store import load_runs, save_runs
from study.analysis import build_report
from study.cost import measured_energy, run_cost
from study.cost_plan import cost_plan
from study.view import view_of
from tests.corpus_cache import sdk_corpus

WATTS = {"0": 300.0, "1": 400.0}
NODE = "nid001"
SAMPLES = 6  # the run goes on until the monitor has sampled this often

WRITER = r"""
import json, sys, time, urllib.request, wandb
port = sys.argv[1]
query = f"http://127.0.0.1:{port}/api/v1/query?query=DCGM_FI_DEV_POWER_USAGE"
run = wandb.init(project="cost", name="2 GPU power run", mode="offline",
                 config={"total_gpus": 2, "nodes": 1, "epochs": 2},
                 settings=wandb.Settings(x_stats_dcgm_exporter=query,
                                         x_stats_sampling_interval=0.2))
def sampled():
    return json.load(urllib.request.urlopen(f"http://127.0.0.1:{port}/count"))
for step in range(20):
    run.log({"epoch": step // 10, "train_loss": 1.0 / (step + 1)})
    # wait for the monitor, not for a time: a busy machine only makes this slower
    while sampled() < (step + 1) * %(samples)d // 20:
        time.sleep(0.05)
run.finish()
print(run.id)
"""


class Exporter(BaseHTTPRequestHandler):
    """A Prometheus /api/v1/query answer with DCGM's GPU power, as a DCGM exporter's
    Prometheus gives it (labels gpu, modelName, uuid, Hostname)."""

    count = 0

    def do_GET(self) -> None:
        if self.path.startswith("/count"):
            body = json.dumps(Exporter.count).encode()
        else:
            Exporter.count += 1
            result = [
                {
                    "metric": {
                        "__name__": "DCGM_FI_DEV_POWER_USAGE",
                        "gpu": gpu,
                        "modelName": "NVIDIA H100 80GB HBM3",
                        "uuid": f"GPU-{gpu}",
                        "hostname": NODE,
                    },
                    "value": [0, str(watts)],
                }
                for gpu, watts in WATTS.items()
            ]
            payload = {"status": "success", "data": {"resultType": "vector", "result": result}}
            body = json.dumps(payload).encode()
        self.send_response(200)
        self.send_header("Content-Type", "application/json")
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        self.wfile.write(body)

    def log_message(self, *args) -> None:  # quiet
        pass


@pytest.fixture(scope="module")
def power_run(tmp_path_factory) -> Path:
    # written once per version of this module and wandb (tests/corpus_cache.py)
    return (
        sdk_corpus("cost-power", [Path(__file__)], write, tmp_path_factory.mktemp("power"))
        / "wandb"
    )


def write(root: Path) -> None:
    Exporter.count = 0
    server = ThreadingHTTPServer(("127.0.0.1", 0), Exporter)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    env = {
        **os.environ,
        "WANDB_MODE": "offline",
        "WANDB_SILENT": "true",
        "WANDB_DIR": str(root),
        "WANDB_DISABLE_GIT": "true",
    }
    env.pop("WANDB_API_KEY", None)
    try:
        result = subprocess.run(
            [sys.executable, "-c", WRITER % {"samples": SAMPLES}, str(server.server_address[1])],
            env=env,
            capture_output=True,
            text=True,
        )
    finally:
        server.shutdown()
    assert result.returncode == 0, result.stderr[-2000:]


def test_gpu_power_comes_from_the_run_file(power_run):
    (run,) = ingest_offline([power_run]).runs
    power = sorted(c for c in run.system.columns if "powerWatts" in c)
    assert power == [f"gpu.0.powerWatts/l:{NODE}", f"gpu.1.powerWatts/l:{NODE}"]
    samples = run.system[power].dropna()
    assert len(samples) >= SAMPLES - 1
    assert (samples[power[0]] == 300.0).all() and (samples[power[1]] == 400.0).all()
    # sampled while the run ran, on its own clock
    assert run.system["_runtime"].between(0, run.time_s + 1).all()


def test_energy_is_the_power_times_the_time_it_was_sampled(power_run):
    (run,) = ingest_offline([power_run]).runs
    energy = measured_energy(run)
    assert energy is not None and not energy.estimated and energy.devices == 2
    stamps = run.system.dropna(subset=[f"gpu.0.powerWatts/l:{NODE}"])["_runtime"]
    # 700 W in all: at least over the span between first and last sample, at most over the run
    low = 700.0 * (stamps.max() - stamps.min()) / 3.6e6
    high = 700.0 * max(run.time_s, stamps.max()) / 3.6e6
    assert low <= energy.kwh <= high
    assert f"gpu.0.powerWatts/l:{NODE}" in energy.evidence and "2 devices" in energy.evidence


def test_power_survives_the_store_and_reaches_the_report_and_plan(power_run, tmp_path):
    (run,) = ingest_offline([power_run]).runs
    store = tmp_path / "runs.h5"
    save_runs(store, [run])
    (whole,) = load_runs(store)
    (partial,) = load_runs(store, columns=["epoch"])  # a scene's read: power, not the rest
    assert f"gpu.1.powerWatts/l:{NODE}" in whole.system and "cpu" in whole.system
    assert set(partial.system.columns) == {
        "_runtime",
        f"gpu.0.powerWatts/l:{NODE}",
        f"gpu.1.powerWatts/l:{NODE}",
    }
    expected = measured_energy(run)
    assert expected is not None
    figures = build_report([partial]).run("2 GPU power run")
    assert figures is not None
    assert figures.energy_kwh == pytest.approx(expected.kwh)
    assert figures.evidence["energy"].startswith("measured: GPU power of 2 devices")
    plan = cost_plan(view_of([partial]))
    assert plan.measure == "energy" and plan.energy_line == "Energy: from recorded GPU power"
    assert plan.y_caption == "energy per epoch (kWh, GPU power)"


@pytest.mark.parametrize(
    ("gpus", "nodes", "said"),
    [(8, 2, "2 of the job's 8 GPUs"), (1, 1, "2 devices recorded for a 1-GPU")],
)
def test_power_of_other_gpus_than_the_jobs_is_no_energy_of_the_job(power_run, gpus, nodes, said):
    """wandb records the GPUs its process sees: rank 0's node of a two-node job (2 of its 8
    GPUs), or every GPU of a node of which the job used one. The power the SDK wrote is real;
    the job's size is what its config would have said. Summed as the job's energy, the 8-GPU
    job read as 4x cheaper than it was (a newcomer's '0.13x the energy')."""
    (recorded,) = ingest_offline([power_run]).runs
    run = dataclasses.replace(recorded, gpus=gpus, nodes=nodes)
    cost = run_cost(run)
    assert cost.energy is None and cost.energy_kwh is None
    assert said in cost.energy_evidence() and cost.energy_evidence().startswith("unknown: ")
    figures = build_report([run]).run("2 GPU power run")
    assert figures is not None and figures.energy_kwh is None
    plan = cost_plan(view_of([run]))
    assert plan.measure != "energy"
    assert plan.energy_line == (
        "Energy unknown: 1 of 1 run recorded the power of other GPUs than the job's"
    )
