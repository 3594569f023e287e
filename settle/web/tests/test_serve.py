"""`manage.py serve` (what `make run` ends with): web and worker together, both stopped by one Ctrl-C."""

import os
import signal
import socket
import subprocess
import sys
import time
import urllib.request
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[3]


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


@pytest.mark.slow
def test_serve_prints_url_and_login_and_stops_web_and_worker_on_ctrl_c(tmp_path):
    env = {k: v for k, v in os.environ.items() if k not in {"CI", "DATABASE_URL", "SETTLE_NOW"}}
    env.update(SETTLE_VAR_DIR=str(tmp_path), SETTLE_WORKER_IDLE_SECONDS="0.2", PYTHONUNBUFFERED="1")
    manage = [sys.executable, "manage.py"]
    subprocess.run([*manage, "migrate", "--noinput", "-v0"], cwd=ROOT, env=env, check=True, timeout=120)
    port = _free_port()
    serve = subprocess.Popen(
        [*manage, "serve", "--addr", f"127.0.0.1:{port}"], cwd=ROOT, env=env, text=True,
        stdout=subprocess.PIPE, stderr=subprocess.STDOUT, start_new_session=True,
    )  # fmt: skip
    try:
        first = serve.stdout.readline() + serve.stdout.readline()
        assert f"Settle is running at http://127.0.0.1:{port}/" in first
        assert "demo / settle-demo" in first
        worker_pid = int(first.split("worker pid ")[1].split(")")[0])
        deadline = time.monotonic() + 30
        while True:
            try:
                with urllib.request.urlopen(f"http://127.0.0.1:{port}/healthz", timeout=2) as response:
                    assert response.read() == b"ok"
                    break
            except OSError:
                assert time.monotonic() < deadline, "the web server never answered"
                time.sleep(0.3)
        # Ctrl-C in a terminal signals the whole process group: serve and its worker alike.
        os.killpg(serve.pid, signal.SIGINT)
        output, _ = serve.communicate(timeout=30)
    finally:
        if serve.poll() is None:
            os.killpg(serve.pid, signal.SIGKILL)
            serve.wait()
    assert serve.returncode == 0, output
    assert "Settle stopped (web server and worker)." in output
    with pytest.raises(ProcessLookupError):
        os.kill(worker_pid, 0)
