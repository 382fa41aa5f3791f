"""`make run-scaled` as a user runs it: honcho starts the Procfile's processes (two Daphne web processes, two
run_workers, a db_worker for webhooks and the emulator) on the machine's PostgreSQL and Redis, with a database of their own. A designer
logs in over HTTP on one web process, posts a generation there, and sees it succeed on the other."""

from __future__ import annotations

import http.cookiejar
import os
import re
import secrets
import signal
import socket
import subprocess
import time
import urllib.parse
import urllib.request
from pathlib import Path

import psycopg
import pytest

from tests.conftest import require_service, service_available

pytestmark = pytest.mark.services

REPO = Path(__file__).resolve().parent.parent
SERVER = "postgres://postgres@127.0.0.1:5432"
PASSWORD = "a scaled-out designer's password"
FORM = {
    "prompt": "a poster for a jazz night",
    "model": "gpt-image-2",
    "n": "1",
    "size": "1024x1024",
    "quality": "low",
    "output_format": "png",
    "moderation": "auto",
    "partial_images": "1",
    "background": "auto",
    "action": "generate",
}


def free_ports(count: int) -> int:
    """The first of `count` consecutive free ports (honcho numbers web processes from one base)."""
    for _ in range(100):
        with socket.socket() as sock:
            sock.bind(("127.0.0.1", 0))
            base = sock.getsockname()[1]
        if base + count < 65536 and all(
            not service_available("127.0.0.1", p) for p in range(base, base + count)
        ):
            return base
    raise RuntimeError("no free ports")


class Browser:
    """Just enough of a browser: cookies, the CSRF token, form posts."""

    def __init__(self) -> None:
        self.cookies = http.cookiejar.CookieJar()
        self.opener = urllib.request.build_opener(urllib.request.HTTPCookieProcessor(self.cookies))

    def get(self, url: str) -> str:
        with self.opener.open(url, timeout=20) as answer:
            return answer.read().decode()

    def post(self, url: str, data: dict, **headers) -> tuple[int, str]:
        token = next(cookie.value for cookie in self.cookies if cookie.name == "csrftoken")
        request = urllib.request.Request(
            url, urllib.parse.urlencode(data).encode(), headers={"X-CSRFToken": token, **headers}
        )
        with self.opener.open(request, timeout=20) as answer:
            return answer.status, answer.read().decode()


@pytest.fixture
def scaled(tmp_path):
    require_service("PostgreSQL", "127.0.0.1", 5432)
    require_service("Redis", "127.0.0.1", 6379)
    database = f"atelier_scaled_test_{secrets.token_hex(4)}"
    web_port, emulator_port = free_ports(2), free_ports(1)
    env = {
        name: value
        for name, value in os.environ.items()
        if name
        not in {"DJANGO_SETTINGS_MODULE", "OPENAI_API_KEY", "OPENAI_BASE_URL", "DATABASE_URL", "REDIS_URL"}
    }
    env.update(
        DATABASE_URL=f"{SERVER}/{database}",
        REDIS_URL="redis://127.0.0.1:6379/14",
        PORT=str(web_port),
        EMULATOR_PORT=str(emulator_port),
        ATELIER_VAR_DIR=str(tmp_path / "var"),
        ATELIER_DEMO_PASSWORD=PASSWORD,
        ATELIER_EMULATOR_LATENCY="0",
        ATELIER_ENV_FILE="/nonexistent",
    )
    log = tmp_path / "run-scaled.log"
    with log.open("w") as output:
        process = subprocess.Popen(
            ["make", "--no-print-directory", "run-scaled"],
            cwd=REPO,
            env=env,
            stdout=output,
            stderr=subprocess.STDOUT,
            start_new_session=True,  # its own process group: honcho and everything it started
        )
    try:
        deadline = time.monotonic() + 60
        ports = [web_port, web_port + 1, emulator_port]
        while not all(service_available("127.0.0.1", port) for port in ports):
            assert process.poll() is None, log.read_text()
            assert time.monotonic() < deadline, log.read_text()
            time.sleep(0.2)
        yield {
            "web": [f"http://127.0.0.1:{web_port + i}" for i in range(2)],
            "database": database,
            "log": log,
        }
    finally:
        if process.poll() is None:
            os.killpg(process.pid, signal.SIGINT)  # Ctrl-C, as a user stops it
            try:
                process.wait(timeout=20)
            except subprocess.TimeoutExpired:
                os.killpg(process.pid, signal.SIGKILL)
                process.wait()
        with psycopg.connect(f"{SERVER}/postgres", autocommit=True) as connection:
            connection.execute(f"DROP DATABASE IF EXISTS {database} WITH (FORCE)")


def test_a_designer_generates_an_image_on_two_web_processes_and_two_workers(scaled):
    first, second = scaled["web"]
    browser = Browser()
    login_page = browser.get(f"{first}/accounts/login/")
    token = re.search(r'name="csrfmiddlewaretoken" value="([^"]+)"', login_page).group(1)
    browser.post(
        f"{first}/accounts/login/",
        {"username": "designer", "password": PASSWORD, "csrfmiddlewaretoken": token},
    )
    assert "designer" in browser.get(f"{first}/studio/")

    status, fragment = browser.post(f"{first}/studio/submit", FORM, **{"HX-Request": "true"})
    assert status == 200, fragment
    job_id = re.search(r'id="job-(\d+)"', fragment).group(1)

    deadline = time.monotonic() + 30
    while 'data-status="succeeded"' not in (card := browser.get(f"{second}/studio/jobs/{job_id}/")):
        assert 'data-status="failed"' not in card, card
        assert time.monotonic() < deadline, scaled["log"].read_text()
        time.sleep(0.3)

    with psycopg.connect(f"{SERVER}/{scaled['database']}") as connection:
        finals = connection.execute(
            "SELECT id FROM studio_imageasset WHERE job_id = %s AND kind = 'final'", [int(job_id)]
        ).fetchall()
    assert len(finals) == 1
    assert f"/images/{finals[0][0]}/" in card  # the second web process shows the image the worker stored
    log = scaled["log"].read_text()
    assert "Log in as 'designer'" in log or "Created the login 'designer'" in log
    # The web processes run no jobs (ATELIER_JOB_RUNNER=workers): the two run_worker processes started and one of
    # them ran it (its holder, host:pid:..., is gone from the finished row, but its attempt is counted).
    assert len(re.findall(r"worker\.[12] +\| Atelier worker \S+: up to \d+ jobs at once", log)) == 2
    with psycopg.connect(f"{SERVER}/{scaled['database']}") as connection:
        attempts, holder = connection.execute(
            "SELECT attempts, lease_holder FROM studio_generationjob WHERE id = %s", [int(job_id)]
        ).fetchone()
    assert (attempts, holder) == (1, "")
