"""Atelier served by Daphne in a subprocess, as in production: on its own SQLite database and media folder.

server = start_atelier(tmp_path, env={"OPENAI_BASE_URL": ...})
server.base_url, server.pid, server.manage("createsuperuser", ...)
server.stop()

Browser tests, the security tests that must go through the real server (body limits, websockets) and
bench/memory.py all start it this way.
"""

from __future__ import annotations

import os
import socket
import subprocess
import sys
import time
import urllib.request
from pathlib import Path

REPO_ROOT = Path(__file__).resolve().parents[2]


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


class AtelierServer:
    def __init__(self, var_dir: Path, env: dict[str, str], port: int) -> None:
        self.var_dir = var_dir
        self.env = env
        self.port = port
        self.base_url = f"http://127.0.0.1:{port}"
        self.process: subprocess.Popen | None = None
        self._log = None

    @property
    def pid(self) -> int:
        assert self.process is not None
        return self.process.pid

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

    def log_text(self) -> str:
        return (self.var_dir / "daphne.log").read_text(errors="replace")

    def start(self, timeout: float = 30.0) -> None:
        self._log = open(self.var_dir / "daphne.log", "w")  # noqa: SIM115 - closed in stop()
        self.process = subprocess.Popen(
            [
                sys.executable,
                "-m",
                "daphne",
                "-b",
                "127.0.0.1",
                "-p",
                str(self.port),
                "studio.asgi:application",
            ],
            cwd=REPO_ROOT,
            env=self.env,
            stdout=self._log,
            stderr=subprocess.STDOUT,
        )
        deadline = time.monotonic() + timeout
        while True:
            try:
                urllib.request.urlopen(f"{self.base_url}/healthz", timeout=2)
                return
            except OSError:
                if time.monotonic() > deadline or self.process.poll() is not None:
                    self.stop()
                    raise RuntimeError(f"Daphne did not start: {self.log_text()}") from None
                time.sleep(0.2)

    def stop(self) -> None:
        if self.process is not None and self.process.poll() is None:
            self.process.terminate()
            try:
                self.process.wait(timeout=10)
            except subprocess.TimeoutExpired:
                self.process.kill()
                self.process.wait()
        if self._log is not None:
            self._log.close()
            self._log = None


def start_atelier(var_dir: Path, *, env: dict[str, str] | None = None, migrate: bool = True) -> AtelierServer:
    """Migrate a fresh database in `var_dir` and serve Atelier on a free port (DEBUG on, no .env file)."""
    child_env = {
        **os.environ,
        "DEBUG": "1",
        "ATELIER_ENV_FILE": "/nonexistent",
        "ATELIER_VAR_DIR": str(var_dir),
        "DJANGO_SETTINGS_MODULE": "studio.settings",
        "ATELIER_JOB_RUNNER": "embedded",  # as deployed (the test process itself runs jobs inline)
        **(env or {}),
    }
    child_env.pop("DATABASE_URL", None)
    if "OPENAI_API_KEY" not in (env or {}):
        child_env.pop("OPENAI_API_KEY", None)
    server = AtelierServer(var_dir, child_env, free_port())
    if migrate:
        server.manage("migrate", "--verbosity", "0")
    server.start()
    return server
