"""Start the OpenAI emulator in its own process, as the app meets it: over real HTTP.

emulator = start_emulator(latency=0)
client = OpenAI(base_url=emulator.base_url, api_key="test")
...
emulator.received()   # what it got, oldest first
emulator.stop()
"""

from __future__ import annotations

import json
import os
import socket
import subprocess
import sys
import tempfile
import time
import urllib.error
import urllib.request
from pathlib import Path

REPO_ROOT = Path(__file__).resolve().parents[2]


class RunningEmulator:
    def __init__(self, process: subprocess.Popen, port: int) -> None:
        self.process = process
        self.port = port
        self.base_url = f"http://127.0.0.1:{port}/v1"
        self._control = f"http://127.0.0.1:{port}/_emulator"

    def received(self) -> list[dict]:
        """Every request the emulator received, oldest first (GET /_emulator/requests)."""
        with urllib.request.urlopen(f"{self._control}/requests", timeout=10) as answer:
            return json.loads(answer.read())

    def reset(self) -> None:
        """Forget received requests, stored responses and memoised images (DELETE /_emulator/requests)."""
        request = urllib.request.Request(f"{self._control}/requests", method="DELETE")
        with urllib.request.urlopen(request, timeout=10):
            pass

    def stop(self) -> None:
        if self.process.poll() is None:
            self.process.terminate()
            try:
                self.process.wait(timeout=10)
            except subprocess.TimeoutExpired:
                self.process.kill()
                self.process.wait()

    def answers(self) -> bool:
        try:
            with urllib.request.urlopen(f"{self._control}/health", timeout=1) as answer:
                return answer.status == 200
        except (urllib.error.URLError, OSError):
            return False


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def start_emulator(
    *, latency: float = 0.0, env: dict[str, str] | None = None, timeout: float = 20.0
) -> RunningEmulator:
    """Run `manage.py emulator` on a free port and wait until it answers."""
    port = free_port()
    child_env = {**os.environ, "ATELIER_EMULATOR_LATENCY": str(latency), **(env or {})}
    if not child_env.get("SECRET_KEY"):
        child_env.setdefault("DEBUG", "1")
    # The child's output goes to a file, never a pipe nobody reads (a full pipe would freeze it).
    log = tempfile.TemporaryFile()  # noqa: SIM115 - lives as long as the child process
    process = subprocess.Popen(
        [sys.executable, "manage.py", "emulator", "--host", "127.0.0.1", "--port", str(port)],
        cwd=REPO_ROOT,
        env=child_env,
        stdout=log,
        stderr=subprocess.STDOUT,
    )
    emulator = RunningEmulator(process, port)
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if process.poll() is not None:
            log.seek(0)
            output = log.read().decode(errors="replace")
            raise RuntimeError(f"The emulator exited with {process.returncode}:\n{output}")
        if emulator.answers():
            return emulator
        time.sleep(0.05)
    emulator.stop()
    raise RuntimeError(f"The emulator did not answer on port {port} within {timeout} s")
