"""No W&B key in any output, log, store or rendered file."""

from __future__ import annotations

import base64
import http.server
import os
import subprocess
import sys
import threading
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import pytest

from extract.paths import PROJECT_ROOT, SAMPLE_DIR

# built here so that no 40-hex string that looks like a real key is tracked
FAKE_KEY = "0123456789abcdef" * 2 + "01234567"
# how the key travels in an Authorization header, should a client log its requests
FAKE_KEY_BASIC = base64.b64encode(f"api:{FAKE_KEY}".encode()).decode()


class RefusingWandb(http.server.BaseHTTPRequestHandler):
    """Stands in for the W&B service (unreachable here): every request is refused with 401,
    as a wrong key is."""

    def _refuse(self) -> None:
        self.rfile.read(int(self.headers.get("Content-Length") or 0))
        self.send_response(401)
        self.send_header("Content-Type", "application/json")
        self.end_headers()
        self.wfile.write(b'{"errors": [{"message": "invalid api key"}]}')

    do_GET = do_POST = _refuse

    def log_message(self, *args) -> None:
        pass


@pytest.fixture
def wandb_service():
    server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), RefusingWandb)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    yield f"http://127.0.0.1:{server.server_port}"
    server.shutdown()


def run(args: list[str], tmp_path: Path, base_url: str) -> subprocess.CompletedProcess:
    env = {
        **os.environ,
        "WANDB_BASE_URL": base_url,
        "WANDB_API_KEY": FAKE_KEY,
        "WANDB_MODE": "offline",
        "WANDB_DIR": str(tmp_path),
        "RUNS_STORE": str(tmp_path / "runs.h5"),
    }
    return subprocess.run(args, cwd=PROJECT_ROOT, env=env, capture_output=True, text=True)


def assert_no_key_under(folder: Path) -> None:
    for path in folder.rglob("*"):
        if path.is_file():
            data = path.read_bytes()
            assert FAKE_KEY.encode() not in data and FAKE_KEY_BASIC.encode() not in data, path


@pytest.mark.render
def test_no_command_leaks_the_key(tmp_path, wandb_dir, wandb_service):
    python = sys.executable
    exports = [str(SAMPLE_DIR / "runs_table.csv"), str(SAMPLE_DIR / "panel_epoch.csv")]
    commands = [
        [python, "-m", "extract", "csv", *exports, "-o", str(tmp_path / "runs.h5")],
        [python, "-m", "extract", "report"],
        [python, "-m", "extract", "report", "--json"],
        [python, "-m", "extract", "sample", "-o", str(tmp_path / "sample.h5")],
        [python, "-m", "extract", "csv", str(tmp_path / "missing.csv")],  # an error path
        [python, "-m", "extract", "--debug", "report", str(tmp_path / "nothing.h5")],
        [python, "-m", "extract", "offline", str(wandb_dir[0]), "-o", str(tmp_path / "off.h5")],
        [python, "-m", "extract", "wandb", "team/scaling", "-o", str(tmp_path / "api.h5")],
        [python, "-m", "extract", "--debug", "wandb", "team/scaling"],
        [
            str(Path(python).with_name("manim")),
            "render",
            "-ql",
            "-s",
            "--media_dir",
            str(tmp_path / "media"),
            "scenes/race.py",
            "ProgressRace",
        ],
    ]
    # the first writes the store the reports read; the others are independent: two at a time
    first = run(commands[0], tmp_path, wandb_service)
    with ThreadPoolExecutor(2) as pool:
        rest = list(pool.map(lambda command: run(command, tmp_path, wandb_service), commands[1:]))
    for command, result in zip(commands, [first, *rest], strict=True):
        output = result.stdout + result.stderr
        assert FAKE_KEY not in output and FAKE_KEY_BASIC not in output, command
        if "wandb" in command:  # it did reach the stand-in and was refused
            assert "invalid api key" in output, output[-2000:]
    assert_no_key_under(tmp_path)
