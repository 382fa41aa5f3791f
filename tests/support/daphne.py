"""Atelier served by Daphne in a subprocess, as in production: its own SQLite database and media folder,
the embedded job runner and webhook sender, the emulator for a model.

server = start_atelier(tmp_path, openai_base_url, env={...})
server.base_url      # http://127.0.0.1:PORT
server.manage("create_api_key", "designer")
server.stop()
"""

from __future__ import annotations

import os
import subprocess
import sys
import time
import urllib.request
from pathlib import Path

from tests.support.emulator import REPO_ROOT, free_port


class RunningAtelier:
    def __init__(self, process: subprocess.Popen, base_url: str, env: dict[str, str], log: Path) -> None:
        self.process, self.base_url, self.env, self.log = process, base_url, env, log

    def manage(self, *args: str) -> str:
        result = subprocess.run(
            [sys.executable, "manage.py", *args],
            cwd=REPO_ROOT,
            env=self.env,
            capture_output=True,
            text=True,
            timeout=120,
        )
        assert result.returncode == 0, result.stdout + result.stderr
        return result.stdout

    def stop(self) -> None:
        self.process.terminate()
        try:
            self.process.wait(timeout=10)
        except subprocess.TimeoutExpired:
            self.process.kill()
            self.process.wait()


def start_atelier(
    var_dir: Path, openai_base_url: str, *, env: dict[str, str] | None = None
) -> RunningAtelier:
    port = free_port()
    child_env = {
        **os.environ,
        "DEBUG": "1",
        "ATELIER_ENV_FILE": "/nonexistent",
        "ATELIER_VAR_DIR": str(var_dir),
        "ATELIER_EMBEDDED_RUNNER": "1",
        "OPENAI_BASE_URL": openai_base_url,
        "ATELIER_DEMO_PASSWORD": "a-test-password-of-some-length",
        **(env or {}),
    }
    for name in ("DATABASE_URL", "REDIS_URL", "OPENAI_API_KEY"):
        child_env.pop(name, None)
    subprocess.run(
        [sys.executable, "manage.py", "migrate", "--verbosity", "0"],
        cwd=REPO_ROOT,
        env=child_env,
        check=True,
        timeout=120,
    )
    log = var_dir / "daphne.log"
    process = subprocess.Popen(
        [sys.executable, "-m", "daphne", "-b", "127.0.0.1", "-p", str(port), "studio.asgi:application"],
        cwd=REPO_ROOT,
        env=child_env,
        stdout=log.open("w"),
        stderr=subprocess.STDOUT,
    )
    server = RunningAtelier(process, f"http://127.0.0.1:{port}", child_env, log)
    deadline = time.monotonic() + 30
    while True:
        try:
            urllib.request.urlopen(f"{server.base_url}/healthz", timeout=2)
            return server
        except OSError:
            if time.monotonic() > deadline or process.poll() is not None:
                server.stop()
                raise RuntimeError(f"Daphne did not start:\n{log.read_text()}") from None
            time.sleep(0.2)
